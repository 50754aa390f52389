using Hotline.Geo;
using Hotline.Ledger;
using Hotline.Storage.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Hotline.Core.Tests.Line;

/// <summary>
/// The line's rules on a real airspace over SQLite: proposals accepted into amendments (atomically, under the filing
/// rule, recorded as signed by the owner), counters and declines, who may reply, suspension, replays, and a restart
/// that brings every message, status, standing and event back.
/// </summary>
public sealed class LineRulesTests : IAsyncLifetime
{
    private LineHarness _line = null!;
    private Principal _a = null!;
    private Principal _b = null!;
    private Principal _c = null!;

    private int A => _a.PartyId!.Value;

    private int B => _b.PartyId!.Value;

    private int C => _c.PartyId!.Value;

    public async Task InitializeAsync()
    {
        _line = await LineHarness.OpenAsync(new LineOptions());
        _a = await _line.PartyAsync("alpha");
        _b = await _line.PartyAsync("bravo");
        _c = await _line.PartyAsync("charlie");
    }

    public async Task DisposeAsync() => await _line.DisposeAsync();

    [Fact]
    public async Task AnAcceptedProposalAmendsTheReservationWithTheResponse()
    {
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        var moved = LineHarness.Volume(36.2, 38.2);
        var request = await SendOkAsync(_b, Request(A, new Proposal(ra.Id, ra.Version, [moved])));
        var size = _line.Airspace.Log.Size;
        var lastEvent = _line.Airspace.LastEventId;

        var accepted = await _line.SendAsync(_a, Response(request.Id, Decision.Accept));

        Assert.Equal(OutcomeKind.Ok, accepted.Kind);
        var amended = _line.Airspace.GetReservation(ra.Id)!;
        Assert.Equal(ra.Version + 1, amended.Version);
        Assert.Equal(LineHarness.Describe(moved), LineHarness.Describe(Assert.Single(amended.Extents)));
        Assert.Equal(ra.Owner, amended.Owner);

        // Two entries, together: the amendment and the response.
        Assert.Equal(size + 2, _line.Airspace.Log.Size);
        var entries = await _line.EntriesAsync(size);
        Assert.Equal(
            new[] { EntryKinds.LineDeconflictionResponse, EntryKinds.ReservationAmended }.Order(),
            entries.Select(e => e.Kind).Order());
        var amendment = entries.Single(e => e.Kind == EntryKinds.ReservationAmended);
        Assert.Equal(ra.Id.ToString(), amendment.Subject);
        Assert.Equal(amended.Version, amendment.Version);
        Assert.Equal(A, amendment.Party);

        // The request is answered by the acceptance.
        var status = _line.Airspace.GetMessage(request.Id)!.Value.Status;
        Assert.Equal(accepted.Value!.Id, status.AnsweredBy);
        Assert.Equal(_line.Clock.GetUtcNow(), status.AnsweredAt);
        Assert.False(status.Open);

        // Both sides are told of the amendment.
        foreach (var side in new[] { A, B })
        {
            var told = Assert.Single(await _line.EventsAsync(side, lastEvent), e => e.Kind == LineEventKind.Amended);
            Assert.Equal(ra.Id, told.ReservationId);
            Assert.Equal(amended.Version, told.Version);
            Assert.Equal(A, told.Party);
            Assert.Equal(accepted.Value.Id, told.MessageId);
        }

        Assert.DoesNotContain(await _line.EventsAsync(C, lastEvent), e => e.Kind == LineEventKind.Amended);
    }

    [Fact]
    public async Task AnAmendmentAcceptedByTheOwnerIsRecordedWithTheOwnersSignedAcceptance()
    {
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        var request = await SendOkAsync(_b, Request(A, new Proposal(ra.Id, ra.Version, [LineHarness.Volume(36.3, 38.3)])));
        var size = _line.Airspace.Log.Size;
        var acceptance = _line.Signed(_a);

        Assert.Equal(OutcomeKind.Ok, (await _line.SendAsync(_a, Response(request.Id, Decision.Accept), acceptance)).Kind);

        var amendment = (await _line.EntriesAsync(size)).Single(e => e.Kind == EntryKinds.ReservationAmended);
        Assert.True(amendment.Request.VerifiesWith(_line.PublicKey(A)));
        Assert.False(amendment.Request.VerifiesWith(_line.PublicKey(B)));
        Assert.Equal(acceptance.Request.Nonce, amendment.Request.Nonce);
    }

