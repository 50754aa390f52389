using System.Diagnostics;
using System.Globalization;
using Hotline.Core;
using Hotline.Ledger;
using Hotline.Storage.Sqlite;

namespace Hotline.Bench;

/// <summary>
/// <c>log-append ENTRIES BATCH</c>: the log's batching path on its own — entries committed durably to the embedded
/// store in group commits of BATCH (one fsynced SQLite transaction each, as the writer does), then appended to the
/// Merkle tree. Entries are real signed Hotline entries (about 500 bytes), prepared beforehand: the signing and its
/// verification run on the request threads in the server, not on this path. Prints durable appends per second.
/// </summary>
internal static class LogAppend
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500_000;
        var batch = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_024;
        var data = Directory.CreateTempSubdirectory("hotline-log-append-").FullName;
        try
        {
            using var key = PartySigningKey.Generate();
            var now = DateTimeOffset.UtcNow;
            var body = new byte[1_200];
            var sw = Stopwatch.StartNew();
            var changes = new EntryAppended[count];
            Parallel.For(0, count, i =>
            {
                var nonce = Guid.NewGuid();
                var request = SignedRequest.Create(key, "POST", "/v1/reservations", now, nonce, body);
                var entry = new LogEntry(now, 1, EntryKinds.ReservationFiled, Guid.CreateVersion7().ToString(), 1, null, request).Encode();
                changes[i] = new EntryAppended(i, entry, Rfc9162.LeafHash(entry), now, nonce, body);
            });
            Console.WriteLine($"prepared {count:N0} signed entries ({changes[0].Entry.Length} bytes each) in {sw.Elapsed.TotalSeconds:F1} s");

            await using var store = await SqliteAirspaceStore.OpenAsync(Path.Combine(data, "hotline.db"), CancellationToken.None);
            var tree = new MerkleTree();
            sw.Restart();
            for (var start = 0; start < count; start += batch)
            {
                var slice = changes.AsMemory(start, Math.Min(batch, count - start));
                await store.CommitAsync(slice.ToArray(), CancellationToken.None);
                foreach (var change in slice.Span)
                {
                    tree.Append(change.LeafHash);
                }
            }

            var elapsed = sw.Elapsed.TotalSeconds;
            Console.WriteLine($"durable appends: {count:N0} in {elapsed:F1} s = {count / elapsed:N0}/s in batches of {batch} (store commit + tree append); root {tree.Root().ToHex()[..16]}…");
            return 0;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
