#!/usr/bin/env bash
# Load test of the hottest read, GET /api/time-entries, as many users would make it: a release
# build seeded with BENCH_USERS members (default 50), each with BENCH_ENTRIES_PER_USER entries
# (default 400) and an API token of their own; wrk at 32 connections, each request a random
# member. Two paths, on SQLite and then PostgreSQL:
#   miss  every request a different page (no two ask the same `to`): the page cache cannot help;
#   hit   each member's first page again and again: answered from the page cache.
#   mixed nine in ten requests read (half first pages, half other pages), one in ten records a
#         new entry for its member: reads and writes together, as people use it.
# The page cache's hit and miss counters are read from /metrics before and after each run, so
# the table shows which path was measured. Prints req/s, p50, p99, errors and resident memory.
#
#   just bench-api                       # both databases
#   BENCH_DATABASES=sqlite just bench-api
#   BENCH_DURATION=30s BENCH_USERS=200 just bench-api
#   BENCH_PERF=/tmp/prof just bench-api   # also a `perf` profile of the server during each run
#   BENCH_STINT_BIN=/tmp/stint-old just bench-api   # another build of the server (A/B)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${BENCH_DURATION:-15s}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
USERS="${BENCH_USERS:-50}"
PER_USER="${BENCH_ENTRIES_PER_USER:-400}"
DATABASES="${BENCH_DATABASES:-sqlite postgres}"
PATHS="${BENCH_PATHS:-miss hit mixed}"
PG_URL="${STINT_PG_URL:-postgres://postgres@127.0.0.1:5432}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
# Where `just bench` collects the rows of its table.
TABLE_FILE="${BENCH_TABLE_FILE:-}"
FIRST_ENTRY_EPOCH=1735689600 # 2025-01-01T00:00:00Z; entries are two hours apart

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# BENCH_STINT_BIN runs a binary built elsewhere (an A/B comparison against an older commit).
if [ -n "${BENCH_STINT_BIN:-}" ]; then
  STINT="$BENCH_STINT_BIN"
else
  cargo build --release -q -p stint-cli
  STINT="$TARGET_DIR/release/stint"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The page cache's counter for one outcome, from /metrics.
page_cache() {
  curl -fs "http://127.0.0.1:$1/metrics" |
    awk -v outcome="$2" '$1 == "stint_cache_lookups_total{cache=\"entry_pages\",outcome=\"" outcome "\"}" {print $2}' |
    { read -r n || true; echo "${n:-0}"; }
}

thousands() { echo "$1" | sed -E ':a;s/^([0-9]+)([0-9]{3})/\1,\2/;ta'; }
# User and system CPU time of a process so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

rows=()
for database in $DATABASES; do
  work=$(mktemp -d)
  port=$(free_port)
  case "$database" in
    sqlite) url="sqlite://$work/stint.db?mode=rwc" ;;
    postgres)
      psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS stint_bench WITH (FORCE)" -c "CREATE DATABASE stint_bench"
      # The database is on this host: TLS over loopback would only cost CPU.
      url="$PG_URL/stint_bench?sslmode=disable" ;;
    *) echo "unknown database $database" >&2; exit 2 ;;
  esac
  STINT_DATA_DIR="$work" STINT_DATABASE_URL="$url" STINT_LISTEN="127.0.0.1:$port" \
    STINT_ADMIN_EMAIL=bench@example.com STINT_ADMIN_PASSWORD=bench-password RUST_LOG=warn \
    "$STINT" serve >"$work/server.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

  echo "== $database: seeding $USERS members × $PER_USER entries =="
  python3 - "$port" "$USERS" "$PER_USER" "$FIRST_ENTRY_EPOCH" >"$work/tokens" <<'PY'
