#!/usr/bin/env bash
# Property-test HQ's whole API from its own OpenAPI document (`/api/v1/openapi.json`) with
# schemathesis, as each role: a signed-in device, and every staff role on the dashboard. Checks:
# no 5xx, only the status codes and content types the document lists, answers that match their
# schemas, valid requests not refused, invalid (out-of-range, wrong type) ones refused. What changes
# state against real sessions and devices (sign-outs, revoke) runs on throwaway HQs of its own.
#
# Schemathesis is installed into a virtualenv under target/ (pinned; PyPI). The driver is
# tests/api/props.py; its header says what each run covers. API_PROPS_EXAMPLES (default 6) sets
# the examples per operation; API_PROPS_ONLY=device,admin runs only those roles.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
target="${CARGO_TARGET_DIR:-$PWD/target}"
venv="$target/api-props/venv"
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

if [ -z "${BEATBOOK_BIN:-}" ]; then
  cargo build --locked --bin beatbook
  BEATBOOK_BIN="$target/debug/beatbook"
fi
exec "$venv/bin/python" tests/api/props.py --bin "$BEATBOOK_BIN" --st "$venv/bin/st"
