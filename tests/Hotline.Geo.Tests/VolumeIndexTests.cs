using CsCheck;
using Hotline.Geo.Tests.Oracle;

namespace Hotline.Geo.Tests;

public sealed class VolumeIndexTests
{
    private static readonly long T0 = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    // Hot spots where volumes crowd together, including the poles and the antimeridian.
    private static readonly (double Lat, double Lng)[] HotSpots = [(35.5, 38.5), (89.7, 10), (-89.6, -120), (0.3, 179.95), (-40, -179.9)];

    private static readonly Gen<Volume4D> Volume =
        Gen.Select(Gen.Int[0, HotSpots.Length - 1], Gen.Double[0, 300_000], Gen.Double[0, 2 * Math.PI], Gen.Double[0, Math.Log(100_000)])
            .SelectMany(t => Generators.FootprintAt(SphereOracle.Destination(HotSpots[t.Item1], t.Item2, t.Item3), Math.Exp(t.Item4)))
            .SelectMany(spec => Gen.Select(Gen.Double[0, 10_000], Gen.Double[0, 3_000], Gen.Long[0, 86_400], Gen.Long[1, 6 * 3600], (lo, thick, start, duration) =>
                new Volume4D(
                    spec.Build(),
                    new AltitudeBand(Math.Round(lo), Math.Round(lo + thick)),
                    new TimeWindow(T0 + (start * TimeSpan.TicksPerSecond), T0 + ((start + duration) * TimeSpan.TicksPerSecond)))));

    private static readonly Gen<Separation> Minima = Gen.Frequency(
        (2, Gen.Const(Separation.None)),
        (3, Gen.Select(Gen.Double[0, 20_000], Gen.Double[0, 1_000], Gen.Int[0, 3600], (l, v, t) => new Separation(l, v, TimeSpan.FromSeconds(t)))));

    private sealed record Op(int Kind, int Target, Volume4D Volume, int Owner);

    [Fact]
    public void QueriesAgreeWithBruteForceThroughInsertsUpdatesAndRemoves()
    {
        var workload = Gen.Select(
            Gen.Select(Volume, Gen.Int[0, 5]).Array[300, 600],
            Gen.Select(Gen.Int[0, 9], Gen.Int[0, int.MaxValue], Volume, Gen.Int[0, 5], (k, t, v, o) => new Op(k, t, v, o)).Array[50, 200],
            Gen.Select(Volume, Minima, Gen.Int[-1, 5]).Array[40]);

        var hits = 0;
        workload.Sample(w =>
        {
            var (initial, ops, probes) = w;
            using var index = new VolumeIndex();
            var truth = new Dictionary<long, (int Owner, Volume4D Volume)>();
            long nextId = 1;
            var batch = new List<(long, int, Volume4D)>();
            foreach (var (volume, owner) in initial)
            {
                truth[nextId] = (owner, volume);
                batch.Add((nextId++, owner, volume));
            }

            index.AddRange(batch);
            foreach (var op in ops)
            {
                var ids = truth.Keys.ToArray();
                if (op.Kind < 2 && ids.Length > 0)
                {
                    var id = ids[op.Target % ids.Length];
                    Assert.True(index.Remove(id));
                    truth.Remove(id);
                }
                else if (op.Kind < 5 && ids.Length > 0)
                {
                    var id = ids[op.Target % ids.Length];
                    index.Upsert(id, op.Owner, op.Volume);
                    truth[id] = (op.Owner, op.Volume);
                }
                else
                {
                    index.Upsert(nextId, op.Owner, op.Volume);
                    truth[nextId++] = (op.Owner, op.Volume);
                }
            }

            Assert.Equal(truth.Count, index.Count);
            var results = new List<long>();
            foreach (var (probe, minima, exclude) in probes)
            {
                int? excluded = exclude < 0 ? null : exclude;
                var expected = truth.Where(kv => kv.Value.Owner != excluded && kv.Value.Volume.ConflictsWith(probe, minima)).Select(kv => kv.Key).Order().ToList();
                results.Clear();
                index.Query(probe, minima, excluded, results);
                Assert.Equal(expected, results.Order().ToList());
                hits += expected.Count;
            }
        }, iter: 12, threads: 1);
        Assert.True(hits > 100, $"only {hits} conflicts in the whole workload: it tests too little");
    }

    // The index keeps rounded copies of times (whole seconds from 2000), altitudes (whole metres from −1,000 m,
    // saturating at 0 and 65,535) and caps (fixed point per cell). These instants and heights sit on and around
    // every rounding and saturation edge, a few ticks or centimetres apart, so rounded copies that were not
    // conservative, or not exact once the cold record decides, would show here as a miss or a false conflict.
    private static readonly long[] EdgeInstants =
    [
        DateTimeOffset.MinValue.UtcTicks + TimeSpan.TicksPerDay,
        new DateTimeOffset(1999, 12, 31, 23, 59, 59, TimeSpan.Zero).UtcTicks,
        new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks,
        new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks,
        new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks + (uint.MaxValue * TimeSpan.TicksPerSecond),
        DateTimeOffset.MaxValue.UtcTicks - TimeSpan.TicksPerDay,
    ];

