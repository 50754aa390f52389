using System.Net;
using System.Text.Json.Nodes;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

/// <summary>A filing that conflicts with another party's volume is refused unless every conflict is acknowledged.</summary>
public sealed class FilingRuleTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HotlineClient _client = fixture.Client;

    [Fact]
    public async Task FilingIntoAnotherPartysReservationIsRefusedWithTheConflictListed()
    {
        var a = await fixture.NewPartyAsync("filing-a");
        var b = await fixture.NewPartyAsync("filing-b");
        var area = NextArea();
        var theirs = await _client.FileAcceptedAsync(a, Filing(Extent(Square(area), lower: 0, upper: 120)));

        // Overlapping by half a square, 60–200 m, starting half an hour in.
        var filing = Filing(Extent(Square((area.Lat + 0.005, area.Lng + 0.005)), lower: 60, upper: 200, start: T0.AddMinutes(30)));
        var refused = await _client.PostAsync("/v1/reservations", b.Token, filing);

        var problem = AssertProblem(refused, HttpStatusCode.Conflict);
        Assert.Equal("Unacknowledged conflicts", problem["title"]?.ToString());
        var conflict = Assert.Single(problem["conflicts"]!.AsArray())!.AsObject();
        Assert.False(conflict.ContainsKey("reservationId"), "a refused filing has no id yet");
        Assert.Equal(theirs["id"]!.ToString(), conflict["otherId"]!.ToString());
        Assert.Equal(1, (long)conflict["otherVersion"]!);
        Assert.Equal(a.Id, (int)conflict["otherOwner"]!);
        Assert.Equal("Reservation", conflict["otherKind"]!.ToString());
        Assert.Equal(0, (int)conflict["reservationExtent"]!);
        Assert.Equal(0, (int)conflict["otherExtent"]!);
        var region = conflict["region"]!.AsObject();
        Assert.Equal(60, (double)region["altitude"]!["lower"]!);
        Assert.Equal(120, (double)region["altitude"]!["upper"]!);
        Assert.Equal(T0.AddMinutes(30), DateTimeOffset.Parse(region["time"]!["start"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(T0.AddHours(1), DateTimeOffset.Parse(region["time"]!["end"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("Feature", region["footprint"]!["type"]!.ToString());
        Assert.Equal("Feature", region["otherFootprint"]!["type"]!.ToString());

        // Nothing was filed.
        var mine = await _client.GetAsync("/v1/reservations?mine=true", b.Token);
        Assert.Empty(mine.Array);
    }

    [Fact]
    public async Task AcknowledgingEveryConflictAtItsVersionFiles()
    {
        var a = await fixture.NewPartyAsync("ack-a");
        var b = await fixture.NewPartyAsync("ack-b");
        var area = NextArea();
        var theirs = await _client.FileAcceptedAsync(a, Filing(area));
        AssertProblem(await _client.PostAsync("/v1/reservations", b.Token, Filing(area)), HttpStatusCode.Conflict);

        var filed = await _client.PostAsync("/v1/reservations", b.Token, Filing(area, acknowledge: (theirs["id"]!.ToString(), 1)));

        Assert.Equal(HttpStatusCode.Created, filed.Status);
        Assert.Equal($"/v1/reservations/{filed["id"]}", filed.Headers.Location?.OriginalString);
        Assert.Equal("Accepted", filed["state"]);
        Assert.Equal(1, (long)filed.Object["version"]!);
        Assert.Equal(b.Id, (int)filed.Object["owner"]!);
    }

    [Fact]
    public async Task AcknowledgingAStaleVersionIsStillRefused()
    {
        var a = await fixture.NewPartyAsync("stale-a");
        var b = await fixture.NewPartyAsync("stale-b");
        var area = NextArea();
        var theirs = await _client.FileAcceptedAsync(a, Filing(area));
        var id = theirs["id"]!.ToString();
        var amend = Filing(area, callSign: "MOVED");
        amend["version"] = 1;
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync($"/v1/reservations/{id}", a.Token, amend)).Status);

        var refused = await _client.PostAsync("/v1/reservations", b.Token, Filing(area, acknowledge: (id, 1)));

        var conflict = Assert.Single(AssertProblem(refused, HttpStatusCode.Conflict)["conflicts"]!.AsArray())!;
        Assert.Equal(id, conflict["otherId"]!.ToString());
        Assert.Equal(2, (long)conflict["otherVersion"]!);
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/v1/reservations", b.Token, Filing(area, acknowledge: (id, 2)))).Status);
    }

    [Fact]
    public async Task AcknowledgingOnlySomeOfTheConflictsIsRefused()
    {
        var a = await fixture.NewPartyAsync("some-a");
        var c = await fixture.NewPartyAsync("some-c");
        var b = await fixture.NewPartyAsync("some-b");
        var area = NextArea();
        var first = await _client.FileAcceptedAsync(a, Filing(area));
        var second = await _client.FileAcceptedAsync(c, Filing(area, acknowledge: (first["id"]!.ToString(), 1)));

        var refused = await _client.PostAsync("/v1/reservations", b.Token, Filing(area, acknowledge: (first["id"]!.ToString(), 1)));

        var conflicts = AssertProblem(refused, HttpStatusCode.Conflict)["conflicts"]!.AsArray();
        Assert.Equal(2, conflicts.Count);
        var filed = await _client.PostAsync("/v1/reservations", b.Token, Filing(area, acknowledge: [(first["id"]!.ToString(), 1), (second["id"]!.ToString(), 1)]));
        Assert.Equal(HttpStatusCode.Created, filed.Status);
    }

    [Fact]
    public async Task AConstraintRefusesFilingsIntoIt()
    {
        var a = await fixture.NewPartyAsync("closer-a");
        var b = await fixture.NewPartyAsync("closer-b");
        var area = NextArea();
        var constraint = await _client.PostAsync("/v1/constraints", a.Token, new JsonObject { ["extents"] = new JsonArray(Extent(Square(area), 0, 10_000)) });
        Assert.Equal(HttpStatusCode.Created, constraint.Status);
        Assert.Equal(1, (long)constraint.Object["version"]!);

        var refused = await _client.PostAsync("/v1/reservations", b.Token, Filing(area));

        var conflict = Assert.Single(AssertProblem(refused, HttpStatusCode.Conflict)["conflicts"]!.AsArray())!;
        Assert.Equal("Constraint", conflict["otherKind"]!.ToString());
        Assert.Equal(constraint["id"], conflict["otherId"]!.ToString());
        Assert.Equal(a.Id, (int)conflict["otherOwner"]!);
    }

    [Fact]
    public async Task AWithdrawnConstraintNoLongerRefusesFilings()
    {
        var a = await fixture.NewPartyAsync("withdraw-a");
        var b = await fixture.NewPartyAsync("withdraw-b");
        var area = NextArea();
        var constraint = await _client.PostAsync("/v1/constraints", a.Token, new JsonObject { ["extents"] = new JsonArray(Extent(Square(area))) });
        AssertProblem(await _client.PostAsync("/v1/reservations", b.Token, Filing(area)), HttpStatusCode.Conflict);

        Assert.Equal(HttpStatusCode.OK, (await _client.DeleteAsync($"/v1/constraints/{constraint["id"]}", a.Token)).Status);

        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/v1/reservations", b.Token, Filing(area))).Status);
    }

    [Fact]
    public async Task APartysOwnConstraintDoesNotRefuseItsFilings()
    {
        var a = await fixture.NewPartyAsync("own-constraint");
        var area = NextArea();
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/v1/constraints", a.Token, new JsonObject { ["extents"] = new JsonArray(Extent(Square(area))) })).Status);

        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/v1/reservations", a.Token, Filing(area))).Status);
    }

    [Fact]
    public async Task AFilingThatOnlyComesNearIsAccepted()
    {
        var a = await fixture.NewPartyAsync("near-a");
        var b = await fixture.NewPartyAsync("near-b");
        var area = NextArea();
        await _client.FileAcceptedAsync(a, Filing(area));

        // About 110 m to the east, same height and time.
        var beside = Filing(Extent(Square((area.Lat, area.Lng + 0.011))));
        // The same square, just above (a gap of 1 m).
        var above = Filing(Extent(Square(area), lower: 121, upper: 300));
        // The same square, the hour after: windows that abut do not conflict.
        var after = Filing(Extent(Square(area), start: T0.AddHours(1)));

        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/v1/reservations", b.Token, beside)).Status);
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/v1/reservations", b.Token, above)).Status);
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/v1/reservations", b.Token, after)).Status);
        Assert.Empty((await _client.GetAsync("/v1/conflicts", b.Token)).Array);
    }

    [Fact]
    public async Task ConflictsListTheAcknowledgedConflictForBothOwners()
    {
        var a = await fixture.NewPartyAsync("open-a");
        var b = await fixture.NewPartyAsync("open-b");
        var area = NextArea();
        var theirs = await _client.FileAcceptedAsync(a, Filing(area));
        var mine = await _client.FileAcceptedAsync(b, Filing(area, acknowledge: (theirs["id"]!.ToString(), 1)));

        var ofA = (await _client.GetAsync("/v1/conflicts", a.Token)).Array;
        var ofB = (await _client.GetAsync("/v1/conflicts", b.Token)).Array;

        var seenByA = Assert.Single(ofA)!;
        Assert.Equal(theirs["id"]!.ToString(), seenByA["reservationId"]!.ToString());
        Assert.Equal(mine["id"]!.ToString(), seenByA["otherId"]!.ToString());
        Assert.Equal(b.Id, (int)seenByA["otherOwner"]!);
        var seenByB = Assert.Single(ofB)!;
        Assert.Equal(mine["id"]!.ToString(), seenByB["reservationId"]!.ToString());
        Assert.Equal(theirs["id"]!.ToString(), seenByB["otherId"]!.ToString());
        Assert.Equal(a.Id, (int)seenByB["otherOwner"]!);
        Assert.Equal(1, (long)seenByB["otherVersion"]!);
    }

    [Fact]
    public async Task APartysOwnReservationsNeverConflict()
    {
        var a = await fixture.NewPartyAsync("self");
        var area = NextArea();
        await _client.FileAcceptedAsync(a, Filing(area));

        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/v1/reservations", a.Token, Filing(area))).Status);
        Assert.Empty((await _client.GetAsync("/v1/conflicts", a.Token)).Array);
    }

    [Fact]
    public async Task AmendingIntoAnotherPartysReservationFollowsTheFilingRule()
    {
        var a = await fixture.NewPartyAsync("amend-into-a");
        var b = await fixture.NewPartyAsync("amend-into-b");
        var area = NextArea();
        var theirs = await _client.FileAcceptedAsync(a, Filing(area));
        var mine = await _client.FileAcceptedAsync(b, Filing(NextArea()));
        var amend = Filing(area);
        amend["version"] = 1;

        var refused = await _client.PutAsync($"/v1/reservations/{mine["id"]}", b.Token, amend);
        var conflict = Assert.Single(AssertProblem(refused, HttpStatusCode.Conflict)["conflicts"]!.AsArray())!;
        Assert.Equal(theirs["id"]!.ToString(), conflict["otherId"]!.ToString());

        amend["acknowledge"] = new JsonArray(new JsonObject { ["id"] = theirs["id"]!.ToString(), ["version"] = 1 });
        var amended = await _client.PutAsync($"/v1/reservations/{mine["id"]}", b.Token, amend);
        Assert.Equal(HttpStatusCode.OK, amended.Status);
        Assert.Equal(2, (long)amended.Object["version"]!);
    }

    [Fact]
    public async Task AQueryFindsWhatIsInTheAreaAndNothingElse()
    {
        var a = await fixture.NewPartyAsync("query-a");
        var area = NextArea();
        var inside = await _client.FileAcceptedAsync(a, Filing(area));
        var later = await _client.FileAcceptedAsync(a, Filing(Extent(Square(area), start: T0.AddHours(3))));
        var elsewhere = await _client.FileAcceptedAsync(a, Filing(NextArea()));
        var constraint = await _client.PostAsync("/v1/constraints", a.Token, new JsonObject { ["extents"] = new JsonArray(Extent(Square(area))) });

        var reply = await _client.PostAsync("/v1/query", a.Token, new JsonObject { ["area"] = Extent(Square(area), start: T0.AddMinutes(10), end: T0.AddMinutes(20)) });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var found = reply.Object["reservations"]!.AsArray().Select(r => r!["id"]!.ToString()).ToList();
        Assert.Equal([inside["id"]!.ToString()], found);
        Assert.DoesNotContain(later["id"]!.ToString(), found);
        Assert.DoesNotContain(elsewhere["id"]!.ToString(), found);
        Assert.Equal(constraint["id"], Assert.Single(reply.Object["constraints"]!.AsArray())!["id"]!.ToString());
    }

    [Fact]
    public async Task ARefusedAmendmentNamesTheReservationInItsConflicts()
    {
        var a = await fixture.NewPartyAsync("named-a");
        var b = await fixture.NewPartyAsync("named-b");
        var area = NextArea();
        await _client.FileAcceptedAsync(a, Filing(area));
        var mine = await _client.FileAcceptedAsync(b, Filing(NextArea()));
        var amend = Filing(area);
        amend["version"] = 1;

        var refused = await _client.PutAsync($"/v1/reservations/{mine["id"]}", b.Token, amend);

        var conflict = Assert.Single(AssertProblem(refused, HttpStatusCode.Conflict)["conflicts"]!.AsArray())!;
        Assert.Equal(mine["id"]!.ToString(), conflict["reservationId"]?.ToString());
    }
}
