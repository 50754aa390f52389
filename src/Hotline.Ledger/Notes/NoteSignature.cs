namespace Hotline.Ledger;

/// <summary>One signature line of a signed note: <c>— name base64(keyID || signature)</c>.</summary>
/// <param name="Name">The key name.</param>
/// <param name="KeyId">The 32-bit key ID (big-endian on the wire).</param>
/// <param name="Signature">The signature bytes after the key ID; their meaning depends on the key type.</param>
public sealed record NoteSignature(string Name, uint KeyId, byte[] Signature)
{
    /// <summary>The signature line, including the final newline.</summary>
    public string ToLine()
    {
        var blob = new byte[4 + Signature.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(blob, KeyId);
        Signature.CopyTo(blob, 4);
        return $"{NoteEncoding.SignaturePrefix}{Name} {Convert.ToBase64String(blob)}\n";
    }

    /// <summary>Parses one signature line, with or without its final newline.</summary>
    /// <exception cref="NoteException">The line is malformed (<see cref="NoteError.Malformed"/>).</exception>
    public static NoteSignature ParseLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var body = line.EndsWith('\n') ? line[..^1] : line;
        if (!body.StartsWith(NoteEncoding.SignaturePrefix, StringComparison.Ordinal))
        {
            throw Malformed("a signature line starts with an em dash and a space");
        }

        body = body[NoteEncoding.SignaturePrefix.Length..];
        var space = body.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            throw Malformed("a signature line is a key name, a space and base64");
        }

        var name = body[..space];
        if (!NoteEncoding.IsValidName(name))
        {
            throw Malformed("a signature line has an invalid key name");
        }

        if (!NoteEncoding.IsValidNoteText(body) || !NoteEncoding.TryDecodeBase64(body[(space + 1)..], out var blob))
        {
            throw Malformed("a signature is not canonical standard base64");
        }

        if (blob.Length < 5)
        {
            throw Malformed("a signature is a 4-byte key ID and at least one byte");
        }

        return new NoteSignature(name, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(blob), blob[4..]);
    }

    /// <inheritdoc />
    public bool Equals(NoteSignature? other) =>
        other is not null && Name == other.Name && KeyId == other.KeyId && Signature.AsSpan().SequenceEqual(other.Signature);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, KeyId, Signature.Length);

    private static NoteException Malformed(string why) => new(NoteError.Malformed, $"malformed note: {why}");
}
