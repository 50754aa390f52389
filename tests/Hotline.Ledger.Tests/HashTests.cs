namespace Hotline.Ledger.Tests;

public sealed class HashTests
{
    [Fact]
    public void EmptyIsTheSha256OfTheEmptyString() =>
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Hash.Empty.ToHex());

    [Fact]
    public void Base64AndHexRoundTrip()
    {
        var hash = Hash.Of("hotline"u8);
        Assert.Equal(hash, Hash.FromBase64(hash.ToBase64()));
        Assert.Equal(hash, Hash.FromHex(hash.ToHex()));
        Assert.NotEqual(hash, Hash.Empty);
    }

    [Theory]
    [InlineData("")]
    [InlineData("AAAA")]
    [InlineData("not base64!")]
    public void MalformedBase64IsRefused(string text) => Assert.Throws<FormatException>(() => Hash.FromBase64(text));
}
