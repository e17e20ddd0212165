#!/usr/bin/env bash
# reflink.sh: writing photos on a file system that shares blocks between
# files (XFS with reflinks, made in a loop image for the test).
#
# There mly-write pads the EXIF so that the image data keeps its offset
# within a block, and the temporary shares the photo's blocks instead of
# copying them. Checked, against the same writes on the scratch directory's
# own file system (where it must not pad unless that one shares blocks too):
#   - the photos differ only by the padding: the EXIF segment is the same TIFF
#     followed by "mly:pad\0" and zeros, every other byte is the same, and
#     exiftool reads the same tags (File group aside) with no new warning;
#   - the file grew by a multiple of the block size, so the rest kept its
#     place, and its blocks are shared with the original (xfs_io fiemap flag
#     0x2000, seen through a second link kept to the original);
#   - a second write keeps the size (the padding is reused); the padded photo
#     written on the other file system comes out as if never padded;
#   - mly-tag --write and mly-geotag-gpx --write pad the same way;
#   - exiftool-roundtrip.sh and kill-during-write.sh pass with their scratch
#     directories on the XFS, and so do the unit tests of [fs] and [jpeg].
# Needs root, unshare -m (the mount stays private to the test), mkfs.xfs,
# xfs_io and a loop device; it is skipped where any of them is missing.
if [ "${1-}" != --inside ] && [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
  unshare -m --propagation private true 2>/dev/null; then
  exec unshare -m --propagation private -- bash "$0" --inside
fi
. "$(dirname "$0")/common.bash"
[ "${1-}" = --inside ] || skip "needs root and unshare -m to mount a file system image"
need_commands mkfs.xfs xfs_io exiftool python3 jq mount umount
need_build
scratch reflink
cd "$WORK" || exit 2
cleanup_hook() { mountpoint -q "$WORK/x" 2>/dev/null && umount "$WORK/x"; }
truncate -s 1G xfs.img && mkfs.xfs -q -m reflink=1 xfs.img 2>mkfs.err || skip "mkfs.xfs failed: $(head -c 200 mkfs.err)"
mkdir x && mount -o loop xfs.img x 2>mount.err || skip "cannot mount a loop device here: $(head -c 200 mount.err)"
copy_tools "$ROOT/bin/mly-tag" "$ROOT/bin/mly-geotag-gpx" "$ROOT/bin/mly-split"
X=$WORK/x
mkdir "$X/tmp" plain

# Photos of about 300 KB.
"$MKPHOTOS" orig 12 --kb 600 --seed 5 --start '2024:06:01 10:00:00' --step 2 >/dev/null || { fail "mkphotos"; finish; }
cp -r --reflink=never orig "$X/p" && cp -r orig plain/p
mkdir "$X/keep" && ln "$X/p/IMG_00003.JPG" "$X/keep/IMG_00003.JPG"

# records DIR K: a record for each photo of DIR, values depending on K.
records() {
  mly-scan -q "$1" | jq -c --argjson k "$2" '
    (.path | [match("[0-9]+$"; "g").string][0] // "0" | tonumber) as $i
    | .lat = (48.1 + $k * 0.01 + $i * 1e-6) | .lon = (11.5 - $k * 0.01) | .alt = (-3.25 + $k)
    | .heading = (($k * 40 + $i) % 360) | .utc_offset = "+02:00"'
}
records "$X/p" 1 >x1.jsonl && records plain/p 1 >plain1.jsonl
check "written on XFS (exit 0)" mly-write -q <x1.jsonl >/dev/null
check "written on the scratch file system (exit 0)" mly-write -q <plain1.jsonl >/dev/null
block=$(stat -c %o "$X/p/IMG_00001.JPG")
plain_pads=no
cp --reflink=always orig/IMG_00001.JPG plain/.probe 2>/dev/null && plain_pads=maybe
rm -f plain/.probe

# compare X PLAIN: the padding is the only difference.
compare() {
  python3 - "$1" "$2" "$3" "$block" <<'EOF'
import os, sys, jpegcheck
what, xdir, pdir, block = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def exif(d):
    for m, p in jpegcheck.segments(d)[0]:
        if m == 0xE1 and p.startswith(b"Exif\0\0"):
            return p[6:]
    return None
bad_pad, bad_rest, unpadded = [], [], []
for n in sorted(os.listdir(xdir)):
    x, p = open(os.path.join(xdir, n), "rb").read(), open(os.path.join(pdir, n), "rb").read()
    ex, ep = exif(x), exif(p)
    if x == p:
        unpadded.append(n)
        continue
    pad = ex[len(ep):] if ex is not None and ep is not None and ex.startswith(ep) else b""
    if not pad.startswith(b"mly:pad\0") or pad.strip(b"\0") != b"mly:pad":
        bad_pad.append(n)
    # Everything but the EXIF payload is the same.
    sx, sp = jpegcheck.segments(x), jpegcheck.segments(p)
    other = lambda segs: [(m, q) for m, q in segs if not (m == 0xE1 and q.startswith(b"Exif\0\0"))]
    if other(sx[0]) != other(sp[0]) or x[sx[1]:] != p[sp[1]:]:
        bad_rest.append(n)
print(("ok " if not bad_pad else "FAIL ") + "%s: each photo's EXIF is the other's TIFF, 'mly:pad', zeros %s" % (what, bad_pad[:3]))
print(("ok " if not bad_rest else "FAIL ") + "%s: every other byte the same %s" % (what, bad_rest[:3]))
print(("ok " if not unpadded else "FAIL ") + "%s: every photo padded on XFS %s" % (what, unpadded[:3]))
EOF
}
if [ "$plain_pads" = no ]; then
  compare "mly-write" "$X/p" plain/p >cmp1.txt
  tally cmp1.txt $?
else
  echo "(the scratch directory's file system shares blocks too: the byte comparison is left out)"
fi
python3 - "$X/p" orig "$block" >grow.txt <<'EOF'
import os, sys
x, o, block = sys.argv[1], sys.argv[2], int(sys.argv[3])
bad = [n for n in sorted(os.listdir(x))
       if (os.path.getsize(os.path.join(x, n)) - os.path.getsize(os.path.join(o, n))) % block != 0]
print(("ok " if not bad else "FAIL ") + "each padded photo grew by a multiple of %d bytes %s" % (block, bad[:3]))
EOF
tally grow.txt $?
# (Sorted by name: exiftool lists a directory in the file system's order.)
exiftool -j -n -a -G1 -x 'System:all' -x 'File:all' -x 'ExifTool:all' "$X/p" 2>/dev/null |
  jq -S 'map(.SourceFile |= sub(".*/"; "")) | sort_by(.SourceFile)' >tags-x.json
exiftool -j -n -a -G1 -x 'System:all' -x 'File:all' -x 'ExifTool:all' plain/p 2>/dev/null |
  jq -S 'map(.SourceFile |= sub(".*/"; "")) | sort_by(.SourceFile)' >tags-plain.json
check "exiftool reads the same tags from both" cmp -s tags-x.json tags-plain.json
check "exiftool reads 12 photos" [ "$(jq length tags-x.json)" -eq 12 ]
exiftool -q -validate -warning -a "$X/p" 2>&1 | sed "s|$X/||" | sort >warn-x.txt
exiftool -q -validate -warning -a plain/p 2>&1 | sed "s|plain/||" | sort >warn-plain.txt
check "exiftool -validate warns of nothing more on XFS" cmp -s warn-x.txt warn-plain.txt
fiemap=$(xfs_io -c 'fiemap -v' "$X/p/IMG_00003.JPG")
check "the written photo shares its blocks with the original (fiemap flag 0x2000)" \
  python3 -c 'import sys; sys.exit(not any(int(l.split()[-1], 16) & 0x2000 for l in sys.stdin.read().splitlines()[2:]))' <<<"$fiemap"
check "the original, kept by a second link, is unchanged" cmp -s "$X/keep/IMG_00003.JPG" orig/IMG_00003.JPG

# The padded photos, to be written where blocks are not shared (below).
mkdir moved && cp "$X"/p/*.JPG moved/

# A second write: the padding is reused, the size stays.
ls -l "$X/p" | awk '{ print $5, $9 }' >sizes1.txt
records "$X/p" 2 >x2.jsonl
check "a second write on XFS (exit 0)" mly-write -q <x2.jsonl >/dev/null
ls -l "$X/p" | awk '{ print $5, $9 }' >sizes2.txt
check "a second write keeps every size" cmp -s sizes1.txt sizes2.txt
check "the second write's values are read back" \
  [ "$(exiftool -n -p '$GPSAltitude' "$X/p/IMG_00004.JPG")" = "-1.25" ]

# The padded photos written where blocks are not shared: as if never padded.
if [ "$plain_pads" = no ]; then
  records plain/p 2 >plain2.jsonl
  mly-write -q <plain2.jsonl >/dev/null
  sed "s|\"path\":\"[^\"]*/p/|\"path\":\"moved/|" x2.jsonl | mly-write -q >/dev/null
  check "a padded photo written elsewhere loses its padding" diff -r -q moved plain/p
fi

# mly-tag --write and mly-geotag-gpx --write go the same way.
cp -r --reflink=never orig "$X/t"
awk 'BEGIN { print "<?xml version=\"1.0\"?>\n<gpx version=\"1.1\" creator=\"t\" xmlns=\"http://www.topografix.com/GPX/1/1\"><trk><trkseg>"
  for (i = -2; i < 40; i++) printf "<trkpt lat=\"%.6f\" lon=\"11.5\"><ele>500</ele><time>2024-06-01T10:00:%02dZ</time></trkpt>\n", 48 + i * 1e-4, i < 0 ? 0 : i
  print "</trkseg></trk></gpx>" }' >t.gpx
mly-scan -q "$X/t" | mly-geotag-gpx -q --write t.gpx >geo.jsonl
check "mly-geotag-gpx --write on XFS (exit 0, 12 photos)" [ $? -eq 0 -a "$(wc -l <geo.jsonl)" -eq 12 ]
mly-split -q <geo.jsonl | mly-tag -q --write >tag.jsonl
check "mly-tag --write on XFS (exit 0, 12 photos)" [ $? -eq 0 -a "$(wc -l <tag.jsonl)" -eq 12 ]
python3 - "$X/t" orig "$block" >tag.txt <<'EOF'
import os, sys, jpegcheck
x, o, block = sys.argv[1], sys.argv[2], int(sys.argv[3])
bad = []
for n in sorted(os.listdir(x)):
    d, od = open(os.path.join(x, n), "rb").read(), open(os.path.join(o, n), "rb").read()
    s = jpegcheck.segments(d)
    exif = [p for m, p in s[0] if m == 0xE1 and p.startswith(b"Exif\0\0")]
    if (len(d) - len(od)) % block or not exif or b"mly:pad\0" not in exif[0] or d[s[1]:] != od[jpegcheck.segments(od)[1]:]:
        bad.append(n)
print(("ok " if not bad else "FAIL ") + "geotagged and tagged photos: padded, image data as it was %s" % bad[:3])
EOF
tally tag.txt $?
check "the tagged photos carry their description" \
  [ "$(exiftool -q -if '$ImageDescription =~ /MAPCaptureTime/' -p '$FileName' "$X/t" | wc -l)" -eq 12 ]

# The general tests, with their scratch directories on the XFS.
for t in exiftool-roundtrip kill-during-write; do
  TMPDIR=$X/tmp bash "$ACCEPT/$t.sh" >"$t.log" 2>&1
  rc=$?
  sum=$(tail -n 1 "$t.log")
  check "$t.sh on XFS: $sum" [ "$rc" -eq 0 ]
  [ "$rc" -eq 0 ] || grep '^FAIL' "$t.log" | head -n 5
done
if [ -x "$ROOT/build/unit_tests" ]; then
  TMPDIR=$X/tmp "$ROOT/build/unit_tests" "[fs],[jpeg]" >unit.log 2>&1
  check "unit tests [fs] and [jpeg] on XFS: $(tail -n 2 unit.log | head -n 1)" [ $? -eq 0 ]
fi
finish
