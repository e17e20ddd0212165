#!/bin/bash
# Issue 5: the photo workflow as a Makefile (examples/photos.mk), next to the
# photos, from photos and a track to cluster ids on the local server.
#
# 2 folders of 40 photos 2 s apart, an hour apart (two sequences), along a
# generated track; the last 4 photos of a/ come after a/'s part of the track (refused
# by mly-geotag-gpx, in the gap of the track: exit 1, the workflow goes on) and 5 of b/ stand still
# (duplicates). Checks: the steps' files and their counts; the server got
# every image once and finished each sequence once; `make upload` again does
# nothing; a changed setting (DEDUPE) redoes dedupe onwards but not scan and
# geotag; a touched track redoes geotag onwards but not scan; a new photo
# redoes the scan; `make clean` leaves every photo byte-identical.
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/upload.bash"
need_build
need_commands jq python3 curl make
up_setup workflow
copy_tools "$ROOT/bin/mly-dedupe" "$ROOT/bin/mly-direction" "$ROOT/bin/mly-gpx"
cp "$ROOT/examples/photos.mk" Makefile

"$MKPHOTOS" photos/a 40 --kb 4 --start '2024:06:01 10:00:00' --step 2 --offset +02:00 >/dev/null
"$MKPHOTOS" photos/b 40 --kb 4 --start '2024:06:01 11:00:00' --step 2 --offset +02:00 --seed 7 >/dev/null
python3 - <<'PY'
import time
T0 = 1717228800                      # 2024-06-01T08:00:00Z, the first photo of a/
def pos(t):                          # north 3 m/s; b/ walks east, standing still for 10 s
    if t < T0 + 3000: return 46.05 + 3.0 * (t - T0) / 111320, 14.5
    u = t - (T0 + 3600)
    u = min(u, 60) if u < 70 else u - 10
    return 46.15, 14.5 + 3.0 * u / 77000
with open("track.gpx", "w") as f:
    f.write('<?xml version="1.0"?>\n<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>\n')
    for t in list(range(T0 - 10, T0 + 72)) + list(range(T0 + 3590, T0 + 3700)):
        la, lo = pos(t)
        f.write('<trkpt lat="%.9f" lon="%.9f"><ele>300</ele><time>%s</time></trkpt>\n'
                % (la, lo, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))))
    f.write('</trkseg></trk></gpx>\n')
PY
md5sum photos/*/*.JPG > photos.md5
up_server || { fail "the local server did not start"; finish; }

M="make -s CAMERA_TZ=+02:00"
$M upload >make.out 2>make.err
check "make upload exits 0" [ $? -eq 0 ]
check "scan.jsonl: 80 photos" [ "$(wc -l < scan.jsonl)" -eq 80 ]
check "geotag refuses the 4 photos in the track's gap, with their times" \
  [ "$(wc -l < geotag-rejected.jsonl)" -eq 4 -a "$(grep -c 'falls in a gap of 58 min' geotag-rejected.jsonl)" -eq 4 ]
check "dedupe drops the photos standing still" [ "$(wc -l < dedupe-rejected.jsonl)" -ge 4 ]
n_ready=$(wc -l < ready.jsonl)
check "ready.jsonl: placed photos less duplicates" [ "$n_ready" -eq $((76 - $(wc -l < dedupe-rejected.jsonl))) ]
check "two sequences" [ "$(jq -r .sequence_id ready.jsonl | sort -u | wc -l)" -eq 2 ]
check "uploaded.jsonl: one record per sequence, each with a cluster id" \
  [ "$(jq -r 'select(.cluster_id != null and .cluster_id != "") | .sequence_id' uploaded.jsonl | sort -u | wc -l)" -eq 2 ]
uploads > up1.json
check "the server finished two clusters" [ "$(jq '.clusters | length' up1.json)" -eq 2 ]
check "the server got every ready photo once" \
  [ "$(jq '[.clusters[].images[]] | length' up1.json)" -eq "$n_ready" ]
check "the clusters are the cluster ids printed" \
  [ "$(jq -r '.clusters[].cluster_id' up1.json | sort)" = "$(jq -r .cluster_id uploaded.jsonl | sort)" ]

# Nothing to redo.
$M upload >again.out 2>&1
check "make upload again does nothing" [ $? -eq 0 -a ! -s again.out ]
uploads > up2.json
check "no sequence is sent twice" [ "$(jq '.clusters | length' up2.json)" -eq 2 ]

stamp() { stat -c %Y.%y "$1"; }
before() { for f in scan geotag dedupe split ready; do echo "$f $(stamp $f.jsonl)"; done; }
redone() {  # the steps whose file changed since $1
  local f old
  while read -r f old; do [ "$(stamp $f.jsonl)" = "$old" ] || printf '%s ' "$f"; done <"$1"
}
sleep 1.1
before > t0
$M DEDUPE='-d 2' >/dev/null 2>&1
check "another DEDUPE redoes dedupe, split and ready only" [ "$(redone t0)" = "dedupe split ready " ]
sleep 1.1
before > t1
touch track.gpx
$M DEDUPE='-d 2' >/dev/null 2>&1
check "a touched track redoes geotag onwards, not the scan" [ "$(redone t1)" = "geotag dedupe split ready " ]
sleep 1.1
before > t2
"$MKPHOTOS" photos/c 1 --kb 4 --start '2024:06:01 10:00:30' --offset +02:00 --seed 9 >/dev/null
$M DEDUPE='-d 2' >/dev/null 2>&1
check "a new photo redoes the scan" [ "$(redone t2)" = "scan geotag dedupe split ready " ]
check "the new photo is in scan.jsonl" grep -q 'photos/c/' scan.jsonl

$M clean
check "make clean removes the step files" [ ! -e scan.jsonl -a ! -e uploaded.jsonl -a ! -e .mly ]
check "the photos are unchanged by the whole workflow" md5sum --quiet -c photos.md5
finish
