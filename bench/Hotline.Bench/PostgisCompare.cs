using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Hotline.Geo;
using Hotline.Ledger;

namespace Hotline.Bench;

/// <summary>
/// <c>postgis-compare N WORKDIR ANSWERS SECONDS FILINGS CONCURRENCY</c>: Hotline's half of
/// <c>bench/compare-postgis/compare-postgis.sh</c> (issue 7). The script has loaded PostGIS, measured it, and left in
/// WORKDIR <c>postgis.env</c> (its rates), <c>answers-geog.csv</c> / <c>answers-geom.csv</c> (probe, stored pairs of
/// the first ANSWERS probes) and <c>circles.csv</c> (the 32-gons PostGIS holds for the circles). This runs the same
/// stored volumes and probes through the <see cref="VolumeIndex"/> (one and two threads) and through the HTTP API
/// (area queries, then durable signed filings), compares the answers, and writes <c>rows-N.md</c> (table rows),
/// <c>notes-N.md</c> and <c>disagree-N.csv</c> (the pairs to look up in PostGIS).
/// </summary>
internal static class PostgisCompare
{
    private const int Probes = 20_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        var n = int.Parse(args[0], inv);
        var work = args[1];
        var answerCount = int.Parse(args[2], inv);
        var seconds = double.Parse(args[3], inv);
        var filings = int.Parse(args[4], inv);
        var concurrency = int.Parse(args[5], inv);
        var pg = File.ReadAllLines(Path.Combine(work, "postgis.env"))
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        double Pg(string key) => double.TryParse(pg.GetValueOrDefault(key), inv, out var v) ? v : double.NaN;

        var stored = Workload.Load(1, n);
        var probes = Workload.Load(2, Probes);
        var rows = new StringBuilder();
        var notes = new StringBuilder();
        notes.AppendLine(inv, $"### N = {n:N0}");
        notes.AppendLine(inv, $"- PostGIS load (COPY, buffers, two GiST builds, VACUUM ANALYZE): {pg.GetValueOrDefault("pg_load_s")} s; `vol_geog` with its index: {pg.GetValueOrDefault("pg_size")}.");

        // 1. In-process, the stored volumes as Hotline holds them (true circles).
        var sw = Stopwatch.StartNew();
        var index = new VolumeIndex();
        index.AddRange(stored.Select(v => (v.Id, v.Owner, v.Volume)));
        notes.AppendLine(inv, $"- Hotline index build (`AddRange`, {n:N0} volumes): {sw.Elapsed.TotalSeconds:F2} s.");
        var native = Answers(index, probes.Take(answerCount));
        var single = MeasureInProcess(index, probes, seconds, 1);
        var multi = MeasureInProcess(index, probes, seconds, 2);
        index.Dispose();
        Console.Error.WriteLine($"in-process: {single:N0} q/s on 1 thread, {multi:N0} q/s on 2 threads");

        // 2. In-process on exactly the polygons PostGIS holds (its 32-gon buffers for the circles): the answer check.
        var circles = ReadCircles(Path.Combine(work, "circles.csv"));
        var sameStored = stored.Select(v => (v.Id, v.Owner, Volume: Same(v, circles.Stored))).ToArray();
        var sameProbes = probes.Take(answerCount).Select(p => p with { Volume = Same(p, circles.Probes) }).ToArray();
        HashSet<(long, long)> same;
        using (var sameIndex = new VolumeIndex())
        {
            sameIndex.AddRange(sameStored);
            same = Answers(sameIndex, sameProbes);
        }

