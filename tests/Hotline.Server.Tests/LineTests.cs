using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Hotline.Core;
using Hotline.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

/// <summary>
/// The real host on 127.0.0.1 for line tests, built the way <see cref="RunningServer"/> builds it but optionally on a
/// fake clock (registered before the host's own <see cref="TimeProvider"/>, which is added with TryAdd), and with its
/// airspace at hand (deadlines are processed right after the clock is moved, and log entries read back).
/// </summary>
public sealed class LineServer : IAsyncDisposable
{
    private readonly bool _ownsDirectory;

    private LineServer(WebApplication app, Uri address, string dataDirectory, string operatorToken, FakeTimeProvider? clock, bool ownsDirectory)
    {
        App = app;
        DataDirectory = dataDirectory;
        OperatorToken = operatorToken;
        Clock = clock;
        _ownsDirectory = ownsDirectory;
        Client = new HotlineClient(new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) });
    }

    public WebApplication App { get; }

    public string DataDirectory { get; }

    public string OperatorToken { get; }

    /// <summary>The server's clock, when it runs on a fake one.</summary>
    public FakeTimeProvider? Clock { get; }

    public HotlineClient Client { get; }

    public HttpClient Http => Client.Http;

    public Airspace Airspace => App.Services.GetRequiredService<AirspaceHost>().Airspace;

    /// <summary>Starts a server. Without <paramref name="dataDirectory"/> a temporary one is made and deleted at the end.</summary>
    public static async Task<LineServer> StartAsync(string? dataDirectory = null, FakeTimeProvider? clock = null, params string[] settings)
    {
        var owns = dataDirectory is null;
        var directory = dataDirectory ?? Directory.CreateTempSubdirectory("hotline-line-").FullName;
        var app = HotlineServer.Build(
            ["--urls", "http://127.0.0.1:0", "--Hotline:DataDirectory", directory, .. settings],
            builder =>
            {
                builder.Logging.ClearProviders();
                if (clock is not null)
                {
                    builder.Services.AddSingleton<TimeProvider>(clock);
                }
            });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        var token = (await File.ReadAllTextAsync(Path.Combine(directory, "operator.token"))).Trim();
        HotlineClient.UseKey(token, PartySigningKey.FromSeed(await File.ReadAllTextAsync(Path.Combine(directory, "operator.key"))));
        return new LineServer(app, address, directory, token, clock, owns);
    }

    /// <summary>A fake clock at the real time (requests are signed with the real clock and must be within minutes of it).</summary>
    public static FakeTimeProvider NewClock() => new(DateTimeOffset.UtcNow);

    public Task<TestParty> NewPartyAsync(string name) => Client.CreatePartyAsync(OperatorToken, $"{name}-{Guid.NewGuid():N}");

    public Task<Reply> SendAsync(string token, JsonObject message) => Client.PostAsync("/v1/line/messages", token, message);

    /// <summary>Sends a message and asserts it was accepted, with a receipt that is its log index.</summary>
    public async Task<JsonObject> SentAsync(string token, JsonObject message)
    {
        var reply = await SendAsync(token, message);
        Assert.True(reply.Status == HttpStatusCode.Created, $"{message.ToJsonString()} -> {reply}");
        Assert.Equal(reply.Object["logIndex"]!.GetValue<long>(), Receipt(reply));
        return reply.Object;
    }

    public async Task<JsonObject> MessageAsync(string token, JsonNode id)
    {
        var reply = await Client.GetAsync($"/v1/line/messages/{id}", token);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        return reply.Object;
    }

    /// <summary>Every event of the caller's stream after <paramref name="after"/>, page by page.</summary>
    public async Task<List<JsonObject>> EventsAsync(string token, long after = 0, int limit = 1000)
    {
        var all = new List<JsonObject>();
        while (true)
        {
            var reply = await Client.GetAsync($"/v1/line/events?after={after}&limit={limit}", token);
            Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
            var page = reply.Array.Select(e => e!.AsObject()).ToList();
            if (page.Count == 0)
            {
                return all;
            }

            all.AddRange(page);
            after = page[^1]["id"]!.GetValue<long>();
        }
    }

    public async Task<List<JsonObject>> StandingsAsync(string token)
    {
        var reply = await Client.GetAsync("/v1/line/status", token);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        return [.. reply.Array.Select(s => s!.AsObject())];
    }

    public async Task<JsonObject> StandingAsync(string token, int party) =>
        (await StandingsAsync(token)).Single(s => (int)s["party"]! == party);

    /// <summary>Moves the fake clock and checks deadlines at once (the monitor may race us to it: both go through the
    /// single writer, so the state afterwards is the same).</summary>
    public async Task PassAsync(TimeSpan time)
    {
        Assert.True(time < TimeSpan.FromMinutes(5), "requests are signed with the real clock: keep the fake one near it");
        Clock!.Advance(time);
        await Airspace.ProcessDeadlinesAsync(CancellationToken.None);
    }

    /// <summary>The log entry at <paramref name="index"/>, decoded.</summary>
    public async Task<LogEntry> EntryAsync(long index)
    {
        var entries = await Airspace.ReadLogEntriesAsync(index, 1, CancellationToken.None);
        Assert.True(entries.Count == 1, $"no log entry {index}");
        return LogEntry.Decode(entries[0]);
    }

    /// <summary>Every log entry so far, decoded.</summary>
    public async Task<List<LogEntry>> EntriesAsync()
    {
        var size = Airspace.Log.Size;
        var entries = await Airspace.ReadLogEntriesAsync(0, (int)size, CancellationToken.None);
        return [.. entries.Select(e => LogEntry.Decode(e))];
    }

    public static long Receipt(Reply reply) =>
        long.Parse(reply.Headers.GetValues("Hotline-Log-Index").Single(), CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Client.Dispose();
        if (_ownsDirectory)
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}

