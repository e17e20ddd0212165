#!/usr/bin/env bash
# upload-finish-kill.sh: mly-upload killed while its finish_upload is on the
# way, the one moment a random kill (upload-kill.sh) rarely lands in.
#
# The local server makes the cluster at once and answers 0.8 s later
# (--finish-delay), so the test can wait until the server holds the first
# sequence's cluster and kill -9 the run before the answer reaches it. Then:
#   - the history holds no entry for that sequence, but the note of the
#     finish sent (<sequence md5>.finishing) naming the manifest the server
#     finished;
#   - the next run finishes that same manifest handle again (the server
#     answers the cluster it made: finish_repeats 1), sends no new manifest
#     and no photo, uploads the other sequence, and exits 0; each sequence
#     is finished exactly once (upload_check.py) and no note is left;
#   - a note whose manifest the service does not know (the server reset)
#     makes that sequence fail with exit 1 and a message that says what
#     happened and that --reupload sends it anew, which then works.
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/upload.bash"
need_commands jq curl python3 exiftool
need_build
up_setup finish-kill

for f in a:11:21 b:12:22; do  # folder, hour, seed
  IFS=: read -r dir hour seed <<<"$f"
  "$MKPHOTOS" "$dir" 20 --kb 24 --start "2024:06:01 $hour:00:00" --step 2 --offset +02:00 --seed "$seed" \
    >/dev/null || { fail "mkphotos"; finish; }
done
records a b | mly-split -q >recs.jsonl
check "two sequences of 20" [ "$(jq -r .sequence_id recs.jsonl | uniq -c | awk '{ print $1 }' | paste -sd ' ')" = "20 20" ]
mly-upload -q --config /dev/null --dry-run dry <recs.jsonl >/dev/null || fail "the dry run failed"
first=$(jq -r .sequence_id recs.jsonl | head -n 1)

# wait_for JQ-TEST: polls /__fake/uploads (10 ms apart, 20 s at most) until the test holds.
wait_for() {
  local i
  for i in $(seq 2000); do
    uploads | jq -e "$1" >/dev/null 2>&1 && return 0
    sleep 0.01
  done
  return 1
}

up_server --finish-delay 800 || { fail "the local server does not start"; finish; }
mly-upload -q -j 2 <recs.jsonl >run1.jsonl 2>run1.err &
UP_PID=$!
wait_for '.totals.clusters == 1'
check "the server made the first cluster while the run waits for the answer" [ $? -eq 0 ]
kill -9 "$UP_PID" 2>/dev/null
wait "$UP_PID" 2>/dev/null
UP_PID=
uploads >before.json
check "the run was killed before it printed a record" [ ! -s run1.jsonl ]
cluster=$(jq -r '.clusters[0].cluster_id' before.json)
manifest=$(jq -r '.clusters[0].manifest_key' before.json)
notes=(hist/*.finishing)
check "the history holds one note of a finish sent (${#notes[@]}) and no entry" \
  [ "${#notes[@]}" -eq 1 -a -e "${notes[0]}" -a -z "$(ls hist/*.json 2>/dev/null)" ]
expect "the note names the manifest the server finished" "$manifest" "$(jq -r .manifest_key "${notes[0]}")"
expect "the note's handle is that manifest's" \
  "$(jq -r --arg k "$manifest" '.streams[] | select(.key == $k) | .handle' before.json)" \
  "$(jq -r .manifest_handle "${notes[0]}")"
seq_md5=$(basename "${notes[0]}" .finishing)

posts=$(jq .totals.posts before.json)
mly-upload -v -j 2 <recs.jsonl >run2.jsonl 2>run2.err
rc=$?
expect "the next run exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || head -n 5 run2.err
uploads >after.json
expect "it finished the noted manifest again, and the server answered the same cluster" \
  "1 2 uploaded $cluster" \
  "$(jq -r .totals.finish_repeats after.json) $(jq -r .totals.clusters after.json) \
$(jq -r --arg s "$first" 'select(.sequence_id == $s) | "\(.status) \(.cluster_id)"' run2.jsonl)"
check "it says so on stderr with -v" grep -q "sequence $first: a run stopped before finish_upload answered (.*); its manifest $manifest was finished again" run2.err
expect "no new manifest for it: the server holds 2 manifests" 2 \
  "$(jq '[.streams[] | select(.key | startswith("uuid_"))] | length' after.json)"
expect "the photos of the first sequence were not sent again: the POSTs are the second sequence's 20 and its manifest" \
  $((posts + 21)) "$(jq .totals.posts after.json)"
check_uploads run2.jsonl recs.jsonl dry after.json
check "no note is left, and both sequences have entries" \
  [ -z "$(ls hist/*.finishing 2>/dev/null)" -a "$(ls hist/*.json | wc -l)" -eq 2 ]
expect "the entry has the cluster" "$cluster" "$(jq -r .cluster_id "hist/$seq_md5.json")"

# A note the service cannot finish: the server forgot its uploads.
rm -rf hist
up_server --finish-delay 800 || { fail "the local server does not start"; finish; }
mly-upload -q -j 2 <recs.jsonl >run3.jsonl 2>run3.err &
UP_PID=$!
wait_for '.totals.clusters == 1'
kill -9 "$UP_PID" 2>/dev/null
wait "$UP_PID" 2>/dev/null
UP_PID=
check "killed again in the window: one note" [ "$(ls hist/*.finishing 2>/dev/null | wc -l)" -eq 1 ]
curl -sf -X POST -d '' "$MLY_FAKE_URL/__fake/uploads/reset" >/dev/null
mly-upload <recs.jsonl >run4.jsonl 2>run4.err
rc=$?
expect "a note the service does not know: exit 1" 1 "$rc"
check "the message names the sequence, the manifest and --reupload" \
  grep -q "sequence $first: not uploaded: a run stopped on .* before finish_upload answered for manifest uuid_.*json; finishing it again failed: .*no upload has the handle.*--reupload sends it anew" run4.err
expect "the other sequence was uploaded" "$(jq -r .sequence_id recs.jsonl | tail -n 1) uploaded" \
  "$(jq -r 'select(.status == "uploaded") | "\(.sequence_id) \(.status)"' run4.jsonl)"
expect "no cluster for the first sequence" 1 "$(uploads | jq .totals.clusters)"
mly-upload --reupload <recs.jsonl >run5.jsonl 2>run5.err
rc=$?
expect "--reupload: exit 0" 0 "$rc"
expect "--reupload: both sequences uploaded" "uploaded uploaded" "$(jq -r .status run5.jsonl | paste -sd ' ')"
check "--reupload: no note is left" [ -z "$(ls hist/*.finishing 2>/dev/null)" ]
finish
