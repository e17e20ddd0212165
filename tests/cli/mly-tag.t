#require exiftool python3
mly-tag on photos the test generates: no fixtures needed. The description
file is checked by tests/accept/description_schema.py, a stdlib rendering of
the rules of mapillary_tools' description file.

  $ $ROOT/build/helpers/mkphotos p 3 --kb 8 --start '2024:03:31 01:45:00' --step 2 --make GoPro --model 'HERO9 Black'
  $ mly-scan -q p | jq -c '.lat = 45.51690312345 | .lon = -122.5727651 + input_line_number / 1e6
  >   | .alt = 70.3 | .heading = 270.8949 | .sequence_id = "s1"' > recs.jsonl

Each record gets a "description" object, keys sorted, coordinates rounded
to 7 decimals, altitude and heading to 3, the time in UTC as
YYYY_MM_DD_HH_MM_SS_mmm; the other fields pass through in place:

  $ head -n 1 recs.jsonl | mly-tag
  {"path":"p/IMG_00001.JPG","captured_at":"2024-03-31T01:45:00.000Z","make":"GoPro","model":"HERO9 Black","width":99,"height":74,"orientation":1,"lat":45.51690312345,"lon":-122.5727641,"alt":70.3,"heading":270.8949,"sequence_id":"s1","description":{"MAPAltitude":70.3,"MAPCaptureTime":"2024_03_31_01_45_00_000","MAPCompassHeading":{"MagneticHeading":270.895,"TrueHeading":270.895},"MAPDeviceMake":"GoPro","MAPDeviceModel":"HERO9 Black","MAPFilename":"IMG_00001.JPG","MAPLatitude":45.5169031,"MAPLongitude":-122.5727641,"MAPOrientation":1}}

A "description" already in the record is replaced where it stands;
--organization sets organization_id, which mly-upload sends with the upload
(the description schema has no key for it):

  $ echo '{"path":"a.jpg","description":"old","lat":1,"lon":2,"captured_at":"2025-07-28T12:07:30.12+02:00"}' | mly-tag --organization 1234567
  {"path":"a.jpg","description":{"MAPCaptureTime":"2025_07_28_10_07_30_120","MAPFilename":"a.jpg","MAPLatitude":1,"MAPLongitude":2},"lat":1,"lon":2,"captured_at":"2025-07-28T12:07:30.12+02:00","organization_id":"1234567"}

Rounding and normalising: a heading of -90.0004 is 269.9996, which rounds to
270; 359.9996 rounds to 360, which is 0; altitudes below sea level keep their
sign; an empty model is no model:

  $ printf '%s\n' '{"path":"x/b.jpg","lat":-0.000000049,"lon":179.99999996,"captured_at":"1999-12-31T23:59:59.999Z","alt":-12.34567,"heading":-90.0004,"model":""}' \
  >   '{"path":"c.jpg","lat":89.9999999999,"lon":-180,"captured_at":"2000-01-01T00:00:00Z","heading":359.9996,"orientation":6}' | mly-tag | jq -c .description
  {"MAPAltitude":-12.346,"MAPCaptureTime":"1999_12_31_23_59_59_999","MAPCompassHeading":{"MagneticHeading":270,"TrueHeading":270},"MAPFilename":"b.jpg","MAPLatitude":0,"MAPLongitude":180}
  {"MAPCaptureTime":"2000_01_01_00_00_00_000","MAPCompassHeading":{"MagneticHeading":0,"TrueHeading":0},"MAPFilename":"c.jpg","MAPLatitude":90,"MAPLongitude":-180,"MAPOrientation":6}

