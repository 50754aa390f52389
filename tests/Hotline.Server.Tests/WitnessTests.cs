using System.Net;
using System.Net.Sockets;
using System.Text;
using Hotline.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hotline.Server.Tests;

/// <summary>One add-checkpoint request as the witness saw it, and its answer.</summary>
internal sealed record WitnessExchange(long OldSize, int ProofHashes, long? NewSize, int Status);

/// <summary>
/// A C2SP tlog-witness on 127.0.0.1 around the pure <see cref="Witness"/>: POST /add-checkpoint, with the outcomes
/// mapped to the spec's status codes (200 cosignature lines, 400, 403, 404, 409 with the held size, 422).
/// </summary>
internal sealed class TestWitness : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Cosigner _cosigner;
    private readonly string _origin;
    private readonly NoteVerifier _logKey;
    private readonly List<WitnessExchange> _exchanges = [];
    private volatile Witness _witness;

    private TestWitness(WebApplication app, Cosigner cosigner, string origin, NoteVerifier logKey)
    {
        _app = app;
        _cosigner = cosigner;
        _origin = origin;
        _logKey = logKey;
        _witness = NewWitness();
    }

    public Uri Url { get; private set; } = null!;

    public CosignatureVerifier Verifier => _cosigner.Verifier;

    /// <summary>The checkpoint the witness holds for the log, or null.</summary>
    public Checkpoint? Held => _witness.Latest(_origin);

    public IReadOnlyList<WitnessExchange> Exchanges
    {
        get
        {
            lock (_exchanges)
            {
                return [.. _exchanges];
            }
        }
    }

    /// <summary>Starts a witness named <paramref name="name"/> that knows one log: <paramref name="origin"/> with <paramref name="logKey"/>.</summary>
    public static async Task<TestWitness> StartAsync(string name, string origin, NoteVerifier logKey)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var witness = new TestWitness(app, Cosigner.Generate(name), origin, logKey);
        app.MapPost("/add-checkpoint", (Delegate)witness.AddCheckpointAsync);
        await app.StartAsync();
        witness.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return witness;
    }

    /// <summary>The settings that make a Hotline server push to this witness, as witness number <paramref name="n"/>.</summary>
    public string[] Settings(int n = 0) =>
        [$"--Hotline:Log:Witnesses:{n}:Url", Url.ToString(), $"--Hotline:Log:Witnesses:{n}:VerifierKey", Verifier.VerifierKey];

    /// <summary>As if the witness process restarted having lost its state: same key, no checkpoint held.</summary>
    public void ForgetState() => _witness = NewWitness();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _cosigner.Dispose();
    }

    private async Task<IResult> AddCheckpointAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(http.RequestAborted);
        var result = _witness.AddCheckpoint(body);
        var status = result.Outcome switch
        {
            WitnessOutcome.Cosigned => StatusCodes.Status200OK,
            WitnessOutcome.BadRequest => StatusCodes.Status400BadRequest,
            WitnessOutcome.NotSignedByLog => StatusCodes.Status403Forbidden,
            WitnessOutcome.UnknownLog => StatusCodes.Status404NotFound,
            WitnessOutcome.Conflict => StatusCodes.Status409Conflict,
            WitnessOutcome.InconsistentProof => StatusCodes.Status422UnprocessableEntity,
            _ => StatusCodes.Status500InternalServerError,
        };
        Record(body, status);
        return result.Outcome switch
        {
            WitnessOutcome.Cosigned => Results.Text(result.ResponseBody, "text/plain; charset=utf-8", Encoding.UTF8, status),
            WitnessOutcome.Conflict => Results.Text($"{result.LatestSize}\n", "text/x.tlog.size", Encoding.UTF8, status),
            _ => Results.Text(result.Reason + "\n", "text/plain; charset=utf-8", Encoding.UTF8, status),
        };
    }

    private void Record(string body, int status)
    {
        WitnessExchange exchange;
        try
        {
            var request = AddCheckpointRequest.Parse(body);
            long? size = null;
            try
            {
                size = Checkpoint.Parse(SignedNote.Parse(request.Checkpoint).Text).Size;
            }
            catch (Exception e) when (e is FormatException or NoteException)
            {
                // Recorded without a size.
            }

            exchange = new WitnessExchange(request.OldSize, request.Proof.Count, size, status);
        }
        catch (FormatException)
        {
            exchange = new WitnessExchange(-1, 0, null, status);
        }

        lock (_exchanges)
        {
            _exchanges.Add(exchange);
        }
    }

    private Witness NewWitness() => new(
        _cosigner,
        new Dictionary<string, IReadOnlyCollection<NoteVerifier>> { [_origin] = [_logKey] },
        (size1, size2, proof, root1, root2) =>
        {
            try
            {
                MerkleProofs.VerifyConsistency(size1, size2, proof, root1, root2);
                return true;
            }
            catch (ProofException)
            {
                return false;
            }
        },
        TimeProvider.System);
}

