using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Hotline.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

/// <summary>
/// A fresh server that has taken one of every kind of write, with the log entries it recorded read back through
/// the airspace itself (<see cref="AirspaceHost"/>), as the log API and auditors see them.
/// </summary>
public sealed class RecordedWritesFixture : IAsyncLifetime
{
    /// <summary>Private values sent in the writes: none of them may appear in the log.</summary>
    public static readonly string[] Secrets = ["SECRETCALL7", "SECRETCALL8", "private-note-one", "private-note-two", "12.3456789", "98.7654321", "13.3456789", "97.7654321", "14.4444444"];

    private readonly string _directory = Directory.CreateTempSubdirectory("hotline-log-record-").FullName;
    private WebApplication? _app;

    public AirspaceHost Host => _app!.Services.GetRequiredService<AirspaceHost>();

    public PartySigningKey OperatorKey { get; private set; } = null!;

    public TestParty Party { get; private set; } = null!;

    public PartySigningKey SecondKey { get; } = PartySigningKey.Generate();

    public Guid ReservationId { get; private set; }

    public Guid SecondReservationId { get; private set; }

    public Guid ConstraintId { get; private set; }

    /// <summary>The accepted writes in order: what was sent (method, target, exact body) and what came back.</summary>
    public List<(string Method, string Target, string Body, Reply Reply)> Writes { get; } = [];

    /// <summary>Every entry of the log, in order, as the airspace reads it.</summary>
    public IReadOnlyList<byte[]> Entries { get; private set; } = [];

    public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

    public async Task InitializeAsync()
    {
        _app = HotlineServer.Build(["--urls", "http://127.0.0.1:0", "--Hotline:DataDirectory", _directory], b => b.Logging.ClearProviders());
        await _app.StartAsync();
        var address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        var operatorToken = (await File.ReadAllTextAsync(Path.Combine(_directory, "operator.token"))).Trim();
        OperatorKey = PartySigningKey.FromSeed(await File.ReadAllTextAsync(Path.Combine(_directory, "operator.key")));
        using var client = new HotlineClient(new HttpClient { BaseAddress = address });
        HotlineClient.UseKey(operatorToken, OperatorKey);

        using var partyKey = PartySigningKey.Generate();
        var created = await WriteAsync(client, HttpMethod.Post, "/v1/parties", operatorToken, new JsonObject { ["name"] = $"recorded-{Guid.NewGuid():N}", ["publicKey"] = partyKey.PublicKey.ToBase64() }, null);
        Party = new TestParty((int)created.Object["id"]!, created["name"]!, created["token"]!, PartySigningKey.FromSeed(partyKey.ExportSeed()));
        HotlineClient.UseKey(Party.Token, Party.Key);

        var filed = await WriteAsync(client, HttpMethod.Post, "/v1/reservations", Party.Token, Filing(Extent(Square((12.3456789, 98.7654321))), callSign: "SECRETCALL7", notes: "private-note-one"), null);
        ReservationId = Guid.Parse(filed["id"]!);
        var amend = Filing(Extent(Square((13.3456789, 97.7654321))), callSign: "SECRETCALL8", notes: "private-note-two");
        amend["version"] = 1;
        await WriteAsync(client, HttpMethod.Put, $"/v1/reservations/{ReservationId}", Party.Token, amend, null);
        await WriteAsync(client, HttpMethod.Post, $"/v1/reservations/{ReservationId}/end", Party.Token, new JsonObject { ["version"] = 2 }, null);
        var constraint = await WriteAsync(client, HttpMethod.Post, "/v1/constraints", Party.Token, new JsonObject { ["extents"] = new JsonArray(Extent(Square((14.4444444, 96.5)))) }, null);
        ConstraintId = Guid.Parse(constraint["id"]!);
        await WriteAsync(client, HttpMethod.Delete, $"/v1/constraints/{ConstraintId}", Party.Token, null, null);
        await WriteAsync(client, HttpMethod.Post, "/v1/keys", Party.Token, new JsonObject { ["publicKey"] = SecondKey.PublicKey.ToBase64() }, Party.Key);
        await WriteAsync(client, HttpMethod.Post, $"/v1/parties/{Party.Id}/credentials", operatorToken, null, null);
        var second = await WriteAsync(client, HttpMethod.Post, "/v1/reservations", Party.Token, Filing(Extent(Square((-12.5, -98.5)))), SecondKey);
        SecondReservationId = Guid.Parse(second["id"]!);

        Entries = await Host.Airspace.ReadLogEntriesAsync(0, 1000, CancellationToken.None);
    }

