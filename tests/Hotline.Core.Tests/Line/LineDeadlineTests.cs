using Hotline.Geo;
using Hotline.Ledger;

namespace Hotline.Core.Tests.Line;

/// <summary>
/// Deadlines on a fake clock: unanswered messages escalate once per deadline period up to the limit, recorded and
/// signed by the server; missed line checks bring a line down once, and an answer brings it back up.
/// </summary>
public sealed class LineDeadlineTests : IAsyncLifetime
{
    private static readonly LineOptions Options = new()
    {
        DeconflictionDeadline = TimeSpan.FromMinutes(10),
        EmergencyDeadline = TimeSpan.FromMinutes(3),
        LineCheckDeadline = TimeSpan.FromSeconds(30),
        MissedChecksForDown = 3,
        MaxEscalations = 3,
    };

    private LineHarness _line = null!;
    private Principal _a = null!;
    private Principal _b = null!;

    private int A => _a.PartyId!.Value;

    private int B => _b.PartyId!.Value;

    public async Task InitializeAsync()
    {
        _line = await LineHarness.OpenAsync(Options);
        _a = await _line.PartyAsync("alpha");
        _b = await _line.PartyAsync("bravo");
    }

    public async Task DisposeAsync() => await _line.DisposeAsync();

    [Fact]
    public async Task NothingEscalatesBeforeTheDeadline()
    {
        var request = await RequestAsync();
        var size = _line.Airspace.Log.Size;
        var lastEvent = _line.Airspace.LastEventId;

        _line.Clock.Advance(Options.DeconflictionDeadline - TimeSpan.FromTicks(1));

        Assert.Equal(0, await ProcessAsync());
        Assert.Equal(new MessageStatus(request.Id, Priority.Routine, request.SentAt + Options.DeconflictionDeadline, null, null, 0), Status(request.Id));
        Assert.Equal(size, _line.Airspace.Log.Size);
        Assert.Equal(lastEvent, _line.Airspace.LastEventId);
    }

    [Fact]
    public async Task AnUnansweredRequestEscalatesOncePerDeadlineUntilMaxEscalations()
    {
        var request = await RequestAsync();
        var size = _line.Airspace.Log.Size;
        var lastEvent = _line.Airspace.LastEventId;

        // Exactly at the deadline: Routine → Urgent, and a new deadline.
        _line.Clock.Advance(Options.DeconflictionDeadline);
        Assert.Equal(1, await ProcessAsync());
        var now = _line.Clock.GetUtcNow();
        Assert.Equal(new MessageStatus(request.Id, Priority.Urgent, now + Options.DeconflictionDeadline, null, null, 1), Status(request.Id));

        // Once per period: not again at the same time, nor just before the new deadline.
        Assert.Equal(0, await ProcessAsync());
        _line.Clock.Advance(Options.DeconflictionDeadline - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await ProcessAsync());
        Assert.Equal(1, Status(request.Id).Escalations);

        // After it: Urgent → Flash.
        _line.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await ProcessAsync());
        Assert.Equal(Priority.Flash, Status(request.Id).Priority);
        Assert.Equal(2, Status(request.Id).Escalations);

        // The last escalation stays Flash and sets no new deadline.
        _line.Clock.Advance(Options.DeconflictionDeadline);
        Assert.Equal(1, await ProcessAsync());
        Assert.Equal(new MessageStatus(request.Id, Priority.Flash, null, null, null, 3), Status(request.Id));

        // And then it stops.
        _line.Clock.Advance(Options.DeconflictionDeadline * 5);
        Assert.Equal(0, await ProcessAsync());
        Assert.Equal(3, Status(request.Id).Escalations);

        // Three entries, signed by the server as the operator, one per escalation.
        var entries = await _line.EntriesAsync(size);
        Assert.Equal(3, entries.Count);
        Assert.All(entries, e =>
        {
            Assert.Equal(EntryKinds.LineEscalated, e.Kind);
            Assert.Equal(LogEntry.OperatorParty, e.Party);
            Assert.Equal(request.Id.ToString(), e.Subject);
            Assert.True(e.Request.VerifiesWith(_line.OperatorKey.PublicKey));
            Assert.False(e.Request.VerifiesWith(_line.PublicKey(A)));
        });
        Assert.Equal([1L, 2L, 3L], entries.Select(e => e.Version));

