using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Hotline.Ledger;

namespace Hotline.Server.Tests;

/// <summary>A party as the tests hold it: its id, name, bearer secret and signing key.</summary>
public sealed record TestParty(int Id, string Name, string Token, PartySigningKey Key);

/// <summary>An HTTP answer, read completely.</summary>
public sealed record Reply(HttpStatusCode Status, string? MediaType, HttpResponseHeaders Headers, string Text)
{
    /// <summary>The body as JSON (throws when it is not JSON).</summary>
    public JsonNode Json => JsonNode.Parse(Text) ?? throw new InvalidOperationException("the body is JSON null");

    /// <summary>The body as a JSON object.</summary>
    public JsonObject Object => Json.AsObject();

    /// <summary>The body as a JSON array.</summary>
    public JsonArray Array => Json.AsArray();

    /// <summary>A string member of the body, or null.</summary>
    public string? this[string name] => Object[name]?.ToString();

    public override string ToString() => $"{(int)Status} {MediaType}: {Text}";
}

/// <summary>Raw HTTP calls to the native API, with a bearer secret per call. Writes are signed with the key the
/// client knows for that secret (see <see cref="UseKey"/>), as a real client signs them.</summary>
public sealed class HotlineClient(HttpClient http) : IDisposable
{
    // Process-wide: tokens are random and unique, and a party keeps its key across server restarts and clients.
    private static readonly ConcurrentDictionary<string, PartySigningKey> _keys = new();

    public HttpClient Http { get; } = http;

    /// <summary>Signs the writes sent with <paramref name="token"/> with <paramref name="key"/>.</summary>
    public static void UseKey(string token, PartySigningKey key) => _keys[token] = key;

    /// <summary>Sends writes with <paramref name="token"/> unsigned from now on.</summary>
    public static void ForgetKey(string token) => _keys.TryRemove(token, out _);

    public Task<Reply> GetAsync(string path, string? token) => SendAsync(HttpMethod.Get, path, token);

    public Task<Reply> PostAsync(string path, string? token, JsonNode? body) => SendAsync(HttpMethod.Post, path, token, body?.ToJsonString());

    public Task<Reply> PutAsync(string path, string? token, JsonNode? body) => SendAsync(HttpMethod.Put, path, token, body?.ToJsonString());

    public Task<Reply> DeleteAsync(string path, string? token) => SendAsync(HttpMethod.Delete, path, token);

    /// <summary>Sends <paramref name="rawBody"/> exactly as given (JSON content type unless told otherwise).</summary>
    public async Task<Reply> SendAsync(HttpMethod method, string path, string? token, string? rawBody = null, string mediaType = "application/json", string scheme = "Bearer")
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {token}");
        }

        if (rawBody is not null)
        {
            request.Content = new StringContent(rawBody, Encoding.UTF8, mediaType);
        }

        if (token is not null && _keys.TryGetValue(token, out var key) && method != HttpMethod.Get)
        {
            request.RequestUri = new Uri(Http.BaseAddress!, path);
            await RequestSigningHandler.SignAsync(request, key, TimeProvider.System, CancellationToken.None);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Headers, text);
    }

    /// <summary>Creates a party with a new signing key registered with it.</summary>
    public async Task<TestParty> CreatePartyAsync(string operatorToken, string name)
    {
        var key = PartySigningKey.Generate();
        var reply = await PostAsync("/v1/parties", operatorToken, new JsonObject { ["name"] = name, ["publicKey"] = key.PublicKey.ToBase64() });
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        var party = new TestParty((int)reply.Object["id"]!, reply["name"]!, reply["token"]!, key);
        UseKey(party.Token, key);
        return party;
    }

    /// <summary>Files a reservation and asserts it was accepted; returns the view.</summary>
    public async Task<JsonObject> FileAcceptedAsync(TestParty party, JsonObject filing)
    {
        var reply = await PostAsync("/v1/reservations", party.Token, filing);
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return reply.Object;
    }

    public void Dispose() => Http.Dispose();
}
