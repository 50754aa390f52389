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
