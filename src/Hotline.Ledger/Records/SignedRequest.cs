using System.Globalization;
using System.Text;

namespace Hotline.Ledger;

/// <summary>
/// A party's signature over a request it sent: the method, the target (path and query, as sent), the key, the
/// time, a nonce and the SHA-256 of the body. The message signed is <see cref="Message"/>, documented to the byte
/// in docs/log.md; it commits to the body by digest, so the log can hold proof of a request without disclosing its
/// content, and the sender (or the server) can later show the body that matches.
/// </summary>
public sealed record SignedRequest
{
    /// <summary>The HTTP header that carries the signature.</summary>
    public const string HeaderName = "Hotline-Signature";

    /// <summary>The first line of every signed message (the format version).</summary>
    public const string Magic = "hotline-request/v1";

    private SignedRequest(string method, string target, string keyId, long created, Guid nonce, Hash bodyDigest, byte[] signature)
    {
        Method = method;
        Target = target;
        KeyId = keyId;
        Created = created;
        Nonce = nonce;
        BodyDigest = bodyDigest;
        Signature = signature;
        Message = Encode(method, target, keyId, created, nonce, bodyDigest);
    }

    /// <summary>The HTTP method, upper case.</summary>
    public string Method { get; }

    /// <summary>The request target: path and query exactly as sent (percent-encoded).</summary>
    public string Target { get; }

    /// <summary>The id of the signing key (<see cref="PartyPublicKey.KeyId"/>).</summary>
    public string KeyId { get; }

    /// <summary>When the sender signed, Unix seconds.</summary>
    public long Created { get; }

    /// <summary>A value the sender never reuses: the server refuses a replay.</summary>
    public Guid Nonce { get; }

    /// <summary>SHA-256 of the body bytes (of the empty string when there is no body).</summary>
    public Hash BodyDigest { get; }

    /// <summary>The 64-byte Ed25519 signature of <see cref="Message"/>.</summary>
    public byte[] Signature { get; }

    /// <summary>The exact bytes signed.</summary>
    public byte[] Message { get; }

    /// <summary>Signs a request.</summary>
    public static SignedRequest Create(PartySigningKey key, string method, string target, DateTimeOffset created, Guid nonce, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(key);
        CheckMethod(method);
        CheckTarget(target);
        var digest = Hash.Of(body);
        var seconds = created.ToUnixTimeSeconds();
        var message = Encode(method, target, key.PublicKey.KeyId, seconds, nonce, digest);
        return new SignedRequest(method, target, key.PublicKey.KeyId, seconds, nonce, digest, key.Sign(message));
    }

    /// <summary>
    /// Reads the signature header of a request that arrived with this method, target and body. The signature is
    /// not checked here (see <see cref="VerifiesWith"/>): the key must first be found.
    /// </summary>
    /// <exception cref="FormatException">The header is malformed; the message says how.</exception>
    public static SignedRequest FromHeader(string header, string method, string target, ReadOnlySpan<byte> body)
    {
        CheckMethod(method);
        CheckTarget(target);
        string? keyId = null, created = null, nonce = null, signature = null;
        foreach (var part in (header ?? "").Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException($"{HeaderName}: expected keyid=..., created=..., nonce=..., signature=...");
            }

            var name = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            switch (name)
            {
                case "keyid" when keyId is null: keyId = value; break;
                case "created" when created is null: created = value; break;
                case "nonce" when nonce is null: nonce = value; break;
                case "signature" when signature is null: signature = value; break;
                default: throw new FormatException($"{HeaderName}: unknown or repeated parameter '{name}'");
            }
        }

        if (keyId is null || created is null || nonce is null || signature is null)
        {
            throw new FormatException($"{HeaderName}: keyid, created, nonce and signature are all required");
        }

