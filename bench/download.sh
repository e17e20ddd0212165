#!/usr/bin/env bash
# bench/download.sh: downloading a sequence from the local Mapillary server
# (tests/fakeapi) with 20 ms of latency on every request, mly against curl,
# against the seed's algorithm, and mly's memory at two sequence lengths.
#
#   curl:  mly-seqdl -j 8 SEQ (1,000 images at their original size, about
#          300 MB: the image list, the metadata 50 ids a request, the
#          downloads, EXIF and XMP written, files made durable)
#          vs  xargs -P 8 curl fetching the same 1,000 image URLs (listed
#              beforehand, not timed), 25 URLs per curl process so each
#              reuses its connection, then sync; goal: mly at least 0.8x
#              curl's throughput, metadata included.
#   seed:  the same mly-seqdl run vs the seed's algorithm: per image, one
#          metadata request, one download, then a 0.5 s pause, strictly one
#          after another. Simulated with curl and sleep on a sample of 20
#          images and extrapolated to the sequence; goal: mly at least 50x
#          faster. (The seed also decoded and re-encoded every image with
#          PIL, not counted here: the simulation flatters it.)
#   rss:   peak resident memory (/usr/bin/time -f %M) of mly-batchdl on a
#          2,000-image sequence vs a 200-image one (--size 1024, no
#          latency); goal: at most 1.25x, memory independent of length.
#
# BENCH_SCALE multiplies the image counts (the goals are set for scale 1);
# each timed command runs BENCH_RUNS times (default 3) into a fresh folder,
# `sync` before each, and the best wall time counts. Scratch in
# bench/work/download, removed at the end unless KEEP=1.
#
# Output: one row a comparison: what, mly, peer, ratio, goal, PASS or MISS.
# Exit status 0 when every row ran, 1 when a command failed, 2 when the build
# is missing.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$ROOT/bench/work/download
SCALE=${BENCH_SCALE:-1}
RUNS=${BENCH_RUNS:-3}
KEEP=${KEEP:-0}
count() { awk -v s="$SCALE" -v n="$1" 'BEGIN { n = int(n * s + 0.5); print (n < 2 ? 2 : n) }'; }
N=$(count 1000) SHORT=$(count 200) LONG=$(count 2000) SAMPLE=20
[ "$SAMPLE" -gt "$N" ] && SAMPLE=$N
export PATH=$ROOT/bin:$PATH TZ=UTC LC_ALL=C

for f in "$ROOT/bin/mly-seqdl" "$ROOT/bin/mly-batchdl" "$ROOT/build/fakeapi/mly-fakeapi"; do
  [ -x "$f" ] || { echo "bench/download.sh: $f missing: run make" >&2; exit 2; }
done
for c in curl jq xargs; do
  command -v "$c" >/dev/null || { echo "bench/download.sh: $c is not installed" >&2; exit 2; }
done
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 2
cp "$ROOT/build/fakeapi/mly-fakeapi" "$W/mly-fakeapi"
export MLY_FAKEAPI=$W/mly-fakeapi
cleanup() {
  [ -n "${MLY_FAKE_PID-}" ] && kill "$MLY_FAKE_PID" 2>/dev/null
  cd / && { [ "$KEEP" = 1 ] || rm -rf "$W"; }
}
trap cleanup EXIT
fail() { echo "bench/download.sh: $*" >&2; exit 1; }

# server ARGS: a fresh local server and MLY_CONFIG for it.
server() {
  [ -n "${MLY_FAKE_PID-}" ] && mly_fake_stop
  . "$ROOT/tests/fakeapi/start" "$@" || fail "the local server does not start"
  export MLY_CONFIG=$MLY_FAKE_CONFIG
}
graph() { curl -sf -H "Authorization: OAuth $MLY_FAKE_TOKEN" "$MLY_FAKE_URL/graph$1"; }

now() { date +%s.%N; }
# best_of CMD: the best wall time of RUNS runs of CMD, each into an empty out/.
best_of() {
  local best="" i t0 t1
  for ((i = 0; i < RUNS; i++)); do
    rm -rf out && mkdir out && sync
    t0=$(now)
    bash -c "$1" >/dev/null 2>"$W/stderr" || { cat "$W/stderr" >&2; fail "failed: $1"; }
    t1=$(now)
    best=$(awk -v a="$t0" -v b="$t1" -v best="$best" 'BEGIN { d = b - a; print (best == "" || d < best) ? d : best }')
  done
  echo "$best"
}

# row WHAT MLY PEER KIND GOAL UNIT. KIND "faster": ratio peer/mly, PASS when
# >= GOAL; "within": ratio mly/peer, PASS when <= GOAL.
row() {
  awk -v what="$1" -v m="$2" -v p="$3" -v kind="$4" -v goal="$5" -v unit="$6" 'BEGIN {
    if (kind == "faster") { r = p / m; ok = r >= goal; g = sprintf(">= %gx", goal) }
    else { r = m / p; ok = r <= goal; g = sprintf("<= %gx", goal) }
    printf "%-52s %10.3f %-2s %10.3f %-2s %8.2fx %9s %s\n", what, m, unit, p, unit, r, g, ok ? "PASS" : "MISS" }'
}

