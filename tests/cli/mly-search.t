#require jq curl
mly-search against the local Mapillary server (tests/fakeapi), whose image
search refuses a bbox of 0.01 square degrees or more and returns at most
`limit` images, like the real one. Each case starts its own server with
./fake.sh; the expected images are worked out from the server's dataset with
jq (in.jq: the images whose original position lies inside $b, W,S,E,N).

  $ cp "$ROOT/build/fakeapi/mly-fakeapi" fakeapi
  $ cp "$ROOT/tests/cli/fake.sh" .
  $ . ./fake.sh && curl -sf "$MLY_FAKE_URL/__fake/dataset" > small.json
  $ . ./fake.sh --dataset demo && curl -sf "$MLY_FAKE_URL/__fake/dataset" > demo.json
  $ echo '.images[] | select(.geometry.coordinates as [$x, $y] | $x >= $b[0] and $x <= $b[2] and $y >= $b[1] and $y <= $b[3])' > in.jq
  $ ids() { jq -c --argjson b "[$1]" -f in.jq "$2" | jq -r .id | sort; }; declare -f ids > ids.sh

Around Unter den Linden in Berlin: the five images of demo's sequence there,
as records of the stream (the raw API object under "mapillary"):

  $ . ./fake.sh && mly-search --bbox 13.3,52.4,13.5,52.6 > berlin.jsonl
  $ jq -c 'del(.mapillary)' berlin.jsonl
  {"image_id":"7547447326589879","sequence_id":"e5gk6rc3wfemdboddox2gw","captured_at":"2023-06-01T08:17:51.550Z","lat":52.51613046740157,"lon":13.373739356479524,"alt":35.509,"heading":93.74,"make":"Garmin","model":"Dash Cam 67W","creator":"demo","width":1920,"height":1080,"orientation":1,"camera_type":"perspective"}
  {"image_id":"3052103378983075","sequence_id":"e5gk6rc3wfemdboddox2gw","captured_at":"2023-06-01T08:17:53.612Z","lat":52.516130346350636,"lon":13.373840094153776,"alt":35.546,"heading":88.47,"make":"Garmin","model":"Dash Cam 67W","creator":"demo","width":1920,"height":1080,"orientation":1,"camera_type":"perspective"}
  {"image_id":"9166076376673516","sequence_id":"e5gk6rc3wfemdboddox2gw","captured_at":"2023-06-01T08:17:55.677Z","lat":52.51612906202462,"lon":13.373928559167041,"alt":36.039,"heading":90.56,"make":"Garmin","model":"Dash Cam 67W","creator":"demo","width":1920,"height":1080,"orientation":1,"camera_type":"perspective"}
  {"image_id":"7742360045264245","sequence_id":"e5gk6rc3wfemdboddox2gw","captured_at":"2023-06-01T08:17:57.707Z","lat":52.516131382809235,"lon":13.374028957718012,"alt":36.25,"heading":83.96,"make":"Garmin","model":"Dash Cam 67W","creator":"demo","width":1920,"height":1080,"orientation":1,"camera_type":"perspective"}
  {"image_id":"2220778003263777","sequence_id":"e5gk6rc3wfemdboddox2gw","captured_at":"2023-06-01T08:17:59.688Z","lat":52.516141243556945,"lon":13.374157138299758,"alt":36.446,"heading":77.48,"make":"Garmin","model":"Dash Cam 67W","creator":"demo","width":1920,"height":1080,"orientation":1,"camera_type":"perspective"}
  $ jq -r '.mapillary | keys | join(",")' berlin.jsonl | sort -u
  altitude,atomic_scale,camera_parameters,camera_type,captured_at,compass_angle,computed_altitude,computed_compass_angle,computed_geometry,computed_rotation,creator,exif_orientation,geometry,height,id,is_pano,make,merge_cc,mesh,model,quality_score,sequence,sfm_cluster,width

