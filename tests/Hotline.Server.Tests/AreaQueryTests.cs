using System.Net;
using System.Text.Json.Nodes;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

public sealed class AreaQueryTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HotlineClient _client = fixture.Client;

    [Fact]
    public async Task AQueryByReferenceAnswersIdsVersionsAndStatesOnly()
    {
        var owner = await fixture.NewPartyAsync("query-owner");
        var reader = await fixture.NewPartyAsync("query-reader");
        var area = NextArea();
        var filed = await _client.FileAcceptedAsync(owner, Filing(Extent(Square(area)), callSign: "SECRET"));
        var constraint = await _client.PostAsync("/v1/constraints", owner.Token, new JsonObject { ["extents"] = new JsonArray(Extent(Square(area))) });
        Assert.Equal(HttpStatusCode.Created, constraint.Status);

        var reply = await _client.PostAsync("/v1/query?view=references", reader.Token, new JsonObject { ["area"] = Extent(Square(area)) });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var reservation = Assert.Single(reply.Object["reservations"]!.AsArray())!.AsObject();
        Assert.Equal(["id", "owner", "version", "state"], reservation.Select(p => p.Key));
        Assert.Equal(filed["id"]!.ToString(), reservation["id"]!.ToString());
        Assert.Equal("Accepted", reservation["state"]!.ToString());
        var found = Assert.Single(reply.Object["constraints"]!.AsArray())!.AsObject();
        Assert.Equal(["id", "owner", "version"], found.Select(p => p.Key));
        Assert.DoesNotContain("SECRET", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownViewIsRefusedNamingTheParameter()
    {
        var reader = await fixture.NewPartyAsync("query-view");
        var reply = await _client.PostAsync("/v1/query?view=everything", reader.Token, new JsonObject { ["area"] = Extent(Square(NextArea())) });
        AssertInvalid(reply, "view", "'everything' is not a view; use full or references");
    }
}
