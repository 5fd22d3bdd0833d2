#!/usr/bin/env bash
# Run Beatbook: HQ on its embedded SQLite store with demo data, a demo device enrolled and signed
# in to it (PC4127, with 100 demo concerns, synced), and the tablet app opened on that device: it
# starts at the PIN pad (PIN 246810). Ctrl-C stops HQ too.
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
HQ_URL="https://127.0.0.1:${BEATBOOK_HQ_PORT:-8080}"
export BEATBOOK_PASSWORD="${BEATBOOK_PASSWORD:-demo-password-2026}"
APP_DATA="$DATA/app"
DEVICE="$APP_DATA/store"
mkdir -p "$DATA"
# HQ serves HTTPS, as a force's would: a certificate authority of the demo's own, kept in the demo
# directory, and a certificate it signs for 127.0.0.1 and localhost. The demo device pins that
# authority when it enrols (the enrolment code carries its fingerprint).
TLS_DIR="$DATA/tls"
if [ ! -f "$TLS_DIR/ca.pem" ]; then
  if [ -f "$DEVICE/beatbook.db" ]; then
    echo "run: the demo device was enrolled with HQ over plain HTTP; setting it up again over HTTPS"
    rm -rf "$APP_DATA"
  fi
  echo "run: making the demo's certificate authority and HQ's certificate in $TLS_DIR"
  $B hq tls-certs --dir "$TLS_DIR" --name 127.0.0.1 --name localhost > "$DATA/tls-certs.txt"
fi
HQ_CONFIG="$DATA/hq.toml"
cat > "$HQ_CONFIG" <<TOML
[tls]
cert_file = "$TLS_DIR/hq-chain.pem"
key_file = "$TLS_DIR/hq-key.pem"
TOML
# HQ's database is encrypted under the key in hq.db.key (made with a new database); a demo
# database from before encryption is encrypted in place first.
if [ -f "$DATA/hq.db" ] && [ ! -f "$DATA/hq.db.key" ]; then
  echo "run: encrypting the demo's HQ database (made before HQ encrypted its store)"
  $B hq --db "$HQ_DB" admin encrypt-db
fi
if [ ! -f "$DATA/hq.db" ]; then
  echo "run: creating HQ's demo database in $DATA/hq.db (every demo officer's password: $BEATBOOK_PASSWORD)"
  $B hq --db "$HQ_DB" admin seed-demo --password "$BEATBOOK_PASSWORD"
fi
$B hq --config "$HQ_CONFIG" --db "$HQ_DB" serve --listen "${HQ_URL#https://}" > "$DATA/hq.log" 2>&1 &
HQ_PID=$!
trap 'kill $HQ_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs --cacert "$TLS_DIR/ca.pem" "$HQ_URL/api/v1/health" >/dev/null 2>&1 && break; sleep 0.1; done
echo "run: HQ is at $HQ_URL (log: $DATA/hq.log; its authority: $TLS_DIR/ca.pem)"

# The app keeps its encrypted store in $BEATBOOK_DATA_DIR/store: the demo device is made there with
# the headless device commands, so the app opens on it already enrolled and signed in.
if [ ! -f "$DEVICE/beatbook.db" ]; then
  echo "run: creating a demo device in $DEVICE (PIN $BEATBOOK_PIN) with 100 demo concerns"
  $B device --data "$DEVICE" init
  $B device --data "$DEVICE" enrol --hq "$HQ_URL" --code "$($B hq --config "$HQ_CONFIG" --db "$HQ_DB" admin enrolment-code)" --name "demo device"
  $B device --data "$DEVICE" login --collar PC4127
  $B device --data "$DEVICE" import tests/fixtures/concerns.ndjson
fi
$B device --data "$DEVICE" sync
$B device --data "$DEVICE" status

if [ -z "${DISPLAY:-}" ]; then
  cat <<MSG

No display: the tablet app needs one. Either run this from a desktop session, or start a virtual
display and look at it over VNC or with a screenshot:
    Xvfb :99 -screen 0 1280x800x24 & export DISPLAY=:99 && bash scripts/run.sh
The headless device works without a display:
    BEATBOOK_PIN=$BEATBOOK_PIN target/debug/beatbook device --data $DEVICE list
MSG
  echo "HQ keeps running until you press Ctrl-C."
  wait $HQ_PID
  exit 0
fi
echo "run: starting the tablet app on the demo device: unlock it with PIN $BEATBOOK_PIN"
BEATBOOK_DATA_DIR="$APP_DATA" target/debug/beatbook-app
