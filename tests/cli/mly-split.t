mly-split sorts the records by capture time and cuts them into sequences.
Distances are great-circle (R = 6371008.8 m): on the equator 0.001 deg is
111.2 m, 0.01 deg of latitude 1112 m. Sequence ids are the first photo's UTC
time and the FNV-1a hash of its file name, computed apart in Python:
FNV-1a("a.jpg") = 64f3f8c1, "d.jpg" dd8d4946, "e.jpg" 2d2793f5, "g.jpg"
c1afcf6f, "x00" 83f26a3f, "x10" 7df02236, "x20" 17ed430d, "a" e40c292c, "b"
e70c2de5, "" 811c9dc5.

Photos given out of order: a 66 s pause before d, a 111 m jump to e, and both
a 106 s pause and a 1112 m jump (from e, the last photo with a position)
before g:

  $ printf '%s\n' '{"path":"p/c.jpg","captured_at":"2024-06-01T10:00:04Z","lat":0,"lon":0.0004}' \
  >   '{"path":"p/a.jpg","captured_at":"2024-06-01T10:00:00Z","lat":0,"lon":0,"x":1}' \
  >   '{"path":"p/g.jpg","captured_at":"2024-06-01T10:03:00Z","lat":0.01,"lon":0.0016}' \
  >   '{"path":"p/b.jpg","captured_at":"2024-06-01T10:00:02Z","lat":0,"lon":0.0002}' \
  >   '{"path":"p/e.jpg","captured_at":"2024-06-01T10:01:12Z","lat":0,"lon":0.0016}' \
  >   '{"path":"p/d.jpg","captured_at":"2024-06-01T10:01:10Z","lat":0,"lon":0.0006}' \
  >   '{"path":"p/f.jpg","captured_at":"2024-06-01T10:01:14Z"}' > walk.jsonl
  $ mly-split walk.jsonl
  {"path":"p/a.jpg","captured_at":"2024-06-01T10:00:00Z","lat":0,"lon":0,"x":1,"sequence_id":"20240601_100000_64f3f8c1","split_reason":"start"}
  {"path":"p/b.jpg","captured_at":"2024-06-01T10:00:02Z","lat":0,"lon":0.0002,"sequence_id":"20240601_100000_64f3f8c1"}
  {"path":"p/c.jpg","captured_at":"2024-06-01T10:00:04Z","lat":0,"lon":0.0004,"sequence_id":"20240601_100000_64f3f8c1"}
  {"path":"p/d.jpg","captured_at":"2024-06-01T10:01:10Z","lat":0,"lon":0.0006,"sequence_id":"20240601_100110_dd8d4946","split_reason":"time gap 66 s > 60 s"}
  {"path":"p/e.jpg","captured_at":"2024-06-01T10:01:12Z","lat":0,"lon":0.0016,"sequence_id":"20240601_100112_2d2793f5","split_reason":"distance 111.2 m > 100 m"}
  {"path":"p/f.jpg","captured_at":"2024-06-01T10:01:14Z","sequence_id":"20240601_100112_2d2793f5"}
  {"path":"p/g.jpg","captured_at":"2024-06-01T10:03:00Z","lat":0.01,"lon":0.0016,"sequence_id":"20240601_100300_c1afcf6f","split_reason":"time gap 106 s > 60 s, distance 1112 m > 100 m"}
  ! mly-split: 1 record without a position: no distance cut next to them

-v tells each sequence and why it starts:

  $ mly-split -v walk.jsonl > out.jsonl
  ! mly-split: sequence 20240601_100000_64f3f8c1: 3 photos from p/a.jpg (start)
  ! mly-split: sequence 20240601_100110_dd8d4946: 1 photo from p/d.jpg (time gap 66 s > 60 s)
  ! mly-split: sequence 20240601_100112_2d2793f5: 2 photos from p/e.jpg (distance 111.2 m > 100 m)
  ! mly-split: sequence 20240601_100300_c1afcf6f: 1 photo from p/g.jpg (time gap 106 s > 60 s, distance 1112 m > 100 m)
  ! mly-split: 1 record without a position: no distance cut next to them

The ids depend on the photos, not on their order or on an earlier run: the
input reversed gives the same output, and so does the output split again
(its old sequence_id and split_reason fields are replaced, in place):

  $ tac walk.jsonl | mly-split -q | cmp - out.jsonl
  $ mly-split -q out.jsonl | cmp - out.jsonl

Other limits: a gap of more than 100 s, a jump of more than 1200 m:

  $ mly-split -q --cutoff-time 100 --cutoff-distance 1200 walk.jsonl | jq -r '[.path, .split_reason // ""] | @tsv'
  p/a.jpg	start
  p/b.jpg	
  p/c.jpg	
  p/d.jpg	
  p/e.jpg	
  p/f.jpg	
  p/g.jpg	time gap 106 s > 100 s

