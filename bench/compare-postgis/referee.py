#!/usr/bin/env python3
"""Third opinion on the pairs where Hotline and PostGIS geography disagree (stdlib only).

Reads CSV lines `side,probe,stored,postgis_m,wkt_probe,wkt_stored` (the polygons exactly as PostGIS holds them) and
appends the referee's great-circle gap in metres (0 when the footprints overlap or touch). Method: a gnomonic
projection around the pair's centre maps great-circle edges to straight lines exactly, so overlap is decided in the
plane; the gap is the least vertex-to-edge distance there, times R (distortion < 1e-5 at these sizes).
"""
import csv, math, sys

R = 6371008.8

def ring(wkt):
    body = wkt[wkt.index("((") + 2: wkt.index("))")]
    pts = [tuple(float(c) for c in p.split()) for p in body.split(",")]
    return pts[:-1] if pts[0] == pts[-1] else pts

def unit(lng, lat):
    f, l = math.radians(lat), math.radians(lng)
    return (math.cos(f) * math.cos(l), math.cos(f) * math.sin(l), math.sin(f))

def dot(a, b): return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
def cross(a, b): return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])
def norm(a):
    n = math.sqrt(dot(a, a)); return (a[0] / n, a[1] / n, a[2] / n)

def project(polys):
    vs = [[unit(*p) for p in poly] for poly in polys]
    c = norm(tuple(sum(v[i] for poly in vs for v in poly) for i in range(3)))
    e1 = norm(cross((0.0, 0.0, 1.0), c)); e2 = cross(c, e1)
    out = []
    for poly in vs:
        q = []
        for v in poly:
            k = dot(v, c); p = (v[0] / k, v[1] / k, v[2] / k)
            q.append((dot(p, e1), dot(p, e2)))
        out.append(q)
    return out

def orient(a, b, c): return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

def seg_dist(p, a, b):
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)

def crosses(a, b, c, d):
    return orient(a, b, c) * orient(a, b, d) <= 0 and orient(c, d, a) * orient(c, d, b) <= 0

def inside(p, poly):
    n, hit = len(poly), False
    for i in range(n):
        a, b = poly[i], poly[(i + 1) % n]
        if (a[1] > p[1]) != (b[1] > p[1]) and p[0] < a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]):
            hit = not hit
    return hit

def gap(A, B):
    ea = [(A[i], A[(i + 1) % len(A)]) for i in range(len(A))]
    eb = [(B[i], B[(i + 1) % len(B)]) for i in range(len(B))]
    if any(crosses(a, b, c, d) for a, b in ea for c, d in eb) or inside(A[0], B) or inside(B[0], A):
        return 0.0
    return R * min(min(seg_dist(p, a, b) for p in A for a, b in eb), min(seg_dist(p, a, b) for p in B for a, b in ea))

w = csv.writer(sys.stdout, lineterminator="\n")
for row in csv.reader(sys.stdin):
    A, B = project([ring(row[4]), ring(row[5])])
    w.writerow(row[:4] + [f"{gap(A, B):.4f}"])
