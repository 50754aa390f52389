using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Hotline.Integration.Tests;

/// <summary>The README's F3548 walk: a development token authority, the server trusting it, a USS party, a token, an
/// operational intent planned over real HTTP.</summary>
public sealed class DssCliTests
{
    [Fact]
    public async Task AUssWithATokenFromTheDevelopmentAuthorityPlansAnOperationalIntent()
    {
        await using var deployment = await CliDeployment.StartAsync("hotline-dss-cli-", async folder =>
        {
            var authority = await HotlineProcess.RunAsync(["dss", "authority"], folder);
            Assert.True(authority.ExitCode == 0, authority.Error);
            return ["--Hotline:Dss:Audiences:0", "localhost", "--Hotline:Dss:PublicKeyFiles:0", Path.Combine(folder, "dss-authority.pem")];
        });
        await deployment.OperatorSucceeds("party", "create", "uss1");
        var token = await HotlineProcess.RunAsync(["dss", "token", "--sub", "uss1"], deployment.Folder);
        Assert.True(token.ExitCode == 0, token.Error);
        Assert.Matches(@"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$", token.Output);

        using var http = new HttpClient { BaseAddress = new Uri(deployment.Server) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Output.Trim());
        var id = Guid.NewGuid();
        var start = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var end = DateTimeOffset.UtcNow.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var body = $$$"""
            {"extents": [{"volume": {"outline_circle": {"center": {"lat": 36.2, "lng": 37.1}, "radius": {"value": 500, "units": "M"}},
                                     "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                                     "altitude_upper": {"value": 120, "reference": "W84", "units": "M"}},
                          "time_start": {"value": "{{{start}}}", "format": "RFC3339"}, "time_end": {"value": "{{{end}}}", "format": "RFC3339"}}],
             "state": "Accepted", "uss_base_url": "https://uss1.example.com", "new_subscription": {"uss_base_url": "https://uss1.example.com"}}
            """;
        using var created = await http.PutAsync($"/dss/v1/operational_intent_references/{id}", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Contains("\"manager\":\"uss1\"", await created.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var read = await http.GetAsync($"/dss/v1/operational_intent_references/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        // A token for a USS that is no party, and one from another authority, are refused.
        var stranger = await HotlineProcess.RunAsync(["dss", "token", "--sub", "uss9"], deployment.Folder);
        using var unknown = new HttpRequestMessage(HttpMethod.Get, $"/dss/v1/operational_intent_references/{id}");
        unknown.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stranger.Output.Trim());
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(unknown)).StatusCode);
        var other = await HotlineProcess.RunAsync(["dss", "authority", "--out", "other.key", "--public", "other.pem"], deployment.Folder);
        Assert.Equal(0, other.ExitCode);
        var forged = await HotlineProcess.RunAsync(["dss", "token", "--sub", "uss1", "--authority", "other.key"], deployment.Folder);
        using var foreign = new HttpRequestMessage(HttpMethod.Get, $"/dss/v1/operational_intent_references/{id}");
        foreign.Headers.Authorization = new AuthenticationHeaderValue("Bearer", forged.Output.Trim());
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(foreign)).StatusCode);
    }

    [Fact]
    public async Task TheDevelopmentAuthorityRefusesToOverwriteItsKeyAndNamesAMissingOne()
    {
        var folder = Directory.CreateTempSubdirectory("hotline-dss-cli-").FullName;
        try
        {
            Assert.Equal(0, (await HotlineProcess.RunAsync(["dss", "authority"], folder)).ExitCode);
            var again = await HotlineProcess.RunAsync(["dss", "authority"], folder);
            Assert.Equal(2, again.ExitCode);
            Assert.Contains("refusing to overwrite", again.Error, StringComparison.Ordinal);
            var missing = await HotlineProcess.RunAsync(["dss", "token", "--sub", "uss1", "--authority", "nope.key"], folder);
            Assert.Equal(2, missing.ExitCode);
            Assert.Equal("hotline: nope.key: no such key file (create one with `hotline dss authority`)", missing.Error.Trim());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
