using Hotline.Core;
using Hotline.Geo;

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
