using System.Net;
using System.Text.Json.Nodes;
using static Hotline.Server.Tests.Sky;

namespace Hotline.Server.Tests;

/// <summary>Bad input is the caller's: a 4xx problem naming what is wrong, never a 500.</summary>
public sealed class BadInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private readonly HotlineClient _client = fixture.Client;
    private TestParty? _party;

    private TestParty Party => _party ?? throw new InvalidOperationException("not initialised");

    public async Task InitializeAsync() => _party = await fixture.NewPartyAsync("bad-input");

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A well-formed filing's JSON with one change applied.</summary>
    private static string Valid(Action<JsonObject> change)
    {
        var filing = Filing(NextArea(), callSign: "OK");
        change(filing);
        return filing.ToJsonString();
    }

    private static JsonObject Extent0(JsonObject filing) => filing["extents"]![0]!.AsObject();

    /// <summary>Filings that break a rule of the API: the problem names the field exactly.</summary>
    public static TheoryData<string, string, string, string> InvalidFilings => new()
    {
        { "no extents", Valid(f => f.Remove("extents")), "extents", "at least one extent is required" },
        { "empty extents", Valid(f => f["extents"] = new JsonArray()), "extents", "at least one extent is required" },
        { "a null extent", Valid(f => f["extents"] = new JsonArray((JsonNode?)null)), "extents[0]", "is required" },
        { "no footprint", Valid(f => Extent0(f).Remove("footprint")), "extents[0].footprint", "is required" },
        { "a null footprint", Valid(f => Extent0(f)["footprint"] = null), "extents[0].footprint", "is required" },
        { "no altitude", Valid(f => Extent0(f).Remove("altitude")), "extents[0].altitude", "is required" },
        { "no time", Valid(f => Extent0(f).Remove("time")), "extents[0].time", "is required" },
        {
            "a bow-tie footprint",
            Valid(f => Extent0(f)["footprint"] = Polygon((10, 10), (10.01, 10.01), (10, 10.01), (10.01, 10))),
            "extents[0].footprint.vertices", "self-intersecting"
        },
        {
            "too few vertices",
            Valid(f => Extent0(f)["footprint"] = Polygon((10, 10), (10.01, 10.01))),
            "extents[0].footprint.vertices", "at least 3 distinct vertices"
        },
        {
            "a latitude beyond the pole",
            Valid(f => Extent0(f)["footprint"] = Polygon((10, 91), (10.01, 10), (10.01, 10.01))),
            "extents[0].footprint.vertices[0].lat", "between -90 and 90"
        },
        { "end before start", Valid(f => Extent0(f)["time"]!["end"] = T0.AddHours(-1).ToString("O")), "extents[0].time", "must be after start" },
        { "end at start", Valid(f => Extent0(f)["time"]!["end"] = T0.ToString("O")), "extents[0].time", "must be after start" },
        { "lower above upper", Valid(f => Extent0(f)["altitude"] = new JsonObject { ["lower"] = 500, ["upper"] = 100 }), "extents[0].altitude", "must not be above upper" },
        {
            "a bad second extent",
            Valid(f => f["extents"]!.AsArray().Add(Extent(Square(NextArea()), lower: 10, upper: 5))),
            "extents[1].altitude", "must not be above upper"
        },
        { "a line string footprint", Valid(f => Extent0(f)["footprint"] = JsonNode.Parse("""{"type":"LineString","coordinates":[[0,0],[1,1]]}""")), "extents[0].footprint.type", "not supported" },
        { "a point without a radius", Valid(f => Extent0(f)["footprint"] = JsonNode.Parse("""{"type":"Point","coordinates":[10,10]}""")), "extents[0].footprint", "needs a 'radius'" },
        { "a negative radius", Valid(f => Extent0(f)["footprint"] = JsonNode.Parse("""{"type":"Point","coordinates":[10,10],"radius":-5}""")), "extents[0].footprint.radius", "greater than 0" },
        { "a radius over the limit", Valid(f => Extent0(f)["footprint"] = JsonNode.Parse("""{"type":"Feature","geometry":{"type":"Point","coordinates":[10,10]},"properties":{"radius":2000000}}""")), "extents[0].footprint.properties.radius", "exceeds the footprint size limit" },
        { "a footprint that is a string", Valid(f => Extent0(f)["footprint"] = "somewhere"), "extents[0].footprint", "must be a GeoJSON object" },
        { "an unknown state", Valid(f => f["state"] = "Flying"), "state", "'Flying' is not a state" },
        { "a numeric state", Valid(f => f["state"] = "1"), "state", "'1' is not a state" },
        { "a long call sign", Valid(f => f["callSign"] = new string('x', 1001)), "callSign", "at most 1000 characters" },
        { "long notes", Valid(f => f["notes"] = new string('x', 1001)), "notes", "at most 1000 characters" },
        { "65 extents", Valid(f => f["extents"] = new JsonArray([.. Enumerable.Range(0, 65).Select(_ => (JsonNode)Extent(Square(NextArea())))])), "extents", "at most 64 extents" },
    };

    [Theory]
    [MemberData(nameof(InvalidFilings))]
    public async Task AnInvalidFilingIsRefusedNamingTheField(string @case, string body, string field, string detail)
    {
        var reply = await _client.SendAsync(HttpMethod.Post, "/v1/reservations", Party.Token, body);

        Assert.True(reply.Status == HttpStatusCode.BadRequest, $"{@case}: {reply}");
        AssertInvalid(reply, field, detail);
        Assert.StartsWith(field, reply["detail"], StringComparison.Ordinal);
    }

    /// <summary>Bodies that are not the JSON the endpoint reads: the problem says where and what.</summary>
    public static TheoryData<string, string, string> MalformedFilings => new()
    {
        { "truncated JSON", """{"extents": [""", "" },
        { "not JSON at all", "extents=everywhere", "" },
        { "a trailing comma", Valid(f => { }).TrimEnd('}') + ",}", "" },
        { "an unknown top-level field", Valid(f => f["colour"] = "red"), "colour" },
        { "an unknown field in an altitude", Valid(f => Extent0(f)["altitude"]!["unit"] = "ft"), "unit" },
        { "an unknown field in a time window", Valid(f => Extent0(f)["time"]!["zone"] = "CET"), "zone" },
        { "an unknown field in an acknowledgement", Valid(f => f["acknowledge"] = new JsonArray(new JsonObject { ["id"] = Guid.Empty.ToString(), ["version"] = 1, ["why"] = "x" })), "why" },
        { "a string altitude", Valid(f => Extent0(f)["altitude"]!["lower"] = "low"), "lower" },
        { "a string for the extents", Valid(f => f["extents"] = "everywhere"), "extents" },
        { "a number for the call sign", Valid(f => f["callSign"] = 42), "callSign" },
        { "a time that is not a time", Valid(f => Extent0(f)["time"]!["start"] = "yesterday"), "start" },
        { "an acknowledgement id that is not a GUID", Valid(f => f["acknowledge"] = new JsonArray(new JsonObject { ["id"] = "R-1", ["version"] = 1 })), "id" },
        { "a fractional acknowledged version", Valid(f => f["acknowledge"] = new JsonArray(new JsonObject { ["id"] = Guid.Empty.ToString(), ["version"] = 1.5 })), "version" },
        { "an array body", "[]", "" },
        { "a number body", "42", "" },
        { "an altitude beyond double", Valid(f => { }).Replace("\"lower\":0", "\"lower\":1e400", StringComparison.Ordinal), "lower" },
        { "JSON nested too deep", string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100), "" },
    };

    [Theory]
    [MemberData(nameof(MalformedFilings))]
    public async Task AMalformedBodyIsA400ProblemNotA500(string @case, string body, string mentions)
    {
        var reply = await _client.SendAsync(HttpMethod.Post, "/v1/reservations", Party.Token, body);

        Assert.True(reply.Status == HttpStatusCode.BadRequest, $"{@case}: {reply}");
        var problem = AssertProblem(reply, HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.ToString()), $"{@case}: no detail in {reply}");
        var said = $"{problem["field"]} {problem["detail"]}";
        Assert.True(said.Contains(mentions, StringComparison.Ordinal), $"{@case}: '{mentions}' is not named in {reply}");
    }

    /// <summary>Footprints that are GeoJSON-shaped but wrong in odd ways.</summary>
    public static TheoryData<string> OddFootprints => new()
    {
        """{"type":"Polygon"}""",
        """{"type":"Polygon","coordinates":null}""",
        """{"type":"Polygon","coordinates":[]}""",
        """{"type":"Polygon","coordinates":[[]]}""",
        """{"type":"Polygon","coordinates":[[[0,0]]]}""",
        """{"type":"Polygon","coordinates":[[[0],[1],[2],[0]]]}""",
        """{"type":"Polygon","coordinates":[[["a","b"],[1,0],[1,1],["a","b"]]]}""",
        """{"type":"Polygon","coordinates":"x"}""",
        """{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}""",
        """{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],[[0.2,0.2],[0.3,0.2],[0.3,0.3],[0.2,0.2]]]}""",
        """{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}""",
        """{"type":"GeometryCollection","geometries":[]}""",
        """{"type":"Feature"}""",
        """{"type":"Feature","geometry":null}""",
        """{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]},"properties":null}""",
        """{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"radius":"5"}}""",
        """{"type":"FeatureCollection","features":[]}""",
        """{"type":"Point","coordinates":[],"radius":5}""",
        """{"type":"Point","coordinates":[200,10],"radius":5}""",
        """{"type":"Point","coordinates":[10,10],"radius":0}""",
        """{"type":"Point","coordinates":[10,10],"radius":1e308}""",
        """{"type":"Point","coordinates":[10,10,5,7,9],"radius":null}""",
        """{"type":"Polygon","coordinates":[[[0,0],[180,0],[0,0.000000001],[0,0]]]}""",
        """{"type":"Polygon","coordinates":[[[-170,0],[170,0],[170,10],[-170,10],[-170,0]]]}""",
        """{"coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}""",
        """{"type":7}""",
        """[]""",
        """5""",
    };

    [Theory]
    [MemberData(nameof(OddFootprints))]
    public async Task AnOddFootprintIsA400NamingTheFootprint(string footprint)
    {
        var body = Valid(f => Extent0(f)["footprint"] = JsonNode.Parse(footprint));

        var reply = await _client.SendAsync(HttpMethod.Post, "/v1/reservations", Party.Token, body);

        var problem = AssertProblem(reply, HttpStatusCode.BadRequest);
        Assert.StartsWith("extents[0].footprint", problem["field"]?.ToString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.ToString()));
    }

    [Fact]
    public async Task AListOfStatesIsNotAStateForAFiling()
    {
        var reply = await _client.SendAsync(HttpMethod.Post, "/v1/reservations", Party.Token, Valid(f => f["state"] = "Accepted,Activated"));

        AssertInvalid(reply, "state", "'Accepted,Activated' is not a state");
    }

    [Fact]
    public async Task AListOfStatesIsNotAStateForAnAmendment()
    {
        var filing = Filing(NextArea());
        filing["state"] = "Activated";
        var filed = await _client.FileAcceptedAsync(Party, filing);
        var amendment = Filing(NextArea());
        amendment["version"] = 1;
        amendment["state"] = "Activated,Nonconforming";

        var reply = await _client.PutAsync($"/v1/reservations/{filed["id"]}", Party.Token, amendment);

        AssertInvalid(reply, "state", "'Activated,Nonconforming' is not a state");
    }

    [Theory]
    [InlineData("mine=yes")]
    [InlineData("includeEnded=2")]
    public async Task AMalformedQueryStringIsA400Problem(string query)
    {
        var reply = await _client.GetAsync($"/v1/reservations?{query}", Party.Token);

        Assert.False(string.IsNullOrWhiteSpace(AssertProblem(reply, HttpStatusCode.BadRequest)["detail"]?.ToString()));
    }

    [Fact]
    public async Task AnEmptyBodyIsA400Problem()
    {
        var reply = await _client.SendAsync(HttpMethod.Post, "/v1/reservations", Party.Token, rawBody: "");

        Assert.False(string.IsNullOrWhiteSpace(AssertProblem(reply, HttpStatusCode.BadRequest)["detail"]?.ToString()));
    }

    [Fact]
    public async Task AJsonNullBodyIsA400Problem()
    {
        var reply = await _client.SendAsync(HttpMethod.Post, "/v1/reservations", Party.Token, rawBody: "null");

        Assert.False(string.IsNullOrWhiteSpace(AssertProblem(reply, HttpStatusCode.BadRequest)["detail"]?.ToString()));
    }

    [Fact]
    public async Task ABodyOverOneMebibyteIsRefusedWith413()
    {
        var filing = Filing(NextArea());
        filing["notes"] = new string('n', (1 << 20) + 1024);

        Reply reply;
        try
        {
            reply = await _client.PostAsync("/v1/reservations", Party.Token, filing);
        }
        catch (HttpRequestException)
        {
            // Kestrel may answer 413 and close the connection before the client has finished uploading, and the
            // client then sees the reset instead of the answer. Refused either way; the server must still be well.
            var health = await _client.SendAsync(HttpMethod.Get, "/health/ready", token: null);
            Assert.Equal(HttpStatusCode.OK, health.Status);
            return;
        }

        AssertProblem(reply, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task ABodyJustUnderTheLimitIsReadAndJudgedOnItsMerits()
    {
        var filing = Filing(NextArea());
        filing["notes"] = new string('n', (1 << 20) - 4096);

        var reply = await _client.PostAsync("/v1/reservations", Party.Token, filing);

        AssertInvalid(reply, "notes", "at most 1000 characters");
    }

    [Fact]
    public async Task ANonJsonContentTypeIsRefusedWith415()
    {
        var reply = await _client.SendAsync(HttpMethod.Post, "/v1/reservations", Party.Token, Filing(NextArea()).ToJsonString(), mediaType: "text/plain");

        AssertProblem(reply, HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("GET", "/v1/reservations/not-a-guid")]
    [InlineData("PUT", "/v1/reservations/not-a-guid")]
    [InlineData("POST", "/v1/reservations/not-a-guid/end")]
    [InlineData("GET", "/v1/constraints/12345")]
    [InlineData("DELETE", "/v1/constraints/12345")]
    [InlineData("POST", "/v1/parties/not-a-number/credentials")]
    public async Task ARouteIdOfTheWrongKindIs404(string method, string path)
    {
        var token = path.StartsWith("/v1/parties", StringComparison.Ordinal) ? fixture.OperatorToken : Party.Token;

        var reply = await _client.SendAsync(new HttpMethod(method), path, token, method is "GET" or "DELETE" ? null : "{\"version\":1}");

        AssertProblem(reply, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnAmendmentWithAStringVersionIsMalformed()
    {
        var filed = await _client.FileAcceptedAsync(Party, Filing(NextArea()));
        var amendment = Filing(NextArea());
        amendment["version"] = "two";

        var reply = await _client.PutAsync($"/v1/reservations/{filed["id"]}", Party.Token, amendment);

        var problem = AssertProblem(reply, HttpStatusCode.BadRequest);
        Assert.Contains("version", $"{problem["field"]} {problem["detail"]}", StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAmendmentToAnUnknownStateNamesTheState()
    {
        var filed = await _client.FileAcceptedAsync(Party, Filing(NextArea()));
        var amendment = Filing(NextArea());
        amendment["version"] = 1;
        amendment["state"] = "Hovering";

        AssertInvalid(await _client.PutAsync($"/v1/reservations/{filed["id"]}", Party.Token, amendment), "state", "'Hovering' is not a state");
    }

    [Fact]
    public async Task AnAmendmentWithABowTieNamesTheVertices()
    {
        var filed = await _client.FileAcceptedAsync(Party, Filing(NextArea()));
        var amendment = Filing(Extent(Polygon((20, 20), (20.01, 20.01), (20, 20.01), (20.01, 20))));
        amendment["version"] = 1;

        AssertInvalid(await _client.PutAsync($"/v1/reservations/{filed["id"]}", Party.Token, amendment), "extents[0].footprint.vertices", "self-intersecting");
    }

    [Fact]
    public async Task AnEndWithAnUnknownFieldIsMalformed()
    {
        var filed = await _client.FileAcceptedAsync(Party, Filing(NextArea()));

        var reply = await _client.PostAsync($"/v1/reservations/{filed["id"]}/end", Party.Token, new JsonObject { ["version"] = 1, ["reason"] = "done" });

        Assert.Contains("reason", AssertProblem(reply, HttpStatusCode.BadRequest)["detail"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConstraintWithoutExtentsNamesTheExtents()
    {
        AssertInvalid(await _client.PostAsync("/v1/constraints", Party.Token, new JsonObject()), "extents", "at least one extent is required");
        var backwards = new JsonObject { ["extents"] = new JsonArray(Extent(Square(NextArea()), start: T0, end: T0.AddMinutes(-5))) };
        AssertInvalid(await _client.PostAsync("/v1/constraints", Party.Token, backwards), "extents[0].time", "must be after start");
    }

    [Fact]
    public async Task AQueryWithoutAnAreaNamesTheArea()
    {
        AssertInvalid(await _client.PostAsync("/v1/query", Party.Token, new JsonObject()), "area", "is required");
        var noTime = Extent(Square(NextArea()));
        noTime.Remove("time");
        AssertInvalid(await _client.PostAsync("/v1/query", Party.Token, new JsonObject { ["area"] = noTime }), "area.time", "is required");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("tab\there")]
    public async Task APartyNameMustBePrintable(string name)
    {
        AssertInvalid(await _client.PostAsync("/v1/parties", fixture.OperatorToken, new JsonObject { ["name"] = name }), "name", "1 to 100 printable characters");
    }

    [Fact]
    public async Task APartyWithoutANameOrWithATooLongOneIsInvalid()
    {
        AssertInvalid(await _client.PostAsync("/v1/parties", fixture.OperatorToken, new JsonObject()), "name", "1 to 100 printable characters");
        AssertInvalid(await _client.PostAsync("/v1/parties", fixture.OperatorToken, new JsonObject { ["name"] = new string('p', 101) }), "name", "1 to 100 printable characters");
    }

    [Fact]
    public async Task ADuplicatePartyNameIsA409NamingTheName()
    {
        var name = $"dup-{Guid.NewGuid():N}";
        await _client.CreatePartyAsync(fixture.OperatorToken, name);

        var reply = await _client.PostAsync("/v1/parties", fixture.OperatorToken, new JsonObject { ["name"] = name.ToUpperInvariant() });

        Assert.Equal("name", AssertProblem(reply, HttpStatusCode.Conflict)["field"]?.ToString());
    }

    [Fact]
    public async Task AMissingTimeBoundIsInvalidNotDefaulted()
    {
        var reply = await _client.SendAsync(HttpMethod.Post, "/v1/reservations", Party.Token, Valid(f => Extent0(f)["time"]!.AsObject().Remove("start")));

        var problem = AssertProblem(reply, HttpStatusCode.BadRequest);
        Assert.Contains("start", $"{problem["field"]} {problem["detail"]}", StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingAltitudeBoundIsInvalidNotDefaulted()
    {
        var reply = await _client.SendAsync(HttpMethod.Post, "/v1/reservations", Party.Token, Valid(f => Extent0(f)["altitude"] = new JsonObject { ["lower"] = -50 }));

        var problem = AssertProblem(reply, HttpStatusCode.BadRequest);
        Assert.Contains("upper", $"{problem["field"]} {problem["detail"]}", StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATimeWithoutAnOffsetIsInvalid()
    {
        // RFC 3339 requires the offset; a local time would mean whatever the server's zone makes of it.
        var reply = await _client.SendAsync(HttpMethod.Post, "/v1/reservations", Party.Token, Valid(f => Extent0(f)["time"] = new JsonObject
        {
            ["start"] = "2031-06-01T10:00:00",
            ["end"] = "2031-06-01T11:00:00",
        }));

        var problem = AssertProblem(reply, HttpStatusCode.BadRequest);
        Assert.Contains("start", $"{problem["field"]} {problem["detail"]}", StringComparison.Ordinal);
    }

    [Fact]
    public async Task AChunkedBodyOverOneMebibyteIsRefusedWith413()
    {
        var filing = Filing(NextArea());
        filing["notes"] = new string('n', (1 << 20) + 1024);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/reservations");
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {Party.Token}");
        request.Content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(filing.ToJsonString())));
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;

        using var response = await _client.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("DELETE", "/v1/reservations/0199aa00-0000-7000-8000-000000000001")]
    [InlineData("PATCH", "/v1/reservations/0199aa00-0000-7000-8000-000000000001")]
    [InlineData("PUT", "/v1/constraints/0199aa00-0000-7000-8000-000000000001")]
    [InlineData("DELETE", "/v1/parties")]
    public async Task AnUnsupportedMethodIs405Problem(string method, string path)
    {
        var reply = await _client.SendAsync(new HttpMethod(method), path, Party.Token, method is "DELETE" ? null : "{}");

        AssertProblem(reply, HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task APartyRequestWithAnUnknownFieldIsMalformed()
    {
        var reply = await _client.PostAsync("/v1/parties", fixture.OperatorToken, new JsonObject { ["name"] = $"x-{Guid.NewGuid():N}", ["admin"] = true });

        Assert.Contains("admin", AssertProblem(reply, HttpStatusCode.BadRequest)["detail"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NothingInvalidWasFiled()
    {
        var probe = await fixture.NewPartyAsync("probe");
        foreach (var (_, body, _, _) in InvalidFilings.Select(r => ((string)r[0], (string)r[1], (string)r[2], (string)r[3])))
        {
            await _client.SendAsync(HttpMethod.Post, "/v1/reservations", probe.Token, body);
        }

        Assert.Empty((await _client.GetAsync("/v1/reservations?mine=true&includeEnded=true", probe.Token)).Array);
    }
}
