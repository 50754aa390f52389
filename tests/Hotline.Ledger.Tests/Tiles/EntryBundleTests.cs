using CsCheck;

namespace Hotline.Ledger.Tests.Tiles;

public sealed class EntryBundleTests
{
    [Fact]
    public void EntriesAreLengthPrefixedBigEndian()
    {
        var bundle = EntryBundle.Encode([new byte[] { 1, 2, 3 }, Array.Empty<byte>(), new byte[300]]);
        Assert.Equal(new byte[] { 0, 3, 1, 2, 3, 0, 0, 1, 44 }, bundle[..9]);
        Assert.Equal(2 + 3 + 2 + 2 + 300, bundle.Length);
    }

    [Fact]
    public void AnyBundleRoundTrips() =>
        Gen.Byte.Array[0, 600].List[0, 256].Sample(entries =>
        {
            var bundle = EntryBundle.Encode([.. entries.Select(e => (ReadOnlyMemory<byte>)e)]);
            var decoded = EntryBundle.Decode(bundle);
            Assert.Equal(entries, decoded);
            if (entries.Count > 0)
            {
                Assert.Equal(entries, EntryBundle.Decode(bundle, entries.Count));
            }
        }, iter: 50);

    [Fact]
    public void EntriesBeyondTheUint16LengthAreRefused()
    {
        Assert.Throws<ArgumentException>(() => EntryBundle.Encode([new byte[65_536]]));
        Assert.Equal(65_537, EntryBundle.Encode([new byte[65_535]]).Length);
        Assert.Throws<ArgumentException>(() => EntryBundle.Encode([.. Enumerable.Repeat(ReadOnlyMemory<byte>.Empty, 257)]));
    }

    [Theory]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { 0, 3, 1, 2 })]
    [InlineData(new byte[] { 0, 1, 9, 0 })]
    [InlineData(new byte[] { 0, 1, 9, 0, 2, 1 })]
    [InlineData(new byte[] { 255, 255 })]
    public void TruncatedBundlesAreRefused(byte[] bundle) =>
        Assert.Throws<FormatException>(() => EntryBundle.Decode(bundle));

    [Fact]
    public void BundlesWithMoreOrFewerEntriesThanTheirWidthAreRefused()
    {
        var bundle = EntryBundle.Encode([new byte[] { 1 }, new byte[] { 2 }, new byte[] { 3 }]);
        Assert.Equal(3, EntryBundle.Decode(bundle, 3).Count);
        Assert.Contains("trailing bytes", Assert.Throws<FormatException>(() => EntryBundle.Decode(bundle, 2)).Message);
        Assert.Throws<FormatException>(() => EntryBundle.Decode(bundle, 4));
        var tooMany = new byte[257 * 2];
        Assert.Throws<FormatException>(() => EntryBundle.Decode(tooMany));
        Assert.Equal(256, EntryBundle.Decode(tooMany.AsSpan(2)).Count);
    }
}
