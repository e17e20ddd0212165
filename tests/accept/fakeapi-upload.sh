#!/usr/bin/env bash
# fakeapi-upload.sh: the upload service of the local Mapillary server
# (tests/fakeapi/upload.hpp; reference/mapillary-api.md 5.2-5.8 and 7).
#
#  1. one stream: offset 0 for a new key, an upload cut after half (the bytes
#     kept) and resumed, the md5, 412 on a wrong offset, the handle again for
#     an empty POST at the end, chunked and sized bodies, the handle's shape
#  2. tokens: none or bad 401, a user without upload permission 403, a
#     revoked token 401 code 190 on /me and the upload host until a login;
#     login's client token
#  3. finish_upload: a manifest of JPEGs with valid descriptions gives a
#     cluster, shown by /__fake/uploads; bad descriptions (MAPSequenceUUID,
#     the time format, no MAPLatitude, not JSON, not compact), a non-JPEG,
#     an incomplete stream, unknown handles, bad manifests, zip: refused,
#     each with a message naming what is wrong
#  4. faults: --cut-upload, --upload-412, --upload-429 and the generic
#     --fail-5xx, --drop, --rate-limit on the upload host, seen by a resuming
#     client (tests/accept/fakeapi_upload.py) and counted alike by the server,
#     the same again for the same seed
# Expected md5s and descriptions are computed here, not taken from the server.
. "$(dirname "$0")/common.bash"
need_commands curl jq python3 exiftool md5sum
FAKE_BIN=$ROOT/build/fakeapi/mly-fakeapi
for f in "$FAKE_BIN" "$MKPHOTOS"; do
  if [ ! -x "$f" ]; then
    fail "$f is missing: run make"
    finish
  fi
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mly-accept-fakeapi-upload.XXXXXX") || exit 2
cleanup() { [ -n "${MLY_FAKE_PID-}" ] && kill "$MLY_FAKE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
# Copies, so a rebuild by someone else does not pull the binaries from under us.
cp "$FAKE_BIN" "$WORK/mly-fakeapi"
cp "$MKPHOTOS" "$WORK/mkphotos"
export MLY_FAKEAPI=$WORK/mly-fakeapi
cd "$WORK" || exit 2
UP=$ACCEPT/fakeapi_upload.py

start() { . "$ROOT/tests/fakeapi/start" "$@"; }
stop() { mly_fake_stop; }
# up METHOD KEY [CURL ARGS]: status and body ("412 {...}") of a request to the
# upload host with demo's token.
up() {
  local m=$1 k=$2
  shift 2
  curl -sS -X "$m" -H "Authorization: OAuth $T" -w ' %{http_code}' "$@" "$MLY_FAKE_URL/upload/$k" |
    sed -E 's/^(.*) ([0-9]{3})$/\2 \1/'
}
status_of() { cut -d' ' -f1 <<<"$1"; }
# body_of ANSWER, or body_of - to read it from stdin
body_of() { if [ "$1" = - ]; then cut -d' ' -f2-; else cut -d' ' -f2- <<<"$1"; fi; }
# stream KEY FIELD: a field of the stream in /__fake/uploads.
stream() { curl -sS "$MLY_FAKE_URL/__fake/uploads" | jq -r --arg k "$1" ".streams[] | select(.key == \$k) | .$2"; }
md5() { md5sum <"$1" | cut -d' ' -f1; }

start --seed 3 || { fail "the server does not start"; finish; }
T=$MLY_FAKE_TOKEN
curl -sS "$MLY_FAKE_URL/__fake/dataset" >ds.json

# ---- 1. One stream ------------------------------------------------------------------
head -c 300001 /dev/urandom >blob.bin
K=mly_tools_$(md5 blob.bin).jpg
expect "GET offset of a new key: 200 {\"offset\":0}" '200 {"offset":0}' "$(up GET "$K")"
check "no stream is made by asking" [ -z "$(stream "$K" size)" ]

python3 "$UP" partial "$MLY_FAKE_URL" "$T" "$K" blob.bin 150000
# settled KEY: waits until no POST is receiving into the stream.
settled() {
  for _ in $(seq 40); do
    [ "$(stream "$1" receiving)" = false ] && return
    sleep 0.05
  done
}
settled "$K"
expect "a POST cut after 150000 bytes: they are kept (offset 150000)" '200 {"offset":150000}' "$(up GET "$K")"
expect "the cut stream is not complete" false "$(stream "$K" complete)"
r=$(up POST "$K" -H "Offset: 0" --data-binary @blob.bin)
expect "POST at offset 0 of a stream of 150000 bytes: 412" 412 "$(status_of "$r")"
expect "the 412 body is OffsetInvalidError, retriable" \
  '{"debug_info":{"retriable":true,"type":"OffsetInvalidError","message":"Request starting offset is invalid"}}' \
  "$(body_of "$r")"
expect "a 412 leaves the stream as it was" 150000 "$(stream "$K" size)"
# A refused body is read all the same, so the kept-alive connection goes on.
r=$(curl -sS -o /dev/null -w '%{http_code} ' -H "Authorization: OAuth $T" -H "Offset: 7" --data-binary @blob.bin \
  "$MLY_FAKE_URL/upload/$K" --next -sS -w '%{http_code} %{num_connects} ' -H "Authorization: OAuth $T" "$MLY_FAKE_URL/upload/$K")
expect "a 412 to a 300 KB body, then a GET on the same connection" '412 {"offset":150000}200 0 ' "$r"
tail -c +150001 blob.bin >rest.bin
r=$(up POST "$K" -H "Offset: 150000" -H "X-Entity-Name: $K" -H "X-Entity-Type: image/jpeg" --data-binary @rest.bin)
expect "POST of the rest at offset 150000: 200" 200 "$(status_of "$r")"
H=$(body_of "$r" | jq -r .h)
expect "the stream's md5 is the file's" "$(md5 blob.bin)" "$(stream "$K" md5)"
expect "the stream: 300001 bytes, complete" "300001 true" "$(stream "$K" size) $(stream "$K" complete)"
expect "posts: 4 (cut, refused twice, rest)" 4 "$(stream "$K" posts)"
expect "received_bytes: the cut part, the refused bodies and the rest" $((150000 + 2 * 300001 + 150001)) \
  "$(stream "$K" received_bytes)"
expect "GET offset of the complete stream: 300001" '200 {"offset":300001}' "$(up GET "$K")"
r=$(up POST "$K" -H "Offset: 300001" -d '')
expect "an empty POST at offset == size: 200 with the same handle" "200 $H" "$(status_of "$r") $(body_of "$r" | jq -r .h)"
expect "a POST past the end: 412" 412 "$(status_of "$(up POST "$K" -H "Offset: 300002" -d '')")"
expect "no Offset header: 400" 400 "$(status_of "$(up POST "$K" --data-binary @rest.bin)")"
expect "a nonsense Offset: 400" 400 "$(status_of "$(up POST "$K" -H "Offset: ten" --data-binary @rest.bin)")"
expect "a new key at offset 5: 412" 412 "$(status_of "$(up POST other.jpg -H "Offset: 5" --data-binary @rest.bin)")"

# The handle: 3:<base64(key)>:<base64(mime)>:<opaque>:e:<expiry>:<opaque>.
IFS=: read -r h0 hkey hmime hop1 he hexp hop2 <<<"$H"
expect "the handle starts with 3:" 3 "$h0"
expect "the handle's second field is base64 of the key" "$K" "$(base64 -d <<<"$hkey")"
expect "the handle's mime is image/jpeg" image/jpeg "$(base64 -d <<<"$hmime")"
expect "the handle's e: field" e "$he"
now=$(date +%s)
check "the handle expires in about 4 days" [ "$hexp" -gt $((now + 3 * 86400)) -a "$hexp" -lt $((now + 5 * 86400)) ]
check "the handle's opaque parts are not empty" [ -n "$hop1" -a -n "$hop2" ]

# Chunked and sized bodies.
head -c 200000 /dev/urandom >c.bin
r=$(up POST chunked.jpg -H "Offset: 0" -H "Transfer-Encoding: chunked" --data-binary @c.bin)
expect "a chunked body: 200" 200 "$(status_of "$r")"
expect "a chunked body: the md5 is the file's" "$(md5 c.bin) 200000" "$(stream chunked.jpg md5) $(stream chunked.jpg size)"
r=$(up POST sized.json -H "Offset: 0" --data-binary @c.bin)
expect "a sized body: 200, the md5 is the file's" "200 $(md5 c.bin)" "$(status_of "$r") $(stream sized.json md5)"
expect "a .json key's handle says application/json" application/json \
  "$(body_of "$r" | jq -r .h | cut -d: -f3 | base64 -d)"
check "different keys, different handles" [ "$(body_of "$r" | jq -r .h)" != "$H" ]

# ---- 2. Tokens ------------------------------------------------------------------------
r=$(curl -sS -w ' %{http_code}' "$MLY_FAKE_URL/upload/$K" | sed -E 's/^(.*) ([0-9]{3})$/\2 \1/')
expect "no token: 401" 401 "$(status_of "$r")"
expect "no token: NotAuthorizedError, not retriable" "NotAuthorizedError false" \
  "$(body_of "$r" | jq -r '"\(.debug_info.type) \(.debug_info.retriable)"')"
r=$(curl -sS -w ' %{http_code}' -H "Authorization: OAuth nonsense" -H "Offset: 0" --data-binary @c.bin \
  "$MLY_FAKE_URL/upload/x.jpg" | sed -E 's/^(.*) ([0-9]{3})$/\2 \1/')
expect "a bad token on a POST: 401 NotAuthorizedError" "401 NotAuthorizedError" \
  "$(status_of "$r") $(body_of "$r" | jq -r .debug_info.type)"
expect "a user token as access_token does not do on the upload host: 401" 401 \
  "$(curl -s -o /dev/null -w '%{http_code}' "$MLY_FAKE_URL/upload/$K?access_token=$T")"
NOUP=$(jq -r '.users[-1].username' ds.json)
expect "the dataset says the last user may not upload" "kofi false true" \
  "$NOUP $(jq -r '.users[-1].can_upload' ds.json) $(jq -r '.users[0].can_upload' ds.json)"
r=$(curl -sS -w ' %{http_code}' -H "Authorization: OAuth $T-$NOUP" "$MLY_FAKE_URL/upload/$K" |
  sed -E 's/^(.*) ([0-9]{3})$/\2 \1/')
expect "kofi may not upload: 403" 403 "$(status_of "$r")"
expect "kofi: NotAuthorizedError 'not authorized to upload'" "NotAuthorizedError false User kofi is not authorized to upload" \
  "$(body_of "$r" | jq -r '"\(.debug_info.type) \(.debug_info.retriable) \(.debug_info.message)"')"
expect "kofi's POST: 403" 403 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: OAuth $T-$NOUP" \
  -H "Offset: 0" --data-binary @c.bin "$MLY_FAKE_URL/upload/k.jpg")"
expect "kofi may still read the graph" 200 \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: OAuth $T-$NOUP" "$MLY_FAKE_URL/graph/me")"
expect "ana may upload" '200 {"offset":0}' "$(T=$T-ana up GET ana.jpg)"

# Revocation.
expect "revoking an unknown user: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '' "$MLY_FAKE_URL/__fake/revoke?user=nobody")"
expect "POST /__fake/revoke?user=ana: 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '' "$MLY_FAKE_URL/__fake/revoke?user=ana")"
r=$(curl -sS -w ' %{http_code}' -H "Authorization: OAuth $T-ana" "$MLY_FAKE_URL/graph/me" | sed -E 's/^(.*) ([0-9]{3})$/\2 \1/')
expect "revoked: /me 401 code 190 OAuthException 'has not authorized application'" \
  "401 190 OAuthException Error validating access token: The user has not authorized application." \
  "$(status_of "$r") $(body_of "$r" | jq -r '"\(.error.code) \(.error.type) \(.error.message)"')"
expect "revoked: another graph route 401 too" 401 \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: OAuth $T-ana" "$MLY_FAKE_URL/graph/$(jq -r '.users[0].id' ds.json)")"
r=$(T=$T-ana up GET ana.jpg)
expect "revoked: the upload host 401 code 190 (and NotAuthorizedError)" "401 190 NotAuthorizedError" \
  "$(status_of "$r") $(body_of "$r" | jq -r '"\(.error.code) \(.debug_info.type)"')"
expect "revoked: an upload POST 401" 401 "$(status_of "$(T=$T-ana up POST ana.jpg -H 'Offset: 0' --data-binary @c.bin)")"
expect "demo is not revoked" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: OAuth $T" "$MLY_FAKE_URL/graph/me")"

# Login: the client token, then the credentials.
CLIENT='MLY|5675152195860640|6b02c72e6e3c801e5603ab0495623282'
login() { curl -sS -X POST -w ' %{http_code}' "$@" "$MLY_FAKE_URL/graph/login" | sed -E 's/^(.*) ([0-9]{3})$/\2 \1/'; }
ANA='{"email":"ana@example.com","password":"secret","locale":"en_US"}'
r=$(login -d "$ANA")
expect "login without the client token: 401 code 190" "401 190" "$(status_of "$r") $(body_of "$r" | jq -r .error.code)"
expect "login with a user token instead: 401" 401 "$(status_of "$(login -H "Authorization: OAuth $T" -d "$ANA")")"
expect "login with a client token of the wrong shape: 401" 401 \
  "$(status_of "$(login -H "Authorization: OAuth MLY|12ab|6b02" -d "$ANA")")"
expect "login with the client token in the query: 401 (the header it must be)" 401 \
  "$(status_of "$(curl -sS -X POST -w ' %{http_code}' -d "$ANA" "$MLY_FAKE_URL/graph/login?access_token=MLY%7C1%7Cab" |
    sed -E 's/^(.*) ([0-9]{3})$/\2 \1/')")"
r=$(login -H "Authorization: OAuth $CLIENT" -d '{"email":"ana@example.com","password":"guess"}')
expect "a wrong password: 401 subcode 1348028" "401 1348028" "$(status_of "$r") $(body_of "$r" | jq -r .error.error_subcode)"
r=$(login -H "Authorization: OAuth $CLIENT" -d "$ANA")
expect "ana logs in: her token and id" "200 $T-ana $(jq -r '.users[1].id' ds.json)" \
  "$(status_of "$r") $(body_of "$r" | jq -r '"\(.access_token) \(.user_id)"')"
expect "the login lifted the revocation: /me 200" 200 \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: OAuth $T-ana" "$MLY_FAKE_URL/graph/me")"
expect "and the upload host: 200" 200 "$(status_of "$(T=$T-ana up GET ana.jpg)")"

# ---- 3. finish_upload ---------------------------------------------------------------
"$WORK/mkphotos" p 10 --kb 200 >/dev/null
# Descriptions as mapillary_tools puts them in EXIF: compact, keys sorted, no
# MAPSequenceUUID. d1-d3 valid; d4-d8 each wrong in one way; p/IMG_00009
# keeps mkphotos' own (not JSON) description.
desc() { python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]), sort_keys=True, separators=(",", ":")))' "$1"; }
D1=$(desc '{"MAPLatitude":52.5163,"MAPLongitude":13.3777,"MAPCaptureTime":"2024_06_01_08_00_00_000","MAPAltitude":34.5,"MAPCompassHeading":{"TrueHeading":90.5,"MagneticHeading":90.5},"MAPDeviceMake":"mly","MAPDeviceModel":"mkphotos","MAPOrientation":1,"MAPFilename":"IMG_00001.JPG"}')
D2=$(desc '{"MAPLatitude":-33.9249,"MAPLongitude":18.4241,"MAPCaptureTime":"2024_06_01_08_00_02_120"}')
D3=$(desc '{"MAPLatitude":0.0000001,"MAPLongitude":-179.9999999,"MAPCaptureTime":"2024_02_29_23_59_59_999","MAPAltitude":-415.25}')
D4=$(desc '{"MAPLatitude":52.5,"MAPLongitude":13.3,"MAPCaptureTime":"2024_06_01_08_00_00_000","MAPSequenceUUID":"0"}')
D5=$(desc '{"MAPLatitude":52.5,"MAPLongitude":13.3,"MAPCaptureTime":"2024-06-01T08:00:00Z"}')
D6=$(desc '{"MAPLongitude":13.3,"MAPCaptureTime":"2024_06_01_08_00_00_000"}')
D7='{"MAPLatitude": 52.5, "MAPLongitude": 13.3, "MAPCaptureTime": "2024_06_01_08_00_00_000"}'
D8=$(desc '{"MAPLatitude":52.5,"MAPLongitude":13.3,"MAPCaptureTime":"2023_02_29_08_00_00_000","filename":"/x.jpg"}')
DESCS=("$D1" "$D2" "$D3" "$D4" "$D5" "$D6" "$D7" "$D8")
for i in 1 2 3 4 5 6 7 8; do
  printf '%s\n' -overwrite_original "-ImageDescription=${DESCS[i - 1]}" "p/IMG_0000$i.JPG" -execute
