# Stint tasks. `just run` serves Stint on the embedded SQLite database; `just test` runs the tests.

set shell := ["bash", "-euo", "pipefail", "-c"]

pg_url := env_var_or_default("STINT_PG_URL", "postgres://postgres@127.0.0.1:5432")

# Build the web app and the server, migrate the embedded SQLite database, create the first admin (its password is printed once) and serve on 127.0.0.1:8080
run: web
    cargo run --release -p stint-cli -- serve

# Every test: unit tests, the end-to-end suite on SQLite, and the web app in headless Chromium
test: web browser
    cargo test --workspace
    cargo test --manifest-path frontend/Cargo.toml
    @cat "${CARGO_TARGET_DIR:-target}/tmp/screenshots/web-timing.txt" 2>/dev/null || true

# The same suite on PostgreSQL (database `test`, one fresh schema per test)
test-pg: web browser
    psql "{{pg_url}}/test" -Atqc "SELECT 'DROP SCHEMA ' || schema_name || ' CASCADE;' FROM information_schema.schemata WHERE schema_name ~ '^t_[0-9a-f]{32}$'" | psql "{{pg_url}}/test" -q
    STINT_TEST_DATABASE_URL="{{pg_url}}/test" cargo test --workspace

# Regenerate openapi/openapi.json from the code
openapi:
    cargo run -q -p stint-cli -- openapi > openapi/openapi.json

# Every benchmark below, in one table written into README.md (~25 min)
bench:
    bash scripts/bench.sh

# Load test GET /api/time-entries on SQLite and PostgreSQL (release build, wrk)
bench-api:
    bash benches/api.sh

# 10,000 signed GitHub deliveries (a tenth edits and re-deliveries, checked), then 10,000 `/tt status` commands (replies checked), on SQLite and PostgreSQL with pgbench for scale (release build)
bench-webhooks:
    cargo build --release -q -p stint-cli
    cargo run --release -q --example bench-webhooks

# The worker: a token sweep over 1,000 connections to a 50 ms provider at concurrency 16, and one summary tick over 100,000 users
bench-worker:
    cargo run --release -q --example bench-worker

# Calendar import: 100 members × 200 events from a fake Google (pages of 50), then 1% changed; again at 10× the events
bench-sync:
    cargo run --release -q --example bench-sync -- 200
    cargo run --release -q --example bench-sync -- 2000

# AES-GCM on a 2 KB token and get_valid_token's fresh path through SQLite (criterion, ns/op)
bench-crypto:
    cargo bench --bench crypto

# schemathesis (PyPI) against the served OpenAPI document, as an admin and as a member (FUZZ_SECONDS each, default 60)
fuzz-api:
    bash scripts/fuzz-api.sh

# The web app (Leptos → WASM, size-optimised) into frontend/dist; installs its tools once when missing
web:
    bash scripts/build-web.sh

# Debian's Chromium and ChromeDriver for the browser tests, installed once when missing
browser:
    command -v chromedriver >/dev/null && command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null)

fmt:
    cargo fmt --all
    cargo fmt --all --manifest-path frontend/Cargo.toml

lint:
    cargo fmt --all -- --check
    cargo fmt --all --manifest-path frontend/Cargo.toml -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cd frontend && cargo clippy --target wasm32-unknown-unknown --release -- -D warnings
