#require jq curl python3
mly-upload against the local Mapillary server (tests/fakeapi), each case
with its own server (./up.sh: config.ini from fake.sh, plus requests_per_minute
= 0 and the upload history in ./hist, emptied). What arrived is read back from
the server's GET /__fake/uploads. The photos are made by mkphotos: sequence
seqA of 4 photos, seqB of 3; their records are written here.

  $ cp "$ROOT/build/fakeapi/mly-fakeapi" fakeapi
  $ cp "$ROOT/tests/cli/fake.sh" .
  $ cat > up.sh <<'EOF'
  > # . ./up.sh [SERVER OPTIONS...]: a server for this case, config.ini for it, no history
  > . ./fake.sh "$@" || return 1
  > printf '%s\n' 'requests_per_minute = 0' 'upload_history = hist' >> config.ini
  > rm -rf hist
  > uploads() { curl -sf "$MLY_FAKE_URL/__fake/uploads"; }
  > token_of() { curl -sf "$MLY_FAKE_URL/__fake/dataset" | jq -r --arg u "$1" '.users[] | select(.username == $u) | .token'; }
  > EOF
  $ "$ROOT/build/helpers/mkphotos" a 4 --kb 8 --start '2024:06:01 10:00:00' --step 2 --offset +02:00
  $ "$ROOT/build/helpers/mkphotos" b 3 --kb 8 --start '2024:06:01 11:00:00' --step 3 --offset +02:00 --seed 7
  $ for k in 1 2 3 4; do printf '{"path":"a/IMG_0000%d.JPG","captured_at":"2024-06-01T08:00:0%d.500Z","lat":46.05%d,"lon":14.5,"heading":%d0,"make":"MlyCam","sequence_id":"seqA"}\n' $k $((2 * k)) $k $k; done > a.jsonl
  $ for k in 3 1 2; do printf '{"path":"b/IMG_0000%d.JPG","captured_at":"2024-06-01T09:00:0%d.000Z","lat":46.06,"lon":14.5%d,"sequence_id":"seqB"}\n' $k $((3 * k)) $k; done > b.jsonl
  $ cat a.jsonl b.jsonl > all.jsonl
  $ md5sum a/* b/* > photos.md5

Usage errors: exit 2, nothing read or sent.

  $ mly-upload --organization 'a/b' < /dev/null
  ! mly-upload: --organization: 'a/b' is not an organization id
  ! Try 'mly-upload --help' for more information.
  [2]
  $ . ./up.sh && mly-upload -j 0 < /dev/null
  ! mly-upload: -j: the number of photos sent at once must be 1 to 64
  ! Try 'mly-upload --help' for more information.
  [2]

A dry run needs no token: each stream lands in the folder under its session
key, the md5 of its bytes, with a manifest per sequence; no history is
written:

  $ printf '[mapillary]\nupload_history = hist\n' > dry.ini
  $ mly-upload --config dry.ini --dry-run dry < all.jsonl
  {"sequence_id":"seqA","status":"dry_run","cluster_id":"0","images":4,"bytes":(\d+),"sequence_md5":"[0-9a-f]{32}"} (re)
  {"sequence_id":"seqB","status":"dry_run","cluster_id":"0","images":3,"bytes":(\d+),"sequence_md5":"[0-9a-f]{32}"} (re)
  ! mly-upload: 2 sequences: 2 written, 0 already uploaded, 0 not uploaded
  $ ls dry | sed 's/[0-9a-f]\{32\}/MD5/' | sort | uniq -c
        7 mly_tools_MD5.jpg
        2 uuid_MD5.json
  $ for f in dry/mly_tools_*.jpg; do [ "mly_tools_$(md5sum < $f | cut -c1-32).jpg" = "${f#dry/}" ] || echo "$f"; done
  $ cat dry/uuid_*.json | jq -c '[.version, .upload_type, (.image_handles | length)]' | sort
  ["1","images",3]
  ["1","images",4]
  $ ls hist 2>/dev/null | wc -l
  0

Photos that carry their description already (mly-tag --write) go as they
are, byte for byte:

  $ mkdir w && cp a/* w/ && sed 's|"a/|"w/|' a.jsonl | mly-tag -q --write > w.jsonl && mly-upload -q --config dry.ini --dry-run wdry < w.jsonl > /dev/null
  $ for f in w/*; do cmp "$f" "wdry/mly_tools_$(md5sum < "$f" | cut -c1-32).jpg" || echo "$f"; done
  $ ls wdry | wc -l
  5

The upload: one record per sequence with its cluster id. The server has
every photo once, complete, under the md5 of what it holds, with its
description, in capture order (seqB's records came as 3, 1, 2); each
sequence finished once; the photos on disk are untouched:

  $ . ./up.sh && mly-upload < all.jsonl > out.jsonl && uploads > got.json
  ! mly-upload: 2 sequences: 2 uploaded, 0 already uploaded, 0 not uploaded
  $ jq -c 'del(.bytes, .sequence_md5)' out.jsonl
  {"sequence_id":"seqA","status":"uploaded","cluster_id":"4000000000000001","images":4}
  {"sequence_id":"seqB","status":"uploaded","cluster_id":"4000000000000002","images":3}
  $ jq -c '.totals' got.json
  {"streams":9,"complete_streams":9,"bytes":\d+,"received_bytes":\d+,"posts":9,"clusters":2,"finish_repeats":0,"images":7} (re)
  $ jq '.totals | .bytes == .received_bytes' got.json
  true
  $ jq -r '.streams[] | select(.key | startswith("mly_tools_")) | select(.key != "mly_tools_\(.md5).jpg") | .key' got.json
  $ jq -r '.clusters[] | [.cluster_id, .file_type, (.images | map(.description.MAPFilename) | join(" "))] | @tsv' got.json
  4000000000000001	mly_bundle_manifest	IMG_00001.JPG IMG_00002.JPG IMG_00003.JPG IMG_00004.JPG
  4000000000000002	mly_bundle_manifest	IMG_00001.JPG IMG_00002.JPG IMG_00003.JPG
  $ jq -c '.clusters[0].images[1].description' got.json
  {"MAPCaptureTime":"2024_06_01_08_00_04_500","MAPCompassHeading":{"MagneticHeading":20,"TrueHeading":20},"MAPDeviceMake":"MlyCam","MAPFilename":"IMG_00002.JPG","MAPLatitude":46.052,"MAPLongitude":14.5}
  $ jq '[.clusters[].images[].size] | add' got.json; jq '[.[] | .bytes] | add' -s out.jsonl
  \d+ (re)
  \d+ (re)
  $ [ "$(jq '[.clusters[].images[].size] | add' got.json)" = "$(jq -s 'map(.bytes) | add' out.jsonl)" ] && echo same
  same
  $ md5sum -c --quiet photos.md5

The streams are the dry run's bytes, and the history has both sequences,
each under the md5 of its streams' md5s, with its photos as they were sent
(a second name under hist/stat/, by the photos' paths, sizes and times,
comes when the photos are more than 3 seconds old):

  $ jq -r '.streams[] | select(.key | endswith(".jpg")) | .key' got.json | sort > keys.txt
  $ ls dry | grep jpg | sort | diff - keys.txt && echo same
  same
  $ ls hist/*.json | sed 's/[0-9a-f]\{32\}/MD5/'
  hist/MD5.json
  hist/MD5.json
  $ jq -c '{sequence_id, cluster_id, images}' hist/*.json | sort
  {"sequence_id":"seqA","cluster_id":"4000000000000001","images":4}
  {"sequence_id":"seqB","cluster_id":"4000000000000002","images":3}
  $ for f in hist/*.json; do [ "$(jq -r .sequence_md5 $f)" = "$(jq -j '.photos[].md5' $f | md5sum | cut -c1-32)" ] && echo ok; done
  ok
  ok
  $ jq -r '.sequence_md5' out.jsonl | sort | sed 's/$/.json/' | diff - <(ls hist | grep json) && echo same
  same
  $ jq -c '.photos[] | [.path, (.md5 | test("^[0-9a-f]{32}$")), .size > 0, .mtime_ns > 0]' hist/*.json | sort
  ["a/IMG_00001.JPG",true,true,true]
  ["a/IMG_00002.JPG",true,true,true]
  ["a/IMG_00003.JPG",true,true,true]
  ["a/IMG_00004.JPG",true,true,true]
  ["b/IMG_00001.JPG",true,true,true]
  ["b/IMG_00002.JPG",true,true,true]
  ["b/IMG_00003.JPG",true,true,true]

A rerun skips both sequences: found in the history, nothing sent. With -v
it says so. --reupload sends them again: the server has every photo whole,
so only the manifests and the finishes are new:

  $ . ./up.sh && mly-upload -q < all.jsonl > /dev/null && mly-upload -v < all.jsonl && uploads | jq -c '.totals | [.posts, .clusters]'
  {"sequence_id":"seqA","status":"already_uploaded","cluster_id":"4000000000000001","images":4,"bytes":\d+,"sequence_md5":"[0-9a-f]{32}"} (re)
  {"sequence_id":"seqB","status":"already_uploaded","cluster_id":"4000000000000002","images":3,"bytes":\d+,"sequence_md5":"[0-9a-f]{32}"} (re)
  [9,2]
  ! mly-upload: sequence seqA: already uploaded (cluster 4000000000000001, *); --reupload sends it again (glob)
  ! mly-upload: sequence seqB: already uploaded (cluster 4000000000000002, *); --reupload sends it again (glob)
  ! mly-upload: 2 sequences: 0 uploaded, 2 already uploaded, 0 not uploaded
  $ . ./up.sh && mly-upload -q < all.jsonl > /dev/null && mly-upload --reupload < all.jsonl | jq -c '[.sequence_id, .status, .cluster_id]' && uploads | jq -c '.totals | [.streams, .posts, .clusters, .bytes == .received_bytes]'
  ["seqA","uploaded","4000000000000003"]
  ["seqB","uploaded","4000000000000004"]
  [11,18,4,true]
  ! mly-upload: 2 sequences: 2 uploaded, 0 already uploaded, 0 not uploaded

A photo touched (its stat no longer tells it) is read again, and the
sequence md5 of what would be sent finds its sequence in the history: only
offsets are asked, nothing is sent or finished again. The same photos from
another folder count as uploaded too:

  $ . ./up.sh && mly-upload -q < all.jsonl > first.jsonl && touch a/IMG_00002.JPG && rm -rf c && mkdir c && cp a/* c/ && (mly-upload < all.jsonl; sed 's|"a/|"c/|' a.jsonl | mly-upload -q) > again.jsonl && uploads | jq -c '.totals | [.posts, .clusters]' && jq -c '[.sequence_id, .status, .cluster_id]' again.jsonl
  [9,2]
  ["seqA","already_uploaded","4000000000000001"]
  ["seqB","already_uploaded","4000000000000002"]
  ["seqA","already_uploaded","4000000000000001"]
  ! mly-upload: 2 sequences: 0 uploaded, 2 already uploaded, 0 not uploaded
  $ jq -r .sequence_md5 first.jsonl > a.md5 && jq -r .sequence_md5 again.jsonl | head -n 2 | diff a.md5 - && echo same
  same

New descriptions (the photos re-geotagged) make new streams and a new
sequence; what was sent before stays on the service:

  $ . ./up.sh && mly-upload -q < a.jsonl > /dev/null && jq -c '.lat += 0.001' a.jsonl | mly-upload -q | jq -c '[.status, .cluster_id]' && uploads | jq -c '.totals | [.streams, .complete_streams, .posts, .clusters, .bytes == .received_bytes]'
  ["uploaded","4000000000000002"]
  [10,10,10,2,true]

Resuming: the server holds the first 1000 bytes of a photo (sent here with
curl); the upload sends only the rest of it:

  $ . ./up.sh && key=$(ls dry | grep jpg | head -n 1) && head -c 1000 "dry/$key" | curl -sf -H "Authorization: OAuth $MLY_FAKE_TOKEN" -H 'Offset: 0' --data-binary @- "$MLY_FAKE_URL/upload/$key" > /dev/null && mly-upload -q < all.jsonl | wc -l && uploads | jq -c --arg k "$key" '[(.totals | .bytes == .received_bytes), (.streams[] | select(.key == $k) | [.posts, .complete])]'
  2
  [true,[2,true]]

--no-resume: random keys, every photo sent whole:

  $ . ./up.sh && mly-upload -q --no-resume < a.jsonl > /dev/null && uploads | jq -r '.streams[].key' | sed 's/[0-9a-f]\{32\}/HEX/' | sort | uniq -c
        4 mly_tools_uuid_HEX.jpg
        1 uuid_HEX.json

A photo listed twice, by any path, is sent once (a warning says so), and
-j 1 sends one photo at a time:

  $ . ./up.sh && (cat a.jsonl; head -n 1 a.jsonl | jq -c '.path = "./a/../a/IMG_00001.JPG" | .lat = 1') | mly-upload -j 1 | jq -c '[.status, .images]'
  ["uploaded",4]
  ! mly-upload: <stdin>:5: ./a/../a/IMG_00001.JPG is already on <stdin>:1: left out
  ! mly-upload: 1 sequence: 1 uploaded, 0 already uploaded, 0 not uploaded

For an organization, from --organization or the records' organization_id;
the server knows the dataset's organization only:

  $ . ./up.sh && org=$(curl -sf "$MLY_FAKE_URL/__fake/dataset" | jq -r '.organizations[0].id') && mly-upload -q --organization "$org" < a.jsonl | jq -r '.organization_id == $o' --arg o "$org" && uploads | jq -r '.clusters[0].organization_id == $o' --arg o "$org"
  true
  true
  $ . ./up.sh && jq -c '. + {organization_id: "123"}' a.jsonl | mly-upload
  ! mly-upload: sequence seqA: not uploaded: POST http://127.0.0.1:*/graph/finish_upload: HTTP 400: Invalid parameter organization_id: no organization 123 (code 100) (glob)
  ! mly-upload: 1 sequence: 0 uploaded, 0 already uploaded, 1 not uploaded
  [1]
  $ . ./up.sh && jq -c 'if .path == "a/IMG_00003.JPG" then . + {organization_id: "123"} else . end' a.jsonl | mly-upload
  ! mly-upload: <stdin>:3: organization_id 123, but the sequence's other photos have none
  ! mly-upload: sequence seqA: not uploaded: 1 record of it rejected (see above)
  ! mly-upload: 1 sequence: 0 uploaded, 0 already uploaded, 1 not uploaded
  [1]