done >args.txt
exiftool -q -@ args.txt >/dev/null 2>exiftool.err
expect "exiftool wrote the descriptions" "$D1" "$(exiftool -s3 -ImageDescription p/IMG_00001.JPG)"
head -c 5000 /dev/urandom >notjpeg.jpg

# put FILE: uploads FILE whole under mly_tools_<md5>.jpg; prints the handle.
put() {
  local k
  k=mly_tools_$(md5 "$1").jpg
  up POST "$k" -H "Offset: 0" --data-binary @"$1" | body_of - | jq -r .h
}
declare -A HD
for i in 1 2 3 4 5 6 7 8 9; do HD[$i]=$(put p/IMG_0000$i.JPG); done
HD[nj]=$(put notjpeg.jpg)
HALF=mly_tools_half.jpg
python3 "$UP" partial "$MLY_FAKE_URL" "$T" "$HALF" p/IMG_00010.JPG 1000
settled "$HALF"
HD[half]=$(stream "$HALF" handle)
nohandle=0
for v in "${HD[@]}"; do grep -Eq '^3:[^:]+:[^:]+:AR[^:]*:e:[0-9]+:AR' <<<"$v" || nohandle=$((nohandle + 1)); done
expect "every image stream has a handle" "11 0" "${#HD[@]} $nohandle"

