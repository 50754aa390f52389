using System.Text;

namespace Hotline.Ledger;

/// <summary>
/// The body of a C2SP tlog-checkpoint: origin, tree size and RFC 6962 root hash, then optional extension lines.
/// Construction validates, so an instance always formats to a body that <see cref="Parse"/> accepts.
/// </summary>
/// <param name="Origin">The log identity: non-empty, no newline (spaces are allowed: Rekor v1 uses them).</param>
/// <param name="Size">The number of leaves, zero or more.</param>
/// <param name="Root">The root hash at <paramref name="Size"/>.</param>
/// <param name="Extensions">Opaque non-empty extension lines (not recommended by the spec; Rekor v1 has one).</param>
public sealed record Checkpoint(string Origin, long Size, Hash Root, IReadOnlyList<string> Extensions)
{
    /// <summary>The origin line.</summary>
    public string Origin { get; init => field = ValidOrigin(value); } = ValidOrigin(Origin);

    /// <summary>The tree size.</summary>
    public long Size { get; init => field = ValidSize(value); } = ValidSize(Size);

    /// <summary>The extension lines, possibly none.</summary>
    public IReadOnlyList<string> Extensions { get; init => field = ValidExtensions(value); } = ValidExtensions(Extensions);

    /// <summary>A checkpoint without extension lines.</summary>
    public Checkpoint(string origin, long size, Hash root)
        : this(origin, size, root, [])
    {
    }

    /// <summary>Parses a checkpoint body strictly (every line newline-terminated, canonical size and hash).</summary>
    /// <exception cref="FormatException">The text is not a checkpoint body.</exception>
    public static Checkpoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.EndsWith('\n'))
        {
            throw new FormatException("checkpoint: the body must end in a newline");
        }

        if (!NoteEncoding.IsValidNoteText(text))
        {
            throw new FormatException("checkpoint: control characters other than newline");
        }

        var lines = text[..^1].Split('\n');
        if (lines.Length < 3)
        {
            throw new FormatException("checkpoint: expected origin, tree size and root hash lines");
        }

        if (lines[0].Length == 0)
        {
            throw new FormatException("checkpoint: empty origin");
        }

        if (!NoteEncoding.TryParseDecimal(lines[1], out var size))
        {
            throw new FormatException("checkpoint: the tree size is not a decimal without leading zeroes");
        }

        if (!NoteEncoding.TryDecodeBase64(lines[2], out var root) || root.Length != Hash.Size)
        {
            throw new FormatException("checkpoint: the root hash is not the base64 of 32 bytes");
        }

        var extensions = lines[3..];
        if (extensions.Any(line => line.Length == 0))
        {
            throw new FormatException("checkpoint: empty extension line");
        }

        return new Checkpoint(lines[0], size, new Hash(root), extensions);
    }

    /// <summary>The exact checkpoint body, every line ending in a newline.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder()
            .Append(Origin).Append('\n')
            .Append(NoteEncoding.Decimal(Size)).Append('\n')
            .Append(Root.ToBase64()).Append('\n');
        foreach (var line in Extensions)
        {
            builder.Append(line).Append('\n');
        }

        return builder.ToString();
    }

    /// <inheritdoc />
    public bool Equals(Checkpoint? other) =>
        other is not null && Origin == other.Origin && Size == other.Size && Root == other.Root
        && Extensions.SequenceEqual(other.Extensions);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Origin, Size, Root, Extensions.Count);

    private static long ValidSize(long size) =>
        size >= 0 ? size : throw new ArgumentOutOfRangeException(nameof(Size), size, "a tree size is not negative");

    private static string ValidOrigin(string origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        if (origin.Length == 0 || origin.Contains('\n', StringComparison.Ordinal) || !NoteEncoding.IsValidNoteText(origin))
        {
            throw new ArgumentException("a checkpoint origin is one non-empty line without control characters", nameof(Origin));
        }

        return origin;
    }

    private static IReadOnlyList<string> ValidExtensions(IReadOnlyList<string> extensions)
    {
        ArgumentNullException.ThrowIfNull(extensions);
        foreach (var line in extensions)
        {
            if (string.IsNullOrEmpty(line) || line.Contains('\n', StringComparison.Ordinal) || !NoteEncoding.IsValidNoteText(line))
            {
                throw new ArgumentException("an extension line is non-empty, without newline or control characters", nameof(Extensions));
            }
        }

        return extensions.ToArray();
    }
}
