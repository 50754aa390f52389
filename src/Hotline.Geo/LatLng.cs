using System.Globalization;

namespace Hotline.Geo;

/// <summary>A WGS84 position in degrees: latitude in [-90, 90], longitude in [-180, 180].</summary>
public readonly record struct LatLng
{
    /// <summary>Creates a position; throws <see cref="GeometryException"/> naming the field when out of range.</summary>
    public LatLng(double lat, double lng)
    {
        Check(lat, lng, "");
        Lat = lat;
        Lng = lng;
    }

    /// <summary>Latitude in degrees, positive north.</summary>
    public double Lat { get; }

    /// <summary>Longitude in degrees, positive east.</summary>
    public double Lng { get; }

    /// <summary>Validates a raw coordinate pair, naming fields under <paramref name="field"/>.</summary>
    public static void Check(double lat, double lng, string field)
    {
        var prefix = field.Length == 0 ? "" : field + ".";
        if (!double.IsFinite(lat))
        {
            throw new GeometryException(prefix + "lat", "must be a finite number");
        }

        if (!double.IsFinite(lng))
        {
            throw new GeometryException(prefix + "lng", "must be a finite number");
        }

        if (lat is < -90 or > 90)
        {
            throw new GeometryException(prefix + "lat", $"must be between -90 and 90 degrees, got {Format(lat)}");
        }

        if (lng is < -180 or > 180)
        {
            throw new GeometryException(prefix + "lng", $"must be between -180 and 180 degrees, got {Format(lng)}");
        }
    }

    /// <summary>The unit vector of this position (x towards 0°N 0°E, z towards the North Pole).</summary>
    internal Vec3 ToVector() => Vec3.FromLatLng(Lat, Lng);

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override string ToString() => $"({Format(Lat)}, {Format(Lng)})";
}
