using Hotline.Ledger;

namespace Hotline.Core;

/// <summary>
/// Where the airspace's state is kept. An implementation must make a committed batch durable before
/// <see cref="CommitAsync"/> returns (the server acknowledges writes only then), apply a batch all or nothing, and
/// return from <see cref="LoadAsync"/> exactly the state of the last committed batch.
/// </summary>
public interface IAirspaceStore : IAsyncDisposable
{
    /// <summary>Everything committed so far. <paramref name="noncesSince"/>: the nonces of log entries recorded at
    /// or after this time (the replay window) are loaded; older ones are not needed.</summary>
    Task<AirspaceSnapshot> LoadAsync(DateTimeOffset noncesSince, CancellationToken cancellationToken);

    /// <summary>The log entries [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>), in
    /// order, each as its canonical bytes; fewer when the log is shorter. Safe to call concurrently with a commit.</summary>
    Task<IReadOnlyList<byte[]>> ReadLogEntriesAsync(long start, int count, CancellationToken cancellationToken);

    /// <summary>The exact body of the request recorded at log entry <paramref name="index"/>, or null if there is no
    /// such entry. Safe to call concurrently with a commit.</summary>
    Task<byte[]?> ReadRequestBodyAsync(long index, CancellationToken cancellationToken);

    /// <summary>The events after <paramref name="afterId"/> addressed to <paramref name="party"/> or to all, in order,
    /// at most <paramref name="limit"/>. Safe to call concurrently with a commit.</summary>
    Task<IReadOnlyList<LineEvent>> ReadLineEventsAsync(int party, long afterId, int limit, CancellationToken cancellationToken);

    /// <summary>Applies the changes in order, in one durable transaction.</summary>
    Task CommitAsync(IReadOnlyList<Change> changes, CancellationToken cancellationToken);
}

/// <summary>The whole stored state.</summary>
public sealed record AirspaceSnapshot(
    IReadOnlyList<Party> Parties,
    IReadOnlyList<Credential> Credentials,
    IReadOnlyList<Reservation> Reservations,
    IReadOnlyList<Constraint> Constraints,
    IReadOnlyList<PartyKey> Keys,
    IReadOnlyList<Hash> LeafHashes,
    IReadOnlyList<RecordedNonce> RecentNonces,
    LineSnapshot Line)
{
    /// <summary>Every F3548 subscription.</summary>
    public IReadOnlyList<Subscription> Subscriptions { get; init; } = [];

    /// <summary>Every USS availability that was ever set.</summary>
    public IReadOnlyList<UssAvailabilityStatus> UssAvailabilities { get; init; } = [];
}

/// <summary>The line's stored state: every message with its status, every party's standing, the newest events (the
/// older ones are read on demand with <see cref="IAirspaceStore.ReadLineEventsAsync"/>) and the last event id.</summary>
public sealed record LineSnapshot(
    IReadOnlyList<(Message Message, MessageStatus Status)> Messages,
    IReadOnlyList<LineStanding> Standings,
    IReadOnlyList<LineEvent> RecentEvents,
    long LastEventId)
{
    /// <summary>Nothing on the line yet.</summary>
    public static LineSnapshot Empty { get; } = new([], [], [], 0);
}

/// <summary>A request nonce the log holds, with the server time of its entry.</summary>
public readonly record struct RecordedNonce(Guid Nonce, DateTimeOffset RecordedAt);

/// <summary>One change to the stored state.</summary>
public abstract record Change;

/// <summary>A party was created.</summary>
public sealed record PartySaved(Party Party) : Change;

/// <summary>A credential was issued.</summary>
public sealed record CredentialSaved(Credential Credential) : Change;

/// <summary>A reservation was filed or changed (including ended): the new version replaces the old.</summary>
public sealed record ReservationSaved(Reservation Reservation) : Change;

/// <summary>A constraint was created or changed.</summary>
public sealed record ConstraintSaved(Constraint Constraint) : Change;

/// <summary>A constraint was withdrawn.</summary>
public sealed record ConstraintDeleted(Guid Id) : Change;

/// <summary>An F3548 subscription was created or changed by its owner (or, when implicit, by the airspace).</summary>
public sealed record SubscriptionSaved(Subscription Subscription) : Change;

/// <summary>A subscription's notification index moved on (a relevant change happened in its area); nothing else
/// about it changed.</summary>
public sealed record SubscriptionNotified(Guid Id, long NotificationIndex) : Change;

/// <summary>An F3548 subscription was deleted.</summary>
public sealed record SubscriptionDeleted(Guid Id) : Change;

/// <summary>A USS's availability was set.</summary>
public sealed record UssAvailabilitySaved(UssAvailabilityStatus Status) : Change;

/// <summary>A public key was registered to a party.</summary>
public sealed record PartyKeySaved(PartyKey Key) : Change;

/// <summary>
/// An entry was appended to the transparency log at <paramref name="Index"/> (the next index, always), with its leaf
/// hash, the server time, the nonce of the signed request, and the exact request body (kept for disputes, never
/// published).
/// </summary>
public sealed record EntryAppended(long Index, byte[] Entry, Hash LeafHash, DateTimeOffset RecordedAt, Guid Nonce, byte[] Body) : Change
{
    /// <summary>The request was signed by the airspace itself on a sender's behalf (<see cref="Attestation.Vouched"/>):
    /// its nonce is fresh and need not be remembered against replay.</summary>
    public bool Vouched { get; init; }
}

/// <summary>A message was sent, or its status changed (answered, escalated).</summary>
public sealed record MessageSaved(Message Message, MessageStatus Status) : Change
{
    /// <summary>The signed request that sent the message, kept in memory for a proposal accepted later; not stored.</summary>
    public Attestation? Attestation { get; init; }
}

/// <summary>An event was added to the line (its id is the next one).</summary>
public sealed record LineEventAppended(LineEvent Event) : Change;

/// <summary>A party's standing on the line changed.</summary>
public sealed record LineStandingSaved(LineStanding Standing) : Change;
