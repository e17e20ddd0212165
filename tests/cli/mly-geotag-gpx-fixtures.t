#require fixtures
mly-geotag-gpx on real GPX files from ../shared/fixtures/gpx (see its
PROVENANCE.md). `show` prints time, lat and lon to 1e-9, alt to 1e-6 and
heading to 1e-3.

  $ cat > show <<'EOF'
  > #!/bin/sh
  > jq -r '[.captured_at, (.lat, .lon | . * 1e9 | round / 1e9), (.alt, .heading | if . == null then "-" else . * 1e3 | round / 1e3 end)] | @tsv'
  > EOF
  $ chmod +x show
  $ at() { for t; do echo "{\"captured_at\":\"$t\"}"; done; }; declare -f at > at.sh

mapillary_tools' track: 49 points with millisecond times and Garmin
extensions (no heading in them, so the heading is the direction of
travel, the bearing between the two points around the photo). The expected
values were worked out from the file's numbers apart from this code; the
last photo is on the last point, and takes the bearing of the last leg:

  $ . ./at.sh; at 2025-03-14T07:00:01.000Z 2025-03-14T07:00:30.500Z 2025-03-14T07:01:00.250Z 2025-03-14T07:01:33.624Z \
  >   | mly-geotag-gpx -v $FIX/gpx/mt_sf_30km_h.gpx | ./show
  2025-03-14T07:00:01.000Z	37.79365995	-122.461395198	94.049	0.484
  2025-03-14T07:00:30.500Z	37.795498816	-122.461735944	75.979	239.06
  2025-03-14T07:01:00.250Z	37.796907547	-122.46249694	68.1	26.359
  2025-03-14T07:01:33.624Z	37.79885	-122.461191	47.75	318.718
  ! mly-geotag-gpx: track: 49 points in 1 segment, 2025-03-14T07:00:00.000Z to 2025-03-14T07:01:33.624Z UTC
  ! mly-geotag-gpx: <stdin>:1: between points 2.495 s apart
  ! mly-geotag-gpx: <stdin>:2: between points * apart (glob)
  ! mly-geotag-gpx: <stdin>:3: between points * apart (glob)
  ! mly-geotag-gpx: <stdin>:4: on a track point
  ! mly-geotag-gpx: 4 photos placed, 0 failed

Times with an offset and milliseconds (+01:00 in the file): two points
0.994 s apart, a photo half way, heading almost due north:

  $ . ./at.sh; at 2015-12-11T14:43:13.497Z | mly-geotag-gpx $FIX/gpx/gp_track-with-less-sec-time.gpx | ./show
  2015-12-11T14:43:13.497Z	57.011463	9.992873	23.552	4.448

A file with a byte-order mark whose only point is a waypoint: refused until
--points says waypoints are wanted; a time with one decimal (.8 s):

  $ . ./at.sh; at 2016-05-27T10:08:47.800Z | mly-geotag-gpx $FIX/gpx/gp_unicode_with_bom.gpx
  ! mly-geotag-gpx: */gp_unicode_with_bom.gpx: no points to geotag with (it has 1 waypoint: see --points) (glob)
  [2]
  $ . ./at.sh; at 2016-05-27T10:08:47.800Z 2016-05-27T10:08:48Z | mly-geotag-gpx --points waypoints $FIX/gpx/gp_unicode_with_bom.gpx | ./show
  2016-05-27T10:08:47.800Z	43.309634	3.515386	-14.6	-
  ! mly-geotag-gpx: <stdin>:2: 2016-05-27T10:08:48.000Z is 0.2 s after the track ends (track: 2016-05-27T10:08:47.800Z to 2016-05-27T10:08:47.800Z UTC)

GPX 1.0 with every field, times without a zone (read as UTC): one track
point with a time, an empty segment, routes and waypoints without times
but one each:

  $ . ./at.sh; at 2013-01-01T12:00:04Z | mly-geotag-gpx $FIX/gpx/gp_gpx1.0_with_all_fields.gpx | ./show
  2013-01-01T12:00:04Z	10.1	-20.2	11.1	-
  $ . ./at.sh; at 2013-01-01T12:00:04Z | mly-geotag-gpx $FIX/gpx/gp_gpx1.1_with_all_fields.gpx | ./show
  2013-01-01T12:00:04Z	10.1	-20.2	11.1	-
  $ . ./at.sh; at 2013-01-02T02:03:03Z | mly-geotag-gpx -q --points routes,waypoints $FIX/gpx/gp_gpx1.0_with_all_fields.gpx | ./show
  2013-01-02T02:03:03Z	10	20	75.1	-

