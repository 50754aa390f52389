using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Hotline.Ledger.Tests.Notes;

/// <summary>Vectors: transparency-dev-formats/keys_and_notes.json.</summary>
public sealed class TransparencyDevFormatsTests
{
    private const string File = "transparency-dev-formats/keys_and_notes.json";
    private static readonly JsonElement Root = Vectors.Json(File);

    [Fact]
    public void EveryPublishedKeyPairParsesToItsVerifierKeyAndSignsVerifiably()
    {
        var pairs = Root.GetProperty("ed25519_test_keypairs").EnumerateArray().ToArray();
        Assert.Equal(7, pairs.Length);
        foreach (var pair in pairs)
        {
            using var signer = Ed25519NoteSigner.Parse(pair.Str("skey"));
            Assert.Equal(pair.Str("vkey"), signer.VerifierKey);
            Assert.Equal(pair.Str("skey"), signer.ToString());

            var note = SignedNote.Sign("checkpoint text\n", signer);
            Assert.Equal("checkpoint text\n", SignedNote.Open(note, [NoteVerifier.Parse(pair.Str("vkey"))]).Text);
        }
    }

    [Fact]
    public void CosignatureVerifierKeysAreAcceptedOrRefusedAsTheVectorsSay()
    {
        foreach (var vector in Root.GetProperty("cosignature_vkeys").EnumerateArray())
        {
            var vkey = vector.Str("vkey");
            if (vector.Str("want").StartsWith("accepted", StringComparison.Ordinal))
            {
                var verifier = CosignatureVerifier.Parse(vkey);
                Assert.Equal(vkey.Split('+')[0], verifier.Name);
                Assert.StartsWith(vkey.Split('+')[0] + "+", verifier.VerifierKey, StringComparison.Ordinal);
                Assert.Equal(verifier.KeyId, CosignatureVerifier.Parse(verifier.VerifierKey).KeyId);
            }
            else
            {
                Assert.Throws<FormatException>(() => CosignatureVerifier.Parse(vkey));
            }
        }
    }

    [Fact]
    public void AnEd25519KeyReusedForCosigningGetsATypeFourKeyId()
    {
        var verifier = CosignatureVerifier.Parse("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6");
        var native = CosignatureVerifier.Parse("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2");

        Assert.NotEqual(0x7997405cu, verifier.KeyId);
        Assert.StartsWith("TEST+", verifier.VerifierKey, StringComparison.Ordinal);
        Assert.Equal(0x04, Convert.FromBase64String(verifier.VerifierKey.Split('+', 3)[2])[0]);
        Assert.Equal(0xda77ade7u, native.KeyId);
        Assert.Equal("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2", native.VerifierKey);
    }

    [Fact]
    public void TheWitnessKeysCosignCheckpointsThatTheirVerifiersAcceptWithTheTimestamp()
    {
        var body = Encoding.UTF8.GetBytes("example.com/log\n5\n" + Hash.Of("x"u8).ToBase64() + "\n");
        foreach (var pair in Root.GetProperty("ed25519_test_keypairs").EnumerateArray().Where(p => p.Str("vkey").StartsWith("Wit", StringComparison.Ordinal)))
        {
            using var cosigner = Cosigner.Parse(pair.Str("skey"));
            var verifier = CosignatureVerifier.Parse(pair.Str("vkey"));
            Assert.Equal(verifier.KeyId, cosigner.KeyId);

            var signature = cosigner.Sign(body, 1727964367);

            Assert.True(verifier.TryVerify(body, signature, out var timestamp));
            Assert.Equal(1727964367, timestamp);
            Assert.False(verifier.TryVerify(body.AsSpan(1), signature, out _));
            Assert.False(NoteVerifier.Parse(pair.Str("vkey")).Verify(body, signature));
        }
    }

    [Fact]
    public void CosignatureTimestampsAreReadAndPlainSignaturesRefused()
    {
        var vectors = Root.GetProperty("cosignature_timestamp_parse");
        var good = Convert.FromBase64String(vectors[0].Str("sig_b64"));
        var plain = Convert.FromBase64String(vectors[1].Str("sig_b64"));

        Assert.Equal(0x646846b9u, BinaryPrimitives.ReadUInt32BigEndian(good));
        Assert.Equal(vectors[0].GetProperty("want_unix_time").GetInt64(), CosignatureVerifier.ReadTimestamp(good.AsSpan(4)));
        Assert.Throws<FormatException>(() => CosignatureVerifier.ReadTimestamp(plain.AsSpan(4)));
    }

