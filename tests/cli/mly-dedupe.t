mly-dedupe compares each photo with the last kept photo of its sequence.
Distances are chords between points on the WGS84 ellipsoid at height 0; on
the equator the chord of dlon degrees is 2 a sin(dlon / 2): 5e-7 deg is
0.0557 m, 1.1e-6 deg 0.1225 m, 1.4e-6 deg 0.1558 m, 0.01 deg 1113.19 m. The
verdicts below were worked out with a separate Python model of the rules.

  $ printf '%s\n' '{"path":"n1.jpg","lat":0,"lon":0,"heading":10}' '{"path":"n2.jpg","lat":0,"lon":5e-7,"heading":12.5}' \
  >   '{"path":"n3.jpg","lat":0,"lon":5e-7,"heading":15}' '{"path":"n4.jpg","lat":0,"lon":1.6e-6}' \
  >   '{"path":"n5.jpg","lat":0,"lon":2.1e-6}' '{"path":"n6.jpg","lat":0,"lon":3e-6,"heading":358}' \
  >   '{"path":"n7.jpg","lat":0,"lon":3.5e-6,"heading":2}' '{"path":"n8.jpg","lat":0,"lon":3.5e-6,"heading":8}' \
  >   '{"path":"n9.jpg"}' > basic.jsonl

With the defaults (closer than 0.1 m and headings less than 5 deg apart): n2
is 0.06 m from n1 and turned 2.5 deg; n3 turned 5 deg, not less, so it stays;
n4 is 0.12 m from n3; n5 has no heading, so distance alone decides; n7 is 4
deg from n6 across north (358 to 2); n8 is 10 deg from n6; n9 has no position
and passes unchecked:

  $ mly-dedupe --rejected rej.jsonl basic.jsonl | jq -r .path
  n1.jpg
  n3.jpg
  n4.jpg
  n6.jpg
  n8.jpg
  n9.jpg
  ! mly-dedupe: 1 record without a position passed through unchecked
  $ jq -r '.path + ": " + .reason' rej.jsonl
  n2.jpg: duplicate: 0.06 m from n1.jpg, heading 2.5 deg apart
  n5.jpg: duplicate: 0.06 m from n4.jpg (no heading to compare)
  n7.jpg: duplicate: 0.06 m from n6.jpg, heading 4 deg apart

Duplicates are not errors (exit status 0); -v names each, and counts:

  $ mly-dedupe -v basic.jsonl > /dev/null
  ! mly-dedupe: n2.jpg: duplicate: 0.06 m from n1.jpg, heading 2.5 deg apart
  ! mly-dedupe: n5.jpg: duplicate: 0.06 m from n4.jpg (no heading to compare)
  ! mly-dedupe: n7.jpg: duplicate: 0.06 m from n6.jpg, heading 4 deg apart
  ! mly-dedupe: 1 record without a position passed through unchecked
  ! mly-dedupe: 3 duplicates dropped, 0 photos rejected for speed

Other limits: closer than 0.15 m with headings less than 3 deg apart. Now n3
(turned 5) stays, n4 (0.12 m from n3) goes, n5 (0.18 m from n3) stays, n6
(0.10 m from n5, which has no heading) goes, n7 (0.16 m from n5) stays, n8
(turned 6 from n7) stays:

  $ mly-dedupe -q -d 0.15 -a 3 basic.jsonl | jq -r .path | paste -sd ' '
  n1.jpg n3.jpg n5.jpg n7.jpg n8.jpg n9.jpg
  $ mly-dedupe -q --distance 0.15 --angle 3 basic.jsonl | jq -r .path | paste -sd ' '
  n1.jpg n3.jpg n5.jpg n7.jpg n8.jpg n9.jpg

