using System.Text;

namespace Hotline.Ledger;

/// <summary>
/// Checks a Merkle inclusion proof and throws when it fails; the Merkle code's
/// <c>MerkleProofs.VerifyInclusion</c> has this shape and binds as a method group.
/// </summary>
public delegate void InclusionVerifier(long index, long size, in Hash leafHash, IReadOnlyList<Hash> proof, in Hash root);

/// <summary>
/// A C2SP tlog-proof bundle (<c>c2sp.org/tlog-proof@v1</c>): optional unauthenticated extra data, the entry index,
/// the inclusion proof hashes, and the signed checkpoint kept verbatim.
/// </summary>
/// <param name="Extra">Opaque extra data, or null when the line is absent. Not authenticated: never trust it.</param>
/// <param name="Index">Zero-based index of the entry in the log.</param>
/// <param name="Proof">Inclusion proof hashes, from the leaf's sibling up to the root's child.</param>
/// <param name="Checkpoint">The signed checkpoint note, verbatim (it may carry cosignatures).</param>
public sealed record TlogProof(byte[]? Extra, long Index, IReadOnlyList<Hash> Proof, string Checkpoint)
{
    /// <summary>The first line of every proof.</summary>
    public const string Header = "c2sp.org/tlog-proof@v1";

    /// <summary>An index below 2^63 never needs more proof hashes than this.</summary>
    public const int MaxProofHashes = 63;

    /// <summary>Parses a proof bundle strictly.</summary>
    /// <exception cref="FormatException">Missing header or index, bad base64, a hash not 32 bytes, no checkpoint.</exception>
    public static TlogProof Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var position = 0;
        string? NextLine()
        {
            var end = text.IndexOf('\n', position);
            if (end < 0)
            {
                return null;
            }

            var line = text[position..end];
            position = end + 1;
            return line;
        }

        if (NextLine() != Header)
        {
            throw new FormatException($"tlog-proof: missing expected header \"{Header}\"");
        }

        var line = NextLine();
        byte[]? extra = null;
        if (line is not null && line.StartsWith("extra ", StringComparison.Ordinal))
        {
            if (!NoteEncoding.TryDecodeBase64(line["extra ".Length..], out extra))
            {
                throw new FormatException("tlog-proof: extra data not base64 encoded");
            }

            line = NextLine();
        }

        if (line is null || !line.StartsWith("index ", StringComparison.Ordinal))
        {
            throw new FormatException("tlog-proof: missing required index line");
        }

        if (!NoteEncoding.TryParseDecimal(line["index ".Length..], out var index))
        {
            throw new FormatException("tlog-proof: index is not a valid uint64 (decimal, no leading zeroes, below 2^63)");
        }

        var proof = new List<Hash>();
        while ((line = NextLine()) is not null && line.Length != 0)
        {
            if (!NoteEncoding.TryDecodeBase64(line, out var hash))
            {
                throw new FormatException("tlog-proof: proof hash not base64 encoded");
            }

            if (hash.Length != Hash.Size)
            {
                throw new FormatException($"tlog-proof: invalid proof hash length {hash.Length}, expected {Hash.Size}");
            }

            if (proof.Count == MaxProofHashes)
            {
                throw new FormatException($"tlog-proof: more than {MaxProofHashes} proof hashes");
            }

            proof.Add(new Hash(hash));
        }

        if (line is null || position == text.Length)
        {
            throw new FormatException("tlog-proof: missing empty line and checkpoint");
        }

        return new TlogProof(extra, index, proof, text[position..]);
    }

    /// <summary>The exact bundle text.</summary>
    public string Format()
    {
        var builder = new StringBuilder(Header).Append('\n');
        if (Extra is not null)
        {
            builder.Append("extra ").Append(Convert.ToBase64String(Extra)).Append('\n');
        }

        builder.Append("index ").Append(NoteEncoding.Decimal(Index)).Append('\n');
        foreach (var hash in Proof)
        {
            builder.Append(hash.ToBase64()).Append('\n');
        }

        return builder.Append('\n').Append(Checkpoint).ToString();
    }

    /// <summary>The bundle text.</summary>
    public override string ToString() => Format();

    /// <summary>Opens the signed checkpoint with the known log (and witness) keys and parses its body.</summary>
    /// <exception cref="NoteException">The note does not open.</exception>
    /// <exception cref="FormatException">The signed text is not a checkpoint.</exception>
    public (Checkpoint Checkpoint, SignedNote Note) OpenCheckpoint(IReadOnlyCollection<NoteVerifier> known)
    {
        var note = SignedNote.Open(Checkpoint, known);
        return (Ledger.Checkpoint.Parse(note.Text), note);
    }

    /// <summary>
    /// Opens the checkpoint, then checks that <paramref name="leafHash"/> is at <see cref="Index"/> in its tree
    /// through <paramref name="verifyInclusion"/> (the Merkle code's verifier). Any quorum policy on cosignatures
    /// is the caller's, from the returned note.
    /// </summary>
    /// <exception cref="NoteException">The note does not open.</exception>
    /// <exception cref="FormatException">The signed text is not a checkpoint, or the index is outside the tree.</exception>
    public (Checkpoint Checkpoint, SignedNote Note) Verify(Hash leafHash, IReadOnlyCollection<NoteVerifier> known, InclusionVerifier verifyInclusion)
    {
        ArgumentNullException.ThrowIfNull(verifyInclusion);
        var (checkpoint, note) = OpenCheckpoint(known);
        if (Index >= checkpoint.Size)
        {
            throw new FormatException($"tlog-proof: index {Index} is outside a tree of size {checkpoint.Size}");
        }

        var root = checkpoint.Root;
        verifyInclusion(Index, checkpoint.Size, in leafHash, Proof, in root);
        return (checkpoint, note);
    }

    /// <inheritdoc />
    public bool Equals(TlogProof? other) =>
        other is not null && Index == other.Index && Checkpoint == other.Checkpoint && Proof.SequenceEqual(other.Proof)
        && (Extra is null ? other.Extra is null : other.Extra is not null && Extra.AsSpan().SequenceEqual(other.Extra));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Index, Checkpoint, Proof.Count);
}
