using System.Text;
using CsCheck;

namespace Hotline.Ledger.Tests.Notes;

/// <summary>Property and edge tests of the signed-note grammar, checkpoints and cosignatures (no vector file).</summary>
public sealed class SignedNotePropertyTests
{
    private static readonly Gen<string> Line = Gen.Char["a-zA-Z0-9 ./:+=é—"].Array[1, 20].Select(chars => new string(chars));

    private static readonly Gen<string> Text = Line.Array[1, 5].Select(lines => string.Concat(lines.Select(l => l + "\n")));

    [Fact]
    public void ASignedNoteRoundTripsThroughParseFormatAndOpen()
    {
        using var signer = Ed25519NoteSigner.Generate("example.com/log");
        Text.Sample(text =>
        {
            var note = SignedNote.Sign(text, signer);
            var opened = SignedNote.Open(note, [signer.Verifier]);
            Assert.Equal(text, opened.Text);
            Assert.Equal(note, opened.Format());
            Assert.Equal(note, SignedNote.Parse(note).Format());
        }, iter: 200);
    }

    [Fact]
    public void AnySingleBitChangeInTheNoteBytesIsRejected()
    {
        using var signer = Ed25519NoteSigner.Generate("example.com/log");
        Text.Sample(text =>
        {
            var note = Encoding.UTF8.GetBytes(SignedNote.Sign(text, signer));
            for (var bit = 0; bit < note.Length * 8; bit++)
            {
                var flipped = (byte[])note.Clone();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                var decoded = Decode(flipped);
                Assert.Throws<NoteException>(() => decoded is null ? SignedNote.Parse(flipped) : SignedNote.Open(decoded, [signer.Verifier]));
            }
        }, iter: 10);
    }

    [Fact]
    public void AnySingleBitChangeInTheSignatureBytesIsAnInvalidSignature()
    {
        using var signer = Ed25519NoteSigner.Generate("example.com/log");
        Gen.Int[0, 64 * 8 - 1].Sample(bit =>
        {
            var signature = signer.Sign("text\n"u8);
            signature[bit / 8] ^= (byte)(1 << (bit % 8));
            var note = new SignedNote("text\n", [new NoteSignature(signer.Name, signer.KeyId, signature)]).Format();
            Assert.Equal(NoteError.InvalidSignature, Assert.Throws<NoteException>(() => SignedNote.Open(note, [signer.Verifier])).Error);
        });
    }

    [Theory]
    [InlineData("text\n")]
    [InlineData("text\n\n")]
    [InlineData("text\n\n— name AAAAAAA=")]
    [InlineData("text\n\n— name AAAAAAA=\n\n")]
    [InlineData("te\u0001xt\n\n— name AAAAAAA=\n")]
    [InlineData("text\n\n- name AAAAAAA=\n")]
    [InlineData("text\n\n— na+me AAAAAAA=\n")]
    [InlineData("text\n\n— name\n")]
    [InlineData("text\n\n— name AAAA\n")]
    [InlineData("text\n\n— name AAAAAAA\n")]
    [InlineData("text\n\n— name AAAAAAB=\n")]
    [InlineData("text\n\n— name AAAA AAA=\n")]
    [InlineData("text\n\n—  AAAAAAA=\n")]
    public void MalformedNotesAreRefused(string note) =>
        Assert.Equal(NoteError.Malformed, Assert.Throws<NoteException>(() => SignedNote.Parse(note)).Error);

    [Fact]
    public void InvalidUtf8AndLoneSurrogatesAreRefused()
    {
        byte[] invalid = [.. "text"u8, 0xff, .. "\n\n— name AAAAAAA=\n"u8];
        Assert.Equal(NoteError.Malformed, Assert.Throws<NoteException>(() => SignedNote.Parse(invalid)).Error);
        Assert.Equal(NoteError.Malformed, Assert.Throws<NoteException>(() => SignedNote.Parse("te\ud800xt\n\n— name AAAAAAA=\n")).Error);
    }

