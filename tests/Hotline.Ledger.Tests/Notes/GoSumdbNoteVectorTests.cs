using System.Text;
using System.Text.Json;

namespace Hotline.Ledger.Tests.Notes;

/// <summary>Vectors: go-sumdb/signed_note_vectors.json and go-sumdb/tlog_vectors.json (golang.org/x/mod/sumdb).</summary>
public sealed class GoSumdbNoteVectorTests
{
    private const string File = "go-sumdb/signed_note_vectors.json";
    private static readonly JsonElement Root = Vectors.Json(File);

    public static TheoryData<int> SignedNoteCases() => new(Enumerable.Range(0, Root.GetProperty("signed_notes").GetArrayLength()));

    [Fact]
    public void SigningWithThePublishedPrivateKeyReproducesTheNoteByteForByte()
    {
        var key = Root.GetProperty("keys")[0];
        using var signer = Ed25519NoteSigner.Parse(key.Str("skey"));

        Assert.Equal(key.Str("name"), signer.Name);
        Assert.Equal(key.Str("key_id_hex"), signer.KeyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(key.Str("vkey"), signer.VerifierKey);
        Assert.Equal(key.Str("skey"), signer.ToString());
        Assert.Equal(Root.GetProperty("signed_notes")[0].Str("note_utf8"), SignedNote.Sign(Root.Str("text"), signer));
    }

    [Fact]
    public void EveryPublishedVerifierKeyParsesWithItsNameAndKeyId()
    {
        foreach (var key in Root.GetProperty("keys").EnumerateArray())
        {
            var verifier = NoteVerifier.Parse(key.Str("vkey"));
            Assert.IsType<Ed25519NoteVerifier>(verifier);
            Assert.Equal(key.Str("name"), verifier.Name);
            Assert.Equal(Convert.ToUInt32(key.Str("key_id_hex"), 16), verifier.KeyId);
            Assert.Equal(key.Str("vkey"), ((Ed25519NoteVerifier)verifier).VerifierKey);
        }
    }

    [Theory]
    [MemberData(nameof(SignedNoteCases))]
    public void OpeningEachVectorNoteGivesTheOutcomeGoGives(int index)
    {
        var vector = Root.GetProperty("signed_notes")[index];
        var keys = Root.GetProperty("keys").EnumerateArray().ToDictionary(k => k.Str("name"), k => k.Str("vkey"));
        var known = vector.GetProperty("verifiers").EnumerateArray().Select(name => NoteVerifier.Parse(keys[name.GetString()!])).ToArray();
        var want = vector.Str("want");

        if (want.StartsWith("error: ", StringComparison.Ordinal))
        {
            var error = Assert.Throws<NoteException>(() => SignedNote.Open(vector.Str("note_utf8"), known));
            Assert.StartsWith(want["error: ".Length..], error.Message, StringComparison.Ordinal);
            return;
        }

        var note = SignedNote.Open(vector.Str("note_utf8"), known);
        Assert.Equal(Root.Str("text"), note.Text);
        var verified = Bracket(want, "verified [");
        Assert.Equal(verified, note.Signatures.Select(s => s.Name).ToArray());
        var unverified = Bracket(want, "unverified [");
        Assert.Equal(unverified.Length, note.Unverified.Count);
        Assert.Equal(unverified.Select(u => u.Split(' ')[0]), note.Unverified.Select(s => s.Name));
    }

    [Fact]
    public void TheErrorKindsMatchGoErrorTypes()
    {
        var vectors = Root.GetProperty("signed_notes");
        var peter = NoteVerifier.Parse(Root.GetProperty("keys")[0].Str("vkey"));
        var enoch = NoteVerifier.Parse(Root.GetProperty("keys")[1].Str("vkey"));

        Assert.Equal(NoteError.NoVerifiableSignatures, Assert.Throws<NoteException>(() => SignedNote.Open(vectors[3].Str("note_utf8"), [])).Error);
        Assert.Equal(NoteError.AmbiguousKey, Assert.Throws<NoteException>(() => SignedNote.Open(vectors[4].Str("note_utf8"), [enoch, peter, NoteVerifier.Parse(Root.GetProperty("keys")[1].Str("vkey"))])).Error);
        Assert.Equal(NoteError.Malformed, Assert.Throws<NoteException>(() => SignedNote.Open(vectors[5].Str("note_utf8"), [peter])).Error);
        Assert.Equal(NoteError.InvalidSignature, Assert.Throws<NoteException>(() => SignedNote.Open(vectors[6].Str("note_utf8"), [peter])).Error);
    }

    [Fact]
    public void TheBadVerifierKeysAreRefused()
    {
        var bad = Root.GetProperty("bad_vkeys").EnumerateArray().Where(v => v.TryGetProperty("vkey", out _)).ToArray();
        Assert.Equal(2, bad.Length);
        foreach (var vector in bad)
        {
            Assert.Throws<FormatException>(() => NoteVerifier.Parse(vector.Str("vkey")));
        }
    }

    [Fact]
    public void EveryProperSubstringOfTheVerifierKeyIsRefused()
    {
        var vkey = Root.GetProperty("keys")[0].Str("vkey");
        var tried = 0;
        for (var start = 0; start < vkey.Length; start++)
        {
            for (var end = start; end <= vkey.Length; end++)
            {
                if (end - start == vkey.Length)
                {
                    continue;
                }

                tried++;
                var substring = vkey[start..end];
                Assert.Throws<FormatException>(() => NoteVerifier.Parse(substring));
            }
        }

        Assert.True(tried > 1000);
    }

    [Fact]
    public void EverySingleByteIncrementOfTheVerifierKeyIsRefused()
    {
        var vkey = Encoding.ASCII.GetBytes(Root.GetProperty("keys")[0].Str("vkey"));
        for (var i = 0; i < vkey.Length; i++)
        {
            var changed = (byte[])vkey.Clone();
            changed[i]++;
            var text = Encoding.Latin1.GetString(changed);
            Assert.Throws<FormatException>(() => NoteVerifier.Parse(text));
        }
    }

    [Fact]
    public void TheGoSumdbTreeNoteIsACheckpointBodyAndItsBadVariantsAreRefused()
    {
        var tlog = Vectors.Json("go-sumdb/tlog_vectors.json");
        var tree = tlog.GetProperty("tree_note");
        var checkpoint = Checkpoint.Parse(tree.Str("formatted"));
        Assert.Equal("go.sum database tree", checkpoint.Origin);
        Assert.Equal(tree.GetProperty("n").GetInt64(), checkpoint.Size);
        Assert.Equal(Hash.FromBase64(tree.Str("hash_b64")), checkpoint.Root);
        Assert.Equal(tree.Str("formatted"), checkpoint.ToString());

        var bad = tlog.GetProperty("tree_note_bad").EnumerateArray().Select(e => e.GetString()!).ToArray();
        // The first is a well-formed checkpoint of another origin: only Go's fixed sumdb origin makes it wrong.
        Assert.NotEqual("go.sum database tree", Checkpoint.Parse(bad[0]).Origin);
        Assert.Throws<FormatException>(() => Checkpoint.Parse(bad[1]));
        Assert.Throws<FormatException>(() => Checkpoint.Parse(bad[2]));
    }

    private static string[] Bracket(string want, string label)
    {
        var start = want.IndexOf(label, StringComparison.Ordinal);
        if (label == "verified [" && start > 0 && want[start - 1] == 'n')
        {
            start = -1;
        }

        if (start < 0)
        {
            return [];
        }

        var end = want.IndexOf(']', start);
        return want[(start + label.Length)..end].Split(", ");
    }
}
