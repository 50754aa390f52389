namespace Hotline.Integration.Tests;

/// <summary>The README's walk-through, run with the real <c>hotline</c> command against the real server.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private CliDeployment _cli = null!;

    private string Server => _cli.Server;

    private string Folder => _cli.Folder;

    public async Task InitializeAsync()
    {
        _cli = await CliDeployment.StartAsync("hotline-cli-");
        await File.WriteAllTextAsync(Path.Combine(Folder, "box.geojson"), """{"type":"Polygon","coordinates":[[[37.0,36.3],[37.3,36.3],[37.3,36.5],[37.0,36.5],[37.0,36.3]]]}""");
        await File.WriteAllTextAsync(Path.Combine(Folder, "circle.geojson"), """{"type":"Feature","geometry":{"type":"Point","coordinates":[37.2,36.4]},"properties":{"radius":5000}}""");
        await File.WriteAllTextAsync(Path.Combine(Folder, "bowtie.geojson"), """{"type":"Polygon","coordinates":[[[0,0],[1,1],[0,1],[1,0],[0,0]]]}""");
    }

    public async Task DisposeAsync() => await _cli.DisposeAsync();

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

        var noToken = await HotlineProcess.RunAsync(["--server", Server, "list"], Folder);
        Assert.Equal(2, noToken.ExitCode);
        Assert.Equal("hotline: no credential: pass --token or set HOTLINE_TOKEN\n", noToken.Error);

        var noKey = await HotlineProcess.RunAsync(["--server", Server, "--token", party.Token, "file", "box.geojson", .. times], Folder);
        Assert.Equal(2, noKey.ExitCode);
        Assert.Equal("hotline: no signing key: pass --key FILE or set HOTLINE_KEY (create one with `hotline key new`)\n", noKey.Error);

        var badToken = await Run(party with { Token = "hl_wrong" }, "list");
        Assert.Equal(1, badToken.ExitCode);
        Assert.StartsWith("hotline: Unauthorized", badToken.Error, StringComparison.Ordinal);
    }

    private Task<CliParty> NewPartyAsync(string name) => _cli.NewPartyAsync(name);

    private Task<(int ExitCode, string Output, string Error)> Run(CliParty party, params string[] args) => _cli.Run(party, args);

    private Task<(int ExitCode, string Output, string Error)> Succeeds(CliParty party, params string[] args) => _cli.Succeeds(party, args);
}
