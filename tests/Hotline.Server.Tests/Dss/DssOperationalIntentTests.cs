using System.Net;
using System.Text.Json.Nodes;
using static Hotline.Server.Tests.DssReferenceChecks;

namespace Hotline.Server.Tests;

/// <summary>
/// F3548 operational intent references, endpoint by endpoint (create, get, query, update, delete): the shapes the
/// spec gives, every error it lists, the key check and its exceptions, implicit subscriptions and notifications.
/// Driven over HTTP against a real server; each test works in its own area.
/// </summary>
public sealed class DssOperationalIntentTests(DssDeployment dss) : IClassFixture<DssDeployment>
{
    private static DateTimeOffset Soon => DateTimeOffset.UtcNow.AddMinutes(10);

    // ---- create, get, query, update, delete ------------------------------------------------------------------

    [Fact]
    public async Task ACreatedIntentAnswersEveryRequiredMemberWithTimesSpanningItsExtents()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var body = DssDeployment.Intent(DssDeployment.Square(area, 0.01, start.AddMinutes(30), start.AddHours(2)), baseUrl: "https://uss1.example.com/utm");
        body["extents"]!.AsArray().Add(DssDeployment.Circle(area, 300, start, start.AddHours(1), 0, 60));
        var id = Guid.NewGuid();

        var reply = await dss.PutAsync($"{Intents}/{id}", "uss1", body);

        var answer = Expect(reply, HttpStatusCode.Created);
        Assert.Equal("application/json", reply.MediaType);
        Assert.Equal(["operational_intent_reference", "subscribers"], answer.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.IsType<JsonArray>(answer["subscribers"]);
        var reference = answer["operational_intent_reference"]!.AsObject();
        HasExactly(reference, IntentMembers);
        Assert.Equal(id.ToString(), reference["id"]!.ToString());
        Assert.Equal("uss1", reference["manager"]!.ToString());
        Assert.Equal("Unknown", reference["uss_availability"]!.ToString());
        Assert.Equal(1, reference["version"]!.GetValue<long>());
        Assert.Equal("Accepted", reference["state"]!.ToString());
        Assert.Equal("https://uss1.example.com/utm", reference["uss_base_url"]!.ToString());
        var ovn = reference["ovn"]!.ToString();
        Assert.Matches(DssReferenceChecks.GeneratedOvn, ovn);
        // The earliest start and the latest end of the two extents.
        Assert.Equal(Ms(start), Time(reference["time_start"]));
        Assert.Equal(Ms(start.AddHours(2)), Time(reference["time_end"]));
        Assert.Matches(UuidV4(), reference["subscription_id"]!.ToString());
    }

