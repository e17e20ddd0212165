mly-geotag-gpx and bad input. A track file that cannot be used stops the
tool before any photo is read: exit 2, nothing on stdout, no photo changed.
A bad record or photo is reported with its line or path, and the rest of
the stream is done: exit 1.

Three photos at 10:00:05, 10:00:07, 10:00:09 UTC, one without any EXIF,
and a good track:

  $ $ROOT/build/helpers/mkphotos p 3 --kb 8 --start '2024:06:01 10:00:05' --step 2
  $ $ROOT/build/helpers/mkphotos n 1 --kb 8 --no-exif
  $ cat > good.gpx <<'EOF'
  > <gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
  > <trkpt lat="48.0" lon="11.0"><ele>500</ele><time>2024-06-01T10:00:00Z</time></trkpt>
  > <trkpt lat="48.001" lon="11.001"><ele>510</ele><time>2024-06-01T10:00:10Z</time></trkpt>
  > </trkseg></trk></gpx>
  > EOF
  $ md5sum p/*.JPG n/*.JPG > before.md5

Broken track files, each named with its line where there is one:

  $ printf '<?xml version="1.0"?>\n<gpx version="1.1">\n<trk><trkseg>\n<trkpt lat="1" lon="2"><time>2024-06-01T10:00:00Z</time></trkpt>\n<trkpt lat="1" lon="2"><time>2024-06-01T10:00' > truncated.gpx
  $ mly-scan -q p | mly-geotag-gpx --write truncated.gpx
  ! mly-geotag-gpx: truncated.gpx:5: malformed XML: * (glob)
  [2]
  $ printf '<gpx version="1.1"><trk><trkseg>\n<trkpt lat="1" lon="2"><time>2024-06-01T10:00:00Z</trkpt>\n</trkseg></trk></gpx>\n' > malformed.gpx
  $ mly-scan -q p | mly-geotag-gpx --write malformed.gpx
  ! mly-geotag-gpx: malformed.gpx:2: malformed XML: * (glob)
  [2]
  $ printf '<gpx version="1.1"><trk><trkseg>\n<trkpt lat="95.2" lon="2"><time>2024-06-01T10:00:00Z</time></trkpt>\n</trkseg></trk></gpx>\n' > lat.gpx
  $ mly-scan -q p | mly-geotag-gpx --write lat.gpx
  ! mly-geotag-gpx: lat.gpx:2: latitude 95.2 out of range
  [2]
  $ printf '<gpx version="1.1"><trk><trkseg>\n<trkpt lat="1" lon="2">\n  <time>yesterday</time></trkpt>\n</trkseg></trk></gpx>\n' > time.gpx
  $ mly-scan -q p | mly-geotag-gpx --write time.gpx
  ! mly-geotag-gpx: time.gpx:3: bad time 'yesterday'
  [2]
  $ printf '<?xml version="1.0"?>\n<kml><Document/></kml>\n' > track.kml
  $ mly-scan -q p | mly-geotag-gpx --write track.kml
  ! mly-geotag-gpx: track.kml: not a GPX document (root element is <kml>)
  [2]
  $ : > zero.gpx
  $ mly-scan -q p | mly-geotag-gpx --write zero.gpx
  ! mly-geotag-gpx: zero.gpx: not a GPX document (no root element)
  [2]
  $ mly-scan -q p | mly-geotag-gpx --write missing.gpx
  ! mly-geotag-gpx: missing.gpx: cannot open: No such file or directory
  [2]

A track without times, and an empty track, cannot place anything:

  $ printf '<gpx version="1.1"><trk><trkseg>\n<trkpt lat="1" lon="2"/><trkpt lat="1" lon="3"/>\n</trkseg></trk></gpx>\n' > untimed.gpx
  $ mly-scan -q p | mly-geotag-gpx --write untimed.gpx
  ! mly-geotag-gpx: untimed.gpx: none of its 2 points has a time
  [2]
  $ printf '<gpx version="1.1"><trk><name>x</name><trkseg></trkseg></trk></gpx>\n' > empty.gpx
  $ mly-scan -q p | mly-geotag-gpx --write empty.gpx
  ! mly-geotag-gpx: empty.gpx: no points to geotag with
  [2]

A file whose points are routes or waypoints says so:

  $ printf '<gpx version="1.1"><wpt lat="1" lon="2"><time>2024-06-01T10:00:00Z</time></wpt>\n<rte><rtept lat="1" lon="2"/></rte></gpx>\n' > wpt.gpx
  $ mly-scan -q p | mly-geotag-gpx --write wpt.gpx
  ! mly-geotag-gpx: wpt.gpx: no points to geotag with (it has 1 route point, 1 waypoint: see --points)
  [2]

One bad file among good ones is enough to stop, whatever its place:

  $ mly-scan -q p | mly-geotag-gpx --write good.gpx untimed.gpx
  ! mly-geotag-gpx: untimed.gpx: none of its 2 points has a time
  [2]

None of this touched a photo:

  $ md5sum -c --quiet before.md5

Points without a time among timed ones are left out, with a warning:

  $ sed -e 's|<trkseg>|&<trkpt lat="0" lon="0"/>|' good.gpx > some.gpx
  $ mly-scan -q p/IMG_00001.JPG | mly-geotag-gpx some.gpx | jq -c '[.lat, .alt] | map(. * 1e6 | round / 1e6)'
  [48.0005,505]
  ! mly-geotag-gpx: some.gpx: 1 point without a time left out

Bad records and photos: a malformed line, a record without captured_at, a
photo without any time, a missing photo, a captured_at that is not a time
or not a string, a bad utc_offset, and a photo that is not a JPEG. Each is
reported, the good photo in the middle is placed, the exit status is 1:

  $ echo 'not a photo' > notes.jpg
  $ printf '%s\n' '{"captured_at":' '{"path":"x.jpg","make":"A"}' n/IMG_00001.JPG nothere.jpg p/IMG_00002.JPG \
  >   '{"captured_at":"noon"}' '{"captured_at":12}' '{"captured_at":"2024-06-01T10:00:05Z","utc_offset":"CEST"}' notes.jpg \
  >   | mly-geotag-gpx --rejected rej.jsonl good.gpx | jq -c '[.path, (.lat | . * 1e6 | round / 1e6)]'
  ["p/IMG_00002.JPG",48.0007]
  ! mly-geotag-gpx: <stdin>:1: malformed JSON: * (glob)
  ! mly-geotag-gpx: x.jpg: no captured_at
  ! mly-geotag-gpx: n/IMG_00001.JPG: no captured_at
  ! mly-geotag-gpx: nothere.jpg: No such file or directory
  ! mly-geotag-gpx: <stdin>:6: bad captured_at 'noon' (want RFC 3339, e.g. 2025-07-28T10:07:30.120Z)
  ! mly-geotag-gpx: <stdin>:7: field "captured_at" must be a string
  ! mly-geotag-gpx: <stdin>:8: bad utc_offset 'CEST' (want +HH:MM)
  ! mly-geotag-gpx: notes.jpg: not a JPEG file
  $ jq -c . rej.jsonl
  {"path":"x.jpg","make":"A","reason":"no captured_at"}
  {"path":"n/IMG_00001.JPG","width":*,"height":*,"reason":"no captured_at"} (glob)
  {"path":"nothere.jpg","reason":"No such file or directory"}
  {"captured_at":"noon","reason":"bad captured_at 'noon' (want RFC 3339, e.g. 2025-07-28T10:07:30.120Z)"}
  {"captured_at":12,"reason":"field \"captured_at\" must be a string"}
  {"captured_at":"2024-06-01T10:00:05Z","utc_offset":"CEST","reason":"bad utc_offset 'CEST' (want +HH:MM)"}
  {"path":"notes.jpg","reason":"not a JPEG file"}

The exit status of that run:

  $ printf '%s\n' n/IMG_00001.JPG p/IMG_00002.JPG | mly-geotag-gpx good.gpx > /dev/null 2>&1
  [1]

With --write, a record without a path cannot be written, and a photo that
cannot be written (not a JPEG) is reported; the good ones are written:

  $ printf '%s\n' '{"captured_at":"2024-06-01T10:00:05Z"}' '{"path":"notes.jpg","captured_at":"2024-06-01T10:00:05Z"}' p/IMG_00003.JPG \
  >   | mly-geotag-gpx --write good.gpx | jq -r .path
  p/IMG_00003.JPG
  ! mly-geotag-gpx: <stdin>:1: record has no "path"
  ! mly-geotag-gpx: notes.jpg: not written: not a JPEG file
  $ mly-scan -q p/IMG_00003.JPG | jq -c '[.lat, .alt] | map(. * 1e6 | round / 1e6)'
  [48.0009,509]
  $ cat notes.jpg
  not a photo

A photo that cannot be placed is not written; the others are:

  $ $ROOT/build/helpers/mkphotos late 1 --kb 8 --start '2024:06:01 11:00:00'
  $ md5sum late/*.JPG > late.md5
  $ printf '%s\n' late/IMG_00001.JPG p/IMG_00001.JPG | mly-geotag-gpx --write good.gpx | jq -r .path
  p/IMG_00001.JPG
  ! mly-geotag-gpx: late/IMG_00001.JPG: 2024-06-01T11:00:00.000Z is 59 min 50 s after the track ends (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:10.000Z UTC); shifted by -1 h it would fall inside
  $ md5sum -c --quiet late.md5
  $ ls -A late
  IMG_00001.JPG
