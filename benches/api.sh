#!/usr/bin/env bash
# Load test of the hottest read: GET /api/time-entries?limit=50 with an API token, against a
# release build seeded with 10,000 entries; wrk at 32 connections for 15 s; SQLite, then
# PostgreSQL. Prints req/s, p50, p99, errors and the server's resident memory.
#
#   just bench-api                       # both databases
#   BENCH_DATABASES=sqlite just bench-api
#   BENCH_DURATION=30s BENCH_ENTRIES=50000 just bench-api
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${BENCH_DURATION:-15s}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
ENTRIES="${BENCH_ENTRIES:-10000}"
DATABASES="${BENCH_DATABASES:-sqlite postgres}"
PG_URL="${STINT_PG_URL:-postgres://postgres@127.0.0.1:5432}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p stint-cli
STINT="$TARGET_DIR/release/stint"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

results=()
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

  token=$(python3 - "$port" "$ENTRIES" <<'PY'
import http.client, json, sys, threading
port, total = int(sys.argv[1]), int(sys.argv[2])
def call(conn, method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token: headers["authorization"] = "Bearer " + token
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = conn.getresponse(); data = response.read()
    if response.status >= 300: raise SystemExit(f"{method} {path}: {response.status} {data[:200]}")
    return json.loads(data) if data else None
conn = http.client.HTTPConnection("127.0.0.1", port)
session = call(conn, "POST", "/api/auth/login", {"email": "bench@example.com", "password": "bench-password"})["access_token"]
project = call(conn, "POST", "/api/projects", {"name": "Bench"}, session)["id"]
token = call(conn, "POST", "/api/tokens", {"name": "bench", "scopes": ["read", "write"]}, session)["token"]
def seed(worker, count):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for i in range(count):
        n = worker * count + i
        day, minute = divmod(n, 1440)
        start = f"2025-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T{minute // 60:02d}:{minute % 60:02d}:00Z"
        call(c, "POST", "/api/time-entries", {"started_at": start, "ended_at": start, "project_id": project if n % 2 else None, "notes": f"entry {n}"}, token)
threads = [threading.Thread(target=seed, args=(w, total // 4)) for w in range(4)]
[t.start() for t in threads]; [t.join() for t in threads]
print(token)
PY
)
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/api/time-entries?limit=50" >"$work/wrk.txt"
  rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$server/status")
  peak_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$server/status")
  kill "$server"; wait "$server" 2>/dev/null || true
  trap - EXIT

  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
  p75=$(awk '$1 == "75%" {print $2}' "$work/wrk.txt")
  p90=$(awk '$1 == "90%" {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt"); non2xx=${non2xx:-0}
  socket=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' "$work/wrk.txt"); socket=${socket:-0}
  echo "== $database: $ENTRIES entries, $CONNECTIONS connections, $DURATION =="
  cat "$work/wrk.txt"
  results+=("$(printf '| %-10s | %8s | %7s | %7s | %7s | %7s | %6s | %5s MB | %5s MB |' \
    "$database" "$rps" "$p50" "$p75" "$p90" "$p99" "$((non2xx + socket))" "$((rss_kb / 1024))" "$((peak_kb / 1024))")")
  rm -rf "$work"
done

echo
echo "| database   |    req/s |     p50 |     p75 |     p90 |     p99 | errors |    RSS   | peak RSS |"
echo "|------------|----------|---------|---------|---------|---------|--------|----------|----------|"
printf '%s\n' "${results[@]}"
