using System.Globalization;
using Xunit.Abstractions;
using Hotline.Geo;

namespace Hotline.Core.Tests.Line;

/// <summary>
/// The disclosure guard finds every location-like span (a corpus of realistic sentences and a property test over
/// random positions), ignores look-alikes, converts grid references like GeographicLib does, and blocks what is not
/// the sender's own.
/// </summary>
public sealed class DisclosureGuardTests
{
    private static readonly DisclosureGuard Guard = new();
    private readonly ITestOutputHelper _output;

    public DisclosureGuardTests(ITestOutputHelper output) => _output = output;

    // Tolerances: written degrees are exact, so those rows allow 1e-9°. Grid rows give the south-west corner of the
    // stated square, converted by GeographicLib 2.1.2 (`echo "37n 212345 4067890" | GeoConvert -p 5`), and allow
    // 1e-6° (about 0.1 m).
    private const double Exact = 1e-9;
    private const double Grid = 1e-6;

    private static double Dms(double d, double m, double s = 0) => d + m / 60 + s / 3600;

    public static TheoryData<string, string, LocationNotation, double, double, double> Positives => new()
    {
        // Decimal degrees.
        { "we will hold at 36.123, 37.456 until 10:45Z", "36.123, 37.456", LocationNotation.DecimalDegrees, 36.123, 37.456, Exact },
        { "orbit 36.123 37.456 at FL250", "36.123 37.456", LocationNotation.DecimalDegrees, 36.123, 37.456, Exact },
        { "CAP established at 36.123N 37.456E, two ships", "36.123N 37.456E", LocationNotation.DecimalDegrees, 36.123, 37.456, Exact },
        { "position N36.123 E37.456, alt 3000 m", "N36.123 E37.456", LocationNotation.DecimalDegrees, 36.123, 37.456, Exact },
        { "strike reported at 36.123°N, 37.456°E by VIPER11", "36.123°N, 37.456°E", LocationNotation.DecimalDegrees, 36.123, 37.456, Exact },
        { "ref point -36.5,137.25 confirmed", "-36.5,137.25", LocationNotation.DecimalDegrees, -36.5, 137.25, Exact },
        { "deconfliction point 35.2041 N, 38.9966 E", "35.2041 N, 38.9966 E", LocationNotation.DecimalDegrees, 35.2041, 38.9966, Exact },
        { "marker 35.95°, 39.01° is cleared", "35.95°, 39.01°", LocationNotation.DecimalDegrees, 35.95, 39.01, Exact },
        { "hold south of 35.5123S 038.1000W today", "35.5123S 038.1000W", LocationNotation.DecimalDegrees, -35.5123, -38.1, Exact },
        { "loiter 34.80012;36.70123 for 20 min", "34.80012;36.70123", LocationNotation.DecimalDegrees, 34.80012, 36.70123, Exact },
        { "drop zone 33.51/36.29 is hot", "33.51/36.29", LocationNotation.DecimalDegrees, 33.51, 36.29, Exact },
        { "aircraft down near 35.01 , 38.77 send SAR", "35.01 , 38.77", LocationNotation.DecimalDegrees, 35.01, 38.77, Exact },
        { "harbour at −33.8688, 151.2093", "−33.8688, 151.2093", LocationNotation.DecimalDegrees, -33.8688, 151.2093, Exact },
        { "node +36.2021, +37.1343 online", "+36.2021, +37.1343", LocationNotation.DecimalDegrees, 36.2021, 37.1343, Exact },
        { "radar at 36.20211°N 37.13433°E", "36.20211°N 37.13433°E", LocationNotation.DecimalDegrees, 36.20211, 37.13433, Exact },
        { "lowercase n36.5 e37.25 works too", "n36.5 e37.25", LocationNotation.DecimalDegrees, 36.5, 37.25, Exact },
        { "At (36.123, 37.456) we turn north", "36.123, 37.456", LocationNotation.DecimalDegrees, 36.123, 37.456, Exact },
        { "coords: 36.12,37.45.", "36.12,37.45", LocationNotation.DecimalDegrees, 36.12, 37.45, Exact },
        { "N 35.9 E 39.0 is the turn point", "N 35.9 E 39.0", LocationNotation.DecimalDegrees, 35.9, 39.0, Exact },
        { "west side 40.4168, -3.7038 holds", "40.4168, -3.7038", LocationNotation.DecimalDegrees, 40.4168, -3.7038, Exact },
        { "quoted \"36.123, 37.456\" in the log", "36.123, 37.456", LocationNotation.DecimalDegrees, 36.123, 37.456, Exact },
        { "labelled lat 36.1 lon 37.4 (rounded)", "lat 36.1 lon 37.4", LocationNotation.DecimalDegrees, 36.1, 37.4, Exact },
        { "labelled lat 36.12N lon 37.45W here", "lat 36.12N lon 37.45W", LocationNotation.DecimalDegrees, 36.12, -37.45, Exact },
        { "whole degrees at 36°N 37°E only", "36°N 37°E", LocationNotation.DecimalDegrees, 36, 37, Exact },
        { "mixed 36.5N 37E is enough", "36.5N 37E", LocationNotation.DecimalDegrees, 36.5, 37, Exact },
        { "form: Latitude: 36.1234, Longitude: 37.4567.", "Latitude: 36.1234, Longitude: 37.4567", LocationNotation.DecimalDegrees, 36.1234, 37.4567, Exact },

        // Degrees, minutes and seconds.
        { "target 36°12'34\"N 37°27'21\"E destroyed", "36°12'34\"N 37°27'21\"E", LocationNotation.DegreesMinutesSeconds, Dms(36, 12, 34), Dms(37, 27, 21), Exact },
        { "tanker track 36°12′34″N 37°27′21″E", "36°12′34″N 37°27′21″E", LocationNotation.DegreesMinutesSeconds, Dms(36, 12, 34), Dms(37, 27, 21), Exact },
        { "hold at 36° 12' 34\" N, 37° 27' 21\" E please", "36° 12' 34\" N, 37° 27' 21\" E", LocationNotation.DegreesMinutesSeconds, Dms(36, 12, 34), Dms(37, 27, 21), Exact },
        { "point N36°12'34\" E037°27'21\" passed", "N36°12'34\" E037°27'21\"", LocationNotation.DegreesMinutesSeconds, Dms(36, 12, 34), Dms(37, 27, 21), Exact },
        { "precise 36°12'34.5\"N 37°27'21.25\"E", "36°12'34.5\"N 37°27'21.25\"E", LocationNotation.DegreesMinutesSeconds, Dms(36, 12, 34.5), Dms(37, 27, 21.25), Exact },
        { "opera house 33°51'07.7\"S 151°12'55.5\"E", "33°51'07.7\"S 151°12'55.5\"E", LocationNotation.DegreesMinutesSeconds, -Dms(33, 51, 7.7), Dms(151, 12, 55.5), Exact },
        { "ordinal signs 36º12'34''N 37º27'21''E", "36º12'34''N 37º27'21''E", LocationNotation.DegreesMinutesSeconds, Dms(36, 12, 34), Dms(37, 27, 21), Exact },
        { "spaced 36 12 34N 037 27 21E is the IP", "36 12 34N 037 27 21E", LocationNotation.DegreesMinutesSeconds, Dms(36, 12, 34), Dms(37, 27, 21), Exact },
        { "prefixed N36 12 34 E037 27 21 is the IP", "N36 12 34 E037 27 21", LocationNotation.DegreesMinutesSeconds, Dms(36, 12, 34), Dms(37, 27, 21), Exact },
        { "hyphens 36-12-34N 037-27-21E noted", "36-12-34N 037-27-21E", LocationNotation.DegreesMinutesSeconds, Dms(36, 12, 34), Dms(37, 27, 21), Exact },
        { "colons 36:12:34N 37:27:21E noted", "36:12:34N 37:27:21E", LocationNotation.DegreesMinutesSeconds, Dms(36, 12, 34), Dms(37, 27, 21), Exact },
        { "south 33 51 07S 151 12 55E", "33 51 07S 151 12 55E", LocationNotation.DegreesMinutesSeconds, -Dms(33, 51, 7), Dms(151, 12, 55), Exact },
        { "signed -33°51'07\" 151°12'55\" too", "-33°51'07\" 151°12'55\"", LocationNotation.DegreesMinutesSeconds, -Dms(33, 51, 7), Dms(151, 12, 55), Exact },
        { "ICAO 361234N0372721E filed", "361234N0372721E", LocationNotation.DegreesMinutesSeconds, Dms(36, 12, 34), Dms(37, 27, 21), Exact },
        { "ICAO spaced 361234N 0372721E filed", "361234N 0372721E", LocationNotation.DegreesMinutesSeconds, Dms(36, 12, 34), Dms(37, 27, 21), Exact },
        { "prefixed compact N361234 E0372721 filed", "N361234 E0372721", LocationNotation.DegreesMinutesSeconds, Dms(36, 12, 34), Dms(37, 27, 21), Exact },
        { "fractional 361234.5N0372721.5E filed", "361234.5N0372721.5E", LocationNotation.DegreesMinutesSeconds, Dms(36, 12, 34.5), Dms(37, 27, 21.5), Exact },
        { "southern 335107S1511255E filed", "335107S1511255E", LocationNotation.DegreesMinutesSeconds, -Dms(33, 51, 7), Dms(151, 12, 55), Exact },
        { "western 404500N0033500W entry", "404500N0033500W", LocationNotation.DegreesMinutesSeconds, Dms(40, 45), -Dms(3, 35), Exact },

        // Degrees and decimal minutes.
        { "orbit 36°12.5'N 37°27.3'E now", "36°12.5'N 37°27.3'E", LocationNotation.DegreesDecimalMinutes, Dms(36, 12.5), Dms(37, 27.3), Exact },
        { "GPS shows N36°12.500' E037°27.300'", "N36°12.500' E037°27.300'", LocationNotation.DegreesDecimalMinutes, Dms(36, 12.5), Dms(37, 27.3), Exact },
        { "primes 36°12.5′N, 37°27.3′E", "36°12.5′N, 37°27.3′E", LocationNotation.DegreesDecimalMinutes, Dms(36, 12.5), Dms(37, 27.3), Exact },
        { "whole minutes 36°12'N 37°27'W", "36°12'N 37°27'W", LocationNotation.DegreesDecimalMinutes, Dms(36, 12), -Dms(37, 27), Exact },
        { "spaced minutes 36 12.5N 037 27.3E", "36 12.5N 037 27.3E", LocationNotation.DegreesDecimalMinutes, Dms(36, 12.5), Dms(37, 27.3), Exact },
        { "ICAO minutes 3612N03727E on the plan", "3612N03727E", LocationNotation.DegreesDecimalMinutes, Dms(36, 12), Dms(37, 27), Exact },
        { "ICAO minutes 3612.5N 03727.3E on the plan", "3612.5N 03727.3E", LocationNotation.DegreesDecimalMinutes, Dms(36, 12.5), Dms(37, 27.3), Exact },
        { "south 33°51.128'S 151°12.925'E", "33°51.128'S 151°12.925'E", LocationNotation.DegreesDecimalMinutes, -Dms(33, 51.128), Dms(151, 12.925), Exact },

        // MGRS (south-west corner of the stated square).
        { "target at 37SBA1234567890", "37SBA1234567890", LocationNotation.Mgrs, 36.7131716535, 35.7795976884, Grid },
        { "fires on 37S BA 12345 67890 at 1045Z", "37S BA 12345 67890", LocationNotation.Mgrs, 36.7131716535, 35.7795976884, Grid },
        { "hold 37SBA 123 678 until relieved", "37SBA 123 678", LocationNotation.Mgrs, 36.7123479759, 35.7791284664, Grid },
        { "grid 37SCA3226907977 is the city", "37SCA3226907977", LocationNotation.Mgrs, 36.2020912608, 37.1342897946, Grid },
        { "tasking 37SBT 47029 11570 for VIPER11", "37SBT 47029 11570", LocationNotation.Mgrs, 33.5137965420, 36.2764962418, Grid },
        { "36SYE6778421518 is the airfield", "36SYE6778421518", LocationNotation.Mgrs, 35.4010937840, 35.9485970057, Grid },
        { "ruins near 37SDU 3294 2341", "37SDU 3294 2341", LocationNotation.Mgrs, 34.5502325551, 38.2690931775, Grid },
        { "lowercase 37sfv0367410891 also counts", "37sfv0367410891", LocationNotation.Mgrs, 35.3358989748, 40.1407892334, Grid },
        { "coarse 37SEV0071 box", "37SEV0071", LocationNotation.Mgrs, 35.8832563291, 39.0, Grid },
        { "56HLH3490052288 near the harbour", "56HLH3490052288", LocationNotation.Mgrs, -33.8568066979, 151.2152937035, Grid },
        { "even zone 36UUA 24182 91607 noted", "36UUA 24182 91607", LocationNotation.Mgrs, 50.4500944797, 30.5233973379, Grid },
        { "north 27WVM5413813689 noted", "27WVM5413813689", LocationNotation.Mgrs, 64.1465921530, -21.9426074729, Grid },
        { "equator 17MQV8186180007 noted", "17MQV8186180007", LocationNotation.Mgrs, -0.1807051244, -78.4678041063, Grid },
        { "cape 34HBH 61881 43182 noted", "34HBH 61881 43182", LocationNotation.Mgrs, -33.9249030588, 18.4240934349, Grid },
        { "band N 36NVF4436355267 noted", "36NVF4436355267", LocationNotation.Mgrs, 0.4999985915, 32.4999918041, Grid },
        { "GeoConvert example 38SMB4488.", "38SMB4488", LocationNotation.Mgrs, 33.3296994741, 44.3982863863, Grid },
        { "tower at 31UDQ4825111932", "31UDQ4825111932", LocationNotation.Mgrs, 48.8581938379, 2.2944892452, Grid },
        { "10 km box 37SCA32 only", "37SCA32", LocationNotation.Mgrs, 36.3100300200, 37.1064500311, Grid },

        // UTM.
        { "convoy at 37S 412345 4012345 moving", "37S 412345 4012345", LocationNotation.Utm, 36.2520371634, 38.0243349839, Grid },
        { "convoy at 37N 412345mE 4012345mN moving", "37N 412345mE 4012345mN", LocationNotation.Utm, 36.2520371634, 38.0243349839, Grid },
        { "UTM 37S 412345E 4012345N per the plan", "37S 412345E 4012345N", LocationNotation.Utm, 36.2520371634, 38.0243349839, Grid },
        { "tower 17T 630084 4833438 seen", "17T 630084 4833438", LocationNotation.Utm, 43.6425617813, -79.3871428695, Grid },
        { "harbour 56H 334901 6252289 seen", "56H 334901 6252289", LocationNotation.Utm, -33.8567978397, 151.2153046964, Grid },
        { "hemisphere letter 56S 334901 6252289 seen", "56S 334901 6252289", LocationNotation.Utm, -33.8567978397, 151.2153046964, Grid },
        { "centre 38S 444500 3688500 seen", "38S 444500 3688500", LocationNotation.Utm, 33.3342350846, 44.4036278478, Grid },
        { "spaced band 37 S 412345, 4012345 seen", "37 S 412345, 4012345", LocationNotation.Utm, 36.2520371634, 38.0243349839, Grid },
        { "decimetres 37S 412345.5 4012345.5 seen", "37S 412345.5 4012345.5", LocationNotation.Utm, 36.2520417159, 38.0243404925, Grid },
        { "zone 36 36n 767784 3921519 seen", "36n 767784 3921519", LocationNotation.Utm, 35.4011027889, 35.9485973339, Grid },
        { "cape 34H 261882 6243182 seen", "34H 261882 6243182", LocationNotation.Utm, -33.9249032850, 18.4241042430, Grid },
    };

