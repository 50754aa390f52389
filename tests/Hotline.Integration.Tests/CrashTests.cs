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

    [Fact]
    public async Task EveryAcknowledgedFilingSurvivesAKillDuringAStreamOfWrites()
    {
        var port = HotlineProcess.FreePort();
        var server = HotlineProcess.Serve(_data, port);
        string token;
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var partyKey = PartySigningKey.Generate();
        using (var probe = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") })
        {
            await HotlineProcess.WaitReadyAsync(probe);
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
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // the server is gone
                    }
                }
            })).ToArray();
            while (acknowledged.Count < 200)
            {
                await Task.Delay(20);
            }

            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }

        Assert.True(acknowledged.Count >= 200);
        var restarted = HotlineProcess.Serve(_data, port);
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await HotlineProcess.WaitReadyAsync(client);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var stored = (await client.GetFromJsonAsync<JsonArray>("/v1/reservations?mine=true"))!.Select(r => r!["id"]!.GetValue<string>()).ToHashSet();
            Assert.Superset(acknowledged.ToHashSet(), stored);
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
