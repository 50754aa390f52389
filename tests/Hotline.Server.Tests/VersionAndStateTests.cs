using System.Net;
using System.Text.Json.Nodes;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

/// <summary>Optimistic concurrency on reservations, and the states they may move between.</summary>
public sealed class VersionAndStateTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HotlineClient _client = fixture.Client;

    [Fact]
    public async Task AmendingAtAWrongVersionIsRefusedWithTheCurrentVersion()
    {
        var (party, id) = await FiledAsync();

        var reply = await _client.PutAsync($"/v1/reservations/{id}", party.Token, Amendment(version: 7));

        var problem = AssertProblem(reply, HttpStatusCode.Conflict);
        Assert.Equal(1, (long)problem["currentVersion"]!);
        Assert.Contains("version 1", problem["detail"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AmendingAtTheCurrentVersionChangesItAndBumpsTheVersion()
    {
        var (party, id) = await FiledAsync();
        var area = NextArea();

        var first = await _client.PutAsync($"/v1/reservations/{id}", party.Token, Amendment(version: 1, area, callSign: "V2"));
        var second = await _client.PutAsync($"/v1/reservations/{id}", party.Token, Amendment(version: 2, area, callSign: "V3", state: "Activated"));
        var stale = await _client.PutAsync($"/v1/reservations/{id}", party.Token, Amendment(version: 2, area));

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(2, (long)first.Object["version"]!);
        Assert.Equal("V2", first["callSign"]);
        Assert.Equal("Accepted", first["state"]);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(3, (long)second.Object["version"]!);
        Assert.Equal("Activated", second["state"]);
        Assert.Equal(3, (long)AssertProblem(stale, HttpStatusCode.Conflict)["currentVersion"]!);
        var read = await _client.GetAsync($"/v1/reservations/{id}", party.Token);
        Assert.Equal(3, (long)read.Object["version"]!);
        Assert.Equal("V3", read["callSign"]);
        var corner = read.Object["extents"]![0]!["footprint"]!["geometry"]!["coordinates"]![0]!.AsArray()
            .Select(p => (Lng: (double)p![0]!, Lat: (double)p[1]!)).ToList();
        Assert.Contains(corner, p => Math.Abs(p.Lng - area.Lng) < 1e-9 && Math.Abs(p.Lat - area.Lat) < 1e-9);
    }

    [Fact]
    public async Task AmendingWithoutAVersionIsInvalid()
    {
        var (party, id) = await FiledAsync();
        var amendment = Amendment(version: 1);
        amendment.Remove("version");

        AssertInvalid(await _client.PutAsync($"/v1/reservations/{id}", party.Token, amendment), "version", "is required");
    }

    [Fact]
    public async Task AmendingOrEndingAnUnknownReservationIs404()
    {
        var party = await fixture.NewPartyAsync("ghost");
        var id = Guid.CreateVersion7();

        AssertProblem(await _client.PutAsync($"/v1/reservations/{id}", party.Token, Amendment(version: 1)), HttpStatusCode.NotFound);
        AssertProblem(await _client.PostAsync($"/v1/reservations/{id}/end", party.Token, new JsonObject { ["version"] = 1 }), HttpStatusCode.NotFound);
        AssertProblem(await _client.GetAsync($"/v1/reservations/{id}", party.Token), HttpStatusCode.NotFound);
        AssertProblem(await _client.GetAsync($"/v1/constraints/{id}", party.Token), HttpStatusCode.NotFound);
        AssertProblem(await _client.DeleteAsync($"/v1/constraints/{id}", party.Token), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task EndingAtAWrongVersionIsRefusedWithTheCurrentVersion()
    {
        var (party, id) = await FiledAsync();

        var reply = await _client.PostAsync($"/v1/reservations/{id}/end", party.Token, new JsonObject { ["version"] = 2 });

        Assert.Equal(1, (long)AssertProblem(reply, HttpStatusCode.Conflict)["currentVersion"]!);
        AssertInvalid(await _client.PostAsync($"/v1/reservations/{id}/end", party.Token, new JsonObject()), "version", "is required");
    }

    [Fact]
    public async Task EndingMovesTheReservationToEndedAndOutOfTheDefaultList()
    {
        var (party, id) = await FiledAsync();

        var ended = await _client.PostAsync($"/v1/reservations/{id}/end", party.Token, new JsonObject { ["version"] = 1 });

        Assert.Equal(HttpStatusCode.OK, ended.Status);
        Assert.Equal("Ended", ended["state"]);
        Assert.Equal(2, (long)ended.Object["version"]!);
        Assert.Equal("Ended", (await _client.GetAsync($"/v1/reservations/{id}", party.Token))["state"]);
        Assert.DoesNotContain((await _client.GetAsync("/v1/reservations?mine=true", party.Token)).Array, r => r!["id"]!.ToString() == id);
        Assert.Contains((await _client.GetAsync("/v1/reservations?mine=true&includeEnded=true", party.Token)).Array, r => r!["id"]!.ToString() == id);
    }

    [Fact]
    public async Task AnEndedReservationNoLongerConflicts()
    {
        var a = await fixture.NewPartyAsync("ender");
        var b = await fixture.NewPartyAsync("follower");
        var area = NextArea();
        var filed = await _client.FileAcceptedAsync(a, Filing(area));
        AssertProblem(await _client.PostAsync("/v1/reservations", b.Token, Filing(area)), HttpStatusCode.Conflict);

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/v1/reservations/{filed["id"]}/end", a.Token, new JsonObject { ["version"] = 1 })).Status);

        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/v1/reservations", b.Token, Filing(area))).Status);
        Assert.Empty((await _client.GetAsync("/v1/conflicts", a.Token)).Array);
        Assert.Empty((await _client.GetAsync("/v1/conflicts", b.Token)).Array);
        var query = await _client.PostAsync("/v1/query", b.Token, new JsonObject { ["area"] = Extent(Square(area)) });
        Assert.DoesNotContain(query.Object["reservations"]!.AsArray(), r => r!["id"]!.ToString() == filed["id"]!.ToString());
    }

    [Fact]
    public async Task AnEndedReservationCannotBeEndedOrAmendedAgain()
    {
        var (party, id) = await FiledAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/v1/reservations/{id}/end", party.Token, new JsonObject { ["version"] = 1 })).Status);

        AssertInvalid(await _client.PostAsync($"/v1/reservations/{id}/end", party.Token, new JsonObject { ["version"] = 2 }), "state", "already ended");
        AssertInvalid(await _client.PutAsync($"/v1/reservations/{id}", party.Token, Amendment(version: 2, state: "Accepted")), "state", "from Ended to Accepted");
        AssertInvalid(await _client.PutAsync($"/v1/reservations/{id}", party.Token, Amendment(version: 2)), "state", "from Ended");
    }

    [Theory]
    [InlineData("Contingent")]
    [InlineData("Nonconforming")]
    public async Task AnAcceptedReservationCannotJumpToAnOffPlanState(string state)
    {
        var (party, id) = await FiledAsync();

        var reply = await _client.PutAsync($"/v1/reservations/{id}", party.Token, Amendment(version: 1, state: state));

        AssertInvalid(reply, "state", $"cannot go from Accepted to {state}");
        Assert.Equal(1, (long)(await _client.GetAsync($"/v1/reservations/{id}", party.Token)).Object["version"]!);
    }

    [Fact]
    public async Task AFlyingReservationMovesThroughNonconformingAndContingentButNotBack()
    {
        var (party, id) = await FiledAsync();
        var area = NextArea();

        Assert.Equal("Activated", (await _client.PutAsync($"/v1/reservations/{id}", party.Token, Amendment(1, area, state: "Activated")))["state"]);
        Assert.Equal("Nonconforming", (await _client.PutAsync($"/v1/reservations/{id}", party.Token, Amendment(2, area, state: "nonconforming")))["state"]);
        Assert.Equal("Contingent", (await _client.PutAsync($"/v1/reservations/{id}", party.Token, Amendment(3, area, state: "Contingent")))["state"]);
        AssertInvalid(await _client.PutAsync($"/v1/reservations/{id}", party.Token, Amendment(4, area, state: "Activated")), "state", "from Contingent to Activated");
        AssertInvalid(await _client.PutAsync($"/v1/reservations/{id}", party.Token, Amendment(4, area, state: "Accepted")), "state", "from Contingent to Accepted");
    }

    [Fact]
    public async Task AnOffPlanReportIsNotRefusedForConflicts()
    {
        var a = await fixture.NewPartyAsync("straying");
        var b = await fixture.NewPartyAsync("strayed-into");
        var area = NextArea();
        var theirs = await _client.FileAcceptedAsync(b, Filing(area));
        var (_, id) = await FiledAsync(a);
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync($"/v1/reservations/{id}", a.Token, Amendment(1, state: "Activated"))).Status);

        var report = await _client.PutAsync($"/v1/reservations/{id}", a.Token, Amendment(2, area, state: "Nonconforming"));

        Assert.Equal(HttpStatusCode.OK, report.Status);
        var conflict = Assert.Single((await _client.GetAsync("/v1/conflicts", a.Token)).Array)!;
        Assert.Equal(theirs["id"]!.ToString(), conflict["otherId"]!.ToString());
    }

    [Theory]
    [InlineData("Ended")]
    [InlineData("Contingent")]
    [InlineData("Nonconforming")]
    public async Task ANewReservationIsAcceptedOrActivatedOnly(string state)
    {
        var party = await fixture.NewPartyAsync("new-state");
        var filing = Filing(NextArea());
        filing["state"] = state;

        AssertInvalid(await _client.PostAsync("/v1/reservations", party.Token, filing), "state", "a new reservation is Accepted or Activated");
    }

    [Fact]
    public async Task ANewReservationMayBeFiledActivated()
    {
        var party = await fixture.NewPartyAsync("activated");
        var filing = Filing(NextArea());
        filing["state"] = "Activated";

        var filed = await _client.FileAcceptedAsync(party, filing);

        Assert.Equal("Activated", filed["state"]!.ToString());
    }

    private async Task<(TestParty Party, string Id)> FiledAsync(TestParty? party = null)
    {
        party ??= await fixture.NewPartyAsync("versioned");
        var filed = await _client.FileAcceptedAsync(party, Filing(NextArea(), callSign: "V1"));
        return (party, filed["id"]!.ToString());
    }

    private static JsonObject Amendment(long version, (double Lat, double Lng)? area = null, string? callSign = null, string? state = null)
    {
        var amendment = Filing(area ?? NextArea(), callSign);
        amendment["version"] = version;
        if (state is not null)
        {
            amendment["state"] = state;
        }

        return amendment;
    }
}