Each sequence has its own last kept photo; records without sequence_id are
one group. The same place in two sequences is no duplicate:

  $ printf '%s\n' '{"path":"a1","sequence_id":"A","lat":0,"lon":0}' '{"path":"b1","sequence_id":"B","lat":0,"lon":0}' \
  >   '{"path":"a2","sequence_id":"A","lat":0,"lon":0}' '{"path":"x1","lat":0,"lon":0}' '{"path":"b2","sequence_id":"B","lat":0,"lon":2e-6}' \
  >   | mly-dedupe -v | jq -r .path | paste -sd ' '
  a1 b1 x1 b2
  ! mly-dedupe: a2: duplicate: 0 m from a1 (no heading to compare)
  ! mly-dedupe: 1 duplicate dropped, 0 photos rejected for speed

Speed: n2 is 1113.2 m from n1 in 5.5 s, 729 km/h, an error (exit 1) that
names both photos. Times in whole seconds may be up to a second further
apart than they say, so n3, 1113.2 m from n1 in 10 s (within 11 s), is 364
km/h at most and stays. n4 jumps 77.7 km (a GPS glitch) and is rejected; n5
is measured against n3, the last kept, not against the glitch:

  $ printf '%s\n' '{"path":"n1","lat":0,"lon":0,"captured_at":"2020-01-01T00:00:00Z"}' \
  >   '{"path":"n2","lat":0,"lon":0.01,"captured_at":"2020-01-01T00:00:05.500Z"}' \
  >   '{"path":"n3","lat":0,"lon":0.01,"captured_at":"2020-01-01T00:00:10Z"}' \
  >   '{"path":"n4","lat":0.5,"lon":0.5,"captured_at":"2020-01-01T00:00:11Z"}' \
  >   '{"path":"n5","lat":0,"lon":0.0101,"captured_at":"2020-01-01T00:00:12Z"}' > speed.jsonl
  $ mly-dedupe --rejected rej.jsonl speed.jsonl > out.jsonl
  ! mly-dedupe: n2: speed 729 km/h from n1 (1113.2 m in 5.5 s)
  ! mly-dedupe: n4: speed at least 139797 km/h from n3 (77665 m in under 2 s)
  [1]
  $ jq -r .path out.jsonl | paste -sd ' '; jq -r .reason rej.jsonl
  n1 n3 n5
  speed 729 km/h from n1 (1113.2 m in 5.5 s)
  speed at least 139797 km/h from n3 (77665 m in under 2 s)

With --max-speed 364, n3 is too fast now; n4 is measured against n1, and n5
(1124.3 m from n1 within 13 s, 311 km/h) is kept:

  $ mly-dedupe --max-speed 364 speed.jsonl > out.jsonl
  ! mly-dedupe: n2: speed 729 km/h from n1 (1113.2 m in 5.5 s)
  ! mly-dedupe: n3: speed at least 364 km/h from n1 (1113.2 m in under 11 s)
  ! mly-dedupe: n4: speed at least 23535 km/h from n1 (78450.8 m in under 12 s)
  [1]
  $ jq -r .path out.jsonl | paste -sd ' '
  n1 n5

A photo without a time, or whose kept photo has none, is not speed-checked:

  $ printf '%s\n' '{"path":"n1","lat":0,"lon":0}' '{"path":"n2","lat":0,"lon":1,"captured_at":"2020-01-01T00:00:00Z"}' | mly-dedupe | jq -r .path
  n1
  n2

--move-to moves the photos of dropped and rejected records into a folder,
never over a file already there (a suffix is added), and the rejected
records carry the new path:

  $ mkdir photos && touch photos/n1.jpg photos/n2.jpg photos/n3.jpg photos/n4.jpg && mkdir dups && echo old > dups/n2.jpg
  $ printf '%s\n' '{"path":"photos/n1.jpg","lat":0,"lon":0}' '{"path":"photos/n2.jpg","lat":0,"lon":0}' \
  >   '{"path":"photos/n3.jpg","lat":0,"lon":0}' '{"path":"gone.jpg","lat":0,"lon":1e-7}' '{"path":"photos/n4.jpg","lat":1,"lon":0}' > move.jsonl
  $ mly-dedupe -n --move-to dups move.jsonl | jq -r .path
  photos/n1.jpg
  photos/n4.jpg
  ! mly-dedupe: would move photos/n2.jpg to dups/n2.jpg
  ! mly-dedupe: would move photos/n3.jpg to dups/n3.jpg
  ! mly-dedupe: would move gone.jpg to dups/gone.jpg
  $ ls photos dups
  dups:
  n2.jpg
  
  photos:
  n1.jpg
  n2.jpg
  n3.jpg
  n4.jpg
  $ mly-dedupe --move-to dups --rejected rej.jsonl move.jsonl > out.jsonl
  ! mly-dedupe: gone.jpg: not moved: No such file or directory
  [1]
  $ jq -r .path out.jsonl
  photos/n1.jpg
  photos/n4.jpg
  $ ls photos dups; cat dups/n2.jpg
  dups:
  n2-1.jpg
  n2.jpg
  n3.jpg
  
  photos:
  n1.jpg
  n4.jpg
  old
  $ jq -r .path rej.jsonl
  dups/n2-1.jpg
  dups/n3.jpg
  gone.jpg

