mly-geotag-gpx and time zones (behaviour.md sections 1.5, 3 and 5.3): the
camera's clock shows local time without a zone, the track is in UTC.

The A5 track (10:00:00 to 10:00:40 UTC) and a camera on UTC+2 whose photos
say 12:00:05, 12:00:15 and 12:00:25 with no offset stored:

  $ cat > a5.gpx <<'EOF'
  > <?xml version="1.0" encoding="UTF-8"?>
  > <gpx version="1.0" creator="test" xmlns="http://www.topografix.com/GPX/1/0">
  > <trk><trkseg>
  > <trkpt lat="48.0" lon="11.0"><ele>500</ele><time>2024-06-01T10:00:00Z</time><course>350</course></trkpt>
  > <trkpt lat="48.001" lon="11.001"><ele>510</ele><time>2024-06-01T10:00:10Z</time><course>10</course></trkpt>
  > <trkpt lat="48.002" lon="11.003"><ele>520</ele><time>2024-06-01T10:00:20Z</time><course>90</course></trkpt>
  > <trkpt lat="48.004" lon="11.003"><ele>500</ele><time>2024-06-01T10:00:40Z</time><course>180</course></trkpt>
  > </trkseg></trk></gpx>
  > EOF
  $ $ROOT/build/helpers/mkphotos c 3 --kb 8 --start '2024:06:01 12:00:05' --step 10
  $ mly-scan -q c > wall.jsonl
  $ jq -r .captured_at wall.jsonl
  2024-06-01T12:00:05.000Z
  2024-06-01T12:00:15.000Z
  2024-06-01T12:00:25.000Z

Without a zone the wall clock is taken as UTC, two hours after the track
ends, and each reason shows the two-hour mismatch:

  $ mly-geotag-gpx a5.gpx < wall.jsonl
  ! mly-geotag-gpx: c/IMG_00001.JPG: 2024-06-01T12:00:05.000Z is 1 h 59 min 25 s after the track ends (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC); shifted by -2 h it would fall inside
  ! mly-geotag-gpx: c/IMG_00002.JPG: 2024-06-01T12:00:15.000Z is 1 h 59 min 35 s after the track ends (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC); shifted by -2 h it would fall inside
  ! mly-geotag-gpx: c/IMG_00003.JPG: 2024-06-01T12:00:25.000Z is 1 h 59 min 45 s after the track ends (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC); shifted by -2 h it would fall inside
  [1]

--tz +02:00 re-reads the wall clock in the zone (as ExifTool's
'-Geotime<${DateTimeOriginal}+02:00' and gpscorrelate -z +2, which give
48.0005, 11.0005 for 12:00:05); the records get the true UTC time and
their offset:

  $ mly-geotag-gpx --tz +02:00 a5.gpx < wall.jsonl > tz.jsonl
  $ jq -c '[.path, .captured_at, .utc_offset, (.lat, .lon, .alt | . * 1e6 | round / 1e6)]' tz.jsonl
  ["c/IMG_00001.JPG","2024-06-01T10:00:05.000Z","+02:00",48.0005,11.0005,505]
  ["c/IMG_00002.JPG","2024-06-01T10:00:15.000Z","+02:00",48.0015,11.002,515]
  ["c/IMG_00003.JPG","2024-06-01T10:00:25.000Z","+02:00",48.0025,11.003,515]

The same as giving the zone to mly-scan, whose records then carry
utc_offset and are not re-read (so giving --tz to both does no harm); only
the place of utc_offset in the record differs:

  $ jq -cS . tz.jsonl > tz.sorted
  $ mly-scan -q --tz +02:00 c | mly-geotag-gpx a5.gpx | jq -cS . | cmp - tz.sorted
  $ mly-scan -q --tz +02:00 c | mly-geotag-gpx --tz +02:00 a5.gpx | jq -cS . | cmp - tz.sorted

An IANA zone gives the same in summer:

  $ mly-geotag-gpx --tz Europe/Berlin a5.gpx < wall.jsonl | cmp - tz.jsonl

A wrong zone is rejected, and the reason says by how many hours:

  $ mly-geotag-gpx --tz +03:00 a5.gpx < wall.jsonl 2>&1 >/dev/null | sed -n 1p
  mly-geotag-gpx: c/IMG_00001.JPG: 2024-06-01T09:00:05.000Z is 59 min 55 s before the track starts (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC); shifted by +1 h it would fall inside
  $ mly-geotag-gpx --tz America/New_York a5.gpx < wall.jsonl 2>&1 >/dev/null | sed -n 1p
  mly-geotag-gpx: c/IMG_00001.JPG: 2024-06-01T16:00:05.000Z is 5 h 59 min 25 s after the track ends (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC); shifted by -6 h it would fall inside

