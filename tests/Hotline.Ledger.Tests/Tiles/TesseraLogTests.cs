using System.Globalization;

namespace Hotline.Ledger.Tests.Tiles;

/// <summary>A real 15-entry tlog-tiles log written by Tessera: its bundles, hash tiles and checkpoint roots.</summary>
public sealed class TesseraLogTests
{
    private const string Log = "tessera-testdata-log/log";

    [Fact]
    public void EveryEntryBundleDecodesToTheLoggedEntries()
    {
        var entries = Entries();
        var files = TestVectors.Files($"{Log}/tile/entries", "*").ToList();
        Assert.Equal(15, files.Count);
        foreach (var file in files)
        {
            Assert.True(TilePath.TryParse(file[(Log.Length + 1)..], out var tile), file);
            Assert.True(tile.IsEntries);
            var bundle = File.ReadAllBytes(TestVectors.PathOf(file));
            var decoded = EntryBundle.Decode(bundle, tile.Width);
            Assert.Equal(entries.Take(tile.Width), decoded);
            Assert.Equal(bundle, EntryBundle.Encode([.. decoded.Select(e => (ReadOnlyMemory<byte>)e)]));
        }
    }

    [Fact]
    public void EveryHashTileMatchesTheRebuiltTreeByteForByte()
    {
        var tree = Rebuild();
        var files = TestVectors.Files($"{Log}/tile/0", "*").ToList();
        Assert.Equal(15, files.Count);
        foreach (var file in files)
        {
            Assert.True(TilePath.TryParse(file[(Log.Length + 1)..], out var tile), file);
            Assert.False(tile.IsEntries);
            var want = File.ReadAllBytes(TestVectors.PathOf(file));
            var got = new byte[tile.Width * Hash.Size];
            Assert.Equal(want.Length, tree.ReadTile(tile.Level, tile.Index, tile.Width, got));
            Assert.Equal(want, got);
        }

        // A mirror of the size-15 tree needs exactly the widest tile and bundle.
        Assert.Equal([new TilePath(false, 0, 0, 15)], TreeTiles.HashTiles(15));
        Assert.Equal([new TilePath(true, 0, 0, 15)], TreeTiles.EntryBundles(15));
    }

    [Fact]
    public void EveryCheckpointRootIsTheRootOfTheRebuiltTreeAtItsSize()
    {
        var tree = Rebuild();
        var files = TestVectors.Files(Log, "checkpoint*").ToList();
        Assert.Equal(17, files.Count);
        var sizes = new HashSet<long>();
        foreach (var file in files)
        {
            // Only the body's size and root lines; the signature is the signed-note code's business.
            var lines = File.ReadAllText(TestVectors.PathOf(file)).Split('\n');
            Assert.Equal("example.com/log/testdata", lines[0]);
            var size = long.Parse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture);
            if (Path.GetExtension(file) is { Length: > 1 } suffix)
            {
                Assert.Equal(suffix[1..], lines[1]);
            }

            Assert.Equal(Hash.FromBase64(lines[2]), tree.Root(size));
            sizes.Add(size);
        }

        Assert.Equal(16, sizes.Count);
    }

    private static List<byte[]> Entries()
    {
        using var json = TestVectors.Json("tessera-testdata-log/keys_and_entries.json");
        var entries = json.RootElement.GetProperty("entries_in_order_utf8").EnumerateArray()
            .Select(e => System.Text.Encoding.UTF8.GetBytes(e.GetString()!)).ToList();
        Assert.Equal(15, entries.Count);
        return entries;
    }

    private static MerkleTree Rebuild()
    {
        var tree = new MerkleTree();
        foreach (var entry in Entries())
        {
            tree.Append(Rfc9162.LeafHash(entry));
        }

        return tree;
    }
}
