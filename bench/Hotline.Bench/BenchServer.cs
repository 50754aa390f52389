using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hotline.Core;
using Hotline.Geo;
using Hotline.Ledger;
using Hotline.Server;
using Hotline.Storage.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hotline.Bench;

/// <summary>
/// The real server in-process on 127.0.0.1 for the load generators, with what they all need: a store preloaded
/// with workload volumes, parties created (with keys) by the operator, and filings signed before the clock starts.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    internal static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly WebApplication _app;

    private BenchServer(WebApplication app, Uri address, string dataDirectory)
    {
        _app = app;
        Address = address;
        DataDirectory = dataDirectory;
    }

    /// <summary>Where the server listens.</summary>
    public Uri Address { get; }

    /// <summary>The server's data folder.</summary>
    public string DataDirectory { get; }

    /// <summary>Starts the server over <paramref name="dataDirectory"/> (its store may be preloaded), with
    /// <paramref name="settings"/> as more <c>--Hotline:X value</c> pairs.</summary>
    public static async Task<BenchServer> StartAsync(string dataDirectory, params string[] settings)
    {
        var app = HotlineServer.Build(["--urls", "http://127.0.0.1:0", "--Hotline:DataDirectory", dataDirectory, .. settings], b => b.Logging.ClearProviders());
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return new BenchServer(app, address, dataDirectory);
    }

    /// <summary>Creates a party with <paramref name="key"/> as its first key, as the operator (signed with
    /// <c>operator.key</c>).</summary>
    public async Task<PartyCreated> CreatePartyAsync(string name, PartySigningKey key)
    {
        using var operatorKey = PartySigningKey.FromSeed(await File.ReadAllTextAsync(Path.Combine(DataDirectory, "operator.key")));
        using var asOperator = new HttpClient(new RequestSigningHandler(operatorKey, TimeProvider.System, new SocketsHttpHandler())) { BaseAddress = Address };
        var operatorToken = (await File.ReadAllTextAsync(Path.Combine(DataDirectory, "operator.token"))).Trim();
        asOperator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
        using var response = await asOperator.PostAsJsonAsync("/v1/parties", new { name, publicKey = key.PublicKey.ToBase64() });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<PartyCreated>())!;
    }

    /// <summary>A client with a party's bearer token and <paramref name="concurrency"/> connections.</summary>
    public HttpClient Client(string token, int concurrency)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Writes 8 parties and the <paramref name="rows"/> as Accepted reservations straight into a new store.</summary>
    public static async Task PreloadAsync(string dataDirectory, IReadOnlyList<WorkloadVolume> rows, Func<WorkloadVolume, Guid> idOf)
    {
        await using var store = await SqliteAirspaceStore.OpenAsync(Path.Combine(dataDirectory, "hotline.db"), CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var changes = new List<Change>();
        for (var owner = 0; owner < 8; owner++)
        {
            changes.Add(new PartySaved(new Party(owner + 1, $"party-{owner}", now)));
        }

        await store.CommitAsync(changes, CancellationToken.None);
        foreach (var chunk in rows.Chunk(20_000))
        {
            changes.Clear();
            foreach (var row in chunk)
            {
                changes.Add(new ReservationSaved(new Reservation(idOf(row), row.Owner + 1, [row.Volume], ReservationState.Accepted, 1, null, null, now)));
            }

            await store.CommitAsync(changes, CancellationToken.None);
        }
    }

    /// <summary>A filing body of one extent, moved in time by <paramref name="shift"/>.</summary>
    public static object Body(Volume4D v, TimeSpan shift) => new { extents = new[] { Extent(v, shift) } };

    /// <summary>An extent as the API takes it.</summary>
    public static object Extent(Volume4D v, TimeSpan shift) => new
    {
        footprint = JsonNode.Parse(GeoJson.Write(v.Footprint)),
        altitude = new { lower = v.Altitude.Lower, upper = v.Altitude.Upper },
        time = new { start = v.Time.Start + shift, end = v.Time.End + shift },
    };

    /// <summary>Filings serialized and signed before the clock starts, as each client signs on its own machine.</summary>
    public static HttpRequestMessage[] SignFilings(PartySigningKey key, IEnumerable<object> bodies)
    {
        var now = DateTimeOffset.UtcNow;
        return [.. bodies.AsParallel().AsOrdered().Select(body =>
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(body, Web);
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/reservations") { Content = new ByteArrayContent(bytes) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation(SignedRequest.HeaderName, SignedRequest.Create(key, "POST", "/v1/reservations", now, Guid.NewGuid(), bytes).ToHeader());
            return request;
        })];
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
