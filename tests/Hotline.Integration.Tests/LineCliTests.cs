using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace Hotline.Integration.Tests;

/// <summary><c>hotline line</c> with the real command against the real server: one party follows its stream live
/// while the other sends, the guard holds back a location, suspension is seen by all.</summary>
public sealed class LineCliTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private CliDeployment _cli = null!;

    private string Server => _cli.Server;

    private string Folder => _cli.Folder;

    public async Task InitializeAsync() => _cli = await CliDeployment.StartAsync("hotline-line-cli-");

    public async Task DisposeAsync() => await _cli.DisposeAsync();

    [Fact]
    public async Task AFollowerSeesTextNoticeAndEmergencyInOrderAndAcknowledgesTheEmergency()
    {
        var coalition = await NewPartyAsync("coalition");
        var ruMod = await NewPartyAsync("ru-mod");
        await using var follow = Follow(ruMod);

        var text = SentId(await Succeeds(coalition, "line", "send", "text", "--to", $"{ruMod.Id}", "--text", "radio check, 121.5 MHz at 10:45Z"), "FreeText", $"party {ruMod.Id}");
        // Live: the follower prints it while it runs.
        var first = await follow.NextAsync();
        Assert.Equal(["Message", $"party {coalition.Id}", $"FreeText {text} from party {coalition.Id} [Routine]: radio check, 121.5 MHz at 10:45Z"], first[2..]);

        var notice = SentId(await Succeeds(coalition, "line", "send", "notice", "--text", "exercise area closed until 18:00Z"), "Notice", "all");
        var emergency = SentId(
            await Succeeds(coalition, "line", "send", "emergency", "--to", $"{ruMod.Id}", "--position", "36.4,37.2", "--need", "medical evacuation for two crew"),
            "Emergency",
            $"party {ruMod.Id}");

        var second = await follow.NextAsync();
        var third = await follow.NextAsync();
        Assert.Equal($"Notice {notice} from party {coalition.Id} [Routine]: exercise area closed until 18:00Z", second[4]);
        Assert.Equal($"Emergency {emergency} from party {coalition.Id} [Flash]", third[4]);
        Assert.True(long.Parse(first[0], CultureInfo.InvariantCulture) < long.Parse(second[0], CultureInfo.InvariantCulture) && long.Parse(second[0], CultureInfo.InvariantCulture) < long.Parse(third[0], CultureInfo.InvariantCulture), "event ids increase");

        // `line ack` sends no `to`: a reply goes to the sender of what it answers, not to all.
        var ack = SentId(await Succeeds(ruMod, "line", "ack", $"{emergency}"), "Acknowledgement", $"party {coalition.Id}");
        using var asSender = new HttpClient { BaseAddress = new Uri(Server) };
        asSender.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", coalition.Token);
        var answered = JsonNode.Parse(await asSender.GetStringAsync($"/v1/line/messages/{emergency}"))!;
        Assert.Equal($"{ack}", answered["answeredBy"]!.GetValue<string>());
    }

    [Fact]
    public async Task ALocationInTextIsRefusedInOneLineUnlessDisclosed()
    {
        var coalition = await NewPartyAsync("coalition");
        var ruMod = await NewPartyAsync("ru-mod");
        await using var follow = Follow(ruMod);
        string[] send = ["line", "send", "text", "--to", $"{ruMod.Id}", "--text", "tanker orbit at 48.8566, 2.3522 from 10:45Z"];

        var refused = await Run(coalition, send);

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("", refused.Output);
        Assert.Single(refused.Error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("hotline: Invalid request: text: ", refused.Error, StringComparison.Ordinal);
        Assert.Contains("48.8566", refused.Error, StringComparison.Ordinal);

        var disclosed = SentId(await Succeeds(coalition, [.. send, "--disclose-location"]), "FreeText", $"party {ruMod.Id}");
        var delivered = await follow.NextAsync();
        Assert.Equal($"FreeText {disclosed} from party {coalition.Id} [Routine]: tanker orbit at 48.8566, 2.3522 from 10:45Z", delivered[4]);
    }

    [Fact]
    public async Task ASuspensionIsShownInTheStatusAndToOthersUntilResumed()
    {
        var coalition = await NewPartyAsync("coalition");
        var ruMod = await NewPartyAsync("ru-mod");
        await using var follow = Follow(coalition);

        Assert.Equal($"party {ruMod.Id} suspended: consultations\n", (await Succeeds(ruMod, "line", "suspend", "consultations")).Output.Split("receipt ")[0]);

        var status = (await Succeeds(coalition, "line", "status")).Output;
        Assert.Contains($"party {ruMod.Id}\tsuspended: consultations\tmissed checks 0\n", status, StringComparison.Ordinal);
        Assert.Contains($"party {coalition.Id}\tup\tmissed checks 0\n", status, StringComparison.Ordinal);
        var told = await follow.NextAsync();
        Assert.Equal(["Suspended", $"party {ruMod.Id}", "consultations"], told[2..]);

        var blocked = await Run(coalition, "line", "send", "text", "--to", $"{ruMod.Id}", "--text", "radio check");
        Assert.Equal(1, blocked.ExitCode);
        Assert.StartsWith($"hotline: Forbidden: party {ruMod.Id} has suspended its participation", blocked.Error, StringComparison.Ordinal);

        Assert.StartsWith($"party {ruMod.Id} participating\n", (await Succeeds(ruMod, "line", "resume")).Output, StringComparison.Ordinal);
        Assert.Contains($"party {ruMod.Id}\tup\tmissed checks 0\n", (await Succeeds(coalition, "line", "status")).Output, StringComparison.Ordinal);
        Assert.Equal(["Resumed", $"party {ruMod.Id}"], (await follow.NextAsync())[2..4]);
        SentId(await Succeeds(coalition, "line", "send", "text", "--to", $"{ruMod.Id}", "--text", "radio check"), "FreeText", $"party {ruMod.Id}");
    }

    /// <summary>The message id from <c>sent TYPE ID to WHOM, ...</c>.</summary>
    private static Guid SentId((int ExitCode, string Output, string Error) result, string type, string to)
    {
        var sent = Regex.Match(result.Output, $@"^sent {type} (?<id>[0-9a-f-]{{36}}) to {Regex.Escape(to)}[,\n]");
        Assert.True(sent.Success, result.Output);
        return Guid.Parse(sent.Groups["id"].Value);
    }

    private Task<CliParty> NewPartyAsync(string name) => _cli.NewPartyAsync(name);

    private Task<(int ExitCode, string Output, string Error)> Run(CliParty party, params string[] args) => _cli.Run(party, args);

    private Task<(int ExitCode, string Output, string Error)> Succeeds(CliParty party, params string[] args) => _cli.Succeeds(party, args);

    /// <summary><c>hotline line follow --after 0</c> for the party, in the background (from its first event: nothing
    /// sent before it connects is missed).</summary>
    private Follower Follow(CliParty party)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Folder,
        };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "hotline.dll"), "--server", Server, "--token", party.Token, "--key", party.KeyFile, "line", "follow", "--after", "0"])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("HOTLINE_TOKEN");
        start.Environment.Remove("HOTLINE_KEY");
        start.Environment.Remove("HOTLINE_SERVER");
        return new Follower(Process.Start(start) ?? throw new InvalidOperationException("cannot start hotline"));
    }


    /// <summary>A running <c>line follow</c>: its output lines, one event each (id, time, kind, party, what; tab-separated).</summary>
    private sealed class Follower : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
        private readonly List<string> _errors = [];

        public Follower(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { Length: > 0 } line)
                {
                    _lines.Writer.TryWrite(line);
                }
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    lock (_errors)
                    {
                        _errors.Add(line);
                    }
                }
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public async Task<string[]> NextAsync()
        {
            try
            {
                return (await _lines.Reader.ReadAsync().AsTask().WaitAsync(Patience)).Split('\t');
            }
            catch (TimeoutException)
            {
                lock (_errors)
                {
                    Assert.Fail($"line follow printed nothing in {Patience.TotalSeconds} s{(_process.HasExited ? $"; it exited {_process.ExitCode}" : "")}: {string.Join(" / ", _errors)}");
                }

                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
