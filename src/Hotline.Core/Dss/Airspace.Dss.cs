using Hotline.Geo;
using Hotline.Ledger;

namespace Hotline.Core;

/// <summary>
/// The ASTM F3548-21 view of the airspace (strategic coordination through a DSS): operational intents are
/// reservations and constraint references are constraints, in the same index, under the same writer and in the same
/// log; what F3548 adds is decided here: OVN keys instead of acknowledged versions, subscriptions with notification
/// indices (implicit ones included), USS availability, and the state and ownership rules of the standard.
/// <para>A USS is a party (its token's <c>sub</c> is the party's name). Its requests reach the airspace through the host,
/// which authenticated it by bearer token; unless it also signed the request itself, the host has the airspace
/// <see cref="Vouch"/> for it, and the log records the operator's word for what the USS asked.</para>
/// </summary>
public sealed partial class Airspace
{
    /// <summary>The longest an F3548 subscription may last.</summary>
    public static readonly TimeSpan MaxSubscriptionDuration = TimeSpan.FromHours(24);

    /// <summary>Signs a request the host authenticated by other means with the airspace's own (the operator's) key.</summary>
    public Attestation Vouch(string method, string target, byte[] body)
    {
        var key = _systemKey ?? throw new InvalidOperationException("the airspace has no system key (UseSystemKey)");
        return new Attestation(SignedRequest.Create(key, method, target, _time.GetUtcNow(), Guid.NewGuid(), body), body) { Vouched = true };
    }

    /// <summary>The party whose name is exactly <paramref name="name"/> (an F3548 USS's <c>sub</c>), or null.</summary>
    public Party? PartyNamed(string name) =>
        Read(s => s.PartyIdsByName.TryGetValue(name, out var id) && s.Parties[id].Name == name ? s.Parties[id] : null);

    /// <summary>A party's name, or null.</summary>
    public string? PartyName(int id) => Read(s => s.Parties.GetValueOrDefault(id)?.Name);

    /// <summary>What arbitration last said of the USS named <paramref name="uss"/> (Unknown, version 0, when nothing).</summary>
    public UssAvailabilityStatus Availability(string uss) =>
        Read(s => s.UssAvailability.GetValueOrDefault(uss)) ?? new UssAvailabilityStatus(uss, UssAvailability.Unknown, 0, DateTimeOffset.UnixEpoch);

    /// <summary>A subscription by id.</summary>
    public Subscription? GetSubscription(Guid id) => Read(s => s.Subscriptions.GetValueOrDefault(id)?.Subscription);

    /// <summary>The live operational intents that depend on a subscription.</summary>
    public IReadOnlyList<Guid> DependentsOf(Guid subscription) =>
        Read(s => s.Dependents.TryGetValue(subscription, out var ids) ? ids.Order().ToList() : (IReadOnlyList<Guid>)[]);

    /// <summary>The subscriptions of <paramref name="owner"/> whose area meets <paramref name="area"/>.</summary>
    public IReadOnlyList<Subscription> QuerySubscriptions(int owner, Volume4D area)
    {
        ArgumentNullException.ThrowIfNull(area);
        return Read(s =>
        {
            var hits = new List<long>();
            s.SubscriptionIndex.Query(area, Separation.None, null, hits);
            return hits.Select(h => (int)(h >> ExtentBits)).Distinct()
                .Select(seq => s.SubscriptionsBySeq.GetValueOrDefault(seq)?.Subscription)
                .Where(x => x is not null && x.Owner == owner)
                .Select(x => x!)
                .OrderBy(x => x.Id)
                .ToList();
        });
    }