    private static readonly double[] EdgeHeights = [-3_000, -1_001, -1_000, -999, 0, 64_534, 64_535, 64_536, 80_000];

    private static readonly Gen<Volume4D> EdgeVolume =
        Gen.Select(Gen.Int[0, 1], Gen.Double[0, 3_000], Gen.Double[0, 2 * Math.PI], Gen.Double[0, Math.Log(200_000)])
            .SelectMany(t => Generators.FootprintAt(SphereOracle.Destination(HotSpots[t.Item1], t.Item2, t.Item3), Math.Exp(t.Item4)))
            .SelectMany(spec => Gen.Select(
                Gen.Select(Gen.Int[0, EdgeInstants.Length - 1], Gen.Long[-3 * TimeSpan.TicksPerSecond, 3 * TimeSpan.TicksPerSecond], Gen.OneOf(1L, 5_000_000L, TimeSpan.TicksPerSecond, 3 * TimeSpan.TicksPerSecond)),
                Gen.Select(Gen.Int[0, EdgeHeights.Length - 1], Gen.Double[-1.5, 1.5], Gen.OneOf(0.0, 0.3, 1, 2.5)),
                (time, height) =>
                {
                    var start = EdgeInstants[time.Item1] + time.Item2;
                    var lower = EdgeHeights[height.Item1] + height.Item2;
                    return new Volume4D(spec.Build(), new AltitudeBand(lower, lower + height.Item3), new TimeWindow(start, start + time.Item3));
                }));

    [Fact]
    public void QueriesAgreeWithBruteForceOnTheEdgesOfTheRoundedCopies()
    {
        var minima = Gen.Frequency(
            (3, Gen.Const(Separation.None)),
            (2, Gen.Select(Gen.OneOf(0.0, 0.4, 25), Gen.OneOf(0.0, 0.3, 1.7), Gen.OneOf(0L, 1L, 4_000_000L, TimeSpan.TicksPerSecond), (l, v, t) => new Separation(l, v, TimeSpan.FromTicks(t)))));
        var workload = Gen.Select(EdgeVolume.Array[200, 400], Gen.Select(EdgeVolume, minima).Array[60]);
        var hits = 0;
        workload.Sample(w =>
        {
            var (stored, probes) = w;
            using var index = new VolumeIndex();
            index.AddRange(stored.Select((v, i) => ((long)i, 0, v)));
            var results = new List<long>();
            foreach (var (probe, separation) in probes)
            {
                var expected = stored.Select((v, i) => (v, i)).Where(p => p.v.ConflictsWith(probe, separation)).Select(p => (long)p.i).ToList();
                results.Clear();
                index.Query(probe, separation, null, results);
                Assert.Equal(expected, results.Order().ToList());
                hits += expected.Count;
            }
        }, iter: 10, threads: 1);
        Assert.True(hits > 200, $"only {hits} conflicts in the whole workload: it tests too little");
    }

    [Fact]
    public void QueriesHitAcrossThePoleAndTheAntimeridianAndAtEveryScale()
    {
        using var index = new VolumeIndex();
        var window = new TimeWindow(T0, T0 + TimeSpan.TicksPerHour);
        var band = new AltitudeBand(0, 100);
        // One metre circles on both sides of the antimeridian, and a 500 km polygon round the North Pole.
        index.Upsert(1, 1, new Volume4D(CircleFootprint.Create(10, 179.99999, 1), band, window));
        index.Upsert(2, 1, new Volume4D(CircleFootprint.Create(10, -179.99999, 1), band, window));
        index.Upsert(3, 1, new Volume4D(PolygonFootprint.Create([(85.5, 0), (85.5, 120), (85.5, -120)]), band, window));
        index.Upsert(4, 1, new Volume4D(CircleFootprint.Create(-89.9, 0, 50_000), band, window));
        var results = new List<long>();

        index.Query(new Volume4D(CircleFootprint.Create(10, 180, 0.5), band, window), Separation.None, null, results);
        Assert.Equal([1, 2], results.Order());

        results.Clear();
        index.Query(new Volume4D(CircleFootprint.Create(89.99, 77, 10), band, window), Separation.None, null, results);
        Assert.Equal([3], results);

        results.Clear();
        index.Query(new Volume4D(CircleFootprint.Create(-90, 0, 1), band, window), Separation.None, null, results);
        Assert.Equal([4], results);

        results.Clear();
        index.Query(new Volume4D(CircleFootprint.Create(-90, 0, 1), band, window), Separation.None, excludeOwner: 1, results);
        Assert.Empty(results);
    }

