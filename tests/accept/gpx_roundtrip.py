#!/usr/bin/env python3
"""The GPX acceptance test, run by gpx-roundtrip.sh (which see).

usage: gpx_roundtrip.py ROOT FIXTURES WORKDIR

Three cases, each a handful of checks printed as "ok - ..." or "FAIL - ...":
  fixtures  mly-gpxjoin over every file of FIXTURES/gpx (skipped when absent)
  records   mly-gpx over generated records, several sequences, shuffled
  memory    mly-gpxjoin of eight large files needs little more memory than
            of one (it streams; a per-file DOM is allowed)
For the two documents: well-formed (xmllint --noout), the GPX 1.1 namespace
and version, every element in the order of the GPX 1.1 schema, and every
point of the inputs read back, with the same coordinates and times, both by
an independent parse here (xml.etree) and by gpsbabel (unicsv). Ends with
"N passed, N failed[, N skipped]".
"""

import csv
import datetime
import json
import os
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

GPX11 = "http://www.topografix.com/GPX/1/1"
ROOT, FIX, WORK = sys.argv[1:4]
BIN = os.path.join(ROOT, "bin")
ENV = dict(os.environ, TZ="UTC", LC_ALL="C")
passed = failed = skipped = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok - {name}")
    else:
        failed += 1
        print(f"FAIL - {name}" + (f": {detail}" if detail else ""))
    return ok


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, env=ENV, **kw)


# ---- an independent reading of GPX 1.0 and 1.1 -------------------------------

def local(tag):
    return tag.rsplit("}", 1)[-1]


def parse_time_ms(text):
    """GPX time to epoch milliseconds, fraction truncated; no zone is UTC."""
    m = re.fullmatch(r"\s*(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?\s*", text)
    if not m:
        raise ValueError(f"unreadable time {text!r}")
    y, mo, d, h, mi, s, frac, zone = m.groups()
    t = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=datetime.timezone.utc)
    ms = int((frac or "0")[:3].ljust(3, "0"))
    offset = 0
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        zz = zone[1:].replace(":", "")
        offset = sign * (int(zz[:2]) * 60 + int(zz[2:]))
    return int(t.timestamp()) * 1000 + ms - offset * 60000


def point(el):
    p = {"lat": float(el.get("lat")), "lon": float(el.get("lon")), "ele": None, "time": None}
    for c in el:
        name = local(c.tag)
        text = (c.text or "").strip()
        if name == "ele" and text:
            p["ele"] = float(text)
        elif name == "time" and text:
            p["time"] = parse_time_ms(text)
    return p


def read_gpx(path):
    """{'wpt': [point], 'rte': [[point]], 'trk': [[[point]]]} in document order."""
    root = ET.parse(path).getroot()
    out = {"wpt": [], "rte": [], "trk": []}
    for el in root:
        name = local(el.tag)
        if name == "wpt":
            out["wpt"].append(point(el))
        elif name == "rte":
            out["rte"].append([point(p) for p in el if local(p.tag) == "rtept"])
        elif name == "trk":
            out["trk"].append([[point(p) for p in s if local(p.tag) == "trkpt"]
                               for s in el if local(s.tag) == "trkseg"])
    return out


# ---- GPX 1.1 schema order --------------------------------------------------

WPT = ["ele", "time", "magvar", "geoidheight", "name", "cmt", "desc", "src", "link*", "sym", "type",
       "fix", "sat", "hdop", "vdop", "pdop", "ageofdgpsdata", "dgpsid", "extensions"]
ORDER = {
    "gpx": ["metadata", "wpt*", "rte*", "trk*", "extensions"],
    "metadata": ["name", "desc", "author", "copyright", "link*", "time", "keywords", "bounds", "extensions"],
    "wpt": WPT, "rtept": WPT, "trkpt": WPT,
    "rte": ["name", "cmt", "desc", "src", "link*", "number", "type", "extensions", "rtept*"],
    "trk": ["name", "cmt", "desc", "src", "link*", "number", "type", "extensions", "trkseg*"],
    "trkseg": ["trkpt*", "extensions"],
}


def schema_problems(el, path="gpx"):
    """Elements out of the schema's order, repeated, unknown or out of range."""
    problems = []
    name = local(el.tag)
    if not el.tag.startswith("{" + GPX11 + "}"):
        problems.append(f"{path}: not in the GPX 1.1 namespace")
    if name in ("wpt", "rtept", "trkpt"):
        try:
            lat, lon = float(el.get("lat")), float(el.get("lon"))
            if not (-90 <= lat <= 90 and -180 <= lon < 180):
                problems.append(f"{path}: lat/lon {lat},{lon} out of the schema's range")
        except (TypeError, ValueError):
            problems.append(f"{path}: lat/lon missing or not numbers")
    if name not in ORDER:
        return problems
    seq = ORDER[name]
    names = [s.rstrip("*") for s in seq]
    last, seen = -1, set()
    for i, c in enumerate(el):
        cn = local(c.tag)
        where = f"{path}/{cn}[{i}]"
        if cn not in names:
            problems.append(f"{where}: not allowed in <{name}>")
            continue
        k = names.index(cn)
        if k < last:
            problems.append(f"{where}: after <{names[last]}>, against the schema's order")
        if cn in seen and not seq[k].endswith("*"):
            problems.append(f"{where}: more than one")
        seen.add(cn)
        last = max(last, k)
        if cn != "extensions":
            problems += schema_problems(c, where)
    return problems


