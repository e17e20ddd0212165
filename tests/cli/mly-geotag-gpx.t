mly-geotag-gpx on tracks and photos the test makes: no fixtures needed.

The track of behaviour.md section 3 (A5): four fixes with elevation and
course (350, 10, 90, 180), and seven photo times around them, 09:59:55 to
11:00:00 UTC. `show` prints time, lat, lon, alt and heading, rounded to 1e-6.

  $ cat > track.gpx <<'EOF'
  > <?xml version="1.0" encoding="UTF-8"?>
  > <gpx version="1.0" creator="test" xmlns="http://www.topografix.com/GPX/1/0">
  > <trk><trkseg>
  > <trkpt lat="48.0" lon="11.0"><ele>500</ele><time>2024-06-01T10:00:00Z</time><course>350</course></trkpt>
  > <trkpt lat="48.001" lon="11.001"><ele>510</ele><time>2024-06-01T10:00:10Z</time><course>10</course></trkpt>
  > <trkpt lat="48.002" lon="11.003"><ele>520</ele><time>2024-06-01T10:00:20Z</time><course>90</course></trkpt>
  > <trkpt lat="48.004" lon="11.003"><ele>500</ele><time>2024-06-01T10:00:40Z</time><course>180</course></trkpt>
  > </trkseg></trk></gpx>
  > EOF
  $ for t in 09:59:55 10:00:05 10:00:10 10:00:15 10:00:30 10:00:50 11:00:00; do
  >   echo "{\"captured_at\":\"2024-06-01T$t.000Z\"}"; done > p.jsonl
  $ cat > show <<'EOF'
  > #!/bin/sh
  > jq -r '[.captured_at[11:23], (.lat, .lon, .alt, .heading | if . == null then "-" else . * 1e6 | round / 1e6 end)] | @tsv'
  > EOF
  $ chmod +x show

The defaults: nothing outside the track, gaps up to 30 min interpolated,
the heading interpolated from the fixes' courses on the shorter arc (350
and 10 give 0). The photos outside are rejected with their time and the
track's range; the one an hour late suggests the shift that places it.

  $ mly-geotag-gpx track.gpx < p.jsonl > out.jsonl
  ! mly-geotag-gpx: <stdin>:1: 2024-06-01T09:59:55.000Z is 5 s before the track starts (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC)
  ! mly-geotag-gpx: <stdin>:6: 2024-06-01T10:00:50.000Z is 10 s after the track ends (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC)
  ! mly-geotag-gpx: <stdin>:7: 2024-06-01T11:00:00.000Z is 59 min 20 s after the track ends (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC); shifted by -1 h it would fall inside
  [1]
  $ ./show < out.jsonl
  10:00:05.000	48.0005	11.0005	505	0
  10:00:10.000	48.001	11.001	510	10
  10:00:15.000	48.0015	11.002	515	50
  10:00:30.000	48.003	11.003	510	135

The columns of the A5 table, with the options that give each peer's
semantics. ExifTool's defaults (GeoMaxIntSecs and GeoMaxExtSecs 1800,
segments ignored, the end fix copied outside the track):

  $ mly-geotag-gpx --bridge-segments --max-extrapolate 1800 --heading track track.gpx < p.jsonl > out.jsonl
  ! mly-geotag-gpx: <stdin>:7: 2024-06-01T11:00:00.000Z is 59 min 20 s after the track ends, more than the 30 min allowed outside it (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC); shifted by -30 min it would fall inside
  [1]
  $ ./show < out.jsonl
  09:59:55.000	48	11	500	350
  10:00:05.000	48.0005	11.0005	505	0
  10:00:10.000	48.001	11.001	510	10
  10:00:15.000	48.0015	11.002	515	50
  10:00:30.000	48.003	11.003	510	135
  10:00:50.000	48.004	11.003	500	180

ExifTool with GeoMaxIntSecs=15 and GeoMaxExtSecs=6: the 20 s gap is not
interpolated, and 10:00:30 is 10 s from both of its fixes:

  $ mly-geotag-gpx --max-gap 15 --max-extrapolate 6 track.gpx < p.jsonl > out.jsonl
  ! mly-geotag-gpx: <stdin>:5: 2024-06-01T10:00:30.000Z falls in a gap of 20 s between track points at 2024-06-01T10:00:20.000Z and 2024-06-01T10:00:40.000Z, longer than the 15 s interpolated across, and 10 s from the nearer one, more than the 6 s allowed (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC)
  ! mly-geotag-gpx: <stdin>:6: 2024-06-01T10:00:50.000Z is 10 s after the track ends, more than the 6 s allowed outside it (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC)
  ! mly-geotag-gpx: <stdin>:7: 2024-06-01T11:00:00.000Z is 59 min 20 s after the track ends, more than the 6 s allowed outside it (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC); shifted by -1 h it would fall inside
  [1]
  $ ./show < out.jsonl
  09:59:55.000	48	11	500	350
  10:00:05.000	48.0005	11.0005	505	0
  10:00:10.000	48.001	11.001	510	10
  10:00:15.000	48.0015	11.002	515	50

