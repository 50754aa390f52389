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
    public void TheReferencesWrittenStraightAreTheJsonOfTheRecordTheOpenApiDocumentDescribes()
    {
        // The oracle: the record the answer used to be, serialised as the server serialises records.
        var now = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var reservations = Enum.GetValues<Hotline.Core.ReservationState>()
            .Select((state, i) => new Hotline.Core.Reservation(Guid.NewGuid(), i, [], state, long.MaxValue - i, "SECRET", "note", now))
            .ToList();
        var constraints = new[] { new Hotline.Core.Constraint(Guid.NewGuid(), int.MaxValue, [], 7, now) };
        var expected = System.Text.Json.JsonSerializer.Serialize(
            new AreaReferencesResult(
                [.. reservations.Select(r => new EntityReference(r.Id, r.Owner, r.Version, r.State.ToString()))],
                [.. constraints.Select(c => new EntityReference(c.Id, c.Owner, c.Version, null))]),
            new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase });

        Assert.Equal(expected, Written(new AreaReferencesAnswer(reservations, constraints)));
        Assert.Equal("{\"reservations\":[],\"constraints\":[]}", Written(new AreaReferencesAnswer([], [])));

        static string Written(AreaReferencesAnswer answer)
        {
            using var stream = new MemoryStream();
            using (var writer = new System.Text.Json.Utf8JsonWriter(stream))
            {
                answer.Write(writer);
            }

            return System.Text.Encoding.UTF8.GetString(stream.ToArray());
        }
    }

    [Fact]
    public async Task AnUnknownViewIsRefusedNamingTheParameter()
    {
        var reader = await fixture.NewPartyAsync("query-view");
        var reply = await _client.PostAsync("/v1/query?view=everything", reader.Token, new JsonObject { ["area"] = Extent(Square(NextArea())) });
        AssertInvalid(reply, "view", "'everything' is not a view; use full or references");
    }
}
