#!/usr/bin/env bash
# bench/upload.sh: uploading photos to the local Mapillary server
# (tests/fakeapi) on loopback, mly against curl (acceptance item 6).
#
#   mly:   mly-upload -j 4 of N photos (500 made by mkphotos --kb 2048, about
#          1 MB each, in two sequences): per photo one read of the file, the
#          description spliced in and one MD5 of the bytes sent (the session
#          key; 8 photos hashed side by side), one GET of the offset and one
#          POST of the bytes; then a manifest and finish_upload per sequence;
#          the history written.
#   curl:  the same streams (the bytes mly-upload sends, taken from a dry
#          run), POSTed by 4 curl processes in parallel, each reusing its
#          connection, with no offset asked, no hashing and no finish.
#          Goal: mly's throughput at least 0.8x curl's.
#   rss:   peak resident memory of mly-upload (/usr/bin/time -f %M) for the
#          N photos and for N/4 of them; goal: independent of the number of
#          photos, the larger run within 1.25x + 2 MB of the smaller.
#   md5:   for scale, md5sum (one process) over the same bytes: the floor the
#          protocol itself sets on top of curl, since a content-addressed
#          session key needs an MD5 of every byte sent before the first is
#          sent. The local server hashes what it receives too, for both
#          sides, so on a machine of few cores the MD5 costs throughput.
# The server is emptied before each timed run (POST /__fake/uploads/reset)
# and mly-upload's history is removed, so both sides send every byte; mly
# and curl take turns, run after run, so a busy moment of the machine hits
# both alike. The rate limit is off (requests_per_minute = 0), as it would
# only measure itself. The load average is printed: run it when the machine
# is quiet.
#
# BENCH_SCALE multiplies the photo count; each timed command runs
# BENCH_RUNS times (default 3) and the best wall time counts (the largest
# RSS). MLY_UPLOAD and MLY_FAKEAPI name another mly-upload and another
# server to use (to compare builds; default bin/ and build/fakeapi/).
# Scratch in bench/work/upload, removed at the end unless KEEP=1.
#
# Output: one row a comparison: what, mly, floor, ratio, goal, PASS or MISS;
# then the throughputs. Exit status 0 when every row ran, 1 when a command
# failed, 2 when the build is missing.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$ROOT/bench/work/upload
SCALE=${BENCH_SCALE:-1}
RUNS=${BENCH_RUNS:-3}
KEEP=${KEEP:-0}
UP=${MLY_UPLOAD:-$ROOT/bin/mly-upload}
FAKE=${MLY_FAKEAPI:-$ROOT/build/fakeapi/mly-fakeapi}
N=$(awk -v s="$SCALE" 'BEGIN { n = int(500 * s + 0.5); print (n < 8 ? 8 : n) }')
Q=$((N / 4))
export PATH=$ROOT/bin:$PATH TZ=UTC LC_ALL=C

for f in "$UP" "$ROOT/bin/mly-scan" "$ROOT/build/helpers/mkphotos" "$FAKE"; do
  [ -x "$f" ] || { echo "bench/upload.sh: $f missing: run make" >&2; exit 2; }
done
for c in curl jq md5sum /usr/bin/time; do
  command -v "$c" >/dev/null || { echo "bench/upload.sh: $c is not installed" >&2; exit 2; }
done
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 2
cp "$FAKE" "$W/mly-fakeapi" && cp "$UP" "$W/mly-upload" || exit 2
UP=$W/mly-upload
export MLY_FAKEAPI=$W/mly-fakeapi
cleanup() {
  [ -n "${MLY_FAKE_PID-}" ] && kill "$MLY_FAKE_PID" 2>/dev/null
  cd / && { [ "$KEEP" = 1 ] || rm -rf "$W"; }
}
trap cleanup EXIT
fail() { echo "bench/upload.sh: $*" >&2; exit 1; }

echo "bench/upload.sh: $N photos of about 1 MB to the local server (BENCH_SCALE=$SCALE), best of $RUNS;" \
  "$(nproc) cores, load average $(cut -d ' ' -f 1-3 /proc/loadavg)"
half=$((N / 2))
"$ROOT/build/helpers/mkphotos" a "$half" --kb 2048 --start '2024:06:01 10:00:00' --step 2 >/dev/null &&
  "$ROOT/build/helpers/mkphotos" b $((N - half)) --kb 2048 --start '2024:06:01 12:00:00' --step 2 --seed 3 >/dev/null ||
  fail "mkphotos failed"