    [Fact]
    public async Task AnAmendmentProposedByTheOwnerIsRecordedWithTheOwnersSignedProposal()
    {
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        var proposal = _line.Signed(_a);
        var request = (await _line.SendAsync(_a, Request(B, new Proposal(ra.Id, ra.Version, [LineHarness.Volume(36.3, 38.3)])), proposal)).Value!;
        var size = _line.Airspace.Log.Size;

        Assert.Equal(OutcomeKind.Ok, (await _line.SendAsync(_b, Response(request.Id, Decision.Accept))).Kind);

        var entries = await _line.EntriesAsync(size);
        var amendment = entries.Single(e => e.Kind == EntryKinds.ReservationAmended);
        Assert.Equal(A, amendment.Party);
        Assert.True(amendment.Request.VerifiesWith(_line.PublicKey(A)));
        Assert.Equal(proposal.Request.Nonce, amendment.Request.Nonce);
        var response = entries.Single(e => e.Kind == EntryKinds.LineDeconflictionResponse);
        Assert.Equal(B, response.Party);
        Assert.True(response.Request.VerifiesWith(_line.PublicKey(B)));
        Assert.Equal(ra.Version + 1, _line.Airspace.GetReservation(ra.Id)!.Version);
    }

    [Fact]
    public async Task AnAcceptancesLogIndexIsTheEntryOfTheResponse()
    {
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        var request = await SendOkAsync(_b, Request(A, new Proposal(ra.Id, ra.Version, [LineHarness.Volume(36.3, 38.3)])));

        var accepted = await _line.SendAsync(_a, Response(request.Id, Decision.Accept));

        Assert.Equal(accepted.Receipt!.Index, accepted.Value!.LogIndex);
        var entry = LogEntry.Decode((await _line.Airspace.ReadLogEntriesAsync(accepted.Value.LogIndex, 1, CancellationToken.None))[0]);
        Assert.Equal(EntryKinds.LineDeconflictionResponse, entry.Kind);
        Assert.Equal(accepted.Value.Id.ToString(), entry.Subject);
    }

    [Fact]
    public async Task AMessagesLogIndexIsItsReceipt()
    {
        var sent = await _line.SendAsync(_a, new MessageDraft(B, MessageType.FreeText, Text: "radio check on the usual frequency"));

        Assert.Equal(sent.Receipt!.Index, sent.Value!.LogIndex);
        var entry = LogEntry.Decode((await _line.Airspace.ReadLogEntriesAsync(sent.Value.LogIndex, 1, CancellationToken.None))[0]);
        Assert.Equal(EntryKinds.LineText, entry.Kind);
        Assert.Equal(sent.Value.Id.ToString(), entry.Subject);
        Assert.Equal(A, entry.Party);
    }

    [Fact]
    public async Task AStaleProposalIsRefusedAndNothingIsAmendedNorRecorded()
    {
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        var request = await SendOkAsync(_b, Request(A, new Proposal(ra.Id, ra.Version, [LineHarness.Volume(36.3, 38.3)])));
        var changed = await _line.Airspace.AmendReservationAsync(
            _a, ra.Id, ra.Version, [LineHarness.Volume(36.1, 38.1)], ReservationState.Accepted, null, null, new HashSet<EntityVersion>(), _line.Signed(_a), CancellationToken.None);
        Assert.Equal(OutcomeKind.Ok, changed.Kind);
        var size = _line.Airspace.Log.Size;
        var lastEvent = _line.Airspace.LastEventId;

        var accepted = await _line.SendAsync(_a, Response(request.Id, Decision.Accept));

        Assert.Equal(OutcomeKind.VersionMismatch, accepted.Kind);
        Assert.Equal(ra.Version + 1, accepted.CurrentVersion);
        Assert.Null(accepted.Receipt);
        var current = _line.Airspace.GetReservation(ra.Id)!;
        Assert.Equal(changed.Value!.Version, current.Version);
        Assert.Equal(LineHarness.Describe(LineHarness.Volume(36.1, 38.1)), LineHarness.Describe(Assert.Single(current.Extents)));
        Assert.Equal(size, _line.Airspace.Log.Size);
        Assert.Equal(lastEvent, _line.Airspace.LastEventId);
        Assert.True(_line.Airspace.GetMessage(request.Id)!.Value.Status.Open);
    }

    [Fact]
    public async Task AnAcceptanceThatConflictsWithAThirdPartyIsRefusedWithTheConflicts()
    {
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        var rc = await _line.FileAsync(_c, LineHarness.Volume(35.5, 37.5));
        var request = await SendOkAsync(_b, Request(A, new Proposal(ra.Id, ra.Version, [LineHarness.Volume(35.5, 37.5)])));
        var size = _line.Airspace.Log.Size;

        var accepted = await _line.SendAsync(_a, Response(request.Id, Decision.Accept));

        Assert.Equal(OutcomeKind.Conflicts, accepted.Kind);
        var conflict = Assert.Single(accepted.Conflicts!);
        Assert.Equal(rc.Id, conflict.OtherId);
        Assert.Equal(C, conflict.OtherOwner);
        Assert.Equal(ra.Id, conflict.ReservationId);
        var current = _line.Airspace.GetReservation(ra.Id)!;
        Assert.Equal(ra.Version, current.Version);
        Assert.Equal(LineHarness.Describe(LineHarness.Volume(36.0, 38.0)), LineHarness.Describe(Assert.Single(current.Extents)));
        Assert.Equal(size, _line.Airspace.Log.Size);
        Assert.Null(_line.Airspace.GetMessage(request.Id)!.Value.Status.AnsweredAt);
    }

