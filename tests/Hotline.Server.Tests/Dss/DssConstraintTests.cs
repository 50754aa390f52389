using System.Net;
using System.Text.Json.Nodes;
using static Hotline.Server.Tests.DssReferenceChecks;

namespace Hotline.Server.Tests;

/// <summary>
/// F3548 constraint references, endpoint by endpoint: the spec's shapes, manager-only mutation at the current OVN,
/// the scopes (constraint management to write; management or processing to read), and notifications.
/// </summary>
public sealed class DssConstraintTests(DssDeployment dss) : IClassFixture<DssDeployment>
{
    private const string Cm = "utm.constraint_management";
    private const string Cp = "utm.constraint_processing";
    private const string Sc = "utm.strategic_coordination";

    private static DateTimeOffset Soon => DateTimeOffset.UtcNow.AddMinutes(10);

    [Fact]
    public async Task ACreatedConstraintAnswersTheSpecsMembersWithTheOvnForItsManagerOnly()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var body = Constraint(DssDeployment.Square(area, 0.01, start.AddMinutes(15), start.AddHours(1), 0, 500), "https://authority.example.com/utm");
        body["extents"]!.AsArray().Add(DssDeployment.Circle(area, 400, start, start.AddHours(3)));
        var id = Guid.NewGuid();

        var reply = await dss.PutAsync($"{Constraints}/{id}", "uss1", body);

        var answer = Expect(reply, HttpStatusCode.Created);
        Assert.Equal(["constraint_reference", "subscribers"], answer.Select(p => p.Key).Order(StringComparer.Ordinal));
        var reference = answer["constraint_reference"]!.AsObject();
        HasExactly(reference, ConstraintMembers);
        Assert.Equal(id.ToString(), reference["id"]!.ToString());
        Assert.Equal("uss1", reference["manager"]!.ToString());
        Assert.Equal("Unknown", reference["uss_availability"]!.ToString());
        Assert.Equal(1, reference["version"]!.GetValue<long>());
        Assert.Equal("https://authority.example.com/utm", reference["uss_base_url"]!.ToString());
        Assert.Matches(DssReferenceChecks.GeneratedOvn, reference["ovn"]!.ToString());
        Assert.Equal(Ms(start), Time(reference["time_start"]));
        Assert.Equal(Ms(start.AddHours(3)), Time(reference["time_end"]));

