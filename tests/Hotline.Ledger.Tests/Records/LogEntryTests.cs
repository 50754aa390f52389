using System.Text;
using CsCheck;

namespace Hotline.Ledger.Tests.Records;

public sealed class LogEntryTests
{
    // ---- the frozen vectors -----------------------------------------------------------------------------------
    // These vectors must never change: an entry's bytes are the Merkle leaf, so every auditor recomputes exactly
    // them. Changing one is a format change: bump LogEntry.Magic to v2 and add new vectors.
    // The signed request inside is the one frozen in SignedRequestTests (seed 0x01..0x20). The leaf hashes were
    // cross-checked outside .NET: `(printf '\0'; cat entry) | sha256sum`.

    private static readonly string Seed = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeMilliseconds(1767225600123);

    private const string Signature = "UdOToXBag3dNQfBribS8jPQ++vsL67wTFVi3xJfAfsPqDOs2RgZZf5gFct/NzQHH6fDf+IsCZhu87sNPT1YsCQ==";

    private const string Message =
        "hotline-request/v1\n" +
        "POST /v1/reservations\n" +
        "key 65b60673d6ed884b\n" +
        "created 1767225600\n" +
        "nonce 7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f\n" +
        "body-sha256 4239e76ca00434710d7211f8a90ee330e59e27b2297a2b6e651b21d3d11c1833\n";

    private const string FiledEntry =
        "hotline-entry/v1\n" +
        "time 1767225600123\n" +
        "party 3\n" +
        "kind reservation.filed\n" +
        "subject 0199aa00-0000-7000-8000-000000000001\n" +
        "version 1\n" +
        "signature " + Signature + "\n" +
        "\n" +
        Message;

    private const string FiledLeafHash = "2e862ae3f063a9c084f50cde49c2977a611d6aa74d2dbe039b41c5be532d8e56";

    private const string KeyEntry =
        "hotline-entry/v1\n" +
        "time 1767225600123\n" +
        "party 0\n" +
        "kind operator.key\n" +
        "subject operator\n" +
        "version 1\n" +
        "public-key ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=\n" +
        "signature " + Signature + "\n" +
        "\n" +
        Message;

    private const string KeyLeafHash = "5b589c40a68e5b234d33e7db21d07ff6241e05f2a6c2d94a4616ba2a3d671067";

    private static SignedRequest Request()
    {
        using var key = PartySigningKey.FromSeed(Seed);
        return SignedRequest.Create(key, "POST", "/v1/reservations", DateTimeOffset.FromUnixTimeSeconds(1767225600), Guid.Parse("7d1f0c2e-5b7a-4c3e-9f10-2a6b8c4d0e5f"), """{"extents":[]}"""u8);
    }

    private static LogEntry Filed() =>
        new(Time, 3, EntryKinds.ReservationFiled, "0199aa00-0000-7000-8000-000000000001", 1, null, Request());

    private static LogEntry OperatorKey()
    {
        using var key = PartySigningKey.FromSeed(Seed);
        return new(Time, LogEntry.OperatorParty, EntryKinds.OperatorKey, "operator", 1, key.PublicKey, Request());
    }

    [Fact]
    public void TheFrozenEntryWithoutAKeyIsExactlyTheDocumentedText() =>
        Assert.Equal(FiledEntry, Encoding.UTF8.GetString(Filed().Encode()));

    [Fact]
    public void TheFrozenEntryWithAKeyIsExactlyTheDocumentedText() =>
        Assert.Equal(KeyEntry, Encoding.UTF8.GetString(OperatorKey().Encode()));

    [Fact]
    public void TheFrozenEntriesLeafHashesAreUnchanged()
    {
        Assert.Equal(FiledLeafHash, Rfc9162.LeafHash(Encoding.UTF8.GetBytes(FiledEntry)).ToHex());
        Assert.Equal(KeyLeafHash, Rfc9162.LeafHash(Encoding.UTF8.GetBytes(KeyEntry)).ToHex());
    }

    [Fact]
    public void TheFrozenEntryDecodesToItsFieldsAndItsRequestVerifies()
    {
        var entry = LogEntry.Decode(Encoding.UTF8.GetBytes(KeyEntry));

        Assert.Equal((Time, 0, "operator.key", "operator", 1L), (entry.Time, entry.Party, entry.Kind, entry.Subject, entry.Version));
        Assert.Equal("ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=", entry.PublicKey!.ToBase64());
        Assert.Equal(Message, Encoding.UTF8.GetString(entry.Request.Message));
        Assert.True(entry.Request.VerifiesWith(entry.PublicKey));
    }

