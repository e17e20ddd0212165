mly-direction sets each photo's heading to the bearing to the next photo of
its sequence. Expected bearings: along the equator east is exactly 90 and
along a meridian north is exactly 0; going west along the parallel at
latitude phi the great circle starts north of west by sin(phi) * dlon / 2,
8.7e-9 deg at phi = dlon = 0.001 deg (so 270.0000000087), and going east at
latitude 5 it starts north of east by 4.4e-5 deg (89.999956); the Berlin
values come from the spherical formula evaluated in Python.

A square walk: east, north, west. The last photo repeats the bearing that led
to it; every other field stays where it was:

  $ printf '%s\n' '{"n":1,"lat":0,"lon":0}' '{"n":2,"lat":0,"lon":0.001,"x":"y"}' '{"n":3,"lat":0.001,"lon":0.001}' \
  >   '{"n":4,"lat":0.001,"lon":0}' > square.jsonl
  $ mly-direction square.jsonl
  {"n":1,"lat":0,"lon":0,"heading":90}
  {"n":2,"lat":0,"lon":0.001,"x":"y","heading":0}
  {"n":3,"lat":0.001,"lon":0.001,"heading":270.00000000872666}
  {"n":4,"lat":0.001,"lon":0,"heading":270.00000000872666}

--offset-angle turns every heading clockwise, modulo 360 (90: a camera
looking right; -90 and 270: left):

  $ head -n 3 square.jsonl | mly-direction --offset-angle 90 | jq -c '[.n, .heading]'
  [1,180]
  [2,90]
  [3,90]
  $ head -n 3 square.jsonl | mly-direction --offset-angle -90 | jq -c '[.n, .heading]'
  [1,0]
  [2,270]
  [3,270]
  $ head -n 3 square.jsonl | mly-direction --offset-angle 450 | jq -c '[.n, .heading]'
  [1,180]
  [2,90]
  [3,90]

A helper that prints n and the heading to six places ("-": none):

  $ cat > show <<'EOF'
  > jq -r '[.n, .heading] | @tsv' "$@" | awk -F'\t' '{ print $1, ($2 == "" ? "-" : sprintf("%.6f", $2)) }'
  > EOF

Two photos at one place (3 and 4) both face the next photo at another place;
the last photo repeats the bearing from that place:

  $ printf '%s\n' '{"n":1,"lat":52.52,"lon":13.405}' '{"n":2,"lat":52.5203,"lon":13.4055}' \
  >   '{"n":3,"lat":52.5205,"lon":13.4062}' '{"n":4,"lat":52.5205,"lon":13.4062}' '{"n":5,"lat":52.5201,"lon":13.4068}' \
  >   | mly-direction | sh show
  1 45.401956
  2 64.847087
  3 137.612419
  4 137.612419
  5 137.612419

Photos that have a heading keep it (their positions still count); --all
replaces them too:

  $ printf '%s\n' '{"n":1,"lat":0,"lon":0,"heading":12.5}' '{"n":2,"lat":0,"lon":0.001}' '{"n":3,"lat":0.001,"lon":0.001}' > some.jsonl
  $ mly-direction some.jsonl | sh show
  1 12.500000
  2 0.000000
  3 0.000000
  $ mly-direction --all some.jsonl | sh show
  1 90.000000
  2 0.000000
  3 0.000000

Sequences are apart: records are grouped by sequence_id (those without one
are a group of their own), and come out in input order however the sequences
interleave. A lives on the equator going east, B on a meridian going south,
the group without sequence_id at latitude 5 going east:

  $ printf '%s\n' '{"n":1,"sequence_id":"A","lat":0,"lon":0}' '{"n":2,"sequence_id":"B","lat":10,"lon":10}' \
  >   '{"n":3,"lat":5,"lon":5}' '{"n":4,"sequence_id":"A","lat":0,"lon":0.001}' '{"n":5,"sequence_id":"B","lat":9.999,"lon":10}' \
  >   '{"n":6,"sequence_id":"A","lat":0,"lon":0.002}' '{"n":7}' '{"n":8,"lat":5,"lon":5.001}' > mixed.jsonl
  $ mly-direction mixed.jsonl | sh show
  1 90.000000
  2 180.000000
  3 89.999956
  4 90.000000
  5 180.000000
  6 90.000000
  7 -
  8 89.999956
  ! mly-direction: 1 record without a position passed through unchanged

