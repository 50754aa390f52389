using System.Text;
using BenchmarkDotNet.Attributes;
using Hotline.Ledger;

namespace Hotline.Bench;

/// <summary>
/// The per-write costs the log adds to the server's write path: reading and checking a request signature, and
/// encoding and hashing the log entry (on the single writer).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class SignatureBenchmarks
{
    private PartySigningKey _key = null!;
    private byte[] _body = null!;
    private string _header = null!;
    private SignedRequest _request = null!;
    private LogEntry _entry = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = PartySigningKey.Generate();
        // A typical filing: one polygon of 40 vertices.
        _body = Encoding.UTF8.GetBytes("{\"extents\":[{\"footprint\":{\"type\":\"Polygon\",\"coordinates\":[[" + string.Join(',', Enumerable.Range(0, 40).Select(i => $"[{37 + (i * 0.01):F6},{36 + (i * 0.005):F6}]")) + "]]},\"altitude\":{\"lower\":0,\"upper\":100},\"time\":{\"start\":\"2030-01-01T10:00:00Z\",\"end\":\"2030-01-01T11:00:00Z\"}}]}");
        _request = SignedRequest.Create(_key, "POST", "/v1/reservations", DateTimeOffset.UtcNow, Guid.NewGuid(), _body);
        _header = _request.ToHeader();
        _entry = new LogEntry(DateTimeOffset.UtcNow, 1, EntryKinds.ReservationFiled, Guid.NewGuid().ToString(), 1, null, _request);
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark(Description = "Sign a request (client side)")]
    public SignedRequest Sign() => SignedRequest.Create(_key, "POST", "/v1/reservations", DateTimeOffset.UtcNow, Guid.NewGuid(), _body);

    [Benchmark(Description = "Read the header and hash the body")]
    public SignedRequest ReadHeader() => SignedRequest.FromHeader(_header, "POST", "/v1/reservations", _body);

    [Benchmark(Description = "Verify the Ed25519 signature")]
    public bool Verify() => _request.VerifiesWith(_key.PublicKey);

    [Benchmark(Description = "Encode the entry and hash its leaf (writer)")]
    public Hash EncodeEntry() => Rfc9162.LeafHash(_entry.Encode());
}
