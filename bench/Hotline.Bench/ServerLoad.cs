using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Hotline.Core;
using Hotline.Geo;
using Hotline.Ledger;
using Hotline.Server;
using Hotline.Storage.Sqlite;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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
    private const int Warmup = 5_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var stored = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var filings = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50_000;
        var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;
        var data = Directory.CreateTempSubdirectory("hotline-load-").FullName;
        try
        {
            var sw = Stopwatch.StartNew();
            await PreloadAsync(data, stored);
            Console.WriteLine($"preloaded {stored:N0} reservations in {sw.Elapsed.TotalSeconds:F1} s");

            sw.Restart();
            var app = HotlineServer.Build(["--urls", "http://127.0.0.1:0", "--Hotline:DataDirectory", data], b => b.Logging.ClearProviders());
            await app.StartAsync();
            Console.WriteLine($"server started (state loaded, index built) in {sw.Elapsed.TotalSeconds:F1} s");
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            // Every write is signed, as real clients sign them: the signature is part of the cost measured.
            using var operatorKey = PartySigningKey.FromSeed(await File.ReadAllTextAsync(Path.Combine(data, "operator.key")));
            using var partyKey = PartySigningKey.Generate();
            JsonObject? party;
            using (var asOperator = new HttpClient(new RequestSigningHandler(operatorKey, TimeProvider.System, new SocketsHttpHandler())) { BaseAddress = address })
            {
                var operatorToken = (await File.ReadAllTextAsync(Path.Combine(data, "operator.token"))).Trim();
                asOperator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
                party = await (await asOperator.PostAsJsonAsync("/v1/parties", new { name = "load", publicKey = partyKey.PublicKey.ToBase64() })).Content.ReadFromJsonAsync<JsonObject>();
            }

            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency };
            using var client = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", party!["token"]!.GetValue<string>());

            var probes = Workload.Load(2, filings + Warmup);
            var twoDays = TimeSpan.FromDays(2);
            // Filings are signed before the clock starts, as each client signs on its own machine: what is measured
            // is the server's write path (signature check, decision, durable commit of state and log entry).
            var filingBodies = Sign(partyKey, probes.Select(p => Body(p.Volume, twoDays)));

            // Warm up (tiered JIT, connection pool) on volumes a further week away, then measure.
            var week = TimeSpan.FromDays(9);
            var warmup = Sign(partyKey, probes.Take(Warmup).Select(p => Body(p.Volume, week)));
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

            var areas = probes.Select(p => new { area = Extent(p.Volume, TimeSpan.Zero) }).ToArray();
            await MeasureAsync("area queries (full answers)", concurrency, Math.Min(areas.Length, 20_000), async i =>
            {
                using var response = await client.PostAsJsonAsync("/v1/query", areas[i]);
                return response.IsSuccessStatusCode;
            });
            await MeasureAsync("area queries (references)", concurrency, Math.Min(areas.Length, 20_000), async i =>
            {
                using var response = await client.PostAsJsonAsync("/v1/query?view=references", areas[i]);
                return response.IsSuccessStatusCode;
            });
            await MeasureAsync("health checks (HTTP floor)", concurrency, 20_000, async _ =>
            {
                using var response = await client.GetAsync("/health/live");
                return response.IsSuccessStatusCode;
            });

            await app.StopAsync();
            await app.DisposeAsync();
            return 0;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task MeasureAsync(string what, int concurrency, int count, Func<int, Task<bool>> send)
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

    private static object Body(Volume4D v, TimeSpan shift) => new { extents = new[] { Extent(v, shift) } };

    private static HttpRequestMessage[] Sign(PartySigningKey key, IEnumerable<object> bodies)
    {
        var now = DateTimeOffset.UtcNow;
        return [.. bodies.AsParallel().AsOrdered().Select(body =>
        {
            var bytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/reservations") { Content = new ByteArrayContent(bytes) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation(SignedRequest.HeaderName, SignedRequest.Create(key, "POST", "/v1/reservations", now, Guid.NewGuid(), bytes).ToHeader());
            return request;
        })];
    }

    private static object Extent(Volume4D v, TimeSpan shift) => new
    {
        footprint = JsonNode.Parse(GeoJson.Write(v.Footprint)),
        altitude = new { lower = v.Altitude.Lower, upper = v.Altitude.Upper },
        time = new { start = v.Time.Start + shift, end = v.Time.End + shift },
    };

    private static async Task PreloadAsync(string data, int count)
    {
        await using var store = await SqliteAirspaceStore.OpenAsync(Path.Combine(data, "hotline.db"), CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var changes = new List<Change>();
        for (var owner = 0; owner < 8; owner++)
        {
            changes.Add(new PartySaved(new Party(owner + 1, $"party-{owner}", now)));
        }

        await store.CommitAsync(changes, CancellationToken.None);
        var rows = Workload.Load(1, count);
        foreach (var chunk in rows.Chunk(20_000))
        {
            changes.Clear();
            foreach (var row in chunk)
            {
                changes.Add(new ReservationSaved(new Reservation(Guid.CreateVersion7(), row.Owner + 1, [row.Volume], ReservationState.Accepted, 1, null, null, now)));
            }

            await store.CommitAsync(changes, CancellationToken.None);
        }
    }
}