def check_document(label, out, expected):
    """The checks every written document must pass; expected as read_gpx gives."""
    r = run(["xmllint", "--noout", out])
    check(f"{label}: well-formed (xmllint --noout)", r.returncode == 0, r.stderr.strip())
    try:
        root = ET.parse(out).getroot()
    except ET.ParseError as ex:
        check(f"{label}: parses", False, str(ex))
        return
    check(f"{label}: GPX 1.1 namespace and version",
          root.tag == "{%s}gpx" % GPX11 and root.get("version") == "1.1", f"{root.tag} {root.get('version')}")
    problems = schema_problems(root)
    check(f"{label}: elements in the GPX 1.1 schema's order", not problems, "; ".join(problems[:5]))

    got = read_gpx(out)
    for kind in ("wpt", "rte", "trk"):
        check(f"{label}: same number of {kind}", len(got[kind]) == len(expected[kind]),
              f"{len(got[kind])} != {len(expected[kind])}")
    shape = lambda d: [len(s) for t in d["trk"] for s in t]
    check(f"{label}: same segments with the same point counts", shape(got) == shape(expected))

    def flat(d, kind):
        if kind == "wpt":
            return d["wpt"]
        if kind == "rte":
            return [p for r in d["rte"] for p in r]
        return [p for t in d["trk"] for s in t for p in s]

    def same(a, b, tol):
        if abs(a["lat"] - b["lat"]) > tol or abs(a["lon"] - b["lon"]) > tol:
            if not (abs(abs(a["lon"]) - 180) < tol and abs(abs(b["lon"]) - 180) < tol):
                return False
        return a["time"] == b["time"]

    for kind in ("wpt", "rte", "trk"):
        e, g = flat(expected, kind), flat(got, kind)
        bad = [i for i, (a, b) in enumerate(zip(e, g)) if not same(a, b, 5.01e-10)]
        ele = [i for i, (a, b) in enumerate(zip(e, g))
               if (a["ele"] is None) != (b["ele"] is None) or (a["ele"] is not None and abs(a["ele"] - b["ele"]) > 5.01e-4)]
        check(f"{label}: {len(e)} {kind} points, same coordinates and times (xml.etree)",
              len(e) == len(g) and not bad, f"{len(g)} read back; first difference at {bad[:1]}")
        check(f"{label}: same {kind} elevations", not ele, f"first difference at {ele[:1]}")

    # gpsbabel, an independent GPX reader: -w waypoints, -r routes, -t tracks.
    for kind, flag in (("wpt", "-w"), ("rte", "-r"), ("trk", "-t")):
        r = run(["gpsbabel", flag, "-i", "gpx", "-f", out, "-o", "unicsv", "-F", "-"])
        if not check(f"{label}: gpsbabel {flag} reads it", r.returncode == 0, r.stderr.strip()[:200]):
            continue
        lines = list(csv.reader(r.stdout.splitlines()))
        rows = []
        if lines:
            head = lines[0]
            for line in lines[1:]:
                cells = dict(zip(head, line))
                p = {"lat": float(cells["Latitude"]), "lon": float(cells["Longitude"]), "time": None}
                if cells.get("Date") and cells.get("Time"):
                    p["time"] = _babel_time(cells["Date"], cells["Time"])
                rows.append(p)
        e = flat(expected, kind)
        bad = [i for i, (a, b) in enumerate(zip(e, rows)) if not same(a, b, 5.01e-7)]
        check(f"{label}: gpsbabel {flag} reads back all {len(e)} points, same coordinates and times",
              len(rows) == len(e) and not bad,
              f"{len(rows)} read; first difference at {bad[:1]}: {[e[i] for i in bad[:1]]} {[rows[i] for i in bad[:1]]}")


def _babel_time(date, time):
    y, mo, d = (int(x) for x in date.split("/"))
    hms, _, frac = time.partition(".")
    h, mi, s = (int(x) for x in hms.split(":"))
    t = datetime.datetime(y, mo, d, h, mi, s, tzinfo=datetime.timezone.utc)
    return int(t.timestamp()) * 1000 + int(frac[:3].ljust(3, "0") if frac else 0)