    /// <summary>
    /// Creates (<paramref name="expectedOvn"/> null) or updates an operational intent reference of the USS
    /// <paramref name="uss"/>. Refused, listing what is missing, unless the key holds the current OVN of every relevant
    /// operational intent (and constraint, when the USS processes constraints) within the separation minima, except
    /// the one being changed and Accepted ones of a Down USS; no key is needed to declare Nonconforming or Contingent.
    /// </summary>
    public Task<Outcome<DssChange<Reservation>>> PutOperationalIntentAsync(
        int uss, Guid id, string? expectedOvn, OperationalIntentRequest request, Attestation attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = _time.GetUtcNow();
        if ((CheckDssExtents<DssChange<Reservation>>(request.Extents, now) ?? VerifyDss<DssChange<Reservation>>(uss, attestation)) is { } invalid)
        {
            return Task.FromResult(invalid);
        }

        if (request.State == ReservationState.Ended)
        {
            return Task.FromResult(Outcome<DssChange<Reservation>>.Invalid("state", "an operational intent ends by being deleted"));
        }

        if (expectedOvn is null && request.State is not (ReservationState.Accepted or ReservationState.Activated))
        {
            return Task.FromResult(Outcome<DssChange<Reservation>>.Invalid("state", $"a new operational intent is Accepted or Activated, not {request.State}"));
        }

        string? requestedOvn = null;
        if (request.RequestedOvnSuffix is { } suffix)
        {
            if (suffix.Version != 7)
            {
                return Task.FromResult(Outcome<DssChange<Reservation>>.Invalid("requested_ovn_suffix", "must be a UUIDv7"));
            }

            var stamped = UuidV7Time(suffix);
            if ((stamped - now).Duration() > _options.MaxClockSkew)
            {
                return Task.FromResult(Outcome<DssChange<Reservation>>.Invalid(
                    "requested_ovn_suffix", $"its time ({stamped:O}) is more than {_options.MaxClockSkew.TotalSeconds:0} s from the server's clock ({now:O})"));
            }

            requestedOvn = $"{id:D}_{suffix:D}";
        }

        // Coverage is exact geometry (up to milliseconds for large polygons): decide it here, off the writer, against
        // the subscription as committed; the writer reuses the answer if the subscription has not changed since.
        (Guid Id, long Version, bool Covered)? precomputed = null;
        if (request.SubscriptionId is { } named && GetSubscription(named) is { Implicit: false } committed)
        {
            precomputed = (named, committed.Version, Covers(committed.Area, request.Extents));
        }

        return SubmitAsync(changes =>
        {
            if (ReplayedDss<DssChange<Reservation>>(attestation) is { } replay)
            {
                return replay;
            }

            var current = CurrentReservation(id)?.Reservation;
            var live = current is not null && current.State != ReservationState.Ended;
            if (current is not null && current.Owner != uss)
            {
                return Outcome<DssChange<Reservation>>.Forbidden($"operational intent {id} is managed by another USS");
            }

            if (live && (expectedOvn is null || current!.Ovn != expectedOvn))
            {
                return new Outcome<DssChange<Reservation>>(OutcomeKind.VersionMismatch, Detail: expectedOvn is null
                    ? $"operational intent {id} already exists: update it at its current OVN"
                    : "the OVN given is not the current OVN of this operational intent", CurrentVersion: current!.Version);
            }

            if (!live && expectedOvn is not null)
            {
                return Outcome<DssChange<Reservation>>.NotFound($"no operational intent {id}");
            }

            if (live && !CanMove(current!.State, request.State))
            {
                return Outcome<DssChange<Reservation>>.Invalid("state", $"an operational intent cannot go from {current.State} to {request.State}");
            }

            var planning = request.State is ReservationState.Accepted or ReservationState.Activated;
            if (planning && AvailabilityOf(uss) == UssAvailability.Down)
            {
                return new Outcome<DssChange<Reservation>>(OutcomeKind.PreconditionFailed, Detail: "this USS is declared Down: it may not plan or activate operational intents");
            }

            // The subscription that keeps the manager informed.
            Subscription? subscription = null;
            var subscriptionChanged = false;
            if (request.SubscriptionId is { } subscriptionId)
            {
                subscription = CurrentSubscription(subscriptionId);
                if (subscription is null)
                {
                    return Outcome<DssChange<Reservation>>.Invalid("subscription_id", $"no subscription {subscriptionId}");
                }

                if (subscription.Owner != uss)
                {
                    return Outcome<DssChange<Reservation>>.Forbidden($"subscription {subscriptionId} is managed by another USS");
                }

                if (!subscription.NotifyForOperationalIntents)
                {
                    return Outcome<DssChange<Reservation>>.Invalid("subscription_id", "the subscription does not notify for operational intents");
                }

                if (subscription.Implicit)
                {
                    // An implicit subscription covers exactly the operational intents that depend on it.
                    var area = DependentExtents(subscriptionId, except: id).Concat(request.Extents).ToList();
                    if (area.Count > 1 << ExtentBits)
                    {
                        return Outcome<DssChange<Reservation>>.Invalid("subscription_id", $"the implicit subscription would cover more than {1 << ExtentBits} volumes: use an explicit one");
                    }

                    subscription = subscription with { Area = area, Version = subscription.Version + 1, UpdatedAt = now };
                    subscriptionChanged = true;
                }
                else if (!(precomputed is { } known && known.Id == subscription.Id && known.Version == subscription.Version
                    ? known.Covered
                    : Covers(subscription.Area, request.Extents)))
                {
                    return Outcome<DssChange<Reservation>>.Invalid("subscription_id", "the subscription does not cover the operational intent's extents (space and time)");
                }
            }
            else if (request.NewSubscription is { } wanted)
            {
                // F3548's SubscriptionID is a UUIDv4 (its pattern requires the version nibble 4).
                subscription = new Subscription(Guid.NewGuid(), uss, request.Extents, wanted.UssBaseUrl, true, wanted.NotifyForConstraints, true, 1, 0, now);
                subscriptionChanged = true;
            }
            else if (request.State != ReservationState.Accepted)
            {
                return Outcome<DssChange<Reservation>>.Invalid("subscription_id", $"an {request.State} operational intent needs subscription_id or new_subscription");
            }

            var conflicts = FindConflicts(_state, _staged, uss, request.Extents, id, id, includeOwn: true);
            if (planning && MissingFromKey(uss, conflicts, request.Key, subscription?.NotifyForConstraints ?? false) is { } missing)
            {
                return new Outcome<DssChange<Reservation>>(OutcomeKind.Conflicts, Detail: "the key lacks the current OVN of one or more relevant operational intents or constraints", Missing: missing);
            }

            if (requestedOvn is not null && requestedOvn == current?.Ovn)
            {
                return Outcome<DssChange<Reservation>>.Invalid("requested_ovn_suffix", "gives the current OVN: a new version needs a new one");
            }

            if (subscriptionChanged)
            {
                Apply(changes, new SubscriptionSaved(subscription!));
            }

            var reservation = new Reservation(id, uss, request.Extents, request.State, (current?.Version ?? 0) + 1,
                live ? current!.CallSign : null, live ? current!.Notes : null, now)
            {
                Ovn = requestedOvn ?? "",
                UssBaseUrl = request.UssBaseUrl,
                SubscriptionId = subscription?.Id,
            };
            (reservation, var notify) = SaveReservation(changes, reservation, live ? current : null);
            if (live && current!.SubscriptionId is { } previous && previous != reservation.SubscriptionId)
            {
                DropImplicitIfUnused(changes, previous);
            }

            ConflictEvents(changes, [.. conflicts.Where(c => c.OtherOwner != uss)], refused: false);
            var receipt = Record(changes, uss, live ? EntryKinds.ReservationAmended : EntryKinds.ReservationFiled, id.ToString(), reservation.Version, attestation);
            return Outcome<DssChange<Reservation>>.Ok(new DssChange<Reservation>(reservation, StillSubscribed(notify)), receipt);
        }, cancellationToken);
    }

