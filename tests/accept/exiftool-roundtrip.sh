#!/usr/bin/env bash
# exiftool-roundtrip.sh: what mly-write writes, exiftool reads back, and
# nothing else in the photo changes.
#
# Photos: generated ones (EXIF with and without OffsetTimeOriginal, and no
# EXIF at all) and every JPEG of $FIX/images that exiftool reads without
# error. Each gets a record with lat/lon (all four hemispheres, nine
# decimals), alt (below and above sea level), captured_at with milliseconds
# and utc_offset, heading, make, model and orientation; after one mly-write
# run, per photo and per property group:
#   write      the record came out on stdout unchanged
#   position   GPSLatitude/Longitude (+Ref) within 1e-8 degree, GPSVersionID, GPSMapDatum
#   altitude   GPSAltitude, negative when GPSAltitudeRef is 1, within 1 mm
#   time       DateTimeOriginal, SubSecTimeOriginal, OffsetTimeOriginal: the local
#              time, computed here from captured_at and utc_offset
#   gps-time   GPSDateStamp and GPSTimeStamp: the UTC instant, to the millisecond
#   heading    GPSImgDirection within 1e-4, GPSImgDirectionRef T
#   camera     Make, Model, Orientation
#   kept       every other tag exiftool listed before still has its value
#   warnings   exiftool reports no warning or error it did not report before
#   bytes      the segments other than EXIF/XMP, and everything from the SOS
#              marker to the end, are byte-identical (jpegcheck.py's walker)
#   scan       mly-scan reads the written fields back
. "$(dirname "$0")/common.bash"
need_commands exiftool python3
need_build
scratch roundtrip
cd "$WORK" || exit 2

mkdir photos
"$MKPHOTOS" photos/gen 3 --kb 24 --start '2019:04:01 08:00:00' --step 1.5 --make GenCam --model 'Gen 1'
"$MKPHOTOS" photos/genoff 2 --kb 24 --start '2020:10:25 01:30:00' --offset +02:00 --seed 7
"$MKPHOTOS" photos/noexif 2 --kb 24 --no-exif --seed 11
if have_fixtures; then
  # Every file exiftool reads as a JPEG without an error.
  exiftool -q -q -j -FileType -Error "$FIX/images" >fixtures.json 2>/dev/null
  python3 - "$FIX/images" >fixtures.txt <<'EOF' || fail "cannot list the fixtures"
import json, os, sys
names = set(os.listdir(sys.argv[1]))
for d in json.load(open("fixtures.json")):
    name = os.path.basename(d["SourceFile"])
    if d.get("FileType") == "JPEG" and "Error" not in d and name in names:
        print(name)
EOF
  mkdir photos/fix
  while IFS= read -r name; do
    cp "$FIX/images/$name" "photos/fix/$name" && chmod 644 "photos/fix/$name"
  done <fixtures.txt
  echo "$(wc -l <fixtures.txt) fixture photos, $(find photos -type f | wc -l) photos in all"
else
  echo "note: no fixtures at $FIX: generated photos only"
fi
find photos -type f | sort >list.txt
cp -a photos orig

exiftool -q -q -j -G0:1 -n -a -u -@ list.txt >before.json 2>/dev/null