--cutoff-time auto is 1.5 times the median gap, as the seed computes it (the
upper median of the sorted gaps). Gaps 2, 2, 6, 2, 2, 6 s: the median is 2,
the cutoff 3 s, so the 6 s gaps cut:

  $ for t in 00 02 04 10 12 14 20; do echo "{\"path\":\"x$t\",\"captured_at\":\"2024-06-01T10:00:${t}Z\",\"lat\":0,\"lon\":0}"; done > even.jsonl
  $ mly-split -v --cutoff-time auto even.jsonl | jq -r '[.path, .sequence_id] | @tsv'
  x00	20240601_100000_83f26a3f
  x02	20240601_100000_83f26a3f
  x04	20240601_100000_83f26a3f
  x10	20240601_100010_7df02236
  x12	20240601_100010_7df02236
  x14	20240601_100010_7df02236
  x20	20240601_100020_17ed430d
  ! mly-split: cutoff time (auto): 3 s
  ! mly-split: sequence 20240601_100000_83f26a3f: 3 photos from x00 (start)
  ! mly-split: sequence 20240601_100010_7df02236: 3 photos from x10 (time gap 6 s > 3 s)
  ! mly-split: sequence 20240601_100020_17ed430d: 1 photo from x20 (time gap 6 s > 3 s)
  $ mly-split -q even.jsonl | jq -r .sequence_id | uniq -c | awk '{ print $1 }'
  7

--max-images: a sequence holds at most N photos; the next starts a new one:

  $ mly-split -q --max-images 3 even.jsonl | jq -r '[.path, .split_reason // ""] | @tsv'
  x00	start
  x02	
  x04	
  x10	3 images
  x12	
  x14	
  x20	3 images

Photos in the same millisecond are ordered by path; sequence ids stay
distinct even when two sequences start in the same second at the same path
(a suffix is added):

  $ printf '%s\n' '{"path":"b","captured_at":"2024-06-01T10:00:00Z"}' '{"path":"a","captured_at":"2024-06-01T10:00:00Z"}' \
  >   '{"path":"a","captured_at":"2024-06-01T10:00:00.500Z"}' | mly-split -q --max-images 1 | jq -r '[.path, .sequence_id] | @tsv'
  a	20240601_100000_e40c292c
  b	20240601_100000_e70c2de5
  a	20240601_100000_e40c292c-2

Edge cases: empty input; one record:

  $ mly-split < /dev/null
  $ echo '{"captured_at":"2024-06-01T10:00:00Z","lat":1,"lon":2}' | mly-split
  {"captured_at":"2024-06-01T10:00:00Z","lat":1,"lon":2,"sequence_id":"20240601_100000_811c9dc5","split_reason":"start"}

--move puts each sequence's photos into DIR/<sequence_id>/ and updates path;
-n only says what it would do. The ids hash file names, not paths, so run
again on its own output the ids are the same and nothing moves:

  $ mkdir p && touch p/a.jpg p/b.jpg p/c.jpg p/d.jpg p/e.jpg p/f.jpg
  $ mly-split -n --move seqs walk.jsonl | jq -r .path | paste -sd ' '
  p/a.jpg p/b.jpg p/c.jpg p/d.jpg p/e.jpg p/f.jpg p/g.jpg
  ! mly-split: would move p/a.jpg to seqs/20240601_100000_64f3f8c1/a.jpg
  ! mly-split: would move p/b.jpg to seqs/20240601_100000_64f3f8c1/b.jpg
  ! mly-split: would move p/c.jpg to seqs/20240601_100000_64f3f8c1/c.jpg
  ! mly-split: would move p/d.jpg to seqs/20240601_100110_dd8d4946/d.jpg
  ! mly-split: would move p/e.jpg to seqs/20240601_100112_2d2793f5/e.jpg
  ! mly-split: would move p/f.jpg to seqs/20240601_100112_2d2793f5/f.jpg
  ! mly-split: would move p/g.jpg to seqs/20240601_100300_c1afcf6f/g.jpg
  ! mly-split: 1 record without a position: no distance cut next to them
  $ mly-split -q --move seqs walk.jsonl > moved.jsonl
  ! mly-split: p/g.jpg: not moved: No such file or directory
  [1]
  $ jq -r .path moved.jsonl; ls p | wc -l
  seqs/20240601_100000_64f3f8c1/a.jpg
  seqs/20240601_100000_64f3f8c1/b.jpg
  seqs/20240601_100000_64f3f8c1/c.jpg
  seqs/20240601_100110_dd8d4946/d.jpg
  seqs/20240601_100112_2d2793f5/e.jpg
  seqs/20240601_100112_2d2793f5/f.jpg
  p/g.jpg
  0
  $ find seqs -type f | sort
  seqs/20240601_100000_64f3f8c1/a.jpg
  seqs/20240601_100000_64f3f8c1/b.jpg
  seqs/20240601_100000_64f3f8c1/c.jpg
  seqs/20240601_100110_dd8d4946/d.jpg
  seqs/20240601_100112_2d2793f5/e.jpg
  seqs/20240601_100112_2d2793f5/f.jpg
  $ head -n 6 moved.jsonl | mly-split -q --move seqs | jq -r .path | paste -sd ' '
  seqs/20240601_100000_64f3f8c1/a.jpg seqs/20240601_100000_64f3f8c1/b.jpg seqs/20240601_100000_64f3f8c1/c.jpg seqs/20240601_100110_dd8d4946/d.jpg seqs/20240601_100112_2d2793f5/e.jpg seqs/20240601_100112_2d2793f5/f.jpg