    /// <summary>Deletes an operational intent reference at its current OVN (its manager only; not while Down).</summary>
    public Task<Outcome<DssChange<Reservation>>> DeleteOperationalIntentAsync(int uss, Guid id, string ovn, Attestation attestation, CancellationToken cancellationToken)
    {
        if (VerifyDss<DssChange<Reservation>>(uss, attestation) is { } bad)
        {
            return Task.FromResult(bad);
        }

        return SubmitAsync(changes =>
        {
            if (ReplayedDss<DssChange<Reservation>>(attestation) is { } replay)
            {
                return replay;
            }

            var current = CurrentReservation(id)?.Reservation;
            if (current is null || current.State == ReservationState.Ended)
            {
                return Outcome<DssChange<Reservation>>.NotFound($"no operational intent {id}");
            }

            if (current.Owner != uss)
            {
                return Outcome<DssChange<Reservation>>.Forbidden($"operational intent {id} is managed by another USS");
            }

            if (current.Ovn != ovn)
            {
                return new Outcome<DssChange<Reservation>>(OutcomeKind.VersionMismatch, Detail: "the OVN given is not the current OVN of this operational intent", CurrentVersion: current.Version);
            }

            if (AvailabilityOf(uss) == UssAvailability.Down)
            {
                return new Outcome<DssChange<Reservation>>(OutcomeKind.PreconditionFailed, Detail: "this USS is declared Down: it may not delete operational intents");
            }

            var ended = current with { State = ReservationState.Ended, Version = current.Version + 1, UpdatedAt = _time.GetUtcNow() };
            (ended, var notify) = SaveReservation(changes, ended, current);
            if (current.SubscriptionId is { } subscription)
            {
                DropImplicitIfUnused(changes, subscription);
            }

            var receipt = Record(changes, uss, EntryKinds.ReservationEnded, id.ToString(), ended.Version, attestation);
            return Outcome<DssChange<Reservation>>.Ok(new DssChange<Reservation>(current, StillSubscribed(notify)), receipt);
        }, cancellationToken);
    }

    /// <summary>Creates (<paramref name="expectedOvn"/> null) or updates a constraint reference of the USS
    /// <paramref name="uss"/>. Constraints are imposed, not negotiated: no key.</summary>
    public Task<Outcome<DssChange<Constraint>>> PutConstraintReferenceAsync(
        int uss, Guid id, string? expectedOvn, IReadOnlyList<Volume4D> extents, string ussBaseUrl, Attestation attestation, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if ((CheckDssExtents<DssChange<Constraint>>(extents, now) ?? VerifyDss<DssChange<Constraint>>(uss, attestation)) is { } invalid)
        {
            return Task.FromResult(invalid);
        }

        return SubmitAsync(changes =>
        {
            if (ReplayedDss<DssChange<Constraint>>(attestation) is { } replay)
            {
                return replay;
            }

            var current = CurrentConstraint(id)?.Constraint;
            if (current is not null && current.Owner != uss)
            {
                return Outcome<DssChange<Constraint>>.Forbidden($"constraint {id} is managed by another USS");
            }

            if (current is not null && (expectedOvn is null || current.Ovn != expectedOvn))
            {
                return new Outcome<DssChange<Constraint>>(OutcomeKind.VersionMismatch, Detail: expectedOvn is null
                    ? $"constraint {id} already exists: update it at its current OVN"
                    : "the OVN given is not the current OVN of this constraint", CurrentVersion: current.Version);
            }

            if (current is null && expectedOvn is not null)
            {
                return Outcome<DssChange<Constraint>>.NotFound($"no constraint {id}");
            }

            var constraint = new Constraint(id, uss, extents, (current?.Version ?? 0) + 1, now) { UssBaseUrl = ussBaseUrl };
            (constraint, var notify) = SaveConstraint(changes, constraint, current);
            var receipt = Record(changes, uss, current is null ? EntryKinds.ConstraintCreated : EntryKinds.ConstraintUpdated, id.ToString(), constraint.Version, attestation);
            return Outcome<DssChange<Constraint>>.Ok(new DssChange<Constraint>(constraint, notify), receipt);
        }, cancellationToken);
    }

