using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Hotline.Server.Tests;

/// <summary>
/// F3548 USS availability (what arbitration says of a USS, at a version), DSS reports (archived in the log), and the
/// auxiliary version endpoint, over HTTP.
/// </summary>
/// <remarks>Availability is kept by USS name, whether or not it is a party: the tests use fresh names, so that no
/// other test's USS is ever declared Down.</remarks>
public sealed class DssAvailabilityTests(DssDeployment dss) : IClassFixture<DssDeployment>
{
    private const string Arbitration = "utm.availability_arbitration";

    // ---- availability ----------------------------------------------------------------------------------------

    [Fact]
    public async Task AUssNobodyHasJudgedIsUnknownWithAnEmptyVersion()
    {
        var uss = NewUss();

        var read = await dss.GetAsync(AvailabilityPath(uss), "uss1");

        Expect(HttpStatusCode.OK, read);
        Assert.Equal(uss, read.Object["status"]!["uss"]!.ToString());
        Assert.Equal("Unknown", read.Object["status"]!["availability"]!.ToString());
        Assert.Equal("", read.Object["version"]!.GetValue<string>());
    }

    [Fact]
    public async Task SettingAvailabilityAtTheCurrentVersionChangesItAndAStaleVersionIsAConflict()
    {
        var uss = NewUss();

        var first = await dss.PutAsync(AvailabilityPath(uss), "uss1", Set("", "Down"), Arbitration);
        Expect(HttpStatusCode.OK, first);
        Assert.Equal("Down", first.Object["status"]!["availability"]!.ToString());
        Assert.Equal(uss, first.Object["status"]!["uss"]!.ToString());
        var v1 = first.Object["version"]!.GetValue<string>();
        Assert.NotEqual("", v1);
        Assert.NotNull(first.Headers.GetValues("Hotline-Log-Index").Single());

        var read = await dss.GetAsync(AvailabilityPath(uss), "uss2");
        Assert.Equal("Down", read.Object["status"]!["availability"]!.ToString());
        Assert.Equal(v1, read.Object["version"]!.ToString());

        var second = await dss.PutAsync(AvailabilityPath(uss), "uss1", Set(v1, "Normal"), Arbitration);
        Expect(HttpStatusCode.OK, second);
        var v2 = second.Object["version"]!.ToString();
        Assert.NotEqual(v1, v2);

        Expect(HttpStatusCode.Conflict, await dss.PutAsync(AvailabilityPath(uss), "uss1", Set(v1, "Down"), Arbitration));
        Expect(HttpStatusCode.Conflict, await dss.PutAsync(AvailabilityPath(uss), "uss1", Set("", "Down"), Arbitration));
        Expect(HttpStatusCode.Conflict, await dss.PutAsync(AvailabilityPath(uss), "uss1", Set("not a version", "Down"), Arbitration));

        read = await dss.GetAsync(AvailabilityPath(uss), "uss2");
        Assert.Equal("Normal", read.Object["status"]!["availability"]!.ToString());
        Assert.Equal(v2, read.Object["version"]!.ToString());
    }

    [Theory]
    [InlineData("utm.strategic_coordination")]
    [InlineData("utm.conformance_monitoring_sa")]
    [InlineData("utm.constraint_management utm.constraint_processing")]
    public async Task SettingAvailabilityNeedsTheArbitrationScope(string scope)
    {
        var uss = NewUss();

        var refused = await dss.PutAsync(AvailabilityPath(uss), "uss1", Set("", "Down"), scope);

        Expect(HttpStatusCode.Forbidden, refused);
        Assert.Equal("Unknown", (await dss.GetAsync(AvailabilityPath(uss), "uss1")).Object["status"]!["availability"]!.ToString());
    }