gpscorrelate's defaults (no limit on gaps, nothing outside the track; it
writes no heading):

  $ mly-geotag-gpx --max-gap none --heading none track.gpx < p.jsonl > out.jsonl 2>/dev/null
  [1]
  $ ./show < out.jsonl
  10:00:05.000	48.0005	11.0005	505	-
  10:00:10.000	48.001	11.001	510	-
  10:00:15.000	48.0015	11.002	515	-
  10:00:30.000	48.003	11.003	510	-

The nearest fix only (gpscorrelate -i; a tie goes to the earlier fix, as
there). Unlike gpscorrelate, which matches nothing outside the track, the
first and last fixes serve up to --max-extrapolate (here 10 s):

  $ mly-geotag-gpx --max-gap 0 --max-extrapolate 10 track.gpx < p.jsonl > out.jsonl 2>/dev/null
  [1]
  $ ./show < out.jsonl
  09:59:55.000	48	11	500	350
  10:00:05.000	48	11	500	350
  10:00:10.000	48.001	11.001	510	10
  10:00:15.000	48.001	11.001	510	10
  10:00:30.000	48.002	11.003	520	90
  10:00:50.000	48.004	11.003	500	180

A clock offset: the camera was 25 s slow (photo time + 25 s = GPS time), as
ExifTool's -geosync=+25 and gpscorrelate's -O 25. The corrected time is
written back to captured_at, unless --keep-time:

  $ sed -n 2p p.jsonl | mly-geotag-gpx --offset 25 track.gpx | ./show
  10:00:30.000	48.003	11.003	510	135
  $ sed -n 2p p.jsonl | mly-geotag-gpx --offset 25 --keep-time track.gpx | ./show
  10:00:05.000	48.003	11.003	510	135
  $ sed -n 2p p.jsonl | mly-geotag-gpx --offset=-0:05 track.gpx | ./show
  10:00:00.000	48	11	500	350

Segments: with the third fix in a segment of its own, 10:00:30 falls
between segments and is not interpolated (as gpscorrelate without -t);
--bridge-segments interpolates across (as ExifTool and gpscorrelate -t):

  $ sed -e 's|<trkpt lat="48.004"|</trkseg><trkseg>&|' track.gpx > track2.gpx
  $ sed -n 5p p.jsonl | mly-geotag-gpx track2.gpx
  ! mly-geotag-gpx: <stdin>:1: 2024-06-01T10:00:30.000Z falls between two track segments, 10 s after one ends at 2024-06-01T10:00:20.000Z and 10 s before the next starts at 2024-06-01T10:00:40.000Z (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC) (--bridge-segments interpolates across)
  [1]
  $ sed -n 5p p.jsonl | mly-geotag-gpx --bridge-segments track2.gpx | ./show
  10:00:30.000	48.003	11.003	510	135

Sub-second times are honoured: a quarter of the way from 10:00:20 to
10:00:40 is 10:00:25.000, and 1.25 s after a point 1/8 of its 10 s leg.

  $ printf '%s\n' '{"captured_at":"2024-06-01T10:00:25.000Z"}' '{"captured_at":"2024-06-01T10:00:11.250Z"}' \
  >   | mly-geotag-gpx track.gpx | ./show
  10:00:25.000	48.0025	11.003	515	112.5
  10:00:11.250	48.001125	11.00125	511.25	20

Headings. --heading keep (the default) keeps a heading the record has;
track replaces it; none sets none. Without courses in the log, the heading
is the direction of travel: the bearing between the two fixes around the
photo (due north from 10:00:20 to 10:00:40).

  $ echo '{"captured_at":"2024-06-01T10:00:30Z","heading":270}' > h.jsonl
  $ mly-geotag-gpx track.gpx < h.jsonl | jq -c '.heading'
  270
  $ mly-geotag-gpx --heading track track.gpx < h.jsonl | jq -c '.heading'
  135
  $ mly-geotag-gpx --heading none track.gpx < h.jsonl | jq -c '.heading'
  270
  $ sed -e 's|<course>[0-9]*</course>||' track.gpx > nocourse.gpx
  $ mly-geotag-gpx --heading track nocourse.gpx < h.jsonl | jq -c '.heading'
  0

