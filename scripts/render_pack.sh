#!/usr/bin/env bash
# Render an evidence pack to PNGs for a person (or a reviewer) to look at:
#   report.html -> <out>/html-screenshot.png (headless Chromium, first 4000 px)
#                  and <out>/html-page-N.png (Chromium's print to PDF, every page)
#   report.pdf  -> <out>/pdf-page-N.png (pdftoppm)
# Usage: scripts/render_pack.sh PACK_DIR [OUT_DIR]   (OUT_DIR defaults to PACK_DIR/rendered)
# Installs Debian's chromium and poppler-utils when missing (needs root and apt).
# Chromium runs offline-minded: no background networking, no sync, no component updates, a
# throwaway profile; report.html's own Content-Security-Policy forbids every remote load.
set -euo pipefail

pack=${1:?usage: render_pack.sh PACK_DIR [OUT_DIR]}
out=${2:-$pack/rendered}
dpi=${RENDER_DPI:-70}

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} (Debian packages)" >&2
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

mkdir -p "$out"
html=$(realpath "$pack/report.html")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
       --disable-component-update --disable-sync --no-first-run --disable-quic
       --disable-extensions --disable-default-apps --user-data-dir="$profile")

/usr/bin/chromium "${flags[@]}" --window-size=1280,4000 \
    --screenshot="$(realpath "$out")/html-screenshot.png" "file://$html" 2>/dev/null
/usr/bin/chromium "${flags[@]}" --no-pdf-header-footer \
    --print-to-pdf="$(realpath "$out")/html-print.pdf" "file://$html" 2>/dev/null
pdftoppm -png -r "$dpi" "$out/html-print.pdf" "$out/html-page"
pdftoppm -png -r "$dpi" "$pack/report.pdf" "$out/pdf-page"
ls -1 "$out"
