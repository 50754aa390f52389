using System.Globalization;
using System.Text;

namespace Hotline.Ledger;

/// <summary>
/// A C2SP tlog-tiles resource (https://c2sp.org/tlog-tiles): a hash tile <c>tile/L/N[.p/W]</c> or an entry
/// bundle <c>tile/entries/N[.p/W]</c>. Tiles have height 8: a hash tile at level L holds up to 256 hashes of
/// tree level 8·L; a bundle holds up to 256 entries.
/// </summary>
/// <param name="IsEntries">An entry bundle rather than a hash tile.</param>
/// <param name="Level">The tile level, 0..63; always 0 for entry bundles.</param>
/// <param name="Index">The tile index N, ≥ 0.</param>
/// <param name="Width">The number of hashes or entries, 1..256; 256 is a full tile, less is a partial one (<c>.p/W</c>).</param>
public readonly record struct TilePath(bool IsEntries, int Level, long Index, int Width)
{
    /// <summary>The tile height: a hash tile at level L holds hashes of tree level <see cref="Height"/>·L.</summary>
    public const int Height = 8;

    /// <summary>The width of a full tile.</summary>
    public const int FullWidth = 1 << Height;

    /// <summary>The highest tile level.</summary>
    public const int MaxLevel = 63;

    // Path digits come in groups of three; a long has at most 19 digits, so at most 7 groups.
    private const int MaxGroups = 7;

    /// <summary>The tile level, 0..63; always 0 for entry bundles.</summary>
    public int Level { get; } = IsEntries
        ? (Level == 0 ? 0 : throw new ArgumentOutOfRangeException(nameof(Level), Level, "an entry bundle has level 0"))
        : (Level is >= 0 and <= MaxLevel ? Level : throw new ArgumentOutOfRangeException(nameof(Level), Level, $"tile level {Level} is not between 0 and {MaxLevel}"));

    /// <summary>The tile index N, ≥ 0.</summary>
    public long Index { get; } = Index >= 0 ? Index : throw new ArgumentOutOfRangeException(nameof(Index), Index, $"tile index {Index} is negative");

    /// <summary>The number of hashes or entries, 1..256.</summary>
    public int Width { get; } = Width is >= 1 and <= FullWidth
        ? Width
        : throw new ArgumentOutOfRangeException(nameof(Width), Width, $"tile width {Width} is not between 1 and {FullWidth}");

    /// <summary>Whether this is a full tile (256 wide) rather than a partial one.</summary>
    public bool IsFull => Width == FullWidth;

    /// <summary>The canonical path: <c>tile/L/N[.p/W]</c> or <c>tile/entries/N[.p/W]</c>, N in 3-digit groups (1234067 → x001/x234/067).</summary>
    public override string ToString()
    {
        var builder = new StringBuilder("tile/", 40);
        if (IsEntries)
        {
            builder.Append("entries");
        }
        else
        {
            builder.Append(Level.ToString(CultureInfo.InvariantCulture));
        }

        builder.Append('/');
        AppendIndex(builder, Index);
        if (!IsFull)
        {
            builder.Append(".p/").Append(Width.ToString(CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    /// <summary>
    /// Parses a canonical tile path (starting at <c>tile/</c>). Anything that <see cref="ToString"/> would not
    /// produce is refused: missing or extra <c>x</c> prefixes, groups that are not 3 digits, leading zeros in the
    /// level or width, <c>.p/256</c>, <c>.p/0</c>, levels beyond 63.
    /// </summary>
    public static bool TryParse(string? path, out TilePath tile)
    {
        tile = default;
        if (path is null || !path.StartsWith("tile/", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = path.Split('/');
        var isEntries = parts[1] == "entries";
        var level = 0;
        if (!isEntries && (!TryParseSmall(parts[1], out level) || level > MaxLevel))
        {
            return false;
        }

        var last = parts.Length;
        var width = FullWidth;
        if (parts.Length >= 4 && parts[^2].EndsWith(".p", StringComparison.Ordinal))
        {
            if (!TryParseSmall(parts[^1], out width) || width is < 1 or >= FullWidth)
            {
                return false;
            }

            parts[^2] = parts[^2][..^2];
            last--;
        }

        var groups = last - 2;
        if (groups is < 1 or > MaxGroups)
        {
            return false;
        }

        long index = 0;
        for (var i = 2; i < last; i++)
        {
            var group = parts[i];
            var digits = i < last - 1 ? (group.StartsWith('x') ? group[1..] : null) : group;
            if (digits is not { Length: 3 } || !TryParseSmall(digits, out var value, allowLeadingZeros: true))
            {
                return false;
            }

            if (index > (long.MaxValue - value) / 1000)
            {
                return false;
            }

            index = (index * 1000) + value;
        }

        tile = new TilePath(isEntries, level, index, width);

        // The round trip is the final word on canonical form, as in golang.org/x/mod/sumdb/tlog.
        if (tile.ToString() != path)
        {
            tile = default;
            return false;
        }

        return true;
    }

    private static void AppendIndex(StringBuilder builder, long index)
    {
        Span<int> groups = stackalloc int[MaxGroups];
        var count = 0;
        do
        {
            groups[count++] = (int)(index % 1000);
            index /= 1000;
        }
        while (index > 0);

        for (var i = count - 1; i > 0; i--)
        {
            builder.Append('x').Append(groups[i].ToString("D3", CultureInfo.InvariantCulture)).Append('/');
        }

        builder.Append(groups[0].ToString("D3", CultureInfo.InvariantCulture));
    }

    /// <summary>ASCII digits only (no sign, no spaces), at most 3 of them, no leading zero unless allowed.</summary>
    private static bool TryParseSmall(string text, out int value, bool allowLeadingZeros = false)
    {
        value = 0;
        if (text.Length is 0 or > 3 || (!allowLeadingZeros && text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