Every field agrees with the dataset, and nothing is lost in the raw object:

  $ jq -c --argjson b '[13.3,52.4,13.5,52.6]' -f in.jq small.json | jq -c '{image_id: .id, sequence_id: .sequence,
  >   ms: .captured_at, lat: .geometry.coordinates[1], lon: .geometry.coordinates[0], alt: .altitude, heading: .compass_angle}' > want
  $ jq -c '{image_id, sequence_id, ms: .mapillary.captured_at, lat, lon, alt, heading}' berlin.jsonl | diff - want && wc -l < want
  5
  $ jq -r '[.captured_at, (.mapillary.captured_at / 1000 | todate)] | join(" ")' berlin.jsonl | head -n 2
  2023-06-01T08:17:51.550Z 2023-06-01T08:17:51Z
  2023-06-01T08:17:53.612Z 2023-06-01T08:17:53Z

A one-degree square is 110 cells of the search:

  $ . ./fake.sh && mly-search --bbox 13,52,14,53 -v | jq -r .image_id | sort > got
  ! mly-search: bbox 13,52,14,53: 110 cells to search
  ! mly-search: 5 images from 110 cells (0 cut in four, 0 answers repeated)
  $ . ./ids.sh && ids 13,52,14,53 small.json | diff - got && wc -l < got
  5

Cells that come back full are cut in four and asked again, down to the
single images: the answer is the same, each image once. The demo dataset
has two sequences in Berlin, by two users:

  $ . ./fake.sh --dataset demo && mly-search --bbox 13.3,52.4,13.5,52.6 --cell-limit 3 -v 2>log | jq -r .image_id > got
  $ . ./ids.sh && ids 13.3,52.4,13.5,52.6 demo.json | diff - <(sort got) && wc -l < got
  40
  $ sort got | uniq -d
  $ tail -n 1 log
  mly-search: 40 images from * cells (* cut in four, * answers repeated) (glob)
  $ grep -c 'answered the full 3 images, cut into quarters' log | awk '$1 > 5 { print "many cuts" }'
  many cuts

A bbox across the antimeridian is two searches (west must not be east of
east); together they give the Fiji sequence, which crosses it:

  $ . ./fake.sh && { mly-search --bbox 179.9,-16.9,180,-16.7; mly-search --bbox -180,-16.9,-179.9,-16.7; } | jq -c '[.image_id, .lon]'
  ["8248570877265667",179.99993127751446]
  ["3889293139235298",179.9999607267862]
  ["1604484750138083",179.99998905231126]
  ["6103665995713053",-179.99997166829004]
  ["8884533718422428",-179.99994074603828]
  $ jq -c '.sequences[] | select(.place | test("Fiji")) | .image_ids' small.json
  ["8248570877265667","3889293139235298","1604484750138083","6103665995713053","8884533718422428"]

Filters: --user, --pano (360 images only), --since and --until (inclusive):

  $ . ./fake.sh && mly-search --bbox 174.7,-41.3,174.8,-41.2 --user kofi --pano | jq -r '[.creator, .camera_type] | join(" ")' | uniq -c
        5 kofi spherical
  $ . ./fake.sh && mly-search --bbox 174.7,-41.3,174.8,-41.2 --user ana | wc -l
  0
  $ . ./fake.sh && mly-search --bbox -122.5,37.7,-122.4,37.8 --pano | wc -l
  0
  $ . ./fake.sh && mly-search --bbox -122.5,37.7,-122.4,37.8 | jq -r .camera_type | uniq -c
        5 fisheye
  $ . ./fake.sh && mly-search --bbox 13.3,52.4,13.5,52.6 --since 2023-06-01T08:17:53.612Z --until 1685607477707 | jq -r .captured_at
  2023-06-01T08:17:53.612Z
  2023-06-01T08:17:55.677Z
  2023-06-01T08:17:57.707Z
  $ . ./fake.sh --dataset demo && mly-search --bbox 13.3,52.4,13.5,52.6 --user mei --pano --since 2023-06-01T00:00:00Z | jq -r '.creator + " " + .camera_type' | uniq -c
       20 mei spherical

The records go on to other API tools: mly-info reads their image_id.

  $ . ./fake.sh && mly-search --bbox 13.3,52.4,13.5,52.6 | mly-info | jq -c '[.image_id, .diagnosis]' | head -n 2
  ["7547447326589879",[]]
  ["3052103378983075",[]]

