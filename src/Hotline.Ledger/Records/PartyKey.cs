using System.Security.Cryptography;
using NSec.Cryptography;

namespace Hotline.Ledger;

/// <summary>
/// A party's Ed25519 public key as Hotline registers it: the 32 raw bytes, and the key id that signatures name,
/// the first 8 bytes of SHA-256 of the key in lowercase hex.
/// </summary>
public sealed record PartyPublicKey
{
    // Imported once: verification is on every write's path.
    private readonly PublicKey _key;

    private PartyPublicKey(byte[] bytes, PublicKey key)
    {
        Bytes = bytes;
        KeyId = IdOf(bytes);
        _key = key;
    }

    /// <summary>The raw 32-byte Ed25519 public key.</summary>
    public byte[] Bytes { get; }

    /// <summary>16 lowercase hex digits: SHA-256(key)[0..8].</summary>
    public string KeyId { get; }

    /// <summary>The key as standard base64 (how the API carries it).</summary>
    public string ToBase64() => Convert.ToBase64String(Bytes);

    /// <summary>Reads a raw 32-byte key.</summary>
    /// <exception cref="FormatException">Not 32 bytes, or not a valid Ed25519 point.</exception>
    public static PartyPublicKey FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 32 || !PublicKey.TryImport(SignatureAlgorithm.Ed25519, bytes, KeyBlobFormat.RawPublicKey, out var key))
        {
            throw new FormatException("an Ed25519 public key is 32 bytes encoding a curve point");
        }

        return new PartyPublicKey(bytes.ToArray(), key!);
    }

    /// <summary>Reads a key from standard base64 of its 32 bytes.</summary>
    /// <exception cref="FormatException">Not base64 of a valid key.</exception>
    public static PartyPublicKey FromBase64(string text)
    {
        Span<byte> buffer = stackalloc byte[36];
        if (string.IsNullOrEmpty(text) || !Convert.TryFromBase64String(text, buffer, out var written))
        {
            throw new FormatException("an Ed25519 public key is the standard base64 of 32 bytes");
        }

        return FromBytes(buffer[..written]);
    }

    /// <summary>Whether <paramref name="signature"/> is this key's signature of <paramref name="message"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == 64 && SignatureAlgorithm.Ed25519.Verify(_key, message, signature);

    /// <inheritdoc />
    public bool Equals(PartyPublicKey? other) => other is not null && Bytes.AsSpan().SequenceEqual(other.Bytes);

    /// <inheritdoc />
    public override int GetHashCode() => KeyId.GetHashCode(StringComparison.Ordinal);

    internal static string IdOf(ReadOnlySpan<byte> key) => Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 8));
}

/// <summary>
/// A party's Ed25519 signing key: it signs the requests the party sends, so that the log holds proof of what the
/// party asked for. Stored as the standard base64 of the 32-byte seed; that text is secret.
/// </summary>
public sealed class PartySigningKey : IDisposable
{
    private readonly Key _key;

    private PartySigningKey(Key key)
    {
        _key = key;
        PublicKey = PartyPublicKey.FromBytes(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The public half, to register with the server.</summary>
    public PartyPublicKey PublicKey { get; }

    /// <summary>A new random key.</summary>
    public static PartySigningKey Generate() => new(Key.Create(SignatureAlgorithm.Ed25519, Exportable));

    /// <summary>Reads a key from the base64 of its 32-byte seed (surrounding white space is ignored).</summary>
    /// <exception cref="FormatException">Not the base64 of 32 bytes.</exception>
    public static PartySigningKey FromSeed(string base64Seed)
    {
        Span<byte> seed = stackalloc byte[36];
        if (string.IsNullOrWhiteSpace(base64Seed) || !Convert.TryFromBase64String(base64Seed.Trim(), seed, out var written) || written != 32)
        {
            throw new FormatException("a signing key is the standard base64 of a 32-byte Ed25519 seed");
        }

        try
        {
            return new PartySigningKey(Key.Import(SignatureAlgorithm.Ed25519, seed[..32], KeyBlobFormat.RawPrivateKey, Exportable));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>The secret seed as base64, for the key file.</summary>
    public string ExportSeed() => Convert.ToBase64String(_key.Export(KeyBlobFormat.RawPrivateKey));

    /// <summary>The 64-byte Ed25519 signature of <paramref name="message"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message) => SignatureAlgorithm.Ed25519.Sign(_key, message);

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    private static KeyCreationParameters Exportable => new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
}
