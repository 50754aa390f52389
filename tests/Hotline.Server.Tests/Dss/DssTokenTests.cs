using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hotline.Server.Tests;

/// <summary>
/// Access tokens against the real deployment, minted the way F3548 test tools mint them (InterUSS's dummy OAuth:
/// RS256, <c>aud</c> the DSS host name, <c>iss</c>, <c>sub</c>, a space-separated <c>scope</c>, <c>exp</c> an hour
/// ahead), across the DSS endpoints; and the answers to tokens that are missing, wrong, or name no USS.
/// </summary>
public sealed class DssTokenTests(DssDeployment dss) : IClassFixture<DssDeployment>
{
    public static TheoryData<string, string> AlgorithmsAndEndpoints()
    {
        var data = new TheoryData<string, string>();
        foreach (var alg in new[] { "RS256", "ES256" })
        {
            foreach (var endpoint in Endpoints)
            {
                data.Add(alg, endpoint);
            }
        }

        return data;
    }

    private static readonly string[] Endpoints =
    [
        "create an operational intent", "query operational intents", "query constraints", "create a constraint",
        "create a subscription", "query subscriptions", "read availability", "set availability", "report",
    ];

    [Theory]
    [MemberData(nameof(AlgorithmsAndEndpoints))]
    public async Task ATokenMintedLikeTheTestToolsIsAcceptedAcrossEndpoints(string alg, string endpoint)
    {
        var token = alg == "RS256" ? dss.Mint.Rs256("uss1", DssDeployment.AllScopes) : dss.Mint.Es256("uss1", DssDeployment.AllScopes);
        var (method, path, body, expected) = Request(endpoint);

        var reply = await dss.SendRawAsync(method, path, token, body?.ToJsonString());

        Assert.True(reply.Status == expected, $"expected {(int)expected}, got {reply}");
    }

    [Fact]
    public async Task WhatATokenCreatesBelongsToItsSub()
    {
        var token = dss.Mint.Mint("RS256", dss.Mint.Claims("uss2", "utm.strategic_coordination utm.constraint_processing"));
        var area = DssDeployment.Area();
        var start = DateTimeOffset.UtcNow.AddMinutes(10);
        var id = Guid.NewGuid();

        var created = await dss.SendRawAsync(HttpMethod.Put, $"/dss/v1/subscriptions/{id}", token, new JsonObject
        {
            ["extents"] = DssDeployment.Square(area, 0.01, start, start.AddHours(1)),
            ["uss_base_url"] = "https://uss2.example.com/utm",
            ["notify_for_operational_intents"] = true,
            ["notify_for_constraints"] = true,
        }.ToJsonString());

        Assert.True(created.Status == HttpStatusCode.OK, created.ToString());
        // The subscription belongs to the token's sub: uss2 reads it, uss1 may not.
        Assert.Equal(HttpStatusCode.OK, (await dss.GetAsync($"/dss/v1/subscriptions/{id}", "uss2")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await dss.GetAsync($"/dss/v1/subscriptions/{id}", "uss1")).Status);
    }