Nothing inside the bbox is no error:

  $ . ./fake.sh && mly-search --bbox 0,0,0.05,0.05

A bbox in the wrong order, out of range or unreadable is a usage error,
before any request:

  $ mly-search --bbox 13.41,52.51,13.40,52.52
  ! mly-search: --bbox '13.41,52.51,13.40,52.52': west 13.41 is east of east 13.4 (the order is W,S,E,N; a bbox across the antimeridian is two searches)
  ! Try 'mly-search --help' for more information.
  [2]
  $ mly-search --bbox 13.40,52.52,13.41,52.51
  ! mly-search: --bbox '13.40,52.52,13.41,52.51': south 52.52 is north of north 52.51 (the order is W,S,E,N)
  ! Try 'mly-search --help' for more information.
  [2]
  $ mly-search --bbox 52.51,13.40,52.52,91
  ! mly-search: --bbox '52.51,13.40,52.52,91': north 91 is not a latitude in [-90, 90]
  ! Try 'mly-search --help' for more information.
  [2]
  $ mly-search --bbox=-181,0,1,1
  ! mly-search: --bbox '-181,0,1,1': west -181 is not a longitude in [-180, 180]
  ! Try 'mly-search --help' for more information.
  [2]
  $ mly-search --bbox 13.40,52.51,13.41
  ! mly-search: --bbox '13.40,52.51,13.41' is not W,S,E,N (four numbers)
  ! Try 'mly-search --help' for more information.
  [2]
  $ mly-search --bbox 13.40,52.51,east,52.52
  ! mly-search: --bbox '13.40,52.51,east,52.52': 'east' is not a number
  ! Try 'mly-search --help' for more information.
  [2]
  $ mly-search
  ! mly-search: --bbox W,S,E,N is required
  ! Try 'mly-search --help' for more information.
  [2]
  $ mly-search --bbox 1,1,1.1,1.1 --since yesterday
  ! mly-search: --since: 'yesterday' is not a time (RFC 3339 such as 2023-06-01T00:00:00Z, or epoch milliseconds)
  ! Try 'mly-search --help' for more information.
  [2]
  $ mly-search --bbox 1,1,1.1,1.1 --since 2024-01-02T00:00:00Z --until 2024-01-01T00:00:00Z
  ! mly-search: --since is after --until
  ! Try 'mly-search --help' for more information.
  [2]
  $ mly-search --bbox 1,1,1.1,1.1 --cell-limit 0
  ! mly-search: --cell-limit must be between 1 and 2000
  ! Try 'mly-search --help' for more information.
  [2]
  $ mly-search --bbox 1,1,1.1,1.1 13.4
  ! mly-search: unexpected argument '13.4'
  ! Try 'mly-search --help' for more information.
  [2]

A refused token exits 3; a server that cannot be reached exits 4 after the
retries. Nothing is printed on stdout:

  $ . ./fake.sh && sed -i 's/^token = .*/token = wrong/' config.ini && mly-search --bbox 13.3,52.4,13.5,52.6
  ! mly-search: GET http://127.0.0.1:*/graph/images?bbox=13.3,52.5,13.366666666666667,52.6&limit=2000&fields=id,sequence,*: HTTP 401 Unauthorized: Invalid OAuth 2.0 Access Token (code 190); check the access token (*) (glob)
  [3]
  $ printf '[mapillary]\ntoken = x\ngraph_url = http://127.0.0.1:1\nretries = 1\n' > down.ini
  $ MLY_CONFIG=down.ini mly-search --bbox 13.3,52.4,13.5,52.6
  ! mly-search: GET http://127.0.0.1:1/images?bbox=13.3,52.5,13.366666666666667,52.6&limit=2000&fields=id,sequence,*: could not connect (gave up after 2 attempts) (glob)
  [4]

Help and version go to stdout:

  $ mly-search --help | head -n 1
  mly-search: image records inside a bbox of any size
  $ mly-search --version
  mly-search 0.1.0
