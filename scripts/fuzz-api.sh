#!/usr/bin/env bash
# `just fuzz-api`: schemathesis (PyPI) against the served OpenAPI document, every check on,
# first with an admin's token and then with a member's, each bounded in time. Stint runs on a
# fresh SQLite database in a temporary directory, with its background tasks, on a free port.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_ROLE="${FUZZ_SECONDS:-60}"
command -v st >/dev/null || pip install --quiet "schemathesis>=4.3,<5"

cargo build -q -p stint-cli
bin="${CARGO_TARGET_DIR:-target}/debug/stint"
dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
admin_password="fuzz admin password"

STINT_DATA_DIR="$dir" STINT_LISTEN="127.0.0.1:$port" STINT_ADMIN_EMAIL="admin@example.com" \
  STINT_ADMIN_PASSWORD="$admin_password" RUST_LOG=warn "$bin" serve >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

# An API token each: a session would end when the run changes that user's password.
api_token() {
  local session
  session="$(curl -sf "$base/api/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$2\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
  curl -sf "$base/api/tokens" -H "authorization: Bearer $session" -H 'content-type: application/json' \
    -d "{\"name\":\"fuzz\",\"scopes\":$3}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
admin="$(api_token admin@example.com "$admin_password" '["read","write","admin"]')"
curl -sf "$base/api/admin/users" -H "authorization: Bearer $admin" -H 'content-type: application/json' \
  -d '{"email":"member@example.com","password":"fuzz member password"}' >/dev/null
member="$(api_token member@example.com "fuzz member password" '["read","write"]')"
# Something to read, change and link to: a client, its project, and a task of the member's.
post() {
  curl -sf "$base$1" -H "authorization: Bearer $admin" -H 'content-type: application/json' -d "$2" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
client="$(post /api/clients '{"name":"Fuzz client"}')"
project="$(post /api/projects "{\"name\":\"Fuzz project\",\"client_id\":\"$client\"}")"
member_id="$(curl -sf "$base/api/me" -H "authorization: Bearer $member" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
post /api/tasks "{\"project_id\":\"$project\",\"title\":\"Fuzz task\",\"assignee_id\":\"$member_id\"}" >/dev/null

status=0
for role in admin member; do
  token="$admin"; [ "$role" = member ] && token="$member"
  echo "== schemathesis as $role (${SECONDS_PER_ROLE}s) =="
  # Signing out would end the token the run uses; it is covered by the end-to-end tests.
  # schemathesis.toml (read from this directory) says which rules a schema cannot state. Every
  # check is on by default; `--checks all` is not passed because, given on the command line, it
  # would turn back on the checks that file turns off for single operations.
  st run "$base/api/openapi.json" --max-time "$SECONDS_PER_ROLE" --workers 1 \
    -H "Authorization: Bearer $token" --exclude-path /api/auth/logout --exclude-path /api/auth/session \
    --exclude-path-regex '/sign-out$' | tee "$dir/st-$role.txt" || status=1
  # A warning fails the run as a failure does.
  if grep -qE '[0-9]+ warnings? in ' "$dir/st-$role.txt"; then status=1; fi
done
[ "$status" = 0 ] && echo "fuzz-api: no failures and no warnings, as an admin and as a member"
exit $status