Edge cases: empty input; a single photo; only records without a position:

  $ mly-dedupe < /dev/null
  $ echo '{"lat":1,"lon":2}' | mly-dedupe
  {"lat":1,"lon":2}
  $ printf '%s\n' a.jpg b.jpg | mly-dedupe
  {"path":"a.jpg"}
  {"path":"b.jpg"}
  ! mly-dedupe: 2 records without a position passed through unchecked

Bad records are reported with their line, go to --rejected, and are not
kept photos (n7 is compared with n1, 0.11 m away); the exit status is 1:

  $ printf '%s\n' '{"n":1,"lat":0,"lon":0}' '{"n":2,"lat":0,"lon":0,"heading":"north"}' '{"n":3,"lat":0,"lon":0,"captured_at":"noon"}' \
  >   '{"n":' '{"n":5,"lat":-91,"lon":0}' '{"n":6,"lat":0,"lon":0,"sequence_id":["A"]}' '{"n":7,"lat":0,"lon":1e-6}' \
  >   | mly-dedupe --rejected rej.jsonl
  {"n":1,"lat":0,"lon":0}
  {"n":7,"lat":0,"lon":1e-6}
  ! mly-dedupe: <stdin>:2: field "heading" must be a number
  ! mly-dedupe: <stdin>:3: field "captured_at" is not an RFC 3339 time: 'noon'
  ! mly-dedupe: <stdin>:4: malformed JSON: * (glob)
  ! mly-dedupe: <stdin>:5: field "lat" out of range: -91
  ! mly-dedupe: <stdin>:6: field "sequence_id" must be a string
  [1]
  $ jq -c '[.n, .reason]' rej.jsonl
  [2,"field \"heading\" must be a number"]
  [3,"field \"captured_at\" is not an RFC 3339 time: 'noon'"]
  [5,"field \"lat\" out of range: -91"]
  [6,"field \"sequence_id\" must be a string"]

Usage errors exit 2 and print nothing on stdout:

  $ echo '{}' | mly-dedupe -d -1
  ! mly-dedupe: --distance must be 0 or more metres
  ! Try 'mly-dedupe --help' for more information.
  [2]
  $ echo '{}' | mly-dedupe -a 181
  ! mly-dedupe: --angle must be between 0 and 180 degrees
  ! Try 'mly-dedupe --help' for more information.
  [2]
  $ echo '{}' | mly-dedupe --max-speed 0
  ! mly-dedupe: --max-speed must be more than 0 km/h
  ! Try 'mly-dedupe --help' for more information.
  [2]
  $ echo '{}' | mly-dedupe -d near
  ! mly-dedupe: -d: invalid value 'near'
  ! Try 'mly-dedupe --help' for more information.
  [2]
  $ echo '{}' | mly-dedupe --angle 2,5
  ! mly-dedupe: --angle: invalid value '2,5'
  ! Try 'mly-dedupe --help' for more information.
  [2]
  $ mly-dedupe --frobnicate
  ! mly-dedupe: Option 'frobnicate' does not exist
  ! Try 'mly-dedupe --help' for more information.
  [2]

Help and version:

  $ mly-dedupe --help | head -n 1
  mly-dedupe: drop near-duplicate photos and impossible-speed photos
  $ mly-dedupe --version
  mly-dedupe 0.1.0