# ---- the cases --------------------------------------------------------------

def fixtures_case():
    global skipped
    gpxdir = os.path.join(FIX, "gpx")
    files = sorted(os.path.join(gpxdir, f) for f in os.listdir(gpxdir)) if os.path.isdir(gpxdir) else []
    files = [f for f in files if f.lower().endswith(".gpx")]
    if not files:
        print(f"skip - fixtures: no GPX files in {gpxdir}")
        skipped += 1
        return
    out = os.path.join(WORK, "joined.gpx")
    r = run([os.path.join(BIN, "mly-gpxjoin"), "-o", out] + files)
    if not check(f"fixtures: mly-gpxjoin joins {len(files)} files", r.returncode == 0, r.stderr.strip()):
        return
    expected = {"wpt": [], "rte": [], "trk": []}
    for f in files:
        d = read_gpx(f)
        for k in expected:
            expected[k] += d[k]
    check("fixtures: every input track was joined, not only the first of each file",
          len(expected["trk"]) > sum(1 for f in files if read_gpx(f)["trk"]), "")
    check_document("fixtures", out, expected)


def records_case():
    rnd = random.Random(7)
    recs = []
    base = 1722160050000  # 2024-07-28T09:47:30Z
    for s, seq in enumerate(["seqA", "seqB", "seqC", None]):
        lat0, lon0 = rnd.uniform(-60, 60), rnd.uniform(-179, 179)
        for k in range(40 if seq else 5):
            r = {"path": f"p/{s}_{k:03d}.jpg", "lat": round(lat0 + k * 1e-4 + rnd.uniform(0, 1e-5), 9),
                 "lon": round(lon0 + k * 1e-4 + rnd.uniform(0, 1e-5), 9),
                 "captured_at": datetime.datetime.fromtimestamp((base + s * 3600000 + k * 1500 + rnd.randrange(1000)) / 1000,
                                                                datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                 "alt": round(rnd.uniform(-10, 3000), 3), "heading": round(rnd.uniform(0, 359.9), 3)}
            if seq:
                r["sequence_id"] = seq
            recs.append(r)
    rnd.shuffle(recs)
    order, tracks = [], {}
    for r in recs:
        key = r.get("sequence_id", "")
        if key not in tracks:
            order.append(key)
            tracks[key] = []
        tracks[key].append({"lat": r["lat"], "lon": r["lon"], "ele": r["alt"],
                            "time": parse_time_ms(r["captured_at"])})
    expected = {"wpt": [], "rte": [], "trk": [[sorted(tracks[k], key=lambda p: p["time"])] for k in order]}
    out = os.path.join(WORK, "records.gpx")
    with open(out, "w") as f:
        r = run([os.path.join(BIN, "mly-gpx")], input="".join(json.dumps(x) + "\n" for x in recs))
        f.write(r.stdout)
    if check(f"records: mly-gpx writes {len(recs)} records as {len(order)} tracks", r.returncode == 0, r.stderr.strip()):
        check_document("records", out, expected)


def memory_case():
    """Peak memory joining 8 files of 20000 points against joining one of them."""
    files = []
    for n in range(8):
        path = os.path.join(WORK, f"big{n}.gpx")
        with open(path, "w") as f:
            f.write(f'<?xml version="1.0"?>\n<gpx version="1.1" xmlns="{GPX11}"><trk><name>{n}</name><trkseg>\n')
            for k in range(20000):
                t = datetime.datetime.fromtimestamp(1.7e9 + k, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                f.write(f'<trkpt lat="{45 + n + k * 1e-6:.9f}" lon="{14 + k * 1e-6:.9f}"><ele>{k % 900}.5</ele><time>{t}</time></trkpt>\n')
            f.write("</trkseg></trk></gpx>\n")
        files.append(path)

    def peak_kib(args):
        with open(os.devnull, "w") as null:
            p = subprocess.Popen(args, stdout=null, stderr=subprocess.PIPE, env=ENV)
            _, status, usage = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            return p.returncode, usage.ru_maxrss

    rc1, one = peak_kib([os.path.join(BIN, "mly-gpxjoin"), files[0]])
    rc8, eight = peak_kib([os.path.join(BIN, "mly-gpxjoin")] + files)
    check("memory: mly-gpxjoin joins 8 files of 20000 points", rc1 == 0 and rc8 == 0, f"exit {rc1}, {rc8}")
    check("memory: 8 files need under 1.5 times the memory of one (streams, one file at a time)",
          eight < 1.5 * one, f"{eight} KiB for 8 files, {one} KiB for one")
    for f in files:
        os.unlink(f)


def main():
    os.makedirs(WORK, exist_ok=True)
    fixtures_case()
    records_case()
    memory_case()
    tail = f", {skipped} skipped" if skipped else ""
    print(f"{passed} passed, {failed} failed{tail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
