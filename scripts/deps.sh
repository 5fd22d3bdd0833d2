#!/usr/bin/env bash
# Install what Beatbook needs to build, test and run, when it is missing. Safe to run repeatedly.
# Run as root on Debian 12 (apt); Rust (cargo) and Node.js 20.19+ must already be installed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential pkg-config perl make libssl-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth webkit2gtk-driver sqlite3 curl
  # End-to-end tests: Debian's Chromium runs the web build under Playwright (no browser download).
  chromium
  # The API's property tests (scripts/api-props.sh): schemathesis in a virtualenv, from PyPI.
  python3-venv
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: these Debian packages are missing; run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "deps: Rust is missing: install it with rustup (stable 1.85 or newer)" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || {
  echo "deps: Node.js 20.19+ and npm are missing: install them (Debian 12's nodejs is too old)" >&2; exit 1; }

# tauri-driver: the WebDriver server that drives the real app (tests/app_e2e.rs).
if ! command -v tauri-driver >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
  echo "deps: cargo install tauri-driver"
  cargo install tauri-driver --locked --quiet
fi

# npm packages: reinstall when the lock file changed since the last install.
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "deps: npm ci (ui)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
