using System.Text.RegularExpressions;

namespace Hotline.Core;

/// <summary>
/// Candidate patterns for location-like text, one per notation family. They only find candidates: ranges,
/// hemispheres, grid letters and context are checked by <see cref="DisclosureGuard"/>. Every quantifier is bounded
/// and no group nests an unbounded one, so the backtracking per start position is bounded too; the timeout is a
/// second line of defence.
/// </summary>
internal static partial class LocationPatterns
{
    private const int TimeoutMilliseconds = 200;

    private const RegexOptions Options =
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture | RegexOptions.IgnorePatternWhitespace;

    // Symbols: degree (and the ordinal/ring look-alikes people type), minute and second marks.
    private const string Deg = "[°º˚]";
    private const string Min = "['′’´]";
    private const string Sec = "(?:\"|″|”|''|′′|’’)";

    // Between latitude and longitude: a comma, semicolon or slash with optional space, or plain space.
    private const string Sep = @"(?:\s{0,2}[,;/]\s{0,2}|\s{1,3})";

    // A number glued to a word, another number, a sign or a currency symbol is not a coordinate.
    // Quotes are allowed around a pair ('36.1, 37.4'); primes after a number would make it minutes, not degrees.
    private const string NotGluedBefore = @"(?<![\w.°º˚$€£¥₽+\-−])";
    private const string NotGluedAfter = @"(?![\w°º˚′″%]|\.\d)";

