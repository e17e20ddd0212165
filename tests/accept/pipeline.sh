#!/bin/bash
# Issue 3, acceptance 3: 1,000 generated photos through
#   mly-scan | mly-geotag-gpx | mly-dedupe | mly-split | mly-direction --all
#     | mly-tag --desc D.json | mly-write
# with the expected sequences, duplicates and headings computed here,
# independently of the tools (python3 from the track's own geometry).
#
# The walk: folder a/ holds 550 photos 2 s apart from 08:00:00Z (camera on
# UTC+2, OffsetTimeOriginal written); the track goes north at 2.5 m/s for
# 1000 s (photos 5 m apart), then stands still, so photos 502..550 stand on
# the spot of photo 501: 49 duplicates. Folder b/ holds 450 photos 2 s apart
# from 09:00:00Z, walking east at 3 m/s from 10 s before: 6 m apart, and 41
# minutes after a/, so mly-split cuts there: sequences of 501 and 450.
. "$(dirname "$0")/common.bash"
need_build
need_commands jq python3
scratch pipeline
cd "$WORK"

"$MKPHOTOS" p/a 550 --kb 4 --start '2024:06:01 10:00:00' --step 2 --offset +02:00 --variants 2
"$MKPHOTOS" p/b 450 --kb 4 --start '2024:06:01 11:00:00' --step 2 --offset +02:00 --variants 2 --seed 7

python3 - <<'PY'
import math
lat0, lon0 = 46.05, 14.50
m_lat = 111320.0                       # metres per degree of latitude (any fixed scale will do)
T0 = 1717228800                        # 2024-06-01T08:00:00Z
T1, T2 = T0 + 1000, T0 + 3600 - 10     # stop north; start east (10 s before b's first photo)
lat_stop = lat0 + 2500 / m_lat
m_lon = m_lat * math.cos(math.radians(lat_stop))
def pos(t):
    if t <= T1: return lat0 + 2.5 * (t - T0) / m_lat, lon0
    if t <= T2: return lat_stop, lon0
    return lat_stop, lon0 + 3.0 * (t - T2) / m_lon
import time
with open("track.gpx", "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="pipeline test" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>\n')
    for t in range(T0 - 60, T0 + 3600 + 1000):
        la, lo = pos(t)
        f.write('<trkpt lat="%.10f" lon="%.10f"><ele>300</ele><time>%s</time></trkpt>\n'
                % (la, lo, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))))
    f.write('</trkseg></trk></gpx>\n')
PY

set -o pipefail
mly-scan -q p | mly-geotag-gpx -q track.gpx | mly-dedupe -q --rejected dups.jsonl | mly-split -q \
  | mly-direction -q --all | mly-tag -q --desc D.json | mly-write -q > out.jsonl
check "the pipeline exits 0" [ $? -eq 0 ]
set +o pipefail

check "951 photos come out" [ "$(wc -l < out.jsonl)" -eq 951 ]
check "49 duplicates rejected" [ "$(wc -l < dups.jsonl)" -eq 49 ]
check "the duplicates are a/IMG_00502..00550" \
  [ "$(jq -r .path dups.jsonl | paste -sd ' ')" = "$(for k in $(seq 502 550); do printf 'p/a/IMG_%05d.JPG ' $k; done | sed 's/ $//')" ]
check "every rejection says duplicate" [ "$(jq -r .reason dups.jsonl | grep -vc '^duplicate')" -eq 0 ]
check "two sequences of 501 and 450 photos, a/ then b/" \
  [ "$(jq -r '.sequence_id' out.jsonl | uniq -c | awk '{ print $1 }' | paste -sd ' ')" = "501 450" ]
check "the cut is between the folders" \
  [ "$(jq -r 'select(.split_reason != null and .split_reason != "start" or (.split_reason == "start")) | .path' out.jsonl | paste -sd ' ')" = "p/a/IMG_00001.JPG p/b/IMG_00001.JPG" ]

# Headings: the initial great-circle bearing to the next photo of the same
# sequence, computed here from the records' positions; the last photo of a
# sequence repeats the one before. Then the same values read back from the
# written photos.
python3 - out.jsonl > headings.txt <<'PY'
import json, math, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
def bearing(a, b):
    p1, p2 = math.radians(a["lat"]), math.radians(b["lat"])
    dl = math.radians(b["lon"] - a["lon"])
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(x, y)) % 360
bad = 0
for i, r in enumerate(recs):
    nxt = recs[i + 1] if i + 1 < len(recs) and recs[i + 1]["sequence_id"] == r["sequence_id"] else None
    if nxt is not None:
        want = bearing(r, nxt)
    else:
        want = bearing(recs[i - 1], r)
    d = abs((r["heading"] - want + 180) % 360 - 180)
    if d > 1e-6:
        bad += 1
        print("FAIL heading of %s: %.9f, expected %.9f" % (r["path"], r["heading"], want))
north = sum(1 for r in recs if r["path"].startswith("p/a/") and abs(r["heading"]) < 1e-6 or abs(r["heading"] - 360) < 1e-6)
east = sum(1 for r in recs if r["path"].startswith("p/b/") and abs(r["heading"] - 90) < 0.1)
print("ok headings of all %d records equal the bearing to the next photo" % len(recs) if bad == 0 else "FAIL %d headings differ" % bad)
print("ok %d photos of a/ face north" % north if north == 501 else "FAIL %d photos of a/ face north, expected 501" % north)
print("ok %d photos of b/ face east" % east if east == 450 else "FAIL %d photos of b/ face east, expected 450" % east)
PY
tally headings.txt $?

mly-scan -q p/a p/b > back.jsonl
python3 - out.jsonl back.jsonl dups.jsonl > back.txt <<'PY'
import json, sys
out = {json.loads(l)["path"]: json.loads(l) for l in open(sys.argv[1])}
back = {json.loads(l)["path"]: json.loads(l) for l in open(sys.argv[2])}
dups = [json.loads(l)["path"] for l in open(sys.argv[3])]
bad = 0
for p, r in out.items():
    b = back.get(p, {})
    for k, tol in (("lat", 1e-8), ("lon", 1e-8), ("heading", 1e-4), ("alt", 1e-3)):
        if k not in b or abs(b[k] - r[k]) > tol:
            bad += 1; print("FAIL %s: %s written %s, read %s" % (p, k, r.get(k), b.get(k)))
    if b.get("captured_at") != r["captured_at"] or b.get("utc_offset") != "+02:00":
        bad += 1; print("FAIL %s: time %s %s" % (p, b.get("captured_at"), b.get("utc_offset")))
print("ok the 951 written photos read back with their positions, headings and times" if bad == 0 else "FAIL %d fields" % bad)
untouched = [p for p in dups if "lat" not in back.get(p, {"lat": 0})]
print("ok the 49 duplicates were left as they were (no position written)" if len(untouched) == 49 else "FAIL %d of 49 duplicates untouched" % len(untouched))
PY
tally back.txt $?

python3 "$ACCEPT/description_schema.py" D.json > schema.txt 2>&1
check "D.json validates against the description schema (reference 5.8)" [ $? -eq 0 ]
[ $? -eq 0 ] || cat schema.txt
check "D.json holds the 951 photos" [ "$(jq length D.json)" -eq 951 ]
check "D.json's sequences are the split's" \
  [ "$(jq -r '.[].MAPSequenceUUID' D.json | sort | uniq -c | awk '{ print $1 }' | sort -n | paste -sd ' ')" = "450 501" ]
finish
