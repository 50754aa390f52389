using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Hotline.Server.Tests;

/// <summary>
/// A real Hotline with the F3548 DSS API on (tokens from <see cref="TokenMint"/>, aud <c>localhost</c>, http base URLs
/// allowed), and three USS parties created by the operator: <c>uss1</c>, <c>uss2</c>, <c>uss3</c>. Tests share it:
/// each works in its own area (<see cref="Area"/>) so that they do not see each other's entities.
/// </summary>
public sealed class DssDeployment : IAsyncLifetime
{
    public const string AllScopes = DevTokens.AllScopes;

    private static int _areas;
    private readonly string _directory = Directory.CreateTempSubdirectory("hotline-dss-").FullName;

    public TokenMint Mint { get; } = new() { Now = DateTimeOffset.UtcNow };

    public RunningServer Server { get; private set; } = null!;

    public HotlineClient Client => Server.Client;

    /// <summary>The native parties' view of the three USSs.</summary>
    public IReadOnlyDictionary<string, TestParty> Parties { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await RunningServer.StartAsync(
            _directory,
            "--Hotline:Dss:Audiences:0", TokenMint.Audience,
            "--Hotline:Dss:PublicKeyFiles:0", Mint.RsaPemPath,
            "--Hotline:Dss:PublicKeyFiles:1", Mint.EcPemPath,
            "--Hotline:Dss:AllowHttpBaseUrls", "true");
        var parties = new Dictionary<string, TestParty>();
        foreach (var name in new[] { "uss1", "uss2", "uss3" })
        {
            parties[name] = await Client.CreatePartyAsync(Server.OperatorToken, name);
        }

        Parties = parties;
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Mint.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>An RS256 token for <paramref name="uss"/> with <paramref name="scope"/> (space-separated).</summary>
    public string Token(string uss, string scope = AllScopes) => Mint.Rs256(uss, scope);

    /// <summary>Sends a DSS request as <paramref name="uss"/> (null: no Authorization header).</summary>
    public Task<Reply> SendAsync(HttpMethod method, string path, string? uss, JsonNode? body = null, string scope = AllScopes) =>
        SendRawAsync(method, path, uss is null ? null : Token(uss, scope), body?.ToJsonString());

    /// <summary>Sends a DSS request with an exact token and body.</summary>
    public async Task<Reply> SendRawAsync(HttpMethod method, string path, string? token, string? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await Client.Http.SendAsync(request);
        return new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Headers, await response.Content.ReadAsStringAsync());
    }

    public Task<Reply> PutAsync(string path, string uss, JsonNode body, string scope = AllScopes) => SendAsync(HttpMethod.Put, path, uss, body, scope);

    public Task<Reply> PostAsync(string path, string uss, JsonNode body, string scope = AllScopes) => SendAsync(HttpMethod.Post, path, uss, body, scope);

    public Task<Reply> GetAsync(string path, string uss, string scope = AllScopes) => SendAsync(HttpMethod.Get, path, uss, null, scope);

    public Task<Reply> DeleteAsync(string path, string uss, string scope = AllScopes) => SendAsync(HttpMethod.Delete, path, uss, null, scope);

    /// <summary>A fresh area (centre latitude and longitude) 20 km from any other test's, over Syria.</summary>
    public static (double Lat, double Lng) Area()
    {
        var n = Interlocked.Increment(ref _areas);
        return (33.0 + (0.2 * (n / 20)), 36.0 + (0.2 * (n % 20)));
    }

    public static JsonObject Time(DateTimeOffset t) => new()
    {
        ["value"] = t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["format"] = "RFC3339",
    };

    public static JsonObject Altitude(double meters) => new() { ["value"] = meters, ["reference"] = "W84", ["units"] = "M" };

    /// <summary>A square of side 2 × <paramref name="halfSideDegrees"/> around a point, with an altitude band and a time window.</summary>
    public static JsonObject Square((double Lat, double Lng) centre, double halfSideDegrees, DateTimeOffset start, DateTimeOffset end, double lower = 0, double upper = 120)
    {
        var (lat, lng) = centre;
        var h = halfSideDegrees;
        return new JsonObject
        {
            ["volume"] = new JsonObject
            {
                ["outline_polygon"] = new JsonObject
                {
                    ["vertices"] = new JsonArray(
                        Point(lat - h, lng - h), Point(lat - h, lng + h), Point(lat + h, lng + h), Point(lat + h, lng - h)),
                },
                ["altitude_lower"] = Altitude(lower),
                ["altitude_upper"] = Altitude(upper),
            },
            ["time_start"] = Time(start),
            ["time_end"] = Time(end),
        };
    }

    /// <summary>A circle with an altitude band and a time window.</summary>
    public static JsonObject Circle((double Lat, double Lng) centre, double radiusMeters, DateTimeOffset start, DateTimeOffset end, double lower = 0, double upper = 120) => new()
    {
        ["volume"] = new JsonObject
        {
            ["outline_circle"] = new JsonObject
            {
                ["center"] = Point(centre.Lat, centre.Lng),
                ["radius"] = new JsonObject { ["value"] = radiusMeters, ["units"] = "M" },
            },
            ["altitude_lower"] = Altitude(lower),
            ["altitude_upper"] = Altitude(upper),
        },
        ["time_start"] = Time(start),
        ["time_end"] = Time(end),
    };

    public static JsonObject Point(double lat, double lng) => new() { ["lat"] = lat, ["lng"] = lng };

    /// <summary>The body of an operational intent reference PUT.</summary>
    public static JsonObject Intent(JsonObject extent, string state = "Accepted", IEnumerable<string>? key = null, string? subscriptionId = null, bool implicitSubscription = true, string baseUrl = "https://uss.example.com/utm")
    {
        var body = new JsonObject
        {
            ["extents"] = new JsonArray(extent.DeepClone()),
            ["key"] = new JsonArray([.. (key ?? []).Select(k => (JsonNode)k)]),
            ["state"] = state,
            ["uss_base_url"] = baseUrl,
        };
        if (subscriptionId is not null)
        {
            body["subscription_id"] = subscriptionId;
        }
        else if (implicitSubscription)
        {
            body["new_subscription"] = new JsonObject { ["uss_base_url"] = baseUrl, ["notify_for_constraints"] = false };
        }

        return body;
    }

    /// <summary>An area of interest query body.</summary>
    public static JsonObject Query(JsonObject volume) => new() { ["area_of_interest"] = volume.DeepClone() };
}