# manifest NAME H...: uploads the manifest of these handles; prints its handle.
manifest() {
  local name=$1
  shift
  python3 -c 'import json,sys; print(json.dumps({"image_handles": sys.argv[1:], "upload_type": "images", "version": "1"}, sort_keys=True, separators=(",", ":")), end="")' "$@" >"$name"
  up POST "uuid_$name" -H "Offset: 0" --data-binary @"$name" | body_of - | jq -r .h
}
# finish BODY [TOKEN]: status and body of POST /graph/finish_upload.
finish_upload() {
  curl -sS -X POST -w ' %{http_code}' -H "Authorization: OAuth ${2:-$T}" -H 'Content-Type: application/json' \
    -d "$1" "$MLY_FAKE_URL/graph/finish_upload" | sed -E 's/^(.*) ([0-9]{3})$/\2 \1/'
}
fin() { printf '{"file_handle":"%s","file_type":"%s"%s}' "$1" "${2:-mly_bundle_manifest}" "${3:-}"; }

MH=$(manifest good.json "${HD[1]}" "${HD[2]}" "${HD[3]}")
ORG=$(jq -r '.organizations[0].id' ds.json)
r=$(finish_upload "$(fin "$MH" mly_bundle_manifest ",\"organization_id\":\"$ORG\"")")
expect "finish_upload of 3 valid images: 200" 200 "$(status_of "$r")"
C1=$(body_of "$r" | jq -r .cluster_id)
check "the cluster_id is digits" grep -Eqx '[0-9]+' <<<"$C1"
r=$(finish_upload "$(fin "$MH")")
expect "a second finish of the same manifest handle: 200 and the same cluster id" "200 $C1" \
  "$(status_of "$r") $(body_of "$r" | jq -r .cluster_id)"
