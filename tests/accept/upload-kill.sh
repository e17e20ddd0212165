#!/usr/bin/env bash
# upload-kill.sh: mly-upload killed with SIGKILL at random moments, then run
# again until it completes.
#
# 600 generated photos (48 KB) in three sequences go to a local server that
# adds 10 ms to every request, so that a run lasts a few seconds. One
# uninterrupted run (on a server of its own) is timed; then mly-upload is
# started KILLS times (default 6) on a fresh server and killed -9 after a
# random part of that time. After each kill the upload history holds only
# complete entries. A last run must exit 0, and then:
#   - every sequence was finished exactly once, with its photos byte-exact
#     and in order (upload_check.py);
#   - the server received at most one photo's worth of bytes more than the
#     streams it holds: what a killed run had sent was resumed, not resent;
#   - every photo stream on the server belongs to a cluster;
#   - a further run sends nothing.
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/upload.bash"
need_commands jq curl python3 exiftool
need_build
up_setup kill

KILLS=${KILLS:-6}
for f in a:11:7 b:12:8 c:13:9; do  # folder, hour, seed
  IFS=: read -r dir hour seed <<<"$f"
  "$MKPHOTOS" "$dir" 200 --kb 48 --start "2024:06:01 $hour:00:00" --step 2 --offset +02:00 --seed "$seed" \
    >/dev/null || { fail "mkphotos"; finish; }
done
records a b c | mly-split -q >recs.jsonl
check "three sequences of 200" [ "$(jq -r .sequence_id recs.jsonl | uniq -c | awk '{ print $1 }' | paste -sd ' ')" = "200 200 200" ]
mly-upload -q --config /dev/null --dry-run dry <recs.jsonl >/dev/null || fail "the dry run failed"

# The time of an uninterrupted run.
up_server --latency 10 || { fail "the local server does not start"; finish; }
t0=$(date +%s.%N)
mly-upload -q <recs.jsonl >/dev/null 2>err.txt || { fail "the timed run failed"; head -n 3 err.txt; }
t1=$(date +%s.%N)
ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')
echo "an uninterrupted run: $ms ms"
rm -rf hist

up_server --latency 10 || { fail "the local server does not start"; finish; }
RANDOM=$$
for k in $(seq "$KILLS"); do
  mly-upload -q <recs.jsonl >"run$k.jsonl" 2>"run$k.err" &
  UP_PID=$!
  delay=$((RANDOM % (ms + ms / 10 + 1)))
  sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
  kill -9 "$UP_PID" 2>/dev/null
  wait "$UP_PID" 2>/dev/null
  UP_PID=
  entries=$(ls hist/*.json 2>/dev/null | wc -l)
  bad=$(for f in hist/*.json; do [ -e "$f" ] || continue; jq -e .cluster_id "$f" >/dev/null 2>&1 || echo "$f"; done)
  check "kill $k after $delay ms: the history holds only complete entries ($entries)" [ -z "$bad" ]
  echo "kill $k after $delay ms: $(uploads | jq -c '.totals | {complete_streams, clusters}') history $entries"
done

mly-upload <recs.jsonl >out.jsonl 2>final.err
rc=$?
check "the last run exits 0 (got $rc)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || head -n 5 final.err
uploads >up.json
check_uploads out.jsonl recs.jsonl dry up.json
excess=$(jq '.totals.received_bytes - .totals.bytes' up.json)
largest=$(jq '[.clusters[].images[].size] | max' up.json)
check "received at most one photo more than the server holds ($excess bytes more; a photo: up to $largest)" \
  [ "$excess" -le "$largest" ]
check "every photo stream on the server is in a cluster" \
  [ "$(jq '[.streams[] | select(.key | startswith("mly_tools_"))] | length' up.json)" = \
    "$(jq '[.clusters[].images[].key] | unique | length' up.json)" ]
posts=$(jq .totals.posts up.json)
mly-upload <recs.jsonl >again.jsonl 2>/dev/null
check "a further run: every sequence already uploaded, nothing sent" \
  [ "$(jq -r .status again.jsonl | sort -u)" = already_uploaded -a "$(uploads | jq .totals.posts)" = "$posts" ]
# The photos are older than 3 s: their stats name the sequences in the
# history, so a rerun needs neither the photos' bytes nor the service.
sed "s|^upload_url = .*|upload_url = http://127.0.0.1:9/upload|" config.ini >down.ini
mly-upload --config down.ini <recs.jsonl >offline.jsonl 2>offline.err
rc=$?
check "a rerun with the service unreachable finds every sequence by its photos' stats (exit $rc)" \
  [ "$rc" -eq 0 -a "$(jq -r .status offline.jsonl | sort | uniq -c | awk '{ print $1, $2 }')" = "3 already_uploaded" ]
check "the history has a stat name for each sequence" [ "$(ls hist/stat | wc -l)" -eq 3 ]
finish
