using CsCheck;

namespace Hotline.Ledger.Tests.Tiles;

public sealed class TreeTilesTests
{
    [Fact]
    public void TheC2spSizeExamplesListTheSameTiles()
    {
        using var json = TestVectors.Json("c2sp/spec_examples.json");
        var examples = json.RootElement.GetProperty("tlog_tiles").GetProperty("size_examples").EnumerateArray().ToList();
        Assert.Equal(2, examples.Count);

        // The examples are prose; these are the same statements as data.
        var expected = new Dictionary<long, string>
        {
            [70_000] = "273 full level-0, partial level-0 width 112, 1 full level-1, partial level-1 width 17, partial level-2 width 1",
            [256] = "1 full level-0 tile, partial level-1 tile width 1",
        };
        foreach (var example in examples)
        {
            var size = example.GetProperty("tree_size").GetInt64();
            Assert.Equal(expected[size], example.GetProperty("tiles").GetString());
        }

        var tiles70000 = TreeTiles.HashTiles(70_000);
        Assert.Equal(273 + 1 + 1 + 1 + 1, tiles70000.Count);
        Assert.Equal(273, tiles70000.Count(t => t.Level == 0 && t.IsFull));
        Assert.Equal([new TilePath(false, 0, 273, 112)], tiles70000.Where(t => t.Level == 0 && !t.IsFull));
        Assert.Equal([new TilePath(false, 1, 0, 256), new TilePath(false, 1, 1, 17)], tiles70000.Where(t => t.Level == 1));
        Assert.Equal([new TilePath(false, 2, 0, 1)], tiles70000.Where(t => t.Level == 2));
        Assert.Equal(Enumerable.Range(0, 273).Select(i => (long)i), tiles70000.Where(t => t.Level == 0 && t.IsFull).Select(t => t.Index));

        Assert.Equal([new TilePath(false, 0, 0, 256), new TilePath(false, 1, 0, 1)], TreeTiles.HashTiles(256));
        Assert.Empty(TreeTiles.HashTiles(0));
    }

    [Fact]
    public void EntryBundlesAreTheFullBundlesThenThePartialOne()
    {
        var bundles = TreeTiles.EntryBundles(70_000);
        Assert.Equal(274, bundles.Count);
        Assert.All(bundles, b => Assert.True(b.IsEntries));
        Assert.Equal(new TilePath(true, 0, 273, 112), bundles[^1]);
        Assert.Equal([new TilePath(true, 0, 0, 15)], TreeTiles.EntryBundles(15));
        Assert.Equal([new TilePath(true, 0, 0, 15)], TreeTiles.NewEntryBundles(3, 15));
        Assert.Equal([new TilePath(true, 0, 1, 256), new TilePath(true, 0, 2, 4)], TreeTiles.NewEntryBundles(300, 516));
        Assert.Empty(TreeTiles.NewEntryBundles(512, 512));
    }

    [Fact]
    public void NewTilesMatchGoSumdbForTileHeightTen()
    {
        using var json = TestVectors.Json("go-sumdb/tlog_vectors.json");
        var cases = json.RootElement.GetProperty("new_tiles").GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(7, cases.Count);
        foreach (var c in cases)
        {
            var (oldSize, newSize, count) = (c[0].GetInt64(), c[1].GetInt64(), c[2].GetInt32());
            Assert.Equal(count, TreeTiles.NewTiles(10, oldSize, newSize).Count);
        }
    }

    [Fact]
    public void GrowingATreeAddsExactlyTheTilesItDidNotHave() =>
        Gen.Select(Gen.Long[0, 20_000_000], Gen.Long[0, 200_000]).Sample(x =>
        {
            var (oldSize, growth) = x;
            var before = TreeTiles.HashTiles(oldSize).ToHashSet();
            var after = TreeTiles.HashTiles(oldSize + growth).ToHashSet();
            var added = TreeTiles.NewHashTiles(oldSize, oldSize + growth);
            Assert.Equal(after.Except(before).OrderBy(t => (t.Level, t.Index)), added.OrderBy(t => (t.Level, t.Index)));
        }, iter: 200);

    [Fact]
    public void ShrinkingIsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TreeTiles.NewHashTiles(10, 9));
}
