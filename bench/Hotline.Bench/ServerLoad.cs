using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Hotline.Ledger;

namespace Hotline.Bench;

/// <summary>
/// <c>server-load STORED FILINGS CONCURRENCY</c>: the load generator of issue 3. Preloads STORED reservations of
/// the shared workload (seed 1) into a fresh embedded store, starts the real server on 127.0.0.1, then sends
/// FILINGS durable filings (seed 2 volumes, moved two days later so they conflict with nothing, all from one party
/// so they do not conflict with each other; each still runs the full conflict check) with CONCURRENCY requests in
/// flight, and then as many area queries. Prints throughput and latency percentiles.
/// </summary>
internal static class ServerLoad
{
    // Long enough for tiered compilation to finish: with 5,000 a profile of the measured filings still showed 10 % of
    // the CPU in the JIT's background thread.
    private const int Warmup = 20_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var stored = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var filings = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50_000;
        var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;
        var data = Directory.CreateTempSubdirectory("hotline-load-").FullName;
        try
        {
            var sw = Stopwatch.StartNew();
            await BenchServer.PreloadAsync(data, Workload.Load(1, stored), _ => Guid.CreateVersion7());
            Console.WriteLine($"preloaded {stored:N0} reservations in {sw.Elapsed.TotalSeconds:F1} s");

            sw.Restart();
            await using var server = await BenchServer.StartAsync(data);
            Console.WriteLine($"server started (state loaded, index built) in {sw.Elapsed.TotalSeconds:F1} s");
            // Every write is signed, as real clients sign them: the signature check is part of the cost measured.
            using var partyKey = PartySigningKey.Generate();
            var party = await server.CreatePartyAsync("load", partyKey);
            using var client = server.Client(party.Token, concurrency);

            var probes = Workload.Load(2, filings + Warmup);
            var twoDays = TimeSpan.FromDays(2);
            // Filings are signed before the clock starts, as each client signs on its own machine: what is measured
            // is the server's write path (signature check, decision, durable commit of state and log entry).
            var filingBodies = BenchServer.SignFilings(partyKey, probes.Select(p => BenchServer.Body(p.Volume, twoDays)));

            // Warm up (tiered JIT, connection pool) on volumes a further week away, then measure.
            var week = TimeSpan.FromDays(9);
            var warmup = BenchServer.SignFilings(partyKey, probes.Take(Warmup).Select(p => BenchServer.Body(p.Volume, week)));
            await MeasureAsync("warm-up filings", concurrency, Warmup, async i =>
            {
                using var response = await client.SendAsync(warmup[i]);
                return (int)response.StatusCode == 201;
            });
            filingBodies = filingBodies[Warmup..];
            await MeasureAsync("durable filings", concurrency, filingBodies.Length, async i =>
            {
                using var response = await client.SendAsync(filingBodies[i]);
                return (int)response.StatusCode == 201;
            });

            // Bodies serialized before the clock starts, as for the filings: the generator shares the two cores.
            var areas = probes.Select(p => JsonSerializer.SerializeToUtf8Bytes(new { area = BenchServer.Extent(p.Volume, TimeSpan.Zero) }, BenchServer.Web)).ToArray();
            foreach (var view in new[] { "", "?view=references" })
            {
                // Unmeasured: the query paths compiled and tiered up, as the filings' were.
                await MeasureAsync($"warm-up area queries{view}", concurrency, Math.Min(areas.Length, 5_000), async i =>
                {
                    using var response = await client.PostAsync("/v1/query" + view, Json(areas[^(i + 1)]));
                    return response.IsSuccessStatusCode;
                });
            }

            await MeasureAsync("area queries (full answers)", concurrency, Math.Min(areas.Length, 60_000), async i =>
            {
                using var response = await client.PostAsync("/v1/query", Json(areas[i]));
                return response.IsSuccessStatusCode;
            });
            await MeasureAsync("area queries (references)", concurrency, Math.Min(areas.Length, 60_000), async i =>
            {
                using var response = await client.PostAsync("/v1/query?view=references", Json(areas[i]));
                return response.IsSuccessStatusCode;
            });
            await MeasureAsync("health checks (HTTP floor)", concurrency, 20_000, async _ =>
            {
                using var response = await client.GetAsync("/health/live");
                return response.IsSuccessStatusCode;
            });

            return 0;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>Sends <paramref name="count"/> requests with <paramref name="concurrency"/> in flight and prints the rate and latency percentiles.</summary>
    internal static async Task MeasureAsync(string what, int concurrency, int count, Func<int, Task<bool>> send)
    {
        var latencies = new double[count];
        var failures = 0;
        var next = -1;
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var start = Stopwatch.GetTimestamp();
                if (!await send(i))
                {
                    Interlocked.Increment(ref failures);
                }

                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = sw.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        Console.WriteLine(
            $"{what}: {count:N0} in {elapsed:F1} s = {count / elapsed:N0}/s with {concurrency} in flight; "
            + $"p50 {latencies[count / 2]:F1} ms, p99 {latencies[(int)(count * 0.99)]:F1} ms, max {latencies[^1]:F1} ms; {failures} failed");
    }
}
