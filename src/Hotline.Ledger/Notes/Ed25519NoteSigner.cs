using NSec.Cryptography;

namespace Hotline.Ledger;

/// <summary>
/// An Ed25519 signed-note signing key (type 0x01). Ed25519 is deterministic, so a signature over the same text is
/// always the same bytes.
/// </summary>
public sealed class Ed25519NoteSigner : IDisposable
{
    private const string PrivateKeyPrefix = "PRIVATE+KEY+";

    private readonly Key _key;
    private readonly string _privateKey;

    private Ed25519NoteSigner(string name, Key key)
    {
        if (!NoteEncoding.IsValidName(name))
        {
            throw new FormatException($"invalid key name \"{name}\": it must be non-empty, with no spaces and no '+'");
        }

        _key = key;
        Name = name;
        var publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        Verifier = NoteVerifier.Ed25519(name, publicKey);
        KeyId = Verifier.KeyId;
        VerifierKey = ((Ed25519NoteVerifier)Verifier).VerifierKey;
        var seed = key.Export(KeyBlobFormat.RawPrivateKey);
        _privateKey = $"{PrivateKeyPrefix}{name}+{NoteEncoding.KeyIdHex(KeyId)}+{Convert.ToBase64String([NoteVerifier.Ed25519Type, .. seed])}";
    }

    /// <summary>The key name.</summary>
    public string Name { get; }

    /// <summary>The key ID, SHA-256(name || 0x0A || 0x01 || public key)[:4].</summary>
    public uint KeyId { get; }

    /// <summary>The public verifier key string, <c>name+hash+base64(0x01||public key)</c>.</summary>
    public string VerifierKey { get; }

    /// <summary>The verifier for this key.</summary>
    public NoteVerifier Verifier { get; }

    /// <summary>A fresh random key.</summary>
    /// <exception cref="FormatException">Invalid name.</exception>
    public static Ed25519NoteSigner Generate(string name) =>
        new(name, Key.Create(SignatureAlgorithm.Ed25519, Exportable));

    /// <summary>Parses <c>PRIVATE+KEY+name+hash+base64(0x01||32-byte seed)</c>.</summary>
    /// <exception cref="FormatException">Malformed, not Ed25519, or a key ID that does not match.</exception>
    public static Ed25519NoteSigner Parse(string signerKey)
    {
        var (name, keyId, type, seed) = SplitPrivateKey(signerKey);
        if (type != NoteVerifier.Ed25519Type)
        {
            throw new FormatException("signer key: only Ed25519 (type 0x01) is supported");
        }

        var signer = FromSeed(name, seed);
        if (signer.KeyId != keyId)
        {
            signer.Dispose();
            throw new FormatException("signer key: the key ID does not match the key");
        }

        return signer;
    }

    /// <summary>The 64-byte Ed25519 signature of <paramref name="message"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message) => SignatureAlgorithm.Ed25519.Sign(_key, message);

    /// <summary>
    /// The private key string <c>PRIVATE+KEY+name+hash+base64(0x01||seed)</c>. It is SECRET: never log it or
    /// show it; store it as a credential.
    /// </summary>
    public override string ToString() => _privateKey;

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    /// <summary>A signer from a 32-byte Ed25519 seed.</summary>
    internal static Ed25519NoteSigner FromSeed(string name, ReadOnlySpan<byte> seed)
    {
        var key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, Exportable);
        try
        {
            return new Ed25519NoteSigner(name, key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Splits <c>PRIVATE+KEY+name+hash+base64(type||32-byte seed)</c> and checks its syntax.</summary>
    internal static (string Name, uint KeyId, byte Type, byte[] Seed) SplitPrivateKey(string signerKey)
    {
        ArgumentNullException.ThrowIfNull(signerKey);
        if (!signerKey.StartsWith(PrivateKeyPrefix, StringComparison.Ordinal)
            || !NoteEncoding.TrySplitKey(signerKey[PrivateKeyPrefix.Length..], out var name, out var hash, out var base64))
        {
            throw new FormatException("signer key: expected PRIVATE+KEY+name+hash+key");
        }

        if (!NoteEncoding.IsValidName(name))
        {
            throw new FormatException("signer key: invalid key name");
        }

        if (!NoteEncoding.TryParseKeyIdHex(hash, out var keyId))
        {
            throw new FormatException("signer key: the key ID is not eight hex digits");
        }

        if (!NoteEncoding.TryDecodeBase64(base64, out var blob) || blob.Length != 1 + SignatureAlgorithm.Ed25519.PrivateKeySize)
        {
            throw new FormatException("signer key: the key is not base64 of a type byte and a 32-byte seed");
        }

        return (name, keyId, blob[0], blob[1..]);
    }

    private static KeyCreationParameters Exportable => new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
}