/// <summary>Message bodies for <c>POST /v1/line/messages</c>.</summary>
public static class Line
{
    public static JsonObject Message(
        string type, int? to = null, JsonNode? inReplyTo = null, JsonNode? about = null, JsonObject? proposal = null,
        string? decision = null, JsonObject? emergency = null, string? text = null, bool? discloseLocation = null)
    {
        var m = new JsonObject { ["type"] = type };
        if (to is not null)
        {
            m["to"] = to;
        }

        if (inReplyTo is not null)
        {
            m["inReplyTo"] = inReplyTo.ToString();
        }

        if (about is not null)
        {
            m["about"] = about.ToString();
        }

        if (proposal is not null)
        {
            m["proposal"] = proposal;
        }

        if (decision is not null)
        {
            m["decision"] = decision;
        }

        if (emergency is not null)
        {
            m["emergency"] = emergency;
        }

        if (text is not null)
        {
            m["text"] = text;
        }

        if (discloseLocation is not null)
        {
            m["discloseLocation"] = discloseLocation;
        }

        return m;
    }

    public static JsonObject Text(int? to, string text, bool? discloseLocation = null) => Message("FreeText", to, text: text, discloseLocation: discloseLocation);

    public static JsonObject Emergency(int? to, double lat = -10.5, double lng = 20.5, string need = "medical evacuation") =>
        Message("Emergency", to, emergency: new JsonObject { ["position"] = new JsonObject { ["lat"] = lat, ["lng"] = lng }, ["need"] = need });

    public static JsonObject Proposal(JsonNode reservationId, long version, JsonObject extent) =>
        new() { ["reservationId"] = reservationId.ToString(), ["version"] = version, ["extents"] = new JsonArray(extent) };

    /// <summary>Decimal degrees as a person writes them: "lat, lng" with four decimals.</summary>
    public static string Degrees(double lat, double lng) => string.Create(CultureInfo.InvariantCulture, $"{lat:F4}, {lng:F4}");
}

/// <summary>A line server on the real clock, shared by a test class (each test makes its own parties).</summary>
public sealed class LineFixture : IAsyncLifetime
{
    private LineServer? _server;

    public LineServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await LineServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>Messages on the line: validation, who may send and read what, receipts, the disclosure guard, suspension.</summary>
public sealed class LineTests(LineFixture fixture) : IClassFixture<LineFixture>
{
    private readonly LineServer _line = fixture.Server;

    public static TheoryData<string, string> MissingFields => new()
    {
        { """{"type":"DeconflictionRequest","about":"0190a000-0000-7000-8000-000000000001"}""", "to" },
        { """{"type":"DeconflictionRequest","to":{B}}""", "about" },
        { """{"type":"DeconflictionResponse","to":{B},"decision":"Accept"}""", "inReplyTo" },
        { """{"type":"DeconflictionResponse","inReplyTo":"0190a000-0000-7000-8000-000000000001"}""", "decision" },
        { """{"type":"DeconflictionResponse","inReplyTo":"0190a000-0000-7000-8000-000000000001","decision":"Counter"}""", "proposal" },
        { """{"type":"DeconflictionResponse","inReplyTo":"0190a000-0000-7000-8000-000000000001","decision":"Maybe"}""", "decision" },
        { """{"type":"DeconflictionRequest","to":{B},"proposal":{"version":1,"extents":[]}}""", "proposal.reservationId" },
        { """{"type":"Notice"}""", "text" },
        { """{"type":"Notice","text":"   "}""", "text" },
        { """{"type":"FreeText","to":{B}}""", "text" },
        { """{"type":"Emergency","to":{B},"text":"help"}""", "emergency" },
        { """{"type":"Emergency","to":{B},"emergency":{"position":{"lat":1,"lng":2}}}""", "emergency.need" },
        { """{"type":"Emergency","to":{B},"emergency":{"need":"fuel"}}""", "emergency.position" },
        { """{"type":"Emergency","to":{B},"emergency":{"position":{"lat":91,"lng":2},"need":"fuel"}}""", "emergency.position" },
        { """{"type":"LineCheck"}""", "to" },
        { """{"type":"LineCheckAnswer","to":{B}}""", "inReplyTo" },
        { """{"type":"Acknowledgement","to":{B}}""", "inReplyTo" },
        { """{"type":"FreeText","to":{B},"text":"x","decision":"Accept"}""", "proposal" },
        { """{"type":"Notice","text":"x","emergency":{"position":{"lat":1,"lng":2},"need":"fuel"}}""", "emergency" },
        { """{"to":{B},"text":"x"}""", "type" },
        { """{"type":"Target","to":{B},"text":"x"}""", "type" },
    };

    [Theory]
    [MemberData(nameof(MissingFields))]
    public async Task AMessageMissingWhatItsTypeNeedsIsABadRequestNamingTheField(string body, string field)
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");

        var reply = await _line.Client.SendAsync(HttpMethod.Post, "/v1/line/messages", a.Token, body.Replace("{B}", b.Id.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));

        var problem = AssertProblem(reply, HttpStatusCode.BadRequest);
        Assert.Equal(field, problem["field"]?.ToString());
    }

    [Fact]
    public async Task TextLongerThanTheLimitIsABadRequest()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");

        var reply = await _line.SendAsync(a.Token, Line.Text(b.Id, new string('x', 4_001)));

