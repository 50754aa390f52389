using System.Globalization;
using System.Runtime.InteropServices;

namespace Hotline.Bench;

/// <summary>
/// A measuring aid, not part of Hotline: moves this process's managed heap onto transparent huge pages (Linux,
/// kernel 6.1 or later for <c>MADV_COLLAPSE</c>), to show how much of a query is spent walking page tables. It
/// advises the run of mappings around the GC heap (<c>MADV_HUGEPAGE</c>) and collapses every writable 2 MiB-aligned
/// stretch of it at once. Heuristic by design (the run may include a neighbouring mapping), which is why the server
/// does not do this.
/// </summary>
internal static partial class HugePages
{
    private const int AdviseHugePage = 14;
    private const int AdviseCollapse = 25;
    private const long HugePage = 2 << 20;

    /// <summary>Returns a one-line report: what was advised and collapsed, and the process's huge-page total.</summary>
    public static string CollapseManagedHeap()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "huge pages: Linux only";
        }

        var anchor = GC.AllocateArray<byte>(16, pinned: true);
        var handle = GCHandle.Alloc(anchor, GCHandleType.Pinned);
        long address;
        try
        {
            address = handle.AddrOfPinnedObject();
        }
        finally
        {
            handle.Free();
        }

        var maps = File.ReadAllLines("/proc/self/maps").Select(Mapping.Parse).OrderBy(m => m.Start).ToList();
        var at = maps.FindIndex(m => m.Start <= address && address < m.End);
        int first = at, last = at;
        while (first > 0 && maps[first - 1].End == maps[first].Start && maps[first - 1].Anonymous)
        {
            first--;
        }

        while (last + 1 < maps.Count && maps[last + 1].Start == maps[last].End && maps[last + 1].Anonymous)
        {
            last++;
        }

        var advised = maps[last].End - maps[first].Start;
        var adviseResult = Madvise(maps[first].Start, advised, AdviseHugePage);
        int collapsed = 0, failed = 0;
        for (var i = first; i <= last; i++)
        {
            var m = maps[i];
            long from = (m.Start + HugePage - 1) & ~(HugePage - 1), to = m.End & ~(HugePage - 1);
            if (m.Writable && to > from)
            {
                _ = Madvise(from, to - from, AdviseCollapse) == 0 ? collapsed++ : failed++;
            }
        }

        var huge = File.ReadAllLines("/proc/self/smaps_rollup").FirstOrDefault(l => l.StartsWith("AnonHugePages", StringComparison.Ordinal))?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return $"huge pages: advised {advised >> 20:N0} MiB ({(adviseResult == 0 ? "ok" : "refused")}), collapsed {collapsed} ranges ({failed} refused), {long.Parse(huge ?? "0", CultureInfo.InvariantCulture) >> 10:N0} MiB now on huge pages";
    }

    private static int Madvise(long start, long length, int advice) => madvise((nint)start, (nuint)length, advice);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);

    private readonly record struct Mapping(long Start, long End, bool Writable, bool Anonymous)
    {
        public static Mapping Parse(string line)
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var range = fields[0].Split('-');
            return new Mapping(
                long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                fields[1].StartsWith("rw", StringComparison.Ordinal),
                fields.Length < 6);
        }
    }
}
