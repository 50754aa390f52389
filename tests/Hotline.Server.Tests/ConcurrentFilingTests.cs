using System.Net;
using System.Text.Json.Nodes;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

/// <summary>The filing rule holds when filings race each other.</summary>
public sealed class ConcurrentFilingTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HotlineClient _client = fixture.Client;

    [Fact]
    public async Task TwoPartiesRacingForTheSameVolumeNeverBothGetIt()
    {
        var a = await fixture.NewPartyAsync("racer-a");
        var b = await fixture.NewPartyAsync("racer-b");
        var area = NextArea();

        // Interleaved so that neither party's filings all reach the server first.
        var filings = Enumerable.Range(0, 40)
            .Select(i => (Party: i % 2 == 0 ? a : b, Reply: _client.PostAsync("/v1/reservations", (i % 2 == 0 ? a : b).Token, Filing(area))))
            .ToList();
        var answers = await Task.WhenAll(filings.Select(f => f.Reply));

        var replies = filings.Select((f, i) => (f.Party, Reply: answers[i])).ToList();
        Assert.All(replies, r => Assert.True(r.Reply.Status is HttpStatusCode.Created or HttpStatusCode.Conflict, r.Reply.ToString()));
        var acceptedA = replies.Count(r => r.Party == a && r.Reply.Status == HttpStatusCode.Created);
        var acceptedB = replies.Count(r => r.Party == b && r.Reply.Status == HttpStatusCode.Created);
        Assert.False(acceptedA > 0 && acceptedB > 0, $"both parties hold the volume: A {acceptedA}, B {acceptedB}");
        // The first filing to be decided always wins, and a party never conflicts with itself.
        Assert.Equal(20, acceptedA + acceptedB);
        var loser = acceptedA > 0 ? b : a;
        var winner = acceptedA > 0 ? a : b;
        Assert.All(replies.Where(r => r.Reply.Status == HttpStatusCode.Conflict), r =>
        {
            Assert.Equal(loser, r.Party);
            Assert.All(r.Reply.Object["conflicts"]!.AsArray(), c => Assert.Equal(winner.Id, (int)c!["otherOwner"]!));
        });
        Assert.Empty((await _client.GetAsync("/v1/conflicts", a.Token)).Array);
        Assert.Empty((await _client.GetAsync("/v1/conflicts", b.Token)).Array);
        Assert.Empty((await _client.GetAsync("/v1/reservations?mine=true", loser.Token)).Array);
        Assert.Equal(20, (await _client.GetAsync("/v1/reservations?mine=true", winner.Token)).Array.Count);
    }

    [Fact]
    public async Task AHundredConcurrentFilingsThatDoNotConflictAreAllAccepted()
    {
        var parties = new[] { await fixture.NewPartyAsync("bulk-a"), await fixture.NewPartyAsync("bulk-b"), await fixture.NewPartyAsync("bulk-c") };
        var queryArea = new JsonObject { ["area"] = Extent(Square(NextArea(), 1)) };

        var filings = Enumerable.Range(0, 100).Select(i => _client.PostAsync("/v1/reservations", parties[i % 3].Token, Filing(NextArea()))).ToList();
        // Readers run while the writes are in flight.
        var reads = Enumerable.Range(0, 30).Select(i => i % 2 == 0
            ? _client.PostAsync("/v1/query", parties[0].Token, queryArea.DeepClone())
            : _client.GetAsync("/v1/conflicts", parties[1].Token)).ToList();
        var replies = await Task.WhenAll(filings);

        Assert.All(replies, r => Assert.True(r.Status == HttpStatusCode.Created, r.ToString()));
        var ids = replies.Select(r => r["id"]!).ToList();
        Assert.Equal(100, ids.Distinct().Count());
        Assert.All(await Task.WhenAll(reads), r => Assert.True(r.Status == HttpStatusCode.OK, r.ToString()));
        var listed = (await _client.GetAsync("/v1/reservations", parties[0].Token)).Array.Select(r => r!["id"]!.ToString()).ToHashSet();
        Assert.Superset(ids.ToHashSet(), listed);
    }

    [Fact]
    public async Task ConcurrentAmendmentsAtTheSameVersionLetExactlyOneThrough()
    {
        var party = await fixture.NewPartyAsync("amender");
        var filed = await _client.FileAcceptedAsync(party, Filing(NextArea()));

        var amendments = Enumerable.Range(0, 10).Select(i =>
        {
            var amendment = Filing(NextArea(), callSign: $"TRY{i}");
            amendment["version"] = 1;
            return _client.PutAsync($"/v1/reservations/{filed["id"]}", party.Token, amendment);
        }).ToList();
        var replies = await Task.WhenAll(amendments);

        var winner = Assert.Single(replies, r => r.Status == HttpStatusCode.OK);
        Assert.All(replies.Where(r => r != winner), r => Assert.Equal(2, (long)AssertProblem(r, HttpStatusCode.Conflict)["currentVersion"]!));
        var read = await _client.GetAsync($"/v1/reservations/{filed["id"]}", party.Token);
        Assert.Equal(2, (long)read.Object["version"]!);
        Assert.Equal(winner["callSign"], read["callSign"]);
    }

    [Fact]
    public async Task ConcurrentEndAndAmendDecideInOneOrder()
    {
        var party = await fixture.NewPartyAsync("end-or-amend");
        var filed = await _client.FileAcceptedAsync(party, Filing(NextArea()));
        var amendment = Filing(NextArea());
        amendment["version"] = 1;

        var end = _client.PostAsync($"/v1/reservations/{filed["id"]}/end", party.Token, new JsonObject { ["version"] = 1 });
        var amend = _client.PutAsync($"/v1/reservations/{filed["id"]}", party.Token, amendment);
        var replies = await Task.WhenAll(end, amend);

        Assert.Single(replies, r => r.Status == HttpStatusCode.OK);
        Assert.Single(replies, r => r.Status == HttpStatusCode.Conflict);
        Assert.Equal(2, (long)(await _client.GetAsync($"/v1/reservations/{filed["id"]}", party.Token)).Object["version"]!);
    }
}
