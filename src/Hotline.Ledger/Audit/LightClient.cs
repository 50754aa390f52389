using System.Text;

namespace Hotline.Ledger;

/// <summary>Why a light client refused a checkpoint or a proof.</summary>
public enum VerificationFailure
{
    /// <summary>The checkpoint note does not open with the log key, or its body is not a checkpoint.</summary>
    Checkpoint,

    /// <summary>The previous checkpoint is of another log (another origin).</summary>
    OtherLog,

    /// <summary>The log is smaller than a checkpoint seen before.</summary>
    Rollback,

    /// <summary>The log does not extend a checkpoint seen before (the consistency proof fails).</summary>
    Fork,

    /// <summary>A witness cosignature does not verify.</summary>
    Cosignature,

    /// <summary>An inclusion proof does not verify.</summary>
    Inclusion,
}

/// <summary>A light client refused a checkpoint or a proof; the message is one line saying why.</summary>
public sealed class VerificationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public VerificationException(VerificationFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    /// <summary>What failed.</summary>
    public VerificationFailure Failure { get; }
}

/// <summary>A checkpoint that verified, with the names of the given witnesses that cosigned it.</summary>
public sealed record VerifiedCheckpoint(Checkpoint Checkpoint, SignedNote Note, IReadOnlyList<string> Cosigners);

/// <summary>
/// What a client that keeps no copy of the log checks: a checkpoint against the log key (and witnesses), that it
/// extends the last checkpoint the client saw, and that an entry is in it. Pure.
/// </summary>
public static class LightClient
{
    /// <summary>Opens a checkpoint with the log key(s) and checks the cosignatures of the given witnesses.</summary>
    /// <exception cref="VerificationException">The note does not open, or a present witness cosignature is invalid.</exception>
    public static VerifiedCheckpoint VerifyCheckpoint(string note, IReadOnlyCollection<NoteVerifier> logKeys, IReadOnlyCollection<CosignatureVerifier>? witnesses = null)
    {
        ArgumentNullException.ThrowIfNull(note);
        ArgumentNullException.ThrowIfNull(logKeys);
        SignedNote opened;
        Checkpoint checkpoint;
        try
        {
            opened = SignedNote.Open(note, logKeys);
            checkpoint = Checkpoint.Parse(opened.Text);
        }
        catch (Exception e) when (e is NoteException or FormatException)
        {
            throw new VerificationException(VerificationFailure.Checkpoint, $"checkpoint: {e.Message}", e);
        }

        var cosigners = new List<string>();
        var body = Encoding.UTF8.GetBytes(opened.Text);
        foreach (var witness in witnesses ?? [])
        {
            var line = opened.Unverified.FirstOrDefault(s => s.Name == witness.Name && s.KeyId == witness.KeyId);
            if (line is null)
            {
                continue;
            }

            if (!witness.TryVerify(body, line.Signature, out _))
            {
                throw new VerificationException(VerificationFailure.Cosignature, $"checkpoint: the cosignature of witness {witness.Name} does not verify");
            }

            cosigners.Add(witness.Name);
        }

        return new VerifiedCheckpoint(checkpoint, opened, cosigners);
    }

    /// <summary>
    /// Checks that <paramref name="current"/> extends <paramref name="previous"/> (both already verified): same
    /// origin, size not smaller, and <paramref name="consistencyProof"/> (RFC 9162, from the previous size to the
    /// current one; ignored when the sizes are equal or the previous tree is empty) verifies between their roots.
    /// </summary>
    /// <exception cref="VerificationException">Another log, a rollback or a fork.</exception>
    public static void VerifyExtends(Checkpoint previous, Checkpoint current, IReadOnlyList<Hash> consistencyProof)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(consistencyProof);
        if (previous.Origin != current.Origin)
        {
            throw new VerificationException(VerificationFailure.OtherLog, $"the checkpoint is of log '{current.Origin}', the previous one of '{previous.Origin}'");
        }

        if (previous.Size > current.Size)
        {
            throw new VerificationException(VerificationFailure.Rollback, $"the log has size {current.Size}, smaller than the {previous.Size} seen before");
        }

        if (previous.Size == current.Size)
        {
            if (previous.Root != current.Root)
            {
                throw new VerificationException(VerificationFailure.Fork, $"size {current.Size} has root {current.Root.ToBase64()}, but {previous.Root.ToBase64()} was seen before");
            }

            return;
        }

        if (previous.Size == 0)
        {
            return;
        }

        try
        {
            MerkleProofs.VerifyConsistency(previous.Size, current.Size, consistencyProof, previous.Root, current.Root);
        }
        catch (ProofException e)
        {
            throw new VerificationException(VerificationFailure.Fork, $"size {current.Size} does not extend size {previous.Size} seen before: {e.Message}", e);
        }
    }

    /// <summary>Whether extending <paramref name="previous"/> to <paramref name="current"/> needs a consistency proof.</summary>
    public static bool NeedsConsistencyProof(Checkpoint previous, Checkpoint current)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        return previous.Size > 0 && previous.Size < current.Size && previous.Origin == current.Origin;
    }

    /// <summary>Verifies a C2SP tlog-proof bundle for an entry: its leaf hash is SHA-256(0x00 || entry).</summary>
    /// <exception cref="VerificationException">The bundle is malformed, its checkpoint does not open, or the proof fails.</exception>
    public static (TlogProof Proof, VerifiedCheckpoint Checkpoint) VerifyEntryProof(string bundle, ReadOnlySpan<byte> entry, IReadOnlyCollection<NoteVerifier> logKeys, IReadOnlyCollection<CosignatureVerifier>? witnesses = null) =>
        VerifyLeafProof(bundle, Rfc9162.LeafHash(entry), logKeys, witnesses);

    /// <summary>Verifies a C2SP tlog-proof bundle for a leaf hash.</summary>
    /// <exception cref="VerificationException">The bundle is malformed, its checkpoint does not open, or the proof fails.</exception>
    public static (TlogProof Proof, VerifiedCheckpoint Checkpoint) VerifyLeafProof(string bundle, Hash leafHash, IReadOnlyCollection<NoteVerifier> logKeys, IReadOnlyCollection<CosignatureVerifier>? witnesses = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        TlogProof proof;
        try
        {
            proof = TlogProof.Parse(bundle);
        }
        catch (FormatException e)
        {
            throw new VerificationException(VerificationFailure.Inclusion, e.Message, e);
        }

        var verified = VerifyCheckpoint(proof.Checkpoint, logKeys, witnesses);
        var checkpoint = verified.Checkpoint;
        try
        {
            MerkleProofs.VerifyInclusion(proof.Index, checkpoint.Size, leafHash, proof.Proof, checkpoint.Root);
        }
        catch (ProofException e)
        {
            throw new VerificationException(VerificationFailure.Inclusion, $"entry {proof.Index} is not proven in the tree of size {checkpoint.Size}: {e.Message}", e);
        }

        return (proof, verified);
    }
}