    [Fact]
    public async Task TheTwoSidesOwnConflictsAreAcknowledgedByTheAcceptance()
    {
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        var rb = await _line.FileAsync(_b, LineHarness.Volume(36.5, 38.5));
        var ownA = await _line.FileAsync(_a, LineHarness.Volume(36.7, 38.7));
        // A's reservation moves onto B's (the other side) and onto another of A's own.
        var request = await SendOkAsync(_b, Request(A, new Proposal(ra.Id, ra.Version, [LineHarness.Volume(36.5, 38.5), LineHarness.Volume(36.7, 38.7)])));

        var accepted = await _line.SendAsync(_a, Response(request.Id, Decision.Accept));

        Assert.Equal(OutcomeKind.Ok, accepted.Kind);
        Assert.Equal(ra.Version + 1, _line.Airspace.GetReservation(ra.Id)!.Version);
        Assert.Equal(rb.Version, _line.Airspace.GetReservation(rb.Id)!.Version);
        Assert.Equal(ownA.Version, _line.Airspace.GetReservation(ownA.Id)!.Version);
        Assert.Contains(_line.Airspace.OpenConflicts(A), c => c.OtherId == rb.Id);
    }

    [Fact]
    public async Task AProposalAboutAReservationNeitherSideOwnsIsInvalid()
    {
        var rc = await _line.FileAsync(_c, LineHarness.Volume(35.5, 37.5));
        var request = await SendOkAsync(_b, Request(A, new Proposal(rc.Id, rc.Version, [LineHarness.Volume(35.9, 37.9)])));
        var size = _line.Airspace.Log.Size;

        var accepted = await _line.SendAsync(_a, Response(request.Id, Decision.Accept));

        Assert.Equal(OutcomeKind.Invalid, accepted.Kind);
        Assert.Equal("inReplyTo", accepted.Field);
        Assert.Equal(rc.Version, _line.Airspace.GetReservation(rc.Id)!.Version);
        Assert.Equal(size, _line.Airspace.Log.Size);
    }

    [Fact]
    public async Task ACounterAnswersTheRequestAndItselfNeedsAnAnswer()
    {
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        var request = await SendOkAsync(_b, Request(A, new Proposal(ra.Id, ra.Version, [LineHarness.Volume(36.3, 38.3)])));
        var size = _line.Airspace.Log.Size;

        var counter = await SendOkAsync(_a, new MessageDraft(null, MessageType.DeconflictionResponse, InReplyTo: request.Id, Decision: Decision.Counter,
            Proposal: new Proposal(ra.Id, ra.Version, [LineHarness.Volume(36.1, 38.1)]), Text: "we can move a little"));

        Assert.Equal(B, counter.To);
        Assert.True(counter.NeedsAnswer);
        var counterStatus = _line.Airspace.GetMessage(counter.Id)!.Value.Status;
        Assert.True(counterStatus.Open);
        Assert.Equal(_line.Clock.GetUtcNow() + new LineOptions().DeconflictionDeadline, counterStatus.Deadline);
        Assert.Equal(counter.Id, _line.Airspace.GetMessage(request.Id)!.Value.Status.AnsweredBy);
        Assert.Equal(ra.Version, _line.Airspace.GetReservation(ra.Id)!.Version);
        Assert.Equal(size + 1, _line.Airspace.Log.Size);
        Assert.Equal(EntryKinds.LineDeconflictionResponse, Assert.Single(await _line.EntriesAsync(size)).Kind);

        // The other side accepts the counter: the counter's proposal is carried out.
        var accepted = await _line.SendAsync(_b, Response(counter.Id, Decision.Accept));
        Assert.Equal(OutcomeKind.Ok, accepted.Kind);
        Assert.Equal(A, accepted.Value!.To);
        var amended = _line.Airspace.GetReservation(ra.Id)!;
        Assert.Equal(ra.Version + 1, amended.Version);
        Assert.Equal(LineHarness.Describe(LineHarness.Volume(36.1, 38.1)), LineHarness.Describe(Assert.Single(amended.Extents)));
        Assert.Equal(accepted.Value.Id, _line.Airspace.GetMessage(counter.Id)!.Value.Status.AnsweredBy);
        Assert.Equal(size + 3, _line.Airspace.Log.Size);
    }

    [Fact]
    public async Task ADeclineAnswersWithoutAmendment()
    {
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        var request = await SendOkAsync(_b, Request(A, new Proposal(ra.Id, ra.Version, [LineHarness.Volume(36.3, 38.3)])));
        var size = _line.Airspace.Log.Size;
        var lastEvent = _line.Airspace.LastEventId;

        var declined = await SendOkAsync(_a, Response(request.Id, Decision.Decline));

        Assert.False(declined.NeedsAnswer);
        Assert.Null(_line.Airspace.GetMessage(declined.Id)!.Value.Status.Deadline);
        Assert.Equal(declined.Id, _line.Airspace.GetMessage(request.Id)!.Value.Status.AnsweredBy);
        Assert.Equal(ra.Version, _line.Airspace.GetReservation(ra.Id)!.Version);
        Assert.Equal(EntryKinds.LineDeconflictionResponse, Assert.Single(await _line.EntriesAsync(size)).Kind);
        var told = Assert.Single(await _line.EventsAsync(B, lastEvent));
        Assert.Equal(LineEventKind.Message, told.Kind);
        Assert.Equal(declined.Id, told.MessageId);
        Assert.DoesNotContain(await _line.EventsAsync(A, lastEvent), e => e.Kind == LineEventKind.Amended);
    }