# The records (the checks below compute what each should give).
python3 - <<'EOF' || fail "cannot make the records"
import json
# Each photo gets one of these, in turn. Offsets other than whole hours,
# local dates on the other side of midnight from UTC, leap day, .999 s.
SETS = [
    dict(lat=-33.868819123, lon=151.209290456, alt=-12.345, captured_at="2025-07-28T10:07:30.120Z",
         utc_offset="+05:30", heading=123.4567, make="Acme Optics", model="Street 3000", orientation=6),
    dict(lat=40.689247123, lon=-74.044502456, alt=93.5, captured_at="2024-02-29T23:59:59.999Z",
         utc_offset="-07:00", heading=359.9999, make="Mly Test", model="Pano X", orientation=8),
    dict(lat=-22.951916987, lon=-43.210487654, alt=0.001, captured_at="2023-12-31T20:30:00.007Z",
         utc_offset="+05:30", heading=0, make="Acme Optics", model="Street 3000 Mk II", orientation=1),
    dict(lat=64.146582001, lon=-21.942635999, alt=-0.5, captured_at="2021-06-30T00:00:00.000Z",
         utc_offset="-07:00", heading=90.00005, make="Rig", model="Bike Mount", orientation=3),
    dict(lat=-89.999999999, lon=-179.999999999, alt=8848.865, captured_at="2000-01-01T00:00:00.500Z",
         utc_offset="+14:00", heading=180.0001, make="Polar", model="Station", orientation=2),
    dict(lat=51.999999999999, lon=179.999999999, alt=-430.5, captured_at="2016-12-31T23:59:59.001Z",
         utc_offset="-09:30", heading=270.25, make="Sea Level", model="Dead Sea", orientation=5),
]
before = {d["SourceFile"]: d for d in json.load(open("before.json"))}
paths = [l.rstrip("\n") for l in open("list.txt")]
with open("records.jsonl", "w") as out:
    for i, p in enumerate(paths):
        rec = {"path": p, "id": i}
        rec.update(SETS[i % len(SETS)])
        b = before.get(p, {})
        if any(k.startswith("MakerNotes:") for k in b):
            # exiftool decodes maker notes by the camera's Make and Model:
            # a new make would change how it reads the (unchanged) maker
            # notes. Such photos get their own make and model written back.
            for f, tag in (("make", "EXIF:IFD0:Make"), ("model", "EXIF:IFD0:Model")):
                if isinstance(b.get(tag), str) and b[tag].strip():
                    rec[f] = b[tag]
                else:
                    del rec[f]
        out.write(json.dumps(rec) + "\n")
EOF

mly-write -q <records.jsonl >written.jsonl 2>write.err
rc=$?
check "mly-write exits 0 (got $rc)" [ "$rc" -eq 0 ]
[ -s write.err ] && sed 's/^/  mly-write: /' write.err
exiftool -q -q -j -G0:1 -n -a -u -@ list.txt >after.json 2>/dev/null
xargs -d '\n' mly-scan -q <list.txt >scanned.jsonl 2>scan.err
check "mly-scan exits 0 on the written photos" [ $? -eq 0 ]
[ -s scan.err ] && sed 's/^/  mly-scan: /' scan.err

python3 - >checks.txt <<'EOF'
import json, os
from datetime import datetime, timedelta
import jpegcheck

def load_dups(path):
    # exiftool -a can list a tag twice: keep both, as KEY and KEY#2.
    def hook(pairs):
        d = {}
        for k, v in pairs:
            key, n = k, 1
            while key in d:
                n += 1
                key = "%s#%d" % (k, n)
            d[key] = v
        return d
    return {d["SourceFile"]: d for d in json.load(open(path), object_pairs_hook=hook)}

before, after = load_dups("before.json"), load_dups("after.json")
records = [json.loads(l) for l in open("records.jsonl")]
written = {}
for l in open("written.jsonl"):
    r = json.loads(l)
    written[r["path"]] = r
scanned = {}
for l in open("scanned.jsonl"):
    r = json.loads(l)
    scanned[r["path"]] = r

WRITTEN = {"EXIF:IFD0:Make", "EXIF:IFD0:Model", "EXIF:IFD0:Orientation",
           "EXIF:ExifIFD:DateTimeOriginal", "EXIF:ExifIFD:SubSecTimeOriginal", "EXIF:ExifIFD:OffsetTimeOriginal"}
WRITTEN |= {"EXIF:GPS:" + t for t in (
    "GPSVersionID GPSLatitudeRef GPSLatitude GPSLongitudeRef GPSLongitude GPSAltitudeRef GPSAltitude "
    "GPSTimeStamp GPSDateStamp GPSImgDirectionRef GPSImgDirection GPSMapDatum").split()}
SKIP_GROUPS = {"SourceFile", "File", "ExifTool", "Composite"}

def check(name, problems):
    if problems:
        print("FAIL %s: %s" % (name, "; ".join(problems)))
    else:
        print("ok %s" % name)

def near(what, got, want, tol, problems):
    if not isinstance(got, (int, float)) or abs(got - want) > tol:
        problems.append("%s %r, want %r (within %g)" % (what, got, want, tol))

def equal(what, got, want, problems):
    if got != want:
        problems.append("%s %r, want %r" % (what, got, want))

def seconds(hms):
    h, m, s = str(hms).split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)

def segment_offset(data, pred):
    """File offset of the first segment before SOS matching pred."""
    segs, _ = jpegcheck.segments(data)
    for off, (m, p) in zip(jpegcheck.offsets(data), segs):
        if pred(m, p):
            return off
    raise ValueError("no such segment")

