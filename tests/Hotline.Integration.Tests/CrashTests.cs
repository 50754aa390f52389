using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Hotline.Ledger;

namespace Hotline.Integration.Tests;

/// <summary>The real <c>hotline serve</c> process, killed with SIGKILL in the middle of a stream of writes.</summary>
public sealed class CrashTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("hotline-crash-").FullName;

    /// <summary>Also the log: every checkpoint handed out before the kill is a prefix of the log after the restart,
    /// and every acknowledged write's receipt (index and leaf hash) is in it.</summary>
    [Fact]
    public async Task EveryAcknowledgedFilingSurvivesAKillDuringAStreamOfWrites()
    {
        var (server, port) = await HotlineProcess.ServeAsync(_data);
        string token;
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        var receipts = new System.Collections.Concurrent.ConcurrentBag<(long Index, Hash Leaf)>();
        var checkpoints = new System.Collections.Concurrent.ConcurrentBag<Checkpoint>();
        using var partyKey = PartySigningKey.Generate();
        using (var probe = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") })
        {
            using var operatorKey = PartySigningKey.FromSeed(await File.ReadAllTextAsync(Path.Combine(_data, "operator.key")));
            using var asOperator = new HttpClient(new RequestSigningHandler(operatorKey, TimeProvider.System, new SocketsHttpHandler())) { BaseAddress = probe.BaseAddress };
            var operatorToken = (await File.ReadAllTextAsync(Path.Combine(_data, "operator.token"))).Trim();
            asOperator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
            var created = await asOperator.PostAsJsonAsync("/v1/parties", new { name = "filer", publicKey = partyKey.PublicKey.ToBase64() });
            token = (await created.Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
        }

        using (var client = new HttpClient(new RequestSigningHandler(partyKey, TimeProvider.System, new SocketsHttpHandler())) { BaseAddress = new Uri($"http://127.0.0.1:{port}") })
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            // Four writers file non-conflicting reservations as fast as they can; the server is killed meanwhile.
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        using var response = await client.PostAsJsonAsync("/v1/reservations", Filing(w, i), CancellationToken.None);
                        if (response.StatusCode == HttpStatusCode.Created)
                        {
                            acknowledged.Add((await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>());
                            receipts.Add((long.Parse(response.Headers.GetValues("Hotline-Log-Index").Single(), System.Globalization.CultureInfo.InvariantCulture),
                                Hash.FromBase64(response.Headers.GetValues("Hotline-Log-Leaf-Hash").Single())));
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // the server is gone
                    }
                }
            })).ToArray();
            // Meanwhile a reader keeps every checkpoint it is handed, verified with the log's key.
            var verifier = NoteVerifier.Parse((await File.ReadAllTextAsync(Path.Combine(_data, "log.pub"))).Trim());
            var watcher = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        var note = await client.GetStringAsync("/log/checkpoint", CancellationToken.None);
                        checkpoints.Add(Checkpoint.Parse(SignedNote.Open(note, [verifier]).Text));
                        await Task.Delay(100, CancellationToken.None);
                    }
                    catch (HttpRequestException)
                    {
                        return;
                    }
                }
            });
            while (acknowledged.Count < 200 || checkpoints.Count(c => c.Size > 50) < 2)
            {
                await Task.Delay(20);
            }

            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            await watcher;
        }

        Assert.True(acknowledged.Count >= 200);
        var restarted = HotlineProcess.Serve(_data, port);
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await HotlineProcess.WaitReadyAsync(client, restarted, _data);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var stored = (await client.GetFromJsonAsync<JsonArray>("/v1/reservations?mine=true"))!.Select(r => r!["id"]!.GetValue<string>()).ToHashSet();
            Assert.Superset(acknowledged.ToHashSet(), stored);

            var verifier = NoteVerifier.Parse((await File.ReadAllTextAsync(Path.Combine(_data, "log.pub"))).Trim());
            var after = Checkpoint.Parse(SignedNote.Open(await client.GetStringAsync("/log/checkpoint"), [verifier]).Text);
            Assert.True(after.Size > receipts.Max(r => r.Index), $"the log after the restart has {after.Size} entries; receipts go up to {receipts.Max(r => r.Index)}");
            foreach (var before in checkpoints.Where(c => c.Size > 0).DistinctBy(c => c.Size))
            {
                var lines = (await client.GetStringAsync($"/log/consistency?from={before.Size}&to={after.Size}")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                MerkleProofs.VerifyConsistency(before.Size, after.Size, [.. lines.Select(Hash.FromBase64)], before.Root, after.Root);
            }

            foreach (var (index, leaf) in receipts)
            {
                var proof = TlogProof.Parse(await client.GetStringAsync($"/log/proof/{index}"));
                proof.Verify(leaf, [verifier], MerkleProofs.VerifyInclusion);
            }
        }
        finally
        {
            restarted.Kill(entireProcessTree: true);
            await restarted.WaitForExitAsync();
        }
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private static object Filing(int writer, int i)
    {
        // Small squares on a grid, far enough apart never to conflict.
        var lat = -60 + (writer * 20) + ((i / 100) * 0.05);
        var lng = -170 + ((i % 100) * 0.05);
        return new
        {
            extents = new[]
            {
                new
                {
                    footprint = new { type = "Polygon", coordinates = new[] { new[] { new[] { lng, lat }, new[] { lng + 0.01, lat }, new[] { lng + 0.01, lat + 0.01 }, new[] { lng, lat + 0.01 }, new[] { lng, lat } } } },
                    altitude = new { lower = 0, upper = 100 },
                    time = new { start = "2030-01-01T00:00:00Z", end = "2030-01-01T01:00:00Z" },
                },
            },
        };
    }

}