    [Theory]
    [InlineData("utm.availability_arbitration", HttpStatusCode.OK)]
    [InlineData("utm.strategic_coordination", HttpStatusCode.OK)]
    [InlineData("utm.conformance_monitoring_sa", HttpStatusCode.OK)]
    [InlineData("utm.constraint_processing", HttpStatusCode.Forbidden)]
    [InlineData("utm.constraint_management", HttpStatusCode.Forbidden)]
    public async Task ReadingAvailabilityNeedsArbitrationStrategicCoordinationOrConformanceMonitoring(string scope, HttpStatusCode expected)
    {
        var read = await dss.GetAsync(AvailabilityPath(NewUss()), "uss2", scope);

        Expect(expected, read);
        if (expected == HttpStatusCode.Forbidden)
        {
            Assert.Contains("insufficient_scope", read.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("\"Sleeping\"")]
    [InlineData("\"\"")]
    [InlineData("null")]
    [InlineData("3")]
    public async Task AnAvailabilityThatIsNotUnknownNormalOrDownIsABadRequest(string availability)
    {
        var uss = NewUss();

        var refused = await dss.SendRawAsync(HttpMethod.Put, AvailabilityPath(uss), dss.Token("uss1", Arbitration),
            $$"""{"old_version": "", "availability": {{availability}}}""");

        Expect(HttpStatusCode.BadRequest, refused);
        Assert.Equal("", (await dss.GetAsync(AvailabilityPath(uss), "uss1")).Object["version"]!.ToString());
    }

    // ---- reports ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task AReportIsArchivedInTheLogAndAnsweredWithItsId()
    {
        var report = Report();
        report["report_id"] = "chosen-by-the-uss";
        var body = report.ToJsonString();

        var created = await dss.SendRawAsync(HttpMethod.Post, "/dss/v1/reports", dss.Token("uss2"), body);

        Expect(HttpStatusCode.Created, created);
        Assert.False(string.IsNullOrWhiteSpace(created["report_id"]));
        Assert.NotEqual("chosen-by-the-uss", created["report_id"]);
        Assert.True(JsonNode.DeepEquals(report["exchange"], created.Object["exchange"]), created.Text);

        // The log holds the report exactly as sent, for the operator (and its sender) to read back.
        var index = long.Parse(created.Headers.GetValues("Hotline-Log-Index").Single(), CultureInfo.InvariantCulture);
        var archived = await dss.Client.GetAsync($"/v1/log/requests/{index}", dss.Server.OperatorToken);
        Expect(HttpStatusCode.OK, archived);
        Assert.Equal(body, archived.Text);

        var again = await dss.SendRawAsync(HttpMethod.Post, "/dss/v1/reports", dss.Token("uss2"), body);
        Expect(HttpStatusCode.Created, again);
        Assert.NotEqual(created["report_id"], again["report_id"]);
    }

    [Theory]
    [InlineData("utm.constraint_management")]
    [InlineData("utm.constraint_processing")]
    [InlineData("utm.strategic_coordination")]
    [InlineData("utm.conformance_monitoring_sa")]
    [InlineData("utm.availability_arbitration")]
    public async Task AnyF3548ScopeMayReport(string scope)
    {
        var created = await dss.PostAsync("/dss/v1/reports", "uss3", Report(), scope);

        Expect(HttpStatusCode.Created, created);
        Assert.False(string.IsNullOrWhiteSpace(created["report_id"]));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"report_id": "mine", "problem": "no exchange"}""")]
    [InlineData("""{"exchange": "GET /uss/v1/operational_intents/x"}""")]
    [InlineData("[]")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task AReportWithoutAnExchangeIsABadRequest(string body)
    {
        var refused = await dss.SendRawAsync(HttpMethod.Post, "/dss/v1/reports", dss.Token("uss1"), body);

        Expect(HttpStatusCode.BadRequest, refused);
        Assert.False(refused.Headers.Contains("Hotline-Log-Index"));
    }

    // ---- version ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task TheVersionEndpointNamesThisImplementation()
    {
        var anonymous = await dss.SendRawAsync(HttpMethod.Get, "/aux/v1/version", null, null);
        var authenticated = await dss.GetAsync("/aux/v1/version", "uss1");

        Expect(HttpStatusCode.OK, anonymous);
        Assert.Equal("application/json", anonymous.MediaType);
        var version = anonymous.Object["version"]!.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(version));
        Assert.Equal(version, authenticated["version"]);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static string NewUss() => $"uss-{Guid.NewGuid():N}";

    private static string AvailabilityPath(string uss) => $"/dss/v1/uss_availability/{uss}";

    private static JsonObject Set(string oldVersion, string availability) => new() { ["old_version"] = oldVersion, ["availability"] = availability };

    /// <summary>An ErrorReport as a USS files it: the exchange with another USS that went wrong.</summary>
    private static JsonObject Report() => new()
    {
        ["exchange"] = new JsonObject
        {
            ["url"] = $"https://uss1.example.com/utm/uss/v1/operational_intents/{Guid.NewGuid()}",
            ["method"] = "GET",
            ["headers"] = new JsonArray("Authorization: Bearer <redacted>"),
            ["recorder_role"] = "Client",
            ["request_time"] = DssDeployment.Time(DateTimeOffset.UtcNow.AddSeconds(-3)),
            ["request_body"] = "",
            ["response_time"] = DssDeployment.Time(DateTimeOffset.UtcNow.AddSeconds(-1)),
            ["response_body"] = "",
            ["response_code"] = 500,
            ["problem"] = "the USS answered 500 for an operational intent the DSS lists",
        },
    };

    private static void Expect(HttpStatusCode expected, Reply reply) =>
        Assert.True(reply.Status == expected, $"expected {(int)expected}, got {reply}");
}
