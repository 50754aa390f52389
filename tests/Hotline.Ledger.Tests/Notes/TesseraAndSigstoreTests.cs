using System.Text;
using System.Text.Json;

namespace Hotline.Ledger.Tests.Notes;

/// <summary>Vectors: tessera-testdata-log/ (keys_and_entries.json, log/checkpoint.N).</summary>
public sealed class TesseraCheckpointTests
{
    private static readonly JsonElement Keys = Vectors.Json("tessera-testdata-log/keys_and_entries.json");

    public static TheoryData<int> Sizes() => new(Enumerable.Range(0, 16));

    [Theory]
    [MemberData(nameof(Sizes))]
    public void EachCheckpointOpensWithTheLogKeyAndResigningReproducesTheFile(int size)
    {
        var file = Vectors.Bytes($"tessera-testdata-log/log/checkpoint.{size}");
        var verifier = NoteVerifier.Parse(Keys.Str("log_public_key_vkey"));
        using var signer = Ed25519NoteSigner.Parse(Keys.Str("log_private_key"));

        var note = SignedNote.Open(Encoding.UTF8.GetString(file), [verifier]);
        var checkpoint = Checkpoint.Parse(note.Text);

        Assert.Equal(Keys.Str("log_origin"), checkpoint.Origin);
        Assert.Equal(size, checkpoint.Size);
        Assert.Equal(note.Text, checkpoint.ToString());
        Assert.Equal(file, Encoding.UTF8.GetBytes(SignedNote.Sign(checkpoint.ToString(), signer)));
    }

    [Fact]
    public void TheSmallestTreesHaveTheRootsTheirEntriesImply()
    {
        var empty = Checkpoint.Parse(SignedNote.Parse(Vectors.Bytes("tessera-testdata-log/log/checkpoint.0")).Text);
        var one = Checkpoint.Parse(SignedNote.Parse(Vectors.Bytes("tessera-testdata-log/log/checkpoint.1")).Text);
        var first = Encoding.UTF8.GetBytes(Keys.GetProperty("entries_in_order_utf8")[0].GetString()!);

        Assert.Equal(Hash.Empty, empty.Root);
        Assert.Equal(Hash.Of([0x00, .. first]), one.Root);
    }

    [Fact]
    public void TheLatestCheckpointIsTheOneAtSizeFifteen() =>
        Assert.Equal(Vectors.Bytes("tessera-testdata-log/log/checkpoint.15"), Vectors.Bytes("tessera-testdata-log/log/checkpoint"));
}

/// <summary>Vectors: sigstore/rekor_v1_production_inclusion.json and sigstore/rekor_v2_conformance_checkpoints.json.</summary>
public sealed class SigstoreCheckpointTests
{
    private static readonly JsonElement RekorV1 = Vectors.Json("sigstore/rekor_v1_production_inclusion.json");
    private static readonly JsonElement RekorV2 = Vectors.Json("sigstore/rekor_v2_conformance_checkpoints.json");

    public static TheoryData<string> RekorV2Cases() =>
        new(RekorV2.GetProperty("cases").EnumerateArray().Select(c => c.Str("case")));

    [Fact]
    public void TheRekorV1EcdsaCheckpointVerifiesWithItsKeyAndKeepsItsTimestampExtension()
    {
        var spki = Convert.FromBase64String(RekorV1.Str("log_public_key_spki_der_b64"));
        var proof = RekorV1.GetProperty("inclusion_proof");
        using var verifier = EcdsaNoteVerifier.FromSubjectPublicKeyInfo("rekor.sigstore.dev", spki);

        var note = SignedNote.Open(proof.GetProperty("checkpoint").Str("envelope"), [verifier]);
        var checkpoint = Checkpoint.Parse(note.Text);

        Assert.Equal(0xc0d23d6au, verifier.KeyId);
        Assert.Equal(Convert.FromBase64String(RekorV1.Str("log_id_b64"))[..4], BitConverter.GetBytes(verifier.KeyId).Reverse());
        Assert.Equal("rekor.sigstore.dev - 2605736670972794746", checkpoint.Origin);
        Assert.Equal(long.Parse(proof.Str("treeSize"), System.Globalization.CultureInfo.InvariantCulture), checkpoint.Size);
        Assert.Equal(Hash.FromBase64(proof.Str("rootHash")), checkpoint.Root);
        Assert.Equal(["Timestamp: 1692374735595899989"], checkpoint.Extensions);
        Assert.Equal(note.Text, checkpoint.ToString());
    }

    [Fact]
    public void TheRekorV1VerifierBuiltFromPemRejectsAnAlteredCheckpoint()
    {
        var pem = "-----BEGIN PUBLIC KEY-----\n" + RekorV1.Str("log_public_key_spki_der_b64") + "\n-----END PUBLIC KEY-----\n";
        using var verifier = EcdsaNoteVerifier.FromPem("rekor.sigstore.dev", pem);
        var envelope = RekorV1.GetProperty("inclusion_proof").GetProperty("checkpoint").Str("envelope");

        Assert.Single(SignedNote.Open(envelope, [verifier]).Signatures);
        var altered = envelope.Replace("\n27657875\n", "\n27657876\n", StringComparison.Ordinal);
        Assert.Equal(NoteError.InvalidSignature, Assert.Throws<NoteException>(() => SignedNote.Open(altered, [verifier])).Error);
    }

    [Theory]
    [MemberData(nameof(RekorV2Cases))]
    public void EachRekorV2CheckpointIsAcceptedOrRejectedAsTheConformanceSuiteExpects(string name)
    {
        var vector = RekorV2.GetProperty("cases").EnumerateArray().Single(c => c.Str("case") == name);
        var key = vector.GetProperty("log_key");
        var spki = Convert.FromBase64String(key.Str("spki_der_b64"));
        var verifier = NoteVerifier.Ed25519(new Uri(key.Str("baseUrl")).Host, spki.AsSpan(spki.Length - 32));
        var proof = vector.GetProperty("inclusion_proof");
        var envelope = proof.GetProperty("checkpoint").Str("envelope");

        Assert.Equal(Convert.FromBase64String(key.Str("logId_b64"))[..4], BitConverter.GetBytes(verifier.KeyId).Reverse());
        if (vector.Str("expect") == "fail")
        {
            var error = Record.Exception(() => Checkpoint.Parse(SignedNote.Open(envelope, [verifier]).Text));
            Assert.True(error is NoteException or FormatException, $"{name} was not refused: {error}");
            return;
        }

        var checkpoint = Checkpoint.Parse(SignedNote.Open(envelope, [verifier]).Text);
        Assert.Equal(736, checkpoint.Size);
        Assert.Equal(Hash.FromBase64(proof.Str("rootHash")), checkpoint.Root);
    }

    [Fact]
    public void TheRekorV2SuiteHasFiveRejectedAndFourAcceptedAlterations()
    {
        var cases = RekorV2.GetProperty("cases").EnumerateArray().ToArray();
        Assert.Equal(10, cases.Length);
        Assert.Equal(5, cases.Count(c => c.Str("expect") == "fail"));
    }
}