The queue that keeps the output in order continues in an unlinked temporary
file past --buffer MiB. On 30,000 records (2.6 MB) whose sequences interleave,
with nothing kept in memory, the output is the same, and nothing is left in
$TMPDIR:

  $ awk 'BEGIN { for (i = 0; i < 30000; i++) printf "{\"i\":%d,\"sequence_id\":\"%s\",\"lat\":%.5f,\"lon\":%.5f,\"pad\":\"%040d\"}\n",
  >   i, (i % 7 ? "R" int(i / 1000) : "X"), 48 + int(i / 3) * 1e-5, 11 + (i % 5) * 1e-5, 0 }' > big.jsonl
  $ mly-direction -q big.jsonl > mem.jsonl
  $ mkdir tmp && TMPDIR=$PWD/tmp mly-direction -q --buffer 0 big.jsonl > file.jsonl
  $ cmp mem.jsonl file.jsonl && wc -l < file.jsonl && ls -A tmp | wc -l
  30000
  0

Photo 7 (sequence X) faces photo 14, 2e-5 deg north and east at latitude 48:
atan(cos 48) = 33.79 deg; photo 29999, the last of R29, repeats the step east
from photo 29998:

  $ jq -c 'select(.i == 7 or .i == 29999) | {n: .i, heading}' file.jsonl | sh show
  7 33.787669
  29999 89.999996

--grouped streams input whose sequences come one after another, with nothing
queued. A sequence that comes back after another began is an error for that
record (it is rejected); records without a position are not part of any
sequence's path and pass:

  $ printf '%s\n' '{"n":1,"sequence_id":"A","lat":0,"lon":0}' '{"n":2,"sequence_id":"A","lat":0,"lon":0.001}' \
  >   '{"n":3,"sequence_id":"B","lat":0,"lon":0}' '{"n":4,"sequence_id":"B","lat":0.001,"lon":0}' > grouped.jsonl
  $ mly-direction --grouped grouped.jsonl | sh show
  1 90.000000
  2 90.000000
  3 0.000000
  4 0.000000
  $ mly-direction --grouped mixed.jsonl > out.jsonl
  ! mly-direction: mixed.jsonl:4: sequence_id "A" comes back after another sequence began: the input is not grouped by sequence (run without --grouped)
  ! mly-direction: mixed.jsonl:5: sequence_id "B" comes back after another sequence began: the input is not grouped by sequence (run without --grouped)
  ! mly-direction: mixed.jsonl:6: sequence_id "A" comes back after another sequence began: the input is not grouped by sequence (run without --grouped)
  ! mly-direction: 1 record without a position passed through unchanged
  ! mly-direction: no heading for 2 photos in sequences that never move (a single photo, or a single position)
  [1]
  $ sh show out.jsonl
  1 -
  2 -
  3 89.999956
  7 -
  8 89.999956

Edge cases: empty input; one photo (no heading, and a warning); photos that
never move; records without a position:

  $ mly-direction < /dev/null
  $ echo '{"n":1,"lat":1,"lon":2}' | mly-direction
  {"n":1,"lat":1,"lon":2}
  ! mly-direction: no heading for 1 photo in sequences that never move (a single photo, or a single position)
  $ printf '%s\n' '{"n":1,"lat":1,"lon":2}' '{"n":2,"lat":1,"lon":2,"heading":7}' '{"n":3,"lat":1,"lon":2}' | mly-direction -q --all | sh show
  1 -
  2 7.000000
  3 -
  $ printf '%s\n' p1.jpg '{"n":2,"alt":3}' | mly-direction
  {"path":"p1.jpg"}
  {"n":2,"alt":3}
  ! mly-direction: 2 records without a position passed through unchanged

