#!/usr/bin/env bash
# fakeapi.sh: the local Mapillary server (tests/fakeapi, build/fakeapi/mly-fakeapi)
# against the contract of reference/mapillary-api.md section 7.
#
#  1. start and stop: the URL line, SIGTERM, --exit-after, bad options (exit 2)
#  2. the dataset: deterministic from the seed, every field of reference 2.1,
#     the awkward places (southern and western hemispheres, antimeridian,
#     below sea level), spherical sequences, days apart
#  3. the graph: tokens (header, access_token; 401 code 190 otherwise), /me,
#     /{id}, ?ids=, /images?image_ids=, /image_ids, searches with paging,
#     filters, the bbox limit, unknown ids and fields, login
#  4. tiles and pictures, checked by tests/accept/fakeapi_check.py with its
#     own tile decoder and JPEG walker
#  5. expiring image URLs (--expire-urls once and seconds)
#  6. faults at the configured rates, counted alike by the client and by
#     /__fake/stats, and the same again for the same seed; 429 bursts, the
#     rate limit, latency
#  7. TLS with a certificate made here by openssl, checked by curl --cacert
# Expected values are computed from /__fake/dataset with jq, not taken from
# the server's answers.
. "$(dirname "$0")/common.bash"
need_commands curl jq python3 openssl timeout
FAKE_BIN=$ROOT/build/fakeapi/mly-fakeapi
if [ ! -x "$FAKE_BIN" ]; then
  fail "$FAKE_BIN is missing: run make"
  finish
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mly-accept-fakeapi.XXXXXX") || exit 2
cleanup() { [ -n "${MLY_FAKE_PID-}" ] && kill "$MLY_FAKE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
# A copy, so a rebuild by someone else does not pull the binary from under us.
cp "$FAKE_BIN" "$WORK/mly-fakeapi"
export MLY_FAKEAPI=$WORK/mly-fakeapi
cd "$WORK" || exit 2

start() { . "$ROOT/tests/fakeapi/start" "$@"; }
stop() { mly_fake_stop; }
# api PATH [CURL ARGS]: the body of an authorised GET of the graph.
api() { local p=$1; shift; curl -sS -H "Authorization: OAuth $MLY_FAKE_TOKEN" "$@" "$MLY_FAKE_URL/graph$p"; }
# code PATH [CURL ARGS]: the HTTP status of a GET of the graph (token not added).
code() { local p=$1; shift; curl -s -o /dev/null -w '%{http_code}' "$@" "$MLY_FAKE_URL/graph$p"; }
# status URL: the HTTP status of a GET of any URL.
status() { curl -s -o /dev/null -w '%{http_code}' "$1"; }

# ---- 1. Start and stop --------------------------------------------------------
start --seed 1 || { fail "the server does not start"; finish; }
check "the URL line is http://127.0.0.1:PORT" grep -Eqx 'http://127\.0\.0\.1:[0-9]+' <<<"$MLY_FAKE_URL"
check "the config written for the tools points at the server" grep -qx "graph_url = $MLY_FAKE_URL/graph" "$MLY_FAKE_CONFIG"
expect "the config is private" 600 "$(stat -c %a "$MLY_FAKE_CONFIG")"
pid=$MLY_FAKE_PID
kill -TERM "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM stops it within 5 s" bash -c "! kill -0 $pid 2>/dev/null"
MLY_FAKE_PID=

out=$(timeout 10 "$MLY_FAKEAPI" --exit-after 0.5 </dev/null 2>&1); rc=$?
expect "--exit-after 0.5: exits 0 by itself" 0 "$rc"
check "--exit-after 0.5: printed the URL first" grep -Eq '^http://127\.0\.0\.1:[0-9]+$' <<<"$out"
for bad in "--drop 2" "--fail-5xx 0.6 --drop 0.6" "--dataset huge" "--expire-urls soon" "--stale-urls 1.5" "--finish-delay -5" "--nonsense" "--tls only-cert.pem"; do
  # shellcheck disable=SC2086
  err=$(timeout 10 "$MLY_FAKEAPI" $bad </dev/null 2>&1 >/dev/null); rc=$?
  expect "bad options '$bad': exit 2" 2 "$rc"
  check "bad options '$bad': a message" grep -q '^mly-fakeapi: ' <<<"$err"
done
help=$("$MLY_FAKEAPI" --help)
for opt in --seed --dataset --token --latency --fail-5xx --drop --truncate --code4 --burst-429 \
  --rate-limit --expire-urls --stale-urls --finish-delay --exit-after "--tls CERT KEY"; do
  check "--help mentions $opt" grep -qe "$opt" <<<"$help"
done

# ---- 2. The dataset -------------------------------------------------------------
start --seed 7 || { fail "the server does not start"; finish; }
curl -sS "$MLY_FAKE_URL/__fake/dataset" >ds.json
expect "small dataset: 3 users, 6 sequences, 30 images" "3 6 30" \
  "$(jq -r '[(.users|length), (.sequences|length), (.images|length)] | join(" ")' ds.json)"
expect "the first user is demo, with the token" "demo $MLY_FAKE_TOKEN" "$(jq -r '.users[0] | "\(.username) \(.token)"' ds.json)"
# Every field of reference 2.1 on processed images; unprocessed ones lack exactly the SfM fields.
all_fields='["altitude","atomic_scale","camera_parameters","camera_type","captured_at","compass_angle","computed_altitude","computed_compass_angle","computed_geometry","computed_rotation","creator","exif_orientation","geometry","height","id","is_pano","make","merge_cc","mesh","model","quality_score","sequence","sfm_cluster","width"]'
sfm='["atomic_scale","computed_altitude","computed_compass_angle","computed_geometry","computed_rotation","merge_cc","mesh","sfm_cluster"]'
expect "processed images carry every field of 2.1" 0 \
  "$(jq --argjson f "$all_fields" '[.images[] | select(.computed_geometry) | select(($f - keys) != [])] | length' ds.json)"
expect "unprocessed images lack just the SfM fields, and there are some" "true" \
  "$(jq --argjson f "$all_fields" --argjson s "$sfm" '[.images[] | select(.computed_geometry|not)] | length > 0 and all(($f - $s - keys) == [] and (keys - ($f - $s) | index("mesh")) == null)' ds.json)"
expect "field types: captured_at integer ms, ids strings, geometry GeoJSON [lon, lat]" "true" \
  "$(jq '[.images[] | (.captured_at|type) == "number" and .captured_at > 1.6e12 and (.id|type) == "string" and .geometry.type == "Point" and (.geometry.coordinates|length) == 2 and (.creator|keys) == ["id","username"]] | all' ds.json)"
expect "below sea level somewhere" true "$(jq '[.images[].altitude] | min < -100' ds.json)"
expect "southern and western hemispheres" true \
  "$(jq '[.images[].geometry.coordinates] | any(.[1] < 0) and any(.[0] < 0) and any(.[1] < 0 and .[0] < 0)' ds.json)"
expect "a sequence across the antimeridian" true \
  "$(jq '[.sequences[] | select(.place|test("antimeridian")) | .image_ids] | length == 1' ds.json)"
expect "its images lie on both sides of 180" true \
  "$(jq '(.sequences[] | select(.place|test("antimeridian")) | .image_ids) as $ids | [.images[] | select(.id as $i | $ids | index($i)) | .geometry.coordinates[0]] | any(. > 179.99) and any(. < -179.99)' ds.json)"
expect "spherical sequences: is_pano, 2:1, no camera_parameters" true \
  "$(jq '[.images[] | select(.camera_type == "spherical")] | length > 0 and all(.is_pano and .width == 2 * .height and .camera_parameters == [])' ds.json)"
expect "captures spread over several days" true \
  "$(jq '[.images[].captured_at / 86400000 | floor] | unique | length >= 3' ds.json)"
expect "images of a sequence are in capture order" true \
  "$(jq '(.images | map({(.id): .captured_at}) | add) as $t | [.sequences[] | [.image_ids[] | $t[.]] | . == sort] | all' ds.json)"
curl -sS "$MLY_FAKE_URL/__fake/dataset" >ds2.json
expect "the dataset is the same on a second read" "" "$(cmp ds.json ds2.json)"
stop
start --seed 7 || { fail "the server does not start"; finish; }
# Less what names the port: the base URL and the URLs of meshes and clusters.
same() { jq -S 'del(.base_url) | walk(if type == "object" then del(.url) else . end)'; }
curl -sS "$MLY_FAKE_URL/__fake/dataset" | same >ds3.json
same <ds.json >ds1.json
expect "the same seed gives the same dataset" "" "$(cmp ds1.json ds3.json 2>&1)"
stop
start --seed 8 --dataset demo || { fail "the server does not start"; finish; }
curl -sS "$MLY_FAKE_URL/__fake/dataset" >demo.json
expect "another seed gives other ids" "" \
  "$(comm -12 <(jq -r '.images[].id' ds.json | sort) <(jq -r '.images[].id' demo.json | sort))"
expect "demo dataset: 4 users x 3 sequences x 20 images" "4 12 240" \
  "$(jq -r '[(.users|length), (.sequences|length), (.images|length)] | join(" ")' demo.json)"
stop
start --seed 7 --users 2 --sequences 1 --images 3 || { fail "the server does not start"; finish; }
expect "--users 2 --sequences 1 --images 3" "custom 2 2 6" \
  "$(curl -sS "$MLY_FAKE_URL/__fake/dataset" | jq -r '[.name, (.users|length), (.sequences|length), (.images|length)] | join(" ")')"
stop

# ---- 3. The graph ------------------------------------------------------------------
start --seed 7 || { fail "the server does not start"; finish; }
T=$MLY_FAKE_TOKEN
img=$(jq -r '.images[0].id' ds.json)
seq=$(jq -r '.images[0].sequence' ds.json)

# Tokens.
body=$(curl -sS "$MLY_FAKE_URL/graph/$img?fields=id")
expect "no token: 401" 401 "$(code "/$img")"
expect "no token: the code-190 body" "190 MLYApiException Invalid OAuth 2.0 Access Token" \
  "$(jq -r '.error | "\(.code) \(.type) \(.message)"' <<<"$body")"
expect "a wrong token: 401" 401 "$(code "/$img" -H "Authorization: OAuth nope")"
expect "the right token as Bearer: 401 (the scheme is OAuth)" 401 "$(code "/$img" -H "Authorization: Bearer $T")"
expect "the token as access_token: 200" 200 "$(code "/$img?access_token=$T")"
expect "the token in the OAuth header: 200" 200 "$(code "/$img" -H "Authorization: OAuth $T")"
expect "/me: demo" "$(jq -r '.users[0] | "\(.id) demo"' ds.json)" "$(api '/me?fields=id,username' | jq -r '"\(.id) \(.username)"')"
expect "/me with ana's token: ana" "ana" \
  "$(curl -sS -H "Authorization: OAuth $T-ana" "$MLY_FAKE_URL/graph/me?fields=username" | jq -r .username)"
expect "/me without fields: just the id" '["id"]' "$(api /me | jq -c keys)"

# One node.
expect "/{id} with no fields: only id" "{\"id\":\"$img\"}" "$(api "/$img")"
expect "/{id}?fields=: id and exactly those" '["captured_at","geometry","id","sequence"]' \
  "$(api "/$img?fields=sequence,captured_at,geometry" | jq -c 'keys')"
expect "/{id}/ with a trailing slash" "$img" "$(api "/$img/?fields=id" | jq -r .id)"
expect "/{id}: the values are the dataset's" "$(jq -c '.images[0] | [.captured_at, .geometry, .sequence, .altitude, .creator]' ds.json)" \
  "$(api "/$img?fields=captured_at,geometry,sequence,altitude,creator" | jq -c '[.captured_at, .geometry, .sequence, .altitude, .creator]')"
expect "every field of 2.1 when asked" "$(jq -c '.images[0] | keys - ["picture", "tile"] + ["thumb_1024_url","thumb_2048_url","thumb_256_url","thumb_original_url"] | sort' ds.json)" \
  "$(api "/$img?fields=$(jq -r --argjson f "$all_fields" '$f | join(",")' ds.json),thumb_256_url,thumb_1024_url,thumb_2048_url,thumb_original_url" | jq -c keys)"
expect "a sub-field: creator.username" "{\"username\":\"demo\",\"id\":\"$(jq -r '.users[0].id' ds.json)\"}" \
  "$(api "/$img?fields=creator.username" | jq -c .creator)"
body=$(api "/9999999999999999?fields=id")
expect "an unknown id: 400" 400 "$(code "/9999999999999999" -H "Authorization: OAuth $T")"
expect "an unknown id: code 100, subcode 33" "100 33" "$(jq -r '.error | "\(.code) \(.error_subcode)"' <<<"$body")"
expect "an unknown field: code 100 naming it" "100 Tried accessing nonexisting field (colour) on node type (Image)" \
  "$(api "/$img?fields=id,colour" | jq -r '.error | "\(.code) \(.message)"')"
user=$(jq -r '.users[1].id' ds.json)
expect "a user node" "ana" "$(api "/$user?fields=id,username" | jq -r .username)"
org=$(jq -r '.organizations[0].id' ds.json)
expect "an organization node" "openstreetcam-club" "$(api "/$org?fields=slug,name" | jq -r .slug)"

# Many nodes.
ids=$(jq -r '[.images[0:7][].id] | join(",")' ds.json)
expect "?ids=: an object keyed by id" "$(jq -c '[.images[0:7][].id] | sort' ds.json)" "$(api "?ids=$ids&fields=id" | jq -c 'keys')"
expect "/?ids= the same" "$(api "?ids=$ids&fields=id,captured_at")" "$(api "/?ids=$ids&fields=id,captured_at")"
expect "?ids=: each value is the node" "$(jq -c '[.images[0:7][] | {(.id): .captured_at}] | add' ds.json)" \
  "$(api "?ids=$ids&fields=captured_at" | jq -c 'map_values(.captured_at)')"
expect "?ids= with an unknown id: 400 subcode 33" "33" "$(api "?ids=$img,123&fields=id" | jq -r .error.error_subcode)"
many=$(jq -r '[.images[].id, .images[0:21][].id | "x" + .] | join(",")' ds.json)
expect "?ids= with 51 ids: 400" 400 "$(code "?ids=$many" -H "Authorization: OAuth $T")"
expect "/images?image_ids=: data in the given order, unknown ids left out" \
  "$(jq -c '[.images[3].id, .images[1].id]' ds.json)" \
  "$(api "/images?image_ids=$(jq -r '.images[3].id' ds.json),555,$(jq -r '.images[1].id' ds.json)&fields=id" | jq -c '[.data[].id]')"
expect "/image_ids?sequence_id=: the sequence in capture order" "$(jq -c --arg s "$seq" '.sequences[] | select(.id == $s) | .image_ids' ds.json)" \
  "$(api "/image_ids?sequence_id=$seq" | jq -c '[.data[].id]')"
expect "/image_ids of an unknown sequence: empty data" '{"data":[]}' "$(api "/image_ids?sequence_id=nosuchsequence00000000")"

# Searches.
want=$(jq -c '[.images[] | select(.creator.username == "ana")] | sort_by(.captured_at, .id) | [.[].id]' ds.json)
got=() next="$MLY_FAKE_URL/graph/images?creator_username=ana&fields=id,captured_at&limit=4" pages=0
while [ -n "$next" ] && [ "$pages" -lt 20 ]; do
  page=$(curl -sS -H "Authorization: OAuth $T" "$next")
  got+=($(jq -r '.data[].id' <<<"$page"))
  next=$(jq -r '.paging.next // empty' <<<"$page")
  pages=$((pages + 1))
done
expect "creator_username search, 4 a page: every image of ana once, by captured_at" "$want" \
  "$(printf '%s\n' "${got[@]}" | jq -R . | jq -sc .)"
expect "creator_username search: pages of 4" 3 "$pages"
expect "is_pano=true with creator_username" \
  "$(jq -c '[.images[] | select(.creator.username == "ana" and .is_pano)] | sort_by(.captured_at, .id) | [.[].id]' ds.json)" \
  "$(api "/images?creator_username=ana&is_pano=true&fields=id" | jq -c '[.data[].id]')"
start_ms=$(jq '[.images[].captured_at] | sort | .[10]' ds.json)
end_ms=$(jq '[.images[].captured_at] | sort | .[20]' ds.json)
iso() { date -u -d "@$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))" +%Y-%m-%dT%H:%M:%S.%3NZ; }
all_seqs=$(jq -r '[.sequences[].id] | join(",")' ds.json)
expect "start/end_captured_at (ISO 8601, both ends inclusive) with sequence_ids: 11 images" \
  "$(jq -c --argjson a "$start_ms" --argjson b "$end_ms" '[.images[] | select(.captured_at >= $a and .captured_at <= $b)] | sort_by(.captured_at, .id) | [.[].id]' ds.json)" \
  "$(api "/images?sequence_ids=$all_seqs&start_captured_at=$(iso "$start_ms")&end_captured_at=$(iso "$end_ms")&fields=id" | jq -c '[.data[].id]')"
expect "organization_id: the images of its sequences" \
  "$(jq -c '[.sequences[] | select(.organization_id) | .id] as $s | [.images[] | select(.sequence as $q | $s | index($q))] | sort_by(.captured_at, .id) | [.[].id]' ds.json)" \
  "$(api "/images?organization_id=$org&fields=id" | jq -c '[.data[].id]')"
expect "make and model" \
  "$(jq -c '.images[0] as $f | [.images[] | select(.make == $f.make and .model == $f.model)] | sort_by(.captured_at, .id) | [.[].id]' ds.json)" \
  "$(api "/images?sequence_ids=$all_seqs&make=$(jq -r '.images[0].make | @uri' ds.json)&model=$(jq -r '.images[0].model | @uri' ds.json)&fields=id" | jq -c '[.data[].id]')"
read -r lon lat < <(jq -r '.images[0].geometry.coordinates | "\(.[0]) \(.[1])"' ds.json)
bbox=$(awk -v x="$lon" -v y="$lat" 'BEGIN { printf "%.6f,%.6f,%.6f,%.6f", x - 0.01, y - 0.01, x + 0.01, y + 0.01 }')
expect "bbox search: the images inside it" \
  "$(jq -c --argjson x "$lon" --argjson y "$lat" '[.images[] | select((.geometry.coordinates[0] - $x | fabs) <= 0.01 and (.geometry.coordinates[1] - $y | fabs) <= 0.01)] | sort_by(.captured_at, .id) | [.[].id]' ds.json)" \
  "$(api "/images?bbox=$bbox&fields=id" | jq -c '[.data[].id]')"
expect "bbox search at the limit: truncated, no paging (as the service)" "2 null" \
  "$(api "/images?bbox=$bbox&fields=id&limit=2" | jq -r '"\(.data | length) \(.paging)"')"
body=$(api "/images?bbox=13,52,13.2,52.1&fields=id")
expect "bbox of 0.02 deg²: 400" 400 "$(code "/images?bbox=13,52,13.2,52.1" -H "Authorization: OAuth $T")"
expect "bbox of 0.02 deg²: the service's message" \
  "Bounding box area is too large. Maximum allowed area is 0.010 square degrees, but got 0.020 square degrees." \
  "$(jq -r .error.message <<<"$body")"
expect "a bad bbox: 400" 400 "$(code "/images?bbox=1,2,3" -H "Authorization: OAuth $T")"
expect "no filter: 400" 400 "$(code "/images?fields=id" -H "Authorization: OAuth $T")"
expect "limit=0: 400" 400 "$(code "/images?creator_username=demo&limit=0" -H "Authorization: OAuth $T")"
expect "limit=5000 is clamped to 2000, not refused" 200 "$(code "/images?creator_username=demo&limit=5000" -H "Authorization: OAuth $T")"
expect "a bad start_captured_at: 400" 400 "$(code "/images?creator_username=demo&start_captured_at=yesterday" -H "Authorization: OAuth $T")"

# Login (with the client token, as mapillary_tools sends it) and the others of
# section 7; tests/accept/fakeapi-upload.sh tests login's refusals.
CLIENT='Authorization: OAuth MLY|5675152195860640|6b02c72e6e3c801e5603ab0495623282'
expect "POST /login: demo's token and id" "$T $(jq -r '.users[0].id' ds.json)" \
  "$(curl -sS -X POST -H "$CLIENT" -d '{"email":"demo@example.com","password":"secret","locale":"en_US"}' "$MLY_FAKE_URL/graph/login" | jq -r '"\(.access_token) \(.user_id)"')"
expect "POST /login, wrong password: subcode 1348028" 1348028 \
  "$(curl -sS -X POST -H "$CLIENT" -d '{"email":"demo@example.com","password":"guess"}' "$MLY_FAKE_URL/graph/login" | jq -r .error.error_subcode)"
expect "POST /logging: {}" "{}" "$(curl -sS -X POST -d '{}' "$MLY_FAKE_URL/graph/logging")"

# ---- 4. Tiles and pictures -------------------------------------------------------------
python3 "$ACCEPT/fakeapi_check.py" tiles "$MLY_FAKE_URL" "$T" ds.json >checks.txt 2>&1
tally checks.txt $?
python3 "$ACCEPT/fakeapi_check.py" pictures "$MLY_FAKE_URL" "$T" ds.json >checks.txt 2>&1
tally checks.txt $?
stats=$(curl -sS "$MLY_FAKE_URL/__fake/stats")
# Four sizes, and the 256 once more to compare two images of one picture.
expect "stats count downloads per image" 5 "$(jq --arg i "$(jq -r '.images[0].id' ds.json)" '.downloads[$i]' <<<"$stats")"
expect "stats count requests per endpoint" true "$(jq '.endpoints.tiles > 5 and .endpoints.img > 10 and .endpoints["graph.node"] > 5' <<<"$stats")"

# Image URLs: signed.
url=$(api "/$img?fields=thumb_256_url" | jq -r .thumb_256_url)
expect "a signed URL: 200" 200 "$(status "$url")"
expect "a changed signature: 403" 403 "$(status "$(sed -E 's/sig=[0-9a-f]+/sig=00000000000000000000000000000000/' <<<"$url")")"
expect "a changed expiry: 403" 403 "$(status "$(sed -E 's/oe=[0-9A-F]+/oe=7FFFFFFF/' <<<"$url")")"
expect "another size with this signature: 403" 403 "$(status "${url/256.jpg/1024.jpg}")"
expect "the image host needs no token, the URL is the key" 200 \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: OAuth wrong" "$url")"
tile=$(jq -r '.images[0].tile' ds.json)
curl -sS -o raw.mvt "$MLY_FAKE_URL/tiles/maps/vtp/mly1_public/2/$tile?access_token=$T"
expect "a tile is raw protobuf by default (a layer first: 1a)" 1a "$(head -c 1 raw.mvt | od -An -tx1 | tr -d ' ')"
stop

# ---- 5. Expiring URLs --------------------------------------------------------------------------
start --seed 7 --expire-urls once || { fail "the server does not start"; finish; }
url=$(api "/$img?fields=thumb_256_url" | jq -r .thumb_256_url)
expect "--expire-urls once: the first download 200" 200 "$(status "$url")"
expect "--expire-urls once: the second 403" 403 "$(status "$url")"
url=$(api "/$img?fields=thumb_256_url" | jq -r .thumb_256_url)
expect "--expire-urls once: a fresh URL works again" 200 "$(status "$url")"
stop
start --seed 7 --expire-urls 1 || { fail "the server does not start"; finish; }
url=$(api "/$img?fields=thumb_256_url" | jq -r .thumb_256_url)
expect "--expire-urls 1: at once 200" 200 "$(status "$url")"
expect "--expire-urls 1: and again, within the second" 200 "$(status "$url")"
sleep 2.1
expect "--expire-urls 1: two seconds later 403" 403 "$(status "$url")"
expect "expired: the body says so" "URL signature expired" "$(curl -s "$url")"
expect "stats count expired URLs" 2 "$(curl -sS "$MLY_FAKE_URL/__fake/stats" | jq .faults.expired_url)"
stop
# --stale-urls 0.5: about half the URLs issued are expired already; each is
# refused at once, the others served; the same seed draws the same.
stale_run() {
  start --seed 7 --stale-urls 0.5 || { fail "the server does not start"; return; }
  for k in $(seq 40); do echo "$(status "$(api "/$img?fields=thumb_256_url" | jq -r .thumb_256_url)")"; done | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'
  curl -sS "$MLY_FAKE_URL/__fake/stats" | jq -c '[.faults.stale_url, .faults.expired_url]'
  stop
}
first=$(stale_run) second=$(stale_run)
refused=$(sed -n 's/.*403:\([0-9]*\).*/\1/p' <<<"$first") served=$(sed -n 's/.*200:\([0-9]*\).*/\1/p' <<<"$first")
check "--stale-urls 0.5: of 40 URLs some refused, some served ($first)" [ "${refused:-0}" -ge 8 -a "${served:-0}" -ge 8 ]
check "--stale-urls: every refused URL counted stale when issued and expired when used" \
  grep -q "\[${refused:-x},${refused:-x}\]" <<<"$first"
expect "--stale-urls: the same seed draws the same" "$first" "$second"

start --seed 7 --gzip-tiles || { fail "the server does not start"; finish; }
curl -sS -o gz.mvt "$MLY_FAKE_URL/tiles/maps/vtp/mly1_public/2/$tile?access_token=$T"
expect "--gzip-tiles: gzip magic 1f 8b" 1f8b "$(head -c 2 gz.mvt | od -An -tx1 | tr -d ' ')"
expect "--gzip-tiles: the same tile inside" "$(md5sum <raw.mvt)" "$(gzip -dc gz.mvt | md5sum)"
stop

# ---- 6. Faults ------------------------------------------------------------------------------------
# 300 graph requests over 30 URLs, 10 each, from one curl: 5xx 20%, drop 10%,
# truncate 10%, code4 10%. A connection each (Connection: close), because
# curl silently retries a request whose kept-alive connection was dropped.
# curl says what happened to each: exit 52 empty reply (dropped), 18 partial
# body (truncated), else the status.
run_faults() {
  local out=$1 i id
  for i in $(seq 0 9); do
    for id in $(jq -r '.images[].id' ds.json); do
      printf 'url = "%s/graph/%s?fields=id,captured_at,geometry,creator,thumb_256_url"\noutput = "/dev/null"\n' \
        "$MLY_FAKE_URL" "$id"
    done
  done >urls.cfg
  curl -s -H "Authorization: OAuth $MLY_FAKE_TOKEN" -H "Connection: close" -w '%{exitcode} %{http_code}\n' -K urls.cfg |
    awk '$1 == 52 { print "dropped"; next } $1 == 18 { print "truncated"; next }
         $1 == 0 { print $2; next } { print "curl-" $1 }' >"$out"
}
start --seed 7 --fault-seed 11 --fail-5xx 0.2 --drop 0.1 --truncate 0.1 --code4 0.1 || { fail "the server does not start"; finish; }
run_faults faults1.txt
stats=$(curl -sS "$MLY_FAKE_URL/__fake/stats")
stop
n() { grep -cx "$1" "$2"; }
# Binomial spreads for 300 draws: 20% -> 60 +- 7, 10% -> 30 +- 5; 4 sd allowed.
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
check "5xx near 20% ($(n 500 faults1.txt) of 300)" in_range "$(n 500 faults1.txt)" 32 88
check "dropped near 10% ($(n dropped faults1.txt) of 300)" in_range "$(n dropped faults1.txt)" 10 50
check "truncated near 10% ($(n truncated faults1.txt) of 300)" in_range "$(n truncated faults1.txt)" 10 50
check "code-4 403s near 10% ($(n 403 faults1.txt) of 300)" in_range "$(n 403 faults1.txt)" 10 50
check "the rest answered 200 ($(n 200 faults1.txt) of 300)" in_range "$(n 200 faults1.txt)" 90 210
expect "nothing else happened" 0 "$(grep -cvxE '200|500|403|dropped|truncated' faults1.txt)"
expect "the stats count the same faults" \
  "$(n 500 faults1.txt) $(n dropped faults1.txt) $(n truncated faults1.txt) $(n 403 faults1.txt)" \
  "$(jq -r '.faults | "\(.["5xx"] // 0) \(.drop // 0) \(.truncate // 0) \(.code4 // 0)"' <<<"$stats")"
start --seed 7 --fault-seed 11 --fail-5xx 0.2 --drop 0.1 --truncate 0.1 --code4 0.1 || { fail "the server does not start"; finish; }
body=$(for i in $(seq 40); do
  b=$(curl -s -H "Authorization: OAuth $MLY_FAKE_TOKEN" "$MLY_FAKE_URL/graph/$img?fields=id")
  [ -n "$b" ] && jq -e '.error.code == 4' <<<"$b" >/dev/null 2>&1 && { echo "$b"; break; }
done)
expect "code 4: the request-limit body" "4 true Application request limit reached" \
  "$(jq -r '.error | "\(.code) \(.is_transient) \(.message)"' <<<"$body")"
stop
start --seed 7 --fault-seed 11 --fail-5xx 0.2 --drop 0.1 --truncate 0.1 --code4 0.1 || { fail "the server does not start"; finish; }
run_faults faults2.txt
stop
# The code-4 hunt above made 40 requests of its own on the second server, so compare with a third.
start --seed 7 --fault-seed 11 --fail-5xx 0.2 --drop 0.1 --truncate 0.1 --code4 0.1 || { fail "the server does not start"; finish; }
run_faults faults3.txt
stop
expect "the same seed and requests meet the same faults" "" "$(cmp faults2.txt faults3.txt 2>&1)"
expect "and the first run too" "" "$(cmp faults1.txt faults2.txt 2>&1)"
start --seed 7 --fault-seed 12 --fail-5xx 0.2 --drop 0.1 --truncate 0.1 --code4 0.1 || { fail "the server does not start"; finish; }
run_faults faults4.txt
stop
check "another seed meets other faults" bash -c "! cmp -s faults1.txt faults4.txt"

# A truncated body: Content-Length larger than what arrives.
start --seed 7 --truncate 1 || { fail "the server does not start"; finish; }
curl -s -D headers.txt -o part.bin "$MLY_FAKE_URL/graph/$img?fields=id,geometry&access_token=$T"; rc=$?
expect "--truncate 1: curl sees a partial body (18)" 18 "$rc"
declared=$(tr -d '\r' <headers.txt | sed -n 's/^Content-Length: //Ip')
check "--truncate 1: fewer bytes than Content-Length ($(stat -c %s part.bin) < $declared)" test "$(stat -c %s part.bin)" -lt "$declared"
stop

start --seed 7 --burst-429 3 || { fail "the server does not start"; finish; }
codes=$(for i in 1 2 3 4; do code "/$img?fields=id" -H "Authorization: OAuth $T"; echo; done | paste -sd' ')
expect "--burst-429 3: three 429s, then 200" "429 429 429 200" "$codes"
stop
start --seed 7 --burst-429 1 || { fail "the server does not start"; finish; }
expect "429: Retry-After: 1" "1" "$(curl -s -D - -o /dev/null "$MLY_FAKE_URL/graph/me?access_token=$T" | tr -d '\r' | sed -n 's/^Retry-After: //Ip')"
stop
start --seed 7 --rate-limit 5 || { fail "the server does not start"; finish; }
url=$(api "/$img?fields=thumb_256_url" | jq -r .thumb_256_url)
codes=$(for i in 1 2 3 4 5 6; do code "/$img?fields=id" -H "Authorization: OAuth $T"; echo; done | paste -sd' ')
expect "--rate-limit 5: five a minute, then 429" "200 200 200 200 429 429" "$codes"
expect "--rate-limit: the image host is not limited" 200 "$(status "$url")"
expect "--rate-limit: the tile host is" 429 "$(status "$MLY_FAKE_URL/tiles/maps/vtp/mly1_public/2/14/0/0?access_token=$T")"
ra=$(curl -s -D - -o /dev/null "$MLY_FAKE_URL/graph/me?access_token=$T" | tr -d '\r' | sed -n 's/^Retry-After: //Ip')
check "--rate-limit: Retry-After until the window frees ($ra s)" in_range "${ra:-0}" 50 60
stop
start --seed 7 --latency 300 || { fail "the server does not start"; finish; }
t=$(curl -s -o /dev/null -w '%{time_total}' "$MLY_FAKE_URL/graph/me?access_token=$T")
check "--latency 300: a request takes 0.3 s or more ($t s)" awk -v t="$t" 'BEGIN { exit !(t >= 0.3) }'
t=$(curl -s -o /dev/null -w '%{time_total}' "$MLY_FAKE_URL/__fake/stats")
check "--latency: not on the control endpoints ($t s)" awk -v t="$t" 'BEGIN { exit !(t < 0.3) }'
stop

# ---- 7. TLS ----------------------------------------------------------------------------------------
if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext "subjectAltName=IP:127.0.0.1" -keyout key.pem -out cert.pem >openssl.log 2>&1; then
  if start --seed 7 --tls cert.pem key.pem; then
    check "--tls: the URL is https" grep -Eqx 'https://127\.0\.0\.1:[0-9]+' <<<"$MLY_FAKE_URL"
    expect "--tls: curl --cacert talks to it" demo \
      "$(curl -sS --cacert cert.pem -H "Authorization: OAuth $T" "$MLY_FAKE_URL/graph/me?fields=username" | jq -r .username)"
    curl -s -o /dev/null "$MLY_FAKE_URL/graph/me"; rc=$?
    expect "--tls: without the certificate curl refuses (60)" 60 "$rc"
    url=$(curl -sS --cacert cert.pem -H "Authorization: OAuth $T" "$MLY_FAKE_URL/graph/$img?fields=thumb_256_url" | jq -r .thumb_256_url)
    check "--tls: image URLs are https too" grep -q '^https://' <<<"$url"
    expect "--tls: a picture over TLS" 200 "$(curl -s --cacert cert.pem -o /dev/null -w '%{http_code}' "$url")"
    check "--tls: the config names the certificate" grep -qx "ca_file = $WORK/cert.pem" "$MLY_FAKE_CONFIG"
    stop
  else
    fail "--tls: the server does not start: $(cat "${MLY_FAKE_LOG-/dev/null}" 2>/dev/null)"
  fi
else
  fail "openssl could not make a test certificate: $(cat openssl.log)"
fi
expect "--tls with a missing key: exit 2" 2 "$(timeout 10 "$MLY_FAKEAPI" --tls cert.pem nokey.pem >/dev/null 2>&1; echo $?)"

# The started-from-a-script form: eval "$(start)" and a watchdog that ends it with its owner.
owner_out=$(bash -c 'eval "$("$1/tests/fakeapi/start" --seed 3)" && echo "$MLY_FAKE_PID $MLY_FAKE_URL"' _ "$ROOT")
read -r opid ourl <<<"$owner_out"
check "eval \"\$(start)\": a URL" grep -Eq '^http://127\.0\.0\.1:[0-9]+$' <<<"$ourl"
for _ in $(seq 30); do kill -0 "$opid" 2>/dev/null || break; sleep 0.1; done
check "the server ends with the shell that started it" bash -c "! kill -0 $opid 2>/dev/null"

finish
