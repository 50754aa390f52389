using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Hotline.Ledger;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

/// <summary>Reading the public log the way a monitor or light client does: over HTTP, checking every signature and proof.</summary>
internal static class LogProbe
{
    /// <summary>Short enough that tests wait little, long enough that a checkpoint covers several writes.</summary>
    public const string Interval = "0.2";

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    public static string[] Settings(string origin, params string[] more) =>
        ["--Hotline:Log:CheckpointIntervalSeconds", Interval, "--Hotline:Log:Origin", origin, .. more];

    /// <summary>Files a reservation and returns its receipt (log index and leaf hash).</summary>
    public static async Task<(long Index, Hash Leaf)> FileAsync(HotlineClient client, TestParty party)
    {
        var reply = await client.PostAsync("/v1/reservations", party.Token, Filing(NextArea()));
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return Receipt(reply);
    }

    public static (long Index, Hash Leaf) Receipt(Reply reply) =>
        (long.Parse(reply.Headers.GetValues("Hotline-Log-Index").Single(), CultureInfo.InvariantCulture),
         Hash.FromBase64(reply.Headers.GetValues("Hotline-Log-Leaf-Hash").Single()));

    public static async Task<NoteVerifier> KeyAsync(HttpClient http) =>
        NoteVerifier.Parse((await http.GetStringAsync(new Uri("/log/key", UriKind.Relative))).Trim());

    /// <summary>The served checkpoint, opened with <paramref name="known"/> (which must include the log key).</summary>
    public static async Task<(Checkpoint Checkpoint, SignedNote Note, string Text)> CheckpointAsync(HttpClient http, params NoteVerifier[] known)
    {
        using var response = await http.GetAsync(new Uri("/log/checkpoint", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        var note = SignedNote.Open(text, known);
        return (Checkpoint.Parse(note.Text), note, text);
    }

    /// <summary>Polls the checkpoint until <paramref name="until"/> holds (the log integrates within its interval).</summary>
    public static async Task<(Checkpoint Checkpoint, SignedNote Note, string Text)> WaitForAsync(
        HttpClient http, NoteVerifier[] known, Func<Checkpoint, SignedNote, bool> until, string what)
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (true)
        {
            var seen = await CheckpointAsync(http, known);
            if (until(seen.Checkpoint, seen.Note))
            {
                return seen;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"after {Patience.TotalSeconds} s, still no checkpoint where {what}; last seen:\n{seen.Text}");
            await Task.Delay(50);
        }
    }

    public static Task<(Checkpoint Checkpoint, SignedNote Note, string Text)> WaitForSizeAsync(HttpClient http, NoteVerifier key, long size) =>
        WaitForAsync(http, [key], (c, _) => c.Size >= size, $"size >= {size}");

    public static async Task<byte[]> GetBytesAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {Encoding.UTF8.GetString(bytes)}");
        return bytes;
    }

    /// <summary>Entry <paramref name="index"/>, read from its entry bundle in a tree of <paramref name="size"/>.</summary>
    public static async Task<byte[]> EntryAsync(HttpClient http, long index, long size)
    {
        var tile = index / TilePath.FullWidth;
        var width = (int)Math.Min(TilePath.FullWidth, size - (tile * TilePath.FullWidth));
        var path = new TilePath(true, 0, tile, width).ToString();
        var entries = EntryBundle.Decode(await GetBytesAsync(http, "/log/" + path), width);
        return entries[(int)(index % TilePath.FullWidth)];
    }

    public static async Task<IReadOnlyList<Hash>> ConsistencyAsync(HttpClient http, long from, long to)
    {
        var text = Encoding.UTF8.GetString(await GetBytesAsync(http, $"/log/consistency?from={from}&to={to}"));
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Hash.FromBase64)];
    }

    /// <summary>RFC 9162 §2.1.1 MTH, written out independently of the server's tree.</summary>
    public static Hash RootOf(IReadOnlyList<Hash> leaves, int start, int count)
    {
        if (count == 1)
        {
            return leaves[start];
        }

        var split = 1;
        while (split * 2 < count)
        {
            split *= 2;
        }

        return Rfc9162.NodeHash(RootOf(leaves, start, split), RootOf(leaves, start + split, count - split));
    }
}

