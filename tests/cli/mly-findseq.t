#require jq curl python3
mly-findseq against the local Mapillary server (tests/fakeapi). Each case
starts its own server with ./fake.sh (it stops when the case ends) and points
the tools at it through MLY_CONFIG; retries are kept short.

  $ cp "$ROOT/build/fakeapi/mly-fakeapi" fakeapi
  $ cp "$ROOT/tests/cli/fake.sh" .
  $ . ./fake.sh && curl -sf "$MLY_FAKE_URL/__fake/dataset" > small.json
  $ . ./fake.sh --dataset demo && curl -sf "$MLY_FAKE_URL/__fake/dataset" > demo.json

The expected lists, worked out from the server's dataset with jq: a user's
sequences, each with the day (UTC) of its first image, newest first.

  $ cat > expect.jq <<'EOF'
  > .sequences as $s | [.images[] | select(.creator.username == $user)]
  > | group_by(.sequence)
  > | map({id: .[0].sequence, first: (map(.captured_at) | min), last: (map(.captured_at) | max), n: length,
  >        type: (.[0].sequence as $q | $s[] | select(.id == $q) | .camera_type)})
  > | sort_by(-.first)
  > | .[] | select($kind == "all" or ($kind == "360") == (.type == "spherical"))
  > | "\(.first / 1000 | strftime("%Y%m%d")) \(.id)"
  > EOF
  $ jq -r --arg user demo --arg kind all -f expect.jq small.json
  20230601 8h8xxbllwzzppw3t4efsmb
  20230601 e5gk6rc3wfemdboddox2gw

The list: a '#' header, then a block of sequence ids per capture day, the
newest day first and the newest sequence first within it:

  $ . ./fake.sh && mly-findseq demo
  # Sequences of Mapillary user demo
  # Made by mly-findseq 0.1.0 at *; filter all; 1 page read (glob)
  # 2 sequences, 10 images; grouped by capture day (UTC), newest first
  
  # 20230601
  8h8xxbllwzzppw3t4efsmb
  e5gk6rc3wfemdboddox2gw

The same, checked against the dataset for every user of the demo dataset
(several days each):

  $ . ./fake.sh --dataset demo
  > for u in demo ana kofi mei; do
  >   diff <(mly-findseq "$u" | awk '/^# [0-9]+$/ { d = $2; next } /^[^#]/ && NF { print d, $0 }') \
  >        <(jq -r --arg user "$u" --arg kind all -f expect.jq demo.json) && echo "$u ok"
  > done
  demo ok
  ana ok
  kofi ok
  mei ok
  $ . ./fake.sh --dataset demo && mly-findseq mei | grep '^# [0-9]*$'
  # 20230615
  # 20230610

-f 360 keeps spherical sequences, -f regular the others (fisheye included):

  $ . ./fake.sh
  > mly-findseq kofi -f 360 | grep -v '^#'
  > jq -r --arg user kofi --arg kind 360 -f expect.jq small.json
  
  io9mymqijlzb2a4ioarhmt
  20230607 io9mymqijlzb2a4ioarhmt
  $ . ./fake.sh && mly-findseq kofi -f regular | grep -v '^#'
  
  sradix1z8sz9k1uk7dsudj
  $ . ./fake.sh && mly-findseq demo -f 360
  # Sequences of Mapillary user demo
  # Made by mly-findseq 0.1.0 at *; filter 360; 1 page read (glob)
  # 0 sequences, 0 images; grouped by capture day (UTC), newest first
  ! mly-findseq: none of the 2 sequences of demo is 360

--json: one record a sequence, in the same order; the counts and times
agree with the dataset:

  $ . ./fake.sh && mly-findseq ana --json
  {"sequence_id":"flew7pf5bbow2pps0kr7ex","day":"2023-06-04","image_count":5,"camera_type":"spherical","first_captured_at":"2023-06-04T11:19:57.312Z","last_captured_at":"2023-06-04T11:20:06.127Z","creator":"ana"}
  {"sequence_id":"251uqidqes5b86ozmh5diw","day":"2023-06-04","image_count":5,"camera_type":"perspective","first_captured_at":"2023-06-04T02:45:24.685Z","last_captured_at":"2023-06-04T02:45:36.013Z","creator":"ana"}
  $ . ./fake.sh && mly-findseq ana --json | jq -c '[.sequence_id, .image_count, (.first_captured_at | sub("\\.\\d+Z$"; "Z") | fromdate)]'
  > jq -c '.images as $i | .sequences[] | select(.creator_username == "ana") | .id as $q
  >   | [$q, (.image_ids | length), ([$i[] | select(.sequence == $q) | .captured_at] | min / 1000 | floor)]' small.json
  ["flew7pf5bbow2pps0kr7ex",5,1685877597]
  ["251uqidqes5b86ozmh5diw",5,1685846724]
  ["flew7pf5bbow2pps0kr7ex",5,1685877597]
  ["251uqidqes5b86ozmh5diw",5,1685846724]

--tz picks the zone of the days: at -10:00 demo's morning in Berlin
(08:17Z) is the evening before, while the afternoon at the Dead Sea (11:35Z)
stays on the same day:

  $ . ./fake.sh && mly-findseq demo --tz -10:00 | sed 1,2d
  # 2 sequences, 10 images; grouped by capture day (-10:00), newest first
  
  # 20230601
  8h8xxbllwzzppw3t4efsmb
  
  # 20230531
  e5gk6rc3wfemdboddox2gw
  $ . ./fake.sh && mly-findseq demo --tz -10:00 --json | jq -r '.sequence_id + " " + .day'
  8h8xxbllwzzppw3t4efsmb 2023-06-01
  e5gk6rc3wfemdboddox2gw 2023-05-31

