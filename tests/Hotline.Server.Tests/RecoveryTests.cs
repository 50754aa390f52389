using System.Net;
using System.Text.Json.Nodes;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

public sealed class RecoveryTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("hotline-recovery-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ALostOperatorTokenFileIsReplacedByANewOperatorCredentialOnTheNextStart()
    {
        string first;
        await using (var server = await RunningServer.StartAsync(_data))
        {
            first = server.OperatorToken;
        }

        File.Delete(Path.Combine(_data, "operator.token"));
        await using var restarted = await RunningServer.StartAsync(_data);

        Assert.NotEqual(first, restarted.OperatorToken);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_data, "operator.token")));
        }
        var created = await restarted.Client.PostAsync("/v1/parties", restarted.OperatorToken, new JsonObject { ["name"] = "after-recovery" });
        Assert.Equal(HttpStatusCode.Created, created.Status);
    }

    [Fact]
    public async Task ANullAcknowledgementIsABadRequestNamingIt()
    {
        await using var server = await RunningServer.StartAsync(_data);
        var party = await server.Client.CreatePartyAsync(server.OperatorToken, "null-ack");
        var filing = Filing(NextArea());
        filing["acknowledge"] = new JsonArray((JsonNode?)null);

        AssertInvalid(await server.Client.PostAsync("/v1/reservations", party.Token, filing), "acknowledge[0]", "is required ({\"id\": ..., \"version\": ...})");
    }
}
