using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Hotline.Server;

/// <summary>A caller of the DSS API, as its access token names it.</summary>
/// <param name="Subject">The <c>sub</c> claim: the USS identity.</param>
/// <param name="Scopes">The granted scopes (<c>scope</c> and <c>scp</c>).</param>
/// <param name="Expires">When the token expires (<c>exp</c>).</param>
internal sealed record DssPrincipal(string Subject, IReadOnlySet<string> Scopes, DateTimeOffset Expires);

/// <summary>The result of checking a token: a principal, or why the token was refused.</summary>
internal readonly record struct JwtOutcome(DssPrincipal? Principal, string? Error)
{
    public bool IsValid => Principal is not null;

    public static JwtOutcome Refused(string error) => new(null, error);
}

/// <summary>The signature algorithms the DSS accepts; everything else (none, HS*, PS*, ES384 ...) is refused.</summary>
internal enum JwsAlgorithm
{
    RS256,
    ES256,
}

/// <summary>
/// Compact JWS access tokens (RFC 7515/7519), checked strictly: RS256 or ES256 only, keys only from configuration
/// (never from the token's own <c>jwk</c>/<c>jku</c>/<c>x5u</c> headers), <c>exp</c> required.
/// </summary>
internal static class Jwt
{
    /// <summary>The longest token accepted, in characters.</summary>
    public const int MaxLength = 8 * 1024;

