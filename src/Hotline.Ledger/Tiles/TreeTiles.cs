namespace Hotline.Ledger;

/// <summary>
/// Which C2SP tlog-tiles resources make up a tree, and which are new when it grows: what a mirror fetches and a
/// log writes.
/// </summary>
public static class TreeTiles
{
    /// <summary>
    /// The hash tiles of the tree of <paramref name="treeSize"/>: at each level, the full tiles and then the
    /// partial tile, if any (width ⌊size / 256^L⌋ mod 256), lowest level first.
    /// </summary>
    public static IReadOnlyList<TilePath> HashTiles(long treeSize) => NewHashTiles(0, treeSize);

    /// <summary>
    /// The hash tiles that the tree of <paramref name="newSize"/> has and the tree of <paramref name="oldSize"/>
    /// has not (a partial tile that grew counts as new), lowest level first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative or <paramref name="oldSize"/> exceeds <paramref name="newSize"/>.</exception>
    public static IReadOnlyList<TilePath> NewHashTiles(long oldSize, long newSize)
    {
        var tiles = new List<TilePath>();
        foreach (var (level, index, width) in NewTiles(TilePath.Height, oldSize, newSize))
        {
            tiles.Add(new TilePath(false, level, index, width));
        }

        return tiles;
    }

    /// <summary>The entry bundles of the tree of <paramref name="treeSize"/>: the full ones, then the partial one, if any.</summary>
    public static IReadOnlyList<TilePath> EntryBundles(long treeSize) => NewEntryBundles(0, treeSize);

    /// <summary>The entry bundles that the tree of <paramref name="newSize"/> has and the tree of <paramref name="oldSize"/> has not.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative or <paramref name="oldSize"/> exceeds <paramref name="newSize"/>.</exception>
    public static IReadOnlyList<TilePath> NewEntryBundles(long oldSize, long newSize)
    {
        var bundles = new List<TilePath>();
        foreach (var (level, index, width) in NewTiles(TilePath.Height, oldSize, newSize))
        {
            if (level > 0)
            {
                break;
            }

            bundles.Add(new TilePath(true, 0, index, width));
        }

        return bundles;
    }

    /// <summary>
    /// Tiles of any height (as golang.org/x/mod/sumdb/tlog.NewTiles, whose vectors use height 10): for each tree
    /// level h·L that changed, the full tiles from the old partial tile on, then the new partial tile.
    /// </summary>
    internal static List<(int Level, long Index, int Width)> NewTiles(int height, long oldSize, long newSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(oldSize);
        if (newSize < oldSize)
        {
            throw new ArgumentOutOfRangeException(nameof(newSize), newSize, $"new size {newSize} is below old size {oldSize}");
        }

        var tiles = new List<(int, long, int)>();
        for (var level = 0; height * level < 64 && newSize >> (height * level) > 0; level++)
        {
            var oldCount = oldSize >> (height * level);
            var newCount = newSize >> (height * level);
            if (oldCount == newCount)
            {
                continue;
            }

            for (var n = oldCount >> height; n < newCount >> height; n++)
            {
                tiles.Add((level, n, 1 << height));
            }

            var partial = newCount >> height;
            var width = (int)(newCount - (partial << height));
            if (width > 0)
            {
                tiles.Add((level, partial, width));
            }
        }

        return tiles;
    }
}