    [Fact]
    public async Task EachStepAddsExactlyItsEntries()
    {
        var size = _line.Airspace.Log.Size;
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        await AssertAddedAsync(size, EntryKinds.ReservationFiled);

        size = _line.Airspace.Log.Size;
        var about = await SendOkAsync(_b, new MessageDraft(A, MessageType.DeconflictionRequest, About: ra.Id, Text: "can you hold short"));
        await AssertAddedAsync(size, EntryKinds.LineDeconflictionRequest);

        size = _line.Airspace.Log.Size;
        await SendOkAsync(_a, Response(about.Id, Decision.Decline));
        await AssertAddedAsync(size, EntryKinds.LineDeconflictionResponse);

        size = _line.Airspace.Log.Size;
        var request = await SendOkAsync(_b, Request(A, new Proposal(ra.Id, ra.Version, [LineHarness.Volume(36.3, 38.3)])));
        await AssertAddedAsync(size, EntryKinds.LineDeconflictionRequest);

        size = _line.Airspace.Log.Size;
        await SendOkAsync(_a, Response(request.Id, Decision.Accept));
        await AssertAddedAsync(size, EntryKinds.ReservationAmended, EntryKinds.LineDeconflictionResponse);

        size = _line.Airspace.Log.Size;
        var notice = await SendOkAsync(_c, new MessageDraft(null, MessageType.Notice, Text: "exercise in the north sector tomorrow"));
        await AssertAddedAsync(size, EntryKinds.LineNotice);

        size = _line.Airspace.Log.Size;
        await SendOkAsync(_a, new MessageDraft(C, MessageType.Acknowledgement, InReplyTo: notice.Id));
        await AssertAddedAsync(size, EntryKinds.LineAcknowledgement);

        size = _line.Airspace.Log.Size;
        var check = await SendOkAsync(Principal.Operator, new MessageDraft(B, MessageType.LineCheck));
        await AssertAddedAsync(size, EntryKinds.LineCheck);
        Assert.Equal(LogEntry.OperatorParty, (await _line.EntriesAsync(size))[0].Party);

        size = _line.Airspace.Log.Size;
        await SendOkAsync(_b, new MessageDraft(LogEntry.OperatorParty, MessageType.LineCheckAnswer, InReplyTo: check.Id));
        await AssertAddedAsync(size, EntryKinds.LineCheckAnswer);

        size = _line.Airspace.Log.Size;
        Assert.Equal(OutcomeKind.Ok, (await _line.Airspace.SuspendAsync(_c, "consultations", _line.Signed(_c), CancellationToken.None)).Kind);
        await AssertAddedAsync(size, EntryKinds.LineSuspended);

        size = _line.Airspace.Log.Size;
        Assert.Equal(OutcomeKind.Ok, (await _line.Airspace.ResumeAsync(_c, _line.Signed(_c), CancellationToken.None)).Kind);
        await AssertAddedAsync(size, EntryKinds.LineResumed);
    }

    [Fact]
    public async Task EveryLineEntryIsSignedByItsSender()
    {
        var size = _line.Airspace.Log.Size;
        var sent = await SendOkAsync(_a, new MessageDraft(B, MessageType.FreeText, Text: "good morning"));

        var entry = Assert.Single(await _line.EntriesAsync(size));
        Assert.Equal(A, entry.Party);
        Assert.Equal(sent.Id.ToString(), entry.Subject);
        Assert.True(entry.Request.VerifiesWith(_line.PublicKey(A)));
        Assert.Equal("{}"u8.ToArray(), await _line.Airspace.ReadRequestBodyAsync(size, CancellationToken.None));
    }

