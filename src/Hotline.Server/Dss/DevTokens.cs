using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Hotline.Server;

/// <summary>
/// Mints RS256 access tokens the way F3548 test tools do (InterUSS's dummy OAuth: <c>aud</c> = the DSS host name,
/// <c>iss</c>, <c>sub</c>, a space-separated <c>scope</c>, <c>exp</c>): for local testing and load generation, where
/// no real token authority runs. A deployment gives Hotline only the authority's public key.
/// </summary>
public static class DevTokens
{
    /// <summary>Every F3548 scope, space-separated.</summary>
    public const string AllScopes = "utm.strategic_coordination utm.constraint_management utm.constraint_processing utm.conformance_monitoring_sa utm.availability_arbitration";

    /// <summary>A signed token for <paramref name="subject"/>.</summary>
    public static string MintRs256(RSA authority, string subject, string scope, string audience, string issuer, DateTimeOffset expires)
    {
        ArgumentNullException.ThrowIfNull(authority);
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT" }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new
        {
            aud = audience,
            iss = issuer,
            sub = subject,
            scope,
            exp = expires.ToUnixTimeSeconds(),
            jti = Guid.NewGuid().ToString(),
        }));
        var signature = authority.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{payload}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
