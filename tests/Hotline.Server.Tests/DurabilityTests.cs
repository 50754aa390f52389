using System.Net;
using System.Text.Json.Nodes;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

/// <summary>Everything acknowledged survives a restart on the same data directory, and the index is rebuilt.</summary>
public sealed class DurabilityTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("hotline-durability-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task EverythingAcknowledgedSurvivesARestartAndStillConflicts()
    {
        TestParty a, b;
        string secondTokenOfA, operatorToken;
        JsonObject amended, ended, constraint;
        List<string> acknowledged;
        var (amendedArea, endedArea, constraintArea) = (NextArea(), NextArea(), NextArea());

        await using (var first = await RunningServer.StartAsync(_data))
        {
            var client = first.Client;
            operatorToken = first.OperatorToken;
            a = await client.CreatePartyAsync(operatorToken, "durable-a");
            b = await client.CreatePartyAsync(operatorToken, "durable-b");
            secondTokenOfA = (await client.PostAsync($"/v1/parties/{a.Id}/credentials", operatorToken, body: null))["token"]!;

            var filed = await client.FileAcceptedAsync(a, Filing(NextArea(), "DUR-1", "kept private"));
            var amendment = Filing(amendedArea, "DUR-1B", "moved");
            amendment["version"] = 1;
            amendment["state"] = "Activated";
            var amendReply = await client.PutAsync($"/v1/reservations/{filed["id"]}", a.Token, amendment);
            Assert.Equal(HttpStatusCode.OK, amendReply.Status);
            amended = amendReply.Object;

            var toEnd = await client.FileAcceptedAsync(a, Filing(endedArea));
            ended = (await client.PostAsync($"/v1/reservations/{toEnd["id"]}/end", a.Token, new JsonObject { ["version"] = 1 })).Object;
            Assert.Equal("Ended", ended["state"]!.ToString());

            var constraintReply = await client.PostAsync("/v1/constraints", a.Token, new JsonObject { ["extents"] = new JsonArray(Extent(Square(constraintArea))) });
            Assert.Equal(HttpStatusCode.Created, constraintReply.Status);
            constraint = constraintReply.Object;

            // A burst of concurrent filings: every one acknowledged must be there after the restart.
            var burst = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => client.PostAsync("/v1/reservations", b.Token, Filing(NextArea(), "BURST"))));
            Assert.All(burst, r => Assert.Equal(HttpStatusCode.Created, r.Status));
            acknowledged = [.. burst.Select(r => r["id"]!)];
        }

        await using var second = await RunningServer.StartAsync(_data);
        var again = second.Client;

        // The operator's credential was not replaced, and every credential still works.
        Assert.Equal(operatorToken, second.OperatorToken);
        var parties = await again.GetAsync("/v1/parties", operatorToken);
        Assert.Equal(HttpStatusCode.OK, parties.Status);
        Assert.Contains(parties.Array, p => (int)p!["id"]! == a.Id && p["name"]!.ToString() == a.Name);
        Assert.Contains(parties.Array, p => (int)p!["id"]! == b.Id && p["name"]!.ToString() == b.Name);

        // Reservations come back at their versions and states, private fields and all.
        var readAmended = await again.GetAsync($"/v1/reservations/{amended["id"]}", secondTokenOfA);
        Assert.Equal(HttpStatusCode.OK, readAmended.Status);
        Assert.Equal(2, (long)readAmended.Object["version"]!);
        Assert.Equal("Activated", readAmended["state"]);
        Assert.Equal("DUR-1B", readAmended["callSign"]);
        Assert.Equal("moved", readAmended["notes"]);
        Assert.True(JsonNode.DeepEquals(amended["extents"], readAmended.Object["extents"]), $"{amended["extents"]} != {readAmended.Object["extents"]}");
        Assert.Equal(amended["updatedAt"]!.ToString(), readAmended["updatedAt"]);
        var readEnded = await again.GetAsync($"/v1/reservations/{ended["id"]}", a.Token);
        Assert.Equal("Ended", readEnded["state"]);
        Assert.Equal(2, (long)readEnded.Object["version"]!);
        var mineOfB = (await again.GetAsync("/v1/reservations?mine=true", b.Token)).Array.Select(r => r!["id"]!.ToString()).ToHashSet();
        Assert.Equal(acknowledged.ToHashSet(), mineOfB);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync($"/v1/constraints/{constraint["id"]}", b.Token)).Status);

        // The conflict index was rebuilt: the amended reservation and the constraint still refuse filings ...
        var intoAmended = await again.PostAsync("/v1/reservations", b.Token, Filing(amendedArea));
        var conflict = Assert.Single(AssertProblem(intoAmended, HttpStatusCode.Conflict)["conflicts"]!.AsArray())!;
        Assert.Equal(amended["id"]!.ToString(), conflict["otherId"]!.ToString());
        Assert.Equal(2, (long)conflict["otherVersion"]!);
        var intoConstraint = await again.PostAsync("/v1/reservations", b.Token, Filing(constraintArea));
        Assert.Equal("Constraint", Assert.Single(AssertProblem(intoConstraint, HttpStatusCode.Conflict)["conflicts"]!.AsArray())!["otherKind"]!.ToString());
        // ... the ended one does not ...
        Assert.Equal(HttpStatusCode.Created, (await again.PostAsync("/v1/reservations", b.Token, Filing(endedArea))).Status);
        // ... and versions go on from where they were.
        var amendAgain = Filing(amendedArea);
        amendAgain["version"] = 2;
        Assert.Equal(3, (long)(await again.PutAsync($"/v1/reservations/{amended["id"]}", a.Token, amendAgain)).Object["version"]!);

        // New parties do not reuse ids.
        var c = await again.CreatePartyAsync(operatorToken, "durable-c");
        Assert.True(c.Id > b.Id, $"party id {c.Id} reused");
    }

    [Fact]
    public async Task AnAcknowledgedConflictIsStillOpenAfterARestart()
    {
        TestParty a, b;
        string theirs, mine;
        var area = NextArea();
        await using (var first = await RunningServer.StartAsync(_data))
        {
            a = await first.Client.CreatePartyAsync(first.OperatorToken, "open-a");
            b = await first.Client.CreatePartyAsync(first.OperatorToken, "open-b");
            theirs = (await first.Client.FileAcceptedAsync(a, Filing(area)))["id"]!.ToString();
            mine = (await first.Client.FileAcceptedAsync(b, Filing(area, acknowledge: (theirs, 1))))["id"]!.ToString();
        }

        await using var second = await RunningServer.StartAsync(_data);

        var ofA = Assert.Single((await second.Client.GetAsync("/v1/conflicts", a.Token)).Array)!;
        Assert.Equal(theirs, ofA["reservationId"]!.ToString());
        Assert.Equal(mine, ofA["otherId"]!.ToString());
        var ofB = Assert.Single((await second.Client.GetAsync("/v1/conflicts", b.Token)).Array)!;
        Assert.Equal(mine, ofB["reservationId"]!.ToString());
        Assert.Equal(theirs, ofB["otherId"]!.ToString());
    }

    [Fact]
    public async Task AGracefulStopDuringABurstLosesNoAcknowledgedFiling()
    {
        TestParty party;
        var first = await RunningServer.StartAsync(_data);
        party = await first.Client.CreatePartyAsync(first.OperatorToken, "burst");
        // A client of its own, so that stopping the server does not cancel the requests from our side.
        using var client = new HotlineClient(new HttpClient { BaseAddress = first.BaseAddress });
        var burst = Enumerable.Range(0, 80).Select(async _ =>
        {
            try
            {
                return await client.PostAsync("/v1/reservations", party.Token, Filing(NextArea()));
            }
            catch (HttpRequestException)
            {
                return null; // refused by a stopping server: not acknowledged
            }
        }).ToList();
        await Task.WhenAny(burst);

        await first.DisposeAsync();
        var replies = await Task.WhenAll(burst);

        Assert.All(replies, r => Assert.True(r is null || r.Status == HttpStatusCode.Created, r?.ToString()));
        var acknowledged = replies.Where(r => r is not null).Select(r => r!["id"]!).ToHashSet();
        Assert.NotEmpty(acknowledged);
        await using var second = await RunningServer.StartAsync(_data);
        var stored = (await second.Client.GetAsync("/v1/reservations?mine=true", party.Token)).Array.Select(r => r!["id"]!.ToString()).ToHashSet();
        Assert.Superset(acknowledged, stored);
    }
}
