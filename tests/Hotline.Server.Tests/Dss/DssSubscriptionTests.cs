using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hotline.Server.Tests;

/// <summary>
/// F3548 subscriptions over HTTP: their lifecycle, the defaults and limits of their extents, notification indices
/// that move exactly once per relevant change, explicit subscriptions named by operational intents, and implicit ones.
/// </summary>
public sealed class DssSubscriptionTests(DssDeployment dss) : IClassFixture<DssDeployment>
{
    private const string Url = "https://uss1.example.com/utm";
    private const string OtherUrl = "https://uss1.example.com/constraints";

    // ---- create, read, query ---------------------------------------------------------------------------------

    [Fact]
    public async Task ACreatedSubscriptionIsAnsweredInFullWithTheIntentsAlreadyInItsArea()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var intent = await FileIntentAsync("uss2", DssDeployment.Square(area, 0.01, start, start.AddHours(1)));
        var constraint = await CreateConstraintAsync("uss3", DssDeployment.Square(area, 0.01, start, start.AddHours(1)));

        var id = Guid.NewGuid();
        var created = await dss.PutAsync(SubscriptionPath(id), "uss1", Subscription(DssDeployment.Square(area, 0.05, start, start.AddHours(2))));

        Expect(HttpStatusCode.OK, created);
        var s = created.Object["subscription"]!.AsObject();
        Assert.Equal(id.ToString(), s["id"]!.ToString());
        Assert.Equal(JsonValueKind.String, s["version"]!.GetValueKind());
        Assert.NotEqual("", s["version"]!.ToString());
        Assert.Equal(0, s["notification_index"]!.GetValue<long>());
        Assert.Equal(start, TimeOf(s["time_start"]));
        Assert.Equal(start.AddHours(2), TimeOf(s["time_end"]));
        Assert.Equal(Url, s["uss_base_url"]!.ToString());
        Assert.True(s["notify_for_operational_intents"]!.GetValue<bool>());
        Assert.False(s["notify_for_constraints"]!.GetValue<bool>());
        Assert.False(s["implicit_subscription"]!.GetValue<bool>());
        Assert.Empty(s["dependent_operational_intents"]!.AsArray());
        Assert.Equal([intent.Id.ToString()], Ids(created.Object["operational_intent_references"]));
        Assert.DoesNotContain(constraint.Id.ToString(), Ids(created.Object["constraint_references"]));
        Assert.NotNull(created.Headers.GetValues("Hotline-Log-Index").Single());
    }

    [Fact]
    public async Task ASubscriptionForConstraintsOnlyListsTheConstraintsInItsAreaAndNotTheIntents()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var intent = await FileIntentAsync("uss2", DssDeployment.Square(area, 0.01, start, start.AddHours(1)));
        var constraint = await CreateConstraintAsync("uss3", DssDeployment.Square(area, 0.01, start, start.AddHours(1)));

        var created = await dss.PutAsync(SubscriptionPath(Guid.NewGuid()), "uss1",
            Subscription(DssDeployment.Square(area, 0.05, start, start.AddHours(2)), intents: false, constraints: true));

        Expect(HttpStatusCode.OK, created);
        Assert.True(created.Object["subscription"]!["notify_for_constraints"]!.GetValue<bool>());
        Assert.False(created.Object["subscription"]!["notify_for_operational_intents"]!.GetValue<bool>());
        Assert.Equal([constraint.Id.ToString()], Ids(created.Object["constraint_references"]));
        Assert.DoesNotContain(intent.Id.ToString(), Ids(created.Object["operational_intent_references"]));
    }

    [Fact]
    public async Task ASubscriptionIsReadByItsOwnerOnlyAndAnUnknownOneIsNotFound()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var id = (await CreateSubscriptionAsync("uss1", Subscription(DssDeployment.Square(area, 0.05, start, start.AddHours(1)))))["id"]!.ToString();

        var own = await dss.GetAsync($"/dss/v1/subscriptions/{id}", "uss1");
        Expect(HttpStatusCode.OK, own);
        Assert.Equal(id, own.Object["subscription"]!["id"]!.ToString());
        Assert.Equal(Url, own.Object["subscription"]!["uss_base_url"]!.ToString());

        var other = await dss.GetAsync($"/dss/v1/subscriptions/{id}", "uss2");
        Expect(HttpStatusCode.Forbidden, other);
        Assert.DoesNotContain(Url, other.Text, StringComparison.Ordinal);

        Expect(HttpStatusCode.NotFound, await dss.GetAsync(SubscriptionPath(Guid.NewGuid()), "uss1"));
    }

    [Fact]
    public async Task AQueryFindsOnlyTheCallersOwnSubscriptionsThatMeetTheArea()
    {
        var here = DssDeployment.Area();
        var there = DssDeployment.Area();
        var start = Soon();
        var mine = (await CreateSubscriptionAsync("uss1", Subscription(DssDeployment.Square(here, 0.02, start, start.AddHours(1)))))["id"]!.ToString();
        var mineElsewhere = (await CreateSubscriptionAsync("uss1", Subscription(DssDeployment.Square(there, 0.02, start, start.AddHours(1)))))["id"]!.ToString();
        var theirs = (await CreateSubscriptionAsync("uss2", Subscription(DssDeployment.Square(here, 0.02, start, start.AddHours(1)))))["id"]!.ToString();

        var query = DssDeployment.Query(DssDeployment.Square(here, 0.05, start, start.AddHours(1)));
        var found = await dss.PostAsync("/dss/v1/subscriptions/query", "uss1", query);
        Expect(HttpStatusCode.OK, found);
        Assert.Equal([mine], Ids(found.Object["subscriptions"]));

        var theirsFound = await dss.PostAsync("/dss/v1/subscriptions/query", "uss2", query);
        Assert.Equal([theirs], Ids(theirsFound.Object["subscriptions"]));

        var elsewhere = await dss.PostAsync("/dss/v1/subscriptions/query", "uss1", DssDeployment.Query(DssDeployment.Square(there, 0.05, start, start.AddHours(1))));
        Assert.Equal([mineElsewhere], Ids(elsewhere.Object["subscriptions"]));
    }

    // ---- update and delete -----------------------------------------------------------------------------------

    [Fact]
    public async Task AnUpdateAtTheCurrentVersionChangesTheVersionAndKeepsTheNotificationIndex()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var created = await CreateSubscriptionAsync("uss1", Subscription(DssDeployment.Square(area, 0.02, start, start.AddHours(1))));
        var id = created["id"]!.ToString();
        var intent = await FileIntentAsync("uss2", DssDeployment.Square(area, 0.01, start, start.AddHours(1)));
        Assert.Equal(1, await IndexAsync("uss1", id));

        var updated = await dss.PutAsync($"/dss/v1/subscriptions/{id}/{created["version"]}", "uss1",
            Subscription(DssDeployment.Square(area, 0.04, start, start.AddHours(3)), url: OtherUrl));

        Expect(HttpStatusCode.OK, updated);
        var s = updated.Object["subscription"]!.AsObject();
        Assert.NotEqual(created["version"]!.ToString(), s["version"]!.ToString());
        Assert.Equal(1, s["notification_index"]!.GetValue<long>());
        Assert.Equal(OtherUrl, s["uss_base_url"]!.ToString());
        Assert.Equal(start.AddHours(3), TimeOf(s["time_end"]));
        Assert.Equal([intent.Id.ToString()], Ids(updated.Object["operational_intent_references"]));

        // The update itself is not a change that anyone is notified of.
        var read = (await dss.GetAsync($"/dss/v1/subscriptions/{id}", "uss1")).Object["subscription"]!;
        Assert.Equal(1, read["notification_index"]!.GetValue<long>());
        Assert.Equal(s["version"]!.ToString(), read["version"]!.ToString());
    }

    [Fact]
    public async Task AnUpdateIsRefusedAtAStaleVersionForAnotherUssAndForAnUnknownSubscription()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var body = Subscription(DssDeployment.Square(area, 0.02, start, start.AddHours(1)));
        var created = await CreateSubscriptionAsync("uss1", body);
        var id = created["id"]!.ToString();
        var first = created["version"]!.ToString();
        var second = (await dss.PutAsync($"/dss/v1/subscriptions/{id}/{first}", "uss1", body)).Object["subscription"]!["version"]!.ToString();

        Expect(HttpStatusCode.Conflict, await dss.PutAsync($"/dss/v1/subscriptions/{id}/{first}", "uss1", body));
        Expect(HttpStatusCode.Conflict, await dss.PutAsync($"/dss/v1/subscriptions/{id}", "uss1", body)); // creating it again
        // F3548 answers 409 for a subscription "managed by a different client" (and for creating one that exists).
        Expect(HttpStatusCode.Conflict, await dss.PutAsync($"/dss/v1/subscriptions/{id}/{second}", "uss2", body));
        Expect(HttpStatusCode.Conflict, await dss.PutAsync($"/dss/v1/subscriptions/{id}", "uss2", body));
        // F3548 lists no 404 for an update: an unknown subscription is a bad request.
        Expect(HttpStatusCode.BadRequest, await dss.PutAsync($"/dss/v1/subscriptions/{Guid.NewGuid()}/1", "uss1", body));

        var read = await dss.GetAsync($"/dss/v1/subscriptions/{id}", "uss1");
        Assert.Equal(second, read.Object["subscription"]!["version"]!.ToString());
        Assert.Equal(Url, read.Object["subscription"]!["uss_base_url"]!.ToString());
    }

    [Fact]
    public async Task ADeleteAtTheCurrentVersionAnswersWithTheSubscriptionAndRemovesIt()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var created = await CreateSubscriptionAsync("uss1", Subscription(DssDeployment.Square(area, 0.02, start, start.AddHours(1))));
        var id = created["id"]!.ToString();
        var version = created["version"]!.ToString();

        Expect(HttpStatusCode.Conflict, await dss.DeleteAsync($"/dss/v1/subscriptions/{id}/{version}0", "uss1"));
        Expect(HttpStatusCode.Conflict, await dss.DeleteAsync($"/dss/v1/subscriptions/{id}/{version}", "uss2"));
        Expect(HttpStatusCode.NotFound, await dss.DeleteAsync($"/dss/v1/subscriptions/{Guid.NewGuid()}/{version}", "uss1"));
        Expect(HttpStatusCode.OK, await dss.GetAsync($"/dss/v1/subscriptions/{id}", "uss1"));

        var deleted = await dss.DeleteAsync($"/dss/v1/subscriptions/{id}/{version}", "uss1");
        Expect(HttpStatusCode.OK, deleted);
        Assert.Equal(id, deleted.Object["subscription"]!["id"]!.ToString());
        Assert.Equal(version, deleted.Object["subscription"]!["version"]!.ToString());
        Expect(HttpStatusCode.NotFound, await dss.GetAsync($"/dss/v1/subscriptions/{id}", "uss1"));
        Expect(HttpStatusCode.NotFound, await dss.DeleteAsync($"/dss/v1/subscriptions/{id}/{version}", "uss1"));

        // Gone from the area too: a change there no longer finds it.
        var intent = await FileIntentAsync("uss2", DssDeployment.Square(area, 0.01, start, start.AddHours(1)));
        Assert.Null(Notice(intent.Reply, id));
    }

    [Fact]
    public async Task ASubscriptionThatAnIntentDependsOnCannotBeDeleted()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var intent = await FileIntentAsync("uss1", DssDeployment.Square(area, 0.01, start, start.AddHours(1)));
        var read = await dss.GetAsync($"/dss/v1/subscriptions/{intent.SubscriptionId}", "uss1");
        Expect(HttpStatusCode.OK, read);

        var refused = await dss.DeleteAsync($"/dss/v1/subscriptions/{intent.SubscriptionId}/{read.Object["subscription"]!["version"]}", "uss1");

        Expect(HttpStatusCode.BadRequest, refused);
        Expect(HttpStatusCode.OK, await dss.GetAsync($"/dss/v1/subscriptions/{intent.SubscriptionId}", "uss1"));
    }

    // ---- defaults and limits ---------------------------------------------------------------------------------

    [Fact]
    public async Task OmittedTimesMeanFromNowForADayAndOmittedAltitudesMeanAll()
    {
        var area = DssDeployment.Area();
        var now = DateTimeOffset.UtcNow;
        var high = await FileIntentAsync("uss2", DssDeployment.Square(area, 0.01, now.AddHours(22), now.AddHours(23), lower: 3000, upper: 3100));
        var later = await FileIntentAsync("uss3", DssDeployment.Square(area, 0.01, now.AddHours(25), now.AddHours(26)));
        var extents = DssDeployment.Square(area, 0.05, now, now);
        extents.Remove("time_start");
        extents.Remove("time_end");
        extents["volume"]!.AsObject().Remove("altitude_lower");
        extents["volume"]!.AsObject().Remove("altitude_upper");

        var created = await dss.PutAsync(SubscriptionPath(Guid.NewGuid()), "uss1", Subscription(extents));

        Expect(HttpStatusCode.OK, created);
        var s = created.Object["subscription"]!;
        var starts = TimeOf(s["time_start"]);
        Assert.InRange(starts, now.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5));
        Assert.Equal(starts.AddHours(24), TimeOf(s["time_end"]));
        var listed = Ids(created.Object["operational_intent_references"]);
        Assert.Contains(high.Id.ToString(), listed);
        Assert.DoesNotContain(later.Id.ToString(), listed);
    }

    [Theory]
    [InlineData("longer than 24 hours")]
    [InlineData("ending in the past")]
    [InlineData("ending before it starts")]
    [InlineData("notifying for nothing")]
    public async Task ASubscriptionOutsideTheLimitsIsABadRequest(string which)
    {
        var area = DssDeployment.Area();
        var now = DateTimeOffset.UtcNow;
        var body = which switch
        {
            "longer than 24 hours" => Subscription(DssDeployment.Square(area, 0.02, now.AddMinutes(1), now.AddHours(24).AddMinutes(2))),
            "ending in the past" => Subscription(DssDeployment.Square(area, 0.02, now.AddHours(-2), now.AddHours(-1))),
            "ending before it starts" => Subscription(DssDeployment.Square(area, 0.02, now.AddHours(2), now.AddHours(1))),
            _ => Subscription(DssDeployment.Square(area, 0.02, now.AddMinutes(1), now.AddHours(1)), intents: false, constraints: false),
        };
        var id = Guid.NewGuid();

        var refused = await dss.PutAsync(SubscriptionPath(id), "uss1", body);

        Expect(HttpStatusCode.BadRequest, refused);
        Assert.False(string.IsNullOrEmpty(refused["message"]));
        Expect(HttpStatusCode.NotFound, await dss.GetAsync(SubscriptionPath(id), "uss1"));
    }

    [Theory]
    [InlineData("utm.constraint_processing", true, false, HttpStatusCode.Forbidden)]
    [InlineData("utm.strategic_coordination", false, true, HttpStatusCode.Forbidden)]
    [InlineData("utm.strategic_coordination", true, true, HttpStatusCode.Forbidden)]
    [InlineData("utm.strategic_coordination", true, false, HttpStatusCode.OK)]
    [InlineData("utm.constraint_processing", false, true, HttpStatusCode.OK)]
    [InlineData("utm.strategic_coordination utm.constraint_processing", true, true, HttpStatusCode.OK)]
    public async Task EachKindOfNotificationNeedsItsScope(string scope, bool intents, bool constraints, HttpStatusCode expected)
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var id = Guid.NewGuid();

        var reply = await dss.PutAsync(SubscriptionPath(id), "uss1",
            Subscription(DssDeployment.Square(area, 0.02, start, start.AddHours(1)), intents, constraints), scope);

        Expect(expected, reply);
        Expect(expected == HttpStatusCode.OK ? HttpStatusCode.OK : HttpStatusCode.NotFound, await dss.GetAsync(SubscriptionPath(id), "uss1"));
    }

    // ---- notification indices --------------------------------------------------------------------------------

    [Fact]
    public async Task EveryChangeToAnIntentInTheAreaRaisesTheNotificationIndexByOne()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var subscription = DssDeployment.Square(area, 0.05, start, start.AddHours(2));
        var id = (await CreateSubscriptionAsync("uss1", Subscription(subscription)))["id"]!.ToString();
        var twin = (await CreateSubscriptionAsync("uss1", Subscription(subscription)))["id"]!.ToString();
        var intentId = Guid.NewGuid();

        var created = await dss.PutAsync(IntentPath(intentId), "uss2", DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1))));
        Expect(HttpStatusCode.Created, created);
        Assert.Equal(1, Notice(created, id));
        Assert.Equal(1, await IndexAsync("uss1", id));
        // Subscribers are grouped by base URL: both of uss1's subscriptions in one entry.
        var subscribers = created.Object["subscribers"]!.AsArray();
        Assert.Single(subscribers, s => s!["uss_base_url"]!.ToString() == Url);
        var group = subscribers.First(s => s!["uss_base_url"]!.ToString() == Url)!;
        Assert.Equal(
            new[] { id, twin }.Order(StringComparer.Ordinal),
            group["subscriptions"]!.AsArray().Select(s => s!["subscription_id"]!.ToString()).Order(StringComparer.Ordinal));

        var ovn = created.Object["operational_intent_reference"]!["ovn"]!.ToString();
        var updated = await dss.PutAsync($"{IntentPath(intentId)}/{ovn}", "uss2",
            DssDeployment.Intent(DssDeployment.Square(area, 0.02, start, start.AddHours(1)), subscriptionId: created.Object["operational_intent_reference"]!["subscription_id"]!.ToString()));
        Expect(HttpStatusCode.OK, updated);
        Assert.Equal(2, Notice(updated, id));
        Assert.Equal(2, await IndexAsync("uss1", id));

        var newOvn = updated.Object["operational_intent_reference"]!["ovn"]!.ToString();
        var deleted = await dss.DeleteAsync($"{IntentPath(intentId)}/{newOvn}", "uss2");
        Expect(HttpStatusCode.OK, deleted);
        Assert.Equal(3, Notice(deleted, id));
        Assert.Equal(3, await IndexAsync("uss1", id));
        Assert.Equal(3, await IndexAsync("uss1", twin));
    }

    [Fact]
    public async Task ConcurrentChangesEachGetTheirOwnNotificationIndex()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var id = (await CreateSubscriptionAsync("uss1", Subscription(DssDeployment.Square(area, 0.05, start, start.AddHours(1)))))["id"]!.ToString();
        const int Count = 12;

        // Disjoint intents, sent together: the writer may take them in one batch.
        var replies = await Task.WhenAll(Enumerable.Range(0, Count).Select(i =>
            dss.PutAsync(IntentPath(Guid.NewGuid()), i % 2 == 0 ? "uss2" : "uss3",
                DssDeployment.Intent(DssDeployment.Square((area.Lat - 0.04 + (0.007 * i), area.Lng), 0.002, start, start.AddHours(1))))));

        Assert.All(replies, r => Expect(HttpStatusCode.Created, r));
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (long?)i), replies.Select(r => Notice(r, id)).Order());
        Assert.Equal(Count, await IndexAsync("uss1", id));
    }

    [Fact]
    public async Task ARefusedChangeRaisesNoIndexAndLeavesNoImplicitSubscription()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var id = (await CreateSubscriptionAsync("uss1", Subscription(DssDeployment.Square(area, 0.05, start, start.AddHours(1)))))["id"]!.ToString();
        var extent = DssDeployment.Square(area, 0.01, start, start.AddHours(1));
        await FileIntentAsync("uss2", extent);

        var refused = await dss.PutAsync(IntentPath(Guid.NewGuid()), "uss3", DssDeployment.Intent(extent, baseUrl: "https://uss3.example.com/utm"));

        Expect(HttpStatusCode.Conflict, refused);
        Assert.Equal(1, await IndexAsync("uss1", id));
        var theirs = await dss.PostAsync("/dss/v1/subscriptions/query", "uss3", DssDeployment.Query(DssDeployment.Square(area, 0.05, start, start.AddHours(1))));
        Assert.Empty(theirs.Object["subscriptions"]!.AsArray());
    }

    [Theory]
    [InlineData("elsewhere")]
    [InlineData("later")]
    [InlineData("higher")]
    public async Task ChangesOutsideTheSubscriptionsAreaWindowOrBandDoNotRaiseItsIndex(string where)
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var id = (await CreateSubscriptionAsync("uss1", Subscription(DssDeployment.Square(area, 0.05, start, start.AddHours(1), 0, 120))))["id"]!.ToString();
        var extent = where switch
        {
            "elsewhere" => DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1)),
            "later" => DssDeployment.Square(area, 0.01, start.AddHours(2), start.AddHours(3)),
            _ => DssDeployment.Square(area, 0.01, start, start.AddHours(1), 500, 600),
        };

        var created = await FileIntentAsync("uss2", extent);
        var ovn = created.Ovn;
        var updated = await dss.PutAsync($"{IntentPath(created.Id)}/{ovn}", "uss2", DssDeployment.Intent(extent, subscriptionId: created.SubscriptionId));
        Expect(HttpStatusCode.OK, updated);
        var deleted = await dss.DeleteAsync($"{IntentPath(created.Id)}/{updated.Object["operational_intent_reference"]!["ovn"]}", "uss2");
        Expect(HttpStatusCode.OK, deleted);

        Assert.Null(Notice(created.Reply, id));
        Assert.Null(Notice(updated, id));
        Assert.Null(Notice(deleted, id));
        Assert.Equal(0, await IndexAsync("uss1", id));
    }

    [Fact]
    public async Task AnIntentMovingIntoAndOutOfTheAreaRaisesTheIndexEachWay()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var id = (await CreateSubscriptionAsync("uss1", Subscription(DssDeployment.Square(area, 0.05, start, start.AddHours(1)))))["id"]!.ToString();
        var inside = DssDeployment.Square(area, 0.01, start, start.AddHours(1));
        var outside = DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1));
        var intent = await FileIntentAsync("uss2", outside);
        Assert.Null(Notice(intent.Reply, id));

        var movedIn = await dss.PutAsync($"{IntentPath(intent.Id)}/{intent.Ovn}", "uss2", DssDeployment.Intent(inside, subscriptionId: intent.SubscriptionId));
        Expect(HttpStatusCode.OK, movedIn);
        Assert.Equal(1, Notice(movedIn, id));

        // The subscriber learns that the intent left, too.
        var movedOut = await dss.PutAsync($"{IntentPath(intent.Id)}/{movedIn.Object["operational_intent_reference"]!["ovn"]}", "uss2",
            DssDeployment.Intent(outside, subscriptionId: intent.SubscriptionId));
        Expect(HttpStatusCode.OK, movedOut);
        Assert.Equal(2, Notice(movedOut, id));

        var stillOut = await dss.PutAsync($"{IntentPath(intent.Id)}/{movedOut.Object["operational_intent_reference"]!["ovn"]}", "uss2",
            DssDeployment.Intent(outside, "Activated", subscriptionId: intent.SubscriptionId));
        Expect(HttpStatusCode.OK, stillOut);
        Assert.Null(Notice(stillOut, id));
        Assert.Equal(2, await IndexAsync("uss1", id));
    }

    [Fact]
    public async Task ConstraintChangesRaiseOnlyTheIndicesOfSubscriptionsForConstraints()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var forIntents = (await CreateSubscriptionAsync("uss1", Subscription(DssDeployment.Square(area, 0.05, start, start.AddHours(2)))))["id"]!.ToString();
        var forConstraints = (await CreateSubscriptionAsync("uss1",
            Subscription(DssDeployment.Square(area, 0.05, start, start.AddHours(2)), intents: false, constraints: true, url: OtherUrl)))["id"]!.ToString();
        var extent = DssDeployment.Square(area, 0.01, start, start.AddHours(1));

        var created = await CreateConstraintAsync("uss3", extent);
        Assert.Equal(1, Notice(created.Reply, forConstraints));
        var updated = await dss.PutAsync($"/dss/v1/constraint_references/{created.Id}/{created.Ovn}", "uss3", ConstraintBody(DssDeployment.Square(area, 0.02, start, start.AddHours(1))));
        Expect(HttpStatusCode.OK, updated);
        Assert.Equal(2, Notice(updated, forConstraints));
        var deleted = await dss.DeleteAsync($"/dss/v1/constraint_references/{created.Id}/{updated.Object["constraint_reference"]!["ovn"]}", "uss3");
        Expect(HttpStatusCode.OK, deleted);
        Assert.Equal(3, Notice(deleted, forConstraints));

        Assert.Equal(3, await IndexAsync("uss1", forConstraints));
        Assert.Null(Notice(created.Reply, forIntents));
        Assert.Null(Notice(updated, forIntents));
        Assert.Null(Notice(deleted, forIntents));
        Assert.Equal(0, await IndexAsync("uss1", forIntents));

        // And an intent raises the other one only.
        var intent = await FileIntentAsync("uss2", extent);
        Assert.Equal(1, Notice(intent.Reply, forIntents));
        Assert.Null(Notice(intent.Reply, forConstraints));
        Assert.Equal(3, await IndexAsync("uss1", forConstraints));
    }

    // ---- explicit subscriptions named by operational intents -------------------------------------------------

    [Theory]
    [InlineData("space")]
    [InlineData("time")]
    [InlineData("altitude")]
    public async Task AnIntentNamingASubscriptionThatDoesNotCoverItIsABadRequest(string what)
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var subscription = (await CreateSubscriptionAsync("uss1", Subscription(DssDeployment.Square(area, 0.02, start.AddMinutes(-5), start.AddHours(2), 0, 120))))["id"]!.ToString();
        var extent = what switch
        {
            "space" => DssDeployment.Square(area, 0.03, start, start.AddHours(1)),
            "time" => DssDeployment.Square(area, 0.01, start, start.AddHours(3)),
            _ => DssDeployment.Square(area, 0.01, start, start.AddHours(1), 0, 150),
        };
        var id = Guid.NewGuid();

        var refused = await dss.PutAsync(IntentPath(id), "uss1", DssDeployment.Intent(extent, subscriptionId: subscription));

        Expect(HttpStatusCode.BadRequest, refused);
        Assert.Contains("cover", refused["message"], StringComparison.Ordinal);
        Expect(HttpStatusCode.NotFound, await dss.GetAsync(IntentPath(id), "uss1"));
        Assert.Empty((await dss.GetAsync(SubscriptionPath(subscription), "uss1")).Object["subscription"]!["dependent_operational_intents"]!.AsArray());
    }

    [Fact]
    public async Task AnIntentNamingACoveringSubscriptionIsAcceptedAndListedAsItsDependent()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var created = await CreateSubscriptionAsync("uss1", Subscription(DssDeployment.Square(area, 0.02, start.AddMinutes(-5), start.AddHours(2), 0, 120)));
        var subscription = created["id"]!.ToString();
        var id = Guid.NewGuid();

        var accepted = await dss.PutAsync(IntentPath(id), "uss1", DssDeployment.Intent(DssDeployment.Circle(area, 500, start, start.AddHours(1), 10, 100), subscriptionId: subscription));

        Expect(HttpStatusCode.Created, accepted);
        Assert.Equal(subscription, accepted.Object["operational_intent_reference"]!["subscription_id"]!.ToString());
        var read = (await dss.GetAsync(SubscriptionPath(subscription), "uss1")).Object["subscription"]!;
        Assert.Equal([id.ToString()], Ids(read["dependent_operational_intents"], element: true));
        Assert.False(read["implicit_subscription"]!.GetValue<bool>());

        // While the intent depends on it, it may neither be deleted nor stop covering it.
        Expect(HttpStatusCode.BadRequest, await dss.DeleteAsync($"/dss/v1/subscriptions/{subscription}/{read["version"]}", "uss1"));
        Expect(HttpStatusCode.BadRequest, await dss.PutAsync($"/dss/v1/subscriptions/{subscription}/{read["version"]}", "uss1",
            Subscription(DssDeployment.Square(DssDeployment.Area(), 0.02, start.AddMinutes(-5), start.AddHours(2)))));

        // An explicit subscription outlives the intents that used it.
        var ovn = accepted.Object["operational_intent_reference"]!["ovn"]!.ToString();
        Expect(HttpStatusCode.OK, await dss.DeleteAsync($"{IntentPath(id)}/{ovn}", "uss1"));
        var after = await dss.GetAsync(SubscriptionPath(subscription), "uss1");
        Expect(HttpStatusCode.OK, after);
        Assert.Empty(after.Object["subscription"]!["dependent_operational_intents"]!.AsArray());
    }

    [Fact]
    public async Task AnIntentMayNotNameASubscriptionThatDoesNotNotifyForIntents()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var subscription = (await CreateSubscriptionAsync("uss1",
            Subscription(DssDeployment.Square(area, 0.02, start.AddMinutes(-5), start.AddHours(2)), intents: false, constraints: true)))["id"]!.ToString();
        var id = Guid.NewGuid();

        var refused = await dss.PutAsync(IntentPath(id), "uss1", DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1)), subscriptionId: subscription));

        Expect(HttpStatusCode.BadRequest, refused);
        Expect(HttpStatusCode.NotFound, await dss.GetAsync(IntentPath(id), "uss1"));
    }

    [Fact]
    public async Task AnIntentMayNotNameAnotherUsssSubscription()
    {
        var area = DssDeployment.Area();
        var start = Soon();
        var subscription = (await CreateSubscriptionAsync("uss2", Subscription(DssDeployment.Square(area, 0.02, start.AddMinutes(-5), start.AddHours(2)))))["id"]!.ToString();
        var id = Guid.NewGuid();

        var refused = await dss.PutAsync(IntentPath(id), "uss1", DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1)), subscriptionId: subscription));

        Expect(HttpStatusCode.Forbidden, refused);
        Expect(HttpStatusCode.NotFound, await dss.GetAsync(IntentPath(id), "uss1"));
    }

    // ---- implicit subscriptions ------------------------------------------------------------------------------

    [Fact]
    public async Task AnImplicitSubscriptionSharedByTwoIntentsCoversBothAndEndsWithTheLast()
    {
        var area = DssDeployment.Area();
        var north = (area.Lat + 0.05, area.Lng);
        var start = Soon();
        var first = await FileIntentAsync("uss1", DssDeployment.Square(area, 0.005, start, start.AddHours(1)));
        var implicitId = first.SubscriptionId;
        var read = (await dss.GetAsync(SubscriptionPath(implicitId), "uss1")).Object["subscription"]!;
        Assert.True(read["implicit_subscription"]!.GetValue<bool>());
        Assert.Equal([first.Id.ToString()], Ids(read["dependent_operational_intents"], element: true));

        var second = await FileIntentAsync("uss1", DssDeployment.Square(north, 0.005, start.AddHours(1), start.AddHours(3)), key: [first.Ovn], subscriptionId: implicitId);
        Assert.Equal(implicitId, second.SubscriptionId);
        read = (await dss.GetAsync(SubscriptionPath(implicitId), "uss1")).Object["subscription"]!;
        Assert.Equal(new[] { first.Id.ToString(), second.Id.ToString() }.Order(StringComparer.Ordinal), Ids(read["dependent_operational_intents"], element: true).Order(StringComparer.Ordinal));
        Assert.Equal(start, TimeOf(read["time_start"]));
        Assert.Equal(start.AddHours(3), TimeOf(read["time_end"]));
        var index = read["notification_index"]!.GetValue<long>();

        // It covers the second intent's volume, which the first's did not reach.
        var near = await FileIntentAsync("uss2", DssDeployment.Square(north, 0.005, start.AddHours(2), start.AddHours(3)), key: [second.Ovn]);
        Assert.Equal(index + 1, Notice(near.Reply, implicitId));
        Expect(HttpStatusCode.OK, await dss.DeleteAsync($"{IntentPath(near.Id)}/{near.Ovn}", "uss2"));

        Expect(HttpStatusCode.OK, await dss.DeleteAsync($"{IntentPath(first.Id)}/{first.Ovn}", "uss1"));
        var kept = await dss.GetAsync(SubscriptionPath(implicitId), "uss1");
        Expect(HttpStatusCode.OK, kept);
        Assert.Equal([second.Id.ToString()], Ids(kept.Object["subscription"]!["dependent_operational_intents"], element: true));

        Expect(HttpStatusCode.OK, await dss.DeleteAsync($"{IntentPath(second.Id)}/{second.Ovn}", "uss1"));
        Expect(HttpStatusCode.NotFound, await dss.GetAsync(SubscriptionPath(implicitId), "uss1"));
    }

    [Fact]
    public async Task MovingAnIntentMovesItsImplicitSubscription()
    {
        var before = DssDeployment.Area();
        var after = DssDeployment.Area();
        var start = Soon();
        var intent = await FileIntentAsync("uss1", DssDeployment.Square(before, 0.01, start, start.AddHours(1)));

        var moved = await dss.PutAsync($"{IntentPath(intent.Id)}/{intent.Ovn}", "uss1",
            DssDeployment.Intent(DssDeployment.Square(after, 0.01, start, start.AddHours(1)), subscriptionId: intent.SubscriptionId));
        Expect(HttpStatusCode.OK, moved);
        Assert.Equal(intent.SubscriptionId, moved.Object["operational_intent_reference"]!["subscription_id"]!.ToString());
        var index = await IndexAsync("uss1", intent.SubscriptionId);

        var inOldArea = await FileIntentAsync("uss2", DssDeployment.Square(before, 0.01, start, start.AddHours(1)));
        Assert.Null(Notice(inOldArea.Reply, intent.SubscriptionId));
        Assert.Equal(index, await IndexAsync("uss1", intent.SubscriptionId));

        var inNewArea = await FileIntentAsync("uss2", DssDeployment.Square(after, 0.01, start, start.AddHours(1)),
            key: [moved.Object["operational_intent_reference"]!["ovn"]!.ToString()]);
        Assert.Equal(index + 1, Notice(inNewArea.Reply, intent.SubscriptionId));
        Assert.Equal(index + 1, await IndexAsync("uss1", intent.SubscriptionId));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /// <summary>An operational intent filed through the DSS: its id, the answer, its OVN and its subscription.</summary>
    private sealed record Filed(Guid Id, Reply Reply, string Ovn, string SubscriptionId);

    /// <summary>Ten minutes from now, in whole seconds (so that it survives the wire's millisecond precision).</summary>
    private static DateTimeOffset Soon() => DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 600);

    private static string SubscriptionPath(Guid id) => $"/dss/v1/subscriptions/{id}";

    private static string SubscriptionPath(string id) => $"/dss/v1/subscriptions/{id}";

    private static string IntentPath(Guid id) => $"/dss/v1/operational_intent_references/{id}";

    private static JsonObject Subscription(JsonObject extents, bool intents = true, bool constraints = false, string url = Url) => new()
    {
        ["extents"] = extents.DeepClone(),
        ["uss_base_url"] = url,
        ["notify_for_operational_intents"] = intents,
        ["notify_for_constraints"] = constraints,
    };

    private static JsonObject ConstraintBody(JsonObject extent) => new()
    {
        ["extents"] = new JsonArray(extent.DeepClone()),
        ["uss_base_url"] = "https://uss3.example.com/utm",
    };

    private async Task<JsonObject> CreateSubscriptionAsync(string uss, JsonObject body)
    {
        var reply = await dss.PutAsync(SubscriptionPath(Guid.NewGuid()), uss, body);
        Expect(HttpStatusCode.OK, reply);
        return reply.Object["subscription"]!.AsObject();
    }

    private async Task<Filed> FileIntentAsync(string uss, JsonObject extent, IEnumerable<string>? key = null, string? subscriptionId = null)
    {
        var id = Guid.NewGuid();
        var reply = await dss.PutAsync(IntentPath(id), uss, DssDeployment.Intent(extent, key: key, subscriptionId: subscriptionId));
        Expect(HttpStatusCode.Created, reply);
        var reference = reply.Object["operational_intent_reference"]!;
        return new Filed(id, reply, reference["ovn"]!.ToString(), reference["subscription_id"]!.ToString());
    }

    private async Task<Filed> CreateConstraintAsync(string uss, JsonObject extent)
    {
        var id = Guid.NewGuid();
        var reply = await dss.PutAsync($"/dss/v1/constraint_references/{id}", uss, ConstraintBody(extent));
        Expect(HttpStatusCode.Created, reply);
        return new Filed(id, reply, reply.Object["constraint_reference"]!["ovn"]!.ToString(), "");
    }

    private async Task<long> IndexAsync(string uss, string subscriptionId)
    {
        var reply = await dss.GetAsync(SubscriptionPath(subscriptionId), uss);
        Expect(HttpStatusCode.OK, reply);
        return reply.Object["subscription"]!["notification_index"]!.GetValue<long>();
    }

    /// <summary>The notification index a mutation's <c>subscribers</c> give for a subscription, or null when not listed.</summary>
    private static long? Notice(Reply mutation, string subscriptionId)
    {
        var states = mutation.Object["subscribers"]!.AsArray()
            .SelectMany(s => s!["subscriptions"]!.AsArray())
            .Where(s => s!["subscription_id"]!.ToString() == subscriptionId)
            .Select(s => s!["notification_index"]!.GetValue<long>())
            .ToList();
        return states.Count switch
        {
            0 => null,
            1 => states[0],
            _ => throw new Xunit.Sdk.XunitException($"subscription {subscriptionId} is listed {states.Count} times: {mutation.Text}"),
        };
    }

    /// <summary>The ids of an array of entities (or, with <paramref name="element"/>, of an array of ids).</summary>
    private static string[] Ids(JsonNode? array, bool element = false) =>
        [.. array!.AsArray().Select(e => element ? e!.ToString() : e!["id"]!.ToString())];

    private static DateTimeOffset TimeOf(JsonNode? time) =>
        DateTimeOffset.Parse(time!["value"]!.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);

    private static void Expect(HttpStatusCode expected, Reply reply) =>
        Assert.True(reply.Status == expected, $"expected {(int)expected}, got {reply}");
}
