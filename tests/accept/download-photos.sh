#!/usr/bin/env bash
# download-photos.sh: what mly-batchdl writes into downloaded photos, checked
# with exiftool and an independent JPEG walker against the local server.
#
# The small dataset's six sequences (Berlin; the Dead Sea shore, below sea
# level; Buenos Aires, spherical; across the antimeridian in Fiji, not
# processed; San Francisco, fisheye and upside down; Wellington, spherical)
# are downloaded at their original size. For every photo:
#   - the scan data and every segment but EXIF/XMP are the bytes the server
#     serves (fetched again here with curl), bit for bit;
#   - exiftool reads the position to 1e-7 degrees, the altitude with its
#     sign, GPS date and time in UTC with the fraction, the local time with
#     SubSec and Offset (the offset checked with Python's zoneinfo for the
#     place's zone), the heading, make, model, artist, orientation,
#     dimensions, focal length, ImageUniqueID, and GPano for spherical ones;
#     the expected position and heading follow --geometry/--heading auto,
#     worked out in download_check.py from the dataset;
#   - metadata.jsonl has one line per image with every field of the API.
# Then --quality 80: re-encoded files (other scan data), complete, with the
# same tags as the untouched download.
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/download.bash"
need_commands exiftool python3 jq curl
need_build
dl_setup photos

EXTRA_CONFIG='retries = 2'
fake_start || { fail "the local server does not start"; finish; }
fake_dataset >dataset.json || { fail "no dataset"; finish; }
jq -r '.sequences[].id' dataset.json >seqs.txt

mly-batchdl -q -o out seqs.txt >out.jsonl 2>err.txt
rc=$?
check "mly-batchdl exits 0" [ "$rc" -eq 0 ]
check "nothing on stderr with -q" [ ! -s err.txt ]
[ -s err.txt ] && cat err.txt

# The served bytes, fetched again with curl through a fresh URL.
mkdir served
while read -r id; do
  url=$(graph "/$id?fields=thumb_original_url" | jq -r .thumb_original_url)
  curl -sf -o "served/$id.jpg" "$url" || fail "curl could not fetch image $id"
done < <(jq -r .image_id out.jsonl)

tags=(-GPSLatitude -GPSLongitude -GPSAltitude -GPSAltitudeRef -GPSDateStamp -GPSTimeStamp -GPSImgDirection
  -GPSImgDirectionRef -GPSMapDatum -GPSVersionID -DateTimeOriginal -SubSecTimeOriginal -OffsetTimeOriginal
  -CreateDate -ModifyDate -Make -Model -Artist -Orientation -ExifImageWidth -ExifImageHeight -ImageWidth
  -ImageHeight -FocalLengthIn35mmFormat -ImageUniqueID -ImageDescription -XMP-GPano:all)
exiftool -q -j -n -G1 "${tags[@]}" $(jq -r .path out.jsonl) >exif.json 2>exif.err
check "exiftool reads every photo without an error or warning" [ ! -s exif.err ]
python3 "$ACCEPT/download_check.py" photos dataset.json out.jsonl served exif.json >check.txt
tally check.txt $?

# --quality 80: the Berlin and Buenos Aires sequences again, re-encoded.
two=$(jq -r '.sequences[0].id, .sequences[2].id' dataset.json)
mly-seqdl -q -o q80 --quality 80 $two >q80.jsonl
check "mly-seqdl --quality 80 exits 0" [ $? -eq 0 ]
python3 - out q80 >q80-check.txt <<'PY'
import os, sys, jpegcheck
a, b = sys.argv[1], sys.argv[2]
n = 0
for d, _, files in os.walk(b):
    for f in sorted(files):
        if not f.endswith(".jpg"):
            continue
        n += 1
        new = open(os.path.join(d, f), "rb").read()
        old = open(os.path.join(a, os.path.relpath(d, b), f), "rb").read()
        print(("ok " if jpegcheck.complete(new) is None else "FAIL ") + f + ": re-encoded file complete")
        differ = new[jpegcheck.segments(new)[1]:] != old[jpegcheck.segments(old)[1]:]
        print(("ok " if differ else "FAIL ") + f + ": its scan data differ from the served ones")
print(("ok " if n == 10 else "FAIL ") + "%d re-encoded files" % n)
PY
tally q80-check.txt $?
exiftool -q -j -n -G1 "${tags[@]}" q80/*/*.jpg >q80.json 2>/dev/null
(cd out && exiftool -q -j -n -G1 "${tags[@]}" $(cd ../q80 && ls -d */*.jpg)) >orig.json 2>/dev/null
python3 "$ACCEPT/download_check.py" same-metadata orig.json q80.json >same.txt
tally same.txt $?
finish
