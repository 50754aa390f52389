using System.Globalization;
using Hotline.Ledger;

namespace Hotline.Integration.Tests;

/// <summary><c>hotline log</c> against the real server: mirror and audit, proofs, and saved checkpoints.</summary>
public sealed class LogCliTests : IAsyncLifetime
{
    private const string LogKey = "@data/log.pub";
    private readonly string _folder = Directory.CreateTempSubdirectory("hotline-log-").FullName;
    private int _port;
    private readonly HttpClient _http = new();
    private System.Diagnostics.Process? _server;
    private int _filings;
    private int _parties;

    private string Server => $"http://127.0.0.1:{_port}";

    public async Task InitializeAsync()
    {
        (_server, _port) = await HotlineProcess.ServeAsync(Path.Combine(_folder, "data"));
        _http.BaseAddress = new Uri(Server);
        await File.WriteAllTextAsync(Path.Combine(_folder, "box.geojson"), """{"type":"Polygon","coordinates":[[[37.0,36.3],[37.3,36.3],[37.3,36.5],[37.0,36.5],[37.0,36.3]]]}""");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        _server?.Kill(entireProcessTree: true);
        if (_server is not null)
        {
            await _server.WaitForExitAsync();
            _server.Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task AMirroredLogPassesTheAuditAndItsEntriesHaveVerifiableProofs()
    {
        var size = await FileAndWaitAsync(filings: 3);

        var mirrored = await Succeeds("log", "mirror", $"{Server}/log", "mirror");
        Assert.StartsWith($"mirrored localhost/hotline size {size} into mirror: 2 tile(s) fetched", mirrored.Output, StringComparison.Ordinal);
        var audit = await Succeeds("log", "audit", "mirror", "--log-key", LogKey);
        Assert.Contains($"entries {size} (Hotline entries: encodings and signatures checked)", audit.Output, StringComparison.Ordinal);
        Assert.EndsWith("audit passed\n", audit.Output, StringComparison.Ordinal);

        var entries = MirroredEntries();
        await File.WriteAllBytesAsync(Path.Combine(_folder, "entry3"), entries[3]);
        await File.WriteAllBytesAsync(Path.Combine(_folder, "entry4"), entries[4]);
        Assert.Equal("wrote 3.proof\n", (await Succeeds("--server", Server, "log", "proof", "3", "--out", "3.proof")).Output);

        var verified = await Succeeds("log", "verify-proof", "3.proof", "--log-key", LogKey, "--entry", "entry3");
        Assert.StartsWith("entry 3 is in localhost/hotline at size ", verified.Output, StringComparison.Ordinal);
        var byHash = await Succeeds("log", "verify-proof", "3.proof", "--log-key", LogKey, "--leaf-hash", Rfc9162.LeafHash(entries[3]).ToBase64());
        Assert.Equal(verified.Output, byHash.Output);

        var wrongEntry = await Run("log", "verify-proof", "3.proof", "--log-key", LogKey, "--entry", "entry4");
        Assert.Equal(1, wrongEntry.ExitCode);
        Assert.StartsWith("hotline: proof does not verify: entry 3 is not proven in the tree of size ", wrongEntry.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMirrorGrowsIncrementallyAndStillPasses()
    {
        await FileAndWaitAsync(filings: 1);
        await Succeeds("log", "mirror", $"{Server}/log", "mirror");
        var size = await FileAndWaitAsync(filings: 1);

        var again = await Succeeds("log", "mirror", $"{Server}/log/", "mirror");

        Assert.StartsWith($"mirrored localhost/hotline size {size} into mirror: ", again.Output, StringComparison.Ordinal);
        Assert.Contains("audit passed", (await Succeeds("log", "audit", "mirror", "--log-key", LogKey, "--seen", "seen.checkpoint")).Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_folder, "seen.checkpoint")));
    }

    [Fact]
    public async Task AnEntryCorruptedInTheMirrorFailsTheAuditNamingIt()
    {
        var size = await FileAndWaitAsync(filings: 3);
        await Succeeds("log", "mirror", $"{Server}/log", "mirror");

        // Flip the last byte of entry 4 (inside its signed request), leaving the bundle's lengths intact.
        var path = Path.Combine(_folder, "mirror", new TilePath(true, 0, 0, (int)size).ToString());
        var bundle = await File.ReadAllBytesAsync(path);
        var offset = 0;
        for (var i = 0; i <= 4; i++)
        {
            offset += 2 + ((bundle[offset] << 8) | bundle[offset + 1]);
        }

        bundle[offset - 1] ^= 0x20;
        await File.WriteAllBytesAsync(path, bundle);

        var audit = await Run("log", "audit", "mirror", "--log-key", LogKey);

        Assert.Equal(1, audit.ExitCode);
        var lines = audit.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"hotline: audit failed: entry 4: tile/0/000.p/{size}: leaf hash 4 differs from the hash the entries give", lines[0]);
        Assert.All(lines, line => Assert.StartsWith("hotline: audit failed: ", line, StringComparison.Ordinal));
        Assert.DoesNotContain("audit passed", audit.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASavedCheckpointMustBeExtendedByTheNextOne()
    {
        await FileAndWaitAsync(filings: 2);
        var first = await Succeeds("log", "checkpoint", "--server", Server, "--log-key", LogKey, "--save", "seen.checkpoint");
        Assert.Matches(@"^origin localhost/hotline\nsize \d+\nroot [A-Za-z0-9+/]{43}=\nsaved seen\.checkpoint\n$", first.Output);
        var saved = Checkpoint.Parse(SignedNote.Parse(await File.ReadAllTextAsync(Path.Combine(_folder, "seen.checkpoint"))).Text);

        var size = await FileAndWaitAsync(filings: 1);
        var second = await Succeeds("--server", Server, "log", "checkpoint", "--log-key", LogKey, "--save", "seen.checkpoint");
        Assert.Contains($"size {size}\n", second.Output, StringComparison.Ordinal);
        Assert.Contains($"consistent with seen.checkpoint (size {saved.Size})\n", second.Output, StringComparison.Ordinal);

        // Checkpoints the log key signed but the log never published: the server's log does not extend them.
        using var logKey = Ed25519NoteSigner.Parse((await File.ReadAllTextAsync(Path.Combine(_folder, "data", "log.key"))).Trim());
        var forked = SignedNote.Sign(new Checkpoint("localhost/hotline", size - 1, Hash.Of("another history"u8)).ToString(), logKey);
        await File.WriteAllTextAsync(Path.Combine(_folder, "seen.checkpoint"), forked);
        var refused = await Run("log", "checkpoint", "--server", Server, "--log-key", LogKey, "--save", "seen.checkpoint");
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith($"hotline: rollback or fork: size {size} does not extend size {size - 1} seen before: ", refused.Error, StringComparison.Ordinal);
        Assert.Equal(forked, await File.ReadAllTextAsync(Path.Combine(_folder, "seen.checkpoint")));

        var ahead = SignedNote.Sign(new Checkpoint("localhost/hotline", size + 10, Hash.Of("the future"u8)).ToString(), logKey);
        await File.WriteAllTextAsync(Path.Combine(_folder, "seen.checkpoint"), ahead);
        var rolledBack = await Run("log", "checkpoint", "--server", Server, "--log-key", LogKey, "--save", "seen.checkpoint");
        Assert.Equal(1, rolledBack.ExitCode);
        Assert.Equal($"hotline: rollback or fork: the log has size {size}, smaller than the {size + 10} seen before (kept seen.checkpoint unchanged)\n", rolledBack.Error);

        await Succeeds("log", "mirror", $"{Server}/log", "mirror");
        var audit = await Run("log", "audit", "mirror", "--log-key", LogKey, "--seen", "seen.checkpoint");
        Assert.Equal(1, audit.ExitCode);
        Assert.StartsWith($"hotline: audit failed: entry {size}: rollback: the log has size {size}", audit.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACheckpointVerifiesOfflineOnlyWithTheLogKey()
    {
        await FileAndWaitAsync(filings: 1);
        await Succeeds("log", "mirror", $"{Server}/log", "mirror");

        var ok = await Succeeds("log", "verify-checkpoint", "mirror/checkpoint", "--log-key", LogKey);
        Assert.StartsWith("origin localhost/hotline\nsize ", ok.Output, StringComparison.Ordinal);

        using var other = Ed25519NoteSigner.Generate("localhost/hotline");
        var refused = await Run("log", "verify-checkpoint", "mirror/checkpoint", "--log-key", other.VerifierKey);
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("hotline: checkpoint: note has no verifiable signatures\n", refused.Error);
    }

    /// <summary>Files reservations by two parties and waits for a checkpoint that covers them; returns its size.</summary>
    private async Task<long> FileAndWaitAsync(int filings)
    {
        var party = await NewPartyAsync($"party{_filings}");
        for (var i = 0; i < filings; i++)
        {
            var day = (++_filings).ToString("D2", CultureInfo.InvariantCulture);
            await Succeeds(["--server", Server, "--token", party.Token, "--key", party.KeyFile, "file", "box.geojson", "--lower", "0", "--upper", "100",
                "--start", $"2030-01-{day}T10:00:00Z", "--end", $"2030-01-{day}T11:00:00Z"]);
        }

        // The entries so far: the operator key, one party.created per party, one entry per filing.
        var entries = 1L + _parties + _filings;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var note = await _http.GetStringAsync("/log/checkpoint");
            var size = long.Parse(note.Split('\n')[1], CultureInfo.InvariantCulture);
            if (size >= entries)
            {
                return size;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no checkpoint covered {entries} entries in 10 s");
    }

    private async Task<(string Token, string KeyFile)> NewPartyAsync(string name)
    {
        _parties++;
        var keyFile = $"{name}.key";
        var key = await Succeeds("key", "new", "--out", keyFile);
        var created = await Succeeds("--server", Server, "party", "create", name, "--public-key", key.Output.Trim().Split(' ')[2]);
        var token = created.Output.Split('\n').Single(l => l.StartsWith("token ", StringComparison.Ordinal))["token ".Length..];
        return (token, keyFile);
    }

    private List<byte[]> MirroredEntries()
    {
        var note = File.ReadAllText(Path.Combine(_folder, "mirror", "checkpoint"));
        var size = Checkpoint.Parse(SignedNote.Parse(note).Text).Size;
        return [.. EntryBundle.Decode(File.ReadAllBytes(Path.Combine(_folder, "mirror", new TilePath(true, 0, 0, (int)size).ToString())))];
    }

    private Task<(int ExitCode, string Output, string Error)> Run(params string[] args) => HotlineProcess.RunAsync(args, _folder);

    private async Task<(int ExitCode, string Output, string Error)> Succeeds(params string[] args)
    {
        var result = await Run(args);
        Assert.True(result.ExitCode == 0, $"hotline {string.Join(' ', args)} exited {result.ExitCode}: {result.Error}");
        return result;
    }
}
