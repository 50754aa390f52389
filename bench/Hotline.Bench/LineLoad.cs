using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Hotline.Ledger;

namespace Hotline.Bench;

/// <summary>
/// <c>line-load MESSAGES CONCURRENCY</c>: the line end to end. Starts the real server on 127.0.0.1 over a fresh
/// store, creates two parties with keys, opens party B's live stream (<c>GET /v1/line/stream</c>, Server-Sent
/// Events), then sends MESSAGES FreeText messages from A to B, pre-signed, with CONCURRENCY requests in flight. Each
/// text carries its sequence number and no location (the disclosure guard runs and passes). Measures end-to-end
/// throughput (the clock stops when the subscriber has read the last one), HTTP acknowledgement latency, and
/// delivery latency (from just before a request is sent to the moment the subscriber reads its event), and checks
/// that every message arrives once, in order, with the id its sender was given.
/// </summary>
internal static class LineLoad
{
    private const int Warmup = 20_000;
    private const string Prefix = "radio check ";

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50_000;
        var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
        var total = Warmup + count;
        var data = Directory.CreateTempSubdirectory("hotline-line-load-").FullName;
        try
        {
            await using var server = await BenchServer.StartAsync(data);
            var address = server.Address;
            using var keyA = PartySigningKey.Generate();
            using var keyB = PartySigningKey.Generate();
            var a = await server.CreatePartyAsync("sender", keyA);
            var b = await server.CreatePartyAsync("receiver", keyB);

            // Signed before the clock starts, as each client signs on its own machine.
            var sw = Stopwatch.StartNew();
            var requests = Sign(keyA, b.Id, total);
            Console.WriteLine($"signed {total:N0} messages ({Warmup:N0} warm-up) in {sw.Elapsed.TotalSeconds:F1} s");

            var sent = new long[total];
            var acknowledged = new long[total];
            var ids = new Guid[total];
            using var subscriber = new Subscriber(address, b.Token, total);
            await subscriber.StartAsync();

            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency };
            using var client = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", a.Token);

            // Warm up (tiered JIT, connection pool, the stream), then measure.
            var warmupFailures = await SendAsync(client, requests, 0, Warmup, concurrency, sent, acknowledged, ids);
            await subscriber.WaitForAsync(Warmup, TimeSpan.FromMinutes(2));
            Console.WriteLine($"warm-up: {Warmup:N0} sent, {warmupFailures} failed, {subscriber.Received:N0} delivered");

            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var collections = GC.CollectionCount(0);
            sw.Restart();
            var failures = await SendAsync(client, requests, Warmup, total, concurrency, sent, acknowledged, ids);
            var acked = sw.Elapsed.TotalSeconds;
            var complete = await subscriber.WaitForAsync(total, TimeSpan.FromMinutes(2));
            var elapsed = sw.Elapsed.TotalSeconds;
            var delivered = subscriber.Received - Warmup;
            process.Refresh();
            var cpuMs = (process.TotalProcessorTime - cpu).TotalMilliseconds;

            var ack = new double[count];
            var delivery = new double[count];
            var late = 0;
            for (var i = 0; i < count; i++)
            {
                var j = Warmup + i;
                ack[i] = Milliseconds(sent[j], acknowledged[j]);
                delivery[i] = subscriber.Arrived[j] == 0 ? double.PositiveInfinity : Milliseconds(sent[j], subscriber.Arrived[j]);
                if (subscriber.Arrived[j] != 0 && subscriber.Arrived[j] < acknowledged[j])
                {
                    late++;
                }
            }

