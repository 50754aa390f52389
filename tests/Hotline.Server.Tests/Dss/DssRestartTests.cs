using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Hotline.Ledger;

namespace Hotline.Server.Tests;

/// <summary>What the F3548 API acknowledged is still there, exactly, after the server restarts; and its log entries
/// pass the audit.</summary>
public sealed class DssRestartTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("hotline-dss-restart-").FullName;
    private readonly TokenMint _mint = new() { Now = DateTimeOffset.UtcNow };

    public void Dispose()
    {
        _mint.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task OvnsSubscriptionsIndicesAndAvailabilitySurviveARestartAndTheLogAudits()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(30);
        var area = DssDeployment.Area();
        var extent = DssDeployment.Square(area, 0.01, start, start.AddHours(1));
        var intent = Guid.NewGuid();
        var watcher = Guid.NewGuid();
        JsonObject before;
        JsonObject watched;
        await using (var server = await StartAsync())
        {
            await server.Client.CreatePartyAsync(server.OperatorToken, "uss1");
            await server.Client.CreatePartyAsync(server.OperatorToken, "uss2");
            var subscribed = await SendAsync(server, HttpMethod.Put, $"/dss/v1/subscriptions/{watcher}", "uss2", new JsonObject
            {
                ["extents"] = DssDeployment.Square(area, 0.05, start.AddMinutes(-10), start.AddHours(2)),
                ["uss_base_url"] = "https://uss2.example.com/utm",
                ["notify_for_operational_intents"] = true,
            });
            Assert.Equal(HttpStatusCode.OK, subscribed.Status);
            var created = await SendAsync(server, HttpMethod.Put, $"/dss/v1/operational_intent_references/{intent}", "uss1", DssDeployment.Intent(extent));
            Assert.Equal(HttpStatusCode.Created, created.Status);
            before = created.Object["operational_intent_reference"]!.AsObject();
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(server, HttpMethod.Put, "/dss/v1/uss_availability/uss2", "uss1",
                new JsonObject { ["old_version"] = "", ["availability"] = "Normal" })).Status);
            watched = (await SendAsync(server, HttpMethod.Get, $"/dss/v1/subscriptions/{watcher}", "uss2")).Object["subscription"]!.AsObject();
            Assert.Equal(1, watched["notification_index"]!.GetValue<long>());
        }

        await using (var server = await StartAsync())
        {
            var after = (await SendAsync(server, HttpMethod.Get, $"/dss/v1/operational_intent_references/{intent}", "uss1")).Object["operational_intent_reference"]!;
            Assert.Equal(before.ToJsonString(), after.ToJsonString());
            var implicitSubscription = after["subscription_id"]!.ToString();
            var kept = (await SendAsync(server, HttpMethod.Get, $"/dss/v1/subscriptions/{implicitSubscription}", "uss1")).Object["subscription"]!;
            Assert.True(kept["implicit_subscription"]!.GetValue<bool>());
            Assert.Equal(intent.ToString(), kept["dependent_operational_intents"]![0]!.ToString());
            Assert.Equal(watched.ToJsonString(), (await SendAsync(server, HttpMethod.Get, $"/dss/v1/subscriptions/{watcher}", "uss2")).Object["subscription"]!.ToJsonString());
            var availability = await SendAsync(server, HttpMethod.Get, "/dss/v1/uss_availability/uss2", "uss1");
            Assert.Equal("Normal", availability.Object["status"]!["availability"]!.ToString());
            Assert.Equal("1", availability.Object["version"]!.ToString());

            // The OVN from before the restart still updates it (and the old one is gone after).
            var moved = await SendAsync(server, HttpMethod.Put, $"/dss/v1/operational_intent_references/{intent}/{before["ovn"]}", "uss1",
                DssDeployment.Intent(extent, "Activated", subscriptionId: implicitSubscription));
            Assert.Equal(HttpStatusCode.OK, moved.Status);

            // The watcher is still found by its area (the subscription index was rebuilt from the store).
            var subscribers = moved.Object["subscribers"]!.AsArray();
            Assert.Contains(subscribers, s => s!["uss_base_url"]!.ToString() == "https://uss2.example.com/utm"
                && s["subscriptions"]!.AsArray().Any(x => x!["subscription_id"]!.ToString() == watcher.ToString()));

            // Every entry, the vouched ones included, passes the audit (once a checkpoint covers the last one).
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            var entries = long.Parse(moved.Headers.GetValues("Hotline-Log-Index").Single(), System.Globalization.CultureInfo.InvariantCulture) + 1;
            var key = NoteVerifier.Parse((await http.GetStringAsync("/log/key")).Trim());
            string note;
            long size;
            while ((size = Checkpoint.Parse(SignedNote.Open(note = await http.GetStringAsync("/log/checkpoint"), [key]).Text).Size) < entries)
            {
                await Task.Delay(100);
            }

            var tiles = new Dictionary<string, byte[]?>();
            foreach (var path in TreeTiles.HashTiles(size).Concat(TreeTiles.EntryBundles(size)))
            {
                using var tile = await http.GetAsync($"/log/{path}");
                tiles[path.ToString()] = tile.IsSuccessStatusCode ? await tile.Content.ReadAsByteArrayAsync() : null;
            }

            var report = LogAuditor.Audit(new AuditInput([key], note, tile => tiles.GetValueOrDefault(tile.ToString())));
            Assert.True(report.IsClean, string.Join("\n", report.Errors));
            Assert.True(report.HotlineEntries);
            Assert.Equal(size, report.Entries);
        }
    }

    private Task<RunningServer> StartAsync() => RunningServer.StartAsync(
        _directory,
        "--Hotline:Dss:Audiences:0", TokenMint.Audience,
        "--Hotline:Dss:PublicKeyFiles:0", _mint.RsaPemPath);

    private async Task<Reply> SendAsync(RunningServer server, HttpMethod method, string path, string uss, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _mint.Rs256(uss, DssDeployment.AllScopes));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await server.Client.Http.SendAsync(request);
        return new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Headers, await response.Content.ReadAsStringAsync());
    }
}
