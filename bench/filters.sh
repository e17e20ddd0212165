#!/usr/bin/env bash
# bench/filters.sh: the record filters on 1,000,000 records, against the
# goal of the brief (each under 2 s) and against the floor of reading and
# writing the same stream (mly-fixdates on records that already have what it
# sets costs the same parse and print, so the floor is `cat`, shown for scale).
#
#   fixdates        mly-fixdates --start ... --step 0.5          (input order, streaming)
#   fixdates sorted mly-fixdates ... --sort path                  (all records held)
#   direction       mly-direction --all                            (one sequence: streams)
#   direction grp   mly-direction --all --grouped, 1,000 sequences of 1,000
#   direction queue mly-direction --all, the same 1,000 sequences: each one's last
#                   photo waits for the end, so the stream queues through a
#                   temporary file; its peak RSS shows the memory stays bounded
#   dedupe          mly-dedupe                                      (every 10th photo a duplicate)
#   split           mly-split on records in time order, then scrambled (sorting included)
#
# Records are generated with python3 under bench/work/filters (not timed)
# and removed at the end unless KEEP=1. Each command runs BENCH_RUNS times
# (default 3), input from a file, output to /dev/null; the best wall time
# counts. BENCH_SCALE multiplies the record count (the goals are set for 1).
#
# Output: one row a command: what, best wall time, the CPU time (user +
# system) of that run, goal, PASS or MISS; then peak RSS rows. Exit status 0 when every command ran, 1 when one failed or printed
# the wrong number of records, 2 when the build is missing.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$ROOT/bench/work/filters
SCALE=${BENCH_SCALE:-1}
RUNS=${BENCH_RUNS:-3}
KEEP=${KEEP:-0}
N=$(awk -v s="$SCALE" 'BEGIN { n = int(1000000 * s + 0.5); print (n < 1 ? 1 : n) }')
export PATH=$ROOT/bin:$PATH TZ=UTC LC_ALL=C

for t in mly-fixdates mly-direction mly-dedupe mly-split; do
  [ -x "$ROOT/bin/$t" ] || { echo "bench/filters.sh: bin/$t missing: run make" >&2; exit 2; }
done
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 2
cleanup() { [ "$KEEP" = 1 ] || rm -rf "$W"; }
trap cleanup EXIT
fail() { echo "bench/filters.sh: $*" >&2; exit 1; }

