using NSec.Cryptography;

namespace Hotline.Ledger;

/// <summary>Verifies Ed25519 (type 0x01) note signatures.</summary>
public sealed class Ed25519NoteVerifier : NoteVerifier
{
    private readonly PublicKey _publicKey;

    internal Ed25519NoteVerifier(string name, uint keyId, ReadOnlySpan<byte> publicKey)
        : base(name, keyId)
    {
        _publicKey = ImportPublicKey(publicKey);
        CheckKeyId(keyId, NoteEncoding.KeyId(name, Ed25519Type, publicKey));
        PublicKey = publicKey.ToArray();
        VerifierKey = $"{name}+{NoteEncoding.KeyIdHex(keyId)}+{Convert.ToBase64String([Ed25519Type, .. publicKey])}";
    }

    /// <summary>The 32-byte Ed25519 public key.</summary>
    public ReadOnlyMemory<byte> PublicKey { get; }

    /// <summary>The verifier key string, <c>name+hash+base64(0x01||key)</c>.</summary>
    public string VerifierKey { get; }

    /// <inheritdoc />
    public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureAlgorithm.Ed25519.SignatureSize
        && SignatureAlgorithm.Ed25519.Verify(_publicKey, message, signature);

    /// <summary>The verifier key string.</summary>
    public override string ToString() => VerifierKey;

    /// <summary>Imports a raw 32-byte Ed25519 public key.</summary>
    /// <exception cref="FormatException">Not 32 bytes, or not a key NSec accepts.</exception>
    internal static PublicKey ImportPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != SignatureAlgorithm.Ed25519.PublicKeySize
            || !NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out var key)
            || key is null)
        {
            throw new FormatException($"an Ed25519 public key is {SignatureAlgorithm.Ed25519.PublicKeySize} bytes, not {publicKey.Length}");
        }

        return key;
    }
}