Headings in namespaced extensions (Garmin's TrackPointExtension v2 here)
are read too, and a track without elevations sets no alt (a record's own
alt stays as it is):

  $ cat > ext.gpx <<'EOF'
  > <gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"
  >      xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2">
  > <trk><trkseg>
  > <trkpt lat="48.0" lon="11.0"><time>2024-06-01T10:00:00Z</time>
  >   <extensions><gpxtpx:TrackPointExtension><gpxtpx:course>340</gpxtpx:course></gpxtpx:TrackPointExtension></extensions></trkpt>
  > <trkpt lat="48.001" lon="11.0"><time>2024-06-01T10:00:10Z</time>
  >   <extensions><gpxtpx:TrackPointExtension><gpxtpx:course>20</gpxtpx:course></gpxtpx:TrackPointExtension></extensions></trkpt>
  > </trkseg></trk></gpx>
  > EOF
  $ printf '%s\n' '{"captured_at":"2024-06-01T10:00:02.500Z"}' '{"captured_at":"2024-06-01T10:00:05Z","alt":7}' \
  >   | mly-geotag-gpx ext.gpx | ./show
  10:00:02.500	48.00025	11	-	350
  10:00:05Z	48.0005	11	7	0

Fields it does not own pass through unchanged and in place; lat, lon, alt
and heading replace old values where they stood:

  $ echo '{"id":7,"lat":1,"captured_at":"2024-06-01T10:00:10.000Z","x":[1,{"y":2}],"lon":2,"make":"A"}' \
  >   | mly-geotag-gpx track.gpx
  {"id":7,"lat":48.001,"captured_at":"2024-06-01T10:00:10.000Z","x":[1,{"y":2}],"lon":11.001,"make":"A","alt":510,"heading":10}

-v tells the track's points, segments and range in UTC, and how each photo
was placed:

  $ head -n 3 p.jsonl | mly-geotag-gpx -v --max-extrapolate 5 track.gpx > /dev/null
  ! mly-geotag-gpx: track: 4 points in 1 segment, 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC
  ! mly-geotag-gpx: <stdin>:1: at a track point 5 s away
  ! mly-geotag-gpx: <stdin>:2: between points 10 s apart
  ! mly-geotag-gpx: <stdin>:3: on a track point
  ! mly-geotag-gpx: 3 photos placed, 0 failed

Rejected records go to --rejected as they came, with the reason:

  $ mly-geotag-gpx --rejected rej.jsonl track.gpx < p.jsonl > /dev/null 2>&1
  [1]
  $ jq -c '[.captured_at, .reason[28:60]]' rej.jsonl
  ["2024-06-01T09:59:55.000Z","5 s before the track starts (tra"]
  ["2024-06-01T10:00:50.000Z","10 s after the track ends (track"]
  ["2024-06-01T11:00:00.000Z","59 min 20 s after the track ends"]

Photos: bare paths are read first, as mly-scan would. Three photos two
seconds apart from 10:00:05 (camera clock on UTC):

  $ $ROOT/build/helpers/mkphotos p 3 --kb 8 --start '2024:06:01 10:00:05' --step 2
  $ ls p/*.JPG | mly-geotag-gpx track.gpx | jq -c '[.path, .captured_at, .make, (.lat, .alt | . * 1e6 | round / 1e6)]'
  ["p/IMG_00001.JPG","2024-06-01T10:00:05.000Z","MlyCam",48.0005,505]
  ["p/IMG_00002.JPG","2024-06-01T10:00:07.000Z","MlyCam",48.0007,507]
  ["p/IMG_00003.JPG","2024-06-01T10:00:09.000Z","MlyCam",48.0009,509]

--write writes the results into the photos, as mly-write does, and prints
the records written. --dry-run (-n) prepares every photo and writes none:

  $ md5sum p/*.JPG > before.md5
  $ mly-scan -q p | mly-geotag-gpx -n --write track.gpx | jq -r .path
  p/IMG_00001.JPG
  p/IMG_00002.JPG
  p/IMG_00003.JPG
  $ md5sum -c --quiet before.md5
  $ mly-scan -q p | mly-geotag-gpx --write --offset 1 track.gpx | jq -c '[.path, .captured_at, (.lat | . * 1e6 | round / 1e6)]'
  ["p/IMG_00001.JPG","2024-06-01T10:00:06.000Z",48.0006]
  ["p/IMG_00002.JPG","2024-06-01T10:00:08.000Z",48.0008]
  ["p/IMG_00003.JPG","2024-06-01T10:00:10.000Z",48.001]
  $ mly-scan -q p | ./show
  10:00:06.000	48.0006	11.0006	506	2
  10:00:08.000	48.0008	11.0008	508	6
  10:00:10.000	48.001	11.001	510	10
  $ ls -A p
  IMG_00001.JPG
  IMG_00002.JPG
  IMG_00003.JPG

--sync PHOTO=GPSTIME: the first photo shows a GPS clock reading 10:00:31
UTC, 25 s after its own time (now 10:00:06). The photos have headings now,
which --heading track replaces:

  $ mly-scan -q p | mly-geotag-gpx --heading track --sync p/IMG_00001.JPG=2024-06-01T10:00:31Z track.gpx | ./show
  10:00:31.000	48.0031	11.003	509	139.5
  10:00:33.000	48.0033	11.003	507	148.5
  10:00:35.000	48.0035	11.003	505	157.5
  ! mly-geotag-gpx: --sync: photo time + 25 s = GPS time (--offset +25)
  $ mly-scan -q p | mly-geotag-gpx --sync 'p/IMG_00003.JPG=2024:06:01 12:00:09.500+02:00' track.gpx | ./show
  10:00:05.500	48.00055	11.00055	505.5	2
  10:00:07.500	48.00075	11.00075	507.5	6
  10:00:09.500	48.00095	11.00095	509.5	10
  ! mly-geotag-gpx: --sync: photo time - 0.5 s = GPS time (--offset -0.5)

Usage errors exit 2 and print nothing on stdout:

  $ mly-geotag-gpx < p.jsonl
  ! mly-geotag-gpx: no track file given
  ! Try 'mly-geotag-gpx --help' for more information.
  [2]
  $ mly-geotag-gpx --heading north track.gpx < p.jsonl
  ! mly-geotag-gpx: --heading: want track, keep or none, not 'north'
  ! Try 'mly-geotag-gpx --help' for more information.
  [2]
  $ mly-geotag-gpx --max-gap 10m track.gpx < p.jsonl
  ! mly-geotag-gpx: --max-gap: '10m' is not a number of seconds or 'none'
  ! Try 'mly-geotag-gpx --help' for more information.
  [2]
  $ mly-geotag-gpx --max-extrapolate=-5 track.gpx < p.jsonl
  ! mly-geotag-gpx: --max-extrapolate: '-5' is not a number of seconds or 'none'
  ! Try 'mly-geotag-gpx --help' for more information.
  [2]
  $ mly-geotag-gpx --offset 2h track.gpx < p.jsonl
  ! mly-geotag-gpx: --offset: '2h' is not a number of seconds
  ! Try 'mly-geotag-gpx --help' for more information.
  [2]
  $ mly-geotag-gpx --offset 5 --sync p/IMG_00001.JPG=2024-06-01T10:00:31Z track.gpx < p.jsonl
  ! mly-geotag-gpx: --offset and --sync both set the offset: give one
  ! Try 'mly-geotag-gpx --help' for more information.
  [2]
  $ mly-geotag-gpx --sync p/IMG_00001.JPG track.gpx < p.jsonl
  ! mly-geotag-gpx: --sync: want PHOTO=GPSTIME, not 'p/IMG_00001.JPG'
  ! Try 'mly-geotag-gpx --help' for more information.
  [2]
  $ mly-geotag-gpx --sync 'p/IMG_00001.JPG=2024-06-01 10:00:31' track.gpx < p.jsonl
  ! mly-geotag-gpx: --sync: '2024-06-01 10:00:31' is not a time with its zone (e.g. 2024-06-01T10:00:05Z)
  ! Try 'mly-geotag-gpx --help' for more information.
  [2]
  $ mly-geotag-gpx --sync nothere.jpg=2024-06-01T10:00:31Z track.gpx < p.jsonl
  ! mly-geotag-gpx: --sync: nothere.jpg: No such file or directory
  ! Try 'mly-geotag-gpx --help' for more information.
  [2]
  $ mly-geotag-gpx --points tracks,roads track.gpx < p.jsonl
  ! mly-geotag-gpx: --points: want a list of tracks, routes, waypoints, not 'tracks,roads'
  ! Try 'mly-geotag-gpx --help' for more information.
  [2]
  $ mly-geotag-gpx --tz Mars/Olympus track.gpx < p.jsonl
  ! mly-geotag-gpx: --tz: unknown time zone 'Mars/Olympus'
  ! Try 'mly-geotag-gpx --help' for more information.
  [2]
  $ mly-geotag-gpx --frobnicate track.gpx
  ! mly-geotag-gpx: Option 'frobnicate' does not exist
  ! Try 'mly-geotag-gpx --help' for more information.
  [2]

Help and version go to stdout:

  $ mly-geotag-gpx --help | head -n 2
  mly-geotag-gpx: positions (and headings) from GPX track logs, by time
  Usage:
  $ mly-geotag-gpx --version
  mly-geotag-gpx 0.1.0
