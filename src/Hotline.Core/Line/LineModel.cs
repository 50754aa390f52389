using Hotline.Geo;

namespace Hotline.Core;

/// <summary>What a message on the line is. There is deliberately no type (and no field) for a purpose or a target.</summary>
public enum MessageType
{
    /// <summary>About a conflict or a reservation, proposing a change; answered by a <see cref="DeconflictionResponse"/>.</summary>
    DeconflictionRequest,

    /// <summary>Accept, decline or counter-propose, in reply to a request or a counter-proposal.</summary>
    DeconflictionResponse,

    /// <summary>An advisory (an area closed, an exercise), usually to all.</summary>
    Notice,

    /// <summary>Distress or a request for assistance, with a position and what is needed. Highest priority.</summary>
    Emergency,

    /// <summary>The periodic "are you there?" call; answered by a <see cref="LineCheckAnswer"/>.</summary>
    LineCheck,

    /// <summary>The answer to a line check.</summary>
    LineCheckAnswer,

    /// <summary>Receipt of any message; it is the answer an emergency needs.</summary>
    Acknowledgement,

    /// <summary>Free text.</summary>
    FreeText,
}

/// <summary>How urgent a message is; an unanswered message is raised a step at each escalation.</summary>
public enum Priority
{
    /// <summary>Normal traffic.</summary>
    Routine,

    /// <summary>Raised: a deadline was missed, or it matters now.</summary>
    Urgent,

    /// <summary>Emergencies, and anything escalated twice.</summary>
    Flash,
}

/// <summary>A response to a deconfliction request or counter-proposal.</summary>
public enum Decision
{
    /// <summary>Agreed: the proposal it answers is carried out through the filing rules.</summary>
    Accept,

    /// <summary>Refused.</summary>
    Decline,

    /// <summary>Refused with another proposal, which the other side may accept.</summary>
    Counter,
}

/// <summary>A proposed change of one reservation (either side's) at a version: its new extents.</summary>
public sealed record Proposal(Guid ReservationId, long Version, IReadOnlyList<Volume4D> Extents);

/// <summary>An emergency's position and what is needed.</summary>
public sealed record EmergencyInfo(LatLng Position, string Need);

/// <summary>A message as a party writes it (before the line checks and records it).</summary>
/// <param name="To">The receiving party; null for all parties.</param>
/// <param name="Type">What it is.</param>
/// <param name="InReplyTo">The message it answers (responses, answers, acknowledgements).</param>
/// <param name="About">The reservation it concerns (deconfliction requests).</param>
/// <param name="Proposal">A proposed change (requests and counter-proposals).</param>
/// <param name="Decision">The decision (responses).</param>
/// <param name="Emergency">Position and need (emergencies).</param>
/// <param name="Text">Free text, checked by the disclosure guard.</param>
/// <param name="DiscloseLocation">The sender's explicit "I intend to disclose this location", recorded with it.</param>
public sealed record MessageDraft(
    int? To,
    MessageType Type,
    Guid? InReplyTo = null,
    Guid? About = null,
    Proposal? Proposal = null,
    Decision? Decision = null,
    EmergencyInfo? Emergency = null,
    string? Text = null,
    bool DiscloseLocation = false);

/// <summary>A message that passed the line: recorded in the log at <see cref="LogIndex"/>.</summary>
public sealed record Message(
    Guid Id,
    int From,
    int? To,
    MessageType Type,
    DateTimeOffset SentAt,
    Guid? InReplyTo,
    Guid? About,
    Proposal? Proposal,
    Decision? Decision,
    EmergencyInfo? Emergency,
    string? Text,
    bool DisclosesLocation,
    long LogIndex)
{
    /// <summary>Whether the type needs an answer by a deadline.</summary>
    public bool NeedsAnswer => Type is MessageType.DeconflictionRequest or MessageType.Emergency or MessageType.LineCheck
        || (Type == MessageType.DeconflictionResponse && Decision == Core.Decision.Counter);
}

/// <summary>Where a message stands: its priority, deadline, whether and when it was answered, its escalations.</summary>
public sealed record MessageStatus(Guid Id, Priority Priority, DateTimeOffset? Deadline, DateTimeOffset? AnsweredAt, Guid? AnsweredBy, int Escalations)
{
    /// <summary>Waiting for an answer.</summary>
    public bool Open => Deadline is not null && AnsweredAt is null;
}

/// <summary>A party's standing on the line.</summary>
/// <param name="Party">The party.</param>
/// <param name="Suspended">It suspended its participation: only emergencies and line checks pass.</param>
/// <param name="Reason">Why, as it stated.</param>
/// <param name="Down">It missed line checks: its line is down, for all to see.</param>
/// <param name="MissedChecks">Consecutive unanswered line checks.</param>
public sealed record LineStanding(int Party, bool Suspended, string? Reason, bool Down, int MissedChecks)
{
    /// <summary>A party's standing before anything happened.</summary>
    public static LineStanding Initial(int party) => new(party, false, null, false, 0);
}

/// <summary>What a party's event stream carries.</summary>
public enum LineEventKind
{
    /// <summary>A message to the party (or to all).</summary>
    Message,

    /// <summary>A filing conflicts with one of the party's reservations (refused, or accepted with acknowledgement).</summary>
    Conflict,

    /// <summary>An unanswered message passed its deadline and was raised in priority.</summary>
    Escalation,

    /// <summary>A reservation was amended by an accepted proposal.</summary>
    Amended,

    /// <summary>A party's line went down (missed line checks).</summary>
    LineDown,

    /// <summary>A party's line is back up.</summary>
    LineUp,

    /// <summary>A party suspended its participation.</summary>
    Suspended,

    /// <summary>A party resumed its participation.</summary>
    Resumed,
}

/// <summary>
/// One event of the line, numbered in one sequence for the whole deployment; a party's stream is the events addressed
/// to it or to all (<see cref="Recipient"/> null), in that order, resumable after any id.
/// </summary>
public sealed record LineEvent(
    long Id,
    int? Recipient,
    LineEventKind Kind,
    DateTimeOffset At,
    Guid? MessageId = null,
    int? Party = null,
    string? Reason = null,
    Conflict? Conflict = null,
    Guid? ReservationId = null,
    long? Version = null);

/// <summary>Line rules of a deployment.</summary>
public sealed record LineOptions
{
    /// <summary>Time to answer a deconfliction request or counter-proposal.</summary>
    public TimeSpan DeconflictionDeadline { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Time to acknowledge an emergency.</summary>
    public TimeSpan EmergencyDeadline { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Time to answer a line check.</summary>
    public TimeSpan LineCheckDeadline { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Consecutive missed line checks that mark a party's line down.</summary>
    public int MissedChecksForDown { get; init; } = 2;

    /// <summary>How many times an unanswered message escalates (each after another deadline).</summary>
    public int MaxEscalations { get; init; } = 3;

    /// <summary>What happens to free text that states a location outside the sender's own volumes.</summary>
    public DisclosurePolicy DisclosurePolicy { get; init; } = DisclosurePolicy.RequireFlag;

    /// <summary>Longest text, in characters.</summary>
    public int MaxTextLength { get; init; } = 4_000;
}

/// <summary>What the disclosure guard does with a location found in free text.</summary>
public enum DisclosurePolicy
{
    /// <summary>Refused, whatever the sender says.</summary>
    Block,

    /// <summary>Refused unless the sender states "I intend to disclose this location"; that flag is recorded.</summary>
    RequireFlag,
}
