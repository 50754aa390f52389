using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
/// when that is cheaper, and skips a cell when the box of everything it holds misses the query box. Each cell keeps its entries sorted by start time, so the time window narrows every cell
/// to one run, found on a sample of every 8th start. The run is streamed as 16-byte hot records (end, altitudes and
/// bounding cap, all rounded outwards); the few that pass are checked on a cold record (exact times and altitudes,
/// owner, inscribed cap, box); pairs the caps cannot settle are measured against the probe's own footprint
/// (<see cref="PointReach"/>), and only the rest reach the exact <see cref="Lateral"/> test, after the lock is
/// released (volumes are immutable). Every filter is conservative and every shortcut accepts only within the
/// separation itself, so the answer is exactly the set <see cref="Volume4D.ConflictsWith"/> defines.</para>
/// <para><b>Memory.</b> The hot and cold records and the samples live in per-index arenas of pinned chunks advised
/// for transparent huge pages (<see cref="RecordArena{T}"/>), cold records one aligned cache line each: a query then
/// pays no page walk for most of what it reads, and one line per candidate. Runs given back are reused for runs of
/// the same size; the arenas never shrink while the index lives.</para>
/// <para><b>Concurrency.</b> Any number of concurrent readers with one writer at a time: queries take a shared
/// lock, writes an exclusive one (a write holds it for microseconds). Volumes are immutable, so a result can be
/// used after the lock is released. Not re-entrant: do not call the index from inside a query.</para>
/// </remarks>
public sealed class VolumeIndex : IDisposable
{
    private const int MaxLevel = 21;          // cell side 4/2^21 ≈ 1.9e-6 (12 m): 21 bits per axis in a cell key
    private const double GridOrigin = -2;     // the grid spans [-2, 2)³, comfortably around the unit sphere
    private const double GridSpan = 4;
    private const long KeyAxisMask = (1L << 21) - 1; // one axis of a cell key (see Key)

    // Slack (radians, about 1.6 m) for the float copies of caps kept inline in cells: covers their rounding.
    private const double InlineMargin = 2.5e-7;

    // Hot records count times in seconds from here (2000-01-01T00:00:00Z) and altitudes in metres above −1,000 m.
    private static readonly long EpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private const double AltitudeOffset = 1000;

    // The cold record's box counts in steps of 64 fixed-point units (about 40 m in the finest cells), 10 bits each.
    private const int BoxUnits = 64;
    private const int BoxMask = 1023;

    // How much of the next run is prefetched while one is streamed (records; 64 × 16 B = 16 lines).
    private const int PrefetchRecords = 64;

    [ThreadStatic]
    private static List<(Footprint, long)>? t_pending;

    [ThreadStatic]
    private static Scratch? t_scratch;

    [ThreadStatic]
    private static PointReach? t_reach;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<long, Location> _locations = [];
    private readonly Level?[] _levels = new Level?[MaxLevel + 1];
    private readonly int _finestLevel;
    private readonly Columns _columns = new();

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
            Insert(id, owner, volume, Place(volume), sorted: true);
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
        // An id repeated in the batch is stored once, as its last occurrence (what adding them in turn would leave).
        var last = new Dictionary<long, int>();
        var all = items.ToArray();
        for (var i = 0; i < all.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(all[i].Volume); // before anything changes
            last[all[i].Id] = i;
        }

        var batch = last.Count == all.Length ? all : all.Where((item, i) => last[item.Id] == i).ToArray();

