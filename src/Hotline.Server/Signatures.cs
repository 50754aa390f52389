using Hotline.Core;
using Hotline.Ledger;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Hotline.Server;

/// <summary>
/// Request signatures (<see cref="SignedRequest"/>): a request that carries the <c>Hotline-Signature</c> header has
/// its body read once into memory (within the deployment's size limit), so that the signature is checked over
/// exactly the bytes the endpoint then parses. Every write endpoint requires one; GET and HEAD ignore it.
/// </summary>
internal static class Signatures
{
    private static readonly object AttestationKey = new();

    public static IApplicationBuilder UseRequestSignatures(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
            || !context.Request.Headers.TryGetValue(SignedRequest.HeaderName, out var header)
            || !(context.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase)
                || context.Request.Path.StartsWithSegments("/dss", StringComparison.OrdinalIgnoreCase)))
        {
            await next(context);
            return;
        }

        var limit = context.RequestServices.GetRequiredService<IOptions<HotlineServerOptions>>().Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            throw new BadHttpRequestException("request body too large", StatusCodes.Status413PayloadTooLarge);
        }

        var body = await ReadBodyAsync(context.Request, limit, context.RequestAborted);
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.ToUriComponent() + context.Request.QueryString;
        try
        {
            context.Items[AttestationKey] = new Attestation(SignedRequest.FromHeader(header.ToString(), context.Request.Method, target, body), body);
        }
        catch (FormatException e)
        {
            await Problems.Status(StatusCodes.Status401Unauthorized, "Bad signature", e.Message).ExecuteAsync(context);
            return;
        }

        context.Request.Body = new MemoryStream(body, writable: false);
        await next(context);
    });

    /// <summary>The whole body, read once into an array of its exact size (the log keeps that very array).</summary>
    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length)
        {
            var exact = new byte[length];
            var read = await request.Body.ReadAtLeastAsync(exact, exact.Length, throwOnEndOfStream: false, cancellationToken);
            if (read != exact.Length || await request.Body.ReadAsync(new byte[1], cancellationToken) != 0)
            {
                throw new BadHttpRequestException("the body does not match its Content-Length");
            }

            return exact;
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > limit)
        {
            throw new BadHttpRequestException("request body too large", StatusCodes.Status413PayloadTooLarge);
        }

        return buffer.ToArray();
    }

    /// <summary>The signed request of this write.</summary>
    /// <exception cref="SignatureRequiredException">The request carries no signature.</exception>
    public static Attestation Attestation(this HttpContext context) =>
        context.Items[AttestationKey] as Attestation ?? throw new SignatureRequiredException();

    /// <summary>The signed request of this write, or null when it carries no signature.</summary>
    public static Attestation? SignedAttestation(this HttpContext context) => context.Items[AttestationKey] as Attestation;

    /// <summary>Adds the log receipt of a recorded write to the response headers.</summary>
    public static void AddReceipt(this HttpContext context, LogReceipt? receipt)
    {
        if (receipt is not null)
        {
            context.Response.Headers[ReceiptIndexHeader] = receipt.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers[ReceiptLeafHeader] = receipt.LeafHash.ToBase64();
        }
    }

    /// <summary>The log index of the entry that records a write.</summary>
    public const string ReceiptIndexHeader = "Hotline-Log-Index";

    /// <summary>The leaf hash (RFC 9162) of that entry, base64.</summary>
    public const string ReceiptLeafHeader = "Hotline-Log-Leaf-Hash";
}

/// <summary>A write arrived without a signature.</summary>
internal sealed class SignatureRequiredException()
    : Exception($"writes must be signed: send a {SignedRequest.HeaderName} header (see docs/log.md)");