    /// <summary>Deletes a constraint reference at its current OVN (its manager only).</summary>
    public Task<Outcome<DssChange<Constraint>>> DeleteConstraintReferenceAsync(int uss, Guid id, string ovn, Attestation attestation, CancellationToken cancellationToken)
    {
        if (VerifyDss<DssChange<Constraint>>(uss, attestation) is { } bad)
        {
            return Task.FromResult(bad);
        }

        return SubmitAsync(changes =>
        {
            if (ReplayedDss<DssChange<Constraint>>(attestation) is { } replay)
            {
                return replay;
            }

            var current = CurrentConstraint(id)?.Constraint;
            if (current is null)
            {
                return Outcome<DssChange<Constraint>>.NotFound($"no constraint {id}");
            }

            if (current.Owner != uss)
            {
                return Outcome<DssChange<Constraint>>.Forbidden($"constraint {id} is managed by another USS");
            }

            if (current.Ovn != ovn)
            {
                return new Outcome<DssChange<Constraint>>(OutcomeKind.VersionMismatch, Detail: "the OVN given is not the current OVN of this constraint", CurrentVersion: current.Version);
            }

            var notify = DeleteConstraint(changes, current);
            var receipt = Record(changes, uss, EntryKinds.ConstraintWithdrawn, id.ToString(), current.Version, attestation);
            return Outcome<DssChange<Constraint>>.Ok(new DssChange<Constraint>(current, notify), receipt);
        }, cancellationToken);
    }

    /// <summary>
    /// Creates (<paramref name="expectedVersion"/> null) or updates a subscription of the USS <paramref name="uss"/>,
    /// and returns it with the operational intents and constraints in its area (as it asked to be notified of them).
    /// A subscription that operational intents depend on must keep covering them and notifying for them.
    /// </summary>
    public Task<Outcome<SubscriptionWritten>> PutSubscriptionAsync(
        int uss, Guid id, long? expectedVersion, SubscriptionRequest request, Attestation attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = _time.GetUtcNow();
        if (request.Area.Time.End <= now)
        {
            return Task.FromResult(Outcome<SubscriptionWritten>.Invalid("extents.time_end", "a subscription may not end in the past"));
        }

        if (request.Area.Time.End - request.Area.Time.Start > MaxSubscriptionDuration)
        {
            return Task.FromResult(Outcome<SubscriptionWritten>.Invalid("extents", $"a subscription lasts at most {MaxSubscriptionDuration.TotalHours:0} hours"));
        }

        if (!request.NotifyForOperationalIntents && !request.NotifyForConstraints)
        {
            return Task.FromResult(Outcome<SubscriptionWritten>.Invalid("notify_for_operational_intents", "a subscription notifies for operational intents, constraints or both"));
        }

        if (VerifyDss<SubscriptionWritten>(uss, attestation) is { } bad)
        {
            return Task.FromResult(bad);
        }

        return SubmitAsync(changes =>
        {
            if (ReplayedDss<SubscriptionWritten>(attestation) is { } replay)
            {
                return replay;
            }

            var current = CurrentSubscription(id);
            if (current is not null && current.Owner != uss)
            {
                return Outcome<SubscriptionWritten>.Forbidden($"subscription {id} is managed by another USS");
            }

            if (current is not null && expectedVersion != current.Version)
            {
                return new Outcome<SubscriptionWritten>(OutcomeKind.VersionMismatch, Detail: expectedVersion is null
                    ? $"subscription {id} already exists: update it at its current version"
                    : "the version given is not the current version of this subscription", CurrentVersion: current.Version);
            }

            if (current is null && expectedVersion is not null)
            {
                return Outcome<SubscriptionWritten>.NotFound($"no subscription {id}");
            }

            if (current is not null)
            {
                var dependents = DependentExtents(id, except: null);
                if (dependents.Count > 0 && !request.NotifyForOperationalIntents)
                {
                    return Outcome<SubscriptionWritten>.Invalid("notify_for_operational_intents", "operational intents depend on this subscription: it must notify for them");
                }

                if (!Covers([request.Area], dependents))
                {
                    return Outcome<SubscriptionWritten>.Invalid("extents", "the subscription must still cover the operational intents that depend on it");
                }
            }

            var subscription = new Subscription(id, uss, [request.Area], request.UssBaseUrl, request.NotifyForOperationalIntents, request.NotifyForConstraints,
                current?.Implicit ?? false, (current?.Version ?? 0) + 1, current?.NotificationIndex ?? 0, now);
            Apply(changes, new SubscriptionSaved(subscription));
            var receipt = Record(changes, uss, current is null ? EntryKinds.SubscriptionCreated : EntryKinds.SubscriptionUpdated, id.ToString(), subscription.Version, attestation);
            var (intents, constraints) = InArea(request.Area);
            return Outcome<SubscriptionWritten>.Ok(new SubscriptionWritten(
                subscription,
                request.NotifyForOperationalIntents ? intents : [],
                request.NotifyForConstraints ? constraints : []), receipt);
        }, cancellationToken);
    }

