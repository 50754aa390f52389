using Hotline.Geo;

namespace Hotline.Core;

/// <summary>
/// An ASTM F3548 subscription: a party's standing interest in an area, so that whoever changes an operational intent
/// or constraint there learns whom to notify. <see cref="NotificationIndex"/> grows by one at every relevant change;
/// <see cref="Version"/> only when the owner changes the subscription. An implicit subscription was made by the
/// airspace for an operational intent and lives as long as some operational intent depends on it.
/// </summary>
public sealed record Subscription(
    Guid Id,
    int Owner,
    IReadOnlyList<Volume4D> Area,
    string UssBaseUrl,
    bool NotifyForOperationalIntents,
    bool NotifyForConstraints,
    bool Implicit,
    long Version,
    long NotificationIndex,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The time from the start of the first volume of the area to the end of the last.</summary>
    public TimeWindow Span => Spans.Of(Area);
}

/// <summary>What arbitration says of a USS (F3548 <c>UssAvailabilityState</c>).</summary>
public enum UssAvailability
{
    /// <summary>Nobody said otherwise: as capable as Normal.</summary>
    Unknown,

    /// <summary>Declared working.</summary>
    Normal,

    /// <summary>Declared not responding: it may not plan, activate or delete, and others need not acknowledge its
    /// Accepted operational intents.</summary>
    Down,
}

/// <summary>The availability of the USS named <paramref name="Uss"/> (its token's <c>sub</c>) at <paramref name="Version"/>
/// (0 until first set).</summary>
public sealed record UssAvailabilityStatus(string Uss, UssAvailability Availability, long Version, DateTimeOffset UpdatedAt);

/// <summary>A subscription to notify of a change, with its notification index after the change.</summary>
public readonly record struct SubscriptionNotice(Guid SubscriptionId, long NotificationIndex, string UssBaseUrl, int Owner);

/// <summary>The parameters of an F3548 operational intent reference write (create when <c>expectedOvn</c> is null).</summary>
public sealed record OperationalIntentRequest(
    IReadOnlyList<Volume4D> Extents,
    ReservationState State,
    IReadOnlySet<string> Key,
    string UssBaseUrl,
    Guid? SubscriptionId,
    ImplicitSubscriptionRequest? NewSubscription,
    Guid? RequestedOvnSuffix);

/// <summary>The implicit subscription to create for an operational intent.</summary>
public sealed record ImplicitSubscriptionRequest(string UssBaseUrl, bool NotifyForConstraints);

/// <summary>The parameters of an F3548 subscription write.</summary>
public sealed record SubscriptionRequest(Volume4D Area, string UssBaseUrl, bool NotifyForOperationalIntents, bool NotifyForConstraints);

/// <summary>An accepted F3548 write: the entity as written and the subscriptions its writer must now notify.</summary>
public sealed record DssChange<T>(T Entity, IReadOnlyList<SubscriptionNotice> Notify);

/// <summary>Why an F3548 write was refused for its key: the entities whose current OVN it lacks.</summary>
public sealed record MissingOvns(IReadOnlyList<Reservation> OperationalIntents, IReadOnlyList<Constraint> Constraints);

/// <summary>A subscription written, with the operational intents and constraints in its area at that moment.</summary>
public sealed record SubscriptionWritten(Subscription Subscription, IReadOnlyList<Reservation> OperationalIntents, IReadOnlyList<Constraint> Constraints);
