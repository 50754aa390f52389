using System.Text;

namespace Hotline.Ledger;

/// <summary>
/// The body of a tlog-witness add-checkpoint request: <c>old &lt;size&gt;</c>, consistency proof hashes, a blank
/// line, then the signed checkpoint verbatim.
/// </summary>
/// <param name="OldSize">The size of the checkpoint the client believes the witness holds.</param>
/// <param name="Proof">The consistency proof from <paramref name="OldSize"/> to the new checkpoint.</param>
/// <param name="Checkpoint">The signed checkpoint note.</param>
public sealed record AddCheckpointRequest(long OldSize, IReadOnlyList<Hash> Proof, string Checkpoint)
{
    /// <summary>The spec's limit on consistency proof lines.</summary>
    public const int MaxProofHashes = 63;

    /// <summary>Parses a request body strictly.</summary>
    /// <exception cref="FormatException">Malformed old size line or proof, too many hashes, or no checkpoint.</exception>
    public static AddCheckpointRequest Parse(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var lines = body.Split('\n');
        if (!lines[0].StartsWith("old ", StringComparison.Ordinal) || !NoteEncoding.TryParseDecimal(lines[0]["old ".Length..], out var oldSize))
        {
            throw new FormatException("add-checkpoint: the first line must be \"old <size>\" in decimal without leading zeroes");
        }

        var proof = new List<Hash>();
        var consumed = lines[0].Length + 1;
        var i = 1;
        for (; i < lines.Length - 1 && lines[i].Length != 0; i++)
        {
            if (!NoteEncoding.TryDecodeBase64(lines[i], out var hash) || hash.Length != Hash.Size)
            {
                throw new FormatException("add-checkpoint: a consistency proof line is not the base64 of 32 bytes");
            }

            if (proof.Count == MaxProofHashes)
            {
                throw new FormatException($"add-checkpoint: more than {MaxProofHashes} consistency proof lines");
            }

            proof.Add(new Hash(hash));
            consumed += lines[i].Length + 1;
        }

        if (i >= lines.Length - 1 || consumed + 1 >= body.Length)
        {
            throw new FormatException("add-checkpoint: missing empty line and checkpoint");
        }

        return new AddCheckpointRequest(oldSize, proof, body[(consumed + 1)..]);
    }

    /// <summary>The exact request body.</summary>
    public string Format()
    {
        var builder = new StringBuilder("old ").Append(NoteEncoding.Decimal(OldSize)).Append('\n');
        foreach (var hash in Proof)
        {
            builder.Append(hash.ToBase64()).Append('\n');
        }

        return builder.Append('\n').Append(Checkpoint).ToString();
    }

    /// <inheritdoc />
    public bool Equals(AddCheckpointRequest? other) =>
        other is not null && OldSize == other.OldSize && Checkpoint == other.Checkpoint && Proof.SequenceEqual(other.Proof);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(OldSize, Checkpoint, Proof.Count);
}
