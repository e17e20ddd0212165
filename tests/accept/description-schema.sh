#!/usr/bin/env bash
# Acceptance: the description file mly-tag writes (D.json) validates against
# the schema of mapillary_tools' description file (shared/reference/
# mapillary-api.md 5.8), checked by description_schema.py; so does the EXIF
# ImageDescription --write puts into each photo. On generated photos, and on
# the geotagged camera photos of the fixtures when they are there
# (${MLY_FIXTURES:-ROOT/../shared/fixtures}), where the Sony photo of
# behaviour.md 1.8 must give mapillary_tools' values. Last line:
# "N passed, N failed[, N skipped]".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FIX=${MLY_FIXTURES:-$ROOT/../shared/fixtures}
WORK=$ROOT/tests/tmp/accept-description-schema
VALIDATE="python3 $ROOT/tests/accept/description_schema.py"
export PATH=$ROOT/bin:$PATH TZ=UTC LC_ALL=C
passed=0 failed=0 skipped=0

check() {  # check NAME COMMAND...: passes when COMMAND succeeds; shows its output when not
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then
    passed=$((passed + 1))
    echo "ok - $name"
  else
    failed=$((failed + 1))
    echo "FAIL - $name"
    printf '%s\n' "$out" | head -n 20 | sed 's/^/    /'
  fi
}

for tool in python3 jq exiftool; do
  if ! command -v "$tool" >/dev/null; then
    echo "skip - $tool is not installed"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
  fi
done
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 2

# Generated photos: three sequences, every field, edge values.
"$ROOT/build/helpers/mkphotos" p 12 --kb 8 --start '2024:07:28 12:00:00' --step 2 --offset +02:00 --make 'Ünicam' --model 'X 1' >/dev/null
mly-scan -q p | jq -c '
  (input_line_number - 1) as $k
  | .lat = -33.123456789 + $k * 1e-5 | .lon = 179.9999999 - $k * 1e-6 | .alt = -5.4321 + $k * 100
  | .heading = ($k * 37.77 - 0.0004) | .sequence_id = "seq_\($k % 3)"' > recs.jsonl
check "mly-tag --write --desc tags 12 generated photos" mly-tag --write --desc D.json --rejected rej.jsonl -q < recs.jsonl
check "D.json validates against the description file schema" $VALIDATE D.json
check "D.json has one entry per photo" test "$(jq length D.json)" = 12
check "D.json keeps the sequences" test "$(jq -r '[.[].MAPSequenceUUID] | unique | join(",")' D.json)" = seq_0,seq_1,seq_2
check "D.json filenames are absolute and exist" \
  jq -e --arg pwd "$PWD" 'all(.[]; .filename | startswith($pwd + "/p/IMG_"))' D.json
check "D.json filesizes are those of the written photos" \
  bash -c 'for i in $(seq 0 11); do f=$(jq -r ".[$i].filename" D.json); test "$(jq ".[$i].filesize" D.json)" = "$(stat -c %s "$f")" || exit 1; done'
bad=0
for f in p/*.JPG; do
  exiftool -s3 -ImageDescription "$f" > "$f.json" && $VALIDATE --exif "$f.json" >/dev/null || bad=$((bad + 1))
done
check "each photo's EXIF ImageDescription validates (no MAPSequenceUUID)" test "$bad" = 0
check "the EXIF description is the D.json entry less the file keys" bash -c \
  'diff <(jq -c ".[0] | del(.filename, .filesize, .filetype, .md5sum, .MAPSequenceUUID)" D.json) <(jq -c . p/IMG_00001.JPG.json)'

# The fixtures' camera photos: every one that has a position and a time.
if [ -d "$FIX/images" ]; then
  mly-scan -q "$FIX/images" 2>/dev/null | mly-tag -q --desc F.json > tagged.jsonl 2>/dev/null
  check "fixtures: the geotagged photos are described" test "$(jq length F.json)" -ge 5
  check "fixtures: F.json validates against the description file schema" $VALIDATE F.json
  # behaviour.md 1.8: mapillary_tools gives lat 45.5169031, lon -122.572765,
  # heading 270.89, altitude 70.3 (its time is the GPS stamp, :11; ours is
  # the camera's clock, :10, as mly-scan(1) says).
  check "fixtures: mt_DSC00001.JPG has mapillary_tools' values" test \
    "$(jq -c '.[] | select(.MAPFilename == "mt_DSC00001.JPG") | [.MAPLatitude, .MAPLongitude, .MAPCompassHeading.TrueHeading, .MAPAltitude, .MAPCaptureTime]' F.json)" \
    = '[45.5169031,-122.572765,270.89,70.3,"2018_06_08_20_24_10_000"]'
else
  echo "skip - fixtures: $FIX/images is absent"
  skipped=$((skipped + 1))
fi

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
