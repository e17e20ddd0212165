mly-write on photos the test generates, read back with mly-scan (the tags
themselves are checked with exiftool in mly-write-exiftool.t).

  $ $ROOT/build/helpers/mkphotos p 8 --kb 8 --start '2024:03:31 01:45:00'
  $ cp -a p orig

Each field, one photo at a time; the records written come out unchanged:

  $ cat > fields.jsonl <<'END'
  > {"path":"p/IMG_00001.JPG","lat":-33.868819123,"lon":151.209290456}
  > {"path":"p/IMG_00002.JPG","lat":52.5,"lon":-0.125,"alt":-12.345}
  > {"path":"p/IMG_00003.JPG","lat":10,"lon":20,"heading":-90}
  > {"path":"p/IMG_00004.JPG","captured_at":"2025-07-28T10:07:30.120Z","utc_offset":"+05:30"}
  > {"path":"p/IMG_00005.JPG","captured_at":"2025-07-28T10:07:30.999Z"}
  > {"path":"p/IMG_00006.JPG","make":"Acme","model":"Street 3000","orientation":6}
  > {"path":"p/IMG_00007.JPG","camera_type":"spherical","heading":400.5}
  > END
  $ mly-write < fields.jsonl
  {"path":"p/IMG_00001.JPG","lat":-33.868819123,"lon":151.209290456}
  {"path":"p/IMG_00002.JPG","lat":52.5,"lon":-0.125,"alt":-12.345}
  {"path":"p/IMG_00003.JPG","lat":10,"lon":20,"heading":-90}
  {"path":"p/IMG_00004.JPG","captured_at":"2025-07-28T10:07:30.120Z","utc_offset":"+05:30"}
  {"path":"p/IMG_00005.JPG","captured_at":"2025-07-28T10:07:30.999Z"}
  {"path":"p/IMG_00006.JPG","make":"Acme","model":"Street 3000","orientation":6}
  {"path":"p/IMG_00007.JPG","camera_type":"spherical","heading":400.5}

Read back: positions to 1e-9 degree, altitude below sea level, headings in
[0, 360), the instant and its offset (+00:00 when the record had none and
no --tz was given), camera, orientation and the panorama:

  $ mly-scan --tz +00:00 p | jq -c 'del(.width, .height)'
  {"path":"p/IMG_00001.JPG","captured_at":"2024-03-31T01:45:00.000Z","utc_offset":"+00:00","lat":-33.868819123,"lon":151.209290456,"make":"MlyCam","model":"Generator 1","orientation":1}
  {"path":"p/IMG_00002.JPG","captured_at":"2024-03-31T01:45:01.000Z","utc_offset":"+00:00","lat":52.5,"lon":-0.125,"alt":-12.345,"make":"MlyCam","model":"Generator 1","orientation":1}
  {"path":"p/IMG_00003.JPG","captured_at":"2024-03-31T01:45:02.000Z","utc_offset":"+00:00","lat":10,"lon":20,"heading":270,"make":"MlyCam","model":"Generator 1","orientation":1}
  {"path":"p/IMG_00004.JPG","captured_at":"2025-07-28T10:07:30.120Z","utc_offset":"+05:30","make":"MlyCam","model":"Generator 1","orientation":1}
  {"path":"p/IMG_00005.JPG","captured_at":"2025-07-28T10:07:30.999Z","utc_offset":"+00:00","make":"MlyCam","model":"Generator 1","orientation":1}
  {"path":"p/IMG_00006.JPG","captured_at":"2024-03-31T01:45:05.000Z","utc_offset":"+00:00","make":"Acme","model":"Street 3000","orientation":6}
  {"path":"p/IMG_00007.JPG","captured_at":"2024-03-31T01:45:06.000Z","utc_offset":"+00:00","heading":40.5,"make":"MlyCam","model":"Generator 1","orientation":1,"camera_type":"spherical"}
  {"path":"p/IMG_00008.JPG","captured_at":"2024-03-31T01:45:07.000Z","utc_offset":"+00:00","make":"MlyCam","model":"Generator 1","orientation":1}

The image data is untouched (everything from the SOS marker on), and no
temporary file is left:

  $ python3 - <<'END'
  > import glob
  > for f in sorted(glob.glob("p/*.JPG")):
  >     a, b = open(f, "rb").read(), open("orig/" + f[2:], "rb").read()
  >     # Baseline JPEGs of mkphotos: one SOS, the last FFDA in the file.
  >     if a[a.rindex(b"\xff\xda"):] != b[b.rindex(b"\xff\xda"):]:
  >         print(f, "differs")
  > END
  $ ls -A p | grep -v '^IMG_0000[1-8].JPG$'
  [1]