# records.jsonl: one photo a second along a line, 3.4 m apart, every 10th at
# the place of the one before (a duplicate for mly-dedupe), a 2-minute pause
# every 5,000; seqs.jsonl: the same as 1,000-photo sequences, one after the
# other, without headings; scrambled.jsonl: records.jsonl in another order.
python3 - "$N" <<'EOF' || fail "generating the records failed"
import sys, datetime
n = int(sys.argv[1])
t0 = datetime.datetime(2024, 6, 1, tzinfo=datetime.timezone.utc)
lines = []
lat, lon = 48.1, 11.5
with open("records.jsonl", "w") as rec, open("seqs.jsonl", "w") as seq:
    for k in range(n):
        if k % 10 != 9:
            lat += 2e-5; lon += 2e-5
        t = t0 + datetime.timedelta(seconds=k + 120 * (k // 5000))
        ts = t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        head = '{"path":"photos/d%03d/IMG_%07d.JPG","captured_at":"%s","lat":%.9f,"lon":%.9f,"alt":%.1f' % (
            k // 1000, k, ts, lat, lon, 500 + k % 50 / 4)
        tail = ',"make":"GoPro","model":"HERO9 Black","width":4000,"height":3000,"orientation":1'
        line = head + ',"heading":%.1f' % (45 + k % 3) + tail + '}\n'
        rec.write(line)
        lines.append(line)
        seq.write(head + tail + ',"sequence_id":"S%04d"}\n' % (k // 1000))
# A permutation: k -> k * p mod n, p prime and not a divisor of n.
p = 7919 if n % 7919 else 7907
with open("scrambled.jsonl", "w") as out:
    for k in range(n):
        out.write(lines[k * p % n])
EOF

# best_of IN CMD WANT: "wall cpu" of the run with the best wall time of RUNS
# runs of CMD < IN (cpu: user + system seconds, which a busy machine inflates
# less than the wall time); checks that WANT records came out.
best_of() {
  local in=$1 cmd=$2 want=$3 best="" i got
  for ((i = 0; i < RUNS; i++)); do
    /usr/bin/time -f "%e %U %S" -o "$W/time" bash -c "$cmd" <"$in" >"$W/out" 2>"$W/stderr" ||
      { cat "$W/stderr" >&2; fail "failed: $cmd"; }
    got=$(wc -l <"$W/out")
    [ "$got" -eq "$want" ] || fail "$cmd printed $got records, expected $want"
    best=$(awk -v best="$best" '{ w = $1; c = $2 + $3 } END {
      split(best, b, " "); if (best == "" || w < b[1]) printf "%.2f %.2f\n", w, c; else print best }' "$W/time")
  done
  rm -f "$W/out"
  echo "$best"
}
ROWS=()
# row WHAT "WALL CPU" GOAL: seconds, PASS when the wall time is below GOAL
# (no goal: "-").
row() {
  ROWS+=("$(echo "$2" | awk -v what="$1" -v goal="$3" '{
    verdict = goal == "-" ? "-" : ($1 < goal ? "PASS" : "MISS")
    printf "%-52s %8.2f s %8.2f s %10s %s", what, $1, $2, goal == "-" ? "-" : sprintf("< %g s", goal), verdict }')")
}
RSS=()
rss() {  # what, input, command, goal in MB
  /usr/bin/time -f %M -o "$W/rss" bash -c "exec $3" <"$2" >/dev/null 2>&1 || fail "failed: $3"
  RSS+=("$(awk -v what="$1" -v goal="$4" '{ m = $1 / 1024
    printf "%-52s %8.1f MB %21s %s", what, m, sprintf("< %g MB", goal), (m < goal ? "PASS" : "MISS") }' "$W/rss")")
}

dups=$((N / 10))
echo "bench/filters.sh: $N records (BENCH_SCALE=$SCALE), best of $RUNS"
t=$(best_of records.jsonl 'cat' "$N") || exit 1
row "floor: cat of the $N records" "$t" -
t=$(best_of records.jsonl "mly-fixdates --start '2024-06-01 10:00:00' --step 0.5 -q" "$N") || exit 1
row "mly-fixdates, input order" "$t" 2
t=$(best_of scrambled.jsonl "mly-fixdates --start '2024-06-01 10:00:00' --step 0.5 -q --sort path" "$N") || exit 1
row "mly-fixdates --sort path, scrambled input" "$t" 2
t=$(best_of records.jsonl 'mly-direction --all' "$N") || exit 1
row "mly-direction --all, one sequence" "$t" 2
t=$(best_of seqs.jsonl 'mly-direction --grouped' "$N") || exit 1
row "mly-direction --grouped, $((N / 1000 > 0 ? N / 1000 : 1)) sequences" "$t" 2
t=$(best_of seqs.jsonl 'mly-direction' "$N") || exit 1
row "mly-direction, $((N / 1000 > 0 ? N / 1000 : 1)) sequences, queued" "$t" 4
t=$(best_of records.jsonl 'mly-dedupe' "$((N - dups))") || exit 1
row "mly-dedupe" "$t" 2
t=$(best_of records.jsonl 'mly-split' "$N") || exit 1
row "mly-split, input in time order" "$t" 2
t=$(best_of scrambled.jsonl 'mly-split' "$N") || exit 1
row "mly-split, scrambled input (sorting included)" "$t" 2

rss "mly-dedupe peak RSS" records.jsonl 'mly-dedupe' 20
rss "mly-direction peak RSS, $((N / 1000 > 0 ? N / 1000 : 1)) sequences, queued" seqs.jsonl 'mly-direction' 100
rss "mly-direction --grouped peak RSS" seqs.jsonl 'mly-direction --grouped' 20
rss "mly-split peak RSS (holds every record)" scrambled.jsonl 'mly-split' 600

printf '%-52s %10s %10s %10s %s\n' what wall cpu goal result
printf '%s\n' "${ROWS[@]}"
printf '%-52s %10s %21s %s\n' what "peak RSS" goal result
printf '%s\n' "${RSS[@]}"
