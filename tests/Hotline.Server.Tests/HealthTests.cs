using System.Net;
using System.Text.Json.Nodes;

namespace Hotline.Server.Tests;

public sealed class HealthTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HotlineClient _client = fixture.Client;

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task HealthAnswers200WithoutAToken(string path)
    {
        var reply = await _client.GetAsync(path, token: null);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("Healthy", reply.Text);
    }

    [Fact]
    public async Task OpenApiDocumentDescribesBothShapesOfTheAreaQueryAnswer()
    {
        var reply = await _client.GetAsync("/openapi/v1.json", token: null);

        var schema = reply.Object["paths"]!["/v1/query"]!["post"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!;
        Assert.Equal(
            ["#/components/schemas/AreaQueryResult", "#/components/schemas/AreaReferencesResult"],
            schema["oneOf"]!.AsArray().Select(s => s!["$ref"]!.ToString()));
        var components = reply.Object["components"]!["schemas"]!.AsObject();
        Assert.Contains("extents", components["AreaQueryResult"]!["properties"]!["reservations"]!["items"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.True(components.ContainsKey("AreaReferencesResult"));
    }

    [Fact]
    public async Task OpenApiDocumentIsServedWithoutATokenAndListsEveryV1Path()
    {
        var reply = await _client.GetAsync("/openapi/v1.json", token: null);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("application/json", reply.MediaType);
        var paths = reply.Object["paths"]!.AsObject().Select(p => p.Key).ToHashSet();
        string[] expected =
        [
            "/v1/parties", "/v1/parties/{id}/credentials", "/v1/reservations", "/v1/reservations/{id}",
            "/v1/reservations/{id}/end", "/v1/constraints", "/v1/constraints/{id}", "/v1/query", "/v1/conflicts",
        ];
        foreach (var path in expected)
        {
            Assert.True(paths.Contains(path) || paths.Contains(path + "/"), $"{path} is missing from the OpenAPI paths: {string.Join(", ", paths)}");
        }
    }

    [Fact]
    public async Task MetricsAnswerInPrometheusTextAfterTraffic()
    {
        var party = await fixture.NewPartyAsync("metrics");
        await _client.GetAsync("/v1/reservations", party.Token);

        var reply = await _client.GetAsync("/metrics", token: null);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("text/plain", reply.MediaType);
        Assert.Contains("http_server_request_duration", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OperatorCredentialFileHoldsAWorkingSecret()
    {
        var reply = await _client.GetAsync("/v1/parties", fixture.OperatorToken);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.IsType<JsonArray>(reply.Json);
        Assert.StartsWith("hl_", fixture.OperatorToken, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(fixture.DataDirectory, "operator.token")));
        }
    }
}
