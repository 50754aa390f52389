using System.Net;
using System.Text.Json.Nodes;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

public sealed class AuthorizationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HotlineClient _client = fixture.Client;

    private const string SomeId = "0199aa00-0000-7000-8000-000000000001";

    /// <summary>Every endpoint of the native API (ids need not exist: credentials are checked first).</summary>
    public static TheoryData<string, string> Endpoints => new()
    {
        { "POST", "/v1/parties" },
        { "POST", "/v1/parties/1/credentials" },
        { "GET", "/v1/parties" },
        { "POST", "/v1/reservations" },
        { "GET", "/v1/reservations" },
        { "GET", $"/v1/reservations/{SomeId}" },
        { "PUT", $"/v1/reservations/{SomeId}" },
        { "POST", $"/v1/reservations/{SomeId}/end" },
        { "POST", "/v1/constraints" },
        { "GET", "/v1/constraints" },
        { "GET", $"/v1/constraints/{SomeId}" },
        { "DELETE", $"/v1/constraints/{SomeId}" },
        { "POST", "/v1/query" },
        { "GET", "/v1/conflicts" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task EveryEndpointRefusesACallWithoutATokenWith401(string method, string path)
    {
        // A malformed body too: an unauthenticated caller must not learn whether its request was well formed.
        var reply = await _client.SendAsync(new HttpMethod(method), path, token: null, rawBody: method is "GET" or "DELETE" ? null : "{not json");

        AssertUnauthorized(reply);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task EveryEndpointRefusesAnUnknownTokenWith401(string method, string path)
    {
        var reply = await _client.SendAsync(new HttpMethod(method), path, token: "hl_not-a-real-credential", rawBody: method is "GET" or "DELETE" ? null : "{}");

        AssertUnauthorized(reply);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task EveryEndpointRefusesACallWithoutATokenWhateverTheCaseOfThePath(string method, string path)
    {
        // Routing matches paths case-insensitively, so the credential check must too.
        var reply = await _client.SendAsync(new HttpMethod(method), path.ToUpperInvariant(), token: null, rawBody: method is "GET" or "DELETE" ? null : "{}");

        AssertUnauthorized(reply);
    }

    [Theory]
    [InlineData("Basic", "b3BlcmF0b3I6c2VjcmV0")]
    [InlineData("Bearer", "")]
    [InlineData("Token", "OPERATOR")]
    public async Task MalformedAuthorizationHeadersAreRefusedWith401(string scheme, string value)
    {
        var reply = await _client.SendAsync(HttpMethod.Get, "/v1/parties", token: value, scheme: scheme);

        AssertUnauthorized(reply);
    }

    [Fact]
    public async Task TheOperatorsSecretUnderAnotherSchemeIsRefused()
    {
        var reply = await _client.SendAsync(HttpMethod.Get, "/v1/parties", token: fixture.OperatorToken, scheme: "Basic");

        AssertUnauthorized(reply);
    }

    [Fact]
    public async Task AnUnknownV1PathNeedsATokenBeforeItIsNotFound()
    {
        AssertUnauthorized(await _client.GetAsync("/v1/nowhere", token: null));
        AssertProblem(await _client.GetAsync("/v1/nowhere", fixture.OperatorToken), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PartyCannotCreateParties()
    {
        var party = await fixture.NewPartyAsync("upstart");

        var reply = await _client.PostAsync("/v1/parties", party.Token, new JsonObject { ["name"] = $"puppet-{Guid.NewGuid():N}" });

        AssertProblem(reply, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task PartyCannotIssueCredentialsEvenToItself()
    {
        var party = await fixture.NewPartyAsync("self-issuer");

        var reply = await _client.PostAsync($"/v1/parties/{party.Id}/credentials", party.Token, body: null);

        AssertProblem(reply, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task OperatorCreatesPartiesAndIssuesCredentialsThatSpeakForTheParty()
    {
        var party = await fixture.NewPartyAsync("rotating");
        var issued = await _client.PostAsync($"/v1/parties/{party.Id}/credentials", fixture.OperatorToken, body: null);
        Assert.Equal(HttpStatusCode.Created, issued.Status);
        Assert.Equal(party.Id, (int)issued.Object["partyId"]!);
        var second = issued["token"]!;
        Assert.NotEqual(party.Token, second);

        // Filed with the first credential, read as its owner with the second.
        var filed = await _client.FileAcceptedAsync(party, Filing(NextArea(), callSign: "ROT1"));
        var read = await _client.GetAsync($"/v1/reservations/{filed["id"]}", second);

        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal("ROT1", read["callSign"]);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/v1/conflicts", party.Token)).Status);
    }

    [Fact]
    public async Task OperatorIssuingACredentialToAnUnknownPartyGets404()
    {
        var reply = await _client.PostAsync("/v1/parties/987654/credentials", fixture.OperatorToken, body: null);

        AssertProblem(reply, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task OperatorCannotFileAReservation()
    {
        var reply = await _client.PostAsync("/v1/reservations", fixture.OperatorToken, Filing(NextArea()));

        AssertProblem(reply, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task OperatorCannotAmendOrEndAPartysReservation()
    {
        var party = await fixture.NewPartyAsync("owner");
        var filed = await _client.FileAcceptedAsync(party, Filing(NextArea()));
        var amend = Filing(NextArea());
        amend["version"] = 1;

        AssertProblem(await _client.PutAsync($"/v1/reservations/{filed["id"]}", fixture.OperatorToken, amend), HttpStatusCode.Forbidden);
        AssertProblem(await _client.PostAsync($"/v1/reservations/{filed["id"]}/end", fixture.OperatorToken, new JsonObject { ["version"] = 1 }), HttpStatusCode.Forbidden);

        var after = await _client.GetAsync($"/v1/reservations/{filed["id"]}", party.Token);
        Assert.Equal(1, (long)after.Object["version"]!);
        Assert.Equal("Accepted", after["state"]);
    }

    [Fact]
    public async Task OperatorCannotCreateOrDeleteConstraints()
    {
        var party = await fixture.NewPartyAsync("closer");
        var created = await _client.PostAsync("/v1/constraints", party.Token, new JsonObject { ["extents"] = new JsonArray(Extent(Square(NextArea()))) });
        Assert.Equal(HttpStatusCode.Created, created.Status);

        AssertProblem(await _client.PostAsync("/v1/constraints", fixture.OperatorToken, new JsonObject { ["extents"] = new JsonArray(Extent(Square(NextArea()))) }), HttpStatusCode.Forbidden);
        AssertProblem(await _client.DeleteAsync($"/v1/constraints/{created["id"]}", fixture.OperatorToken), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/v1/constraints/{created["id"]}", party.Token)).Status);
    }

    [Fact]
    public async Task OperatorHasNoConflictsToList()
    {
        AssertProblem(await _client.GetAsync("/v1/conflicts", fixture.OperatorToken), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task OperatorMayReadTheAirspace()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/v1/parties", fixture.OperatorToken)).Status);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/v1/reservations", fixture.OperatorToken)).Status);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/v1/constraints", fixture.OperatorToken)).Status);
        var query = await _client.PostAsync("/v1/query", fixture.OperatorToken, new JsonObject { ["area"] = Extent(Square(NextArea())) });
        Assert.Equal(HttpStatusCode.OK, query.Status);
    }

    [Fact]
    public async Task PartyCannotAmendAnotherPartysReservation()
    {
        var owner = await fixture.NewPartyAsync("amend-owner");
        var other = await fixture.NewPartyAsync("amend-other");
        var filed = await _client.FileAcceptedAsync(owner, Filing(NextArea(), callSign: "MINE"));
        var amend = Filing(NextArea(), callSign: "STOLEN");
        amend["version"] = 1;

        AssertProblem(await _client.PutAsync($"/v1/reservations/{filed["id"]}", other.Token, amend), HttpStatusCode.Forbidden);

        // A wrong version does not turn the refusal into a version mismatch that would leak the current version.
        amend["version"] = 42;
        AssertProblem(await _client.PutAsync($"/v1/reservations/{filed["id"]}", other.Token, amend), HttpStatusCode.Forbidden);
        var after = await _client.GetAsync($"/v1/reservations/{filed["id"]}", owner.Token);
        Assert.Equal(1, (long)after.Object["version"]!);
        Assert.Equal("MINE", after["callSign"]);
    }

    [Fact]
    public async Task PartyCannotEndAnotherPartysReservation()
    {
        var owner = await fixture.NewPartyAsync("end-owner");
        var other = await fixture.NewPartyAsync("end-other");
        var filed = await _client.FileAcceptedAsync(owner, Filing(NextArea()));

        AssertProblem(await _client.PostAsync($"/v1/reservations/{filed["id"]}/end", other.Token, new JsonObject { ["version"] = 1 }), HttpStatusCode.Forbidden);

        var after = await _client.GetAsync($"/v1/reservations/{filed["id"]}", owner.Token);
        Assert.Equal("Accepted", after["state"]);
    }

    [Fact]
    public async Task PartyCannotDeleteAnotherPartysConstraint()
    {
        var owner = await fixture.NewPartyAsync("constraint-owner");
        var other = await fixture.NewPartyAsync("constraint-other");
        var created = await _client.PostAsync("/v1/constraints", owner.Token, new JsonObject { ["extents"] = new JsonArray(Extent(Square(NextArea()))) });
        Assert.Equal(HttpStatusCode.Created, created.Status);

        AssertProblem(await _client.DeleteAsync($"/v1/constraints/{created["id"]}", other.Token), HttpStatusCode.Forbidden);

        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/v1/constraints/{created["id"]}", other.Token)).Status);
        Assert.Equal(HttpStatusCode.OK, (await _client.DeleteAsync($"/v1/constraints/{created["id"]}", owner.Token)).Status);
        AssertProblem(await _client.GetAsync($"/v1/constraints/{created["id"]}", owner.Token), HttpStatusCode.NotFound);
    }

    private static void AssertUnauthorized(Reply reply)
    {
        var problem = AssertProblem(reply, HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", reply.Headers.WwwAuthenticate.Select(h => h.Scheme));
        Assert.Contains("bearer credential", problem["detail"]!.ToString(), StringComparison.Ordinal);
    }
}