    [Fact]
    public void RemoveAndTryGetReportWhatIsStored()
    {
        using var index = new VolumeIndex();
        var volume = new Volume4D(CircleFootprint.Create(1, 2, 100), new AltitudeBand(0, 10), new TimeWindow(T0, T0 + 1));
        index.Upsert(7, 3, volume);
        Assert.True(index.TryGet(7, out var owner, out var stored));
        Assert.Equal(3, owner);
        Assert.Equal(volume, stored);
        Assert.False(index.Remove(8));
        Assert.True(index.Remove(7));
        Assert.False(index.TryGet(7, out _, out _));
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void ABatchReplacesStoredIdsAndItsOwnRepeatsAndTheLastOneWins()
    {
        using var index = new VolumeIndex();
        var window = new TimeWindow(T0, T0 + TimeSpan.TicksPerHour);
        var band = new AltitudeBand(0, 100);
        Volume4D At(double lat) => new(CircleFootprint.Create(lat, 38, 100), band, window);
        index.AddRange([(1, 0, At(35)), (2, 0, At(35.001))]);

        // Id 1 moves far away, id 3 arrives twice (the second wins), and id 2's old cell empties on the way.
        var winner = At(42);
        index.AddRange([(1, 0, At(40)), (3, 1, At(35)), (2, 0, At(41)), (3, 2, winner)]);

        Assert.Equal(3, index.Count);
        var results = new List<long>();
        index.Query(At(35), Separation.None, null, results);
        Assert.Empty(results);
        Assert.True(index.TryGet(3, out var owner, out var stored));
        Assert.Equal(2, owner);
        Assert.Equal(winner, stored);
        index.Query(At(42), Separation.None, null, results);
        Assert.Equal([3], results);
    }

    [Fact]
    public void AFullCellGrowsAndShrinksWithoutLosingOrInventingAnEntry()
    {
        // Thousands of volumes in one cell, then most of them removed in random order: every resize of the cell's
        // runs (and every reuse of a run given back to the arenas) is crossed, and checked against brute force.
        using var index = new VolumeIndex();
        var random = new Random(3);
        var truth = new Dictionary<long, Volume4D>();
        Volume4D Random() => new(
            CircleFootprint.Create(35 + (random.NextDouble() * 0.02), 38 + (random.NextDouble() * 0.02), 20 + (random.NextDouble() * 200)),
            new AltitudeBand(0, 100),
            new TimeWindow(T0 + (random.Next(86_400) * TimeSpan.TicksPerSecond), T0 + ((86_400 + random.Next(3_600)) * TimeSpan.TicksPerSecond)));
        var probes = Enumerable.Range(0, 20).Select(_ => Random()).ToArray();
        var results = new List<long>();

        void Check()
        {
            Assert.Equal(truth.Count, index.Count);
            foreach (var probe in probes)
            {
                results.Clear();
                index.Query(probe, Separation.None, null, results);
                Assert.Equal(truth.Where(kv => kv.Value.ConflictsWith(probe, Separation.None)).Select(kv => kv.Key).Order(), results.Order());
            }
        }

        for (var id = 0L; id < 3_000; id++)
        {
            truth[id] = Random();
            index.Upsert(id, 0, truth[id]);
        }

        Check();
        foreach (var id in truth.Keys.OrderBy(_ => random.Next()).Take(2_950).ToList())
        {
            Assert.True(index.Remove(id));
            truth.Remove(id);
            if (truth.Count % 500 == 0)
            {
                Check();
            }
        }

        Check();
    }

    [Fact]
    public async Task ReadersSeeAConsistentIndexWhileAWriterChurns()
    {
        using var index = new VolumeIndex();
        var window = new TimeWindow(T0, T0 + TimeSpan.TicksPerHour);
        var band = new AltitudeBand(0, 100);
        for (var i = 0; i < 50; i++)
        {
            index.Upsert(i, 0, new Volume4D(CircleFootprint.Create(35 + (i * 0.001), 38, 50), band, window));
        }

        var probe = new Volume4D(CircleFootprint.Create(35.025, 38, 5_000), band, window);
        var stable = Enumerable.Range(0, 50).Select(i => (long)i).ToHashSet();
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            var random = new Random(1);
            for (var n = 0; n < 20_000; n++)
            {
                var id = 1000 + random.Next(200);
                if (random.Next(2) == 0)
                {
                    index.Upsert(id, 1, new Volume4D(CircleFootprint.Create(35 + (random.NextDouble() * 0.05), 38, 50), band, window));
                }
                else
                {
                    index.Remove(id);
                }
            }

            stop.Cancel();
        });
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var results = new List<long>();
            var queries = 0;
            while (!stop.IsCancellationRequested || queries == 0)
            {
                results.Clear();
                index.Query(probe, Separation.None, null, results);
                Assert.Superset(stable, results.ToHashSet());
                Assert.All(results, id => Assert.True(id < 50 || id is >= 1000 and < 1200));
                Assert.Equal(results.Count, results.Distinct().Count());
                queries++;
            }

            return queries;
        })).ToArray();
        await writer;
        var counts = await Task.WhenAll(readers);
        Assert.All(counts, c => Assert.True(c > 0));
    }
}
