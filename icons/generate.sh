#!/bin/sh
# Regenerates the app icons from beatbook.svg. Needs rsvg-convert (librsvg2-bin) and ImageMagick.
set -eu
cd "$(dirname "$0")"
png() { rsvg-convert --width "$1" --height "$1" beatbook.svg --output "$2"; }
png 32 32x32.png
png 128 128x128.png
png 256 128x128@2x.png
png 512 icon.png
tmp=$(mktemp -d)
for size in 16 24 32 48 64 128 256; do png "$size" "$tmp/$size.png"; done
convert "$tmp"/16.png "$tmp"/24.png "$tmp"/32.png "$tmp"/48.png "$tmp"/64.png "$tmp"/128.png "$tmp"/256.png icon.ico
rm -r "$tmp"
# Tauri's generate_context! panics on a non-RGBA PNG: fail here instead.
for f in 32x32.png 128x128.png 128x128@2x.png icon.png; do
  file "$f" | grep -q 'RGBA' || { echo "$f is not RGBA" >&2; exit 1; }
done
