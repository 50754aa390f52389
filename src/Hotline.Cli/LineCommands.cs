using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Hotline.Cli;

/// <summary><c>hotline line</c>: send each message type, answer, acknowledge, suspend and resume, and follow the
/// party's live event stream in the terminal.</summary>
internal static class LineCommands
{
    public static Command Create()
    {
        var line = new Command("line", "The line: typed, signed, recorded messages between parties")
        {
            SendCommand(),
            Reply("ack", "Acknowledge a message", "Acknowledgement", null),
            Reply("answer", "Answer a line check", "LineCheckAnswer", null),
            Reply("accept", "Accept a deconfliction request or counter-proposal (its proposal is carried out)", "DeconflictionResponse", "Accept"),
            Reply("decline", "Decline a deconfliction request or counter-proposal", "DeconflictionResponse", "Decline"),
            Suspend(),
            Simple("resume", "Resume my participation", HttpMethod.Post, "/v1/line/resume", new { }),
            Status(),
            Follow(),
        };
        return line;
    }

    private static Command SendCommand()
    {
        var type = new Argument<string>("type") { Description = "request, counter, notice, emergency, check, text" };
        var to = new Option<int?>("--to") { Description = "The receiving party (omit for all parties)" };
        var text = new Option<string?>("--text") { Description = "Free text (checked for locations before it leaves)" };
        var about = new Option<Guid?>("--about") { Description = "The reservation a request is about" };
        var replyTo = new Option<Guid?>("--reply-to") { Description = "The message a counter-proposal answers" };
        var position = new Option<string?>("--position") { Description = "An emergency's position: LAT,LNG in degrees" };
        var need = new Option<string?>("--need") { Description = "What an emergency needs" };
        var disclose = new Option<bool>("--disclose-location") { Description = "I intend to disclose the location in the text (recorded)" };
        var reservation = new Option<Guid?>("--proposal-for") { Description = "Propose new extents for this reservation (with --proposal-version and an extent)" };
        var version = new Option<long?>("--proposal-version") { Description = "The version of the reservation the proposal changes" };
        var footprint = new Option<FileInfo?>("--footprint") { Description = "The proposal's footprint (GeoJSON file)" };
        var lower = new Option<double?>("--lower") { Description = "The proposal's lower altitude, m" };
        var upper = new Option<double?>("--upper") { Description = "The proposal's upper altitude, m" };
        var start = new Option<string?>("--start") { Description = "The proposal's start, RFC 3339 with offset" };
        var end = new Option<string?>("--end") { Description = "The proposal's end, RFC 3339 with offset" };
        var command = new Command("send", "Send a message") { type, to, text, about, replyTo, position, need, disclose, reservation, version, footprint, lower, upper, start, end };
        command.SetAction(async (parse, ct) =>
        {
            var kind = parse.GetValue(type) switch
            {
                "request" => "DeconflictionRequest",
                "counter" => "DeconflictionResponse",
                "notice" => "Notice",
                "emergency" => "Emergency",
                "check" => "LineCheck",
                "text" => "FreeText",
                var other => throw new CliException($"send {other}: use request, counter, notice, emergency, check or text", 2),
            };
            JsonObject? proposal = null;
            if (parse.GetValue(reservation) is { } id)
            {
                var file = parse.GetValue(footprint) ?? throw new CliException("--proposal-for needs --footprint, --lower, --upper, --start, --end", 2);
                proposal = new JsonObject
                {
                    ["reservationId"] = id.ToString(),
                    ["version"] = parse.GetValue(version) ?? throw new CliException("--proposal-for needs --proposal-version", 2),
                    ["extents"] = new JsonArray(new JsonObject
                    {
                        ["footprint"] = await ReadGeoJsonAsync(file, ct),
                        ["altitude"] = new JsonObject { ["lower"] = parse.GetValue(lower) ?? Missing<double>("--lower"), ["upper"] = parse.GetValue(upper) ?? Missing<double>("--upper") },
                        ["time"] = new JsonObject { ["start"] = parse.GetValue(start) ?? Missing<string>("--start"), ["end"] = parse.GetValue(end) ?? Missing<string>("--end") },
                    }),
                };
            }

            JsonObject? emergency = null;
            if (parse.GetValue(position) is { } p)
            {
                var parts = p.Split(',');
                if (parts.Length != 2 || !double.TryParse(parts[0], CultureInfo.InvariantCulture, out var lat) || !double.TryParse(parts[1], CultureInfo.InvariantCulture, out var lng))
                {
                    throw new CliException($"--position {p}: expected LAT,LNG in degrees", 2);
                }

                emergency = new JsonObject { ["position"] = new JsonObject { ["lat"] = lat, ["lng"] = lng }, ["need"] = parse.GetValue(need) };
            }

            var body = new JsonObject
            {
                ["type"] = kind,
                ["to"] = parse.GetValue(to),
                ["text"] = parse.GetValue(text),
                ["about"] = parse.GetValue(about)?.ToString(),
                ["inReplyTo"] = parse.GetValue(replyTo)?.ToString(),
                ["decision"] = kind == "DeconflictionResponse" ? "Counter" : null,
                ["proposal"] = proposal,
                ["emergency"] = emergency,
                ["discloseLocation"] = parse.GetValue(disclose),
            };
            using var client = Commands.Client(parse, operatorCommand: false);
            Print(await Commands.Send(client, HttpMethod.Post, "/v1/line/messages", body, ct));
            return 0;
        });
        return command;
    }