    [Fact]
    public async Task TheOvnIsShownToTheManagerOnlyInGetAndInQuery()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var id = Guid.NewGuid();
        var created = CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1)))));
        var query = DssDeployment.Query(DssDeployment.Square(area, 0.05, start, start.AddHours(2)));

        var mine = Expect(await dss.GetAsync($"{Intents}/{id}", "uss1"), HttpStatusCode.OK);
        var theirs = Expect(await dss.GetAsync($"{Intents}/{id}", "uss2"), HttpStatusCode.OK);
        var myQuery = Expect(await dss.PostAsync($"{Intents}/query", "uss1", query), HttpStatusCode.OK);
        var theirQuery = Expect(await dss.PostAsync($"{Intents}/query", "uss2", query), HttpStatusCode.OK);

        Assert.Equal(["operational_intent_reference"], mine.Select(p => p.Key));
        Assert.True(JsonNode.DeepEquals(created, mine["operational_intent_reference"]), $"GET by the manager answers what was created: {mine}");
        var seen = theirs["operational_intent_reference"]!.AsObject();
        HasExactly(seen, IntentMembers);
        Assert.Equal(NoOvn, seen["ovn"]!.ToString());
        Assert.Equal(created["version"]!.GetValue<long>(), seen["version"]!.GetValue<long>());
        Assert.Equal(["operational_intent_references"], myQuery.Select(p => p.Key));
        Assert.Equal(created["ovn"]!.ToString(), Found(myQuery, id)["ovn"]!.ToString());
        var queried = Found(theirQuery, id);
        HasExactly(queried, IntentMembers);
        Assert.Equal(NoOvn, queried["ovn"]!.ToString());
    }

    [Fact]
    public async Task EachUpdateAnswers200WithTheVersionIncrementedAndANewOvn()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var id = Guid.NewGuid();
        var v1 = CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1)))));

        var v2 = ChangedIntent(await dss.PutAsync($"{Intents}/{id}/{v1["ovn"]}", "uss1",
            DssDeployment.Intent(DssDeployment.Square(area, 0.01, start.AddMinutes(20), start.AddHours(2)))));
        var v3 = ChangedIntent(await dss.PutAsync($"{Intents}/{id}/{v2["ovn"]}", "uss1",
            DssDeployment.Intent(DssDeployment.Square(area, 0.01, start.AddMinutes(20), start.AddHours(2)), "Activated")));

        Assert.Equal(new[] { 1L, 2L, 3L }, new[] { v1, v2, v3 }.Select(v => v["version"]!.GetValue<long>()));
        Assert.Equal(3, new[] { v1, v2, v3 }.Select(v => v["ovn"]!.ToString()).Distinct().Count());
        Assert.Equal(Ms(start.AddMinutes(20)), Time(v2["time_start"]));
        Assert.Equal("Activated", v3["state"]!.ToString());
        var current = Expect(await dss.GetAsync($"{Intents}/{id}", "uss1"), HttpStatusCode.OK)["operational_intent_reference"]!;
        Assert.Equal(3, current["version"]!.GetValue<long>());
        Assert.Equal(v3["ovn"]!.ToString(), current["ovn"]!.ToString());
    }

    [Fact]
    public async Task AQueryFindsTheIntentsMeetingTheAreaOfInterestInSpaceTimeAndAltitude()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var id = Guid.NewGuid();
        CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss2", DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1), 0, 120))));

        async Task<bool> FindsAsync(JsonObject areaOfInterest)
        {
            var found = Expect(await dss.PostAsync($"{Intents}/query", "uss1", DssDeployment.Query(areaOfInterest)), HttpStatusCode.OK);
            return found["operational_intent_references"]!.AsArray().Any(r => r!["id"]!.ToString() == id.ToString());
        }

        var noTime = DssDeployment.Square(area, 0.05, start, start);
        noTime.Remove("time_start");
        noTime.Remove("time_end");
        Assert.True(await FindsAsync(DssDeployment.Square(area, 0.05, start.AddMinutes(30), start.AddHours(2))), "overlapping area, time and altitude");
        Assert.True(await FindsAsync(noTime), "an area of interest without times covers from now on");
        Assert.False(await FindsAsync(DssDeployment.Square(area, 0.05, start.AddHours(2), start.AddHours(3))), "a later time");
        Assert.False(await FindsAsync(DssDeployment.Square(area, 0.05, start, start.AddHours(1), 500, 600)), "a higher altitude band");
        Assert.False(await FindsAsync(DssDeployment.Square(DssDeployment.Area(), 0.05, start, start.AddHours(1))), "another area");
    }

    [Fact]
    public async Task DeletingAnIntentAnswersItsReferenceAndRemovesItFromGetAndQuery()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var id = Guid.NewGuid();
        var created = CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1)))));

        var deleted = Expect(await dss.DeleteAsync($"{Intents}/{id}/{created["ovn"]}", "uss1"), HttpStatusCode.OK);

        Assert.Equal(["operational_intent_reference", "subscribers"], deleted.Select(p => p.Key).Order(StringComparer.Ordinal));
        var reference = deleted["operational_intent_reference"]!.AsObject();
        HasExactly(reference, IntentMembers);
        Assert.Equal(id.ToString(), reference["id"]!.ToString());
        Error(await dss.GetAsync($"{Intents}/{id}", "uss1"), HttpStatusCode.NotFound);
        var found = Expect(await dss.PostAsync($"{Intents}/query", "uss1", DssDeployment.Query(DssDeployment.Square(area, 0.05, start, start.AddHours(2)))), HttpStatusCode.OK);
        Assert.DoesNotContain(found["operational_intent_references"]!.AsArray(), r => r!["id"]!.ToString() == id.ToString());
        Error(await dss.DeleteAsync($"{Intents}/{id}/{created["ovn"]}", "uss1"), HttpStatusCode.NotFound);
    }

    // ---- 400 ----------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("malformed JSON", "malformed JSON")]
    [InlineData("no body", "body")]
    [InlineData("no extents", "extents")]
    [InlineData("empty extents", "extents")]
    [InlineData("no state", "state")]
    [InlineData("state Ended", "state")]
    [InlineData("state in lower case", "state")]
    [InlineData("no uss_base_url", "uss_base_url")]
    [InlineData("ftp uss_base_url", "uss_base_url")]
    [InlineData("relative uss_base_url", "uss_base_url")]
    [InlineData("ftp new_subscription.uss_base_url", "new_subscription.uss_base_url")]
    [InlineData("both outlines", "extents[0].volume")]
    [InlineData("neither outline", "extents[0].volume")]
    [InlineData("altitude reference SFC", "extents[0].volume.altitude_lower.reference")]
    [InlineData("altitude units FT", "extents[0].volume.altitude_upper.units")]
    [InlineData("no altitude_lower", "extents[0].volume.altitude_lower")]
    [InlineData("altitude_lower above altitude_upper", "extents[0].volume.altitude_lower")]
    [InlineData("radius in feet", "extents[0].volume.outline_circle.radius.units")]
    [InlineData("radius zero", "extents[0].volume.outline_circle")]
    [InlineData("radius negative", "extents[0].volume.outline_circle")]
    [InlineData("two vertices", "extents[0].volume.outline_polygon")]
    [InlineData("latitude 95", "extents[0].volume.outline_polygon")]
    [InlineData("no longitude", "extents[0].volume.outline_polygon.vertices[1].lng")]
    [InlineData("altitude above 100 km", "extents[0].volume.altitude_upper.value")]
    [InlineData("key not an array", "key")]
    [InlineData("no time_start", "extents[0].time_start")]
    [InlineData("time not RFC 3339", "extents[0].time_start.value")]
    [InlineData("time_end before time_start", "extents[0].time_end")]
    [InlineData("ended in the past", "extents")]
    [InlineData("subscription_id not a UUID", "subscription_id")]
    [InlineData("unknown subscription_id", "subscription_id")]
    [InlineData("requested_ovn_suffix not a UUID", "requested_ovn_suffix")]
    public async Task AMissingOrInvalidMemberIs400NamingIt(string why, string field)
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var id = Guid.NewGuid();
        var body = DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1)));
        var volume = body["extents"]![0]!["volume"]!.AsObject();
        var extent = body["extents"]![0]!.AsObject();
        var circle = DssDeployment.Circle(area, 300, start, start.AddHours(1))["volume"]!["outline_circle"]!.DeepClone();
        string? text = null;
        switch (why)
        {
            case "malformed JSON": text = """{"extents": [{"volume": """; break;
            case "no body": text = ""; break;
            case "no extents": body.Remove("extents"); break;
            case "empty extents": body["extents"] = new JsonArray(); break;
            case "no state": body.Remove("state"); break;
            case "state Ended": body["state"] = "Ended"; break;
            case "state in lower case": body["state"] = "accepted"; break;
            case "no uss_base_url": body.Remove("uss_base_url"); break;
            case "ftp uss_base_url": body["uss_base_url"] = "ftp://uss.example.com/utm"; break;
            case "relative uss_base_url": body["uss_base_url"] = "/utm"; break;
            case "ftp new_subscription.uss_base_url": body["new_subscription"]!["uss_base_url"] = "ftp://uss.example.com/utm"; break;
            case "both outlines": volume["outline_circle"] = circle; break;
            case "neither outline": volume.Remove("outline_polygon"); break;
            case "altitude reference SFC": volume["altitude_lower"]!["reference"] = "SFC"; break;
            case "altitude units FT": volume["altitude_upper"]!["units"] = "FT"; break;
            case "no altitude_lower": volume.Remove("altitude_lower"); break;
            case "altitude_lower above altitude_upper": volume["altitude_lower"] = DssDeployment.Altitude(200); break;
            case "radius in feet":
                volume.Remove("outline_polygon");
                volume["outline_circle"] = circle;
                volume["outline_circle"]!["radius"]!["units"] = "FT";
                break;
            case "radius zero" or "radius negative":
                volume.Remove("outline_polygon");
                volume["outline_circle"] = circle;
                volume["outline_circle"]!["radius"]!["value"] = why == "radius zero" ? 0 : -10;
                break;
            case "two vertices": volume["outline_polygon"]!["vertices"]!.AsArray().RemoveAt(0); volume["outline_polygon"]!["vertices"]!.AsArray().RemoveAt(0); break;
            case "latitude 95": volume["outline_polygon"]!["vertices"]![2]!["lat"] = 95; break;
            case "no longitude": volume["outline_polygon"]!["vertices"]![1]!.AsObject().Remove("lng"); break;
            case "altitude above 100 km": volume["altitude_upper"]!["value"] = 100_001; break;
            case "key not an array": body["key"] = "not-a-list"; break;
            case "no time_start": extent.Remove("time_start"); break;
            case "time not RFC 3339": extent["time_start"]!["value"] = "tomorrow at noon"; break;
            case "time_end before time_start": extent["time_end"] = DssDeployment.Time(start.AddMinutes(-1)); break;
            case "ended in the past":
                extent["time_start"] = DssDeployment.Time(DateTimeOffset.UtcNow.AddHours(-2));
                extent["time_end"] = DssDeployment.Time(DateTimeOffset.UtcNow.AddHours(-1));
                break;
            case "subscription_id not a UUID": body.Remove("new_subscription"); body["subscription_id"] = "sub-1"; break;
            case "unknown subscription_id": body.Remove("new_subscription"); body["subscription_id"] = Guid.NewGuid().ToString(); break;
            case "requested_ovn_suffix not a UUID": body["requested_ovn_suffix"] = "my-ovn"; break;
            default: throw new ArgumentOutOfRangeException(nameof(why), why, null);
        }

        var reply = await dss.SendRawAsync(HttpMethod.Put, $"{Intents}/{id}", dss.Token("uss1"), text ?? body.ToJsonString());

        Invalid(reply, field);
        Error(await dss.GetAsync($"{Intents}/{id}", "uss1"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnEntityIdThatIsNotAUuidIs400()
    {
        var start = Soon;
        var body = DssDeployment.Intent(DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1)));

        Invalid(await dss.PutAsync($"{Intents}/not-a-uuid", "uss1", body), "entityid");
        Invalid(await dss.PutAsync($"{Intents}/not-a-uuid/some-ovn-of-sixteen-chars", "uss1", body), "entityid");
        Invalid(await dss.GetAsync($"{Intents}/not-a-uuid", "uss1"), "entityid");
        Invalid(await dss.DeleteAsync($"{Intents}/not-a-uuid/some-ovn-of-sixteen-chars", "uss1"), "entityid");
    }

    [Theory]
    [InlineData("Nonconforming")]
    [InlineData("Contingent")]
    public async Task ANewIntentIsAcceptedOrActivatedNeverOffNominal(string state)
    {
        var start = Soon;
        var id = Guid.NewGuid();

        Invalid(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1)), state)), "state");
        Error(await dss.GetAsync($"{Intents}/{id}", "uss1"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("Accepted", "Nonconforming")]
    [InlineData("Accepted", "Contingent")]
    [InlineData("Activated", "Accepted")]
    [InlineData("Contingent", "Activated")]
    [InlineData("Contingent", "Nonconforming")]
    [InlineData("Contingent", "Accepted")]
    public async Task AnInvalidStateTransitionIs400AndLeavesTheIntentAsItWas(string from, string to)
    {
        var start = Soon;
        var extent = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));
        var id = Guid.NewGuid();
        var reference = CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(extent)));
        string[] walk = from switch { "Accepted" => [], "Activated" => ["Activated"], _ => ["Activated", from] };
        foreach (var state in walk)
        {
            reference = ChangedIntent(await dss.PutAsync($"{Intents}/{id}/{reference["ovn"]}", "uss1", DssDeployment.Intent(extent, state)));
        }

        Invalid(await dss.PutAsync($"{Intents}/{id}/{reference["ovn"]}", "uss1", DssDeployment.Intent(extent, to)), "state");

        var current = Expect(await dss.GetAsync($"{Intents}/{id}", "uss1"), HttpStatusCode.OK)["operational_intent_reference"]!;
        Assert.Equal(from, current["state"]!.ToString());
        Assert.Equal(reference["ovn"]!.ToString(), current["ovn"]!.ToString());
    }

    [Fact]
    public async Task AnActivatedIntentNeedsASubscriptionWhileAnAcceptedOneMayGoWithout()
    {
        var start = Soon;
        var extent = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));

        Invalid(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", DssDeployment.Intent(extent, "Activated", implicitSubscription: false)), "subscription_id");
        var accepted = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", DssDeployment.Intent(extent, implicitSubscription: false)));

        // F3548 has no "none" for subscription_id, which is required: the InterUSS DSS's null UUID stands for it.
        Assert.Equal("00000000-0000-4000-8000-000000000000", accepted["subscription_id"]!.ToString());
        Invalid(await dss.PutAsync($"{Intents}/{accepted["id"]}/{accepted["ovn"]}", "uss1", DssDeployment.Intent(extent, "Activated", implicitSubscription: false)), "subscription_id");
    }

    [Fact]
    public async Task AnHttpBaseUrlIsAllowedByThisDeploymentButAnFtpOneIsNot()
    {
        var start = Soon;
        var extent = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));

        var created = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", DssDeployment.Intent(extent, baseUrl: "http://localhost:8074/uss1")));
        var refused = await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1",
            DssDeployment.Intent(extent, key: [created["ovn"]!.ToString()], baseUrl: "ftp://localhost/uss1"));

        Assert.Equal("http://localhost:8074/uss1", created["uss_base_url"]!.ToString());
        Invalid(refused, "uss_base_url");
    }

    // ---- requested_ovn_suffix -----------------------------------------------------------------------------------

    [Fact]
    public async Task ARequestedOvnSuffixOfNowGivesTheOvnIdUnderscoreSuffix()
    {
        var start = Soon;
        var extent = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));
        var id = Guid.NewGuid();
        var first = Guid.CreateVersion7(DateTimeOffset.UtcNow);
        var body = DssDeployment.Intent(extent);
        body["requested_ovn_suffix"] = first.ToString();

        var created = CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss1", body));
        var second = Guid.CreateVersion7(DateTimeOffset.UtcNow);
        body["requested_ovn_suffix"] = second.ToString();
        var updated = ChangedIntent(await dss.PutAsync($"{Intents}/{id}/{id}_{first}", "uss1", body));

        Assert.Equal($"{id}_{first}", created["ovn"]!.ToString());
        Assert.Equal($"{id}_{second}", updated["ovn"]!.ToString());
        // A new version needs a new OVN: asking for the current one again is refused.
        Invalid(await dss.PutAsync($"{Intents}/{id}/{id}_{second}", "uss1", body), "requested_ovn_suffix");
    }

    [Theory]
    [InlineData("a UUIDv4")]
    [InlineData("a UUIDv7 an hour old")]
    [InlineData("a UUIDv7 an hour ahead")]
    public async Task ARequestedOvnSuffixThatIsNotAUuidV7OfNowIs400(string what)
    {
        var start = Soon;
        var id = Guid.NewGuid();
        var body = DssDeployment.Intent(DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1)));
        body["requested_ovn_suffix"] = (what switch
        {
            "a UUIDv4" => Guid.NewGuid(),
            "a UUIDv7 an hour old" => Guid.CreateVersion7(DateTimeOffset.UtcNow.AddHours(-1)),
            _ => Guid.CreateVersion7(DateTimeOffset.UtcNow.AddHours(1)),
        }).ToString();

        Invalid(await dss.PutAsync($"{Intents}/{id}", "uss1", body), "requested_ovn_suffix");
        Error(await dss.GetAsync($"{Intents}/{id}", "uss1"), HttpStatusCode.NotFound);
    }

    // ---- 401 and 403 --------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("no token")]
    [InlineData("not a JWT")]
    [InlineData("unsigned (alg none)")]
    [InlineData("expired")]
    [InlineData("for another audience")]
    public async Task EveryIntentEndpointRefusesAMissingOrBadTokenWith401(string what)
    {
        var start = Soon;
        var extent = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));
        var created = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", DssDeployment.Intent(extent)));
        var path = $"{Intents}/{created["id"]}";
        var claims = dss.Mint.Claims("uss1", DssDeployment.AllScopes);
        string? token = what switch
        {
            "no token" => null,
            "not a JWT" => "not-a-jwt",
            "unsigned (alg none)" => dss.Mint.Mint("none", claims),
            "expired" => dss.Mint.Mint("RS256", new Dictionary<string, object?>(claims) { ["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds() }),
            _ => dss.Mint.Mint("RS256", new Dictionary<string, object?>(claims) { ["aud"] = "another.dss.example.com" }),
        };
        var body = DssDeployment.Intent(extent, key: [created["ovn"]!.ToString()]).ToJsonString();
        var query = DssDeployment.Query(extent).ToJsonString();

        Assert.Equal(HttpStatusCode.Unauthorized, (await dss.SendRawAsync(HttpMethod.Put, $"{Intents}/{Guid.NewGuid()}", token, body)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await dss.SendRawAsync(HttpMethod.Put, $"{path}/{created["ovn"]}", token, body)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await dss.SendRawAsync(HttpMethod.Get, path, token, null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await dss.SendRawAsync(HttpMethod.Post, $"{Intents}/query", token, query)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await dss.SendRawAsync(HttpMethod.Delete, $"{path}/{created["ovn"]}", token, null)).Status);
        // Nothing changed.
        var current = Expect(await dss.GetAsync(path, "uss1"), HttpStatusCode.OK)["operational_intent_reference"]!;
        Assert.Equal(created["ovn"]!.ToString(), current["ovn"]!.ToString());
    }

    [Fact]
    public async Task IntentsNeedStrategicCoordinationToPlanAndConformanceMonitoringToGoOffNominal()
    {
        const string Sc = "utm.strategic_coordination";
        const string Cmsa = "utm.conformance_monitoring_sa";
        const string Cm = "utm.constraint_management";
        var start = Soon;
        var extent = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));
        var id = Guid.NewGuid();

        Refused(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(extent), Cm), HttpStatusCode.Forbidden);
        Error(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(extent), Cmsa), HttpStatusCode.Forbidden);
        var created = CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(extent, "Activated"), Sc));
        Error(await dss.PutAsync($"{Intents}/{id}/{created["ovn"]}", "uss1", DssDeployment.Intent(extent, "Nonconforming"), Sc), HttpStatusCode.Forbidden);
        var nonconforming = ChangedIntent(await dss.PutAsync($"{Intents}/{id}/{created["ovn"]}", "uss1", DssDeployment.Intent(extent, "Nonconforming"), Cmsa));

        Assert.Equal("Nonconforming", nonconforming["state"]!.ToString());
        // Reading needs either scope, and not another.
        Expect(await dss.GetAsync($"{Intents}/{id}", "uss2", Cmsa), HttpStatusCode.OK);
        Expect(await dss.PostAsync($"{Intents}/query", "uss2", DssDeployment.Query(extent), Cmsa), HttpStatusCode.OK);
        Refused(await dss.GetAsync($"{Intents}/{id}", "uss2", Cm), HttpStatusCode.Forbidden);
        Refused(await dss.PostAsync($"{Intents}/query", "uss2", DssDeployment.Query(extent), Cm), HttpStatusCode.Forbidden);
        Refused(await dss.DeleteAsync($"{Intents}/{id}/{nonconforming["ovn"]}", "uss1", Cm), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AnImplicitSubscriptionForConstraintsNeedsConstraintProcessing()
    {
        var start = Soon;
        var body = DssDeployment.Intent(DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1)));
        body["new_subscription"]!["notify_for_constraints"] = true;

        Error(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", body, "utm.strategic_coordination"), HttpStatusCode.Forbidden);
        CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", body, "utm.strategic_coordination utm.constraint_processing"));
    }

    [Fact]
    public async Task AnotherUssMayNeitherUpdateNorDeleteAnIntentEvenWithItsOvn()
    {
        var start = Soon;
        var extent = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));
        var id = Guid.NewGuid();
        var created = CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(extent)));
        var ovn = created["ovn"]!.ToString();

        Error(await dss.PutAsync($"{Intents}/{id}/{ovn}", "uss2", DssDeployment.Intent(extent, key: [ovn])), HttpStatusCode.Forbidden);
        Error(await dss.PutAsync($"{Intents}/{id}", "uss2", DssDeployment.Intent(extent, key: [ovn])), HttpStatusCode.Forbidden);
        Error(await dss.DeleteAsync($"{Intents}/{id}/{ovn}", "uss2"), HttpStatusCode.Forbidden);

        var current = Expect(await dss.GetAsync($"{Intents}/{id}", "uss1"), HttpStatusCode.OK)["operational_intent_reference"]!;
        Assert.Equal("uss1", current["manager"]!.ToString());
        Assert.Equal(ovn, current["ovn"]!.ToString());
    }

    [Fact]
    public async Task AnIntentMayNotUseAnotherUsssSubscription()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var explicitOne = Guid.NewGuid();
        Expect(await dss.PutAsync($"/dss/v1/subscriptions/{explicitOne}", "uss2",
            Subscription(DssDeployment.Square(area, 0.05, start, start.AddHours(2)), "https://uss2.example.com/utm")), HttpStatusCode.OK);
        var theirs = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss2",
            DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1), 300, 400))));
        var implicitOne = theirs["subscription_id"]!.ToString();
        var extent = DssDeployment.Square(area, 0.01, start, start.AddHours(1));

        Error(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", DssDeployment.Intent(extent, "Activated", subscriptionId: explicitOne.ToString())), HttpStatusCode.Forbidden);
        Error(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", DssDeployment.Intent(extent, "Activated", subscriptionId: implicitOne)), HttpStatusCode.Forbidden);
        var own = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss2", DssDeployment.Intent(extent, "Activated", subscriptionId: implicitOne)));

        Assert.Equal(implicitOne, own["subscription_id"]!.ToString());
    }

    // ---- 404 and 409 --------------------------------------------------------------------------------------------

    [Fact]
    public async Task GetAndDeleteOfAnUnknownIntentAre404()
    {
        var id = Guid.NewGuid();

        Error(await dss.GetAsync($"{Intents}/{id}", "uss1"), HttpStatusCode.NotFound);
        Error(await dss.DeleteAsync($"{Intents}/{id}/{id}_{Guid.CreateVersion7()}", "uss1"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AWrongOvnIs409ForUpdateAndDeleteAndChangesNothing()
    {
        var start = Soon;
        var extent = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));
        var id = Guid.NewGuid();
        var created = CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(extent)));
        var wrong = $"{id}_{Guid.CreateVersion7()}";

        Error(await dss.PutAsync($"{Intents}/{id}/{wrong}", "uss1", DssDeployment.Intent(extent, "Activated")), HttpStatusCode.Conflict);
        Error(await dss.DeleteAsync($"{Intents}/{id}/{wrong}", "uss1"), HttpStatusCode.Conflict);

        var current = Expect(await dss.GetAsync($"{Intents}/{id}", "uss1"), HttpStatusCode.OK)["operational_intent_reference"]!;
        Assert.Equal(created["ovn"]!.ToString(), current["ovn"]!.ToString());
        Assert.Equal("Accepted", current["state"]!.ToString());
    }

    [Fact]
    public async Task CreatingOverAnExistingIdIs409()
    {
        var start = Soon;
        var extent = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));
        var id = Guid.NewGuid();
        var created = CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(extent)));

        Error(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(extent, key: [created["ovn"]!.ToString()])), HttpStatusCode.Conflict);

        var current = Expect(await dss.GetAsync($"{Intents}/{id}", "uss1"), HttpStatusCode.OK)["operational_intent_reference"]!;
        Assert.Equal(1, current["version"]!.GetValue<long>());
    }

    [Fact]
    public async Task TheMissingListNamesEachUnacknowledgedIntentWithTheOvnForItsManagerOnly()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var extent = DssDeployment.Square(area, 0.01, start, start.AddHours(1));
        var first = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", DssDeployment.Intent(extent)));
        var second = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss3", DssDeployment.Intent(extent, key: [first["ovn"]!.ToString()])));
        var mine = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss2",
            DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1), 200, 300))));
        var id = Guid.NewGuid();
        // Over all three (the last is uss2's own, higher up): the key holds only the first.
        var body = DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1), 0, 400), key: [first["ovn"]!.ToString()]);

        var refused = Expect(await dss.PutAsync($"{Intents}/{id}", "uss2", body), HttpStatusCode.Conflict);

        Assert.False(string.IsNullOrWhiteSpace(refused["message"]?.ToString()));
        Assert.Empty(refused["missing_constraints"]!.AsArray());
        var missing = refused["missing_operational_intents"]!.AsArray().Select(m => m!.AsObject()).ToDictionary(m => m["id"]!.ToString());
        Assert.Equal(new[] { second["id"]!.ToString(), mine["id"]!.ToString() }.Order(StringComparer.Ordinal), missing.Keys.Order(StringComparer.Ordinal));
        Assert.All(missing.Values, m => HasExactly(m, IntentMembers));
        Assert.Equal(NoOvn, missing[second["id"]!.ToString()]["ovn"]!.ToString());
        Assert.Equal("uss3", missing[second["id"]!.ToString()]["manager"]!.ToString());
        Assert.Equal(mine["ovn"]!.ToString(), missing[mine["id"]!.ToString()]["ovn"]!.ToString());
        Error(await dss.GetAsync($"{Intents}/{id}", "uss2"), HttpStatusCode.NotFound);

        body["key"] = new JsonArray(first["ovn"]!.ToString(), second["ovn"]!.ToString(), mine["ovn"]!.ToString());
        CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss2", body));
    }

    [Fact]
    public async Task AStaleOvnInTheKeyIsMissingAsIfAbsent()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var extent = DssDeployment.Square(area, 0.01, start, start.AddHours(1));
        var id = Guid.NewGuid();
        var v1 = CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(extent)));
        var v2 = ChangedIntent(await dss.PutAsync($"{Intents}/{id}/{v1["ovn"]}", "uss1", DssDeployment.Intent(extent)));

        var refused = Expect(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss2", DssDeployment.Intent(extent, key: [v1["ovn"]!.ToString()])), HttpStatusCode.Conflict);

        var missing = Assert.Single(refused["missing_operational_intents"]!.AsArray())!;
        Assert.Equal(id.ToString(), missing["id"]!.ToString());
        Assert.Equal(2, missing["version"]!.GetValue<long>());
        CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss2", DssDeployment.Intent(extent, key: [v2["ovn"]!.ToString()])));
    }

    [Fact]
    public async Task ConstraintOvnsAreNeededInTheKeyOnlyWhenTheSubscriptionNotifiesForConstraints()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var extent = DssDeployment.Square(area, 0.01, start, start.AddHours(1));
        var constraint = CreatedConstraint(await dss.PutAsync($"{Constraints}/{Guid.NewGuid()}", "uss3", Constraint(DssDeployment.Square(area, 0.02, start, start.AddHours(2), 0, 1000))));

        // Not processing constraints: the constraint is not the USS's to acknowledge.
        var unaware = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", DssDeployment.Intent(extent)));
        var processing = DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1), 200, 300));
        processing["new_subscription"]!["notify_for_constraints"] = true;
        var id = Guid.NewGuid();
        var refused = Expect(await dss.PutAsync($"{Intents}/{id}", "uss2", processing), HttpStatusCode.Conflict);

        Assert.Equal("uss1", unaware["manager"]!.ToString());
        Assert.Empty(refused["missing_operational_intents"]!.AsArray());
        var missing = Assert.Single(refused["missing_constraints"]!.AsArray())!.AsObject();
        HasExactly(missing, ConstraintMembers);
        Assert.Equal(constraint["id"]!.ToString(), missing["id"]!.ToString());
        Assert.Equal("uss3", missing["manager"]!.ToString());
        Assert.Equal(NoOvn, missing["ovn"]!.ToString());

        processing["key"] = new JsonArray(constraint["ovn"]!.ToString());
        CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss2", processing));
    }

    // ---- 412: a USS declared Down ---------------------------------------------------------------------------------

    [Fact]
    public async Task ADownUssMayNotPlanActivateOrDeleteButMayStillGoContingent()
    {
        var uss = await NewUssAsync("down-self");
        var start = Soon;
        var area = DssDeployment.Area();
        var accepted = DssDeployment.Square(area, 0.01, start, start.AddHours(1));
        var activated = DssDeployment.Square(area, 0.01, start, start.AddHours(1), 300, 400);
        var a = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", uss, DssDeployment.Intent(accepted)));
        var b = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", uss, DssDeployment.Intent(activated, "Activated")));
        await SetAvailabilityAsync(uss, "Down");

        Error(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", uss, DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1), 500, 600))), HttpStatusCode.PreconditionFailed);
        Error(await dss.PutAsync($"{Intents}/{a["id"]}/{a["ovn"]}", uss, DssDeployment.Intent(accepted)), HttpStatusCode.PreconditionFailed);
        Error(await dss.PutAsync($"{Intents}/{a["id"]}/{a["ovn"]}", uss, DssDeployment.Intent(accepted, "Activated")), HttpStatusCode.PreconditionFailed);
        Error(await dss.DeleteAsync($"{Intents}/{a["id"]}/{a["ovn"]}", uss), HttpStatusCode.PreconditionFailed);
        var contingent = ChangedIntent(await dss.PutAsync($"{Intents}/{b["id"]}/{b["ovn"]}", uss, DssDeployment.Intent(activated, "Contingent")));

        Assert.Equal("Contingent", contingent["state"]!.ToString());
        Assert.Equal("Down", contingent["uss_availability"]!.ToString());
        var seen = Expect(await dss.GetAsync($"{Intents}/{a["id"]}", "uss1"), HttpStatusCode.OK)["operational_intent_reference"]!;
        Assert.Equal("Down", seen["uss_availability"]!.ToString());
        Assert.Equal(1, seen["version"]!.GetValue<long>());

        // Back to Normal, it deletes.
        await SetAvailabilityAsync(uss, "Normal");
        Expect(await dss.DeleteAsync($"{Intents}/{a["id"]}/{a["ovn"]}", uss), HttpStatusCode.OK);
    }

    [Fact]
    public async Task OthersNeedNoKeyForADownUsssAcceptedIntentsButDoForItsActivatedOnes()
    {
        var uss = await NewUssAsync("down-other");
        var start = Soon;
        var accepted = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));
        var activated = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));
        CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", uss, DssDeployment.Intent(accepted)));
        var b = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", uss, DssDeployment.Intent(activated, "Activated")));
        var beforeDown = await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", DssDeployment.Intent(accepted));
        await SetAvailabilityAsync(uss, "Down");

        var overAccepted = await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", DssDeployment.Intent(accepted));
        var overActivated = Expect(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", DssDeployment.Intent(activated)), HttpStatusCode.Conflict);

        Expect(beforeDown, HttpStatusCode.Conflict);
        CreatedIntent(overAccepted);
        var missing = Assert.Single(overActivated["missing_operational_intents"]!.AsArray())!;
        Assert.Equal(b["id"]!.ToString(), missing["id"]!.ToString());
        Assert.Equal("Down", missing["uss_availability"]!.ToString());
        Assert.Equal(NoOvn, missing["ovn"]!.ToString());
    }

    // ---- 413 ----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task AnOutlineWiderThanTheDeploymentsLimitIs413()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var id = Guid.NewGuid();

        Error(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(DssDeployment.Circle(area, 1_100_000, start, start.AddHours(1)))), HttpStatusCode.RequestEntityTooLarge);
        Error(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(DssDeployment.Square(area, 10, start, start.AddHours(1)))), HttpStatusCode.RequestEntityTooLarge);
        Error(await dss.PostAsync($"{Intents}/query", "uss1", DssDeployment.Query(DssDeployment.Circle(area, 1_100_000, start, start.AddHours(1)))), HttpStatusCode.RequestEntityTooLarge);

        // Within the limit, the same query is answered.
        Expect(await dss.PostAsync($"{Intents}/query", "uss1", DssDeployment.Query(DssDeployment.Circle(area, 900_000, start, start.AddHours(1)))), HttpStatusCode.OK);
        Error(await dss.GetAsync($"{Intents}/{id}", "uss1"), HttpStatusCode.NotFound);
    }

    // ---- the key: what is relevant ----------------------------------------------------------------------------------

    [Fact]
    public async Task TheIntentBeingUpdatedNeedsNoOvnOfItselfInTheKey()
    {
        var start = Soon;
        var extent = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));
        var id = Guid.NewGuid();
        var mine = CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(extent)));
        var theirs = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss2", DssDeployment.Intent(extent, key: [mine["ovn"]!.ToString()])));

        var withoutTheirs = Expect(await dss.PutAsync($"{Intents}/{id}/{mine["ovn"]}", "uss1", DssDeployment.Intent(extent, "Activated")), HttpStatusCode.Conflict);
        var updated = ChangedIntent(await dss.PutAsync($"{Intents}/{id}/{mine["ovn"]}", "uss1", DssDeployment.Intent(extent, "Activated", key: [theirs["ovn"]!.ToString()])));

        // Only the other USS's intent was missing, never the one being updated.
        Assert.Equal(theirs["id"]!.ToString(), Assert.Single(withoutTheirs["missing_operational_intents"]!.AsArray())!["id"]!.ToString());
        Assert.Equal("Activated", updated["state"]!.ToString());
    }

    [Fact]
    public async Task DeclaringNonconformingOrContingentNeedsNoKeyButReturningToActivatedDoes()
    {
        var start = Soon;
        var extent = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));
        var id = Guid.NewGuid();
        var mine = CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(extent, "Activated")));
        var theirs = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss2", DssDeployment.Intent(extent, key: [mine["ovn"]!.ToString()])));

        var nonconforming = ChangedIntent(await dss.PutAsync($"{Intents}/{id}/{mine["ovn"]}", "uss1", DssDeployment.Intent(extent, "Nonconforming")));
        var back = await dss.PutAsync($"{Intents}/{id}/{nonconforming["ovn"]}", "uss1", DssDeployment.Intent(extent, "Activated"));
        var contingent = ChangedIntent(await dss.PutAsync($"{Intents}/{id}/{nonconforming["ovn"]}", "uss1", DssDeployment.Intent(extent, "Contingent")));

        Assert.Equal("Nonconforming", nonconforming["state"]!.ToString());
        var missing = Expect(back, HttpStatusCode.Conflict)["missing_operational_intents"]!.AsArray();
        Assert.Equal(theirs["id"]!.ToString(), Assert.Single(missing)!["id"]!.ToString());
        Assert.Equal("Contingent", contingent["state"]!.ToString());
    }

    [Fact]
    public async Task SquaresFiftyMetresApartAreNotRelevantToEachOtherButTouchingOnesAre()
    {
        // Exact geometry: the reference DSS's S2 cells (level 13, about 1 km) would call the near squares intersecting.
        var (lat, lng) = DssDeployment.Area();
        var start = Soon;
        const double H = 0.005;
        var fiftyMetres = 50 / (111_320 * Math.Cos((lat + H) * Math.PI / 180));
        var (south, north, west, east) = (lat - H, lat + H, lng - H, lng + H);
        var a = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1",
            DssDeployment.Intent(Box(south, west, north, east, start, start.AddHours(1)))));

        var near = await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss2",
            DssDeployment.Intent(Box(south, east + fiftyMetres, north, east + fiftyMetres + (2 * H), start, start.AddHours(1))));
        var touchingBody = DssDeployment.Intent(Box(south, west - (2 * H), north, west, start, start.AddHours(1)));
        var touching = await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss3", touchingBody);

        CreatedIntent(near);
        var missing = Expect(touching, HttpStatusCode.Conflict)["missing_operational_intents"]!.AsArray();
        Assert.Equal(a["id"]!.ToString(), Assert.Single(missing)!["id"]!.ToString());
        touchingBody["key"] = new JsonArray(a["ovn"]!.ToString());
        CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss3", touchingBody));
    }

    [Fact]
    public async Task TimeDisjointAndAltitudeDisjointIntentsInTheSameSquareNeedNoKey()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var a = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1), 0, 120))));

        var later = await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss2", DssDeployment.Intent(DssDeployment.Square(area, 0.01, start.AddHours(2), start.AddHours(3), 0, 120)));
        var higher = await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss3", DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1), 200, 300)));
        var same = await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss2", DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1), 0, 120)));

        CreatedIntent(later);
        CreatedIntent(higher);
        // The control: in the same square, time and band, only the first is relevant.
        var missing = Expect(same, HttpStatusCode.Conflict)["missing_operational_intents"]!.AsArray();
        Assert.Equal(a["id"]!.ToString(), Assert.Single(missing)!["id"]!.ToString());
    }

    // ---- implicit subscriptions -------------------------------------------------------------------------------------

    [Fact]
    public async Task AnImplicitSubscriptionIsCreatedWithTheIntentAndDeletedWithIt()
    {
        var start = Soon;
        var body = DssDeployment.Intent(DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1)));
        body["new_subscription"]!["uss_base_url"] = "https://uss1.example.com/notifications";
        var id = Guid.NewGuid();
        var created = CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss1", body));
        var subscriptionId = created["subscription_id"]!.ToString();

        var subscription = Expect(await dss.GetAsync($"/dss/v1/subscriptions/{subscriptionId}", "uss1"), HttpStatusCode.OK)["subscription"]!;
        Expect(await dss.DeleteAsync($"{Intents}/{id}/{created["ovn"]}", "uss1"), HttpStatusCode.OK);
        var afterwards = await dss.GetAsync($"/dss/v1/subscriptions/{subscriptionId}", "uss1");

        Assert.Matches(UuidV4(), subscriptionId);
        Assert.Equal(subscriptionId, subscription["id"]!.ToString());
        Assert.True(subscription["implicit_subscription"]!.GetValue<bool>());
        Assert.Equal([id.ToString()], subscription["dependent_operational_intents"]!.AsArray().Select(d => d!.ToString()));
        Assert.True(subscription["notify_for_operational_intents"]!.GetValue<bool>());
        Assert.False(subscription["notify_for_constraints"]!.GetValue<bool>());
        Assert.Equal("https://uss1.example.com/notifications", subscription["uss_base_url"]!.ToString());
        Assert.True(Time(subscription["time_start"]) <= Ms(start) && Time(subscription["time_end"]) >= Ms(start.AddHours(1)), $"the subscription covers the intent: {subscription}");
        Error(afterwards, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnImplicitSubscriptionSharedByTwoIntentsLastsUntilTheLastIsDeleted()
    {
        var start = Soon;
        var first = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1",
            DssDeployment.Intent(DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1)))));
        var subscriptionId = first["subscription_id"]!.ToString();
        var second = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1",
            DssDeployment.Intent(DssDeployment.Square(DssDeployment.Area(), 0.01, start.AddHours(1), start.AddHours(2)), "Activated", subscriptionId: subscriptionId)));

        var both = Expect(await dss.GetAsync($"/dss/v1/subscriptions/{subscriptionId}", "uss1"), HttpStatusCode.OK)["subscription"]!;
        Expect(await dss.DeleteAsync($"{Intents}/{first["id"]}/{first["ovn"]}", "uss1"), HttpStatusCode.OK);
        var one = Expect(await dss.GetAsync($"/dss/v1/subscriptions/{subscriptionId}", "uss1"), HttpStatusCode.OK)["subscription"]!;
        Expect(await dss.DeleteAsync($"{Intents}/{second["id"]}/{second["ovn"]}", "uss1"), HttpStatusCode.OK);

        Assert.Equal(subscriptionId, second["subscription_id"]!.ToString());
        Assert.Equal(new[] { first["id"]!.ToString(), second["id"]!.ToString() }.Order(StringComparer.Ordinal),
            both["dependent_operational_intents"]!.AsArray().Select(d => d!.ToString()).Order(StringComparer.Ordinal));
        Assert.True(Time(both["time_end"]) >= Ms(start.AddHours(2)), "the implicit subscription grew to cover the second intent");
        Assert.Equal([second["id"]!.ToString()], one["dependent_operational_intents"]!.AsArray().Select(d => d!.ToString()));
        Error(await dss.GetAsync($"/dss/v1/subscriptions/{subscriptionId}", "uss1"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnUpdateWithANewSubscriptionReplacesTheImplicitOneItHad()
    {
        var start = Soon;
        var extent = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));
        var id = Guid.NewGuid();
        var created = CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(extent)));
        var body = DssDeployment.Intent(extent, "Activated");
        body["new_subscription"]!["notify_for_constraints"] = true;

        var updated = ChangedIntent(await dss.PutAsync($"{Intents}/{id}/{created["ovn"]}", "uss1", body));

        var replacement = updated["subscription_id"]!.ToString();
        Assert.NotEqual(created["subscription_id"]!.ToString(), replacement);
        Error(await dss.GetAsync($"/dss/v1/subscriptions/{created["subscription_id"]}", "uss1"), HttpStatusCode.NotFound);
        var subscription = Expect(await dss.GetAsync($"/dss/v1/subscriptions/{replacement}", "uss1"), HttpStatusCode.OK)["subscription"]!;
        Assert.True(subscription["implicit_subscription"]!.GetValue<bool>());
        Assert.True(subscription["notify_for_constraints"]!.GetValue<bool>());
        Assert.Equal([id.ToString()], subscription["dependent_operational_intents"]!.AsArray().Select(d => d!.ToString()));
    }

    // ---- notifications --------------------------------------------------------------------------------------------

    [Fact]
    public async Task ASubscriptionOverTheAreaIsNotifiedOfAnIntentThereAndOneElsewhereIsNot()
    {
        const string Shared = "https://watchers.example.com/utm";
        var area = DssDeployment.Area();
        var start = Soon;
        var watched = DssDeployment.Square(area, 0.05, start.AddMinutes(-5), start.AddHours(3));
        var (s2, s3, constraintsOnly, elsewhere, later) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        Expect(await dss.PutAsync($"/dss/v1/subscriptions/{s2}", "uss2", Subscription(watched, Shared)), HttpStatusCode.OK);
        Expect(await dss.PutAsync($"/dss/v1/subscriptions/{s3}", "uss3", Subscription(watched, Shared)), HttpStatusCode.OK);
        Expect(await dss.PutAsync($"/dss/v1/subscriptions/{constraintsOnly}", "uss3", Subscription(watched, Shared, intents: false, constraints: true)), HttpStatusCode.OK);
        Expect(await dss.PutAsync($"/dss/v1/subscriptions/{elsewhere}", "uss2",
            Subscription(DssDeployment.Square(DssDeployment.Area(), 0.05, start, start.AddHours(3)), Shared)), HttpStatusCode.OK);
        Expect(await dss.PutAsync($"/dss/v1/subscriptions/{later}", "uss2",
            Subscription(DssDeployment.Square(area, 0.05, start.AddHours(2), start.AddHours(3)), Shared)), HttpStatusCode.OK);
        var extent = DssDeployment.Square(area, 0.01, start, start.AddHours(1));
        var id = Guid.NewGuid();

        var created = Expect(await dss.PutAsync($"{Intents}/{id}", "uss1", DssDeployment.Intent(extent, baseUrl: "https://uss1.example.com/utm")), HttpStatusCode.Created);

        var subscribers = created["subscribers"]!.AsArray().Select(s => s!.AsObject()).ToList();
        Assert.All(subscribers, s => Assert.Equal(["subscriptions", "uss_base_url"], s.Select(p => p.Key).Order(StringComparer.Ordinal)));
        var shared = Assert.Single(subscribers, s => s["uss_base_url"]!.ToString() == Shared);
        var states = shared["subscriptions"]!.AsArray().Select(s => (s!["subscription_id"]!.ToString(), s["notification_index"]!.GetValue<long>()));
        Assert.Equal(new[] { (s2.ToString(), 1L), (s3.ToString(), 1L) }.Order(), states.Order());
        // The USS's own (implicit) subscription is listed too, as the spec says.
        var own = created["operational_intent_reference"]!["subscription_id"]!.ToString();
        Assert.Contains(subscribers, s => s["subscriptions"]!.AsArray().Any(x => x!["subscription_id"]!.ToString() == own));
        Assert.Equal(1, await NotificationIndexAsync("uss2", s2));
        Assert.Equal(0, await NotificationIndexAsync("uss3", constraintsOnly));
        Assert.Equal(0, await NotificationIndexAsync("uss2", elsewhere));
        Assert.Equal(0, await NotificationIndexAsync("uss2", later));

        // A refused write notifies no one.
        Expect(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss2", DssDeployment.Intent(extent)), HttpStatusCode.Conflict);
        Assert.Equal(1, await NotificationIndexAsync("uss2", s2));

        // An update notifies again.
        var updated = Expect(await dss.PutAsync($"{Intents}/{id}/{created["operational_intent_reference"]!["ovn"]}", "uss1", DssDeployment.Intent(extent, "Activated")), HttpStatusCode.OK);
        Assert.Contains(updated["subscribers"]!.AsArray(), s => s!["subscriptions"]!.AsArray().Any(x => x!["subscription_id"]!.ToString() == s2.ToString() && x["notification_index"]!.GetValue<long>() == 2));
        Assert.Equal(2, await NotificationIndexAsync("uss2", s2));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static JsonObject Found(JsonObject query, Guid id) =>
        Assert.Single(query["operational_intent_references"]!.AsArray(), r => r!["id"]!.ToString() == id.ToString())!.AsObject();

    private async Task<long> NotificationIndexAsync(string uss, Guid subscription) =>
        Expect(await dss.GetAsync($"/dss/v1/subscriptions/{subscription}", uss), HttpStatusCode.OK)["subscription"]!["notification_index"]!.GetValue<long>();

    /// <summary>A USS of its own (a party the operator creates), so that declaring it Down touches no other test.</summary>
    private async Task<string> NewUssAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}";
        await dss.Client.CreatePartyAsync(dss.Server.OperatorToken, name);
        return name;
    }

    private async Task SetAvailabilityAsync(string uss, string availability)
    {
        var current = Expect(await dss.GetAsync($"/dss/v1/uss_availability/{uss}", "uss1"), HttpStatusCode.OK);
        var set = await dss.PutAsync($"/dss/v1/uss_availability/{uss}", "uss1",
            new JsonObject { ["old_version"] = current["version"]!.ToString(), ["availability"] = availability });
        Assert.Equal(availability, Expect(set, HttpStatusCode.OK)["status"]!["availability"]!.ToString());
    }
}
