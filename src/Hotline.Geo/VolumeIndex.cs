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
/// to a binary-searched run; altitude and a float box filter the run; the exact <see cref="Volume4D.ConflictsWith"/>
/// decides.</para>
/// <para><b>Concurrency.</b> Any number of concurrent readers with one writer at a time: queries take a shared
/// lock, writes an exclusive one (a write holds it for microseconds). Volumes are immutable, so a result can be
/// used after the lock is released. Not re-entrant: do not call the index from inside a query.</para>
/// </remarks>
public sealed class VolumeIndex : IDisposable
{
    private const int MaxLevel = 21;          // cell side 4/2^21 ≈ 1.9e-6 (12 m): 21 bits per axis in a cell key
    private const double GridOrigin = -2;     // the grid spans [-2, 2)³, comfortably around the unit sphere
    private const double GridSpan = 4;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<long, int> _slotById = [];
    private readonly Level?[] _levels = new Level?[MaxLevel + 1];
    private readonly Stack<int> _freeSlots = new();
    private Slot[] _slots = new Slot[1024];
    private int _slotCount;

    /// <summary>Number of volumes stored.</summary>
    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _slotById.Count;
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
            if (_slotById.TryGetValue(id, out var existing))
            {
                RemoveSlot(existing);
            }

            _slotById[id] = AddSlot(id, owner, volume, sorted: true);
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
                if (_slotById.TryGetValue(id, out var existing))
                {
                    RemoveSlot(existing);
                }

                var slot = AddSlot(id, owner, volume, sorted: false);
                _slotById[id] = slot;
                touched.Add(_slots[slot].Cell!);
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
            if (!_slotById.Remove(id, out var slot))
            {
                return false;
            }

