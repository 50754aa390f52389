using System.Diagnostics;
using System.Globalization;
using Hotline.Geo;

namespace Hotline.Bench;

/// <summary>
/// <c>geo-check N [PROBES]</c>: builds the index from N stored volumes (seed 1), then checks the answers to the
/// probes (seed 2: "other owner, separation 0") against the brute-force oracle, and prints rough timings and
/// memory. The rigorous timings are the BenchmarkDotNet suite; this is the correctness gate and a quick look.
/// </summary>
internal static class GeoQuick
{
    public static int Run(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var probeCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;
        var probes = Workload.Load(2, Math.Max(probeCount, 20_000));
        var empty = GC.GetTotalMemory(true);
        var stored = Workload.Load(1, n);
        var loaded = GC.GetTotalMemory(true);
        var items = stored.Select(v => (v.Id, v.Owner, v.Volume)).ToArray();
        var before = GC.GetTotalMemory(true);
        var sw = Stopwatch.StartNew();
        var index = new VolumeIndex(double.Parse(Environment.GetEnvironmentVariable("CELL") ?? "12000", CultureInfo.InvariantCulture));
        index.AddRange(items);
        var build = sw.Elapsed;
        GC.Collect();
        var after = GC.GetTotalMemory(true);
        // The loaded list holds each volume in a 40-byte row record; take that off to count the volume itself.
        var volumeBytes = ((loaded - empty) / (double)n) - 40;
        var indexBytes = (after - before) / (double)n;
        Console.WriteLine($"build {n:N0}: {build.TotalSeconds:F2} s; memory per stored volume {volumeBytes + indexBytes:F0} B (volume {volumeBytes:F0} B + index {indexBytes:F0} B)");

        // Correctness first: every answer equals the brute-force oracle.
        var mismatches = 0;
        long hits = 0;
        var checkProbes = probes.Take(probeCount).ToArray();
        Parallel.ForEach(checkProbes, () => new List<long>(), (probe, _, results) =>
        {
            results.Clear();
            index.Query(probe.Volume, Separation.None, probe.Owner, results);
            var expected = new List<long>();
            foreach (var s in stored)
            {
                if (s.Owner != probe.Owner && s.Volume.ConflictsWith(probe.Volume, Separation.None))
                {
                    expected.Add(s.Id);
                }
            }

            results.Sort();
            if (!results.SequenceEqual(expected))
            {
                Interlocked.Increment(ref mismatches);
            }

            Interlocked.Add(ref hits, expected.Count);
            return results;
        }, _ => { });
        Console.WriteLine($"oracle check: {checkProbes.Length:N0} probes, {hits / (double)checkProbes.Length:F1} hits/probe, {mismatches} mismatches");

        // Rough single-thread query rate over 20,000 probes.
        var list = new List<long>();
        var all = probes.Take(20_000).ToArray();
        for (var round = 0; round < 3; round++)
        {
            sw.Restart();
            long total = 0;
            foreach (var probe in all)
            {
                list.Clear();
                total += index.Query(probe.Volume, Separation.None, probe.Owner, list);
            }

            Console.WriteLine($"query: {all.Length / sw.Elapsed.TotalSeconds:N0} q/s single-threaded ({total / (double)all.Length:F1} hits/query)");
        }

        {
            var byId = stored.ToDictionary(v => v.Id, v => v.Volume);
            var pairs = new List<(Volume4D, Volume4D)>();
            foreach (var probe in all.Take(2000))
            {
                list.Clear();
                index.Query(probe.Volume, Separation.None, probe.Owner, list);
                pairs.AddRange(list.Select(id => (probe.Volume, byId[id])));
            }

            for (var round = 0; round < 3; round++)
            {
                sw.Restart();
                var k = 0;
                foreach (var (a, b) in pairs)
                {
                    k += a.ConflictsWith(b, Separation.None) ? 1 : 0;
                }

                Console.WriteLine($"exact test on hit pairs: {sw.Elapsed.TotalNanoseconds / pairs.Count:F0} ns/pair ({k})");
                var hot = pairs.Take(500).ToArray();
                sw.Restart();
                for (var rep = 0; rep < 100; rep++)
                {
                    foreach (var (a, b) in hot)
                    {
                        k += a.ConflictsWith(b, Separation.None) ? 1 : 0;
                    }
                }

                Console.WriteLine($"exact test on hit pairs, hot cache: {sw.Elapsed.TotalNanoseconds / (100 * hot.Length):F0} ns/pair ({k})");
                var kinds = pairs.GroupBy(p => (p.Item1.Footprint.GetType().Name, p.Item2.Footprint.GetType().Name));
                foreach (var g in kinds)
                {
                    sw.Restart();
                    foreach (var (a, b) in g)
                    {
                        k += a.ConflictsWith(b, Separation.None) ? 1 : 0;
                    }

                    Console.WriteLine($"  {g.Key}: {g.Count()} pairs {sw.Elapsed.TotalNanoseconds / g.Count():F0} ns/pair");
                }
            }
        }

        {
            var few = all.Take(100).ToArray();
            sw.Restart();
            for (var rep = 0; rep < 100; rep++)
            {
                foreach (var probe in few)
                {
                    list.Clear();
                    index.Query(probe.Volume, Separation.None, probe.Owner, list);
                }
            }

            Console.WriteLine($"query, hot cache (100 probes x 100): {10_000 / sw.Elapsed.TotalSeconds:N0} q/s");
            if (Environment.GetEnvironmentVariable("SPIN") is not null)
            {
                Console.WriteLine("spinning");
                sw.Restart();
                while (sw.Elapsed.TotalSeconds < 15)
                {
                    foreach (var probe in all)
                    {
                        list.Clear();
                        index.Query(probe.Volume, Separation.None, probe.Owner, list);
                    }
                }
            }
        }

        // Rough insert + remove rate: churn 100,000 probe volumes in and out.
        var churn = probes.Take(20_000).Select(p => (Id: p.Id + 10_000_000, p.Owner, p.Volume)).ToArray();
        sw.Restart();
        foreach (var c in churn)
        {
            index.Upsert(c.Id, c.Owner, c.Volume);
        }

        foreach (var c in churn)
        {
            index.Remove(c.Id);
        }

        Console.WriteLine($"insert+remove: {2 * churn.Length / sw.Elapsed.TotalSeconds:N0} ops/s");
        GC.KeepAlive(items);
        return mismatches == 0 ? 0 : 1;
    }
}