        var mine = Expect(await dss.GetAsync($"{Constraints}/{id}", "uss1"), HttpStatusCode.OK);
        var theirs = Expect(await dss.GetAsync($"{Constraints}/{id}", "uss2"), HttpStatusCode.OK);
        Assert.Equal(["constraint_reference"], mine.Select(p => p.Key));
        Assert.True(JsonNode.DeepEquals(reference, mine["constraint_reference"]), $"GET by the manager answers what was created: {mine}");
        HasExactly(theirs["constraint_reference"]!.AsObject(), ConstraintMembers);
        Assert.Equal(NoOvn, theirs["constraint_reference"]!["ovn"]!.ToString());
    }

    [Fact]
    public async Task EachUpdateAnswers200WithTheVersionIncrementedAndANewOvn()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var id = Guid.NewGuid();
        var v1 = CreatedConstraint(await dss.PutAsync($"{Constraints}/{id}", "uss1", Constraint(DssDeployment.Square(area, 0.01, start, start.AddHours(1)))));

        var v2 = Expect(await dss.PutAsync($"{Constraints}/{id}/{v1["ovn"]}", "uss1",
            Constraint(DssDeployment.Square(area, 0.01, start, start.AddHours(4)), "https://moved.example.com/utm")), HttpStatusCode.OK)["constraint_reference"]!;

        Assert.Equal(2, v2["version"]!.GetValue<long>());
        Assert.NotEqual(v1["ovn"]!.ToString(), v2["ovn"]!.ToString());
        Assert.Equal(Ms(start.AddHours(4)), Time(v2["time_end"]));
        Assert.Equal("https://moved.example.com/utm", v2["uss_base_url"]!.ToString());
        Error(await dss.PutAsync($"{Constraints}/{id}/{v1["ovn"]}", "uss1", Constraint(DssDeployment.Square(area, 0.01, start, start.AddHours(1)))), HttpStatusCode.Conflict);
        var current = Expect(await dss.GetAsync($"{Constraints}/{id}", "uss1"), HttpStatusCode.OK)["constraint_reference"]!;
        Assert.Equal(v2["ovn"]!.ToString(), current["ovn"]!.ToString());
    }

    [Fact]
    public async Task AQueryFindsTheConstraintsMeetingTheAreaOfInterest()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var id = Guid.NewGuid();
        CreatedConstraint(await dss.PutAsync($"{Constraints}/{id}", "uss3", Constraint(DssDeployment.Square(area, 0.01, start, start.AddHours(1), 0, 200))));

        async Task<JsonObject?> FindAsync(string uss, JsonObject areaOfInterest)
        {
            var found = Expect(await dss.PostAsync($"{Constraints}/query", uss, DssDeployment.Query(areaOfInterest)), HttpStatusCode.OK);
            Assert.Equal(["constraint_references"], found.Select(p => p.Key));
            return found["constraint_references"]!.AsArray().SingleOrDefault(c => c!["id"]!.ToString() == id.ToString())?.AsObject();
        }

        var theirs = await FindAsync("uss1", DssDeployment.Square(area, 0.05, start, start.AddHours(2)));
        var mine = await FindAsync("uss3", DssDeployment.Square(area, 0.05, start, start.AddHours(2)));

        Assert.NotNull(theirs);
        HasExactly(theirs, ConstraintMembers);
        Assert.Equal(NoOvn, theirs["ovn"]!.ToString());
        Assert.Matches(DssReferenceChecks.GeneratedOvn, mine!["ovn"]!.ToString());
        Assert.Null(await FindAsync("uss1", DssDeployment.Square(area, 0.05, start.AddHours(2), start.AddHours(3))));
        Assert.Null(await FindAsync("uss1", DssDeployment.Square(area, 0.05, start, start.AddHours(1), 300, 400)));
        Assert.Null(await FindAsync("uss1", DssDeployment.Square(DssDeployment.Area(), 0.05, start, start.AddHours(1))));
    }

    [Fact]
    public async Task DeletingAConstraintAnswersItsReferenceAndRemovesIt()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var id = Guid.NewGuid();
        var created = CreatedConstraint(await dss.PutAsync($"{Constraints}/{id}", "uss1", Constraint(DssDeployment.Square(area, 0.01, start, start.AddHours(1)))));

        var deleted = Expect(await dss.DeleteAsync($"{Constraints}/{id}/{created["ovn"]}", "uss1"), HttpStatusCode.OK);

        Assert.Equal(["constraint_reference", "subscribers"], deleted.Select(p => p.Key).Order(StringComparer.Ordinal));
        HasExactly(deleted["constraint_reference"]!.AsObject(), ConstraintMembers);
        Assert.Equal(id.ToString(), deleted["constraint_reference"]!["id"]!.ToString());
        Error(await dss.GetAsync($"{Constraints}/{id}", "uss1"), HttpStatusCode.NotFound);
        var found = Expect(await dss.PostAsync($"{Constraints}/query", "uss1", DssDeployment.Query(DssDeployment.Square(area, 0.05, start, start.AddHours(2)))), HttpStatusCode.OK);
        Assert.Empty(found["constraint_references"]!.AsArray());
        Error(await dss.DeleteAsync($"{Constraints}/{id}/{created["ovn"]}", "uss1"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task OnlyTheManagerMayUpdateOrDeleteAConstraint()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var id = Guid.NewGuid();
        var body = Constraint(DssDeployment.Square(area, 0.01, start, start.AddHours(1)));
        var created = CreatedConstraint(await dss.PutAsync($"{Constraints}/{id}", "uss1", body));
        var ovn = created["ovn"]!.ToString();

        Error(await dss.PutAsync($"{Constraints}/{id}/{ovn}", "uss2", body), HttpStatusCode.Forbidden);
        Error(await dss.PutAsync($"{Constraints}/{id}", "uss2", body), HttpStatusCode.Forbidden);
        Error(await dss.DeleteAsync($"{Constraints}/{id}/{ovn}", "uss2"), HttpStatusCode.Forbidden);

        var current = Expect(await dss.GetAsync($"{Constraints}/{id}", "uss1"), HttpStatusCode.OK)["constraint_reference"]!;
        Assert.Equal(ovn, current["ovn"]!.ToString());
        Assert.Equal("uss1", current["manager"]!.ToString());
    }

    [Fact]
    public async Task AWrongOvnOrAnExistingIdIs409AndChangesNothing()
    {
        var start = Soon;
        var id = Guid.NewGuid();
        var body = Constraint(DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1)));
        var created = CreatedConstraint(await dss.PutAsync($"{Constraints}/{id}", "uss1", body));
        var wrong = $"{id}_{Guid.CreateVersion7()}";

        Error(await dss.PutAsync($"{Constraints}/{id}/{wrong}", "uss1", body), HttpStatusCode.Conflict);
        Error(await dss.DeleteAsync($"{Constraints}/{id}/{wrong}", "uss1"), HttpStatusCode.Conflict);
        Error(await dss.PutAsync($"{Constraints}/{id}", "uss1", body), HttpStatusCode.Conflict);

        var current = Expect(await dss.GetAsync($"{Constraints}/{id}", "uss1"), HttpStatusCode.OK)["constraint_reference"]!;
        Assert.Equal(created["ovn"]!.ToString(), current["ovn"]!.ToString());
        Assert.Equal(1, current["version"]!.GetValue<long>());
    }

    [Fact]
    public async Task WritingNeedsConstraintManagementAndReadingNeedsManagementOrProcessing()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var id = Guid.NewGuid();
        var body = Constraint(DssDeployment.Square(area, 0.01, start, start.AddHours(1)));
        var query = DssDeployment.Query(DssDeployment.Square(area, 0.05, start, start.AddHours(2)));

        Refused(await dss.PutAsync($"{Constraints}/{id}", "uss1", body, Sc), HttpStatusCode.Forbidden);
        Refused(await dss.PutAsync($"{Constraints}/{id}", "uss1", body, Cp), HttpStatusCode.Forbidden);
        var created = CreatedConstraint(await dss.PutAsync($"{Constraints}/{id}", "uss1", body, Cm));
        Refused(await dss.PutAsync($"{Constraints}/{id}/{created["ovn"]}", "uss1", body, Cp), HttpStatusCode.Forbidden);
        Refused(await dss.DeleteAsync($"{Constraints}/{id}/{created["ovn"]}", "uss1", Cp), HttpStatusCode.Forbidden);

        Expect(await dss.GetAsync($"{Constraints}/{id}", "uss2", Cp), HttpStatusCode.OK);
        Expect(await dss.GetAsync($"{Constraints}/{id}", "uss2", Cm), HttpStatusCode.OK);
        Refused(await dss.GetAsync($"{Constraints}/{id}", "uss2", Sc), HttpStatusCode.Forbidden);
        Assert.Single(Expect(await dss.PostAsync($"{Constraints}/query", "uss2", query, Cp), HttpStatusCode.OK)["constraint_references"]!.AsArray());
        Assert.Single(Expect(await dss.PostAsync($"{Constraints}/query", "uss2", query, Cm), HttpStatusCode.OK)["constraint_references"]!.AsArray());
        Refused(await dss.PostAsync($"{Constraints}/query", "uss2", query, Sc), HttpStatusCode.Forbidden);
        Expect(await dss.DeleteAsync($"{Constraints}/{id}/{created["ovn"]}", "uss1", Cm), HttpStatusCode.OK);
    }

    [Fact]
    public async Task EveryConstraintEndpointRefusesAMissingOrBadTokenWith401()
    {
        var start = Soon;
        var extent = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));
        var created = CreatedConstraint(await dss.PutAsync($"{Constraints}/{Guid.NewGuid()}", "uss1", Constraint(extent)));
        var path = $"{Constraints}/{created["id"]}";
        var body = Constraint(extent).ToJsonString();

        foreach (var token in new[] { null, "not-a-jwt", dss.Mint.Mint("none", dss.Mint.Claims("uss1", DssDeployment.AllScopes)) })
        {
            Refused(await dss.SendRawAsync(HttpMethod.Put, $"{Constraints}/{Guid.NewGuid()}", token, body), HttpStatusCode.Unauthorized);
            Refused(await dss.SendRawAsync(HttpMethod.Put, $"{path}/{created["ovn"]}", token, body), HttpStatusCode.Unauthorized);
            Refused(await dss.SendRawAsync(HttpMethod.Get, path, token, null), HttpStatusCode.Unauthorized);
            Refused(await dss.SendRawAsync(HttpMethod.Post, $"{Constraints}/query", token, DssDeployment.Query(extent).ToJsonString()), HttpStatusCode.Unauthorized);
            Refused(await dss.SendRawAsync(HttpMethod.Delete, $"{path}/{created["ovn"]}", token, null), HttpStatusCode.Unauthorized);
        }

        var current = Expect(await dss.GetAsync(path, "uss1"), HttpStatusCode.OK)["constraint_reference"]!;
        Assert.Equal(created["ovn"]!.ToString(), current["ovn"]!.ToString());
    }

    [Fact]
    public async Task GetOrDeleteOfAnUnknownConstraintIs404AndAnUpdateOfOneIs400()
    {
        var id = Guid.NewGuid();
        var start = Soon;

        Error(await dss.GetAsync($"{Constraints}/{id}", "uss1"), HttpStatusCode.NotFound);
        Error(await dss.DeleteAsync($"{Constraints}/{id}/{id}_{Guid.CreateVersion7()}", "uss1"), HttpStatusCode.NotFound);
        // The update endpoint lists no 404: the standard's "mutate in a disallowed way" is a 400.
        Error(await dss.PutAsync($"{Constraints}/{id}/{id}_{Guid.CreateVersion7()}", "uss1",
            Constraint(DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1)))), HttpStatusCode.BadRequest);
        Error(await dss.GetAsync($"{Constraints}/{id}", "uss1"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("malformed JSON", "malformed JSON")]
    [InlineData("no extents", "extents")]
    [InlineData("empty extents", "extents")]
    [InlineData("no uss_base_url", "uss_base_url")]
    [InlineData("ftp uss_base_url", "uss_base_url")]
    [InlineData("both outlines", "extents[0].volume")]
    [InlineData("altitude reference SFC", "extents[0].volume.altitude_lower.reference")]
    [InlineData("no time_end", "extents[0].time_end")]
    [InlineData("time_end before time_start", "extents[0].time_end")]
    [InlineData("ended in the past", "extents")]
    [InlineData("entity id not a UUID", "entityid")]
    public async Task AMissingOrInvalidMemberIs400NamingIt(string why, string field)
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var id = Guid.NewGuid().ToString();
        var body = Constraint(DssDeployment.Square(area, 0.01, start, start.AddHours(1)));
        var extent = body["extents"]![0]!.AsObject();
        var volume = extent["volume"]!.AsObject();
        string? text = null;
        switch (why)
        {
            case "malformed JSON": text = "{\"extents\": 12"; break;
            case "no extents": body.Remove("extents"); break;
            case "empty extents": body["extents"] = new JsonArray(); break;
            case "no uss_base_url": body.Remove("uss_base_url"); break;
            case "ftp uss_base_url": body["uss_base_url"] = "ftp://authority.example.com/utm"; break;
            case "both outlines": volume["outline_circle"] = DssDeployment.Circle(area, 100, start, start.AddHours(1))["volume"]!["outline_circle"]!.DeepClone(); break;
            case "altitude reference SFC": volume["altitude_lower"]!["reference"] = "SFC"; break;
            case "no time_end": extent.Remove("time_end"); break;
            case "time_end before time_start": extent["time_end"] = DssDeployment.Time(start.AddMinutes(-5)); break;
            case "ended in the past":
                extent["time_start"] = DssDeployment.Time(DateTimeOffset.UtcNow.AddHours(-3));
                extent["time_end"] = DssDeployment.Time(DateTimeOffset.UtcNow.AddHours(-2));
                break;
            case "entity id not a UUID": id = "constraint-1"; break;
            default: throw new ArgumentOutOfRangeException(nameof(why), why, null);
        }

        var reply = await dss.SendRawAsync(HttpMethod.Put, $"{Constraints}/{id}", dss.Token("uss1"), text ?? body.ToJsonString());

        Invalid(reply, field);
        var query = Expect(await dss.PostAsync($"{Constraints}/query", "uss1", DssDeployment.Query(DssDeployment.Square(area, 0.05, start.AddHours(-4), start.AddHours(2)))), HttpStatusCode.OK);
        Assert.Empty(query["constraint_references"]!.AsArray());
    }

    [Fact]
    public async Task AConstraintWiderThanTheDeploymentsLimitIs413()
    {
        var area = DssDeployment.Area();
        var start = Soon;

        Error(await dss.PutAsync($"{Constraints}/{Guid.NewGuid()}", "uss1", Constraint(DssDeployment.Circle(area, 1_100_000, start, start.AddHours(1)))), HttpStatusCode.RequestEntityTooLarge);
        Error(await dss.PostAsync($"{Constraints}/query", "uss1", DssDeployment.Query(DssDeployment.Square(area, 10, start, start.AddHours(1)))), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task AConstraintNeedsNoKeyEvenOverOperationalIntents()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var intent = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss2", DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1)))));

        var constraint = CreatedConstraint(await dss.PutAsync($"{Constraints}/{Guid.NewGuid()}", "uss1", Constraint(DssDeployment.Square(area, 0.02, start, start.AddHours(2)))));

        Assert.Equal(1, constraint["version"]!.GetValue<long>());
        var still = Expect(await dss.GetAsync($"{Intents}/{intent["id"]}", "uss2"), HttpStatusCode.OK)["operational_intent_reference"]!;
        Assert.Equal(intent["ovn"]!.ToString(), still["ovn"]!.ToString());
    }

    [Fact]
    public async Task ASubscriptionForConstraintsIsNotifiedOfOneInItsAreaWhileOneForIntentsOnlyIsNot()
    {
        const string Watcher = "https://constraint-watcher.example.com/utm";
        var area = DssDeployment.Area();
        var start = Soon;
        var watched = DssDeployment.Square(area, 0.05, start.AddMinutes(-5), start.AddHours(3));
        var (forConstraints, forIntents, elsewhere) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        Expect(await dss.PutAsync($"/dss/v1/subscriptions/{forConstraints}", "uss2", Subscription(watched, Watcher, intents: false, constraints: true)), HttpStatusCode.OK);
        Expect(await dss.PutAsync($"/dss/v1/subscriptions/{forIntents}", "uss2", Subscription(watched, Watcher)), HttpStatusCode.OK);
        Expect(await dss.PutAsync($"/dss/v1/subscriptions/{elsewhere}", "uss3",
            Subscription(DssDeployment.Square(DssDeployment.Area(), 0.05, start, start.AddHours(3)), Watcher, intents: false, constraints: true)), HttpStatusCode.OK);
        var id = Guid.NewGuid();

        var created = Expect(await dss.PutAsync($"{Constraints}/{id}", "uss1", Constraint(DssDeployment.Square(area, 0.01, start, start.AddHours(1)))), HttpStatusCode.Created);
        var deleted = Expect(await dss.DeleteAsync($"{Constraints}/{id}/{created["constraint_reference"]!["ovn"]}", "uss1"), HttpStatusCode.OK);

        var subscriber = Assert.Single(created["subscribers"]!.AsArray())!;
        Assert.Equal(Watcher, subscriber["uss_base_url"]!.ToString());
        var state = Assert.Single(subscriber["subscriptions"]!.AsArray())!;
        Assert.Equal(forConstraints.ToString(), state["subscription_id"]!.ToString());
        Assert.Equal(1, state["notification_index"]!.GetValue<long>());
        var afterDelete = Assert.Single(Assert.Single(deleted["subscribers"]!.AsArray())!["subscriptions"]!.AsArray())!;
        Assert.Equal(2, afterDelete["notification_index"]!.GetValue<long>());
        Assert.Equal(2, await NotificationIndexAsync("uss2", forConstraints));
        Assert.Equal(0, await NotificationIndexAsync("uss2", forIntents));
        Assert.Equal(0, await NotificationIndexAsync("uss3", elsewhere));
    }

    private async Task<long> NotificationIndexAsync(string uss, Guid subscription) =>
        Expect(await dss.GetAsync($"/dss/v1/subscriptions/{subscription}", uss), HttpStatusCode.OK)["subscription"]!["notification_index"]!.GetValue<long>();
}