    private static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false, MaxDepth = 16 };

    private static readonly HashSet<string> AcceptedTypes = new(StringComparer.OrdinalIgnoreCase) { "JWT", "at+jwt", "application/at+jwt" };

    /// <summary>Checks <paramref name="token"/> at time <paramref name="now"/>.</summary>
    public static JwtOutcome Validate(string? token, DssKeys keys, DssAuthOptions options, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(token))
        {
            return JwtOutcome.Refused("the bearer token is empty");
        }

        if (token.Length > MaxLength)
        {
            return JwtOutcome.Refused($"the token is longer than {MaxLength} characters");
        }

        var firstDot = token.IndexOf('.', StringComparison.Ordinal);
        var lastDot = token.LastIndexOf('.');
        if (firstDot < 0 || lastDot == firstDot || token.IndexOf('.', firstDot + 1) != lastDot)
        {
            return JwtOutcome.Refused("the token is not a compact JWS (three base64url segments separated by dots)");
        }

        var headerBytes = DecodeSegment(token.AsSpan(0, firstDot));
        if (headerBytes is null)
        {
            return JwtOutcome.Refused("the token header segment is empty or not unpadded base64url");
        }

        using var header = ParseObject(headerBytes);
        if (header is null)
        {
            return JwtOutcome.Refused("the token header is not a JSON object");
        }

        var h = header.RootElement;
        if (!h.TryGetProperty("alg", out var algElement) || algElement.ValueKind != JsonValueKind.String)
        {
            return JwtOutcome.Refused("the token header has no alg");
        }

        JwsAlgorithm algorithm;
        switch (algElement.GetString())
        {
            case "RS256":
                algorithm = JwsAlgorithm.RS256;
                break;
            case "ES256":
                algorithm = JwsAlgorithm.ES256;
                break;
            default:
                return JwtOutcome.Refused($"alg {Quote(algElement.GetString())} is not accepted (only RS256 and ES256)");
        }

        if (h.TryGetProperty("typ", out var typ) && (typ.ValueKind != JsonValueKind.String || !AcceptedTypes.Contains(typ.GetString()!)))
        {
            return JwtOutcome.Refused("the token typ is not JWT");
        }

        // RFC 7515 §4.1.11: extensions we do not understand must not be ignored.
        if (h.TryGetProperty("crit", out _))
        {
            return JwtOutcome.Refused("the token header has crit extensions, which this DSS does not support");
        }

        // Decoded after the header so that an unsigned (alg none) token is refused for what it is.
        var payloadBytes = DecodeSegment(token.AsSpan(firstDot + 1, lastDot - firstDot - 1));
        var signature = DecodeSegment(token.AsSpan(lastDot + 1));
        if (payloadBytes is null || signature is null)
        {
            return JwtOutcome.Refused("a token segment is empty or not unpadded base64url");
        }

        string? kid = null;
        if (h.TryGetProperty("kid", out var kidElement))
        {
            if (kidElement.ValueKind != JsonValueKind.String)
            {
                return JwtOutcome.Refused("the token kid is not a string");
            }

            kid = kidElement.GetString();
        }

        var candidates = keys.Candidates(algorithm, kid);
        if (candidates.Count == 0)
        {
            return JwtOutcome.Refused(kid is null || keys.Knows(kid)
                ? $"no configured key verifies {algorithm}{(kid is null ? "" : " with key id " + Quote(kid))}"
                : $"unknown key id {Quote(kid)}");
        }

        var signingInput = Encoding.ASCII.GetBytes(token, 0, lastDot);
        if (!candidates.Any(key => key.Verify(signingInput, signature)))
        {
            return JwtOutcome.Refused("the token signature does not verify with any configured key");
        }

        using var payload = ParseObject(payloadBytes);
        if (payload is null)
        {
            return JwtOutcome.Refused("the token payload is not a JSON object");
        }

        return CheckClaims(payload.RootElement, options, now);
    }

    private static JwtOutcome CheckClaims(JsonElement claims, DssAuthOptions options, DateTimeOffset now)
    {
        var skew = TimeSpan.FromSeconds(options.ClockSkewSeconds);

        if (!claims.TryGetProperty("exp", out _))
        {
            return JwtOutcome.Refused("the token has no exp");
        }

        if (!TryNumericDate(claims, "exp", out var expires))
        {
            return JwtOutcome.Refused("the token exp is not a NumericDate");
        }

        if (now >= expires + skew)
        {
            return JwtOutcome.Refused("the token has expired");
        }

        if (claims.TryGetProperty("nbf", out _))
        {
            if (!TryNumericDate(claims, "nbf", out var notBefore))
            {
                return JwtOutcome.Refused("the token nbf is not a NumericDate");
            }

            if (now + skew < notBefore)
            {
                return JwtOutcome.Refused("the token is not valid yet (nbf)");
            }
        }

        if (claims.TryGetProperty("iat", out _))
        {
            if (!TryNumericDate(claims, "iat", out var issuedAt))
            {
                return JwtOutcome.Refused("the token iat is not a NumericDate");
            }

            if (now + skew < issuedAt)
            {
                return JwtOutcome.Refused("the token was issued in the future (iat)");
            }
        }

        var audienceError = CheckAudience(claims, options.Audiences);
        if (audienceError is not null)
        {
            return JwtOutcome.Refused(audienceError);
        }

        if (!string.IsNullOrEmpty(options.Issuer))
        {
            if (!claims.TryGetProperty("iss", out var iss) || iss.ValueKind != JsonValueKind.String)
            {
                return JwtOutcome.Refused("the token has no iss");
            }

            if (iss.GetString() != options.Issuer)
            {
                return JwtOutcome.Refused($"the token iss {Quote(iss.GetString())} is not the accepted issuer");
            }
        }

        if (!claims.TryGetProperty("sub", out var sub) || sub.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(sub.GetString()))
        {
            return JwtOutcome.Refused("the token has no sub");
        }

        var scopes = new HashSet<string>(StringComparer.Ordinal);
        if (claims.TryGetProperty("scope", out var scope))
        {
            if (scope.ValueKind != JsonValueKind.String)
            {
                return JwtOutcome.Refused("the token scope is not a space-separated string");
            }

            scopes.UnionWith(scope.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        if (claims.TryGetProperty("scp", out var scp))
        {
            if (scp.ValueKind == JsonValueKind.String)
            {
                scopes.UnionWith(scp.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
            else if (scp.ValueKind == JsonValueKind.Array && scp.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String))
            {
                scopes.UnionWith(scp.EnumerateArray().Select(s => s.GetString()!));
            }
            else
            {
                return JwtOutcome.Refused("the token scp is not an array of strings");
            }
        }

        return new JwtOutcome(new DssPrincipal(sub.GetString()!, scopes, expires), null);
    }

    private static string? CheckAudience(JsonElement claims, IReadOnlyCollection<string> accepted)
    {
        if (!claims.TryGetProperty("aud", out var aud))
        {
            return "the token has no aud";
        }

        IEnumerable<JsonElement> values = aud.ValueKind switch
        {
            JsonValueKind.String => [aud],
            JsonValueKind.Array => aud.EnumerateArray().ToList(),
            _ => [],
        };
        if (!values.Any() || values.Any(v => v.ValueKind != JsonValueKind.String))
        {
            return "the token aud is not a string or an array of strings";
        }

        // Host names compare without regard to case.
        return values.Any(v => accepted.Contains(v.GetString()!, StringComparer.OrdinalIgnoreCase))
            ? null
            : "the token aud does not name this DSS";
    }

    private static bool TryNumericDate(JsonElement claims, string name, out DateTimeOffset value)
    {
        value = default;
        var element = claims.GetProperty(name);
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var seconds) || !double.IsFinite(seconds)
            || seconds < 0 || seconds > 253_402_300_799) // 9999-12-31T23:59:59Z
        {
            return false;
        }

        value = DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds(seconds);
        return true;
    }

    private static JsonDocument? ParseObject(byte[] utf8)
    {
        try
        {
            var document = JsonDocument.Parse(utf8, StrictJson);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Unpadded base64url (RFC 7515 §2), nothing else: no padding, no whitespace, no standard-alphabet characters.</summary>
    internal static byte[]? DecodeSegment(ReadOnlySpan<char> segment)
    {
        if (segment.IsEmpty || segment.Length % 4 == 1)
        {
            return null;
        }

        foreach (var c in segment)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return null;
            }
        }

        try
        {
            return Base64Url.DecodeFromChars(segment);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>A caller-supplied value, short and safe to put in a header.</summary>
    private static string Quote(string? value)
    {
        if (value is null)
        {
            return "null";
        }

        var safe = new string(value.Take(40).Select(c => char.IsAsciiLetterOrDigit(c) || "-_.:/+@".Contains(c, StringComparison.Ordinal) ? c : '?').ToArray());
        return "'" + safe + (value.Length > 40 ? "...'" : "'");
    }
}

/// <summary>One verification key of the token authority.</summary>
internal sealed class DssKey
{
    // RSA and ECDsa instances are not documented as safe for concurrent use, so each verification rents one.
    private readonly ConcurrentBag<AsymmetricAlgorithm> _pool = [];
    private readonly byte[] _subjectPublicKeyInfo;

    private DssKey(JwsAlgorithm algorithm, string? keyId, byte[] subjectPublicKeyInfo, string source)
    {
        Algorithm = algorithm;
        KeyId = keyId;
        _subjectPublicKeyInfo = subjectPublicKeyInfo;
        Source = source;
    }

    /// <summary>The algorithm this key verifies.</summary>
    public JwsAlgorithm Algorithm { get; }

    /// <summary>The JWKS <c>kid</c>, or null for a key from a PEM file.</summary>
    public string? KeyId { get; }

    /// <summary>Where the key came from (for messages).</summary>
    public string Source { get; }

    public static DssKey FromRsa(RSA rsa, string? keyId, string source)
    {
        // RFC 7518 §3.3: RS256 keys are 2048 bits or larger.
        if (rsa.KeySize < 2048)
        {
            throw new InvalidDataException($"{source}: the RSA key has {rsa.KeySize} bits; RS256 needs at least 2048");
        }

        return new DssKey(JwsAlgorithm.RS256, keyId, rsa.ExportSubjectPublicKeyInfo(), source);
    }

    public static DssKey FromEcdsa(ECDsa ecdsa, string? keyId, string source)
    {
        var curve = ecdsa.ExportParameters(false).Curve;
        if (curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value && curve.Oid?.FriendlyName is not ("nistP256" or "ECDSA_P256"))
        {
            throw new InvalidDataException($"{source}: the EC key is not on P-256, the only curve ES256 uses");
        }

        return new DssKey(JwsAlgorithm.ES256, keyId, ecdsa.ExportSubjectPublicKeyInfo(), source);
    }

    public bool Verify(byte[] signingInput, byte[] signature)
    {
        var key = Rent();
        try
        {
            return key switch
            {
                RSA rsa => signature.Length == rsa.KeySize / 8
                    && rsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                ECDsa ecdsa => signature.Length == 64
                    && ecdsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
                _ => false,
            };
        }
        finally
        {
            _pool.Add(key);
        }
    }

    private AsymmetricAlgorithm Rent()
    {
        if (_pool.TryTake(out var key))
        {
            return key;
        }

        if (Algorithm == JwsAlgorithm.RS256)
        {
            var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(_subjectPublicKeyInfo, out _);
            return rsa;
        }

        var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(_subjectPublicKeyInfo, out _);
        return ecdsa;
    }
}

/// <summary>The token authority's public keys, loaded once from the configured PEM and JWKS files.</summary>
internal sealed class DssKeys
{
    private DssKeys(IReadOnlyList<DssKey> keys) => All = keys;

    /// <summary>Every key.</summary>
    public IReadOnlyList<DssKey> All { get; }

    /// <summary>Keys from the configured files; throws <see cref="InvalidDataException"/> naming the file at fault.</summary>
    public static DssKeys Load(DssAuthOptions options)
    {
        var keys = new List<DssKey>();
        foreach (var path in options.PublicKeyFiles)
        {
            keys.AddRange(FromPem(ReadFile(path), path));
        }

        if (!string.IsNullOrWhiteSpace(options.JwksFile))
        {
            keys.AddRange(FromJwks(ReadFile(options.JwksFile), options.JwksFile));
        }

        return keys.Count == 0
            ? throw new InvalidDataException($"{DssAuthOptions.Section}: no public key is configured (PublicKeyFiles or JwksFile)")
            : new DssKeys(keys);
    }

    /// <summary>Keys from PEM text: <c>PUBLIC KEY</c>, <c>RSA PUBLIC KEY</c> or <c>CERTIFICATE</c> blocks.</summary>
    public static IReadOnlyList<DssKey> FromPem(string pem, string source)
    {
        var keys = new List<DssKey>();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
            rest = rest[fields.Location.End..];
            try
            {
                switch (label)
                {
                    case "PUBLIC KEY":
                        keys.Add(FromSubjectPublicKeyInfo(der, source));
                        break;
                    case "RSA PUBLIC KEY":
                        using (var rsa = RSA.Create())
                        {
                            rsa.ImportRSAPublicKey(der, out _);
                            keys.Add(DssKey.FromRsa(rsa, null, source));
                        }

                        break;
                    case "CERTIFICATE":
                        using (var certificate = X509CertificateLoader.LoadCertificate(der))
                        {
                            keys.Add(FromSubjectPublicKeyInfo(certificate.PublicKey.ExportSubjectPublicKeyInfo(), source));
                        }

                        break;
                    default:
                        throw new InvalidDataException(label.Contains("PRIVATE", StringComparison.Ordinal)
                            ? $"{source}: holds a private key; give the DSS only the authority's public key"
                            : $"{source}: a PEM block labelled '{label}' is not a public key");
                }
            }
            catch (CryptographicException e)
            {
                throw new InvalidDataException($"{source}: the {label} block cannot be read: {e.Message}", e);
            }
        }

        return keys.Count == 0 ? throw new InvalidDataException($"{source}: no PEM public key found") : keys;
    }

    /// <summary>The RSA and EC P-256 signing keys of a JWKS document; keys for other uses or algorithms are skipped.</summary>
    public static IReadOnlyList<DssKey> FromJwks(string json, string source)
    {
        var keys = new List<DssKey>();
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("keys", out var array) || array.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{source}: not a JWKS (an object with a keys array)");
            }

            foreach (var jwk in array.EnumerateArray())
            {
                var key = FromJwk(jwk, source);
                if (key is not null)
                {
                    keys.Add(key);
                }
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON: {e.Message}", e);
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            throw new InvalidDataException($"{source}: a key cannot be read: {e.Message}", e);
        }

        return keys.Count == 0 ? throw new InvalidDataException($"{source}: no RS256 or ES256 signing key found") : keys;
    }

    /// <summary>
    /// The keys that may have signed a token with <paramref name="algorithm"/> and <paramref name="keyId"/>: a kid
    /// selects the keys that carry it; when none does (or the token has no kid), the keys without a kid (PEM files)
    /// are tried, and with no kid at all every key of the algorithm is.
    /// </summary>
    public IReadOnlyList<DssKey> Candidates(JwsAlgorithm algorithm, string? keyId)
    {
        var ofAlgorithm = All.Where(k => k.Algorithm == algorithm).ToList();
        if (keyId is null)
        {
            return ofAlgorithm;
        }

        var byId = ofAlgorithm.Where(k => k.KeyId == keyId).ToList();
        return byId.Count > 0 ? byId : ofAlgorithm.Where(k => k.KeyId is null).ToList();
    }

    /// <summary>Whether any key carries <paramref name="keyId"/>.</summary>
    public bool Knows(string keyId) => All.Any(k => k.KeyId == keyId);

    private static DssKey? FromJwk(JsonElement jwk, string source)
    {
        string? Text(string name) => jwk.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        byte[] Bytes(string name) => Jwt.DecodeSegment(Text(name) ?? "") ?? throw new InvalidDataException($"{source}: a JWK's {name} is not base64url");

        var use = Text("use");
        var alg = Text("alg");
        var kid = Text("kid");
        if (use is not (null or "sig"))
        {
            return null;
        }

        switch (Text("kty"))
        {
            case "RSA" when alg is null or "RS256":
                using (var rsa = RSA.Create())
                {
                    rsa.ImportParameters(new RSAParameters { Modulus = TrimLeadingZeros(Bytes("n")), Exponent = Bytes("e") });
                    return DssKey.FromRsa(rsa, kid, source);
                }

            case "EC" when alg is null or "ES256":
                if (Text("crv") != "P-256")
                {
                    return null;
                }

                using (var ecdsa = ECDsa.Create(new ECParameters
                {
                    Curve = ECCurve.NamedCurves.nistP256,
                    Q = new ECPoint { X = Bytes("x"), Y = Bytes("y") },
                }))
                {
                    return DssKey.FromEcdsa(ecdsa, kid, source);
                }

            default:
                // Symmetric (oct) and other keys are never used: HS256 is refused whatever the JWKS says.
                return null;
        }
    }

    private static DssKey FromSubjectPublicKeyInfo(byte[] der, string source)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(der, out _);
            return DssKey.FromRsa(rsa, null, source);
        }
        catch (CryptographicException)
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(der, out _);
            return DssKey.FromEcdsa(ecdsa, null, source);
        }
    }

    private static byte[] TrimLeadingZeros(byte[] value)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0)
        {
            start++;
        }

        return value[start..];
    }

    private static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read the key file: {e.Message}", e);
        }
    }
}
