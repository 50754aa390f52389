using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

/// <summary>One Server-Sent Events frame: <c>id</c>, <c>event</c> and the JSON of <c>data</c>.</summary>
public sealed record SseFrame(long Id, string Event, JsonObject Data)
{
    public string? MessageText => Data["message"]?["text"]?.ToString();
}

/// <summary>A live <c>GET /v1/line/stream</c> over real HTTP, read frame by frame as it arrives.</summary>
public sealed class SseSubscription : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseSubscription(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    /// <summary>Opens the stream, resuming after <paramref name="lastEventId"/> with the header (or with <c>?after=</c>).</summary>
    public static async Task<SseSubscription> OpenAsync(HttpClient http, string token, long? lastEventId = null, bool useQuery = false)
    {
        var path = useQuery && lastEventId is { } after ? $"/v1/line/stream?after={after}" : "/v1/line/stream";
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (!useQuery && lastEventId is { } last)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", last.ToString(CultureInfo.InvariantCulture));
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseSubscription(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    /// <summary>The next event frame (comments and keep-alives skipped); fails after a patience without one.</summary>
    public async Task<SseFrame> NextAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        long? id = null;
        string? kind = null;
        string? data = null;
        while (true)
        {
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no event within {Patience.TotalSeconds} s");
                throw;
            }

            Assert.True(line is not null, "the server ended the stream");
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    Assert.True(id is not null && kind is not null, $"a frame without id or event: {data}");
                    return new SseFrame(id.Value, kind, JsonNode.Parse(data)!.AsObject());
                }

                continue;
            }

            if (line.StartsWith(':'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id":
                    id = long.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "event":
                    kind = value;
                    break;
                case "data":
                    data = data is null ? value : data + "\n" + value;
                    break;
            }
        }
    }

    /// <summary>Frames until one satisfies <paramref name="last"/> (included).</summary>
    public async Task<List<SseFrame>> UntilAsync(Func<SseFrame, bool> last)
    {
        var frames = new List<SseFrame>();
        while (true)
        {
            var frame = await NextAsync();
            frames.Add(frame);
            if (last(frame))
            {
                return frames;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The live stream and the history of the line over real HTTP: order, resumption, visibility, restarts.</summary>
public sealed class LineStreamTests(LineFixture fixture) : IClassFixture<LineFixture>
{
    private readonly LineServer _line = fixture.Server;

    [Fact]
    public async Task ASubscriberReceivesEventsLiveInTheOrderTheyWereSent()
    {
        var a = await _line.NewPartyAsync("a");
        var r = await _line.NewPartyAsync("r");
        var start = _line.Airspace.LastEventId;
        await using var stream = await SseSubscription.OpenAsync(_line.Http, r.Token, start);

        var sent = new List<JsonObject>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add(await _line.SentAsync(a.Token, Line.Text(r.Id, $"live {i}")));
        }

        var frames = await stream.UntilAsync(f => f.Data["messageId"]?.ToString() == sent[^1]["id"]!.ToString());
        var mine = frames.Where(f => f.Event == "Message" && (int?)f.Data["party"] == a.Id).ToList();

        Assert.Equal(sent.Select(m => m["id"]!.ToString()), mine.Select(f => f.Data["messageId"]!.ToString()));
        Assert.Equal(["live 0", "live 1", "live 2", "live 3", "live 4"], mine.Select(f => f.MessageText));
        Assert.All(frames, f => Assert.Equal(f.Id, f.Data["id"]!.GetValue<long>()));
        Assert.Equal(frames.Select(f => f.Id).Order(), frames.Select(f => f.Id));
        Assert.Equal(frames.Count, frames.Select(f => f.Id).Distinct().Count());
        Assert.All(frames, f => Assert.True(f.Id > start));
        // The history after the same point is the same sequence.
        Assert.Equal((await _line.EventsAsync(r.Token, start)).Select(e => e["id"]!.GetValue<long>()), frames.Select(f => f.Id));
    }

    [Fact]
    public async Task BroadcastEventsReachEveryPartyAndDirectedOnesOnlyTheirRecipient()
    {
        var a = await _line.NewPartyAsync("a");
        var b = await _line.NewPartyAsync("b");
        var c = await _line.NewPartyAsync("c");
        var start = _line.Airspace.LastEventId;
        await using var toB = await SseSubscription.OpenAsync(_line.Http, b.Token, start);
        await using var toC = await SseSubscription.OpenAsync(_line.Http, c.Token, start);

        var directed = await _line.SentAsync(a.Token, Line.Text(b.Id, "for b only"));
        var broadcast = await _line.SentAsync(a.Token, Line.Message("Notice", text: "for everyone"));
        bool IsBroadcast(SseFrame f) => f.Data["messageId"]?.ToString() == broadcast["id"]!.ToString();

        var seenByB = await toB.UntilAsync(IsBroadcast);
        var seenByC = await toC.UntilAsync(IsBroadcast);

        var directedFrame = Assert.Single(seenByB, f => f.Data["messageId"]?.ToString() == directed["id"]!.ToString());
        Assert.Equal(b.Id, (int)directedFrame.Data["recipient"]!);
        Assert.Equal("for b only", directedFrame.MessageText);
        Assert.Null(seenByC[^1].Data["recipient"]);
        Assert.Equal("for everyone", seenByC[^1].MessageText);
        Assert.DoesNotContain(seenByC, f => f.Data["messageId"]?.ToString() == directed["id"]!.ToString());
        Assert.DoesNotContain(seenByC, f => f.Data.ToJsonString().Contains("for b only", StringComparison.Ordinal));
        Assert.DoesNotContain(await _line.EventsAsync(c.Token, start), e => e["messageId"]?.ToString() == directed["id"]!.ToString());
        Assert.Contains(await _line.EventsAsync(a.Token, start), e => e["messageId"]?.ToString() == broadcast["id"]!.ToString());
    }

    [Fact]
    public async Task HistoryPagesOfAnySizeGiveTheSameSequenceAndBadBoundsAreRefused()
    {
        var a = await _line.NewPartyAsync("a");
        var r = await _line.NewPartyAsync("r");
        for (var i = 0; i < 12; i++)
        {
            await _line.SentAsync(a.Token, Line.Text(r.Id, $"page {i}"));
        }

        var whole = (await _line.EventsAsync(r.Token, 0, 1000)).Select(e => e["id"]!.GetValue<long>()).ToList();
        var byOne = (await _line.EventsAsync(r.Token, 0, 1)).Select(e => e["id"]!.GetValue<long>()).ToList();
        var bySeven = (await _line.EventsAsync(r.Token, 0, 7)).Select(e => e["id"]!.GetValue<long>()).ToList();
        var firstPage = await _line.Client.GetAsync("/v1/line/events?limit=5", r.Token);

        Assert.True(whole.Count >= 12);
        Assert.Equal(whole, byOne);
        Assert.Equal(whole, bySeven);
        Assert.Equal(whole.Take(5), firstPage.Array.Select(e => e!["id"]!.GetValue<long>()));
        AssertInvalid(await _line.Client.GetAsync("/v1/line/events?limit=0", r.Token), "limit", "limit");
        AssertInvalid(await _line.Client.GetAsync("/v1/line/events?limit=1001", r.Token), "limit", "limit");
        AssertInvalid(await _line.Client.GetAsync("/v1/line/events?after=-1", r.Token), "limit", "after");
        Assert.Empty((await _line.Client.GetAsync($"/v1/line/events?after={whole[^1] + 1_000_000}", r.Token)).Array);
    }

    [Fact]
    public async Task ASubscriberThatDisconnectsAndResumesWithLastEventIdGetsEveryEventExactlyOnceInOrder()
    {
        await using var line = await LineServer.StartAsync();
        var a = await line.NewPartyAsync("a");
        var b = await line.NewPartyAsync("b");
        var r = await line.NewPartyAsync("r");
        const int PerSender = 100;

        // Two senders at once, each a mix of directed texts and (every tenth) notices to all.
        async Task SendAllAsync(TestParty from)
        {
            for (var i = 0; i < PerSender; i++)
            {
                await line.SentAsync(from.Token, i % 10 == 9 ? Line.Message("Notice", text: $"{from.Id}:{i}") : Line.Text(r.Id, $"{from.Id}:{i}"));
            }
        }

        var sending = Task.WhenAll(SendAllAsync(a), SendAllAsync(b));
        var received = new List<SseFrame>();
        var connections = 0;
        var random = new Random(2017);
        long? last = null;
        while (received.Count < 2 * PerSender)
        {
            connections++;
            // Alternate the two ways of resuming: the Last-Event-ID header and ?after=.
            await using var stream = await SseSubscription.OpenAsync(line.Http, r.Token, last, useQuery: connections % 2 == 0);
            var take = random.Next(5, 40);
            for (var i = 0; i < take && received.Count < 2 * PerSender; i++)
            {
                var frame = await stream.NextAsync();
                received.Add(frame);
                last = frame.Id;
            }
        }

        await sending;
        var ids = received.Select(f => f.Id).ToList();
        var history = (await line.EventsAsync(r.Token, 0, 37)).Select(e => e["id"]!.GetValue<long>()).ToList();

        Assert.True(connections >= 5, $"only {connections} connections");
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(history, ids);
        Assert.All(received, f => Assert.Equal("Message", f.Event));
        foreach (var sender in new[] { a, b })
        {
            var texts = received.Where(f => (int?)f.Data["party"] == sender.Id).Select(f => f.MessageText).ToList();
            Assert.Equal(Enumerable.Range(0, PerSender).Select(i => $"{sender.Id}:{i}"), texts);
        }
    }

    [Fact]
    public async Task AfterARestartTheStreamResumesFromLastEventIdWithoutLossOrDuplicates()
    {
        var directory = Directory.CreateTempSubdirectory("hotline-line-restart-").FullName;
        try
        {
            TestParty a, r;
            long last;
            var before = new List<SseFrame>();
            await using (var first = await LineServer.StartAsync(directory))
            {
                a = await first.NewPartyAsync("a");
                r = await first.NewPartyAsync("r");
                for (var i = 0; i < 30; i++)
                {
                    await first.SentAsync(a.Token, Line.Text(r.Id, $"m{i}"));
                }

                await using var stream = await SseSubscription.OpenAsync(first.Http, r.Token);
                for (var i = 0; i < 10; i++)
                {
                    before.Add(await stream.NextAsync());
                }

                last = before[^1].Id;
            }

            await using var second = await LineServer.StartAsync(directory);
            for (var i = 30; i < 35; i++)
            {
                await second.SentAsync(a.Token, Line.Text(r.Id, $"m{i}"));
            }

            var marker = await second.SentAsync(a.Token, Line.Message("Notice", text: "marker"));
            await using var resumed = await SseSubscription.OpenAsync(second.Http, r.Token, last);
            var after = await resumed.UntilAsync(f => f.Data["messageId"]?.ToString() == marker["id"]!.ToString());

            var texts = before.Concat(after).Select(f => f.MessageText).ToList();
            Assert.Equal([.. Enumerable.Range(0, 35).Select(i => $"m{i}"), "marker"], texts);
            Assert.Equal((await second.EventsAsync(r.Token, last)).Select(e => e["id"]!.GetValue<long>()), after.Select(f => f.Id));
            Assert.Equal(before.Concat(after).Select(f => f.Id).Order(), before.Concat(after).Select(f => f.Id));
            Assert.All(after, f => Assert.True(f.Id > last));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