    public static TheoryData<string> Negatives => new()
    {
        "we will hold until 10:45Z",
        "check in at 10:45:30Z",
        "time on target 1045Z",
        "window opens 2030-01-01T10:00:00Z",
        "exercise 01.02.2030 to 03.02.2030",
        "on 2030-01-01 and 2030-01-02",
        "dates 01.02.2030 12.05.2030",
        "24.12.2030",
        "guard 121.5 MHz",
        "monitor 243.000",
        "tower on 118.275",
        "switch 121.500 243.000",
        "contact 36.125 37.450 MHz",
        "frequencies 36.125 37.450",
        "VIPER11 and RCH123 are airborne",
        "climb FL350",
        "descend to 3000 m",
        "maintain 10,000 ft",
        "heading 270, speed 250 kt",
        "squawk 7700",
        "squawks 7700 7600 7500",
        "running build 1.2.3",
        "version 2.10 2.11",
        "v1.2.3-beta.4",
        "2.5.0.1",
        "fuel at 45.5%",
        "fuel 45.55% and 37.25%",
        "fuel 45.55 % 37.25 %",
        "call +7 495 123-45-67",
        "call +1 (202) 555-0143",
        "phone 555.123.4567",
        "phone 01.23.45.67.89",
        "line 12345",
        "cost $1,250.00",
        "costs USD 12.50, 13.75",
        "€12.50, €13.75",
        "price 12.50 13.75 USD",
        "id 123e4567-e89b-12d3-a456-426614174000",
        "uuid 1DAB4567-E89B-12D3-A456-426614174000",
        "host 10.0.0.1 is down",
        "route 192.168.1.1, 10.0.0.2",
        "gateway 10.0.0.1 10.0.0.2",
        "IP 172.16.254.1/24",
        "mac 00:1B:44:11:3A:B7",
        "temperature 36.6",
        "one value 36.123",
        "at 36.123 only, nothing else",
        "scores 3.5 and 4.5",
        "ratio 1.5:2.5",
        "pair 1.2, 3.4",
        "QNH 1013",
        "altimeter 29.92 inHg",
        "winds 270/15G25",
        "RWY 27L/09R",
        "ETA 14:30 local",
        "3 aircraft, 2 tankers",
        "range 12.55 13.75 NM",
        "cruise 0.85, 0.90 Mach",
        "latency 12.34 ms, jitter 1.5 ms",
        "temps 10°C, 12°C",
        "temps 10.5°C, 12.5°C",
        "turn 10° left",
        "bearing 045°, 12 nm",
        "TACAN 45X",
        "Mode 3/A 1234",
        "at 4PM 1234 local",
        "the 10 AM 12 34 brief",
        "GPS week 2301, TOW 345600",
        "serial 37S-4012345",
        "pi is 3.14159",
        "36N 37E",
        "call 12 S 123456 1234",
        "room 12B, floor 3",
        "NOTAM A1234/30",
        "ATIS information B, 1020",
        "Stardate 41153.7",
        "coordinates withheld",
        "1:50,000 map sheet",
        "acceleration 9.81 m/s2",
        "total 1,234.56, 7,890.12",
        "a 1 b 2 c 3",
        "",
    };

