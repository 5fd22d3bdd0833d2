#!/usr/bin/env bash
# Every test: formatting, lints, all Rust tests (the real app's end-to-end tests included), and the
# UI's type check, unit tests and browser end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh

# PostgreSQL backs the scaled HQ's tests; start the local cluster if it is down.
if command -v pg_ctlcluster >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
fi

step() { printf '\n== %s\n' "$*"; }
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

step "UI build (the app embeds ui/dist)"
(cd ui && npm run build --silent)
step "App build (tests/app_e2e.rs drives this binary; it builds nothing itself)"
cargo build -p beatbook-app --locked
step "cargo fmt"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo test"
cargo test --workspace --locked 2>&1 | tee "$logs/cargo"
step "UI type check"
(cd ui && npm run check --silent)
step "UI unit tests"
(cd ui && npm test --silent) 2>&1 | tee "$logs/ui"
step "UI end-to-end tests (the web build in Chromium, on the fake backend)"
(cd ui && npm run e2e --silent) 2>&1 | tee "$logs/e2e"
step "HQ dashboard end-to-end tests (Chromium against a real HQ and headless devices)"
(cd ui && node e2e/hq/run.mjs) 2>&1 | tee "$logs/hq-e2e"
step "API property tests (schemathesis from HQ's OpenAPI document, as a device and each staff role)"
bash scripts/api-props.sh 2>&1 | tee "$logs/api-props"

# One closing line for CI: every test counted, none failed (a failure stops the script above).
strip() { sed 's/\x1b\[[0-9;]*m//g' "$1"; }
rust=$(strip "$logs/cargo" | grep -oE 'test result: ok\. [0-9]+ passed' | awk '{s += $4} END {print s + 0}')
ui=$(strip "$logs/ui" | grep -oE 'Tests +[0-9]+ passed' | awk '{s += $2} END {print s + 0}')
e2e=$(strip "$logs/e2e" | grep -oE '^e2e: [0-9]+ passed' | awk '{s += $2} END {print s + 0}')
hq_e2e=$(strip "$logs/hq-e2e" | grep -oE '^(# |ℹ )pass [0-9]+' | awk '{s += $NF} END {print s + 0}')
api_props=$(strip "$logs/api-props" | grep -oE '^api-props: [0-9]+ passed' | awk '{s += $2} END {print s + 0}')
echo
echo "tests: $((rust + ui + e2e + hq_e2e + api_props)) passed, 0 failed"
