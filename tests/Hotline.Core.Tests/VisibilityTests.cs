using Hotline.Geo;
using Hotline.Ledger;
using Hotline.Storage.Sqlite;

namespace Hotline.Core.Tests;

/// <summary>Reads see a write only once it is durable; a write whose commit fails is never seen.</summary>
public sealed class VisibilityTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hotline-core-").FullName;
    private GatedStore _store = null!;
    private Airspace _airspace = null!;
    private readonly PartySigningKey _operatorKey = PartySigningKey.Generate();
    private readonly Dictionary<int, PartySigningKey> _keys = [];

    public async Task InitializeAsync()
    {
        _store = new GatedStore(await SqliteAirspaceStore.OpenAsync(Path.Combine(_folder, "hotline.db"), CancellationToken.None));
        _airspace = await Airspace.OpenAsync(_store, new AirspaceOptions(), TimeProvider.System, CancellationToken.None);
        await _airspace.EnsureOperatorKeyAsync(_operatorKey, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _store.Open();
        await _airspace.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task AFilingIsInvisibleUntilItsCommitReturns()
    {
        var party = await PartyAsync("visible");
        _store.Close();
        var filing = _airspace.FileReservationAsync(party, [Volume()], ReservationState.Accepted, null, null, new HashSet<EntityVersion>(), Signed(party), CancellationToken.None);
        await _store.CommitStarted.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(_airspace.ListReservations(null, includeEnded: true));
        Assert.Empty(_airspace.Query(Volume()).Reservations);
        Assert.False(filing.IsCompleted);

        _store.Open();
        var outcome = await filing;
        Assert.Equal(OutcomeKind.Ok, outcome.Kind);
        Assert.Equal(outcome.Value!.Id, Assert.Single(_airspace.ListReservations(null, includeEnded: true)).Id);
    }

    [Fact]
    public async Task AFilingWhoseCommitFailsIsNeverSeenAndLaterWritesStillWork()
    {
        var party = await PartyAsync("failing");
        _store.FailNext = true;
        await Assert.ThrowsAnyAsync<IOException>(() => _airspace.FileReservationAsync(party, [Volume()], ReservationState.Accepted, null, null, new HashSet<EntityVersion>(), Signed(party), CancellationToken.None));
        Assert.Empty(_airspace.ListReservations(null, includeEnded: true));

        var retried = await _airspace.FileReservationAsync(party, [Volume()], ReservationState.Accepted, null, null, new HashSet<EntityVersion>(), Signed(party), CancellationToken.None);
        Assert.Equal(OutcomeKind.Ok, retried.Kind);
        Assert.Single(_airspace.ListReservations(null, includeEnded: true));
    }

    [Fact]
    public async Task FilingsDecidedInOneBatchSeeEachOther()
    {
        var a = await PartyAsync("batch-a");
        var b = await PartyAsync("batch-b");
        _store.Close();
        // A first write holds the writer in its commit, so the three filings below queue up and are decided
        // together in the next batch, where A's first filing is only staged when B's is decided.
        var blocker = _airspace.CreatePartyAsync(Principal.Operator, "blocker", null, Signed(Principal.Operator), CancellationToken.None);
        await _store.CommitStarted.WaitAsync(TimeSpan.FromSeconds(10));
        var first = _airspace.FileReservationAsync(a, [Volume()], ReservationState.Accepted, null, null, new HashSet<EntityVersion>(), Signed(a), CancellationToken.None);
        var second = _airspace.FileReservationAsync(b, [Volume()], ReservationState.Accepted, null, null, new HashSet<EntityVersion>(), Signed(b), CancellationToken.None);
        var third = _airspace.FileReservationAsync(a, [Volume()], ReservationState.Accepted, null, null, new HashSet<EntityVersion>(), Signed(a), CancellationToken.None);
        _store.Open();

        Assert.Equal(OutcomeKind.Ok, (await blocker).Kind);
        var accepted = await first;
        Assert.Equal(OutcomeKind.Ok, accepted.Kind);
        var refused = await second;
        Assert.Equal(OutcomeKind.Conflicts, refused.Kind);
        Assert.Equal(accepted.Value!.Id, Assert.Single(refused.Conflicts!).OtherId);
        Assert.Equal(OutcomeKind.Ok, (await third).Kind);
        Assert.Equal(2, _airspace.ListReservations(null, includeEnded: false).Count);
    }

    private async Task<Principal> PartyAsync(string name)
    {
        var key = PartySigningKey.Generate();
        var created = await _airspace.CreatePartyAsync(Principal.Operator, name, key.PublicKey, Signed(Principal.Operator), CancellationToken.None);
        _keys[created.Value.Party.Id] = key;
        return Principal.ForParty(created.Value.Party.Id);
    }

    /// <summary>A request signed by the caller's key (the body does not matter to these tests).</summary>
    private Attestation Signed(Principal caller)
    {
        var key = caller.PartyId is { } id ? _keys[id] : _operatorKey;
        var body = "{}"u8.ToArray();
        return new Attestation(SignedRequest.Create(key, "POST", "/v1/test", DateTimeOffset.UtcNow, Guid.NewGuid(), body), body);
    }

    private static Volume4D Volume() => new(
        CircleFootprint.Create(36, 38, 1_000),
        new AltitudeBand(0, 100),
        new TimeWindow(new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero), new DateTimeOffset(2030, 1, 1, 11, 0, 0, TimeSpan.Zero)));

    /// <summary>The real store behind a gate that can hold commits back or make the next one fail.</summary>
    private sealed class GatedStore(IAirspaceStore inner) : IAirspaceStore
    {
        private TaskCompletionSource _gate = Opened();

        public SemaphoreSlim CommitStarted { get; } = new(0);

        public bool FailNext { get; set; }

        public void Close() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _gate.TrySetResult();

        public Task<AirspaceSnapshot> LoadAsync(DateTimeOffset noncesSince, CancellationToken cancellationToken) => inner.LoadAsync(noncesSince, cancellationToken);

        public Task<IReadOnlyList<byte[]>> ReadLogEntriesAsync(long start, int count, CancellationToken cancellationToken) =>
            inner.ReadLogEntriesAsync(start, count, cancellationToken);

        public Task<byte[]?> ReadRequestBodyAsync(long index, CancellationToken cancellationToken) => inner.ReadRequestBodyAsync(index, cancellationToken);

        public Task<IReadOnlyList<LineEvent>> ReadLineEventsAsync(int party, long afterId, int limit, CancellationToken cancellationToken) =>
            inner.ReadLineEventsAsync(party, afterId, limit, cancellationToken);

        public async Task CommitAsync(IReadOnlyList<Change> changes, CancellationToken cancellationToken)
        {
            CommitStarted.Release();
            await _gate.Task;
            if (FailNext)
            {
                FailNext = false;
                throw new IOException("disk full (test)");
            }

            await inner.CommitAsync(changes, cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            CommitStarted.Dispose();
        }

        private static TaskCompletionSource Opened()
        {
            var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            source.SetResult();
            return source;
        }
    }
}
