using System.Runtime.CompilerServices;

namespace Hotline.Geo;

/// <summary>
/// A spatio-temporal index of owned <see cref="Volume4D"/>s that answers "every volume within separation of this
/// one, excluding owner X" exactly, in time that grows with the answer and the local density, not with the number
/// stored.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> A multi-level loose grid over the 3D space of unit vectors (no singularity at the poles or
/// the antimeridian). A volume lives in exactly one cell: at the finest level whose cell is at least as large as
/// its 3D bounding box, in the cell holding the box's minimum corner. A query visits, at each occupied level, the
/// cells whose loose extent (cell plus one cell) meets the query box and the sphere, or walks that level's cells
/// when that is cheaper. Each cell keeps its entries sorted by start time, so the time window narrows every cell
/// to one run, found on a sample of every 16th start. The run is streamed as 40-byte hot records (exact times,
/// float altitudes and bounding cap rounded outwards); the few that pass are checked on a cold record (exact
/// altitudes, owner, inscribed cap, box), and only pairs the caps cannot settle reach the exact
/// <see cref="Lateral"/> test, after the lock is released (volumes are immutable). Every filter is conservative, so
/// the answer is exactly the set <see cref="Volume4D.ConflictsWith"/> defines.</para>
/// <para><b>Concurrency.</b> Any number of concurrent readers with one writer at a time: queries take a shared
/// lock, writes an exclusive one (a write holds it for microseconds). Volumes are immutable, so a result can be
/// used after the lock is released. Not re-entrant: do not call the index from inside a query.</para>
/// </remarks>
public sealed class VolumeIndex : IDisposable
{
    private const int MaxLevel = 21;          // cell side 4/2^21 ≈ 1.9e-6 (12 m): 21 bits per axis in a cell key
    private const double GridOrigin = -2;     // the grid spans [-2, 2)³, comfortably around the unit sphere
    private const double GridSpan = 4;

    // Slack (radians, about 1.6 m) for the float copies of caps kept inline in cells: covers their rounding.
    private const double InlineMargin = 2.5e-7;

    // How much of the next run is prefetched while one is streamed (records; 64 × 40 B = 40 lines).
    private const int PrefetchRecords = 64;

    [ThreadStatic]
    private static List<(Footprint, long)>? t_pending;

    [ThreadStatic]
    private static Scratch? t_scratch;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<long, Location> _locations = [];
    private readonly Level?[] _levels = new Level?[MaxLevel + 1];
    private readonly int _finestLevel;

    /// <summary>Creates an empty index.</summary>
    /// <param name="finestCellMeters">The smallest grid cell, in metres (default about 12 km). Smaller volumes
    /// share cells of this size: fewer, fuller cells cost less to find than many sparse ones. Tune to the density
    /// of the airspace; the default suits up to millions of volumes over a region the size of a country.</param>
    public VolumeIndex(double finestCellMeters = 12_000)
    {
        if (!double.IsFinite(finestCellMeters) || finestCellMeters <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(finestCellMeters), finestCellMeters, "must be a positive number of metres");
        }

