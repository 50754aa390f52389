using System.Security.Cryptography;

namespace Hotline.Ledger;

/// <summary>
/// Verifies ECDSA note signatures (ASN.1 DER, SHA-256 for P-256) as Sigstore Rekor v1 and
/// transparency-dev/witness produce them: the key ID is the first four bytes of SHA-256 of the SPKI DER.
/// </summary>
public sealed class EcdsaNoteVerifier : NoteVerifier, IDisposable
{
    private readonly ECDsa _key;
    private readonly HashAlgorithmName _hash;

    private EcdsaNoteVerifier(string name, uint keyId, ECDsa key)
        : base(name, keyId)
    {
        _key = key;
        _hash = key.KeySize switch
        {
            256 => HashAlgorithmName.SHA256,
            384 => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        };
    }

    /// <summary>A verifier named <paramref name="name"/> for a DER SubjectPublicKeyInfo on P-256, P-384 or P-521.</summary>
    /// <exception cref="FormatException">Not an ECDSA public key on one of those curves.</exception>
    public static EcdsaNoteVerifier FromSubjectPublicKeyInfo(string name, ReadOnlySpan<byte> spki) =>
        new(name, SpkiKeyId(spki), Import(spki));

    /// <summary>A verifier named <paramref name="name"/> for a PEM "PUBLIC KEY" block.</summary>
    /// <exception cref="FormatException">Not a PEM ECDSA public key.</exception>
    public static EcdsaNoteVerifier FromPem(string name, string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (!PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] != "PUBLIC KEY")
        {
            throw new FormatException("expected a PEM PUBLIC KEY block");
        }

        return FromSubjectPublicKeyInfo(name, Convert.FromBase64String(pem[fields.Base64Data]));
    }

    /// <inheritdoc />
    public override bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        try
        {
            return _key.VerifyData(message, signature, _hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            // A malformed DER signature is simply not a valid signature.
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    internal static EcdsaNoteVerifier FromVerifierKey(string name, uint keyId, byte[] spki)
    {
        var key = Import(spki);
        try
        {
            CheckKeyId(keyId, SpkiKeyId(spki));
            return new EcdsaNoteVerifier(name, keyId, key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static ECDsa Import(ReadOnlySpan<byte> spki)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read != spki.Length || key.KeySize is not (256 or 384 or 521))
            {
                throw new FormatException("expected a P-256, P-384 or P-521 SubjectPublicKeyInfo with nothing after it");
            }

            return key;
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new FormatException("not an ECDSA SubjectPublicKeyInfo", e);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
