#!/usr/bin/env bash
# upload-faults.sh: uploading through a server that fails on purpose.
#
# 300 generated photos (32 KB) in two sequences, 4 at a time, to a local
# server that cuts 15 % of the uploads off mid-body (keeping a random part),
# refuses 10 % of the offsets (412), rate-limits 10 % with a backoff (429),
# answers 10 % of all requests with a 5xx, drops 5 % of the connections
# without an answer, and answers the first 5 requests 429 with Retry-After.
# mly-upload must exit 0 with every photo byte-exact and each sequence
# finished once (upload_check.py), every kind of fault having happened, and
# no photo stream twice. With -v each retry is told on stderr, the token
# never.
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/upload.bash"
need_commands jq curl python3 exiftool
need_build
up_setup faults

"$MKPHOTOS" a 180 --kb 32 --start '2024:06:01 10:00:00' --step 2 --offset +02:00 >/dev/null &&
  "$MKPHOTOS" b 120 --kb 32 --start '2024:06:01 11:00:00' --step 2 --offset +02:00 --seed 4 >/dev/null ||
  { fail "mkphotos"; finish; }
records a b | mly-split -q >recs.jsonl
mly-upload -q --config /dev/null --dry-run dry <recs.jsonl >/dev/null || fail "the dry run failed"

EXTRA_CONFIG=$'retries = 30\ntimeout = 10'
up_server --seed 5 --cut-upload 0.15 --upload-412 0.1 --upload-429 0.1 --fail-5xx 0.1 --drop 0.05 --burst-429 5 ||
  { fail "the faulty server does not start"; finish; }
mly-upload -v -j 4 <recs.jsonl >out.jsonl 2>err.txt
rc=$?
check "mly-upload exits 0 (got $rc)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || grep -v retry err.txt | head -n 5
uploads >up.json
fake_stats >stats.json
check_uploads out.jsonl recs.jsonl dry up.json
for f in cut_upload upload_412 upload_429 5xx drop burst_429; do
  n=$(jq ".faults.\"$f\" // 0" stats.json)
  check "the server did inject $f ($n)" [ "$n" -gt 0 ]
done
check "-v told of retries ($(grep -c 'retry\|asking the offset again' err.txt))" \
  [ "$(grep -c 'retry\|asking the offset again' err.txt)" -gt 20 ]
check "the token is in no message" [ "$(grep -c -- "$MLY_FAKE_TOKEN" err.txt out.jsonl | awk -F: '{ s += $2 } END { print s }')" = 0 ]
check "every photo stream complete, none twice" \
  [ "$(jq '[.streams[] | select(.key | startswith("mly_tools_")) | select(.complete)] | length' up.json)" = 300 ]
finish