        var geog = ReadPairs(Path.Combine(work, "answers-geog.csv"));
        var geom = ReadPairs(Path.Combine(work, "answers-geom.csv"));
        var hotlineOnly = same.Where(p => !geog.Contains(p)).Order().ToArray();
        var postgisOnly = geog.Where(p => !same.Contains(p)).Order().ToArray();
        await File.WriteAllLinesAsync(
            Path.Combine(work, $"disagree-{n}.csv"),
            hotlineOnly.Select(p => $"hotline-only,{p.Item1},{p.Item2}").Concat(postgisOnly.Select(p => $"postgis-only,{p.Item1},{p.Item2}")));
        var agree = hotlineOnly.Length == 0 && postgisOnly.Length == 0
            ? $"yes: {geog.Count:N0} pairs of {answerCount:N0} probes, identical"
            : $"@AGREE@ {geog.Count:N0} pairs of {answerCount:N0} probes; {hotlineOnly.Length} only Hotline, {postgisOnly.Length} only PostGIS (listed below)";
        var planarOnly = geom.Count(p => !geog.Contains(p));
        var planarMissed = geog.Count(p => !geom.Contains(p));
        var nativeExtra = native.Count(p => !geog.Contains(p));
        var nativeMissing = geog.Count(p => !native.Contains(p));
        notes.AppendLine(inv, $"- Answers, first {answerCount:N0} probes: PostGIS `geography` {geog.Count:N0} pairs; Hotline on the same polygons {same.Count:N0} (only Hotline {hotlineOnly.Length}, only PostGIS {postgisOnly.Length}).");
        notes.AppendLine(inv, $"- Hotline with true circles (what it stores): {native.Count:N0} pairs; {nativeExtra} more than PostGIS `geography` and {nativeMissing} fewer. Expected where a circle is involved: the 32-gon of `ST_Buffer` lies inside the circle (up to 0.5 % of the radius short), and is built in a planar projection.");
        notes.AppendLine(inv, $"- PostGIS planar `geometry` (straight edges in lat/lng) vs its `geography`: {planarOnly} pairs only planar, {planarMissed} only geography, of {geog.Count:N0}.");

        double pgGeog = Pg("pg_geog"), pgGeog1 = Pg("pg_geog1"), pgGeom = Pg("pg_geom"), pgTx = Pg("pg_tx");
        var pgPerCore = Math.Max(pgGeog1, pgGeog / 2);
        Row(rows, n, "conflict query, in-process, 1 thread vs PostGIS `geography` per core (best of 1 client, 2 clients / 2)", pgPerCore, single, agree);
        Row(rows, n, "conflict query, in-process, 2 threads vs PostGIS `geography` pgbench 2 clients", pgGeog, multi, agree);
        Row(rows, n, "conflict query, in-process, 1 thread vs PostGIS planar `geometry` per core (pgbench 2 clients / 2)", pgGeom / 2, single,
            $"no (planar is another question): {planarOnly} pairs only planar, {planarMissed} only geography");