        // Each escalation is an event to the receiver and one to the sender.
        foreach (var party in new[] { A, B })
        {
            var escalations = (await _line.EventsAsync(party, lastEvent)).Where(e => e.Kind == LineEventKind.Escalation).ToList();
            Assert.Equal(3, escalations.Count);
            Assert.All(escalations, e => Assert.Equal(request.Id, e.MessageId));
            Assert.All(escalations, e => Assert.Equal(party, e.Recipient));
        }
    }

    [Fact]
    public async Task AClockJumpOverManyDeadlinesEscalatesOnlyOnce()
    {
        var request = await RequestAsync();

        _line.Clock.Advance(Options.DeconflictionDeadline * 10);

        Assert.Equal(1, await ProcessAsync());
        Assert.Equal(1, Status(request.Id).Escalations);
        Assert.Equal(0, await ProcessAsync());
    }

    [Fact]
    public async Task AnEmergencyAcknowledgedInTimeNeverEscalates()
    {
        var emergency = await SendOkAsync(_a, new MessageDraft(B, MessageType.Emergency, Emergency: new EmergencyInfo(new LatLng(36.0, 38.0), "fuel emergency, diverting")));
        Assert.Equal(Priority.Flash, Status(emergency.Id).Priority);
        Assert.Equal(emergency.SentAt + Options.EmergencyDeadline, Status(emergency.Id).Deadline);

        _line.Clock.Advance(Options.EmergencyDeadline - TimeSpan.FromSeconds(1));
        var ack = await SendOkAsync(_b, new MessageDraft(A, MessageType.Acknowledgement, InReplyTo: emergency.Id));
        var size = _line.Airspace.Log.Size;
        _line.Clock.Advance(Options.EmergencyDeadline * 10);

        Assert.Equal(0, await ProcessAsync());
        var status = Status(emergency.Id);
        Assert.Equal(ack.Id, status.AnsweredBy);
        Assert.Equal(0, status.Escalations);
        Assert.Equal(size, _line.Airspace.Log.Size);
    }

    [Fact]
    public async Task AnUnacknowledgedEmergencyEscalatesAtItsOwnDeadlineAndStaysFlash()
    {
        var emergency = await SendOkAsync(_a, new MessageDraft(null, MessageType.Emergency, Emergency: new EmergencyInfo(new LatLng(36.0, 38.0), "engine failure")));
        var lastEvent = _line.Airspace.LastEventId;

        _line.Clock.Advance(Options.EmergencyDeadline);

        Assert.Equal(1, await ProcessAsync());
        Assert.Equal(Priority.Flash, Status(emergency.Id).Priority);
        // To all: one escalation event, for everyone.
        var escalation = Assert.Single(await _line.EventsAsync(B, lastEvent));
        Assert.Equal(LineEventKind.Escalation, escalation.Kind);
        Assert.Null(escalation.Recipient);
    }

    [Fact]
    public async Task DeadlinesPerTypeFollowTheLineOptions()
    {
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        var request = await RequestAsync();
        var counter = await SendOkAsync(_a, new MessageDraft(null, MessageType.DeconflictionResponse, InReplyTo: request.Id, Decision: Decision.Counter,
            Proposal: new Proposal(ra.Id, ra.Version, [LineHarness.Volume(36.1, 38.1)])));
        var emergency = await SendOkAsync(_a, new MessageDraft(B, MessageType.Emergency, Emergency: new EmergencyInfo(new LatLng(36.0, 38.0), "medical evacuation")));
        var check = await SendOkAsync(Principal.Operator, new MessageDraft(B, MessageType.LineCheck));
        var notice = await SendOkAsync(_a, new MessageDraft(null, MessageType.Notice, Text: "exercise this afternoon"));
        var text = await SendOkAsync(_a, new MessageDraft(B, MessageType.FreeText, Text: "good morning"));
        var now = _line.Clock.GetUtcNow();

        Assert.Equal(now + Options.DeconflictionDeadline, Status(counter.Id).Deadline);
        Assert.Equal(now + Options.EmergencyDeadline, Status(emergency.Id).Deadline);
        Assert.Equal(now + Options.LineCheckDeadline, Status(check.Id).Deadline);
        Assert.Null(Status(notice.Id).Deadline);
        Assert.Null(Status(text.Id).Deadline);
        Assert.False(Status(request.Id).Open); // answered by the counter

        // Each comes due at its own deadline, and only then.
        _line.Clock.Advance(Options.LineCheckDeadline);
        Assert.Equal(1, await ProcessAsync());
        Assert.Equal(1, Standing(B).MissedChecks);
        Assert.Equal(0, Status(emergency.Id).Escalations);

        _line.Clock.Advance(Options.EmergencyDeadline - Options.LineCheckDeadline);
        Assert.Equal(1, await ProcessAsync());
        Assert.Equal(1, Status(emergency.Id).Escalations);
        Assert.Equal(0, Status(counter.Id).Escalations);
        await SendOkAsync(_b, new MessageDraft(A, MessageType.Acknowledgement, InReplyTo: emergency.Id));

        _line.Clock.Advance(Options.DeconflictionDeadline - Options.EmergencyDeadline);
        Assert.Equal(1, await ProcessAsync());
        Assert.Equal(1, Status(counter.Id).Escalations);
        Assert.Equal(0, Status(request.Id).Escalations);
    }

    [Fact]
    public void DefaultDeadlinesAreThoseOfTheDocumentation()
    {
        var defaults = new LineOptions();

        Assert.Equal(TimeSpan.FromMinutes(15), defaults.DeconflictionDeadline);
        Assert.Equal(TimeSpan.FromMinutes(2), defaults.EmergencyDeadline);
        Assert.Equal(TimeSpan.FromMinutes(1), defaults.LineCheckDeadline);
        Assert.Equal(2, defaults.MissedChecksForDown);
        Assert.Equal(3, defaults.MaxEscalations);
        Assert.Equal(DisclosurePolicy.RequireFlag, defaults.DisclosurePolicy);
    }

    [Fact]
    public async Task MissedLineChecksBringALineDownOnceAndAnAnswerBringsItBackUp()
    {
        var size = _line.Airspace.Log.Size;
        var lastEvent = _line.Airspace.LastEventId;

        // Missed checks count; below the threshold nothing is recorded and no one is told.
        for (var missed = 1; missed < Options.MissedChecksForDown; missed++)
        {
            var check = await MissCheckAsync(B);
            Assert.Equal(new LineStanding(B, false, null, false, missed), Standing(B));
            Assert.Equal(0, Status(check.Id).Escalations);
            Assert.False(Status(check.Id).Open);
        }

        Assert.DoesNotContain(await _line.EventsAsync(A, lastEvent), e => e.Kind == LineEventKind.LineDown);
        Assert.Equal(EntryKinds.LineCheck, Assert.Single((await _line.EntriesAsync(size)).Select(e => e.Kind).Distinct()));

        // The MissedChecksForDown-th marks it down: one event to all, one entry signed by the server.
        await MissCheckAsync(B);
        Assert.Equal(new LineStanding(B, false, null, true, Options.MissedChecksForDown), Standing(B));
        Assert.Equal(LineStanding.Initial(A), Standing(A));

        // Further misses count, but it is already down.
        await MissCheckAsync(B);
        Assert.Equal(Options.MissedChecksForDown + 1, Standing(B).MissedChecks);
        Assert.True(Standing(B).Down);

        var down = Assert.Single(await _line.EventsAsync(A, lastEvent), e => e.Kind == LineEventKind.LineDown);
        Assert.Null(down.Recipient);
        Assert.Equal(B, down.Party);
        var entry = Assert.Single(await _line.EntriesAsync(size), e => e.Kind == EntryKinds.LineDown);
        Assert.Equal(LogEntry.OperatorParty, entry.Party);
        Assert.Equal(B.ToString(System.Globalization.CultureInfo.InvariantCulture), entry.Subject);
        Assert.Equal(Options.MissedChecksForDown, entry.Version);
        Assert.True(entry.Request.VerifiesWith(_line.OperatorKey.PublicKey));
        Assert.DoesNotContain(await _line.EntriesAsync(size), e => e.Kind == EntryKinds.LineEscalated);

        // An answer in time resets the count and brings the line back up, for all to see.
        lastEvent = _line.Airspace.LastEventId;
        var next = await SendOkAsync(Principal.Operator, new MessageDraft(B, MessageType.LineCheck));
        var answer = await SendOkAsync(_b, new MessageDraft(LogEntry.OperatorParty, MessageType.LineCheckAnswer, InReplyTo: next.Id));
        Assert.Equal(LineStanding.Initial(B), Standing(B));
        Assert.Equal(answer.Id, Status(next.Id).AnsweredBy);
        var up = Assert.Single(await _line.EventsAsync(A, lastEvent), e => e.Kind == LineEventKind.LineUp);
        Assert.Null(up.Recipient);
        Assert.Equal(B, up.Party);
        _line.Clock.Advance(Options.LineCheckDeadline * 2);
        Assert.Equal(0, await ProcessAsync());
    }

    [Fact]
    public async Task AnAnsweredCheckResetsTheCountWithoutALineUpWhenTheLineWasNotDown()
    {
        await MissCheckAsync(B);
        Assert.Equal(1, Standing(B).MissedChecks);
        var lastEvent = _line.Airspace.LastEventId;

        var check = await SendOkAsync(Principal.Operator, new MessageDraft(B, MessageType.LineCheck));
        await SendOkAsync(_b, new MessageDraft(LogEntry.OperatorParty, MessageType.LineCheckAnswer, InReplyTo: check.Id));

        Assert.Equal(LineStanding.Initial(B), Standing(B));
        Assert.DoesNotContain(await _line.EventsAsync(A, lastEvent), e => e.Kind is LineEventKind.LineUp or LineEventKind.LineDown);
    }

    [Fact]
    public async Task ALateAnswerToAMissedCheckBringsTheLineBackUp()
    {
        Message? last = null;
        for (var i = 0; i < Options.MissedChecksForDown; i++)
        {
            last = await MissCheckAsync(B);
        }

        Assert.True(Standing(B).Down);

        await SendOkAsync(_b, new MessageDraft(LogEntry.OperatorParty, MessageType.LineCheckAnswer, InReplyTo: last!.Id));

        Assert.Equal(LineStanding.Initial(B), Standing(B));
    }

    [Fact]
    public async Task WithoutASystemKeyDeadlinesAreNotProcessed()
    {
        await using var line = await LineHarness.OpenAsync(Options, systemKey: false);
        var a = await line.PartyAsync("alpha");
        var b = await line.PartyAsync("bravo");
        var request = (await line.SendAsync(a, new MessageDraft(b.PartyId, MessageType.DeconflictionRequest, About: Guid.NewGuid(), Text: "please confirm"))).Value!;
        var check = (await line.SendAsync(Principal.Operator, new MessageDraft(b.PartyId, MessageType.LineCheck))).Value!;
        var size = line.Airspace.Log.Size;
        var lastEvent = line.Airspace.LastEventId;

        line.Clock.Advance(Options.DeconflictionDeadline * 10);

        Assert.Equal(0, await line.Airspace.ProcessDeadlinesAsync(CancellationToken.None));
        Assert.Equal(0, line.Airspace.GetMessage(request.Id)!.Value.Status.Escalations);
        Assert.True(line.Airspace.GetMessage(request.Id)!.Value.Status.Open);
        Assert.True(line.Airspace.GetMessage(check.Id)!.Value.Status.Open);
        Assert.All(line.Airspace.Standings(), s => Assert.Equal(0, s.MissedChecks));
        Assert.Equal(size, line.Airspace.Log.Size);
        Assert.Equal(lastEvent, line.Airspace.LastEventId);

        // Given the key, what was waiting is processed.
        line.Airspace.UseSystemKey(line.OperatorKey);
        Assert.Equal(2, await line.Airspace.ProcessDeadlinesAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AnAnswerBeforeTheNextDeadlineStopsFurtherEscalation()
    {
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        var request = await SendOkAsync(_b, new MessageDraft(A, MessageType.DeconflictionRequest, About: ra.Id, Text: "please confirm"));
        _line.Clock.Advance(Options.DeconflictionDeadline);
        Assert.Equal(1, await ProcessAsync());

        var declined = await SendOkAsync(_a, new MessageDraft(null, MessageType.DeconflictionResponse, InReplyTo: request.Id, Decision: Decision.Decline));
        _line.Clock.Advance(Options.DeconflictionDeadline * 3);

        Assert.Equal(0, await ProcessAsync());
        var status = Status(request.Id);
        Assert.Equal(declined.Id, status.AnsweredBy);
        Assert.Equal(1, status.Escalations);
        Assert.Equal(Priority.Urgent, status.Priority);
    }

    private Task<int> ProcessAsync() => _line.Airspace.ProcessDeadlinesAsync(CancellationToken.None);

    private MessageStatus Status(Guid id) => _line.Airspace.GetMessage(id)!.Value.Status;

    private LineStanding Standing(int party) => _line.Airspace.Standings().Single(s => s.Party == party);

    /// <summary>A request from B to A about a reservation (any id will do: a request is not checked against it).</summary>
    private Task<Message> RequestAsync() =>
        SendOkAsync(_b, new MessageDraft(A, MessageType.DeconflictionRequest, About: Guid.NewGuid(), Text: "please confirm your plan"));

    /// <summary>The operator checks the party's line, and the check goes unanswered past its deadline.</summary>
    private async Task<Message> MissCheckAsync(int party)
    {
        var check = await SendOkAsync(Principal.Operator, new MessageDraft(party, MessageType.LineCheck));
        _line.Clock.Advance(Options.LineCheckDeadline);
        Assert.Equal(1, await ProcessAsync());
        return check;
    }

    private async Task<Message> SendOkAsync(Principal from, MessageDraft draft)
    {
        var sent = await _line.SendAsync(from, draft);
        Assert.True(sent.Kind == OutcomeKind.Ok, $"{draft.Type} from {from.PartyId}: {sent.Kind} {sent.Field} {sent.Detail}");
        return sent.Value!;
    }
}
