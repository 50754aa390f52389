using System.Text;
using System.Text.Json;

namespace Hotline.Ledger.Tests.Notes;

/// <summary>Vectors: c2sp/spec_examples.json (signed-note, tlog-checkpoint, tlog-cosignature, tlog-witness, tlog-proof).</summary>
public sealed class C2spSpecExampleTests
{
    private const string File = "c2sp/spec_examples.json";
    private static readonly JsonElement Root = Vectors.Json(File);

    [Fact]
    public void TheExampleComFooNoteOpensWithItsPublishedKey()
    {
        var example = Root.GetProperty("signed_note").GetProperty("verifiable_example");
        var verifier = NoteVerifier.Parse(example.Str("vkey"));

        var note = SignedNote.Open(example.Str("note_utf8"), [verifier]);

        Assert.Equal(example.Str("signed_text_utf8"), note.Text);
        Assert.Equal("example.com/foo", Assert.Single(note.Signatures).Name);
        Assert.Equal(example.Str("note_utf8"), note.Format());
    }

    [Fact]
    public void TheTextOfANoteEndsAtTheLastBlankLine()
    {
        var example = Root.GetProperty("signed_note").GetProperty("parse_only_example");

        var note = SignedNote.Parse(example.Str("note_utf8"));

        Assert.Equal(example.Str("signed_text_utf8"), note.Text);
        Assert.Equal("quasimodo.example/salvatore", Assert.Single(note.Signatures).Name);
        Assert.Equal(example.Str("note_utf8"), note.Format());
        Assert.Equal(note.Signatures, SignedNote.Parse(Encoding.UTF8.GetBytes(example.Str("note_utf8"))).Signatures);
    }

    [Fact]
    public void TheCheckpointExampleParsesToItsFieldsAndFormatsBackExactly()
    {
        var example = Root.GetProperty("tlog_checkpoint");
        var note = SignedNote.Parse(example.Str("example_note_utf8"));

        var checkpoint = Checkpoint.Parse(note.Text);

        Assert.Equal(example.Str("body_utf8"), note.Text);
        Assert.Equal(example.Str("origin"), checkpoint.Origin);
        Assert.Equal(example.GetProperty("tree_size").GetInt64(), checkpoint.Size);
        Assert.Equal(Hash.FromBase64(example.Str("root_hash_b64")), checkpoint.Root);
        Assert.Empty(checkpoint.Extensions);
        Assert.Equal(example.Str("body_utf8"), checkpoint.ToString());
    }

    [Fact]
    public void TheCosignatureExampleCarriesItsKeyIdAndTimestampAndTheSignedMessageIsExact()
    {
        var example = Root.GetProperty("tlog_cosignature");
        var note = SignedNote.Parse(example.Str("example_note_utf8"));
        var witness = note.Signatures.Single(s => s.Name == "witness.example.com/w1");

        Assert.Equal(0x8d66cf3fu, witness.KeyId);
        Assert.Equal(CosignatureVerifier.SignatureLength, witness.Signature.Length);
        var timestamp = CosignatureVerifier.ReadTimestamp(witness.Signature);
        Assert.Equal(1679315147, timestamp);
        var message = CosignatureVerifier.SignedMessage(Encoding.UTF8.GetBytes(note.Text), timestamp);
        Assert.Equal(example.Str("ed25519_signed_message_utf8"), Encoding.UTF8.GetString(message));
    }

    [Fact]
    public void TheAddCheckpointRequestExampleParsesAndFormatsBackExactly()
    {
        var example = Root.GetProperty("tlog_witness");
        var body = example.Str("add_checkpoint_request_body_utf8");

        var request = AddCheckpointRequest.Parse(body);

        Assert.Equal(20852014, request.OldSize);
        Assert.Equal(4, request.Proof.Count);
        Assert.Equal(Hash.FromBase64("PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw="), request.Proof[0]);
        var note = SignedNote.Parse(request.Checkpoint);
        Assert.Equal(20852163, Checkpoint.Parse(note.Text).Size);
        Assert.Equal(2, note.Signatures.Count);
        Assert.Equal(body, request.Format());
    }

    [Fact]
    public void TheAddCheckpointResponseExampleIsThreeCosignatureLines()
    {
        var body = Root.GetProperty("tlog_witness").Str("add_checkpoint_response_body_utf8");

        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(NoteSignature.ParseLine).ToArray();

        Assert.Equal(["witness.example/w1", "witness.example/w1", "witness.example/w2"], lines.Select(l => l.Name));
        Assert.All(lines, l => Assert.Equal(CosignatureVerifier.SignatureLength, l.Signature.Length));
        Assert.Equal(body, string.Concat(lines.Select(l => l.ToLine())));
    }

    [Fact]
    public void TheSignSubtreeExampleIsNotAnAddCheckpointRequest()
    {
        var body = Root.GetProperty("tlog_witness").Str("sign_subtree_request_body_utf8");

        Assert.Throws<FormatException>(() => AddCheckpointRequest.Parse(body));
    }

    [Fact]
    public void TheTlogProofExampleParsesAndFormatsBackExactly()
    {
        var text = Root.GetProperty("tlog_proof").Str("example_utf8");

        var proof = TlogProof.Parse(text);

        Assert.NotNull(proof.Extra);
        Assert.StartsWith("age-v1.2.1-darwin-arm64.tar.gz", Encoding.Latin1.GetString(proof.Extra), StringComparison.Ordinal);
        Assert.Equal("age-v1.2.1-darwin-arm64.tar.gz".Length + 9, proof.Extra.Length);
        Assert.Equal(73894, proof.Index);
        Assert.Equal(5, proof.Proof.Count);
        Assert.StartsWith("example.com/fancylog\n109482\n", proof.Checkpoint, StringComparison.Ordinal);
        Assert.Equal(text, proof.Format());
        Assert.Equal(proof, TlogProof.Parse(proof.Format()));
    }

    [Fact]
    public void SixteenSignaturesAreAcceptedAsTheSignedNoteSpecRequires()
    {
        using var log = Ed25519NoteSigner.Generate("example.com/log");
        var others = Enumerable.Range(0, 15).Select(i => Ed25519NoteSigner.Generate($"other{i}.example")).ToArray();
        try
        {
            var note = SignedNote.Sign("hello\n", [.. others, log]);

            var opened = SignedNote.Open(note, [log.Verifier]);

            Assert.Equal(16, SignedNote.Parse(note).Signatures.Count);
            Assert.Equal("example.com/log", Assert.Single(opened.Signatures).Name);
            Assert.Equal(15, opened.Unverified.Count);
        }
        finally
        {
            foreach (var other in others)
            {
                other.Dispose();
            }
        }
    }
}