        // 3. Through the HTTP API: a real server on 127.0.0.1 over a store preloaded with the same N volumes.
        var data = Directory.CreateTempSubdirectory("hotline-vs-postgis-").FullName;
        try
        {
            sw.Restart();
            await BenchServer.PreloadAsync(data, stored, row => ReservationId(row.Id));
            await using var server = await BenchServer.StartAsync(data);
            notes.AppendLine(inv, $"- Hotline server: store preloaded and server started (state loaded, index built) in {sw.Elapsed.TotalSeconds:F1} s.");
            using var partyKey = PartySigningKey.Generate();
            var party = await server.CreatePartyAsync("compare", partyKey);
            using var client = server.Client(party.Token, concurrency);

            // Answers over HTTP: the area query answers every owner; the probe's own owner is left out here, as the
            // conflict query does.
            var bodies = probes.Select(p => JsonSerializer.SerializeToUtf8Bytes(new { area = BenchServer.Extent(p.Volume, TimeSpan.Zero) })).ToArray();
            var http = new HashSet<(long, long)>();
            for (var i = 0; i < answerCount; i++)
            {
                foreach (var (id, owner) in await QueryAsync(client, bodies[i]))
                {
                    if (owner != probes[i].Owner + 1)
                    {
                        http.Add((probes[i].Id, id));
                    }
                }
            }

            var httpAgree = http.SetEquals(native)
                ? $"yes: identical to in-process ({http.Count:N0} pairs)"
                : $"no: {http.Count(p => !native.Contains(p))} only HTTP, {native.Count(p => !http.Contains(p))} only in-process";
            var httpRate = await MeasureHttpAsync(concurrency, seconds, bodies.Length, i => QueryAsync(client, bodies[i]));
            Console.Error.WriteLine($"HTTP queries: {httpRate:N0} q/s with {concurrency} in flight");
            Row(rows, n, $"conflict query over HTTP (`/v1/query?view=references`, {concurrency} in flight) vs PostGIS `geography` pgbench 2 clients", pgGeog, httpRate,
                httpAgree + "; true circles, see notes");

            // Durable check-then-insert: signed filings (signed before the clock starts, as clients sign on their own
            // machines), probes moved two days later, one party: each runs the full check and is written.
            var twoDays = TimeSpan.FromDays(2);
            var warm = Math.Min(2_000, Probes);
            var warmup = BenchServer.SignFilings(partyKey, probes.Take(warm).Select(p => BenchServer.Body(p.Volume, TimeSpan.FromDays(9))));
            await MeasureCountAsync(concurrency, warmup.Length, async i =>
            {
                using var response = await client.SendAsync(warmup[i]);
                return (int)response.StatusCode == 201;
            });
            var filingBodies = BenchServer.SignFilings(partyKey, Enumerable.Range(0, filings).Select(i => BenchServer.Body(probes[i % Probes].Volume, twoDays + TimeSpan.FromDays(i / Probes * 3))));
            var (filed, failed, elapsed) = await MeasureCountAsync(concurrency, filingBodies.Length, async i =>
            {
                using var response = await client.SendAsync(filingBodies[i]);
                return (int)response.StatusCode == 201;
            });
            var filingRate = filed / elapsed;
            Console.Error.WriteLine($"durable filings: {filingRate:N0}/s with {concurrency} in flight, {failed} failed");
            Row(rows, n, $"durable check-then-insert over HTTP (signed filing, {concurrency} in flight) vs PostGIS SERIALIZABLE tx, synchronous commit, pgbench {concurrency} clients", pgTx, filingRate,
                $"n/a (no conflicts by design): Hotline {filed:N0} filed, {failed} refused; PostGIS {pg.GetValueOrDefault("pg_tx_failed")} failed, {pg.GetValueOrDefault("pg_tx_retried")} retried");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }

