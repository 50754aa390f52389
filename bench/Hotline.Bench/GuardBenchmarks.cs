using BenchmarkDotNet.Attributes;
using Hotline.Core;

namespace Hotline.Bench;

/// <summary>The disclosure guard on ~500-character messages: the usual chatter with one location, and a message that
/// wakes every pattern family. Budget: well under 50 µs a message.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class GuardBenchmarks
{
    private readonly DisclosureGuard _guard = new();

    private readonly string _usual = string.Concat(Enumerable.Repeat("VIPER11 FL350 heading 270 at 250 kt, squawk 7700, on 121.5 MHz at 10:45:30Z; v1.2.3 host 10.0.0.1; ", 5))
        + "hold 36.123, 37.456";

    private readonly string _everything = string.Concat(Enumerable.Repeat("Tanker 3 nm east moved N at 10:45Z; RCH123 on 243.0 at FL250, 5 s apart; ", 6))
        + "36°12'N 37°27'E 361234N0372721E 37SBA1234567890 37S 412345 4012345";

    [Benchmark(Description = "Check the usual chatter (one location)")]
    public GuardDecision Usual() => _guard.Check(_usual, _ => false);

    [Benchmark(Description = "Check a message with every notation")]
    public GuardDecision Everything() => _guard.Check(_everything, _ => false);
}
