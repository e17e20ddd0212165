#!/usr/bin/env bash
# upload-errors.sh: mly-upload on bad input, a refused token and an
# unreachable service: clear messages, the documented exit statuses, and
# nothing uploaded twice. Then the token is looked for in everything the
# runs wrote: stdout, stderr (with -v), --rejected files, the history.
#
#   bad records (no position, no time, no sequence)  exit 1, their sequences refused whole
#   a photo that is not a JPEG                       exit 1, its sequence refused, the other sent;
#                                                    fixed, a rerun sends it and skips the other
#   a sequence of 1001 photos                        exit 1, refused before reading, "mly-split"
#   a line that is not JSON                          exit 2, nothing sent
#   no token / invalid / revoked (401, code 190) /
#   a user without upload permission (403)           exit 3, nothing sent
#   an unreachable upload service                    exit 4
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/upload.bash"
need_commands jq curl python3
need_build
up_setup errors

"$MKPHOTOS" a 20 --kb 16 --start '2024:06:01 10:00:00' --step 2 --offset +02:00 >/dev/null &&
  "$MKPHOTOS" b 10 --kb 16 --start '2024:06:01 11:00:00' --step 2 --offset +02:00 --seed 4 >/dev/null ||
  { fail "mkphotos"; finish; }
records a b | mly-split -q >recs.jsonl
up_server || { fail "the local server does not start"; finish; }
TOKEN=$MLY_FAKE_TOKEN
streams() { uploads | jq .totals.streams; }
n=0
# run EXPECTED_STATUS ARGS... < input: mly-upload -v, output in run$n.out/.err.
run() {
  local want=$1 rc
  shift
  n=$((n + 1))
  mly-upload -v "$@" >"run$n.out" 2>"run$n.err"
  rc=$?
  check "run $n (mly-upload $*): exit $want (got $rc)" [ "$rc" -eq "$want" ]
  [ "$rc" -eq "$want" ] || head -n 3 "run$n.err"
}
# said N PATTERN...: run N's stderr has each pattern (grep -e).
said() {
  local k=$1 p
  shift
  for p; do grep -q -- "$p" "run$k.err" || { echo "run $k did not say: $p"; return 1; }; done
}

# Bad records: one of a without lat, one of b without captured_at, one without sequence_id.
run 1 --rejected rej1.jsonl < <(jq -c 'if .path == "a/IMG_00007.JPG" then del(.lat)
  elif .path == "b/IMG_00003.JPG" then del(.captured_at) elif .path == "b/IMG_00004.JPG" then del(.sequence_id)
  else . end' recs.jsonl)
check "bad records: each named with its line and what is missing" \
  said $n '<stdin>:7: missing "lat"' '<stdin>:23: missing "captured_at"' '<stdin>:24: missing "sequence_id"'
check "bad records: both sequences refused, nothing sent" [ "$(streams)" = 0 -a ! -s "run$n.out" ]
check "bad records: all 30 records in --rejected, each with a reason" \
  [ "$(jq -r 'select(.reason | length > 0) | .path' rej1.jsonl | sort -u | wc -l)" = 30 ]

# A photo that is not a JPEG.
cp a/IMG_00005.JPG keep.jpg && head -c 3000 keep.jpg | tail -c 1000 >a/IMG_00005.JPG
run 1 <recs.jsonl
check "not a JPEG: named" said $n 'a/IMG_00005.JPG: not a JPEG file'
check "not a JPEG: its sequence refused, the other uploaded" \
  [ "$(jq -r .images run$n.out)" = 10 -a "$(uploads | jq -c '[.totals.clusters, .clusters[0].images | length]')" = "[1,10]" ]
posts=$(uploads | jq .totals.posts)
mv keep.jpg a/IMG_00005.JPG
run 0 <recs.jsonl
check "fixed: a rerun uploads a, and b is not sent again" \
  [ "$(jq -r .status run$n.out | paste -sd ' ')" = "uploaded already_uploaded" -a "$(uploads | jq .totals.posts)" = $((posts + 21)) ]
check "each sequence finished once" [ "$(uploads | jq '.totals.clusters')" = 2 ]

# Over the limits: refused before anything is read or sent.
before=$(streams)
run 1 < <(for k in $(seq 1001); do
  printf '{"path":"big/%d.jpg","captured_at":"2024-06-01T08:00:00Z","lat":1,"lon":2,"sequence_id":"big"}\n' "$k"
done)
check "1001 photos: refused, says mly-split" said $n 'over Mapillary.s limits: 1001 images (at most 1000); cut it with mly-split'
check "1001 photos: nothing sent" [ "$(streams)" = "$before" ]

# Not JSON: nothing at all.
rm -rf hist
run 2 < <(head -n 3 recs.jsonl; echo '{"path": "a/x.jpg", oops}'; tail -n +4 recs.jsonl)
check "a bad line: named" said $n '<stdin>:4: ' 'nothing uploaded: 1 input line could not be read'
check "a bad line: nothing sent" [ "$(streams)" = "$before" ]

# Tokens.
rm -rf hist
grep -v '^token' config.ini >notoken.ini
run 3 --config notoken.ini <recs.jsonl
check "no token: says how to set one" said $n 'no access token: set MAPILLARY_ACCESS_TOKEN'
MAPILLARY_ACCESS_TOKEN=not-a-real-token-42 run 3 <recs.jsonl
check "an invalid token: refused" said $n 'HTTP 401: Invalid OAuth access token'
kofi=$(curl -sf "$MLY_FAKE_URL/__fake/dataset" | jq -r '.users[] | select(.username == "kofi") | .token')
MAPILLARY_ACCESS_TOKEN=$kofi run 3 <recs.jsonl
check "no upload permission: refused, says so" said $n 'HTTP 403: User kofi is not authorized to upload'
curl -sf -d '' "$MLY_FAKE_URL/__fake/revoke?user=demo" >/dev/null
run 3 <recs.jsonl
check "a revoked token: refused, says so" said $n 'HTTP 401: Error validating access token'
check "refused tokens sent nothing" [ "$(streams)" = "$before" ]

# Unreachable.
sed "s|^upload_url = .*|upload_url = http://127.0.0.1:9/upload|" config.ini >down.ini
printf 'retries = 1\n' >>down.ini
run 4 --config down.ini <recs.jsonl
check "unreachable: says could not connect, gave up" said $n 'could not connect (gave up after 2 attempts)'

# The token, anywhere.
found=$(grep -rlF -e "$TOKEN" -e "$kofi" run*.out run*.err rej1.jsonl hist 2>/dev/null)
check "the tokens appear in no output, message, rejected file or history ($found)" [ -z "$found" ]
finish