MH2=$(manifest good2.json "${HD[1]}" "${HD[2]}" "${HD[3]}")
r=$(finish_upload "$(fin "$MH2")")
C2=$(body_of "$r" | jq -r .cluster_id)
check "a finish of another manifest of the same images: 200 and a new cluster id" \
  [ "$(status_of "$r")" = 200 -a "$C2" != "$C1" -a -n "$(grep -Ex '[0-9]+' <<<"$C2")" ]
curl -sS "$MLY_FAKE_URL/__fake/uploads" >uploads.json
expect "/__fake/uploads: the cluster, its user and organization" "demo $(jq -r '.users[0].id' ds.json) $ORG mly_bundle_manifest uuid_good.json" \
  "$(jq -r --arg c "$C1" '.clusters[] | select(.cluster_id == $c) | "\(.user) \(.user_id) \(.organization_id) \(.file_type) \(.manifest_key)"' uploads.json)"
expect "/__fake/uploads: the second cluster has no organization" null \
  "$(jq -r --arg c "$C2" '.clusters[] | select(.cluster_id == $c) | .organization_id' uploads.json)"
want=$(for i in 1 2 3; do printf 'mly_tools_%s.jpg %s %s %s\n' "$(md5 p/IMG_0000$i.JPG)" "$(md5 p/IMG_0000$i.JPG)" \
  "$(stat -c %s p/IMG_0000$i.JPG)" "${HD[$i]}"; done)