        AssertInvalid(reply, "text", "4000");
    }

    [Fact]
    public async Task AReplyToAMessageNotAddressedToTheReplierIsNotFound()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");
        var c = await _line.NewPartyAsync("c");
        var toB = await _line.SentAsync(a.Token, Line.Message("LineCheck", b.Id));
        var request = await _line.SentAsync(a.Token, Line.Message("DeconflictionRequest", b.Id, about: Guid.NewGuid().ToString(), text: "please move"));

        var byThirdParty = await _line.SendAsync(c.Token, Line.Message("LineCheckAnswer", a.Id, inReplyTo: toB["id"]));
        var responseByThirdParty = await _line.SendAsync(c.Token, Line.Message("DeconflictionResponse", inReplyTo: request["id"], decision: "Accept"));
        var bySender = await _line.SendAsync(a.Token, Line.Message("Acknowledgement", b.Id, inReplyTo: toB["id"]));
        var toNothing = await _line.SendAsync(b.Token, Line.Message("Acknowledgement", a.Id, inReplyTo: Guid.NewGuid().ToString()));
        var byRecipient = await _line.SendAsync(b.Token, Line.Message("LineCheckAnswer", a.Id, inReplyTo: toB["id"]));

        AssertProblem(byThirdParty, HttpStatusCode.NotFound);
        AssertProblem(responseByThirdParty, HttpStatusCode.NotFound);
        AssertProblem(bySender, HttpStatusCode.NotFound);
        AssertProblem(toNothing, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Created, byRecipient.Status);
    }

    [Fact]
    public async Task AReplyOfATypeThatDoesNotAnswerTheMessageIsABadRequestNamingInReplyTo()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");
        var check = await _line.SentAsync(a.Token, Line.Message("LineCheck", b.Id));
        var text = await _line.SentAsync(a.Token, Line.Text(b.Id, "hello"));
        var ack = await _line.SentAsync(a.Token, Line.Message("Acknowledgement", b.Id, inReplyTo: (await _line.SentAsync(b.Token, Line.Text(a.Id, "hi")))["id"]));
        var decline = await _line.SentAsync(b.Token, Line.Message("DeconflictionResponse", inReplyTo: (await _line.SentAsync(a.Token, Line.Message("DeconflictionRequest", b.Id, about: Guid.NewGuid().ToString())))["id"], decision: "Decline"));

        AssertInvalid(await _line.SendAsync(b.Token, Line.Message("DeconflictionResponse", inReplyTo: check["id"], decision: "Accept")), "inReplyTo", "does not answer");
        AssertInvalid(await _line.SendAsync(b.Token, Line.Message("LineCheckAnswer", a.Id, inReplyTo: text["id"])), "inReplyTo", "does not answer");
        AssertInvalid(await _line.SendAsync(b.Token, Line.Message("Acknowledgement", a.Id, inReplyTo: ack["id"])), "inReplyTo", "does not answer");
        // Only a counter-proposal is answered by another response, not a decline.
        AssertInvalid(await _line.SendAsync(a.Token, Line.Message("DeconflictionResponse", inReplyTo: decline["id"], decision: "Accept")), "inReplyTo", "does not answer");
    }

    [Fact]
    public async Task AMessageToAPartyThatDoesNotExistIsNotFound()
    {
        var a = await _line.NewPartyAsync("a");

        var reply = await _line.SendAsync(a.Token, Line.Text(987_654, "anyone there?"));

        AssertProblem(reply, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AMessageToYourselfIsABadRequestNamingTo()
    {
        var a = await _line.NewPartyAsync("a");

        AssertInvalid(await _line.SendAsync(a.Token, Line.Text(a.Id, "note to self")), "to", "another party");
        AssertInvalid(await _line.SendAsync(a.Token, Line.Message("LineCheck", a.Id)), "to", "another party");
    }

    [Fact]
    public async Task AnUnsignedMessageIsUnauthorizedAndNotDelivered()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/line/messages")
        {
            Content = new StringContent(Line.Text(b.Id, "unsigned").ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", a.Token);

        using var response = await _line.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(await _line.EventsAsync(b.Token), e => e["kind"]!.ToString() == "Message" && e["party"]?.GetValue<int>() == a.Id);
    }

    [Fact]
    public async Task TheOperatorMaySendNoticesLineChecksAndTextButNotEmergenciesOrDeconfliction()
    {
        var a = await _line.NewPartyAsync("a");
        var op = _line.OperatorToken;

        var notice = await _line.SentAsync(op, Line.Message("Notice", text: "exercise area closed tomorrow"));
        var check = await _line.SentAsync(op, Line.Message("LineCheck", a.Id));
        var text = await _line.SentAsync(op, Line.Text(a.Id, "maintenance at 02:00Z"));
        var emergency = await _line.SendAsync(op, Line.Emergency(a.Id));
        var request = await _line.SendAsync(op, Line.Message("DeconflictionRequest", a.Id, about: Guid.NewGuid().ToString()));
        var answer = await _line.SentAsync(a.Token, Line.Message("LineCheckAnswer", LogEntry.OperatorParty, inReplyTo: check["id"]));

        Assert.Equal(LogEntry.OperatorParty, (int)notice["from"]!);
        Assert.Equal(LogEntry.OperatorParty, (int)text["from"]!);
        AssertProblem(emergency, HttpStatusCode.Forbidden);
        AssertProblem(request, HttpStatusCode.Forbidden);
        Assert.NotNull((await _line.MessageAsync(op, check["id"]!))["answeredAt"]);
        Assert.Equal(answer["id"]!.ToString(), (await _line.MessageAsync(op, check["id"]!))["answeredBy"]!.ToString());
    }

    [Fact]
    public async Task AMessageIsVisibleToItsSenderAndRecipientAndABroadcastToAllButADirectedOneNotToAThirdParty()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");
        var c = await _line.NewPartyAsync("c");
        var directed = await _line.SentAsync(a.Token, Line.Text(b.Id, "for b only"));
        var broadcast = await _line.SentAsync(a.Token, Line.Message("Notice", text: "for everyone"));

        foreach (var token in new[] { a.Token, b.Token })
        {
            var read = await _line.MessageAsync(token, directed["id"]!);
            Assert.Equal("for b only", read["text"]?.ToString());
            Assert.Equal(b.Id, (int)read["to"]!);
        }

        foreach (var token in new[] { a.Token, b.Token, c.Token, _line.OperatorToken })
        {
            Assert.Equal("for everyone", (await _line.MessageAsync(token, broadcast["id"]!))["text"]?.ToString());
        }

        AssertProblem(await _line.Client.GetAsync($"/v1/line/messages/{directed["id"]}", c.Token), HttpStatusCode.NotFound);
        AssertProblem(await _line.Client.GetAsync($"/v1/line/messages/{directed["id"]}", _line.OperatorToken), HttpStatusCode.NotFound);
        AssertProblem(await _line.Client.GetAsync($"/v1/line/messages/{Guid.NewGuid()}", a.Token), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _line.Client.GetAsync($"/v1/line/messages/{directed["id"]}", token: null)).Status);
        Assert.Null(broadcast["to"]);
    }

    [Fact]
    public async Task EveryMessageTypeGetsAReceiptWhoseEntryIsSignedBySenderWithItsKind()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");
        var mine = await _line.Client.FileAcceptedAsync(a, Filing(NextArea()));
        var request = await _line.SentAsync(a.Token, Line.Message("DeconflictionRequest", b.Id, about: mine["id"], text: "we are there at 10:00Z"));
        var response = await _line.SentAsync(b.Token, Line.Message("DeconflictionResponse", inReplyTo: request["id"], decision: "Decline"));
        var notice = await _line.SentAsync(a.Token, Line.Message("Notice", text: "exercise"));
        var emergency = await _line.SentAsync(a.Token, Line.Emergency(b.Id));
        var ack = await _line.SentAsync(b.Token, Line.Message("Acknowledgement", a.Id, inReplyTo: emergency["id"]));
        var check = await _line.SentAsync(b.Token, Line.Message("LineCheck", a.Id));
        var answer = await _line.SentAsync(a.Token, Line.Message("LineCheckAnswer", b.Id, inReplyTo: check["id"]));
        var text = await _line.SentAsync(b.Token, Line.Text(a.Id, "thanks"));

        var expected = new (JsonObject Message, TestParty From, string Kind)[]
        {
            (request, a, EntryKinds.LineDeconflictionRequest), (response, b, EntryKinds.LineDeconflictionResponse),
            (notice, a, EntryKinds.LineNotice), (emergency, a, EntryKinds.LineEmergency), (ack, b, EntryKinds.LineAcknowledgement),
            (check, b, EntryKinds.LineCheck), (answer, a, EntryKinds.LineCheckAnswer), (text, b, EntryKinds.LineText),
        };
        foreach (var (message, from, kind) in expected)
        {
            var entry = await _line.EntryAsync(message["logIndex"]!.GetValue<long>());
            Assert.Equal(kind, entry.Kind);
            Assert.Equal(from.Id, entry.Party);
            Assert.Equal(message["id"]!.ToString(), entry.Subject);
            Assert.True(entry.Request.VerifiesWith(from.Key.PublicKey), $"{kind} is signed by its sender");
        }

        // The response answered the request, the acknowledgement the emergency, the answer the check.
        Assert.Equal(response["id"]!.ToString(), (await _line.MessageAsync(a.Token, request["id"]!))["answeredBy"]!.ToString());
        Assert.Equal(ack["id"]!.ToString(), (await _line.MessageAsync(a.Token, emergency["id"]!))["answeredBy"]!.ToString());
        Assert.Equal(answer["id"]!.ToString(), (await _line.MessageAsync(b.Token, check["id"]!))["answeredBy"]!.ToString());
        Assert.Equal("Flash", emergency["priority"]!.ToString());
        Assert.Equal("Routine", request["priority"]!.ToString());
    }

    // ---- the disclosure guard -----------------------------------------------------------------------------

    [Fact]
    public async Task TextWithDecimalDegreesOutsideTheSendersVolumesIsABadRequestNamingTheNotation()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");

        var text = await _line.SendAsync(a.Token, Line.Text(b.Id, "convoy at 35.9312, 36.6314 tonight"));
        var need = await _line.SendAsync(a.Token, Line.Emergency(b.Id, need: "strike 35.9312, 36.6314 now"));
        var flagFalse = await _line.SendAsync(a.Token, Line.Text(b.Id, "convoy at 35.9312, 36.6314", discloseLocation: false));

        AssertInvalid(text, "text", "decimal degrees");
        AssertInvalid(need, "emergency.need", "decimal degrees");
        AssertInvalid(flagFalse, "text", "discloseLocation");
        Assert.DoesNotContain(await _line.EventsAsync(b.Token), e => e["party"]?.GetValue<int>() == a.Id);
    }

    [Fact]
    public async Task WithDiscloseLocationTheTextIsSentAndItsEntryKindRecordsTheDisclosure()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");

        var sent = await _line.SentAsync(a.Token, Line.Text(b.Id, "downed crew at 35.9312, 36.6314", discloseLocation: true));
        var entry = await _line.EntryAsync(sent["logIndex"]!.GetValue<long>());

        Assert.True(sent["disclosesLocation"]!.GetValue<bool>());
        Assert.Equal(EntryKinds.LineText + EntryKinds.LocationDisclosedSuffix, entry.Kind);
        Assert.EndsWith("+location-disclosed", entry.Kind, StringComparison.Ordinal);
        Assert.Equal(a.Id, entry.Party);
        Assert.True((await _line.MessageAsync(b.Token, sent["id"]!))["disclosesLocation"]!.GetValue<bool>());
    }

    [Fact]
    public async Task UnderTheBlockPolicyEvenTheDisclosureFlagIsRefused()
    {
        await using var server = await LineServer.StartAsync(settings: ["--Hotline:Line:DisclosurePolicy", "Block"]);
        var a = await server.NewPartyAsync("a");
        var b = await server.NewPartyAsync("b");

        var flagged = await server.SendAsync(a.Token, Line.Text(b.Id, "downed crew at 35.9312, 36.6314", discloseLocation: true));
        var plain = await server.SendAsync(a.Token, Line.Text(b.Id, "on 121.5 MHz at 10:45Z"));

        var problem = AssertInvalid(flagged, "text", "decimal degrees");
        Assert.Contains("does not carry", problem["detail"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, plain.Status);
        Assert.DoesNotContain(await server.EntriesAsync(), e => e.Kind.EndsWith(EntryKinds.LocationDisclosedSuffix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task APositionInsideTheSendersOwnReservationPassesButNotFromAnotherParty()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");
        var corner = NextArea();
        await _line.Client.FileAcceptedAsync(a, Filing(corner));
        var inside = $"our aircraft is at {Line.Degrees(corner.Lat + 0.005, corner.Lng + 0.005)}";

        var own = await _line.SentAsync(a.Token, Line.Text(b.Id, inside));
        var theirs = await _line.SendAsync(b.Token, Line.Text(a.Id, inside));
        var justOutside = await _line.SendAsync(a.Token, Line.Text(b.Id, $"and then at {Line.Degrees(corner.Lat + 0.05, corner.Lng + 0.05)}"));

        Assert.False(own["disclosesLocation"]!.GetValue<bool>());
        Assert.Equal(EntryKinds.LineText, (await _line.EntryAsync(own["logIndex"]!.GetValue<long>())).Kind);
        AssertInvalid(theirs, "text", "decimal degrees");
        AssertInvalid(justOutside, "text", "decimal degrees");
    }

    [Fact]
    public async Task AnEmergencysOwnPositionMayBeRepeatedInLaterText()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");
        await _line.SentAsync(a.Token, Line.Emergency(b.Id, lat: -12.25, lng: 22.75, need: "fuel"));

        var repeat = await _line.SendAsync(a.Token, Line.Text(b.Id, $"still at {Line.Degrees(-12.25, 22.75)}"));

        Assert.Equal(HttpStatusCode.Created, repeat.Status);
    }

    [Theory]
    [InlineData("contact at 10:45Z, out by 11:30Z")]
    [InlineData("guard 121.5 MHz and 243.0 MHz")]
    [InlineData("climbing to FL350, then FL370")]
    [InlineData("squawk 7700, call sign HAWK21")]
    [InlineData("QNH 1013, wind 270/15 kt")]
    [InlineData("version 2.1, 3.4 build")]
    public async Task LookAlikesOfCoordinatesPassTheGuard(string text)
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");

        var sent = await _line.SentAsync(a.Token, Line.Text(b.Id, text));

        Assert.False(sent["disclosesLocation"]!.GetValue<bool>());
        Assert.Equal(EntryKinds.LineText, (await _line.EntryAsync(sent["logIndex"]!.GetValue<long>())).Kind);
    }

    // ---- suspension ---------------------------------------------------------------------------------------

    [Fact]
    public async Task ASuspendedPartyMaySendAndReceiveOnlyEmergenciesAndLineChecksUntilItResumes()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");
        var beforeA = await _line.SentAsync(a.Token, Line.Text(b.Id, "before"));

        var suspended = await _line.Client.PostAsync("/v1/line/suspend", b.Token, new JsonObject { ["reason"] = "memorandum suspended" });
        Assert.True(suspended.Status == HttpStatusCode.OK, suspended.ToString());

        // From the suspended party.
        AssertProblem(await _line.SendAsync(b.Token, Line.Text(a.Id, "chat")), HttpStatusCode.Forbidden);
        AssertProblem(await _line.SendAsync(b.Token, Line.Message("Notice", text: "exercise")), HttpStatusCode.Forbidden);
        AssertProblem(await _line.SendAsync(b.Token, Line.Message("Acknowledgement", a.Id, inReplyTo: beforeA["id"])), HttpStatusCode.Forbidden);
        AssertProblem(await _line.SendAsync(b.Token, Line.Message("DeconflictionRequest", a.Id, about: Guid.NewGuid().ToString())), HttpStatusCode.Forbidden);
        await _line.SentAsync(b.Token, Line.Emergency(a.Id));
        var checkFromB = await _line.SentAsync(b.Token, Line.Message("LineCheck", a.Id));
        await _line.SentAsync(a.Token, Line.Message("LineCheckAnswer", b.Id, inReplyTo: checkFromB["id"]));

        // To the suspended party.
        AssertProblem(await _line.SendAsync(a.Token, Line.Text(b.Id, "chat")), HttpStatusCode.Forbidden);
        AssertProblem(await _line.SendAsync(a.Token, Line.Message("DeconflictionRequest", b.Id, about: Guid.NewGuid().ToString())), HttpStatusCode.Forbidden);
        await _line.SentAsync(a.Token, Line.Emergency(b.Id));
        var checkOfB = await _line.SentAsync(a.Token, Line.Message("LineCheck", b.Id));
        await _line.SentAsync(b.Token, Line.Message("LineCheckAnswer", a.Id, inReplyTo: checkOfB["id"]));

        var whileSuspended = await _line.StandingAsync(a.Token, b.Id);
        Assert.True(whileSuspended["suspended"]!.GetValue<bool>());
        Assert.Equal("memorandum suspended", whileSuspended["reason"]?.ToString());
        Assert.True(suspended.Object["suspended"]!.GetValue<bool>());

        var resumed = await _line.Client.PostAsync("/v1/line/resume", b.Token, null);
        Assert.True(resumed.Status == HttpStatusCode.OK, resumed.ToString());
        await _line.SentAsync(b.Token, Line.Text(a.Id, "back"));
        await _line.SentAsync(a.Token, Line.Text(b.Id, "welcome back"));
        var afterwards = await _line.StandingAsync(b.Token, b.Id);
        Assert.False(afterwards["suspended"]!.GetValue<bool>());
        Assert.Null(afterwards["reason"]);

        // Both are recorded, signed by the party, and told to everyone (a third party sees both events).
        var suspendEntry = await _line.EntryAsync(LineServer.Receipt(suspended));
        var resumeEntry = await _line.EntryAsync(LineServer.Receipt(resumed));
        Assert.Equal((EntryKinds.LineSuspended, b.Id), (suspendEntry.Kind, suspendEntry.Party));
        Assert.Equal((EntryKinds.LineResumed, b.Id), (resumeEntry.Kind, resumeEntry.Party));
        var c = await _line.NewPartyAsync("c");
        var seen = (await _line.EventsAsync(c.Token)).Where(e => e["party"]?.GetValue<int>() == b.Id).ToList();
        Assert.Equal(["Suspended", "Resumed"], seen.Select(e => e["kind"]!.ToString()));
        Assert.Equal("memorandum suspended", seen[0]["reason"]?.ToString());
    }

    [Fact]
    public async Task ASuspensionStatesItsReasonAndIsNotRepeatedAndTheOperatorHasNone()
    {
        var a = await _line.NewPartyAsync("a");

        AssertInvalid(await _line.Client.PostAsync("/v1/line/suspend", a.Token, new JsonObject()), "reason", "reason");
        AssertInvalid(await _line.Client.PostAsync("/v1/line/suspend", a.Token, new JsonObject { ["reason"] = "  " }), "reason", "reason");
        AssertInvalid(await _line.Client.PostAsync("/v1/line/resume", a.Token, null), "state", "not suspended");
        Assert.Equal(HttpStatusCode.OK, (await _line.Client.PostAsync("/v1/line/suspend", a.Token, new JsonObject { ["reason"] = "r" })).Status);
        AssertInvalid(await _line.Client.PostAsync("/v1/line/suspend", a.Token, new JsonObject { ["reason"] = "r" }), "state", "already suspended");
        AssertProblem(await _line.Client.PostAsync("/v1/line/suspend", _line.OperatorToken, new JsonObject { ["reason"] = "r" }), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await _line.Client.PostAsync("/v1/line/resume", a.Token, null)).Status);
    }

    [Fact]
    public async Task AResponseToASuspendedPartyIsRefusedLikeAnyOtherMessageToIt()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");
        var request = await _line.SentAsync(a.Token, Line.Message("DeconflictionRequest", b.Id, about: Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.OK, (await _line.Client.PostAsync("/v1/line/suspend", a.Token, new JsonObject { ["reason"] = "suspended" })).Status);

        var response = await _line.SendAsync(b.Token, Line.Message("DeconflictionResponse", inReplyTo: request["id"], decision: "Decline"));

        AssertProblem(response, HttpStatusCode.Forbidden);
    }

    // ---- conflicts on the line ----------------------------------------------------------------------------

    [Fact]
    public async Task ARefusedFilingGivesBothOwnersAConflictEventWithTheRegion()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");
        var c = await _line.NewPartyAsync("c");
        var corner = NextArea();
        var first = await _line.Client.FileAcceptedAsync(a, Filing(Extent(Square(corner), 0, 120)));

        var refused = await _line.Client.PostAsync("/v1/reservations", b.Token, Filing(Extent(Square(corner), 100, 200)));

        AssertProblem(refused, HttpStatusCode.Conflict);
        var forA = Assert.Single(await _line.EventsAsync(a.Token), e => e["kind"]!.ToString() == "Conflict");
        var forB = Assert.Single(await _line.EventsAsync(b.Token), e => e["kind"]!.ToString() == "Conflict");
        Assert.Equal(b.Id, (int)forA["party"]!);
        Assert.Equal(a.Id, (int)forB["party"]!);
        Assert.Equal(a.Id, (int)forA["recipient"]!);
        Assert.Equal(b.Id, (int)forB["recipient"]!);
        foreach (var e in new[] { forA, forB })
        {
            var conflict = e["conflict"]!;
            Assert.Equal(first["id"]!.ToString(), conflict["otherId"]!.ToString());
            Assert.Null(conflict["reservationId"]); // refused: it has no id
            Assert.Equal(100, conflict["region"]!["altitude"]!["lower"]!.GetValue<double>());
            Assert.Equal(120, conflict["region"]!["altitude"]!["upper"]!.GetValue<double>());
            Assert.Equal(T0, conflict["region"]!["time"]!["start"]!.GetValue<DateTimeOffset>());
            Assert.Equal("Feature", conflict["region"]!["footprint"]!["type"]?.ToString());
        }

        Assert.Contains("refused", forA["reason"]!.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(await _line.EventsAsync(c.Token), e => e["kind"]!.ToString() == "Conflict" && (e["party"]?.GetValue<int>() == a.Id || e["party"]?.GetValue<int>() == b.Id));
    }

    [Fact]
    public async Task AFilingAcceptedWithTheConflictAcknowledgedGivesBothOwnersAConflictEvent()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");
        var corner = NextArea();
        var first = await _line.Client.FileAcceptedAsync(a, Filing(corner));

        var second = await _line.Client.FileAcceptedAsync(b, Filing(corner, acknowledge: (first["id"]!.ToString(), 1)));

        var forA = Assert.Single(await _line.EventsAsync(a.Token), e => e["kind"]!.ToString() == "Conflict");
        var forB = Assert.Single(await _line.EventsAsync(b.Token), e => e["kind"]!.ToString() == "Conflict");
        Assert.Equal(b.Id, (int)forA["party"]!);
        Assert.Equal(a.Id, (int)forB["party"]!);
        foreach (var e in new[] { forA, forB })
        {
            Assert.Equal(second["id"]!.ToString(), e["conflict"]!["reservationId"]!.ToString());
            Assert.Equal(first["id"]!.ToString(), e["conflict"]!["otherId"]!.ToString());
            Assert.Equal(120, e["conflict"]!["region"]!["altitude"]!["upper"]!.GetValue<double>());
        }

        Assert.Contains("acknowledged", forA["reason"]!.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>Deadlines on a fake clock: escalation, its limit, answers that stop it, line checks and lines down.</summary>
public sealed class LineDeadlineTests
{
    private static readonly string[] ShortDeadlines =
    [
        "--Hotline:Line:DeconflictionDeadlineSeconds", "30",
        "--Hotline:Line:EmergencyDeadlineSeconds", "20",
        "--Hotline:Line:LineCheckDeadlineSeconds", "10",
        "--Hotline:Line:MaxEscalations", "3",
    ];

    [Fact]
    public async Task AnUnansweredDeconflictionRequestEscalatesRoutineToUrgentToFlashAndStopsAtMaxEscalations()
    {
        await using var line = await LineServer.StartAsync(clock: LineServer.NewClock(), settings: ShortDeadlines);
        var a = await line.NewPartyAsync("a");
        var b = await line.NewPartyAsync("b");
        var c = await line.NewPartyAsync("c");
        var request = await line.SentAsync(a.Token, Line.Message("DeconflictionRequest", b.Id, about: Guid.NewGuid().ToString(), text: "please move"));
        Assert.Equal(request["sentAt"]!.GetValue<DateTimeOffset>().AddSeconds(30), request["deadline"]!.GetValue<DateTimeOffset>());

        await line.PassAsync(TimeSpan.FromSeconds(29));
        var early = await line.MessageAsync(a.Token, request["id"]!);
        var priorities = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            await line.PassAsync(TimeSpan.FromSeconds(31));
            priorities.Add((await line.MessageAsync(b.Token, request["id"]!))["priority"]!.ToString());
        }

        var last = await line.MessageAsync(a.Token, request["id"]!);
        Assert.Equal(("Routine", 0), (early["priority"]!.ToString(), (int)early["escalations"]!));
        Assert.Equal(["Urgent", "Flash", "Flash", "Flash"], priorities);
        Assert.Equal(3, (int)last["escalations"]!);
        Assert.Null(last["deadline"]);

        var toB = (await line.EventsAsync(b.Token)).Where(e => e["kind"]!.ToString() == "Escalation").ToList();
        var toA = (await line.EventsAsync(a.Token)).Where(e => e["kind"]!.ToString() == "Escalation").ToList();
        Assert.Equal(3, toB.Count);
        Assert.Equal(3, toA.Count);
        Assert.All(toB.Concat(toA), e => Assert.Equal(request["id"]!.ToString(), e["messageId"]!.ToString()));
        Assert.All(toB, e => Assert.Equal(b.Id, (int)e["recipient"]!));
        Assert.Equal("Flash", toB[^1]["message"]!["priority"]!.ToString());
        Assert.DoesNotContain(await line.EventsAsync(c.Token), e => e["kind"]!.ToString() == "Escalation");

        // Each escalation is recorded, signed by the server as the operator, numbered.
        var escalations = (await line.EntriesAsync()).Where(e => e.Kind == EntryKinds.LineEscalated && e.Subject == request["id"]!.ToString()).ToList();
        Assert.Equal([1L, 2L, 3L], escalations.Select(e => e.Version));
        Assert.All(escalations, e => Assert.Equal(LogEntry.OperatorParty, e.Party));
    }

    [Fact]
    public async Task AnUnacknowledgedEmergencyEscalatesAndStaysFlashAndItsSenderIsTold()
    {
        await using var line = await LineServer.StartAsync(clock: LineServer.NewClock(), settings: ShortDeadlines);
        var a = await line.NewPartyAsync("a");
        var b = await line.NewPartyAsync("b");
        var emergency = await line.SentAsync(a.Token, Line.Emergency(b.Id));

        await line.PassAsync(TimeSpan.FromSeconds(19));
        var before = await line.MessageAsync(b.Token, emergency["id"]!);
        await line.PassAsync(TimeSpan.FromSeconds(2));
        var after = await line.MessageAsync(b.Token, emergency["id"]!);

        Assert.Equal(("Flash", 0), (before["priority"]!.ToString(), (int)before["escalations"]!));
        Assert.Equal(("Flash", 1), (after["priority"]!.ToString(), (int)after["escalations"]!));
        Assert.True(after["deadline"]!.GetValue<DateTimeOffset>() > before["deadline"]!.GetValue<DateTimeOffset>());
        Assert.Single(await line.EventsAsync(b.Token), e => e["kind"]!.ToString() == "Escalation");
        Assert.Single(await line.EventsAsync(a.Token), e => e["kind"]!.ToString() == "Escalation");
    }

    [Fact]
    public async Task AnAcknowledgementAnswersAnEmergencySoItNeverEscalates()
    {
        await using var line = await LineServer.StartAsync(clock: LineServer.NewClock(), settings: ShortDeadlines);
        var a = await line.NewPartyAsync("a");
        var b = await line.NewPartyAsync("b");
        var emergency = await line.SentAsync(a.Token, Line.Emergency(b.Id));
        var unanswered = await line.SentAsync(a.Token, Line.Emergency(b.Id, need: "a second, unanswered"));

        await line.PassAsync(TimeSpan.FromSeconds(5));
        var ack = await line.SentAsync(b.Token, Line.Message("Acknowledgement", a.Id, inReplyTo: emergency["id"]));
        for (var i = 0; i < 4; i++)
        {
            await line.PassAsync(TimeSpan.FromSeconds(21));
        }

        var answered = await line.MessageAsync(a.Token, emergency["id"]!);
        Assert.Equal(ack["id"]!.ToString(), answered["answeredBy"]!.ToString());
        Assert.Equal(0, (int)answered["escalations"]!);
        Assert.Equal(3, (int)(await line.MessageAsync(a.Token, unanswered["id"]!))["escalations"]!);
        Assert.DoesNotContain(await line.EventsAsync(b.Token), e => e["kind"]!.ToString() == "Escalation" && e["messageId"]!.ToString() == emergency["id"]!.ToString());
    }

    [Fact]
    public async Task TwoMissedLineChecksTakeTheLineDownForAllToSeeAndTheNextAnswerBringsItUp()
    {
        await using var line = await LineServer.StartAsync(clock: LineServer.NewClock(), settings: ShortDeadlines);
        var a = await line.NewPartyAsync("a");
        var b = await line.NewPartyAsync("b");
        var c = await line.NewPartyAsync("c");

        await line.SentAsync(line.OperatorToken, Line.Message("LineCheck", b.Id));
        await line.PassAsync(TimeSpan.FromSeconds(11));
        var afterOne = await line.StandingAsync(a.Token, b.Id);
        await line.SentAsync(line.OperatorToken, Line.Message("LineCheck", b.Id));
        await line.PassAsync(TimeSpan.FromSeconds(11));
        var afterTwo = await line.StandingAsync(a.Token, b.Id);

        Assert.Equal((false, 1), (afterOne["down"]!.GetValue<bool>(), (int)afterOne["missedChecks"]!));
        Assert.Equal((true, 2), (afterTwo["down"]!.GetValue<bool>(), (int)afterTwo["missedChecks"]!));
        foreach (var party in new[] { a, b, c })
        {
            var down = Assert.Single(await line.EventsAsync(party.Token), e => e["kind"]!.ToString() == "LineDown");
            Assert.Equal(b.Id, (int)down["party"]!);
        }

        var entry = Assert.Single(await line.EntriesAsync(), e => e.Kind == EntryKinds.LineDown);
        Assert.Equal((LogEntry.OperatorParty, b.Id.ToString(CultureInfo.InvariantCulture)), (entry.Party, entry.Subject));
        // A missed check is not escalated.
        Assert.DoesNotContain(await line.EventsAsync(b.Token), e => e["kind"]!.ToString() == "Escalation");

        var third = await line.SentAsync(a.Token, Line.Message("LineCheck", b.Id));
        await line.SentAsync(b.Token, Line.Message("LineCheckAnswer", a.Id, inReplyTo: third["id"]));

        var up = await line.StandingAsync(c.Token, b.Id);
        Assert.Equal((false, 0), (up["down"]!.GetValue<bool>(), (int)up["missedChecks"]!));
        var events = (await line.EventsAsync(c.Token)).Where(e => e["party"]?.GetValue<int>() == b.Id).Select(e => e["kind"]!.ToString()).ToList();
        Assert.Equal(["LineDown", "LineUp"], events);
    }

    [Fact]
    public async Task ALateAnswerToAMissedLineCheckBringsTheLineBackUp()
    {
        await using var line = await LineServer.StartAsync(clock: LineServer.NewClock(), settings: ShortDeadlines);
        var a = await line.NewPartyAsync("a");
        var b = await line.NewPartyAsync("b");
        var first = await line.SentAsync(a.Token, Line.Message("LineCheck", b.Id));
        await line.PassAsync(TimeSpan.FromSeconds(11));
        var second = await line.SentAsync(a.Token, Line.Message("LineCheck", b.Id));
        await line.PassAsync(TimeSpan.FromSeconds(11));
        Assert.True((await line.StandingAsync(a.Token, b.Id))["down"]!.GetValue<bool>());

        await line.SentAsync(b.Token, Line.Message("LineCheckAnswer", a.Id, inReplyTo: second["id"]));

        Assert.False((await line.StandingAsync(a.Token, b.Id))["down"]!.GetValue<bool>());
        Assert.Contains(await line.EventsAsync(a.Token), e => e["kind"]!.ToString() == "LineUp");
        _ = first;
    }

    [Fact]
    public async Task AnAnsweredLineCheckResetsTheCountOfMissedOnes()
    {
        await using var line = await LineServer.StartAsync(clock: LineServer.NewClock(), settings: ShortDeadlines);
        var a = await line.NewPartyAsync("a");
        var b = await line.NewPartyAsync("b");

        await line.SentAsync(a.Token, Line.Message("LineCheck", b.Id));
        await line.PassAsync(TimeSpan.FromSeconds(11));
        var answered = await line.SentAsync(a.Token, Line.Message("LineCheck", b.Id));
        await line.SentAsync(b.Token, Line.Message("LineCheckAnswer", a.Id, inReplyTo: answered["id"]));
        await line.SentAsync(a.Token, Line.Message("LineCheck", b.Id));
        await line.PassAsync(TimeSpan.FromSeconds(11));

        var standing = await line.StandingAsync(a.Token, b.Id);
        Assert.Equal((false, 1), (standing["down"]!.GetValue<bool>(), (int)standing["missedChecks"]!));
        Assert.DoesNotContain(await line.EventsAsync(a.Token), e => e["kind"]!.ToString() == "LineDown");
    }
}
