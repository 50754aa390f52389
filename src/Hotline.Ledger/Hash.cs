using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Hotline.Ledger;

/// <summary>A SHA-256 value: 32 bytes held inline, so trees and proofs of hashes allocate nothing per hash.</summary>
public readonly struct Hash : IEquatable<Hash>
{
    /// <summary>The length of a hash in bytes.</summary>
    public const int Size = 32;

    private readonly Bytes32 _bytes;

    /// <summary>Copies exactly <see cref="Size"/> bytes.</summary>
    /// <exception cref="ArgumentException">The span is not 32 bytes long.</exception>
    public Hash(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"a hash is {Size} bytes, not {bytes.Length}", nameof(bytes));
        }

        bytes.CopyTo(_bytes);
    }

    /// <summary>SHA-256 of the empty string: the root of the empty tree.</summary>
    public static Hash Empty { get; } = Of([]);

    /// <summary>The bytes, read-only, without copying.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> Span => _bytes;

    /// <summary>SHA-256 of <paramref name="data"/>.</summary>
    public static Hash Of(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Size];
        SHA256.HashData(data, digest);
        return new Hash(digest);
    }

    /// <summary>Parses standard padded base64 of exactly 32 bytes.</summary>
    /// <exception cref="FormatException">Not base64, or not 32 bytes.</exception>
    public static Hash FromBase64(string text)
    {
        Span<byte> buffer = stackalloc byte[Size + 3];
        if (!Convert.TryFromBase64String(text, buffer, out var written) || written != Size)
        {
            throw new FormatException("a hash is the standard base64 of 32 bytes");
        }

        return new Hash(buffer[..Size]);
    }

    /// <summary>Parses lowercase or uppercase hex of exactly 32 bytes.</summary>
    /// <exception cref="FormatException">Not hex, or not 32 bytes.</exception>
    public static Hash FromHex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length != Size * 2)
        {
            throw new FormatException("a hash is 64 hex digits");
        }

        return new Hash(Convert.FromHexString(text));
    }

    /// <summary>Copies the bytes into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination) => Span.CopyTo(destination);

    /// <summary>A new array with the bytes.</summary>
    public byte[] ToArray() => Span.ToArray();

    /// <summary>Standard padded base64.</summary>
    public string ToBase64() => Convert.ToBase64String(Span);

    /// <summary>Lowercase hex.</summary>
    public string ToHex() => Convert.ToHexStringLower(Span);

    /// <inheritdoc />
    public bool Equals(Hash other) => Span.SequenceEqual(other.Span);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Hash other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => MemoryMarshal.Read<int>(Span);

    /// <summary>Lowercase hex.</summary>
    public override string ToString() => ToHex();

    /// <summary>Byte-wise equality.</summary>
    public static bool operator ==(Hash left, Hash right) => left.Equals(right);

    /// <summary>Byte-wise inequality.</summary>
    public static bool operator !=(Hash left, Hash right) => !left.Equals(right);

    [InlineArray(Size)]
    private struct Bytes32
    {
        private byte _element0;
    }
}
