using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Hotline.Server.Tests;

/// <summary>Bearer JWTs of the F3548 DSS API: the pure checks, then over real HTTP.</summary>
public sealed class DssAuthenticationTests(DssAuthenticationTests.Apps apps) : IClassFixture<DssAuthenticationTests.Apps>
{
    private readonly TokenMint _mint = apps.Mint;

    private JwtOutcome Check(string token, DssAuthOptions? options = null)
    {
        options ??= _mint.PemOptions();
        return Jwt.Validate(token, DssKeys.Load(options), options, _mint.Now);
    }

    private void Refused(string token, string because, DssAuthOptions? options = null)
    {
        var outcome = Check(token, options);
        Assert.False(outcome.IsValid, "the token was accepted");
        Assert.Contains(because, outcome.Error, StringComparison.Ordinal);
    }

    // ---- the authenticator remembers verified tokens ----

    [Fact]
    public void ARememberedTokenStillExpires()
    {
        var clock = new FakeTimeProvider(_mint.Now);
        var authenticator = new DssAuthenticator(_mint.PemOptions(), clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<DssAuthenticator>.Instance);
        var token = _mint.Rs256();
        Assert.True(authenticator.Authenticate(token).IsValid);
        Assert.True(authenticator.Authenticate(token).IsValid);
        // One hour ahead, plus the minute of leeway: expired, although it was verified before.
        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(61));
        var outcome = authenticator.Authenticate(token);
        Assert.False(outcome.IsValid);
        Assert.Contains("expired", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ATokenThatDiffersFromARememberedOneIsCheckedAfresh()
    {
        var authenticator = new DssAuthenticator(_mint.PemOptions(), new FakeTimeProvider(_mint.Now), Microsoft.Extensions.Logging.Abstractions.NullLogger<DssAuthenticator>.Instance);
        var token = _mint.Rs256();
        Assert.True(authenticator.Authenticate(token).IsValid);
        var parts = token.Split('.');
        var signature = Convert.FromBase64String(parts[2].Replace('-', '+').Replace('_', '/') + new string('=', (4 - (parts[2].Length % 4)) % 4));
        signature[^1] ^= 1;
        var tampered = $"{parts[0]}.{parts[1]}.{Convert.ToBase64String(signature).TrimEnd('=').Replace('+', '-').Replace('/', '_')}";
        Assert.False(authenticator.Authenticate(tampered).IsValid);
        Assert.True(authenticator.Authenticate(token).IsValid);
    }

    // ---- accepted ----

    [Fact]
    public void AnRs256TokenMintedLikeInterUssDummyOAuthIsAccepted()
    {
        var outcome = Check(_mint.Rs256("uss1", "utm.strategic_coordination utm.constraint_processing"));

        Assert.True(outcome.IsValid, outcome.Error);
        Assert.Equal("uss1", outcome.Principal!.Subject);
        Assert.Equal(new[] { "utm.constraint_processing", "utm.strategic_coordination" }, outcome.Principal.Scopes.Order());
        Assert.Equal(_mint.Now + TimeSpan.FromHours(1), outcome.Principal.Expires);
    }

    [Fact]
    public void AnEs256TokenIsAccepted()
    {
        var outcome = Check(_mint.Es256("uss2"));

        Assert.True(outcome.IsValid, outcome.Error);
        Assert.Equal("uss2", outcome.Principal!.Subject);
    }

    [Fact]
    public void AnAudienceArrayThatNamesThisDssIsAccepted()
    {
        var outcome = Check(_mint.Mint("RS256", _mint.Claims(audience: new[] { "other.example", "LOCALHOST" })));

        Assert.True(outcome.IsValid, outcome.Error);
    }

    [Theory]
    [InlineData("RS256", TokenMint.RsaKeyId)]
    [InlineData("ES256", TokenMint.EcKeyId)]
    public void AJwksKeySelectedByKidVerifies(string alg, string kid)
    {
        var outcome = Check(_mint.Mint(alg, _mint.Claims(), kid), _mint.JwksOptions());

        Assert.True(outcome.IsValid, outcome.Error);
    }

    [Fact]
    public void AJwksTokenWithoutKidIsTriedAgainstEveryKey()
    {
        Assert.True(Check(_mint.Es256(), _mint.JwksOptions()).IsValid);
    }

    [Fact]
    public void PemKeysVerifyTokensWhateverTheirKid()
    {
        Assert.True(Check(_mint.Rs256(kid: "whatever-the-authority-calls-it")).IsValid);
    }

    [Fact]
    public void AnRsaPublicKeyPemInPkcs1FormIsAccepted()
    {
        var options = new DssAuthOptions { Audiences = ["localhost"], PublicKeyFiles = [_mint.RsaPkcs1PemPath] };

        Assert.True(Check(_mint.Rs256(), options).IsValid);
    }

    [Fact]
    public void AnScpArrayGrantsScopesToo()
    {
        var claims = _mint.Claims();
        claims.Remove("scope");
        claims["scp"] = new[] { "utm.constraint_management", "utm.constraint_processing" };

        var outcome = Check(_mint.Mint("RS256", claims));

        Assert.True(outcome.IsValid, outcome.Error);
        Assert.Contains("utm.constraint_management", outcome.Principal!.Scopes);
    }

    [Fact]
    public void ATokenExpiredWithinTheClockSkewIsStillAccepted()
    {
        var claims = _mint.Claims();
        claims["exp"] = (_mint.Now - TimeSpan.FromSeconds(30)).ToUnixTimeSeconds();
        claims["nbf"] = (_mint.Now + TimeSpan.FromSeconds(30)).ToUnixTimeSeconds();

        Assert.True(Check(_mint.Mint("RS256", claims)).IsValid);
    }

    [Fact]
    public void TheConfiguredIssuerIsAcceptedAndAnyOtherIsRefused()
    {
        var options = _mint.PemOptions();
        options.Issuer = TokenMint.Issuer;
        var claims = _mint.Claims();
        claims["iss"] = "https://rogue.example";

        Assert.True(Check(_mint.Rs256(), options).IsValid);
        Refused(_mint.Mint("RS256", claims), "not the accepted issuer", options);
        claims.Remove("iss");
        Refused(_mint.Mint("RS256", claims), "no iss", options);
    }

    // ---- refused ----

    [Fact]
    public void AlgNoneIsRefused()
    {
        Refused(_mint.Mint("none", _mint.Claims()), "alg 'none' is not accepted");
        Refused(TokenMint.MintRaw(TokenMint.Header("none"), JsonSerializer.Serialize(_mint.Claims()), _ => [1]), "alg 'none' is not accepted");
    }

    [Fact]
    public void Hs256IsRefusedEvenWithTheRsaPublicKeyAsTheSecret()
    {
        // The classic confusion attack: the public key is public, so an HMAC keyed with it proves nothing.
        var payload = JsonSerializer.Serialize(_mint.Claims());
        var secrets = new[]
        {
            File.ReadAllBytes(_mint.RsaPemPath),
            _mint.Rsa.ExportSubjectPublicKeyInfo(),
            Encoding.ASCII.GetBytes("a shared secret never to be used"), // the oct key of the JWKS
        };

        foreach (var secret in secrets)
        {
            Refused(TokenMint.MintRaw(TokenMint.Header("HS256"), payload, input => HMACSHA256.HashData(secret, input)), "alg 'HS256' is not accepted");
            Refused(TokenMint.MintRaw(TokenMint.Header("HS256", "hmac-1"), payload, input => HMACSHA256.HashData(secret, input)), "alg 'HS256' is not accepted", _mint.JwksOptions());
        }
    }

    [Theory]
    [InlineData("RS384")]
    [InlineData("PS256")]
    [InlineData("ES384")]
    [InlineData("rs256")]
    public void OtherAlgorithmsAreRefused(string alg)
    {
        var token = TokenMint.MintRaw(TokenMint.Header(alg), JsonSerializer.Serialize(_mint.Claims()), input => _mint.Rsa.SignData(input, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1));

        Refused(token, $"alg '{alg}' is not accepted");
    }

    [Fact]
    public void ATamperedPayloadFailsTheSignature()
    {
        var token = _mint.Rs256("uss1");
        var forged = _mint.Rs256("uss-admin").Split('.')[1];
        var parts = token.Split('.');

        Refused($"{parts[0]}.{forged}.{parts[2]}", "signature does not verify");
    }

    [Fact]
    public void ATokenSignedByAnotherKeyIsRefused()
    {
        using var stranger = new TokenMint();

        Refused(stranger.Rs256(), "signature does not verify");
        Refused(stranger.Es256(), "signature does not verify");
    }

    [Fact]
    public void AnEs256SignatureInDerFormIsRefused()
    {
        var token = TokenMint.MintRaw(TokenMint.Header("ES256"), JsonSerializer.Serialize(_mint.Claims()),
            input => _mint.Ec.SignData(input, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

        Refused(token, "signature does not verify");
    }

    [Fact]
    public void AKeyEmbeddedInTheTokenHeaderIsNeverTrusted()
    {
        using var attacker = RSA.Create(2048);
        var p = attacker.ExportParameters(false);
        var header = JsonSerializer.Serialize(new { alg = "RS256", jwk = new { kty = "RSA", n = TokenMint.B64(p.Modulus!), e = TokenMint.B64(p.Exponent!) } });
        var token = TokenMint.MintRaw(header, JsonSerializer.Serialize(_mint.Claims()), input => attacker.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        Refused(token, "signature does not verify");
    }

    [Fact]
    public void AWrongAudienceIsRefused()
    {
        Refused(_mint.Mint("RS256", _mint.Claims(audience: "dss.other.example")), "aud does not name this DSS");
        Refused(_mint.Mint("RS256", _mint.Claims(audience: new[] { "a.example", "b.example" })), "aud does not name this DSS");
        Refused(_mint.Mint("RS256", _mint.Claims(audience: Array.Empty<string>())), "aud is not a string or an array");
        var claims = _mint.Claims();
        claims.Remove("aud");
        Refused(_mint.Mint("RS256", claims), "no aud");
    }

    [Fact]
    public void AnExpiredTokenIsRefused()
    {
        var claims = _mint.Claims();
        claims["exp"] = (_mint.Now - TimeSpan.FromSeconds(61)).ToUnixTimeSeconds();

        Refused(_mint.Mint("RS256", claims), "expired");
    }

    [Fact]
    public void ATokenNotValidYetIsRefused()
    {
        var claims = _mint.Claims();
        claims["nbf"] = (_mint.Now + TimeSpan.FromMinutes(5)).ToUnixTimeSeconds();
        Refused(_mint.Mint("RS256", claims), "not valid yet");

        claims.Remove("nbf");
        claims["iat"] = (_mint.Now + TimeSpan.FromMinutes(5)).ToUnixTimeSeconds();
        Refused(_mint.Mint("RS256", claims), "issued in the future");
    }

    [Theory]
    [InlineData("exp", null, "no exp")]
    [InlineData("exp", "\"1772370000\"", "exp is not a NumericDate")]
    [InlineData("exp", "1e300", "exp is not a NumericDate")]
    [InlineData("sub", null, "no sub")]
    [InlineData("sub", "\"\"", "no sub")]
    [InlineData("sub", "42", "no sub")]
    [InlineData("scope", "[\"utm.strategic_coordination\"]", "scope is not a space-separated string")]
    [InlineData("nbf", "true", "nbf is not a NumericDate")]
    public void AMissingOrMistypedClaimIsRefused(string claim, string? json, string because)
    {
        var claims = _mint.Claims();
        if (json is null)
        {
            claims.Remove(claim);
        }
        else
        {
            claims[claim] = JsonDocument.Parse(json).RootElement;
        }

        Refused(_mint.Mint("RS256", claims), because);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("..")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9..c2ln")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30.")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30=.c2ln")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e3 0.c2ln")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30+.c2ln")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e.c2ln")]
    public void MalformedSegmentsAreRefused(string token)
    {
        var outcome = Check(token);

        Assert.False(outcome.IsValid);
        Assert.Matches("empty|compact JWS|base64url", outcome.Error!);
    }

    [Theory]
    [InlineData("[\"alg\",\"RS256\"]", "header is not a JSON object")]
    [InlineData("{\"alg\":\"RS256\"", "header is not a JSON object")]
    [InlineData("{\"alg\":\"none\",\"alg\":\"RS256\"}", "header is not a JSON object")]
    [InlineData("{\"typ\":\"JWT\"}", "header has no alg")]
    [InlineData("{\"alg\":\"RS256\",\"typ\":\"JOSE+JSON\"}", "typ is not JWT")]
    [InlineData("{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}", "crit")]
    public void MalformedHeadersAreRefused(string header, string because)
    {
        var token = TokenMint.MintRaw(header, JsonSerializer.Serialize(_mint.Claims()), input => _mint.Rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        Refused(token, because);
    }

    [Fact]
    public void APayloadWithADuplicateClaimIsRefusedEvenWhenSigned()
    {
        var payload = JsonSerializer.Serialize(_mint.Claims("uss1"))[..^1] + ",\"sub\":\"uss-admin\"}";
        var token = TokenMint.MintRaw(TokenMint.Header("RS256"), payload, input => _mint.Rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        Refused(token, "payload is not a JSON object");
    }

    [Fact]
    public void AnUnknownKidIsRefused()
    {
        Refused(_mint.Rs256(kid: "rsa-2"), "unknown key id 'rsa-2'", _mint.JwksOptions());
        Refused(_mint.Mint("ES256", _mint.Claims(), TokenMint.RsaKeyId), "no configured key verifies ES256 with key id 'rsa-1'", _mint.JwksOptions());
        Refused(_mint.Rs256(kid: "hmac-1"), "unknown key id 'hmac-1'", _mint.JwksOptions());
    }

    [Fact]
    public void AnRs256TokenIsRefusedWhenOnlyEcKeysAreConfigured()
    {
        var options = new DssAuthOptions { Audiences = ["localhost"], PublicKeyFiles = [_mint.EcPemPath] };

        Refused(_mint.Rs256(), "no configured key verifies RS256", options);
    }

    [Fact]
    public void AnOversizeTokenIsRefusedBeforeItIsParsed()
    {
        var claims = _mint.Claims();
        claims["padding"] = new string('x', Jwt.MaxLength);

        Refused(_mint.Mint("RS256", claims), $"longer than {Jwt.MaxLength} characters");
    }

    // ---- configuration ----

    [Fact]
    public void KeyFilesThatAreNotUsableRSAOrP256PublicKeysAreRefusedAtLoad()
    {
        using var small = RSA.Create(1024);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var cases = new[]
        {
            (_mint.Write("private.pem", _mint.Rsa.ExportPkcs8PrivateKeyPem()), "private key"),
            (_mint.Write("small.pem", small.ExportSubjectPublicKeyInfoPem()), "at least 2048"),
            (_mint.Write("p384.pem", p384.ExportSubjectPublicKeyInfoPem()), "P-256"),
            (_mint.Write("empty.pem", "not a pem"), "no PEM public key"),
            (Path.Combine(_mint.Directory, "missing.pem"), "cannot read"),
        };

        foreach (var (path, because) in cases)
        {
            var e = Assert.Throws<InvalidDataException>(() => DssKeys.Load(new DssAuthOptions { Audiences = ["localhost"], PublicKeyFiles = [path] }));
            Assert.Contains(because, e.Message, StringComparison.Ordinal);
        }

        var onlyOct = _mint.Write("oct.json", "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}");
        Assert.Throws<InvalidDataException>(() => DssKeys.Load(new DssAuthOptions { Audiences = ["localhost"], JwksFile = onlyOct }));
    }

    [Fact]
    public void OptionsWithoutAudienceOrKeysAreReported()
    {
        var problems = new DssAuthOptions { ClockSkewSeconds = 3600 }.Problems();

        Assert.Equal(3, problems.Count);
        Assert.Empty(_mint.PemOptions().Problems());
    }

    [Theory]
    [InlineData("https://uss1.example.com", false, null)]
    [InlineData("https://uss1.example.com:8443/utm/", false, null)]
    [InlineData("http://localhost:8074", true, null)]
    [InlineData("http://localhost:8074", false, "must use https")]
    [InlineData("ftp://uss1.example.com", true, "must use https, not ftp")]
    [InlineData("/uss/v1", false, "absolute")]
    [InlineData("uss1.example.com", false, "absolute")]
    [InlineData("", false, "required")]
    [InlineData(" https://uss1.example.com", false, "absolute")]
    [InlineData("https://uss1.example.com/#frag", false, "fragment")]
    [InlineData("https://uss1.example.com/#", false, "fragment")]
    [InlineData("https://uss1.example.com/?a=1", false, "query")]
    [InlineData("https://user:pw@uss1.example.com/", false, "credentials")]
    public void BaseUrlsMustBeAbsoluteHttpsWithoutFragment(string url, bool allowHttp, string? because)
    {
        var error = new DssAuthOptions { AllowHttpBaseUrls = allowHttp }.CheckBaseUrl(url);

        if (because is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.NotNull(error);
            Assert.Contains(because, error, StringComparison.Ordinal);
        }
    }

    // ---- over HTTP ----

    [Fact]
    public async Task AValidTokenReachesTheEndpointWhichSeesTheCaller()
    {
        foreach (var token in new[] { _mint.Rs256("uss1"), _mint.Es256("uss2", "utm.conformance_monitoring_sa") })
        {
            using var response = await apps.Send(apps.Guarded, HttpMethod.Get, "/dss/v1/whoami", token);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("uss", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AMissingTokenIs401WithABareBearerChallenge()
    {
        using var response = await apps.Send(apps.Guarded, HttpMethod.Get, "/dss/v1/whoami", token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    public static TheoryData<string, string> BadTokens => new()
    {
        { "none", "alg 'none' is not accepted" },
        { "hs256", "alg 'HS256' is not accepted" },
        { "bad-signature", "signature does not verify" },
        { "wrong-aud", "aud does not name this DSS" },
        { "expired", "the token has expired" },
        { "nbf", "not valid yet" },
        { "no-exp", "no exp" },
        { "malformed", "compact JWS" },
        { "unknown-kid", "unknown key id 'rsa-9'" },
        { "oversize", "longer than 8192" },
        { "basic", "not a Bearer credential" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task ABadTokenIs401InvalidTokenWithAClearDescription(string kind, string because)
    {
        var claims = _mint.Claims();
        string? scheme = null;
        var token = kind switch
        {
            "none" => _mint.Mint("none", claims),
            "hs256" => TokenMint.MintRaw(TokenMint.Header("HS256"), JsonSerializer.Serialize(claims), input => HMACSHA256.HashData(File.ReadAllBytes(_mint.RsaPemPath), input)),
            "bad-signature" => _mint.Rs256()[..^4] + "AAAA",
            "wrong-aud" => _mint.Mint("RS256", _mint.Claims(audience: "dss.example")),
            "expired" => Set(claims, "exp", (_mint.Now - TimeSpan.FromHours(1)).ToUnixTimeSeconds(), "RS256"),
            "nbf" => Set(claims, "nbf", (_mint.Now + TimeSpan.FromHours(1)).ToUnixTimeSeconds(), "ES256"),
            "no-exp" => Set(claims, "exp", null, "RS256"),
            "malformed" => "not-a-jwt",
            "unknown-kid" => _mint.Rs256(kid: "rsa-9"),
            "oversize" => Set(claims, "padding", new string('x', 9000), "RS256"),
            "basic" => "dXNzMTpzZWNyZXQ=",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        if (kind == "basic")
        {
            scheme = "Basic";
        }

        // PEM keys have no kid and verify any, so an unknown kid is an error only where the keys come from a JWKS.
        var app = kind == "unknown-kid" ? apps.FilterOnly : apps.Guarded;
        using var response = await apps.Send(app, HttpMethod.Get, "/dss/v1/whoami", token, scheme);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = response.Headers.WwwAuthenticate.Single();
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains($"error_description=\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains(because, challenge.Parameter, StringComparison.Ordinal);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Contains(because, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        string Set(Dictionary<string, object?> c, string name, object? value, string alg)
        {
            if (value is null)
            {
                c.Remove(name);
            }
            else
            {
                c[name] = value;
            }

            return _mint.Mint(alg, c);
        }
    }

    [Fact]
    public async Task AValidTokenWithoutTheScopeIs403InsufficientScope()
    {
        using var response = await apps.Send(apps.Guarded, HttpMethod.Put, "/dss/v1/uss_availability/uss1", _mint.Rs256("uss1", "utm.strategic_coordination"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Bearer error=\"insufficient_scope\", scope=\"utm.availability_arbitration\"", response.Headers.WwwAuthenticate.Single().ToString());
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(403, problem.GetProperty("status").GetInt32());

        using var allowed = await apps.Send(apps.Guarded, HttpMethod.Put, "/dss/v1/uss_availability/uss1", _mint.Rs256("uss1", "utm.availability_arbitration"));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task AnUnauthenticatedCallerIsRefusedBeforeItsBodyIsRead()
    {
        using var malformed = await apps.Send(apps.Guarded, HttpMethod.Post, "/dss/v1/echo", "not-a-jwt", body: "{ not json");
        using var accepted = await apps.Send(apps.Guarded, HttpMethod.Post, "/dss/v1/echo", _mint.Rs256(), body: "{\"text\":\"hi\"}");

        Assert.Equal(HttpStatusCode.Unauthorized, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("uss1: hi", await accepted.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheEndpointFilterAloneEnforcesTokensAndScopes()
    {
        using var missing = await apps.Send(apps.FilterOnly, HttpMethod.Get, "/dss/v1/whoami", token: null);
        using var bad = await apps.Send(apps.FilterOnly, HttpMethod.Get, "/dss/v1/whoami", _mint.Mint("none", _mint.Claims()));
        using var scope = await apps.Send(apps.FilterOnly, HttpMethod.Put, "/dss/v1/uss_availability/uss1", _mint.Rs256());
        using var ok = await apps.Send(apps.FilterOnly, HttpMethod.Get, "/dss/v1/whoami", _mint.Es256("uss3", kid: TokenMint.EcKeyId));

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, scope.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.StartsWith("uss3", await ok.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Two tiny apps on 127.0.0.1 with a /dss/v1 route group: one with <c>UseDssAuthentication</c> (PEM keys), one
    /// with the endpoint filter alone (JWKS), both on a fake clock at the mint's time.
    /// </summary>
    public sealed class Apps : IAsyncLifetime
    {
        private readonly List<WebApplication> _apps = [];

        public TokenMint Mint { get; } = new();

        public HttpClient Guarded { get; private set; } = null!;

        public HttpClient FilterOnly { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Guarded = await StartAsync(middleware: true, new()
            {
                ["Hotline:Dss:Audiences:0"] = "localhost",
                ["Hotline:Dss:Audiences:1"] = "dss.hotline.test",
                ["Hotline:Dss:PublicKeyFiles:0"] = Mint.RsaPemPath,
                ["Hotline:Dss:PublicKeyFiles:1"] = Mint.EcPemPath,
            });
            FilterOnly = await StartAsync(middleware: false, new()
            {
                ["Hotline:Dss:Audiences:0"] = "localhost",
                ["Hotline:Dss:JwksFile"] = Mint.JwksPath,
            });
        }

        public async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string? token, string? scheme = null, string? body = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue(scheme ?? "Bearer", token);
            }

            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            return await client.SendAsync(request);
        }

        private async Task<HttpClient> StartAsync(bool middleware, Dictionary<string, string?> settings)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddProblemDetails();
            builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Mint.Now));
            builder.Services.AddDssAuthentication();
            var app = builder.Build();
            if (middleware)
            {
                app.UseDssAuthentication();
            }

            var dss = app.MapGroup("/dss/v1");
            var reads = dss.MapGroup("").RequireDssScope(DssScopes.StrategicCoordination, DssScopes.ConformanceMonitoringSa);
            reads.MapGet("/whoami", (HttpContext context) => $"{context.DssCaller().Subject} {string.Join(' ', context.DssCaller().Scopes)}");
            reads.MapPost("/echo", (HttpContext context, Echo echo) => $"{context.DssCaller().Subject}: {echo.Text}");
            dss.MapPut("/uss_availability/{uss}", (string uss) => uss).RequireDssScope(DssScopes.AvailabilityArbitration);

            await app.StartAsync();
            _apps.Add(app);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        }

        public async Task DisposeAsync()
        {
            Guarded?.Dispose();
            FilterOnly?.Dispose();
            foreach (var app in _apps)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }

            Mint.Dispose();
        }
    }

    public sealed record Echo(string Text);
}
