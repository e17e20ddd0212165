mly-scan on photos the test generates: no fixtures needed.

  $ $ROOT/build/helpers/mkphotos p 3 --kb 8 --start '2024:03:31 01:45:00' --step 3600 --make GoPro --model 'HERO9 Black'
  $ mly-scan p
  {"path":"p/IMG_00001.JPG","captured_at":"2024-03-31T01:45:00.000Z","make":"GoPro","model":"HERO9 Black","width":99,"height":74,"orientation":1}
  {"path":"p/IMG_00002.JPG","captured_at":"2024-03-31T02:45:00.000Z","make":"GoPro","model":"HERO9 Black","width":99,"height":74,"orientation":1}
  {"path":"p/IMG_00003.JPG","captured_at":"2024-03-31T03:45:00.000Z","make":"GoPro","model":"HERO9 Black","width":99,"height":74,"orientation":1}
  ! mly-scan: photo times without an offset read as UTC (first: p/IMG_00001.JPG); give --tz for the camera's zone

A camera on Berlin time across the start of summer time (02:45 does not exist
that night: it is read with the winter offset, as a clock not yet changed):

  $ mly-scan --tz Europe/Berlin p | jq -c '[.captured_at, .utc_offset]'
  ["2024-03-31T00:45:00.000Z","+01:00"]
  ["2024-03-31T01:45:00.000Z","+01:00"]
  ["2024-03-31T01:45:00.000Z","+02:00"]

A fixed offset:

  $ mly-scan --tz +05:30 p/IMG_00001.JPG | jq -r '.captured_at + " " + .utc_offset'
  2024-03-30T20:15:00.000Z +05:30

An offset stored in the photo wins over --tz:

  $ $ROOT/build/helpers/mkphotos q 1 --kb 8 --start '2018:06:08 13:24:10' --offset -07:00
  $ mly-scan --tz Europe/Berlin q | jq -r '.captured_at + " " + .utc_offset'
  2018-06-08T20:24:10.000Z -07:00

Paths on stdin, bare or in records whose other fields pass through in place:

  $ printf '%s\n' '# a comment' '' p/IMG_00002.JPG '{"id":7,"path":"p/IMG_00003.JPG","make":"old","x":[1]}' | mly-scan -q
  {"path":"p/IMG_00002.JPG","captured_at":"2024-03-31T02:45:00.000Z","make":"GoPro","model":"HERO9 Black","width":99,"height":74,"orientation":1}
  {"id":7,"path":"p/IMG_00003.JPG","make":"GoPro","x":[1],"captured_at":"2024-03-31T03:45:00.000Z","model":"HERO9 Black","width":99,"height":74,"orientation":1}

Bad input: a missing file, a file that is not a JPEG, a truncated JPEG, a
malformed line, a record without path. Each is reported with its file or
line, the rest is done, and the exit status is 1:

  $ echo 'hello' > notes.jpg
  $ head -c 300 p/IMG_00001.JPG > cut.jpg
  $ printf '%s\n' missing.jpg notes.jpg cut.jpg '{"path":' '{"lat":1}' '{"path":5}' p/IMG_00001.JPG | mly-scan -q
  {"path":"p/IMG_00001.JPG","captured_at":"2024-03-31T01:45:00.000Z","make":"GoPro","model":"HERO9 Black","width":99,"height":74,"orientation":1}
  ! mly-scan: missing.jpg: No such file or directory
  ! mly-scan: notes.jpg: not a JPEG file
  ! mly-scan: cut.jpg: truncated JPEG (segment FFE1 at offset 20 runs past end of file)
  ! mly-scan: <stdin>:4: malformed JSON: * (glob)
  ! mly-scan: <stdin>:5: record has no "path"
  ! mly-scan: <stdin>:6: field "path" must be a string
  [1]

Rejected records go to --rejected with a reason:

  $ printf '%s\n' missing.jpg p/IMG_00001.JPG | mly-scan -q --rejected rej.jsonl > /dev/null 2>&1
  [1]
  $ cat rej.jsonl
  {"path":"missing.jpg","reason":"No such file or directory"}

A directory without photos is an error; the other arguments are still read:

  $ mkdir empty
  $ mly-scan -q empty p/IMG_00003.JPG | jq -r .path
  p/IMG_00003.JPG
  ! mly-scan: empty: no JPEG files (.jpg, .jpeg) in this directory

Usage errors exit 2 and print nothing on stdout:

  $ mly-scan --tz Mars/Olympus p
  ! mly-scan: --tz: unknown time zone 'Mars/Olympus'
  ! Try 'mly-scan --help' for more information.
  [2]
  $ mly-scan --frobnicate
  ! mly-scan: Option 'frobnicate' does not exist
  ! Try 'mly-scan --help' for more information.
  [2]
  $ mly-scan --tz
  ! mly-scan: * (glob)
  ! Try 'mly-scan --help' for more information.
  [2]

Help and version go to stdout:

  $ mly-scan --help | head -n 2
  mly-scan: read photos' EXIF and XMP into records
  Usage:
  $ mly-scan --version
  mly-scan 0.1.0