Bad records: without captured_at there is nothing to sort by; they are
reported with their line, go to --rejected, and the rest is split; the exit
status is 1:

  $ printf '%s\n' '{"path":"a","captured_at":"2024-06-01T10:00:00Z"}' '{"path":"b"}' '{"path":"c","captured_at":"10 am"}' \
  >   '{"path":"d","captured_at":"2024-06-01T10:00:01Z","lat":95,"lon":0}' '{"path":' '{"path":7,"captured_at":"2024-06-01T10:00:01Z"}' \
  >   '{"path":"e","captured_at":"2024-06-01T10:00:02Z","sequence_id":3}' '{"path":"f","captured_at":"2024-06-01T10:00:03Z"}' \
  >   | mly-split -q --rejected rej.jsonl
  {"path":"a","captured_at":"2024-06-01T10:00:00Z","sequence_id":"20240601_100000_e40c292c","split_reason":"start"}
  {"path":"f","captured_at":"2024-06-01T10:00:03Z","sequence_id":"20240601_100000_e40c292c"}
  ! mly-split: <stdin>:2: record has no "captured_at" to sort by
  ! mly-split: <stdin>:3: field "captured_at" is not an RFC 3339 time: '10 am'
  ! mly-split: <stdin>:4: field "lat" out of range: 95
  ! mly-split: <stdin>:5: malformed JSON: * (glob)
  ! mly-split: <stdin>:6: field "path" must be a string
  ! mly-split: <stdin>:7: field "sequence_id" must be a string
  [1]
  $ jq -r '.path|tostring' rej.jsonl | paste -sd ' '
  b c d 7 e

Usage errors exit 2 and print nothing on stdout:

  $ echo '{}' | mly-split --cutoff-time soon
  ! mly-split: --cutoff-time must be seconds (0 or more) or auto, not 'soon'
  ! Try 'mly-split --help' for more information.
  [2]
  $ echo '{}' | mly-split --cutoff-time -5
  ! mly-split: --cutoff-time must be seconds (0 or more) or auto, not '-5'
  ! Try 'mly-split --help' for more information.
  [2]
  $ echo '{}' | mly-split --cutoff-distance -1
  ! mly-split: --cutoff-distance must be 0 or more metres
  ! Try 'mly-split --help' for more information.
  [2]
  $ echo '{}' | mly-split --max-images 0
  ! mly-split: --max-images must be 1 or more
  ! Try 'mly-split --help' for more information.
  [2]
  $ echo '{}' | mly-split --max-images many
  ! mly-split: --max-images: invalid value 'many'
  ! Try 'mly-split --help' for more information.
  [2]

A number is read whole: a decimal comma, a unit or a hexadecimal float is
refused rather than read as far as it goes (1,5 is not 1), and so are inf
and nan; '+' and an exponent are fine:

  $ echo '{}' | mly-split --cutoff-distance 1,5
  ! mly-split: --cutoff-distance: invalid value '1,5'
  ! Try 'mly-split --help' for more information.
  [2]
  $ echo '{}' | mly-split --cutoff-distance=100m
  ! mly-split: --cutoff-distance: invalid value '100m'
  ! Try 'mly-split --help' for more information.
  [2]
  $ for v in 0x1p3 inf nan '' +-1; do echo '{}' | mly-split --cutoff-distance "$v" 2>&1 | head -n 1; done
  mly-split: --cutoff-distance: invalid value '0x1p3'
  mly-split: --cutoff-distance: invalid value 'inf'
  mly-split: --cutoff-distance: invalid value 'nan'
  mly-split: --cutoff-distance: invalid value ''
  mly-split: --cutoff-distance: invalid value '+-1'
  $ printf '%s\n' '{"path":"a","captured_at":"2024-06-01T08:00:00Z","lat":0,"lon":0}' \
  >   '{"path":"b","captured_at":"2024-06-01T08:00:01Z","lat":0.0002,"lon":0}' > two.jsonl
  $ mly-split -q --cutoff-distance +2e1 two.jsonl | jq -r .split_reason
  start
  distance 22.2 m > 20 m
  $ mly-split --frobnicate
  ! mly-split: Option 'frobnicate' does not exist
  ! Try 'mly-split --help' for more information.
  [2]

Help and version:

  $ mly-split --help | head -n 1
  mly-split: cut the stream into sequences by time and distance gaps
  $ mly-split --version
  mly-split 0.1.0
