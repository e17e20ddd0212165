#!/usr/bin/env bash
# bench/geotag.sh: geotagging photos from a GPX track and writing the
# positions into them, mly against ExifTool, gpscorrelate and the floor.
#
#   mly:          mly-scan photos | mly-geotag-gpx --write track.gpx
#   exiftool:     exiftool -overwrite_original -geotag track.gpx photos && sync
#   gpscorrelate: gpscorrelate -z 0 -g track.gpx photos/*.JPG && sync
#   floor:        cp -r photos copy && sync
#
# 2,000 generated photos of about 1 MB (BENCH_SCALE multiplies the count;
# the goals are set for scale 1), one a second, on a track with a point a
# second: every photo is interpolated and written. mly makes its files
# durable itself (one syncfs a batch), so the peers are followed by sync, as
# in bench/run. Method as in bench/run: BENCH_RUNS runs (default 3) of each
# command on a fresh copy of the photos (copying not timed), `sync` before
# each, the best wall time counts; scratch in bench/work/geotag, removed at
# the end unless KEEP=1. A peer that is not installed is left out.
# The rows run twice: on the machine's file system, then ("XFS:") on an XFS
# image with reflinks (bench/xfs.bash; root and a loop device, else left
# out), where mly shares the photos' unchanged blocks instead of copying
# them, and so does cp; a row of cp --reflink=never (the bytes copied) is
# shown there for reference.
#
# Output: one row a comparison: what, mly time, peer time, ratio, goal, PASS
# or MISS. Exit status 0 when every row ran, 1 when a command failed (or mly
# placed fewer photos than it should), 2 when the build is missing.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/xfs.bash"
private_mounts "$0" "$@"
W=$ROOT/bench/work/geotag
SCALE=${BENCH_SCALE:-1}
RUNS=${BENCH_RUNS:-3}
KEEP=${KEEP:-0}
N=$(awk -v s="$SCALE" 'BEGIN { n = int(2000 * s + 0.5); print (n < 1 ? 1 : n) }')
export PATH=$ROOT/bin:$PATH TZ=UTC LC_ALL=C

for f in "$ROOT/bin/mly-scan" "$ROOT/bin/mly-geotag-gpx" "$ROOT/build/helpers/mkphotos"; do
  [ -x "$f" ] || { echo "bench/geotag.sh: $f missing: run make" >&2; exit 2; }
done
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 2
cleanup() {
  cd "$ROOT" || true
  mountpoint -q "$W/xfs" 2>/dev/null && umount "$W/xfs"
  [ "$KEEP" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "bench/geotag.sh: $*" >&2; exit 1; }

"$ROOT/build/helpers/mkphotos" pristine "$N" --kb 2048 --start '2024:06:01 10:00:00' --step 1 || fail "mkphotos failed"
echo "   the photos: $(du -sb pristine | awk -v n="$N" '{ printf "%.2f MB each on average", $1 / n / 1e6 }')"
awk -v n="$N" 'BEGIN {
  print "<?xml version=\"1.0\"?>"
  print "<gpx version=\"1.1\" creator=\"bench\" xmlns=\"http://www.topografix.com/GPX/1/1\"><trk><trkseg>"
  for (i = -5; i <= n + 5; i++) {
    s = 36000 + i + 0.5
    printf "<trkpt lat=\"%.7f\" lon=\"%.7f\"><ele>%.2f</ele><time>2024-06-01T%02d:%02d:%06.3fZ</time></trkpt>\n",
      48 + i * 1e-5, 11 + i * 1.3e-5, 500 + (i % 50) / 4, int(s / 3600), int(s % 3600 / 60), s % 60
  }
  print "</trkseg></trk></gpx>" }' > track.gpx

now() { date +%s.%N; }
# best_of CMD: the best wall time of RUNS runs of CMD, each on a fresh copy.
best_of() {
  local best="" i t0 t1
  for ((i = 0; i < RUNS; i++)); do
    rm -rf photos copy && cp -r --reflink=never pristine photos || fail "cannot copy the photos"
    sync
    t0=$(now)
    bash -c "$1" >/dev/null 2>"$W/stderr" || { cat "$W/stderr" >&2; fail "failed: $1"; }
    t1=$(now)
    best=$(awk -v a="$t0" -v b="$t1" -v best="$best" 'BEGIN { d = b - a; print (best == "" || d < best) ? d : best }')
  done
  echo "$best"
}

# row WHAT MLY PEER KIND GOAL. KIND "faster": ratio peer/mly, PASS when
# >= GOAL; "within": ratio mly/peer, PASS when <= GOAL.
row() {
  awk -v what="$1" -v m="$2" -v p="$3" -v kind="$4" -v goal="$5" 'BEGIN {
    if (kind == "faster") { r = p / m; ok = r >= goal; g = sprintf(">= %gx", goal) }
    else { r = m / p; ok = r <= goal; g = sprintf("<= %gx", goal) }
    res = ok ? "PASS" : "MISS"
    if (kind == "info") { g = "-"; res = "info" }
    printf "%-52s %10.3f s %10.3f s %8.2fx %11s %s\n", what, m, p, r, g, res }'
}

echo "bench/geotag.sh: geotag and write $N photos of 1 MB (BENCH_SCALE=$SCALE), best of $RUNS"
printf '%-52s %12s %12s %9s %11s %s\n' what mly peer ratio goal result
# geotag_rows WHERE: the comparisons, in the current directory (which holds
# pristine/ and track.gpx); WHERE prefixes the rows.
geotag_rows() {
  local where=$1 t_mly t placed
  t_mly=$(best_of 'mly-scan photos | mly-geotag-gpx --write track.gpx') || exit 1
  placed=$(mly-scan photos 2>/dev/null | grep -c '"lat"')
  [ "$placed" -eq "$N" ] || fail "mly-geotag-gpx placed $placed of $N photos"
  if command -v exiftool >/dev/null; then
    t=$(best_of 'exiftool -q -overwrite_original -geotag track.gpx photos && sync') || exit 1
    row "${where}geotag --write $N photos vs exiftool -geotag" "$t_mly" "$t" faster 20
  fi
  if command -v gpscorrelate >/dev/null; then
    t=$(best_of 'gpscorrelate -z 0 -g track.gpx photos/*.JPG && sync') || exit 1
    row "${where}geotag --write $N photos vs gpscorrelate" "$t_mly" "$t" faster 3
  fi
  t=$(best_of 'cp -r photos copy && sync') || exit 1
  row "${where}geotag --write $N photos vs cp + sync" "$t_mly" "$t" within 1.5
  if [ -n "$where" ]; then
    t=$(best_of 'cp -r --reflink=never photos copy && sync') || exit 1
    row "${where}  vs cp --reflink=never + sync" "$t_mly" "$t" info -
  fi
  rm -rf photos copy
}
geotag_rows ""
# The same on XFS with reflinks (bench/xfs.bash), where mly-geotag-gpx
# shares the photos' unchanged blocks, and cp does too.
if why=$(xfs_mount "$W/xfs" 8G); then
  cp -r pristine track.gpx "$W/xfs/" && cd "$W/xfs" || fail "cannot fill the XFS"
  geotag_rows "XFS: "
  cd "$W" && umount "$W/xfs"
  rm -f "$W/xfs.img"
else
  printf '%-52s %s\n' "XFS (reflink) rows" "left out: $why"
fi