            Array.Sort(ack);
            Array.Sort(delivery);
            Console.WriteLine(
                $"end to end: {delivered:N0} of {count:N0} delivered in {elapsed:F2} s = {delivered / elapsed:N0} messages/s with {concurrency} in flight "
                + $"(all acknowledged after {acked:F2} s = {count / acked:N0}/s); {failures} failed{(complete ? "" : "; TIMED OUT waiting for delivery")}");
            Console.WriteLine($"acknowledgement latency: p50 {ack[count / 2]:F1} ms, p99 {ack[(int)(count * 0.99)]:F1} ms, max {ack[^1]:F1} ms");
            Console.WriteLine(
                $"delivery latency: p50 {delivery[count / 2]:F1} ms, p99 {delivery[(int)(count * 0.99)]:F1} ms, max {delivery[^1]:F1} ms "
                + $"({late * 100.0 / count:F0}% read by the subscriber before the sender had its 201)");
            // The machine is shared: CPU time per message says more than wall-clock rates when others are busy too.
            Console.WriteLine(
                $"cpu: {cpuMs / 1000:F1} s of CPU over {elapsed:F1} s ({cpuMs / 1000 / elapsed:F2} cores busy) = {cpuMs * 1000 / count:F0} µs per message, "
                + $"server and load generator together; {Environment.ProcessorCount} cores would carry at most {Environment.ProcessorCount * 1e6 / (cpuMs * 1000 / count):N0}/s; "
                + $"{GC.CollectionCount(0) - collections} gen0 GCs");
            var problems = subscriber.Check(ids);
            Console.WriteLine(problems.Count == 0
                ? $"integrity: {subscriber.Received:N0} events, each message once, in send-decision order (event ids and log indexes increasing), ids match the 201s"
                : $"integrity: {problems.Count} problems; first: {string.Join("; ", problems.Take(5))}");