    [Fact]
    public async Task AReplyMustAnswerAMessageAddressedToTheReplier()
    {
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        var request = await SendOkAsync(_b, Request(A, new Proposal(ra.Id, ra.Version, [LineHarness.Volume(36.3, 38.3)])));
        var size = _line.Airspace.Log.Size;

        // Not addressed to C, and B cannot answer its own request.
        Assert.Equal(OutcomeKind.NotFound, (await _line.SendAsync(_c, Response(request.Id, Decision.Accept))).Kind);
        Assert.Equal(OutcomeKind.NotFound, (await _line.SendAsync(_b, Response(request.Id, Decision.Accept))).Kind);
        Assert.Equal(OutcomeKind.NotFound, (await _line.SendAsync(_c, new MessageDraft(B, MessageType.Acknowledgement, InReplyTo: request.Id))).Kind);
        Assert.Equal(OutcomeKind.NotFound, (await _line.SendAsync(_a, Response(Guid.NewGuid(), Decision.Accept))).Kind);

        // A message to all is answered by anyone but its sender.
        var notice = await SendOkAsync(_c, new MessageDraft(null, MessageType.Notice, Text: "range closed for the afternoon"));
        Assert.Equal(OutcomeKind.NotFound, (await _line.SendAsync(_c, new MessageDraft(null, MessageType.Acknowledgement, InReplyTo: notice.Id))).Kind);
        Assert.Equal(OutcomeKind.Ok, (await _line.SendAsync(_b, new MessageDraft(C, MessageType.Acknowledgement, InReplyTo: notice.Id))).Kind);

        // A reply of the wrong type is refused.
        Assert.Equal(OutcomeKind.Invalid, (await _line.SendAsync(_a, new MessageDraft(B, MessageType.LineCheckAnswer, InReplyTo: request.Id))).Kind);
        Assert.Equal(OutcomeKind.Invalid, (await _line.SendAsync(_a, Response(notice.Id, Decision.Decline))).Kind);

        Assert.Equal(size + 2, _line.Airspace.Log.Size);
        Assert.True(_line.Airspace.GetMessage(request.Id)!.Value.Status.Open);
        Assert.Equal(ra.Version, _line.Airspace.GetReservation(ra.Id)!.Version);
    }

    [Fact]
    public async Task ASuspendedPartySendsAndReceivesOnlyEmergenciesAndLineChecks()
    {
        var lastEvent = _line.Airspace.LastEventId;
        var suspended = await _line.Airspace.SuspendAsync(_a, "consultations", _line.Signed(_a), CancellationToken.None);
        Assert.Equal(OutcomeKind.Ok, suspended.Kind);
        Assert.Equal(new LineStanding(A, true, "consultations", false, 0), suspended.Value);
        Assert.Equal(suspended.Value, _line.Airspace.Standings().Single(s => s.Party == A));
        foreach (var party in new[] { A, B, C })
        {
            var told = Assert.Single(await _line.EventsAsync(party, lastEvent));
            Assert.Equal(LineEventKind.Suspended, told.Kind);
            Assert.Null(told.Recipient);
            Assert.Equal(A, told.Party);
            Assert.Equal("consultations", told.Reason);
        }

        var rb = await _line.FileAsync(_b, LineHarness.Volume(36.5, 38.5));
        var size = _line.Airspace.Log.Size;

        // Refused from A, and to A.
        Assert.Equal(OutcomeKind.Forbidden, (await _line.SendAsync(_a, new MessageDraft(B, MessageType.FreeText, Text: "hello"))).Kind);
        Assert.Equal(OutcomeKind.Forbidden, (await _line.SendAsync(_a, new MessageDraft(null, MessageType.Notice, Text: "an advisory"))).Kind);
        Assert.Equal(OutcomeKind.Forbidden, (await _line.SendAsync(_a, new MessageDraft(B, MessageType.DeconflictionRequest, About: rb.Id))).Kind);
        Assert.Equal(OutcomeKind.Forbidden, (await _line.SendAsync(_b, new MessageDraft(A, MessageType.FreeText, Text: "hello"))).Kind);
        Assert.Equal(OutcomeKind.Forbidden, (await _line.SendAsync(_b, new MessageDraft(A, MessageType.DeconflictionRequest, About: rb.Id))).Kind);
        Assert.Equal(OutcomeKind.Forbidden, (await _line.SendAsync(Principal.Operator, new MessageDraft(A, MessageType.Notice, Text: "an advisory"))).Kind);
        Assert.Equal(size, _line.Airspace.Log.Size);

        // Emergencies and line checks (and their answers) pass, both ways.
        await SendOkAsync(_a, Emergency(B));
        await SendOkAsync(_b, Emergency(A));
        var check = await SendOkAsync(Principal.Operator, new MessageDraft(A, MessageType.LineCheck));
        await SendOkAsync(_a, new MessageDraft(LogEntry.OperatorParty, MessageType.LineCheckAnswer, InReplyTo: check.Id));
        var checkFromA = await SendOkAsync(_a, new MessageDraft(B, MessageType.LineCheck));
        await SendOkAsync(_b, new MessageDraft(A, MessageType.LineCheckAnswer, InReplyTo: checkFromA.Id));
        Assert.Equal(size + 6, _line.Airspace.Log.Size);

        // Others still talk to each other.
        await SendOkAsync(_b, new MessageDraft(C, MessageType.FreeText, Text: "hello"));

        Assert.Equal(OutcomeKind.Invalid, (await _line.Airspace.SuspendAsync(_a, "again", _line.Signed(_a), CancellationToken.None)).Kind);
        lastEvent = _line.Airspace.LastEventId;
        Assert.Equal(OutcomeKind.Ok, (await _line.Airspace.ResumeAsync(_a, _line.Signed(_a), CancellationToken.None)).Kind);
        var resumed = Assert.Single(await _line.EventsAsync(C, lastEvent));
        Assert.Equal(LineEventKind.Resumed, resumed.Kind);
        Assert.Equal(A, resumed.Party);
        Assert.Equal(LineStanding.Initial(A), _line.Airspace.Standings().Single(s => s.Party == A));
        await SendOkAsync(_a, new MessageDraft(B, MessageType.FreeText, Text: "back"));
        await SendOkAsync(_b, new MessageDraft(A, MessageType.FreeText, Text: "welcome back"));
        Assert.Equal(OutcomeKind.Invalid, (await _line.Airspace.ResumeAsync(_a, _line.Signed(_a), CancellationToken.None)).Kind);
    }

