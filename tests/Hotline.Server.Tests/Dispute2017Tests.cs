using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Hotline.Ledger;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

/// <summary>
/// The 2017 dispute, end to end: two sides share an airspace, meet in it, settle it on the line, an emergency goes
/// unanswered, a target's coordinates are held back, one side suspends and resumes, and afterwards every step can be
/// proved from the public log, and the claim "target coordinates were received via the hotline" can be refuted.
/// </summary>
public sealed class Dispute2017Tests
{
    private const string Origin = "dispute-2017.test/hotline";

    [Fact]
    public async Task TheDisputeIsSettledOnTheLineAndEveryStepIsProvableFromTheLog()
    {
        await using var line = await LineServer.StartAsync(
            clock: LineServer.NewClock(),
            settings: LogProbe.Settings(Origin, "--Hotline:Line:EmergencyDeadlineSeconds", "60"));
        var http = line.Http;
        // Every acknowledged step, with the log entry it must have become.
        var steps = new List<(string Step, long Index, Hash Leaf, string Kind, int Party)>();
        void Recorded(string step, Reply reply, string kind, int party)
        {
            Assert.True(reply.Status is HttpStatusCode.OK or HttpStatusCode.Created, $"{step}: {reply}");
            var (index, leaf) = LogProbe.Receipt(reply);
            steps.Add((step, index, leaf, kind, party));
        }

        // The coalition and the Russian MoD join the deconfliction line (2015 memorandum).
        var coalition = await line.NewPartyAsync("coalition");
        var ruMod = await line.NewPartyAsync("ru-mod");
        var corner = NextArea();

        // The coalition files a reservation low over the area.
        var coalitionFiling = await line.Client.PostAsync("/v1/reservations", coalition.Token, Filing(Extent(Square(corner), 0, 120)));
        Recorded("coalition files", coalitionFiling, EntryKinds.ReservationFiled, coalition.Id);
        var coalitionReservation = coalitionFiling.Object;

        // Ru-mod files over the same area, overlapping in altitude, acknowledging the coalition's reservation: accepted
        // with the conflict, and both sides are told where and when they meet.
        var ruFiling = await line.Client.PostAsync(
            "/v1/reservations", ruMod.Token, Filing(Extent(Square(corner), 60, 200), acknowledge: (coalitionReservation["id"]!.ToString(), 1)));
        Recorded("ru-mod files with acknowledgement", ruFiling, EntryKinds.ReservationFiled, ruMod.Id);
        var ruReservation = ruFiling.Object;
        var conflictForCoalition = Assert.Single(await line.EventsAsync(coalition.Token), e => e["kind"]!.ToString() == "Conflict");
        var conflictForRu = Assert.Single(await line.EventsAsync(ruMod.Token), e => e["kind"]!.ToString() == "Conflict");
        Assert.Equal(ruMod.Id, (int)conflictForCoalition["party"]!);
        Assert.Equal(coalition.Id, (int)conflictForRu["party"]!);
        Assert.Equal(60, conflictForRu["conflict"]!["region"]!["altitude"]!["lower"]!.GetValue<double>());
        Assert.Equal(120, conflictForRu["conflict"]!["region"]!["altitude"]!["upper"]!.GetValue<double>());
        Assert.NotEmpty(await OpenConflictsBetweenAsync(line, ruMod, coalition));

        // The coalition asks ru-mod to climb clear of it: a deconfliction request about ru-mod's reservation, with a
        // proposal (200–300 m).
        var request = await line.SendAsync(coalition.Token, Line.Message(
            "DeconflictionRequest", ruMod.Id, about: ruReservation["id"], text: "please climb clear of us",
            proposal: Line.Proposal(ruReservation["id"]!, 1, Extent(Square(corner), 200, 300))));
        Recorded("coalition requests deconfliction", request, EntryKinds.LineDeconflictionRequest, coalition.Id);

        // Ru-mod counter-proposes: it will move its own band higher still (400–500 m).
        var counter = await line.SendAsync(ruMod.Token, Line.Message(
            "DeconflictionResponse", inReplyTo: request.Object["id"], decision: "Counter", text: "we prefer higher",
            proposal: Line.Proposal(ruReservation["id"]!, 1, Extent(Square(corner), 400, 500))));
        Recorded("ru-mod counter-proposes", counter, EntryKinds.LineDeconflictionResponse, ruMod.Id);
        Assert.Equal(coalition.Id, (int)counter.Object["to"]!);

        // The coalition accepts: in the same decision ru-mod's reservation is amended (version 2, the new band),
        // recorded as an amendment signed by ru-mod (its counter-proposal), and both sides are told.
        var accept = await line.SendAsync(coalition.Token, Line.Message("DeconflictionResponse", inReplyTo: counter.Object["id"], decision: "Accept"));
        Recorded("coalition accepts", accept, EntryKinds.LineDeconflictionResponse, coalition.Id);
        var amendment = await line.EntryAsync(steps[^1].Index - 1);
        Assert.Equal((EntryKinds.ReservationAmended, ruMod.Id, ruReservation["id"]!.ToString(), 2L), (amendment.Kind, amendment.Party, amendment.Subject, amendment.Version));
        Assert.True(amendment.Request.VerifiesWith(ruMod.Key.PublicKey), "the amendment is authorised by ru-mod's own signed counter-proposal");
        var amended = (await line.Client.GetAsync($"/v1/reservations/{ruReservation["id"]}", coalition.Token)).Object;
        Assert.Equal(2, (int)amended["version"]!);
        Assert.Equal(400, amended["extents"]![0]!["altitude"]!["lower"]!.GetValue<double>());
        Assert.Equal(500, amended["extents"]![0]!["altitude"]!["upper"]!.GetValue<double>());
        foreach (var side in new[] { coalition, ruMod })
        {
            var told = Assert.Single(await line.EventsAsync(side.Token), e => e["kind"]!.ToString() == "Amended");
            Assert.Equal((ruReservation["id"]!.ToString(), 2L), (told["reservationId"]!.ToString(), told["version"]!.GetValue<long>()));
        }

        Assert.Empty(await OpenConflictsBetweenAsync(line, ruMod, coalition));
        Assert.Empty(await OpenConflictsBetweenAsync(line, coalition, ruMod));
        Assert.Equal(accept.Object["id"]!.ToString(), (await line.MessageAsync(ruMod.Token, counter.Object["id"]!))["answeredBy"]?.ToString());
        Assert.Equal(counter.Object["id"]!.ToString(), (await line.MessageAsync(coalition.Token, request.Object["id"]!))["answeredBy"]?.ToString());

        // The coalition declares an emergency to ru-mod, which does not acknowledge it: a minute later it escalates,
        // both sides are told, and the escalation is recorded by the server.
        var emergency = await line.SendAsync(coalition.Token, Line.Emergency(ruMod.Id, corner.Lat + 0.005, corner.Lng + 0.005, "aircraft down, crew needs evacuation"));
        Recorded("coalition declares an emergency", emergency, EntryKinds.LineEmergency, coalition.Id);
        await line.PassAsync(TimeSpan.FromSeconds(61));
        var escalated = await line.MessageAsync(coalition.Token, emergency.Object["id"]!);
        Assert.Equal(("Flash", 1), (escalated["priority"]!.ToString(), (int)escalated["escalations"]!));
        Assert.Single(await line.EventsAsync(ruMod.Token), e => e["kind"]!.ToString() == "Escalation");
        Assert.Single(await line.EventsAsync(coalition.Token), e => e["kind"]!.ToString() == "Escalation");
        var entries = await line.EntriesAsync();
        var escalationIndex = entries.FindIndex(e => e.Kind == EntryKinds.LineEscalated && e.Subject == emergency.Object["id"]!.ToString());
        Assert.True(escalationIndex >= 0, "the escalation is in the log");
        steps.Add(("the emergency escalates", escalationIndex, Rfc9162.LeafHash((await line.Airspace.ReadLogEntriesAsync(escalationIndex, 1, CancellationToken.None))[0]), EntryKinds.LineEscalated, LogEntry.OperatorParty));

        // The coalition tries to pass a target's coordinates as free text: the line refuses it, and nothing is sent.
        var target = await line.SendAsync(coalition.Token, Line.Text(ruMod.Id, "target at 35.9312, 36.6314"));
        AssertInvalid(target, "text", "decimal degrees");
        Assert.False(target.Headers.Contains("Hotline-Log-Index"));
        Assert.DoesNotContain(await line.EventsAsync(ruMod.Token), e => e["message"]?["text"]?.ToString()?.Contains("35.9312", StringComparison.Ordinal) == true);

        // Ru-mod suspends its participation, stating why; the coalition is told. Then it resumes.
        var suspend = await line.Client.PostAsync("/v1/line/suspend", ruMod.Token, new JsonObject { ["reason"] = "memorandum suspended, April 2017" });
        Recorded("ru-mod suspends", suspend, EntryKinds.LineSuspended, ruMod.Id);
        Assert.Equal("memorandum suspended, April 2017", (await line.StandingAsync(coalition.Token, ruMod.Id))["reason"]?.ToString());
        AssertProblem(await line.SendAsync(coalition.Token, Line.Text(ruMod.Id, "are you there?")), HttpStatusCode.Forbidden);
        var resume = await line.Client.PostAsync("/v1/line/resume", ruMod.Token, null);
        Recorded("ru-mod resumes", resume, EntryKinds.LineResumed, ruMod.Id);
        Assert.Equal(["Suspended", "Resumed"], (await line.EventsAsync(coalition.Token)).Where(e => (int?)e["party"] == ruMod.Id && e["kind"]!.ToString() is "Suspended" or "Resumed").Select(e => e["kind"]!.ToString()));

        // Afterwards: every step is in the public log and provable against a signed checkpoint, with the log's key
        // as the deployment publishes it (data/log.pub).
        var key = NoteVerifier.Parse((await File.ReadAllTextAsync(Path.Combine(line.DataDirectory, "log.pub"))).Trim());
        var newest = steps.Max(s => s.Index);
        var size = await WaitForCheckpointAsync(line, key, newest + 1);
        foreach (var (step, index, leaf, kind, party) in steps)
        {
            var bytes = await LogProbe.EntryAsync(http, index, size);
            var entry = LogEntry.Decode(bytes);
            Assert.True(entry.Kind == kind && entry.Party == party, $"{step}: entry {index} is {entry.Kind} by {entry.Party}, expected {kind} by {party}");
            Assert.Equal(leaf, Rfc9162.LeafHash(bytes));
            var proof = TlogProof.Parse(Encoding.UTF8.GetString(await LogProbe.GetBytesAsync(http, $"/log/proof/{index}")));
            var (checkpoint, _) = proof.Verify(leaf, [key], MerkleProofs.VerifyInclusion);
            Assert.Equal(Origin, checkpoint.Origin);
            Assert.Throws<ProofException>(() => proof.Verify(Rfc9162.LeafHash(Encoding.UTF8.GetBytes(step)), [key], MerkleProofs.VerifyInclusion));
        }

        // And the claim "target coordinates were received via the hotline" is refutable from the same log: no entry
        // from the coalition carries a location disclosure (every line entry of the coalition is read and checked).
        var coalitionEntries = new List<LogEntry>();
        for (var index = 0L; index < size; index++)
        {
            var entry = LogEntry.Decode(await LogProbe.EntryAsync(http, index, size));
            if (entry.Party == coalition.Id)
            {
                coalitionEntries.Add(entry);
            }
        }

        Assert.Contains(coalitionEntries, e => e.Kind == EntryKinds.LineEmergency);
        Assert.DoesNotContain(coalitionEntries, e => e.Kind.EndsWith(EntryKinds.LocationDisclosedSuffix, StringComparison.Ordinal));
    }

    /// <summary>Open conflicts of <paramref name="party"/>'s reservations with <paramref name="other"/>'s.</summary>
    private static async Task<List<JsonNode?>> OpenConflictsBetweenAsync(LineServer line, TestParty party, TestParty other)
    {
        var reply = await line.Client.GetAsync("/v1/conflicts", party.Token);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        return [.. reply.Array.Where(c => (int)c!["otherOwner"]! == other.Id)];
    }

    /// <summary>Waits for a checkpoint of at least <paramref name="size"/>, moving the fake clock so the log publisher's
    /// timer fires (a little at a time: the emergency's next deadline is far off).</summary>
    private static async Task<long> WaitForCheckpointAsync(LineServer line, NoteVerifier key, long size)
    {
        var deadline = DateTimeOffset.UtcNow + LogProbe.Patience;
        while (true)
        {
            line.Clock!.Advance(TimeSpan.FromSeconds(0.25));
            var (checkpoint, _, _) = await LogProbe.CheckpointAsync(line.Http, key);
            if (checkpoint.Size >= size)
            {
                return checkpoint.Size;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"no checkpoint of size {size}; the last is {checkpoint.Size}");
            await Task.Delay(50);
        }
    }
}
