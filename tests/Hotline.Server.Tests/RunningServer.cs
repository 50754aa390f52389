using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Hotline.Ledger;

namespace Hotline.Server.Tests;

/// <summary>The real Hotline host on a Kestrel socket at 127.0.0.1, over one data directory.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningServer(WebApplication app, Uri address, string dataDirectory, string operatorToken)
    {
        _app = app;
        BaseAddress = address;
        DataDirectory = dataDirectory;
        OperatorToken = operatorToken;
        Client = new HotlineClient(new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) });
    }

    /// <summary>Where the server listens.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The folder of the store and of <c>operator.token</c>.</summary>
    public string DataDirectory { get; }

    /// <summary>The operator's bearer secret, as written on first start.</summary>
    public string OperatorToken { get; }

    /// <summary>A client of this server.</summary>
    public HotlineClient Client { get; }

    /// <summary>The server's airspace, for reading what it recorded.</summary>
    public Hotline.Core.Airspace Airspace => _app.Services.GetRequiredService<AirspaceHost>().Airspace;

    /// <summary>Starts a server on an ephemeral port over <paramref name="dataDirectory"/>.</summary>
    public static async Task<RunningServer> StartAsync(string dataDirectory, params string[] settings)
    {
        var app = HotlineServer.Build(
            ["--urls", "http://127.0.0.1:0", "--Hotline:DataDirectory", dataDirectory, .. settings],
            builder => builder.Logging.ClearProviders());
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var address = new Uri(addresses.Single());
        var token = (await File.ReadAllTextAsync(Path.Combine(dataDirectory, "operator.token"))).Trim();
        var server = new RunningServer(app, address, dataDirectory, token);
        HotlineClient.UseKey(token, PartySigningKey.FromSeed(await File.ReadAllTextAsync(Path.Combine(dataDirectory, "operator.key"))));
        return server;
    }

    /// <summary>Stops the host the way a deployment stops it, and frees the socket and the store.</summary>
    /// <remarks>Requests in flight meanwhile are let finish (or fail) before the client is disposed.</remarks>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Client.Dispose();
    }
}

/// <summary>One server per test class, over a fresh temporary data directory deleted at the end.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private RunningServer? _server;

    /// <summary>The temporary data directory.</summary>
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("hotline-server-tests-").FullName;

    /// <summary>The running server.</summary>
    public RunningServer Server => _server ?? throw new InvalidOperationException("the fixture has not started");

    /// <summary>A client of the running server.</summary>
    public HotlineClient Client => Server.Client;

    /// <summary>The operator's bearer secret.</summary>
    public string OperatorToken => Server.OperatorToken;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync(DataDirectory);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(DataDirectory, recursive: true);
    }

    /// <summary>Creates a party with a unique name and returns it with its token.</summary>
    public Task<TestParty> NewPartyAsync(string name) => Client.CreatePartyAsync(OperatorToken, $"{name}-{Guid.NewGuid():N}");
}