    [Fact]
    public async Task AnEmergencyToOrFromASuspendedPartyCanBeAcknowledged()
    {
        Assert.Equal(OutcomeKind.Ok, (await _line.Airspace.SuspendAsync(_a, "consultations", _line.Signed(_a), CancellationToken.None)).Kind);
        var fromA = await SendOkAsync(_a, Emergency(B));
        var toA = await SendOkAsync(_b, Emergency(A));

        var ackByB = await _line.SendAsync(_b, new MessageDraft(A, MessageType.Acknowledgement, InReplyTo: fromA.Id));
        var ackByA = await _line.SendAsync(_a, new MessageDraft(B, MessageType.Acknowledgement, InReplyTo: toA.Id));

        Assert.Equal(OutcomeKind.Ok, ackByB.Kind);
        Assert.Equal(OutcomeKind.Ok, ackByA.Kind);
        Assert.False(_line.Airspace.GetMessage(fromA.Id)!.Value.Status.Open);
        Assert.False(_line.Airspace.GetMessage(toA.Id)!.Value.Status.Open);
    }

    [Fact]
    public async Task AReplayedRequestIsRefused()
    {
        var attestation = _line.Signed(_a);
        Assert.Equal(OutcomeKind.Ok, (await _line.SendAsync(_a, new MessageDraft(B, MessageType.FreeText, Text: "once"), attestation)).Kind);
        var size = _line.Airspace.Log.Size;
        var lastEvent = _line.Airspace.LastEventId;

        var again = await _line.SendAsync(_a, new MessageDraft(B, MessageType.FreeText, Text: "once"), attestation);
        var other = await _line.SendAsync(_a, new MessageDraft(C, MessageType.FreeText, Text: "twice"), attestation);
        var suspend = await _line.Airspace.SuspendAsync(_a, "reuse", attestation, CancellationToken.None);

        Assert.Equal(OutcomeKind.Duplicate, again.Kind);
        Assert.Equal(OutcomeKind.Duplicate, other.Kind);
        Assert.Equal(OutcomeKind.Duplicate, suspend.Kind);
        Assert.Equal(size, _line.Airspace.Log.Size);
        Assert.Equal(lastEvent, _line.Airspace.LastEventId);
        Assert.False(_line.Airspace.Standings().Single(s => s.Party == A).Suspended);
    }

    [Fact]
    public async Task ARequestSignedByAnotherPartysKeyIsRefused()
    {
        var sent = await _line.SendAsync(_a, new MessageDraft(C, MessageType.FreeText, Text: "hello"), _line.Signed(_b));

        Assert.Equal(OutcomeKind.BadSignature, sent.Kind);
        Assert.Equal(OutcomeKind.Forbidden, (await _line.SendAsync(Principal.Operator, Emergency(A), _line.Signed(Principal.Operator))).Kind);
    }