Bad records are rejected with a reason, and their whole sequence with them
(a rerun with them fixed must not upload the rest a second time); the
other sequences go. --rejected gets every record not uploaded:

  $ . ./up.sh && (jq -c 'if .path == "a/IMG_00002.JPG" then del(.lat) else . end' a.jsonl; echo '{"path":"b/IMG_00001.JPG","captured_at":"2024-06-01T09:00:00Z","lat":1,"lon":2}'; cat b.jsonl) | mly-upload --rejected rej.jsonl > out.jsonl
  ! mly-upload: <stdin>:2: missing "lat"
  ! mly-upload: <stdin>:5: missing "sequence_id" (mly-split makes the sequences)
  ! mly-upload: sequence seqA: not uploaded: 1 record of it rejected (see above)
  ! mly-upload: 2 sequences: 1 uploaded, 0 already uploaded, 1 not uploaded
  [1]
  $ jq -r .sequence_id out.jsonl
  seqB
  $ jq -r '[.path, .reason] | @tsv' rej.jsonl
  a/IMG_00002.JPG	missing "lat"
  b/IMG_00001.JPG	missing "sequence_id" (mly-split makes the sequences)
  a/IMG_00001.JPG	sequence not uploaded: 1 record of it rejected (see above)
  a/IMG_00003.JPG	sequence not uploaded: 1 record of it rejected (see above)
  a/IMG_00004.JPG	sequence not uploaded: 1 record of it rejected (see above)

