#require xmllint
mly-gpxjoin on GPX files written here; tests/accept/gpx-roundtrip.sh joins
the real-world files of the fixtures and reads the result back with gpsbabel.

A GPX 1.1 file with a waypoint and two tracks, the first of two segments
(one of them empty), and a GPX 1.0 file with a route, a track, a waypoint and
a time without "Z":

  $ cat > a.gpx <<'EOF'
  > <?xml version="1.0" encoding="UTF-8"?>
  > <gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  >   <trk><name>first</name>
  >     <trkseg>
  >       <trkpt lat="46.1" lon="14.1"><ele>300.5</ele><time>2024-05-01T10:00:00Z</time></trkpt>
  >       <trkpt lat="46.2" lon="14.2"><time>2024-05-01T10:00:01.5Z</time></trkpt>
  >     </trkseg>
  >     <trkseg></trkseg>
  >   </trk>
  >   <wpt lat="46.0" lon="14.0"><name>start &amp; end</name></wpt>
  >   <trk><name>second</name><trkseg><trkpt lat="-33.9" lon="151.2"/></trkseg></trk>
  > </gpx>
  > EOF
  $ cat > b.gpx <<'EOF'
  > <?xml version="1.0"?>
  > <gpx version="1.0" creator="old" xmlns="http://www.topografix.com/GPX/1/0">
  >   <wpt lat="10" lon="-20"><ele>5</ele><name>W</name></wpt>
  >   <rte><name>way</name><rtept lat="10.5" lon="-20.5"/><rtept lat="11" lon="-21"/></rte>
  >   <trk><trkseg><trkpt lat="12" lon="-22"><time>2024-05-02T08:00:00</time><course>90</course></trkpt></trkseg></trk>
  > </gpx>
  > EOF

Every waypoint, route, track and segment, in the order the GPX 1.1 schema
asks for (waypoints, then routes, then tracks), each kind in the order of
the files; the bounds of everything lead the document:

  $ mly-gpxjoin --name 'two files' a.gpx b.gpx | tee j.gpx
  <?xml version="1.0" encoding="UTF-8"?>
  <gpx version="1.1" creator="mly-gpxjoin 0.1.0"
    xmlns="http://www.topografix.com/GPX/1/1"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:mly="https://github.com/mly/gpx"
    xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">
    <metadata>
      <name>two files</name>
      <bounds minlat="-33.900000000" minlon="-22.000000000" maxlat="46.200000000" maxlon="151.200000000"/>
    </metadata>
    <wpt lat="46.000000000" lon="14.000000000">
      <name>start &amp; end</name>
    </wpt>
    <wpt lat="10.000000000" lon="-20.000000000">
      <ele>5.000</ele>
      <name>W</name>
    </wpt>
    <rte>
      <name>way</name>
      <rtept lat="10.500000000" lon="-20.500000000"/>
      <rtept lat="11.000000000" lon="-21.000000000"/>
    </rte>
    <trk>
      <name>first</name>
      <trkseg>
        <trkpt lat="46.100000000" lon="14.100000000">
          <ele>300.500</ele>
          <time>2024-05-01T10:00:00.000Z</time>
        </trkpt>
        <trkpt lat="46.200000000" lon="14.200000000">
          <time>2024-05-01T10:00:01.500Z</time>
        </trkpt>
      </trkseg>
      <trkseg>
      </trkseg>
    </trk>
    <trk>
      <name>second</name>
      <trkseg>
        <trkpt lat="-33.900000000" lon="151.200000000"/>
      </trkseg>
    </trk>
    <trk>
      <trkseg>
        <trkpt lat="12.000000000" lon="-22.000000000">
          <time>2024-05-02T08:00:00.000Z</time>
          <extensions>
            <mly:heading>90.000</mly:heading>
          </extensions>
        </trkpt>
      </trkseg>
    </trk>
  </gpx>
  $ xmllint --noout j.gpx

The output reads back as its inputs: joining it again with nothing else
changes nothing but the name:

  $ mly-gpxjoin j.gpx | diff j.gpx -
  8d7
  <     <name>two files</name>
  [1]
  $ mly-gpxjoin --name 'two files' j.gpx | cmp - j.gpx