        _lock.EnterWriteLock();
        try
        {
            // Every cell is sized once for what it will hold, instead of doubling its way there (which would leave
            // each run it outgrew in the arenas' free lists).
            var placements = new Placement[batch.Length];
            var arriving = new Dictionary<(Level, long), int>();
            for (var i = 0; i < batch.Length; i++)
            {
                RemoveEntry(batch[i].Id);
                placements[i] = Place(batch[i].Volume);
                var slot = (placements[i].Level, placements[i].Key);
                arriving[slot] = arriving.GetValueOrDefault(slot) + 1;
            }

            foreach (var ((level, key), count) in arriving)
            {
                var cell = CellAt(level, key);
                cell.Reserve(cell.Count + count);
            }

            var touched = new HashSet<Cell>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < batch.Length; i++)
            {
                var (id, owner, volume) = batch[i];
                touched.Add(Insert(id, owner, volume, placements[i], sorted: false));
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

    /// <summary>The volume stored under <paramref name="id"/>, if any: an equal <see cref="Volume4D"/> (same footprint
    /// object, same band and window), rebuilt from what the index keeps.</summary>
    public bool TryGet(long id, out int owner, out Volume4D? volume)
    {
        _lock.EnterReadLock();
        try
        {
            if (_locations.TryGetValue(id, out var location))
            {
                var cell = location.Cell;
                var at = cell.IndexOf(location.StartTicks, id);
                ref readonly var c = ref cell.Cold[at];
                owner = c.Owner;
                // The cold record keeps the exact band and window: an equal volume, rebuilt (the index keeps only
                // footprints by reference).
                volume = new Volume4D(cell.Footprints[at], new AltitudeBand(c.AltLower, c.AltUpper), new TimeWindow(c.StartTicks, c.EndTicks));
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
            DecideOnColdRecords(probe, in q, scratch, results, pending);
        }
        finally
        {
            _lock.ExitReadLock();
        }

        DecideExactly(probe, in q, pending, results);
        return results.Count - before;
    }

    /// <summary>Disposes the lock.</summary>
    public void Dispose() => _lock.Dispose();

    /// <summary>Decides the entries that passed the stream on their cold records: each is dropped, accepted, or left
    /// to the exact test in <paramref name="pending"/>.</summary>
    private static void DecideOnColdRecords(Volume4D probe, in QueryShape q, Scratch scratch, List<long> results, List<(Footprint, long)> pending)
    {
        var reachOfProbe = t_reach ??= new PointReach();
        var probePrepared = false;
        // The entries that passed the stream are decided on their cold records. Prefetching them all first
        // lets their cache misses overlap instead of queueing one behind the other.
        for (var k = 0; k < scratch.Count; k++)
        {
            Prefetch(ref scratch.Cells[scratch.CellOf[k]].Cold[scratch.Index[k]]);
        }

        for (var k = 0; k < scratch.Count; k++)
        {
            var cell = scratch.Cells[scratch.CellOf[k]];
            ref readonly var c = ref cell.Cold[scratch.Index[k]];
            if ((c.Owner == q.ExcludeOwner && q.HasExcludedOwner)
                || c.StartTicks >= q.EndTicks || c.EndTicks <= q.StartTicks
                || Math.Max(c.AltLower, probe.Altitude.Lower) - Math.Min(c.AltUpper, probe.Altitude.Upper) > q.VerticalMeters
                || BoxesApart(c.Box, q.Box, cell))
            {
                continue; // excluded owner, exactly as Volume4D.ConflictsWith decides time and altitude, or apart
            }

            // Accepting needs the true distance within the separation itself (not its tolerance), so that every
            // answer is the exact test's: a pair only the tolerance brings within reach is left to that test.
            var near = scratch.Chord[k] + InlineMargin;
            if (near + (near * near * near / 20) <= q.InnerRadius + c.InnerRadius + q.AcceptAngle)
            {
                results.Add(c.Id); // the arc is at most c + c³/20: the inscribed caps meet
                continue;
            }

            // The probe's own footprint (in cache) against the entry's caps, placed from its hot record: most
            // pairs are settled without reading the entry's footprint, whose cache misses cost far more.
            ref readonly var h = ref cell.Hot[scratch.Index[k]];
            var unit = cell.Level.Unit;
            var centre = new Vec3(cell.Origin.X + (h.X * unit), cell.Origin.Y + (h.Y * unit), cell.Origin.Z + (h.Z * unit)).Normalized();
            if (!probePrepared)
            {
                reachOfProbe.Prepare(probe.Footprint);
                probePrepared = true;
            }

            var reach = reachOfProbe.AngleTo(centre);
            var slack = (2 * unit) + InlineMargin; // the centre is rounded to the nearest unit in each axis
            if (reach + slack <= c.InnerRadius + q.AcceptAngle)
            {
                results.Add(c.Id); // the probe reaches the entry's inscribed cap
            }
            else if (reach - slack <= (h.Radius * unit) + q.LateralAngle)
            {
                scratch.AddUndecided(k); // it reaches the bounding cap but not the inscribed one
            }
        }

        // The footprints of the undecided, for the exact test after the lock: fetching their references together
        // lets those misses overlap too.
        for (var u = 0; u < scratch.UndecidedCount; u++)
        {
            var k = scratch.Undecided[u];
            Prefetch(ref scratch.Cells[scratch.CellOf[k]].Footprints[scratch.Index[k]]);
        }

        for (var u = 0; u < scratch.UndecidedCount; u++)
        {
            var k = scratch.Undecided[u];
            var cell = scratch.Cells[scratch.CellOf[k]];
            pending.Add((cell.Footprints[scratch.Index[k]], cell.Cold[scratch.Index[k]].Id));
        }
    }

    /// <summary>The exact test for the pairs the caps could not settle.</summary>
    private static void DecideExactly(Volume4D probe, in QueryShape q, List<(Footprint, long)> pending, List<long> results)
    {
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
    }

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
                    VisitCell(cell, in q, scratch);
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
                        VisitCell(cell, in q, scratch);
                    }
                }
            }
        }
    }

    /// <summary>Notes a cell to scan, unless nothing in it comes near the query's box, and prefetches its samples:
    /// every cell's chain of misses (cell, samples,
    /// records) is walked one link at a time for all cells together, so the misses of different cells overlap
    /// instead of queueing one behind the other.</summary>
    private static void VisitCell(Cell cell, in QueryShape q, Scratch scratch)
    {
        // The grid's loose extent is a cell wider than what a cell holds; its actual contents are often far
        // narrower (the sphere crosses most cells obliquely), and skipping a cell saves a whole run.
        var b = cell.Union;
        if (b.MinX > q.Box.MaxX || b.MaxX < q.Box.MinX || b.MinY > q.Box.MaxY || b.MaxY < q.Box.MinY || b.MinZ > q.Box.MaxZ || b.MaxZ < q.Box.MinZ)
        {
            return;
        }

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
            var cell = scratch.Cells[ordinal];
            var hot = cell.Hot;
            var end = scratch.RunEnd[r];
            // The probe's cap in the cell's fixed point. Its reach adds one unit for the rounding of record centres
            // (at most √3/2 of a unit) and of these float sums; records' radii are already rounded up.
            var inverseUnit = cell.Level.InverseUnit;
            var qx = (float)((q.CapX - cell.Origin.X) * inverseUnit);
            var qy = (float)((q.CapY - cell.Origin.Y) * inverseUnit);
            var qz = (float)((q.CapZ - cell.Origin.Z) * inverseUnit);
            var reach = (float)(((q.CapRadius + q.LateralAngle + InlineMargin) * inverseUnit) + 1);
            var i = scratch.RunBegin[r];
            if (Avx2.IsSupported)
            {
                i = StreamEights(q, scratch, ordinal, i, end, qx, qy, qz, reach);
            }

            for (; i < end; i++)
            {
                // One sequential pass over 16-byte records (here the tail of a run, or all of it without AVX2)
                // settles most entries on end time, altitude and bounding cap, all rounded outwards; the start time
                // is left to the run's bounds and, in the last block, to the cold record.
                ref readonly var h = ref hot[i];
                float dx = qx - h.X, dy = qy - h.Y, dz = qz - h.Z;
                var d2 = (dx * dx) + (dy * dy) + (dz * dz);
                var apart = reach + h.Radius;
                // All four tests without short-circuits: one well-predicted branch instead of four random ones.
                var reject = (h.End < q.EndBound) | (h.AltLower > q.AltUpperUnits) | (h.AltUpper < q.AltLowerUnits) | (d2 > apart * apart);
                if (!reject)
                {
                    scratch.Add(ordinal, i, ChordBound(d2, cell.Level.Unit));
                }
            }
        }
    }

    /// <summary>The stream of <see cref="StreamRuns"/> eight records at a time with AVX2 (the same tests, lane by
    /// lane); returns where it stopped (fewer than eight records are left for the scalar loop).</summary>
    private static int StreamEights(in QueryShape q, Scratch scratch, int ordinal, int i, int end, float qx, float qy, float qz, float reach)
    {
        var cell = scratch.Cells[ordinal];
        ref var records = ref Unsafe.As<HotRecord, Vector256<int>>(ref cell.Hot[0]);
        var endBound = Vector256.Create(q.EndBound);
        var altUpper = Vector256.Create(q.AltUpperUnits);
        var altLower = Vector256.Create(q.AltLowerUnits);
        var low16 = Vector256.Create(0xFFFF);
        var px = Vector256.Create(qx);
        var py = Vector256.Create(qy);
        var pz = Vector256.Create(qz);
        var pr = Vector256.Create(reach);
        for (; i + 8 <= end; i += 8)
        {
            // Two records per vector, [end, lower | upper << 16, x | y << 16, z | radius << 16] each; a 4 × 4
            // transpose of 32-bit words gives one vector per field, lanes holding records 0 2 4 6 1 3 5 7.
            ref var at = ref Unsafe.AddByteOffset(ref records, (nint)i * 16);
            var v0 = at;
            var v1 = Unsafe.Add(ref at, 1);
            var v2 = Unsafe.Add(ref at, 2);
            var v3 = Unsafe.Add(ref at, 3);
            var t0 = Avx2.UnpackLow(v0, v1);
            var t1 = Avx2.UnpackHigh(v0, v1);
            var t2 = Avx2.UnpackLow(v2, v3);
            var t3 = Avx2.UnpackHigh(v2, v3);
            var ends = Avx2.UnpackLow(t0.AsInt64(), t2.AsInt64()).AsUInt32();
            var altitudes = Avx2.UnpackHigh(t0.AsInt64(), t2.AsInt64()).AsInt32();
            var xy = Avx2.UnpackLow(t1.AsInt64(), t3.AsInt64()).AsInt32();
            var zr = Avx2.UnpackHigh(t1.AsInt64(), t3.AsInt64()).AsInt32();
            var dx = px - Vector256.ConvertToSingle(xy & low16);
            var dy = py - Vector256.ConvertToSingle(Vector256.ShiftRightLogical(xy, 16));
            var dz = pz - Vector256.ConvertToSingle(zr & low16);
            var apart = pr + Vector256.ConvertToSingle(Vector256.ShiftRightLogical(zr, 16));
            var reject = Vector256.LessThan(ends, endBound).AsInt32()
                | Vector256.GreaterThan(altitudes & low16, altUpper)
                | Vector256.LessThan(Vector256.ShiftRightLogical(altitudes, 16), altLower)
                | Vector256.GreaterThan((dx * dx) + (dy * dy) + (dz * dz), apart * apart).AsInt32();
            var keep = ~reject.ExtractMostSignificantBits() & 0xFF;
            while (keep != 0)
            {
                var lane = BitOperations.TrailingZeroCount(keep);
                keep &= keep - 1;
                var index = i + (lane < 4 ? 2 * lane : (2 * (lane - 4)) + 1);
                ref readonly var h = ref cell.Hot[index];
                float ex = qx - h.X, ey = qy - h.Y, ez = qz - h.Z;
                scratch.Add(ordinal, index, ChordBound((ex * ex) + (ey * ey) + (ez * ez), cell.Level.Unit));
            }
        }

        return i;
    }

    /// <summary>An upper bound on the chord between the probe's and an entry's cap centres, in radians, from their
    /// squared distance in the cell's fixed point (one unit more for the rounding of the entry's centre).</summary>
    private static double ChordBound(float squaredUnits, double unit) => (Math.Sqrt(squaredUnits) + 1) * unit;

    /// <summary>True when a cold record's packed box (see <see cref="TryPackBox"/>) misses the query's box.</summary>
    private static bool BoxesApart(ulong packed, in Box3 box, Cell cell)
    {
        // The query box in the cell's box units, grown by a hundredth of one for the rounding of these products.
        var scale = cell.Level.InverseUnit / BoxUnits;
        var o = cell.Origin;
        return Apart(packed, 0, ((box.MinX - o.X) * scale) - 0.01, ((box.MaxX - o.X) * scale) + 0.01)
            || Apart(packed, 20, ((box.MinY - o.Y) * scale) - 0.01, ((box.MaxY - o.Y) * scale) + 0.01)
            || Apart(packed, 40, ((box.MinZ - o.Z) * scale) - 0.01, ((box.MaxZ - o.Z) * scale) + 0.01);

        static bool Apart(ulong packed, int shift, double low, double high) =>
            (double)((packed >> shift) & BoxMask) > high || (double)((packed >> (shift + 10)) & BoxMask) < low;
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

        /// <summary>Positions (in the entries above) of those only the exact test can decide.</summary>
        public int[] Undecided { get; private set; } = new int[64];

        public int UndecidedCount { get; private set; }

        private int _cells;

        public void Clear()
        {
            Array.Clear(Cells, 0, _cells);
            _cells = 0;
            Count = 0;
            RunCount = 0;
            UndecidedCount = 0;
        }

        public void AddUndecided(int entry)
        {
            if (UndecidedCount == Undecided.Length)
            {
                Undecided = Doubled(Undecided);
            }

            Undecided[UndecidedCount++] = entry;
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

    /// <summary>Where <paramref name="volume"/> belongs, and its hot record and packed box there.</summary>
    private Placement Place(Volume4D volume)
    {
        var box = volume.Footprint.Bounds;
        Level level;
        int x, y, z;
        HotRecord hot;
        ulong packedBox;
        // The finest level whose cells are at least as large as the box, unless its cap does not fit that level's
        // fixed point (a cap much larger than its box): then the next coarser one that holds it.
        for (var levelIndex = Math.Min(LevelFor(box.MaxExtent), _finestLevel); ; levelIndex--)
        {
            level = _levels[levelIndex] ??= new Level(levelIndex, _columns);
            var limit = level.AxisCells - 1;
            x = CellIndex(box.MinX, level.InverseCellSize, limit);
            y = CellIndex(box.MinY, level.InverseCellSize, limit);
            z = CellIndex(box.MinZ, level.InverseCellSize, limit);
            if (HotRecord.TryEncode(volume, OriginOf(level, x, y, z), level.InverseUnit, out hot, out packedBox))
            {
                break;
            }

            if (levelIndex == 0)
            {
                // The coarsest cell spans the whole sphere with room to spare: every cap fits it.
                throw new InvalidOperationException("index invariant broken: a cap does not fit the coarsest level");
            }
        }

        return new Placement(level, Key(x, y, z), hot, packedBox);
    }

    private Cell Insert(long id, int owner, Volume4D volume, in Placement placement, bool sorted)
    {
        var cell = CellAt(placement.Level, placement.Key);
        cell.Add(id, owner, volume, placement.Hot, placement.Box, sorted);
        _locations[id] = new Location(cell, volume.Time.StartTicks);
        return cell;
    }

    /// <summary>The cell under <paramref name="key"/>, created when there is none.</summary>
    private static Cell CellAt(Level level, long key)
    {
        if (!level.Cells.TryGetValue(key, out var cell))
        {
            cell = new Cell(level, (int)(key >> 42), (int)((key >> 21) & KeyAxisMask), (int)(key & KeyAxisMask));
            level.Cells.Add(key, cell);
        }

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

    private static Vec3 OriginOf(Level level, int x, int y, int z) =>
        new(GridOrigin + ((x - 0.5) * level.CellSize), GridOrigin + ((y - 0.5) * level.CellSize), GridOrigin + ((z - 0.5) * level.CellSize));

    private static long CeilingDivide(long a, long b) => (a / b) + (a % b > 0 ? 1 : 0);

    private static long FloorDivide(long a, long b) => (a / b) - (a % b < 0 ? 1 : 0);

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

    private static long SaturatingSubtract(long a, long b) => b > 0 && a < long.MinValue + b ? long.MinValue : a - b;

    private static long SaturatingAdd(long a, long b) => b > 0 && a > long.MaxValue - b ? long.MaxValue : a + b;

    private static float Down(double value) => MathF.BitDecrement((float)value);


    /// <summary>Everything a query tests against, precomputed once.</summary>
    private readonly struct QueryShape
    {
        public QueryShape(Volume4D probe, Separation separation, int? excludeOwner)
        {
            LateralAngle = Earth.AngleOf(separation.LateralMeters + Lateral.ToleranceMeters);
            AcceptAngle = Earth.AngleOf(separation.LateralMeters);
            // Points within this angle of the footprint are within this Euclidean distance (a chord is shorter).
            Box = probe.Footprint.Bounds.Expand(LateralAngle);
            var timeTicks = separation.Time.Ticks;
            VerticalMeters = separation.VerticalMeters;
            StartTicks = SaturatingSubtract(probe.Time.StartTicks, timeTicks);
            EndTicks = SaturatingAdd(probe.Time.EndTicks, timeTicks);
            var altLower = probe.Altitude.Lower - separation.VerticalMeters;
            var altUpper = probe.Altitude.Upper + separation.VerticalMeters;
            // The hot records' units, rounded so that every test on them stays conservative (see HotRecord): a
            // record is dropped when its rounded-up end is before this bound (one past the rounded-down start), so
            // neither a saturated end (uint.MaxValue) nor any end when the start is before the epoch ever is.
            EndBound = StartTicks < EpochTicks ? 0 : (uint)Math.Min(FloorDivide(StartTicks - EpochTicks, TimeSpan.TicksPerSecond) + 1, uint.MaxValue);
            AltLowerUnits = (int)Math.Clamp(Math.Floor(altLower) + AltitudeOffset, 0, ushort.MaxValue);
            AltUpperUnits = (int)Math.Clamp(Math.Ceiling(altUpper) + AltitudeOffset, 0, ushort.MaxValue);
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

        public double LateralAngle { get; }

        /// <summary>The lateral minimum alone: shortcuts accept a pair only within it.</summary>
        public double AcceptAngle { get; }

        public Box3 Box { get; }

        public double VerticalMeters { get; }

        public long StartTicks { get; }

        public long EndTicks { get; }

        public uint EndBound { get; }

        public int AltLowerUnits { get; }

        public int AltUpperUnits { get; }

        public bool HasExcludedOwner { get; }

        public int ExcludeOwner { get; }
    }

    private readonly record struct Location(Cell Cell, long StartTicks);

    private readonly record struct Placement(Level Level, long Key, HotRecord Hot, ulong Box);

    private sealed class Level(int index, Columns columns)
    {
        public Columns Columns { get; } = columns;

        public double CellSize { get; } = GridSpan / (1L << index);

        /// <summary>The fixed-point unit of hot caps: a cell's records have their cap centres within two cells of its
        /// corner, so 16 bits over three cells (from half a cell before the corner) hold them with room to spare.</summary>
        public double Unit { get; } = 3 * GridSpan / (1L << index) / 65536;

        public double InverseUnit { get; } = 65536 / (3 * GridSpan / (1L << index));

        public double InverseCellSize { get; } = (1L << index) / GridSpan;

        public int AxisCells { get; } = 1 << index;

        public Dictionary<long, Cell> Cells { get; } = [];
    }

    /// <summary>What every scanned entry is tested on, streamed in one pass: 16 bytes, so a query reads as few
    /// bytes as it can (the scan is bound by memory bandwidth). Every field is rounded outwards, so the tests on them
    /// are conservative: the end in whole seconds since <see cref="EpochTicks"/> (rounded up; 0 = at or before it,
    /// <see cref="uint.MaxValue"/> = at or after that many seconds), the altitudes in whole metres above
    /// −<see cref="AltitudeOffset"/> (lower rounded down, upper up; 0 and 65,535 saturate), and the bounding cap in
    /// the cell's fixed-point units (<see cref="Level.Unit"/>): centre rounded to nearest, radius rounded up.</summary>
    private readonly struct HotRecord(uint end, ushort altLower, ushort altUpper, ushort x, ushort y, ushort z, ushort radius)
    {
        public readonly uint End = end;
        public readonly ushort AltLower = altLower;
        public readonly ushort AltUpper = altUpper;
        public readonly ushort X = x;
        public readonly ushort Y = y;
        public readonly ushort Z = z;
        public readonly ushort Radius = radius;

        /// <summary>The record of <paramref name="volume"/> in a cell at <paramref name="origin"/>, or false when its
        /// cap does not fit the cell's fixed-point range (it then belongs to a coarser level).</summary>
        public static bool TryEncode(Volume4D volume, Vec3 origin, double inverseUnit, out HotRecord record, out ulong box)
        {
            var footprint = volume.Footprint;
            if (!TryPackBox(footprint.Bounds, origin, inverseUnit, out box))
            {
                record = default;
                return false;
            }

            var x = Math.Round((footprint.CapCenter.X - origin.X) * inverseUnit);
            var y = Math.Round((footprint.CapCenter.Y - origin.Y) * inverseUnit);
            var z = Math.Round((footprint.CapCenter.Z - origin.Z) * inverseUnit);
            // One unit more than the rounded-up radius absorbs the rounding of the product itself.
            var radius = Math.Ceiling(footprint.CapRadius * inverseUnit) + 1;
            if (!(x >= 0 && x <= ushort.MaxValue && y >= 0 && y <= ushort.MaxValue && z >= 0 && z <= ushort.MaxValue
                && radius <= ushort.MaxValue))
            {
                record = default;
                return false;
            }

            var endSeconds = CeilingDivide(volume.Time.EndTicks - EpochTicks, TimeSpan.TicksPerSecond);
            record = new HotRecord(
                (uint)Math.Clamp(endSeconds, 0, uint.MaxValue),
                (ushort)Math.Clamp(Math.Floor(volume.Altitude.Lower) + AltitudeOffset, 0, ushort.MaxValue),
                (ushort)Math.Clamp(Math.Ceiling(volume.Altitude.Upper) + AltitudeOffset, 0, ushort.MaxValue),
                (ushort)x,
                (ushort)y,
                (ushort)z,
                (ushort)radius);
            return true;
        }
    }

    /// <summary>The footprint's 3D box in a cell's fixed point, coarsened to <see cref="BoxUnits"/> units and rounded
    /// outwards: six 10-bit fields (minimum and maximum per axis) in one word. False when it does not fit.</summary>
    private static bool TryPackBox(in Box3 bounds, Vec3 origin, double inverseUnit, out ulong packed)
    {
        var scale = inverseUnit / BoxUnits;
        Span<double> low = [bounds.MinX - origin.X, bounds.MinY - origin.Y, bounds.MinZ - origin.Z];
        Span<double> high = [bounds.MaxX - origin.X, bounds.MaxY - origin.Y, bounds.MaxZ - origin.Z];
        packed = 0;
        for (var axis = 0; axis < 3; axis++)
        {
            var lo = Math.Floor(low[axis] * scale);
            var hi = Math.Ceiling(high[axis] * scale);
            if (!(lo >= 0 && hi <= BoxMask))
            {
                return false;
            }

            packed |= ((ulong)lo << (20 * axis)) | ((ulong)hi << ((20 * axis) + 10));
        }

        return true;
    }

    /// <summary>What the few entries that pass the hot tests are decided on, exactly: padded to 64 bytes, so each is
    /// one cache line (the arena aligns runs to lines).</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Size = 64)]
    private readonly struct ColdRecord(long id, int owner, Volume4D volume, ulong box)
    {
        /// <summary>See <see cref="TryPackBox"/>.</summary>
        public readonly ulong Box = box;
        public readonly long Id = id;
        public readonly long StartTicks = volume.Time.StartTicks;
        public readonly long EndTicks = volume.Time.EndTicks;
        public readonly double AltLower = volume.Altitude.Lower;
        public readonly double AltUpper = volume.Altitude.Upper;
        public readonly int Owner = owner;
        public readonly float InnerRadius = volume.Footprint.InnerRadius > 0 ? Math.Max(0, Down(volume.Footprint.InnerRadius)) : 0;
    }

    /// <summary>The record columns of every cell of one index, each in its own arena.</summary>
    private sealed class Columns
    {
        public RecordArena<HotRecord> Hot { get; } = new();

        public RecordArena<ColdRecord> Cold { get; } = new();

        public RecordArena<long> Samples { get; } = new();
    }

    /// <summary>
    /// The volumes of one grid cell, sorted by start time: hot records (streamed by every query that visits the
    /// cell), cold records (read for the few that pass), both in the index's arenas, and the footprints.
    /// </summary>
    private sealed unsafe class Cell(Level level, int x, int y, int z)
    {
        private const int SampleShift = 3;

        private const int SampleEvery = 1 << SampleShift;

        private const int FirstCapacity = 4;

        /// <summary>Every <see cref="SampleEvery"/>-th start: a binary search over a cold cell then touches a few
        /// cache lines instead of one per step, and a query's run is bounded without reading any record.</summary>
        private Slice<long> _sample;

        public Level Level { get; } = level;

        public int X { get; } = x;

        public int Y { get; } = y;

        public int Z { get; } = z;

        /// <summary>Where the cell's fixed-point cap coordinates are 0: half a cell before its corner.</summary>
        public Vec3 Origin { get; } = OriginOf(level, x, y, z);

        public int Count { get; private set; }

        /// <summary>The longest duration ever stored here (not lowered on removal: it only bounds a search).</summary>
        public long MaxDurationTicks { get; private set; }

        /// <summary>A box around every footprint ever stored here (not shrunk on removal: it only bounds a search).</summary>
        public Box3 Union { get; private set; } = Box3.Empty;

        public Slice<HotRecord> Hot { get; private set; }

        public Slice<ColdRecord> Cold { get; private set; }

        public Footprint[] Footprints { get; private set; } = [];

        private Columns Columns => Level.Columns;

        /// <summary>A position at or before the first whose start is at or after <paramref name="startTicks"/>,
        /// found on the samples alone (at most one block early, which the end test then drops): queries never
        /// read the start column.</summary>
        public int BlockBefore(long startTicks)
        {
            var k = SampleLowerBound(startTicks);
            return k == 0 ? 0 : ((k - 1) << SampleShift) + 1;
        }

        /// <summary>A position at or after the first whose start is at or after <paramref name="endTicks"/>, found
        /// on the samples alone: every entry from there on starts at or after it.</summary>
        public int BlockAfter(long endTicks) => Math.Min(Count, SampleLowerBound(endTicks) << SampleShift);

        public void PrefetchSamples()
        {
            var bytes = SampleCount * sizeof(long);
            for (var offset = 0; offset < bytes; offset += 64)
            {
                Prefetch(ref Unsafe.AddByteOffset(ref _sample[0], offset));
            }
        }

        /// <summary>The first position whose start is at or after <paramref name="startTicks"/>.</summary>
        public int LowerBound(long startTicks)
        {
            var k = SampleLowerBound(startTicks);
            // Sample k is the first at or after the key: the answer lies in ((k−1)·S, k·S].
            int lo = k == 0 ? 0 : ((k - 1) << SampleShift) + 1, hi = Math.Min(Count, k << SampleShift);
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (Cold[mid].StartTicks < startTicks)
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

        /// <summary>Makes room for <paramref name="count"/> entries in one step.</summary>
        public void Reserve(int count)
        {
            if (count > Hot.Capacity)
            {
                Resize((int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(count, FirstCapacity)));
            }
        }

        public void Add(long id, int owner, Volume4D volume, in HotRecord hot, ulong box, bool sorted)
        {
            if (Count == Hot.Capacity)
            {
                Resize(Math.Max(FirstCapacity, Hot.Capacity * 2));
            }

            var at = sorted ? LowerBound(volume.Time.StartTicks + 1) : Count;
            if (at < Count)
            {
                Move(at, at + 1, Count - at);
            }

            Set(at, volume.Footprint, hot, new ColdRecord(id, owner, volume, box));
            Count++;
            MaxDurationTicks = Math.Max(MaxDurationTicks, volume.Time.EndTicks - volume.Time.StartTicks);
            Union = Union.Include(volume.Footprint.Bounds);
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
            Footprints[Count] = null!;
            if (Count == 0)
            {
                Release();
                return;
            }

            if (Count < Hot.Capacity / 4 && Hot.Capacity > FirstCapacity)
            {
                Resize(Math.Max(FirstCapacity, Hot.Capacity / 2));
            }

            Resample(i);
        }

        /// <summary>Gives the cell's runs back to the arenas (the cell is empty and about to be dropped).</summary>
        public void Release()
        {
            Columns.Hot.Return(Hot);
            Columns.Cold.Return(Cold);
            Columns.Samples.Return(_sample);
            Hot = default;
            Cold = default;
            _sample = default;
            Footprints = [];
        }

        public void Sort()
        {
            var order = new int[Count];
            var starts = new long[Count];
            for (var i = 0; i < Count; i++)
            {
                order[i] = i;
                starts[i] = Cold[i].StartTicks;
            }

            Array.Sort(starts, order);
            var footprints = Footprints[..Count];
            var cold = Cold.AsSpan()[..Count].ToArray();
            var hot = Hot.AsSpan()[..Count].ToArray();
            for (var i = 0; i < Count; i++)
            {
                var from = order[i];
                Set(i, footprints[from], hot[from], cold[from]);
            }

            Resample(0);
        }

        private int SampleCount => (Count + SampleEvery - 1) >> SampleShift;

        private int SampleLowerBound(long startTicks)
        {
            int lo = 0, hi = SampleCount;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (_sample[mid] < startTicks)
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

        private void Resample(int from)
        {
            var samples = SampleCount;
            // Resized only when outgrown or four times too large, so a count moving to and fro across a power of
            // two does not move the samples every time.
            if (_sample.Capacity < samples || _sample.Capacity > 4 * Math.Max(samples, 1))
            {
                Columns.Samples.Return(_sample);
                _sample = Columns.Samples.Rent((int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(samples, 1)));
                from = 0;
            }

            for (var k = from >> SampleShift; k < samples; k++)
            {
                _sample[k] = Cold[k << SampleShift].StartTicks;
            }
        }

        private void Set(int at, Footprint footprint, in HotRecord hot, in ColdRecord cold)
        {
            Hot[at] = hot;
            Cold[at] = cold;
            Footprints[at] = footprint;
        }

        private void Move(int from, int to, int length)
        {
            Hot.AsSpan().Slice(from, length).CopyTo(Hot.AsSpan()[to..]);
            Cold.AsSpan().Slice(from, length).CopyTo(Cold.AsSpan()[to..]);
            Array.Copy(Footprints, from, Footprints, to, length);
        }

        private void Resize(int capacity)
        {
            var hot = Columns.Hot.Rent(capacity);
            var cold = Columns.Cold.Rent(capacity);
            Hot.AsSpan()[..Count].CopyTo(hot.AsSpan());
            Cold.AsSpan()[..Count].CopyTo(cold.AsSpan());
            Columns.Hot.Return(Hot);
            Columns.Cold.Return(Cold);
            Hot = hot;
            Cold = cold;
            var footprints = new Footprint[capacity];
            Array.Copy(Footprints, footprints, Count);
            Footprints = footprints;
        }
    }
}