    /// <summary>
    /// Decimal degree pairs that start with a number: hemisphere suffixed (whole degrees only with degree signs) or
    /// signed. Starting with a digit or sign lets the engine skip straight to digits.
    /// </summary>
    [GeneratedRegex(NotGluedBefore + @"
        (?:
            (?<lat>\d{1,2}(?:\.\d{1,12})?)\s?(?<ld>" + Deg + @")?\s?(?<lh>[NS])" + Sep + @"(?<lng>\d{1,3}(?:\.\d{1,12})?)\s?(?<gd>" + Deg + @")?\s?(?<gh>[EW])
          | (?<lat>[-+−]?\d{1,2}\.\d{1,12})(?<ld>\s?" + Deg + @")?" + Sep + @"(?<lng>[-+−]?\d{1,3}\.\d{1,12})(?<gd>\s?" + Deg + @")?
        )" + NotGluedAfter, Options, TimeoutMilliseconds)]
    public static partial Regex DecimalDegrees();

    /// <summary>Decimal degree pairs that start with a letter: hemisphere prefixed, or labelled lat ... lon ....</summary>
    [GeneratedRegex(NotGluedBefore + @"
        (?:
            (?<lh>[NS])\s?(?<lat>\d{1,2}(?:\.\d{1,12})?)\s?(?<ld>" + Deg + @")?" + Sep + @"(?<gh>[EW])\s?(?<lng>\d{1,3}(?:\.\d{1,12})?)\s?(?<gd>" + Deg + @")?
          | lat(?:itude)?\.?\s?[:=]?\s?(?<lat>[-+−]?\d{1,2}\.\d{1,12})(?:\s?" + Deg + @")?(?:\s?(?<lh>[NS]))?\s{0,2}[,;/]?\s{0,3}
            (?<label>lon|lng|long|longitude)\.?\s?[:=]?\s?(?<lng>[-+−]?\d{1,3}\.\d{1,12})(?:\s?" + Deg + @")?(?:\s?(?<gh>[EW]))?
        )" + NotGluedAfter, Options, TimeoutMilliseconds)]
    public static partial Regex PrefixedDecimalDegrees();

    /// <summary>Degrees with minute (and second) marks: 36°12'34"N 37°27'21"E, N36°12.5' E037°27.3', −36°12'...</summary>
    [GeneratedRegex(NotGluedBefore + @"
        (?:(?<lh>[NS])\s?|(?<ls>[-−]))?
        (?<latd>\d{1,2})\s?" + Deg + @"\s?(?<latm>\d{1,2}(?:\.\d{1,8})?)\s?" + Min + @"(?:\s?(?<lats>\d{1,2}(?:\.\d{1,8})?)\s?" + Sec + @")?
        (?:\s?(?<lh2>[NS]))?" + Sep + @"
        (?:(?<gh>[EW])\s?|(?<gs>[-−]))?
        (?<lngd>\d{1,3})\s?" + Deg + @"\s?(?<lngm>\d{1,2}(?:\.\d{1,8})?)\s?" + Min + @"(?:\s?(?<lngs>\d{1,2}(?:\.\d{1,8})?)\s?" + Sec + @")?
        (?:\s?(?<gh2>[EW]))?
        (?![\w]|\.\d)", Options, TimeoutMilliseconds)]
    public static partial Regex SymbolDegreesMinutes();

    /// <summary>Degrees, minutes (and seconds) separated by spaces, hyphens or colons, hemisphere required: 36 12 34N 037 27 21E.</summary>
    [GeneratedRegex(NotGluedBefore + @"
        (?:
            (?<lh>[NS])\s?(?<latd>\d{1,2})[\x20:\-](?<latm>\d{1,2}(?:\.\d{1,8})?)(?:[\x20:\-](?<lats>\d{1,2}(?:\.\d{1,8})?))?
          | (?<latd>\d{1,2})[\x20:\-](?<latm>\d{1,2}(?:\.\d{1,8})?)(?:[\x20:\-](?<lats>\d{1,2}(?:\.\d{1,8})?))?\s?(?<lh2>[NS])
        )" + Sep + @"
        (?:
            (?<gh>[EW])\s?(?<lngd>\d{1,3})[\x20:\-](?<lngm>\d{1,2}(?:\.\d{1,8})?)(?:[\x20:\-](?<lngs>\d{1,2}(?:\.\d{1,8})?))?
          | (?<lngd>\d{1,3})[\x20:\-](?<lngm>\d{1,2}(?:\.\d{1,8})?)(?:[\x20:\-](?<lngs>\d{1,2}(?:\.\d{1,8})?))?\s?(?<gh2>[EW])
        )
        (?![\w]|\.\d)", Options, TimeoutMilliseconds)]
    public static partial Regex SpacedDegreesMinutes();

    /// <summary>ICAO compact degrees-minutes(-seconds): 361234N0372721E, 3612N03727E, N361234 E0372721.</summary>
    [GeneratedRegex(@"(?<![\w.\-])
        (?:
            (?<lat>\d{4}(?:\d{2})?(?:\.\d{1,4})?)(?<lh>[NS])\s?(?<lng>\d{5}(?:\d{2})?(?:\.\d{1,4})?)(?<gh>[EW])
          | (?<lh>[NS])(?<lat>\d{4}(?:\d{2})?(?:\.\d{1,4})?)\s?(?<gh>[EW])(?<lng>\d{5}(?:\d{2})?(?:\.\d{1,4})?)
        )
        (?![\w]|\.\d)", Options, TimeoutMilliseconds)]
    public static partial Regex CompactDegreesMinutes();

    /// <summary>MGRS: zone, band, 100 km square, then 2–10 digits together or two equal halves apart.</summary>
    [GeneratedRegex(@"(?<![\w.\-])
        (?<zone>\d{1,2})(?<band>[C-HJ-NP-X])\s?(?<col>[A-HJ-NP-Z])(?<row>[A-HJ-NP-V])
        (?:\s(?<e>\d{1,5})\s(?<n>\d{1,5})|\s?(?<digits>\d{2,10}))
        (?![\w\-]|\.\d)", Options, TimeoutMilliseconds)]
    public static partial Regex Mgrs();

    /// <summary>An MGRS reference without zone and band, recognised only after the word grid, GR or MGRS.</summary>
    [GeneratedRegex(@"(?<![\w])(?:grid|GR|MGRS)\s?:?\s?
        (?<ref>(?<col>[A-HJ-NP-Z])(?<row>[A-HJ-NP-V])(?:\s(?<e>\d{1,5})\s(?<n>\d{1,5})|\s?(?<digits>\d{2,10})))
        (?![\w\-]|\.\d)", Options, TimeoutMilliseconds)]
    public static partial Regex ShortMgrs();

    /// <summary>UTM: zone and band (or hemisphere) letter, 6-digit easting, northing of up to 7 digits, optional mE/mN.</summary>
    [GeneratedRegex(@"(?<![\w.\-])
        (?<zone>\d{1,2})\s?(?<band>[C-HJ-NP-X])\s{1,2}
        (?<e>\d{6}(?:\.\d{1,3})?)(?:\s?m?E)?
        (?:\s{0,2},\s{0,2}|\s{1,3})
        (?<n>\d{1,7}(?:\.\d{1,3})?)(?:\s?m?N)?
        (?![\w\-]|\.\d)", Options, TimeoutMilliseconds)]
    public static partial Regex Utm();
}