public sealed class WitnessTests : IAsyncLifetime
{
    private const string Origin = "witness.test/hotline";
    private readonly string _data = Directory.CreateTempSubdirectory("hotline-witness-").FullName;
    private readonly NoteVerifier _logKey;

    public WitnessTests()
    {
        // The log key is provisioned before the first start, so the witness can trust it from the start.
        using var signer = Ed25519NoteSigner.Generate(Origin);
        File.WriteAllText(Path.Combine(_data, "log.key"), signer.ToString());
        _logKey = signer.Verifier;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task TheServedCheckpointCarriesAValidCosignatureByTheWitness()
    {
        await using var witness = await TestWitness.StartAsync("witness.test/one", Origin, _logKey);
        await using var server = await StartAsync(witness.Settings());
        var party = await NewPartyAsync(server);
        var (index, _) = await LogProbe.FileAsync(server.Client, party);

        var (checkpoint, note, text) = await WaitForCosignedAsync(server, witness, index + 1);
        var byWitnessAlone = SignedNote.Open(text, [witness.Verifier]);
        var byLogAlone = SignedNote.Open(text, [_logKey]);
        var cosignature = Assert.Single(byWitnessAlone.Signatures);
        var time = DateTimeOffset.FromUnixTimeSeconds(CosignatureVerifier.ReadTimestamp(cosignature.Signature));

        Assert.Equal(2, note.Signatures.Count);
        Assert.Equal(Origin, note.Signatures[0].Name);
        Assert.Contains(byLogAlone.Unverified, s => s.Name == witness.Verifier.Name);
        Assert.Equal(checkpoint, witness.Held);
        Assert.InRange(time, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.True(witness.Verifier.TryVerify(Encoding.UTF8.GetBytes(checkpoint.ToString()), cosignature.Signature, out _));
        // The cosignature is over this checkpoint only: it does not verify over another size.
        Assert.False(witness.Verifier.TryVerify(Encoding.UTF8.GetBytes((checkpoint with { Size = checkpoint.Size + 1 }).ToString()), cosignature.Signature, out _));
    }

    [Fact]
    public async Task AfterMoreWritesTheWitnessCosignsAgainFromTheSizeItHeld()
    {
        await using var witness = await TestWitness.StartAsync("witness.test/again", Origin, _logKey);
        await using var server = await StartAsync(witness.Settings());
        var party = await NewPartyAsync(server);
        var (first, _) = await LogProbe.FileAsync(server.Client, party);
        var (older, _, _) = await WaitForCosignedAsync(server, witness, first + 1);
        await LogProbe.FileAsync(server.Client, party);
        var (last, _) = await LogProbe.FileAsync(server.Client, party);

        var (newer, _, _) = await WaitForCosignedAsync(server, witness, last + 1);
        var exchanges = witness.Exchanges;

        Assert.True(newer.Size > older.Size);
        Assert.Equal(newer, witness.Held);
        // The log tracked the witness: every push after the first claimed the size it last had cosigned, with a proof.
        Assert.All(exchanges, e => Assert.Equal(200, e.Status));
        Assert.Equal(0, exchanges[0].OldSize);
        for (var i = 1; i < exchanges.Count; i++)
        {
            Assert.Equal(exchanges[i - 1].NewSize, exchanges[i].OldSize);
            Assert.True(exchanges[i].ProofHashes > 0, $"push {i} from {exchanges[i].OldSize} to {exchanges[i].NewSize} carried no proof");
        }

        Assert.Contains(exchanges, e => e.OldSize == older.Size && e.NewSize > older.Size);
    }

    [Fact]
    public async Task AWitnessRestartedWithoutItsStateGetsBackInSync()
    {
        await using var witness = await TestWitness.StartAsync("witness.test/amnesiac", Origin, _logKey);
        await using var server = await StartAsync(witness.Settings());
        var party = await NewPartyAsync(server);
        var (first, _) = await LogProbe.FileAsync(server.Client, party);
        var (older, _, _) = await WaitForCosignedAsync(server, witness, first + 1);
        var before = witness.Exchanges.Count;
        witness.ForgetState();

        var (last, _) = await LogProbe.FileAsync(server.Client, party);
        var (newer, _, _) = await WaitForCosignedAsync(server, witness, last + 1);
        var after = witness.Exchanges.Skip(before).ToList();

        Assert.Equal(newer, witness.Held);
        Assert.True(after.Count >= 2, string.Join("; ", after));
        Assert.Equal(new WitnessExchange(older.Size, after[0].ProofHashes, after[0].NewSize, 409), after[0]);
        Assert.Equal(new WitnessExchange(0, 0, newer.Size, 200), after[1]);
    }

    [Fact]
    public async Task AfterTheLogRestartsTheWitnessKeepsCosigningFromTheSizeItHeld()
    {
        await using var witness = await TestWitness.StartAsync("witness.test/steady", Origin, _logKey);
        TestParty party;
        Checkpoint older;
        await using (var server = await StartAsync(witness.Settings()))
        {
            party = await NewPartyAsync(server);
            var (first, _) = await LogProbe.FileAsync(server.Client, party);
            (older, _, _) = await WaitForCosignedAsync(server, witness, first + 1);
        }

        await using var restarted = await StartAsync(witness.Settings());
        var (last, _) = await LogProbe.FileAsync(restarted.Client, party);
        var (newer, _, _) = await WaitForCosignedAsync(restarted, witness, last + 1);

        Assert.Equal(newer, witness.Held);
        Assert.Contains(witness.Exchanges, e => e.OldSize == older.Size && e.NewSize == newer.Size && e.Status == 200);
    }

    [Fact]
    public async Task AWitnessThatIsDownDoesNotStopTheLogFromPublishing()
    {
        await using var live = await TestWitness.StartAsync("witness.test/live", Origin, _logKey);
        using var deadKey = Cosigner.Generate("witness.test/dead");
        string[] dead = ["--Hotline:Log:Witnesses:0:Url", $"http://127.0.0.1:{ClosedPort()}", "--Hotline:Log:Witnesses:0:VerifierKey", deadKey.VerifierKey];
        await using var server = await StartAsync([.. dead, .. live.Settings(1)]);
        var party = await NewPartyAsync(server);

        var (index, _) = await LogProbe.FileAsync(server.Client, party);
        var acknowledged = DateTimeOffset.UtcNow;
        var (checkpoint, _, text) = await WaitForCosignedAsync(server, live, index + 1);
        var delay = DateTimeOffset.UtcNow - acknowledged;
        var note = SignedNote.Open(text, [_logKey, live.Verifier, deadKey.Verifier]);

        Assert.Equal(new[] { Origin, live.Verifier.Name }, note.Signatures.Select(s => s.Name));
        Assert.Equal(checkpoint, live.Held);
        Assert.True(delay < TimeSpan.FromSeconds(3), $"with a witness down, entry {index} took {delay.TotalMilliseconds} ms to be published");
    }

    [Fact]
    public async Task ALogWhoseOnlyWitnessIsDownPublishesWithItsOwnSignatureAlone()
    {
        using var deadKey = Cosigner.Generate("witness.test/dead");
        await using var server = await StartAsync("--Hotline:Log:Witnesses:0:Url", $"http://127.0.0.1:{ClosedPort()}", "--Hotline:Log:Witnesses:0:VerifierKey", deadKey.VerifierKey);
        var party = await NewPartyAsync(server);

        var (index, _) = await LogProbe.FileAsync(server.Client, party);
        var (_, note, text) = await LogProbe.WaitForSizeAsync(server.Client.Http, _logKey, index + 1);

        Assert.Equal(new[] { Origin }, note.Signatures.Select(s => s.Name));
        Assert.Throws<NoteException>(() => SignedNote.Open(text, [deadKey.Verifier]));
    }

    [Fact]
    public async Task AWitnessThatNeverAnswersDoesNotHoldBackTheLogBeyondItsInterval()
    {
        // The kernel completes the connection, the request is sent, and no answer ever comes.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var silentKey = Cosigner.Generate("witness.test/silent");
        var url = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        await using var server = await StartAsync("--Hotline:Log:Witnesses:0:Url", url, "--Hotline:Log:Witnesses:0:VerifierKey", silentKey.VerifierKey);
        var party = await NewPartyAsync(server);

        var (index, _) = await LogProbe.FileAsync(server.Client, party);
        var acknowledged = DateTimeOffset.UtcNow;
        var (_, note, _) = await LogProbe.WaitForSizeAsync(server.Client.Http, _logKey, index + 1);
        var delay = DateTimeOffset.UtcNow - acknowledged;

        Assert.Equal(new[] { Origin }, note.Signatures.Select(s => s.Name));
        Assert.True(delay < TimeSpan.FromSeconds(3), $"a silent witness held entry {index} back for {delay.TotalMilliseconds} ms (the interval is {LogProbe.Interval} s)");
    }

    [Fact]
    public async Task ACosignatureThatTheConfiguredWitnessKeyDoesNotVerifyIsNotServed()
    {
        await using var witness = await TestWitness.StartAsync("witness.test/impostor", Origin, _logKey);
        // The log expects another key under the same witness name.
        using var expected = Cosigner.Generate("witness.test/impostor");
        await using var server = await StartAsync("--Hotline:Log:Witnesses:0:Url", witness.Url.ToString(), "--Hotline:Log:Witnesses:0:VerifierKey", expected.VerifierKey);
        var party = await NewPartyAsync(server);

        var (index, _) = await LogProbe.FileAsync(server.Client, party);
        var (checkpoint, _, _) = await LogProbe.WaitForSizeAsync(server.Client.Http, _logKey, index + 1);

        // Witnesses are asked in the background: wait until this one has cosigned the checkpoint (after a 409 that
        // tells the log the size it holds), then look at what the log serves.
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(10);
        while (!witness.Exchanges.Any(e => e.Status == 200 && e.NewSize == checkpoint.Size) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains(witness.Exchanges, e => e.Status == 200 && e.NewSize == checkpoint.Size);
        var (_, note, _) = await LogProbe.WaitForSizeAsync(server.Client.Http, _logKey, checkpoint.Size);
        Assert.Equal(new[] { Origin }, note.Signatures.Select(s => s.Name));
        Assert.Empty(note.Unverified);
    }

    [Fact]
    public async Task ALogRolledBackToAnOlderCopyOfItsDataIsRefusedByTheWitness()
    {
        await using var witness = await TestWitness.StartAsync("witness.test/memory", Origin, _logKey);
        var backup = Directory.CreateTempSubdirectory("hotline-witness-backup-").FullName;
        try
        {
            TestParty party;
            Checkpoint early;
            await using (var server = await StartAsync(witness.Settings()))
            {
                party = await NewPartyAsync(server);
                var (first, _) = await LogProbe.FileAsync(server.Client, party);
                (early, _, _) = await WaitForCosignedAsync(server, witness, first + 1);
            }

            CopyDirectory(_data, backup);
            Checkpoint late;
            await using (var server = await StartAsync(witness.Settings()))
            {
                await LogProbe.FileAsync(server.Client, party);
                var (last, _) = await LogProbe.FileAsync(server.Client, party);
                (late, _, _) = await WaitForCosignedAsync(server, witness, last + 1);
            }

            // The operator restores the older copy: the entries after it are gone, the witness has cosigned them.
            Directory.Delete(_data, recursive: true);
            CopyDirectory(backup, _data);
            await using var rolledBack = await StartAsync(witness.Settings());
            var http = rolledBack.Client.Http;
            var (restored, restoredNote, _) = await LogProbe.CheckpointAsync(http, _logKey, witness.Verifier);

            Assert.Equal(early, restored);
            Assert.True(late.Size > restored.Size);
            Assert.Equal(new[] { Origin }, restoredNote.Signatures.Select(s => s.Name));
            Assert.Equal(late, witness.Held);

            // The forked log grows past the size the witness holds: still no cosignature (the roots disagree).
            long index = 0;
            while (index < late.Size)
            {
                (index, _) = await LogProbe.FileAsync(rolledBack.Client, party);
            }

            var (forked, forkedNote, _) = await LogProbe.WaitForAsync(http, [_logKey, witness.Verifier], (c, _) => c.Size > index, $"size > {index}");

            Assert.True(forked.Size > late.Size);
            Assert.Equal(new[] { Origin }, forkedNote.Signatures.Select(s => s.Name));
            Assert.Equal(late, witness.Held);
            Assert.DoesNotContain(witness.Exchanges, e => e.Status == 200 && e.NewSize > late.Size);
            Assert.Contains(witness.Exchanges, e => e.Status == 422 && e.OldSize == late.Size);
        }
        finally
        {
            Directory.Delete(backup, recursive: true);
        }
    }

    private Task<RunningServer> StartAsync(params string[] witnesses) =>
        RunningServer.StartAsync(_data, LogProbe.Settings(Origin, witnesses));

    private static Task<TestParty> NewPartyAsync(RunningServer server) =>
        server.Client.CreatePartyAsync(server.OperatorToken, $"witnessed-{Guid.NewGuid():N}");

    private Task<(Checkpoint Checkpoint, SignedNote Note, string Text)> WaitForCosignedAsync(RunningServer server, TestWitness witness, long size) =>
        LogProbe.WaitForAsync(
            server.Client.Http,
            [_logKey, witness.Verifier],
            (c, n) => c.Size >= size && n.Signatures.Any(s => s.Name == witness.Verifier.Name && s.KeyId == witness.Verifier.KeyId),
            $"size >= {size}, cosigned by {witness.Verifier.Name}");

    /// <summary>A port on 127.0.0.1 where nothing listens (it was free a moment ago).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }

        foreach (var directory in Directory.GetDirectories(from))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }
}
