using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hotline.Ledger;

namespace Hotline.Server.Tests;

/// <summary>
/// A USS that wants its own non-repudiation signs its DSS requests with <c>Hotline-Signature</c>, as native parties
/// do: the log then holds its signature, not the operator's word; a replay is refused; a bad signature is refused.
/// Without a signature the server vouches with the operator's key.
/// </summary>
public sealed class DssSignedRequestTests(DssDeployment dss) : IClassFixture<DssDeployment>
{
    [Fact]
    public async Task ASignedDssRequestIsRecordedWithTheUsssOwnSignatureAndCannotBeReplayed()
    {
        var uss1 = dss.Parties["uss1"];
        var start = DateTimeOffset.UtcNow.AddMinutes(20);
        var path = $"/dss/v1/operational_intent_references/{Guid.NewGuid()}";
        var body = Encoding.UTF8.GetBytes(DssDeployment.Intent(DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1))).ToJsonString());
        var header = SignedRequest.Create(uss1.Key, "PUT", path, DateTimeOffset.UtcNow, Guid.NewGuid(), body).ToHeader();

        var created = await SendAsync(path, body, header);
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var entry = await EntryAsync(created);
        Assert.Equal(uss1.Id, entry.Party);
        Assert.Equal(EntryKinds.ReservationFiled, entry.Kind);
        Assert.Equal(uss1.Key.PublicKey.KeyId, entry.Request.KeyId);

        // The same signed request again: refused, nothing recorded.
        var size = dss.Server.Airspace.Log.Size;
        var replay = await SendAsync(path, body, header);
        Assert.Equal(HttpStatusCode.Conflict, replay.Status);
        Assert.Equal(size, dss.Server.Airspace.Log.Size);
    }

    [Fact]
    public async Task AnUnsignedDssRequestIsVouchedForWithTheOperatorsKey()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(20);
        var path = $"/dss/v1/operational_intent_references/{Guid.NewGuid()}";
        var body = Encoding.UTF8.GetBytes(DssDeployment.Intent(DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1))).ToJsonString());

        var created = await SendAsync(path, body, header: null);
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var entry = await EntryAsync(created);
        Assert.Equal(dss.Parties["uss1"].Id, entry.Party);
        Assert.Equal(path, entry.Request.Target);
        var operatorKeys = dss.Server.Airspace.Keys(LogEntry.OperatorParty).Select(k => k.Key.KeyId);
        Assert.Contains(entry.Request.KeyId, operatorKeys);
        // The entry commits to the exact body received, by digest.
        Assert.Equal(body, await dss.Server.Airspace.ReadRequestBodyAsync(long.Parse(created.Headers.GetValues("Hotline-Log-Index").Single(), CultureInfo.InvariantCulture), CancellationToken.None));
    }

    [Fact]
    public async Task ADssRequestSignedWithAnotherPartysKeyIsRefused()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(20);
        var path = $"/dss/v1/operational_intent_references/{Guid.NewGuid()}";
        var body = Encoding.UTF8.GetBytes(DssDeployment.Intent(DssDeployment.Square(DssDeployment.Area(), 0.01, start, start.AddHours(1))).ToJsonString());
        var header = SignedRequest.Create(dss.Parties["uss2"].Key, "PUT", path, DateTimeOffset.UtcNow, Guid.NewGuid(), body).ToHeader();

        var refused = await SendAsync(path, body, header);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("not registered to you", refused.Text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await dss.GetAsync(path, "uss1")).Status);
    }

    private async Task<Reply> SendAsync(string path, byte[] body, string? header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", dss.Token("uss1"));
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation(SignedRequest.HeaderName, header);
        }

        using var response = await dss.Client.Http.SendAsync(request);
        return new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Headers, await response.Content.ReadAsStringAsync());
    }

    private async Task<LogEntry> EntryAsync(Reply reply)
    {
        var index = long.Parse(reply.Headers.GetValues("Hotline-Log-Index").Single(), CultureInfo.InvariantCulture);
        var entries = await dss.Server.Airspace.ReadLogEntriesAsync(index, 1, CancellationToken.None);
        return LogEntry.Decode(Assert.Single(entries));
    }
}
