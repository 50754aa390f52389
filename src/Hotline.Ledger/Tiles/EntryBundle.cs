using System.Buffers.Binary;

namespace Hotline.Ledger;

/// <summary>
/// C2SP tlog-tiles entry bundles: up to 256 entries, each a big-endian uint16 length followed by that many bytes.
/// </summary>
public static class EntryBundle
{
    /// <summary>The longest entry a bundle can carry.</summary>
    public const int MaxEntryLength = ushort.MaxValue;

    /// <summary>Encodes <paramref name="entries"/> (at most 256, each at most 65,535 bytes) as one bundle.</summary>
    /// <exception cref="ArgumentException">Too many entries, or an entry too long for its uint16 length.</exception>
    public static byte[] Encode(IReadOnlyList<ReadOnlyMemory<byte>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count > TilePath.FullWidth)
        {
            throw new ArgumentException($"a bundle holds at most {TilePath.FullWidth} entries, not {entries.Count}", nameof(entries));
        }

        var total = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            var length = entries[i].Length;
            if (length > MaxEntryLength)
            {
                throw new ArgumentException($"entry {i} is {length} bytes; a bundle entry is at most {MaxEntryLength}", nameof(entries));
            }

            total += 2 + length;
        }

        var bundle = new byte[total];
        var offset = 0;
        foreach (var entry in entries)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bundle.AsSpan(offset), (ushort)entry.Length);
            entry.Span.CopyTo(bundle.AsSpan(offset + 2));
            offset += 2 + entry.Length;
        }

        return bundle;
    }

    /// <summary>Decodes a bundle of up to 256 entries.</summary>
    /// <exception cref="FormatException">The bundle is truncated (a length or an entry is cut short) or holds more than 256 entries.</exception>
    public static IReadOnlyList<byte[]> Decode(ReadOnlySpan<byte> bundle) => Decode(bundle, null);

    /// <summary>Decodes a bundle that must hold exactly <paramref name="width"/> entries (the width of its tile path).</summary>
    /// <exception cref="FormatException">The bundle is truncated, or has bytes after entry <paramref name="width"/>.</exception>
    public static IReadOnlyList<byte[]> Decode(ReadOnlySpan<byte> bundle, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, TilePath.FullWidth);
        return Decode(bundle, (int?)width);
    }

    private static List<byte[]> Decode(ReadOnlySpan<byte> bundle, int? width)
    {
        var limit = width ?? TilePath.FullWidth;
        var entries = new List<byte[]>();
        var offset = 0;
        while (offset < bundle.Length)
        {
            if (entries.Count == limit)
            {
                throw new FormatException(
                    $"{bundle.Length - offset} trailing bytes after entry {limit} at offset {offset}");
            }

            if (bundle.Length - offset < 2)
            {
                throw new FormatException($"bundle truncated: entry {entries.Count} has 1 of the 2 length bytes at offset {offset}");
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(bundle[offset..]);
            offset += 2;
            if (bundle.Length - offset < length)
            {
                throw new FormatException(
                    $"bundle truncated: entry {entries.Count} declares {length} bytes but {bundle.Length - offset} remain");
            }

            entries.Add(bundle.Slice(offset, length).ToArray());
            offset += length;
        }

        if (width is { } expected && entries.Count != expected)
        {
            throw new FormatException($"bundle truncated: it holds {entries.Count} entries, its tile has {expected}");
        }

        return entries;
    }
}