A directory stands for the .gpx files directly in it (any case), sorted; -o
writes the document atomically, keeping the mode of a file it replaces:

  $ mkdir d d/sub && cp b.gpx d/2.GPX && cp a.gpx d/1.gpx && cp a.gpx d/sub/3.gpx && echo x > d/notes.txt
  $ touch out.gpx && chmod 640 out.gpx
  $ mly-gpxjoin -o out.gpx --name 'two files' d
  $ cmp out.gpx j.gpx && stat -c %a out.gpx
  640
  $ ls -A | grep -c mly-tmp
  0
  [1]

An input that is the output file itself, as when a directory is joined into
a file inside it, is left out:

  $ mly-gpxjoin -o d/all.gpx --name 'two files' d
  $ mly-gpxjoin -o d/all.gpx --name 'two files' d
  ! mly-gpxjoin: d/all.gpx: left out: it is the output file
  $ cmp d/all.gpx j.gpx

A bad input file is reported with its line, and nothing is written (exit
2): neither on standard output nor to -o. Every bad file is named:

  $ printf '<gpx version="1.1">\n<trk><trkseg>\n<trkpt lat="95" lon="1"/>\n</trkseg></trk></gpx>\n' > far.gpx
  $ printf '<gpx>\n<trk>\n</gpx>\n' > broken.gpx
  $ mkdir empty
  $ mly-gpxjoin a.gpx far.gpx broken.gpx missing.gpx empty b.gpx
  ! mly-gpxjoin: far.gpx:3: latitude 95 out of range
  ! mly-gpxjoin: broken.gpx:3: malformed XML: * (glob)
  ! mly-gpxjoin: missing.gpx: cannot open: No such file or directory
  ! mly-gpxjoin: empty: no GPX files (.gpx) in this directory
  ! mly-gpxjoin: nothing written: 4 bad inputs (--skip-bad joins the others)
  [2]
  $ mly-gpxjoin -o new.gpx a.gpx broken.gpx
  ! mly-gpxjoin: broken.gpx:3: malformed XML: * (glob)
  ! mly-gpxjoin: nothing written: 1 bad input (--skip-bad joins the others)
  [2]
  $ ls new.gpx
  ! ls: cannot access 'new.gpx': No such file or directory
  [2]

With --skip-bad the others are joined and the exit status is 1:

  $ mly-gpxjoin --skip-bad -o new.gpx a.gpx broken.gpx b.gpx
  ! mly-gpxjoin: broken.gpx:3: malformed XML: * (glob)
  [1]
  $ mly-gpxjoin a.gpx b.gpx | cmp - new.gpx

Files without any point still make a valid document, without bounds:

  $ printf '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>none</name></trk></gpx>\n' > nopoints.gpx
  $ mly-gpxjoin nopoints.gpx
  <?xml version="1.0" encoding="UTF-8"?>
  <gpx version="1.1" creator="mly-gpxjoin 0.1.0"
    xmlns="http://www.topografix.com/GPX/1/1"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:mly="https://github.com/mly/gpx"
    xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">
    <trk>
      <name>none</name>
    </trk>
  </gpx>

A full disk is an error:

  $ mly-gpxjoin a.gpx > /dev/full
  ! mly-gpxjoin: cannot write GPX output: No space left on device
  [1]

Usage errors exit 2, an output file that cannot be created too:

  $ mly-gpxjoin -o nodir/x.gpx a.gpx
  ! mly-gpxjoin: nodir/x.gpx: No such file or directory
  [2]
  $ mly-gpxjoin
  ! mly-gpxjoin: no GPX files given
  ! Try 'mly-gpxjoin --help' for more information.
  [2]
  $ mly-gpxjoin --name
  ! mly-gpxjoin: * (glob)
  ! Try 'mly-gpxjoin --help' for more information.
  [2]

Help and version go to stdout:

  $ mly-gpxjoin --help | head -n 1
  mly-gpxjoin: join GPX files into one GPX 1.1 document
  $ mly-gpxjoin --version
  mly-gpxjoin 0.1.0