Text that is not ASCII stays UTF-8 in the record stream and is escaped as
\uXXXX in the description file (and in EXIF ImageDescription, which is
ASCII), as Python's json.dumps escapes it:

  $ head -n 1 recs.jsonl | jq -c '.make = "Ünï"' | mly-tag --desc U.json | jq -r .description.MAPDeviceMake
  Ünï
  $ grep -o '"MAPDeviceMake":"[^"]*"' U.json
  "MAPDeviceMake":"\u00dcn\u00ef"
  $ python3 $ROOT/tests/accept/description_schema.py U.json
  U.json: 1 image entry valid

--desc writes mapillary_image_description.json: the same keys plus
MAPSequenceUUID, the absolute filename, filetype, filesize and a null md5sum
(mapillary_tools computes it at upload), compact with sorted keys:

  $ mly-tag --desc D.json < recs.jsonl > out.jsonl
  $ wc -l < out.jsonl
  3
  $ python3 $ROOT/tests/accept/description_schema.py D.json
  D.json: 3 image entries valid
  $ jq -c '.[0]' D.json | sed "s|$PWD|PWD|"
  {"MAPAltitude":70.3,"MAPCaptureTime":"2024_03_31_01_45_00_000","MAPCompassHeading":{"MagneticHeading":270.895,"TrueHeading":270.895},"MAPDeviceMake":"GoPro","MAPDeviceModel":"HERO9 Black","MAPFilename":"IMG_00001.JPG","MAPLatitude":45.5169031,"MAPLongitude":-122.5727641,"MAPOrientation":1,"MAPSequenceUUID":"s1","filename":"PWD/p/IMG_00001.JPG","filesize":*,"filetype":"image","md5sum":null} (glob)
  $ test "$(jq '.[1].filesize' D.json)" = "$(stat -c %s p/IMG_00002.JPG)" && echo size ok
  size ok

The validator itself refuses what mapillary_tools would refuse:

  $ echo '[{"MAPLatitude":91,"MAPLongitude":1.123456789,"MAPCaptureTime":"2020_13_01_00_00_00","filename":"x.jpg","filetype":"video","MAPOrganizationKey":"1"}]' > bad.json
  $ python3 $ROOT/tests/accept/description_schema.py bad.json
  bad.json: not compact JSON with sorted keys
  bad.json: entry 1: key MAPOrganizationKey not allowed
  bad.json: entry 1: MAPLatitude 91 out of range [-90, 90]
  bad.json: entry 1: MAPLongitude 1.123456789 not rounded to 7 decimals
  bad.json: entry 1: MAPCaptureTime '2020_13_01_00_00_00' is not YYYY_MM_DD_HH_MM_SS_mmm
  bad.json: entry 1: filename 'x.jpg' is not an absolute path
  bad.json: entry 1: filetype 'video' is not "image"
  [1]
  $ jq . D.json > spaced.json
  $ python3 $ROOT/tests/accept/description_schema.py spaced.json
  spaced.json: not compact JSON with sorted keys
  [1]

--write puts the description (without MAPSequenceUUID, as mapillary_tools
writes it) into EXIF ImageDescription and changes nothing else; the records
come out once their photos are safely written:

  $ exiftool -s3 -DateTimeOriginal -GPSLatitude p/IMG_00002.JPG
  2024:03:31 01:45:02
  $ mly-tag --write < recs.jsonl | jq -r .path
  p/IMG_00001.JPG
  p/IMG_00002.JPG
  p/IMG_00003.JPG
  $ exiftool -s3 -ImageDescription p/IMG_00002.JPG | tee e.json
  {"MAPAltitude":70.3,"MAPCaptureTime":"2024_03_31_01_45_02_000","MAPCompassHeading":{"MagneticHeading":270.895,"TrueHeading":270.895},"MAPDeviceMake":"GoPro","MAPDeviceModel":"HERO9 Black","MAPFilename":"IMG_00002.JPG","MAPLatitude":45.5169031,"MAPLongitude":-122.5727631,"MAPOrientation":1}
  $ python3 $ROOT/tests/accept/description_schema.py --exif e.json
  e.json: EXIF description valid
  $ exiftool -s3 -DateTimeOriginal -GPSLatitude p/IMG_00002.JPG
  2024:03:31 01:45:02