Records with positions out of range, times that are not RFC 3339 or
fields of the wrong type are rejected the same way:

  $ . ./up.sh && printf '%s\n' '{"path":"a/IMG_00001.JPG","captured_at":"yesterday","lat":1,"lon":2,"sequence_id":"s"}' '{"path":"a/IMG_00002.JPG","captured_at":"2024-06-01T08:00:00Z","lat":91,"lon":2,"sequence_id":"t"}' '{"path":"a/IMG_00003.JPG","captured_at":"2024-06-01T08:00:00Z","lat":"north","lon":2,"sequence_id":"t"}' | mly-upload
  ! mly-upload: <stdin>:1: bad captured_at 'yesterday' (want RFC 3339, e.g. 2025-07-28T10:07:30.120Z)
  ! mly-upload: <stdin>:2: lat 91 is out of range [-90, 90]
  ! mly-upload: <stdin>:3: field "lat" must be a number
  ! mly-upload: sequence s: not uploaded: 1 record of it rejected (see above)
  ! mly-upload: sequence t: not uploaded: 2 records of it rejected (see above)
  ! mly-upload: 2 sequences: 0 uploaded, 0 already uploaded, 2 not uploaded
  [1]

A line that is not a record stops everything before anything is sent
(exit 2): it could belong to any sequence.

  $ . ./up.sh && (cat a.jsonl; echo '{"path": oops'; cat b.jsonl) | mly-upload; echo "exit $?"; uploads | jq .totals.streams
  exit 2
  0
  ! mly-upload: <stdin>:5: * (glob)
  ! mly-upload: nothing uploaded: 1 input line could not be read (see above)

