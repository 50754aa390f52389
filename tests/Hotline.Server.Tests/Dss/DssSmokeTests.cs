using System.Net;

namespace Hotline.Server.Tests;

/// <summary>The F3548 walk a USS makes first: plan, be refused for a key, plan with the key, activate, delete.</summary>
public sealed class DssSmokeTests(DssDeployment dss) : IClassFixture<DssDeployment>
{
    [Fact]
    public async Task APlanIsRefusedWithoutTheOtherUsssOvnAndAcceptedWithIt()
    {
        var area = DssDeployment.Area();
        var start = DateTimeOffset.UtcNow.AddMinutes(10);
        var extent = DssDeployment.Square(area, 0.01, start, start.AddHours(1));
        var first = Guid.NewGuid();
        var created = await dss.PutAsync($"/dss/v1/operational_intent_references/{first}", "uss1", DssDeployment.Intent(extent));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var reference = created.Object["operational_intent_reference"]!.AsObject();
        Assert.Equal("uss1", reference["manager"]!.ToString());
        Assert.Equal("Accepted", reference["state"]!.ToString());
        Assert.Equal(1, reference["version"]!.GetValue<long>());
        var ovn = reference["ovn"]!.ToString();
        Assert.Matches(DssReferenceChecks.GeneratedOvn, ovn);
        Assert.NotNull(created.Headers.GetValues("Hotline-Log-Index").Single());

        // Another USS sees the reference without its OVN.
        var seen = await dss.GetAsync($"/dss/v1/operational_intent_references/{first}", "uss2");
        Assert.Equal(HttpStatusCode.OK, seen.Status);
        Assert.Equal("Available from USS", seen.Object["operational_intent_reference"]!["ovn"]!.ToString());

        // uss2 plans over it without the key: 409 listing the missing intent.
        var second = Guid.NewGuid();
        var refused = await dss.PutAsync($"/dss/v1/operational_intent_references/{second}", "uss2", DssDeployment.Intent(extent));
        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        var missing = refused.Object["missing_operational_intents"]!.AsArray();
        Assert.Equal(first.ToString(), Assert.Single(missing)!["id"]!.ToString());
        Assert.Equal("Available from USS", missing[0]!["ovn"]!.ToString());

        // With the OVN (obtained from uss1) in its key, it is accepted.
        var accepted = await dss.PutAsync($"/dss/v1/operational_intent_references/{second}", "uss2", DssDeployment.Intent(extent, key: [ovn]));
        Assert.Equal(HttpStatusCode.Created, accepted.Status);

        // uss1 activates at its OVN, now needing uss2's OVN; the response lists uss2's implicit subscription to notify.
        var ovn2 = accepted.Object["operational_intent_reference"]!["ovn"]!.ToString();
        var activated = await dss.PutAsync($"/dss/v1/operational_intent_references/{first}/{ovn}", "uss1", DssDeployment.Intent(extent, "Activated", key: [ovn2]));
        Assert.Equal(HttpStatusCode.OK, activated.Status);
        var subscribers = activated.Object["subscribers"]!.AsArray();
        Assert.NotEmpty(subscribers);
        var newOvn = activated.Object["operational_intent_reference"]!["ovn"]!.ToString();
        Assert.NotEqual(ovn, newOvn);

        // The old OVN no longer works; the new one deletes it.
        Assert.Equal(HttpStatusCode.Conflict, (await dss.DeleteAsync($"/dss/v1/operational_intent_references/{first}/{ovn}", "uss1")).Status);
        var deleted = await dss.DeleteAsync($"/dss/v1/operational_intent_references/{first}/{newOvn}", "uss1");
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        // uss2's implicit subscription is to be notified; uss1's own, deleted with its last intent, is not listed.
        var notified = deleted.Object["subscribers"]!.AsArray().SelectMany(s => s!["subscriptions"]!.AsArray()).Select(s => s!["subscription_id"]!.ToString()).ToList();
        Assert.Contains(accepted.Object["operational_intent_reference"]!["subscription_id"]!.ToString(), notified);
        var ownSubscription = activated.Object["operational_intent_reference"]!["subscription_id"]!.ToString();
        Assert.DoesNotContain(ownSubscription, notified);
        Assert.Equal(HttpStatusCode.NotFound, (await dss.GetAsync($"/dss/v1/subscriptions/{ownSubscription}", "uss1")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await dss.GetAsync($"/dss/v1/operational_intent_references/{first}", "uss1")).Status);
    }

    [Fact]
    public async Task AQueryFindsTheIntentsInTheAreaOfInterest()
    {
        var area = DssDeployment.Area();
        var start = DateTimeOffset.UtcNow.AddMinutes(10);
        var id = Guid.NewGuid();
        Assert.Equal(HttpStatusCode.Created, (await dss.PutAsync($"/dss/v1/operational_intent_references/{id}", "uss3",
            DssDeployment.Intent(DssDeployment.Circle(area, 500, start, start.AddHours(1))))).Status);
        var found = await dss.PostAsync("/dss/v1/operational_intent_references/query", "uss1",
            DssDeployment.Query(DssDeployment.Square(area, 0.05, start, start.AddHours(2))));
        Assert.Equal(HttpStatusCode.OK, found.Status);
        Assert.Contains(found.Object["operational_intent_references"]!.AsArray(), r => r!["id"]!.ToString() == id.ToString());
    }
}
