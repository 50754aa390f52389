using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hotline.Ledger;

/// <summary>The small grammar pieces shared by signed notes, keys, checkpoints and proofs.</summary>
internal static class NoteEncoding
{
    /// <summary>Strict UTF-8: a note with invalid UTF-8 (or a lone surrogate in a string) is malformed.</summary>
    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The signature line prefix: U+2014 EM DASH and a space.</summary>
    public const string SignaturePrefix = "\u2014 ";

    /// <summary>C2SP signed-note key names: non-empty, valid, no Unicode space, no '+'.</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '+' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }

            // A lone surrogate cannot be encoded as UTF-8.
            if (char.IsSurrogate(c))
            {
                if (!char.IsHighSurrogate(c) || i + 1 >= name.Length || !char.IsLowSurrogate(name[i + 1]))
                {
                    return false;
                }

                i++;
            }
        }

        return true;
    }

    /// <summary>SHA-256(name || 0x0A || type || key)[:4], big-endian.</summary>
    public static uint KeyId(string name, byte type, ReadOnlySpan<byte> key)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[nameBytes.Length + 2 + key.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = (byte)'\n';
        input[nameBytes.Length + 1] = type;
        key.CopyTo(input.AsSpan(nameBytes.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    /// <summary>
    /// Standard padded base64, refusing what .NET would otherwise forgive (embedded whitespace) and non-canonical
    /// trailing bits, so that one byte string has exactly one accepted spelling and a flipped bit is never ignored.
    /// </summary>
    public static bool TryDecodeBase64(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length == 0 || text.Length % 4 != 0)
        {
            return false;
        }

        foreach (var c in text)
        {
            var ok = c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '+' or '/' or '=';
            if (!ok)
            {
                return false;
            }
        }

        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return false;
        }

        return Convert.ToBase64String(bytes) == text;
    }

    /// <summary>ASCII decimal without leading zeroes ("0" alone for zero), within a non-negative long.</summary>
    public static bool TryParseDecimal(string text, out long value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 19 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Decimal text for a size, index or timestamp.</summary>
    public static string Decimal(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Valid UTF-8 (already true of a .NET string without lone surrogates) with no control character but newline.</summary>
    public static bool IsValidNoteText(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x20 && c != '\n')
            {
                return false;
            }

            if (char.IsSurrogate(c))
            {
                if (!char.IsHighSurrogate(c) || i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
        }

        return true;
    }

    /// <summary>Splits "name+hex8+base64" after an optional prefix; the base64 may itself contain '+'.</summary>
    public static bool TrySplitKey(string key, out string name, out string hash, out string base64)
    {
        name = hash = base64 = "";
        var first = key.IndexOf('+', StringComparison.Ordinal);
        if (first < 0)
        {
            return false;
        }

        var second = key.IndexOf('+', first + 1);
        if (second < 0)
        {
            return false;
        }

        name = key[..first];
        hash = key[(first + 1)..second];
        base64 = key[(second + 1)..];
        return true;
    }

    /// <summary>Exactly eight hex digits, as a big-endian key ID.</summary>
    public static bool TryParseKeyIdHex(string text, out uint keyId)
    {
        keyId = 0;
        return text.Length == 8
            && text.All(Uri.IsHexDigit)
            && uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out keyId);
    }

    /// <summary>Lowercase eight-digit hex of a key ID.</summary>
    public static string KeyIdHex(uint keyId) => keyId.ToString("x8", CultureInfo.InvariantCulture);
}
