#!/usr/bin/env bash
# scan-vs-exiftool.sh: mly-scan against exiftool on every fixture photo.
#
# 1. Robustness: every file of $FIX/images, and cut-short copies of each, go
#    through mly-scan under a 10 s limit: it must end by itself with status
#    0 or 1 (never a signal, never a hang), and print one record on 0.
# 2. Agreement: for each photo exiftool reads as a JPEG, the fields mly-scan
#    printed (with --tz +00:00, so only offsets stored in the photo matter)
#    against `exiftool -n -j`, following the sources and fallbacks that
#    man/man1/mly-scan.1 documents:
#      time      DateTimeOriginal+SubSecTimeOriginal+OffsetTimeOriginal, else
#                CreateDate (DateTimeDigitized), else IFD0 ModifyDate
#                (DateTime) with SubSecTime/OffsetTime, else the GPS date and
#                time stamp (UTC), else XMP exif:DateTimeOriginal (else
#                xmp:CreateDate, as lib/mapi/xmp.hpp reads it); to the
#                millisecond; utc_offset is the photo's own offset when it
#                stores one, else +00:00 (the --tz)
#      position  GPSLatitude/GPSLongitude signed by their Ref, within 1e-9
#                degree; else XMP exif:GPSLatitude/GPSLongitude
#      altitude  GPSAltitude, negative with GPSAltitudeRef 1; else XMP's
#      heading   GPSImgDirection, else GPSTrack, within 1e-6
#      camera    IFD0 Make and Model
#      orientation  IFD0 Orientation when 1..8, else absent
#      size      width/height: exiftool's ImageWidth/ImageHeight (the SOF)
#      spherical camera_type when XMP GPano ProjectionType is equirectangular
#    One check per photo and field group; a failure names the file, the
#    field, what exiftool says and what mly-scan said.
. "$(dirname "$0")/common.bash"
need_commands exiftool python3 timeout
have_fixtures || skip "no fixtures at $FIX"
need_build
scratch scan
cd "$WORK" || exit 2

# 1. Robustness.
mkdir cut
for f in "$FIX"/images/*; do
  [ -f "$f" ] || continue
  name=${f##*/}
  size=$(stat -c %s "$f")
  for n in 2 100 1000 $((size / 3)) $((size / 2)) $((size - 1)); do
    [ "$n" -gt 0 ] && [ "$n" -lt "$size" ] && head -c "$n" "$f" >"cut/$n-$name"
  done
