using Hotline.Geo;
using Hotline.Ledger;

namespace Hotline.Core;

/// <summary>An organisation that shares the sky. <see cref="Id"/> is its number inside this deployment.</summary>
public sealed record Party(int Id, string Name, DateTimeOffset CreatedAt);

/// <summary>Who a credential speaks for.</summary>
public enum Role
{
    /// <summary>The deployment's operator: creates parties, files nothing.</summary>
    Operator,

    /// <summary>A party: files and reads within the disclosure rules.</summary>
    Party,
}

/// <summary>A bearer credential, kept only as the SHA-256 of its secret.</summary>
public sealed record Credential(string SecretHash, Role Role, int? PartyId, DateTimeOffset CreatedAt);

/// <summary>The authenticated caller of a use case.</summary>
public sealed record Principal(Role Role, int? PartyId)
{
    /// <summary>The deployment's operator.</summary>
    public static Principal Operator { get; } = new(Role.Operator, null);

    /// <summary>A party.</summary>
    public static Principal ForParty(int partyId) => new(Role.Party, partyId);
}

/// <summary>Reservation states, with ASTM F3548 meanings.</summary>
public enum ReservationState
{
    /// <summary>Planned and deconflicted; not yet flying.</summary>
    Accepted,

    /// <summary>Flying, within its volumes.</summary>
    Activated,

    /// <summary>Flying outside its volumes, briefly.</summary>
    Nonconforming,

    /// <summary>Outside its volumes and not coming back soon.</summary>
    Contingent,

    /// <summary>Finished or withdrawn; no longer in the airspace.</summary>
    Ended,
}

/// <summary>What kind of entity an extent or a conflict belongs to.</summary>
public enum EntityKind
{
    /// <summary>A reservation (operational intent).</summary>
    Reservation,

    /// <summary>A constraint (closed area).</summary>
    Constraint,
}

/// <summary>A party's plan to use airspace (an ASTM F3548 operational intent). <see cref="CallSign"/>,
/// <see cref="Notes"/> and <see cref="Ovn"/> never leave the owner.</summary>
public sealed record Reservation(
    Guid Id,
    int Owner,
    IReadOnlyList<Volume4D> Extents,
    ReservationState State,
    long Version,
    string? CallSign,
    string? Notes,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The opaque version of this version (F3548 OVN): new at every change, shown to the owner only, and
    /// what an F3548 key must hold to acknowledge it.</summary>
    public string Ovn { get; init; } = "";

    /// <summary>Where the owner's USS serves the details (F3548 <c>uss_base_url</c>); null for a native filing.</summary>
    public string? UssBaseUrl { get; init; }

    /// <summary>The F3548 subscription that keeps the owner informed, if any.</summary>
    public Guid? SubscriptionId { get; init; }

    /// <summary>The time from the start of the first extent to the end of the last.</summary>
    public TimeWindow Span => Spans.Of(Extents);
}

/// <summary>An area a party closes for a time, no reason given. Everyone sees it.</summary>
public sealed record Constraint(Guid Id, int Owner, IReadOnlyList<Volume4D> Extents, long Version, DateTimeOffset UpdatedAt)
{
    /// <summary>The opaque version of this version (F3548 OVN), shown to the owner only.</summary>
    public string Ovn { get; init; } = "";

    /// <summary>Where the owner's USS serves the details (F3548 <c>uss_base_url</c>); null for a native constraint.</summary>
    public string? UssBaseUrl { get; init; }

    /// <summary>The time from the start of the first extent to the end of the last.</summary>
    public TimeWindow Span => Spans.Of(Extents);
}

/// <summary>Time spans of extent lists.</summary>
internal static class Spans
{
    public static TimeWindow Of(IReadOnlyList<Volume4D> extents)
    {
        var start = long.MaxValue;
        var end = long.MinValue;
        foreach (var e in extents)
        {
            start = Math.Min(start, e.Time.StartTicks);
            end = Math.Max(end, e.Time.EndTicks);
        }

        return new TimeWindow(start, end);
    }
}

/// <summary>An entity at a version: what a filer acknowledges.</summary>
public readonly record struct EntityVersion(Guid Id, long Version);

/// <summary>
/// A reservation extent and another party's reservation or constraint extent within the separation minima.
/// <see cref="Region"/> is where and when they meet: the overlap of the time windows and altitude bands (or, when
/// they are only within the minima, the gap between them), over the two footprints.
/// </summary>
public sealed record Conflict(
    Guid ReservationId,
    int ReservationOwner,
    int ReservationExtent,
    EntityKind OtherKind,
    Guid OtherId,
    int OtherOwner,
    long OtherVersion,
    int OtherExtent,
    ConflictRegion Region);

/// <summary>Where two extents meet: a time span, an altitude span, and the two footprints.</summary>
public sealed record ConflictRegion(DateTimeOffset Start, DateTimeOffset End, double AltitudeLower, double AltitudeUpper, Footprint Footprint, Footprint OtherFootprint)
{
    /// <summary>The region of two conflicting volumes.</summary>
    public static ConflictRegion Between(Volume4D a, Volume4D b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var start = Math.Max(a.Time.StartTicks, b.Time.StartTicks);
        var end = Math.Min(a.Time.EndTicks, b.Time.EndTicks);
        var lower = Math.Max(a.Altitude.Lower, b.Altitude.Lower);
        var upper = Math.Min(a.Altitude.Upper, b.Altitude.Upper);
        // When the volumes only come within the minima, report the gap between them.
        return new ConflictRegion(
            new DateTimeOffset(Math.Min(start, end), TimeSpan.Zero),
            new DateTimeOffset(Math.Max(start, end), TimeSpan.Zero),
            Math.Min(lower, upper),
            Math.Max(lower, upper),
            a.Footprint,
            b.Footprint);
    }
}

/// <summary>A public key registered to a party (<see cref="LogEntry.OperatorParty"/> for the operator): requests it
/// signs are that party's.</summary>
public sealed record PartyKey(int PartyId, PartyPublicKey Key, DateTimeOffset AddedAt);

/// <summary>
/// A request as its sender signed it: the signature (checked against the sender's registered key before anything is
/// decided) and the exact body bytes it covers, kept by the server for disputes.
/// </summary>
public sealed record Attestation(SignedRequest Request, ReadOnlyMemory<byte> Body)
{
    /// <summary>
    /// True when the request was not signed by its sender but by the airspace's own key (<see cref="Airspace.Vouch"/>),
    /// on the word of the host that authenticated the sender another way (an F3548 bearer token): the log then holds the
    /// operator's statement of what the sender asked, not the sender's own signature.
    /// </summary>
    public bool Vouched { get; init; }
}

/// <summary>Where a write was recorded: its entry index in the transparency log and the entry's leaf hash.</summary>
public sealed record LogReceipt(long Index, Hash LeafHash);
