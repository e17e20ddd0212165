#require xmllint
mly-gpx: records to GPX 1.1, a track per sequence, points in time order.

  $ cat > recs.jsonl <<'END'
  > {"path":"a/3.jpg","sequence_id":"S1","captured_at":"2024-06-01T10:00:02.500Z","lat":46.05,"lon":14.5,"alt":295.25,"heading":90}
  > {"path":"a/1.jpg","sequence_id":"S1","captured_at":"2024-06-01T10:00:00.000Z","lat":46.0501234567,"lon":14.5000000001,"alt":-3.5}
  > {"path":"b/1.jpg","sequence_id":"S2","captured_at":"2024-06-01T11:00:00.000Z","lat":-33.868819,"lon":151.20929}
  > {"path":"a/2.jpg","sequence_id":"S1","captured_at":"2024-06-01T10:00:01.000Z","lat":46.0502,"lon":14.5001,"heading":359.5}
  > {"path":"c.jpg","captured_at":"2024-06-01T12:00:00.000Z"}
  > END
  $ mly-gpx --name 'a walk' < recs.jsonl > out.gpx
  ! mly-gpx: 1 records without a position left out
  $ xmllint --noout out.gpx
  $ cat out.gpx
  <?xml version="1.0" encoding="UTF-8"?>
  ...
    <metadata>
      <name>a walk</name>
      <bounds minlat="-33.868819000" minlon="14.500000000" maxlat="46.050200000" maxlon="151.209290000"/>
    </metadata>
    <trk>
      <name>S1</name>
      <trkseg>
        <trkpt lat="46.050123457" lon="14.500000000">
          <ele>-3.500</ele>
          <time>2024-06-01T10:00:00.000Z</time>
        </trkpt>
        <trkpt lat="46.050200000" lon="14.500100000">
          <time>2024-06-01T10:00:01.000Z</time>
          <extensions>
            <mly:heading>359.500</mly:heading>
          </extensions>
        </trkpt>
        <trkpt lat="46.050000000" lon="14.500000000">
          <ele>295.250</ele>
          <time>2024-06-01T10:00:02.500Z</time>
          <extensions>
            <mly:heading>90.000</mly:heading>
          </extensions>
        </trkpt>
      </trkseg>
    </trk>
    <trk>
      <name>S2</name>
      <trkseg>
        <trkpt lat="-33.868819000" lon="151.209290000">
          <time>2024-06-01T11:00:00.000Z</time>
        </trkpt>
      </trkseg>
    </trk>
  </gpx>

The root declares GPX 1.1:

  $ grep -c 'xmlns="http://www.topografix.com/GPX/1/1"' out.gpx
  1

With --waypoints each photo is also a waypoint, named after its file:

  $ mly-gpx -q --waypoints < recs.jsonl | grep -c '<name>[123].jpg</name>'
  4

No records at all: a valid empty document.

  $ mly-gpx < /dev/null | xmllint --noout - && echo valid
  valid

Bad records are reported with their line and left out; the rest is written:

  $ printf '%s\n' '{"lat":1,"lon":2,"captured_at":"yesterday"}' '{"lat":"x","lon":2}' '{"lat":95,"lon":2}' 'not json but a path.jpg' '{"lat":1,' '{"lat":1,"lon":2}' | mly-gpx -q | grep -c '<trkpt'
  1
  ! mly-gpx: <stdin>:1: bad captured_at 'yesterday'
  ! mly-gpx: <stdin>:2: field "lat" must be a number
  ! mly-gpx: <stdin>:3: position out of range
  ! mly-gpx: <stdin>:4: not json but a path.jpg: No such file or directory
  ! mly-gpx: <stdin>:5: malformed JSON: * (glob)

Photos given directly are read as mly-scan reads them:

  $ $ROOT/build/helpers/mkphotos p 2 --kb 8
  $ echo '{"path":"p/IMG_00001.JPG","lat":10,"lon":20}' | mly-gpx | grep -c '<trkpt lat="10.000000000" lon="20.000000000"/>'
  1
  ! mly-gpx: 1 points without a time (kept in input order)
  $ mly-gpx p
  ...
  ! mly-gpx: 2 records without a position left out

Usage errors:

  $ mly-gpx --bogus
  ! mly-gpx: Option 'bogus' does not exist
  ! Try 'mly-gpx --help' for more information.
  [2]

An absurd but finite elevation is written, not refused (found by fuzzing):

  $ echo '{"lat":1,"lon":2,"alt":1e300,"captured_at":"2024-01-01T00:00:00Z"}' | mly-gpx | grep -cE '<ele>1[0-9]{300}\.000</ele>'
  1
