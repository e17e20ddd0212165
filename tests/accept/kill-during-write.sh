#!/usr/bin/env bash
# kill-during-write.sh: mly-write killed with SIGKILL at any moment leaves
# every photo either as it was or completely rewritten, never partial.
#
# 500 generated photos (about 35 KB each) get new lat/lon/alt/heading/
# captured_at from records (mly-scan | jq). One full run is timed; then, ten
# times, mly-write starts on all 500 and is killed -9 after a delay spread
# over that duration. After each kill every photo must be
#   - a complete JPEG (jpegcheck.py walks it from SOI to EOI),
#   - read by exiftool without an error,
#   - byte-identical to its state before that run, or to the new version (the
#     bytes an uninterrupted run makes from the same state, in a copy),
#   - new when mly-write had printed its record,
# and a new version carries that run's values. At the end one full run
# completes all 500 with exit 0, every photo has its metadata, the image
# data is the generator's, and no temporary (.NAME.mly-tmp) is left.
. "$(dirname "$0")/common.bash"
need_commands exiftool python3 jq
need_build
scratch kill
cd "$WORK" || exit 2
# The copies each check compares with live in memory when /dev/shm exists,
# so making them costs little; the photos themselves are on a real disk.
# The reference run (the new versions) runs beside the photos, on their file
# system: where it shares blocks, mly-write pads the EXIF, so what it makes
# depends on the file system.
SNAP=$WORK
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  SNAP=$(mktemp -d /dev/shm/mly-accept-kill.XXXXXX) || SNAP=$WORK
fi
cleanup_hook() {
  [ -n "${pid-}" ] && kill -9 "$pid" 2>/dev/null
  [ "$SNAP" != "$WORK" ] && rm -rf "$SNAP"
}

N=500 KILLS=${KILLS:-10}
"$MKPHOTOS" p "$N" --kb 64 --seed 3 || { fail "mkphotos"; finish; }
echo "$N photos, $(du -sk p | cut -f1) KB"
mly-scan -q p | jq -c '{path}' >paths.jsonl
python3 -c '
import hashlib, os, sys, jpegcheck
for n in sorted(os.listdir("p")):
    d = open("p/" + n, "rb").read()
    print(n, hashlib.sha256(d[jpegcheck.segments(d)[1]:]).hexdigest())' >image-data.txt ||
  fail "cannot read the generated photos"

# records RUN: the records of run RUN, values different for each run and photo.
records() {
  jq -c --argjson k "$1" '
    (.path | capture("(?<n>[0-9]+)").n | tonumber) as $i
    | .lat = (-33.5 + $k * 0.01 + $i * 0.000001)
    | .lon = (151.25 - $k * 0.01 - $i * 0.000001)
    | .alt = (100 + $k + $i / 1000)
    | .heading = (($k * 37 + $i) % 360)
    | .captured_at = (((1753696800 + $k * 3600 + $i) | strftime("%Y-%m-%dT%H:%M:%S"))
                      + "." + ("00" + (($i * 7 + $k) % 1000 | tostring))[-3:] + "Z")
    | .utc_offset = "+02:00"' paths.jsonl >"rec$1.jsonl"
}

