namespace Hotline.Core;

/// <summary>How a use case ended.</summary>
public enum OutcomeKind
{
    /// <summary>Done; <see cref="Outcome{T}.Value"/> holds the result.</summary>
    Ok,

    /// <summary>Refused by the filing rule: <see cref="Outcome{T}.Conflicts"/> lists every conflict (for an F3548
    /// write, <see cref="Outcome{T}.Missing"/> lists the entities whose OVN its key lacks).</summary>
    Conflicts,

    /// <summary>No such entity.</summary>
    NotFound,

    /// <summary>The caller may not do this.</summary>
    Forbidden,

    /// <summary>The entity is at another version (<see cref="Outcome{T}.CurrentVersion"/>).</summary>
    VersionMismatch,

    /// <summary>The request breaks a rule; <see cref="Outcome{T}.Field"/> and <see cref="Outcome{T}.Detail"/> say which.</summary>
    Invalid,

    /// <summary>Another entity already holds the name or key, or the request was already received.</summary>
    Duplicate,

    /// <summary>The request's signature is missing, stale, from a key not registered to the caller, or wrong.</summary>
    BadSignature,

    /// <summary>The caller is not in a state to do this now (an F3548 USS declared Down may not plan).</summary>
    PreconditionFailed,
}

/// <summary>The result of a use case: a value, or why there is none.</summary>
public sealed record Outcome<T>(
    OutcomeKind Kind,
    T? Value = default,
    IReadOnlyList<Conflict>? Conflicts = null,
    string? Field = null,
    string? Detail = null,
    long? CurrentVersion = null,
    LogReceipt? Receipt = null,
    MissingOvns? Missing = null)
{
    /// <summary>Success.</summary>
    public static Outcome<T> Ok(T value) => new(OutcomeKind.Ok, value);

    /// <summary>Success, recorded in the log.</summary>
    public static Outcome<T> Ok(T value, LogReceipt receipt) => new(OutcomeKind.Ok, value, Receipt: receipt);

    /// <summary>The signature does not authenticate the request.</summary>
    public static Outcome<T> BadSignature(string detail) => new(OutcomeKind.BadSignature, Detail: detail);

    /// <summary>A broken rule on a field.</summary>
    public static Outcome<T> Invalid(string field, string detail) => new(OutcomeKind.Invalid, Field: field, Detail: detail);

    /// <summary>No such entity.</summary>
    public static Outcome<T> NotFound(string detail) => new(OutcomeKind.NotFound, Detail: detail);

    /// <summary>Not allowed.</summary>
    public static Outcome<T> Forbidden(string detail) => new(OutcomeKind.Forbidden, Detail: detail);
}