expect "/__fake/uploads: the images in manifest order: key, md5, size, handle" "$want" \
  "$(jq -r --arg c "$C1" '.clusters[] | select(.cluster_id == $c) | .images[] | "\(.key) \(.md5) \(.size) \(.handle)"' uploads.json)"
expect "/__fake/uploads: each image's description" "$(printf '%s\n' "$D1" "$D2" "$D3")" \
  "$(jq -c --arg c "$C1" '.clusters[] | select(.cluster_id == $c) | .images[] | .description' uploads.json | while read -r l; do desc "$l"; done)"
expect "/__fake/uploads totals: clusters, images, repeated finishes" "2 6 1" \
  "$(jq -r '"\(.totals.clusters) \(.totals.images) \(.totals.finish_repeats)"' uploads.json)"

# refused NAME WANT-IN-MESSAGE BODY: finish_upload answers 400 with a message
# containing WANT.
refused() {
  local r
  r=$(finish_upload "$3")
  msg=$(body_of "$r" | jq -r .error.message 2>/dev/null)
  if [ "$(status_of "$r")" = 400 ] && [ "$(body_of "$r" | jq -r .error.code)" = 100 ] && grep -qF -- "$2" <<<"$msg"; then
    pass "$1"
  else
    fail "$1: wanted 400 code 100 with '$2', got $r"
  fi
}
bad() { refused "$1" "$3" "$(fin "$(manifest "bad$2.json" "${HD[1]}" "${HD[$2]}")")"; }
bad "MAPSequenceUUID in the description: refused" 4 "image_handles[1] (session mly_tools_$(md5 p/IMG_00004.JPG).jpg): the description is invalid: MAPSequenceUUID is not allowed"
bad "an ISO time instead of YYYY_MM_DD_HH_MM_SS_mmm: refused" 5 'MAPCaptureTime "2024-06-01T08:00:00Z" is not a UTC time YYYY_MM_DD_HH_MM_SS_mmm'
bad "no MAPLatitude: refused" 6 "the description is invalid: missing required MAPLatitude"
bad "a description not compact: refused" 7 "not compact JSON with sorted keys"
bad "29 February 2023 and a key not of the schema: both named" 8 "key filename is not allowed; MAPCaptureTime \"2023_02_29_08_00_00_000\" is not a UTC time YYYY_MM_DD_HH_MM_SS_mmm"
bad "a description that is not JSON: refused" 9 "the description is invalid: not JSON"
bad "a stream that is not a JPEG: refused" nj "image_handles[1] (session mly_tools_$(md5 notjpeg.jpg).jpg): not a JPEG"
bad "an incomplete image stream: refused" half "image_handles[1] (session $HALF): the upload is not complete (1000 bytes so far)"
refused "an unknown image handle: refused" "image_handles[1]: no upload has the handle" \
  "$(fin "$(manifest unknown.json "${HD[1]}" "3:bm9wZQ==:aW1hZ2UvanBlZw==:ARx:e:1:ARy")")"