An empty segment among full ones is skipped:

  $ . ./at.sh; at 2013-07-06T17:26:28Z | mly-geotag-gpx -v $FIX/gpx/gp_track-with-empty-segment.gpx 2>&1 >/dev/null | sed -n 1p
  mly-geotag-gpx: track: 9 points in 1 segment, 2013-07-06T17:26:26.000Z to 2013-07-06T17:27:42.000Z UTC

A hike of four segments: one empty, one without times (its 358 points are
left out, with a warning), then two timed ones with a pause from 10:52:22
to 10:57:10. A photo in the pause is not interpolated across it unless
asked; bridged, it lies 158/288 of the way from one end to the other:

  $ . ./at.sh; at 2010-10-03T10:55:00Z | mly-geotag-gpx $FIX/gpx/gp_korita-zbevnica.gpx
  ! mly-geotag-gpx: */gp_korita-zbevnica.gpx: 358 points without a time left out (glob)
  ! mly-geotag-gpx: <stdin>:1: 2010-10-03T10:55:00.000Z falls between two track segments, 2 min 38 s after one ends at 2010-10-03T10:52:22.000Z and 2 min 10 s before the next starts at 2010-10-03T10:57:10.000Z (track: 2010-10-03T09:36:30.000Z to 2010-10-03T13:19:31.000Z UTC) (--bridge-segments interpolates across)
  [1]
  $ . ./at.sh; at 2010-10-03T10:55:00Z | mly-geotag-gpx --bridge-segments $FIX/gpx/gp_korita-zbevnica.gpx 2>/dev/null | ./show
  2010-10-03T10:55:00Z	45.461436999	14.010187638	955.07	90.628

A track where only the last 5 of 296 points have a time: the others are
left out, with a warning, and the photos outside the timed part are
rejected:

  $ . ./at.sh; at 2010-08-05T16:00:00Z 2010-08-05T16:23:00Z | mly-geotag-gpx $FIX/gpx/gp_cerknicko-without-times.gpx | ./show
  2010-08-05T16:23:00Z	45.791247334	14.304639855	558.663	205.435
  ! mly-geotag-gpx: */gp_cerknicko-without-times.gpx: 291 points without a time left out (glob)
  ! mly-geotag-gpx: <stdin>:1: 2010-08-05T16:00:00.000Z is 22 min 52 s before the track starts (track: 2010-08-05T16:22:52.000Z to 2010-08-05T16:23:49.000Z UTC)

Routes and waypoints without any time are refused:

  $ . ./at.sh; at 2010-08-05T16:00:00Z | mly-geotag-gpx $FIX/gpx/gp_route.gpx
  ! mly-geotag-gpx: */gp_route.gpx: no points to geotag with (it has 55 route points: see --points) (glob)
  [2]
  $ . ./at.sh; at 2010-08-05T16:00:00Z | mly-geotag-gpx --points routes $FIX/gpx/gp_route.gpx
  ! mly-geotag-gpx: */gp_route.gpx: none of its 55 points has a time (glob)
  [2]
  $ . ./at.sh; at 2010-08-05T16:00:00Z | mly-geotag-gpx --points waypoints $FIX/gpx/gp_gpx1.1_with_extensions.gpx
  ! mly-geotag-gpx: */gp_gpx1.1_with_extensions.gpx: its only point has no time (glob)
  [2]

Several files at once: photos from two days in two places, each placed by
the track that covers it:

  $ . ./at.sh; at 2010-08-05T15:00:00Z 2025-03-14T07:00:01Z \
  >   | mly-geotag-gpx $FIX/gpx/gp_cerknicko-jezero.gpx $FIX/gpx/mt_sf_30km_h.gpx 2>/dev/null | ./show
  2010-08-05T15:00:00Z	45.767818325	14.360077715	551.934	340.48
  2025-03-14T07:00:01Z	37.79365995	-122.461395198	94.049	0.484