        await File.WriteAllTextAsync(Path.Combine(work, $"rows-{n}.md"), rows.ToString());
        await File.WriteAllTextAsync(Path.Combine(work, $"notes-{n}.md"), notes.ToString());
        return 0;
    }

    private static void Row(StringBuilder rows, int n, string workload, double postgis, double hotline, string agree) =>
        rows.AppendLine(CultureInfo.InvariantCulture, $"| {n:N0} | {workload} | {postgis:N0} | {hotline:N0} | {hotline / postgis:F1}× | {agree} |");

    private static HashSet<(long, long)> Answers(VolumeIndex index, IEnumerable<WorkloadVolume> probes)
    {
        var pairs = new HashSet<(long, long)>();
        var results = new List<long>();
        foreach (var probe in probes)
        {
            results.Clear();
            index.Query(probe.Volume, Separation.None, probe.Owner, results);
            foreach (var id in results)
            {
                pairs.Add((probe.Id, id));
            }
        }

        return pairs;
    }

    /// <summary>Queries per second on <paramref name="threads"/> threads, each cycling the probes, for a fixed time.</summary>
    private static double MeasureInProcess(VolumeIndex index, IReadOnlyList<WorkloadVolume> probes, double seconds, int threads)
    {
        var warm = new List<long>();
        for (var i = 0; i < Math.Min(probes.Count, 4_000); i++)
        {
            warm.Clear();
            index.Query(probes[i].Volume, Separation.None, probes[i].Owner, warm);
        }

        var counts = new long[threads];
        var sw = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var results = new List<long>();
            long done = 0;
            var i = t * probes.Count / threads;
            while (true)
            {
                for (var k = 0; k < 256; k++, i = (i + 1) % probes.Count)
                {
                    results.Clear();
                    index.Query(probes[i].Volume, Separation.None, probes[i].Owner, results);
                }

                done += 256;
                if (sw.Elapsed >= deadline)
                {
                    break;
                }
            }

            counts[t] = done;
        })).ToArray();
        foreach (var w in workers)
        {
            w.Start();
        }

        foreach (var w in workers)
        {
            w.Join();
        }

        return counts.Sum() / sw.Elapsed.TotalSeconds;
    }

    private static async Task<double> MeasureHttpAsync(int concurrency, double seconds, int count, Func<int, Task<List<(long, int)>>> send)
    {
        await MeasureCountAsync(concurrency, Math.Min(count, 2_000), async i => (await send(i)).Count >= 0);
        var done = 0L;
        var next = -1;
        var sw = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (sw.Elapsed < deadline)
            {
                var i = (int)((uint)Interlocked.Increment(ref next) % (uint)count);
                await send(i);
                Interlocked.Increment(ref done);
            }
        })));
        return done / sw.Elapsed.TotalSeconds;
    }

    private static async Task<(int Ok, int Failed, double Seconds)> MeasureCountAsync(int concurrency, int count, Func<int, Task<bool>> send)
    {
        var ok = 0;
        var failed = 0;
        var next = -1;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                if (await send(i))
                {
                    Interlocked.Increment(ref ok);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));
        return (ok, failed, sw.Elapsed.TotalSeconds);
    }

    private static async Task<List<(long Id, int Owner)>> QueryAsync(HttpClient client, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync("/v1/query?view=references", content);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var json = await JsonDocument.ParseAsync(stream);
        var found = new List<(long, int)>();
        foreach (var r in json.RootElement.GetProperty("reservations").EnumerateArray())
        {
            found.Add((WorkloadId(r.GetProperty("id").GetGuid()), r.GetProperty("owner").GetInt32()));
        }

        return found;
    }

    /// <summary>A reservation id that carries the workload id, so that answers over HTTP map back to it.</summary>
    private static Guid ReservationId(long workloadId)
    {
        Span<byte> b = stackalloc byte[16];
        "Hotline\u0007"u8.CopyTo(b);
        b[6] = 0x70; // version 7
        BinaryPrimitives.WriteInt64BigEndian(b[8..], workloadId);
        b[8] |= 0x80; // RFC 9562 variant (workload ids stay far below 2^56)
        return new Guid(b, bigEndian: true);
    }

    private static long WorkloadId(Guid id)
    {
        Span<byte> b = stackalloc byte[16];
        id.TryWriteBytes(b, bigEndian: true, out _);
        return BinaryPrimitives.ReadInt64BigEndian(b[8..]) & 0x00FF_FFFF_FFFF_FFFF;
    }

    private static Volume4D Same(WorkloadVolume v, Dictionary<long, string> circles) =>
        v.Volume.Footprint is CircleFootprint
            ? new Volume4D(PolygonFootprint.Create(ParseWkt(circles[v.Id])), v.Volume.Altitude, v.Volume.Time)
            : v.Volume;

    private static (Dictionary<long, string> Stored, Dictionary<long, string> Probes) ReadCircles(string path)
    {
        var stored = new Dictionary<long, string>();
        var probes = new Dictionary<long, string>();
        foreach (var line in File.ReadLines(path))
        {
            // s|p,id,"POLYGON((lng lat,...))"
            var f = line.Split(',', 3);
            (f[0] == "s" ? stored : probes)[long.Parse(f[1], CultureInfo.InvariantCulture)] = f[2];
        }

        return (stored, probes);
    }

    private static (double Lat, double Lng)[] ParseWkt(string wkt)
    {
        var open = wkt.IndexOf("((", StringComparison.Ordinal) + 2;
        var close = wkt.IndexOf("))", StringComparison.Ordinal);
        return [.. wkt[open..close].Split(',').Select(pair =>
        {
            var xy = pair.Trim().Split(' ');
            return (double.Parse(xy[1], CultureInfo.InvariantCulture), double.Parse(xy[0], CultureInfo.InvariantCulture));
        })];
    }

    private static HashSet<(long, long)> ReadPairs(string path)
    {
        var pairs = new HashSet<(long, long)>();
        foreach (var line in File.ReadLines(path))
        {
            var comma = line.IndexOf(',', StringComparison.Ordinal);
            pairs.Add((long.Parse(line.AsSpan(0, comma), CultureInfo.InvariantCulture), long.Parse(line.AsSpan(comma + 1), CultureInfo.InvariantCulture)));
        }

        return pairs;
    }
}
