mly-fixdates gives photo k the time start + k * step. Expected times are worked
out by hand (and with Python's zoneinfo for the Berlin case), not copied.

Input order, a start in the camera's zone: 13:01:01 at +01:00 is 12:01:01Z,
then every 2 s. Bare paths become records:

  $ printf '%s\n' a.jpg b.jpg c.jpg | mly-fixdates --start '2014-11-27 13:01:01' --step 2 --tz +01:00
  {"path":"a.jpg","captured_at":"2014-11-27T12:01:01.000Z","utc_offset":"+01:00"}
  {"path":"b.jpg","captured_at":"2014-11-27T12:01:03.000Z","utc_offset":"+01:00"}
  {"path":"c.jpg","captured_at":"2014-11-27T12:01:05.000Z","utc_offset":"+01:00"}

Without --tz a start with no offset is UTC, and one warning says so:

  $ printf '%s\n' a.jpg | mly-fixdates --start '2014-11-27 13:01:01' --step 2
  {"path":"a.jpg","captured_at":"2014-11-27T13:01:01.000Z","utc_offset":"+00:00"}
  ! mly-fixdates: start time '2014-11-27 13:01:01' read as UTC; give --tz for the camera's zone

The EXIF form with colons and a fraction, and a negative fractional step; no
warning with -q. Fields already there are replaced where they stand, others
pass through:

  $ printf '%s\n' '{"x":1,"captured_at":"2000-01-01T00:00:00.000Z","path":"a.jpg","utc_offset":"-07:00","y":[2]}' b.jpg c.jpg d.jpg \
  >   | mly-fixdates -q --start '2014:11:27 13:01:01.5' --step -0.25
  {"x":1,"captured_at":"2014-11-27T13:01:01.500Z","path":"a.jpg","utc_offset":"+00:00","y":[2]}
  {"path":"b.jpg","captured_at":"2014-11-27T13:01:01.250Z","utc_offset":"+00:00"}
  {"path":"c.jpg","captured_at":"2014-11-27T13:01:01.000Z","utc_offset":"+00:00"}
  {"path":"d.jpg","captured_at":"2014-11-27T13:01:00.750Z","utc_offset":"+00:00"}

Frames of a 30 fps video: 1/30 s apart, rounded to the millisecond each, so
nothing drifts (frame 30 is exactly one second on):

  $ for i in $(seq 0 30); do echo f$i.jpg; done | mly-fixdates -q --start '2014-11-27T13:01:01Z' --step 0.0333333333333333 \
  >   | jq -r .captured_at | sed -n '1p;2p;3p;31p'
  2014-11-27T13:01:01.000Z
  2014-11-27T13:01:01.033Z
  2014-11-27T13:01:01.067Z
  2014-11-27T13:01:02.000Z

An IANA zone: the start is read in it (02:30 on the night Berlin leaves summer
time happens twice: the first, at +02:00) and each photo gets the offset in
force at its own instant:

  $ printf '%s\n' a b c d | mly-fixdates --start '2024-10-27 02:30:00' --step 1800 --tz Europe/Berlin | jq -r '.captured_at + " " + .utc_offset'
  2024-10-27T00:30:00.000Z +02:00
  2024-10-27T01:00:00.000Z +01:00
  2024-10-27T01:30:00.000Z +01:00
  2024-10-27T02:00:00.000Z +01:00

A start with its own offset keeps it (no --tz needed, no warning); RFC 3339
and epoch milliseconds work too:

  $ printf '%s\n' a b | mly-fixdates --start '2014-11-27T13:01:01+05:30' --step 2 | jq -r '.captured_at + " " + .utc_offset'
  2014-11-27T07:31:01.000Z +05:30
  2014-11-27T07:31:03.000Z +05:30
  $ printf '%s\n' a | mly-fixdates --start '2014:11:27 13:01:01.120-03:00' --step 2 | jq -r '.captured_at + " " + .utc_offset'
  2014-11-27T16:01:01.120Z -03:00
  $ printf '%s\n' a | mly-fixdates --start 1417093261000 --step 2 | jq -r '.captured_at + " " + .utc_offset'
  2014-11-27T13:01:01.000Z +00:00

Sorted by path, as the seed did, or by file name; the records are held and
printed in that order, each with its time:

  $ printf '%s\n' '{"path":"z/2.jpg","captured_at":"old","x":1}' '{"path":"a/3.jpg"}' '{"path":"b/1.jpg"}' > in.jsonl
  $ mly-fixdates -q --sort path --start '2014-11-27 13:01:01' --step 10 in.jsonl
  {"path":"a/3.jpg","captured_at":"2014-11-27T13:01:01.000Z","utc_offset":"+00:00"}
  {"path":"b/1.jpg","captured_at":"2014-11-27T13:01:11.000Z","utc_offset":"+00:00"}
  {"path":"z/2.jpg","captured_at":"2014-11-27T13:01:21.000Z","x":1,"utc_offset":"+00:00"}
  $ mly-fixdates -q --sort name --start '2014-11-27 13:01:01' --step 10 in.jsonl
  {"path":"b/1.jpg","captured_at":"2014-11-27T13:01:01.000Z","utc_offset":"+00:00"}
  {"path":"z/2.jpg","captured_at":"2014-11-27T13:01:11.000Z","x":1,"utc_offset":"+00:00"}
  {"path":"a/3.jpg","captured_at":"2014-11-27T13:01:21.000Z","utc_offset":"+00:00"}
  $ mly-fixdates -q --sort input --start '2014-11-27 13:01:01' --step 10 in.jsonl | jq -r .path
  z/2.jpg
  a/3.jpg
  b/1.jpg

Empty input, and input of nothing but comments, print nothing and succeed:

  $ mly-fixdates -q --start '2014-11-27 13:01:01' --step 1 < /dev/null
  $ printf '# frames\n\n' | mly-fixdates -q --start '2014-11-27 13:01:01' --step 1 --sort path

--write puts the times into the photos, as mly-write would; a fresh scan
reads them back, with the offset:

  $ $ROOT/build/helpers/mkphotos p 3 --kb 8 --start '2001:01:01 00:00:00' --step 60
  $ mly-scan -q p | mly-fixdates --start '2014-11-27 13:01:01.5' --step 2.5 --tz +02:00 --write | jq -r .captured_at
  2014-11-27T11:01:01.500Z
  2014-11-27T11:01:04.000Z
  2014-11-27T11:01:06.500Z
  $ mly-scan p | jq -r '.captured_at + " " + .utc_offset'
  2014-11-27T11:01:01.500Z +02:00
  2014-11-27T11:01:04.000Z +02:00
  2014-11-27T11:01:06.500Z +02:00

Bad records: a malformed line is reported with its line number and not
counted as a photo (the next one gets k = 1); a record that cannot be sorted
or written is reported, goes to --rejected with a reason, and the rest is
done; the exit status is 1:

  $ printf '%s\n' a.jpg '{"path":' b.jpg | mly-fixdates -q --start '2014-11-27 13:01:01' --step 1
  {"path":"a.jpg","captured_at":"2014-11-27T13:01:01.000Z","utc_offset":"+00:00"}
  {"path":"b.jpg","captured_at":"2014-11-27T13:01:02.000Z","utc_offset":"+00:00"}
  ! mly-fixdates: <stdin>:2: malformed JSON: * (glob)
  [1]
  $ printf '%s\n' '{"path":5}' '{"x":1}' b.jpg | mly-fixdates -q --sort name --start '2014-11-27 13:01:01' --step 1 --rejected rej.jsonl
  {"path":"b.jpg","captured_at":"2014-11-27T13:01:01.000Z","utc_offset":"+00:00"}
  ! mly-fixdates: <stdin>:1: field "path" must be a string
  ! mly-fixdates: <stdin>:2: record has no "path" to sort by
  [1]
  $ cat rej.jsonl
  {"path":5,"reason":"field \"path\" must be a string"}
  {"x":1,"reason":"record has no \"path\" to sort by"}
  $ printf '%s\n' missing.jpg p/IMG_00002.JPG | mly-fixdates -q --start '2014-11-27 13:01:01' --step 1 --write --rejected rej.jsonl > out.jsonl
  ! mly-fixdates: missing.jpg: not written: No such file or directory
  [1]
  $ jq -r .path out.jsonl; jq -r .reason rej.jsonl
  p/IMG_00002.JPG
  No such file or directory

A record file that cannot be opened is an error too; the other files are read:

  $ mly-fixdates -q --start '2014-11-27 13:01:01' --step 1 nothere.jsonl in.jsonl > out.jsonl
  ! mly-fixdates: nothere.jsonl: cannot open record file
  [1]
  $ jq -r .path out.jsonl
  z/2.jpg
  a/3.jpg
  b/1.jpg

Usage errors exit 2 and print nothing on stdout:

  $ echo a | mly-fixdates --step 1
  ! mly-fixdates: --start TIME is required
  ! Try 'mly-fixdates --help' for more information.
  [2]
  $ echo a | mly-fixdates --start '2014-11-27 13:01:01'
  ! mly-fixdates: --step S is required
  ! Try 'mly-fixdates --help' for more information.
  [2]
  $ echo a | mly-fixdates --start 'last tuesday' --step 1
  ! mly-fixdates: --start: cannot read 'last tuesday' as a time
  ! Try 'mly-fixdates --help' for more information.
  [2]
  $ echo a | mly-fixdates --start '2014-02-30 13:01:01' --step 1
  ! mly-fixdates: --start: cannot read '2014-02-30 13:01:01' as a time
  ! Try 'mly-fixdates --help' for more information.
  [2]
  $ echo a | mly-fixdates --start '2014-11-27 13:01:01' --step 2s
  ! mly-fixdates: --step: invalid value '2s'
  ! Try 'mly-fixdates --help' for more information.
  [2]
  $ echo a | mly-fixdates --start '2014-11-27 13:01:01' --step 0
  ! mly-fixdates: --step must be a number other than 0
  ! Try 'mly-fixdates --help' for more information.
  [2]
  $ echo a | mly-fixdates --start '2014-11-27 13:01:01' --step two
  ! mly-fixdates: * (glob)
  ! Try 'mly-fixdates --help' for more information.
  [2]
  $ echo a | mly-fixdates --start '2014-11-27 13:01:01' --step 1 --sort date
  ! mly-fixdates: --sort must be input, path or name, not 'date'
  ! Try 'mly-fixdates --help' for more information.
  [2]
  $ echo a | mly-fixdates --start '2014-11-27 13:01:01' --step 1 --tz Mars/Olympus
  ! mly-fixdates: --tz: unknown time zone 'Mars/Olympus'
  ! Try 'mly-fixdates --help' for more information.
  [2]

Help and version:

  $ mly-fixdates --help | head -n 1
  mly-fixdates: give photos times: start + k * step
  $ mly-fixdates --version
  mly-fixdates 0.1.0
