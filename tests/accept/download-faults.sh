#!/usr/bin/env bash
# download-faults.sh: a 1,000-image sequence downloaded from a server that
# fails on purpose, and killed with SIGKILL at random moments.
#
# The local server injects 10 % HTTP 5xx, 5 % dropped connections, 5 %
# truncated bodies, a burst of 429s at the start, image URLs that expire
# after a second and 2 % handed out already expired (so fresh ones must be
# asked for; the expiry alone depends on timing and can miss every URL). mly-seqdl is started
# KILLS times (default 3) and killed -9 after a random delay; after each
# kill every file in the output is a complete JPEG (no partial or 0-byte
# file), and the images complete at that moment are noted with the server's
# per-image download counts. A last run must finish with exit 0, and then:
#   - the folder holds exactly the 1,000 images, each once (by the
#     ImageUniqueID each carries), complete, with the served picture's scan
#     data (compared with a clean server's) and its own COM segment;
#   - no temporary file is left, metadata.jsonl has 1,000 distinct lines;
#   - no image complete at a kill was downloaded again afterwards;
#   - every kind of fault did happen.
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/download.bash"
need_commands python3 jq curl
need_build
dl_setup faults

KILLS=${KILLS:-3} N=1000 SEED=11
EXTRA_CONFIG=$'retries = 12\ntimeout = 10'
fake_start --seed $SEED --users 1 --sequences 1 --images $N --fail-5xx 0.1 --drop 0.05 --truncate 0.05 \
  --burst-429 5 --expire-urls 1 --stale-urls 0.02 || { fail "the faulty server does not start"; finish; }
fake_dataset >dataset.json
SEQ=$(jq -r '.sequences[0].id' dataset.json)
jq -r '.images[].id' dataset.json | sort >all-ids.txt

# inventory FILE: "ID PATH" of every complete photo; FAIL lines for others.
inventory() { python3 "$ACCEPT/download_check.py" inventory out >"$1"; }

RANDOM=$$
for k in $(seq "$KILLS"); do
  mly-seqdl -q -o out "$SEQ" >"run$k.jsonl" 2>"run$k.err" &
  DL_PID=$!
  # The first run meets the burst of 429s (about 5 s): kill it after that.
  delay=$(((k == 1 ? 5 : 0) + RANDOM % 4)).$((RANDOM % 10))
  sleep "$delay"
  kill -9 "$DL_PID" 2>/dev/null
  wait "$DL_PID" 2>/dev/null
  DL_PID=
  fake_stats >"stats$k.json"
  mkdir -p out
  inventory "inv$k.txt"
  bad=$(grep -c '^FAIL' "inv$k.txt")
  check "kill $k after $delay s: no partial, empty or foreign file ($bad)" [ "$bad" -eq 0 ]
  grep '^FAIL' "inv$k.txt" | head -n 3
  grep -v '^FAIL' "inv$k.txt" | cut -d' ' -f1 | sort >"done$k.txt"
  echo "kill $k after $delay s: $(wc -l <"done$k.txt") images complete"
done

mly-seqdl -q -o out "$SEQ" >final.jsonl 2>final.err
rc=$?
check "the last run exits 0 (got $rc)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || head -n 5 final.err
fake_stats >stats-final.json
inventory inv-final.txt
check "every file complete at the end" [ "$(grep -c '^FAIL' inv-final.txt)" -eq 0 ]
grep -v '^FAIL' inv-final.txt | cut -d' ' -f1 | sort >done-final.txt
check "the 1000 images, each exactly once (ImageUniqueID)" cmp -s done-final.txt all-ids.txt
check "1000 records on stdout, each image once" \
  [ "$(jq -r .image_id final.jsonl | sort -u | wc -l)" -eq $N -a "$(wc -l <final.jsonl)" -eq $N ]
check "no temporary file left" [ -z "$(find out -name '.*' -type f)" ]
check "metadata.jsonl: 1000 distinct images" \
  [ "$(jq -r .image_id out/*/metadata.jsonl | sort -u | wc -l)" -eq $N -a "$(cat out/*/metadata.jsonl | wc -l)" -eq $N ]

# No image complete at a kill was downloaded again.
for k in $(seq "$KILLS"); do
  again=$(jq -r --slurpfile before "stats$k.json" --rawfile done "done$k.txt" '
    . as $after | ($done | split("\n") | map(select(. != ""))) as $ids
    | [$ids[] | select($after.downloads[.] != $before[0].downloads[.])] | length' stats-final.json)
  check "the $(wc -l <"done$k.txt") images complete at kill $k were not downloaded again ($again were)" [ "$again" = 0 ]
done
check "no image downloaded more than $((KILLS + 1)) times" \
  [ "$(jq '[.downloads[]] | max' stats-final.json)" -le $((KILLS + 1)) ]
for f in 5xx drop truncate burst_429 expired_url; do
  check "the server did inject $f ($(jq ".faults.\"$f\" // 0" stats-final.json))" [ "$(jq ".faults.\"$f\" // 0" stats-final.json)" -gt 0 ]
done

# The pictures are right: scan data as a clean server with the same seed
# serves them (one picture per variant), and the COM segment naming the image.
fake_start --seed $SEED --users 1 --sequences 1 --images $N || { fail "the clean server does not start"; finish; }
mkdir ref
for v in $(jq -r '[.images[].picture] | unique[]' dataset.json); do
  id=$(jq -r --argjson v "$v" '[.images[] | select(.picture == $v)][0].id' dataset.json)
  curl -sf -o "ref/$v.jpg" "$(graph "/$id?fields=thumb_original_url" | jq -r .thumb_original_url)"
done
python3 - dataset.json inv-final.txt >pictures.txt <<'PY'
import json, sys, jpegcheck
data = json.load(open(sys.argv[1]))
variant = {i["id"]: i["picture"] for i in data["images"]}
ref = {}
for v in set(variant.values()):
    d = open("ref/%d.jpg" % v, "rb").read()
    ref[v] = d[jpegcheck.segments(d)[1]:]
bad = []
for line in open(sys.argv[2]):
    iid, path = line.split()
    d = open(path, "rb").read()
    segs, sos = jpegcheck.segments(d)
    com = [p for m, p in segs if m == 0xFE]
    if d[sos:] != ref[variant[iid]] or com != [b"mly-fakeapi image %s size original" % iid.encode()]:
        bad.append(path)
print(("ok " if not bad else "FAIL ") + "every photo has the served picture and its own comment %s" % bad[:3])
PY
tally pictures.txt $?
finish
