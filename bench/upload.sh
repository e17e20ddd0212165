#!/usr/bin/env bash
# bench/upload.sh: uploading photos to the local Mapillary server
# (tests/fakeapi), mly against the floor.
#
#   mly:   mly-upload -j 4 of N photos (500 made by mkphotos --kb 512, about
#          0.25 MB each, in two sequences): every photo read twice (the MD5
#          of the original for the history, then the description spliced in
#          and the MD5 of the bytes sent for the session key), per photo one
#          GET of the offset and one POST, then a manifest and finish_upload
#          per sequence; the history written.
#   curl:  the floor: the same streams (the bytes mly-upload sends, taken
#          from a dry run), POSTed by 4 curl processes in parallel, each
#          reusing its connection, with no offset asked, no hashing and no
#          finish; goal: mly within 2x of it. The two MD5 passes over every
#          byte are what mapillary_tools' protocol asks (one of them it does
#          in its process step); on a machine of few cores, where the local
#          server hashes what it receives too, they cost about half as much
#          as the transfer itself, so 1.5x is about the best possible there.
# The server is emptied before each timed run (POST /__fake/uploads/reset)
# and mly-upload's history is removed, so both sides send every byte. The
# rate limit is off (requests_per_minute = 0), as it would only measure
# itself.
#
# BENCH_SCALE multiplies the photo count; each timed command runs
# BENCH_RUNS times (default 3) and the best wall time counts. Scratch in
# bench/work/upload, removed at the end unless KEEP=1.
#
# Output: one row: what, mly, floor, ratio, goal, PASS or MISS; then the
# throughputs. Exit status 0 when the row ran, 1 when a command failed, 2
# when the build is missing.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$ROOT/bench/work/upload
SCALE=${BENCH_SCALE:-1}
RUNS=${BENCH_RUNS:-3}
KEEP=${KEEP:-0}
N=$(awk -v s="$SCALE" 'BEGIN { n = int(500 * s + 0.5); print (n < 4 ? 4 : n) }')
export PATH=$ROOT/bin:$PATH TZ=UTC LC_ALL=C

for f in "$ROOT/bin/mly-upload" "$ROOT/bin/mly-scan" "$ROOT/build/helpers/mkphotos" "$ROOT/build/fakeapi/mly-fakeapi"; do
  [ -x "$f" ] || { echo "bench/upload.sh: $f missing: run make" >&2; exit 2; }
done
for c in curl jq; do
  command -v "$c" >/dev/null || { echo "bench/upload.sh: $c is not installed" >&2; exit 2; }
done
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 2
cp "$ROOT/build/fakeapi/mly-fakeapi" "$W/mly-fakeapi"
export MLY_FAKEAPI=$W/mly-fakeapi
cleanup() {
  [ -n "${MLY_FAKE_PID-}" ] && kill "$MLY_FAKE_PID" 2>/dev/null
  cd / && { [ "$KEEP" = 1 ] || rm -rf "$W"; }
}
trap cleanup EXIT
fail() { echo "bench/upload.sh: $*" >&2; exit 1; }

echo "bench/upload.sh: $N photos of about 0.25 MB to the local server (BENCH_SCALE=$SCALE), best of $RUNS"
half=$((N / 2))
"$ROOT/build/helpers/mkphotos" a "$half" --kb 512 --start '2024:06:01 10:00:00' --step 2 >/dev/null &&
  "$ROOT/build/helpers/mkphotos" b $((N - half)) --kb 512 --start '2024:06:01 12:00:00' --step 2 --seed 3 >/dev/null ||
  fail "mkphotos failed"
mly-scan -q a b | jq -c '.lat = 46.05 | .lon = 14.5 | .sequence_id = (.path | split("/")[0])' >recs.jsonl
[ "$(wc -l <recs.jsonl)" -eq "$N" ] || fail "mly-scan read too few photos"

. "$ROOT/tests/fakeapi/start" || fail "the local server does not start"
cp "$MLY_FAKE_CONFIG" config.ini
printf '%s\n' 'requests_per_minute = 0' "upload_history = $W/hist" >>config.ini
export MLY_CONFIG=$W/config.ini

# The floor's input: the streams mly-upload would send, and curl configs
# for 4 processes (photos dealt round-robin).
mly-upload -q --dry-run dry <recs.jsonl >/dev/null || fail "the dry run failed"
i=0
for f in dry/mly_tools_*.jpg; do
  printf 'url = "%s/upload/%s"\ndata-binary = "@%s"\nheader = "Offset: 0"\nheader = "Authorization: OAuth %s"\nheader = "Content-Type: application/octet-stream"\noutput = "/dev/null"\nnext\n' \
    "$MLY_FAKE_URL" "${f#dry/}" "$f" "$MLY_FAKE_TOKEN" >>"curl$((i % 4)).cfg"
  i=$((i + 1))
done
bytes=$(cat dry/mly_tools_*.jpg | wc -c)

reset() { curl -sf -d '' "$MLY_FAKE_URL/__fake/uploads/reset" >/dev/null && rm -rf hist; }
now() { date +%s.%N; }
# best_of CMD CHECK: the best wall time of RUNS runs of CMD, each on an
# empty server; CHECK (a command) must succeed after each run.
best_of() {
  local best="" i t0 t1
  for ((i = 0; i < RUNS; i++)); do
    reset || fail "cannot reset the server"
    sync
    t0=$(now)
    bash -c "$1" >/dev/null 2>"$W/stderr" || { cat "$W/stderr" >&2; fail "failed: $1"; }
    t1=$(now)
    eval "$2" || fail "after '$1': $2 failed"
    best=$(awk -v a="$t0" -v b="$t1" -v best="$best" 'BEGIN { d = b - a; print (best == "" || d < best) ? d : best }')
  done
  echo "$best"
}
complete() { [ "$(curl -sf "$MLY_FAKE_URL/__fake/uploads" | jq '.totals.complete_streams')" -ge "$N" ]; }

t_mly=$(best_of "mly-upload -q -j 4 < recs.jsonl" complete) || exit 1
t_curl=$(best_of "for k in 0 1 2 3; do curl -sf -K curl\$k.cfg & done; wait" complete) || exit 1

printf '%-52s %13s %13s %9s %9s %s\n' what mly floor ratio goal result
awk -v m="$t_mly" -v c="$t_curl" -v n="$N" -v b="$bytes" 'BEGIN {
  r = m / c
  printf "%-52s %10.3f s  %10.3f s  %8.2fx %9s %s\n", "upload " n " photos (-j 4) vs 4 x curl POST", m, c, r, "<= 2x", (r <= 2 ? "PASS" : "MISS")
  printf "  (%.0f MB: mly %.0f photos/s, %.0f MB/s; curl %.0f photos/s, %.0f MB/s)\n", b / 1e6, n / m, b / 1e6 / m, n / c, b / 1e6 / c }'
exit 0