    /// <summary>Deletes a subscription at its current version (its owner only; not while operational intents depend on it).</summary>
    public Task<Outcome<Subscription>> DeleteSubscriptionAsync(int uss, Guid id, long version, Attestation attestation, CancellationToken cancellationToken)
    {
        if (VerifyDss<Subscription>(uss, attestation) is { } bad)
        {
            return Task.FromResult(bad);
        }

        return SubmitAsync(changes =>
        {
            if (ReplayedDss<Subscription>(attestation) is { } replay)
            {
                return replay;
            }

            var current = CurrentSubscription(id);
            if (current is null)
            {
                return Outcome<Subscription>.NotFound($"no subscription {id}");
            }

            if (current.Owner != uss)
            {
                return Outcome<Subscription>.Forbidden($"subscription {id} is managed by another USS");
            }

            if (current.Version != version)
            {
                return new Outcome<Subscription>(OutcomeKind.VersionMismatch, Detail: "the version given is not the current version of this subscription", CurrentVersion: current.Version);
            }

            var dependents = DependentCount(id);
            if (dependents > 0)
            {
                return Outcome<Subscription>.Invalid("subscriptionid", $"{dependents} operational intent(s) depend on this subscription: delete or move them first");
            }

            Apply(changes, new SubscriptionDeleted(id));
            return Outcome<Subscription>.Ok(current, Record(changes, uss, EntryKinds.SubscriptionDeleted, id.ToString(), current.Version, attestation));
        }, cancellationToken);
    }

    /// <summary>Sets what arbitration says of the USS named <paramref name="uss"/>, at its current version
    /// (<paramref name="oldVersion"/> 0 when never set). <paramref name="arbiter"/> is the party that says it.</summary>
    public Task<Outcome<UssAvailabilityStatus>> SetUssAvailabilityAsync(
        int arbiter, string uss, long oldVersion, UssAvailability availability, Attestation attestation, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(uss);
        if (VerifyDss<UssAvailabilityStatus>(arbiter, attestation) is { } bad)
        {
            return Task.FromResult(bad);
        }

        return SubmitAsync(changes =>
        {
            if (ReplayedDss<UssAvailabilityStatus>(attestation) is { } replay)
            {
                return replay;
            }

            var current = _staged.Layer.UssAvailability.GetValueOrDefault(uss) ?? _state.UssAvailability.GetValueOrDefault(uss);
            var version = current?.Version ?? 0;
            if (version != oldVersion)
            {
                return new Outcome<UssAvailabilityStatus>(OutcomeKind.VersionMismatch, Detail: "old_version is not the current version of this USS's availability", CurrentVersion: version);
            }

            var status = new UssAvailabilityStatus(uss, availability, version + 1, _time.GetUtcNow());
            Apply(changes, new UssAvailabilitySaved(status));
            return Outcome<UssAvailabilityStatus>.Ok(status, Record(changes, arbiter, EntryKinds.UssAvailabilitySet, LogSubject(uss), status.Version, attestation));
        }, cancellationToken);
    }

    /// <summary>Records a USS's report of a problem with the DSS (F3548 <c>makeDssReport</c>) in the log, under a new id.</summary>
    public Task<Outcome<Guid>> RecordDssReportAsync(int uss, Attestation attestation, CancellationToken cancellationToken)
    {
        if (VerifyDss<Guid>(uss, attestation) is { } bad)
        {
            return Task.FromResult(bad);
        }

        return SubmitAsync(changes =>
        {
            if (ReplayedDss<Guid>(attestation) is { } replay)
            {
                return replay;
            }

            var id = Guid.CreateVersion7(_time.GetUtcNow());
            return Outcome<Guid>.Ok(id, Record(changes, uss, EntryKinds.DssReport, id.ToString(), 1, attestation));
        }, cancellationToken);
    }

