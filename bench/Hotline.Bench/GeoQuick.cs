using System.Diagnostics;
using System.Globalization;
using Hotline.Geo;

namespace Hotline.Bench;

/// <summary>
/// <c>geo-check N [PROBES [ROUNDS]]</c>: builds the index from N stored volumes (seed 1), checks the answers to PROBES
/// probes (seed 2: "other owner, separation 0") against the brute-force oracle, and prints build time, memory per
/// stored volume, and rough query and churn rates. It exits non-zero on any mismatch. The rigorous timings are the
/// BenchmarkDotNet suite; this is the correctness gate at full scale and a quick look. With
/// <c>HOTLINE_BENCH_HUGE_PAGES=1</c> the queries run after the heap is moved onto huge pages (see <see cref="HugePages"/>).
/// </summary>
internal static class GeoQuick
{
    public static int Run(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var probeCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var probes = Workload.Load(2, Math.Max(probeCount, 20_000));

        var empty = GC.GetTotalMemory(true);
        var stored = Workload.Load(1, n);
        var loaded = GC.GetTotalMemory(true);
        var items = stored.Select(v => (v.Id, v.Owner, v.Volume)).ToArray();
        var before = GC.GetTotalMemory(true);
        var sw = Stopwatch.StartNew();
        using var index = new VolumeIndex();
        index.AddRange(items);
        var build = sw.Elapsed;
        var after = GC.GetTotalMemory(true);
        // The loaded list holds each volume in a 40-byte row record; take that off to count the volume itself.
        var volumeBytes = ((loaded - empty) / (double)n) - 40;
        var indexBytes = (after - before) / (double)n;
        Console.WriteLine($"build {n:N0}: {build.TotalSeconds:F2} s; memory per stored volume {volumeBytes + indexBytes:F0} B (volume {volumeBytes:F0} B + index {indexBytes:F0} B)");

        // Correctness first: every answer equals the brute-force oracle (every stored volume tested exactly).
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

        var all = probes.Take(20_000).ToArray();
        if (Environment.GetEnvironmentVariable("HOTLINE_BENCH_HUGE_PAGES") == "1")
        {
            Console.WriteLine(HugePages.CollapseManagedHeap());
        }

        var list = new List<long>();
        var rates = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            sw.Restart();
            long total = 0;
            foreach (var probe in all)
            {
                list.Clear();
                total += index.Query(probe.Volume, Separation.None, probe.Owner, list);
            }

            rates.Add(all.Length / sw.Elapsed.TotalSeconds);
            Console.WriteLine($"query: {rates[^1]:N0} q/s single-threaded ({total / (double)all.Length:F1} hits/query)");
        }

        rates.Sort();
        if (File.Exists("/proc/self/smaps_rollup"))
        {
            // How much of the process sits on transparent huge pages (the index's arenas ask for them).
            var huge = File.ReadLines("/proc/self/smaps_rollup").FirstOrDefault(l => l.StartsWith("AnonHugePages:", StringComparison.Ordinal));
            Console.WriteLine($"memory: {huge}");
        }

        Console.WriteLine($"query: median {rates[rates.Count / 2]:N0} q/s single-threaded over {rounds} rounds of {all.Length:N0} probes");

        sw.Restart();
        Parallel.ForEach(all, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, () => new List<long>(), (probe, _, results) =>
        {
            results.Clear();
            index.Query(probe.Volume, Separation.None, probe.Owner, results);
            return results;
        }, _ => { });
        Console.WriteLine($"query: {all.Length / sw.Elapsed.TotalSeconds:N0} q/s on {Environment.ProcessorCount} threads");

        var churn = probes.Take(20_000).Select(p => (Id: p.Id + 100_000_000, p.Owner, p.Volume)).ToArray();
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
        return mismatches == 0 ? 0 : 1;
    }
}
