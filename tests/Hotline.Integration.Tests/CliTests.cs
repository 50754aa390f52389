namespace Hotline.Integration.Tests;

/// <summary>The README's walk-through, run with the real <c>hotline</c> command against the real server.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hotline-cli-").FullName;
    private readonly int _port = HotlineProcess.FreePort();
    private System.Diagnostics.Process? _server;

    private string Server => $"http://127.0.0.1:{_port}";

    public async Task InitializeAsync()
    {
        // The server's data folder is ./data of the folder the commands run in, as in the README.
        _server = HotlineProcess.Serve(Path.Combine(_folder, "data"), _port);
        using var client = new HttpClient { BaseAddress = new Uri(Server) };
        await HotlineProcess.WaitReadyAsync(client);
        await File.WriteAllTextAsync(Path.Combine(_folder, "box.geojson"), """{"type":"Polygon","coordinates":[[[37.0,36.3],[37.3,36.3],[37.3,36.5],[37.0,36.5],[37.0,36.3]]]}""");
        await File.WriteAllTextAsync(Path.Combine(_folder, "circle.geojson"), """{"type":"Feature","geometry":{"type":"Point","coordinates":[37.2,36.4]},"properties":{"radius":5000}}""");
        await File.WriteAllTextAsync(Path.Combine(_folder, "bowtie.geojson"), """{"type":"Polygon","coordinates":[[[0,0],[1,1],[0,1],[1,0],[0,0]]]}""");
    }

    public async Task DisposeAsync()
    {
        _server?.Kill(entireProcessTree: true);
        if (_server is not null)
        {
            await _server.WaitForExitAsync();
            _server.Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task TwoPartiesOneConflictAcknowledgedAndAccepted()
    {
        var coalition = await NewPartyAsync("coalition");
        var ruMod = await NewPartyAsync("ru-mod");

        var filed = await Succeeds(coalition, "file", "box.geojson", "--lower", "3000", "--upper", "6000",
            "--start", "2030-01-01T10:00:00Z", "--end", "2030-01-01T12:00:00Z", "--call-sign", "VIPER11");
        Assert.StartsWith("filed ", filed.Output, StringComparison.Ordinal);
        var id = filed.Output.Split(' ')[1];

        string[] intoIt = ["file", "circle.geojson", "--lower", "5000", "--upper", "7000", "--start", "2030-01-01T11:00:00Z", "--end", "2030-01-01T13:00:00Z"];
        var refused = await Run(ruMod, intoIt);
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains($"reservation {id}:1", refused.Output, StringComparison.Ordinal);
        Assert.StartsWith("hotline: Unacknowledged conflicts", refused.Error, StringComparison.Ordinal);

        var accepted = await Succeeds(ruMod, [.. intoIt, "--ack", $"{id}:1"]);
        Assert.StartsWith("filed ", accepted.Output, StringComparison.Ordinal);

        var conflicts = await Succeeds(coalition, "conflicts");
        Assert.Contains(accepted.Output.Split(' ')[1], conflicts.Output, StringComparison.Ordinal);

        // Only the owner sees its call sign.
        Assert.Contains("VIPER11", (await Succeeds(coalition, "list", "--mine")).Output, StringComparison.Ordinal);
        var seenByOther = await Succeeds(ruMod, "list");
        Assert.Contains(id, seenByOther.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("VIPER11", seenByOther.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorsAreOneLineAndANonZeroExit()
    {
        var party = await NewPartyAsync("errors");
        string[] times = ["--lower", "0", "--upper", "10", "--start", "2030-01-01T10:00:00Z", "--end", "2030-01-01T11:00:00Z"];

        var missing = await Run(party, ["file", "nosuch.geojson", .. times]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Matches(@"^hotline: .*nosuch\.geojson: no such file\n$", missing.Error);

        var bowtie = await Run(party, ["file", "bowtie.geojson", .. times]);
        Assert.Equal(1, bowtie.ExitCode);
        Assert.Equal("hotline: Invalid request: extents[0].footprint.vertices: the polygon is self-intersecting: edge 0–1 meets edge 2–3\n", bowtie.Error);

        var localTime = await Run(party, ["file", "bowtie.geojson", "--lower", "0", "--upper", "10", "--start", "2030-01-01T10:00:00", "--end", "2030-01-01T11:00:00Z"]);
        Assert.Equal(2, localTime.ExitCode);
        Assert.Equal("hotline: --start 2030-01-01T10:00:00: not an RFC 3339 time with an offset (e.g. 2030-01-01T10:00:00Z)\n", localTime.Error);

        var noToken = await HotlineProcess.RunAsync(["--server", Server, "list"], _folder);
        Assert.Equal(2, noToken.ExitCode);
        Assert.Equal("hotline: no credential: pass --token or set HOTLINE_TOKEN\n", noToken.Error);

        var noKey = await HotlineProcess.RunAsync(["--server", Server, "--token", party.Token, "file", "box.geojson", .. times], _folder);
        Assert.Equal(2, noKey.ExitCode);
        Assert.Equal("hotline: no signing key: pass --key FILE or set HOTLINE_KEY (create one with `hotline key new`)\n", noKey.Error);

        var badToken = await Run(party with { Token = "hl_wrong" }, "list");
        Assert.Equal(1, badToken.ExitCode);
        Assert.StartsWith("hotline: Unauthorized", badToken.Error, StringComparison.Ordinal);
    }

    private static string Token(string output) =>
        output.Split('\n').Single(l => l.StartsWith("token ", StringComparison.Ordinal))["token ".Length..];

    /// <summary>As the README: the party makes a key, the operator creates the party with its public half.</summary>
    private async Task<CliParty> NewPartyAsync(string name)
    {
        var keyFile = $"{name}.key";
        var key = await HotlineProcess.RunAsync(["key", "new", "--out", keyFile], _folder);
        Assert.True(key.ExitCode == 0, key.Error);
        Assert.Matches("^key [0-9a-f]{16} [A-Za-z0-9+/]{43}=\n$", key.Output);
        var publicKey = key.Output.Trim().Split(' ')[2];
        return new CliParty(Token((await OperatorSucceeds("party", "create", name, "--public-key", publicKey)).Output), keyFile);
    }

    private Task<(int ExitCode, string Output, string Error)> Run(CliParty party, params string[] args) =>
        HotlineProcess.RunAsync(["--server", Server, "--token", party.Token, "--key", party.KeyFile, .. args], _folder);

    private sealed record CliParty(string Token, string KeyFile);

    private async Task<(int ExitCode, string Output, string Error)> OperatorSucceeds(params string[] args)
    {
        // Operator commands read data/operator.token from the working folder when no token is given.
        var result = await HotlineProcess.RunAsync(["--server", Server, .. args], _folder);
        Assert.True(result.ExitCode == 0, $"hotline {string.Join(' ', args)} exited {result.ExitCode}: {result.Error}");
        return result;
    }

    private async Task<(int ExitCode, string Output, string Error)> Succeeds(CliParty party, params string[] args)
    {
        var result = await Run(party, args);
        Assert.True(result.ExitCode == 0, $"hotline {string.Join(' ', args)} exited {result.ExitCode}: {result.Error}");
        return result;
    }
}