            RemoveSlot(slot);
            return true;
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
            if (_slotById.TryGetValue(id, out var slot))
            {
                owner = _slots[slot].Owner;
                volume = _slots[slot].Volume;
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
        _lock.EnterReadLock();
        try
        {
            foreach (var level in _levels)
            {
                if (level is not null && level.Cells.Count > 0)
                {
                    QueryLevel(level, in q, results);
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        return results.Count - before;
    }

    /// <summary>Disposes the lock.</summary>
    public void Dispose() => _lock.Dispose();

    private void QueryLevel(Level level, in QueryShape q, List<long> results)
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
                    ScanCell(cell, in q, results);
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
                        ScanCell(cell, in q, results);
                    }
                }
            }
        }
    }

    private void ScanCell(Cell cell, in QueryShape q, List<long> results)
    {
        var entries = cell.Entries;
        // Entries are sorted by start: those starting at or after the query's (grown) end cannot meet it, and those
        // starting before (grown start − longest duration in the cell) end before the query starts.
        var hi = LowerBound(entries, cell.Count, q.EndTicks);
        var lo = LowerBound(entries, hi, SaturatingSubtract(q.StartTicks, cell.MaxDurationTicks));
        for (var i = lo; i < hi; i++)
        {
            ref readonly var e = ref entries[i];
            if (e.EndTicks <= q.StartTicks || e.AltLower > q.AltUpper || e.AltUpper < q.AltLower
                || e.MinX > q.Box.MaxX || e.MaxX < q.Box.MinX || e.MinY > q.Box.MaxY || e.MaxY < q.Box.MinY
                || e.MinZ > q.Box.MaxZ || e.MaxZ < q.Box.MinZ)
            {
                continue;
            }

            ref readonly var slot = ref _slots[e.Slot];
            if (slot.Owner == q.ExcludeOwner && q.HasExcludedOwner)
            {
                continue;
            }

            var v = slot.Volume!;
            if (v.Time.GapTo(q.Probe.Time) < q.TimeTicks
                && v.Altitude.GapTo(q.Probe.Altitude) <= q.VerticalMeters
                && Lateral.WithinAngle(q.Probe.Footprint, v.Footprint, q.LateralAngle))
            {
                results.Add(slot.Id);
            }
        }
    }

    private int AddSlot(long id, int owner, Volume4D volume, bool sorted)
    {
        int slot;
        if (_freeSlots.Count > 0)
        {
            slot = _freeSlots.Pop();
        }
        else
        {
            if (_slotCount == _slots.Length)
            {
                Array.Resize(ref _slots, _slots.Length * 2);
            }

            slot = _slotCount++;
        }

        var box = volume.Footprint.Bounds;
        var levelIndex = LevelFor(box.MaxExtent);
        var level = _levels[levelIndex] ??= new Level(levelIndex);
        var limit = level.AxisCells - 1;
        var x = CellIndex(box.MinX, level.InverseCellSize, limit);
        var y = CellIndex(box.MinY, level.InverseCellSize, limit);
        var z = CellIndex(box.MinZ, level.InverseCellSize, limit);
        var key = Key(x, y, z);
        if (!level.Cells.TryGetValue(key, out var cell))
        {
            cell = new Cell(x, y, z);
            level.Cells.Add(key, cell);
        }

        var entry = new CellEntry(volume, slot);
        if (sorted)
        {
            cell.Insert(entry);
        }
        else
        {
            cell.Append(entry);
        }

        _slots[slot] = new Slot(id, owner, volume, cell, level);
        return slot;
    }

    private void RemoveSlot(int slot)
    {
        ref var s = ref _slots[slot];
        var cell = s.Cell!;
        cell.Remove(s.Volume!.Time.StartTicks, slot);
        if (cell.Count == 0)
        {
            s.Level!.Cells.Remove(Key(cell.X, cell.Y, cell.Z));
        }

        s = default;
        _freeSlots.Push(slot);
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

    private static int LowerBound(CellEntry[] entries, int count, long startTicks)
    {
        int lo = 0, hi = count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (entries[mid].StartTicks < startTicks)
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
        }

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

    private record struct Slot(long Id, int Owner, Volume4D? Volume, Cell? Cell, Level? Level);

    /// <summary>The filter copy of a volume kept inline in its cell: floats rounded outwards, so conservative.</summary>
    private readonly struct CellEntry
    {
        public CellEntry(Volume4D volume, int slot)
        {
            StartTicks = volume.Time.StartTicks;
            EndTicks = volume.Time.EndTicks;
            AltLower = Down(volume.Altitude.Lower);
            AltUpper = Up(volume.Altitude.Upper);
            var b = volume.Footprint.Bounds;
            MinX = Down(b.MinX);
            MinY = Down(b.MinY);
            MinZ = Down(b.MinZ);
            MaxX = Up(b.MaxX);
            MaxY = Up(b.MaxY);
            MaxZ = Up(b.MaxZ);
            Slot = slot;
        }

        public long StartTicks { get; }

        public long EndTicks { get; }

        public float AltLower { get; }

        public float AltUpper { get; }

        public float MinX { get; }

        public float MinY { get; }

        public float MinZ { get; }

        public float MaxX { get; }

        public float MaxY { get; }

        public float MaxZ { get; }

        public int Slot { get; }
    }

    private sealed class Level(int index)
    {
        public double CellSize { get; } = GridSpan / (1L << index);

        public double InverseCellSize { get; } = (1L << index) / GridSpan;

        public int AxisCells { get; } = 1 << index;

        public Dictionary<long, Cell> Cells { get; } = [];
    }

    private sealed class Cell(int x, int y, int z)
    {
        public int X { get; } = x;

        public int Y { get; } = y;

        public int Z { get; } = z;

        public CellEntry[] Entries { get; private set; } = new CellEntry[4];

        public int Count { get; private set; }

        /// <summary>The longest duration ever stored here (not lowered on removal: it only bounds a search).</summary>
        public long MaxDurationTicks { get; private set; }

        public void Append(in CellEntry entry)
        {
            Grow();
            Entries[Count++] = entry;
            MaxDurationTicks = Math.Max(MaxDurationTicks, entry.EndTicks - entry.StartTicks);
        }

        public void Insert(in CellEntry entry)
        {
            Grow();
            var at = LowerBound(Entries, Count, entry.StartTicks + 1);
            Array.Copy(Entries, at, Entries, at + 1, Count - at);
            Entries[at] = entry;
            Count++;
            MaxDurationTicks = Math.Max(MaxDurationTicks, entry.EndTicks - entry.StartTicks);
        }

        public void Remove(long startTicks, int slot)
        {
            for (var i = LowerBound(Entries, Count, startTicks); i < Count; i++)
            {
                if (Entries[i].Slot == slot)
                {
                    Array.Copy(Entries, i + 1, Entries, i, Count - i - 1);
                    Count--;
                    Entries[Count] = default;
                    if (Count < Entries.Length / 4 && Entries.Length > 4)
                    {
                        var smaller = new CellEntry[Math.Max(4, Entries.Length / 2)];
                        Array.Copy(Entries, smaller, Count);
                        Entries = smaller;
                    }

                    return;
                }
            }

            throw new InvalidOperationException("index corrupt: entry not in its cell");
        }

        public void Sort() => Array.Sort(Entries, 0, Count, StartComparer.Instance);

        private void Grow()
        {
            if (Count == Entries.Length)
            {
                var bigger = new CellEntry[Entries.Length * 2];
                Array.Copy(Entries, bigger, Count);
                Entries = bigger;
            }
        }
    }

    private sealed class StartComparer : IComparer<CellEntry>
    {
        public static StartComparer Instance { get; } = new();

        public int Compare(CellEntry x, CellEntry y) => x.StartTicks.CompareTo(y.StartTicks);
    }
}
