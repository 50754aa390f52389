using BenchmarkDotNet.Attributes;
using Hotline.Geo;

namespace Hotline.Bench;

/// <summary>
/// The geometry engine on the shared workload: N stored volumes (seed 1), probes from seed 2, separation 0,
/// "other owner" (the probe's owner is excluded), as issue 2 and the PostGIS comparison define the query.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class IndexBenchmarks
{
    private const int ProbeBatch = 2_000;

    private VolumeIndex _index = null!;
    private WorkloadVolume[] _probes = null!;
    private WorkloadVolume[] _churn = null!;
    private readonly List<long> _results = [];
    private int _next;

    [Params(10_000, 100_000, 1_000_000)]
    public int Stored { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _index = new VolumeIndex();
        _index.AddRange(Workload.Load(1, Stored).Select(v => (v.Id, v.Owner, v.Volume)));
        var probes = Workload.Load(2, 40_000);
        _probes = [.. probes.Take(20_000)];
        // Churn volumes reuse seed-2 geometry under ids that cannot collide with stored ones.
        _churn = [.. probes.Skip(20_000).Select(p => p with { Id = p.Id + 100_000_000 })];
    }

    [GlobalCleanup]
    public void Cleanup() => _index.Dispose();

    /// <summary>One conflict query (the batch walks through 20,000 distinct probes, so caches stay honest).</summary>
    [Benchmark(OperationsPerInvoke = ProbeBatch)]
    public int ConflictQuery()
    {
        var hits = 0;
        for (var i = 0; i < ProbeBatch; i++)
        {
            var probe = _probes[_next];
            _next = (_next + 1) % _probes.Length;
            _results.Clear();
            hits += _index.Query(probe.Volume, Separation.None, probe.Owner, _results);
        }

        return hits;
    }

    /// <summary>One insert or one remove (the batch inserts 1,000 volumes and removes them again).</summary>
    [Benchmark(OperationsPerInvoke = 2_000)]
    public void InsertOrRemove()
    {
        var start = _next % (_churn.Length - 1_000);
        _next++;
        for (var i = start; i < start + 1_000; i++)
        {
            var v = _churn[i];
            _index.Upsert(v.Id, v.Owner, v.Volume);
        }

        for (var i = start; i < start + 1_000; i++)
        {
            _index.Remove(_churn[i].Id);
        }
    }
}

/// <summary>Building the index from N volumes in one call (the server's start-up path).</summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5, invocationCount: 1)]
public class IndexBuildBenchmarks
{
    private (long, int, Volume4D)[] _items = null!;

    [Params(1_000_000)]
    public int Stored { get; set; }

    [GlobalSetup]
    public void Setup() => _items = [.. Workload.Load(1, Stored).Select(v => (v.Id, v.Owner, v.Volume))];

    [Benchmark]
    public int Build()
    {
        using var index = new VolumeIndex();
        index.AddRange(_items);
        return index.Count;
    }
}

/// <summary>The exact lateral test alone, on pairs from the workload that the index hands to it (hot caches).</summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class LateralBenchmarks
{
    private (Footprint A, Footprint B)[] _polygonPairs = null!;
    private (Footprint A, Footprint B)[] _circlePolygonPairs = null!;

    [GlobalSetup]
    public void Setup()
    {
        var stored = Workload.Load(1, 100_000);
        using var index = new VolumeIndex();
        index.AddRange(stored.Select(v => (v.Id, v.Owner, v.Volume)));
        var byId = stored.ToDictionary(v => v.Id, v => v.Volume.Footprint);
        var pairs = new List<(Footprint, Footprint)>();
        var results = new List<long>();
        foreach (var probe in Workload.Load(2, 5_000))
        {
            results.Clear();
            index.Query(probe.Volume, Separation.None, null, results);
            pairs.AddRange(results.Select(id => (probe.Volume.Footprint, byId[id])));
        }

        _polygonPairs = [.. pairs.Where(p => p.Item1 is PolygonFootprint && p.Item2 is PolygonFootprint).Take(1_000)];
        _circlePolygonPairs = [.. pairs.Where(p => p.Item1 is CircleFootprint && p.Item2 is PolygonFootprint).Take(1_000)];
    }

    [Benchmark(OperationsPerInvoke = 1_000)]
    public int PolygonPolygon() => Count(_polygonPairs);

    [Benchmark(OperationsPerInvoke = 1_000)]
    public int CirclePolygon() => Count(_circlePolygonPairs);

    private static int Count((Footprint A, Footprint B)[] pairs)
    {
        var n = 0;
        foreach (var (a, b) in pairs)
        {
            n += Lateral.Within(a, b, 0) ? 1 : 0;
        }

        return n;
    }
}