    [Theory]
    [MemberData(nameof(Positives))]
    public void EveryCorpusLocationIsFoundWithItsNotationAndPosition(string text, string span, LocationNotation notation, double lat, double lng, double tolerance)
    {
        var hit = Assert.Single(Guard.Find(text));

        Assert.Equal(span, hit.Text);
        Assert.Equal(text.IndexOf(span, StringComparison.Ordinal), hit.Start);
        Assert.Equal(span.Length, hit.Length);
        Assert.Equal(notation, hit.Notation);
        var position = Assert.NotNull(hit.Position);
        Assert.InRange(position.Lat, lat - tolerance, lat + tolerance);
        Assert.InRange(position.Lng, lng - tolerance, lng + tolerance);
    }

    [Theory]
    [MemberData(nameof(Negatives))]
    public void LookAlikesAreNotLocations(string text) => Assert.Empty(Guard.Find(text));

    [Fact]
    public void TheCorpusesAreLargeEnough()
    {
        Assert.InRange(Positives.Count, 60, int.MaxValue);
        Assert.InRange(Negatives.Count, 60, int.MaxValue);
    }

    [Fact]
    public void SeveralLocationsInOneMessageAreFoundInTextOrder()
    {
        var text = "from 36.123, 37.456 via 37SBA1234567890 to 361234N0372721E then 37S 412345 4012345, not before 10:45Z on 121.5";

        var hits = Guard.Find(text);

        Assert.Equal(
            [LocationNotation.DecimalDegrees, LocationNotation.Mgrs, LocationNotation.DegreesMinutesSeconds, LocationNotation.Utm],
            hits.Select(h => h.Notation));
        Assert.Equal(["36.123, 37.456", "37SBA1234567890", "361234N0372721E", "37S 412345 4012345"], hits.Select(h => h.Text));
    }

