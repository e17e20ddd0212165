#require jq curl python3
mly-seqdl against the local Mapillary server (tests/fakeapi). Each case
starts its own server with ./fake.sh (same seed, same dataset: the ids below
are the small dataset's); expected values come from the server's dataset
(GET /__fake/dataset). The Berlin sequence e5gk6rc3wfemdboddox2gw has 5
perspective images, flew7pf5bbow2pps0kr7ex (Buenos Aires) is spherical.

  $ cp "$ROOT/build/fakeapi/mly-fakeapi" fakeapi
  $ cat > fake.sh <<'EOF'
  > # . ./fake.sh [SERVER OPTIONS...]: a server for this case and config.ini for it
  > MLY_FAKEAPI=$PWD/fakeapi . "$ROOT/tests/fakeapi/start" "$@" || return 1
  > printf '%s\n' '[mapillary]' "token = $MLY_FAKE_TOKEN" "graph_url = $MLY_FAKE_URL/graph" \
  >   'retries = 1' 'timeout = 5' > config.ini
  > export MLY_CONFIG=$PWD/config.ini
  > stats() { curl -sf "$MLY_FAKE_URL/__fake/stats"; }
  > EOF
  $ . ./fake.sh && curl -sf "$MLY_FAKE_URL/__fake/dataset" > small.json

A whole sequence: one record per image on stdout, in capture order, a
summary on stderr. The folder and file names are the local time of the
capture in Berlin (+02:00 in June, the zone guessed from the position):

  $ . ./fake.sh && mly-seqdl -o out e5gk6rc3wfemdboddox2gw > out.jsonl
  ! mly-seqdl: 5 images: 5 downloaded, 0 already present, 0 failed
  $ jq -r '[.path, .captured_at, .utc_offset] | @tsv' out.jsonl
  out/20230601_101751_e5gk6rc3/20230601_101751_550.jpg	2023-06-01T08:17:51.550Z	+02:00
  out/20230601_101751_e5gk6rc3/20230601_101753_612.jpg	2023-06-01T08:17:53.612Z	+02:00
  out/20230601_101751_e5gk6rc3/20230601_101755_677.jpg	2023-06-01T08:17:55.677Z	+02:00
  out/20230601_101751_e5gk6rc3/20230601_101757_707.jpg	2023-06-01T08:17:57.707Z	+02:00
  out/20230601_101751_e5gk6rc3/20230601_101759_688.jpg	2023-06-01T08:17:59.688Z	+02:00
  $ find out | sort
  out
  out/20230601_101751_e5gk6rc3
  out/20230601_101751_e5gk6rc3/20230601_101751_550.jpg
  out/20230601_101751_e5gk6rc3/20230601_101753_612.jpg
  out/20230601_101751_e5gk6rc3/20230601_101755_677.jpg
  out/20230601_101751_e5gk6rc3/20230601_101757_707.jpg
  out/20230601_101751_e5gk6rc3/20230601_101759_688.jpg
  out/20230601_101751_e5gk6rc3/metadata.jsonl
  $ head -n 1 out.jsonl
  {"path":"out/20230601_101751_e5gk6rc3/20230601_101751_550.jpg","image_id":"7547447326589879","sequence_id":"e5gk6rc3wfemdboddox2gw","captured_at":"2023-06-01T08:17:51.550Z","utc_offset":"+02:00","lat":52.51614714923726,"lon":13.373731543591456,"alt":35.509,"heading":96.18727697826897,"make":"Garmin","model":"Dash Cam 67W","creator":"demo","width":1920,"height":1080,"orientation":1,"camera_type":"perspective"}

With --geometry auto and --heading auto (the defaults) the computed position
and heading are used when they lie within 20 m and 30 degrees of the
camera's; here they all do. The altitude stays the camera's:

  $ jq -c '.images[] | select(.id == "7547447326589879") | [.computed_geometry.coordinates[1], .computed_geometry.coordinates[0], .altitude, .computed_compass_angle]' small.json
  [52.51614714923726,13.373731543591456,35.509,96.18727697826897]
  $ jq -c 'select(.image_id == "7547447326589879") | [.lat, .lon, .alt, .heading]' out.jsonl
  [52.51614714923726,13.373731543591456,35.509,96.18727697826897]

What was written into the photos, read back with mly-scan: the position,
the capture time with its offset, the camera, the JPEG's own pixel size and
the orientation the API gave:

  $ mly-scan out/20230601_101751_e5gk6rc3/20230601_101751_550.jpg
  {"path":"out/20230601_101751_e5gk6rc3/20230601_101751_550.jpg","captured_at":"2023-06-01T08:17:51.550Z","utc_offset":"+02:00","lat":52.51614714925,"lon":13.373731543583334,"alt":35.509,"heading":96.1873,"make":"Garmin","model":"Dash Cam 67W","width":1920,"height":1080,"orientation":1}
  $ jq -r 'select(.image_id == "7547447326589879") | .mapillary.exif_orientation' out/*/metadata.jsonl
  1

metadata.jsonl holds the same records with every field of the API's answer
under "mapillary", one line per image:

  $ wc -l < out/20230601_101751_e5gk6rc3/metadata.jsonl
  5
  $ jq -c 'del(.mapillary)' out/*/metadata.jsonl | diff - out.jsonl && echo same
  same
  $ jq -S '.mapillary | del(.thumb_256_url, .thumb_1024_url, .thumb_2048_url, .thumb_original_url, .mesh.url, .sfm_cluster.url)' out/*/metadata.jsonl | head -n 60 > got
  $ jq -S '.images[] | select(.sequence == "e5gk6rc3wfemdboddox2gw") | del(.tile, .picture, .mesh.url, .sfm_cluster.url)' small.json | head -n 60 | diff - got && echo same
  same

A second run finds every image complete (by the image id each file carries
in EXIF ImageUniqueID) and downloads nothing; the records come out again:

  $ . ./fake.sh && mly-seqdl -o out e5gk6rc3wfemdboddox2gw | diff - out.jsonl && stats | jq -c '.endpoints'
  {"control":1,"graph.ids":1,"graph.image_ids":1}
  ! mly-seqdl: 5 images: 0 downloaded, 5 already present, 0 failed

Even when the files were renamed: their EXIF says which image they hold.
A missing one is downloaded again, under its own name:

  $ mv out/20230601_101751_e5gk6rc3/20230601_101751_550.jpg out/20230601_101751_e5gk6rc3/first.jpg
  $ rm out/20230601_101751_e5gk6rc3/20230601_101759_688.jpg
  $ . ./fake.sh && mly-seqdl -o out e5gk6rc3wfemdboddox2gw | jq -r .path && stats | jq -c '.downloads'
  out/20230601_101751_e5gk6rc3/first.jpg
  out/20230601_101751_e5gk6rc3/20230601_101753_612.jpg
  out/20230601_101751_e5gk6rc3/20230601_101755_677.jpg
  out/20230601_101751_e5gk6rc3/20230601_101757_707.jpg
  out/20230601_101751_e5gk6rc3/20230601_101759_688.jpg
  {"2220778003263777":1}
  ! mly-seqdl: 5 images: 1 downloaded, 4 already present, 0 failed
  $ ls out/20230601_101751_e5gk6rc3
  20230601_101753_612.jpg
  20230601_101755_677.jpg
  20230601_101757_707.jpg
  20230601_101759_688.jpg
  first.jpg
  metadata.jsonl

--dry-run looks everything up, prints the records (without the pixel size,
unknown before a download) and writes nothing:

  $ . ./fake.sh && mly-seqdl -n -o dry e5gk6rc3wfemdboddox2gw | jq -c '[.path, .width]' && stats | jq -c '.endpoints.img'
  ["dry/20230601_101751_e5gk6rc3/20230601_101751_550.jpg",null]
  ["dry/20230601_101751_e5gk6rc3/20230601_101753_612.jpg",null]
  ["dry/20230601_101751_e5gk6rc3/20230601_101755_677.jpg",null]
  ["dry/20230601_101751_e5gk6rc3/20230601_101757_707.jpg",null]
  ["dry/20230601_101751_e5gk6rc3/20230601_101759_688.jpg",null]
  null
  ! mly-seqdl: 5 images: 5 to download, 0 already present, 0 failed (dry run: nothing written)
  $ ls dry
  ! ls: cannot access 'dry': No such file or directory
  [2]

Chosen images only (-i, with commas or repeated, or --image-file): the
folder is still named after the sequence's first image, so later runs for
the other images land in the same place:

  $ . ./fake.sh && mly-seqdl -o sub -i 9166076376673516,2220778003263777 e5gk6rc3wfemdboddox2gw | jq -r .path
  sub/20230601_101751_e5gk6rc3/20230601_101755_677.jpg
  sub/20230601_101751_e5gk6rc3/20230601_101759_688.jpg
  ! mly-seqdl: 2 images: 2 downloaded, 0 already present, 0 failed
  $ printf '%s\n' '# failed before' 7547447326589879 '' 9166076376673516 > retry.txt
  $ . ./fake.sh && mly-seqdl -o sub --image-file retry.txt e5gk6rc3wfemdboddox2gw | jq -r .path
  sub/20230601_101751_e5gk6rc3/20230601_101751_550.jpg
  sub/20230601_101751_e5gk6rc3/20230601_101755_677.jpg
  ! mly-seqdl: 2 images: 1 downloaded, 1 already present, 0 failed

An image that is not in the sequences given fails, and goes to --failed with
the others that failed, ready for --image-file:

  $ . ./fake.sh && mly-seqdl -o sub --failed failed.txt -i 7547447326589879 -i 1111 e5gk6rc3wfemdboddox2gw > some.jsonl
  ! mly-seqdl: image 1111: not an image of the sequences given
  ! mly-seqdl: 2 images: 0 downloaded, 1 already present, 1 failed
  [1]
  $ jq -r .image_id some.jsonl
  7547447326589879
  $ cat failed.txt
  1111

Without a sequence, -i downloads images by id, each into its sequence's folder:

  $ . ./fake.sh && mly-seqdl -o sub -i 3052103378983075 | jq -r .path
  sub/20230601_101751_e5gk6rc3/20230601_101753_612.jpg
  ! mly-seqdl: 1 image: 1 downloaded, 0 already present, 0 failed

metadata.jsonl keeps the lines of every run, one per image, in capture order:

  $ jq -r '[.image_id, .captured_at] | @tsv' sub/20230601_101751_e5gk6rc3/metadata.jsonl
  7547447326589879	2023-06-01T08:17:51.550Z
  3052103378983075	2023-06-01T08:17:53.612Z
  9166076376673516	2023-06-01T08:17:55.677Z
  2220778003263777	2023-06-01T08:17:59.688Z

The camera's own position and heading with --geometry original and
--heading original; another zone with --tz:

  $ . ./fake.sh && mly-seqdl -o orig --geometry original --heading original --tz +05:30 -i 7547447326589879 e5gk6rc3wfemdboddox2gw | jq -c '[.path, .lat, .lon, .heading, .utc_offset]'
  ["orig/20230601_134751_e5gk6rc3/20230601_134751_550.jpg",52.51613046740157,13.373739356479524,93.74,"+05:30"]
  ! mly-seqdl: 1 image: 1 downloaded, 0 already present, 0 failed
  $ jq -c '.images[] | select(.id == "7547447326589879") | [.geometry.coordinates[1], .geometry.coordinates[0], .compass_angle]' small.json
  [52.51613046740157,13.373739356479524,93.74]

A spherical sequence gets the XMP GPano tags (mly-scan reports them as
camera_type spherical); Buenos Aires is at -03:00. --size picks a thumbnail:

  $ . ./fake.sh && mly-seqdl -q -o pano --size 1024 flew7pf5bbow2pps0kr7ex | jq -r .path | head -n 1
  pano/20230604_081957_flew7pf5/20230604_081957_312.jpg
  $ mly-scan -q pano/20230604_081957_flew7pf5/20230604_081957_312.jpg | jq -c '[.captured_at, .utc_offset, .width, .height, .camera_type]'
  ["2023-06-04T11:19:57.312Z","-03:00",1024,512,"spherical"]

--quality re-encodes the served image (here at 60): other bytes, the same
metadata:

  $ . ./fake.sh && mly-seqdl -q -o q60 --quality 60 --size 1024 -i 5092547923865272 flew7pf5bbow2pps0kr7ex > /dev/null
  $ cmp -s q60/*/20230604_081957_312.jpg pano/*/20230604_081957_312.jpg || echo differ
  differ
  $ mly-scan q60/*/*.jpg | jq -c 'del(.path)' > a && mly-scan pano/*/20230604_081957_312.jpg | jq -c 'del(.path)' | diff - a && echo same metadata
  same metadata

Images of the same millisecond get _1, _2 (the hostile server of
tests/helpers/hostile_api.py has three):

  $ $ROOT/build/helpers/mkphotos pic 1 --kb 8 --no-exif
  $ cat > hostile.sh <<'EOF'
  > rm -f hostile.url
  > python3 "$ROOT/tests/helpers/hostile_api.py" pic/IMG_00001.JPG > hostile.url 2>/dev/null &
  > HOSTILE_PID=$!
  > trap 'kill $HOSTILE_PID' EXIT
  > for i in $(seq 50); do [ -s hostile.url ] && break; sleep 0.1; done
  > printf '%s\n' '[mapillary]' 'token = hostile-token' "graph_url = $(head -n 1 hostile.url)/graph" 'retries = 1' 'timeout = 5' > hostile.ini
  > export MLY_CONFIG=$PWD/hostile.ini
  > EOF
  $ . ./hostile.sh && mly-seqdl -q -o same samems | jq -r '[.image_id, .path] | @tsv'
  9000000000000051	same/20230601_101751_samems/20230601_101751_550.jpg
  9000000000000052	same/20230601_101751_samems/20230601_101751_550_1.jpg
  9000000000000053	same/20230601_101751_samems/20230601_101751_550_2.jpg
  $ . ./hostile.sh && mly-seqdl -o same samems | jq -r .path
  same/20230601_101751_samems/20230601_101751_550.jpg
  same/20230601_101751_samems/20230601_101751_550_1.jpg
  same/20230601_101751_samems/20230601_101751_550_2.jpg
  ! mly-seqdl: 3 images: 0 downloaded, 3 already present, 0 failed

Bad input. A sequence the API does not know, or an empty one, fails with a
message; the other sequences are downloaded; exit status 1:

  $ . ./fake.sh && mly-seqdl -o bad nosuchsequence e5gk6rc3wfemdboddox2gw > bad.jsonl
  ! mly-seqdl: sequence nosuchsequence: no images: the sequence is empty, or unknown to the API
  ! mly-seqdl: 5 images: 5 downloaded, 0 already present, 0 failed; 1 of 2 sequences failed
  [1]
  $ wc -l < bad.jsonl
  5

A sequence id that could name a path is refused before any request:

  $ . ./fake.sh && mly-seqdl -o bad ../../etc a/b
  ! mly-seqdl: sequence ../../etc: '../../etc' is not a sequence id
  ! mly-seqdl: sequence a/b: 'a/b' is not a sequence id
  ! mly-seqdl: 0 images: 0 downloaded, 0 already present, 0 failed; 2 of 2 sequences failed
  [1]
  $ find bad -maxdepth 1 | sort
  bad
  bad/20230601_101751_e5gk6rc3

Malformed JSON from the server, an image host that sends HTML, an image
without a URL, one that is gone (404): each fails with its reason, the rest
is done:

  $ . ./hostile.sh && mly-seqdl -o h badlist badmeta notjpeg nourl gone samems 2>err >/dev/null
  [1]
  $ sed 's/127.0.0.1:[0-9]*/HOST/; s/&fields=[^:]*:/\&fields=...:/' err
  mly-seqdl: sequence badlist: GET http://HOST/graph/image_ids?sequence_id=badlist: malformed JSON in the answer (Invalid value. at byte 30)
  mly-seqdl: sequence badmeta: GET http://HOST/graph/?ids=9000000000000011,9000000000000012&fields=...: malformed JSON in the answer (Missing a closing quotation mark in string. at byte 53) (2 images not downloaded)
  mly-seqdl: image 9000000000000021: GET http://HOST/img/9000000000000021.jpg?size=original: not a complete JPEG (43 bytes), three times
  mly-seqdl: image 9000000000000031: the API gives no thumb_original_url for this image
  mly-seqdl: image 9000000000000041: GET http://HOST/img/9000000000000041.jpg?size=original: HTTP 404 Not Found: gone
  mly-seqdl: 8 images: 3 downloaded, 0 already present, 5 failed; 1 of 6 sequences failed

A token the API refuses: exit status 3, nothing downloaded:

  $ . ./fake.sh && sed -i 's/^token = .*/token = not-the-token/' config.ini && mly-seqdl -o tok e5gk6rc3wfemdboddox2gw
  ! mly-seqdl: GET http://127.0.0.1:*/graph/image_ids?sequence_id=e5gk6rc3wfemdboddox2gw: HTTP 401 Unauthorized: Invalid OAuth 2.0 Access Token (code 190); check the access token * (glob)
  [3]
  $ ls tok
  ! ls: cannot access 'tok': No such file or directory
  [2]

No server: exit status 4 after the retries the configuration allows:

  $ printf '%s\n' '[mapillary]' 'token = abcdefgh' 'graph_url = http://127.0.0.1:9/graph' 'retries = 1' 'timeout = 2' > down.ini
  $ MLY_CONFIG=down.ini mly-seqdl -o down e5gk6rc3wfemdboddox2gw
  ! mly-seqdl: GET http://127.0.0.1:9/graph/image_ids?sequence_id=e5gk6rc3wfemdboddox2gw: could not connect (gave up after 2 attempts)
  [4]

Usage errors exit 2 and do nothing:

  $ mly-seqdl
  ! mly-seqdl: give the sequence ids to download (or image ids with -i or --image-file)
  ! Try 'mly-seqdl --help' for more information.
  [2]
  $ mly-seqdl --size 512 e5gk6rc3wfemdboddox2gw
  ! mly-seqdl: --size: '512' is not original, 2048, 1024 or 256
  ! Try 'mly-seqdl --help' for more information.
  [2]
  $ mly-seqdl --geometry best e5gk6rc3wfemdboddox2gw
  ! mly-seqdl: --geometry: 'best' is not original, computed or auto
  ! Try 'mly-seqdl --help' for more information.
  [2]
  $ mly-seqdl --quality 0 e5gk6rc3wfemdboddox2gw
  ! mly-seqdl: --quality: 0 is not between 1 and 100
  ! Try 'mly-seqdl --help' for more information.
  [2]
  $ mly-seqdl -j 0 e5gk6rc3wfemdboddox2gw
  ! mly-seqdl: -j: the number of parallel downloads must be between 1 and 256
  ! Try 'mly-seqdl --help' for more information.
  [2]
  $ mly-seqdl --tz Mars/Olympus e5gk6rc3wfemdboddox2gw
  ! mly-seqdl: --tz: unknown time zone 'Mars/Olympus'
  ! Try 'mly-seqdl --help' for more information.
  [2]
  $ mly-seqdl --image-file nosuchfile e5gk6rc3wfemdboddox2gw
  ! mly-seqdl: --image-file nosuchfile: No such file or directory
  ! Try 'mly-seqdl --help' for more information.
  [2]

Help and version go to stdout:

  $ mly-seqdl --help | head -n 2
  mly-seqdl: download the images of sequences, with EXIF and XMP
  Usage:
  $ mly-seqdl --version
  mly-seqdl 0.1.0
