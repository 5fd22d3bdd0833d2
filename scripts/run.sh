#!/usr/bin/env bash
# Run Beatbook: the tablet app on a demo device store (created on first run with demo data).
# HQ joins this command with the sync issue.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh

DATA="${BEATBOOK_DEMO_DIR:-$PWD/.beatbook-demo}"
export BEATBOOK_PIN="${BEATBOOK_PIN:-246810}"

(cd ui && npm run build --silent)
cargo build --locked --bin beatbook
cargo build --locked -p beatbook-app

if [ ! -f "$DATA/device/beatbook.db" ]; then
  echo "run: creating a demo device in $DATA/device (PIN $BEATBOOK_PIN) with 100 demo concerns"
  target/debug/beatbook device --data "$DATA/device" init --officer PC4127
  target/debug/beatbook device --data "$DATA/device" import tests/fixtures/concerns.ndjson
fi
target/debug/beatbook device --data "$DATA/device" status

if [ -z "${DISPLAY:-}" ]; then
  cat <<MSG

No display: the tablet app needs one. Either run this from a desktop session, or start a virtual
display and look at it over VNC or with a screenshot:
    Xvfb :99 -screen 0 1280x800x24 & export DISPLAY=:99 && bash scripts/run.sh
The headless device works without a display:
    BEATBOOK_PIN=$BEATBOOK_PIN target/debug/beatbook device --data $DATA/device list
MSG
  exit 0
fi
BEATBOOK_DATA_DIR="$DATA/app" exec target/debug/beatbook-app