public sealed class LogServerFixture : IAsyncLifetime
{
    public const string Origin = "log-api.test/hotline";

    private RunningServer? _server;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("hotline-log-api-").FullName;

    public RunningServer Server => _server ?? throw new InvalidOperationException("not started");

    public HttpClient Http => Server.Client.Http;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync(DataDirectory, LogProbe.Settings(Origin));

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(DataDirectory, recursive: true);
    }

    public Task<TestParty> NewPartyAsync(string name) => Server.Client.CreatePartyAsync(Server.OperatorToken, $"{name}-{Guid.NewGuid():N}");
}

public sealed class LogApiTests(LogServerFixture fixture) : IClassFixture<LogServerFixture>
{
    private readonly HttpClient _http = fixture.Http;
    private readonly HotlineClient _client = fixture.Server.Client;

    [Fact]
    public async Task TheCheckpointVerifiesWithTheServedKeyAndWithTheKeyFileAndNamesTheConfiguredOrigin()
    {
        var served = await LogProbe.KeyAsync(_http);
        var file = NoteVerifier.Parse((await File.ReadAllTextAsync(Path.Combine(fixture.DataDirectory, "log.pub"))).Trim());

        var (checkpoint, note, text) = await LogProbe.CheckpointAsync(_http, served);
        var again = SignedNote.Open(text, [file]);

        Assert.Equal(served.Name, file.Name);
        Assert.Equal(served.KeyId, file.KeyId);
        Assert.Equal(LogServerFixture.Origin, checkpoint.Origin);
        Assert.Equal(LogServerFixture.Origin, served.Name);
        Assert.Single(note.Signatures);
        Assert.Single(again.Signatures);
        Assert.True(checkpoint.Size >= 1, "the operator's key is the first entry of every log");
    }

    [Fact]
    public async Task TheCheckpointGrowsToCoverEveryAcknowledgedWriteWithinTheInterval()
    {
        var key = await LogProbe.KeyAsync(_http);
        var party = await fixture.NewPartyAsync("growth");
        var previous = (await LogProbe.CheckpointAsync(_http, key)).Checkpoint.Size;
        for (var i = 0; i < 5; i++)
        {
            var (index, _) = await LogProbe.FileAsync(_client, party);
            var acknowledged = DateTimeOffset.UtcNow;
            var (checkpoint, _, _) = await LogProbe.WaitForSizeAsync(_http, key, index + 1);
            var delay = DateTimeOffset.UtcNow - acknowledged;

            Assert.True(index >= previous, $"receipt index {index} is below the size {previous} published before the write");
            Assert.True(checkpoint.Size >= previous);
            // The interval is 0.2 s; allow for a loaded shared machine, but not for a log that waits for anything else.
            Assert.True(delay < TimeSpan.FromSeconds(2), $"entry {index} was integrated after {delay.TotalMilliseconds} ms");
            previous = checkpoint.Size;
        }
    }

    [Fact]
    public async Task EveryReceiptHasAnInclusionProofThatVerifiesAgainstTheSignedCheckpoint()
    {
        var key = await LogProbe.KeyAsync(_http);
        var party = await fixture.NewPartyAsync("proofs");
        var receipts = new List<(long Index, Hash Leaf)>();
        for (var i = 0; i < 4; i++)
        {
            receipts.Add(await LogProbe.FileAsync(_client, party));
        }

        await LogProbe.WaitForSizeAsync(_http, key, receipts.Max(r => r.Index) + 1);
        foreach (var (index, leaf) in receipts)
        {
            var proof = TlogProof.Parse(Encoding.UTF8.GetString(await LogProbe.GetBytesAsync(_http, $"/log/proof/{index}")));
            var (checkpoint, _) = proof.Verify(leaf, [key], MerkleProofs.VerifyInclusion);

            Assert.Equal(index, proof.Index);
            Assert.Equal(LogServerFixture.Origin, checkpoint.Origin);
            Assert.True(checkpoint.Size > index);
            // The leaf hash in the receipt is the hash of the entry the log serves.
            Assert.Equal(leaf, Rfc9162.LeafHash(await LogProbe.EntryAsync(_http, index, checkpoint.Size)));
            // A proof for another leaf must not verify (the check can fail).
            Assert.Throws<ProofException>(() => proof.Verify(Rfc9162.LeafHash("not this entry"u8), [key], MerkleProofs.VerifyInclusion));
        }
    }