    [Fact]
    public async Task AfterARestartMessagesStatusesStandingsAndEventsAreAllBack()
    {
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        var rb = await _line.Airspace.FileReservationAsync(_b, [LineHarness.Volume(36.0, 38.0)], ReservationState.Accepted, null, null,
            new HashSet<EntityVersion> { new(ra.Id, ra.Version) }, _line.Signed(_b), CancellationToken.None);
        Assert.Equal(OutcomeKind.Ok, rb.Kind);
        var request = await SendOkAsync(_b, Request(A, new Proposal(ra.Id, ra.Version, [LineHarness.Volume(36.3, 38.3), LineHarness.Volume(36.4, 38.4, polygon: true)])));
        var counter = await SendOkAsync(_a, new MessageDraft(null, MessageType.DeconflictionResponse, InReplyTo: request.Id, Decision: Decision.Counter,
            Proposal: new Proposal(ra.Id, ra.Version, [LineHarness.Volume(36.2, 38.2)])));
        var accepted = await SendOkAsync(_b, Response(counter.Id, Decision.Accept));
        var emergency = await SendOkAsync(_c, Emergency(null));
        var ack = await SendOkAsync(_a, new MessageDraft(C, MessageType.Acknowledgement, InReplyTo: emergency.Id));
        var check = await SendOkAsync(Principal.Operator, new MessageDraft(B, MessageType.LineCheck));
        _line.Clock.Advance(new LineOptions().LineCheckDeadline);
        Assert.Equal(1, await _line.Airspace.ProcessDeadlinesAsync(CancellationToken.None));
        Assert.Equal(OutcomeKind.Ok, (await _line.Airspace.SuspendAsync(_c, "consultations", _line.Signed(_c), CancellationToken.None)).Kind);
        var open = await SendOkAsync(_a, new MessageDraft(B, MessageType.DeconflictionRequest, About: rb.Value!.Id, Text: "please confirm"));
        var ids = new[] { request.Id, counter.Id, accepted.Id, emergency.Id, ack.Id, check.Id, open.Id };

        var messages = ids.Select(id => Snapshot(_line.Airspace.GetMessage(id)!.Value)).ToList();
        var standings = _line.Airspace.Standings();
        var events = new Dictionary<int, List<string>>();
        foreach (var party in new[] { A, B, C })
        {
            events[party] = [.. (await _line.EventsAsync(party, 0)).Select(LineHarness.Describe)];
        }

        var lastEvent = _line.Airspace.LastEventId;
        var logSize = _line.Airspace.Log.Size;
        Assert.Contains(events[A], e => e.Contains("Conflict", StringComparison.Ordinal));
        Assert.Contains(standings, s => s.MissedChecks == 1);

        await _line.RestartAsync();

        Assert.Equal(messages, ids.Select(id => Snapshot(_line.Airspace.GetMessage(id)!.Value)));
        Assert.Equal(standings, _line.Airspace.Standings());
        foreach (var party in new[] { A, B, C })
        {
            Assert.Equal(events[party], (await _line.EventsAsync(party, 0)).Select(LineHarness.Describe));
        }

        Assert.Equal(lastEvent, _line.Airspace.LastEventId);
        Assert.Equal(logSize, _line.Airspace.Log.Size);
        Assert.Equal(ra.Version + 1, _line.Airspace.GetReservation(ra.Id)!.Version);

        // The line goes on where it stopped: the next event id follows, the open request can still be answered.
        var answered = await SendOkAsync(_b, Response(open.Id, Decision.Decline));
        Assert.Equal(lastEvent + 1, _line.Airspace.LastEventId);
        Assert.Equal(answered.Id, _line.Airspace.GetMessage(open.Id)!.Value.Status.AnsweredBy);
        Assert.Equal(logSize, answered.LogIndex);
    }

    [Fact]
    public async Task AnAcceptanceAfterARestartAmendsWithTheProposalsSignedRequestReadBackFromTheLog()
    {
        var ra = await _line.FileAsync(_a, LineHarness.Volume(36.0, 38.0));
        // A, the owner, proposes; after a restart its signed request is no longer in memory, only in the log.
        var request = await SendOkAsync(_a, Request(B, new Proposal(ra.Id, ra.Version, [LineHarness.Volume(36.3, 38.3)])));
        await _line.RestartAsync();
        var size = _line.Airspace.Log.Size;

        var accepted = await _line.SendAsync(_b, Response(request.Id, Decision.Accept));

        Assert.Equal(OutcomeKind.Ok, accepted.Kind);
        Assert.Equal(size + 2, _line.Airspace.Log.Size);
        Assert.Equal(ra.Version + 1, _line.Airspace.GetReservation(ra.Id)!.Version);
        var amendment = (await _line.EntriesAsync(size)).Single(e => e.Kind == EntryKinds.ReservationAmended);
        // The amendment is authorised by the owner's proposal, exactly as recorded at the proposal's own entry.
        var all = await _line.EntriesAsync(0);
        Assert.Equal(request.LogIndex, Enumerable.Range(0, all.Count).Single(i => all[i].Kind == EntryKinds.LineDeconflictionRequest && all[i].Request.Equals(amendment.Request)));
        await _line.RestartAsync();
        Assert.Equal(ra.Version + 1, _line.Airspace.GetReservation(ra.Id)!.Version);
    }

    private static MessageDraft Request(int to, Proposal proposal) =>
        new(to, MessageType.DeconflictionRequest, About: proposal.ReservationId, Proposal: proposal, Text: "could you move");

    private static MessageDraft Response(Guid inReplyTo, Decision decision) =>
        new(null, MessageType.DeconflictionResponse, InReplyTo: inReplyTo, Decision: decision);

    private static MessageDraft Emergency(int? to) =>
        new(to, MessageType.Emergency, Emergency: new EmergencyInfo(new LatLng(36.0, 38.0), "medical evacuation"));

    private static (string Message, MessageStatus Status) Snapshot((Message Message, MessageStatus Status) held) =>
        (LineHarness.Describe(held.Message), held.Status);

    private async Task<Message> SendOkAsync(Principal from, MessageDraft draft)
    {
        var sent = await _line.SendAsync(from, draft);
        Assert.True(sent.Kind == OutcomeKind.Ok, $"{draft.Type} from {from.PartyId}: {sent.Kind} {sent.Field} {sent.Detail}");
        return sent.Value!;
    }

    private async Task AssertAddedAsync(long from, params string[] kinds)
    {
        var added = await _line.EntriesAsync(from);
        Assert.Equal(kinds.Order(), added.Select(e => e.Kind).Order());
    }
}

