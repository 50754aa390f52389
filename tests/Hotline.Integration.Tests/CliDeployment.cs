using System.Globalization;

namespace Hotline.Integration.Tests;

/// <summary>A party as the CLI tests hold it: its number, bearer token and key file (in the working folder).</summary>
public sealed record CliParty(int Id, string Token, string KeyFile);

/// <summary>
/// The real <c>hotline serve</c> over <c>./data</c> of a temporary working folder (as in the README), and the real
/// <c>hotline</c> command run in that folder against it.
/// </summary>
public sealed class CliDeployment : IAsyncDisposable
{
    private int _port;
    private System.Diagnostics.Process? _server;

    private CliDeployment(string prefix) => Folder = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The working folder of every command.</summary>
    public string Folder { get; }

    /// <summary>The server's URL.</summary>
    public string Server => $"http://127.0.0.1:{_port}";

    /// <summary>Starts the server and waits until it is ready; <paramref name="prepare"/> runs first in the working
    /// folder and returns more <c>--Hotline:X value</c> settings for the server.</summary>
    public static async Task<CliDeployment> StartAsync(string prefix, Func<string, Task<string[]>>? prepare = null)
    {
        var deployment = new CliDeployment(prefix);
        var settings = prepare is null ? [] : await prepare(deployment.Folder);
        (deployment._server, deployment._port) = await HotlineProcess.ServeAsync(Path.Combine(deployment.Folder, "data"), settings);
        return deployment;
    }

    /// <summary>As the README: the party makes a key, the operator creates the party with its public half.</summary>
    public async Task<CliParty> NewPartyAsync(string name)
    {
        var keyFile = $"{name}.key";
        var key = await HotlineProcess.RunAsync(["key", "new", "--out", keyFile], Folder);
        Assert.True(key.ExitCode == 0, key.Error);
        Assert.Matches("^key [0-9a-f]{16} [A-Za-z0-9+/]{43}=\n$", key.Output);
        var created = await OperatorSucceeds("party", "create", name, "--public-key", key.Output.Trim().Split(' ')[2]);
        var lines = created.Output.Split('\n');
        var id = int.Parse(lines.Single(l => l.StartsWith("party ", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture);
        return new CliParty(id, lines.Single(l => l.StartsWith("token ", StringComparison.Ordinal))["token ".Length..], keyFile);
    }

    /// <summary>Runs a command as the party (its token and key).</summary>
    public Task<(int ExitCode, string Output, string Error)> Run(CliParty party, params string[] args) =>
        HotlineProcess.RunAsync(["--server", Server, "--token", party.Token, "--key", party.KeyFile, .. args], Folder);

    /// <summary>Runs a command as the party and asserts it succeeded.</summary>
    public async Task<(int ExitCode, string Output, string Error)> Succeeds(CliParty party, params string[] args)
    {
        var result = await Run(party, args);
        Assert.True(result.ExitCode == 0, $"hotline {string.Join(' ', args)} exited {result.ExitCode}: {result.Error}");
        return result;
    }

    /// <summary>Runs an operator command (it reads data/operator.token and data/operator.key from the working folder)
    /// and asserts it succeeded.</summary>
    public async Task<(int ExitCode, string Output, string Error)> OperatorSucceeds(params string[] args)
    {
        var result = await HotlineProcess.RunAsync(["--server", Server, .. args], Folder);
        Assert.True(result.ExitCode == 0, $"hotline {string.Join(' ', args)} exited {result.ExitCode}: {result.Error}");
        return result;
    }

    /// <summary>Kills the server and deletes the working folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
            _server.Dispose();
        }

        Directory.Delete(Folder, recursive: true);
    }
}
