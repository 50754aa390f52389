using System.Text;
using Hotline.Geo;
using Hotline.Ledger;

namespace Hotline.Core;

/// <summary>
/// The line: typed messages between parties, with deadlines and escalation, a disclosure guard on free text,
/// suspension, and one numbered event sequence that each party follows. Every message is signed by its sender and
/// recorded in the log, and decided on the same single writer as filings (so an accepted proposal amends a
/// reservation under the same filing rule, atomically with the response that accepted it).
/// </summary>
public sealed partial class Airspace
{
    private const int EventTailLength = 1 << 16;

    /// <summary>Closed messages kept in memory (for replies and reads); open ones are always kept.</summary>
    internal const int ClosedMessagesInMemory = 200_000;

    private readonly DisclosureGuard _guard = new();
    private LineOptions _line = new();
    private PartySigningKey? _systemKey;
    private TaskCompletionSource _eventsPublished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The line's rules (set once, before use).</summary>
    public LineOptions Line
    {
        get => _line;
        init => _line = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// The key the server signs its own entries with (escalations, lines going down): the operator's. Without it the
    /// line cannot record what it does on its own, so deadlines are not processed.
    /// </summary>
    public void UseSystemKey(PartySigningKey key) => _systemKey = key ?? throw new ArgumentNullException(nameof(key));

    /// <summary>Sets the line's rules (before the first message).</summary>
    public void UseLineOptions(LineOptions options) => _line = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>Sends a message on the line.</summary>
    public async Task<Outcome<Message>> SendAsync(Principal caller, MessageDraft draft, Attestation attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(draft);
        var from = caller.Role == Role.Operator ? LogEntry.OperatorParty : caller.PartyId!.Value;
        if (caller.Role == Role.Operator && draft.Type is not (MessageType.Notice or MessageType.LineCheck or MessageType.Acknowledgement or MessageType.FreeText))
        {
            return Outcome<Message>.Forbidden("the operator sends notices, line checks, acknowledgements and free text only");
        }

        if ((CheckDraft(draft) ?? Verify<Message>(caller, attestation)) is { } invalid)
        {
            return invalid;
        }

        // The guard runs here, on the caller's thread against the committed state, never on the single writer: a
        // text full of coordinates costs its sender, not everyone's writes.
        if (GuardText(from, draft) is { } hit)
        {
            return hit;
        }

        // An acceptance may need the proposer's signed request; after a restart it is only in the log.
        Attestation? stored = null;
        if (draft.Decision == Decision.Accept && draft.InReplyTo is { } acceptedId
            && Read(s => s.Messages.TryGetValue(acceptedId, out var m) && m.Attestation is null ? m.Message.LogIndex : (long?)null) is { } index)
        {
            stored = await LoadAttestationAsync(index, cancellationToken).ConfigureAwait(false);
        }

        return await SubmitAsync(changes =>
        {
            if (Replayed<Message>(attestation) is { } replay)
            {
                return replay;
            }

            var now = _time.GetUtcNow();
            if (draft.To is { } to && to != LogEntry.OperatorParty && !_state.Parties.ContainsKey(to) && !_staged.Layer.Parties.ContainsKey(to))
            {
                return Outcome<Message>.NotFound($"no party {to}");
            }

            if (draft.To == from)
            {
                return Outcome<Message>.Invalid("to", "a message goes to another party, or to all");
            }

            // What it answers must be addressed to the sender (or to all) and be of a type this one answers.
            MessageEntry? answered = null;
            if (draft.InReplyTo is { } replyTo)
            {
                answered = CurrentMessage(replyTo);
                if (answered is null || !(answered.Message.To == from || (answered.Message.To is null && answered.Message.From != from)))
                {
                    return Outcome<Message>.NotFound($"no message {replyTo} addressed to you");
                }

                if (!Answers(draft, answered.Message))
                {
                    return Outcome<Message>.Invalid("inReplyTo", $"a {draft.Type} does not answer a {answered.Message.Type}");
                }

                // A reply goes back to whoever sent what it answers, never on to others.
                if (draft.To is { } stated && stated != answered.Message.From)
                {
                    return Outcome<Message>.Invalid("to", $"a reply goes to the sender of the message it answers (party {answered.Message.From})");
                }
            }

            // During a suspension only emergencies and line checks pass, with their answers.
            var passesSuspension = draft.Type is MessageType.Emergency or MessageType.LineCheck or MessageType.LineCheckAnswer
                || (draft.Type == MessageType.Acknowledgement && answered?.Message.Type == MessageType.Emergency);
            if (!passesSuspension && Standing(from).Suspended)
            {
                return Outcome<Message>.Forbidden("you have suspended your participation: only emergencies and line checks pass until you resume");
            }

            var addressee = answered?.Message.From ?? draft.To;
            if (!passesSuspension && addressee is { } receiver && Standing(receiver).Suspended)
            {
                return Outcome<Message>.Forbidden($"party {receiver} has suspended its participation: only emergencies and line checks pass");
            }

            var message = new Message(
                Guid.CreateVersion7(now), from, addressee, draft.Type, now,
                draft.InReplyTo, draft.About, draft.Proposal, draft.Decision, draft.Emergency, draft.Text, draft.DiscloseLocation, _log.Size + _staged.Entries);
            var status = new MessageStatus(message.Id, InitialPriority(message), message.NeedsAnswer ? now + DeadlineOf(message) : null, null, null, 0);

            // An accepted proposal amends its reservation through the filing rule, in this same decision.
            Reservation? amended = null;
            if (draft.Decision == Decision.Accept && answered!.Message.Proposal is { } proposal)
            {
                var owner = CurrentReservation(proposal.ReservationId)?.Owner;
                if (owner != from && owner != answered.Message.From)
                {
                    return Outcome<Message>.Invalid("inReplyTo", "the proposal is about a reservation neither side owns");
                }

                // The owner's own signed request authorises the change: the acceptance if the owner accepted, else
                // the proposal the owner sent (it is in the log already, and is recorded again with the amendment).
                var authority = owner == from ? attestation : answered.Attestation ?? stored;
                if (authority is null)
                {
                    return Outcome<Message>.Invalid("inReplyTo", "the proposal's signed request is no longer held; send the change as a new proposal");
                }

                var outcome = Amend(changes, proposal, between: (from, answered.Message.From));
                if (outcome.Kind != OutcomeKind.Ok)
                {
                    return new Outcome<Message>(outcome.Kind, Conflicts: outcome.Conflicts, Field: outcome.Field ?? "proposal", Detail: outcome.Detail, CurrentVersion: outcome.CurrentVersion);
                }

                amended = outcome.Value;
                Record(changes, amended!.Owner, EntryKinds.ReservationAmended, amended.Id.ToString(), amended.Version, authority);
            }

            message = message with { LogIndex = _log.Size + _staged.Entries };
            var receipt = Record(changes, from, KindOf(message), message.Id.ToString(), 1, attestation);
            Apply(changes, new MessageSaved(message, status) { Attestation = attestation });
            // Only a response answers a request or counter-proposal, only an answer a line check; an acknowledgement
            // answers an emergency.
            var answers = message.Type is MessageType.DeconflictionResponse or MessageType.LineCheckAnswer
                || (message.Type == MessageType.Acknowledgement && answered?.Message.Type == MessageType.Emergency);
            // A late answer still closes it (a missed line check answered late brings the line back up).
            if (answered is not null && answered.Message.NeedsAnswer && answered.Status.AnsweredAt is null && answers)
            {
                Apply(changes, new MessageSaved(answered.Message, answered.Status with { AnsweredAt = now, AnsweredBy = message.Id }) { Attestation = answered.Attestation });
                if (answered.Message.Type == MessageType.LineCheck)
                {
                    LineCheckAnswered(changes, from, now);
                }
            }

            Event(changes, message.To, LineEventKind.Message, now, messageId: message.Id, party: from);
            if (amended is not null)
            {
                Event(changes, message.From, LineEventKind.Amended, now, messageId: message.Id, party: amended.Owner, reservationId: amended.Id, version: amended.Version);
                Event(changes, message.To, LineEventKind.Amended, now, messageId: message.Id, party: amended.Owner, reservationId: amended.Id, version: amended.Version);
            }

            return Outcome<Message>.Ok(message, receipt);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The signed request recorded at a log entry, with its body, read back from the store.</summary>
    private async Task<Attestation?> LoadAttestationAsync(long index, CancellationToken cancellationToken)
    {
        var entries = await ReadLogEntriesAsync(index, 1, cancellationToken).ConfigureAwait(false);
        var body = await ReadRequestBodyAsync(index, cancellationToken).ConfigureAwait(false);
        return entries.Count == 1 && body is not null ? new Attestation(LogEntry.Decode(entries[0]).Request, body) : null;
    }

    /// <summary>Suspends the calling party's participation (only emergencies and line checks pass); all are told.</summary>
    public Task<Outcome<LineStanding>> SuspendAsync(Principal caller, string reason, Attestation attestation, CancellationToken cancellationToken) =>
        ChangeStandingAsync(caller, suspend: true, reason, attestation, cancellationToken);

    /// <summary>Resumes the calling party's participation; all are told.</summary>
    public Task<Outcome<LineStanding>> ResumeAsync(Principal caller, Attestation attestation, CancellationToken cancellationToken) =>
        ChangeStandingAsync(caller, suspend: false, null, attestation, cancellationToken);

    /// <summary>
    /// Escalates every message whose deadline has passed unanswered (raised a priority step, sent again to every
    /// representative of the receiving party, recorded), and marks down the line of a party that missed line checks.
    /// The host calls it on a timer; tests call it after moving a fake clock.
    /// </summary>
    public async Task<int> ProcessDeadlinesAsync(CancellationToken cancellationToken)
    {
        if (_systemKey is not { } key)
        {
            return 0;
        }

        var now = _time.GetUtcNow();
        var due = Read(s => s.OpenDeadlines.TakeWhile(d => d.Ticks <= now.UtcTicks).Select(d => d.Id).ToList());
        if (due.Count == 0)
        {
            return 0;
        }

        var outcome = await SubmitAsync(changes =>
        {
            var escalated = 0;
            foreach (var id in due)
            {
                if (CurrentMessage(id) is not { } entry || !entry.Status.Open || entry.Status.Deadline > now)
                {
                    continue;
                }

                var message = entry.Message;
                if (message.Type == MessageType.LineCheck && message.To is { } checkedParty)
                {
                    // A missed line check is not escalated: it counts against the line of the party that missed it.
                    Apply(changes, new MessageSaved(message, entry.Status with { Deadline = null }) { Attestation = entry.Attestation });
                    LineCheckMissed(changes, checkedParty, key, now);
                    escalated++;
                    continue;
                }

                var level = entry.Status.Escalations + 1;
                var status = entry.Status with
                {
                    Escalations = level,
                    Priority = entry.Status.Priority == Priority.Routine ? Priority.Urgent : Priority.Flash,
                    Deadline = level >= _line.MaxEscalations ? null : now + DeadlineOf(message),
                };
                Apply(changes, new MessageSaved(message, status) { Attestation = entry.Attestation });
                var body = Json($"{{\"message\":\"{message.Id}\",\"escalation\":{level},\"priority\":\"{status.Priority}\"}}");
                Record(changes, LogEntry.OperatorParty, EntryKinds.LineEscalated, message.Id.ToString(), level, SystemAttestation(key, "/v1/line/system/escalations", body, now));
                Event(changes, message.To, LineEventKind.Escalation, now, messageId: message.Id, party: message.From, reason: $"unanswered since {message.SentAt:O}; escalation {level}, priority {status.Priority}");
                if (message.To is not null)
                {
                    Event(changes, message.From, LineEventKind.Escalation, now, messageId: message.Id, party: message.From, reason: $"your message is unanswered; escalation {level}, priority {status.Priority}");
                }

                escalated++;
            }

            return Outcome<int>.Ok(escalated);
        }, cancellationToken).ConfigureAwait(false);
        return outcome.Value;
    }

    /// <summary>A message and its status (any party may read a message addressed to it or to all; the caller checks).</summary>
    public (Message Message, MessageStatus Status)? GetMessage(Guid id) =>
        Read<(Message, MessageStatus)?>(s => s.Messages.TryGetValue(id, out var e) ? (e.Message, e.Status) : null);

    /// <summary>Every party's standing on the line.</summary>
    public IReadOnlyList<LineStanding> Standings() =>
        Read(s => s.Parties.Keys.Order().Select(p => s.Standings.GetValueOrDefault(p) ?? LineStanding.Initial(p)).ToList());

    /// <summary>The id of the newest event.</summary>
    public long LastEventId => Read(s => s.LastEventId);

    /// <summary>The events after <paramref name="afterId"/> for <paramref name="party"/> (addressed to it or to all),
    /// in order, at most <paramref name="limit"/>: from memory when recent, else from the store.</summary>
    public async Task<IReadOnlyList<LineEvent>> EventsAsync(int party, long afterId, int limit, CancellationToken cancellationToken)
    {
        var recent = Read(s =>
        {
            if (s.EventTail.Count > 0 && afterId + 1 < s.EventTail[0].Id)
            {
                return null; // older than what memory holds
            }

            var list = new List<LineEvent>(Math.Min(limit, 256));
            var start = s.EventTail.Count == 0 ? 0 : (int)Math.Max(0, afterId + 1 - s.EventTail[0].Id);
            for (var i = start; i < s.EventTail.Count && list.Count < limit; i++)
            {
                var e = s.EventTail[i];
                if (e.Recipient is null || e.Recipient == party)
                {
                    list.Add(e);
                }
            }

            return list;
        });
        return recent ?? await _store.ReadLineEventsAsync(party, afterId, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Completes when events newer than <paramref name="afterId"/> are published (or at once if there are).</summary>
    public Task WaitForEventsAsync(long afterId, CancellationToken cancellationToken)
    {
        var published = Volatile.Read(ref _eventsPublished);
        return LastEventId > afterId ? Task.CompletedTask : published.Task.WaitAsync(cancellationToken);
    }

    // ---- on the writer ----------------------------------------------------------------------------------------

    private Task<Outcome<LineStanding>> ChangeStandingAsync(Principal caller, bool suspend, string? reason, Attestation attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.Role != Role.Party)
        {
            return Task.FromResult(Outcome<LineStanding>.Forbidden("only parties suspend or resume their participation"));
        }

        reason = reason?.Trim();
        if (suspend && (string.IsNullOrEmpty(reason) || reason.Length > _line.MaxTextLength))
        {
            return Task.FromResult(Outcome<LineStanding>.Invalid("reason", $"a suspension states its reason (1 to {_line.MaxTextLength} characters)"));
        }

        if (Verify<LineStanding>(caller, attestation) is { } bad)
        {
            return Task.FromResult(bad);
        }

        var party = caller.PartyId!.Value;
        return SubmitAsync(changes =>
        {
            if (Replayed<LineStanding>(attestation) is { } replay)
            {
                return replay;
            }

            var standing = Standing(party);
            if (standing.Suspended == suspend)
            {
                return Outcome<LineStanding>.Invalid("state", suspend ? "your participation is already suspended" : "your participation is not suspended");
            }

            var now = _time.GetUtcNow();
            var changed = standing with { Suspended = suspend, Reason = suspend ? reason : null };
            Apply(changes, new LineStandingSaved(changed));
            var receipt = Record(changes, party, suspend ? EntryKinds.LineSuspended : EntryKinds.LineResumed, Subject(party), 1, attestation);
            Event(changes, null, suspend ? LineEventKind.Suspended : LineEventKind.Resumed, now, party: party, reason: reason);
            return Outcome<LineStanding>.Ok(changed, receipt);
        }, cancellationToken);
    }

    /// <summary>Amends a reservation to a proposal agreed by both sides: the filing rule holds, except that the two
    /// sides' own entities count as acknowledged (they just agreed).</summary>
    private Outcome<Reservation> Amend(List<Change> changes, Proposal proposal, (int A, int B) between)
    {
        if (CurrentReservation(proposal.ReservationId) is not { } entity)
        {
            return Outcome<Reservation>.NotFound($"no reservation {proposal.ReservationId}");
        }

        var current = entity.Reservation!;
        if (current.Version != proposal.Version)
        {
            return new Outcome<Reservation>(OutcomeKind.VersionMismatch, Detail: $"the reservation is at version {current.Version}, the proposal was for {proposal.Version}", CurrentVersion: current.Version);
        }

        if (current.State is not (ReservationState.Accepted or ReservationState.Activated))
        {
            return Outcome<Reservation>.Invalid("proposal", $"a {current.State} reservation is not amended by proposals");
        }

        var conflicts = FindConflicts(current.Owner, proposal.Extents, current.Id, current.Id);
        var others = conflicts.Where(c => c.OtherOwner != between.A && c.OtherOwner != between.B).ToList();
        if (others.Count > 0)
        {
            ConflictEvents(changes, others, refused: true);
            return new Outcome<Reservation>(OutcomeKind.Conflicts, Conflicts: others);
        }

        ConflictEvents(changes, conflicts, refused: false);

        var amended = current with { Extents = proposal.Extents, Version = current.Version + 1, UpdatedAt = _time.GetUtcNow() };
        (amended, _) = SaveReservation(changes, amended, current);
        return Outcome<Reservation>.Ok(amended);
    }

    private void LineCheckAnswered(List<Change> changes, int party, DateTimeOffset now)
    {
        var standing = Standing(party);
        if (standing.MissedChecks == 0 && !standing.Down)
        {
            return;
        }

        Apply(changes, new LineStandingSaved(standing with { MissedChecks = 0, Down = false }));
        if (standing.Down)
        {
            Event(changes, null, LineEventKind.LineUp, now, party: party, reason: "answered a line check");
        }
    }

    private void LineCheckMissed(List<Change> changes, int party, PartySigningKey key, DateTimeOffset now)
    {
        var standing = Standing(party);
        var missed = standing.MissedChecks + 1;
        var down = missed >= _line.MissedChecksForDown;
        Apply(changes, new LineStandingSaved(standing with { MissedChecks = missed, Down = down }));
        if (down && !standing.Down)
        {
            var body = Json($"{{\"party\":{party},\"missedChecks\":{missed}}}");
            Record(changes, LogEntry.OperatorParty, EntryKinds.LineDown, Subject(party), missed, SystemAttestation(key, "/v1/line/system/down", body, now));
            Event(changes, null, LineEventKind.LineDown, now, party: party, reason: $"{missed} line checks unanswered");
        }
    }

    /// <summary>Stages an event with the next id.</summary>
    private void Event(List<Change> changes, int? recipient, LineEventKind kind, DateTimeOffset at, Guid? messageId = null, int? party = null, string? reason = null, Conflict? conflict = null, Guid? reservationId = null, long? version = null)
    {
        var id = Math.Max(_state.LastEventId, _staged.Layer.LastEventId) + 1;
        Apply(changes, new LineEventAppended(new LineEvent(id, recipient, kind, at, messageId, party, reason, conflict, reservationId, version)));
    }

    /// <summary>Conflict events for both owners of each conflict of a filing (refused, or accepted with acknowledgement).</summary>
    private void ConflictEvents(List<Change> changes, IReadOnlyList<Conflict> conflicts, bool refused)
    {
        var now = _time.GetUtcNow();
        foreach (var c in conflicts)
        {
            var why = refused ? "a filing was refused: it conflicts with yours" : "a filing was accepted with your reservation acknowledged";
            Event(changes, c.OtherOwner, LineEventKind.Conflict, now, party: c.ReservationOwner, reason: why, conflict: c);
            Event(changes, c.ReservationOwner, LineEventKind.Conflict, now, party: c.OtherOwner, reason: refused ? "your filing was refused: it conflicts" : "your filing was accepted with a conflict acknowledged", conflict: c);
        }
    }

    private LineStanding Standing(int party) =>
        _staged.Layer.Standings.GetValueOrDefault(party) ?? _state.Standings.GetValueOrDefault(party) ?? LineStanding.Initial(party);

    private MessageEntry? CurrentMessage(Guid id) =>
        _staged.Layer.Messages.GetValueOrDefault(id) ?? _state.Messages.GetValueOrDefault(id);

    private Outcome<Message>? GuardText(int from, MessageDraft draft)
    {
        var texts = new List<(string Field, string Text)>();
        if (draft.Text is { Length: > 0 } body)
        {
            texts.Add(("text", body));
        }

        if (draft.Emergency?.Need is { Length: > 0 } need)
        {
            texts.Add(("emergency.need", need));
        }

        foreach (var (field, text) in texts)
        {
            GuardDecision decision;
            try
            {
                decision = Read(s => _guard.Check(text, position => IsOwnPosition(s, from, position)));
            }
            catch (Exception e) when (e is ArgumentException or System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                return Outcome<Message>.Invalid(field, $"the text cannot be checked for locations ({e.Message}); it is not sent");
            }

            if (decision.Offending.Count == 0)
            {
                continue;
            }

            var reasons = string.Join("; ", decision.Offending.Select(h => h.Reason));
            if (_line.DisclosurePolicy == DisclosurePolicy.Block)
            {
                return Outcome<Message>.Invalid(field, $"the text states a location outside your own volumes, which this line does not carry: {reasons}");
            }

            if (!draft.DiscloseLocation)
            {
                return Outcome<Message>.Invalid(field, $"the text states a location outside your own volumes: {reasons}; to send it anyway, set discloseLocation (it is recorded)");
            }
        }

        return null;
    }

    /// <summary>A position the sender may state (under the read lock): inside one of its own live reservations (found
    /// through the conflict index), or within 100 m of one of its own emergency positions.</summary>
    private static bool IsOwnPosition(State s, int party, LatLng position)
    {
        var point = CircleFootprint.Create(position, 1);
        var probe = new Volume4D(point, new AltitudeBand(-1e6, 1e6), new TimeWindow(DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks));
        var hits = new List<long>();
        s.Index.Query(probe, Separation.None, null, hits);
        foreach (var hit in hits)
        {
            if (s.BySeq.TryGetValue((int)(hit >> ExtentBits), out var entity) && entity.Owner == party && entity.Reservation is not null)
            {
                return true;
            }
        }

        return s.EmergencyPositions.TryGetValue(party, out var positions)
            && positions.Any(p => Lateral.Within(point, CircleFootprint.Create(p, 1), 100));
    }

    private Outcome<Message>? CheckDraft(MessageDraft draft)
    {
        if (draft.Text?.Length > _line.MaxTextLength)
        {
            return Outcome<Message>.Invalid("text", $"at most {_line.MaxTextLength} characters");
        }

        if (draft.Emergency?.Need?.Length > _line.MaxTextLength)
        {
            return Outcome<Message>.Invalid("emergency.need", $"at most {_line.MaxTextLength} characters");
        }

        if (draft.Proposal is { } proposal && (proposal.Extents is null || proposal.Extents.Count == 0 || proposal.Extents.Count > _options.MaxExtents))
        {
            return Outcome<Message>.Invalid("proposal.extents", $"a proposal has 1 to {_options.MaxExtents} extents");
        }

        return draft.Type switch
        {
            MessageType.DeconflictionRequest when draft.To is null => Outcome<Message>.Invalid("to", "a deconfliction request goes to one party"),
            MessageType.DeconflictionRequest when draft.About is null && draft.Proposal is null => Outcome<Message>.Invalid("about", "a deconfliction request is about a reservation (about, or a proposal)"),
            MessageType.DeconflictionResponse when draft.InReplyTo is null => Outcome<Message>.Invalid("inReplyTo", "a response answers a request or a counter-proposal"),
            MessageType.DeconflictionResponse when draft.Decision is null => Outcome<Message>.Invalid("decision", "a response is Accept, Decline or Counter"),
            MessageType.DeconflictionResponse when draft.Decision == Decision.Counter && draft.Proposal is null => Outcome<Message>.Invalid("proposal", "a counter-proposal carries a proposal"),
            MessageType.DeconflictionResponse when draft.Decision != Decision.Counter && draft.Proposal is not null => Outcome<Message>.Invalid("proposal", "only a counter-proposal carries a proposal"),
            MessageType.Emergency when draft.Emergency is null => Outcome<Message>.Invalid("emergency", "an emergency gives a position and what is needed"),
            MessageType.Emergency when string.IsNullOrWhiteSpace(draft.Emergency.Need) => Outcome<Message>.Invalid("emergency.need", "say what is needed"),
            MessageType.LineCheck when draft.To is null => Outcome<Message>.Invalid("to", "a line check goes to one party"),
            MessageType.LineCheckAnswer or MessageType.Acknowledgement when draft.InReplyTo is null => Outcome<Message>.Invalid("inReplyTo", $"a {draft.Type} answers a message"),
            MessageType.FreeText or MessageType.Notice when string.IsNullOrWhiteSpace(draft.Text) => Outcome<Message>.Invalid("text", "is required"),
            not (MessageType.DeconflictionRequest or MessageType.DeconflictionResponse) when draft.Proposal is not null || draft.Decision is not null =>
                Outcome<Message>.Invalid("proposal", "only deconfliction requests and responses carry proposals and decisions"),
            not MessageType.Emergency when draft.Emergency is not null => Outcome<Message>.Invalid("emergency", "only emergencies carry an emergency position"),
            _ => null,
        };
    }

    private static bool Answers(MessageDraft draft, Message answered) => draft.Type switch
    {
        MessageType.DeconflictionResponse => answered.Type == MessageType.DeconflictionRequest
            || (answered.Type == MessageType.DeconflictionResponse && answered.Decision == Decision.Counter),
        MessageType.LineCheckAnswer => answered.Type == MessageType.LineCheck,
        MessageType.Acknowledgement => answered.Type is not MessageType.Acknowledgement,
        _ => true,
    };

    private Priority InitialPriority(Message message) => message.Type == MessageType.Emergency ? Priority.Flash : Priority.Routine;

    private TimeSpan DeadlineOf(Message message) => message.Type switch
    {
        MessageType.Emergency => _line.EmergencyDeadline,
        MessageType.LineCheck => _line.LineCheckDeadline,
        _ => _line.DeconflictionDeadline,
    };

    private static string KindOf(Message message)
    {
        var kind = message.Type switch
        {
            MessageType.DeconflictionRequest => EntryKinds.LineDeconflictionRequest,
            MessageType.DeconflictionResponse => EntryKinds.LineDeconflictionResponse,
            MessageType.Notice => EntryKinds.LineNotice,
            MessageType.Emergency => EntryKinds.LineEmergency,
            MessageType.LineCheck => EntryKinds.LineCheck,
            MessageType.LineCheckAnswer => EntryKinds.LineCheckAnswer,
            MessageType.Acknowledgement => EntryKinds.LineAcknowledgement,
            _ => EntryKinds.LineText,
        };
        return message.DisclosesLocation ? kind + EntryKinds.LocationDisclosedSuffix : kind;
    }

    private static byte[] Json(string json) => Encoding.UTF8.GetBytes(json);

    /// <summary>A request the server signs itself, as the operator, for what the line does on its own.</summary>
    private static Attestation SystemAttestation(PartySigningKey key, string target, byte[] body, DateTimeOffset now) =>
        new(SignedRequest.Create(key, "POST", target, now, Guid.NewGuid(), body), body);

    /// <summary>Signals the event stream readers after a batch with events is published (under the write lock).</summary>
    private void SignalEvents()
    {
        var previous = Interlocked.Exchange(ref _eventsPublished, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }

    /// <summary>A message as the writer holds it, with the signed request that sent it (for a later accepted proposal).</summary>
    private sealed record MessageEntry(Message Message, MessageStatus Status, Attestation? Attestation);

    private sealed partial class State
    {
        public Dictionary<Guid, MessageEntry> Messages { get; } = [];

        private readonly Queue<Guid> _messageOrder = new();

        /// <summary>The open messages by deadline, so that checking deadlines looks only at what is due.</summary>
        public SortedSet<(long Ticks, Guid Id)> OpenDeadlines { get; } = [];

        /// <summary>The positions each party gave in its emergencies: it may state them again.</summary>
        public Dictionary<int, List<LatLng>> EmergencyPositions { get; } = [];

        public Dictionary<int, LineStanding> Standings { get; } = [];

        /// <summary>The newest events, in id order (the stream reads older ones from the store).</summary>
        public List<LineEvent> EventTail { get; } = [];

        public long LastEventId { get; private set; }

        /// <summary>How many line changes this state has applied (the staged layer is reset only when non-zero).</summary>
        public int LineChanges { get; private set; }

        public void LoadLine(LineSnapshot line)
        {
            foreach (var (message, status) in line.Messages.OrderBy(m => m.Message.SentAt))
            {
                Keep(new MessageEntry(message, status, null));
            }

            foreach (var standing in line.Standings)
            {
                Standings[standing.Party] = standing;
            }

            EventTail.AddRange(line.RecentEvents);
            LastEventId = line.LastEventId;
        }

        /// <summary>Holds a message; beyond the memory bound the oldest closed ones are let go (they stay in the
        /// store and the log; a reply to one is refused as unknown).</summary>
        private void Keep(MessageEntry entry)
        {
            if (Messages.TryGetValue(entry.Message.Id, out var previous) && previous.Status.Open)
            {
                OpenDeadlines.Remove((previous.Status.Deadline!.Value.UtcTicks, previous.Message.Id));
            }

            if (entry.Status.Open)
            {
                OpenDeadlines.Add((entry.Status.Deadline!.Value.UtcTicks, entry.Message.Id));
            }

            if (Messages.TryAdd(entry.Message.Id, entry))
            {
                _messageOrder.Enqueue(entry.Message.Id);
                if (entry.Message.Emergency is { } emergency)
                {
                    if (!EmergencyPositions.TryGetValue(entry.Message.From, out var positions))
                    {
                        EmergencyPositions[entry.Message.From] = positions = [];
                    }

                    positions.Add(emergency.Position);
                }
            }
            else
            {
                Messages[entry.Message.Id] = entry;
            }

            // Each message is looked at a bounded number of times: an open one goes back to the end of the queue.
            for (var looked = 0; Messages.Count > ClosedMessagesInMemory && looked < 4 && _messageOrder.TryDequeue(out var oldest); looked++)
            {
                if (Messages.TryGetValue(oldest, out var held) && held.Status.Open)
                {
                    _messageOrder.Enqueue(oldest);
                }
                else
                {
                    Messages.Remove(oldest);
                }
            }
        }

        public void ApplyLine(Change change)
        {
            LineChanges++;
            switch (change)
            {
                case MessageSaved m:
                    Keep(new MessageEntry(m.Message, m.Status, m.Attestation));
                    break;
                case LineStandingSaved s:
                    Standings[s.Standing.Party] = s.Standing;
                    break;
                case LineEventAppended e:
                    EventTail.Add(e.Event);
                    LastEventId = e.Event.Id;
                    if (EventTail.Count > EventTailLength + (EventTailLength / 4))
                    {
                        EventTail.RemoveRange(0, EventTail.Count - EventTailLength);
                    }

                    break;
            }
        }
    }
}
