using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Hotline.Ledger;

/// <summary>
/// Verifies RFC 6962 tree head signatures carried as note signatures (type 0x05, c2sp.org/static-ct-api): the
/// signature is an 8-byte millisecond timestamp and a TLS DigitallySigned ECDSA P-256/SHA-256 signature over the
/// RFC 6962 TreeHeadSignature built from the checkpoint's size and root.
/// </summary>
/// <remarks>
/// The signed structure covers neither the origin nor extension lines, so a checkpoint is accepted only when its
/// origin equals the key name and it has no extension lines: otherwise those lines would be unauthenticated.
/// </remarks>
public sealed class Rfc6962NoteVerifier : NoteVerifier, IDisposable
{
    private readonly ECDsa _key;

    internal Rfc6962NoteVerifier(string name, uint keyId, byte[] spki)
        : base(name, keyId)
    {
        CheckKeyId(keyId, KeyIdFor(name, spki));
        _key = ECDsa.Create();
        try
        {
            _key.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read != spki.Length || _key.KeySize != 256)
            {
                throw new FormatException("an RFC 6962 note key is a P-256 SubjectPublicKeyInfo");
            }
        }
        catch (CryptographicException e)
        {
            _key.Dispose();
            throw new FormatException("an RFC 6962 note key is a P-256 SubjectPublicKeyInfo", e);
        }
    }

    /// <inheritdoc />
    public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        // timestamp(8) || hash algorithm(1) || signature algorithm(1) || length(2) || DER signature
        if (signature.Length < 12 || signature[8] != 4 /* sha256 */ || signature[9] != 3 /* ecdsa */
            || BinaryPrimitives.ReadUInt16BigEndian(signature[10..]) != signature.Length - 12)
        {
            return false;
        }

        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Parse(NoteEncoding.StrictUtf8.GetString(message));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return false;
        }

        if (checkpoint.Origin != Name || checkpoint.Extensions.Count != 0)
        {
            return false;
        }

        // struct { version v1(0); signature_type tree_hash(1); uint64 timestamp; uint64 tree_size; opaque root[32]; }
        Span<byte> treeHead = stackalloc byte[2 + 8 + 8 + Hash.Size];
        treeHead[0] = 0;
        treeHead[1] = 1;
        signature[..8].CopyTo(treeHead[2..]);
        BinaryPrimitives.WriteUInt64BigEndian(treeHead[10..], (ulong)checkpoint.Size);
        checkpoint.Root.CopyTo(treeHead[18..]);
        try
        {
            return _key.VerifyData(treeHead, signature[12..], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The verifier key string for an RFC 6962 log key, <c>name+hash+base64(0x05||SPKI)</c>.</summary>
    public static string VerifierKeyFor(string name, ReadOnlySpan<byte> spki) =>
        $"{name}+{NoteEncoding.KeyIdHex(KeyIdFor(name, spki))}+{Convert.ToBase64String([Rfc6962Type, .. spki])}";

    /// <summary>
    /// The key ID hashes the RFC 6962 log ID (SHA-256 of the SPKI), not the SPKI itself: that is what static-ct-api
    /// logs publish (the vector file's description says SPKI, but its real keys only match the log ID).
    /// </summary>
    private static uint KeyIdFor(string name, ReadOnlySpan<byte> spki) =>
        NoteEncoding.KeyId(name, Rfc6962Type, SHA256.HashData(spki));

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

}