OffsetTimeOriginal is honoured: photos that store +02:00 are placed whatever
--tz says, and keep their offset:

  $ $ROOT/build/helpers/mkphotos o 2 --kb 8 --start '2024:06:01 12:00:05' --step 10 --offset +02:00
  $ mly-scan -q o | mly-geotag-gpx --tz -05:00 a5.gpx | jq -c '[.captured_at, .utc_offset, (.lat | . * 1e6 | round / 1e6)]'
  ["2024-06-01T10:00:05.000Z","+02:00",48.0005]
  ["2024-06-01T10:00:15.000Z","+02:00",48.0015]

Across a change to summer time. A track in Berlin in the night of 31 March
2024, 00:40 to 01:10 UTC, a point a minute; a phone camera that switched
its clock at 02:00 CET: two photos at 01:50 and 01:55 (CET, UTC+1) and two
at 03:00 and 03:05 (CEST, UTC+2), all 00:50 to 01:05 UTC.

  $ awk 'BEGIN {
  >   print "<gpx version=\"1.1\" xmlns=\"http://www.topografix.com/GPX/1/1\"><trk><trkseg>"
  >   for (i = 0; i <= 30; i++)
  >     printf "<trkpt lat=\"%.4f\" lon=\"13.4\"><ele>%d</ele><time>2024-03-31T%02d:%02d:00Z</time></trkpt>\n",
  >            52.5 + i / 10000, 30 + i, (40 + i) / 60, (40 + i) % 60
  >   print "</trkseg></trk></gpx>" }' > night.gpx
  $ grep -c '<trkpt' night.gpx
  31
  $ $ROOT/build/helpers/mkphotos w 2 --kb 8 --start '2024:03:31 01:50:00' --step 300
  $ $ROOT/build/helpers/mkphotos s 2 --kb 8 --start '2024:03:31 03:00:00' --step 300 --seed 9
  $ mly-scan -q w s > dst.jsonl

With --tz Europe/Berlin every photo is placed, each with its own offset:

  $ mly-geotag-gpx --tz Europe/Berlin night.gpx < dst.jsonl | jq -r '[.path, .captured_at, .utc_offset, .lat, .alt] | @tsv'
  w/IMG_00001.JPG	2024-03-31T00:50:00.000Z	+01:00	52.501	40
  w/IMG_00002.JPG	2024-03-31T00:55:00.000Z	+01:00	52.5015	45
  s/IMG_00001.JPG	2024-03-31T01:00:00.000Z	+02:00	52.502	50
  s/IMG_00002.JPG	2024-03-31T01:05:00.000Z	+02:00	52.5025	55

A fixed offset is right on one side of the change only; the reasons tell
which photos are an hour out, and which way:

  $ mly-geotag-gpx --tz +02:00 night.gpx < dst.jsonl | jq -r .path
  s/IMG_00001.JPG
  s/IMG_00002.JPG
  ! mly-geotag-gpx: w/IMG_00001.JPG: 2024-03-30T23:50:00.000Z is 50 min before the track starts (track: 2024-03-31T00:40:00.000Z to 2024-03-31T01:10:00.000Z UTC); shifted by +1 h it would fall inside
  ! mly-geotag-gpx: w/IMG_00002.JPG: 2024-03-30T23:55:00.000Z is 45 min before the track starts (track: 2024-03-31T00:40:00.000Z to 2024-03-31T01:10:00.000Z UTC); shifted by +1 h it would fall inside
  $ mly-geotag-gpx --tz +01:00 night.gpx < dst.jsonl | jq -r .path
  w/IMG_00001.JPG
  w/IMG_00002.JPG
  ! mly-geotag-gpx: s/IMG_00001.JPG: 2024-03-31T02:00:00.000Z is 50 min after the track ends (track: 2024-03-31T00:40:00.000Z to 2024-03-31T01:10:00.000Z UTC); shifted by -1 h it would fall inside
  ! mly-geotag-gpx: s/IMG_00002.JPG: 2024-03-31T02:05:00.000Z is 55 min after the track ends (track: 2024-03-31T00:40:00.000Z to 2024-03-31T01:10:00.000Z UTC); shifted by -1 h it would fall inside

A camera that was not switched to summer time shows 02:00 and 02:05 for
the last two, wall times that do not exist that night: they are read with
the winter offset, as such a clock means (01:00 and 01:05 UTC):

  $ $ROOT/build/helpers/mkphotos late 2 --kb 8 --start '2024:03:31 02:00:00' --step 300
  $ mly-scan -q late | mly-geotag-gpx --tz Europe/Berlin night.gpx | jq -r '[.captured_at, .utc_offset, .lat] | @tsv'
  2024-03-31T01:00:00.000Z	+01:00	52.502
  2024-03-31T01:05:00.000Z	+01:00	52.5025

--tz and --offset together: the zone first, then the clock correction.
The camera was on Berlin time and 90 s fast:

  $ mly-geotag-gpx --tz Europe/Berlin --offset -90 night.gpx < dst.jsonl | jq -r '[.captured_at, (.lat | . * 1e6 | round / 1e6)] | @tsv'
  2024-03-31T00:48:30.000Z	52.50085
  2024-03-31T00:53:30.000Z	52.50135
  2024-03-31T00:58:30.000Z	52.50185
  2024-03-31T01:03:30.000Z	52.50235