    /// <summary>The live operational intents and the constraints with a volume meeting the area.</summary>
    private (List<Reservation> Intents, List<Constraint> Constraints) InArea(Volume4D area)
    {
        var intents = new List<Reservation>();
        var constraints = new List<Constraint>();
        var seen = new HashSet<Guid>();
        foreach (var c in FindConflicts(_state, _staged, -1, [area], null, null, includeOwn: true, Separation.None))
        {
            if (!seen.Add(c.OtherId))
            {
                continue;
            }

            if (c.OtherKind == EntityKind.Reservation)
            {
                intents.Add(CurrentReservation(c.OtherId)!.Reservation!);
            }
            else
            {
                constraints.Add(CurrentConstraint(c.OtherId)!.Constraint!);
            }
        }

        return (intents, constraints);
    }

    // ---- on the writer --------------------------------------------------------------------------------------

    /// <summary>Stages a reservation's new version (a new OVN unless the caller chose one) and moves on the
    /// notification index of every subscription for operational intents whose area meets the old or new extents.</summary>
    private (Reservation Saved, IReadOnlyList<SubscriptionNotice> Notify) SaveReservation(List<Change> changes, Reservation updated, Reservation? previous)
    {
        if (updated.Ovn.Length == 0 || updated.Ovn == previous?.Ovn)
        {
            updated = updated with { Ovn = NewOvn() };
        }

        Apply(changes, new ReservationSaved(updated));
        var areas = updated.State == ReservationState.Ended ? [] : updated.Extents;
        return (updated, NotifySubscribers(changes, previous?.Extents, areas, forIntents: true));
    }

    /// <summary>Stages a constraint's new version (with a new OVN) and notifies as <see cref="SaveReservation"/> does.</summary>
    private (Constraint Saved, IReadOnlyList<SubscriptionNotice> Notify) SaveConstraint(List<Change> changes, Constraint updated, Constraint? previous)
    {
        updated = updated with { Ovn = NewOvn() };
        Apply(changes, new ConstraintSaved(updated));
        return (updated, NotifySubscribers(changes, previous?.Extents, updated.Extents, forIntents: false));
    }

    /// <summary>Stages a constraint's withdrawal and notifies subscribers to constraints in its area.</summary>
    private IReadOnlyList<SubscriptionNotice> DeleteConstraint(List<Change> changes, Constraint current)
    {
        Apply(changes, new ConstraintDeleted(current.Id));
        return NotifySubscribers(changes, current.Extents, [], forIntents: false);
    }

    private IReadOnlyList<SubscriptionNotice> NotifySubscribers(List<Change> changes, IReadOnlyList<Volume4D>? before, IReadOnlyList<Volume4D> after, bool forIntents)
    {
        var found = new Dictionary<Guid, Subscription>();
        var hits = new List<long>();
        Collect(before);
        Collect(after);
        if (found.Count == 0)
        {
            return [];
        }

        var notices = new List<SubscriptionNotice>(found.Count);
        foreach (var subscription in found.Values.OrderBy(s => s.Id))
        {
            if (!_staged.Touched.Contains(subscription.Id))
            {
                // Stage the committed subscription so that the notification applies to it; only the index is stored.
                _staged.Layer.Apply(new SubscriptionSaved(subscription));
                _staged.Touched.Add(subscription.Id);
            }

            var index = subscription.NotificationIndex + 1;
            Apply(changes, new SubscriptionNotified(subscription.Id, index));
            notices.Add(new SubscriptionNotice(subscription.Id, index, subscription.UssBaseUrl, subscription.Owner));
        }

        return notices;

        void Collect(IReadOnlyList<Volume4D>? volumes)
        {
            if (volumes is null)
            {
                return;
            }

            foreach (var volume in volumes)
            {
                Search(_state, skipTouched: true);
                Search(_staged.Layer, skipTouched: false);

                void Search(State state, bool skipTouched)
                {
                    if (state.SubscriptionsBySeq.Count == 0)
                    {
                        return;
                    }

                    hits.Clear();
                    state.SubscriptionIndex.Query(volume, Separation.None, null, hits);
                    foreach (var hit in hits)
                    {
                        if (state.SubscriptionsBySeq.TryGetValue((int)(hit >> ExtentBits), out var entry)
                            && !(skipTouched && _staged.Touched.Contains(entry.Subscription.Id))
                            && (forIntents ? entry.Subscription.NotifyForOperationalIntents : entry.Subscription.NotifyForConstraints))
                        {
                            found.TryAdd(entry.Subscription.Id, entry.Subscription);
                        }
                    }
                }
            }
        }
    }

    /// <summary>The entities within the minima that the key does not acknowledge, or null when it holds them all.</summary>
    private MissingOvns? MissingFromKey(int uss, List<Conflict> relevant, IReadOnlySet<string> key, bool constraintsToo)
    {
        List<Reservation>? intents = null;
        List<Constraint>? constraints = null;
        var seen = new HashSet<Guid>();
        foreach (var c in relevant)
        {
            if (!seen.Add(c.OtherId))
            {
                continue;
            }

            if (c.OtherKind == EntityKind.Reservation)
            {
                var other = CurrentReservation(c.OtherId)!.Reservation!;
                // An Accepted intent of a Down USS needs no acknowledgement: its USS cannot be asked for it.
                var needsKey = !(other.State == ReservationState.Accepted && other.Owner != uss && AvailabilityOf(other.Owner) == UssAvailability.Down);
                if (needsKey && !key.Contains(other.Ovn))
                {
                    (intents ??= []).Add(other);
                }
            }
            else if (constraintsToo)
            {
                var other = CurrentConstraint(c.OtherId)!.Constraint!;
                if (!key.Contains(other.Ovn))
                {
                    (constraints ??= []).Add(other);
                }
            }
        }

        return intents is null && constraints is null ? null : new MissingOvns(intents ?? [], constraints ?? []);
    }

