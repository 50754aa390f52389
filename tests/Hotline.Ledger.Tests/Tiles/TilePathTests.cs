using System.Text.Json;
using CsCheck;

namespace Hotline.Ledger.Tests.Tiles;

public sealed class TilePathTests
{
    [Fact]
    public void TheC2spPathExampleEncodesAndParses()
    {
        using var json = TestVectors.Json("c2sp/spec_examples.json");
        var examples = json.RootElement.GetProperty("tlog_tiles").GetProperty("tile_path_examples").EnumerateArray().ToList();
        Assert.NotEmpty(examples);
        foreach (var example in examples)
        {
            var index = example.GetProperty("index").GetInt64();
            var element = example.GetProperty("path_elem").GetString()!;
            Assert.Equal($"tile/0/{element}", new TilePath(false, 0, index, 256).ToString());
            Assert.Equal($"tile/entries/{element}.p/3", new TilePath(true, 0, index, 3).ToString());
            Assert.True(TilePath.TryParse($"tile/2/{element}.p/17", out var tile));
            Assert.Equal(new TilePath(false, 2, index, 17), tile);
        }
    }

    /// <summary>
    /// Go's sumdb paths carry the tile height (tile/H/L/N); C2SP fixes H = 8 and drops it. Each Go case is
    /// translated by removing H, mapping W = 2^H to a full tile and level "data" to entries; the index encoding and
    /// the canonical-form rules are shared.
    /// </summary>
    [Fact]
    public void GoSumdbPathCasesAgreeOnceTheHeightIsDropped()
    {
        using var json = TestVectors.Json("go-sumdb/tlog_vectors.json");
        var cases = json.RootElement.GetProperty("go_tile_paths").GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(8, cases.Count);
        foreach (var c in cases)
        {
            var goPath = c[0].GetString()!;
            var parts = goPath.Split('/').ToList();
            parts.RemoveAt(1);
            var path = string.Join('/', parts).Replace("tile/data/", "tile/entries/", StringComparison.Ordinal);
            var parsed = TilePath.TryParse(path, out var tile);
            if (c[1].ValueKind == JsonValueKind.Null)
            {
                Assert.False(parsed, path);
                continue;
            }

            var fields = c[1].EnumerateArray().Select(f => f.GetInt64()).ToArray();
            var (h, l, n, w) = ((int)fields[0], (int)fields[1], fields[2], (int)fields[3]);
            var expected = new TilePath(l == -1, Math.Max(l, 0), n, w == 1 << h ? TilePath.FullWidth : w);
            Assert.True(parsed, path);
            Assert.Equal(expected, tile);
            Assert.Equal(path, tile.ToString());
        }
    }

    [Theory]
    [InlineData("tile/0/000", false, 0, 0L, 256)]
    [InlineData("tile/0/000.p/1", false, 0, 0L, 1)]
    [InlineData("tile/63/999.p/255", false, 63, 999L, 255)]
    [InlineData("tile/entries/x001/x234/067", true, 0, 1234067L, 256)]
    [InlineData("tile/1/x009/x223/x372/x036/x854/x775/807", false, 1, long.MaxValue, 256)]
    public void CanonicalPathsParseAndRoundTrip(string path, bool entries, int level, long index, int width)
    {
        Assert.True(TilePath.TryParse(path, out var tile));
        Assert.Equal(new TilePath(entries, level, index, width), tile);
        Assert.Equal(path, tile.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("tile")]
    [InlineData("tile/")]
    [InlineData("tile/0")]
    [InlineData("tile/0/")]
    [InlineData("/tile/0/000")]
    [InlineData("tiles/0/000")]
    [InlineData("tile/0/0")]
    [InlineData("tile/0/00")]
    [InlineData("tile/0/0000")]
    [InlineData("tile/0/x000")]
    [InlineData("tile/0/x000/001")]
    [InlineData("tile/0/001/234")]
    [InlineData("tile/0/x001/x234")]
    [InlineData("tile/0/x1/234")]
    [InlineData("tile/0/xx01/234")]
    [InlineData("tile/0/-01")]
    [InlineData("tile/0/+01")]
    [InlineData("tile/0/ 01")]
    [InlineData("tile/0/000/")]
    [InlineData("tile/00/000")]
    [InlineData("tile/01/000")]
    [InlineData("tile/64/000")]
    [InlineData("tile/-1/000")]
    [InlineData("tile/x/000")]
    [InlineData("tile/data/000")]
    [InlineData("tile/entry/000")]
    [InlineData("tile/0/000.p/256")]
    [InlineData("tile/0/000.p/0")]
    [InlineData("tile/0/000.p/01")]
    [InlineData("tile/0/000.p/")]
    [InlineData("tile/0/000.p/1000")]
    [InlineData("tile/0/000.p")]
    [InlineData("tile/0/000.P/5")]
    [InlineData("tile/0/000.p/5/6")]
    [InlineData("tile/0/x009/x223/x372/x036/x854/x775/808")]
    [InlineData("tile/0/x001/x000/x000/x000/x000/x000/x000/000")]
    [InlineData("tile/8/4/000")]
    public void NonCanonicalPathsAreRefused(string path)
    {
        Assert.False(TilePath.TryParse(path, out var tile));
        Assert.Equal(default, tile);
    }

    [Fact]
    public void InvalidTilesCannotBeConstructed()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TilePath(false, 64, 0, 256));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TilePath(false, -1, 0, 256));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TilePath(false, 0, -1, 256));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TilePath(false, 0, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TilePath(false, 0, 0, 257));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TilePath(true, 1, 0, 256));
        Assert.True(new TilePath(true, 0, 0, 256).IsFull);
        Assert.False(new TilePath(true, 0, 0, 255).IsFull);
    }

    [Fact]
    public void EveryValidTileRoundTripsThroughItsPath() =>
        Gen.Select(Gen.Bool, Gen.Int[0, 63], Gen.Long[0, long.MaxValue], Gen.Int[1, 256]).Sample(t =>
        {
            var tile = new TilePath(t.Item1, t.Item1 ? 0 : t.Item2, t.Item3, t.Item4);
            Assert.True(TilePath.TryParse(tile.ToString(), out var parsed));
            Assert.Equal(tile, parsed);
        });
}
