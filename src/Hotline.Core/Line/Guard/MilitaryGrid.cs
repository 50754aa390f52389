namespace Hotline.Core;

/// <summary>
/// The MGRS letters of the WGS84 ("new", AA) lettering scheme: latitude bands and 100 km squares, and their
/// resolution to a UTM easting and northing (NGA.SIG.0012, the scheme used by every current WGS84 map).
/// </summary>
internal static class MilitaryGrid
{
    /// <summary>Latitude bands from 80°S northwards, 8° each (X is 12°), without I and O.</summary>
    public const string Bands = "CDEFGHJKLMNPQRSTUVWX";

    private const string RowLetters = "ABCDEFGHJKLMNPQRSTUV";
    private static readonly string[] ColumnLetters = ["ABCDEFGH", "JKLMNPQR", "STUVWXYZ"];

    /// <summary>The southern edge of a band, in degrees.</summary>
    public static double BandSouth(char band) => Bands.IndexOf(band) * 8 - 80;

    /// <summary>The northern edge of a band, in degrees.</summary>
    public static double BandNorth(char band) => band == 'X' ? 84 : BandSouth(band) + 8;

    /// <summary>Whether the latitude lies in the band, allowing <paramref name="slackDegrees"/> either side.</summary>
    public static bool InBand(char band, double lat, double slackDegrees) =>
        lat >= BandSouth(band) - slackDegrees && lat <= BandNorth(band) + slackDegrees;

    /// <summary>
    /// Resolves a zone, band, 100 km square and the metres inside it to a UTM easting and northing (northing with
    /// the 10 000 km false northing in the southern hemisphere). False when the square's column letter is not one
    /// of its zone's, or when no 2 000 km cycle of its row letter falls in the band.
    /// </summary>
    public static bool TryToUtm(int zone, char band, char column, char row, double eastMetres, double northMetres, out double easting, out double northing)
    {
        easting = 0;
        northing = 0;
        var columnIndex = ColumnLetters[(zone - 1) % 3].IndexOf(column);
        var rowIndex = RowLetters.IndexOf(row);
        if (columnIndex < 0 || rowIndex < 0)
        {
            return false;
        }

        // Even zones start their row lettering at F, so that squares of neighbouring zones differ.
        if (zone % 2 == 0)
        {
            rowIndex = (rowIndex + 15) % 20;
        }

        easting = (columnIndex + 1) * 100_000 + eastMetres;
        var north = band >= 'N';
        // The row letters repeat every 2 000 km; a band is at most 12° (about 1 330 km) tall, so at most one cycle
        // puts the point in its band. Half a degree of slack admits squares that straddle the band edge.
        for (var cycle = 0; cycle < 5; cycle++)
        {
            var candidate = rowIndex * 100_000 + northMetres + cycle * 2_000_000;
            var (lat, _) = TransverseMercator.ToLatLng(zone, north, easting, candidate);
            if (InBand(band, lat, 0.5))
            {
                northing = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>The MGRS 100 km square letters (column, row) of a UTM easting and northing in a zone.</summary>
    public static (char Column, char Row) SquareOf(int zone, double easting, double northing)
    {
        var column = ColumnLetters[(zone - 1) % 3][(int)Math.Floor(easting / 100_000) - 1];
        var rowIndex = (int)Math.Floor(northing / 100_000) % 20;
        if (zone % 2 == 0)
        {
            rowIndex = (rowIndex + 5) % 20;
        }

        return (column, RowLetters[rowIndex]);
    }
}
