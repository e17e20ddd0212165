#!/usr/bin/env python3
"""Upload clients for tests/accept/fakeapi-upload.sh, with the standard library
only, talking to mly-fakeapi's upload host (reference 5.2, 5.3, 5.7).

usage:
  fakeapi_upload.py partial BASE TOKEN KEY FILE N
      POST FILE to BASE/upload/KEY at offset 0 with its whole Content-Length,
      send only its first N bytes, then close the connection.
  fakeapi_upload.py resume BASE TOKEN OUT FILE...
      upload each FILE (key mly_tools_<md5>.jpg) as mapillary_tools does:
      GET the offset, POST the rest, again after a 412, a 429 (after its
      backoff), a 5xx or a connection that ends without an answer; write
      what happened to OUT as JSON: {"events": [[method, outcome]...],
      "files": [{key, md5, size, handle}]}; outcome is the status, or
      "none" when no answer came.
  fakeapi_upload.py check-faults BASE RUN.json [EARLIER.json]
      "ok ..."/"FAIL ..." lines: RUN's files complete on the server at BASE
      with their md5 and handle, every kind of answer seen counted alike by
      the client and by /__fake/stats, the 412s' and 429s' bodies right;
      with EARLIER (a run of the same files against another server with the
      same seed): the same answers in the same order, the same files (the
      handles aside: their expiry is the time of the upload plus 4 days).
"""

import hashlib
import http.client
import json
import os
import sys
import time
import urllib.parse
import urllib.request


def connect(base):
    u = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=10)


def partial(base, token, key, path, n):
    data = open(path, "rb").read()
    c = connect(base)
    c.putrequest("POST", "/upload/" + key)
    c.putheader("Authorization", "OAuth " + token)
    c.putheader("Offset", "0")
    c.putheader("X-Entity-Name", key)
    c.putheader("Content-Length", str(len(data)))
    c.endheaders()
    c.send(data[:n])
    time.sleep(0.1)  # let the server take the bytes before the connection ends
    c.sock.close()
    return 0


def request(base, method, path, token, headers=None, body=None):
    """(status or "none", parsed JSON body or None)."""
    c = connect(base)
    h = {"Authorization": "OAuth " + token}
    h.update(headers or {})
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        raw = r.read()
        status = r.status
    except (OSError, http.client.HTTPException):
        return "none", None
    finally:
        c.close()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, None


def resume(base, token, out, paths):
    events, files = [], []
    for path in paths:
        data = open(path, "rb").read()
        md5 = hashlib.md5(data).hexdigest()
        key = "mly_tools_%s.jpg" % md5
        handle = None
        for _ in range(200):
            status, body = request(base, "GET", "/upload/" + key, token)
            events.append(["GET", status])
            if status != 200:
                continue
            off = body["offset"]
            status, body = request(base, "POST", "/upload/" + key, token,
                                   {"Offset": str(off), "X-Entity-Name": key}, data[off:])
            ev = ["POST", status]
            if status == 429:
                ev.append(body)
                time.sleep(body.get("backoff", 1000) / 1000 if isinstance(body, dict) else 1)
            if status == 412:
                ev.append(body)
            events.append(ev)
            if status == 200:
                handle = body["h"]
                break
        files.append({"key": key, "md5": md5, "size": len(data), "handle": handle})
    with open(out, "w") as f:
        json.dump({"events": events, "files": files}, f)
    return 0


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def check_faults(base, run_path, earlier_path=None):
    run = json.load(open(run_path))
    ok = lambda c, what: print(("ok " if c else "FAIL ") + what)
    uploads = get_json(base + "/__fake/uploads")
    streams = {s["key"]: s for s in uploads["streams"]}
    for f in run["files"]:
        s = streams.get(f["key"], {})
        ok(f["handle"] is not None and s.get("complete") and s.get("md5") == f["md5"] and s.get("size") == f["size"]
           and s.get("handle") == f["handle"],
           "faults: %s complete on the server with its md5 and handle" % f["key"])
    stats = get_json(base + "/__fake/stats")
    faults = stats["faults"]
    ev = run["events"]
    count = lambda m, st: sum(1 for e in ev if e[0] == m and e[1] == st)
    posts_none, gets_none = count("POST", "none"), count("GET", "none")
    cut, drop = faults.get("cut_upload", 0), faults.get("drop", 0)
    ok(posts_none + gets_none == cut + drop,
       "faults: the connections ended without an answer (%d) are the server's cut_upload + drop (%d + %d)"
       % (posts_none + gets_none, cut, drop))
    ok(count("POST", 412) == faults.get("upload_412", 0),
       "faults: 412s seen (%d) = upload_412 counted (%d)" % (count("POST", 412), faults.get("upload_412", 0)))
    ok(count("POST", 429) == faults.get("upload_429", 0) + faults.get("rate_limit", 0) + faults.get("burst_429", 0),
       "faults: 429s seen (%d) = upload_429 counted (%d)" % (count("POST", 429), faults.get("upload_429", 0)))
    n5 = count("POST", 503) + count("GET", 503)
    ok(n5 == faults.get("5xx", 0), "faults: 503s seen (%d) = 5xx counted (%d)" % (n5, faults.get("5xx", 0)))
    for e in ev:
        if e[0] == "POST" and e[1] == 412:
            ok(e[2] == {"debug_info": {"retriable": True, "type": "OffsetInvalidError",
                                       "message": "Request starting offset is invalid"}},
               "faults: a 412's body is OffsetInvalidError, retriable")
            break
    for e in ev:
        if e[0] == "POST" and e[1] == 429:
            ok(e[2] == {"debug_info": {"retriable": False, "type": "RequestRateLimitedError",
                                       "message": "Request rate limit has been exceeded"}, "backoff": 200},
               "faults: a 429's body is RequestRateLimitedError with backoff 200")
            break
    total = sum(f["size"] for f in run["files"])
    received = sum(streams[f["key"]]["received_bytes"] for f in run["files"] if f["key"] in streams)
    ok(received >= total, "faults: received_bytes (%d) covers the files' bytes (%d)" % (received, total))
    if earlier_path:
        earlier = json.load(open(earlier_path))
        strip = lambda es: [e[:2] for e in es]
        files = lambda fs: [(f["key"], f["md5"], f["size"], f["handle"] is None) for f in fs]
        ok(strip(earlier["events"]) == strip(ev) and files(earlier["files"]) == files(run["files"]),
           "faults: the same seed gives the same answers in the same order (%d requests)" % len(ev))
    return 0


def main(argv):
    if len(argv) >= 7 and argv[1] == "partial":
        return partial(argv[2], argv[3], argv[4], argv[5], int(argv[6]))
    if len(argv) >= 6 and argv[1] == "resume":
        return resume(argv[2], argv[3], argv[4], argv[5:])
    if len(argv) in (4, 5) and argv[1] == "check-faults":
        return check_faults(*argv[2:])
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