    [Fact]
    public void TheRomeRfc6962CheckpointVerifiesAndABorkedOneDoesNot()
    {
        var vector = Root.GetProperty("rfc6962_note_signature_type_0x05");
        var verifier = NoteVerifier.Parse(vector.Str("rome_vkey"));
        var spki = Convert.FromBase64String(vector.Str("rome_spki_der_b64"));

        var note = SignedNote.Open(vector.Str("rome_checkpoint_utf8"), [verifier]);

        Assert.IsType<Rfc6962NoteVerifier>(verifier);
        Assert.Equal(vector.Str("rome_vkey"), Rfc6962NoteVerifier.VerifierKeyFor("rome.ct.filippo.io/2024h1", spki));
        Assert.Equal(115474666, Checkpoint.Parse(note.Text).Size);
        Assert.ThrowsAny<NoteException>(() => SignedNote.Open("B0rked" + vector.Str("rome_checkpoint_utf8"), [verifier]));
    }

    [Fact]
    public void TheArgonSthConvertedToACheckpointVerifiesUnderItsTypeFiveKey()
    {
        var vector = Root.GetProperty("rfc6962_note_signature_type_0x05");
        var verifier = NoteVerifier.Parse(vector.Str("argon2024_vkey"));
        using var sth = JsonDocument.Parse(vector.Str("argon2024_sth_json"));
        var checkpoint = new Checkpoint(
            "ct.googleapis.com/logs/us1/argon2024",
            sth.RootElement.GetProperty("tree_size").GetInt64(),
            Hash.FromBase64(sth.RootElement.GetProperty("sha256_root_hash").GetString()!));
        var signature = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(signature, (ulong)sth.RootElement.GetProperty("timestamp").GetInt64());
        signature = [.. signature, .. Convert.FromBase64String(sth.RootElement.GetProperty("tree_head_signature").GetString()!)];
        var note = new SignedNote(checkpoint.ToString(), [new NoteSignature(verifier.Name, verifier.KeyId, signature)]).Format();

        Assert.Equal(checkpoint, Checkpoint.Parse(SignedNote.Open(note, [verifier]).Text));
        var tampered = new SignedNote((checkpoint with { Size = checkpoint.Size + 1 }).ToString(), [new NoteSignature(verifier.Name, verifier.KeyId, signature)]).Format();
        Assert.Equal(NoteError.InvalidSignature, Assert.Throws<NoteException>(() => SignedNote.Open(tampered, [verifier])).Error);
    }

    [Fact]
    public void TlogProofsFormatExactlyAsTheMarshalVectors()
    {
        var vectors = Root.GetProperty("tlog_proof_marshal");
        var hash1 = Hash.Of("hash1"u8);
        var hash2 = Hash.Of("hash2"u8);
        TlogProof[] proofs =
        [
            new(null, 5, [hash1, hash2], "test checkpoint\n"),
            new("extra information"u8.ToArray(), 10, [hash1], "checkpoint data\n"),
            new(null, 0, [], "checkpoint\n"),
        ];
        string[] want =
        [
            vectors[0].Str("want_utf8_template").Replace("{b64(SHA-256('hash1'))}", hash1.ToBase64(), StringComparison.Ordinal).Replace("{b64(SHA-256('hash2'))}", hash2.ToBase64(), StringComparison.Ordinal),
            vectors[1].Str("want_utf8_template").Replace("{b64('extra information')}", Convert.ToBase64String("extra information"u8), StringComparison.Ordinal).Replace("{b64(SHA-256('hash1'))}", hash1.ToBase64(), StringComparison.Ordinal),
            vectors[2].Str("want_utf8"),
        ];

        for (var i = 0; i < proofs.Length; i++)
        {
            Assert.Equal(want[i], proofs[i].Format());
            Assert.Equal(proofs[i], TlogProof.Parse(want[i]));
        }
    }

    [Fact]
    public void MalformedTlogProofsAreRefusedForTheReasonTheVectorsGive()
    {
        var cases = Root.GetProperty("tlog_proof_unmarshal_errors").EnumerateArray().ToArray();
        Assert.Equal(7, cases.Length);
        foreach (var vector in cases)
        {
            var text = vector.TryGetProperty("proof_utf8", out var literal)
                ? literal.GetString()!
                : "c2sp.org/tlog-proof@v1\nindex 0\n" + Convert.ToBase64String(new byte[64]) + "\n\ncheckpoint\n";

            var error = Assert.Throws<FormatException>(() => TlogProof.Parse(text));

            Assert.Contains(vector.Str("want_err"), error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AnEcdsaVerifierKeyIsIdentifiedByTheHashOfItsSpki()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = key.ExportSubjectPublicKeyInfo();
        var keyId = BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(spki));
        var vkey = $"ecdsa.example+{keyId:x8}+{Convert.ToBase64String([0x02, .. spki])}";
        var message = "hello\n"u8.ToArray();

        var verifier = NoteVerifier.Parse(vkey);

        Assert.IsType<EcdsaNoteVerifier>(verifier);
        Assert.True(verifier.Verify(message, key.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)));
        Assert.Throws<FormatException>(() => NoteVerifier.Parse($"ecdsa.example+00000000+{Convert.ToBase64String([0x02, .. spki])}"));
    }
}
