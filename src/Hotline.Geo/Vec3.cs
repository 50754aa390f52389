using System.Runtime.CompilerServices;

namespace Hotline.Geo;

/// <summary>A 3D vector; positions on the sphere are unit vectors. All spherical tests are done in this form
/// because it has no singularity at the poles or the antimeridian.</summary>
internal readonly record struct Vec3(double X, double Y, double Z)
{
    public static Vec3 FromLatLng(double latDegrees, double lngDegrees)
    {
        var phi = double.DegreesToRadians(latDegrees);
        var lambda = double.DegreesToRadians(lngDegrees);
        var (sinPhi, cosPhi) = Math.SinCos(phi);
        var (sinLambda, cosLambda) = Math.SinCos(lambda);
        return new Vec3(cosPhi * cosLambda, cosPhi * sinLambda, sinPhi);
    }

    public (double Lat, double Lng) ToLatLng() =>
        (double.RadiansToDegrees(Math.Atan2(Z, Math.Sqrt((X * X) + (Y * Y)))), double.RadiansToDegrees(Math.Atan2(Y, X)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(in Vec3 a, in Vec3 b) => (a.X * b.X) + (a.Y * b.Y) + (a.Z * b.Z);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec3 Cross(in Vec3 a, in Vec3 b) =>
        new((a.Y * b.Z) - (a.Z * b.Y), (a.Z * b.X) - (a.X * b.Z), (a.X * b.Y) - (a.Y * b.X));

    /// <summary>2·(a×b) computed as (b+a)×(b−a), which keeps its precision when a and b are nearly equal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec3 RobustCross(in Vec3 a, in Vec3 b) => Cross(b + a, b - a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ChordSquared(in Vec3 a, in Vec3 b)
    {
        double dx = a.X - b.X, dy = a.Y - b.Y, dz = a.Z - b.Z;
        return (dx * dx) + (dy * dy) + (dz * dz);
    }

    /// <summary>The squared chord of a central angle: (2 sin(θ/2))². Monotonic on [0, π].</summary>
    public static double ChordSquaredOfAngle(double angle)
    {
        if (angle >= Math.PI)
        {
            return 4;
        }

        var s = 2 * Math.Sin(angle / 2);
        return s * s;
    }

    /// <summary>The central angle between unit vectors, accurate for tiny and large angles alike.</summary>
    public static double Angle(in Vec3 a, in Vec3 b) => Math.Atan2(Cross(a, b).Length, Dot(a, b));

    public double Length => Math.Sqrt((X * X) + (Y * Y) + (Z * Z));

    public Vec3 Normalized()
    {
        var length = Length;
        return new Vec3(X / length, Y / length, Z / length);
    }

    public static Vec3 operator +(in Vec3 a, in Vec3 b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);

    public static Vec3 operator -(in Vec3 a, in Vec3 b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    public static Vec3 operator *(double s, in Vec3 a) => new(s * a.X, s * a.Y, s * a.Z);

    public static Vec3 operator -(in Vec3 a) => new(-a.X, -a.Y, -a.Z);
}
