#!/usr/bin/env bash
# upload-pipeline.sh: generated photos through
#   mly-scan | (positions) | mly-split | mly-tag | mly-upload
# against the local server, which then must confirm that every photo arrived
# byte-exact (the file on disk with only its ImageDescription changed, under
# the md5 of its bytes), with a valid description, in capture order, and
# that every sequence was finished once (upload_check.py). The photos on
# disk stay untouched; nothing is received twice; a rerun sends nothing.
#
# Three folders of 150, 120 and 40 photos (32 KB), taken an hour apart, so
# mly-split makes three sequences; the records get positions from jq.
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/upload.bash"
need_commands jq curl python3 exiftool md5sum
need_build
up_setup pipeline

"$MKPHOTOS" a 150 --kb 32 --start '2024:06:01 10:00:00' --step 2 --offset +02:00 >/dev/null &&
  "$MKPHOTOS" b 120 --kb 32 --start '2024:06:01 11:00:00' --step 2 --offset +02:00 --seed 5 >/dev/null &&
  "$MKPHOTOS" c 40 --kb 32 --start '2024:06:01 12:00:00' --step 1 --offset +02:00 --seed 9 >/dev/null ||
  { fail "mkphotos"; finish; }
md5sum a/* b/* c/* >photos.md5

set -o pipefail
records a b c | mly-split -q | mly-tag -q >recs.jsonl
check "the process pipeline exits 0" [ $? -eq 0 ]
set +o pipefail
check "three sequences of 150, 120 and 40 photos" \
  [ "$(jq -r .sequence_id recs.jsonl | uniq -c | awk '{ print $1 }' | paste -sd ' ')" = "150 120 40" ]

# What would be sent, for the checker: no token, no server.
mly-upload -q --config /dev/null --dry-run dry <recs.jsonl >dry.jsonl
check "the dry run exits 0" [ $? -eq 0 ]
check "the dry run wrote 310 photos and 3 manifests" \
  [ "$(ls dry | grep -c '^mly_tools_[0-9a-f]\{32\}\.jpg$')" = 310 -a "$(ls dry | grep -c '^uuid_[0-9a-f]\{32\}\.json$')" = 3 ]

up_server || { fail "the local server does not start"; finish; }
mly-upload <recs.jsonl >out.jsonl 2>err.txt
rc=$?
check "mly-upload exits 0 (got $rc)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || head -n 5 err.txt
check "three records out, all uploaded" [ "$(jq -r .status out.jsonl | paste -sd ' ')" = "uploaded uploaded uploaded" ]
uploads >up.json
check_uploads out.jsonl recs.jsonl dry up.json
# Acceptance 4: each description the server received validates against the
# description schema as carried in EXIF (description_schema.py --exif).
mkdir -p desc
jq -c '.clusters[].images[].description' up.json | awk '{ f = sprintf("desc/%04d.json", NR); print > f; close(f) }'
check "310 descriptions received" [ "$(ls desc | wc -l)" -eq 310 ]
check "every received description validates against the schema (EXIF form)" \
  bash -c 'python3 "$ACCEPT/description_schema.py" --exif desc/*.json >/dev/null'
check "nothing received twice (received_bytes == bytes)" [ "$(jq '.totals | .bytes == .received_bytes' up.json)" = true ]
check "313 streams, one POST each" [ "$(jq -c '.totals | [.streams, .complete_streams, .posts]' up.json)" = "[313,313,313]" ]
check "the photos on disk are untouched" md5sum -c --quiet photos.md5
check "the history holds the 3 sequences" [ "$(ls hist/*.json | wc -l)" -eq 3 ]
check "the output's bytes are the streams' sizes" \
  [ "$(jq -s 'map(.bytes) | add' out.jsonl)" = "$(jq '[.clusters[].images[].size] | add' up.json)" ]

# A rerun finds every sequence in the history and sends nothing.
mly-upload <recs.jsonl >again.jsonl 2>err.txt
check "the rerun exits 0" [ $? -eq 0 ]
check "the rerun says already uploaded, with the same cluster ids" \
  [ "$(jq -r '[.status, .cluster_id] | @tsv' again.jsonl)" = "$(jq -r '["already_uploaded", .cluster_id] | @tsv' out.jsonl)" ]
check "the rerun sent nothing" [ "$(uploads | jq -c '.totals | [.posts, .clusters]')" = "[313,3]" ]
finish
