using System.Buffers;
using System.Security.Cryptography;

namespace Hotline.Ledger;

/// <summary>The RFC 9162 §2.1.1 hashes: leaves and interior nodes are domain-separated by a prefix byte.</summary>
public static class Rfc9162
{
    // Entries up to this size are hashed from a stack buffer; larger ones borrow a pooled array, so no call allocates.
    private const int StackLimit = 1024;

    /// <summary>SHA-256(0x00 || <paramref name="entry"/>): the hash of one log entry.</summary>
    public static Hash LeafHash(ReadOnlySpan<byte> entry)
    {
        var length = entry.Length + 1;
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            buffer[0] = 0x00;
            entry.CopyTo(buffer[1..]);
            Span<byte> digest = stackalloc byte[Hash.Size];
            SHA256.HashData(buffer[..length], digest);
            return new Hash(digest);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>SHA-256(0x01 || <paramref name="left"/> || <paramref name="right"/>): the hash of an interior node.</summary>
    public static Hash NodeHash(in Hash left, in Hash right)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * Hash.Size)];
        buffer[0] = 0x01;
        left.Span.CopyTo(buffer[1..]);
        right.Span.CopyTo(buffer[(1 + Hash.Size)..]);
        Span<byte> digest = stackalloc byte[Hash.Size];
        SHA256.HashData(buffer, digest);
        return new Hash(digest);
    }

    /// <summary>
    /// The node hash over children of any length. Only for known-answer vectors whose children are not 32 bytes;
    /// a tree never has such children.
    /// </summary>
    internal static Hash HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var buffer = new byte[1 + left.Length + right.Length];
        buffer[0] = 0x01;
        left.CopyTo(buffer.AsSpan(1));
        right.CopyTo(buffer.AsSpan(1 + left.Length));
        return Hash.Of(buffer);
    }
}
