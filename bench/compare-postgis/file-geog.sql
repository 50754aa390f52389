-- Durable check-then-insert: the conflict check and the insert in one SERIALIZABLE transaction (GiST takes
-- predicate locks, so two concurrent filings cannot both pass a check the other would fail), committed with
-- synchronous_commit = on. Like Hotline's load, every filing is a probe moved two days later, filed by one party
-- (99), so it runs the full check and conflicts with nothing.
\set p random(1, :probes)
BEGIN ISOLATION LEVEL SERIALIZABLE;
INSERT INTO vol_geog (id, owner, t, alt, fp)
SELECT nextval('filing_id'), 99, p.t2, p.alt, p.fp FROM probe_geog p
WHERE p.id = :p
  AND NOT EXISTS (SELECT 1 FROM vol_geog v WHERE v.owner <> 99 AND ST_Intersects(v.fp, p.fp) AND v.t && p.t2 AND v.alt && p.alt);
COMMIT;
