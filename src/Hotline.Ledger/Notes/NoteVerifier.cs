using System.Security.Cryptography;

namespace Hotline.Ledger;

/// <summary>
/// A public key that verifies signed-note signatures, identified by its key name and 32-bit key ID
/// (C2SP signed-note; Go's golang.org/x/mod/sumdb/note).
/// </summary>
public abstract class NoteVerifier
{
    /// <summary>Signature type byte of Ed25519 note signatures.</summary>
    public const byte Ed25519Type = 0x01;

    /// <summary>Signature type byte of ECDSA note signatures (key ID over the SPKI DER).</summary>
    public const byte EcdsaType = 0x02;

    /// <summary>Signature type byte of timestamped Ed25519 cosignatures (c2sp.org/tlog-cosignature).</summary>
    public const byte CosignatureType = 0x04;

    /// <summary>Signature type byte of RFC 6962 tree head signatures (c2sp.org/static-ct-api).</summary>
    public const byte Rfc6962Type = 0x05;

    /// <summary>Sets the identity shared by every verifier.</summary>
    private protected NoteVerifier(string name, uint keyId)
    {
        if (!NoteEncoding.IsValidName(name))
        {
            throw new FormatException($"invalid key name \"{name}\": it must be non-empty, with no spaces and no '+'");
        }

        Name = name;
        KeyId = keyId;
    }

    /// <summary>The key name, as it appears in signature lines.</summary>
    public string Name { get; }

    /// <summary>The key ID that signature lines carry in their first four bytes.</summary>
    public uint KeyId { get; }

    /// <summary>Whether <paramref name="signature"/> (without the key ID) is valid over the note text.</summary>
    public abstract bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature);

    /// <summary>
    /// Parses a verifier key <c>name+hash8hex+base64(type||key)</c>. Supported types: Ed25519 (0x01), ECDSA
    /// (0x02, SPKI DER), Ed25519 cosignature (0x04) and RFC 6962 tree head signature (0x05, SPKI DER).
    /// </summary>
    /// <exception cref="FormatException">The key is malformed, of an unknown type, or its key ID does not match.</exception>
    public static NoteVerifier Parse(string verifierKey)
    {
        var (name, keyId, type, key) = Split(verifierKey);
        return type switch
        {
            Ed25519Type => new Ed25519NoteVerifier(name, keyId, key),
            EcdsaType => EcdsaNoteVerifier.FromVerifierKey(name, keyId, key),
            CosignatureType => new CosignatureVerifier(name, key, keyId),
            Rfc6962Type => new Rfc6962NoteVerifier(name, keyId, key),
            _ => throw new FormatException($"verifier key: unknown signature type 0x{type:x2}"),
        };
    }

    /// <summary>An Ed25519 (type 0x01) verifier from a 32-byte public key; the key ID is computed.</summary>
    /// <exception cref="FormatException">Invalid name or key.</exception>
    public static NoteVerifier Ed25519(string name, ReadOnlySpan<byte> publicKey) =>
        new Ed25519NoteVerifier(name, NoteEncoding.KeyId(name, Ed25519Type, publicKey), publicKey);

    /// <summary>Splits and checks the generic parts: name, hex key ID, base64 of type and key.</summary>
    internal static (string Name, uint KeyId, byte Type, byte[] Key) Split(string verifierKey)
    {
        ArgumentNullException.ThrowIfNull(verifierKey);
        if (!NoteEncoding.TrySplitKey(verifierKey, out var name, out var hash, out var base64))
        {
            throw new FormatException("verifier key: expected name+hash+key (wrong number of parts)");
        }

        if (!NoteEncoding.IsValidName(name))
        {
            throw new FormatException("verifier key: invalid key name");
        }

        if (!NoteEncoding.TryParseKeyIdHex(hash, out var keyId))
        {
            throw new FormatException("verifier key: the key ID is not eight hex digits");
        }

        if (!NoteEncoding.TryDecodeBase64(base64, out var blob) || blob.Length < 2)
        {
            throw new FormatException("verifier key: the key is not valid base64 of a type byte and key material");
        }

        return (name, keyId, blob[0], blob[1..]);
    }

    /// <summary>Refuses a key whose stated ID is not the one its material implies.</summary>
    internal static void CheckKeyId(uint stated, uint computed)
    {
        if (stated != computed)
        {
            throw new FormatException(
                $"verifier key: key ID {NoteEncoding.KeyIdHex(stated)} does not match the key (expected {NoteEncoding.KeyIdHex(computed)})");
        }
    }

    /// <summary>Truncated SHA-256 of a DER SubjectPublicKeyInfo, the key ID of ECDSA note keys.</summary>
    internal static uint SpkiKeyId(ReadOnlySpan<byte> spki) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(spki));
}
