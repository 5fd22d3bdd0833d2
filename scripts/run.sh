#!/usr/bin/env bash
# Run Beatbook: HQ on its embedded SQLite store with demo data, a headless demo device synced with
# it, and the tablet app (the UI shell for now). Ctrl-C stops HQ too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh

DATA="${BEATBOOK_DEMO_DIR:-$PWD/.beatbook-demo}"
export BEATBOOK_PIN="${BEATBOOK_PIN:-246810}"

(cd ui && npm run build --silent)
cargo build --locked --bin beatbook
cargo build --locked -p beatbook-app

B=target/debug/beatbook
HQ_DB="sqlite:$DATA/hq.db"
HQ_URL="http://127.0.0.1:${BEATBOOK_HQ_PORT:-8080}"
export BEATBOOK_PASSWORD="${BEATBOOK_PASSWORD:-demo-password-2026}"
mkdir -p "$DATA"
if [ ! -f "$DATA/hq.db" ]; then
  echo "run: creating HQ's demo database in $DATA/hq.db (every demo officer's password: $BEATBOOK_PASSWORD)"
  $B hq --db "$HQ_DB" admin seed-demo --password "$BEATBOOK_PASSWORD"
fi
$B hq --db "$HQ_DB" serve --listen "${HQ_URL#http://}" > "$DATA/hq.log" 2>&1 &
HQ_PID=$!
trap 'kill $HQ_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "$HQ_URL/api/v1/health" >/dev/null 2>&1 && break; sleep 0.1; done
echo "run: HQ is at $HQ_URL (log: $DATA/hq.log)"

if [ ! -f "$DATA/device/beatbook.db" ]; then
  echo "run: creating a demo device in $DATA/device (PIN $BEATBOOK_PIN) with 100 demo concerns"
  $B device --data "$DATA/device" init
  $B device --data "$DATA/device" enrol --hq "$HQ_URL" --code "$($B hq --db "$HQ_DB" admin enrolment-code)" --name "demo device"
  $B device --data "$DATA/device" login --collar PC4127
  $B device --data "$DATA/device" import tests/fixtures/concerns.ndjson
fi
$B device --data "$DATA/device" sync
$B device --data "$DATA/device" status

if [ -z "${DISPLAY:-}" ]; then
  cat <<MSG

No display: the tablet app needs one. Either run this from a desktop session, or start a virtual
display and look at it over VNC or with a screenshot:
    Xvfb :99 -screen 0 1280x800x24 & export DISPLAY=:99 && bash scripts/run.sh
The headless device works without a display:
    BEATBOOK_PIN=$BEATBOOK_PIN target/debug/beatbook device --data $DATA/device list
MSG
  echo "HQ keeps running until you press Ctrl-C."
  wait $HQ_PID
  exit 0
fi
BEATBOOK_DATA_DIR="$DATA/app" target/debug/beatbook-app
