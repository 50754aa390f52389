using System.Buffers.Binary;
using System.Text;
using NSec.Cryptography;

namespace Hotline.Ledger;

/// <summary>
/// Verifies timestamped Ed25519 cosignatures (c2sp.org/tlog-cosignature v1, signature type 0x04): the signature is
/// an 8-byte big-endian POSIX timestamp followed by an Ed25519 signature over
/// <c>"cosignature/v1\ntime &lt;t&gt;\n" || checkpoint body</c>.
/// </summary>
public sealed class CosignatureVerifier : NoteVerifier
{
    /// <summary>Length of a cosignature without the key ID: timestamp and Ed25519 signature.</summary>
    public const int SignatureLength = 8 + 64;

    private readonly PublicKey _publicKey;

    internal CosignatureVerifier(string name, ReadOnlySpan<byte> publicKey, uint statedKeyId)
        : base(name, NoteEncoding.KeyId(name, CosignatureType, publicKey))
    {
        _publicKey = Ed25519NoteVerifier.ImportPublicKey(publicKey);
        CheckKeyId(statedKeyId, KeyId);
        PublicKey = publicKey.ToArray();
        VerifierKey = $"{name}+{NoteEncoding.KeyIdHex(KeyId)}+{Convert.ToBase64String([CosignatureType, .. publicKey])}";
    }

    /// <summary>The 32-byte Ed25519 public key of the cosigner.</summary>
    public ReadOnlyMemory<byte> PublicKey { get; }

    /// <summary>The type 0x04 verifier key string, <c>name+hash+base64(0x04||key)</c>.</summary>
    public string VerifierKey { get; }

    /// <summary>A cosignature verifier for a 32-byte Ed25519 public key.</summary>
    /// <exception cref="FormatException">Invalid name or key.</exception>
    public static CosignatureVerifier FromEd25519(string name, ReadOnlySpan<byte> publicKey) =>
        new(name, publicKey, NoteEncoding.KeyId(name, CosignatureType, publicKey));

    /// <summary>
    /// Parses a type 0x04 verifier key, or a type 0x01 Ed25519 verifier key whose key is reused for cosigning (its
    /// stated ID is checked as 0x01, then the key ID is recomputed with 0x04, as transparency-dev/formats does).
    /// </summary>
    /// <exception cref="FormatException">Malformed, another type, or a key ID that does not match.</exception>
    public static new CosignatureVerifier Parse(string verifierKey)
    {
        var (name, keyId, type, key) = Split(verifierKey);
        switch (type)
        {
            case CosignatureType:
                return new CosignatureVerifier(name, key, keyId);
            case Ed25519Type:
                CheckKeyId(keyId, NoteEncoding.KeyId(name, Ed25519Type, key));
                return FromEd25519(name, key);
            default:
                throw new FormatException($"cosignature verifier key: unsupported signature type 0x{type:x2}");
        }
    }

    /// <summary>The exact bytes an Ed25519 cosignature signs for a checkpoint body at a timestamp.</summary>
    public static byte[] SignedMessage(ReadOnlySpan<byte> checkpointBody, long timestamp)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(timestamp);
        var header = Encoding.ASCII.GetBytes($"cosignature/v1\ntime {NoteEncoding.Decimal(timestamp)}\n");
        return [.. header, .. checkpointBody];
    }

    /// <summary>The timestamp (POSIX seconds) of a cosignature given without its key ID.</summary>
    /// <exception cref="FormatException">Not 72 bytes, or a timestamp above 2^63 - 1.</exception>
    public static long ReadTimestamp(ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureLength)
        {
            throw new FormatException($"a cosignature is {SignatureLength} bytes (timestamp and Ed25519 signature), not {signature.Length}");
        }

        var timestamp = BinaryPrimitives.ReadUInt64BigEndian(signature);
        if (timestamp > long.MaxValue)
        {
            throw new FormatException("a cosignature timestamp must not exceed 2^63 - 1");
        }

        return (long)timestamp;
    }

    /// <inheritdoc />
    public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        TryVerify(message, signature, out _);

    /// <summary>Verifies a cosignature over a checkpoint body and returns its timestamp (POSIX seconds).</summary>
    public bool TryVerify(ReadOnlySpan<byte> checkpointBody, ReadOnlySpan<byte> signature, out long timestamp)
    {
        timestamp = 0;
        if (signature.Length != SignatureLength || BinaryPrimitives.ReadUInt64BigEndian(signature) > long.MaxValue)
        {
            return false;
        }

        var time = (long)BinaryPrimitives.ReadUInt64BigEndian(signature);
        if (!SignatureAlgorithm.Ed25519.Verify(_publicKey, SignedMessage(checkpointBody, time), signature[8..]))
        {
            return false;
        }

        timestamp = time;
        return true;
    }

    /// <summary>The verifier key string.</summary>
    public override string ToString() => VerifierKey;
}