# verify RUN OUTFILE: checks every photo after run RUN (killed or not).
# exiftool reads each photo that changed in this run; one byte-identical to
# its state before the run is a version it already read after an earlier run.
verify() {
  python3 - "$1" "$2" "$SNAP" >checks.txt <<'EOF'
import json, os, re, subprocess, sys
from datetime import datetime, timedelta
import jpegcheck
run, outfile, snap = int(sys.argv[1]), sys.argv[2], sys.argv[3]
names = sorted(n for n in os.listdir("p") if not n.startswith("."))
temps = sorted(n for n in os.listdir("p") if n.startswith("."))
recs = {os.path.basename(r["path"]): r for r in map(json.loads, open("rec%d.jsonl" % run))}
# A killed run's stdout, flushed a block at a time, can end inside a line.
printed = [os.path.basename(json.loads(l)["path"]) for l in open(outfile) if l.endswith("\n")]
interrupted = os.path.isdir(os.path.join(snap, "pre"))
tag = "run %d:" % run

def report(what, bad):
    if bad:
        print("FAIL %s %s: %d photos, e.g. %s" % (tag, what, len(bad), "; ".join(bad[:5])))
    else:
        print("ok %s %s" % (tag, what))

report("the photos are all there, temporaries are .NAME.mly-tmp",
       [] if names == sorted(recs) and all(re.fullmatch(r"\.IMG_\d{5}\.JPG\.mly-tmp", t) and t[1:-8] in recs for t in temps)
       else ["photos %d of %d, temporaries %s" % (len(names), len(recs), temps[:5])])
state, incomplete = {}, []
for n in names:
    d = open("p/" + n, "rb").read()
    why = "empty" if not d else jpegcheck.complete(d)
    if why:
        incomplete.append("%s (%d bytes): %s" % (n, len(d), why))
    if not interrupted:
        state[n] = "new"  # the first and last runs are not interrupted
    elif d == open(os.path.join(snap, "pre", n), "rb").read():
        state[n] = "old"
    elif d == open(os.path.join("ref/p", n), "rb").read():
        state[n] = "new"
    else:
        state[n] = "neither"
report("every photo a complete JPEG", incomplete)
if interrupted:
    report("every photo as before the run or as the full run makes it",
           ["%s differs from both" % n for n in names if state[n] == "neither"])
report("every record printed is of a photo written",
       ["%s printed but %s" % (n, state.get(n)) for n in printed if state.get(n) != "new"])
changed = [n for n in names if state[n] != "old"]
new = [n for n in names if state[n] == "new"]
exif = {}
if changed:
    tags = ["-GPS:GPSLatitude", "-GPS:GPSLatitudeRef", "-GPS:GPSLongitude", "-GPS:GPSLongitudeRef",
            "-GPS:GPSAltitude", "-GPS:GPSAltitudeRef", "-GPS:GPSImgDirection", "-ExifIFD:DateTimeOriginal",
            "-ExifIFD:SubSecTimeOriginal", "-ExifIFD:OffsetTimeOriginal", "-Error"]
    out = subprocess.run(["exiftool", "-q", "-q", "-j", "-n", "-G1", "-fast2"] + tags + ["-@", "-"],
                         input="".join("p/%s\n" % n for n in changed), capture_output=True, text=True).stdout
    exif = {os.path.basename(d["SourceFile"]): d for d in json.loads(out or "[]")}
report("exiftool reads every changed photo without error",
       ["%s: %s" % (n, exif.get(n, {}).get("ExifTool:Error", "not read")) for n in changed
        if n not in exif or "ExifTool:Error" in exif[n]])

def carries(n):
    e, r = exif.get(n, {}), recs[n]
    utc = datetime.strptime(r["captured_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    local = utc + timedelta(hours=2)
    try:
        lat = e["GPS:GPSLatitude"] * (-1 if e.get("GPS:GPSLatitudeRef") == "S" else 1)
        lon = e["GPS:GPSLongitude"] * (-1 if e.get("GPS:GPSLongitudeRef") == "W" else 1)
        alt = e["GPS:GPSAltitude"] * (-1 if e.get("GPS:GPSAltitudeRef") == 1 else 1)
        ok = (abs(lat - r["lat"]) < 1e-8 and abs(lon - r["lon"]) < 1e-8 and abs(alt - r["alt"]) < 1e-3
              and abs(e["GPS:GPSImgDirection"] - r["heading"]) < 1e-4
              and e.get("ExifIFD:DateTimeOriginal") == local.strftime("%Y:%m:%d %H:%M:%S")
              and round(float("0.%s" % e.get("ExifIFD:SubSecTimeOriginal")) * 1000) == utc.microsecond // 1000
              and e.get("ExifIFD:OffsetTimeOriginal") == "+02:00")
    except (KeyError, TypeError, ValueError):
        ok = False
    return None if ok else "%s: %r" % (n, {k: v for k, v in e.items() if k != "SourceFile"})
report("every new photo carries this run's values", [x for x in map(carries, new) if x])
print("   run %d: %d new, %d as before, %d temporaries, %d records printed" % (
    run, len(new), len(names) - len(changed), len(temps), len(printed)))
EOF
  tally checks.txt $?
}

# The first, timed run.
records 0
start=$(date +%s%N)
mly-write -q <rec0.jsonl >out0.jsonl 2>err0.txt
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
check "full run 0 exits 0 (got $rc: $(head -c 200 err0.txt))" [ "$rc" -eq 0 ]
echo "a full run of mly-write on $N photos takes $ms ms"
verify 0 out0.jsonl
[ "$ms" -lt 200 ] && echo "note: the run is so short that kills may land after it ended"

interrupted=0
for ((k = 1; k <= KILLS; k++)); do
  records "$k"
  rm -rf "$SNAP/pre" "$WORK/ref"
  mkdir -p "$WORK/ref"
  cp -a p "$SNAP/pre" && cp -a p "$WORK/ref/p"
  # The new version: the same records on a copy, run without interruption.
  (cd "$WORK/ref" && mly-write -q --batch 100000 <"$WORK/rec$k.jsonl" >/dev/null 2>&1)
  check "run $k: reference run exits 0" [ $? -eq 0 ]
  # A delay in the k-th of KILLS equal slices of 90% of the run's duration
  # (a run can be quicker than the timed one: see below).
  slice=$((ms * 9 / 10 / KILLS))
  delay_ms=$(((k - 1) * slice + RANDOM % (slice + 1)))
  mly-write -q <"rec$k.jsonl" >"out$k.jsonl" 2>"err$k.txt" &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null
  { wait "$pid"; } 2>/dev/null  # no "Killed" message from bash
  rc=$?
  pid=
  if [ "$rc" -eq 137 ]; then
    interrupted=$((interrupted + 1))
    echo "run $k: killed after $delay_ms ms"
  else
    echo "run $k: ended by itself (exit $rc) before the kill at $delay_ms ms"
    check "run $k: a run that was not killed exits 0" [ "$rc" -eq 0 ]
    # The timed run was slower than this one (a loaded machine, a cold
    # cache): the runs take less than delay_ms, so the later kills aim there.
    [ "$delay_ms" -gt 0 ] && [ "$delay_ms" -lt "$ms" ] && ms=$delay_ms
  fi
  verify "$k" "out$k.jsonl"
done
rm -rf "$SNAP/pre" "$WORK/ref"
check "most runs were really interrupted ($interrupted of $KILLS)" [ "$interrupted" -ge $((KILLS / 2)) ]

# A last full run finishes the job.
k=$((KILLS + 1))
records "$k"
mly-write -q <"rec$k.jsonl" >"out$k.jsonl" 2>"err$k.txt"
rc=$?
check "final run exits 0 (got $rc: $(head -c 200 "err$k.txt"))" [ "$rc" -eq 0 ]
check "final run prints all $N records" [ "$(wc -l <"out$k.jsonl")" -eq "$N" ]
verify "$k" "out$k.jsonl"
check "no temporary file is left" [ -z "$(find p -name '.*' -type f)" ]
check "no other file appeared" [ "$(find p -type f | wc -l)" -eq "$N" ]
python3 -c '
import hashlib, os, jpegcheck
for n in sorted(os.listdir("p")):
    d = open("p/" + n, "rb").read()
    print(n, hashlib.sha256(d[jpegcheck.segments(d)[1]:]).hexdigest())' >image-data-after.txt ||
  fail "cannot read the photos at the end"
check "the image data of every photo is still the generator's" cmp -s image-data.txt image-data-after.txt
finish