    [Theory]
    [InlineData("grid BA 1234 5678 is the rally point", "BA 1234 5678")]
    [InlineData("meet at GR: CV123456", "CV123456")]
    [InlineData("column letter J is not in zone 37: 37SJA1234567890", "37SJA1234567890")]
    public void GridReferencesWithoutAComputablePositionAreFoundWithoutOne(string text, string span)
    {
        var hit = Assert.Single(Guard.Find(text));

        Assert.Equal(span, hit.Text);
        Assert.Equal(LocationNotation.Mgrs, hit.Notation);
        Assert.Null(hit.Position);
    }

    [Theory]
    [InlineData("37SBA12345678901")] // odd digit count
    [InlineData("61SBA1234567890")] // zone 61
    [InlineData("37IBA1234567890")] // band I
    [InlineData("37SBW1234567890")] // row W is not a row letter
    [InlineData("91.123, 37.456")] // latitude beyond 90
    [InlineData("36.123, 181.456")] // longitude beyond 180
    [InlineData("36°61'00\"N 37°27'21\"E")] // 61 minutes
    [InlineData("36°12'61\"N 37°27'21\"E")] // 61 seconds
    [InlineData("916000N0372721E")] // 91 degrees
    [InlineData("37S 012345 4012345")] // easting below 100 km
    public void MalformedCoordinatesAreNotReported(string text) => Assert.Empty(Guard.Find(text));