import datetime, http.client, json, sys, threading, time
port, users, per_user, first = (int(a) for a in sys.argv[1:5])
def call(conn, method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token: headers["authorization"] = "Bearer " + token
    while True:
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse(); data = response.read()
        # Signing in many members from one address meets the login limit: wait as told.
        if response.status == 429:
            time.sleep(float(response.getheader("retry-after") or 1)); continue
        if response.status >= 300: raise SystemExit(f"{method} {path}: {response.status} {data[:200]}")
        return json.loads(data) if data else None
conn = http.client.HTTPConnection("127.0.0.1", port)
admin = call(conn, "POST", "/api/auth/login", {"email": "bench@example.com", "password": "bench-password"})["access_token"]
project = call(conn, "POST", "/api/projects", {"name": "Bench"}, admin)["id"]
tokens = [None] * users
def seed(worker, workers):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for u in range(worker, users, workers):
        email = f"member{u}@example.com"
        call(c, "POST", "/api/admin/users", {"email": email, "password": "bench-password"}, admin)
        session = call(c, "POST", "/api/auth/login", {"email": email, "password": "bench-password"})["access_token"]
        token = call(c, "POST", "/api/tokens", {"name": "bench", "scopes": ["read", "write"]}, session)["token"]
        for i in range(per_user):
            start = datetime.datetime.fromtimestamp(first + i * 7200, datetime.timezone.utc)
            end = start + datetime.timedelta(minutes=45)
            call(c, "POST", "/api/time-entries", {"started_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "ended_at": end.strftime("%Y-%m-%dT%H:%M:%SZ"), "project_id": project if i % 2 else None,
                 "notes": f"entry {i} of member {u}"}, token)
        tokens[u] = token
threads = [threading.Thread(target=seed, args=(w, 4)) for w in range(4)]
[t.start() for t in threads]; [t.join() for t in threads]
print("\n".join(tokens))
PY

  for path in $PATHS; do
    hits_before=$(page_cache "$port" hit); misses_before=$(page_cache "$port" miss)
    cpu_before=$(cpu_ticks "$server")
    TOKENS_FILE="$work/tokens" PAGES="$path" FIRST_ENTRY_EPOCH="$FIRST_ENTRY_EPOCH" \
      SPAN_SECONDS=$(((PER_USER - 50) * 7200)) \
      wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s benches/api-pages.lua \
      "http://127.0.0.1:$port" >"$work/wrk-$path.txt" &
    load=$!
    if [ -n "${BENCH_PERF:-}" ]; then
      # cpu-clock: hardware counters are not available on every machine.
      perf record -q -e cpu-clock -g -p "$server" -o "$BENCH_PERF-$database-$path.data" -- sleep 10 >/dev/null 2>&1 || true
    fi
    wait "$load"
    cpu=$(($(cpu_ticks "$server") - cpu_before))
    hits=$(($(page_cache "$port" hit) - hits_before)); misses=$(($(page_cache "$port" miss) - misses_before))
    rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$server/status")

    rps=$(awk '/^Requests\/sec/ {printf "%d", $2}' "$work/wrk-$path.txt")
    p50=$(awk '$1 == "50%" {print $2}' "$work/wrk-$path.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk-$path.txt")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk-$path.txt"); non2xx=${non2xx:-0}
    socket=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' "$work/wrk-$path.txt"); socket=${socket:-0}
    echo "== $database, $path path: $USERS members, $CONNECTIONS connections, $DURATION =="
    cat "$work/wrk-$path.txt"
    echo "page cache: $hits hits, $misses misses"
    # CPU the server spent per request: steadier than req/s when wrk shares the cores.
    requests=$(awk '/requests in/ {print $1}' "$work/wrk-$path.txt")
    echo "server CPU: $(awk -v t="$cpu" -v n="$requests" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", t / hz * 1e6 / (n > 0 ? n : 1) }') µs per request"
    name=$([ "$database" = postgres ] && echo PostgreSQL || echo SQLite)
    # wrk prints 6.64ms; the table says 6.64 ms, and groups thousands.
    label="GET /api/time-entries, $path path"
    [ "$path" = mixed ] && label="GET /api/time-entries with 1 in 10 a POST, mixed path"
    rows+=("$(printf "| %s (page cache %s hits / %s misses) | %s | %s req/s | %s | %s | %s | %s MB |" \
      "$label" "$(thousands "$hits")" "$(thousands "$misses")" "$name" "$(thousands "$rps")" "${p50/ms/ ms}" "${p99/ms/ ms}" "$((non2xx + socket))" "$((rss_kb / 1024))")")
  done
  kill "$server"; wait "$server" 2>/dev/null || true
  trap - EXIT
  rm -rf "$work"
done

echo
echo "| benchmark | database | req/s | p50 | p99 | errors | RSS |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
[ -z "$TABLE_FILE" ] || printf '%s\n' "${rows[@]}" >>"$TABLE_FILE"