    [Fact]
    public void SigningRefusesTextThatCouldNotBeOpened()
    {
        using var signer = Ed25519NoteSigner.Generate("example.com/log");
        Assert.Throws<NoteException>(() => SignedNote.Sign("no newline", signer));
        Assert.Throws<NoteException>(() => SignedNote.Sign("tab\there\n", signer));
    }

    [Fact]
    public void AKnownNameWithAnotherKeyIdIsIgnoredNotFailed()
    {
        using var log = Ed25519NoteSigner.Generate("example.com/log");
        using var imposter = Ed25519NoteSigner.Generate("example.com/log");
        var note = SignedNote.Sign("text\n", imposter, log);

        var opened = SignedNote.Open(note, [log.Verifier]);

        Assert.Single(opened.Signatures);
        Assert.Equal(imposter.KeyId, Assert.Single(opened.Unverified).KeyId);
    }

    [Fact]
    public void SignerKeysRoundTripAndBadOnesAreRefused()
    {
        using var signer = Ed25519NoteSigner.Generate("example.com/log");
        using var parsed = Ed25519NoteSigner.Parse(signer.ToString());

        Assert.Equal(signer.VerifierKey, parsed.VerifierKey);
        Assert.Equal(signer.Sign("x"u8), parsed.Sign("x"u8));
        Assert.Throws<FormatException>(() => Ed25519NoteSigner.Parse(signer.VerifierKey));
        Assert.Throws<FormatException>(() => Ed25519NoteSigner.Parse(signer.ToString().Replace("+KEY+example", "+KEY+exbmple", StringComparison.Ordinal)));
        Assert.Throws<FormatException>(() => Ed25519NoteSigner.Generate("bad name"));
    }

    [Fact]
    public void ACheckpointRoundTripsThroughItsText()
    {
        Gen.Select(Gen.Long[0, long.MaxValue], Gen.Byte.Array[32], Line.Array[0, 3]).Sample((size, root, extensions) =>
        {
            var checkpoint = new Checkpoint("example.com/log", size, new Hash(root), extensions);
            Assert.Equal(checkpoint, Checkpoint.Parse(checkpoint.ToString()));
        });
    }

    [Theory]
    [InlineData("example.com/log\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("example.com/log\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("example.com/log\n+1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("example.com/log\n9223372036854775808\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("example.com/log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")]
    [InlineData("example.com/log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu=\n")]
    [InlineData("example.com/log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n")]
    [InlineData("\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("example.com/log\n1\n")]
    public void MalformedCheckpointsAreRefused(string text) => Assert.Throws<FormatException>(() => Checkpoint.Parse(text));

    [Fact]
    public void ACosignatureVerifiesOverTheCheckpointAndReturnsItsTimestamp()
    {
        using var cosigner = Cosigner.Generate("witness.example/w1");
        var checkpoint = new Checkpoint("example.com/log", 3, Hash.Of("root"u8));
        var time = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

        var signature = cosigner.Cosign(checkpoint, time);
        var verifier = CosignatureVerifier.Parse(cosigner.VerifierKey);
        var note = new SignedNote(checkpoint.ToString(), [signature]).Format();

        Assert.True(verifier.TryVerify(Encoding.UTF8.GetBytes(checkpoint.ToString()), signature.Signature, out var timestamp));
        Assert.Equal(time.ToUnixTimeSeconds(), timestamp);
        Assert.Single(SignedNote.Open(note, [verifier]).Signatures);
        var other = (checkpoint with { Size = 4 }).ToString();
        Assert.False(verifier.TryVerify(Encoding.UTF8.GetBytes(other), signature.Signature, out _));
    }

    private static string? Decode(byte[] bytes)
    {
        try
        {
            return NoteEncodingForTests.Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            // Invalid UTF-8 cannot become a string: the byte parser must refuse it instead.
            return null;
        }
    }

    private static class NoteEncodingForTests
    {
        public static readonly UTF8Encoding Strict = new(false, true);
    }
}