A record with nothing to write passes through, in its place in the stream:

  $ printf '%s\n' '{"path":"p/IMG_00001.JPG","alt":1}' '{"path":"p/IMG_00008.JPG","note":"keep"}' p/IMG_00008.JPG '{"path":"p/IMG_00002.JPG","alt":2}' | mly-write -v
  {"path":"p/IMG_00001.JPG","alt":1}
  {"path":"p/IMG_00008.JPG","note":"keep"}
  {"path":"p/IMG_00008.JPG"}
  {"path":"p/IMG_00002.JPG","alt":2}
  ! mly-write: p/IMG_00008.JPG: nothing to write
  ! mly-write: p/IMG_00008.JPG: nothing to write
  ! mly-write: 2 photos written, 0 failed
  $ cmp p/IMG_00008.JPG orig/IMG_00008.JPG

--dry-run prepares everything, prints the records and changes no byte:

  $ cp -a p before
  $ mly-write -n -v < fields.jsonl | wc -l
  7
  ! mly-write: p/IMG_00001.JPG: would write * bytes (glob)
  ! mly-write: p/IMG_00002.JPG: would write * bytes (glob)
  ! mly-write: p/IMG_00003.JPG: would write * bytes (glob)
  ! mly-write: p/IMG_00004.JPG: would write * bytes (glob)
  ! mly-write: p/IMG_00005.JPG: would write * bytes (glob)
  ! mly-write: p/IMG_00006.JPG: would write * bytes (glob)
  ! mly-write: p/IMG_00007.JPG: would write * bytes (glob)
  ! mly-write: 0 photos written, 0 failed
  $ for f in p/*.JPG; do cmp $f before/${f#p/}; done
  $ mly-write --dry-run <<< '{"path":"p/IMG_00001.JPG","lat":91,"lon":0}'
  ! mly-write: p/IMG_00001.JPG: not written: lat 91* out of range (glob)
  [1]
  $ cmp p/IMG_00001.JPG before/IMG_00001.JPG

--tz: the zone of records without utc_offset, with its summer time; a
utc_offset in the record wins:

  $ printf '%s\n' '{"path":"p/IMG_00001.JPG","captured_at":"2024-07-01T10:00:00.250Z"}' \
  >   '{"path":"p/IMG_00002.JPG","captured_at":"2024-01-15T10:00:00.000Z"}' \
  >   '{"path":"p/IMG_00003.JPG","captured_at":"2024-07-01T10:00:00.000Z","utc_offset":"-07:00"}' \
  >   | mly-write -q --tz Europe/Berlin
  {"path":"p/IMG_00001.JPG","captured_at":"2024-07-01T10:00:00.250Z"}
  {"path":"p/IMG_00002.JPG","captured_at":"2024-01-15T10:00:00.000Z"}
  {"path":"p/IMG_00003.JPG","captured_at":"2024-07-01T10:00:00.000Z","utc_offset":"-07:00"}
  $ mly-scan p/IMG_0000[123].JPG | jq -r '.captured_at + " " + .utc_offset'
  2024-07-01T10:00:00.250Z +02:00
  2024-01-15T10:00:00.000Z +01:00
  2024-07-01T10:00:00.000Z -07:00

Bad records: each is reported with its file or line, the others are
written, and the exit status is 1. Photos of failed records are unchanged.

  $ echo hello > notes.jpg
  $ cp -a p before2
  $ cat > bad.jsonl <<'END'
  > {"path":"p/IMG_00004.JPG","lat":1.5,"lon":2.5}
  > {"lat":1,"lon":2}
  > {"path":"missing.jpg","lat":1,"lon":2}
  > {"path":"notes.jpg","lat":1,"lon":2}
  > {"path":"p/IMG_00001.JPG","lat":90.5,"lon":2}
  > {"path":"p/IMG_00002.JPG","lat":45}
  > {"path":"p/IMG_00003.JPG","captured_at":"yesterday"}
  > {"path":"p/IMG_00005.JPG","orientation":9}
  > {"path":
  > {"path":"p/IMG_00006.JPG","lon":-180.5,"lat":0}
  > {"path":"p/IMG_00007.JPG","lat":"north","lon":2}
  > {"path":"p/IMG_00008.JPG","captured_at":"2024-01-01T00:00:00Z","utc_offset":"+25:00"}
  > {"path":"p/IMG_00006.JPG","alt":-1.5}
  > END
  $ mly-write < bad.jsonl
  {"path":"p/IMG_00004.JPG","lat":1.5,"lon":2.5}
  {"path":"p/IMG_00006.JPG","alt":-1.5}
  ! mly-write: <stdin>:2: record has no "path"
  ! mly-write: missing.jpg: not written: No such file or directory
  ! mly-write: notes.jpg: not written: not a JPEG file
  ! mly-write: p/IMG_00001.JPG: not written: lat 90.5* out of range (glob)
  ! mly-write: p/IMG_00002.JPG: not written: lat and lon go together: one is missing
  ! mly-write: p/IMG_00003.JPG: not written: bad captured_at 'yesterday' (want RFC 3339, e.g. 2025-07-28T10:07:30.120Z)
  ! mly-write: p/IMG_00005.JPG: not written: orientation 9 is not 1 to 8
  ! mly-write: <stdin>:9: malformed JSON: * (glob)
  ! mly-write: p/IMG_00006.JPG: not written: lon -180.5* out of range (glob)
  ! mly-write: p/IMG_00007.JPG: not written: field "lat" must be a number
  ! mly-write: p/IMG_00008.JPG: not written: bad utc_offset '+25:00' (want +HH:MM)
  [1]
  $ for f in 1 2 3 5 7 8; do cmp p/IMG_0000$f.JPG before2/IMG_0000$f.JPG; done
  $ mly-scan -q p/IMG_00004.JPG p/IMG_00006.JPG | jq -c '[.path, .lat, .lon, .alt]'
  ["p/IMG_00004.JPG",1.5,2.5,null]
  ["p/IMG_00006.JPG",null,null,-1.5]

--rejected FILE gets each record that was not written, with a reason:

  $ mly-write --rejected rej.jsonl < bad.jsonl > /dev/null 2>&1
  [1]
  $ jq -c '[.path, .reason]' rej.jsonl
  [null,"record has no \"path\""]
  ["missing.jpg","No such file or directory"]
  ["notes.jpg","not a JPEG file"]
  ["p/IMG_00001.JPG","lat 90.5* out of range"] (glob)
  ["p/IMG_00002.JPG","lat and lon go together: one is missing"]
  ["p/IMG_00003.JPG","bad captured_at 'yesterday' (want RFC 3339, e.g. 2025-07-28T10:07:30.120Z)"]
  ["p/IMG_00005.JPG","orientation 9 is not 1 to 8"]
  ["p/IMG_00006.JPG","lon -180.5* out of range"] (glob)
  ["p/IMG_00007.JPG","field \"lat\" must be a number"]
  ["p/IMG_00008.JPG","bad utc_offset '+25:00' (want +HH:MM)"]

Record files as positional arguments, read in turn (a missing one is
reported, the others are done):

  $ echo '{"path":"p/IMG_00001.JPG","make":"One"}' > a.jsonl
  $ printf '%s\n' '# a comment' '{"path":"p/IMG_00002.JPG","make":"Two"}' '{"path":"p/IMG_00003.JPG","orientation":0}' > b.jsonl
  $ mly-write a.jsonl nothere.jsonl b.jsonl
  {"path":"p/IMG_00001.JPG","make":"One"}
  {"path":"p/IMG_00002.JPG","make":"Two"}
  ! mly-write: nothere.jsonl: cannot open record file
  ! mly-write: p/IMG_00003.JPG: not written: orientation 0 is not 1 to 8
  [1]
  $ mly-scan -q p/IMG_0000[12].JPG | jq -r .make
  One
  Two

The photo keeps its mode:

  $ chmod 640 p/IMG_00001.JPG
  $ chmod 604 p/IMG_00002.JPG
  $ echo '{"path":"p/IMG_00001.JPG","alt":3}{"path":"p/IMG_00002.JPG","alt":4}' | jq -c . | mly-write -q > /dev/null
  $ stat -c '%a %n' p/IMG_00001.JPG p/IMG_00002.JPG
  640 p/IMG_00001.JPG
  604 p/IMG_00002.JPG

A temporary left by a killed run is reused and goes away; one that another
mly-write holds (locked) makes this photo fail and is left to its owner:

  $ printf 'junk' > p/.IMG_00003.JPG.mly-tmp
  $ echo '{"path":"p/IMG_00003.JPG","alt":5}' | mly-write
  {"path":"p/IMG_00003.JPG","alt":5}
  $ ls -A p | grep -c mly-tmp
  0
  [1]
  $ mly-scan -q p/IMG_00003.JPG | jq .alt
  5
  $ printf 'theirs' > p/.IMG_00004.JPG.mly-tmp
  $ cp p/IMG_00004.JPG before-lock.jpg
  $ flock p/.IMG_00004.JPG.mly-tmp -c 'printf "%s\n" "{\"path\":\"p/IMG_00004.JPG\",\"alt\":6}" "{\"path\":\"p/IMG_00005.JPG\",\"alt\":7}" | mly-write'
  {"path":"p/IMG_00005.JPG","alt":7}
  ! mly-write: p/IMG_00004.JPG: not written: being written by another process* (glob)
  [1]
  $ cat p/.IMG_00004.JPG.mly-tmp; echo
  theirs
  $ cmp p/IMG_00004.JPG before-lock.jpg
  $ rm p/.IMG_00004.JPG.mly-tmp

Usage errors exit 2 and write nothing:

  $ cp -a p before3
  $ mly-write --frobnicate < fields.jsonl
  ! mly-write: Option 'frobnicate' does not exist
  ! Try 'mly-write --help' for more information.
  [2]
  $ mly-write --tz Mars/Olympus < fields.jsonl
  ! mly-write: --tz: unknown time zone 'Mars/Olympus'
  ! Try 'mly-write --help' for more information.
  [2]
  $ for f in p/*.JPG; do cmp $f before3/${f#p/}; done

Help and version go to stdout:

  $ mly-write --help | head -n 2
  mly-write: write records' metadata into the photos' EXIF, atomically
  Usage:
  $ mly-write --version
  mly-write 0.1.0
