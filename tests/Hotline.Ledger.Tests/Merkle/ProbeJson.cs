using System.Text.Json;

namespace Hotline.Ledger.Tests.Merkle;

/// <summary>How the transparency-dev/merkle probes (and its subtree probes) are read: base64 bytes, and hashes that
/// may deliberately not be 32 bytes.</summary>
internal static class ProbeJson
{
    public static byte[] Bytes(JsonElement value) =>
        value.ValueKind == JsonValueKind.Null ? [] : Convert.FromBase64String(value.GetString()!);

    /// <summary>
    /// Roots and proof hashes that are not 32 bytes ("don't care" roots, empty garbage hashes) are mapped to a
    /// distinct Hash, keeping equal values equal, so that the verifier itself, not the type, decides the probe.
    /// </summary>
    public static Hash Lenient(JsonElement value)
    {
        var bytes = Bytes(value);
        return bytes.Length == Hash.Size ? new Hash(bytes) : Hash.Of([.. "not 32 bytes:"u8, .. bytes]);
    }

    public static Hash[] Proof(JsonElement probe) =>
        probe.GetProperty("proof") is { ValueKind: JsonValueKind.Array } proof ? [.. proof.EnumerateArray().Select(Lenient)] : [];
}
