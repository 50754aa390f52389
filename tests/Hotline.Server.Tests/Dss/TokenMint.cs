using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Hotline.Server.Tests;

/// <summary>
/// Mints access tokens the way F3548 test tools do (InterUSS monitoring's dummy OAuth: RS256, <c>aud</c> = the DSS
/// host name, <c>iss</c>, <c>sub</c>, a space-separated <c>scope</c>, <c>exp</c> one hour ahead), and ES256 ones;
/// writes the public keys to a temporary folder as PEM files and a JWKS.
/// </summary>
public sealed class TokenMint : IDisposable
{
    public const string Audience = "localhost";
    public const string Issuer = "http://localhost:8085";
    public const string RsaKeyId = "rsa-1";
    public const string EcKeyId = "ec-1";

    public TokenMint()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("hotline-dss-keys-").FullName;
        RsaPemPath = Write("rsa.pem", Rsa.ExportSubjectPublicKeyInfoPem());
        RsaPkcs1PemPath = Write("rsa-pkcs1.pem", Rsa.ExportRSAPublicKeyPem());
        EcPemPath = Write("ec.pem", Ec.ExportSubjectPublicKeyInfoPem());
        var rsa = Rsa.ExportParameters(false);
        var ec = Ec.ExportParameters(false);
        JwksPath = Write("jwks.json", JsonSerializer.Serialize(new
        {
            keys = new object[]
            {
                new { kty = "RSA", kid = RsaKeyId, use = "sig", alg = "RS256", n = B64(rsa.Modulus!), e = B64(rsa.Exponent!) },
                new { kty = "EC", kid = EcKeyId, use = "sig", crv = "P-256", x = B64(ec.Q.X!), y = B64(ec.Q.Y!) },
                new { kty = "oct", kid = "hmac-1", k = B64(Encoding.ASCII.GetBytes("a shared secret never to be used")) },
            },
        }));
    }

    /// <summary>The authority's RSA key (2048 bits).</summary>
    public RSA Rsa { get; } = RSA.Create(2048);

    /// <summary>The authority's EC P-256 key.</summary>
    public ECDsa Ec { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The clock tokens are minted against.</summary>
    public DateTimeOffset Now { get; set; } = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public string Directory { get; }

    /// <summary>The RSA public key as an SPKI <c>PUBLIC KEY</c> PEM.</summary>
    public string RsaPemPath { get; }

    /// <summary>The RSA public key as a PKCS#1 <c>RSA PUBLIC KEY</c> PEM.</summary>
    public string RsaPkcs1PemPath { get; }

    /// <summary>The EC public key as an SPKI <c>PUBLIC KEY</c> PEM.</summary>
    public string EcPemPath { get; }

    /// <summary>Both keys (with kids) and a symmetric key that must never be used.</summary>
    public string JwksPath { get; }

    /// <summary>Options accepting this mint's tokens from its PEM files.</summary>
    public DssAuthOptions PemOptions() => new() { Audiences = [Audience], PublicKeyFiles = [RsaPemPath, EcPemPath] };

    /// <summary>Options accepting this mint's tokens from its JWKS.</summary>
    public DssAuthOptions JwksOptions() => new() { Audiences = [Audience], JwksFile = JwksPath };

    /// <summary>The claims InterUSS's dummy OAuth puts in a token.</summary>
    public Dictionary<string, object?> Claims(string subject = "uss1", string scope = "utm.strategic_coordination", object? audience = null) => new()
    {
        ["aud"] = audience ?? Audience,
        ["scope"] = scope,
        ["iss"] = Issuer,
        ["exp"] = (Now + TimeSpan.FromHours(1)).ToUnixTimeSeconds(),
        ["sub"] = subject,
        ["jti"] = Guid.NewGuid().ToString(),
    };

    /// <summary>An RS256 token for <paramref name="subject"/> with <paramref name="scope"/>.</summary>
    public string Rs256(string subject = "uss1", string scope = "utm.strategic_coordination", string? kid = null) =>
        Mint("RS256", Claims(subject, scope), kid);

    /// <summary>An ES256 token for <paramref name="subject"/> with <paramref name="scope"/>.</summary>
    public string Es256(string subject = "uss1", string scope = "utm.strategic_coordination", string? kid = null) =>
        Mint("ES256", Claims(subject, scope), kid);

    /// <summary>A token with these claims signed with <paramref name="alg"/> (RS256, ES256, or none).</summary>
    public string Mint(string alg, IDictionary<string, object?> claims, string? kid = null) =>
        MintRaw(Header(alg, kid), JsonSerializer.Serialize(claims), alg switch
        {
            "RS256" => input => Rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            "ES256" => input => Ec.SignData(input, HashAlgorithmName.SHA256),
            "none" => _ => [],
            _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "use MintRaw"),
        });

    /// <summary>A token of this header and payload JSON, signed by <paramref name="sign"/> over the signing input.</summary>
    public static string MintRaw(string headerJson, string payloadJson, Func<byte[], byte[]> sign)
    {
        var input = B64(Encoding.UTF8.GetBytes(headerJson)) + "." + B64(Encoding.UTF8.GetBytes(payloadJson));
        return input + "." + B64(sign(Encoding.ASCII.GetBytes(input)));
    }

    /// <summary>A JOSE header for <paramref name="alg"/>.</summary>
    public static string Header(string alg, string? kid = null) =>
        kid is null ? JsonSerializer.Serialize(new { alg, typ = "JWT" }) : JsonSerializer.Serialize(new { alg, typ = "JWT", kid });

    /// <summary>Unpadded base64url.</summary>
    public static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public string Write(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        Rsa.Dispose();
        Ec.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
