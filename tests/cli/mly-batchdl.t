#require jq curl
mly-batchdl against the local Mapillary server (tests/fakeapi), each case
with its own server (./fake.sh; same seed, same dataset). The small
dataset's six sequences are in Berlin, on the Dead Sea shore (below sea
level), in Buenos Aires (spherical), across the antimeridian in Fiji (not
processed), in San Francisco (fisheye, camera upside down) and in Wellington
(spherical).

  $ cp "$ROOT/build/fakeapi/mly-fakeapi" fakeapi
  $ cat > fake.sh <<'EOF'
  > # . ./fake.sh [SERVER OPTIONS...]: a server for this case and config.ini for it
  > MLY_FAKEAPI=$PWD/fakeapi . "$ROOT/tests/fakeapi/start" "$@" || return 1
  > printf '%s\n' '[mapillary]' "token = $MLY_FAKE_TOKEN" "graph_url = $MLY_FAKE_URL/graph" \
  >   'retries = 1' 'timeout = 5' > config.ini
  > export MLY_CONFIG=$PWD/config.ini
  > stats() { curl -sf "$MLY_FAKE_URL/__fake/stats"; }
  > EOF

A list in the format of mly-findseq (and of the seed's
find_sequences_of_user): '#' lines are comments, sequences grouped by day.
Each sequence gets a summary line; one that fails does not stop the others:

  $ cat > seqs.txt <<'EOF'
  > # sequences of demo, made by mly-findseq
  > # 20230601
  > e5gk6rc3wfemdboddox2gw
  > 8h8xxbllwzzppw3t4efsmb
  > 
  > # 20230604
  > nosuchsequence
  > flew7pf5bbow2pps0kr7ex
  > e5gk6rc3wfemdboddox2gw
  > EOF
  $ . ./fake.sh && mly-batchdl -o dl --size 256 seqs.txt > dl.jsonl
  ! mly-batchdl: sequence e5gk6rc3wfemdboddox2gw: 5 images in dl/20230601_101751_e5gk6rc3: 5 downloaded, 0 already present, 0 failed
  ! mly-batchdl: sequence 8h8xxbllwzzppw3t4efsmb: 5 images in dl/20230601_143504_8h8xxbll: 5 downloaded, 0 already present, 0 failed
  ! mly-batchdl: sequence nosuchsequence: no images: the sequence is empty, or unknown to the API
  ! mly-batchdl: sequence flew7pf5bbow2pps0kr7ex: 5 images in dl/20230604_081957_flew7pf5: 5 downloaded, 0 already present, 0 failed
  ! mly-batchdl: 15 images: 15 downloaded, 0 already present, 0 failed; 1 of 4 sequences failed
  [1]
  $ jq -r '[.sequence_id, .utc_offset, .width, .height, .camera_type] | @tsv' dl.jsonl | uniq -c
        5 e5gk6rc3wfemdboddox2gw	+02:00	256	144	perspective
        5 8h8xxbllwzzppw3t4efsmb	+03:00	256	144	perspective
        5 flew7pf5bbow2pps0kr7ex	-03:00	256	128	spherical

The Dead Sea shore is below sea level, and its altitude is written with the
sign in GPSAltitudeRef (read back by mly-scan):

  $ mly-scan -q dl/20230601_143504_8h8xxbll | jq -c '[.alt, .utc_offset]' | head -n 2
  [-413.094,"+03:00"]
  [-413.295,"+03:00"]

A second run downloads nothing new (the unknown sequence fails again):

  $ . ./fake.sh && mly-batchdl -o dl --size 256 seqs.txt > /dev/null 2>err; echo $?; stats | jq -c '.endpoints.img'
  1
  null
  $ grep -c 'already present' err
  4

