using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Hotline.Ledger;
using static Hotline.Server.Tests.DssReferenceChecks;

namespace Hotline.Server.Tests;

/// <summary>
/// One airspace behind two APIs: native filings and F3548 operational intents deconflict against each other (native
/// parties acknowledge by version, USSs by OVN), F3548 queries show native filings under the party's name, and every
/// DSS write is in the same transparency log, vouched for by the server and accepted by the auditor.
/// </summary>
public sealed class DssOneAirspaceTests(DssDeployment dss) : IClassFixture<DssDeployment>
{
    private const string NativeBaseUrl = "https://native.hotline.invalid";

    private static DateTimeOffset Soon => DateTimeOffset.UtcNow.AddMinutes(10);

    [Fact]
    public async Task ANativeFilingOverAnF3548IntentIsRefusedUnlessItAcknowledgesIt()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var intent = CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss2", DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1)))));
        var native = dss.Parties["uss1"];
        var filing = Sky.Filing(NativeExtent(area, 0.005, start.AddMinutes(30), start.AddHours(2)));

        var refused = await dss.Client.PostAsync("/v1/reservations", native.Token, filing);

        var conflict = Assert.Single(Sky.AssertProblem(refused, HttpStatusCode.Conflict)["conflicts"]!.AsArray())!;
        Assert.Equal(intent["id"]!.ToString(), conflict["otherId"]!.ToString());
        Assert.Equal(1, (long)conflict["otherVersion"]!);
        Assert.Equal(dss.Parties["uss2"].Id, (int)conflict["otherOwner"]!);
        Assert.Equal("Reservation", conflict["otherKind"]!.ToString());
        var filed = await dss.Client.FileAcceptedAsync(native, Sky.Filing(NativeExtent(area, 0.005, start.AddMinutes(30), start.AddHours(2)), acknowledge: (intent["id"]!.ToString(), 1)));
        Assert.Equal("Accepted", filed["state"]!.ToString());
    }

    [Fact]
    public async Task AnF3548IntentOverANativeReservationNeedsTheOvnThatTheNativeViewShowsItsOwner()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var native = dss.Parties["uss1"];
        var filed = await dss.Client.FileAcceptedAsync(native, Sky.Filing(NativeExtent(area, 0.005, start, start.AddHours(1))));
        var nativeId = filed["id"]!.ToString();
        var body = DssDeployment.Intent(DssDeployment.Square(area, 0.01, start.AddMinutes(30), start.AddHours(2)));
        var id = Guid.NewGuid();

        var refused = Expect(await dss.PutAsync($"{Intents}/{id}", "uss2", body), HttpStatusCode.Conflict);

        var missing = Assert.Single(refused["missing_operational_intents"]!.AsArray())!.AsObject();
        HasExactly(missing, IntentMembers);
        Assert.Equal(nativeId, missing["id"]!.ToString());
        Assert.Equal("uss1", missing["manager"]!.ToString());
        Assert.Equal(NoOvn, missing["ovn"]!.ToString());
        Assert.Equal($"{NativeBaseUrl}/uss1", missing["uss_base_url"]!.ToString());

        // The native view shows the owner its OVN (and no one else), the same as the DSS shows it as the manager.
        var ownView = await dss.Client.GetAsync($"/v1/reservations/{nativeId}", native.Token);
        var othersView = await dss.Client.GetAsync($"/v1/reservations/{nativeId}", dss.Parties["uss2"].Token);
        var asManager = Expect(await dss.GetAsync($"{Intents}/{nativeId}", "uss1"), HttpStatusCode.OK)["operational_intent_reference"]!;
        var ovn = ownView["ovn"];
        Assert.Equal(filed["ovn"]!.ToString(), ovn);
        Assert.Equal(asManager["ovn"]!.ToString(), ovn);
        Assert.Equal(HttpStatusCode.OK, othersView.Status);
        Assert.False(othersView.Object.ContainsKey("ovn"), $"another party does not see the OVN: {othersView}");
        body["key"] = new JsonArray(ovn);
        CreatedIntent(await dss.PutAsync($"{Intents}/{id}", "uss2", body));
    }

    [Fact]
    public async Task ANativeAmendmentGivesTheReservationANewOvnThatKeysMustThenHold()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var native = dss.Parties["uss3"];
        var extent = NativeExtent(area, 0.005, start, start.AddHours(1));
        var filed = await dss.Client.FileAcceptedAsync(native, Sky.Filing(extent.DeepClone().AsObject()));
        var nativeId = filed["id"]!.ToString();
        var before = Expect(await dss.GetAsync($"{Intents}/{nativeId}", "uss3"), HttpStatusCode.OK)["operational_intent_reference"]!["ovn"]!.ToString();
        var amend = Sky.Filing(extent.DeepClone().AsObject(), callSign: "AMENDED");
        amend["version"] = 1;
        Assert.Equal(HttpStatusCode.OK, (await dss.Client.PutAsync($"/v1/reservations/{nativeId}", native.Token, amend)).Status);
        var after = Expect(await dss.GetAsync($"{Intents}/{nativeId}", "uss3"), HttpStatusCode.OK)["operational_intent_reference"]!;

        var stale = await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1", DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1)), key: [before]));

        Assert.Equal(2, after["version"]!.GetValue<long>());
        Assert.NotEqual(before, after["ovn"]!.ToString());
        Assert.Equal(nativeId, Assert.Single(Expect(stale, HttpStatusCode.Conflict)["missing_operational_intents"]!.AsArray())!["id"]!.ToString());
        CreatedIntent(await dss.PutAsync($"{Intents}/{Guid.NewGuid()}", "uss1",
            DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1)), key: [after["ovn"]!.ToString()])));
    }

    [Fact]
    public async Task AQueryShowsNativeReservationsAsReferencesManagedByThePartysName()
    {
        var area = DssDeployment.Area();
        var start = Ms(Soon);
        var native = dss.Parties["uss3"];
        var filed = await dss.Client.FileAcceptedAsync(native, Sky.Filing(NativeExtent(area, 0.005, start, start.AddHours(1))));
        var query = DssDeployment.Query(DssDeployment.Square(area, 0.05, start, start.AddHours(2)));

        var seen = Expect(await dss.PostAsync($"{Intents}/query", "uss1", query), HttpStatusCode.OK)["operational_intent_references"]!.AsArray();
        var own = Expect(await dss.PostAsync($"{Intents}/query", "uss3", query), HttpStatusCode.OK)["operational_intent_references"]!.AsArray();

        var reference = Assert.Single(seen)!.AsObject();
        HasExactly(reference, IntentMembers);
        Assert.Equal(filed["id"]!.ToString(), reference["id"]!.ToString());
        Assert.Equal("uss3", reference["manager"]!.ToString());
        Assert.Equal("Accepted", reference["state"]!.ToString());
        Assert.Equal(1, reference["version"]!.GetValue<long>());
        Assert.Equal(NoOvn, reference["ovn"]!.ToString());
        Assert.Equal($"{NativeBaseUrl}/uss3", reference["uss_base_url"]!.ToString());
        Assert.Equal(Ms(start), Time(reference["time_start"]));
        Assert.Equal(Ms(start.AddHours(1)), Time(reference["time_end"]));
        Assert.Matches(DssReferenceChecks.GeneratedOvn, Assert.Single(own)!["ovn"]!.ToString());
    }

    [Fact]
    public async Task ANativeConstraintIsAConstraintReferenceManagedByThePartysName()
    {
        var area = DssDeployment.Area();
        var start = Soon;
        var created = await dss.Client.PostAsync("/v1/constraints", dss.Parties["uss2"].Token,
            new JsonObject { ["extents"] = new JsonArray(NativeExtent(area, 0.005, start, start.AddHours(1), 0, 1000)) });
        Assert.Equal(HttpStatusCode.Created, created.Status);

        var found = Expect(await dss.PostAsync($"{Constraints}/query", "uss1", DssDeployment.Query(DssDeployment.Square(area, 0.05, start, start.AddHours(2)))), HttpStatusCode.OK);

        var reference = Assert.Single(found["constraint_references"]!.AsArray())!.AsObject();
        HasExactly(reference, ConstraintMembers);
        Assert.Equal(created["id"], reference["id"]!.ToString());
        Assert.Equal("uss2", reference["manager"]!.ToString());
        Assert.Equal(NoOvn, reference["ovn"]!.ToString());
        Assert.Equal($"{NativeBaseUrl}/uss2", reference["uss_base_url"]!.ToString());
    }

    [Fact]
    public async Task ADssWriteIsLoggedAsTheUsssPartyWithItsDssTargetAndTheWholeLogAudits()
    {
        var start = Soon;
        var id = Guid.NewGuid();
        var target = $"{Intents}/{id}";
        var body = DssDeployment.Intent(DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1))).ToJsonString();

        var reply = await dss.SendRawAsync(HttpMethod.Put, target, dss.Token("uss1"), body);

        var created = CreatedIntent(reply);
        var index = LogIndex(reply);
        var deleted = await dss.DeleteAsync($"{target}/{created["ovn"]}", "uss1");
        Expect(deleted, HttpStatusCode.OK);
        var http = dss.Client.Http;
        var key = await LogProbe.KeyAsync(http);
        var (checkpoint, _, note) = await LogProbe.WaitForSizeAsync(http, key, LogIndex(deleted) + 1);

        var entry = LogEntry.Decode(await LogProbe.EntryAsync(http, index, checkpoint.Size));
        var operatorKey = LogEntry.Decode(await LogProbe.EntryAsync(http, 0, checkpoint.Size)).PublicKey!;
        Assert.Equal(dss.Parties["uss1"].Id, entry.Party);
        Assert.Equal(EntryKinds.ReservationFiled, entry.Kind);
        Assert.Equal(id.ToString(), entry.Subject);
        Assert.Equal(1, entry.Version);
        Assert.Equal("PUT", entry.Request.Method);
        Assert.Equal(target, entry.Request.Target);
        // Vouched: the USS authenticated by token, the server signed for it with the operator's key.
        Assert.Equal(operatorKey.KeyId, entry.Request.KeyId);
        Assert.True(entry.Request.VerifiesWith(operatorKey));
        Assert.Equal(new Hash(SHA256.HashData(Encoding.UTF8.GetBytes(body))), entry.Request.BodyDigest);
        var ended = LogEntry.Decode(await LogProbe.EntryAsync(http, LogIndex(deleted), checkpoint.Size));
        Assert.Equal((EntryKinds.ReservationEnded, "DELETE", $"{target}/{created["ovn"]}"), (ended.Kind, ended.Request.Method, ended.Request.Target));

        // The sender (as its native party) reads back the exact body.
        var sent = await dss.Client.GetAsync($"/v1/log/requests/{index}", dss.Parties["uss1"].Token);
        Assert.Equal(HttpStatusCode.OK, sent.Status);
        Assert.Equal(body, sent.Text);

        // The auditor, trusting only the log key, accepts the whole log, vouched DSS entries included.
        var tiles = new Dictionary<string, byte[]>();
        foreach (var tile in TreeTiles.EntryBundles(checkpoint.Size).Concat(TreeTiles.HashTiles(checkpoint.Size)))
        {
            tiles[tile.ToString()] = await LogProbe.GetBytesAsync(http, $"/log/{tile}");
        }

        var report = LogAuditor.Audit(new AuditInput([key], note, tile => tiles.GetValueOrDefault(tile.ToString())));
        Assert.True(report.IsClean, string.Join("\n", report.Errors));
        Assert.True(report.HotlineEntries);
        Assert.Equal(checkpoint.Size, report.Entries);
    }

    /// <summary>A native extent over the same square as <see cref="DssDeployment.Square"/> with the same centre and half side.</summary>
    private static JsonObject NativeExtent((double Lat, double Lng) centre, double h, DateTimeOffset start, DateTimeOffset end, double lower = 0, double upper = 120) =>
        Sky.Extent(
            Sky.Polygon((centre.Lng - h, centre.Lat - h), (centre.Lng + h, centre.Lat - h), (centre.Lng + h, centre.Lat + h), (centre.Lng - h, centre.Lat + h)),
            lower, upper, start, end);
}
