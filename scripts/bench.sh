#!/usr/bin/env bash
# `just bench`: every benchmark in one go (release builds; ~25 min on 2 cores), their rows
# gathered into one table (benchmark, database, rate, p50, p99, errors, resident memory) that is
# printed and written into README.md between the `bench-table` markers.
#   bench-api       GET /api/time-entries, miss and hit paths, SQLite and PostgreSQL
#   bench-webhooks  GitHub deliveries with a careful tenth, `/tt status`, pgbench on PostgreSQL
#   bench-worker    the token sweep (SQLite)
#   bench-sync      calendar import, 100 members × 2,000 events (SQLite)
set -euo pipefail
cd "$(dirname "$0")/.."

rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
export BENCH_TABLE_FILE="$rows"

bash benches/api.sh
cargo build --release -q -p stint-cli
cargo run --release -q --example bench-webhooks
cargo run --release -q --example bench-worker
cargo run --release -q --example bench-sync -- 2000

python3 - "$rows" README.md <<'PY'
import datetime, subprocess, sys
rows_file, readme = sys.argv[1:3]
rows = [line.rstrip("\n") for line in open(rows_file) if line.startswith("|")]
cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                     capture_output=True, text=True).stdout.strip()
table = "\n".join([
    f"`just bench` on {datetime.date.today()}, {cpu or 'this machine'}, "
    f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores "
    "(load generators and PostgreSQL on the same cores; expect ±15% between runs on this machine):",
    "",
    "| benchmark | database | rate | p50 | p99 | errors | RSS |",
    "|---|---|---|---|---|---|---|",
    *rows,
])
print(table)
text = open(readme).read()
start, end = "<!-- bench-table -->", "<!-- /bench-table -->"
if start in text and end in text:
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    open(readme, "w").write(f"{head}{start}\n{table}\n{end}{tail}")
    print(f"\nwritten into {readme}")
else:
    print(f"\n{readme} has no {start} … {end} markers; table not written", file=sys.stderr)
PY
