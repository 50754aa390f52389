using System.Text;
using Hotline.Core;
using Hotline.Geo;
using Hotline.Ledger;

namespace Hotline.Storage.Tests;

/// <summary>
/// What every <see cref="IAirspaceStore"/> must do, whatever its engine: each backend runs this suite through a
/// subclass that says how to open a store over a given place (a file, a database) and how to make a new place.
/// </summary>
public abstract class AirspaceStoreConformanceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Opens a store over the place this test uses (the same place every time it is called).</summary>
    protected abstract Task<IAirspaceStore> OpenAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ANewStoreIsEmpty()
    {
        await using var store = await OpenAsync();
        var snapshot = await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None);
        Assert.Empty(snapshot.Parties);
        Assert.Empty(snapshot.Credentials);
        Assert.Empty(snapshot.Reservations);
        Assert.Empty(snapshot.Constraints);
        Assert.Empty(snapshot.Subscriptions);
        Assert.Empty(snapshot.UssAvailabilities);
    }

    [Fact]
    public async Task EverythingCommittedIsLoadedBackExactlyByANewInstance()
    {
        var party = new Party(1, "coalition", Now);
        var operatorCredential = new Credential(new string('a', 64), Role.Operator, null, Now);
        var partyCredential = new Credential(new string('b', 64), Role.Party, 1, Now);
        var reservation = new Reservation(Guid.CreateVersion7(Now), 1, [Polygon(), Circle()], ReservationState.Activated, 3, "VIPER11", "private note", Now.AddMinutes(5));
        var constraint = new Constraint(Guid.CreateVersion7(Now), 1, [Circle()], 1, Now);
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([new PartySaved(party), new CredentialSaved(operatorCredential), new CredentialSaved(partyCredential)], CancellationToken.None);
            await store.CommitAsync([new ReservationSaved(reservation), new ConstraintSaved(constraint)], CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        var snapshot = await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None);
        Assert.Equal([party], snapshot.Parties);
        Assert.Equal([operatorCredential, partyCredential], snapshot.Credentials.OrderBy(c => c.SecretHash));
        var loaded = Assert.Single(snapshot.Reservations);
        Assert.Equal(reservation with { Extents = [] }, loaded with { Extents = [] });
        AssertSameVolumes(reservation.Extents, loaded.Extents);
        var loadedConstraint = Assert.Single(snapshot.Constraints);
        Assert.Equal(constraint with { Extents = [] }, loadedConstraint with { Extents = [] });
        AssertSameVolumes(constraint.Extents, loadedConstraint.Extents);
    }

    [Fact]
    public async Task ThousandsOfReservationsAndConstraintsAreAllLoadedBackEachWithItsOwnFields()
    {
        // More than one batch of whatever a store reads at once (SQLite decodes batches of 2,048 on every core): each
        // row must come back whole and paired with its own extents, none lost, none twice.
        var reservations = Enumerable.Range(0, 5_000).Select(i => new Reservation(
            Guid.CreateVersion7(Now.AddTicks(i)), 1 + (i % 3), [Moved(i % 2 == 0 ? Polygon() : Circle(), i)], ReservationState.Accepted, i + 1, $"C{i}", null, Now.AddSeconds(i))).ToList();
        var constraints = Enumerable.Range(0, 2_500).Select(i => new Constraint(Guid.CreateVersion7(Now.AddTicks(i)), 1, [Moved(Circle(), i)], i + 1, Now.AddSeconds(i))).ToList();
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync(
                [new PartySaved(new Party(1, "a", Now)), new PartySaved(new Party(2, "b", Now)), new PartySaved(new Party(3, "c", Now)),
                    .. reservations.Select(r => new ReservationSaved(r)), .. constraints.Select(c => new ConstraintSaved(c))],
                CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        var snapshot = await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None);
        Assert.Equal(reservations.Count, snapshot.Reservations.Count);
        var loaded = snapshot.Reservations.ToDictionary(r => r.Id);
        foreach (var reservation in reservations)
        {
            var back = loaded[reservation.Id];
            Assert.Equal(reservation with { Extents = [] }, back with { Extents = [] });
            AssertSameVolumes(reservation.Extents, back.Extents);
        }

        Assert.Equal(constraints.Count, snapshot.Constraints.Count);
        var loadedConstraints = snapshot.Constraints.ToDictionary(c => c.Id);
        foreach (var constraint in constraints)
        {
            AssertSameVolumes(constraint.Extents, loadedConstraints[constraint.Id].Extents);
        }
    }

    [Fact]
    public async Task ALaterVersionReplacesTheEarlierOneAndPrivateFieldsCanBeCleared()
    {
        var reservation = new Reservation(Guid.CreateVersion7(Now), 1, [Circle()], ReservationState.Accepted, 1, "A", "B", Now);
        var ended = reservation with { State = ReservationState.Ended, Version = 2, CallSign = null, Notes = null, Extents = [Polygon()] };
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([new PartySaved(new Party(1, "p", Now)), new ReservationSaved(reservation)], CancellationToken.None);
            await store.CommitAsync([new ReservationSaved(ended)], CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        var loaded = Assert.Single((await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Reservations);
        Assert.Equal(ended with { Extents = [] }, loaded with { Extents = [] });
        AssertSameVolumes(ended.Extents, loaded.Extents);
    }

    [Fact]
    public async Task AWithdrawnConstraintIsGone()
    {
        var constraint = new Constraint(Guid.CreateVersion7(Now), 1, [Circle()], 1, Now);
        await using var store = await OpenAsync();
        await store.CommitAsync([new PartySaved(new Party(1, "p", Now)), new ConstraintSaved(constraint)], CancellationToken.None);
        await store.CommitAsync([new ConstraintDeleted(constraint.Id)], CancellationToken.None);
        Assert.Empty((await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Constraints);
    }

    [Fact]
    public async Task ABatchIsAllOrNothing()
    {
        var reservation = new Reservation(Guid.CreateVersion7(Now), 1, [Circle()], ReservationState.Accepted, 1, null, null, Now);
        await using var store = await OpenAsync();
        await store.CommitAsync([new PartySaved(new Party(1, "p", Now))], CancellationToken.None);
        // The second party reuses id 1: the batch must fail, and the reservation before it must not be kept.
        await Assert.ThrowsAnyAsync<Exception>(() => store.CommitAsync([new ReservationSaved(reservation), new PartySaved(new Party(1, "q", Now))], CancellationToken.None));
        var snapshot = await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None);
        Assert.Empty(snapshot.Reservations);
        Assert.Equal(["p"], snapshot.Parties.Select(p => p.Name));
    }

    [Fact]
    public async Task AReservationsOvnUssBaseUrlAndSubscriptionAreLoadedBackAndALaterVersionReplacesThem()
    {
        var reservation = new Reservation(Guid.CreateVersion7(Now), 1, [Polygon(), Circle()], ReservationState.Accepted, 1, null, null, Now)
        {
            Ovn = "ovn-1_\"quoted\" ✓",
            UssBaseUrl = "https://uss.example/a",
            SubscriptionId = Guid.CreateVersion7(Now),
        };
        var native = new Reservation(Guid.CreateVersion7(Now), 1, [Circle()], ReservationState.Accepted, 1, "N1", null, Now);
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([new PartySaved(new Party(1, "p", Now)), new ReservationSaved(reservation), new ReservationSaved(native)], CancellationToken.None);
        }

        await using (var reopened = await OpenAsync())
        {
            var loaded = (await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Reservations;
            var f3548 = loaded.Single(r => r.Id == reservation.Id);
            Assert.Equal(reservation.Ovn, f3548.Ovn);
            Assert.Equal(reservation.UssBaseUrl, f3548.UssBaseUrl);
            Assert.Equal(reservation.SubscriptionId, f3548.SubscriptionId);
            Assert.Equal(reservation with { Extents = [] }, f3548 with { Extents = [] });
            AssertSameVolumes(reservation.Extents, f3548.Extents);
            var loadedNative = loaded.Single(r => r.Id == native.Id);
            Assert.Equal("", loadedNative.Ovn);
            Assert.Null(loadedNative.UssBaseUrl);
            Assert.Null(loadedNative.SubscriptionId);

            // A new version with a new OVN, another URL and another subscription, then one with neither.
            await reopened.CommitAsync([new ReservationSaved(reservation with { Version = 2, Ovn = "ovn-2", UssBaseUrl = "https://uss.example/b", SubscriptionId = Guid.CreateVersion7(Now.AddDays(1)) })], CancellationToken.None);
            var second = (await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Reservations.Single(r => r.Id == reservation.Id);
            Assert.Equal(("ovn-2", "https://uss.example/b"), (second.Ovn, second.UssBaseUrl));
            Assert.NotEqual(reservation.SubscriptionId, second.SubscriptionId);
            await reopened.CommitAsync([new ReservationSaved(reservation with { Version = 3, Ovn = "ovn-3", UssBaseUrl = null, SubscriptionId = null })], CancellationToken.None);
        }

        await using var last = await OpenAsync();
        var third = (await last.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Reservations.Single(r => r.Id == reservation.Id);
        Assert.Equal((3L, "ovn-3", (string?)null, (Guid?)null), (third.Version, third.Ovn, third.UssBaseUrl, third.SubscriptionId));
    }

    [Fact]
    public async Task AConstraintsOvnAndUssBaseUrlAreLoadedBackAndALaterVersionReplacesThem()
    {
        var constraint = new Constraint(Guid.CreateVersion7(Now), 1, [Polygon()], 1, Now) { Ovn = "c-ovn-1", UssBaseUrl = "https://uss.example/c" };
        var changed = constraint with { Version = 2, Extents = [Circle()], Ovn = "c-ovn-2", UssBaseUrl = "https://uss.example/d", UpdatedAt = Now.AddMinutes(1) };
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([new PartySaved(new Party(1, "p", Now)), new ConstraintSaved(constraint)], CancellationToken.None);
            var loaded = Assert.Single((await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Constraints);
            Assert.Equal(constraint with { Extents = [] }, loaded with { Extents = [] });
            await store.CommitAsync([new ConstraintSaved(changed)], CancellationToken.None);
        }

        await using (var reopened = await OpenAsync())
        {
            var loaded = Assert.Single((await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Constraints);
            Assert.Equal(("c-ovn-2", "https://uss.example/d"), (loaded.Ovn, loaded.UssBaseUrl));
            Assert.Equal(changed with { Extents = [] }, loaded with { Extents = [] });
            AssertSameVolumes(changed.Extents, loaded.Extents);
            await reopened.CommitAsync([new ConstraintSaved(changed with { Version = 3, Ovn = "c-ovn-3", UssBaseUrl = null })], CancellationToken.None);
        }

        await using var last = await OpenAsync();
        var native = Assert.Single((await last.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Constraints);
        Assert.Equal(("c-ovn-3", (string?)null), (native.Ovn, native.UssBaseUrl));
    }

    [Fact]
    public async Task SubscriptionsAreLoadedBackExactlyWithTheirAreas()
    {
        var explicitOne = new Subscription(Guid.CreateVersion7(Now), 1, [Polygon(), Circle()], "https://uss.example/one", true, false, false, 4, 123_456_789_012, Now.AddTicks(7));
        var implicitOne = new Subscription(Guid.CreateVersion7(Now), 2, [Circle()], "https://uss.example/two", false, true, true, 1, 0, Now);
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([.. Parties(1, 2), new SubscriptionSaved(explicitOne)], CancellationToken.None);
            await store.CommitAsync([new SubscriptionSaved(implicitOne)], CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        var loaded = (await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Subscriptions;
        Assert.Equal(2, loaded.Count);
        foreach (var expected in new[] { explicitOne, implicitOne })
        {
            var actual = loaded.Single(s => s.Id == expected.Id);
            Assert.Equal(expected with { Area = [] }, actual with { Area = [] });
            AssertSameVolumes(expected.Area, actual.Area);
        }

        Assert.IsType<PolygonFootprint>(loaded.Single(s => s.Id == explicitOne.Id).Area[0].Footprint);
        Assert.IsType<CircleFootprint>(loaded.Single(s => s.Id == explicitOne.Id).Area[1].Footprint);
    }

    [Fact]
    public async Task ALaterSubscriptionSavedReplacesEveryFieldOfTheEarlier()
    {
        var subscription = new Subscription(Guid.CreateVersion7(Now), 1, [Circle()], "https://uss.example/old", true, false, true, 1, 3, Now);
        var changed = subscription with
        {
            Area = [Polygon()],
            UssBaseUrl = "https://uss.example/new",
            NotifyForOperationalIntents = false,
            NotifyForConstraints = true,
            Implicit = false,
            Version = 2,
            NotificationIndex = 9,
            UpdatedAt = Now.AddHours(1),
        };
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([new PartySaved(new Party(1, "p", Now)), new SubscriptionSaved(subscription)], CancellationToken.None);
            await store.CommitAsync([new SubscriptionSaved(changed)], CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        var loaded = Assert.Single((await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Subscriptions);
        Assert.Equal(changed with { Area = [] }, loaded with { Area = [] });
        AssertSameVolumes(changed.Area, loaded.Area);
    }

    [Fact]
    public async Task ASubscriptionNotifiedChangesOnlyItsNotificationIndex()
    {
        var notified = new Subscription(Guid.CreateVersion7(Now), 1, [Polygon()], "https://uss.example/one", true, true, false, 2, 5, Now);
        var other = new Subscription(Guid.CreateVersion7(Now), 1, [Circle()], "https://uss.example/two", true, false, true, 1, 40, Now);
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([new PartySaved(new Party(1, "p", Now)), new SubscriptionSaved(notified), new SubscriptionSaved(other)], CancellationToken.None);
            // Several in one batch (the last one counts), then one in a batch of its own.
            await store.CommitAsync([new SubscriptionNotified(notified.Id, 6), new SubscriptionNotified(notified.Id, 7), new SubscriptionNotified(notified.Id, 8)], CancellationToken.None);
            await store.CommitAsync([new SubscriptionNotified(notified.Id, 9)], CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        var loaded = (await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Subscriptions;
        var loadedNotified = loaded.Single(s => s.Id == notified.Id);
        Assert.Equal(notified with { Area = [], NotificationIndex = 9 }, loadedNotified with { Area = [] });
        AssertSameVolumes(notified.Area, loadedNotified.Area);
        var loadedOther = loaded.Single(s => s.Id == other.Id);
        Assert.Equal(other with { Area = [] }, loadedOther with { Area = [] });
    }

    [Fact]
    public async Task ANotificationOfASubscriptionThatIsNotStoredFailsTheWholeBatch()
    {
        var subscription = new Subscription(Guid.CreateVersion7(Now), 1, [Circle()], "https://uss.example/one", true, true, false, 1, 0, Now);
        await using var store = await OpenAsync();
        await store.CommitAsync([new PartySaved(new Party(1, "p", Now)), new SubscriptionSaved(subscription)], CancellationToken.None);

        await Assert.ThrowsAnyAsync<Exception>(() => store.CommitAsync([new SubscriptionNotified(subscription.Id, 1), new SubscriptionNotified(Guid.CreateVersion7(Now), 1)], CancellationToken.None));

        Assert.Equal(0, Assert.Single((await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Subscriptions).NotificationIndex);
    }

    [Fact]
    public async Task ADeletedSubscriptionIsGoneAndTheOthersStay()
    {
        var deleted = new Subscription(Guid.CreateVersion7(Now), 1, [Circle()], "https://uss.example/one", true, true, true, 1, 2, Now);
        var kept = deleted with { Id = Guid.CreateVersion7(Now), Implicit = false };
        // Deleting an implicit subscription does not touch the reservation that named it: what may go is the
        // airspace's decision.
        var reservation = new Reservation(Guid.CreateVersion7(Now), 1, [Circle()], ReservationState.Ended, 2, null, null, Now) { Ovn = "o", SubscriptionId = deleted.Id };
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([new PartySaved(new Party(1, "p", Now)), new SubscriptionSaved(deleted), new SubscriptionSaved(kept), new ReservationSaved(reservation)], CancellationToken.None);
            await store.CommitAsync([new SubscriptionDeleted(deleted.Id)], CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        var snapshot = await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None);
        Assert.Equal(kept.Id, Assert.Single(snapshot.Subscriptions).Id);
        Assert.Equal(deleted.Id, Assert.Single(snapshot.Reservations).SubscriptionId);
    }

    [Fact]
    public async Task UssAvailabilitiesAreLoadedBackAndALaterOneReplacesTheEarlier()
    {
        var down = new UssAvailabilityStatus("uss-a", UssAvailability.Down, 1, Now.AddTicks(3));
        // USS names are token subjects: a name differing only in case is another USS.
        var otherCase = new UssAvailabilityStatus("USS-A", UssAvailability.Normal, 4, Now);
        var unknown = new UssAvailabilityStatus("uss.example/b ✓", UssAvailability.Unknown, 0, Now);
        var normal = down with { Availability = UssAvailability.Normal, Version = 2, UpdatedAt = Now.AddMinutes(1) };
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([new UssAvailabilitySaved(down), new UssAvailabilitySaved(otherCase), new UssAvailabilitySaved(unknown)], CancellationToken.None);
            Assert.Equal([otherCase, down, unknown], (await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).UssAvailabilities.OrderBy(a => a.Uss, StringComparer.Ordinal));
            await store.CommitAsync([new UssAvailabilitySaved(normal)], CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        var loaded = (await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).UssAvailabilities;
        Assert.Equal([otherCase, normal, unknown], loaded.OrderBy(a => a.Uss, StringComparer.Ordinal));
    }

    [Fact]
    public async Task ABatchThatFailsKeepsNoneOfItsF3548Changes()
    {
        var reservation = new Reservation(Guid.CreateVersion7(Now), 1, [Circle()], ReservationState.Accepted, 1, null, null, Now) { Ovn = "r1", UssBaseUrl = "https://uss.example/r" };
        var constraint = new Constraint(Guid.CreateVersion7(Now), 1, [Circle()], 1, Now) { Ovn = "c1", UssBaseUrl = "https://uss.example/c" };
        var notified = new Subscription(Guid.CreateVersion7(Now), 1, [Circle()], "https://uss.example/n", true, true, false, 1, 0, Now);
        var deleted = notified with { Id = Guid.CreateVersion7(Now), UssBaseUrl = "https://uss.example/d" };
        var availability = new UssAvailabilityStatus("uss-a", UssAvailability.Normal, 1, Now);
        await using var store = await OpenAsync();
        await store.CommitAsync(
            [new PartySaved(new Party(1, "p", Now)), new ReservationSaved(reservation), new ConstraintSaved(constraint), new SubscriptionSaved(notified), new SubscriptionSaved(deleted), new UssAvailabilitySaved(availability)],
            CancellationToken.None);
        var before = await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None);
        Assert.Equal(2, before.Subscriptions.Count);
        Assert.Equal("r1", Assert.Single(before.Reservations).Ovn);
        Assert.Equal("c1", Assert.Single(before.Constraints).Ovn);

        // Every kind of F3548 change, then a party that reuses id 1: the batch must fail as a whole.
        await Assert.ThrowsAnyAsync<Exception>(() => store.CommitAsync(
            [
                new ReservationSaved(reservation with { Version = 2, Ovn = "r2", UssBaseUrl = null, SubscriptionId = notified.Id }),
                new ConstraintSaved(constraint with { Version = 2, Ovn = "c2", UssBaseUrl = null }),
                new SubscriptionSaved(notified with { Id = Guid.CreateVersion7(Now) }),
                new SubscriptionSaved(deleted with { Version = 2 }),
                new SubscriptionNotified(notified.Id, 1),
                new SubscriptionDeleted(deleted.Id),
                new UssAvailabilitySaved(availability with { Availability = UssAvailability.Down, Version = 2 }),
                new UssAvailabilitySaved(new UssAvailabilityStatus("uss-b", UssAvailability.Down, 1, Now)),
                new PartySaved(new Party(1, "q", Now)),
            ],
            CancellationToken.None));

        var after = await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None);
        Assert.Equal(before.Reservations.Select(r => r with { Extents = [] }), after.Reservations.Select(r => r with { Extents = [] }));
        Assert.Equal(before.Constraints.Select(c => c with { Extents = [] }), after.Constraints.Select(c => c with { Extents = [] }));
        Assert.Equal(before.Subscriptions.Select(s => s with { Area = [] }).OrderBy(s => s.Id), after.Subscriptions.Select(s => s with { Area = [] }).OrderBy(s => s.Id));
        Assert.Equal([availability], after.UssAvailabilities);
    }

    [Fact]
    public async Task ANewStoreHasNoKeysAndAnEmptyLog()
    {
        await using var store = await OpenAsync();
        var snapshot = await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None);
        Assert.Empty(snapshot.Keys);
        Assert.Empty(snapshot.LeafHashes);
        Assert.Empty(snapshot.RecentNonces);
        Assert.Empty(await store.ReadLogEntriesAsync(0, 10, CancellationToken.None));
        Assert.Null(await store.ReadRequestBodyAsync(0, CancellationToken.None));
    }

    [Fact]
    public async Task KeysAreLoadedBackExactlyByANewInstance()
    {
        using var operatorKey = PartySigningKey.Generate();
        using var first = PartySigningKey.Generate();
        using var second = PartySigningKey.Generate();
        var keys = new[]
        {
            new PartyKey(0, operatorKey.PublicKey, Now),
            new PartyKey(1, first.PublicKey, Now.AddTicks(1)),
            new PartyKey(1, second.PublicKey, Now.AddDays(3).AddTicks(7)),
        };
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([new PartySaved(new Party(1, "p", Now)), new PartyKeySaved(keys[0]), new PartyKeySaved(keys[1])], CancellationToken.None);
            await store.CommitAsync([new PartyKeySaved(keys[2])], CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        var loaded = (await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Keys;
        Assert.Equal(keys.OrderBy(k => k.Key.KeyId), loaded.OrderBy(k => k.Key.KeyId));
        Assert.All(loaded, k => Assert.Equal(keys.Single(e => e.Key.KeyId == k.Key.KeyId).Key.Bytes, k.Key.Bytes));
    }

    [Fact]
    public async Task TheSameKeyCannotBeRegisteredTwice()
    {
        using var key = PartySigningKey.Generate();
        await using var store = await OpenAsync();
        await store.CommitAsync([new PartySaved(new Party(1, "p", Now)), new PartySaved(new Party(2, "q", Now)), new PartyKeySaved(new PartyKey(1, key.PublicKey, Now))], CancellationToken.None);

        await Assert.ThrowsAnyAsync<Exception>(() => store.CommitAsync([new PartyKeySaved(new PartyKey(2, key.PublicKey, Now))], CancellationToken.None));

        Assert.Equal(1, Assert.Single((await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Keys).PartyId);
    }

    [Fact]
    public async Task LogEntriesAreReadBackByRangeExactlyAsAppended()
    {
        var entries = Enumerable.Range(0, 5).Select(i => Entry(i, Now.AddSeconds(i))).ToArray();
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([.. entries[..2]], CancellationToken.None);
            await store.CommitAsync([new PartySaved(new Party(1, "p", Now)), .. entries[2..]], CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        Assert.Equal(entries.Select(e => e.Entry), await reopened.ReadLogEntriesAsync(0, 5, CancellationToken.None));
        Assert.Equal(entries[1..3].Select(e => e.Entry), await reopened.ReadLogEntriesAsync(1, 2, CancellationToken.None));
        Assert.Equal(entries[3..].Select(e => e.Entry), await reopened.ReadLogEntriesAsync(3, 100, CancellationToken.None));
        Assert.Equal([entries[4].Entry], await reopened.ReadLogEntriesAsync(4, 1, CancellationToken.None));
        Assert.Empty(await reopened.ReadLogEntriesAsync(5, 1, CancellationToken.None));
        Assert.Empty(await reopened.ReadLogEntriesAsync(1000, 10, CancellationToken.None));
        Assert.Empty(await reopened.ReadLogEntriesAsync(2, 0, CancellationToken.None));
    }

    [Fact]
    public async Task RequestBodiesAreReadBackByIndexAndNullBeyondTheLog()
    {
        var entries = Enumerable.Range(0, 3).Select(i => Entry(i, Now)).ToArray();
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync(entries, CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        for (var i = 0; i < entries.Length; i++)
        {
            Assert.Equal(entries[i].Body, await reopened.ReadRequestBodyAsync(i, CancellationToken.None));
        }

        Assert.Null(await reopened.ReadRequestBodyAsync(3, CancellationToken.None));
        Assert.Null(await reopened.ReadRequestBodyAsync(-1, CancellationToken.None));
    }

    [Fact]
    public async Task AnEmptyRequestBodyIsKeptAsEmptyNotNull()
    {
        var entry = Entry(0, Now) with { Body = [] };
        await using var store = await OpenAsync();
        await store.CommitAsync([entry], CancellationToken.None);

        var body = await store.ReadRequestBodyAsync(0, CancellationToken.None);
        Assert.NotNull(body);
        Assert.Empty(body);
    }

    [Fact]
    public async Task LeafHashesAreLoadedInLogOrder()
    {
        var entries = Enumerable.Range(0, 20).Select(i => Entry(i, Now)).ToArray();
        await using (var store = await OpenAsync())
        {
            foreach (var batch in entries.Chunk(3))
            {
                await store.CommitAsync(batch, CancellationToken.None);
            }
        }

        await using var reopened = await OpenAsync();
        Assert.Equal(entries.Select(e => e.LeafHash), (await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).LeafHashes);
    }

    /// <summary>(case, entries committed before, whether the batch first appends the right next entry, the wrong index).</summary>
    public static TheoryData<string, int, bool, long> WrongIndexes => new()
    {
        { "the first entry not at 0", 0, false, 1 },
        { "a negative index", 0, false, -1 },
        { "a gap after committed entries", 2, false, 3 },
        { "a gap after an entry of the same batch", 2, true, 4 },
        { "a repeat of the last committed index", 2, false, 1 },
        { "a repeat of an entry of the same batch", 2, true, 2 },
        { "a repeat of an earlier index", 3, true, 0 },
    };

    [Theory]
    [MemberData(nameof(WrongIndexes))]
    public async Task AnEntryAtAWrongIndexFailsTheWholeBatch(string rule, int committed, bool validFirst, long wrong)
    {
        await using var store = await OpenAsync();
        var before = Enumerable.Range(0, committed).Select(i => Entry(i, Now)).ToArray();
        if (before.Length > 0)
        {
            await store.CommitAsync(before, CancellationToken.None);
        }

        var reservation = new Reservation(Guid.CreateVersion7(Now), 1, [Circle()], ReservationState.Accepted, 1, null, null, Now);
        using var key = PartySigningKey.Generate();
        // State changes and (maybe) a valid entry before the wrong one: nothing of the batch may be kept.
        List<Change> batch = [new PartySaved(new Party(1, "p", Now)), new PartyKeySaved(new PartyKey(1, key.PublicKey, Now)), new ReservationSaved(reservation)];
        if (validFirst)
        {
            batch.Add(Entry(committed, Now, seed: 1));
        }

        batch.Add(Entry(wrong, Now, seed: 99));

        await Assert.ThrowsAnyAsync<Exception>(() => store.CommitAsync(batch, CancellationToken.None));

        var snapshot = await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None);
        Assert.True(before.Select(e => e.LeafHash).SequenceEqual(snapshot.LeafHashes), rule);
        Assert.Empty(snapshot.Parties);
        Assert.Empty(snapshot.Keys);
        Assert.Empty(snapshot.Reservations);
        Assert.Equal(before.Length, snapshot.RecentNonces.Count);
        Assert.Equal(before.Select(e => e.Entry), await store.ReadLogEntriesAsync(0, 100, CancellationToken.None));
        Assert.Null(await store.ReadRequestBodyAsync(committed, CancellationToken.None));

        // The store is still usable: the right next entry is accepted.
        await store.CommitAsync([Entry(committed, Now, seed: 7)], CancellationToken.None);
        Assert.Equal(committed + 1, (await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).LeafHashes.Count);
    }

    [Fact]
    public async Task NoncesAreLoadedExactlyFromTheGivenTimeOn()
    {
        var entries = Enumerable.Range(0, 6).Select(i => Entry(i, Now.AddMinutes(i))).ToArray();
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync(entries[..3], CancellationToken.None);
            await store.CommitAsync(entries[3..], CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        async Task<RecordedNonce[]> Since(DateTimeOffset time) =>
            [.. (await reopened.LoadAsync(time, CancellationToken.None)).RecentNonces.OrderBy(n => n.RecordedAt)];
        RecordedNonce[] From(int index) => [.. entries[index..].Select(e => new RecordedNonce(e.Nonce, e.RecordedAt))];

        Assert.Equal(From(0), await Since(DateTimeOffset.MinValue));
        Assert.Equal(From(0), await Since(Now));
        Assert.Equal(From(3), await Since(Now.AddMinutes(3)));
        Assert.Equal(From(3), await Since(Now.AddMinutes(2).AddTicks(1)));
        Assert.Equal(From(5), await Since(Now.AddMinutes(5)));
        Assert.Empty(await Since(Now.AddMinutes(5).AddTicks(1)));
    }

    [Fact]
    public async Task NoncesRecordedAfterAClockStepBackAreStillLoadedByTheirTime()
    {
        // Server time stepped back 2 minutes between entries 1 and 2.
        DateTimeOffset[] times = [Now.AddMinutes(5), Now.AddMinutes(6), Now.AddMinutes(4), Now.AddMinutes(7)];
        var entries = times.Select((t, i) => Entry(i, t)).ToArray();
        await using var store = await OpenAsync();
        await store.CommitAsync(entries, CancellationToken.None);

        var loaded = (await store.LoadAsync(Now.AddMinutes(5), CancellationToken.None)).RecentNonces.Select(n => n.Nonce).ToHashSet();

        Assert.Equal(new[] { entries[0].Nonce, entries[1].Nonce, entries[3].Nonce }.ToHashSet(), loaded);
    }

    [Fact]
    public async Task ANewStoreHasAnEmptyLine()
    {
        await using var store = await OpenAsync();
        var line = (await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Line;
        Assert.Empty(line.Messages);
        Assert.Empty(line.Standings);
        Assert.Empty(line.RecentEvents);
        Assert.Equal(0, line.LastEventId);
        Assert.Empty(await store.ReadLineEventsAsync(1, 0, 100, CancellationToken.None));
    }

    [Fact]
    public async Task AMessageWithEveryFieldAndItsStatusAreLoadedBackExactly()
    {
        var full = new Message(
            Guid.CreateVersion7(Now), 1, 2, MessageType.DeconflictionResponse, Now.AddTicks(7), Guid.CreateVersion7(Now), Guid.CreateVersion7(Now),
            new Proposal(Guid.CreateVersion7(Now), 42, [Polygon(), Circle()]), Decision.Counter,
            new EmergencyInfo(new LatLng(-36.1234567, 179.9999999), "medical \"evac\", two souls\n"),
            "text with quotes \", a newline\n, and non-ASCII: ä, 東, 🚁", true, 123_456_789_012);
        var bare = new Message(Guid.CreateVersion7(Now.AddMinutes(1)), 2, null, MessageType.LineCheck, Now.AddMinutes(1), null, null, null, null, null, null, false, 0);
        var fullStatus = new MessageStatus(full.Id, Priority.Urgent, Now.AddMinutes(15).AddTicks(3), null, null, 1);
        var bareStatus = new MessageStatus(bare.Id, Priority.Flash, null, Now.AddMinutes(2), Guid.CreateVersion7(Now), 0);
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([.. Parties(1, 2), new MessageSaved(full, fullStatus), new MessageSaved(bare, bareStatus)], CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        var messages = (await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Line.Messages;
        Assert.Equal(2, messages.Count);
        var (loaded, loadedStatus) = messages.Single(m => m.Message.Id == full.Id);
        AssertSameMessage(full, loaded);
        Assert.Equal(fullStatus, loadedStatus);
        var (loadedBare, loadedBareStatus) = messages.Single(m => m.Message.Id == bare.Id);
        Assert.Equal(bare, loadedBare);
        Assert.Equal(bareStatus, loadedBareStatus);
    }

    [Fact]
    public async Task ALaterMessageSavedChangesOnlyTheStatus()
    {
        var message = new Message(Guid.CreateVersion7(Now), 1, 2, MessageType.Emergency, Now, null, null, null, null,
            new EmergencyInfo(new LatLng(36, 38), "fuel"), "first words", false, 5);
        var open = new MessageStatus(message.Id, Priority.Flash, Now.AddMinutes(2), null, null, 0);
        var escalated = open with { Deadline = Now.AddMinutes(4), Escalations = 1 };
        var answered = escalated with { AnsweredAt = Now.AddMinutes(3), AnsweredBy = Guid.CreateVersion7(Now) };
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([.. Parties(1, 2), new MessageSaved(message, open)], CancellationToken.None);
            await store.CommitAsync([new MessageSaved(message, escalated)], CancellationToken.None);
            // A status update carries the message; the stored message is not rewritten by it.
            await store.CommitAsync([new MessageSaved(message with { Text = "rewritten", LogIndex = 99 }, answered)], CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        var (loaded, status) = Assert.Single((await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Line.Messages);
        Assert.Equal(message, loaded);
        Assert.Equal(answered, status);
    }

    [Fact]
    public async Task StandingsAreLoadedBackAndALaterOneReplacesTheEarlier()
    {
        var suspended = new LineStanding(1, true, "consultations, \"pending\"", false, 0);
        var down = new LineStanding(2, false, null, true, 3);
        var missed = new LineStanding(3, false, null, false, 1);
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([.. Parties(1, 2, 3), new LineStandingSaved(suspended), new LineStandingSaved(down), new LineStandingSaved(missed with { MissedChecks = 0 })], CancellationToken.None);
            await store.CommitAsync([new LineStandingSaved(missed)], CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        var standings = (await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Line.Standings;
        Assert.Equal([suspended, down, missed], standings.OrderBy(s => s.Party));

        await reopened.CommitAsync([new LineStandingSaved(LineStanding.Initial(1)), new LineStandingSaved(down with { Down = false, MissedChecks = 0 })], CancellationToken.None);
        standings = (await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Line.Standings;
        Assert.Equal([LineStanding.Initial(1), LineStanding.Initial(2), missed], standings.OrderBy(s => s.Party));
    }

    [Fact]
    public async Task EventsOfEveryKindAreLoadedBackInOrderWithTheirConflictRegions()
    {
        var events = SampleEvents();
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([.. Parties(1, 2, 3), .. events[..4].Select(e => new LineEventAppended(e))], CancellationToken.None);
            await store.CommitAsync([.. events[4..].Select(e => new LineEventAppended(e))], CancellationToken.None);
        }

        await using var reopened = await OpenAsync();
        var line = (await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Line;
        Assert.Equal(events.Select(Describe), line.RecentEvents.Select(Describe));
        Assert.Equal(events[^1].Id, line.LastEventId);
        var conflict = line.RecentEvents.First(e => e.Kind == LineEventKind.Conflict).Conflict!;
        Assert.IsType<PolygonFootprint>(conflict.Region.Footprint);
        Assert.IsType<CircleFootprint>(conflict.Region.OtherFootprint);
    }

    [Fact]
    public async Task RecentEventsAreTheNewestInOrderAndLastEventIdIsTheNewest()
    {
        // More than any store would reasonably hold in memory at start; committed in batches, in id order.
        const int count = 70_000;
        await using var store = await OpenAsync();
        for (var start = 1; start <= count; start += 10_000)
        {
            await store.CommitAsync(
                [.. Enumerable.Range(start, Math.Min(10_000, count - start + 1)).Select(id => new LineEventAppended(new LineEvent(id, id % 3 == 0 ? null : id % 3, LineEventKind.Message, Now.AddTicks(id), MessageId: Guid.CreateVersion7(Now))))],
                CancellationToken.None);
        }

        var line = (await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None)).Line;
        Assert.Equal(count, line.LastEventId);
        Assert.NotEmpty(line.RecentEvents);
        Assert.Equal(count, line.RecentEvents[^1].Id);
        var first = line.RecentEvents[0].Id;
        Assert.Equal(Enumerable.Range((int)first, count - (int)first + 1).Select(i => (long)i), line.RecentEvents.Select(e => e.Id));
    }

    [Fact]
    public async Task LineEventsAreReadByRecipientAfterAnIdUpToALimit()
    {
        var events = SampleEvents();
        await using var store = await OpenAsync();
        await store.CommitAsync([.. Parties(1, 2, 3), .. events.Select(e => new LineEventAppended(e))], CancellationToken.None);

        async Task<long[]> Read(int party, long after, int limit) =>
            [.. (await store.ReadLineEventsAsync(party, after, limit, CancellationToken.None)).Select(e => e.Id)];
        long[] For(int party, long after) => [.. events.Where(e => e.Id > after && (e.Recipient is null || e.Recipient == party)).Select(e => e.Id)];

        Assert.Equal(For(1, 0), await Read(1, 0, 100));
        Assert.Equal(For(2, 0), await Read(2, 0, 100));
        Assert.Equal(For(3, 0), await Read(3, 0, 100));
        Assert.Equal(For(4, 0), await Read(4, 0, 100)); // a party no event names: the events to all
        Assert.Contains(For(1, 0), id => events.Single(e => e.Id == id).Recipient is null);
        Assert.DoesNotContain(For(1, 0), id => events.Single(e => e.Id == id).Recipient == 2);

        // Paging: after an id (which need not be the party's), at most the limit.
        Assert.Equal(For(1, 0)[..2], await Read(1, 0, 2));
        Assert.Equal(For(1, For(1, 0)[1])[..2], await Read(1, For(1, 0)[1], 2));
        Assert.Equal(For(2, 15), await Read(2, 15, 100));
        Assert.Empty(await Read(1, events[^1].Id, 100));
        Assert.Empty(await Read(1, 0, 0));

        // Read back whole, conflict included.
        Assert.Equal(events.Where(e => e.Recipient is null or 2).Select(Describe), (await store.ReadLineEventsAsync(2, 0, 100, CancellationToken.None)).Select(Describe));
    }

    /// <summary>Events of every kind and every optional field, to parties 1..3 and to all, with gaps in the ids.</summary>
    private static LineEvent[] SampleEvents()
    {
        var conflict = new Conflict(Guid.CreateVersion7(Now), 1, 2, EntityKind.Constraint, Guid.CreateVersion7(Now), 2, 7, 1, ConflictRegion.Between(Polygon(), Circle()));
        var message = Guid.CreateVersion7(Now);
        return
        [
            new LineEvent(1, 2, LineEventKind.Message, Now, MessageId: message, Party: 1),
            new LineEvent(2, 1, LineEventKind.Conflict, Now.AddTicks(1), Party: 2, Reason: "a filing was refused: it conflicts with yours", Conflict: conflict),
            new LineEvent(3, 2, LineEventKind.Conflict, Now.AddTicks(1), Party: 1, Reason: "your filing was refused", Conflict: conflict),
            new LineEvent(4, 1, LineEventKind.Escalation, Now.AddMinutes(15), MessageId: message, Party: 1, Reason: "unanswered; escalation 1, priority Urgent"),
            new LineEvent(5, 2, LineEventKind.Amended, Now.AddMinutes(16), MessageId: message, Party: 1, ReservationId: conflict.ReservationId, Version: 4),
            new LineEvent(7, null, LineEventKind.LineDown, Now.AddMinutes(20), Party: 3, Reason: "2 line checks unanswered"),
            new LineEvent(8, null, LineEventKind.LineUp, Now.AddMinutes(21), Party: 3, Reason: "answered a line check"),
            new LineEvent(9, null, LineEventKind.Suspended, Now.AddMinutes(22), Party: 2, Reason: "consultations \"pending\" ✓"),
            new LineEvent(10, 3, LineEventKind.Message, Now.AddMinutes(23), MessageId: Guid.CreateVersion7(Now)),
            new LineEvent(16, null, LineEventKind.Resumed, Now.AddMinutes(24), Party: 2),
            new LineEvent(17, 2, LineEventKind.Message, Now.AddMinutes(25)),
            new LineEvent(18, 1, LineEventKind.Message, Now.AddMinutes(26)),
        ];
    }

    private static PartySaved[] Parties(params int[] ids) => [.. ids.Select(id => new PartySaved(new Party(id, $"p{id}", Now)))];

    private static void AssertSameMessage(Message expected, Message actual)
    {
        Assert.Equal(expected with { Proposal = null }, actual with { Proposal = null });
        Assert.Equal(expected.Proposal is null, actual.Proposal is null);
        if (expected.Proposal is { } p)
        {
            Assert.Equal(p.ReservationId, actual.Proposal!.ReservationId);
            Assert.Equal(p.Version, actual.Proposal.Version);
            AssertSameVolumes(p.Extents, actual.Proposal.Extents);
        }
    }

    /// <summary>An event as comparable text: records compare footprints by reference.</summary>
    private static string Describe(LineEvent e) => e.Conflict is { } c
        ? $"{e with { Conflict = null }} {c with { Region = null! }} {c.Region.Start:O} {c.Region.End:O} {c.Region.AltitudeLower:R} {c.Region.AltitudeUpper:R} {GeoJson.Write(c.Region.Footprint)} {GeoJson.Write(c.Region.OtherFootprint)}"
        : e.ToString();

    /// <summary>A log entry at <paramref name="index"/>: the store does not read entries, so any bytes do (zero bytes
    /// included, to show they are kept as binary).</summary>
    private static EntryAppended Entry(long index, DateTimeOffset recordedAt, int seed = 0)
    {
        var entry = Encoding.UTF8.GetBytes($"entry {index} {seed}\n\0end").Append((byte)0).ToArray();
        var body = Encoding.UTF8.GetBytes($"{{\"index\":{index},\"seed\":{seed}}}");
        return new EntryAppended(index, entry, Rfc9162.LeafHash(entry), recordedAt, Guid.NewGuid(), body);
    }

    private static Volume4D Polygon() => new(
        PolygonFootprint.Create([(36.1234567, 37.7654321), (36.2, 37.9), (36.31, 37.71)]),
        new AltitudeBand(120.5, 3000.25),
        new TimeWindow(Now.AddHours(1).UtcTicks + 1, Now.AddHours(2).UtcTicks));

    private static Volume4D Circle() => new(
        CircleFootprint.Create(-89.5, 179.99, 1234.5678),
        new AltitudeBand(0, 0),
        new TimeWindow(Now, Now.AddMinutes(1)));

    /// <summary><paramref name="volume"/> a distinct number of metres higher, so that every row's extents differ.</summary>
    private static Volume4D Moved(Volume4D volume, int metres) =>
        volume with { Altitude = new AltitudeBand(volume.Altitude.Lower + metres, volume.Altitude.Upper + metres) };

    private static void AssertSameVolumes(IReadOnlyList<Volume4D> expected, IReadOnlyList<Volume4D> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Altitude, actual[i].Altitude);
            Assert.Equal(expected[i].Time, actual[i].Time);
            Assert.Equal(GeoJson.Write(expected[i].Footprint), GeoJson.Write(actual[i].Footprint));
        }
    }
}