    [Theory]
    [InlineData("no token")]
    [InlineData("another audience")]
    [InlineData("expired an hour ago")]
    [InlineData("signed by another key")]
    [InlineData("not a JWT")]
    public async Task AMissingOrUnacceptableTokenIs401WithAChallenge(string kind)
    {
        var token = kind switch
        {
            "no token" => null,
            "another audience" => dss.Mint.Mint("RS256", dss.Mint.Claims("uss1", DssDeployment.AllScopes, audience: "dss.example.com")),
            "expired an hour ago" => Expired(),
            "signed by another key" => Foreign(),
            _ => "opaque-access-token",
        };
        var area = DssDeployment.Area();
        var start = DateTimeOffset.UtcNow.AddMinutes(10);

        var queried = await dss.SendRawAsync(HttpMethod.Post, "/dss/v1/operational_intent_references/query", token,
            DssDeployment.Query(DssDeployment.Square(area, 0.01, start, start.AddHours(1))).ToJsonString());
        var id = Guid.NewGuid();
        var created = await dss.SendRawAsync(HttpMethod.Put, $"/dss/v1/operational_intent_references/{id}", token,
            DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1))).ToJsonString());

        foreach (var reply in new[] { queried, created })
        {
            Assert.True(reply.Status == HttpStatusCode.Unauthorized, reply.ToString());
            var challenge = reply.Headers.WwwAuthenticate.ToString();
            Assert.StartsWith("Bearer", challenge, StringComparison.Ordinal);
            if (token is null)
            {
                Assert.Equal("Bearer", challenge);
            }
            else
            {
                Assert.Contains("error=\"invalid_token\"", challenge, StringComparison.Ordinal);
            }
        }

        Assert.Equal(HttpStatusCode.NotFound, (await dss.GetAsync($"/dss/v1/operational_intent_references/{id}", "uss1")).Status);

        string Expired()
        {
            var claims = dss.Mint.Claims("uss1", DssDeployment.AllScopes);
            claims["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds();
            return dss.Mint.Mint("RS256", claims);
        }

        string Foreign()
        {
            using var other = RSA.Create(2048);
            return TokenMint.MintRaw(TokenMint.Header("RS256"), JsonSerializer.Serialize(dss.Mint.Claims("uss1", DssDeployment.AllScopes)),
                input => other.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
    }

    [Fact]
    public async Task AValidTokenWithoutTheEndpointsScopeIs403InsufficientScope()
    {
        var area = DssDeployment.Area();
        var start = DateTimeOffset.UtcNow.AddMinutes(10);
        var id = Guid.NewGuid();

        var refused = await dss.PutAsync($"/dss/v1/operational_intent_references/{id}", "uss1",
            DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1))), "utm.constraint_management utm.availability_arbitration");

        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("error=\"insufficient_scope\"", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await dss.GetAsync($"/dss/v1/operational_intent_references/{id}", "uss1")).Status);
    }

    [Fact]
    public async Task AValidTokenForAUssThatIsNotAPartyIs403SayingHowToCreateIt()
    {
        var stranger = $"uss-{Guid.NewGuid():N}";
        var area = DssDeployment.Area();
        var start = DateTimeOffset.UtcNow.AddMinutes(10);
        var body = DssDeployment.Intent(DssDeployment.Square(area, 0.01, start, start.AddHours(1))).ToJsonString();
        var id = Guid.NewGuid();

        var refused = await dss.SendRawAsync(HttpMethod.Put, $"/dss/v1/operational_intent_references/{id}", dss.Token(stranger), body);

        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains($"hotline party create {stranger}", refused["message"], StringComparison.Ordinal);
        // Asking again does not register it either, and nothing was filed.
        Assert.Equal(HttpStatusCode.Forbidden, (await dss.SendRawAsync(HttpMethod.Get, $"/dss/v1/uss_availability/{stranger}", dss.Token(stranger), null)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await dss.GetAsync($"/dss/v1/operational_intent_references/{id}", "uss1")).Status);
    }

    /// <summary>A request to one endpoint (in an area of its own) and the status that accepts it.</summary>
    private static (HttpMethod Method, string Path, JsonNode? Body, HttpStatusCode Expected) Request(string endpoint)
    {
        var area = DssDeployment.Area();
        var start = DateTimeOffset.UtcNow.AddMinutes(10);
        var extent = DssDeployment.Square(area, 0.01, start, start.AddHours(1));
        return endpoint switch
        {
            "create an operational intent" => (HttpMethod.Put, $"/dss/v1/operational_intent_references/{Guid.NewGuid()}", DssDeployment.Intent(extent), HttpStatusCode.Created),
            "query operational intents" => (HttpMethod.Post, "/dss/v1/operational_intent_references/query", DssDeployment.Query(extent), HttpStatusCode.OK),
            "query constraints" => (HttpMethod.Post, "/dss/v1/constraint_references/query", DssDeployment.Query(extent), HttpStatusCode.OK),
            "create a constraint" => (HttpMethod.Put, $"/dss/v1/constraint_references/{Guid.NewGuid()}",
                new JsonObject { ["extents"] = new JsonArray(extent), ["uss_base_url"] = "https://uss1.example.com/utm" }, HttpStatusCode.Created),
            "create a subscription" => (HttpMethod.Put, $"/dss/v1/subscriptions/{Guid.NewGuid()}", new JsonObject
            {
                ["extents"] = extent,
                ["uss_base_url"] = "https://uss1.example.com/utm",
                ["notify_for_operational_intents"] = true,
            }, HttpStatusCode.OK),
            "query subscriptions" => (HttpMethod.Post, "/dss/v1/subscriptions/query", DssDeployment.Query(extent), HttpStatusCode.OK),
            "read availability" => (HttpMethod.Get, "/dss/v1/uss_availability/uss2", null, HttpStatusCode.OK),
            "set availability" => (HttpMethod.Put, $"/dss/v1/uss_availability/uss-{Guid.NewGuid():N}",
                new JsonObject { ["old_version"] = "", ["availability"] = "Normal" }, HttpStatusCode.OK),
            "report" => (HttpMethod.Post, "/dss/v1/reports", new JsonObject
            {
                ["exchange"] = new JsonObject
                {
                    ["url"] = "https://uss2.example.com/utm/uss/v1/operational_intents/x",
                    ["method"] = "GET",
                    ["recorder_role"] = "Client",
                    ["request_time"] = DssDeployment.Time(DateTimeOffset.UtcNow),
                },
            }, HttpStatusCode.Created),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, null),
        };
    }
}