            await subscriber.StopAsync();
            return problems.Count == 0 && failures == 0 && complete ? 0 : 1;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static double Milliseconds(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    private static HttpRequestMessage[] Sign(PartySigningKey key, int to, int count)
    {
        var now = DateTimeOffset.UtcNow;
        var requests = new HttpRequestMessage[count];
        Parallel.For(0, count, i =>
        {
            var bytes = Encoding.UTF8.GetBytes($$"""{"type":"FreeText","to":{{to}},"text":"{{Prefix}}{{i}}, 121.5 MHz at 10:45Z"}""");
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/line/messages") { Content = new ByteArrayContent(bytes) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation(SignedRequest.HeaderName, SignedRequest.Create(key, "POST", "/v1/line/messages", now, Guid.NewGuid(), bytes).ToHeader());
            requests[i] = request;
        });
        return requests;
    }

    /// <summary>Sends requests[from..to] with <paramref name="concurrency"/> in flight; records when each was sent and
    /// acknowledged, and the message id of each 201 (from its Location).</summary>
    private static async Task<int> SendAsync(HttpClient client, HttpRequestMessage[] requests, int from, int to, int concurrency, long[] sent, long[] acknowledged, Guid[] ids)
    {
        var failures = 0;
        var next = from - 1;
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < to)
            {
                sent[i] = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(requests[i]);
                acknowledged[i] = Stopwatch.GetTimestamp();
                if ((int)response.StatusCode == 201 && response.Headers.Location is { } location)
                {
                    ids[i] = Guid.Parse(location.OriginalString.AsSpan(location.OriginalString.LastIndexOf('/') + 1));
                }
                else if (Interlocked.Increment(ref failures) == 1)
                {
                    Console.WriteLine($"first failure: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return failures;
    }

    /// <summary>Party B's live stream: reads events as they come, timestamps each message by its sequence number.</summary>
    private sealed class Subscriber(Uri address, string token, int expected) : IDisposable
    {
        private readonly HttpClient _client = new(new SocketsHttpHandler()) { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
        private readonly CancellationTokenSource _stop = new();
        private readonly List<(long EventId, int Sequence, Guid MessageId, long LogIndex)> _events = new(expected);
        private readonly List<string> _problems = [];
        private int _received;
        private int _waitingFor = int.MaxValue;
        private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task? _reading;

        public long[] Arrived { get; } = new long[expected];

        public int Received => Volatile.Read(ref _received);

        public async Task StartAsync()
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/v1/line/stream");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
            response.EnsureSuccessStatusCode();
            var stream = await response.Content.ReadAsStreamAsync(_stop.Token);
            _reading = Task.Run(() => ReadAsync(response, stream));
        }

        public async Task<bool> WaitForAsync(int received, TimeSpan timeout)
        {
            lock (_problems)
            {
                if (_received >= received)
                {
                    return true;
                }

                _waitingFor = received;
                _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            try
            {
                await _reached.Task.WaitAsync(timeout);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        /// <summary>Every message once, in order, with the id its 201 gave.</summary>
        public List<string> Check(Guid[] ids)
        {
            var problems = new List<string>(_problems);
            var seen = new int[ids.Length];
            long lastEvent = 0, lastIndex = -1;
            foreach (var (eventId, sequence, messageId, logIndex) in _events)
            {
                if (eventId <= lastEvent)
                {
                    problems.Add($"event {eventId} after {lastEvent}");
                }

                if (logIndex <= lastIndex)
                {
                    problems.Add($"log index {logIndex} after {lastIndex}");
                }

                lastEvent = eventId;
                lastIndex = logIndex;
                if (sequence < 0 || sequence >= ids.Length)
                {
                    problems.Add($"unknown sequence {sequence}");
                    continue;
                }

                if (++seen[sequence] > 1)
                {
                    problems.Add($"message {sequence} delivered {seen[sequence]} times");
                }

                if (ids[sequence] != messageId)
                {
                    problems.Add($"message {sequence}: event has id {messageId}, the 201 said {ids[sequence]}");
                }
            }

            for (var i = 0; i < seen.Length; i++)
            {
                if (seen[i] == 0)
                {
                    problems.Add($"message {i} never delivered");
                }
            }

            return problems;
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _reading!;
            }
            catch (OperationCanceledException)
            {
            }
        }

        public void Dispose()
        {
            _client.Dispose();
            _stop.Dispose();
        }

        private async Task ReadAsync(HttpResponseMessage response, Stream stream)
        {
            using (response)
            using (var reader = new StreamReader(stream))
            {
                long eventId = 0;
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    if (line.StartsWith("id: ", StringComparison.Ordinal))
                    {
                        eventId = long.Parse(line.AsSpan(4), CultureInfo.InvariantCulture);
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        var at = Stopwatch.GetTimestamp();
                        OnEvent(eventId, line.AsMemory(6), at);
                    }
                }
            }
        }

        private void OnEvent(long eventId, ReadOnlyMemory<char> data, long at)
        {
            using var json = JsonDocument.Parse(data);
            var e = json.RootElement;
            if (e.GetProperty("id").GetInt64() != eventId)
            {
                _problems.Add($"event {eventId}: data has id {e.GetProperty("id")}");
            }

            if (e.GetProperty("kind").GetString() != "Message" || !e.TryGetProperty("message", out var m) || m.ValueKind != JsonValueKind.Object)
            {
                _problems.Add($"event {eventId}: unexpected {e.GetProperty("kind")}");
                return;
            }

            var text = m.GetProperty("text").GetString() ?? "";
            var end = text.IndexOf(',', StringComparison.Ordinal);
            if (!text.StartsWith(Prefix, StringComparison.Ordinal) || end < 0
                || !int.TryParse(text.AsSpan(Prefix.Length, end - Prefix.Length), CultureInfo.InvariantCulture, out var sequence))
            {
                _problems.Add($"event {eventId}: unexpected text {text}");
                return;
            }

            if (sequence >= 0 && sequence < Arrived.Length && Arrived[sequence] == 0)
            {
                Arrived[sequence] = at;
            }

            _events.Add((eventId, sequence, m.GetProperty("id").GetGuid(), m.GetProperty("logIndex").GetInt64()));
            lock (_problems)
            {
                if (++_received >= _waitingFor)
                {
                    _waitingFor = int.MaxValue;
                    _reached.TrySetResult();
                }
            }
        }
    }
}
