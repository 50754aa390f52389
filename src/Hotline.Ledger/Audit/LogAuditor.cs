using System.Text;

namespace Hotline.Ledger;

/// <summary>What to audit: a mirrored C2SP tlog-tiles log, already read into memory or readable on demand.</summary>
/// <param name="LogKeys">The log's verifier key(s): the checkpoint must carry a valid signature from one of them.</param>
/// <param name="CheckpointNote">The signed checkpoint note of the mirror, verbatim.</param>
/// <param name="ReadTile">The bytes of a hash tile or entry bundle, or null when the mirror lacks it.</param>
public sealed record AuditInput(IReadOnlyCollection<NoteVerifier> LogKeys, string CheckpointNote, Func<TilePath, byte[]?> ReadTile)
{
    /// <summary>Witness keys: their cosignatures are verified and reported; a missing one is a warning.</summary>
    public IReadOnlyCollection<CosignatureVerifier> Witnesses { get; init; } = [];

    /// <summary>The last checkpoint this user saw (note text), which the audited log must extend; null for none.</summary>
    public string? PreviousCheckpoint { get; init; }

    /// <summary>Whether to check Hotline entry semantics; null (the default) decides from the first entry's magic.</summary>
    public bool? HotlineEntries { get; init; }
}

/// <summary>One failure found by an audit.</summary>
/// <param name="Index">The first entry index the failure concerns, or null when it concerns the log as a whole.</param>
/// <param name="Reason">A precise, one-line reason.</param>
public sealed record AuditError(long? Index, string Reason)
{
    /// <summary>The one-line form: <c>entry N: reason</c>, or the reason alone.</summary>
    public override string ToString() => Index is { } index ? $"entry {index}: {Reason}" : Reason;
}

/// <summary>The outcome of <see cref="LogAuditor.Audit"/>.</summary>
/// <param name="Checkpoint">The audited checkpoint, or null when its note did not open.</param>
/// <param name="Entries">How many entries were read and decoded from their bundles.</param>
/// <param name="HotlineEntries">Whether Hotline entry semantics were checked (else entries were treated as opaque).</param>
/// <param name="Cosigners">The names of the given witnesses whose cosignature verifies.</param>
/// <param name="Errors">Every failure, in log order (the first is at the first failing index), failures of the log as a whole last; empty for a clean log.</param>
/// <param name="Warnings">Things worth knowing that do not make the log wrong.</param>
public sealed record AuditReport(
    Checkpoint? Checkpoint,
    long Entries,
    bool HotlineEntries,
    IReadOnlyList<string> Cosigners,
    IReadOnlyList<AuditError> Errors,
    IReadOnlyList<string> Warnings)
{
    /// <summary>The checkpoint's tree size, 0 when it did not open.</summary>
    public long Size => Checkpoint?.Size ?? 0;

    /// <summary>The checkpoint's root hash, or null when it did not open.</summary>
    public Hash? Root => Checkpoint?.Root;

    /// <summary>Whether the audit found nothing wrong.</summary>
    public bool IsClean => Errors.Count == 0;
}

/// <summary>
/// Audits a mirrored C2SP tlog-tiles log end to end, trusting nothing but the log key: the checkpoint's signature,
/// every entry bundle, every leaf hash, every hash tile (byte for byte), the root, consistency with a checkpoint seen
/// before, and for Hotline logs the meaning of every entry (canonical encoding, and each request signed by a key
/// registered earlier in the log to the entry's party). Pure: the caller does the I/O.
/// </summary>
public static class LogAuditor
{
    /// <summary>Runs every check it can and reports all failures found; it throws only on null arguments.</summary>
    public static AuditReport Audit(AuditInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<AuditError>();
        var warnings = new List<string>();
        var cosigners = new List<string>();

        var checkpoint = OpenCheckpoint(input, errors, warnings, cosigners);
        if (checkpoint is null)
        {
            return new AuditReport(null, 0, false, cosigners, errors, warnings);
        }

        // Entries are checked as they are read, one bundle at a time, so that a large log is never held in memory.
        var entryErrors = new List<AuditError>();
        HotlineEntryChecker? hotline = null;
        var decided = false;
        void OnEntry(long index, byte[] entry)
        {
            if (!decided)
            {
                decided = true;
                var isHotline = input.HotlineEntries ?? entry.AsSpan().StartsWith(Encoding.ASCII.GetBytes(LogEntry.Magic + "\n"));
                hotline = isHotline ? new HotlineEntryChecker(entryErrors, warnings) : null;
            }

            hotline?.Check(index, entry);
        }

        var (tree, entries) = ReadEntries(checkpoint.Size, input.ReadTile, errors, OnEntry);
        if (tree is not null)
        {
            CompareHashTiles(tree, input.ReadTile, errors);
            var root = tree.Root();
            if (root != checkpoint.Root)
            {
                errors.Add(new AuditError(null,
                    $"root mismatch: the entries give {root.ToBase64()}, the checkpoint of size {checkpoint.Size} says {checkpoint.Root.ToBase64()}"));
            }
        }

        if (input.PreviousCheckpoint is { } previous)
        {
            CheckPrevious(previous, input.LogKeys, checkpoint, tree, errors, warnings);
        }

        // In log order, so that the first error is at the first failing index; at one index, the structural error
        // (tile, root) before what it entails; errors about the log as a whole last.
        List<AuditError> ordered = [.. errors.Concat(entryErrors).OrderBy(e => e.Index ?? long.MaxValue)];
        return new AuditReport(checkpoint, entries, hotline is not null || (!decided && input.HotlineEntries == true), cosigners, ordered, warnings);
    }