    /// <summary>Sends a signed write (with <paramref name="key"/>, else the key the client knows for the token) and
    /// asserts it was accepted.</summary>
    private async Task<Reply> WriteAsync(HotlineClient client, HttpMethod method, string target, string token, JsonObject? body, PartySigningKey? key)
    {
        var text = body?.ToJsonString();
        Reply reply;
        if (key is null)
        {
            reply = await client.SendAsync(method, target, token, text);
        }
        else
        {
            using var request = new HttpRequestMessage(method, new Uri(client.Http.BaseAddress!, target));
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
            request.Content = text is null ? null : new StringContent(text, Encoding.UTF8, "application/json");
            await RequestSigningHandler.SignAsync(request, key, TimeProvider.System, CancellationToken.None);
            using var response = await client.Http.SendAsync(request);
            reply = new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Headers, await response.Content.ReadAsStringAsync());
        }

        Assert.True(reply.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"{method} {target}: {reply}");
        Writes.Add((method.Method, target, text ?? "", reply));
        return reply;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        OperatorKey?.Dispose();
        SecondKey.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>What the log holds after one of every kind of write: canonical entries, matching receipts, signatures
/// that verify with keys registered earlier in the log, bodies committed by digest only.</summary>
public sealed class LogEntryRecordTests(RecordedWritesFixture fixture) : IClassFixture<RecordedWritesFixture>
{
    private IReadOnlyList<LogEntry> Decoded => [.. fixture.Entries.Select(e => LogEntry.Decode(e))];

