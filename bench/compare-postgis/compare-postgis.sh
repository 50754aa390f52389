#!/usr/bin/env bash
# Hotline side by side with PostgreSQL + PostGIS (issue 7): same stored volumes, same probes, same machine, same run.
#   bench/compare-postgis/compare-postgis.sh            N = 10,000 100,000 1,000,000   (about 20 minutes)
#   bench/compare-postgis/compare-postgis.sh --quick    N = 10,000 100,000             (about 3 minutes)
#   bench/compare-postgis/compare-postgis.sh 50000 ...  any N up to 1,000,000
# Installs PostgreSQL 15 + PostGIS 3 from Debian if missing, runs a private server (initdb in a temporary folder,
# 127.0.0.1 on a free port, its own pid), stops it at the end, and writes bench/compare-postgis/RESULTS.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
quick=0
sizes=()
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    -h|--help) sed -n 2,8p "$0"; exit 0 ;;
    *) sizes+=("$a") ;;
  esac
done
if [ ${#sizes[@]} -eq 0 ]; then
  if [ $quick = 1 ]; then sizes=(10000 100000); else sizes=(10000 100000 1000000); fi
fi
if [ $quick = 1 ]; then secs=${SECONDS_PER_RUN:-4}; answers=${ANSWER_PROBES:-500}; filings=${FILINGS:-4000};
else secs=${SECONDS_PER_RUN:-15}; answers=${ANSWER_PROBES:-2000}; filings=${FILINGS:-20000}; fi
probes=20000          # distinct probes cycled by every speed run (seed 2, ids 1..20000)
clients=2             # pgbench clients for the conflict query: one per core
durable_clients=${DURABLE_CLIENTS:-32}  # in flight over HTTP and for durable check-then-insert, both systems (as server-load)
pgver=15
pgbin=/usr/lib/postgresql/$pgver/bin
started=$(date +%s)

log() { printf '[%4ds] %s\n' $(( $(date +%s) - started )) "$*" >&2; }

# 1. PostgreSQL + PostGIS from Debian, if missing.
if ! dpkg -s postgresql-$pgver-postgis-3 >/dev/null 2>&1 || [ ! -x $pgbin/initdb ]; then
  log "installing postgresql-$pgver-postgis-3 from Debian"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql-$pgver postgresql-$pgver-postgis-3 postgresql-client-$pgver >/dev/null
fi

# 2. The workload CSVs (gen_volumes.py output, cached by Hotline's bench under bench/data/) and the bench build.
data="$root/bench/data"
gen="${HOTLINE_GEN_VOLUMES:-$root/../shared/bench/gen_volumes.py}"
mkdir -p "$data"
for seed in 1 2; do
  f="$data/volumes-seed$seed-1000000.csv"
  if [ ! -s "$f" ]; then log "generating $f"; python3 "$gen" $seed 1000000 > "$f.tmp"; mv "$f.tmp" "$f"; fi
done
log "building the bench (Release)"
dotnet build -c Release "$root/bench/Hotline.Bench" -v q -nologo >/dev/null
bench_dll="$root/bench/Hotline.Bench/bin/Release/net10.0/Hotline.Bench.dll"

# 3. A private server. initdb refuses root, so the cluster belongs to the 'postgres' user when we are root.
work="$(mktemp -d /tmp/compare-postgis.XXXXXX)"
chmod 755 "$work"
pgdata="$work/pgdata"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
stop_server() {
  if [ -f "$pgdata/postmaster.pid" ]; then
    log "stopping the private server (pid $(head -1 "$pgdata/postmaster.pid"))"
    as_pg $pgbin/pg_ctl -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap stop_server EXIT
trap 'exit 130' INT TERM
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg $pgbin/initdb -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >> "$pgdata/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$work'
shared_buffers = 4GB
effective_cache_size = 16GB
work_mem = 64MB
maintenance_work_mem = 2GB
max_wal_size = 8GB
synchronous_commit = on
fsync = on
jit = off
max_connections = 100
CONF
as_pg $pgbin/pg_ctl -D "$pgdata" -l "$work/server.log" -w start >/dev/null
log "private PostgreSQL $pgver on 127.0.0.1:$port, data in $pgdata (pid $(head -1 "$pgdata/postmaster.pid"))"
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres
psql -qAtX -c "create extension if not exists postgis" -c "select postgis_lib_version()" | sed "s/^/PostGIS /" > "$work/postgis-version"

# pgbench: transactions per second excluding connection time.
pgbench_tps() {
  pgbench -n -M prepared -D probes=$probes "$@" > "$work/pgbench-last.log" 2>"$work/pgbench.err" || { cat "$work/pgbench.err" >&2; return 1; }
  cat "$work/pgbench-last.log" >> "$work/pgbench.log"
  awk '/tps = /{print $3; exit}' "$work/pgbench-last.log"
}

rows="$work/rows.md"; : > "$rows"
notes="$work/notes.md"; : > "$notes"
for n in "${sizes[@]}"; do
  log "N=$n: loading PostGIS (geometry and geography, GiST over footprint, time, altitude)"
  t0=$(date +%s)
  sed -e "s|@STORED_CMD@|head -n $((n + 1)) $data/volumes-seed1-1000000.csv|" \
      -e "s|@PROBES_CMD@|head -n $((probes + 1)) $data/volumes-seed2-1000000.csv|" "$here/schema.sql" > "$work/schema.sql"
  psql -qX -f "$work/schema.sql"
  load_s=$(( $(date +%s) - t0 ))
  size=$(psql -qAtX -c "select pg_size_pretty(pg_total_relation_size('vol_geog'))")
  log "N=$n: loaded in ${load_s}s (vol_geog with index: $size)"

  # Answers: every pair (probe, stored) for the first $answers probes, geography and geometry.
  for kind in geog geom; do
    psql -qX -c "\\copy (SELECT p.id, v.id FROM probe_$kind p JOIN vol_$kind v ON v.owner <> p.owner AND ST_Intersects(v.fp, p.fp) AND v.t && p.t AND v.alt && p.alt WHERE p.id <= $answers ORDER BY 1, 2) TO '$work/answers-$kind.csv' CSV"
  done
  psql -qX -c "\\copy (SELECT CASE WHEN stored THEN 's' ELSE 'p' END, id, wkt FROM circle_wkt) TO '$work/circles.csv' CSV"
  psql -qAtX -c "EXPLAIN SELECT v.id FROM probe_geog p JOIN vol_geog v ON v.owner <> p.owner AND ST_Intersects(v.fp, p.fp) AND v.t && p.t AND v.alt && p.alt WHERE p.id = 1" > "$work/plan-$n.txt"

  log "N=$n: pgbench conflict query, $clients clients, ${secs}s each (geography, geometry)"
  geog1=$(pgbench_tps -c 1 -j 1 -T $secs -f "$here/query-geog.sql")
  geog=$(pgbench_tps -c $clients -j $clients -T $secs -f "$here/query-geog.sql")
  geom=$(pgbench_tps -c $clients -j $clients -T $secs -f "$here/query-geom.sql")
  log "N=$n: pgbench durable check-then-insert, $durable_clients clients, ${secs}s"
  tx=$(pgbench_tps -c $durable_clients -j 2 -T $secs --max-tries=100 -f "$here/file-geog.sql")
  tx_failed=$(grep -m1 'number of failed transactions' "$work/pgbench-last.log" | sed 's/.*: //' || true)
  tx_retried=$(grep -m1 'number of transactions retried' "$work/pgbench-last.log" | sed 's/.*: //' || true)
  printf 'n=%s\npg_geog1=%s\npg_geog=%s\npg_geom=%s\npg_tx=%s\npg_load_s=%s\npg_size=%s\npg_tx_failed=%s\npg_tx_retried=%s\n' \
    "$n" "$geog1" "$geog" "$geom" "$tx" "$load_s" "$size" "$tx_failed" "$tx_retried" > "$work/postgis.env"
  log "N=$n: PostGIS geography $geog q/s, geometry $geom q/s, durable $tx tx/s ($durable_clients clients)"

  log "N=$n: Hotline in-process and over HTTP"
  dotnet "$bench_dll" postgis-compare "$n" "$work" "$answers" "$secs" "$filings" "$durable_clients" >&2
  # The pairs the two sides disagree on (if any), with PostGIS's own sphere distance between the two shapes.
  if [ -s "$work/disagree-$n.csv" ]; then
    printf '%s\n' "CREATE TEMP TABLE d (side text, probe bigint, stored bigint);" \
      "\\copy d FROM '$work/disagree-$n.csv' CSV" \
      "\\copy (SELECT d.side, d.probe, d.stored, round(ST_Distance(p.fp, v.fp, false)::numeric, 6), ST_AsText(p.fp::geometry, 15), ST_AsText(v.fp::geometry, 15) FROM d JOIN probe_geog p ON p.id = d.probe JOIN vol_geog v ON v.id = d.stored ORDER BY 1, 2, 3) TO '$work/disagree-dist-$n.csv' CSV" \
      > "$work/disagree.sql"
    psql -qX -f "$work/disagree.sql" && python3 "$here/referee.py" < "$work/disagree-dist-$n.csv" > "$work/disagree-ref-$n.csv" || true
  fi
  # Agreement: identical, or every differing pair is one Hotline reports and PostGIS puts within 1 cm (Hotline's
  # documented tolerance: a reported conflict is real to within 1 cm).
  verdict=yes
  if [ -s "$work/disagree-$n.csv" ]; then
    # Hotline is held to its contract against the referee: no overlap missed, nothing reported beyond 1 cm of touching.
    # Pairs only PostGIS reports although the referee puts them more than 1 cm apart are PostGIS's error; counted apart.
    verdict=$(awk -F, '($1 == "postgis-only" && $5 == 0) || ($1 == "hotline-only" && $5 > 0.01) {bad++}
      $1 == "postgis-only" && $5 > 0.01 {pg++}
      END {if (bad) print "no:"; else if (pg) printf "no, PostGIS alone errs (%d pairs it reports the referee puts > 1 cm apart; Hotline within contract):\n", pg; else print "yes, except pairs within 1 cm of touching:"}' \
      "$work/disagree-ref-$n.csv" 2>/dev/null || echo "no:")
  fi
  sed "s/@AGREE@/$verdict/" "$work/rows-$n.md" >> "$rows"
  { cat "$work/notes-$n.md"
    if [ -s "$work/disagree-ref-$n.csv" ]; then
      echo; echo "Pairs on which Hotline (run on PostGIS's own polygons) and PostGIS \`geography\` disagree at N=$n: side, probe id, stored id,"
      echo "PostGIS sphere distance (m), referee's great-circle gap (m; \`referee.py\`: exact overlap test in a gnomonic projection):"
      echo '```'; head -50 "$work/disagree-ref-$n.csv"; echo '```'
    fi
    echo; } >> "$notes"
done

# 4. The table and RESULTS.md.
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(free -g | awk '/Mem:/{print $2" GiB"}')
elapsed=$(( $(date +%s) - started ))
{
  echo "## Run of $(date -u '+%Y-%m-%d %H:%M UTC'): \`bench/compare-postgis/compare-postgis.sh $*\` (${elapsed} s)"
  echo
  echo "Machine: $cpu, $(nproc) cores, $mem; $(. /etc/os-release; echo "$PRETTY_NAME"); PostgreSQL $(psql -qAtX -c 'show server_version'),"
  echo "$(cat "$work/postgis-version"); .NET $(dotnet --version). Shared with other work: only ratios from one run compare."
  echo "Speed runs: ${secs} s each (pgbench -T, and as long or longer for Hotline), $probes distinct probes; answers on the first $answers probes."
  echo
  echo "| N | workload | PostGIS q/s | Hotline q/s | ratio | answers agree |"
  echo "|---:|---|---:|---:|---:|---|"
  cat "$rows"
  echo
  cat "$notes"
} > "$work/run.md"
cat "$work/run.md"
mode=full; [ $quick = 1 ] && mode=quick
results="$here/RESULTS.md"
# Keep the latest run of each mode: quick and full sections.
python3 - "$results" "$mode" "$work/run.md" <<'PY'
import sys, re, os
path, mode, run = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
text = open(path).read() if os.path.exists(path) else ""
start, end = f"<!-- {mode}:start -->", f"<!-- {mode}:end -->"
block = f"{start}\n{run}\n{end}"
if start in text:
    text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda m: block, text, flags=re.S)
else:
    text = text.rstrip() + ("\n\n" if text else "") + block + "\n"
open(path, "w").write(text)
PY
log "wrote $results ($mode section)"
