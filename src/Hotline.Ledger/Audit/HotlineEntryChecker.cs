using System.Globalization;

namespace Hotline.Ledger;

/// <summary>
/// Replays Hotline's entries (LogEntry v1) in log order, keeping the key registry they build, and checks that each is
/// canonical and that its request was signed by a key registered earlier to the entry's party. The rules (docs/log.md):
/// entry 0 registers the operator's key, self-signed; <c>party.created</c> is signed by an operator key and may
/// register the new party's first key; <c>party.key-added</c> is signed by the very key it registers when it is the
/// party's first key, and otherwise by a key the party already holds (so that no one else, not even the operator with
/// a credential of the party, can add one); every other entry is signed by a key already registered to its party
/// (0 = the operator), or, for a request to the F3548 DSS API (target under <c>/dss/</c>), by an operator key that
/// vouches for a USS the server authenticated by bearer token.
/// </summary>
internal sealed class HotlineEntryChecker(List<AuditError> errors, List<string> warnings)
{
    private readonly Dictionary<string, (int Party, PartyPublicKey Key)> _keys = new(StringComparer.Ordinal);
    private readonly HashSet<int> _parties = [LogEntry.OperatorParty];

    /// <summary>Checks the entry at <paramref name="index"/>; entries must come in log order, each once.</summary>
    public void Check(long index, byte[] bytes)
    {
        LogEntry entry;
        try
        {
            entry = LogEntry.Decode(bytes);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            errors.Add(new AuditError(index, $"not a canonical {LogEntry.Magic} entry: {e.Message}"));
            return;
        }

        if (Problem(index, entry, _keys, _parties, warnings) is { } reason)
        {
            errors.Add(new AuditError(index, $"{entry.Kind} (party {entry.Party}, subject {entry.Subject}): {reason}"));
        }
    }

    /// <summary>Checks one entry against the registry and, when it is sound, applies it; returns the reason it is not.</summary>
    private static string? Problem(long index, LogEntry entry, Dictionary<string, (int Party, PartyPublicKey Key)> keys, HashSet<int> parties, List<string> warnings)
    {
        if (index == 0 && entry.Kind != EntryKinds.OperatorKey)
        {
            return $"the first entry of a Hotline log registers the operator key ({EntryKinds.OperatorKey})";
        }

        switch (entry.Kind)
        {
            case EntryKinds.OperatorKey:
                if (entry.Party != LogEntry.OperatorParty || entry.PublicKey is null)
                {
                    return "an operator key entry is by party 0 and carries the public key";
                }

                if (!entry.Request.VerifiesWith(entry.PublicKey))
                {
                    return $"the request is not signed by the key it registers ({entry.PublicKey.KeyId})";
                }

                if (index > 0)
                {
                    warnings.Add($"entry {index}: another operator key {entry.PublicKey.KeyId} registered (self-signed)");
                }

                return Register(keys, LogEntry.OperatorParty, entry.PublicKey);

            case EntryKinds.PartyKeyAdded:
                if (entry.PublicKey is null)
                {
                    return "the entry carries no public key";
                }

                if (!parties.Contains(entry.Party))
                {
                    return $"party {entry.Party} was not created earlier in the log";
                }

                if (keys.Values.Any(k => k.Party == entry.Party))
                {
                    if (SignedByRegisteredKey(entry, keys) is { } unsignedByHolder)
                    {
                        return $"a party that holds keys adds one only with a request signed by one of them: {unsignedByHolder}";
                    }
                }
                else if (!entry.Request.VerifiesWith(entry.PublicKey))
                {
                    return $"the request is not signed by the key it registers ({entry.PublicKey.KeyId})";
                }

                return Register(keys, entry.Party, entry.PublicKey);

            case EntryKinds.PartyCreated:
                if (entry.Party != LogEntry.OperatorParty)
                {
                    return "parties are created by the operator (party 0)";
                }

                if (SignedByRegisteredKey(entry, keys) is { } unsigned)
                {
                    return unsigned;
                }

                if (!int.TryParse(entry.Subject, NumberStyles.None, CultureInfo.InvariantCulture, out var created) || created <= 0)
                {
                    return "the subject is not a party number";
                }

                if (!parties.Add(created))
                {
                    return $"party {created} was already created";
                }

                return entry.PublicKey is null ? null : Register(keys, created, entry.PublicKey);

            default:
                // An F3548 request arrives with a bearer token, not a party's signature: the server vouches for it by
                // signing it with the operator's key. Only requests to the DSS API may be vouched for this way.
                if (entry.Party != LogEntry.OperatorParty && IsVouchable(entry) && keys.TryGetValue(entry.Request.KeyId, out var signer) && signer.Party == LogEntry.OperatorParty)
                {
                    return entry.Request.VerifiesWith(signer.Key) ? null : $"the request signature does not verify with key {entry.Request.KeyId}";
                }

                return SignedByRegisteredKey(entry, keys);
        }
    }

    /// <summary>True for a request to the F3548 DSS API (<c>/dss/</c>), which the operator may sign on a USS's behalf.</summary>
    private static bool IsVouchable(LogEntry entry) => entry.Request.Target.StartsWith("/dss/", StringComparison.Ordinal);

    private static string? SignedByRegisteredKey(LogEntry entry, Dictionary<string, (int Party, PartyPublicKey Key)> keys)
    {
        var keyId = entry.Request.KeyId;
        if (!keys.TryGetValue(keyId, out var registered))
        {
            return $"signed by key {keyId}, which no earlier entry registers";
        }

        if (registered.Party != entry.Party)
        {
            return $"signed by key {keyId}, which is registered to party {registered.Party}, not {entry.Party}";
        }

        return entry.Request.VerifiesWith(registered.Key) ? null : $"the request signature does not verify with key {keyId}";
    }

    private static string? Register(Dictionary<string, (int Party, PartyPublicKey Key)> keys, int party, PartyPublicKey key)
    {
        if (keys.TryGetValue(key.KeyId, out var existing))
        {
            return $"key {key.KeyId} is already registered (to party {existing.Party})";
        }

        keys[key.KeyId] = (party, key);
        return null;
    }
}