for rec in records:
    path = rec["path"]
    name = path[len("photos/"):]
    if path not in before or path not in after:
        print("FAIL %s exiftool: not read %s the write" % (name, "before" if path not in before else "after"))
    b, a = before.get(path, {}), after.get(path, {})
    utc = datetime.strptime(rec["captured_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    sign = -1 if rec["utc_offset"][0] == "-" else 1
    off = timedelta(minutes=sign * (int(rec["utc_offset"][1:3]) * 60 + int(rec["utc_offset"][4:6])))
    local = utc + off
    ms = utc.microsecond // 1000

    check("%s write" % name, [] if written.get(path) == rec else
          ["not on mly-write's output unchanged: %r" % written.get(path)])

    p = []
    lat = a.get("EXIF:GPS:GPSLatitude")
    lon = a.get("EXIF:GPS:GPSLongitude")
    if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
        near("lat", lat * (-1 if a.get("EXIF:GPS:GPSLatitudeRef") == "S" else 1), rec["lat"], 1e-8, p)
        near("lon", lon * (-1 if a.get("EXIF:GPS:GPSLongitudeRef") == "W" else 1), rec["lon"], 1e-8, p)
        equal("GPSLatitudeRef", a.get("EXIF:GPS:GPSLatitudeRef"), "S" if rec["lat"] < 0 else "N", p)
        equal("GPSLongitudeRef", a.get("EXIF:GPS:GPSLongitudeRef"), "W" if rec["lon"] < 0 else "E", p)
    else:
        p.append("GPSLatitude %r GPSLongitude %r" % (lat, lon))
    equal("GPSVersionID", a.get("EXIF:GPS:GPSVersionID"), "2 3 0 0", p)
    equal("GPSMapDatum", a.get("EXIF:GPS:GPSMapDatum"), "WGS-84", p)
    check("%s position" % name, p)

    p = []
    alt = a.get("EXIF:GPS:GPSAltitude")
    if isinstance(alt, (int, float)):
        near("alt", alt * (-1 if a.get("EXIF:GPS:GPSAltitudeRef") == 1 else 1), rec["alt"], 1e-3, p)
        equal("GPSAltitudeRef", a.get("EXIF:GPS:GPSAltitudeRef"), 1 if rec["alt"] < 0 else 0, p)
    else:
        p.append("GPSAltitude %r" % alt)
    check("%s altitude" % name, p)

    p = []
    equal("DateTimeOriginal", a.get("EXIF:ExifIFD:DateTimeOriginal"), local.strftime("%Y:%m:%d %H:%M:%S"), p)
    sub = str(a.get("EXIF:ExifIFD:SubSecTimeOriginal"))
    if not sub.isdigit() or round(float("0." + sub) * 1000) != ms:
        p.append("SubSecTimeOriginal %r, want %03d ms" % (sub, ms))
    equal("OffsetTimeOriginal", a.get("EXIF:ExifIFD:OffsetTimeOriginal"), rec["utc_offset"], p)
    check("%s time" % name, p)

    p = []
    equal("GPSDateStamp", a.get("EXIF:GPS:GPSDateStamp"), utc.strftime("%Y:%m:%d"), p)
    try:
        near("GPSTimeStamp (s)", seconds(a.get("EXIF:GPS:GPSTimeStamp")),
             utc.hour * 3600 + utc.minute * 60 + utc.second + ms / 1000, 0.0005, p)
    except (ValueError, TypeError):
        p.append("GPSTimeStamp %r" % a.get("EXIF:GPS:GPSTimeStamp"))
    check("%s gps-time" % name, p)

    p = []
    near("GPSImgDirection", a.get("EXIF:GPS:GPSImgDirection"), rec["heading"], 1e-4, p)
    equal("GPSImgDirectionRef", a.get("EXIF:GPS:GPSImgDirectionRef"), "T", p)
    check("%s heading" % name, p)

    p = []
    for f, tag in (("make", "EXIF:IFD0:Make"), ("model", "EXIF:IFD0:Model")):
        if f in rec:
            equal(tag, a.get(tag), rec[f], p)
    equal("Orientation", a.get("EXIF:IFD0:Orientation"), rec["orientation"], p)
    check("%s camera" % name, p)

    # Everything else exiftool saw before is still there with its value.
    p = []
    raw_b = open("orig/" + name, "rb").read()
    raw_a = open(path, "rb").read()
    is_mpf = lambda m, pl: m == 0xE2 and pl.startswith(b"MPF\0")
    for k, v in b.items():
        if k.split(":")[0] in SKIP_GROUPS or k.split("#")[0] in WRITTEN:
            continue
        if k not in a:
            p.append("%s (%.60r) is gone" % (k, v))
        elif a[k] != v:
            if k.startswith("MPF:MPImage") and k.endswith(":MPImageStart") and isinstance(v, int):
                # exiftool shows MPImageStart as a file offset; the value
                # stored is relative to the MPF segment, which moves with the
                # EXIF segment before it. It must move by exactly that much.
                try:
                    shift = segment_offset(raw_a, is_mpf) - segment_offset(raw_b, is_mpf)
                except Exception as e:
                    shift = "unknown (%s)" % e
                if a[k] - v == shift:
                    continue
            p.append("%s %.60r became %.60r" % (k, v, a[k]))
    had_exif_ifd = any(k.startswith("EXIF:ExifIFD:") for k in b)
    had_exif = any(k.startswith("EXIF:") for k in b)
    # EXIF made from nothing carries the tags Exif 2.3 requires of a JPEG
    # (4.6.3-4.6.5), with these values; the image size is the JPEG's.
    required = {
        "EXIF:IFD0:XResolution": 72, "EXIF:IFD0:YResolution": 72, "EXIF:IFD0:ResolutionUnit": 2,
        "EXIF:IFD0:YCbCrPositioning": 1, "EXIF:ExifIFD:ComponentsConfiguration": "1 2 3 0",
        "EXIF:ExifIFD:FlashpixVersion": "0100", "EXIF:ExifIFD:ColorSpace": 1,
        "EXIF:ExifIFD:ExifImageWidth": a.get("File:ImageWidth"), "EXIF:ExifIFD:ExifImageHeight": a.get("File:ImageHeight"),
    }
    for k, v in a.items():
        if k.split(":")[0] in SKIP_GROUPS or k.split("#")[0] in WRITTEN or k in b:
            continue
        if k == "EXIF:ExifIFD:ExifVersion" and not had_exif_ifd:
            # An Exif IFD made from nothing needs its ExifVersion (EXIF 2.3
            # 4.6.5: mandatory); OffsetTime* came with version 0231.
            continue
        if k in required and not had_exif:
            if v != required[k]:
                p.append("required tag %s = %.60r, expected %.60r" % (k, v, required[k]))
            continue
        p.append("new tag %s = %.60r" % (k, v))
    if not had_exif:
        p += ["required tag %s missing" % k for k in required if k not in a]
    check("%s kept" % name, p)

    p = []
    for k in ("ExifTool:Warning", "ExifTool:Error"):
        if a.get(k) is not None and a.get(k) != b.get(k):
            p.append("%s %r (before: %r)" % (k, a.get(k), b.get(k)))
    check("%s warnings" % name, p)

    p = []
    try:
        sb, pos_b = jpegcheck.segments(raw_b)
        sa, pos_a = jpegcheck.segments(raw_a)
        ob = [(m, pl) for m, pl in sb if not jpegcheck.is_metadata(m, pl)]
        oa = [(m, pl) for m, pl in sa if not jpegcheck.is_metadata(m, pl)]
        if ob != oa:
            p.append("the non-metadata segments differ: %s -> %s" % (
                " ".join("%02X/%d" % (m, len(pl)) for m, pl in ob),
                " ".join("%02X/%d" % (m, len(pl)) for m, pl in oa)))
        if raw_b[pos_b:] != raw_a[pos_a:]:
            p.append("the bytes from SOS to the end differ (%d bytes at %d, %d at %d)" % (
                len(raw_b) - pos_b, pos_b, len(raw_a) - pos_a, pos_a))
        why = jpegcheck.complete(raw_a)
        if why:
            p.append("written file is not a complete JPEG: " + why)
    except jpegcheck.BadJpeg as e:
        p.append("cannot walk the JPEG: %s" % e)
    check("%s bytes" % name, p)

    p = []
    s = scanned.get(path)
    if s is None:
        p.append("mly-scan gave no record")
    else:
        equal("captured_at", s.get("captured_at"), rec["captured_at"], p)
        equal("utc_offset", s.get("utc_offset"), rec["utc_offset"], p)
        for f, tol in (("lat", 1e-8), ("lon", 1e-8), ("alt", 1e-3), ("heading", 1e-4)):
            near(f, s.get(f), rec[f], tol, p)
        for f in ("make", "model", "orientation"):
            if f in rec:
                equal(f, s.get(f), rec[f], p)
    check("%s scan" % name, p)
EOF
tally checks.txt $?
finish