    private static Checkpoint? OpenCheckpoint(AuditInput input, List<AuditError> errors, List<string> warnings, List<string> cosigners)
    {
        SignedNote note;
        Checkpoint checkpoint;
        try
        {
            note = SignedNote.Open(input.CheckpointNote, input.LogKeys);
            checkpoint = Checkpoint.Parse(note.Text);
        }
        catch (NoteException e)
        {
            errors.Add(new AuditError(null, $"checkpoint: {e.Message} (not signed by the log key)"));
            return null;
        }
        catch (FormatException e)
        {
            errors.Add(new AuditError(null, $"checkpoint: {e.Message}"));
            return null;
        }

        var body = Encoding.UTF8.GetBytes(note.Text);
        foreach (var witness in input.Witnesses)
        {
            var line = note.Unverified.FirstOrDefault(s => s.Name == witness.Name && s.KeyId == witness.KeyId);
            if (line is null)
            {
                warnings.Add($"witness {witness.Name} did not cosign this checkpoint");
            }
            else if (witness.TryVerify(body, line.Signature, out _))
            {
                cosigners.Add(witness.Name);
            }
            else
            {
                errors.Add(new AuditError(null, $"checkpoint: the cosignature of witness {witness.Name} does not verify"));
            }
        }

        return checkpoint;
    }

    /// <summary>Decodes every bundle of the tree and rebuilds the tree; null when a bundle is missing or undecodable.</summary>
    private static (MerkleTree? Tree, long Entries) ReadEntries(long size, Func<TilePath, byte[]?> readTile, List<AuditError> errors, Action<long, byte[]> onEntry)
    {
        var tree = new MerkleTree();
        var entries = 0L;
        var complete = true;
        foreach (var path in TreeTiles.EntryBundles(size))
        {
            var first = path.Index * TilePath.FullWidth;
            var bytes = readTile(path);
            if (bytes is null)
            {
                errors.Add(new AuditError(first, $"{path} is missing (entries {first}..{first + path.Width - 1})"));
                complete = false;
                break;
            }

            IReadOnlyList<byte[]> bundle;
            try
            {
                bundle = EntryBundle.Decode(bytes, path.Width);
            }
            catch (FormatException e)
            {
                errors.Add(new AuditError(first, $"{path} does not decode: {e.Message}"));
                complete = false;
                break;
            }

            foreach (var entry in bundle)
            {
                onEntry(entries++, entry);
                tree.Append(Rfc9162.LeafHash(entry));
            }
        }

        return (complete ? tree : null, entries);
    }

    private static void CompareHashTiles(MerkleTree tree, Func<TilePath, byte[]?> readTile, List<AuditError> errors)
    {
        foreach (var path in TreeTiles.HashTiles(tree.Size))
        {
            var bytes = readTile(path);
            var firstNode = path.Index * TilePath.FullWidth;
            var shift = TilePath.Height * path.Level;
            if (bytes is null)
            {
                errors.Add(new AuditError(firstNode << shift, $"{path} is missing"));
                continue;
            }

            if (bytes.Length != path.Width * Hash.Size)
            {
                errors.Add(new AuditError(firstNode << shift, $"{path} is {bytes.Length} bytes, not {path.Width * Hash.Size}"));
                continue;
            }

            var expected = new byte[path.Width * Hash.Size];
            tree.ReadTile(path.Level, path.Index, path.Width, expected);
            for (var i = 0; i < path.Width; i++)
            {
                var at = i * Hash.Size;
                if (!bytes.AsSpan(at, Hash.Size).SequenceEqual(expected.AsSpan(at, Hash.Size)))
                {
                    var node = firstNode + i;
                    var what = path.Level == 0
                        ? $"leaf hash {node}"
                        : $"hash {i} (tree level {shift}, entries {node << shift}..{((node + 1) << shift) - 1})";
                    errors.Add(new AuditError(node << shift, $"{path}: {what} differs from the hash the entries give"));
                    break;
                }
            }
        }
    }

    private static void CheckPrevious(string previousNote, IReadOnlyCollection<NoteVerifier> keys, Checkpoint current, MerkleTree? tree, List<AuditError> errors, List<string> warnings)
    {
        Checkpoint previous;
        try
        {
            previous = Checkpoint.Parse(SignedNote.Open(previousNote, keys).Text);
        }
        catch (Exception e) when (e is NoteException or FormatException)
        {
            errors.Add(new AuditError(null, $"previous checkpoint: {e.Message}"));
            return;
        }

        if (previous.Origin != current.Origin)
        {
            errors.Add(new AuditError(null, $"previous checkpoint is of another log: origin '{previous.Origin}', not '{current.Origin}'"));
            return;
        }

        if (previous.Size > current.Size)
        {
            errors.Add(new AuditError(current.Size,
                $"rollback: the log has size {current.Size}, smaller than the {previous.Size} of a checkpoint seen before"));
            return;
        }

        if (tree is null)
        {
            warnings.Add("consistency with the previous checkpoint not checked: the entries could not be read");
            return;
        }

        var then = tree.Root(previous.Size);
        if (then != previous.Root)
        {
            errors.Add(new AuditError(null,
                $"fork: at size {previous.Size} the log's root is {then.ToBase64()}, the checkpoint seen before says {previous.Root.ToBase64()}"));
        }
    }
}
