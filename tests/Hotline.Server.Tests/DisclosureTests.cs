using System.Net;
using System.Text.Json.Nodes;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

/// <summary>Call sign and notes never leave the owner: not even their JSON keys.</summary>
public sealed class DisclosureTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string CallSign = "HAWK-7-PRIVATE";
    private const string Notes = "medevac for a named patient";

    private readonly HotlineClient _client = fixture.Client;

    [Fact]
    public async Task OwnerSeesCallSignAndNotesInTheFilingResponseAndById()
    {
        var owner = await fixture.NewPartyAsync("disclose-owner");
        var filed = await _client.FileAcceptedAsync(owner, Filing(NextArea(), CallSign, Notes));
        Assert.Equal(CallSign, filed["callSign"]?.ToString());
        Assert.Equal(Notes, filed["notes"]?.ToString());

        var read = await _client.GetAsync($"/v1/reservations/{filed["id"]}", owner.Token);

        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal(CallSign, read["callSign"]);
        Assert.Equal(Notes, read["notes"]);
    }

    [Fact]
    public async Task OtherPartyGetsNeitherCallSignNorNotesById()
    {
        var (owner, other, id) = await FiledAsync();

        var read = await _client.GetAsync($"/v1/reservations/{id}", other.Token);

        Assert.Equal(HttpStatusCode.OK, read.Status);
        AssertPublicView(read.Object, owner);
        AssertNotLeaked(read);
    }

    [Fact]
    public async Task OperatorGetsNeitherCallSignNorNotesById()
    {
        var (owner, _, id) = await FiledAsync();

        var read = await _client.GetAsync($"/v1/reservations/{id}", fixture.OperatorToken);

        AssertPublicView(read.Object, owner);
        AssertNotLeaked(read);
    }

    [Fact]
    public async Task OtherPartyGetsNeitherCallSignNorNotesInTheList()
    {
        var (owner, other, id) = await FiledAsync();

        var list = await _client.GetAsync("/v1/reservations", other.Token);
        var mine = await _client.GetAsync("/v1/reservations?mine=true", owner.Token);

        Assert.Equal(HttpStatusCode.OK, list.Status);
        AssertPublicView(Find(list.Array, id), owner);
        AssertNotLeaked(list);
        Assert.Equal(CallSign, Find(mine.Array, id)["callSign"]?.ToString());
        Assert.Equal(Notes, Find(mine.Array, id)["notes"]?.ToString());
        var ownersView = await _client.GetAsync("/v1/reservations", owner.Token);
        Assert.Equal(CallSign, Find(ownersView.Array, id)["callSign"]?.ToString());
    }

    [Fact]
    public async Task OtherPartyGetsNeitherCallSignNorNotesInAQuery()
    {
        var area = NextArea();
        var (owner, other, id) = await FiledAsync(area);
        var query = new JsonObject { ["area"] = Extent(Square(area, 0.1)) };

        var theirs = await _client.PostAsync("/v1/query", other.Token, query);
        var ownersView = await _client.PostAsync("/v1/query", owner.Token, query.DeepClone());

        Assert.Equal(HttpStatusCode.OK, theirs.Status);
        AssertPublicView(Find(theirs.Object["reservations"]!.AsArray(), id), owner);
        AssertNotLeaked(theirs);
        Assert.Equal(CallSign, Find(ownersView.Object["reservations"]!.AsArray(), id)["callSign"]?.ToString());
    }

    [Fact]
    public async Task ARefusedFilingLearnsWhereAndWhenButNotWhoOrWhy()
    {
        var area = NextArea();
        var (owner, other, id) = await FiledAsync(area);

        var refused = await _client.PostAsync("/v1/reservations", other.Token, Filing(area));

        var problem = AssertProblem(refused, HttpStatusCode.Conflict);
        Assert.Equal(id, problem["conflicts"]![0]!["otherId"]!.ToString());
        Assert.Equal(owner.Id, (int)problem["conflicts"]![0]!["otherOwner"]!);
        AssertNotLeaked(refused);
    }

    [Fact]
    public async Task AnAmendedCallSignStaysPrivate()
    {
        var (owner, other, id) = await FiledAsync();
        var amend = Filing(NextArea(), "NEW-PRIVATE-CALLSIGN", "new private notes");
        amend["version"] = 1;
        var amended = await _client.PutAsync($"/v1/reservations/{id}", owner.Token, amend);
        Assert.Equal(HttpStatusCode.OK, amended.Status);
        Assert.Equal("NEW-PRIVATE-CALLSIGN", amended["callSign"]);

        var read = await _client.GetAsync($"/v1/reservations/{id}", other.Token);

        AssertPublicView(read.Object, owner);
        Assert.DoesNotContain("NEW-PRIVATE", read.Text, StringComparison.Ordinal);
    }

    private async Task<(TestParty Owner, TestParty Other, string Id)> FiledAsync((double Lat, double Lng)? area = null)
    {
        var owner = await fixture.NewPartyAsync("disclose-owner");
        var other = await fixture.NewPartyAsync("disclose-other");
        var filed = await _client.FileAcceptedAsync(owner, Filing(area ?? NextArea(), CallSign, Notes));
        return (owner, other, filed["id"]!.ToString());
    }

    private static JsonObject Find(JsonArray reservations, string id) =>
        reservations.Single(r => r!["id"]!.ToString() == id)!.AsObject();

    private static void AssertPublicView(JsonObject view, TestParty owner)
    {
        Assert.Equal(owner.Id, (int)view["owner"]!);
        Assert.NotNull(view["extents"]);
        Assert.False(view.ContainsKey("callSign"), $"callSign key disclosed: {view.ToJsonString()}");
        Assert.False(view.ContainsKey("notes"), $"notes key disclosed: {view.ToJsonString()}");
    }

    private static void AssertNotLeaked(Reply reply)
    {
        Assert.DoesNotContain(CallSign, reply.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Notes, reply.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("callSign", reply.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"notes\"", reply.Text, StringComparison.OrdinalIgnoreCase);
    }
}