        _finestLevel = LevelFor(finestCellMeters / Earth.RadiusMeters);
    }

    /// <summary>Number of volumes stored.</summary>
    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _locations.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Adds a volume, or replaces the one stored under <paramref name="id"/>.</summary>
    public void Upsert(long id, int owner, Volume4D volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        _lock.EnterWriteLock();
        try
        {
            RemoveEntry(id);
            AddEntry(id, owner, volume, sorted: true);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Adds many volumes at once (ids must be new or are replaced); faster than one by one.</summary>
    public void AddRange(IEnumerable<(long Id, int Owner, Volume4D Volume)> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        _lock.EnterWriteLock();
        try
        {
            var touched = new HashSet<Cell>(ReferenceEqualityComparer.Instance);
            foreach (var (id, owner, volume) in items)
            {
                ArgumentNullException.ThrowIfNull(volume);
                RemoveEntry(id);
                touched.Add(AddEntry(id, owner, volume, sorted: false));
            }

            foreach (var cell in touched)
            {
                cell.Sort();
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes the volume stored under <paramref name="id"/>; false when there is none.</summary>
    public bool Remove(long id)
    {
        _lock.EnterWriteLock();
        try
        {
            return RemoveEntry(id);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>The volume stored under <paramref name="id"/>, if any.</summary>
    public bool TryGet(long id, out int owner, out Volume4D? volume)
    {
        _lock.EnterReadLock();
        try
        {
            if (_locations.TryGetValue(id, out var location))
            {
                var at = location.Cell.IndexOf(location.StartTicks, id);
                owner = location.Cell.Cold[at].Owner;
                volume = location.Cell.Volume[at];
                return true;
            }

            owner = 0;
            volume = null;
            return false;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Appends to <paramref name="results"/> the id of every stored volume that conflicts with
    /// <paramref name="probe"/> under <paramref name="separation"/>, skipping volumes of
    /// <paramref name="excludeOwner"/> (null: skip none). Returns how many were appended. Order is unspecified.
    /// </summary>
    public int Query(Volume4D probe, Separation separation, int? excludeOwner, List<long> results)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(results);
        var before = results.Count;
        var q = new QueryShape(probe, separation, excludeOwner);
        var pending = t_pending ??= new List<(Footprint, long)>();
        pending.Clear();
        var scratch = t_scratch ??= new Scratch();
        scratch.Clear();
        _lock.EnterReadLock();
        try
        {
            foreach (var level in _levels)
            {
                if (level is not null && level.Cells.Count > 0)
                {
                    QueryLevel(level, in q, scratch);
                }
            }

            FindRuns(in q, scratch);
            StreamRuns(in q, scratch);

            // The entries that passed the stream are decided on their cold records. Prefetching them all first
            // lets their cache misses overlap instead of queueing one behind the other.
            for (var k = 0; k < scratch.Count; k++)
            {
                Prefetch(ref scratch.Cells[scratch.CellOf[k]].Cold[scratch.Index[k]]);
            }
            for (var k = 0; k < scratch.Count; k++)
            {
                ref readonly var c = ref scratch.Cells[scratch.CellOf[k]].Cold[scratch.Index[k]];
                if ((c.Owner == q.ExcludeOwner && q.HasExcludedOwner)
                    || Math.Max(c.AltLower, probe.Altitude.Lower) - Math.Min(c.AltUpper, probe.Altitude.Upper) > q.VerticalMeters
                    || c.MinX > q.Box.MaxX || c.MaxX < q.Box.MinX || c.MinY > q.Box.MaxY
                    || c.MaxY < q.Box.MinY || c.MinZ > q.Box.MaxZ || c.MaxZ < q.Box.MinZ)
                {
                    continue; // excluded owner, or exactly as Volume4D.ConflictsWith decides altitude
                }

                var near = scratch.Chord[k] + InlineMargin;
                if (near + (near * near * near / 20) <= q.InnerRadius + c.InnerRadius + q.LateralAngle)
                {
                    results.Add(c.Id); // the arc is at most c + c³/20: the inscribed caps meet
                }
                else
                {
                    pending.Add((c.Footprint, c.Id));
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        // The pairs the caps could not settle need the footprints: volumes are immutable, so this runs outside
        // the lock. Touching every footprint first lets their cache misses overlap instead of queueing.
        var touch = 0.0;
        foreach (var (footprint, _) in pending)
        {
            touch += footprint.CapRadius;
        }

        foreach (var (footprint, _) in pending)
        {
            if (footprint is PolygonFootprint polygon)
            {
                // Every line of the vertex data: a test walks all of them.
                var data = polygon.Data;
                ref var first = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(data);
                for (var offset = 0; offset < data.Length * sizeof(double); offset += 64)
                {
                    Prefetch(ref Unsafe.AddByteOffset(ref first, offset));
                }
            }
        }

        foreach (var (footprint, id) in pending)
        {
            if (Lateral.WithinAngle(probe.Footprint, footprint, q.LateralAngle))
            {
                results.Add(id);
            }
        }

        GC.KeepAlive(touch);
        return results.Count - before;
    }

    /// <summary>Disposes the lock.</summary>
    public void Dispose() => _lock.Dispose();

    private static void QueryLevel(Level level, in QueryShape q, Scratch scratch)
    {
        var size = level.CellSize;
        var inv = level.InverseCellSize;
        var limit = level.AxisCells - 1;
        // A volume's box starts at most one cell before the query box (it is no larger than a cell).
        var x0 = CellIndex(q.Box.MinX - size, inv, limit);
        var y0 = CellIndex(q.Box.MinY - size, inv, limit);
        var z0 = CellIndex(q.Box.MinZ - size, inv, limit);
        var x1 = CellIndex(q.Box.MaxX, inv, limit);
        var y1 = CellIndex(q.Box.MaxY, inv, limit);
        var z1 = CellIndex(q.Box.MaxZ, inv, limit);
        var range = (double)(x1 - x0 + 1) * (y1 - y0 + 1) * (z1 - z0 + 1);
        if (range > level.Cells.Count)
        {
            foreach (var cell in level.Cells.Values)
            {
                if (cell.X >= x0 && cell.X <= x1 && cell.Y >= y0 && cell.Y <= y1 && cell.Z >= z0 && cell.Z <= z1)
                {
                    VisitCell(cell, scratch);
                }
            }

            return;
        }

        for (var x = x0; x <= x1; x++)
        {
            var bx0 = GridOrigin + (x * size);
            for (var y = y0; y <= y1; y++)
            {
                var by0 = GridOrigin + (y * size);
                for (var z = z0; z <= z1; z++)
                {
                    var bz0 = GridOrigin + (z * size);
                    // Volumes in this cell lie within [corner, corner + 2·size]: skip cells that miss the sphere.
                    if (!TouchesSphere(bx0, by0, bz0, 2 * size))
                    {
                        continue;
                    }

                    if (level.Cells.TryGetValue(Key(x, y, z), out var cell))
                    {
                        VisitCell(cell, scratch);
                    }
                }
            }
        }
    }

    /// <summary>Notes a cell to scan and prefetches its samples: every cell's chain of misses (cell, samples,
    /// records) is walked one link at a time for all cells together, so the misses of different cells overlap
    /// instead of queueing one behind the other.</summary>
    private static void VisitCell(Cell cell, Scratch scratch)
    {
        scratch.AddCell(cell);
        cell.PrefetchSamples();
    }

    /// <summary>Finds each visited cell's run of entries that may overlap the query in time, and prefetches the
    /// first lines of each run.</summary>
    private static void FindRuns(in QueryShape q, Scratch scratch)
    {
        for (var c = 0; c < scratch.CellCount; c++)
        {
            var cell = scratch.Cells[c];
            // Entries are sorted by start: those starting at or after the query's (grown) end cannot meet it, and
            // those starting before (grown start − longest duration in the cell) end before the query starts.
            var begin = cell.BlockBefore(SaturatingSubtract(q.StartTicks, cell.MaxDurationTicks));
            var end = cell.BlockAfter(q.EndTicks);
            if (begin < end)
            {
                scratch.AddRun(c, begin, end);
                ref var first = ref cell.Hot[begin];
                Prefetch(ref first);
                Prefetch(ref Unsafe.AddByteOffset(ref first, 64));
            }
        }
    }

    /// <summary>Streams the runs <see cref="FindRuns"/> found; while one run is read, the next one is prefetched
    /// whole, so the hardware prefetcher's ramp-up at the start of each run is not paid in full.</summary>
    private static void StreamRuns(in QueryShape q, Scratch scratch)
    {
        for (var r = 0; r < scratch.RunCount; r++)
        {
            if (r + 1 < scratch.RunCount)
            {
                var next = scratch.Cells[scratch.RunCell[r + 1]].Hot;
                var bytes = Math.Min(scratch.RunEnd[r + 1] - scratch.RunBegin[r + 1], PrefetchRecords) * Unsafe.SizeOf<HotRecord>();
                ref var first = ref next[scratch.RunBegin[r + 1]];
                for (var offset = 128; offset < bytes; offset += 64)
                {
                    Prefetch(ref Unsafe.AddByteOffset(ref first, offset));
                }
            }

            var ordinal = scratch.RunCell[r];
            var hot = scratch.Cells[ordinal].Hot;
            var end = scratch.RunEnd[r];
            for (var i = scratch.RunBegin[r]; i < end; i++)
            {
                // One sequential pass over 40-byte records settles most entries: times (exact), altitude and the
                // bounding cap (conservative floats). Memory latency, not arithmetic, is what a query pays for.
                ref readonly var h = ref hot[i];
                if (h.StartTicks >= q.EndTicks)
                {
                    break;
                }

                // All four tests without short-circuits: one well-predicted branch instead of four random ones.
                double dx = q.CapX - h.CapX, dy = q.CapY - h.CapY, dz = q.CapZ - h.CapZ;
                var chord2 = (dx * dx) + (dy * dy) + (dz * dz);
                var apart = q.CapRadius + h.CapRadius + q.LateralAngle + InlineMargin;
                var reject = (h.EndTicks <= q.StartTicks) | (h.AltLower > q.AltUpper) | (h.AltUpper < q.AltLower) | (chord2 > apart * apart);
                if (!reject)
                {
                    scratch.Add(ordinal, i, Math.Sqrt(chord2));
                }
            }
        }
    }

    /// <summary>A hint to load the cache line of <paramref name="target"/>; never faults, never reads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch<T>(ref T target)
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref target));
        }
    }

    /// <summary>Per-thread buffers of one query: the entries that passed the stream, without object references
    /// (so adding one costs no write barrier).</summary>
    private sealed class Scratch
    {
        public Cell[] Cells { get; private set; } = new Cell[64];

        public int[] CellOf { get; private set; } = new int[256];

        public int[] Index { get; private set; } = new int[256];

        public double[] Chord { get; private set; } = new double[256];

        public int Count { get; private set; }

        public int CellCount => _cells;

        public int[] RunCell { get; private set; } = new int[64];

        public int[] RunBegin { get; private set; } = new int[64];

        public int[] RunEnd { get; private set; } = new int[64];

        public int RunCount { get; private set; }

        private int _cells;

        public void Clear()
        {
            Array.Clear(Cells, 0, _cells);
            _cells = 0;
            Count = 0;
            RunCount = 0;
        }

        public void AddRun(int cell, int begin, int end)
        {
            if (RunCount == RunCell.Length)
            {
                RunCell = Doubled(RunCell);
                RunBegin = Doubled(RunBegin);
                RunEnd = Doubled(RunEnd);
            }

            RunCell[RunCount] = cell;
            RunBegin[RunCount] = begin;
            RunEnd[RunCount] = end;
            RunCount++;
        }

        public int AddCell(Cell cell)
        {
            if (_cells == Cells.Length)
            {
                Cells = Doubled(Cells);
            }

            Cells[_cells] = cell;
            return _cells++;
        }

        public void Add(int cell, int index, double chord)
        {
            if (Count == Index.Length)
            {
                CellOf = Doubled(CellOf);
                Index = Doubled(Index);
                Chord = Doubled(Chord);
            }

            CellOf[Count] = cell;
            Index[Count] = index;
            Chord[Count] = chord;
            Count++;
        }

        /// <summary>A copy twice as long (buffers grow rarely: they are kept per thread).</summary>
        private static T[] Doubled<T>(T[] array)
        {
            Array.Resize(ref array, array.Length * 2);
            return array;
        }
    }

    private Cell AddEntry(long id, int owner, Volume4D volume, bool sorted)
    {
        var box = volume.Footprint.Bounds;
        var levelIndex = Math.Min(LevelFor(box.MaxExtent), _finestLevel);
        var level = _levels[levelIndex] ??= new Level(levelIndex);
        var limit = level.AxisCells - 1;
        var x = CellIndex(box.MinX, level.InverseCellSize, limit);
        var y = CellIndex(box.MinY, level.InverseCellSize, limit);
        var z = CellIndex(box.MinZ, level.InverseCellSize, limit);
        var key = Key(x, y, z);
        if (!level.Cells.TryGetValue(key, out var cell))
        {
            cell = new Cell(level, x, y, z);
            level.Cells.Add(key, cell);
        }

        cell.Add(id, owner, volume, sorted);

        _locations[id] = new Location(cell, volume.Time.StartTicks);
        return cell;
    }

    private bool RemoveEntry(long id)
    {
        if (!_locations.Remove(id, out var location))
        {
            return false;
        }

        var cell = location.Cell;
        cell.RemoveAt(cell.IndexOf(location.StartTicks, id));
        if (cell.Count == 0)
        {
            cell.Level.Cells.Remove(Key(cell.X, cell.Y, cell.Z));
        }

        return true;
    }

    private static int LevelFor(double extent)
    {
        // The finest level whose cell side (4 / 2^k) is at least the extent.
        if (extent <= 0)
        {
            return MaxLevel;
        }

        var k = (int)Math.Floor(Math.Log2(GridSpan / extent));
        return Math.Clamp(k, 0, MaxLevel);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CellIndex(double coordinate, double inverseCellSize, int limit)
    {
        var i = (coordinate - GridOrigin) * inverseCellSize;
        return i <= 0 ? 0 : i >= limit ? limit : (int)i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Key(int x, int y, int z) => ((long)x << 42) | ((long)y << 21) | (long)z;

    private static bool TouchesSphere(double x0, double y0, double z0, double side)
    {
        // Nearest and farthest squared distances from the origin to the box [x0, x0+side] × ...; the margin keeps
        // the test conservative against rounding.
        double near = 0, far = 0;
        Axis(x0, side, ref near, ref far);
        Axis(y0, side, ref near, ref far);
        Axis(z0, side, ref near, ref far);
        return near <= 1 + 1e-9 && far >= 1 - 1e-9;

        static void Axis(double lo, double side, ref double near, ref double far)
        {
            var hi = lo + side;
            var n = lo > 0 ? lo : hi < 0 ? -hi : 0;
            var f = Math.Max(Math.Abs(lo), Math.Abs(hi));
            near += n * n;
            far += f * f;
        }
    }

    /// <summary>The first position in [<paramref name="from"/>, <paramref name="to"/>) whose start is at or after
    /// <paramref name="startTicks"/> (or <paramref name="to"/>).</summary>
    private static int LowerBound(long[] starts, int from, int to, long startTicks) =>
        LowerBound(starts, from, to, startTicks, static s => s);

    private static int LowerBound<T>(T[] items, int from, int to, long startTicks, Func<T, long> startOf)
    {
        int lo = from, hi = to;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (startOf(items[mid]) < startTicks)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static long SaturatingSubtract(long a, long b) => b > 0 && a < long.MinValue + b ? long.MinValue : a - b;

    private static long SaturatingAdd(long a, long b) => b > 0 && a > long.MaxValue - b ? long.MaxValue : a + b;

    private static float Down(double value) => MathF.BitDecrement((float)value);

    private static float Up(double value) => MathF.BitIncrement((float)value);

    /// <summary>Everything a query tests against, precomputed once.</summary>
    private readonly struct QueryShape
    {
        public QueryShape(Volume4D probe, Separation separation, int? excludeOwner)
        {
            Probe = probe;
            LateralAngle = Earth.AngleOf(separation.LateralMeters + Lateral.ToleranceMeters);
            // Points within this angle of the footprint are within this Euclidean distance (a chord is shorter).
            Box = probe.Footprint.Bounds.Expand(LateralAngle);
            TimeTicks = separation.Time.Ticks;
            VerticalMeters = separation.VerticalMeters;
            StartTicks = SaturatingSubtract(probe.Time.StartTicks, TimeTicks);
            EndTicks = SaturatingAdd(probe.Time.EndTicks, TimeTicks);
            AltLower = probe.Altitude.Lower - separation.VerticalMeters;
            AltUpper = probe.Altitude.Upper + separation.VerticalMeters;
            HasExcludedOwner = excludeOwner.HasValue;
            ExcludeOwner = excludeOwner.GetValueOrDefault();
            var footprint = probe.Footprint;
            CapX = footprint.CapCenter.X;
            CapY = footprint.CapCenter.Y;
            CapZ = footprint.CapCenter.Z;
            CapRadius = footprint.CapRadius;
            InnerRadius = footprint.InnerRadius;
        }

        public double CapX { get; }

        public double CapY { get; }

        public double CapZ { get; }

        public double CapRadius { get; }

        public double InnerRadius { get; }

        public Volume4D Probe { get; }

        public double LateralAngle { get; }

        public Box3 Box { get; }

        public long TimeTicks { get; }

        public double VerticalMeters { get; }

        public long StartTicks { get; }

        public long EndTicks { get; }

        public double AltLower { get; }

        public double AltUpper { get; }

        public bool HasExcludedOwner { get; }

        public int ExcludeOwner { get; }
    }

    private readonly record struct Location(Cell Cell, long StartTicks);

    private sealed class Level(int index)
    {
        public double CellSize { get; } = GridSpan / (1L << index);

        public double InverseCellSize { get; } = (1L << index) / GridSpan;

        public int AxisCells { get; } = 1 << index;

        public Dictionary<long, Cell> Cells { get; } = [];
    }

    /// <summary>What every scanned entry is tested on, streamed in one pass: 40 bytes. Times are exact;
    /// the altitudes and the bounding cap are float copies rounded outwards, so the tests on them are conservative.</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Pack = 4)]
    private readonly struct HotRecord(Volume4D volume)
    {
        public readonly long StartTicks = volume.Time.StartTicks;
        public readonly long EndTicks = volume.Time.EndTicks;
        public readonly float AltLower = Down(volume.Altitude.Lower);
        public readonly float AltUpper = Up(volume.Altitude.Upper);
        public readonly float CapX = (float)volume.Footprint.CapCenter.X;
        public readonly float CapY = (float)volume.Footprint.CapCenter.Y;
        public readonly float CapZ = (float)volume.Footprint.CapCenter.Z;
        public readonly float CapRadius = Up(volume.Footprint.CapRadius);
    }

    /// <summary>What the few entries that pass the hot tests are decided on: 64 bytes, one cache line.</summary>
    private readonly struct ColdRecord(long id, int owner, Volume4D volume)
    {
        public readonly Footprint Footprint = volume.Footprint;
        public readonly long Id = id;
        public readonly double AltLower = volume.Altitude.Lower;
        public readonly double AltUpper = volume.Altitude.Upper;
        public readonly int Owner = owner;
        public readonly float InnerRadius = volume.Footprint.InnerRadius > 0 ? Math.Max(0, Down(volume.Footprint.InnerRadius)) : 0;
        public readonly float MinX = Down(volume.Footprint.Bounds.MinX);
        public readonly float MinY = Down(volume.Footprint.Bounds.MinY);
        public readonly float MinZ = Down(volume.Footprint.Bounds.MinZ);
        public readonly float MaxX = Up(volume.Footprint.Bounds.MaxX);
        public readonly float MaxY = Up(volume.Footprint.Bounds.MaxY);
        public readonly float MaxZ = Up(volume.Footprint.Bounds.MaxZ);
    }

    /// <summary>
    /// The volumes of one grid cell, sorted by start time: hot records (streamed by every query that visits the
    /// cell), cold records (read for the few that pass) and the volumes themselves (for <see cref="TryGet"/>).
    /// </summary>
    private sealed class Cell(Level level, int x, int y, int z)
    {
        private const int SampleShift = 4;

        private const int SampleEvery = 1 << SampleShift;

        /// <summary>Every <see cref="SampleEvery"/>-th start: a binary search over a cold cell then touches two or
        /// three cache lines instead of one per step.</summary>
        private long[] _sample = [];

        public Level Level { get; } = level;

        public int X { get; } = x;

        public int Y { get; } = y;

        public int Z { get; } = z;

        public int Count { get; private set; }

        /// <summary>The longest duration ever stored here (not lowered on removal: it only bounds a search).</summary>
        public long MaxDurationTicks { get; private set; }

        public HotRecord[] Hot { get; private set; } = new HotRecord[4];

        public ColdRecord[] Cold { get; private set; } = new ColdRecord[4];

        public Volume4D[] Volume { get; private set; } = new Volume4D[4];

        /// <summary>A position at or before the first whose start is at or after <paramref name="startTicks"/>,
        /// found on the samples alone (at most one block early, which the end test then drops): queries never
        /// read the start column.</summary>
        public int BlockBefore(long startTicks)
        {
            var samples = (Count + SampleEvery - 1) >> SampleShift;
            var k = VolumeIndex.LowerBound(_sample, 0, samples, startTicks);
            return k == 0 ? 0 : ((k - 1) << SampleShift) + 1;
        }

        /// <summary>A position at or after the first whose start is at or after <paramref name="endTicks"/>, found
        /// on the samples alone: every entry from there on starts at or after it.</summary>
        public int BlockAfter(long endTicks)
        {
            var samples = (Count + SampleEvery - 1) >> SampleShift;
            var k = VolumeIndex.LowerBound(_sample, 0, samples, endTicks);
            return Math.Min(Count, k << SampleShift);
        }

        public void PrefetchSamples()
        {
            var samples = (Count + SampleEvery - 1) >> SampleShift;
            ref var first = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_sample);
            for (var offset = 0; offset < samples * sizeof(long); offset += 64)
            {
                Prefetch(ref Unsafe.AddByteOffset(ref first, offset));
            }
        }

        /// <summary>The first position whose start is at or after <paramref name="startTicks"/>.</summary>
        public int LowerBound(long startTicks)
        {
            var samples = (Count + SampleEvery - 1) >> SampleShift;
            var k = VolumeIndex.LowerBound(_sample, 0, samples, startTicks);
            // Sample k is the first at or after the key: the answer lies in ((k−1)·S, k·S].
            var from = k == 0 ? 0 : ((k - 1) << SampleShift) + 1;
            return VolumeIndex.LowerBound(Hot, from, Math.Min(Count, k << SampleShift), startTicks, static h => h.StartTicks);
        }

        public void Add(long id, int owner, Volume4D volume, bool sorted)
        {
            if (Count == Hot.Length)
            {
                Resize(Hot.Length * 2);
            }

            var at = sorted ? LowerBound(volume.Time.StartTicks + 1) : Count;
            if (at < Count)
            {
                Move(at, at + 1, Count - at);
            }

            Set(at, id, owner, volume);
            Count++;
            MaxDurationTicks = Math.Max(MaxDurationTicks, volume.Time.EndTicks - volume.Time.StartTicks);
            if (sorted)
            {
                Resample(at);
            }
        }

        public int IndexOf(long startTicks, long id)
        {
            for (var i = LowerBound(startTicks); i < Count; i++)
            {
                if (Cold[i].Id == id)
                {
                    return i;
                }
            }

            throw new InvalidOperationException("index corrupt: entry not in its cell");
        }

        public void RemoveAt(int i)
        {
            Move(i + 1, i, Count - i - 1);
            Count--;
            Volume[Count] = null!;
            Cold[Count] = default;
            if (Count < Hot.Length / 4 && Hot.Length > 4)
            {
                Resize(Math.Max(4, Hot.Length / 2));
            }

            Resample(i);
        }

        public void Sort()
        {
            var order = new int[Count];
            for (var i = 0; i < Count; i++)
            {
                order[i] = i;
            }

            var starts = new long[Count];
            for (var i = 0; i < Count; i++)
            {
                starts[i] = Hot[i].StartTicks;
            }

            Array.Sort(starts, order);
            var volumes = Volume[..Count];
            var cold = Cold[..Count];
            for (var i = 0; i < Count; i++)
            {
                Set(i, cold[order[i]].Id, cold[order[i]].Owner, volumes[order[i]]);
            }

            Resample(0);
        }

        private void Resample(int from)
        {
            var samples = (Count + SampleEvery - 1) >> SampleShift;
            if (_sample.Length < samples || _sample.Length > (2 * samples) + 4)
            {
                Array.Resize(ref _sample, samples + 4);
                from = 0;
            }

            for (var k = from >> SampleShift; k < samples; k++)
            {
                _sample[k] = Hot[k << SampleShift].StartTicks;
            }
        }

        private void Set(int at, long id, int owner, Volume4D volume)
        {
            Hot[at] = new HotRecord(volume);
            Cold[at] = new ColdRecord(id, owner, volume);
            Volume[at] = volume;
        }

        private void Move(int from, int to, int length)
        {
            Array.Copy(Hot, from, Hot, to, length);
            Array.Copy(Cold, from, Cold, to, length);
            Array.Copy(Volume, from, Volume, to, length);
        }

        private void Resize(int capacity)
        {
            Hot = Resized(Hot, capacity);
            Cold = Resized(Cold, capacity);
            Volume = Resized(Volume, capacity);
        }

        private T[] Resized<T>(T[] array, int capacity)
        {
            var resized = new T[capacity];
            Array.Copy(array, resized, Count);
            return resized;
        }
    }
}