done
robust() { # robust FILE WANT_RECORD
  local f=$1 rc out
  timeout -s KILL 10 mly-scan -q --tz +00:00 "$f" >out.jsonl 2>err.txt </dev/null
  rc=$?
  if [ "$rc" -eq 137 ]; then
    fail "${f##*/}: mly-scan still running after 10 s (killed)"
  elif [ "$rc" -gt 1 ]; then
    fail "${f##*/}: mly-scan exit status $rc ($(kill -l $((rc - 128)) 2>/dev/null || echo 'not 0 or 1')): $(head -c 200 err.txt)"
  elif [ "$rc" -eq 0 ] && [ "$(wc -l <out.jsonl)" -ne 1 ]; then
    fail "${f##*/}: exit 0 but $(wc -l <out.jsonl) records"
  elif [ "$rc" -eq 1 ] && [ ! -s err.txt ]; then
    fail "${f##*/}: exit 1 without a message"
  else
    pass "${f##*/}: mly-scan exit $rc"
    [ "$rc" -eq 0 ] && [ "$2" = yes ] && cat out.jsonl >>scanned.jsonl
    [ "$rc" -eq 1 ] && [ "$2" = yes ] && echo "${f##*/}: $(cat err.txt)" >>scan-errors.txt
  fi
}
: >scanned.jsonl
for f in "$FIX"/images/*; do [ -f "$f" ] && robust "$f" yes; done
for f in cut/*; do robust "$f" no; done
echo "$(find cut -type f | wc -l) cut-short copies scanned"

# 2. Agreement.
exiftool -q -q -j -G0:1 -n -a -u "$FIX/images" >exiftool.json 2>/dev/null
python3 - >checks.txt <<'EOF'
import json, os, re
from datetime import datetime, timedelta, timezone

exif = {os.path.basename(d["SourceFile"]): d for d in json.load(open("exiftool.json"))}
scan = {}
for line in open("scanned.jsonl"):
    r = json.loads(line)
    scan[os.path.basename(r["path"])] = r
errors = {}
if os.path.exists("scan-errors.txt"):
    for line in open("scan-errors.txt"):
        name, _, msg = line.partition(": ")
        errors[name] = msg.strip()

def num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None

def offset_minutes(s):
    m = re.fullmatch(r"([+-])(\d\d):(\d\d)", s.strip()) if isinstance(s, str) else None
    if not m:
        return None
    return (1 if m.group(1) == "+" else -1) * (int(m.group(2)) * 60 + int(m.group(3)))

def fmt_offset(minutes):
    return "%s%02d:%02d" % ("-" if minutes < 0 else "+", abs(minutes) // 60, abs(minutes) % 60)

def exif_time(dt, subsec, offset):
    """(UTC datetime, offset minutes) of an EXIF date, its SubSec and
    OffsetTime tags; None when the date is not a valid one."""
    if not isinstance(dt, str):
        return None
    dt = dt.strip()
    m = re.fullmatch(r"(\d{4}):(\d\d):(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?([+-]\d\d:\d\d|Z)?", dt)
    if not m:
        return None
    try:
        t = datetime(*(int(m.group(i)) for i in range(1, 7)))
    except ValueError:
        return None
    # A fraction or offset written into the date itself counts when the
    # separate tag is absent.
    frac = str(subsec).strip() if subsec is not None and str(subsec).strip() else m.group(7)
    if frac and frac.isdigit():
        t += timedelta(seconds=float("0." + frac))
    off = offset_minutes(offset)
    if off is None and m.group(8):
        off = 0 if m.group(8) == "Z" else offset_minutes(m.group(8))
    if off is None:
        return t, None  # read in --tz +00:00
    return t - timedelta(minutes=off), off

def expected_time(d):
    for dt, sub, off in (("EXIF:ExifIFD:DateTimeOriginal", "EXIF:ExifIFD:SubSecTimeOriginal", "EXIF:ExifIFD:OffsetTimeOriginal"),
                         ("EXIF:ExifIFD:CreateDate", "EXIF:ExifIFD:SubSecTimeDigitized", "EXIF:ExifIFD:OffsetTimeDigitized"),
                         ("EXIF:IFD0:ModifyDate", "EXIF:ExifIFD:SubSecTime", "EXIF:ExifIFD:OffsetTime")):
        r = exif_time(d.get(dt), d.get(sub), d.get(off))
        if r:
            return r, dt
    ds, ts = d.get("EXIF:GPS:GPSDateStamp"), d.get("EXIF:GPS:GPSTimeStamp")
    if isinstance(ds, str) and isinstance(ts, str):
        try:
            day = datetime.strptime(ds.strip(), "%Y:%m:%d")
            h, mi, s = ts.split(":")
            if day.year > 1970:  # 1970-01-01: what a GPS without a fix writes
                return (day + timedelta(hours=int(h), minutes=int(mi), seconds=float(s)), None), "GPS date/time"
        except ValueError:
            pass
    for tag in ("XMP:XMP-exif:DateTimeOriginal", "XMP:XMP-xmp:CreateDate"):
        r = exif_time(d.get(tag), None, None)
        if r:
            return r, tag
    return None, None

def check(name, field, problems):
    if problems:
        print("FAIL %s %s: %s" % (name, field, "; ".join(problems)))
    else:
        print("ok %s %s" % (name, field))

def near(what, got, want, tol, p):
    if want is None or got is None:
        if want is not None or got is not None:
            p.append("%s: exiftool %r, mly-scan %r" % (what, want, got))
    elif num(got) is None or abs(got - want) > tol:
        p.append("%s: exiftool %r, mly-scan %r (more than %g apart)" % (what, want, got, tol))

def same(what, got, want, p):
    if got != want:
        p.append("%s: exiftool %r, mly-scan %r" % (what, want, got))

for name in sorted(exif):
    d = exif[name]
    if d.get("File:FileType") != "JPEG" or "ExifTool:Error" in d:
        continue
    if name not in scan:
        print("FAIL %s record: exiftool reads this JPEG, mly-scan failed: %s" % (name, errors.get(name, "?")))
        continue
    r = scan[name]

    p = []
    (t, source) = expected_time(d)
    if t is None:
        same("captured_at", r.get("captured_at"), None, p)
        same("utc_offset", r.get("utc_offset"), None, p)
    else:
        utc, off = t
        got = r.get("captured_at")
        try:
            g = datetime.strptime(got, "%Y-%m-%dT%H:%M:%S.%fZ")
            # mly-scan gives milliseconds: within 1 ms of a longer fraction.
            if not re.fullmatch(r".*\.\d{3}Z", got) or abs((g - utc).total_seconds()) >= 0.001:
                raise ValueError
        except (TypeError, ValueError):
            p.append("captured_at (from %s): exiftool %s, mly-scan %r" % (source, utc.isoformat(timespec="microseconds"), got))
        same("utc_offset (from %s)" % source, r.get("utc_offset"), fmt_offset(off or 0), p)
    check(name, "time", p)

    p = []
    lat, lon = num(d.get("EXIF:GPS:GPSLatitude")), num(d.get("EXIF:GPS:GPSLongitude"))
    if lat is not None and lon is not None and lat <= 90 and lon <= 180:
        lat *= -1 if d.get("EXIF:GPS:GPSLatitudeRef") == "S" else 1
        lon *= -1 if d.get("EXIF:GPS:GPSLongitudeRef") == "W" else 1
    else:
        lat, lon = num(d.get("XMP:XMP-exif:GPSLatitude")), num(d.get("XMP:XMP-exif:GPSLongitude"))
        if lat is None or lon is None:
            lat = lon = None
    near("lat", r.get("lat"), lat, 1e-9, p)
    near("lon", r.get("lon"), lon, 1e-9, p)
    check(name, "position", p)

    p = []
    alt = num(d.get("EXIF:GPS:GPSAltitude"))
    if alt is not None:
        alt *= -1 if d.get("EXIF:GPS:GPSAltitudeRef") == 1 else 1
    else:
        alt = num(d.get("XMP:XMP-exif:GPSAltitude"))
        if alt is not None:
            alt *= -1 if d.get("XMP:XMP-exif:GPSAltitudeRef") == 1 else 1
    near("alt", r.get("alt"), alt, 1e-6, p)
    check(name, "altitude", p)

    p = []
    h = num(d.get("EXIF:GPS:GPSImgDirection"))
    if h is None:
        h = num(d.get("EXIF:GPS:GPSTrack"))
    if h is not None:
        h = h % 360
    near("heading", r.get("heading"), h, 1e-6, p)
    check(name, "heading", p)

    p = []
    for f, tag in (("make", "EXIF:IFD0:Make"), ("model", "EXIF:IFD0:Model")):
        v = d.get(tag)
        v = str(v).strip() if v is not None and str(v).strip() else None
        same(f, r.get(f), v, p)
    check(name, "camera", p)

    p = []
    o = d.get("EXIF:IFD0:Orientation")
    same("orientation", r.get("orientation"), o if isinstance(o, int) and 1 <= o <= 8 else None, p)
    check(name, "orientation", p)

    p = []
    same("width", r.get("width"), d.get("File:ImageWidth"), p)
    same("height", r.get("height"), d.get("File:ImageHeight"), p)
    check(name, "size", p)

    p = []
    same("camera_type", r.get("camera_type"),
         "spherical" if d.get("XMP:XMP-GPano:ProjectionType") == "equirectangular" else None, p)
    check(name, "spherical", p)
EOF
tally checks.txt $?
finish