    [Fact]
    public async Task TheFirstHashTileIsTheLeafHashesOfTheFirstEntryBundleAndRebuildsTheCheckpointRoot()
    {
        var key = await LogProbe.KeyAsync(_http);
        var party = await fixture.NewPartyAsync("tiles");
        await LogProbe.FileAsync(_client, party);
        var (index, _) = await LogProbe.FileAsync(_client, party);
        var (checkpoint, _, _) = await LogProbe.WaitForSizeAsync(_http, key, index + 1);
        Assert.True(checkpoint.Size < TilePath.FullWidth, "this test reads one partial tile");
        var width = (int)checkpoint.Size;

        var tile = await LogProbe.GetBytesAsync(_http, $"/log/tile/0/000.p/{width}");
        var entries = EntryBundle.Decode(await LogProbe.GetBytesAsync(_http, $"/log/tile/entries/000.p/{width}"), width);
        var leaves = entries.Select(e => Rfc9162.LeafHash(e)).ToList();

        Assert.Equal(width * Hash.Size, tile.Length);
        Assert.Equal(leaves.SelectMany(h => h.ToArray()).ToArray(), tile);
        Assert.Equal(checkpoint.Root, LogProbe.RootOf(leaves, 0, leaves.Count));
        Assert.All(entries, e => LogEntry.Decode(e));
    }

