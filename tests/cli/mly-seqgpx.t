#require jq curl xmllint
mly-seqgpx against the local Mapillary server (tests/fakeapi). Each case
starts its own server with ./fake.sh; expected values come from the server's
dataset (GET /__fake/dataset), read with jq.

  $ cp "$ROOT/build/fakeapi/mly-fakeapi" fakeapi
  $ cp "$ROOT/tests/cli/fake.sh" .
  $ . ./fake.sh && curl -sf "$MLY_FAKE_URL/__fake/dataset" > small.json
  $ . ./fake.sh --dataset demo && curl -sf "$MLY_FAKE_URL/__fake/dataset" > demo.json

pts FILE: the track points of a GPX file as "lat lon time name", one a line;
want SEQUENCE [computed] DATASET: the same worked out from the dataset, the
positions rounded to 9 decimals as GPX writers do.

  $ cat > pts.sh <<'EOF'
  > pts() {
  >   xmllint --xpath '//*[local-name()="trkpt"]/@lat | //*[local-name()="trkpt"]/@lon | //*[local-name()="trkpt"]/*[local-name()="time" or local-name()="name"]/text()' "$1" \
  >     | sed -E 's/^ *(lat|lon)="([^"]*)"/\2/' | paste -d ' ' - - - -
  > }
  > want() {
  >   jq -r --arg s "$1" --arg which "${2:-original}" '.images[] | select(.sequence == $s)
  >     | (if $which == "computed" and has("computed_geometry") then .computed_geometry else .geometry end).coordinates as [$x, $y]
  >     | (.captured_at % 1000 | tostring | "00" + . | .[-3:]) as $ms
  >     | "\($y) \($x) \(.captured_at / 1000 | floor | todate | rtrimstr("Z")).\($ms)Z \(.id)"' "${3:-small.json}" \
  >   | awk '{ printf "%.9f %.9f %s %s\n", $1, $2, $3, $4 }'
  > }
  > EOF

One sequence on stdout: a GPX 1.1 track named after it, a point per image in
capture order, with elevation, time, heading and the image id:

  $ . ./fake.sh && mly-seqgpx e5gk6rc3wfemdboddox2gw | tee berlin.gpx | head -n 21
  <?xml version="1.0" encoding="UTF-8"?>
  <gpx version="1.1" creator="mly-seqgpx 0.1.0"
    xmlns="http://www.topografix.com/GPX/1/1"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:mly="https://github.com/mly/gpx"
    xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">
    <metadata>
      <name>e5gk6rc3wfemdboddox2gw</name>
      <bounds minlat="52.516129062" minlon="13.373739356" maxlat="52.516141244" maxlon="13.374157138"/>
    </metadata>
    <trk>
      <name>e5gk6rc3wfemdboddox2gw</name>
      <trkseg>
        <trkpt lat="52.516130467" lon="13.373739356">
          <ele>35.509</ele>
          <time>2023-06-01T08:17:51.550Z</time>
          <name>7547447326589879</name>
          <extensions>
            <mly:heading>93.740</mly:heading>
          </extensions>
        </trkpt>
  $ xmllint --noout berlin.gpx && . ./pts.sh && pts berlin.gpx
  52.516130467 13.373739356 2023-06-01T08:17:51.550Z 7547447326589879
  52.516130346 13.373840094 2023-06-01T08:17:53.612Z 3052103378983075
  52.516129062 13.373928559 2023-06-01T08:17:55.677Z 9166076376673516
  52.516131383 13.374028958 2023-06-01T08:17:57.707Z 7742360045264245
  52.516141244 13.374157138 2023-06-01T08:17:59.688Z 2220778003263777
  $ . ./pts.sh && want e5gk6rc3wfemdboddox2gw | diff - <(pts berlin.gpx) && echo same
  same

--geometry computed uses Mapillary's positions (and falls back to the
original ones for a sequence not processed, such as the one across the
antimeridian in Fiji):

  $ . ./fake.sh && mly-seqgpx --geometry computed e5gk6rc3wfemdboddox2gw > computed.gpx
  $ . ./pts.sh && want e5gk6rc3wfemdboddox2gw computed | diff - <(pts computed.gpx) && echo same
  same
  $ . ./pts.sh && diff <(pts berlin.gpx) <(pts computed.gpx) > /dev/null || echo differs
  differs
  $ . ./fake.sh && mly-seqgpx --geometry computed 251uqidqes5b86ozmh5diw > fiji.gpx
  $ . ./pts.sh && want 251uqidqes5b86ozmh5diw | diff - <(pts fiji.gpx) && pts fiji.gpx | cut -d ' ' -f 2
  179.999931278
  179.999960727
  179.999989052
  -179.999971668
  -179.999940746