Bare ids and records with sequence_id on stdin (mly-findseq --json gives
such records); a malformed line or a record without sequence_id is reported
with its line, the rest is downloaded:

  $ printf '%s\n' '{"sequence_id":"sradix1z8sz9k1uk7dsudj","day":"2023-06-07"}' '{"sequence_id":' '{"id":"x"}' 251uqidqes5b86ozmh5diw > in.jsonl
  $ . ./fake.sh && mly-batchdl -o dl2 < in.jsonl > dl2.jsonl
  ! mly-batchdl: <stdin>:2: malformed JSON: Invalid value. (column 16)
  ! mly-batchdl: <stdin>:3: record has no "sequence_id"
  ! mly-batchdl: sequence sradix1z8sz9k1uk7dsudj: 5 images in dl2/20230607_100105_sradix1z: 5 downloaded, 0 already present, 0 failed
  ! mly-batchdl: sequence 251uqidqes5b86ozmh5diw: 5 images in dl2/20230604_144524_251uqidq: 5 downloaded, 0 already present, 0 failed
  ! mly-batchdl: 10 images: 10 downloaded, 0 already present, 0 failed
  [1]
  $ jq -r '[.path, .utc_offset, .orientation, .camera_type] | @tsv' dl2.jsonl
  dl2/20230607_100105_sradix1z/20230607_100105_510.jpg	-07:00	3	fisheye
  dl2/20230607_100105_sradix1z/20230607_100106_636.jpg	-07:00	3	fisheye
  dl2/20230607_100105_sradix1z/20230607_100107_704.jpg	-07:00	3	fisheye
  dl2/20230607_100105_sradix1z/20230607_100108_843.jpg	-07:00	3	fisheye
  dl2/20230607_100105_sradix1z/20230607_100109_979.jpg	-07:00	3	fisheye
  dl2/20230604_144524_251uqidq/20230604_144524_685.jpg	+12:00	1	perspective
  dl2/20230604_144524_251uqidq/20230604_144527_539.jpg	+12:00	1	perspective
  dl2/20230604_144524_251uqidq/20230604_144530_393.jpg	+12:00	1	perspective
  dl2/20230604_144524_251uqidq/20230604_144533_163.jpg	+12:00	1	perspective
  dl2/20230604_144524_251uqidq/20230604_144536_013.jpg	+12:00	1	perspective

Sequences that fail as a whole are not image ids: --failed lists only
images, here none:

  $ . ./fake.sh && echo nosuchsequence | mly-batchdl -q -o dl3 --failed failed.txt
  ! mly-batchdl: sequence nosuchsequence: no images: the sequence is empty, or unknown to the API
  [1]
  $ wc -c < failed.txt
  0

--confirm asks on the terminal; without one it refuses, before any request:

  $ . ./fake.sh && setsid -w mly-batchdl --confirm -o dl4 seqs.txt < /dev/null; echo "exit $?"; stats | jq -c .endpoints
  exit 2
  {"control":1}
  ! mly-batchdl: --confirm needs a terminal to ask on
  ! Try 'mly-batchdl --help' for more information.

--dry-run:

  $ . ./fake.sh && echo e5gk6rc3wfemdboddox2gw | mly-batchdl -n -o dl5 | wc -l
  5
  ! mly-batchdl: sequence e5gk6rc3wfemdboddox2gw: 5 images in dl5/20230601_101751_e5gk6rc3: 5 to download, 0 already present, 0 failed
  ! mly-batchdl: 5 images: 5 to download, 0 already present, 0 failed (dry run: nothing written)
  $ test -e dl5 || echo nothing written
  nothing written

A list file that cannot be read is a usage error, and nothing is done:

  $ mly-batchdl nosuchlist.txt
  ! mly-batchdl: nosuchlist.txt: No such file or directory
  ! Try 'mly-batchdl --help' for more information.
  [2]

Help and version:

  $ mly-batchdl --help | head -n 2
  mly-batchdl: download every sequence listed in files or on stdin
  Usage:
  $ mly-batchdl --version
  mly-batchdl 0.1.0