With --dry-run nothing is written, neither photos nor the description file:

  $ md5sum p/IMG_00001.JPG > before
  $ jq -c '.heading = 10' recs.jsonl | mly-tag -n --write --desc dry.json | jq -c .description.MAPCompassHeading
  {"MagneticHeading":10,"TrueHeading":10}
  {"MagneticHeading":10,"TrueHeading":10}
  {"MagneticHeading":10,"TrueHeading":10}
  $ md5sum -c --quiet before
  $ ls dry.json
  ! ls: cannot access 'dry.json': No such file or directory
  [2]

Bare paths (arguments, or lines of stdin) are photos: their EXIF is read as
mly-scan reads it, with --tz for times without an offset:

  $ $ROOT/build/helpers/mkphotos q 2 --kb 8 --start '2024:03:31 01:45:00' --make GoPro
  $ exiftool -q -overwrite_original -GPSLatitude=52.5 -GPSLatitudeRef=N -GPSLongitude=13.4 -GPSLongitudeRef=E q
  $ mly-tag -q q/IMG_00002.JPG | jq -c .description
  {"MAPCaptureTime":"2024_03_31_01_45_01_000","MAPDeviceMake":"GoPro","MAPDeviceModel":"Generator 1","MAPFilename":"IMG_00002.JPG","MAPLatitude":52.5,"MAPLongitude":13.4,"MAPOrientation":1}
  $ echo q/IMG_00001.JPG | mly-tag | jq -r .description.MAPCaptureTime
  2024_03_31_01_45_00_000
  ! mly-tag: photo times without an offset read as UTC (first: q/IMG_00001.JPG); give --tz for the camera's zone
  $ mly-tag --tz Europe/Berlin q | jq -r .description.MAPCaptureTime
  2024_03_31_00_45_00_000
  2024_03_31_00_45_01_000

Bad records: each is reported with its line and photo, left out of the
output and of the description file, written to --rejected with a reason; the
others are done and the exit status is 1:

  $ $ROOT/build/helpers/mkphotos nogps 1 --kb 8
  $ printf '%s\n' '{"path":"p/IMG_00001.JPG","lat":1}' \
  >   '{"lat":1,"lon":2,"captured_at":"2025-01-01T00:00:00Z"}' \
  >   '{"path":"p/IMG_00001.JPG","lat":95,"lon":2,"captured_at":"2025-01-01T00:00:00Z"}' \
  >   '{"path":"p/IMG_00001.JPG","lat":1,"lon":2,"captured_at":"yesterday"}' \
  >   '{"path":"p/IMG_00001.JPG","lat":"1","lon":2,"captured_at":"2025-01-01T00:00:00Z"}' \
  >   '{"path":"p/IMG_00001.JPG","lat":1,"lon":2,"captured_at":"2025-01-01T00:00:00Z","orientation":9}' \
  >   '{"path":"p/IMG_00001.JPG","lat":1,"lon":2,"captured_at":"2025-01-01T00:00:00Z","sequence_id":"a b"}' \
  >   '{"path":"gone.jpg","lat":1,"lon":2,"captured_at":"2025-01-01T00:00:00Z"}' \
  >   '{"path":' nogps/IMG_00001.JPG missing.jpg \
  >   '{"path":"p/IMG_00002.JPG","lat":1,"lon":2,"captured_at":"2025-01-01T00:00:00Z"}' \
  >   | mly-tag -q --desc D2.json --rejected rej.jsonl > good.jsonl
  ! mly-tag: <stdin>:1: p/IMG_00001.JPG: missing "lon" and "captured_at"
  ! mly-tag: <stdin>:2: missing "path"
  ! mly-tag: <stdin>:3: p/IMG_00001.JPG: lat 95 is out of range [-90, 90]
  ! mly-tag: <stdin>:4: p/IMG_00001.JPG: bad captured_at 'yesterday' (want RFC 3339, e.g. 2025-07-28T10:07:30.120Z)
  ! mly-tag: <stdin>:5: p/IMG_00001.JPG: field "lat" must be a number
  ! mly-tag: <stdin>:6: p/IMG_00001.JPG: orientation 9 is not 1 to 8
  ! mly-tag: <stdin>:7: p/IMG_00001.JPG: sequence_id 'a b' has characters other than letters, digits, '_' and '-'
  ! mly-tag: <stdin>:8: gone.jpg: No such file or directory (left out of the description file)
  ! mly-tag: <stdin>:9: malformed JSON: * (glob)
  ! mly-tag: <stdin>:10: nogps/IMG_00001.JPG: missing "lat" and "lon"
  ! mly-tag: <stdin>:11: missing.jpg: No such file or directory
  [1]
  $ jq -r .path good.jsonl
  p/IMG_00002.JPG
  $ python3 $ROOT/tests/accept/description_schema.py D2.json
  D2.json: 1 image entry valid
  $ jq -r .reason rej.jsonl
  missing "lon" and "captured_at"
  missing "path"
  lat 95 is out of range [-90, 90]
  bad captured_at 'yesterday' (want RFC 3339, e.g. 2025-07-28T10:07:30.120Z)
  field "lat" must be a number
  orientation 9 is not 1 to 8
  sequence_id 'a b' has characters other than letters, digits, '_' and '-'
  No such file or directory (left out of the description file)
  missing "lat" and "lon"
  No such file or directory

