using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hotline.Ledger;

namespace Hotline.Bench;

/// <summary>
/// <c>dss-load COUNT CONCURRENCY</c>: the F3548 load generator of issue 6. Starts the real server with the DSS API on
/// (RS256 tokens from a key made here, as an OAuth authority would mint them), creates 8 USS parties, then sends
/// durable operational intent creates (PUT /dss/v1/operational_intent_references/{id}, Accepted, each with an
/// implicit subscription, as USSs plan) in two workloads:
/// <list type="bullet">
/// <item>non-overlapping: each request a 100 m square of its own;</item>
/// <item>same 1 km²: every request the same 1 km square over the same altitudes, in its own 10-second slot, so that
/// each one's key check and subscription search run over every intent already there (where S2-cell DSSs contend).</item>
/// </list>
/// Bodies are serialized before the clock starts; what is measured is the server: token check, parsing, the key
/// check, the decision and the durable commit of the state and its log entry.
/// </summary>
internal static class DssLoad
{
    private const int Usses = 8;
    private const int Warmup = 20_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50_000;
        var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
        var data = Directory.CreateTempSubdirectory("hotline-dss-load-").FullName;
        try
        {
            using var authority = RSA.Create(2048);
            var pem = Path.Combine(data, "authority.pem");
            await File.WriteAllTextAsync(pem, authority.ExportSubjectPublicKeyInfoPem());
            await using var server = await BenchServer.StartAsync(data, "--Hotline:Dss:Audiences:0", "localhost", "--Hotline:Dss:PublicKeyFiles:0", pem);
            var clients = new HttpClient[Usses];
            for (var u = 0; u < Usses; u++)
            {
                using var key = PartySigningKey.Generate();
                await server.CreatePartyAsync($"uss{u}", key);
                clients[u] = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(2) };
                clients[u].DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(authority, $"uss{u}"));
            }

            var start = DateTimeOffset.UtcNow.AddHours(1);
            // Warm-up (tiered JIT, connection pools) far away from both workloads.
            var warmup = Bodies(Warmup, i => Square(20.0 + (0.002 * (i % 500)), 20.0 + (0.002 * (i / 500)), 0.0005, start, start.AddMinutes(30)));
            await ServerLoad.MeasureAsync("warm-up creates", concurrency, Warmup, i => PutAsync(clients[i % Usses], warmup[i]));

            // Non-overlapping: 100 m squares 200 m apart on a grid over Syria.
            var apart = Bodies(count, i => Square(33.0 + (0.002 * (i % 1000)), 36.0 + (0.002 * (i / 1000)), 0.00045, start, start.AddMinutes(30)));
            await ServerLoad.MeasureAsync("creates, non-overlapping", concurrency, count, i => PutAsync(clients[i % Usses], apart[i]));

            // The same 1 km² (0.009° of latitude by 0.0108° of longitude at 34.5° N), one 10 s slot each (1 s apart).
            var same = Bodies(count, i => Square(34.5, 38.0, 0.0045, start.AddSeconds(11.0 * i), start.AddSeconds((11.0 * i) + 10), 0.0054));
            await ServerLoad.MeasureAsync("creates, all in the same 1 km²", concurrency, count, i => PutAsync(clients[i % Usses], same[i]));

            // Non-overlapping again, on a grid of its own, now that the whole path has run many times.
            var again = Bodies(count, i => Square(31.0 + (0.002 * (i % 1000)), 36.0 + (0.002 * (i / 1000)), 0.00045, start, start.AddMinutes(30)));
            await ServerLoad.MeasureAsync("creates, non-overlapping (second pass)", concurrency, count, i => PutAsync(clients[i % Usses], again[i]));
            foreach (var client in clients)
            {
                client.Dispose();
            }

            return 0;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<bool> PutAsync(HttpClient client, (Guid Id, byte[] Body) request)
    {
        using var content = new ByteArrayContent(request.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PutAsync($"/dss/v1/operational_intent_references/{request.Id}", content);
        return (int)response.StatusCode == 201;
    }

    private static (Guid Id, byte[] Body)[] Bodies(int count, Func<int, JsonObject> extent) =>
        [.. Enumerable.Range(0, count).AsParallel().AsOrdered().Select(i => (Guid.NewGuid(), JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["extents"] = new JsonArray(extent(i)),
            ["key"] = new JsonArray(),
            ["state"] = "Accepted",
            ["uss_base_url"] = "https://uss.example.com/utm",
            ["new_subscription"] = new JsonObject { ["uss_base_url"] = "https://uss.example.com/utm", ["notify_for_constraints"] = false },
        })))];

    private static JsonObject Square(double lat, double lng, double halfLat, DateTimeOffset start, DateTimeOffset end, double? halfLng = null)
    {
        var h = halfLng ?? halfLat;
        return new JsonObject
        {
            ["volume"] = new JsonObject
            {
                ["outline_polygon"] = new JsonObject
                {
                    ["vertices"] = new JsonArray(Point(lat - halfLat, lng - h), Point(lat - halfLat, lng + h), Point(lat + halfLat, lng + h), Point(lat + halfLat, lng - h)),
                },
                ["altitude_lower"] = Altitude(0),
                ["altitude_upper"] = Altitude(120),
            },
            ["time_start"] = Time(start),
            ["time_end"] = Time(end),
        };
    }

    private static JsonObject Point(double lat, double lng) => new() { ["lat"] = lat, ["lng"] = lng };

    private static JsonObject Altitude(double meters) => new() { ["value"] = meters, ["reference"] = "W84", ["units"] = "M" };

    private static JsonObject Time(DateTimeOffset t) => new()
    {
        ["value"] = t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["format"] = "RFC3339",
    };

    private static string Token(RSA authority, string subject) =>
        Hotline.Server.DevTokens.MintRs256(authority, subject, "utm.strategic_coordination utm.constraint_processing", "localhost", "dss-load", DateTimeOffset.UtcNow.AddHours(1));
}