A photo that is not a JPEG, or is missing, refuses its sequence; the
other goes:

  $ cp a/IMG_00003.JPG keep.jpg && echo 'not a photo' > a/IMG_00003.JPG && mv b/IMG_00002.JPG b2.jpg
  $ . ./up.sh && mly-upload --rejected rej.jsonl < all.jsonl
  ! mly-upload: <stdin>:3: a/IMG_00003.JPG: not a JPEG file
  ! mly-upload: sequence seqA: not uploaded: 1 photo of it cannot be uploaded (see above)
  ! mly-upload: <stdin>:7: b/IMG_00002.JPG: No such file or directory
  ! mly-upload: sequence seqB: not uploaded: 1 photo of it cannot be uploaded (see above)
  ! mly-upload: 2 sequences: 0 uploaded, 0 already uploaded, 2 not uploaded
  [1]
  $ mv keep.jpg a/IMG_00003.JPG && mv b2.jpg b/IMG_00002.JPG && md5sum -c --quiet photos.md5
  $ wc -l < rej.jsonl
  7

A sequence over Mapillary's limit of 1000 photos is refused whole, before
any photo is read:

  $ . ./up.sh && for k in $(seq 1001); do printf '{"path":"p%d.jpg","captured_at":"2024-06-01T08:00:00Z","lat":1,"lon":2,"sequence_id":"big"}\n' $k; done | mly-upload
  ! mly-upload: sequence big: not uploaded: over Mapillary's limits: 1001 images (at most 1000); cut it with mly-split
  ! mly-upload: 1 sequence: 0 uploaded, 0 already uploaded, 1 not uploaded
  [1]

