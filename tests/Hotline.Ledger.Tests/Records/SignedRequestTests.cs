using System.Text;
using CsCheck;

namespace Hotline.Ledger.Tests.Records;

public sealed class SignedRequestTests
{
    // ---- the frozen vector ------------------------------------------------------------------------------------
    // This vector must never change: the message text and its signature are what every client and auditor
    // computes. Changing either is a format change: bump SignedRequest.Magic to v2 and add a new vector.
    // Cross-checked outside .NET: `sha256sum` of the body, and `openssl pkeyutl -sign -rawin` with the same seed
    // (PKCS#8 prefix 302e020100300506032b657004220420) gives the same public key and signature.

    /// <summary>The seed 0x01, 0x02, ..., 0x20.</summary>
    private static readonly string VectorSeed = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static readonly Guid VectorNonce = Guid.Parse("7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f");

    private static readonly DateTimeOffset VectorCreated = DateTimeOffset.FromUnixTimeSeconds(1767225600); // 2026-01-01T00:00:00Z

    private static readonly byte[] VectorBody = """{"extents":[]}"""u8.ToArray();

    private const string VectorPublicKey = "ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=";

    private const string VectorMessage =
        "hotline-request/v1\n" +
        "POST /v1/reservations\n" +
        "key 65b60673d6ed884b\n" +
        "created 1767225600\n" +
        "nonce 7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f\n" +
        "body-sha256 4239e76ca00434710d7211f8a90ee330e59e27b2297a2b6e651b21d3d11c1833\n";

    private const string VectorSignature = "UdOToXBag3dNQfBribS8jPQ++vsL67wTFVi3xJfAfsPqDOs2RgZZf5gFct/NzQHH6fDf+IsCZhu87sNPT1YsCQ==";

    private static SignedRequest VectorRequest()
    {
        using var key = PartySigningKey.FromSeed(VectorSeed);
        return SignedRequest.Create(key, "POST", "/v1/reservations", VectorCreated, VectorNonce, VectorBody);
    }

    [Fact]
    public void TheFrozenVectorsPublicKeyAndKeyIdAreUnchanged()
    {
        using var key = PartySigningKey.FromSeed(VectorSeed);
        Assert.Equal(VectorPublicKey, key.PublicKey.ToBase64());
        Assert.Equal("65b60673d6ed884b", key.PublicKey.KeyId);
    }

    [Fact]
    public void TheFrozenVectorsMessageIsExactlyTheDocumentedText() =>
        Assert.Equal(VectorMessage, Encoding.UTF8.GetString(VectorRequest().Message));

    [Fact]
    public void TheFrozenVectorsSignatureIsExactlyTheRecordedOne() =>
        Assert.Equal(VectorSignature, Convert.ToBase64String(VectorRequest().Signature));

    [Fact]
    public void TheFrozenVectorsHeaderIsExactlyTheRecordedOne() =>
        Assert.Equal($"keyid=65b60673d6ed884b, created=1767225600, nonce=7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f, signature={VectorSignature}", VectorRequest().ToHeader());

    [Fact]
    public void TheFrozenVectorVerifiesFromItsTextAlone()
    {
        var request = SignedRequest.FromMessage(Encoding.UTF8.GetBytes(VectorMessage), Convert.FromBase64String(VectorSignature));
        Assert.True(request.VerifiesWith(PartyPublicKey.FromBase64(VectorPublicKey)));
    }

    // ---- round trips ------------------------------------------------------------------------------------------

    [Fact]
    public void AHeaderReadBackWithTheSameRequestGivesTheSameMessageAndVerifies()
    {
        using var key = PartySigningKey.Generate();
        var body = "{\"name\":\"x\"}"u8.ToArray();
        var signed = SignedRequest.Create(key, "PUT", "/v1/reservations/abc?x=1&y=%20", DateTimeOffset.UtcNow, Guid.NewGuid(), body);

        var read = SignedRequest.FromHeader(signed.ToHeader(), "PUT", "/v1/reservations/abc?x=1&y=%20", body);

        Assert.Equal(signed.Message, read.Message);
        Assert.Equal(signed.Signature, read.Signature);
        Assert.Equal((signed.Method, signed.Target, signed.KeyId, signed.Created, signed.Nonce, signed.BodyDigest), (read.Method, read.Target, read.KeyId, read.Created, read.Nonce, read.BodyDigest));
        Assert.True(read.VerifiesWith(key.PublicKey));
    }

