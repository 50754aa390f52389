namespace Hotline.Geo;

/// <summary>
/// Input that cannot form a valid geometry. <see cref="Field"/> names the offending field in the caller's terms
/// (for example <c>vertices[3].lat</c>), <see cref="Reason"/> says why in a sentence a person can act on.
/// </summary>
public sealed class GeometryException : ArgumentException
{
    /// <summary>Creates the error for one field.</summary>
    public GeometryException(string field, string reason)
        : base($"{field}: {reason}")
    {
        Field = field;
        Reason = reason;
    }

    /// <summary>The offending field, as a JSON-path-like name.</summary>
    public string Field { get; }

    /// <summary>Why the field is invalid.</summary>
    public string Reason { get; }

    /// <summary>The same error with <paramref name="prefix"/> put before the field name.</summary>
    public GeometryException WithPrefix(string prefix) =>
        new(string.IsNullOrEmpty(prefix) ? Field : $"{prefix}.{Field}", Reason);
}