The token: none configured is exit 3; a token revoked (401, code 190) or a
user without permission to upload (403) stops the run with exit 3, and the
token shows nowhere:

  $ . ./up.sh && sed -i '/^token/d' config.ini && mly-upload < a.jsonl
  ! mly-upload: no access token: set MAPILLARY_ACCESS_TOKEN, or token = ... in */config.ini (config.example.ini documents the keys) (glob)
  [3]
  $ . ./up.sh && t=$(token_of kofi) && MAPILLARY_ACCESS_TOKEN=$t mly-upload < all.jsonl 2> err.txt; echo $?; grep -c -- "$t" err.txt; cat err.txt
  3
  0
  mly-upload: GET http://127.0.0.1:*/upload/mly_tools_*.jpg: HTTP 403: User kofi is not authorized to upload (NotAuthorizedError); the token was refused: check that it is valid and that its user may upload (token in the configuration or MAPILLARY_ACCESS_TOKEN; mly-auth checks one) (glob)
  $ . ./up.sh && curl -sf -d '' "$MLY_FAKE_URL/__fake/revoke?user=demo" > /dev/null && mly-upload -v < all.jsonl 2> err.txt; echo $?; grep -c -- "$MLY_FAKE_TOKEN" err.txt; cat err.txt; uploads | jq .totals.streams
  3
  0
  mly-upload: GET http://127.0.0.1:*/upload/mly_tools_*.jpg: HTTP 401: Error validating access token: The user has not authorized application. (NotAuthorizedError); the token was refused: check that it is valid and that its user may upload (token in the configuration or MAPILLARY_ACCESS_TOKEN; mly-auth checks one) (glob)
  0

A service that cannot be reached: exit 4 once the retries are spent (here
one):

  $ . ./up.sh && sed -i "s|^upload_url = .*|upload_url = http://127.0.0.1:9/upload|" config.ini && mly-upload -j 1 < a.jsonl
  ! mly-upload: GET http://127.0.0.1:9/upload/mly_tools_*.jpg: could not connect (gave up after 2 attempts) (glob)
  [4]

Faults: offsets refused (412), rate limits with a backoff (429), uploads
cut off mid-body, 5xx and dropped connections: every photo still arrives
whole, each sequence is finished once. With -v each retry is told:

  $ . ./up.sh --seed 3 --upload-412 0.2 --upload-429 0.2 --cut-upload 0.3 --fail-5xx 0.1 --drop 0.1 && sed -i 's/^retries = .*/retries = 20/' config.ini && mly-upload -v < all.jsonl 2> err.txt | jq -r .status && uploads > got.json && jq -c '.totals | [.complete_streams, .clusters, .images]' got.json
  uploaded
  uploaded
  [9,2,7]
  $ jq -r '.streams[] | select(.key | startswith("mly_tools_")) | select(.key != "mly_tools_\(.md5).jpg") | .key' got.json
  $ grep -c 'retry\|asking the offset again' err.txt | awk '$1 > 3 { print "retried" }'
  retried
