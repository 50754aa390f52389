using System.Globalization;
using System.Text;

namespace Hotline.Ledger;

/// <summary>What a log entry records: the kinds of state change, as their tokens appear in the entry.</summary>
public static class EntryKinds
{
    /// <summary>The operator's key, self-signed: the first entry of every Hotline log.</summary>
    public const string OperatorKey = "operator.key";

    /// <summary>The operator created a party (with its first public key, when given).</summary>
    public const string PartyCreated = "party.created";

    /// <summary>A party registered a public key, signing with that key (proof of possession).</summary>
    public const string PartyKeyAdded = "party.key-added";

    /// <summary>The operator issued a party another bearer credential.</summary>
    public const string CredentialIssued = "credential.issued";

    /// <summary>A reservation was filed (with any acknowledgement of conflicts in its request).</summary>
    public const string ReservationFiled = "reservation.filed";

    /// <summary>A reservation was amended.</summary>
    public const string ReservationAmended = "reservation.amended";

    /// <summary>A reservation was ended.</summary>
    public const string ReservationEnded = "reservation.ended";

    /// <summary>A constraint was created.</summary>
    public const string ConstraintCreated = "constraint.created";

    /// <summary>A constraint was changed (F3548 constraint reference update).</summary>
    public const string ConstraintUpdated = "constraint.updated";

    /// <summary>An F3548 subscription was created.</summary>
    public const string SubscriptionCreated = "subscription.created";

    /// <summary>An F3548 subscription was changed by its owner.</summary>
    public const string SubscriptionUpdated = "subscription.updated";

    /// <summary>An F3548 subscription was deleted.</summary>
    public const string SubscriptionDeleted = "subscription.deleted";

    /// <summary>A USS's availability was set (F3548 availability arbitration); the subject is the USS's name.</summary>
    public const string UssAvailabilitySet = "uss.availability-set";

    /// <summary>A USS reported a problem with the DSS (F3548 <c>makeDssReport</c>); the subject is the report's id.</summary>
    public const string DssReport = "dss.report";

    /// <summary>A constraint was withdrawn.</summary>
    public const string ConstraintWithdrawn = "constraint.withdrawn";

    /// <summary>The line: a deconfliction request was sent.</summary>
    public const string LineDeconflictionRequest = "line.deconfliction-request";

    /// <summary>The line: a deconfliction response (accept, decline, counter-proposal) was sent.</summary>
    public const string LineDeconflictionResponse = "line.deconfliction-response";

    /// <summary>The line: a notice was sent.</summary>
    public const string LineNotice = "line.notice";

    /// <summary>The line: an emergency was declared.</summary>
    public const string LineEmergency = "line.emergency";

    /// <summary>The line: a line check was sent.</summary>
    public const string LineCheck = "line.check";

    /// <summary>The line: a line check was answered.</summary>
    public const string LineCheckAnswer = "line.check-answer";

    /// <summary>The line: a message was acknowledged.</summary>
    public const string LineAcknowledgement = "line.acknowledgement";

    /// <summary>The line: free text was sent.</summary>
    public const string LineText = "line.text";

    /// <summary>Added to a line kind when the sender stated "I intend to disclose this location".</summary>
    public const string LocationDisclosedSuffix = "+location-disclosed";

    /// <summary>The line escalated an unanswered message (signed by the server, as the operator).</summary>
    public const string LineEscalated = "line.escalated";

    /// <summary>The line marked a party's line down after missed line checks (signed by the server, as the operator).</summary>
    public const string LineDown = "line.down";

    /// <summary>A party suspended its participation, with its reason.</summary>
    public const string LineSuspended = "line.suspended";

    /// <summary>A party resumed its participation.</summary>
    public const string LineResumed = "line.resumed";
}

/// <summary>
/// One entry of Hotline's transparency log: who (party, 0 for the operator) changed what (kind, subject, version)
/// and when (server time), with the signed request that asked for it. Version 1 encoding, documented to the byte in
/// docs/log.md: header lines, a blank line, then the signed request message verbatim. It holds no geometry and no
/// private field: the request body is committed to by its digest only.
/// </summary>
public sealed record LogEntry(DateTimeOffset Time, int Party, string Kind, string Subject, long Version, PartyPublicKey? PublicKey, SignedRequest Request)
{
    /// <summary>The first line of every version 1 entry.</summary>
    public const string Magic = "hotline-entry/v1";