    [Fact]
    public void AMessageReadBackGivesTheSameFieldsAndVerifies()
    {
        using var key = PartySigningKey.Generate();
        var signed = SignedRequest.Create(key, "DELETE", "/v1/constraints/0199aa00-0000-7000-8000-000000000001", DateTimeOffset.UnixEpoch.AddSeconds(1), Guid.NewGuid(), []);

        var read = SignedRequest.FromMessage(signed.Message, signed.Signature);

        Assert.Equal(signed.Message, read.Message);
        Assert.Equal((signed.Method, signed.Target, signed.KeyId, signed.Created, signed.Nonce, signed.BodyDigest), (read.Method, read.Target, read.KeyId, read.Created, read.Nonce, read.BodyDigest));
        Assert.Equal(Hash.Empty, read.BodyDigest);
        Assert.True(read.VerifiesWith(key.PublicKey));
    }

    [Fact]
    public void ASignatureDoesNotVerifyWithAnotherKey()
    {
        using var key = PartySigningKey.Generate();
        using var other = PartySigningKey.Generate();
        var signed = SignedRequest.Create(key, "POST", "/v1/keys", DateTimeOffset.UtcNow, Guid.NewGuid(), "{}"u8);
        Assert.True(signed.VerifiesWith(key.PublicKey));
        Assert.False(signed.VerifiesWith(other.PublicKey));
    }

    [Fact]
    public void AHeaderReadWithAnotherBodyMethodOrTargetDoesNotVerify()
    {
        using var key = PartySigningKey.Generate();
        var signed = SignedRequest.Create(key, "POST", "/v1/reservations", DateTimeOffset.UtcNow, Guid.NewGuid(), "{\"a\":1}"u8);
        var header = signed.ToHeader();

        Assert.True(SignedRequest.FromHeader(header, "POST", "/v1/reservations", "{\"a\":1}"u8).VerifiesWith(key.PublicKey));
        Assert.False(SignedRequest.FromHeader(header, "POST", "/v1/reservations", "{\"a\":2}"u8).VerifiesWith(key.PublicKey));
        Assert.False(SignedRequest.FromHeader(header, "PUT", "/v1/reservations", "{\"a\":1}"u8).VerifiesWith(key.PublicKey));
        Assert.False(SignedRequest.FromHeader(header, "POST", "/v1/reservations?x=1", "{\"a\":1}"u8).VerifiesWith(key.PublicKey));
    }

    // ---- strict parsing of the message ------------------------------------------------------------------------

    /// <summary>One rule of the canonical message per case: the vector's text broken in exactly that way.</summary>
    public static TheoryData<string, string> NonCanonicalMessages => new()
    {
        { "wrong magic", VectorMessage.Replace("hotline-request/v1", "hotline-request/v2", StringComparison.Ordinal) },
        { "two spaces between method and target", VectorMessage.Replace("POST /v1", "POST  /v1", StringComparison.Ordinal) },
        { "two spaces after a field name", VectorMessage.Replace("key 65b6", "key  65b6", StringComparison.Ordinal) },
        { "trailing space on a line", VectorMessage.Replace("created 1767225600\n", "created 1767225600 \n", StringComparison.Ordinal) },
        { "leading zero in created", VectorMessage.Replace("created 1767225600", "created 01767225600", StringComparison.Ordinal) },
        { "sign in created", VectorMessage.Replace("created 1767225600", "created +1767225600", StringComparison.Ordinal) },
        { "upper-case hex in the body digest", VectorMessage.Replace("body-sha256 4239e76c", "body-sha256 4239E76C", StringComparison.Ordinal) },
        { "upper-case hex in the key id", VectorMessage.Replace("key 65b60673d6ed884b", "key 65B60673D6ED884B", StringComparison.Ordinal) },
        { "upper-case nonce", VectorMessage.Replace("7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f", "7D1F0C2E-5B7A-4C3E-9F10-2A6B8C4D0E5F", StringComparison.Ordinal) },
        { "nonce without hyphens", VectorMessage.Replace("7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f", "7d1f0c2e5b7a4c3e9f102a6b8c4d0e5f", StringComparison.Ordinal) },
        { "nonce in braces", VectorMessage.Replace("7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f", "{7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f}", StringComparison.Ordinal) },
        { "nil nonce", VectorMessage.Replace("7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f", "00000000-0000-0000-0000-000000000000", StringComparison.Ordinal) },
        { "short key id", VectorMessage.Replace("key 65b60673d6ed884b", "key 65b60673d6ed884", StringComparison.Ordinal) },
        { "short body digest", VectorMessage.Replace("body-sha256 42", "body-sha256 ", StringComparison.Ordinal) },
        { "lower-case method", VectorMessage.Replace("POST /v1", "post /v1", StringComparison.Ordinal) },
        { "target not starting with a slash", VectorMessage.Replace("POST /v1", "POST v1", StringComparison.Ordinal) },
        { "space inside the target", VectorMessage.Replace("/v1/reservations", "/v1/reser vations", StringComparison.Ordinal) },
        { "missing nonce line", VectorMessage.Replace("nonce 7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f\n", "", StringComparison.Ordinal) },
        { "missing request line", VectorMessage.Replace("POST /v1/reservations\n", "", StringComparison.Ordinal) },
        { "lines out of order", VectorMessage.Replace("created 1767225600\nnonce 7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f\n", "nonce 7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f\ncreated 1767225600\n", StringComparison.Ordinal) },
        { "no final newline", VectorMessage[..^1] },
        { "a trailing newline", VectorMessage + "\n" },
        { "trailing bytes", VectorMessage + "x" },
        { "an extra line", VectorMessage + "extra 1\n" },
        { "CRLF line endings", VectorMessage.Replace("\n", "\r\n", StringComparison.Ordinal) },
        { "a byte-order mark", "\uFEFF" + VectorMessage },
    };