--write on a photo that cannot be written names it; the others are written:

  $ printf '%s\n' '{"path":"gone.jpg","lat":1,"lon":2,"captured_at":"2025-01-01T00:00:00Z"}' \
  >   '{"path":"nogps/IMG_00001.JPG","lat":1,"lon":2,"captured_at":"2025-01-01T00:00:00Z"}' | mly-tag --write > good.jsonl
  ! mly-tag: <stdin>:1: gone.jpg: not written: No such file or directory
  [1]
  $ jq -r .path good.jsonl
  nogps/IMG_00001.JPG
  $ exiftool -s3 -ImageDescription nogps/IMG_00001.JPG
  {"MAPCaptureTime":"2025_01_01_00_00_00_000","MAPFilename":"IMG_00001.JPG","MAPLatitude":1,"MAPLongitude":2}

The description file is replaced atomically and keeps its mode; nothing is
left beside it:

  $ chmod 640 D.json
  $ head -n 1 recs.jsonl | mly-tag --desc D.json > /dev/null
  $ stat -c %a D.json; jq length D.json; ls -A | grep -c mly-tmp
  640
  1
  0
  [1]

A full disk on standard output is an error:

  $ head -n 1 recs.jsonl | mly-tag > /dev/full
  ! mly-tag: error writing standard output
  [1]

Usage errors exit 2 and do nothing:

  $ mly-tag --organization 'my org' < recs.jsonl
  ! mly-tag: --organization: 'my org' is not an organization id
  ! Try 'mly-tag --help' for more information.
  [2]
  $ mly-tag --desc - < recs.jsonl
  ! mly-tag: --desc: give a file; standard output carries the records
  ! Try 'mly-tag --help' for more information.
  [2]
  $ mly-tag --desc nodir/D.json < recs.jsonl
  ! mly-tag: --desc: nodir/D.json: No such file or directory
  [2]
  $ mly-tag --tz Mars/Olympus p
  ! mly-tag: --tz: unknown time zone 'Mars/Olympus'
  ! Try 'mly-tag --help' for more information.
  [2]

Help and version go to stdout:

  $ mly-tag --help | head -n 1
  mly-tag: Mapillary image description (MAP* JSON) for each photo
  $ mly-tag --version
  mly-tag 0.1.0
