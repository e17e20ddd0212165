"""Checks what the local server received from mly-upload, independently of mly.

usage: upload_check.py OUT.jsonl RECORDS.jsonl DRY UPLOADS.json

OUT.jsonl: mly-upload's output (one record per sequence); RECORDS.jsonl: the
records it read; DRY: a `mly-upload --dry-run DRY` of the same records (each
stream in a file named after its session key); UPLOADS.json: the server's
GET /__fake/uploads. Prints "ok ..." and "FAIL ..." lines for tally:
  - each sequence of the records is in OUT once, with a cluster id, and the
    server finished each sequence exactly once (one cluster each, no other);
  - each cluster holds the sequence's photos in capture order (captured_at,
    then path), each stream complete under mly_tools_<md5>.jpg;
  - each stream is byte for byte the dry run's file of that key (same md5
    and size), and that file is the photo on disk with only ImageDescription
    changed: the same segments in the same order, the same image data, and
    exiftool reads the same tags from both but ImageDescription;
  - each description (as the server read it from the bytes) says the
    record's position, time and file name, without MAPSequenceUUID.
"""

import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import jpegcheck

out_path, records_path, dry, uploads_path = sys.argv[1:5]
out = [json.loads(l) for l in open(out_path)]
records = [json.loads(l) for l in open(records_path) if l.strip()]
uploads = json.load(open(uploads_path))


def report(what, bad):
    if bad:
        print("FAIL %s: %d, e.g. %s" % (what, len(bad), "; ".join(str(b) for b in bad[:4])))
    else:
        print("ok %s" % what)


sequences = {}
for r in records:
    sequences.setdefault(r["sequence_id"], []).append(r)
for s in sequences.values():
    s.sort(key=lambda r: (r["captured_at"], r["path"]))

by_seq = {}
for o in out:
    by_seq.setdefault(o["sequence_id"], []).append(o)
report("each sequence once in the output, uploaded or already uploaded",
       [s for s in sequences if len(by_seq.get(s, [])) != 1
        or by_seq[s][0]["status"] not in ("uploaded", "already_uploaded")] +
       [s for s in by_seq if s not in sequences])
clusters = {c["cluster_id"]: c for c in uploads["clusters"]}
report("the server finished each sequence exactly once (%d clusters for %d sequences)"
       % (len(uploads["clusters"]), len(sequences)),
       [] if len(uploads["clusters"]) == len(sequences) and len(clusters) == len(sequences)
       and sorted(clusters) == sorted(o["cluster_id"] for o in out) else
       ["clusters %s, output %s" % (sorted(clusters), sorted(o["cluster_id"] for o in out))])

streams = {s["key"]: s for s in uploads["streams"]}
bad_order, bad_stream, bad_dry, bad_desc, pairs = [], [], [], [], []
for seq, recs in sequences.items():
    if len(by_seq.get(seq, [])) != 1 or by_seq[seq][0]["cluster_id"] not in clusters:
        continue
    c = clusters[by_seq[seq][0]["cluster_id"]]
    if c["file_type"] != "mly_bundle_manifest" or len(c["images"]) != len(recs):
        bad_order.append("%s: %d images of %d" % (seq, len(c["images"]), len(recs)))
        continue
    for r, img in zip(recs, c["images"]):
        d = img["description"]
        if d.get("MAPFilename") != os.path.basename(r["path"]):
            bad_order.append("%s: %s where %s was due" % (seq, d.get("MAPFilename"), r["path"]))
            continue
        s = streams.get(img["key"])
        if img["key"] != "mly_tools_%s.jpg" % img["md5"] or not s or not s["complete"] or s["md5"] != img["md5"]:
            bad_stream.append(img["key"])
        path = os.path.join(dry, img["key"])
        data = open(path, "rb").read() if os.path.exists(path) else b""
        if hashlib.md5(data).hexdigest() != img["md5"] or len(data) != img["size"]:
            bad_dry.append(img["key"])
        else:
            pairs.append((r, path, img))
        t = datetime.strptime(r["captured_at"].replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")
        t = t.astimezone(timezone.utc)
        want = {"MAPLatitude": round(r["lat"], 7), "MAPLongitude": round(r["lon"], 7),
                "MAPCaptureTime": t.strftime("%Y_%m_%d_%H_%M_%S_") + "%03d" % (t.microsecond // 1000)}
        if "alt" in r:
            want["MAPAltitude"] = round(r["alt"], 3)
        if any(d.get(k) != v for k, v in want.items()) or "MAPSequenceUUID" in d:
            bad_desc.append("%s: %s" % (r["path"], json.dumps(d)))
report("each cluster holds its sequence's photos in capture order", bad_order)
report("each photo a complete stream under mly_tools_<md5 of its bytes>.jpg", bad_stream)
report("each stream is the dry run's bytes for its key", bad_dry)
report("each description says the record's position, time and name", bad_desc)

# The bytes sent against the photo on disk.
bad_bytes = []
for r, path, img in pairs:
    orig, sent = open(r["path"], "rb").read(), open(path, "rb").read()
    so, po = jpegcheck.segments(orig)
    ss, ps = jpegcheck.segments(sent)
    other_o = [(m, p) for m, p in so if not (m == 0xE1 and p.startswith(jpegcheck.EXIF_ID))]
    other_s = [(m, p) for m, p in ss if not (m == 0xE1 and p.startswith(jpegcheck.EXIF_ID))]
    if orig[po:] != sent[ps:]:
        bad_bytes.append("%s: image data differ" % r["path"])
    elif other_o != other_s:
        bad_bytes.append("%s: segments other than EXIF differ" % r["path"])
report("each photo sent has the photo's image data and segments", bad_bytes)

bad_tags = []
if pairs:
    files = [x for r, path, _ in pairs for x in (r["path"], path)]
    res = subprocess.run(["exiftool", "-j", "-a", "-G1", "-n", "-x", "System:all", "-x", "File:all",
                          "-x", "ExifTool:all", "-@", "-"],
                         input="".join(f + "\n" for f in files), capture_output=True, text=True)
    tags = {d.pop("SourceFile"): d for d in json.loads(res.stdout or "[]")}
    for r, path, img in pairs:
        a, b = dict(tags.get(r["path"], {})), dict(tags.get(path, {}))
        da, db = a.pop("IFD0:ImageDescription", None), b.pop("IFD0:ImageDescription", None)
        if not b or a != b:
            diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            bad_tags.append("%s: %s" % (r["path"], diff[:6]))
        elif db is None or json.loads(str(db)) != img["description"]:
            bad_tags.append("%s: ImageDescription %r" % (r["path"], db))
report("exiftool reads the same tags from each photo and its stream, but ImageDescription", bad_tags)
print("   %d sequences, %d photos checked" % (len(sequences), len(pairs)))
