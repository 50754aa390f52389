namespace Hotline.Geo;

/// <summary>
/// Separation minima. Two volumes conflict when each of these holds: their footprints are at most
/// <see cref="LateralMeters"/> apart (touching counts), their altitude bands at most <see cref="VerticalMeters"/>
/// apart (touching counts), and their half-open time windows less than <see cref="Time"/> apart (with zero,
/// windows that merely abut do not conflict). Equivalently: grow one volume by the minima and test for overlap.
/// </summary>
public readonly record struct Separation
{
    /// <summary>No separation: volumes conflict when they overlap or touch.</summary>
    public static Separation None => default;

    /// <summary>Creates minima; throws <see cref="GeometryException"/> for negative or non-finite values.</summary>
    public Separation(double lateralMeters, double verticalMeters, TimeSpan time)
    {
        if (!double.IsFinite(lateralMeters) || lateralMeters < 0 || lateralMeters > Lateral.MaxSeparationMeters)
        {
            throw new GeometryException("separation.lateral", $"must be between 0 and {Lateral.MaxSeparationMeters} metres");
        }

        if (!double.IsFinite(verticalMeters) || verticalMeters < 0)
        {
            throw new GeometryException("separation.vertical", "must be a finite number of metres, 0 or more");
        }

        if (time < TimeSpan.Zero)
        {
            throw new GeometryException("separation.time", "must not be negative");
        }

        LateralMeters = lateralMeters;
        VerticalMeters = verticalMeters;
        Time = time;
    }

    /// <summary>Lateral minimum, metres.</summary>
    public double LateralMeters { get; }

    /// <summary>Vertical minimum, metres.</summary>
    public double VerticalMeters { get; }

    /// <summary>Time minimum.</summary>
    public TimeSpan Time { get; }
}
