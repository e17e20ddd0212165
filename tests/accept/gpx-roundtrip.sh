#!/usr/bin/env bash
# Acceptance: mly-gpxjoin and mly-gpx write well-formed GPX 1.1 (xmllint
# --noout, the GPX 1.1 namespace, elements in the schema's order), and
# gpsbabel reads back every point of the inputs with the same coordinates and
# times, checked against an independent parse of the inputs (xml.etree).
# mly-gpxjoin joins every file of the fixtures' gpx/ folder
# (${MLY_FIXTURES:-ROOT/../shared/fixtures}; that case is skipped when it is
# absent); mly-gpx writes generated records. Also checks that joining eight
# large files needs about the memory of one. The checks are in
# gpx_roundtrip.py; the last line is "N passed, N failed[, N skipped]".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FIX=${MLY_FIXTURES:-$ROOT/../shared/fixtures}
WORK=$ROOT/tests/tmp/accept-gpx-roundtrip
for tool in python3 xmllint gpsbabel; do
  if ! command -v "$tool" >/dev/null; then
    echo "skip - $tool is not installed"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
  fi
done
for t in mly-gpxjoin mly-gpx; do
  if [ ! -x "$ROOT/bin/$t" ]; then
    echo "FAIL - $ROOT/bin/$t is missing (run make)"
    echo "0 passed, 1 failed"
    exit 1
  fi
done
rm -rf "$WORK" && mkdir -p "$WORK" || exit 2
exec python3 "$ROOT/tests/accept/gpx_roundtrip.py" "$ROOT" "$FIX" "$WORK"
