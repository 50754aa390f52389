\set p random(1, :probes)
SELECT v.id FROM probe_geom p JOIN vol_geom v ON v.owner <> p.owner AND ST_Intersects(v.fp, p.fp) AND v.t && p.t AND v.alt && p.alt WHERE p.id = :p;