    // ---- round trips ------------------------------------------------------------------------------------------

    [Fact]
    public void AnEntryWithoutAKeyRoundTripsToTheSameBytesAndFields()
    {
        var bytes = Filed().Encode();
        var decoded = LogEntry.Decode(bytes);

        Assert.Equal(bytes, decoded.Encode());
        Assert.Equal((Time, 3, EntryKinds.ReservationFiled, "0199aa00-0000-7000-8000-000000000001", 1L), (decoded.Time, decoded.Party, decoded.Kind, decoded.Subject, decoded.Version));
        Assert.Null(decoded.PublicKey);
        Assert.Equal(Request().Message, decoded.Request.Message);
        Assert.Equal(Request().Signature, decoded.Request.Signature);
    }

    [Fact]
    public void AnEntryWithAKeyRoundTripsToTheSameBytesAndKey()
    {
        var entry = OperatorKey();
        var decoded = LogEntry.Decode(entry.Encode());

        Assert.Equal(entry.Encode(), decoded.Encode());
        Assert.Equal(entry.PublicKey, decoded.PublicKey);
    }

    [Fact]
    public void AnyEntryRoundTrips() =>
        Gen.Select(
            Gen.Long[0, 253_402_300_799_999],
            Gen.Int[0, int.MaxValue],
            Gen.Char['!', '~'].Array[1, 100].Select(c => new string(c)),
            Gen.Char['!', '~'].Array[1, 100].Select(c => new string(c)),
            Gen.Long[0, long.MaxValue],
            Gen.Bool,
            Gen.Byte.Array[0, 64]).Sample((ms, party, kind, subject, version, withKey, body) =>
        {
            using var key = PartySigningKey.Generate();
            var request = SignedRequest.Create(key, "POST", "/v1/x", DateTimeOffset.UtcNow, Guid.NewGuid(), body);
            var entry = new LogEntry(DateTimeOffset.FromUnixTimeMilliseconds(ms), party, kind, subject, version, withKey ? key.PublicKey : null, request);
            var bytes = entry.Encode();

            var decoded = LogEntry.Decode(bytes);

            Assert.Equal(bytes, decoded.Encode());
            Assert.Equal((entry.Time, entry.Party, entry.Kind, entry.Subject, entry.Version, entry.PublicKey), (decoded.Time, decoded.Party, decoded.Kind, decoded.Subject, decoded.Version, decoded.PublicKey));
            Assert.True(decoded.Request.VerifiesWith(key.PublicKey));
        }, iter: 200, threads: 1);

    // ---- strict decoding --------------------------------------------------------------------------------------

    private static string Break(string from, string to)
    {
        Assert.Contains(from, KeyEntry, StringComparison.Ordinal);
        return KeyEntry.Replace(from, to, StringComparison.Ordinal);
    }

    /// <summary>One rule of the canonical entry per case: the vector's text broken in exactly that way.</summary>
    public static TheoryData<string, string> NonCanonicalEntries => new()
    {
        { "wrong magic", Break("hotline-entry/v1", "hotline-entry/v2") },
        { "two spaces after a field name", Break("party 0", "party  0") },
        { "trailing space on a header line", Break("version 1\n", "version 1 \n") },
        { "leading zero in the party", Break("party 0", "party 00") },
        { "leading zero in the time", Break("time 1767225600123", "time 01767225600123") },
        { "leading zero in the version", Break("version 1", "version 01") },
        { "negative version", Break("version 1", "version -1") },
        { "signed version", Break("version 1", "version +1") },
        { "version of 20 digits", Break("version 1", "version 10000000000000000000") },
        { "missing kind line", Break("kind operator.key\n", "") },
        { "missing time line", Break("time 1767225600123\n", "") },
        { "missing signature line", Break("signature " + Signature + "\n", "") },
        { "kind and subject swapped", Break("kind operator.key\nsubject operator\n", "subject operator\nkind operator.key\n") },
        { "public key after the signature", Break("public-key ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=\nsignature " + Signature + "\n", "signature " + Signature + "\npublic-key ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=\n") },
        { "an unknown header line", Break("version 1\n", "version 1\nnote hello\n") },
        { "public key not 32 bytes", Break("public-key ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=", "public-key AAAA") },
        { "signature without padding", Break("CQ==\n", "CQ\n") },
        { "signature with a space", Break("signature UdOT", "signature UdOT ") },
        { "signature of 63 bytes", Break("signature " + Signature, "signature " + Convert.ToBase64String(Convert.FromBase64String(Signature)[..63])) },
        { "no blank line before the request", Break("\n\nhotline-request", "\nhotline-request") },
        { "two blank lines before the request", Break("\n\nhotline-request", "\n\n\nhotline-request") },
        { "upper-case hex in the request", Break("body-sha256 4239e76c", "body-sha256 4239E76C") },
        { "request missing a line", Break("created 1767225600\n", "") },
        { "trailing bytes", KeyEntry + "x" },
        { "a trailing newline", KeyEntry + "\n" },
        { "CRLF line endings", KeyEntry.Replace("\n", "\r\n", StringComparison.Ordinal) },
        { "truncated", KeyEntry[..^10] },
        { "empty", "" },
    };

