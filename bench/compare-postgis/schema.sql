-- Loads the shared workload into the schema a competent PostGIS user would choose.
-- compare-postgis.sh fills in @STORED_CMD@ and @PROBES_CMD@ (shell commands printing gen_volumes.py CSVs).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS postgis;
-- btree_gist: lets scalar columns join a GiST index. The ranges have built-in GiST opclasses; btree_gist is
-- here so that an engineer who adds `owner` to the index (we measured: it does not help, 7/8 of rows pass) can.
CREATE EXTENSION IF NOT EXISTS btree_gist;
DROP TABLE IF EXISTS raw, vol_geog, vol_geom, probe_geog, probe_geom, circle_wkt;
DROP SEQUENCE IF EXISTS filing_id;

CREATE UNLOGGED TABLE raw (id bigint, owner int, kind char(1), lat float8, lng float8, radius float8,
                           alt_lo int, alt_hi int, ts bigint, te bigint, wkt text, stored bool);
\copy raw (id, owner, kind, lat, lng, radius, alt_lo, alt_hi, ts, te, wkt) FROM PROGRAM '@STORED_CMD@' WITH (FORMAT csv, HEADER true)
UPDATE raw SET stored = true;
\copy raw (id, owner, kind, lat, lng, radius, alt_lo, alt_hi, ts, te, wkt) FROM PROGRAM '@PROBES_CMD@' WITH (FORMAT csv, HEADER true)
UPDATE raw SET stored = false WHERE stored IS NULL;

-- Time is half-open [start, end) as in Hotline (abutting windows do not conflict); altitude is closed [lo, hi]
-- (touching bands conflict). Circles are ST_Buffer on geography: a 32-segment polygon inscribed in the circle.
CREATE TEMP TABLE shaped AS
SELECT id, owner, stored,
       tstzrange(to_timestamp(ts), to_timestamp(te), '[)') AS t,
       tstzrange(to_timestamp(ts) + interval '2 days', to_timestamp(te) + interval '2 days', '[)') AS t2,
       numrange(alt_lo, alt_hi, '[]') AS alt,
       CASE WHEN kind = 'C' THEN ST_Buffer(ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography, radius)
            ELSE ST_GeogFromText('SRID=4326;' || wkt) END AS fp,
       kind
FROM raw;

CREATE TABLE vol_geog (id bigint PRIMARY KEY, owner int NOT NULL, t tstzrange NOT NULL, alt numrange NOT NULL,
                       fp geography(Polygon, 4326) NOT NULL);
INSERT INTO vol_geog SELECT id, owner, t, alt, fp FROM shaped WHERE stored;
CREATE TABLE vol_geom (id bigint PRIMARY KEY, owner int NOT NULL, t tstzrange NOT NULL, alt numrange NOT NULL,
                       fp geometry(Polygon, 4326) NOT NULL);
INSERT INTO vol_geom SELECT id, owner, t, alt, fp::geometry FROM shaped WHERE stored;
CREATE TABLE probe_geog (id bigint PRIMARY KEY, owner int, t tstzrange, t2 tstzrange, alt numrange, fp geography(Polygon, 4326), kind char(1));
INSERT INTO probe_geog SELECT id, owner, t, t2, alt, fp, kind FROM shaped WHERE NOT stored;
CREATE TABLE probe_geom (id bigint PRIMARY KEY, owner int, t tstzrange, t2 tstzrange, alt numrange, fp geometry(Polygon, 4326), kind char(1));
INSERT INTO probe_geom SELECT id, owner, t, t2, alt, fp::geometry, kind FROM shaped WHERE NOT stored;
-- The buffered circles, so that Hotline can also be run on exactly the polygons PostGIS holds.
CREATE TABLE circle_wkt AS SELECT stored, id, ST_AsText(fp::geometry, 15) AS wkt FROM shaped WHERE kind = 'C';
DROP TABLE raw;

-- One multicolumn GiST per table: footprint, time range, altitude range.
SET maintenance_work_mem = '2GB';
CREATE INDEX vol_geog_gist ON vol_geog USING gist (fp, t, alt);
CREATE INDEX vol_geom_gist ON vol_geom USING gist (fp, t, alt);
CREATE SEQUENCE filing_id START 100000000;
VACUUM ANALYZE vol_geog;
VACUUM ANALYZE vol_geom;
VACUUM ANALYZE probe_geog;
VACUUM ANALYZE probe_geom;
