namespace Hotline.Geo;

/// <summary>An axis-aligned box in the 3D space of unit vectors; used only as a conservative filter.</summary>
internal readonly record struct Box3(double MinX, double MinY, double MinZ, double MaxX, double MaxY, double MaxZ)
{
    public static Box3 Empty => new(double.MaxValue, double.MaxValue, double.MaxValue, double.MinValue, double.MinValue, double.MinValue);

    public Box3 Include(in Vec3 p) => new(
        Math.Min(MinX, p.X), Math.Min(MinY, p.Y), Math.Min(MinZ, p.Z),
        Math.Max(MaxX, p.X), Math.Max(MaxY, p.Y), Math.Max(MaxZ, p.Z));

    public Box3 Include(in Box3 b) => new(
        Math.Min(MinX, b.MinX), Math.Min(MinY, b.MinY), Math.Min(MinZ, b.MinZ),
        Math.Max(MaxX, b.MaxX), Math.Max(MaxY, b.MaxY), Math.Max(MaxZ, b.MaxZ));

    public Box3 Expand(double d) => new(MinX - d, MinY - d, MinZ - d, MaxX + d, MaxY + d, MaxZ + d);

    public double MaxExtent => Math.Max(MaxX - MinX, Math.Max(MaxY - MinY, MaxZ - MinZ));
}