    [Fact]
    public async Task ConsistencyBetweenTwoCheckpointsSeenAtDifferentTimesVerifies()
    {
        var key = await LogProbe.KeyAsync(_http);
        var party = await fixture.NewPartyAsync("consistency");
        var (first, _) = await LogProbe.FileAsync(_client, party);
        var (older, _, _) = await LogProbe.WaitForSizeAsync(_http, key, first + 1);
        long last = 0;
        for (var i = 0; i < 3; i++)
        {
            (last, _) = await LogProbe.FileAsync(_client, party);
        }

        var (newer, _, _) = await LogProbe.WaitForSizeAsync(_http, key, last + 1);
        var proof = await LogProbe.ConsistencyAsync(_http, older.Size, newer.Size);

        Assert.True(newer.Size > older.Size);
        Assert.NotEmpty(proof);
        MerkleProofs.VerifyConsistency(older.Size, newer.Size, proof, older.Root, newer.Root);
        // The same proof does not join the old root to a different one.
        Assert.Throws<ProofException>(() => MerkleProofs.VerifyConsistency(older.Size, newer.Size, proof, older.Root, Rfc9162.LeafHash("forged"u8)));
        // Without `to`, the proof is to the published size.
        var (current, _, _) = await LogProbe.CheckpointAsync(_http, key);
        var toCurrent = Encoding.UTF8.GetString(await LogProbe.GetBytesAsync(_http, $"/log/consistency?from={older.Size}"));
        MerkleProofs.VerifyConsistency(older.Size, current.Size, [.. toCurrent.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Hash.FromBase64)], older.Root, current.Root);
    }

    [Fact]
    public async Task TilesAndProofsBeyondThePublishedCheckpointAreNotFoundProblems()
    {
        var key = await LogProbe.KeyAsync(_http);
        var size = (await LogProbe.CheckpointAsync(_http, key)).Checkpoint.Size;
        Assert.True(size is > 1 and < 255, $"size {size}");
        string[] paths =
        [
            $"/log/tile/0/000.p/{size + 1}",
            $"/log/tile/entries/000.p/{size + 1}",
            "/log/tile/0/000",
            "/log/tile/entries/000",
            "/log/tile/0/001.p/1",
            "/log/tile/entries/001.p/1",
            "/log/tile/1/000.p/1",
            "/log/tile/2/000.p/1",
            $"/log/proof/{size}",
            $"/log/proof/{size + 1000}",
            "/log/proof/-1",
        ];

        foreach (var path in paths)
        {
            var reply = await _client.GetAsync(path, token: null);
            Assert.True(reply.Status == HttpStatusCode.NotFound && reply.MediaType == "application/problem+json", $"{path}: {reply}");
        }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(63)]
    public async Task AHashTileAtALevelFarAboveTheTreeIsNotFoundRatherThanAServerError(int level)
    {
        // Level 8 holds hashes of subtrees of 2^64 leaves: nothing a log ever has. (A shift by 8·level wraps at 64.)
        var reply = await _client.GetAsync($"/log/tile/{level}/000.p/1", token: null);

        AssertProblem(reply, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("tile/0/0")]
    [InlineData("tile/0/0000")]
    [InlineData("tile/0/000.p/0")]
    [InlineData("tile/0/000.p/256")]
    [InlineData("tile/0/000.p/01")]
    [InlineData("tile/00/000.p/1")]
    [InlineData("tile/64/000.p/1")]
    [InlineData("tile/-1/000.p/1")]
    [InlineData("tile/0/x000/000")]
    [InlineData("tile/0/001/000")]
    [InlineData("tile/entries/000.p/1/")]
    [InlineData("tile/entries")]
    [InlineData("tile/data/000.p/1")]
    [InlineData("tile/0/abc")]
    [InlineData("tile/0/x999/x999/x999/x999/x999/x999/x999/999")]
    public async Task MalformedTilePathsAreNotFound(string path)
    {
        var reply = await _client.GetAsync("/log/" + path, token: null);

        Assert.True(reply.Status == HttpStatusCode.NotFound, $"{path}: {reply}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("?to=1")]
    [InlineData("?from=0")]
    [InlineData("?from=-1")]
    [InlineData("?from=3&to=2")]
    [InlineData("?from=1&to=100000")]
    [InlineData("?from=100000")]
    [InlineData("?from=abc")]
    [InlineData("?from=1&to=x")]
    public async Task AConsistencyRequestWithBadSizesIsABadRequest(string query)
    {
        var reply = await _client.GetAsync("/log/consistency" + query, token: null);

        AssertProblem(reply, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task TheLogIsReadWithoutAnyCredentialEvenABadOne()
    {
        var key = await LogProbe.KeyAsync(_http);
        var size = (await LogProbe.CheckpointAsync(_http, key)).Checkpoint.Size;
        string[] paths = ["/log/checkpoint", "/log/key", "/log/proof/0", $"/log/tile/0/000.p/{size}", $"/log/tile/entries/000.p/{size}", $"/log/consistency?from=1&to={size}"];

        foreach (var path in paths)
        {
            var anonymous = await _client.GetAsync(path, token: null);
            var badToken = await _client.GetAsync(path, token: "hl_not-a-real-credential");
            Assert.True(anonymous.Status == HttpStatusCode.OK, $"{path}: {anonymous}");
            Assert.True(badToken.Status == HttpStatusCode.OK, $"{path} with a bad token: {badToken}");
            Assert.NotEmpty(anonymous.Text);
        }
    }

    [Fact]
    public async Task ARequestBodyIsGivenExactlyToItsSenderAndTheOperatorAndItsDigestIsInTheSignedEntry()
    {
        var key = await LogProbe.KeyAsync(_http);
        var sender = await fixture.NewPartyAsync("sender");
        var other = await fixture.NewPartyAsync("other");
        // Odd spacing and non-ASCII text: the exact bytes must come back, not a re-serialization.
        var body = Filing(NextArea(), callSign: "ÉCHO-7", notes: "survey  run\tβ").ToJsonString().Replace(",", " ,  ", StringComparison.Ordinal);
        var reply = await _client.SendAsync(HttpMethod.Post, "/v1/reservations", sender.Token, body);
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        var (index, leaf) = LogProbe.Receipt(reply);
        var (checkpoint, _, _) = await LogProbe.WaitForSizeAsync(_http, key, index + 1);
        var entryBytes = await LogProbe.EntryAsync(_http, index, checkpoint.Size);
        var entry = LogEntry.Decode(entryBytes);
        var sent = Encoding.UTF8.GetBytes(body);

        var forSender = await GetRequestBodyAsync(index, sender.Token);
        var forOperator = await GetRequestBodyAsync(index, fixture.Server.OperatorToken);
        var forOther = await _client.GetAsync($"/v1/log/requests/{index}", other.Token);
        var anonymous = await _client.GetAsync($"/v1/log/requests/{index}", token: null);

        Assert.Equal(leaf, Rfc9162.LeafHash(entryBytes));
        Assert.Equal(sender.Id, entry.Party);
        Assert.Equal(HttpStatusCode.OK, forSender.Status);
        Assert.Equal(sent, forSender.Body);
        Assert.Equal(HttpStatusCode.OK, forOperator.Status);
        Assert.Equal(sent, forOperator.Body);
        Assert.Equal(new Hash(SHA256.HashData(forSender.Body)), entry.Request.BodyDigest);
        Assert.True(entry.Request.VerifiesWith(sender.Key.PublicKey), "the entry's request is signed by the sender's key");
        AssertProblem(forOther, HttpStatusCode.Forbidden);
        AssertProblem(anonymous, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1_000_000)]
    [InlineData(long.MaxValue)]
    public async Task ARequestBodyForAnEntryThatDoesNotExistIsNotFound(long index)
    {
        var reply = await _client.GetAsync($"/v1/log/requests/{index}", fixture.Server.OperatorToken);

        AssertProblem(reply, HttpStatusCode.NotFound);
    }

    private async Task<(HttpStatusCode Status, byte[] Body)> GetRequestBodyAsync(long index, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/log/requests/{index}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }
}

public sealed class LogApiRestartTests : IAsyncLifetime
{
    private const string Origin = "log-restart.test/hotline";
    private readonly string _data = Directory.CreateTempSubdirectory("hotline-log-restart-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task AfterARestartTheLogKeepsItsKeyAndExtendsTheTreeItHadPublished()
    {
        NoteVerifier key;
        Checkpoint before;
        string keyText;
        TestParty party;
        await using (var server = await RunningServer.StartAsync(_data, LogProbe.Settings(Origin)))
        {
            key = await LogProbe.KeyAsync(server.Client.Http);
            keyText = await server.Client.Http.GetStringAsync(new Uri("/log/key", UriKind.Relative));
            party = await server.Client.CreatePartyAsync(server.OperatorToken, $"restart-{Guid.NewGuid():N}");
            var (index, _) = await LogProbe.FileAsync(server.Client, party);
            (before, _, _) = await LogProbe.WaitForSizeAsync(server.Client.Http, key, index + 1);
        }

        await using var restarted = await RunningServer.StartAsync(_data, LogProbe.Settings(Origin));
        var http = restarted.Client.Http;
        var (last, leaf) = await LogProbe.FileAsync(restarted.Client, party);
        var (after, _, _) = await LogProbe.WaitForSizeAsync(http, key, last + 1);
        var proof = await LogProbe.ConsistencyAsync(http, before.Size, after.Size);
        var inclusion = TlogProof.Parse(Encoding.UTF8.GetString(await LogProbe.GetBytesAsync(http, $"/log/proof/{last}")));

        Assert.Equal(keyText, await http.GetStringAsync(new Uri("/log/key", UriKind.Relative)));
        Assert.Equal(keyText.Trim(), (await File.ReadAllTextAsync(Path.Combine(_data, "log.pub"))).Trim());
        Assert.True(last >= before.Size, $"the write after the restart got index {last}, inside the old tree of {before.Size}");
        MerkleProofs.VerifyConsistency(before.Size, after.Size, proof, before.Root, after.Root);
        inclusion.Verify(leaf, [key], MerkleProofs.VerifyInclusion);
    }
}
