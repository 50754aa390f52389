using System.Text;

namespace Hotline.Ledger;

/// <summary>
/// A C2SP signed note: a text ending in a newline, a blank line, and one or more signature lines. Parsing checks the
/// grammar only; <see cref="Open"/> also verifies the signatures against known keys, with Go sumdb/note semantics.
/// </summary>
/// <param name="Text">The signed text, including its final newline and excluding the blank line.</param>
/// <param name="Signatures">
/// The signature lines in order; after <see cref="Open"/>, only those verified by a known key.
/// </param>
public sealed record SignedNote(string Text, IReadOnlyList<NoteSignature> Signatures)
{
    /// <summary>At most this many signature lines are read (Go's limit; C2SP requires at least 16).</summary>
    public const int MaxSignatures = 100;

    /// <summary>After <see cref="Open"/>: signatures from unknown keys, kept (deduplicated) but not trusted.</summary>
    public IReadOnlyList<NoteSignature> Unverified { get; init; } = [];

    /// <summary>Parses the grammar of a signed note without verifying any signature.</summary>
    /// <exception cref="NoteException">The note is malformed.</exception>
    public static SignedNote Parse(ReadOnlySpan<byte> note)
    {
        string text;
        try
        {
            text = NoteEncoding.StrictUtf8.GetString(note);
        }
        catch (DecoderFallbackException e)
        {
            throw new NoteException(NoteError.Malformed, "malformed note: not valid UTF-8", e);
        }

        return Parse(text);
    }

    /// <summary>Parses the grammar of a signed note without verifying any signature.</summary>
    /// <exception cref="NoteException">The note is malformed.</exception>
    public static SignedNote Parse(string note)
    {
        ArgumentNullException.ThrowIfNull(note);
        if (!NoteEncoding.IsValidNoteText(note))
        {
            throw Malformed("control characters other than newline, or invalid UTF-8");
        }

        // The text may contain blank lines: the signatures begin after the last one.
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw Malformed("no blank line before the signatures");
        }

        var text = note[..(split + 1)];
        var block = note[(split + 2)..];
        if (block.Length == 0 || block[^1] != '\n')
        {
            throw Malformed("no signature lines, or they do not end in a newline");
        }

        var lines = block[..^1].Split('\n');
        if (lines.Length > MaxSignatures)
        {
            throw Malformed($"more than {MaxSignatures} signatures");
        }

        var signatures = new NoteSignature[lines.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            signatures[i] = NoteSignature.ParseLine(lines[i]);
        }

        return new SignedNote(text, signatures);
    }

    /// <summary>
    /// Parses a note and verifies its signatures. Signatures from unknown keys (name and key ID not both known) are
    /// ignored and returned in <see cref="Unverified"/>; a signature from a known key must verify. The note opens
    /// when at least one known key's signature verifies.
    /// </summary>
    /// <exception cref="NoteException">
    /// Malformed, a known key's signature is invalid, two known verifiers share a signature's name and key ID, or no
    /// known key signed the note.
    /// </exception>
    public static SignedNote Open(string note, IReadOnlyCollection<NoteVerifier> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        var parsed = Parse(note);
        var byKey = new Dictionary<(string, uint), List<NoteVerifier>>();
        foreach (var verifier in known)
        {
            if (!byKey.TryGetValue((verifier.Name, verifier.KeyId), out var list))
            {
                byKey[(verifier.Name, verifier.KeyId)] = list = [];
            }

            list.Add(verifier);
        }

        var message = NoteEncoding.StrictUtf8.GetBytes(parsed.Text);
        var verified = new List<NoteSignature>();
        var unverified = new List<NoteSignature>();
        var seen = new HashSet<(string, uint)>();
        foreach (var signature in parsed.Signatures)
        {
            var id = (signature.Name, signature.KeyId);
            if (!byKey.TryGetValue(id, out var candidates))
            {
                if (!unverified.Contains(signature))
                {
                    unverified.Add(signature);
                }

                continue;
            }

            var label = $"{signature.Name}+{NoteEncoding.KeyIdHex(signature.KeyId)}";
            if (candidates.Count > 1)
            {
                throw new NoteException(NoteError.AmbiguousKey, $"ambiguous key {label}");
            }

            // As in Go, only the first signature line of a known key counts; later ones are not consulted.
            if (!seen.Add(id))
            {
                continue;
            }

            if (!candidates[0].Verify(message, signature.Signature))
            {
                throw new NoteException(NoteError.InvalidSignature, $"invalid signature for key {label}");
            }

            verified.Add(signature);
        }

        if (verified.Count == 0)
        {
            throw new NoteException(NoteError.NoVerifiableSignatures, "note has no verifiable signatures");
        }

        return new SignedNote(parsed.Text, verified) { Unverified = unverified };
    }

    /// <summary>Signs <paramref name="text"/> with each signer and formats the note.</summary>
    /// <exception cref="NoteException">The text does not end in a newline or contains forbidden characters.</exception>
    public static string Sign(string text, params Ed25519NoteSigner[] signers)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(signers);
        if (!text.EndsWith('\n') || !NoteEncoding.IsValidNoteText(text))
        {
            throw Malformed("the text must end in a newline and contain no control characters other than newline");
        }

        if (signers.Length is 0 or > MaxSignatures)
        {
            throw new ArgumentException($"sign with 1 to {MaxSignatures} keys", nameof(signers));
        }

        var message = NoteEncoding.StrictUtf8.GetBytes(text);
        var signatures = signers.Select(s => new NoteSignature(s.Name, s.KeyId, s.Sign(message))).ToArray();
        return new SignedNote(text, signatures).Format();
    }

    /// <summary>The note text: the text, a blank line, then <see cref="Signatures"/> and <see cref="Unverified"/>.</summary>
    public string Format()
    {
        var builder = new StringBuilder(Text).Append('\n');
        foreach (var signature in Signatures.Concat(Unverified))
        {
            builder.Append(signature.ToLine());
        }

        return builder.ToString();
    }

    private static NoteException Malformed(string why) => new(NoteError.Malformed, $"malformed note: {why}");
}