    [Fact]
    public void APositionInsideTheSendersOwnVolumesIsAllowed()
    {
        var own = new LatLng(36.123, 37.456);

        var decision = Guard.Check("we will hold at 36.123, 37.456 until 10:45Z", p => Earth.DistanceMeters(p, own) < 1_000);

        Assert.True(decision.IsClear);
        Assert.Single(decision.Hits);
        Assert.Empty(decision.Offending);
    }

    [Fact]
    public void APositionOutsideTheSendersOwnVolumesIsBlockedWithAReason()
    {
        var decision = Guard.Check("we will hold at 36.123, 37.456 until 10:45Z", _ => false);

        Assert.False(decision.IsClear);
        var finding = Assert.Single(decision.Offending);
        Assert.Equal(LocationNotation.DecimalDegrees, finding.Hit.Notation);
        Assert.Equal(
            "decimal degrees 36.123, 37.456 at characters 17–30 lie outside your own filed volumes and emergency position",
            finding.Reason);
    }

    [Fact]
    public void OnlyTheForeignPositionOfAMixedMessageIsBlocked()
    {
        var own = new LatLng(36.123, 37.456);

        var decision = Guard.Check("we are at 36.123, 37.456 and they are at 37SBA1234567890", p => Earth.DistanceMeters(p, own) < 1_000);

        Assert.Equal(2, decision.Hits.Count);
        var finding = Assert.Single(decision.Offending);
        Assert.Equal("37SBA1234567890", finding.Hit.Text);
        Assert.StartsWith("MGRS grid reference 37SBA1234567890 at characters 42–56 lies outside", finding.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AHitWithoutAComputablePositionIsAlwaysBlocked()
    {
        var asked = 0;

        var decision = Guard.Check("rally at grid BA 1234 5678", _ =>
        {
            asked++;
            return true;
        });

        var finding = Assert.Single(decision.Offending);
        Assert.Null(finding.Hit.Position);
        Assert.Equal(0, asked);
        Assert.Equal(
            "MGRS grid reference BA 1234 5678 at characters 15–26 has no position that can be computed, so it cannot be shown to be your own",
            finding.Reason);
    }

    [Fact]
    public void AReasonStaysOnOneLineWhenTheSpanCrossesALine()
    {
        var decision = Guard.Check("hold at 36.123,\n37.456", _ => false);

        var finding = Assert.Single(decision.Offending);
        Assert.Contains("36.123, 37.456 at characters 9–22", finding.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', finding.Reason);
    }

    [Fact]
    public void AMessageWithoutLocationsIsClear()
    {
        var decision = Guard.Check("VIPER11 on 121.5 MHz, FL350, squawk 7700 at 10:45Z", _ => false);

        Assert.True(decision.IsClear);
        Assert.Empty(decision.Hits);
    }

    [Fact]
    public void TextLongerThanTheCapIsRefusedRatherThanPartlyChecked()
    {
        var text = new string('a', DisclosureGuard.MaxInputLength) + " 36.123, 37.456";

        Assert.Throws<ArgumentException>(() => Guard.Find(text));
        Assert.Empty(Guard.Find(new string('a', DisclosureGuard.MaxInputLength)));
    }

    // --- Conversions against published points -------------------------------------------------------------------

    [Fact]
    public void UtmMatchesTheGeoConvertManualExample()
    {
        // GeographicLib GeoConvert(1) manual, EXAMPLES: "echo 38SMB4488 | GeoConvert -u => 38n 444500 3688500" and
        // "echo 38SMB4488 | GeoConvert => 33.33424 44.40363" (the centre of the 1 km square, 5 decimals).
        var (lat, lng) = TransverseMercator.ToLatLng(38, north: true, 444_500, 3_688_500);

        Assert.Equal(33.33424, lat, 5e-6 + 1e-9);
        Assert.Equal(44.40363, lng, 5e-6 + 1e-9);
    }

    [Fact]
    public void MgrsResolvesToTheSouthWestCornerOfTheGeoConvertManualSquare()
    {
        // Same source: 38SMB4488 is the 1 km square whose centre is 38n 444500 3688500.
        Assert.True(MilitaryGrid.TryToUtm(38, 'S', 'M', 'B', 44_000, 88_000, out var easting, out var northing));

        Assert.Equal(444_000, easting);
        Assert.Equal(3_688_000, northing);
    }

    [Fact]
    public void UtmMatchesTheCnTowerOnWikipedia()
    {
        // Wikipedia, "Universal Transverse Mercator coordinate system", §Locating a position using UTM coordinates:
        // "the CN Tower is located at 43°38′33.24″N 79°23′13.7″W, which is in UTM zone 17, and the grid position is
        // 630084 m east, 4833438 m north". Published to whole metres and 0.1″ (about 2.5 m), so 3 m either way.
        var (lat, lng) = TransverseMercator.ToLatLng(17, north: true, 630_084, 4_833_438);
        var published = new LatLng(Dms(43, 38, 33.24), -Dms(79, 23, 13.7));

        Assert.InRange(Earth.DistanceMeters(new LatLng(lat, lng), published), 0, 3);
        var (e, n) = TransverseMercator.FromLatLng(published.Lat, published.Lng, 17);
        Assert.InRange(e, 630_084 - 3, 630_084 + 3);
        Assert.InRange(n, 4_833_438 - 3, 4_833_438 + 3);
    }

    [Fact]
    public void MgrsMatchesTheEiffelTowerOnMovableType()
    {
        // Chris Veness, "Convert between Latitude/Longitude & UTM coordinates / MGRS grid references"
        // (movable-type.co.uk/scripts/latlong-utm-mgrs.html): Eiffel Tower 48.8582°N 2.2945°E = 31U DQ 48251 11932.
        // The degrees are published to 4 decimals (±5.6 m), so 8 m either way.
        var hit = Assert.Single(Guard.Find("tower 31U DQ 48251 11932"));

        Assert.Equal(LocationNotation.Mgrs, hit.Notation);
        Assert.InRange(Earth.DistanceMeters(hit.Position!.Value, new LatLng(48.8582, 2.2945)), 0, 8);
    }

    [Fact]
    public void ForwardAndInverseUtmAgreeToAMillimetreAcrossTheZone()
    {
        for (var lat = -80.0; lat <= 84.0; lat += 4.1)
        {
            for (var offset = -3.0; offset <= 3.0; offset += 0.75)
            {
                var lng = 39 + offset;
                var (e, n) = TransverseMercator.FromLatLng(lat, lng, 37);
                var (backLat, backLng) = TransverseMercator.ToLatLng(37, lat >= 0, e, n);

                Assert.InRange(Earth.DistanceMeters(new LatLng(lat, lng), new LatLng(backLat, backLng)), 0, 1e-3);
            }
        }
    }

    // --- Property: random positions in random notations --------------------------------------------------------

    private delegate (string Text, LocationNotation Notation, double ToleranceMetres) Format(double lat, double lng, Random random);

    private static readonly Format[] Formats =
    [
        (lat, lng, r) => ($"{F(lat, 5)}, {F(lng, 5)}", LocationNotation.DecimalDegrees, 1),
        (lat, lng, r) => ($"{F(lat, 6)} {F(lng, 6)}", LocationNotation.DecimalDegrees, 1),
        (lat, lng, r) => ($"{F(Math.Abs(lat), 5)}{Ns(lat)} {F(Math.Abs(lng), 5)}{Ew(lng)}", LocationNotation.DecimalDegrees, 1),
        (lat, lng, r) => ($"{Ns(lat)}{F(Math.Abs(lat), 5)} {Ew(lng)}{F(Math.Abs(lng), 5)}", LocationNotation.DecimalDegrees, 1),
        (lat, lng, r) => ($"{F(Math.Abs(lat), 5)}°{Ns(lat)}, {F(Math.Abs(lng), 5)}°{Ew(lng)}", LocationNotation.DecimalDegrees, 1),
        (lat, lng, r) => ($"{DmsText(lat, 2, "°", "'", "\"")}{Ns(lat)} {DmsText(lng, 3, "°", "'", "\"")}{Ew(lng)}", LocationNotation.DegreesMinutesSeconds, 1),
        (lat, lng, r) => ($"{DmsText(lat, 2, "°", "′", "″")}{Ns(lat)} {DmsText(lng, 3, "°", "′", "″")}{Ew(lng)}", LocationNotation.DegreesMinutesSeconds, 1),
        (lat, lng, r) => ($"{DmsText(lat, 2, " ", " ", "")}{Ns(lat)} {DmsText(lng, 3, " ", " ", "")}{Ew(lng)}", LocationNotation.DegreesMinutesSeconds, 1),
        (lat, lng, r) => ($"{DmsText(lat, 2, "", "", "")}{Ns(lat)}{DmsText(lng, 3, "", "", "")}{Ew(lng)}", LocationNotation.DegreesMinutesSeconds, 1),
        (lat, lng, r) => ($"{DdmText(lat, 2, "°", "'")}{Ns(lat)} {DdmText(lng, 3, "°", "'")}{Ew(lng)}", LocationNotation.DegreesDecimalMinutes, 1),
        (lat, lng, r) => ($"{Ns(lat)}{DdmText(lat, 2, "°", "′")} {Ew(lng)}{DdmText(lng, 3, "°", "′")}", LocationNotation.DegreesDecimalMinutes, 1),
        (lat, lng, r) => (MgrsText(lat, lng, r.Next(3)), LocationNotation.Mgrs, 1),
        (lat, lng, r) => (UtmText(lat, lng, r.Next(2) == 0), LocationNotation.Utm, 1),
    ];

    private static readonly string[] Sentences =
    [
        "we will hold at {0} until 10:45Z",
        "target at {0}",
        "{0}",
        "VIPER11 reports {0}, FL350, 250 kt.",
        "(see {0}) on 121.5 MHz",
    ];

    [Fact]
    public void RandomPositionsInEverySupportedNotationAreFoundAndReadBack()
    {
        // Seeded so that a failure is reproducible; the message names the case. 1 m is 1e-5° of latitude, inside the
        // 1e-4° the grid-free notations are held to.
        var random = new Random(20_151_020);
        for (var i = 0; i < 4_000; i++)
        {
            var formatIndex = i % Formats.Length;
            var grid = formatIndex >= Formats.Length - 2;
            var lat = grid ? random.NextDouble() * 163.8 - 79.9 : random.NextDouble() * 179.998 - 89.999;
            var lng = random.NextDouble() * 359.998 - 179.999;
            var (coordinate, notation, toleranceMetres) = Formats[formatIndex](lat, lng, random);
            var text = string.Format(CultureInfo.InvariantCulture, Sentences[random.Next(Sentences.Length)], coordinate);

            var hits = Guard.Find(text);

            var hit = Assert.Single(hits);
            Assert.True(hit.Text == coordinate, $"case {i}: '{text}' found '{hit.Text}'");
            Assert.Equal(notation, hit.Notation);
            var position = Assert.NotNull(hit.Position);
            Assert.True(Math.Abs(position.Lat - lat) <= 1e-4, $"case {i}: '{text}' read {position}, wrote ({lat}, {lng})");
            var metres = Earth.DistanceMeters(position, new LatLng(lat, lng));
            Assert.True(metres <= toleranceMetres, $"case {i}: '{text}' read {position}, wrote ({lat}, {lng}): {metres:F2} m apart");
        }
    }

    /// <summary>Near-misses repeated to the length limit: every pattern runs under a match timeout, which would throw
    /// on catastrophic backtracking; the speed itself is measured in bench (GuardBenchmarks).</summary>
    [Fact]
    public void PathologicalInputIsScannedWithinTheMatchTimeouts()
    {
        var text = string.Concat(Enumerable.Repeat("36°12'34 36 12 34 N 1.1, ", 400))[..DisclosureGuard.MaxInputLength];

        var hits = Guard.Find(text);

        Assert.All(hits, h => Assert.InRange(h.Start, 0, text.Length - 1));
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    private static string Ns(double lat) => lat < 0 ? "S" : "N";

    private static string Ew(double lng) => lng < 0 ? "W" : "E";

    // Hemisphere-free DMS text of |value| with 2 decimals on the seconds (0.3 m), carrying rounding into minutes.
    private static string DmsText(double value, int degreeDigits, string deg, string min, string sec)
    {
        var hundredths = (long)Math.Round(Math.Abs(value) * 360_000);
        var d = hundredths / 360_000;
        var m = hundredths / 6_000 % 60;
        var s = hundredths % 6_000 / 100.0;
        var seconds = s.ToString("00.00", CultureInfo.InvariantCulture);
        return $"{d.ToString(new string('0', degreeDigits), CultureInfo.InvariantCulture)}{deg}{m:00}{min}{seconds}{sec}";
    }

    // Hemisphere-free degrees and decimal minutes of |value| with 4 decimals on the minutes (0.2 m).
    private static string DdmText(double value, int degreeDigits, string deg, string min)
    {
        var units = (long)Math.Round(Math.Abs(value) * 600_000);
        var d = units / 600_000;
        var minutes = (units % 600_000 / 10_000.0).ToString("00.0000", CultureInfo.InvariantCulture);
        return $"{d.ToString(new string('0', degreeDigits), CultureInfo.InvariantCulture)}{deg}{minutes}{min}";
    }

    private static (int Zone, char Band, long Easting, long Northing) Utm(double lat, double lng)
    {
        var zone = Math.Min((int)Math.Floor((lng + 180) / 6) + 1, 60);
        var band = MilitaryGrid.Bands[Math.Min((int)Math.Floor((lat + 80) / 8), 19)];
        var (e, n) = TransverseMercator.FromLatLng(lat, lng, zone);
        return (zone, band, (long)Math.Round(e), (long)Math.Round(n));
    }

    private static string MgrsText(double lat, double lng, int style)
    {
        var (zone, band, easting, northing) = Utm(lat, lng);
        var (column, row) = MilitaryGrid.SquareOf(zone, easting, northing);
        var e = (easting % 100_000).ToString("00000", CultureInfo.InvariantCulture);
        var n = (northing % 100_000).ToString("00000", CultureInfo.InvariantCulture);
        return style switch
        {
            0 => $"{zone}{band}{column}{row}{e}{n}",
            1 => $"{zone}{band} {column}{row} {e} {n}",
            _ => $"{zone}{band}{column}{row} {e} {n}",
        };
    }

    private static string UtmText(double lat, double lng, bool metreSuffixes)
    {
        var (zone, band, easting, northing) = Utm(lat, lng);
        return metreSuffixes ? $"{zone}{band} {easting}mE {northing}mN" : $"{zone}{band} {easting} {northing}";
    }
}