/// <summary>
/// An airspace over a real SQLite store in a temporary folder, on a fake clock, with parties holding keys: the
/// line tests' common ground (restartable over the same file).
/// </summary>
internal sealed class LineHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2030, 1, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Directory.CreateTempSubdirectory("hotline-line-").FullName;
    private readonly Dictionary<int, PartySigningKey> _keys = [];
    private readonly LineOptions _options;
    private readonly bool _systemKey;

    private LineHarness(LineOptions options, bool systemKey)
    {
        _options = options;
        _systemKey = systemKey;
    }

    public FakeTimeProvider Clock { get; } = new(Start);

    public PartySigningKey OperatorKey { get; } = PartySigningKey.Generate();

    public Airspace Airspace { get; private set; } = null!;

    public static async Task<LineHarness> OpenAsync(LineOptions options, bool systemKey = true)
    {
        var harness = new LineHarness(options, systemKey);
        await harness.StartAsync();
        await harness.Airspace.EnsureOperatorKeyAsync(harness.OperatorKey, CancellationToken.None);
        return harness;
    }

    /// <summary>Closes the airspace and opens a new one over the same store file.</summary>
    public async Task RestartAsync()
    {
        await Airspace.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Airspace.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        OperatorKey.Dispose();
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }

    public PartyPublicKey PublicKey(int party) => party == LogEntry.OperatorParty ? OperatorKey.PublicKey : _keys[party].PublicKey;

    public async Task<Principal> PartyAsync(string name)
    {
        var key = PartySigningKey.Generate();
        var created = await Airspace.CreatePartyAsync(Principal.Operator, name, key.PublicKey, Signed(Principal.Operator), CancellationToken.None);
        Assert.Equal(OutcomeKind.Ok, created.Kind);
        _keys[created.Value.Party.Id] = key;
        return Principal.ForParty(created.Value.Party.Id);
    }

    /// <summary>A request signed now (on the airspace's clock) by the caller's key.</summary>
    public Attestation Signed(Principal caller)
    {
        var key = caller.PartyId is { } id ? _keys[id] : OperatorKey;
        var body = "{}"u8.ToArray();
        return new Attestation(SignedRequest.Create(key, "POST", "/v1/test", Clock.GetUtcNow(), Guid.NewGuid(), body), body);
    }

    public Task<Outcome<Message>> SendAsync(Principal from, MessageDraft draft, Attestation? attestation = null) =>
        Airspace.SendAsync(from, draft, attestation ?? Signed(from), CancellationToken.None);

    public async Task<Reservation> FileAsync(Principal owner, Volume4D volume)
    {
        var filed = await Airspace.FileReservationAsync(owner, [volume], ReservationState.Accepted, null, null, new HashSet<EntityVersion>(), Signed(owner), CancellationToken.None);
        Assert.True(filed.Kind == OutcomeKind.Ok, $"filing: {filed.Kind} {filed.Detail}");
        return filed.Value!;
    }

    /// <summary>The log entries from <paramref name="from"/> to the end, decoded.</summary>
    public async Task<IReadOnlyList<LogEntry>> EntriesAsync(long from) =>
        [.. (await Airspace.ReadLogEntriesAsync(from, 1_000, CancellationToken.None)).Select(e => LogEntry.Decode(e))];

    public Task<IReadOnlyList<LineEvent>> EventsAsync(int party, long after) => Airspace.EventsAsync(party, after, 10_000, CancellationToken.None);

    /// <summary>A volume one hour after the start, 1 km around the point (or a small triangle there).</summary>
    public static Volume4D Volume(double lat, double lng, bool polygon = false) => new(
        polygon ? PolygonFootprint.Create([(lat, lng), (lat + 0.01, lng), (lat, lng + 0.01)]) : CircleFootprint.Create(lat, lng, 1_000),
        new AltitudeBand(0, 1_000),
        new TimeWindow(Start.AddHours(1), Start.AddHours(2)));

    public static string Describe(Volume4D v) => $"{GeoJson.Write(v.Footprint)} {v.Altitude} {v.Time}";

    /// <summary>A message as comparable text (records compare lists and footprints by reference).</summary>
    public static string Describe(Message m) =>
        $"{m with { Proposal = null }} proposal {m.Proposal?.ReservationId} {m.Proposal?.Version} [{string.Join("; ", m.Proposal?.Extents.Select(Describe) ?? [])}]";

    /// <summary>An event as comparable text.</summary>
    public static string Describe(LineEvent e) => e.Conflict is { } c
        ? $"{e with { Conflict = null }} {c with { Region = null! }} {c.Region.Start:O} {c.Region.End:O} {c.Region.AltitudeLower} {c.Region.AltitudeUpper} {GeoJson.Write(c.Region.Footprint)} {GeoJson.Write(c.Region.OtherFootprint)}"
        : e.ToString();

    private async Task StartAsync()
    {
        var store = await SqliteAirspaceStore.OpenAsync(Path.Combine(_folder, "hotline.db"), CancellationToken.None);
        Airspace = await Airspace.OpenAsync(store, new AirspaceOptions(), Clock, CancellationToken.None);
        Airspace.UseLineOptions(_options);
        if (_systemKey)
        {
            Airspace.UseSystemKey(OperatorKey);
        }
    }
}
