using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Hotline.Ledger;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

/// <summary>Signed writes over real HTTP: the <c>Hotline-Signature</c> header, what it must prove, and the log
/// receipts of accepted writes.</summary>
public sealed class SignatureTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string IndexHeader = "Hotline-Log-Index";
    private const string LeafHeader = "Hotline-Log-Leaf-Hash";

    private readonly HotlineClient _client = fixture.Client;

    // ---- helpers ----------------------------------------------------------------------------------------------

    private PartySigningKey OperatorKey => PartySigningKey.FromSeed(File.ReadAllText(Path.Combine(fixture.DataDirectory, "operator.key")));

    /// <summary>Sends a request exactly as given: <paramref name="signature"/> is the raw header value (none when null).</summary>
    private async Task<Reply> SendRawAsync(HttpMethod method, string target, string? token, string? body, string? signature)
    {
        using var request = new HttpRequestMessage(method, new Uri(_client.Http.BaseAddress!, target));
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation(SignedRequest.HeaderName, signature);
        }

        using var response = await _client.Http.SendAsync(request);
        return new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Headers, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The header value a client computes for this request.</summary>
    private static string Sign(PartySigningKey key, string method, string target, string? body, DateTimeOffset? created = null, Guid? nonce = null) =>
        SignedRequest.Create(key, method, target, created ?? DateTimeOffset.UtcNow, nonce ?? Guid.NewGuid(), Encoding.UTF8.GetBytes(body ?? "")).ToHeader();

    /// <summary>Sends a request signed with <paramref name="key"/> over exactly what is sent.</summary>
    private Task<Reply> SendSignedAsync(HttpMethod method, string target, string token, string? body, PartySigningKey key) =>
        SendRawAsync(method, target, token, body, Sign(key, method.Method, target, body));

    private static long? ReceiptIndex(Reply reply) =>
        reply.Headers.TryGetValues(IndexHeader, out var values) ? long.Parse(values.Single(), System.Globalization.CultureInfo.InvariantCulture) : null;

    private static Hash ReceiptLeaf(Reply reply) => Hash.FromBase64(reply.Headers.GetValues(LeafHeader).Single());

    private static void AssertNoReceipt(Reply reply)
    {
        Assert.False(reply.Headers.Contains(IndexHeader), $"a refused write carries {IndexHeader}: {reply}");
        Assert.False(reply.Headers.Contains(LeafHeader), $"a refused write carries {LeafHeader}: {reply}");
    }

    private static JsonObject AssertBadSignature(Reply reply, string detail, string title = "Bad signature")
    {
        var problem = AssertProblem(reply, HttpStatusCode.Unauthorized);
        Assert.Equal(title, problem["title"]?.ToString());
        Assert.True(problem["detail"]!.ToString().Contains(detail, StringComparison.Ordinal), $"expected a detail with '{detail}', got {reply}");
        AssertNoReceipt(reply);
        return problem;
    }

    /// <summary>A write that is accepted, whose receipt index is returned: the log's size before the next write.</summary>
    private async Task<long> MarkAsync(TestParty party)
    {
        var reply = await _client.PostAsync("/v1/reservations", party.Token, Filing(NextArea()));
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return ReceiptIndex(reply) ?? throw new InvalidOperationException("an accepted write without a receipt");
    }

    private async Task<int> ReservationCountAsync(TestParty party) =>
        (await _client.GetAsync("/v1/reservations?mine=true&includeEnded=true", party.Token)).Array.Count;

    // ---- a missing signature ----------------------------------------------------------------------------------

    [Fact]
    public async Task AWriteWithoutASignatureIsRefusedWith401NamingTheHeaderAndNothingIsWritten()
    {
        var party = await fixture.NewPartyAsync("unsigned");
        var before = await MarkAsync(party);

        var reply = await SendRawAsync(HttpMethod.Post, "/v1/reservations", party.Token, Filing(NextArea(), callSign: "UNSIGNED").ToJsonString(), signature: null);

        AssertBadSignature(reply, SignedRequest.HeaderName, title: "Signature required");
        Assert.Equal(before + 1, await MarkAsync(party));
        Assert.Equal(2, await ReservationCountAsync(party));
    }

    [Fact]
    public async Task EveryWriteEndpointRefusesAnUnsignedRequestAndTheLogDoesNotGrow()
    {
        var party = await fixture.NewPartyAsync("unsigned-all");
        var filed = await _client.FileAcceptedAsync(party, Filing(NextArea()));
        var constraint = await _client.PostAsync("/v1/constraints", party.Token, new JsonObject { ["extents"] = new JsonArray(Extent(Square(NextArea()))) });
        Assert.Equal(HttpStatusCode.Created, constraint.Status);
        var amend = Filing(NextArea());
        amend["version"] = 1;
        using var newKey = PartySigningKey.Generate();
        var writes = new (HttpMethod Method, string Target, string Token, string? Body)[]
        {
            (HttpMethod.Post, "/v1/parties", fixture.OperatorToken, new JsonObject { ["name"] = $"never-{Guid.NewGuid():N}" }.ToJsonString()),
            (HttpMethod.Post, $"/v1/parties/{party.Id}/credentials", fixture.OperatorToken, null),
            (HttpMethod.Post, "/v1/keys", party.Token, new JsonObject { ["publicKey"] = newKey.PublicKey.ToBase64() }.ToJsonString()),
            (HttpMethod.Post, "/v1/reservations", party.Token, Filing(NextArea()).ToJsonString()),
            (HttpMethod.Put, $"/v1/reservations/{filed["id"]}", party.Token, amend.ToJsonString()),
            (HttpMethod.Post, $"/v1/reservations/{filed["id"]}/end", party.Token, new JsonObject { ["version"] = 1 }.ToJsonString()),
            (HttpMethod.Post, "/v1/constraints", party.Token, new JsonObject { ["extents"] = new JsonArray(Extent(Square(NextArea()))) }.ToJsonString()),
            (HttpMethod.Delete, $"/v1/constraints/{constraint["id"]}", party.Token, null),
        };
        var before = await MarkAsync(party);

        foreach (var (method, target, token, body) in writes)
        {
            var reply = await SendRawAsync(method, target, token, body, signature: null);
            Assert.True(reply.Status == HttpStatusCode.Unauthorized, $"{method} {target}: {reply}");
            AssertBadSignature(reply, SignedRequest.HeaderName, title: "Signature required");
        }

        Assert.Equal(before + 1, await MarkAsync(party));
        Assert.Equal(1, (long)(await _client.GetAsync($"/v1/reservations/{filed["id"]}", party.Token)).Object["version"]!);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/v1/constraints/{constraint["id"]}", party.Token)).Status);
        Assert.Single((await _client.GetAsync($"/v1/parties/{party.Id}/keys", party.Token)).Array);
    }

    // ---- a malformed header -----------------------------------------------------------------------------------

    private const string Nonce = "7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f";

    /// <summary>(case, header built from a good one's parameters, what the detail must say).</summary>
    public static TheoryData<string, string> MalformedHeaders => new()
    {
        { "keyid missing", "all required" },
        { "created missing", "all required" },
        { "nonce missing", "all required" },
        { "signature missing", "all required" },
        { "keyid repeated", "repeated parameter 'keyid'" },
        { "created repeated", "repeated parameter 'created'" },
        { "nonce repeated", "repeated parameter 'nonce'" },
        { "signature repeated", "repeated parameter 'signature'" },
        { "signature not base64", "signature is the standard base64 of 64 bytes" },
        { "signature too short", "signature is the standard base64 of 64 bytes" },
        { "keyid upper case", "keyid is 16 lower-case hex digits" },
        { "keyid too short", "keyid is 16 lower-case hex digits" },
        { "created not a number", "created is Unix seconds" },
        { "nonce not a uuid", "nonce is a non-nil UUID" },
        { "empty header", "expected keyid=" },
    };

    private static string Malform(string rule, PartySigningKey key, string body)
    {
        var good = SignedRequest.Create(key, "POST", "/v1/reservations", DateTimeOffset.UtcNow, Guid.Parse(Nonce), Encoding.UTF8.GetBytes(body));
        var p = new Dictionary<string, string>
        {
            ["keyid"] = good.KeyId,
            ["created"] = good.Created.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["nonce"] = Nonce,
            ["signature"] = Convert.ToBase64String(good.Signature),
        };
        string Join() => string.Join(", ", p.Select(kv => $"{kv.Key}={kv.Value}"));
        switch (rule)
        {
            case "empty header": return "";
            case var missing when missing.EndsWith(" missing", StringComparison.Ordinal):
                p.Remove(missing.Split(' ')[0]);
                return Join();
            case var repeated when repeated.EndsWith(" repeated", StringComparison.Ordinal):
                var name = repeated.Split(' ')[0];
                return Join() + $", {name}={p[name]}";
            case "signature not base64": p["signature"] = "!!not-base64!!"; break;
            case "signature too short": p["signature"] = Convert.ToBase64String(good.Signature[..63]); break;
            case "keyid upper case": p["keyid"] = good.KeyId[..15] + "A"; break;
            case "keyid too short": p["keyid"] = good.KeyId[..8]; break;
            case "created not a number": p["created"] = DateTimeOffset.UtcNow.ToString("O"); break;
            case "nonce not a uuid": p["nonce"] = "nonce-1"; break;
            default: throw new ArgumentOutOfRangeException(nameof(rule), rule, null);
        }

        return Join();
    }

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public async Task AMalformedSignatureHeaderIsRefusedWith401SayingWhatIsWrong(string rule, string detail)
    {
        var party = await fixture.NewPartyAsync("malformed");
        var body = Filing(NextArea()).ToJsonString();
        var header = Malform(rule, party.Key, body);
        var reply = await SendRawAsync(HttpMethod.Post, "/v1/reservations", party.Token, body, header);

        AssertBadSignature(reply, detail);
        Assert.Equal(0, await ReservationCountAsync(party));
    }

    // ---- a well-formed signature that does not prove the request ----------------------------------------------

    [Fact]
    public async Task ASignatureByAnotherPartysKeyIsRefusedAsNotRegisteredToTheCaller()
    {
        var caller = await fixture.NewPartyAsync("impersonated");
        var other = await fixture.NewPartyAsync("impersonator");
        var body = Filing(NextArea()).ToJsonString();

        var reply = await SendRawAsync(HttpMethod.Post, "/v1/reservations", caller.Token, body, Sign(other.Key, "POST", "/v1/reservations", body));

        AssertBadSignature(reply, $"key {other.Key.PublicKey.KeyId} is not registered to you");
        Assert.Equal(0, await ReservationCountAsync(caller));
        Assert.Equal(0, await ReservationCountAsync(other));
    }

    [Fact]
    public async Task ASignatureByAnUnregisteredKeyIsRefused()
    {
        var party = await fixture.NewPartyAsync("stranger-key");
        using var stranger = PartySigningKey.Generate();
        var body = Filing(NextArea()).ToJsonString();

        var reply = await SendRawAsync(HttpMethod.Post, "/v1/reservations", party.Token, body, Sign(stranger, "POST", "/v1/reservations", body));

        AssertBadSignature(reply, $"key {stranger.PublicKey.KeyId} is not registered to you");
    }

    [Fact]
    public async Task ABodyAlteredAfterSigningIsRefused()
    {
        var party = await fixture.NewPartyAsync("altered-body");
        var signedBody = Filing(NextArea(), callSign: "SIGNED").ToJsonString();
        var sentBody = signedBody.Replace("SIGNED", "ALTERD", StringComparison.Ordinal);

        var reply = await SendRawAsync(HttpMethod.Post, "/v1/reservations", party.Token, sentBody, Sign(party.Key, "POST", "/v1/reservations", signedBody));

        AssertBadSignature(reply, "the signature does not match the request");
        Assert.Equal(0, await ReservationCountAsync(party));
    }

    [Theory]
    [InlineData("/v1/reservations", "/v1/reservations?x=1")]
    [InlineData("/v1/reservations?x=1", "/v1/reservations")]
    [InlineData("/v1/reservations", "/v1/reservations/")]
    [InlineData("/v1/reservations", "/V1/reservations")]
    public async Task ATargetAlteredAfterSigningIsRefused(string signedTarget, string sentTarget)
    {
        var party = await fixture.NewPartyAsync("altered-target");
        var body = Filing(NextArea()).ToJsonString();

        var reply = await SendRawAsync(HttpMethod.Post, sentTarget, party.Token, body, Sign(party.Key, "POST", signedTarget, body));

        AssertBadSignature(reply, "the signature does not match the request");
        Assert.Equal(0, await ReservationCountAsync(party));
    }

    [Fact]
    public async Task AMethodAlteredAfterSigningIsRefused()
    {
        var party = await fixture.NewPartyAsync("altered-method");
        var constraint = await _client.PostAsync("/v1/constraints", party.Token, new JsonObject { ["extents"] = new JsonArray(Extent(Square(NextArea()))) });
        var target = $"/v1/constraints/{constraint["id"]}";

        var reply = await SendRawAsync(HttpMethod.Delete, target, party.Token, null, Sign(party.Key, "GET", target, null));

        AssertBadSignature(reply, "the signature does not match the request");
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(target, party.Token)).Status);
    }

    [Theory]
    [InlineData(-600)]
    [InlineData(600)]
    [InlineData(-301)]
    [InlineData(302)]
    public async Task ASignatureCreatedTooFarFromTheServersClockIsRefused(int seconds)
    {
        var party = await fixture.NewPartyAsync("stale");
        var body = Filing(NextArea()).ToJsonString();

        var reply = await SendRawAsync(HttpMethod.Post, "/v1/reservations", party.Token, body, Sign(party.Key, "POST", "/v1/reservations", body, DateTimeOffset.UtcNow.AddSeconds(seconds)));

        AssertBadSignature(reply, "more than 300 s from the server's clock");
        Assert.Equal(0, await ReservationCountAsync(party));
    }

    [Theory]
    [InlineData(-240)]
    [InlineData(240)]
    public async Task ASignatureCreatedWithinTheAllowedSkewIsAccepted(int seconds)
    {
        var party = await fixture.NewPartyAsync("skewed");
        var body = Filing(NextArea()).ToJsonString();

        var reply = await SendRawAsync(HttpMethod.Post, "/v1/reservations", party.Token, body, Sign(party.Key, "POST", "/v1/reservations", body, DateTimeOffset.UtcNow.AddSeconds(seconds)));

        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
    }

    [Fact]
    public async Task TheSameSignedRequestSentTwiceIsAcceptedOnceAndRefusedWith409()
    {
        var party = await fixture.NewPartyAsync("replayed");
        var body = Filing(NextArea()).ToJsonString();
        var header = Sign(party.Key, "POST", "/v1/reservations", body);

        var first = await SendRawAsync(HttpMethod.Post, "/v1/reservations", party.Token, body, header);
        var second = await SendRawAsync(HttpMethod.Post, "/v1/reservations", party.Token, body, header);

        Assert.True(first.Status == HttpStatusCode.Created, first.ToString());
        var problem = AssertProblem(second, HttpStatusCode.Conflict);
        Assert.Contains("already received", problem["detail"]!.ToString(), StringComparison.Ordinal);
        AssertNoReceipt(second);
        Assert.Equal(1, await ReservationCountAsync(party));
        Assert.Equal(ReceiptIndex(first) + 1, await MarkAsync(party));
    }

    [Fact]
    public async Task ANonceUsedOnceCannotBeReusedForAnotherRequest()
    {
        var party = await fixture.NewPartyAsync("nonce-reuse");
        var nonce = Guid.NewGuid();
        var body1 = Filing(NextArea()).ToJsonString();
        var body2 = Filing(NextArea()).ToJsonString();

        var first = await SendRawAsync(HttpMethod.Post, "/v1/reservations", party.Token, body1, Sign(party.Key, "POST", "/v1/reservations", body1, nonce: nonce));
        var second = await SendRawAsync(HttpMethod.Post, "/v1/reservations", party.Token, body2, Sign(party.Key, "POST", "/v1/reservations", body2, nonce: nonce));

        Assert.Equal(HttpStatusCode.Created, first.Status);
        AssertProblem(second, HttpStatusCode.Conflict);
        AssertNoReceipt(second);
        Assert.Equal(1, await ReservationCountAsync(party));
    }

    // ---- the operator -----------------------------------------------------------------------------------------

    [Fact]
    public async Task TheOperatorsWritesMustBeSignedWithTheOperatorsKey()
    {
        var party = await fixture.NewPartyAsync("not-the-operator");
        using var stranger = PartySigningKey.Generate();
        using var operatorKey = OperatorKey;
        string Body() => new JsonObject { ["name"] = $"by-operator-{Guid.NewGuid():N}" }.ToJsonString();

        AssertBadSignature(await SendSignedAsync(HttpMethod.Post, "/v1/parties", fixture.OperatorToken, Body(), party.Key), $"key {party.Key.PublicKey.KeyId} is not registered to you");
        AssertBadSignature(await SendSignedAsync(HttpMethod.Post, "/v1/parties", fixture.OperatorToken, Body(), stranger), "is not registered to you");
        AssertBadSignature(await SendSignedAsync(HttpMethod.Post, $"/v1/parties/{party.Id}/credentials", fixture.OperatorToken, null, party.Key), "is not registered to you");

        var accepted = await SendSignedAsync(HttpMethod.Post, "/v1/parties", fixture.OperatorToken, Body(), operatorKey);
        Assert.True(accepted.Status == HttpStatusCode.Created, accepted.ToString());
        Assert.NotNull(ReceiptIndex(accepted));
    }

    [Fact]
    public async Task APartysWriteSignedWithTheOperatorsKeyIsRefused()
    {
        var party = await fixture.NewPartyAsync("operator-signed");
        using var operatorKey = OperatorKey;

        var reply = await SendSignedAsync(HttpMethod.Post, "/v1/reservations", party.Token, Filing(NextArea()).ToJsonString(), operatorKey);

        AssertBadSignature(reply, $"key {operatorKey.PublicKey.KeyId} is not registered to you");
    }

    [Fact]
    public async Task TheOperatorsKeyIsListedAsPartyZero()
    {
        using var operatorKey = OperatorKey;

        var keys = (await _client.GetAsync("/v1/parties/0/keys", fixture.OperatorToken)).Array;

        var key = Assert.Single(keys)!.AsObject();
        Assert.Equal(operatorKey.PublicKey.KeyId, key["keyId"]!.ToString());
        Assert.Equal(operatorKey.PublicKey.ToBase64(), key["publicKey"]!.ToString());
        Assert.Equal(0, (int)key["party"]!);
    }

    // ---- key registration -------------------------------------------------------------------------------------

    [Fact]
    public async Task APartyRegistersASecondKeySignedWithItsFirstKeyAndThenSignsWithIt()
    {
        var party = await fixture.NewPartyAsync("two-keys");
        using var second = PartySigningKey.Generate();
        var body = new JsonObject { ["publicKey"] = second.PublicKey.ToBase64() }.ToJsonString();

        var registered = await SendSignedAsync(HttpMethod.Post, "/v1/keys", party.Token, body, party.Key);

        Assert.True(registered.Status == HttpStatusCode.Created, registered.ToString());
        Assert.Equal(second.PublicKey.KeyId, registered["keyId"]);
        Assert.Equal(party.Id, (int)registered.Object["party"]!);
        Assert.NotNull(ReceiptIndex(registered));
        var listed = (await _client.GetAsync($"/v1/parties/{party.Id}/keys", party.Token)).Array.Select(k => k!["keyId"]!.ToString()).ToList();
        Assert.Equal([party.Key.PublicKey.KeyId, second.PublicKey.KeyId], listed);

        var filed = await SendSignedAsync(HttpMethod.Post, "/v1/reservations", party.Token, Filing(NextArea()).ToJsonString(), second);
        Assert.True(filed.Status == HttpStatusCode.Created, filed.ToString());
        var withFirst = await SendSignedAsync(HttpMethod.Post, "/v1/reservations", party.Token, Filing(NextArea()).ToJsonString(), party.Key);
        Assert.True(withFirst.Status == HttpStatusCode.Created, withFirst.ToString());
        Assert.Equal(2, await ReservationCountAsync(party));
    }

    [Fact]
    public async Task KeysAreListedToAnyCallerWithTheirParty()
    {
        var party = await fixture.NewPartyAsync("listed");
        var reader = await fixture.NewPartyAsync("reader");

        var keys = (await _client.GetAsync($"/v1/parties/{party.Id}/keys", reader.Token)).Array;

        var key = Assert.Single(keys)!.AsObject();
        Assert.Equal(party.Key.PublicKey.ToBase64(), key["publicKey"]!.ToString());
        Assert.Equal(party.Id, (int)key["party"]!);
    }

    [Fact]
    public async Task OnceAPartyHoldsAKeyABearerCredentialAloneCannotAddAnother()
    {
        // The operator can issue itself a credential of the party, but it does not hold the party's key: a key signed
        // only by itself (or by any key the party does not hold) is refused.
        var party = await fixture.NewPartyAsync("unproven-key");
        using var second = PartySigningKey.Generate();
        var body = new JsonObject { ["publicKey"] = second.PublicKey.ToBase64() }.ToJsonString();

        var reply = await SendSignedAsync(HttpMethod.Post, "/v1/keys", party.Token, body, second);

        AssertBadSignature(reply, $"key {second.PublicKey.KeyId} is not registered to you");
        Assert.Single((await _client.GetAsync($"/v1/parties/{party.Id}/keys", party.Token)).Array);
    }

    [Fact]
    public async Task APartysFirstKeyIsRegisteredWithARequestSignedByThatKeyOnly()
    {
        var created = await _client.PostAsync("/v1/parties", fixture.OperatorToken, new JsonObject { ["name"] = $"keyless-{Guid.NewGuid():N}" });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var token = created["token"]!;
        using var first = PartySigningKey.Generate();
        using var other = PartySigningKey.Generate();
        var body = new JsonObject { ["publicKey"] = first.PublicKey.ToBase64() }.ToJsonString();

        AssertBadSignature(await SendSignedAsync(HttpMethod.Post, "/v1/keys", token, body, other), $"signed with that key ({first.PublicKey.KeyId})");
        var registered = await SendSignedAsync(HttpMethod.Post, "/v1/keys", token, body, first);

        Assert.True(registered.Status == HttpStatusCode.Created, registered.ToString());
    }

    [Fact]
    public async Task RegisteringAKeyThatIsAlreadyRegisteredIsRefusedWith409()
    {
        var party = await fixture.NewPartyAsync("dup-key");
        var other = await fixture.NewPartyAsync("dup-key-other");
        using var second = PartySigningKey.Generate();
        string Body(PartySigningKey k) => new JsonObject { ["publicKey"] = k.PublicKey.ToBase64() }.ToJsonString();
        Assert.Equal(HttpStatusCode.Created, (await SendSignedAsync(HttpMethod.Post, "/v1/keys", party.Token, Body(second), party.Key)).Status);

        foreach (var reply in new[]
        {
            await SendSignedAsync(HttpMethod.Post, "/v1/keys", party.Token, Body(second), party.Key),    // again, fresh nonce
            await SendSignedAsync(HttpMethod.Post, "/v1/keys", party.Token, Body(party.Key), second),    // its first key
            await SendSignedAsync(HttpMethod.Post, "/v1/keys", other.Token, Body(second), other.Key),    // another party's key
        })
        {
            var problem = AssertProblem(reply, HttpStatusCode.Conflict);
            Assert.Equal("publicKey", problem["field"]?.ToString());
            Assert.Contains("already registered", problem["detail"]!.ToString(), StringComparison.Ordinal);
            AssertNoReceipt(reply);
        }

        Assert.Equal(2, (await _client.GetAsync($"/v1/parties/{party.Id}/keys", party.Token)).Array.Count);
        Assert.Single((await _client.GetAsync($"/v1/parties/{other.Id}/keys", other.Token)).Array);
    }

    [Fact]
    public async Task CreatingAPartyWithAKeyAlreadyRegisteredIsRefusedWith409()
    {
        var party = await fixture.NewPartyAsync("key-owner");
        using var operatorKey = OperatorKey;
        var body = new JsonObject { ["name"] = $"copycat-{Guid.NewGuid():N}", ["publicKey"] = party.Key.PublicKey.ToBase64() }.ToJsonString();

        var reply = await SendSignedAsync(HttpMethod.Post, "/v1/parties", fixture.OperatorToken, body, operatorKey);

        Assert.Equal("publicKey", AssertProblem(reply, HttpStatusCode.Conflict)["field"]?.ToString());
        AssertNoReceipt(reply);
    }

    [Fact]
    public async Task TheOperatorCannotRegisterAKeyThroughTheKeysEndpoint()
    {
        using var key = PartySigningKey.Generate();
        var reply = await SendSignedAsync(HttpMethod.Post, "/v1/keys", fixture.OperatorToken, new JsonObject { ["publicKey"] = key.PublicKey.ToBase64() }.ToJsonString(), key);

        AssertProblem(reply, HttpStatusCode.Forbidden);
        AssertNoReceipt(reply);
        Assert.Single((await _client.GetAsync("/v1/parties/0/keys", fixture.OperatorToken)).Array);
    }

    // ---- receipts ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task EveryAcceptedWriteReturnsAReceiptWhoseIndexGrowsByOneAndWhoseLeafIsA32ByteHash()
    {
        var party = await fixture.NewPartyAsync("receipts");
        using var second = PartySigningKey.Generate();
        var replies = new List<Reply>();
        async Task<Reply> Expect(Task<Reply> call, HttpStatusCode status)
        {
            var reply = await call;
            Assert.True(reply.Status == status, reply.ToString());
            replies.Add(reply);
            return reply;
        }

        var filed = await Expect(_client.PostAsync("/v1/reservations", party.Token, Filing(NextArea())), HttpStatusCode.Created);
        var amend = Filing(NextArea());
        amend["version"] = 1;
        await Expect(_client.PutAsync($"/v1/reservations/{filed["id"]}", party.Token, amend), HttpStatusCode.OK);
        await Expect(_client.PostAsync($"/v1/reservations/{filed["id"]}/end", party.Token, new JsonObject { ["version"] = 2 }), HttpStatusCode.OK);
        var constraint = await Expect(_client.PostAsync("/v1/constraints", party.Token, new JsonObject { ["extents"] = new JsonArray(Extent(Square(NextArea()))) }), HttpStatusCode.Created);
        await Expect(_client.DeleteAsync($"/v1/constraints/{constraint["id"]}", party.Token), HttpStatusCode.OK);
        await Expect(SendSignedAsync(HttpMethod.Post, "/v1/keys", party.Token, new JsonObject { ["publicKey"] = second.PublicKey.ToBase64() }.ToJsonString(), party.Key), HttpStatusCode.Created);
        await Expect(_client.PostAsync($"/v1/parties/{party.Id}/credentials", fixture.OperatorToken, body: null), HttpStatusCode.Created);
        await Expect(_client.PostAsync("/v1/parties", fixture.OperatorToken, new JsonObject { ["name"] = $"receipt-{Guid.NewGuid():N}" }), HttpStatusCode.Created);

        var indexes = replies.Select(r => ReceiptIndex(r) ?? -1).ToList();
        Assert.All(indexes, i => Assert.True(i > 0, $"indexes {string.Join(", ", indexes)}")); // entry 0 is the operator's key
        Assert.Equal(Enumerable.Range(0, replies.Count).Select(i => indexes[0] + i), indexes);
        foreach (var reply in replies)
        {
            var text = reply.Headers.GetValues(LeafHeader).Single();
            Assert.Equal(32, Convert.FromBase64String(text).Length);
            Assert.Equal(text, ReceiptLeaf(reply).ToBase64()); // standard, padded base64
        }

        Assert.Equal(replies.Count, replies.Select(ReceiptLeaf).Distinct().Count());
    }

    [Fact]
    public async Task RefusedWritesCarryNoReceiptAndTakeNoPlaceInTheLog()
    {
        var owner = await fixture.NewPartyAsync("refusals-owner");
        var other = await fixture.NewPartyAsync("refusals-other");
        var area = NextArea();
        var filed = await _client.FileAcceptedAsync(owner, Filing(area));
        var amend = Filing(NextArea());
        amend["version"] = 7;
        var before = await MarkAsync(owner);

        var refusals = new (string What, HttpStatusCode Status, Reply Reply)[]
        {
            ("conflicting filing", HttpStatusCode.Conflict, await _client.PostAsync("/v1/reservations", other.Token, Filing(area))),
            ("wrong version", HttpStatusCode.Conflict, await _client.PutAsync($"/v1/reservations/{filed["id"]}", owner.Token, amend)),
            ("unknown reservation", HttpStatusCode.NotFound, await _client.PostAsync($"/v1/reservations/{Guid.CreateVersion7()}/end", owner.Token, new JsonObject { ["version"] = 1 })),
            ("unknown constraint", HttpStatusCode.NotFound, await _client.DeleteAsync($"/v1/constraints/{Guid.CreateVersion7()}", owner.Token)),
            ("another party's reservation", HttpStatusCode.Forbidden, await _client.PostAsync($"/v1/reservations/{filed["id"]}/end", other.Token, new JsonObject { ["version"] = 1 })),
            ("a party creating a party", HttpStatusCode.Forbidden, await _client.PostAsync("/v1/parties", owner.Token, new JsonObject { ["name"] = $"x-{Guid.NewGuid():N}" })),
            ("credentials for an unknown party", HttpStatusCode.NotFound, await _client.PostAsync("/v1/parties/987654/credentials", fixture.OperatorToken, body: null)),
            ("invalid state", HttpStatusCode.BadRequest, await _client.PostAsync("/v1/reservations", owner.Token, new JsonObject { ["extents"] = Filing(NextArea())["extents"]!.DeepClone(), ["state"] = "Ended" })),
        };

        foreach (var (what, status, reply) in refusals)
        {
            Assert.True(reply.Status == status, $"{what}: expected {(int)status}, got {reply}");
            AssertNoReceipt(reply);
        }

        Assert.Equal(before + 1, await MarkAsync(owner));
    }

    // ---- reads ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task ReadsNeedNoSignature()
    {
        var party = await fixture.NewPartyAsync("reader-unsigned");
        var area = NextArea();
        var filed = await _client.FileAcceptedAsync(party, Filing(area));
        var query = new JsonObject { ["area"] = Extent(Square(area)) }.ToJsonString();

        var replies = new[]
        {
            await SendRawAsync(HttpMethod.Get, "/v1/parties", party.Token, null, null),
            await SendRawAsync(HttpMethod.Get, "/v1/reservations?mine=true", party.Token, null, null),
            await SendRawAsync(HttpMethod.Get, $"/v1/reservations/{filed["id"]}", party.Token, null, null),
            await SendRawAsync(HttpMethod.Get, "/v1/constraints", party.Token, null, null),
            await SendRawAsync(HttpMethod.Get, "/v1/conflicts", party.Token, null, null),
            await SendRawAsync(HttpMethod.Get, $"/v1/parties/{party.Id}/keys", party.Token, null, null),
            await SendRawAsync(HttpMethod.Post, "/v1/query", party.Token, query, null),
        };

        Assert.All(replies, r => Assert.True(r.Status == HttpStatusCode.OK, r.ToString()));
        Assert.All(replies, AssertNoReceipt);
        Assert.Contains(filed["id"]!.ToString(), replies[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AQueryWithASignatureOfAnotherKeyIsStillJustARead()
    {
        var party = await fixture.NewPartyAsync("signed-reader");
        using var stranger = PartySigningKey.Generate();
        var query = new JsonObject { ["area"] = Extent(Square(NextArea())) }.ToJsonString();

        var reply = await SendSignedAsync(HttpMethod.Post, "/v1/query", party.Token, query, stranger);

        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        AssertNoReceipt(reply);
    }

    [Fact]
    public async Task AReadWithAMalformedSignatureHeaderIsStillAnsweredBecauseReadsIgnoreIt()
    {
        var party = await fixture.NewPartyAsync("garbled-reader");

        var reply = await SendRawAsync(HttpMethod.Get, "/v1/parties", party.Token, null, "garbage");

        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
    }
}