Several sequences: a track each, in the order named, each once. mly-findseq's
list can be piped in ('#' lines are comments), and so can records with a
sequence_id (mly-search's):

  $ . ./fake.sh && mly-findseq demo | mly-seqgpx > demo.gpx
  $ xmllint --xpath '//*[local-name()="trk"]/*[local-name()="name"]/text()' demo.gpx
  8h8xxbllwzzppw3t4efsmb
  e5gk6rc3wfemdboddox2gw
  $ . ./pts.sh && cat <(want 8h8xxbllwzzppw3t4efsmb) <(want e5gk6rc3wfemdboddox2gw) | diff - <(pts demo.gpx) && echo same
  same
  $ . ./fake.sh && mly-search --bbox 13.3,52.4,13.5,52.6 | mly-seqgpx | grep -c '<trk>'
  1

--bbox: every sequence with an image inside the area, whole. The demo
dataset has two in Berlin:

  $ . ./fake.sh --dataset demo && mly-seqgpx --bbox 13.3,52.4,13.5,52.6 > two.gpx
  $ xmllint --xpath 'count(//*[local-name()="trk"])' two.gpx
  2
  $ . ./pts.sh && for s in $(jq -r '.sequences[] | select(.place | test("Berlin")) | .id' demo.json); do want $s original demo.json; done | sort > want2
  $ . ./pts.sh && pts two.gpx | sort | diff want2 - && wc -l < want2
  40

-o DIR: one file per sequence, DIR/<sequence id>.gpx, each written
atomically:

  $ . ./fake.sh && mly-seqgpx -o traces e5gk6rc3wfemdboddox2gw io9mymqijlzb2a4ioarhmt && ls -A traces
  e5gk6rc3wfemdboddox2gw.gpx
  io9mymqijlzb2a4ioarhmt.gpx
  $ . ./pts.sh && want io9mymqijlzb2a4ioarhmt | diff - <(pts traces/io9mymqijlzb2a4ioarhmt.gpx) && echo same
  same
  $ xmllint --xpath 'string(//*[local-name()="metadata"]/*[local-name()="name"])' traces/io9mymqijlzb2a4ioarhmt.gpx
  io9mymqijlzb2a4ioarhmt

An unknown sequence is reported and counted (exit 1); the others are still
written:

  $ . ./fake.sh && mly-seqgpx nosuchsequence e5gk6rc3wfemdboddox2gw 'bad/id' | grep -c '<trkpt'
  5
  ! mly-seqgpx: nosuchsequence: no images: unknown sequence, or not public
  ! mly-seqgpx: bad/id: 'bad/id' is not a sequence id
  $ . ./fake.sh && mly-seqgpx nosuchsequence > /dev/null 2>&1
  [1]
  $ printf '%s\n' '{"sequence_id":5}' '{"image_id":"1"}' '{"sequence_id":' | mly-seqgpx --config config.ini > none.gpx
  ! mly-seqgpx: <stdin>:1: field "sequence_id" must be a string
  ! mly-seqgpx: <stdin>:2: record has no "sequence_id"
  ! mly-seqgpx: <stdin>:3: malformed JSON: * (glob)
  [1]
  $ xmllint --xpath 'count(//*[local-name()="trk"])' none.gpx
  0

Usage errors exit 2:

  $ mly-seqgpx --geometry auto SEQ
  ! mly-seqgpx: --geometry: 'auto' is not original or computed
  ! Try 'mly-seqgpx --help' for more information.
  [2]
  $ mly-seqgpx --bbox 2,1,1,2
  ! mly-seqgpx: --bbox '2,1,1,2': west 2 is east of east 1 (the order is W,S,E,N; a bbox across the antimeridian is two searches)
  ! Try 'mly-seqgpx --help' for more information.
  [2]

A refused token exits 3; a server out of reach exits 4:

  $ . ./fake.sh && sed -i 's/^token = .*/token = wrong/' config.ini && mly-seqgpx e5gk6rc3wfemdboddox2gw
  ! mly-seqgpx: GET http://127.0.0.1:*/graph/image_ids?sequence_id=e5gk6rc3wfemdboddox2gw: HTTP 401 Unauthorized: Invalid OAuth 2.0 Access Token (code 190); check the access token (*) (glob)
  [3]
  $ printf '[mapillary]\ntoken = x\ngraph_url = http://127.0.0.1:1\nretries = 1\n' > down.ini
  $ mly-seqgpx --config down.ini e5gk6rc3wfemdboddox2gw
  ! mly-seqgpx: GET http://127.0.0.1:1/image_ids?sequence_id=e5gk6rc3wfemdboddox2gw: could not connect (gave up after 2 attempts)
  [4]

Help and version go to stdout:

  $ mly-seqgpx --help | head -n 1
  mly-seqgpx: GPS traces of sequences as GPX
  $ mly-seqgpx --version
  mly-seqgpx 0.1.0
