#!/usr/bin/env bash
# download-bad-input.sh: the download tools on bad input and a bad service.
# Each failure is reported clearly, with its item, the rest of the work is
# done, and the exit status is the documented one:
#   - unknown image ids and sequences, an empty sequence, a malformed list
#     line: exit 1, the other images downloaded;
#   - a token the API refuses: exit 3, nothing written;
#   - no server at all: exit 4 after the configured retries, quickly (the
#     test's config has retries = 2, timeout = 2);
#   - malformed JSON from the server (the image list, the metadata), a body
#     that is not a JPEG, a missing URL, an image gone (404), an image whose
#     host answers 503 through every retry: exit 1, each named, the other
#     images and sequences downloaded (tests/helpers/hostile_api.py);
#   - bad options: exit 2, nothing done, nothing on stdout.
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/download.bash"
need_commands python3 jq curl
need_build
dl_setup badinput

EXTRA_CONFIG=$'retries = 2\ntimeout = 5'
fake_start || { fail "the local server does not start"; finish; }
fake_dataset >dataset.json
seq0=$(jq -r '.sequences[0].id' dataset.json)
seq1=$(jq -r '.sequences[1].id' dataset.json)
img=$(jq -r '.images[7].id' dataset.json)

# status WANT NAME CMD...: runs CMD (stdout to out.txt, stderr to err.txt).
status() {
  local want=$1 name=$2
  shift 2
  "$@" >out.txt 2>err.txt
  local rc=$?
  check "$name: exit $want (got $rc)" [ "$rc" -eq "$want" ]
}
has() { check "$1: says \"$2\"" grep -qF -- "$2" err.txt; }

status 1 "mly-seqdl, an unknown sequence among good ones" mly-seqdl -o a nosuchseq "$seq0"
has "mly-seqdl" "mly-seqdl: sequence nosuchseq: no images: the sequence is empty, or unknown to the API"
check "... the good one downloaded (5 records)" [ "$(wc -l <out.txt)" -eq 5 ]

status 1 "mly-imgdl, unknown ids among good ones" mly-imgdl -o b 1111111111 "$img" 2222222222
has "mly-imgdl" "mly-imgdl: image 1111111111: unknown to the API"
has "mly-imgdl" "mly-imgdl: image 2222222222: unknown to the API"
check "... the good one downloaded" [ "$(jq -r .image_id out.txt)" = "$img" ]

printf '%s\n' "# 20230601" "$seq0" '{"sequence_id": 5}' 'not json {' "{\"sequence_id\":\"$seq1\"}" >list.txt
status 1 "mly-batchdl, a list with bad lines" mly-batchdl -o c list.txt
has "mly-batchdl" "mly-batchdl: list.txt:3: field \"sequence_id\" must be a string"
check "... both good sequences downloaded" [ "$(wc -l <out.txt)" -eq 10 ]
grep -F 'list.txt:4' err.txt >/dev/null && fail "a bare word is a sequence id, not a bad line" || pass "bare words are ids"

sed "s/^token = .*/token = not-the-token/" config.ini >wrong.ini
status 3 "a refused token" env MLY_CONFIG=$WORK/wrong.ini mly-seqdl -o d "$seq0"
has "a refused token" "HTTP 401 Unauthorized: Invalid OAuth 2.0 Access Token (code 190); check the access token"
check "... nothing written" [ ! -e d ]
status 3 "a refused token (mly-imgdl)" env MLY_CONFIG=$WORK/wrong.ini mly-imgdl -o d "$img"
status 3 "a refused token (mly-batchdl)" env MLY_CONFIG=$WORK/wrong.ini mly-batchdl -o d list.txt

# No server: a port nobody listens on.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '%s\n' '[mapillary]' 'token = abcdefgh' "graph_url = http://127.0.0.1:$port/graph" 'retries = 2' 'timeout = 2' >down.ini
t0=$SECONDS
status 4 "no server" env MLY_CONFIG=$WORK/down.ini mly-seqdl -o e "$seq0"
check "... within 10 s ($((SECONDS - t0)) s)" [ $((SECONDS - t0)) -le 10 ]
has "no server" "could not connect (gave up after 3 attempts)"
status 4 "no server (mly-imgdl)" env MLY_CONFIG=$WORK/down.ini mly-imgdl -o e "$img"
status 4 "no server (mly-batchdl)" env MLY_CONFIG=$WORK/down.ini mly-batchdl -o e list.txt
check "... nothing written" [ ! -e e ]

# The image host gone after the metadata came: the server is stopped while
# mly-seqdl waits on latency, so the downloads meet a closed port.
fake_start --latency 300 --images 40 || fail "the slow server does not start"
seqL=$(fake_dataset | jq -r '.sequences[0].id')
(sleep 1.5; mly_fake_stop) &
status 4 "the service goes away during the downloads" mly-seqdl -o f -j 2 "$seqL"
has "the service goes away" "could not connect"
check "... what was complete is complete" \
  [ -z "$(python3 "$ACCEPT/download_check.py" inventory f 2>/dev/null | grep '^FAIL')" ]
wait

hostile_start || { fail "the hostile server does not start"; finish; }
status 1 "malformed JSON and broken images" env MLY_CONFIG=$HOSTILE_CONFIG mly-seqdl -o g badlist badmeta notjpeg nourl gone samems empty
has "malformed list" "sequence badlist: GET $HOSTILE_URL/graph/image_ids?sequence_id=badlist: malformed JSON in the answer"
has "malformed metadata" "sequence badmeta: GET $HOSTILE_URL/graph/?ids=9000000000000011,9000000000000012"
has "malformed metadata" "malformed JSON in the answer (Missing a closing quotation mark in string. at byte 53) (2 images not downloaded)"
has "not a JPEG" "image 9000000000000021: GET $HOSTILE_URL/img/9000000000000021.jpg?size=original: not a complete JPEG (43 bytes)"
has "no URL" "image 9000000000000031: the API gives no thumb_original_url for this image"
has "gone" "image 9000000000000041: GET $HOSTILE_URL/img/9000000000000041.jpg?size=original: HTTP 404 Not Found"
has "empty" "sequence empty: no images: the sequence is empty, or unknown to the API"
has "the summary" "8 images: 3 downloaded, 0 already present, 5 failed; 2 of 7 sequences failed"
check "... the good sequence downloaded (3 records)" [ "$(wc -l <out.txt)" -eq 3 ]
check "... and no file for the broken images" [ "$(find g -name '*.jpg' | wc -l)" -eq 3 ]
status 1 "an image whose host keeps answering 503" env MLY_CONFIG=$HOSTILE_CONFIG mly-seqdl -o i busy
has "503" "image 9000000000000061: GET $HOSTILE_URL/img/9000000000000061.jpg?size=original: HTTP 503 Service Unavailable: busy (gave up after 2 attempts)"
check "... fails that image only: the other one downloaded" [ "$(jq -r .image_id out.txt)" = 9000000000000062 ]
hostile_stop

for args in "--size 512" "--geometry best" "--heading north" "--quality 101" "-j 0" "--tz Mars/Olympus" \
  "--image-file /nonexistent" "--frobnicate"; do
  status 2 "mly-seqdl $args" mly-seqdl $args -o h "$seq0"
  check "... nothing on stdout" [ ! -s out.txt ]
done
status 2 "mly-batchdl of a missing list" mly-batchdl -o h /nonexistent/list.txt
status 2 "mly-seqdl without sequences" mly-seqdl -o h
check "no option error wrote anything" [ ! -e h ]
finish
