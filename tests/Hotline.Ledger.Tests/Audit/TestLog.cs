namespace Hotline.Ledger.Tests.Audit;

/// <summary>
/// A tlog-tiles log built in memory, as a server would publish it: entry bundles, hash tiles and a checkpoint signed
/// by <see cref="Signer"/>. Tests tamper with its files, or build another log from changed entries with the same key.
/// </summary>
internal sealed class TestLog
{
    private TestLog(IReadOnlyList<byte[]> entries, Dictionary<string, byte[]> files, Checkpoint checkpoint, string note)
    {
        Entries = entries;
        Files = files;
        Checkpoint = checkpoint;
        Note = note;
    }

    public const string Origin = "test.hotline.example/log";

    /// <summary>The log's signing key, shared by every log the tests build (the log operator is the attacker).</summary>
    public static Ed25519NoteSigner Signer { get; } = Ed25519NoteSigner.Generate(Origin);

    public IReadOnlyList<byte[]> Entries { get; }

    /// <summary>Tile path → bytes, mutable so that tests can corrupt a file of the mirror.</summary>
    public Dictionary<string, byte[]> Files { get; }

    public Checkpoint Checkpoint { get; }

    public string Note { get; set; }

    public static TestLog Build(IReadOnlyList<byte[]> entries, Ed25519NoteSigner? signer = null)
    {
        var tree = new MerkleTree();
        foreach (var entry in entries)
        {
            tree.Append(Rfc9162.LeafHash(entry));
        }

        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var bundle in TreeTiles.EntryBundles(tree.Size))
        {
            var first = (int)(bundle.Index * TilePath.FullWidth);
            files[bundle.ToString()] = EntryBundle.Encode([.. entries.Skip(first).Take(bundle.Width).Select(e => (ReadOnlyMemory<byte>)e)]);
        }

        foreach (var tile in TreeTiles.HashTiles(tree.Size))
        {
            var bytes = new byte[tile.Width * Hash.Size];
            tree.ReadTile(tile.Level, tile.Index, tile.Width, bytes);
            files[tile.ToString()] = bytes;
        }

        var checkpoint = new Checkpoint(Origin, tree.Size, tree.Root());
        return new TestLog(entries, files, checkpoint, SignedNote.Sign(checkpoint.ToString(), signer ?? Signer));
    }

    public AuditInput Input(string? previous = null) =>
        new([Signer.Verifier], Note, path => Files.TryGetValue(path.ToString(), out var bytes) ? bytes : null) { PreviousCheckpoint = previous };

    public AuditReport Audit(string? previous = null) => LogAuditor.Audit(Input(previous));

    /// <summary>Changes the entries inside the (single) bundle file, leaving hash tiles and checkpoint alone.</summary>
    public void RewriteBundle(Func<List<byte[]>, List<byte[]>> change)
    {
        var path = TreeTiles.EntryBundles(Checkpoint.Size).Single().ToString();
        var entries = change([.. EntryBundle.Decode(Files[path])]);
        Files[path] = EntryBundle.Encode([.. entries.Select(e => (ReadOnlyMemory<byte>)e)]);
    }
}

/// <summary>Hotline entries (LogEntry v1) signed with real keys, as the server writes them.</summary>
internal sealed class HotlineEntries : IDisposable
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 10, 0, 0, TimeSpan.Zero);
    private int _clock;

    public PartySigningKey Operator { get; } = PartySigningKey.Generate();

    public PartySigningKey Alpha { get; } = PartySigningKey.Generate();

    public PartySigningKey Bravo { get; } = PartySigningKey.Generate();

    public const int AlphaParty = 1;
    public const int BravoParty = 2;

    private DateTimeOffset Now => Start.AddSeconds(_clock++);

    public byte[] OperatorKey() =>
        Entry(0, EntryKinds.OperatorKey, "operator", 1, Operator.PublicKey, Request(Operator, "PUT", "/v1/operator/key"));

    public byte[] PartyCreated(int party, PartySigningKey key, PartySigningKey? signer = null) =>
        Entry(0, EntryKinds.PartyCreated, party.ToString(System.Globalization.CultureInfo.InvariantCulture), 1, key.PublicKey, Request(signer ?? Operator, "POST", "/v1/parties"));

    public byte[] Filed(int party, PartySigningKey signer) =>
        Entry(party, EntryKinds.ReservationFiled, Guid.NewGuid().ToString(), 1, null, Request(signer, "POST", "/v1/reservations"));

    /// <summary>An F3548 operational intent create for <paramref name="party"/>, signed by <paramref name="signer"/> at <paramref name="target"/>.</summary>
    public byte[] DssFiled(int party, PartySigningKey signer, string target) =>
        Entry(party, EntryKinds.ReservationFiled, Guid.NewGuid().ToString(), 1, null, Request(signer, "PUT", target));

    /// <summary>Operator key, Alpha and Bravo created with their keys, then <paramref name="filings"/> filings alternating Alpha, Bravo.</summary>
    public List<byte[]> Standard(int filings)
    {
        var entries = new List<byte[]> { OperatorKey(), PartyCreated(AlphaParty, Alpha), PartyCreated(BravoParty, Bravo) };
        for (var i = 0; i < filings; i++)
        {
            entries.Add(i % 2 == 0 ? Filed(AlphaParty, Alpha) : Filed(BravoParty, Bravo));
        }

        return entries;
    }

    public void Dispose()
    {
        Operator.Dispose();
        Alpha.Dispose();
        Bravo.Dispose();
    }

    private byte[] Entry(int party, string kind, string subject, long version, PartyPublicKey? key, SignedRequest request) =>
        new LogEntry(Now, party, kind, subject, version, key, request).Encode();

    private SignedRequest Request(PartySigningKey key, string method, string target) =>
        SignedRequest.Create(key, method, target, Now, Guid.NewGuid(), System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{_clock}}}"));
}
