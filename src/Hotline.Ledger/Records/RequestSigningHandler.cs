namespace Hotline.Ledger;

/// <summary>
/// Signs every request that is not a GET or HEAD with a party's key (<see cref="SignedRequest"/>): the body is
/// buffered so that the bytes signed are the bytes sent.
/// </summary>
public sealed class RequestSigningHandler(PartySigningKey key, TimeProvider time, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head)
        {
            await SignAsync(request, key, time, cancellationToken).ConfigureAwait(false);
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds the signature header to <paramref name="request"/>, replacing its content with a buffered copy.</summary>
    public static async Task SignAsync(HttpRequestMessage request, PartySigningKey key, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(time);
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (request.Content is not null)
        {
            var buffered = new ByteArrayContent(body);
            foreach (var header in request.Content.Headers)
            {
                buffered.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            buffered.Headers.ContentLength = body.Length;
            request.Content = buffered;
        }

        var target = request.RequestUri is { IsAbsoluteUri: true } uri ? uri.PathAndQuery : request.RequestUri?.OriginalString ?? "/";
        var signed = SignedRequest.Create(key, request.Method.Method, target, time.GetUtcNow(), Guid.NewGuid(), body);
        request.Headers.Remove(SignedRequest.HeaderName);
        request.Headers.TryAddWithoutValidation(SignedRequest.HeaderName, signed.ToHeader());
    }
}