    [Fact]
    public void TheUnbrokenVectorMessageIsAccepted() =>
        Assert.Equal(VectorMessage, Encoding.UTF8.GetString(SignedRequest.FromMessage(Encoding.UTF8.GetBytes(VectorMessage), new byte[64]).Message));

    [Theory]
    [MemberData(nameof(NonCanonicalMessages))]
    public void ANonCanonicalMessageIsRefused(string rule, string message)
    {
        Assert.NotEqual(VectorMessage, message);
        var e = Assert.Throws<FormatException>(() => SignedRequest.FromMessage(Encoding.UTF8.GetBytes(message), new byte[64]));
        Assert.False(string.IsNullOrWhiteSpace(e.Message), rule);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    [InlineData(65)]
    public void ASignatureThatIsNot64BytesIsRefused(int length) =>
        Assert.Throws<FormatException>(() => SignedRequest.FromMessage(Encoding.UTF8.GetBytes(VectorMessage), new byte[length]));

    // ---- strict parsing of the header -------------------------------------------------------------------------

    private const string GoodSignature = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";

    private static string Header(string? keyId = "65b60673d6ed884b", string? created = "1767225600", string? nonce = "7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f", string? signature = GoodSignature, string extra = "")
    {
        var parts = new List<string>();
        if (keyId is not null)
        {
            parts.Add("keyid=" + keyId);
        }

        if (created is not null)
        {
            parts.Add("created=" + created);
        }

        if (nonce is not null)
        {
            parts.Add("nonce=" + nonce);
        }

        if (signature is not null)
        {
            parts.Add("signature=" + signature);
        }

        return string.Join(", ", parts) + extra;
    }

    public static TheoryData<string, string, string> MalformedHeaders => new()
    {
        { "no keyid", Header(keyId: null), "all required" },
        { "no created", Header(created: null), "all required" },
        { "no nonce", Header(nonce: null), "all required" },
        { "no signature", Header(signature: null), "all required" },
        { "empty", "", "expected keyid=" },
        { "keyid twice", Header(extra: ", keyid=65b60673d6ed884b"), "repeated parameter 'keyid'" },
        { "created twice", Header(extra: ", created=1767225600"), "repeated parameter 'created'" },
        { "nonce twice", Header(extra: ", nonce=7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f"), "repeated parameter 'nonce'" },
        { "signature twice", Header(extra: ", signature=" + GoodSignature), "repeated parameter 'signature'" },
        { "unknown parameter", Header(extra: ", alg=ed25519"), "unknown or repeated parameter 'alg'" },
        { "a part without '='", Header(extra: ", oops"), "expected keyid=" },
        { "signature not base64", Header(signature: "not*base64"), "signature is the standard base64 of 64 bytes" },
        { "signature of 63 bytes", Header(signature: Convert.ToBase64String(new byte[63])), "signature is the standard base64 of 64 bytes" },
        { "signature of 65 bytes", Header(signature: Convert.ToBase64String(new byte[65])), "signature is the standard base64 of 64 bytes" },
        { "keyid upper case", Header(keyId: "65B60673D6ED884B"), "keyid is 16 lower-case hex digits" },
        { "keyid too short", Header(keyId: "65b60673"), "keyid is 16 lower-case hex digits" },
        { "keyid not hex", Header(keyId: "65b60673d6ed884z"), "keyid is 16 lower-case hex digits" },
        { "created with a leading zero", Header(created: "01767225600"), "created is Unix seconds" },
        { "created negative", Header(created: "-1"), "created is Unix seconds" },
        { "created not a number", Header(created: "2026-01-01T00:00:00Z"), "created is Unix seconds" },
        { "nonce upper case", Header(nonce: "7D1F0C2E-5B7A-4C3E-9F10-2A6B8C4D0E5F"), "nonce is a non-nil UUID" },
        { "nonce nil", Header(nonce: "00000000-0000-0000-0000-000000000000"), "nonce is a non-nil UUID" },
    };

    [Fact]
    public void TheWellFormedHeaderOfTheseCasesIsAccepted() =>
        Assert.Equal("65b60673d6ed884b", SignedRequest.FromHeader(Header(), "POST", "/v1/reservations", VectorBody).KeyId);

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public void AMalformedHeaderIsRefusedSayingWhatIsWrong(string rule, string header, string detail)
    {
        var e = Assert.Throws<FormatException>(() => SignedRequest.FromHeader(header, "POST", "/v1/reservations", VectorBody));
        Assert.True(e.Message.Contains(detail, StringComparison.Ordinal), $"{rule}: '{e.Message}' does not say '{detail}'");
    }

    // ---- tampering never verifies -----------------------------------------------------------------------------

    private static readonly Gen<(byte[] Seed, string Method, string Target, long Created, Guid Nonce, byte[] Body)> Requests =
        Gen.Select(
            Gen.Byte.Array[32],
            Gen.OneOf("POST", "PUT", "DELETE", "PATCH"),
            Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_/?=&%"].Array[0, 40].Select(c => "/v1/" + new string(c)),
            Gen.Long[0, 253_402_300_799],
            Gen.Guid.Where(g => g != Guid.Empty),
            Gen.Byte.Array[0, 200]);

    private static SignedRequest Sign((byte[] Seed, string Method, string Target, long Created, Guid Nonce, byte[] Body) r, out PartyPublicKey publicKey)
    {
        using var key = PartySigningKey.FromSeed(Convert.ToBase64String(r.Seed));
        publicKey = key.PublicKey;
        return SignedRequest.Create(key, r.Method, r.Target, DateTimeOffset.FromUnixTimeSeconds(r.Created), r.Nonce, r.Body);
    }

    [Fact]
    public void EverySingleBitFlipOfASignedMessageEitherFailsToParseOrFailsToVerify()
    {
        var parsed = 0L;
        Requests.Sample(r =>
        {
            var signed = Sign(r, out var key);
            Assert.True(signed.VerifiesWith(key));
            for (var bit = 0; bit < signed.Message.Length * 8; bit++)
            {
                var flipped = signed.Message.ToArray();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                SignedRequest tampered;
                try
                {
                    tampered = SignedRequest.FromMessage(flipped, signed.Signature);
                }
                catch (FormatException)
                {
                    continue;
                }

                Interlocked.Increment(ref parsed);
                Assert.False(tampered.VerifiesWith(key), $"bit {bit} flipped still verifies");
            }
        }, iter: 20, threads: 1);

        // Many flips (a hex digit to another, a letter of the target) are still canonical: they must have been checked.
        Assert.True(parsed > 100, $"only {parsed} flipped messages parsed");
    }

    [Fact]
    public void EverySingleBitFlipOfASignatureFailsToVerify() =>
        Requests.Sample(r =>
        {
            var signed = Sign(r, out var key);
            for (var bit = 0; bit < 512; bit++)
            {
                var signature = signed.Signature.ToArray();
                signature[bit / 8] ^= (byte)(1 << (bit % 8));
                Assert.False(SignedRequest.FromMessage(signed.Message, signature).VerifiesWith(key), $"signature bit {bit} flipped still verifies");
            }
        }, iter: 10, threads: 1);

    [Fact]
    public void EverySingleBitFlipOfTheBodyMakesTheHeaderFailToVerify() =>
        Requests.Where(r => r.Body.Length > 0).Sample(r =>
        {
            var signed = Sign(r, out var key);
            for (var bit = 0; bit < r.Body.Length * 8; bit++)
            {
                var body = r.Body.ToArray();
                body[bit / 8] ^= (byte)(1 << (bit % 8));
                Assert.False(SignedRequest.FromHeader(signed.ToHeader(), r.Method, r.Target, body).VerifiesWith(key), $"body bit {bit} flipped still verifies");
            }
        }, iter: 10, threads: 1);
}
