using System.Net;
using System.Net.Http.Headers;

namespace Hotline.Server.Tests;

/// <summary>Each USS has its own token bucket on the DSS API: past it, 429 with Retry-After (as F3548 lists); the
/// other USSs are not slowed.</summary>
public sealed class DssRateLimitTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("hotline-dss-limits-").FullName;
    private readonly TokenMint _mint = new() { Now = DateTimeOffset.UtcNow };
    private RunningServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await RunningServer.StartAsync(
            _directory,
            "--Hotline:Dss:Audiences:0", TokenMint.Audience,
            "--Hotline:Dss:PublicKeyFiles:0", _mint.RsaPemPath,
            "--Hotline:Dss:RequestsPerSecondPerUss", "5",
            "--Hotline:Dss:BurstPerUss", "5");
        await _server.Client.CreatePartyAsync(_server.OperatorToken, "uss1");
        await _server.Client.CreatePartyAsync(_server.OperatorToken, "uss2");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _mint.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AUssPastItsRateGets429WithRetryAfterAndOthersAreNotSlowed()
    {
        var busy = _mint.Rs256("uss1", DssDeployment.AllScopes);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 30; i++)
        {
            var response = await GetAsync(busy);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused ??= response;
            }
        }

        // A burst of 5 and 5 a second: 30 requests in well under a few seconds cannot all pass.
        Assert.True(statuses.Count(s => s == HttpStatusCode.TooManyRequests) >= 10, string.Join(",", statuses));
        Assert.All(statuses.Take(5), s => Assert.Equal(HttpStatusCode.NotFound, s)); // the burst: unknown id, but served
        Assert.NotNull(refused);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After is given");
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Contains("\"message\":\"too many requests from this USS", body, StringComparison.Ordinal);

        // Another USS has its own bucket.
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(_mint.Rs256("uss2", DssDeployment.AllScopes))).StatusCode);
    }

    private async Task<HttpResponseMessage> GetAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/dss/v1/operational_intent_references/{Guid.NewGuid()}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await _server.Client.Http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
