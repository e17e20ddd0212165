#require jq curl python3
mly-imgdl against the local Mapillary server (tests/fakeapi), each case with
its own server (./fake.sh; same seed, same dataset), and against the hostile
server of tests/helpers/hostile_api.py.

  $ cp "$ROOT/build/fakeapi/mly-fakeapi" fakeapi
  $ cat > fake.sh <<'EOF'
  > # . ./fake.sh [SERVER OPTIONS...]: a server for this case and config.ini for it
  > MLY_FAKEAPI=$PWD/fakeapi . "$ROOT/tests/fakeapi/start" "$@" || return 1
  > printf '%s\n' '[mapillary]' "token = $MLY_FAKE_TOKEN" "graph_url = $MLY_FAKE_URL/graph" \
  >   'retries = 1' 'timeout = 5' > config.ini
  > export MLY_CONFIG=$PWD/config.ini
  > stats() { curl -sf "$MLY_FAKE_URL/__fake/stats"; }
  > EOF

Images by id, from the arguments: each goes into its sequence's folder,
named after the sequence's first image as mly-seqdl names it (here the third
image of the Berlin sequence, and one in San Francisco):

  $ . ./fake.sh && mly-imgdl -o out 9166076376673516 4241577864202916 | jq -r '[.path, .sequence_id, .utc_offset] | @tsv'
  out/20230601_101751_e5gk6rc3/20230601_101755_677.jpg	e5gk6rc3wfemdboddox2gw	+02:00
  out/20230607_100105_sradix1z/20230607_100106_636.jpg	sradix1z8sz9k1uk7dsudj	-07:00
  ! mly-imgdl: 2 images: 2 downloaded, 0 already present, 0 failed
  $ . ./fake.sh && mly-seqdl -n -o out e5gk6rc3wfemdboddox2gw 2>/dev/null | jq -r .path | head -n 1
  out/20230601_101751_e5gk6rc3/20230601_101751_550.jpg

Records on stdin (as mly-search prints them): their other fields pass
through, ours replace theirs in place. Bad lines, records without an
image_id and unknown ids are reported; an id asked for twice is downloaded
once; exit status 1:

  $ cat > in.jsonl <<'EOF'
  > {"image_id":"7547447326589879","note":"keep me","lat":0,"lon":0}
  > {"image_id":
  > {"id":"7547447326589879"}
  > 1234567890
  > 7547447326589879
  > 3052103378983075
  > EOF
  $ . ./fake.sh && mly-imgdl -o out < in.jsonl > got.jsonl
  ! mly-imgdl: <stdin>:2: malformed JSON: Invalid value. (column 13)
  ! mly-imgdl: <stdin>:3: record has no "image_id"
  ! mly-imgdl: image 1234567890: unknown to the API (or not visible with this token)
  ! mly-imgdl: 3 images: 2 downloaded, 0 already present, 1 failed
  [1]
  $ jq -c '[.image_id, .note, .lat, .path]' got.jsonl
  ["7547447326589879","keep me",52.51614714923726,"out/20230601_101751_e5gk6rc3/20230601_101751_550.jpg"]
  ["3052103378983075",null,52.516125587359475,"out/20230601_101751_e5gk6rc3/20230601_101753_612.jpg"]

An image already there is not downloaded again:

  $ . ./fake.sh && mly-imgdl -o out 9166076376673516 3052103378983075 | jq -r .path; stats | jq -c .endpoints.img
  out/20230601_101751_e5gk6rc3/20230601_101755_677.jpg
  out/20230601_101751_e5gk6rc3/20230601_101753_612.jpg
  null
  ! mly-imgdl: 2 images: 0 downloaded, 2 already present, 0 failed
  $ find out -name '*.jpg' | sort
  out/20230601_101751_e5gk6rc3/20230601_101751_550.jpg
  out/20230601_101751_e5gk6rc3/20230601_101753_612.jpg
  out/20230601_101751_e5gk6rc3/20230601_101755_677.jpg
  out/20230607_100105_sradix1z/20230607_100106_636.jpg

Ids the API does not know go to --failed:

  $ . ./fake.sh && mly-imgdl -q -o out --failed failed.txt 1234567890 7547447326589879 2345678901 > /dev/null
  ! mly-imgdl: image 1234567890: unknown to the API (or not visible with this token)
  ! mly-imgdl: image 2345678901: unknown to the API (or not visible with this token)
  [1]
  $ cat failed.txt
  1234567890
  2345678901

A server whose images name sequences like paths ("../../../escape",
"/abs/olute", "a/../../b"): every file stays inside the output folder, the
characters that could leave it replaced by '_':

  $ $ROOT/build/helpers/mkphotos pic 1 --kb 8 --no-exif
  $ cat > hostile.sh <<'EOF'
  > rm -f hostile.url
  > python3 "$ROOT/tests/helpers/hostile_api.py" pic/IMG_00001.JPG > hostile.url 2>/dev/null &
  > HOSTILE_PID=$!
  > trap 'kill $HOSTILE_PID' EXIT
  > for i in $(seq 50); do [ -s hostile.url ] && break; sleep 0.1; done
  > printf '%s\n' '[mapillary]' 'token = hostile-token' "graph_url = $(head -n 1 hostile.url)/graph" 'retries = 1' 'timeout = 5' > hostile.ini
  > export MLY_CONFIG=$PWD/hostile.ini
  > EOF
  $ mkdir jail && touch stamp
  $ . ./hostile.sh && mly-imgdl -q -o jail/out 9000000000000001 9000000000000002 9000000000000003 | jq -r '[.sequence_id, .path] | @tsv'
  ../../../escape	jail/out/20230601_101752_________/20230601_101752_550.jpg
  /abs/olute	jail/out/20230601_101753__abs_olu/20230601_101753_550.jpg
  a/../../b	jail/out/20230601_101754_a_______/20230601_101754_550.jpg
  $ find . -newer stamp -not -path './jail/out*' -not -name 'hostile.*' | sort
  .
  ./jail

Help and version:

  $ mly-imgdl --help | head -n 2
  mly-imgdl: download images by id, each into its sequence's folder
  Usage:
  $ mly-imgdl --version
  mly-imgdl 0.1.0