    /// <summary>The party number that stands for the operator.</summary>
    public const int OperatorParty = 0;

    /// <summary>The canonical bytes: the leaf of the Merkle tree.</summary>
    public byte[] Encode()
    {
        Check(Kind, nameof(Kind));
        Check(Subject, nameof(Subject));
        var header = new StringBuilder()
            .Append(Magic).Append('\n')
            .Append(CultureInfo.InvariantCulture, $"time {Time.ToUnixTimeMilliseconds()}\n")
            .Append(CultureInfo.InvariantCulture, $"party {Party}\n")
            .Append(CultureInfo.InvariantCulture, $"kind {Kind}\n")
            .Append(CultureInfo.InvariantCulture, $"subject {Subject}\n")
            .Append(CultureInfo.InvariantCulture, $"version {Version}\n");
        if (PublicKey is not null)
        {
            header.Append(CultureInfo.InvariantCulture, $"public-key {PublicKey.ToBase64()}\n");
        }

        header.Append(CultureInfo.InvariantCulture, $"signature {Convert.ToBase64String(Request.Signature)}\n\n");
        var head = Encoding.UTF8.GetBytes(header.ToString());
        var bytes = new byte[head.Length + Request.Message.Length];
        head.CopyTo(bytes, 0);
        Request.Message.CopyTo(bytes, head.Length);
        return bytes;
    }

    /// <summary>Reads an entry back, strictly: only the canonical encoding is accepted.</summary>
    /// <exception cref="FormatException">Not a canonical version 1 entry; the message says where.</exception>
    public static LogEntry Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return DecodeCanonical(bytes);
        }
        catch (Exception e) when (e is OverflowException or ArgumentException)
        {
            // A value out of range (a party number beyond int, a time beyond year 9999, a bad token) is malformed too.
            throw new FormatException($"malformed entry: {e.Message}", e);
        }
    }

    private static LogEntry DecodeCanonical(ReadOnlySpan<byte> bytes)
    {
        var separator = bytes.IndexOf("\n\n"u8);
        if (separator < 0)
        {
            throw new FormatException("an entry is header lines, a blank line, then the signed request");
        }

        var lines = Encoding.UTF8.GetString(bytes[..(separator + 1)]).Split('\n');
        var at = 0;
        string Next(string name)
        {
            var line = at < lines.Length ? lines[at++] : "";
            return line.StartsWith(name + " ", StringComparison.Ordinal)
                ? line[(name.Length + 1)..]
                : throw new FormatException($"entry line {at}: expected '{name} ...'");
        }

        if (lines[at++] != Magic)
        {
            throw new FormatException($"an entry starts with '{Magic}'");
        }

        var time = DateTimeOffset.FromUnixTimeMilliseconds(Number(Next("time"), "time"));
        var party = checked((int)Number(Next("party"), "party"));
        var kind = Next("kind");
        var subject = Next("subject");
        var version = Number(Next("version"), "version");
        PartyPublicKey? key = null;
        if (at < lines.Length && lines[at].StartsWith("public-key ", StringComparison.Ordinal))
        {
            key = PartyPublicKey.FromBase64(Next("public-key"));
        }

        var signature = Convert.FromBase64String(Next("signature"));
        var request = SignedRequest.FromMessage(bytes[(separator + 2)..], signature);
        var entry = new LogEntry(time, party, kind, subject, version, key, request);
        if (!entry.Encode().AsSpan().SequenceEqual(bytes))
        {
            throw new FormatException("the entry is not in canonical form");
        }

        return entry;
    }

    private static long Number(string text, string name) =>
        text.Length is > 0 and <= 19 && (text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0'))
            ? long.Parse(text, CultureInfo.InvariantCulture)
            : throw new FormatException($"{name} is a decimal number without leading zeros");

    private static void Check(string token, string name)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100 || token.Any(c => c <= ' ' || c >= 0x7f))
        {
            throw new ArgumentException($"{name} is 1 to 100 printable ASCII characters without spaces", name);
        }
    }
}