--write puts the headings into the photos (as mly-write would); photos whose
heading did not change are not rewritten. A fresh scan reads them back:

  $ $ROOT/build/helpers/mkphotos p 3 --kb 8
  $ printf '%s\n' '{"path":"p/IMG_00001.JPG","lat":0,"lon":0}' '{"path":"p/IMG_00002.JPG","lat":0,"lon":0.001}' \
  >   '{"path":"p/IMG_00003.JPG","lat":0,"lon":0.002,"heading":45}' > photos.jsonl
  $ mly-direction --write photos.jsonl | jq -c '[.path, .heading]'
  ["p/IMG_00001.JPG",90]
  ["p/IMG_00002.JPG",90]
  ["p/IMG_00003.JPG",45]
  $ mly-scan -q p | jq -c '[.path, .heading, .lat]'
  ["p/IMG_00001.JPG",90,0]
  ["p/IMG_00002.JPG",90,0]
  ["p/IMG_00003.JPG",null,null]

Bad records are reported with their line, go to --rejected with a reason, and
take no part in the headings of the others; the exit status is 1:

  $ printf '%s\n' '{"n":1,"lat":0,"lon":0}' '{"n":2,"lat":0}' '{"n":3,"lat":"north","lon":0}' '{"n":4,"lat":0,"lon":181}' \
  >   '{"n":5,"lat":0,"lon":0.001,"heading":"east"}' '{"n":6,"lat":0,"lon":0.001,"sequence_id":7}' '{"n":' \
  >   '{"n":8,"lat":0,"lon":0.001}' | mly-direction --rejected rej.jsonl
  {"n":1,"lat":0,"lon":0,"heading":90}
  {"n":8,"lat":0,"lon":0.001,"heading":90}
  ! mly-direction: <stdin>:2: field "lat" without "lon"
  ! mly-direction: <stdin>:3: field "lat" must be a number
  ! mly-direction: <stdin>:4: field "lon" out of range: 181
  ! mly-direction: <stdin>:5: field "heading" must be a number
  ! mly-direction: <stdin>:6: field "sequence_id" must be a string
  ! mly-direction: <stdin>:7: malformed JSON: * (glob)
  [1]
  $ jq -c '[.n, .reason]' rej.jsonl
  [2,"field \"lat\" without \"lon\""]
  [3,"field \"lat\" must be a number"]
  [4,"field \"lon\" out of range: 181"]
  [5,"field \"heading\" must be a number"]
  [6,"field \"sequence_id\" must be a string"]

With --write, a record without a path, or whose photo cannot be written:

  $ printf '%s\n' '{"lat":0,"lon":0}' '{"path":"missing.jpg","lat":0,"lon":0}' '{"path":"p/IMG_00001.JPG","lat":0.001,"lon":0}' \
  >   | mly-direction --write > out.jsonl
  ! mly-direction: <stdin>:1: record has no "path" to write to
  ! mly-direction: missing.jpg: not written: No such file or directory
  [1]
  $ cat out.jsonl
  {"path":"p/IMG_00001.JPG","lat":0.001,"lon":0,"heading":0}

Usage errors exit 2 and print nothing on stdout:

  $ echo '{}' | mly-direction --offset-angle left
  ! mly-direction: --offset-angle: invalid value 'left'
  ! Try 'mly-direction --help' for more information.
  [2]
  $ echo '{}' | mly-direction --buffer -1
  ! mly-direction: --buffer must be a number of MiB, 0 or more
  ! Try 'mly-direction --help' for more information.
  [2]
  $ echo '{}' | mly-direction --rejected /nonexistent/dir/rej.jsonl
  ! mly-direction: /nonexistent/dir/rej.jsonl: No such file or directory
  [1]
  $ mly-direction --frobnicate
  ! mly-direction: Option 'frobnicate' does not exist
  ! Try 'mly-direction --help' for more information.
  [2]

Help and version:

  $ mly-direction --help | head -n 1
  mly-direction: headings from the bearing to the next photo, plus an offset
  $ mly-direction --version
  mly-direction 0.1.0
