using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hotline.Geo;

/// <summary>A run of <see cref="Capacity"/> records rented from a <see cref="RecordArena{T}"/>: a bare pointer, valid
/// while the arena lives and until the run is returned to it.</summary>
internal readonly unsafe struct Slice<T>(T* items, int capacity)
    where T : unmanaged
{
    public T* Items { get; } = items;

    public int Capacity { get; } = capacity;

    /// <summary>The record at <paramref name="i"/>; unchecked in release builds (callers index within their count).</summary>
    public ref T this[int i]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            System.Diagnostics.Debug.Assert((uint)i < (uint)Capacity, "index within the slice");
            return ref Items[i];
        }
    }

    public Span<T> AsSpan() => new(Items, Capacity);
}

/// <summary>
/// Power-of-two runs of unmanaged records, carved from large pinned chunks that are advised for transparent huge
/// pages and aligned to cache lines.
/// </summary>
/// <remarks>
/// A query of a large index reads small runs scattered over hundreds of megabytes: with 4 KiB pages each run costs a
/// page walk (two-dimensional on a virtual machine), and the walks cost about as much as the reads. Held in 2 MiB
/// pages, the index's columns fit in the TLB's reach. Chunks are pinned managed arrays, so the garbage collector
/// frees them with the index and their addresses never move. Runs returned to the arena are reused by later rents of
/// the same size (they are neither split nor merged), and no memory goes back until the arena itself is collected.
/// Not thread-safe: the index rents and returns only under its write lock.
/// </remarks>
internal sealed unsafe class RecordArena<T>
    where T : unmanaged
{
    private const int LineBytes = 64;
    private const int FirstChunkBytes = 64 << 10;
    private const int LastChunkBytes = 32 << 20;
    private const long HugePageBytes = 2 << 20;

    // Linux madvise(2): ask for transparent huge pages (honoured when THP is "madvise" or "always").
    private const int MadviseHugePage = 14;

    private static volatile bool s_adviceUnavailable;

    private readonly List<byte[]> _chunks = [];
    private readonly Stack<nint>[] _free = new Stack<nint>[32];
    private byte* _next;
    private byte* _end;
    private int _nextChunkBytes = FirstChunkBytes;

    /// <summary>Bytes held in chunks, used or not.</summary>
    public long ReservedBytes { get; private set; }

    /// <summary>A run of <paramref name="capacity"/> records (a power of two), uninitialised, aligned to a cache line.</summary>
    public Slice<T> Rent(int capacity)
    {
        if (capacity <= 0 || !BitOperations.IsPow2(capacity))
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "must be a positive power of two");
        }

        var free = _free[BitOperations.Log2((uint)capacity)];
        if (free is { Count: > 0 })
        {
            return new Slice<T>((T*)free.Pop(), capacity);
        }

        var bytes = BytesOf(capacity);
        if (_end - _next < bytes)
        {
            StartChunk(bytes);
        }

        var items = (T*)_next;
        _next += bytes;
        return new Slice<T>(items, capacity);
    }

    /// <summary>Gives a run back for reuse; the caller must not touch it again.</summary>
    public void Return(Slice<T> slice)
    {
        if (slice.Capacity > 0)
        {
            Keep(slice.Items, slice.Capacity);
        }
    }

    private static long BytesOf(int capacity) => ((((long)capacity * sizeof(T)) + LineBytes - 1) / LineBytes) * LineBytes;

    private void Keep(T* items, int capacity) =>
        (_free[BitOperations.Log2((uint)capacity)] ??= new Stack<nint>()).Push((nint)items);

    private void StartChunk(long bytes)
    {
        // What is left of the current chunk goes to the free lists in the largest runs that fit, so nothing is lost.
        for (var capacity = 1 << 30; capacity > 0; capacity >>= 1)
        {
            while (_end - _next >= BytesOf(capacity))
            {
                Keep((T*)_next, capacity);
                _next += BytesOf(capacity);
            }
        }

        var chunkBytes = Math.Max(_nextChunkBytes, bytes);
        _nextChunkBytes = Math.Min(_nextChunkBytes * 2, LastChunkBytes);
        var chunk = GC.AllocateUninitializedArray<byte>(checked((int)(chunkBytes + LineBytes)), pinned: true);
        _chunks.Add(chunk);
        ReservedBytes += chunk.Length;
        var start = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(chunk));
        _next = (byte*)(((nint)start + LineBytes - 1) & ~(nint)(LineBytes - 1));
        _end = _next + chunkBytes;
        AdviseHugePages(_next, chunkBytes);
    }

    private static void AdviseHugePages(byte* start, long bytes)
    {
        // Only whole 2 MiB pages inside the chunk can be huge; the advice is a hint, so a refusal changes nothing.
        var first = ((long)start + HugePageBytes - 1) & ~(HugePageBytes - 1);
        var last = ((long)start + bytes) & ~(HugePageBytes - 1);
        if (last > first && OperatingSystem.IsLinux() && !s_adviceUnavailable)
        {
            try
            {
                _ = NativeMethods.madvise((nint)first, (nuint)(last - first), MadviseHugePage);
            }
            catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
            {
                s_adviceUnavailable = true; // a C library without madvise: the index works as well, on small pages
            }
        }
    }
}

/// <summary>The C library's memory advice, for <see cref="RecordArena{T}"/>.</summary>
internal static partial class NativeMethods
{
    [LibraryImport("libc")]
    internal static partial int madvise(nint address, nuint length, int advice);
}
