#require jq curl python3
mly-info against the local Mapillary server (tests/fakeapi). Each case starts
its own server with ./fake.sh; expected values come from the server's
dataset (GET /__fake/dataset), read with jq.

  $ cp "$ROOT/build/fakeapi/mly-fakeapi" fakeapi
  $ cp "$ROOT/tests/cli/fake.sh" .
  $ . ./fake.sh && curl -sf "$MLY_FAKE_URL/__fake/dataset" > small.json
  $ . ./fake.sh --dataset demo && curl -sf "$MLY_FAKE_URL/__fake/dataset" > demo.json

One image: the design's fields, the raw API object under "mapillary", and
the diagnosis (empty: nothing stands in the way of a download):

  $ . ./fake.sh && mly-info 7547447326589879 > one.jsonl
  $ jq -c 'del(.mapillary)' one.jsonl
  {"image_id":"7547447326589879","sequence_id":"e5gk6rc3wfemdboddox2gw","captured_at":"2023-06-01T08:17:51.550Z","lat":52.51613046740157,"lon":13.373739356479524,"alt":35.509,"heading":93.74,"make":"Garmin","model":"Dash Cam 67W","creator":"demo","width":1920,"height":1080,"orientation":1,"camera_type":"perspective","diagnosis":[]}

Every field the API has for an image, as the dataset holds it (the signed
thumbnail URLs are made per request, and the mesh and cluster URLs name the
server's port, so they are compared apart):

  $ jq -S '.mapillary | del(.thumb_256_url, .thumb_1024_url, .thumb_2048_url, .thumb_original_url, .mesh.url, .sfm_cluster.url)' one.jsonl > got
  $ jq -S '.images[] | select(.id == "7547447326589879") | del(.tile, .picture, .mesh.url, .sfm_cluster.url)' small.json | diff - got && echo same
  same
  $ jq -r '.mapillary | [.thumb_256_url, .thumb_1024_url, .thumb_2048_url, .thumb_original_url, .mesh.url][]' one.jsonl
  http://127.0.0.1:*/img/7547447326589879/256.jpg?_nc=*&oe=*&sig=* (glob)
  http://127.0.0.1:*/img/7547447326589879/1024.jpg?_nc=*&oe=*&sig=* (glob)
  http://127.0.0.1:*/img/7547447326589879/2048.jpg?_nc=*&oe=*&sig=* (glob)
  http://127.0.0.1:*/img/7547447326589879/original.jpg?_nc=*&oe=*&sig=* (glob)
  http://127.0.0.1:*/img/mesh/984233543679381 (glob)

-v adds a summary for people on stderr. The sequence in Fiji has not been
processed: no computed position.

  $ . ./fake.sh && mly-info -v 7547447326589879 8248570877265667 > /dev/null
  ! mly-info: image 7547447326589879 of sequence e5gk6rc3wfemdboddox2gw by demo
  ! mly-info:   captured 2023-06-01T08:17:51.550Z
  ! mly-info:   at 52.5161305, 13.3737394, 35.5 m, heading 93.7; computed 1.9 m away, heading 96.2
  ! mly-info:   camera perspective, Garmin Dash Cam 67W, 1920x1080, orientation 1
  ! mly-info:   thumbnails: original (until *), 2048 (until *), 1024 (until *), 256 (until *) (glob)
  ! mly-info:   downloadable: no problems found
  ! mly-info: image 8248570877265667 of sequence 251uqidqes5b86ozmh5diw by ana
  ! mly-info:   captured 2023-06-04T02:45:24.685Z
  ! mly-info:   at -16.8167000, 179.9999313, *; not processed (no computed position) (glob)
  ! mly-info:   camera perspective, * (glob)
  ! mly-info:   thumbnails: original (until *), 2048 (until *), 1024 (until *), 256 (until *) (glob)
  ! mly-info:   downloadable: no problems found
  $ jq -r '.images[] | select(.id == "8248570877265667") | has("computed_geometry")' small.json
  false

Thumbnail URLs expire: a server that hands out URLs valid for 0 seconds
makes every one of them a problem:

  $ . ./fake.sh --expire-urls 0 && mly-info 7547447326589879 | jq -r '.diagnosis[] | .code + ": " + .message'
  expired_url: thumb_original_url expired at *: ask the API again for a fresh one (glob)
  expired_url: thumb_2048_url expired at *: ask the API again for a fresh one (glob)
  expired_url: thumb_1024_url expired at *: ask the API again for a fresh one (glob)
  expired_url: thumb_256_url expired at *: ask the API again for a fresh one (glob)

Ids on stdin: bare ids, records with image_id (their other fields pass
through, in place), comments and blank lines. An unknown id gets a record
with its diagnosis, an error message, and exit status 1; so do bad lines,
while the rest is done:

  $ . ./fake.sh && printf '%s\n' '# from a list' 5092547923865272 '' \
  >   '{"note":"kept","image_id":"1796189599421479","lat":0}' 123456789 '../../etc' \
  >   '{"image_id":' '{"path":"x.jpg"}' '{"image_id":42}' 5092547923865272 \
  >   | mly-info | jq -c '[.note, .image_id, .lat, .sequence_id, [.diagnosis[].code]]'
  [null,"5092547923865272",-34.604243367059645,"flew7pf5bbow2pps0kr7ex",[]]
  ["kept","1796189599421479",-41.28588088515038,"io9mymqijlzb2a4ioarhmt",[]]
  [null,"123456789",null,null,["unknown_id"]]
  [null,"../../etc",null,null,["unknown_id"]]
  [null,"5092547923865272",-34.604243367059645,"flew7pf5bbow2pps0kr7ex",[]]
  ! mly-info: <stdin>:7: malformed JSON: * (glob)
  ! mly-info: <stdin>:8: record has no "image_id"
  ! mly-info: <stdin>:9: field "image_id" must be a string
  ! mly-info: 123456789: unknown image id, or not public
  ! mly-info: ../../etc: unknown image id, or not public
  $ . ./fake.sh && mly-info 123456789 > /dev/null 2>&1
  [1]
  $ jq -r '.images[] | select(.id == "5092547923865272" or .id == "1796189599421479") | [.geometry.coordinates[1], .sequence] | @tsv' small.json
  -34.604243367059645	flew7pf5bbow2pps0kr7ex
  -41.28588088515038	io9mymqijlzb2a4ioarhmt

More ids than one request holds (50): every one answered, in the order
asked, here the reverse of the dataset's:

  $ . ./fake.sh --dataset demo && jq -r '.images[].id' demo.json | head -n 120 | tac > ids
  $ . ./fake.sh --dataset demo && mly-info < ids | jq -r .image_id | diff - ids && wc -l < ids
  120

A refused token exits 3 and a server out of reach exits 4, after the
retries:

  $ . ./fake.sh && sed -i 's/^token = .*/token = wrong/' config.ini && mly-info 7547447326589879
  ! mly-info: GET http://127.0.0.1:*/graph/?ids=7547447326589879&fields=*: HTTP 401 Unauthorized: Invalid OAuth 2.0 Access Token (code 190); check the access token (*) (glob)
  [3]
  $ printf '[mapillary]\ntoken = x\ngraph_url = http://127.0.0.1:1\nretries = 1\n' > down.ini
  $ mly-info --config down.ini 7547447326589879
  ! mly-info: GET http://127.0.0.1:1/?ids=7547447326589879&fields=*: could not connect (gave up after 2 attempts) (glob)
  [4]
  $ . ./fake.sh --drop 1 && mly-info 7547447326589879
  ! mly-info: GET http://127.0.0.1:*/graph/?ids=7547447326589879&fields=*: the connection dropped or timed out while reading the answer (gave up after 2 attempts) (glob)
  [4]

An answer that is not JSON fails the ids of that request, with the URL, and
the tool goes on:

  $ cat > junk.py <<'EOF'
  > # python3 junk.py BODY: answers every GET with 200 and BODY; prints its port
  > import http.server, sys
  > body = sys.argv[1].encode()
  > class H(http.server.BaseHTTPRequestHandler):
  >     def do_GET(self):
  >         self.send_response(200)
  >         self.send_header("Content-Type", "application/json")
  >         self.send_header("Content-Length", str(len(body)))
  >         self.end_headers()
  >         self.wfile.write(body)
  >     def log_message(self, *args):
  >         pass
  > server = http.server.HTTPServer(("127.0.0.1", 0), H)
  > print(server.server_address[1], flush=True)
  > server.serve_forever()
  > EOF
  $ rm -f port; python3 junk.py '<html>Service temporarily down</html>' > port 2>/dev/null & pid=$!
  > while [ ! -s port ]; do sleep 0.05; done
  > printf '[mapillary]\ntoken = x\ngraph_url = http://127.0.0.1:%s\nretries = 0\n' "$(cat port)" > junk.ini
  > mly-info --config junk.ini 7547447326589879 3052103378983075; echo "exit $?"; kill $pid
  ! mly-info: 7547447326589879: GET http://127.0.0.1:*/?ids=7547447326589879,3052103378983075&fields=*: malformed JSON in the answer (Invalid value. at byte 0) (glob)
  ! mly-info: 3052103378983075: GET http://127.0.0.1:*/?ids=7547447326589879,3052103378983075&fields=*: malformed JSON in the answer (Invalid value. at byte 0) (glob)
  exit 1
  $ rm -f port; python3 junk.py '{"7547447326589879": {"id": 7}}' > port 2>/dev/null & pid=$!
  > while [ ! -s port ]; do sleep 0.05; done
  > printf '[mapillary]\ntoken = x\ngraph_url = http://127.0.0.1:%s\nretries = 0\n' "$(cat port)" > junk.ini
  > mly-info --config junk.ini 7547447326589879 | jq -c .diagnosis[].code; kill $pid
  "unknown_id"
  ! mly-info: 7547447326589879: unknown image id, or not public

Usage errors exit 2:

  $ mly-info --size 5
  ! mly-info: Option 'size' does not exist
  ! Try 'mly-info --help' for more information.
  [2]
  $ mly-info --config missing.ini 1
  ! mly-info: config file 'missing.ini' (given by --config) does not exist
  [2]

Help and version go to stdout:

  $ mly-info --help | head -n 1
  mly-info: every field of images, with a diagnosis
  $ mly-info --version
  mly-info 0.1.0
