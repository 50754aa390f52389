using System.Text.Json;
using Hotline.Core;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hotline.Server;

/// <summary>RFC 9457 problem details for every error.</summary>
internal static class Problems
{
    public static ProblemHttpResult Status(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    public static ProblemHttpResult Invalid(string field, string detail) =>
        Status(StatusCodes.Status400BadRequest, "Invalid request", $"{field}: {detail}", new Dictionary<string, object?> { ["field"] = field });

    /// <summary>Any outcome that is not Ok, as a problem.</summary>
    public static ProblemHttpResult From<T>(Outcome<T> outcome) => outcome.Kind switch
    {
        OutcomeKind.Invalid => Invalid(outcome.Field ?? "request", outcome.Detail ?? "invalid"),
        OutcomeKind.NotFound => Status(StatusCodes.Status404NotFound, "Not found", outcome.Detail ?? "not found"),
        OutcomeKind.Forbidden => Status(StatusCodes.Status403Forbidden, "Forbidden", outcome.Detail ?? "forbidden"),
        OutcomeKind.Duplicate => Status(StatusCodes.Status409Conflict, "Already exists", outcome.Detail ?? "already exists", new Dictionary<string, object?> { ["field"] = outcome.Field }),
        OutcomeKind.BadSignature => Status(StatusCodes.Status401Unauthorized, "Bad signature", outcome.Detail ?? "bad signature"),
        OutcomeKind.PreconditionFailed => Status(StatusCodes.Status412PreconditionFailed, "Precondition failed", outcome.Detail ?? "precondition failed"),
        OutcomeKind.VersionMismatch => Status(StatusCodes.Status409Conflict, "Version mismatch", outcome.Detail ?? "version mismatch", new Dictionary<string, object?> { ["currentVersion"] = outcome.CurrentVersion }),
        OutcomeKind.Conflicts => Status(
            StatusCodes.Status409Conflict,
            "Unacknowledged conflicts",
            $"the filing conflicts with {outcome.Conflicts!.Count} extent(s) of other parties; deconflict, or acknowledge each one by id and version",
            new Dictionary<string, object?> { ["conflicts"] = outcome.Conflicts!.Select(Mapping.ToView).ToList() }),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome.Kind, "not an error"),
    };
}

/// <summary>Turns exceptions into problems: bad input is the caller's (400/413), anything else is ours (500).</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail, field) = exception switch
        {
            RequestException r => (400, "Invalid request", $"{r.Field}: {r.Detail}", r.Field),
            SignatureRequiredException s => (401, "Signature required", s.Message, null),
            BadHttpRequestException { StatusCode: 413 } => (413, "Request too large", "the request body is larger than this deployment accepts", null),
            BadHttpRequestException { InnerException: JsonException j } => (400, "Malformed JSON", j.Message, j.Path),
            BadHttpRequestException b => (400, "Bad request", b.Message, null),
            JsonException j => (400, "Malformed JSON", j.Message, j.Path),
            AirspaceUnavailableException u => (503, "Unavailable", u.Message + "; nothing was written", null),
            _ => (500, "Internal error", "the server failed; nothing was acknowledged", (string?)null),
        };
        httpContext.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }
}