Paging: the search is read a page at a time (paging.next); small pages give
the same list. -p stops early, says so in the header and on stderr:

  $ . ./fake.sh && mly-findseq demo --page-size 3 | sed -n 2p
  # Made by mly-findseq 0.1.0 at *; filter all; 4 pages read (glob)
  $ . ./fake.sh && diff <(mly-findseq demo | sed 2d) <(mly-findseq demo --page-size 3 | sed 2d) && echo same
  same
  $ . ./fake.sh && mly-findseq demo --page-size 4 -p 1 --json | jq -c '[.sequence_id, .image_count]'
  ["e5gk6rc3wfemdboddox2gw",4]
  ! mly-findseq: stopped after 1 page (-p): demo may have more sequences
  $ . ./fake.sh && mly-findseq demo --page-size 4 -p 1 -q | sed -n 2p
  # Made by mly-findseq 0.1.0 at *; filter all; 1 page read (stopped by -p: there may be more) (glob)

-o writes the file atomically (nothing on stdout, no temporary left); the
list is what mly-batchdl reads, '#' lines being comments:

  $ . ./fake.sh && mly-findseq demo -o seqs.txt && ls -A | grep seqs
  seqs.txt
  $ grep -v '^#' seqs.txt | grep .
  8h8xxbllwzzppw3t4efsmb
  e5gk6rc3wfemdboddox2gw
  $ . ./fake.sh && mly-findseq demo -o no/such/dir/seqs.txt
  ! mly-findseq: no/such/dir/seqs.txt: * (glob)
  [1]

A user with no images (or none the API shows) is an error, with the empty
list still written:

  $ . ./fake.sh && mly-findseq nosuchuser | tail -n 1
  # 0 sequences, 0 images; grouped by capture day (UTC), newest first
  ! mly-findseq: nosuchuser: no public images found (unknown user, or none uploaded)

  $ . ./fake.sh && mly-findseq nosuchuser > /dev/null 2>&1
  [1]

Usage errors exit 2 before anything is asked:

  $ mly-findseq
  ! mly-findseq: give one USER, a Mapillary username
  ! Try 'mly-findseq --help' for more information.
  [2]
  $ mly-findseq demo ana
  ! mly-findseq: give one USER, a Mapillary username
  ! Try 'mly-findseq --help' for more information.
  [2]
  $ mly-findseq demo -f pano
  ! mly-findseq: -f: 'pano' is not all, 360 or regular
  ! Try 'mly-findseq --help' for more information.
  [2]
  $ mly-findseq demo --page-size 5000
  ! mly-findseq: --page-size must be between 1 and 2000
  ! Try 'mly-findseq --help' for more information.
  [2]
  $ mly-findseq demo --tz Mars/Olympus
  ! mly-findseq: --tz: unknown time zone 'Mars/Olympus'
  ! Try 'mly-findseq --help' for more information.
  [2]
  $ printf 'graph_url = http://127.0.0.1:1\nretires = 1\n' > typo.ini && mly-findseq --config typo.ini demo
  ! mly-findseq: typo.ini:2: unknown key 'retires' (did you mean 'retries'?)
  [2]

A token the server refuses: exit 3, the token never shown:

  $ . ./fake.sh && sed -i 's/^token = .*/token = not-the-right-one/' config.ini && mly-findseq demo
  ! mly-findseq: GET http://127.0.0.1:*/graph/images?creator_username=demo&limit=2000&fields=id,sequence,captured_at,camera_type,is_pano,creator: HTTP 401 Unauthorized: Invalid OAuth 2.0 Access Token (code 190); check the access token (*) (glob)
  [3]
  $ printf '[mapillary]\ngraph_url = http://127.0.0.1:1\n' > notoken.ini && mly-findseq --config notoken.ini demo
  ! mly-findseq: no access token: set MAPILLARY_ACCESS_TOKEN, or token = ... in notoken.ini (config.example.ini documents the keys)
  [3]

A server that does not answer (nothing listens on port 1), or answers 500
to everything: exit 4 after the retries:

  $ printf '[mapillary]\ntoken = x\ngraph_url = http://127.0.0.1:1\nretries = 1\n' > down.ini
  $ mly-findseq --config down.ini demo
  ! mly-findseq: GET http://127.0.0.1:1/images?creator_username=demo&limit=2000&fields=id,sequence,captured_at,camera_type,is_pano,creator: could not connect (gave up after 2 attempts)
  [4]
  $ . ./fake.sh --fail-5xx 1 && mly-findseq demo
  ! mly-findseq: GET http://127.0.0.1:*/graph/images?creator_username=demo&limit=2000&fields=id,sequence,captured_at,camera_type,is_pano,creator: HTTP 500 Internal Server Error: An unknown error has occurred. (code 1) (gave up after 2 attempts) (glob)
  [4]

A server that answers with something that is not JSON: exit 1, saying which
request:

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
  $ rm -f port; python3 junk.py '{"data": [{"id": "1", "seq' > port 2>/dev/null & pid=$!
  > while [ ! -s port ]; do sleep 0.05; done
  > printf '[mapillary]\ntoken = x\ngraph_url = http://127.0.0.1:%s\nretries = 0\n' "$(cat port)" > junk.ini
  > mly-findseq --config junk.ini demo; echo "exit $?"; kill $pid
  ! mly-findseq: GET http://127.0.0.1:*/images?creator_username=demo&limit=2000&fields=id,sequence,captured_at,camera_type,is_pano,creator: malformed JSON in the answer (Missing a closing quotation mark in string. at byte 26) (glob)
  exit 1

Help and version go to stdout:

  $ mly-findseq --help | head -n 1
  mly-findseq: list a user's sequences, grouped by capture day
  $ mly-findseq --version
  mly-findseq 0.1.0