mly-scan -q a b | jq -c '.lat = 46.05 | .lon = 14.5 | .sequence_id = (.path | split("/")[0])' >recs.jsonl
[ "$(wc -l <recs.jsonl)" -eq "$N" ] || fail "mly-scan read too few photos"
head -n "$Q" recs.jsonl >quarter.jsonl

. "$ROOT/tests/fakeapi/start" || fail "the local server does not start"
cp "$MLY_FAKE_CONFIG" config.ini
printf '%s\n' 'requests_per_minute = 0' "upload_history = $W/hist" >>config.ini
export MLY_CONFIG=$W/config.ini

# The floor's input: the streams mly-upload would send, and curl configs
# for 4 processes (photos dealt round-robin).
"$UP" -q --dry-run dry <recs.jsonl >/dev/null || fail "the dry run failed"
i=0
for f in dry/mly_tools_*.jpg; do
  printf 'url = "%s/upload/%s"\ndata-binary = "@%s"\nheader = "Offset: 0"\nheader = "Authorization: OAuth %s"\nheader = "Content-Type: application/octet-stream"\noutput = "/dev/null"\nnext\n' \
    "$MLY_FAKE_URL" "${f#dry/}" "$f" "$MLY_FAKE_TOKEN" >>"curl$((i % 4)).cfg"
  i=$((i + 1))
done
bytes=$(cat dry/mly_tools_*.jpg | wc -c)
cat a/* b/* >/dev/null  # both sides read warm caches

reset() { curl -sf -d '' "$MLY_FAKE_URL/__fake/uploads/reset" >/dev/null && rm -rf hist; }
complete() { [ "$(curl -sf "$MLY_FAKE_URL/__fake/uploads" | jq '.totals.complete_streams')" -ge "$1" ]; }
# timed CMD: the wall time of CMD (bash -c) in seconds, on an empty server.
timed() {
  local t0 t1
  reset || fail "cannot reset the server"
  sync
  t0=$(date +%s.%N)
  bash -c "$1" >/dev/null 2>"$W/stderr" || { cat "$W/stderr" >&2; fail "failed: $1"; }
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 > a + 0) ? b : a }'; }

t_mly="" t_curl="" t_md5="" rss="" rss_q=""
for ((r = 0; r < RUNS; r++)); do
  t=$(timed "/usr/bin/time -f %M -o rss.txt '$UP' -q -j 4 < recs.jsonl") || exit 1
  complete "$N" || fail "mly-upload did not send every photo"
  t_mly=$(min "$t_mly" "$t") rss=$(max "$rss" "$(tail -n 1 rss.txt)")
  t=$(timed "for k in 0 1 2 3; do curl -sf -K curl\$k.cfg & done; wait") || exit 1
  complete "$N" || fail "curl did not send every photo"
  t_curl=$(min "$t_curl" "$t")
  t=$(timed "/usr/bin/time -f %M -o rss.txt '$UP' -q -j 4 < quarter.jsonl") || exit 1
  complete "$Q" || fail "mly-upload did not send every photo"
  rss_q=$(max "$rss_q" "$(tail -n 1 rss.txt)")
  t=$(timed "md5sum dry/mly_tools_*.jpg") || exit 1
  t_md5=$(min "$t_md5" "$t")
done

printf '%-50s %12s %12s %8s %14s %s\n' what mly floor ratio goal result
awk -v m="$t_mly" -v c="$t_curl" -v n="$N" -v q="$Q" -v b="$bytes" -v rs="$rss" -v rq="$rss_q" -v h="$t_md5" 'BEGIN {
  r = c / m
  printf "%-50s %10.3f s %10.3f s %7.2fx %14s %s\n", "upload " n " photos (-j 4) vs 4 x curl POST, throughput", m, c, r, ">= 0.8x", (r >= 0.8 ? "PASS" : "MISS")
  ok = rs <= 1.25 * rq + 2048
  printf "%-50s %9.1f MB %9.1f MB %7.2fx %14s %s\n", "peak RSS, " n " photos vs " q, rs / 1024, rq / 1024, rs / rq, "<= 1.25x+2MB", (ok ? "PASS" : "MISS")
  printf "  %.0f MB: mly %.0f photos/s, %.0f MB/s; curl %.0f photos/s, %.0f MB/s\n", b / 1e6, n / m, b / 1e6 / m, n / c, b / 1e6 / c
  printf "  md5sum of the same bytes (one process): %.3f s, %.0f MB/s: the MD5 the session keys need, which curl skips\n", h, b / 1e6 / h }'
exit 0
