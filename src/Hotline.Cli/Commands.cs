using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hotline.Ledger;
using Hotline.Server;

namespace Hotline.Cli;

/// <summary>The <c>hotline</c> command line. Errors are one line on stderr and a non-zero exit.</summary>
internal static class Commands
{
    public const string DefaultServer = "http://127.0.0.1:7878";

    private static readonly Option<string> ServerOption = new("--server")
    {
        Description = "Hotline server URL (default $HOTLINE_SERVER or " + DefaultServer + ")",
    };

    private static readonly Option<string> TokenOption = new("--token")
    {
        Description = "Bearer credential (default $HOTLINE_TOKEN, or for operator commands data/operator.token)",
    };

    private static readonly Option<string> KeyOption = new("--key")
    {
        Description = "Signing key file (default $HOTLINE_KEY, else ./hotline.key, or for operator commands data/operator.key)",
    };

    /// <summary>The log receipts of the writes this command made.</summary>
    private static readonly List<string> Receipts = [];

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Hotline: a deconfliction line for parties that share airspace.");
        root.Options.Add(ServerOption);
        root.Options.Add(TokenOption);
        root.Options.Add(KeyOption);
        root.Subcommands.Add(KeyCommand());
        root.Subcommands.Add(WitnessCommands.Create());
        root.Subcommands.Add(DssCommands.Create());
        root.Subcommands.Add(LineCommands.Create());
        root.Subcommands.Add(LogCommands.Create());
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(Party());
        root.Subcommands.Add(File());
        root.Subcommands.Add(Amend());
        root.Subcommands.Add(List());
        root.Subcommands.Add(EndCommand());
        root.Subcommands.Add(ConflictsCommand());
        try
        {
            var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
            foreach (var receipt in Receipts)
            {
                Console.WriteLine(receipt);
            }

            return exit;
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync($"hotline: {e.Message}");
            return e.ExitCode;
        }
        catch (HttpRequestException e)
        {
            await Console.Error.WriteLineAsync($"hotline: cannot reach the server: {e.Message}");
            return 2;
        }
    }

    private static Command Serve()
    {
        var data = new Option<string>("--data") { Description = "Data folder (embedded store)", DefaultValueFactory = _ => "data" };
        var urls = new Option<string>("--urls") { Description = "Listen address", DefaultValueFactory = _ => DefaultServer };
        var command = new Command("serve", "Run the Hotline server with the embedded store; further --Hotline:Key value pairs set options (docs/operations.md)")
        {
            data,
            urls,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var settings = parse.UnmatchedTokens.ToArray();
            if (settings.Length % 2 != 0 || settings.Where((_, i) => i % 2 == 0).Any(t => !t.StartsWith("--Hotline:", StringComparison.OrdinalIgnoreCase)))
            {
                throw new CliException($"serve: unknown arguments {string.Join(' ', settings)}; settings are --Hotline:Name value pairs", 2);
            }

            var app = HotlineServer.Build(
                ["--urls", parse.GetValue(urls)!, "--Hotline:DataDirectory", parse.GetValue(data)!, .. settings]);
            await using (app)
            {
                await app.StartAsync(ct);
                await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(app, ct);
            }

            return 0;
        });
        return command;
    }

    private static Command Party()
    {
        var name = new Argument<string>("name") { Description = "The party's name" };
        var publicKey = new Option<string?>("--public-key") { Description = "The party's public key (from `hotline key new`), registered with it" };
        var create = new Command("create", "Create a party (operator) and print its credential") { name, publicKey };
        create.SetAction(async (parse, ct) =>
        {
            using var client = Client(parse, operatorCommand: true);
            var body = await Send(client, HttpMethod.Post, "/v1/parties", new { name = parse.GetValue(name), publicKey = parse.GetValue(publicKey) }, ct);
            Console.WriteLine($"party {body["id"]} {body["name"]}");
            Console.WriteLine($"token {body["token"]}");
            return 0;
        });
        var list = new Command("list", "List the parties");
        list.SetAction(async (parse, ct) =>
        {
            using var client = Client(parse, operatorCommand: true);
            foreach (var p in (await Send(client, HttpMethod.Get, "/v1/parties", null, ct)).AsArray())
            {
                Console.WriteLine($"{p!["id"]}\t{p["name"]}");
            }

            return 0;
        });
        return new Command("party", "Operator commands for parties") { create, list };
    }

    internal sealed record ExtentOptions(
        Argument<FileInfo> Footprint,
        Option<double> Lower,
        Option<double> Upper,
        Option<string> Start,
        Option<string> End,
        Option<string[]> Acknowledge,
        Option<string?> CallSign,
        Option<string?> Notes)
    {
        public static ExtentOptions Create() => new(
            new Argument<FileInfo>("footprint") { Description = "GeoJSON file: a Polygon, or a Point with a radius (metres)" },
            new Option<double>("--lower") { Description = "Lower altitude, metres W84", Required = true },
            new Option<double>("--upper") { Description = "Upper altitude, metres W84", Required = true },
            new Option<string>("--start") { Description = "Start, RFC 3339 with an offset (2030-01-01T10:00:00Z)", Required = true },
            new Option<string>("--end") { Description = "End, RFC 3339 with an offset (2030-01-01T12:00:00Z)", Required = true },
            new Option<string[]>("--ack") { Description = "Acknowledge a conflicting entity: ID:VERSION (repeatable)", AllowMultipleArgumentsPerToken = true },
            new Option<string?>("--call-sign") { Description = "Private: never shown to other parties" },
            new Option<string?>("--notes") { Description = "Private: never shown to other parties" });

        public void AddTo(Command command)
        {
            command.Arguments.Add(Footprint);
            command.Options.Add(Lower);
            command.Options.Add(Upper);
            command.Options.Add(Start);
            command.Options.Add(End);
            command.Options.Add(Acknowledge);
            command.Options.Add(CallSign);
            command.Options.Add(Notes);
        }

        public async Task<object> ExtentAsync(ParseResult parse, CancellationToken ct)
        {
            var file = parse.GetValue(Footprint)!;
            if (!file.Exists)
            {
                throw new CliException($"{file.FullName}: no such file", 2);
            }

            JsonNode geojson;
            try
            {
                geojson = JsonNode.Parse(await System.IO.File.ReadAllTextAsync(file.FullName, ct)) ?? throw new CliException($"{file.Name}: empty", 2);
            }
            catch (JsonException e)
            {
                throw new CliException($"{file.Name}: not JSON: {e.Message}", 2);
            }

            return new
            {
                footprint = geojson,
                altitude = new { lower = parse.GetValue(Lower), upper = parse.GetValue(Upper) },
                time = new { start = Rfc3339("--start", parse.GetValue(Start)!), end = Rfc3339("--end", parse.GetValue(End)!) },
            };
        }

        /// <summary>A time with an explicit offset; without one it would silently mean this machine's zone.</summary>
        private static DateTimeOffset Rfc3339(string option, string text)
        {
            var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
            return hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
                ? value.ToUniversalTime()
                : throw new CliException($"{option} {text}: not an RFC 3339 time with an offset (e.g. 2030-01-01T10:00:00Z)", 2);
        }

        public object[] Acknowledged(ParseResult parse) => [.. (parse.GetValue(Acknowledge) ?? []).Select(ParseAck)];
    }

    private static Command File()
    {
        var extent = ExtentOptions.Create();
        var command = new Command("file", "File a reservation");
        extent.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var request = new
            {
                extents = new[] { await extent.ExtentAsync(parse, ct) },
                callSign = parse.GetValue(extent.CallSign),
                notes = parse.GetValue(extent.Notes),
                acknowledge = extent.Acknowledged(parse),
            };
            using var client = Client(parse, operatorCommand: false);
            var body = await Send(client, HttpMethod.Post, "/v1/reservations", request, ct);
            Console.WriteLine($"filed {body["id"]} version {body["version"]} {body["state"]}");
            return 0;
        });
        return command;
    }

    private static Command Amend()
    {
        var id = new Argument<Guid>("id") { Description = "Reservation id" };
        var version = new Option<long>("--version") { Description = "Its current version", Required = true };
        var state = new Option<string?>("--state") { Description = "New state: Accepted, Activated, Nonconforming, Contingent" };
        var extent = ExtentOptions.Create();
        var command = new Command("amend", "Change a reservation (new footprint, altitudes, times, state)") { id, version, state };
        extent.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var request = new
            {
                version = parse.GetValue(version),
                extents = new[] { await extent.ExtentAsync(parse, ct) },
                state = parse.GetValue(state),
                callSign = parse.GetValue(extent.CallSign),
                notes = parse.GetValue(extent.Notes),
                acknowledge = extent.Acknowledged(parse),
            };
            using var client = Client(parse, operatorCommand: false);
            var body = await Send(client, HttpMethod.Put, $"/v1/reservations/{parse.GetValue(id)}", request, ct);
            Console.WriteLine($"amended {body["id"]} version {body["version"]} {body["state"]}");
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var mine = new Option<bool>("--mine") { Description = "Only my reservations (with their private fields)" };
        var command = new Command("list", "List reservations") { mine };
        command.SetAction(async (parse, ct) =>
        {
            using var client = Client(parse, operatorCommand: false);
            var path = parse.GetValue(mine) ? "/v1/reservations?mine=true" : "/v1/reservations";
            foreach (var r in (await Send(client, HttpMethod.Get, path, null, ct)).AsArray())
            {
                Console.WriteLine($"{r!["id"]}\towner {r["owner"]}\tversion {r["version"]}\t{r["state"]}\t{r["extents"]!.AsArray().Count} extent(s){(r["callSign"] is { } cs ? $"\t{cs}" : "")}");
            }

            return 0;
        });
        return command;
    }

    private static Command EndCommand()
    {
        var id = new Argument<Guid>("id") { Description = "Reservation id" };
        var version = new Option<long>("--version") { Description = "Its current version", Required = true };
        var command = new Command("end", "End a reservation") { id, version };
        command.SetAction(async (parse, ct) =>
        {
            using var client = Client(parse, operatorCommand: false);
            var body = await Send(client, HttpMethod.Post, $"/v1/reservations/{parse.GetValue(id)}/end", new { version = parse.GetValue(version) }, ct);
            Console.WriteLine($"ended {body["id"]} version {body["version"]}");
            return 0;
        });
        return command;
    }

    private static Command ConflictsCommand()
    {
        var command = new Command("conflicts", "List the open conflicts of my reservations");
        command.SetAction(async (parse, ct) =>
        {
            using var client = Client(parse, operatorCommand: false);
            foreach (var c in (await Send(client, HttpMethod.Get, "/v1/conflicts", null, ct)).AsArray())
            {
                PrintConflict(c!);
            }

            return 0;
        });
        return command;
    }

    private static void PrintConflict(JsonNode c)
    {
        var region = c["region"]!;
        Console.WriteLine(
            $"{(c["reservationId"] is { } r ? $"{r} extent {c["reservationExtent"]}" : $"extent {c["reservationExtent"]}")} conflicts with "
            + $"{c["otherKind"]!.GetValue<string>().ToLowerInvariant()} {c["otherId"]}:{c["otherVersion"]} (party {c["otherOwner"]}, extent {c["otherExtent"]}) "
            + $"{region["time"]!["start"]} to {region["time"]!["end"]}, {region["altitude"]!["lower"]}–{region["altitude"]!["upper"]} m");
    }

    private static object ParseAck(string text)
    {
        var parts = text.Split(':');
        return parts.Length == 2 && Guid.TryParse(parts[0], out var id) && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? new { id, version }
            : throw new CliException($"--ack {text}: expected ID:VERSION", 2);
    }

    private static Command KeyCommand()
    {
        var output = new Option<string>("--out") { Description = "Where to write the new secret key", DefaultValueFactory = _ => "hotline.key" };
        var create = new Command("new", "Create a signing key (Ed25519) and print its public half") { output };
        create.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(output)!;
            SecretFiles.RefuseExisting(path);
            using var key = PartySigningKey.Generate();
            await SecretFiles.WriteNewAsync(path, key.ExportSeed(), ct);

            Console.WriteLine($"key {key.PublicKey.KeyId} {key.PublicKey.ToBase64()}");
            return 0;
        });
        var add = new Option<string?>("--add") { Description = "Register the key in this file, signing with my current key (--key)" };
        var register = new Command("register", "Register my first signing key (--key), or with --add another one, signed by the current") { add };
        register.SetAction(async (parse, ct) =>
        {
            using var key = SigningKey(parse, operatorCommand: false) ?? throw new CliException("no signing key: pass --key FILE or set HOTLINE_KEY", 2);
            using var added = parse.GetValue(add) is { } path
                ? System.IO.File.Exists(path) ? PartySigningKey.FromSeed(System.IO.File.ReadAllText(path)) : throw new CliException($"{path}: no such key file", 2)
                : null;
            using var client = Client(parse, operatorCommand: false, key);
            var body = await Send(client, HttpMethod.Post, "/v1/keys", new { publicKey = (added ?? key).PublicKey.ToBase64() }, ct);
            Console.WriteLine($"registered {body["keyId"]} for party {body["party"]}");
            return 0;
        });
        return new Command("key", "Signing keys: every write is signed by its sender and recorded in the log") { create, register };
    }

    /// <summary>The signing key for this command, or null when none is configured (reads need none).</summary>
    private static PartySigningKey? SigningKey(ParseResult parse, bool operatorCommand)
    {
        var path = parse.GetValue(KeyOption) ?? Environment.GetEnvironmentVariable("HOTLINE_KEY");
        path ??= operatorCommand ? Path.Combine("data", "operator.key") : "hotline.key";
        if (!System.IO.File.Exists(path))
        {
            return null;
        }

        try
        {
            return PartySigningKey.FromSeed(System.IO.File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            throw new CliException($"{path}: {e.Message}", 2);
        }
    }

    internal static HttpClient Client(ParseResult parse, bool operatorCommand) => Client(parse, operatorCommand, SigningKey(parse, operatorCommand));

    private static HttpClient Client(ParseResult parse, bool operatorCommand, PartySigningKey? key)
    {
        var server = parse.GetValue(ServerOption) ?? Environment.GetEnvironmentVariable("HOTLINE_SERVER") ?? DefaultServer;
        var token = parse.GetValue(TokenOption) ?? Environment.GetEnvironmentVariable("HOTLINE_TOKEN");
        if (token is null && operatorCommand && System.IO.File.Exists(Path.Combine("data", "operator.token")))
        {
            token = System.IO.File.ReadAllText(Path.Combine("data", "operator.token")).Trim();
        }

        if (token is null)
        {
            throw new CliException("no credential: pass --token or set HOTLINE_TOKEN", 2);
        }

        if (!Uri.TryCreate(server, UriKind.Absolute, out var baseAddress))
        {
            throw new CliException($"--server {server}: not a URL", 2);
        }

        HttpMessageHandler handler = new SocketsHttpHandler();
        handler = key is null ? new RefuseUnsignedWrites(handler) : new RequestSigningHandler(key, TimeProvider.System, handler);
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    internal static async Task<JsonNode> Send(HttpClient client, HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: new JsonSerializerOptions(JsonSerializerDefaults.Web));
        }

        using var response = await client.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        JsonNode? json = null;
        try
        {
            json = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (JsonException)
        {
            // Not ours (a proxy's page, say): report the status alone.
        }
        if (response.IsSuccessStatusCode)
        {
            // The receipt of a write: where the log holds it (its proof: `hotline log proof INDEX`), printed last.
            if (response.Headers.TryGetValues("Hotline-Log-Index", out var index) && response.Headers.TryGetValues("Hotline-Log-Leaf-Hash", out var leaf))
            {
                Receipts.Add($"receipt {index.First()} {leaf.First()}");
            }

            return json ?? new JsonObject();
        }

        if (json?["conflicts"] is JsonArray conflicts)
        {
            foreach (var c in conflicts)
            {
                PrintConflict(c!);
            }

            throw new CliException($"{json["title"]}: {json["detail"]}", 3);
        }

        throw new CliException(json?["detail"] is { } detail ? $"{json["title"]}: {detail}" : $"HTTP {(int)response.StatusCode}", 1);
    }
}

/// <summary>Stops a write before it leaves when there is no key to sign it with, saying how to get one.</summary>
internal sealed class RefuseUnsignedWrites(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.Method == HttpMethod.Get || request.Method == HttpMethod.Head
            ? base.SendAsync(request, cancellationToken)
            : throw new CliException("no signing key: pass --key FILE or set HOTLINE_KEY (create one with `hotline key new`)", 2);
}

/// <summary>A failure reported as one line with an exit code (1 refused, 2 usage or input, 3 conflicts).</summary>
internal sealed class CliException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