    private static Command Reply(string name, string description, string type, string? decision)
    {
        var id = new Argument<Guid>("id") { Description = "The message answered" };
        var text = new Option<string?>("--text") { Description = "Free text (checked for locations before it leaves)" };
        var command = new Command(name, description) { id, text };
        command.SetAction(async (parse, ct) =>
        {
            using var client = Commands.Client(parse, operatorCommand: false);
            var body = new JsonObject { ["type"] = type, ["inReplyTo"] = parse.GetValue(id).ToString(), ["decision"] = decision, ["text"] = parse.GetValue(text) };
            Print(await Commands.Send(client, HttpMethod.Post, "/v1/line/messages", body, ct));
            return 0;
        });
        return command;
    }

    private static Command Suspend()
    {
        var reason = new Argument<string>("reason") { Description = "Why (everyone is told)" };
        var command = new Command("suspend", "Suspend my participation: only emergencies and line checks pass until I resume") { reason };
        command.SetAction(async (parse, ct) =>
        {
            using var client = Commands.Client(parse, operatorCommand: false);
            var standing = await Commands.Send(client, HttpMethod.Post, "/v1/line/suspend", new { reason = parse.GetValue(reason) }, ct);
            Console.WriteLine($"party {standing["party"]} suspended: {standing["reason"]}");
            return 0;
        });
        return command;
    }

    private static Command Simple(string name, string description, HttpMethod method, string path, object body)
    {
        var command = new Command(name, description);
        command.SetAction(async (parse, ct) =>
        {
            using var client = Commands.Client(parse, operatorCommand: false);
            var standing = await Commands.Send(client, method, path, body, ct);
            Console.WriteLine($"party {standing["party"]} {(standing["suspended"]!.GetValue<bool>() ? "suspended" : "participating")}");
            return 0;
        });
        return command;
    }

    private static Command Status()
    {
        var command = new Command("status", "Every party's standing on the line");
        command.SetAction(async (parse, ct) =>
        {
            using var client = Commands.Client(parse, operatorCommand: false);
            foreach (var s in (await Commands.Send(client, HttpMethod.Get, "/v1/line/status", null, ct)).AsArray())
            {
                var state = s!["suspended"]!.GetValue<bool>() ? $"suspended: {s["reason"]}" : s["down"]!.GetValue<bool>() ? "line down" : "up";
                Console.WriteLine($"party {s["party"]}\t{state}\tmissed checks {s["missedChecks"]}");
            }

            return 0;
        });
        return command;
    }

    private static Command Follow()
    {
        var after = new Option<long?>("--after") { Description = "Resume after this event id (default: only new events)" };
        var command = new Command("follow", "Follow my events live (messages, conflicts, escalations, notices); Ctrl+C stops") { after };
        command.SetAction(async (parse, ct) =>
        {
            using var client = Commands.Client(parse, operatorCommand: false);
            client.Timeout = Timeout.InfiniteTimeSpan;
            var last = parse.GetValue(after);
            if (last is null)
            {
                // Only what happens from now on: start after the newest event.
                var page = (await Commands.Send(client, HttpMethod.Get, "/v1/line/events?after=0&limit=1000", null, ct)).AsArray();
                last = page.Count == 0 ? 0 : page[^1]!["id"]!.GetValue<long>();
            }

            while (!ct.IsCancellationRequested)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/line/stream");
                    request.Headers.TryAddWithoutValidation("Last-Event-ID", last.Value.ToString(CultureInfo.InvariantCulture));
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new CliException($"the stream answered HTTP {(int)response.StatusCode}", 1);
                    }

                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                    string? id = null;
                    while (await reader.ReadLineAsync(ct) is { } text)
                    {
                        if (text.StartsWith("id: ", StringComparison.Ordinal))
                        {
                            id = text[4..];
                        }
                        else if (text.StartsWith("data: ", StringComparison.Ordinal))
                        {
                            PrintEvent(JsonNode.Parse(text[6..])!);
                            last = long.Parse(id!, CultureInfo.InvariantCulture);
                        }
                    }
                }
                catch (HttpRequestException) when (!ct.IsCancellationRequested)
                {
                    // Reconnect and resume after the last event seen.
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
            }

            return 0;
        });
        return command;
    }

    private static void Print(JsonNode m) =>
        Console.WriteLine($"sent {m["type"]} {m["id"]} to {(m["to"] is { } to ? $"party {to}" : "all")}, priority {m["priority"]}{(m["deadline"] is { } d ? $", answer by {d}" : "")}");

    private static void PrintEvent(JsonNode e)
    {
        var kind = e["kind"]!.GetValue<string>();
        var message = e["message"];
        var what = message is null
            ? e["reason"]?.ToString() ?? ""
            : $"{message["type"]} {message["id"]} from party {message["from"]} [{message["priority"]}]{(message["text"] is { } t ? $": {t}" : "")}";
        Console.WriteLine($"{e["id"]}\t{e["at"]}\t{kind}\t{(e["party"] is { } p ? $"party {p}\t" : "")}{what}");
    }

    private static async Task<JsonNode> ReadGeoJsonAsync(FileInfo file, CancellationToken ct) =>
        file.Exists
            ? JsonNode.Parse(await File.ReadAllTextAsync(file.FullName, ct)) ?? throw new CliException($"{file.Name}: empty", 2)
            : throw new CliException($"{file.FullName}: no such file", 2);

    private static T Missing<T>(string option) => throw new CliException($"--proposal-for needs {option}", 2);
}