refused "the same image twice: refused" "image_handles[1] repeats an earlier handle" \
  "$(fin "$(manifest twice.json "${HD[1]}" "${HD[1]}")")"
refused "an unknown file_handle: refused" "file_handle: no upload has the handle" "$(fin "3:eA==:eA==:AR:e:1:AR")"
refused "a manifest that is not JSON: refused" "is not JSON" "$(fin "${HD[nj]}")"
printf '{"image_handles":["%s"],"upload_type":"zip","version":"1"}' "${HD[1]}" >m-type.json
refused "a manifest with upload_type zip: refused" 'upload_type is not "images"' \
  "$(fin "$(up POST uuid_m-type.json -H 'Offset: 0' --data-binary @m-type.json | body_of - | jq -r .h)")"
printf '{"image_handles":[],"upload_type":"images","version":"1"}' >m-empty.json
refused "a manifest without images: refused" "image_handles is not a non-empty array" \
  "$(fin "$(up POST uuid_m-empty.json -H 'Offset: 0' --data-binary @m-empty.json | body_of - | jq -r .h)")"
refused "file_type zip: unsupported" "file_type zip is unsupported in mly-fakeapi" "$(fin "$MH" zip)"
refused "file_type nonsense: refused" "Invalid parameter file_type" "$(fin "$MH" nonsense)"
refused "no file_handle: refused" "Missing a required parameter: file_handle" '{"file_type":"mly_bundle_manifest"}'
refused "an unknown organization_id: refused" "no organization 123" "$(fin "$MH" mly_bundle_manifest ',"organization_id":"123"')"
refused "a body that is not JSON: refused" "not a JSON object" "file_handle=$MH"
expect "finish_upload with a bad token: 401 code 190" "401 190" \
  "$(r=$(finish_upload "$(fin "$MH")" nonsense); echo "$(status_of "$r") $(body_of "$r" | jq -r .error.code)")"
