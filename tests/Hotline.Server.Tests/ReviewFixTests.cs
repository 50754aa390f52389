using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Hotline.Ledger;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

/// <summary>Holes a review found, each closed: oversized proposals, unbounded emergency text, replays of refused
/// requests.</summary>
public sealed class ReviewFixTests(LineFixture fixture) : IClassFixture<LineFixture>
{
    private readonly LineServer _line = fixture.Server;

    [Fact]
    public async Task AProposalWithMoreExtentsThanTheDeploymentAllowsIsRefusedAndTheIndexStaysWhole()
    {
        var a = await _line.Client.CreatePartyAsync(_line.OperatorToken, $"a-{Guid.NewGuid():N}");
        var b = await _line.Client.CreatePartyAsync(_line.OperatorToken, $"b-{Guid.NewGuid():N}");
        var mine = await _line.Client.FileAcceptedAsync(a, Filing(NextArea()));
        var extents = new JsonArray([.. Enumerable.Range(0, 257).Select(_ => (JsonNode)Extent(Square(NextArea())))]);
        var proposal = new JsonObject { ["reservationId"] = mine["id"]!.ToString(), ["version"] = 1, ["extents"] = extents };

        var reply = await _line.Client.PostAsync("/v1/line/messages", a.Token, Line.Message("DeconflictionRequest", b.Id, about: mine["id"], proposal: proposal));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("proposal.extents", reply["field"]);
    }

    [Fact]
    public async Task AnEmergencysNeedLongerThanTheTextLimitIsRefusedWith400NotAServerError()
    {
        var a = await _line.Client.CreatePartyAsync(_line.OperatorToken, $"a-{Guid.NewGuid():N}");

        var reply = await _line.Client.PostAsync("/v1/line/messages", a.Token, Line.Emergency(null, need: new string('x', 10_001)));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("emergency.need", reply["field"]);
    }

    [Fact]
    public async Task ARefusedRequestReplayedLaterDoesNothing()
    {
        // A filing refused for a conflict must not succeed when the very same signed request is sent again once the
        // conflict is gone.
        var a = await _line.Client.CreatePartyAsync(_line.OperatorToken, $"a-{Guid.NewGuid():N}");
        var b = await _line.Client.CreatePartyAsync(_line.OperatorToken, $"b-{Guid.NewGuid():N}");
        var area = NextArea();
        var blocking = await _line.Client.FileAcceptedAsync(a, Filing(area));
        var body = Encoding.UTF8.GetBytes(Filing(area).ToJsonString());
        var target = new Uri(_line.Http.BaseAddress!, "/v1/reservations");
        var signed = SignedRequest.Create(b.Key, "POST", target.PathAndQuery, DateTimeOffset.UtcNow, Guid.NewGuid(), body);

        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(target, b.Token, body, signed)).StatusCode);
        var end = await _line.Client.PostAsync($"/v1/reservations/{blocking["id"]}/end", a.Token, new JsonObject { ["version"] = 1 });
        Assert.Equal(HttpStatusCode.OK, end.Status);
        using var replay = await SendAsync(target, b.Token, body, signed);

        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Contains("already received", await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty((await _line.Client.GetAsync("/v1/reservations?mine=true", b.Token)).Array);
    }

    private async Task<HttpResponseMessage> SendAsync(Uri target, string token, byte[] body, SignedRequest signed)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation(SignedRequest.HeaderName, signed.ToHeader());
        return await _line.Http.SendAsync(request);
    }
}

/// <summary>A party holds a bounded number of live streams; closing one frees its place.</summary>
public sealed class StreamLimitTests
{
    [Fact]
    public async Task APartyBeyondItsStreamLimitGets429AndAClosedStreamFreesItsPlace()
    {
        await using var line = await LineServer.StartAsync(settings: ["--Hotline:Line:MaxStreamsPerParty", "2"]);
        var party = await line.Client.CreatePartyAsync(line.OperatorToken, $"streams-{Guid.NewGuid():N}");
        var other = await line.Client.CreatePartyAsync(line.OperatorToken, $"other-{Guid.NewGuid():N}");
        var first = await SseSubscription.OpenAsync(line.Http, party.Token);
        await using var second = await SseSubscription.OpenAsync(line.Http, party.Token);

        var third = await line.Client.GetAsync("/v1/line/stream", party.Token);
        await using var othersOwn = await SseSubscription.OpenAsync(line.Http, other.Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, third.Status);
        Assert.Contains("at most 2", third["detail"], StringComparison.Ordinal);
        await first.DisposeAsync();
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(10);
        var reopened = HttpStatusCode.TooManyRequests;
        while (reopened != HttpStatusCode.OK && DateTimeOffset.UtcNow < deadline)
        {
            // The server notices the closed connection at its next write or wait: retry until it has.
            using var probe = new HttpRequestMessage(HttpMethod.Get, "/v1/line/stream");
            probe.Headers.Authorization = new AuthenticationHeaderValue("Bearer", party.Token);
            using var response = await line.Http.SendAsync(probe, HttpCompletionOption.ResponseHeadersRead);
            reopened = response.StatusCode;
            if (reopened != HttpStatusCode.OK)
            {
                await line.Client.PostAsync("/v1/line/messages", other.Token, Line.Text(party.Id, "wake the streams"));
                await Task.Delay(100);
            }
        }

        Assert.Equal(HttpStatusCode.OK, reopened);
    }
}