    private static long IndexOf(Reply reply) => long.Parse(reply.Headers.GetValues("Hotline-Log-Index").Single(), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void TheLogHoldsTheOperatorsKeyThenOneEntryPerAcceptedWrite()
    {
        Assert.Equal(1 + fixture.Writes.Count, fixture.Entries.Count);
        Assert.Equal(fixture.Entries.Count, fixture.Host.Airspace.Log.Size);
        Assert.Equal(Enumerable.Range(1, fixture.Writes.Count).Select(i => (long)i), fixture.Writes.Select(w => IndexOf(w.Reply)));
    }

    [Fact]
    public void TheFirstEntryIsTheOperatorsKeySelfSigned()
    {
        var entry = Decoded[0];

        Assert.Equal((EntryKinds.OperatorKey, LogEntry.OperatorParty, "operator", 1L), (entry.Kind, entry.Party, entry.Subject, entry.Version));
        Assert.Equal(fixture.OperatorKey.PublicKey, entry.PublicKey);
        Assert.Equal(fixture.OperatorKey.PublicKey.KeyId, entry.Request.KeyId);
        Assert.True(entry.Request.VerifiesWith(entry.PublicKey!));
    }

    [Fact]
    public void EveryEntryDecodesAndReEncodesToTheSameBytes()
    {
        Assert.NotEmpty(fixture.Entries);
        foreach (var bytes in fixture.Entries)
        {
            Assert.Equal(bytes, LogEntry.Decode(bytes).Encode());
        }
    }

    [Fact]
    public void EveryReceiptsLeafHashIsTheRfc9162LeafHashOfItsEntry()
    {
        foreach (var (method, target, _, reply) in fixture.Writes)
        {
            var index = IndexOf(reply);
            var leaf = Hash.FromBase64(reply.Headers.GetValues("Hotline-Log-Leaf-Hash").Single());
            var expected = Hash.Of([0x00, .. fixture.Entries[(int)index]]);
            Assert.True(expected == leaf, $"{method} {target}: receipt leaf {leaf.ToHex()} is not SHA-256(0x00||entry {index}) = {expected.ToHex()}");
            Assert.Equal(expected, fixture.Host.Airspace.Log.LeafHash(index));
        }

        Assert.Equal(Hash.Of([0x00, .. fixture.Entries[0]]), fixture.Host.Airspace.Log.LeafHash(0));
    }

    [Fact]
    public void EachEntryRecordsTheRequestThatWasSent()
    {
        var decoded = Decoded;
        foreach (var (method, target, body, reply) in fixture.Writes)
        {
            var request = decoded[(int)IndexOf(reply)].Request;
            Assert.Equal((method, target), (request.Method, request.Target));
            Assert.Equal(Hash.Of(Encoding.UTF8.GetBytes(body)), request.BodyDigest);
        }
    }

    [Fact]
    public void EveryEntrysSignatureVerifiesWithAKeyRegisteredEarlierInTheLogToItsParty()
    {
        // Replays the log as an auditor does (docs/log.md): the keys registered so far, by key id, with their party.
        var registered = new Dictionary<string, (int Party, PartyPublicKey Key)>();
        var decoded = Decoded;
        for (var i = 0; i < decoded.Count; i++)
        {
            var entry = decoded[i];
            var request = entry.Request;
            switch (entry.Kind)
            {
                case EntryKinds.OperatorKey:
                    Assert.Equal(LogEntry.OperatorParty, entry.Party);
                    Assert.True(request.VerifiesWith(entry.PublicKey!), $"entry {i}: an operator key signs its own registration");
                    registered.Add(entry.PublicKey!.KeyId, (LogEntry.OperatorParty, entry.PublicKey));
                    break;
                case EntryKinds.PartyKeyAdded:
                    // A party's first key signs its own registration; a later one is signed by a key it holds.
                    if (registered.Values.Any(k => k.Party == entry.Party))
                    {
                        Assert.True(registered.TryGetValue(request.KeyId, out var holder) && holder.Party == entry.Party && request.VerifiesWith(holder.Key),
                            $"entry {i}: a party that holds a key adds another with a request signed by it");
                    }
                    else
                    {
                        Assert.True(request.VerifiesWith(entry.PublicKey!), $"entry {i}: a party's first key signs its own registration");
                    }

                    Assert.Equal(entry.Party.ToString(System.Globalization.CultureInfo.InvariantCulture), entry.Subject);
                    registered.Add(entry.PublicKey!.KeyId, (entry.Party, entry.PublicKey));
                    break;
                default:
                    Assert.True(registered.TryGetValue(request.KeyId, out var signer), $"entry {i} ({entry.Kind}): key {request.KeyId} is not registered before it");
                    Assert.True(signer.Party == entry.Party, $"entry {i} ({entry.Kind}): key {request.KeyId} belongs to party {signer.Party}, not {entry.Party}");
                    Assert.True(request.VerifiesWith(signer.Key), $"entry {i} ({entry.Kind}): the signature does not verify");
                    if (entry is { Kind: EntryKinds.PartyCreated, PublicKey: { } first })
                    {
                        registered.Add(first.KeyId, (int.Parse(entry.Subject, System.Globalization.CultureInfo.InvariantCulture), first));
                    }

                    break;
            }
        }

        Assert.Equal(3, registered.Count);
    }

    [Fact]
    public async Task TheBodyStoredForEachEntryHasTheDigestItsSignedRequestNames()
    {
        var decoded = Decoded;
        for (var i = 0; i < decoded.Count; i++)
        {
            var body = await fixture.Host.Airspace.ReadRequestBodyAsync(i, CancellationToken.None);
            Assert.NotNull(body);
            Assert.Equal(decoded[i].Request.BodyDigest, Hash.Of(body));
        }

        foreach (var (_, _, sent, reply) in fixture.Writes)
        {
            Assert.Equal(sent, Encoding.UTF8.GetString((await fixture.Host.Airspace.ReadRequestBodyAsync(IndexOf(reply), CancellationToken.None))!));
        }

        Assert.Null(await fixture.Host.Airspace.ReadRequestBodyAsync(decoded.Count, CancellationToken.None));
        Assert.Null(await fixture.Host.Airspace.ReadRequestBodyAsync(-1, CancellationToken.None));
    }

    [Fact]
    public async Task ReadingBeyondTheEndOfTheLogGivesOnlyWhatExists()
    {
        var size = fixture.Entries.Count;

        Assert.Equal(fixture.Entries.Skip(size - 2), await fixture.Host.Airspace.ReadLogEntriesAsync(size - 2, 10, CancellationToken.None));
        Assert.Empty(await fixture.Host.Airspace.ReadLogEntriesAsync(size, 10, CancellationToken.None));
        Assert.Empty(await fixture.Host.Airspace.ReadLogEntriesAsync(size + 100, 1, CancellationToken.None));
    }

    [Fact]
    public void NoEntryDisclosesACallSignANoteOrACoordinate()
    {
        // The bodies did carry them (so this test can fail): the log must commit to them by digest only.
        Assert.All(RecordedWritesFixture.Secrets, s => Assert.Contains(fixture.Writes, w => w.Body.Contains(s, StringComparison.Ordinal)));
        foreach (var bytes in fixture.Entries)
        {
            var text = Encoding.UTF8.GetString(bytes);
            Assert.All(RecordedWritesFixture.Secrets, s => Assert.DoesNotContain(s, text, StringComparison.Ordinal));
            Assert.DoesNotContain("coordinates", text, StringComparison.Ordinal);
            Assert.DoesNotContain("callSign", text, StringComparison.Ordinal);
            Assert.DoesNotContain("notes", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void KindsSubjectsVersionsAndPartiesAreWhatTheWritesDid()
    {
        var party = fixture.Party.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var reservation = fixture.ReservationId.ToString();
        var constraint = fixture.ConstraintId.ToString();
        (string Kind, int Party, string Subject, long Version, PartyPublicKey? Key)[] expected =
        [
            (EntryKinds.OperatorKey, 0, "operator", 1, fixture.OperatorKey.PublicKey),
            (EntryKinds.PartyCreated, 0, party, 1, fixture.Party.Key.PublicKey),
            (EntryKinds.ReservationFiled, fixture.Party.Id, reservation, 1, null),
            (EntryKinds.ReservationAmended, fixture.Party.Id, reservation, 2, null),
            (EntryKinds.ReservationEnded, fixture.Party.Id, reservation, 3, null),
            (EntryKinds.ConstraintCreated, fixture.Party.Id, constraint, 1, null),
            (EntryKinds.ConstraintWithdrawn, fixture.Party.Id, constraint, 1, null),
            (EntryKinds.PartyKeyAdded, fixture.Party.Id, party, 2, fixture.SecondKey.PublicKey),
            (EntryKinds.CredentialIssued, 0, party, 2, null),
            (EntryKinds.ReservationFiled, fixture.Party.Id, fixture.SecondReservationId.ToString(), 1, null),
        ];

        Assert.Equal(expected, Decoded.Select(e => (e.Kind, e.Party, e.Subject, e.Version, e.PublicKey)));
    }

    [Fact]
    public void TheLastFilingIsSignedWithTheKeyThePartyAddedAndTheEarlierOnesWithItsFirstKey()
    {
        var decoded = Decoded;

        Assert.Equal(fixture.SecondKey.PublicKey.KeyId, decoded[^1].Request.KeyId);
        Assert.All(decoded.Skip(2).Take(5), e => Assert.Equal(fixture.Party.Key.PublicKey.KeyId, e.Request.KeyId));
        Assert.Equal(fixture.OperatorKey.PublicKey.KeyId, decoded[1].Request.KeyId);
        Assert.Equal(fixture.OperatorKey.PublicKey.KeyId, decoded[8].Request.KeyId);
    }

    [Fact]
    public void EntryTimesAreServerTimesThatNeverGoBackAndNoncesAreDistinct()
    {
        var decoded = Decoded;
        var now = DateTimeOffset.UtcNow;

        Assert.All(decoded, e => Assert.InRange(e.Time, fixture.Started.AddSeconds(-1), now));
        Assert.Equal(decoded.Select(e => e.Time).Order(), decoded.Select(e => e.Time));
        Assert.Equal(decoded.Count, decoded.Select(e => e.Request.Nonce).Distinct().Count());
    }
}