expect "finish_upload by kofi: 403" 403 "$(status_of "$(finish_upload "$(fin "$MH")" "$T-$NOUP")")"
expect "the refusals made no cluster" 2 "$(curl -sS "$MLY_FAKE_URL/__fake/uploads" | jq -r .totals.clusters)"

expect "POST /__fake/uploads/reset: 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '' "$MLY_FAKE_URL/__fake/uploads/reset")"
expect "after the reset: no streams, no clusters" "0 0" \
  "$(curl -sS "$MLY_FAKE_URL/__fake/uploads" | jq -r '"\(.streams | length) \(.clusters | length)"')"
expect "after the reset: offset 0 again" '200 {"offset":0}' "$(up GET "$K")"
refused "after the reset: the old handles are unknown" "no upload has the handle" "$(fin "$MH")"
stop

# ---- 4. Faults -----------------------------------------------------------------------
# Files of fixed content: their keys, and so the faults they meet, are the
# same on every run.
python3 -c '
import random
for i in range(1, 7):
    open("f%d.bin" % i, "wb").write(random.Random(i).randbytes(150000 + i * 20000))'

files=(f1.bin f2.bin f3.bin f4.bin f5.bin f6.bin)
for run in 1 2; do
  start --seed 11 --cut-upload 0.4 --upload-412 0.15 --upload-429 0.15 || { fail "the server does not start"; finish; }
  python3 "$UP" resume "$MLY_FAKE_URL" "$T" upload$run.json "${files[@]}"
  check "upload faults, run $run: the client finished" [ $? -eq 0 ]
  if [ $run = 2 ]; then
    python3 "$UP" check-faults "$MLY_FAKE_URL" upload2.json upload1.json >check.out
    tally check.out $?
    stats=$(curl -sS "$MLY_FAKE_URL/__fake/stats")
    for f in cut_upload upload_412 upload_429; do
      check "--${f//_/-} was met (stats: $(jq -c ".faults.$f" <<<"$stats"))" [ "$(jq -r ".faults.$f // 0" <<<"$stats")" -gt 0 ]
    done
  fi
  stop
done
start --seed 12 --fail-5xx 0.25 --drop 0.2 || { fail "the server does not start"; finish; }
python3 "$UP" resume "$MLY_FAKE_URL" "$T" generic.json "${files[@]}"
python3 "$UP" check-faults "$MLY_FAKE_URL" generic.json >check.out
tally check.out $?
stats=$(curl -sS "$MLY_FAKE_URL/__fake/stats")
check "--fail-5xx and --drop were met on the upload host ($(jq -c .faults <<<"$stats"))" \
  [ "$(jq -r '.faults["5xx"] // 0' <<<"$stats")" -gt 0 -a "$(jq -r '.faults.drop // 0' <<<"$stats")" -gt 0 ]
stop
start --rate-limit 2 || { fail "the server does not start"; finish; }
up GET a.jpg >/dev/null
up POST a.jpg -H 'Offset: 0' --data-binary @f1.bin >/dev/null
r=$(curl -sS -D headers.txt -o /dev/null -w '%{http_code}' -H "Authorization: OAuth $T" -H 'Offset: 0' \
  --data-binary @f1.bin "$MLY_FAKE_URL/upload/b.jpg")
expect "--rate-limit 2: the third upload request gets 429" 429 "$r"
check "--rate-limit 2: with Retry-After" grep -qi '^Retry-After: [0-9]' headers.txt
stop

help=$("$MLY_FAKEAPI" --help)
for opt in --cut-upload --upload-412 --upload-429 /__fake/uploads /__fake/revoke "kofi in small" "client token"; do
  check "--help mentions $opt" grep -q -e "$opt" <<<"$help"
done
for bad in "--cut-upload 2" "--upload-412 -0.1" "--cut-upload 0.6 --upload-429 0.6"; do
  # shellcheck disable=SC2086
  err=$(timeout 10 "$MLY_FAKEAPI" $bad </dev/null 2>&1 >/dev/null); rc=$?
  expect "bad options '$bad': exit 2" 2 "$rc"
  check "bad options '$bad': a message" grep -q '^mly-fakeapi: ' <<<"$err"
done
finish
