using System.Net;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

/// <summary>A deployment with separation minima: 1 km lateral, 300 m vertical, 10 minutes.</summary>
public sealed class SeparationTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("hotline-separation-").FullName;
    private RunningServer? _server;

    private HotlineClient Client => _server!.Client;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync(
        _data, "--Hotline:LateralSeparationMeters", "1000", "--Hotline:VerticalSeparationMeters", "300", "--Hotline:TimeSeparationSeconds", "600");

    public async Task DisposeAsync()
    {
        await _server!.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task VolumesApartButWithinTheMinimaConflictAndThoseBeyondDoNot()
    {
        var a = await Client.CreatePartyAsync(_server!.OperatorToken, "sep-a");
        var b = await Client.CreatePartyAsync(_server.OperatorToken, "sep-b");
        var area = NextArea();
        await Client.FileAcceptedAsync(a, Filing(Extent(Square(area), lower: 1000, upper: 2000)));

        // 0.005° of latitude (~556 m) north of A's square: within 1 km laterally.
        var near = (area.Lat + 0.015, area.Lng);
        var lateral = await Client.PostAsync("/v1/reservations", b.Token, Filing(Extent(Square(near), lower: 1000, upper: 2000)));
        Assert.Equal(HttpStatusCode.Conflict, lateral.Status);

        // ~1.67 km north: beyond the lateral minimum.
        var far = (area.Lat + 0.025, area.Lng);
        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsync("/v1/reservations", b.Token, Filing(Extent(Square(far), lower: 1000, upper: 2000)))).Status);

        // Same square, 200 m above (within 300 m vertically), then 400 m above (beyond).
        Assert.Equal(HttpStatusCode.Conflict, (await Client.PostAsync("/v1/reservations", b.Token, Filing(Extent(Square(area), lower: 2200, upper: 2500)))).Status);
        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsync("/v1/reservations", b.Token, Filing(Extent(Square(area), lower: 2400, upper: 2500)))).Status);

        // Same square and band, starting 5 minutes after A's window ends (within 10 minutes), then 15 minutes after.
        var end = T0.AddHours(1);
        Assert.Equal(HttpStatusCode.Conflict, (await Client.PostAsync("/v1/reservations", b.Token, Filing(Extent(Square(area), 1000, 2000, end.AddMinutes(5), end.AddHours(1))))).Status);
        Assert.Equal(HttpStatusCode.Created, (await Client.PostAsync("/v1/reservations", b.Token, Filing(Extent(Square(area), 1000, 2000, end.AddMinutes(15), end.AddHours(1))))).Status);
    }
}