        return new SignedRequest(method, target, ParseKeyId(keyId), ParseCreated(created), ParseNonce(nonce), Hash.Of(body), ParseSignature(signature));
    }

    /// <summary>Reads a signed message back (as an auditor does from a log entry) with its signature.</summary>
    /// <exception cref="FormatException">Not a version 1 signed message.</exception>
    public static SignedRequest FromMessage(ReadOnlySpan<byte> message, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var text = Encoding.UTF8.GetString(message);
        var lines = text.Split('\n');
        if (lines.Length != 7 || lines[6].Length != 0 || lines[0] != Magic)
        {
            throw new FormatException($"a signed request is six lines starting with '{Magic}'");
        }

        var space = lines[1].IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            throw new FormatException("the request line is 'METHOD target'");
        }

        var method = lines[1][..space];
        var target = lines[1][(space + 1)..];
        CheckMethod(method);
        CheckTarget(target);
        var request = new SignedRequest(
            method,
            target,
            ParseKeyId(Field(lines[2], "key")),
            ParseCreated(Field(lines[3], "created")),
            ParseNonce(Field(lines[4], "nonce")),
            Hash.FromHex(Field(lines[5], "body-sha256")),
            signature.Length == 64 ? signature : throw new FormatException("an Ed25519 signature is 64 bytes"));
        if (!request.Message.AsSpan().SequenceEqual(message))
        {
            throw new FormatException("the signed request is not in canonical form");
        }

        return request;
    }

    /// <summary>Equal when the signed bytes and the signature are (not the array instances).</summary>
    public bool Equals(SignedRequest? other) =>
        other is not null && Message.AsSpan().SequenceEqual(other.Message) && Signature.AsSpan().SequenceEqual(other.Signature);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Nonce, KeyId, Created);

    /// <summary>The header value to send.</summary>
    public string ToHeader() =>
        $"keyid={KeyId}, created={Created.ToString(CultureInfo.InvariantCulture)}, nonce={Nonce:D}, signature={Convert.ToBase64String(Signature)}";

    /// <summary>Whether <paramref name="key"/> is the key named and its signature checks.</summary>
    public bool VerifiesWith(PartyPublicKey key) =>
        key is not null && key.KeyId == KeyId && key.Verify(Message, Signature);

    private static byte[] Encode(string method, string target, string keyId, long created, Guid nonce, Hash bodyDigest) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{Magic}\n{method} {target}\nkey {keyId}\ncreated {created}\nnonce {nonce:D}\nbody-sha256 {bodyDigest.ToHex()}\n"));

    private static string Field(string line, string name) =>
        line.StartsWith(name + " ", StringComparison.Ordinal) ? line[(name.Length + 1)..] : throw new FormatException($"expected the line '{name} ...'");

    private static void CheckMethod(string method)
    {
        if (string.IsNullOrEmpty(method) || method.Length > 16 || method.Any(c => c is < 'A' or > 'Z'))
        {
            throw new FormatException("the method is 1 to 16 upper-case letters");
        }
    }

    private static void CheckTarget(string target)
    {
        if (string.IsNullOrEmpty(target) || target[0] != '/' || target.Length > 2048 || target.Any(c => c <= ' ' || c >= 0x7f))
        {
            throw new FormatException("the target is a path starting with '/', in printable ASCII without spaces");
        }
    }

    private static string ParseKeyId(string value) =>
        value.Length == 16 && value.All(char.IsAsciiHexDigitLower) ? value : throw new FormatException("keyid is 16 lower-case hex digits");

    private static long ParseCreated(string value) =>
        value.Length is > 0 and <= 12 && value.All(char.IsAsciiDigit) && (value.Length == 1 || value[0] != '0')
            ? long.Parse(value, CultureInfo.InvariantCulture)
            : throw new FormatException("created is Unix seconds, a decimal number without leading zeros");

    private static Guid ParseNonce(string value) =>
        Guid.TryParseExact(value, "D", out var nonce) && value == nonce.ToString("D") && nonce != Guid.Empty
            ? nonce
            : throw new FormatException("nonce is a non-nil UUID in lower-case 8-4-4-4-12 form");

    private static byte[] ParseSignature(string value)
    {
        var buffer = new byte[66];
        return Convert.TryFromBase64String(value, buffer, out var written) && written == 64
            ? buffer[..64]
            : throw new FormatException("signature is the standard base64 of 64 bytes");
    }
}
