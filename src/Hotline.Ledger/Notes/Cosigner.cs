using System.Buffers.Binary;
using NSec.Cryptography;

namespace Hotline.Ledger;

/// <summary>
/// An Ed25519 cosigning key (c2sp.org/tlog-cosignature v1, type 0x04): signs checkpoints with a timestamp, as a
/// witness does.
/// </summary>
public sealed class Cosigner : IDisposable
{
    private readonly Key _key;

    private Cosigner(string name, Key key)
    {
        _key = key;
        Verifier = CosignatureVerifier.FromEd25519(name, key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The cosigner (witness) name.</summary>
    public string Name => Verifier.Name;

    /// <summary>The key ID, SHA-256(name || 0x0A || 0x04 || public key)[:4].</summary>
    public uint KeyId => Verifier.KeyId;

    /// <summary>The type 0x04 verifier key string.</summary>
    public string VerifierKey => Verifier.VerifierKey;

    /// <summary>The verifier for this cosigner's signatures.</summary>
    public CosignatureVerifier Verifier { get; }

    /// <summary>A fresh random key.</summary>
    /// <exception cref="FormatException">Invalid name.</exception>
    public static Cosigner Generate(string name) =>
        Create(name, Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None }));

    /// <summary>
    /// Parses a private key <c>PRIVATE+KEY+name+hash+base64(type||seed)</c> of type 0x04, or of type 0x01 (an
    /// Ed25519 note key reused for cosigning; its ID is checked as 0x01).
    /// </summary>
    /// <exception cref="FormatException">Malformed, another type, or a key ID that does not match.</exception>
    public static Cosigner Parse(string signerKey)
    {
        var (name, keyId, type, seed) = Ed25519NoteSigner.SplitPrivateKey(signerKey);
        if (type is not (NoteVerifier.Ed25519Type or NoteVerifier.CosignatureType))
        {
            throw new FormatException($"cosigner key: unsupported signature type 0x{type:x2}");
        }

        var cosigner = Create(name, Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey));
        var expected = NoteEncoding.KeyId(name, type, cosigner.Verifier.PublicKey.Span);
        if (expected != keyId)
        {
            cosigner.Dispose();
            throw new FormatException("cosigner key: the key ID does not match the key");
        }

        return cosigner;
    }

    /// <summary>The 72-byte cosignature (timestamp, Ed25519 signature) of a checkpoint body at a POSIX time.</summary>
    public byte[] Sign(ReadOnlySpan<byte> checkpointBody, long timestamp)
    {
        var signature = new byte[CosignatureVerifier.SignatureLength];
        BinaryPrimitives.WriteUInt64BigEndian(signature, (ulong)timestamp);
        SignatureAlgorithm.Ed25519.Sign(_key, CosignatureVerifier.SignedMessage(checkpointBody, timestamp), signature.AsSpan(8));
        return signature;
    }

    /// <summary>The cosignature of <paramref name="checkpoint"/> at <paramref name="time"/> (whole seconds).</summary>
    public NoteSignature Cosign(Checkpoint checkpoint, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var body = NoteEncoding.StrictUtf8.GetBytes(checkpoint.ToString());
        return new NoteSignature(Name, KeyId, Sign(body, time.ToUnixTimeSeconds()));
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    private static Cosigner Create(string name, Key key)
    {
        try
        {
            return new Cosigner(name, key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
