namespace Hotline.Core;

/// <summary>
/// UTM on the WGS84 ellipsoid by Krüger's series to sixth order in the third flattening n, as given by
/// C. F. F. Karney, "Transverse Mercator with an accuracy of a few nanometers", J. Geodesy 85 (2011) 475–485,
/// eqs. (35)–(36) and the Newton iteration of §2 for the conformal latitude. Within a UTM zone (and well beyond)
/// the series is accurate to far below a millimetre, so the only error that matters is the precision of the text.
/// </summary>
internal static class TransverseMercator
{
    private const double SemiMajorAxis = 6_378_137.0;
    private const double Flattening = 1 / 298.257223563;
    private const double ScaleFactor = 0.9996;
    private const double FalseEasting = 500_000.0;
    private const double FalseNorthingSouth = 10_000_000.0;

    private static readonly double Eccentricity = Math.Sqrt(Flattening * (2 - Flattening));

    // A·k0: the rectifying radius scaled to the central meridian.
    private static readonly double ScaledRectifyingRadius;
    private static readonly double[] Alpha;
    private static readonly double[] Beta;

    static TransverseMercator()
    {
        var n = Flattening / (2 - Flattening);
        double n2 = n * n, n3 = n2 * n, n4 = n3 * n, n5 = n4 * n, n6 = n5 * n;
        ScaledRectifyingRadius = ScaleFactor * SemiMajorAxis / (1 + n) * (1 + n2 / 4 + n4 / 64 + n6 / 256);
        Alpha =
        [
            n / 2 - 2 * n2 / 3 + 5 * n3 / 16 + 41 * n4 / 180 - 127 * n5 / 288 + 7891 * n6 / 37800,
            13 * n2 / 48 - 3 * n3 / 5 + 557 * n4 / 1440 + 281 * n5 / 630 - 1983433 * n6 / 1935360,
            61 * n3 / 240 - 103 * n4 / 140 + 15061 * n5 / 26880 + 167603 * n6 / 181440,
            49561 * n4 / 161280 - 179 * n5 / 168 + 6601661 * n6 / 7257600,
            34729 * n5 / 80640 - 3418889 * n6 / 1995840,
            212378941 * n6 / 319334400,
        ];
        Beta =
        [
            n / 2 - 2 * n2 / 3 + 37 * n3 / 96 - n4 / 360 - 81 * n5 / 512 + 96199 * n6 / 604800,
            n2 / 48 + n3 / 15 - 437 * n4 / 1440 + 46 * n5 / 105 - 1118711 * n6 / 3870720,
            17 * n3 / 480 - 37 * n4 / 840 - 209 * n5 / 4480 + 5569 * n6 / 90720,
            4397 * n4 / 161280 - 11 * n5 / 504 - 830251 * n6 / 7257600,
            4583 * n5 / 161280 - 108847 * n6 / 3991680,
            20648693 * n6 / 638668800,
        ];
    }

    /// <summary>The longitude, in degrees, of the central meridian of UTM zone 1–60.</summary>
    public static double CentralMeridian(int zone) => zone * 6 - 183;

    /// <summary>Converts a UTM position to latitude and longitude in degrees (longitude wrapped to [-180, 180]).</summary>
    public static (double Lat, double Lng) ToLatLng(int zone, bool north, double easting, double northing)
    {
        var eta = (easting - FalseEasting) / ScaledRectifyingRadius;
        var xi = (north ? northing : northing - FalseNorthingSouth) / ScaledRectifyingRadius;

        double xiPrime = xi, etaPrime = eta;
        for (var j = 1; j <= 6; j++)
        {
            var b = Beta[j - 1];
            xiPrime -= b * Math.Sin(2 * j * xi) * Math.Cosh(2 * j * eta);
            etaPrime -= b * Math.Cos(2 * j * xi) * Math.Sinh(2 * j * eta);
        }

        var sinhEtaPrime = Math.Sinh(etaPrime);
        var cosXiPrime = Math.Cos(xiPrime);
        var tauPrime = Math.Sin(xiPrime) / Math.Sqrt(sinhEtaPrime * sinhEtaPrime + cosXiPrime * cosXiPrime);

        // Newton iteration from the conformal to the geodetic latitude (Karney 2011, eqs. 19–21); converges in 2–3 steps.
        var e = Eccentricity;
        var e2 = e * e;
        var tau = tauPrime;
        for (var i = 0; i < 10; i++)
        {
            var sigma = Math.Sinh(e * Math.Atanh(e * tau / Math.Sqrt(1 + tau * tau)));
            var tauI = tau * Math.Sqrt(1 + sigma * sigma) - sigma * Math.Sqrt(1 + tau * tau);
            var delta = (tauPrime - tauI) / Math.Sqrt(1 + tauI * tauI)
                * (1 + (1 - e2) * tau * tau) / ((1 - e2) * Math.Sqrt(1 + tau * tau));
            tau += delta;
            if (Math.Abs(delta) < 1e-12)
            {
                break;
            }
        }

        var lat = Math.Atan(tau) * 180 / Math.PI;
        var lng = CentralMeridian(zone) + Math.Atan2(sinhEtaPrime, cosXiPrime) * 180 / Math.PI;
        if (lng > 180)
        {
            lng -= 360;
        }
        else if (lng < -180)
        {
            lng += 360;
        }

        return (lat, lng);
    }

    /// <summary>
    /// Converts latitude and longitude in degrees to easting and northing in metres in the given zone (the standard
    /// zone of the longitude is <c>floor((lng + 180) / 6) + 1</c>, but any neighbouring zone works too).
    /// </summary>
    public static (double Easting, double Northing) FromLatLng(double lat, double lng, int zone)
    {
        var phi = lat * Math.PI / 180;
        var lambda = (lng - CentralMeridian(zone)) * Math.PI / 180;
        if (lambda > Math.PI)
        {
            lambda -= 2 * Math.PI;
        }
        else if (lambda < -Math.PI)
        {
            lambda += 2 * Math.PI;
        }

        var e = Eccentricity;
        var tau = Math.Tan(phi);
        var sigma = Math.Sinh(e * Math.Atanh(e * tau / Math.Sqrt(1 + tau * tau)));
        var tauPrime = tau * Math.Sqrt(1 + sigma * sigma) - sigma * Math.Sqrt(1 + tau * tau);
        var cosLambda = Math.Cos(lambda);
        var xiPrime = Math.Atan2(tauPrime, cosLambda);
        var etaPrime = Math.Asinh(Math.Sin(lambda) / Math.Sqrt(tauPrime * tauPrime + cosLambda * cosLambda));

        double xi = xiPrime, eta = etaPrime;
        for (var j = 1; j <= 6; j++)
        {
            var a = Alpha[j - 1];
            xi += a * Math.Sin(2 * j * xiPrime) * Math.Cosh(2 * j * etaPrime);
            eta += a * Math.Cos(2 * j * xiPrime) * Math.Sinh(2 * j * etaPrime);
        }

        var easting = FalseEasting + ScaledRectifyingRadius * eta;
        var northing = ScaledRectifyingRadius * xi;
        return (easting, lat < 0 ? northing + FalseNorthingSouth : northing);
    }
}
