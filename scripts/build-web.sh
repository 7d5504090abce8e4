#!/usr/bin/env bash
# Builds the web app into frontend/dist: the Leptos app to WASM (release, size-optimised), then
# wasm-bindgen, then wasm-opt -Oz (npm's binaryen; Debian's wasm-opt 108 breaks the output), then
# hashed file names so the assets can be cached for good. Installs what is missing, once.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stint/target}"
tools="${STINT_TOOLS_DIR:-$HOME/.cache/stint/tools}"

bindgen_version=$(grep -A1 '^name = "wasm-bindgen"$' frontend/Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  echo "installing wasm-bindgen-cli $bindgen_version (once; several minutes)"
  # Not --locked: its lock file pins a crate version the registry no longer has.
  cargo install -q wasm-bindgen-cli --version "$bindgen_version"
fi
wasm_opt="$tools/node_modules/.bin/wasm-opt"
if [ ! -x "$wasm_opt" ]; then
  mkdir -p "$tools"
  (cd "$tools" && npm install --silent --no-audit --no-fund binaryen@132 >/dev/null)
fi

(cd frontend && cargo build -q --release --target wasm32-unknown-unknown --locked)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$stage" --out-name app \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/stint-web.wasm"
"$wasm_opt" -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$stage/app_bg.wasm" -o "$stage/app.wasm"
cp frontend/style.css "$stage/style.css"

hash=$(cat "$stage/app.wasm" "$stage/app.js" "$stage/style.css" | sha256sum | cut -c1-16)
out=frontend/dist.new
rm -rf "$out" && mkdir -p "$out/assets"
sed "s/app_bg\.wasm/app-$hash.wasm/g" "$stage/app.js" > "$out/assets/app-$hash.js"
cp "$stage/app.wasm" "$out/assets/app-$hash.wasm"
cp "$stage/style.css" "$out/assets/style-$hash.css"
printf 'import init from "./app-%s.js";\ninit();\n' "$hash" > "$out/assets/boot-$hash.js"
sed "s/{hash}/$hash/g" frontend/index.html > "$out/index.html"
rm -rf frontend/dist && mv "$out" frontend/dist

raw=$(stat -c %s "frontend/dist/assets/app-$hash.wasm")
gz=$(gzip -9 -c "frontend/dist/assets/app-$hash.wasm" | wc -c)
echo "web app built: frontend/dist (wasm $((raw / 1024)) KB, $((gz / 1024)) KB gzipped; budget 350 KB gzipped)"
if [ "$gz" -gt $((350 * 1024)) ]; then
  echo "the web app's wasm is over its 350 KB gzipped budget" >&2
  exit 1
fi