    /// <summary>The notices whose subscription still exists: an implicit subscription deleted by the same write (with
    /// its last operational intent) has no one left to notify.</summary>
    private List<SubscriptionNotice> StillSubscribed(IReadOnlyList<SubscriptionNotice> notify) =>
        [.. notify.Where(n => CurrentSubscription(n.SubscriptionId) is not null)];

    /// <summary>Deletes an implicit subscription that no operational intent depends on any more (after the batch's changes).</summary>
    private void DropImplicitIfUnused(List<Change> changes, Guid subscription)
    {
        if (CurrentSubscription(subscription) is { Implicit: true } current && DependentCount(subscription) == 0)
        {
            Apply(changes, new SubscriptionDeleted(current.Id));
        }
    }

    /// <summary>The subscription as the writer sees it: staged in this batch (null if deleted), else committed.</summary>
    private Subscription? CurrentSubscription(Guid id) =>
        _staged.Touched.Contains(id)
            ? _staged.Layer.Subscriptions.GetValueOrDefault(id)?.Subscription
            : _state.Subscriptions.GetValueOrDefault(id)?.Subscription;

    /// <summary>The live operational intents that depend on a subscription, as the writer sees them.</summary>
    private IEnumerable<Guid> CurrentDependents(Guid subscription)
    {
        if (_state.Dependents.TryGetValue(subscription, out var committed))
        {
            foreach (var id in committed)
            {
                if (!_staged.Touched.Contains(id))
                {
                    yield return id;
                }
            }
        }

        if (_staged.Layer.Dependents.TryGetValue(subscription, out var staged))
        {
            foreach (var id in staged)
            {
                yield return id;
            }
        }
    }

    private int DependentCount(Guid subscription) => CurrentDependents(subscription).Count();

    private List<Volume4D> DependentExtents(Guid subscription, Guid? except) =>
        [.. CurrentDependents(subscription).Where(id => id != except).SelectMany(id => CurrentReservation(id)!.Reservation!.Extents)];

    private UssAvailability AvailabilityOf(int party)
    {
        var name = (_staged.Layer.Parties.GetValueOrDefault(party) ?? _state.Parties.GetValueOrDefault(party))?.Name;
        if (name is null)
        {
            return UssAvailability.Unknown;
        }

        return (_staged.Layer.UssAvailability.GetValueOrDefault(name) ?? _state.UssAvailability.GetValueOrDefault(name))?.Availability ?? UssAvailability.Unknown;
    }

    /// <summary>On the writer: a request the USS signed itself is refused when replayed, like any signed request; a
    /// vouched one was signed here, with a fresh nonce, and cannot be replayed.</summary>
    private Outcome<T>? ReplayedDss<T>(Attestation attestation) => attestation.Vouched ? null : Replayed<T>(attestation);

    private Outcome<T>? VerifyDss<T>(int uss, Attestation attestation)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        if (!attestation.Vouched)
        {
            return Verify<T>(Principal.ForParty(uss), attestation);
        }