echo "bench/download.sh: a $N-image sequence with 20 ms latency (BENCH_SCALE=$SCALE), best of $RUNS"
server --users 1 --sequences 1 --images "$N" --latency 20
SEQ=$(curl -sf "$MLY_FAKE_URL/__fake/dataset" | jq -r '.sequences[0].id')
[ -n "$SEQ" ] || fail "no sequence in the dataset"

# Untimed: one pass so the server has encoded its pictures (both sides then
# meet a warm server), and the URL list for curl.
mly-seqdl -q -o warm "$SEQ" >/dev/null || fail "mly-seqdl failed"
got=$(find warm -name '*.jpg' | wc -l)
[ "$got" -eq "$N" ] || fail "mly-seqdl downloaded $got of $N images"
bytes=$(du -sb warm | cut -f1)
rm -rf warm
graph "/image_ids?sequence_id=$SEQ" | jq -r '.data[].id' >ids.txt
split -l 50 ids.txt batch.
for b in batch.*; do
  graph "/?ids=$(paste -sd, "$b")&fields=thumb_original_url" | jq -r '.[].thumb_original_url'
done | awk '{ printf "-o\nout/%d.jpg\n%s\n", NR, $0 }' >curl-args.txt
[ "$(grep -c '^http' curl-args.txt)" -eq "$N" ] || fail "could not list the $N image URLs"

t_mly=$(best_of "mly-seqdl -q -j 8 -o out $SEQ") || exit 1
t_curl=$(best_of "xargs -P 8 -n 75 curl -sf < curl-args.txt && sync") || exit 1
[ "$(ls out | wc -l)" -eq "$N" ] || fail "curl fetched $(ls out | wc -l) of $N images"

# The seed: per image a metadata request, the download, 0.5 s of sleep.
fields=thumb_original_url,geometry,captured_at,compass_angle,camera_type,computed_altitude,computed_compass_angle,sequence,camera_parameters,atomic_scale,computed_geometry,mesh,sfm_cluster
head -n "$SAMPLE" ids.txt >sample.txt
cat >seed.sh <<EOF
graph() { curl -sf -H "Authorization: OAuth \$MLY_FAKE_TOKEN" "\$MLY_FAKE_URL/graph\$1"; }
graph "/image_ids?sequence_id=$SEQ" >/dev/null
while read -r id; do
  url=\$(graph "/\$id?fields=$fields" | jq -r .thumb_original_url)
  curl -sf -o "out/\$id.jpg" "\$url"
  sleep 0.5
done < sample.txt
EOF
RUNS_SAVED=$RUNS RUNS=1
t_sample=$(best_of "bash seed.sh") || exit 1
RUNS=$RUNS_SAVED
t_seed=$(awk -v t="$t_sample" -v n="$N" -v s="$SAMPLE" 'BEGIN { print t * n / s }')

printf '%-52s %13s %13s %9s %9s %s\n' what mly peer ratio goal result
row "seqdl $N images (-j 8) vs xargs -P 8 curl + sync" "$t_mly" "$t_curl" faster 0.8 s
row "seqdl $N images vs the seed (extrapolated from $SAMPLE)" "$t_mly" "$t_seed" faster 50 s
awk -v b="$bytes" -v t="$t_mly" -v c="$t_curl" -v n="$N" 'BEGIN {
  printf "  (%d images, %.0f MB: mly %.0f images/s, %.1f MB/s; curl %.0f images/s)\n", n, b / 1e6, n / t, b / 1e6 / t, n / c }'

# Memory at two sequence lengths.
rss_of() {
  server --users 1 --sequences 1 --images "$1"
  local seq
  seq=$(curl -sf "$MLY_FAKE_URL/__fake/dataset" | jq -r '.sequences[0].id')
  rm -rf out && mkdir out
  echo "$seq" | /usr/bin/time -f %M -o rss.txt mly-batchdl -q -o out --size 1024 >/dev/null || fail "mly-batchdl failed"
  [ "$(find out -name '*.jpg' | wc -l)" -eq "$1" ] || fail "mly-batchdl downloaded too few images"
  cat rss.txt
}
if [ -x /usr/bin/time ]; then
  r_short=$(rss_of "$SHORT") || exit 1
  r_long=$(rss_of "$LONG") || exit 1
  row "batchdl peak RSS: $LONG-image vs $SHORT-image sequence" "$r_long" "$r_short" within 1.25 KB
else
  echo "(no /usr/bin/time: the memory row is left out)"
fi
exit 0