    [Theory]
    [MemberData(nameof(NonCanonicalEntries))]
    public void ANonCanonicalEntryIsRefused(string rule, string text)
    {
        var e = Assert.Throws<FormatException>(() => LogEntry.Decode(Encoding.UTF8.GetBytes(text)));
        Assert.False(string.IsNullOrWhiteSpace(e.Message), rule);
    }

    /// <summary>Header values that the format cannot hold: Decode must still say FormatException, since the input
    /// is untrusted bytes from a log.</summary>
    public static TheoryData<string, string> UnrepresentableEntries => new()
    {
        { "party beyond a 32-bit number", Break("party 0", "party 9999999999") },
        { "time beyond year 9999", Break("time 1767225600123", "time 999999999999999999") },
        { "empty subject", Break("subject operator", "subject ") },
        { "subject with a space", Break("subject operator", "subject oper ator") },
    };

    [Theory]
    [MemberData(nameof(UnrepresentableEntries))]
    public void AnEntryWhoseHeaderValueCannotBeRepresentedIsRefusedAsMalformed(string rule, string text)
    {
        var e = Assert.Throws<FormatException>(() => LogEntry.Decode(Encoding.UTF8.GetBytes(text)));
        Assert.False(string.IsNullOrWhiteSpace(e.Message), rule);
    }

    [Theory]
    [InlineData("")]
    [InlineData("reservation filed")]
    [InlineData("reservation\nfiled")]
    [InlineData("réservation")]
    public void AKindThatIsNotOnePrintableAsciiTokenCannotBeEncoded(string kind) =>
        Assert.Throws<ArgumentException>(() => new LogEntry(Time, 1, kind, "s", 1, null, Request()).Encode());

    [Fact]
    public void ASubjectOfMoreThan100CharactersCannotBeEncoded()
    {
        Assert.Equal(100, LogEntry.Decode(new LogEntry(Time, 1, "k", new string('s', 100), 1, null, Request()).Encode()).Subject.Length);
        Assert.Throws<ArgumentException>(() => new LogEntry(Time, 1, "k", new string('s', 101), 1, null, Request()).Encode());
    }

    [Fact]
    public void EverySingleBitFlipOfAnEntryEitherFailsToDecodeOrDecodesToExactlyTheFlippedBytes() => FlipEveryBit(0);

    [Fact]
    public void EverySingleBitFlipOfTheSignedRequestInAnEntryEitherFailsToDecodeOrFailsToVerify() =>
        FlipEveryBit(KeyEntry.IndexOf("signature ", StringComparison.Ordinal));

    /// <summary>Flips each bit of the frozen key entry from <paramref name="from"/> on: the result must fail to decode,
    /// or decode canonically (to exactly the flipped bytes) with a request that no longer verifies.</summary>
    private static void FlipEveryBit(int from)
    {
        var bytes = OperatorKey().Encode();
        var key = OperatorKey().PublicKey!;
        var decodedCount = 0;
        for (var bit = from * 8; bit < bytes.Length * 8; bit++)
        {
            var flipped = bytes.ToArray();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            LogEntry decoded;
            try
            {
                decoded = LogEntry.Decode(flipped);
            }
            catch (FormatException)
            {
                continue;
            }

            decodedCount++;
            Assert.Equal(flipped, decoded.Encode());
            var requestIntact = decoded.Request.Message.AsSpan().SequenceEqual(Request().Message) && decoded.Request.Signature.AsSpan().SequenceEqual(Request().Signature);
            if (!requestIntact)
            {
                Assert.False(decoded.Request.VerifiesWith(key), $"bit {bit} flipped in the request still verifies");
            }
        }

        // Flipping a hex digit into another one keeps the entry canonical: such entries must have been checked.
        Assert.True(decodedCount > 10, $"only {decodedCount} flipped entries decoded");
    }
}