        return attestation.Request.KeyId == _systemKey?.PublicKey.KeyId
            ? null
            : Outcome<T>.BadSignature("a vouched request is signed with the airspace's own key");
    }

    private Outcome<T>? CheckDssExtents<T>(IReadOnlyList<Volume4D> extents, DateTimeOffset now)
    {
        if (extents is null || extents.Count == 0)
        {
            return Outcome<T>.Invalid("extents", "at least one extent is required");
        }

        if (extents.Count > _options.MaxExtents)
        {
            return Outcome<T>.Invalid("extents", $"at most {_options.MaxExtents} extents, got {extents.Count}");
        }

        return Spans.Of(extents).End <= now ? Outcome<T>.Invalid("extents", "it may not end in the past") : null;
    }

    /// <summary>True when every volume of <paramref name="inner"/> is covered by one volume of <paramref name="area"/>.</summary>
    private static bool Covers(IReadOnlyList<Volume4D> area, IReadOnlyList<Volume4D> inner) =>
        inner.All(v => area.Any(a => a.Covers(v)));

    /// <summary>A new OVN: 128 random bits, base64url (22 characters; F3548 asks for 16 to 128). Not guessable, so
    /// that holding it proves it was given; short, because every reservation keeps one in memory.</summary>
    private static string NewOvn() =>
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static DateTimeOffset UuidV7Time(Guid uuid)
    {
        Span<byte> bytes = stackalloc byte[16];
        uuid.TryWriteBytes(bytes, bigEndian: true, out _);
        long ms = 0;
        for (var i = 0; i < 6; i++)
        {
            ms = (ms << 8) | bytes[i];
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    /// <summary>A USS name as a log entry subject: printable ASCII without spaces, at most 100 characters.</summary>
    private static string LogSubject(string name)
    {
        var escaped = Uri.EscapeDataString(name);
        return escaped.Length <= 100 ? escaped : escaped[..100];
    }

    // ---- memory state ---------------------------------------------------------------------------------------

    /// <summary>A subscription as its index knows it: a sequence number keys its volumes.</summary>
    private sealed record SubscriptionEntry(int Seq, Subscription Subscription);

    private sealed partial class State
    {
        public Dictionary<Guid, SubscriptionEntry> Subscriptions { get; } = [];

        public Dictionary<int, SubscriptionEntry> SubscriptionsBySeq { get; } = [];

        /// <summary>Subscription volumes; made on first use, since most batches stage none.</summary>
        public VolumeIndex SubscriptionIndex => _subscriptionIndex ??= new VolumeIndex();

        /// <summary>The live reservations that depend on each subscription.</summary>
        public Dictionary<Guid, HashSet<Guid>> Dependents { get; } = [];

        public Dictionary<string, UssAvailabilityStatus> UssAvailability { get; } = new(StringComparer.Ordinal);

        /// <summary>Party ids by name (names are unique regardless of case).</summary>
        public Dictionary<string, int> PartyIdsByName { get; } = new(StringComparer.OrdinalIgnoreCase);

        public int DssChanges => Subscriptions.Count + UssAvailability.Count + Dependents.Count;

        private VolumeIndex? _subscriptionIndex;
        private int _nextSubscriptionSeq = 1;

        public void DisposeDss() => _subscriptionIndex?.Dispose();

        public void LoadDss(AirspaceSnapshot snapshot)
        {
            foreach (var s in snapshot.Subscriptions)
            {
                ApplyDss(new SubscriptionSaved(s));
            }

            foreach (var a in snapshot.UssAvailabilities)
            {
                ApplyDss(new UssAvailabilitySaved(a));
            }
        }

        /// <summary>Keeps <see cref="Dependents"/> true as a reservation changes.</summary>
        public void Depend(Reservation? previous, Reservation current)
        {
            if (previous?.SubscriptionId is { } before && Dependents.TryGetValue(before, out var set))
            {
                set.Remove(previous.Id);
                if (set.Count == 0)
                {
                    Dependents.Remove(before);
                }
            }

            if (current.State != ReservationState.Ended && current.SubscriptionId is { } after)
            {
                if (!Dependents.TryGetValue(after, out var dependents))
                {
                    Dependents[after] = dependents = [];
                }

                dependents.Add(current.Id);
            }
        }

        public void ApplyDss(Change change)
        {
            switch (change)
            {
                case SubscriptionSaved saved:
                    PutSubscription(saved.Subscription);
                    break;
                case SubscriptionNotified notified:
                    if (Subscriptions.TryGetValue(notified.Id, out var entry))
                    {
                        var moved = entry with { Subscription = entry.Subscription with { NotificationIndex = notified.NotificationIndex } };
                        Subscriptions[notified.Id] = moved;
                        SubscriptionsBySeq[moved.Seq] = moved;
                    }

                    break;
                case SubscriptionDeleted deleted:
                    if (Subscriptions.Remove(deleted.Id, out var removed))
                    {
                        SubscriptionsBySeq.Remove(removed.Seq);
                        UnindexSubscription(removed);
                    }

                    break;
                case UssAvailabilitySaved availability:
                    UssAvailability[availability.Status.Uss] = availability.Status;
                    break;
            }
        }

        private void PutSubscription(Subscription subscription)
        {
            if (Subscriptions.TryGetValue(subscription.Id, out var previous))
            {
                FlushBatches(); // its volumes may still be waiting in a batch
                UnindexSubscription(previous);
            }

            if (subscription.Area.Count > 1 << ExtentBits)
            {
                throw new InvalidOperationException($"a subscription has at most {1 << ExtentBits} volumes, not {subscription.Area.Count}");
            }

            var entry = new SubscriptionEntry(previous?.Seq ?? _nextSubscriptionSeq++, subscription);
            Subscriptions[subscription.Id] = entry;
            SubscriptionsBySeq[entry.Seq] = entry;
            for (var i = 0; i < subscription.Area.Count; i++)
            {
                AddToIndex(SubscriptionIndex, ((long)entry.Seq << ExtentBits) | (long)i, subscription.Owner, subscription.Area[i]);
            }
        }

        private void UnindexSubscription(SubscriptionEntry entry)
        {
            for (var i = 0; i < entry.Subscription.Area.Count; i++)
            {
                SubscriptionIndex.Remove(((long)entry.Seq << ExtentBits) | (long)i);
            }
        }
    }
}
