#!/usr/bin/env python3
"""hostile_api.py: a tiny Mapillary that answers what the real one should not,
for the download tools' bad-input and security tests.

usage: hostile_api.py JPEG [--token T]

Serves on 127.0.0.1 (a free port; the base URL is the first line on stdout)
until killed. JPEG is the picture every image shows. Under BASE/graph, with
the token as "Authorization: OAuth T" (else 401, code 190):

  sequence "escape": 3 images whose "sequence" field is a path that tries to
      leave the output folder: "../../../escape", "/abs/olute", "a/../../b"
  sequence "badlist": image_ids answers malformed JSON
  sequence "badmeta": 2 images listed, but their metadata answer is cut JSON
  sequence "notjpeg": 1 image whose URL serves an HTML page with status 200
  sequence "nourl": 1 image without any thumb_*_url
  sequence "gone": 1 image whose URL answers 404 however often it is renewed
  sequence "samems": 3 images captured in the same millisecond
  sequence "busy": 2 images; the first one's URL always answers 503
  sequence "empty": no images
  anything else: {"data": []}, as the real API answers an unknown sequence

Images are served at BASE/img/ID.jpg (no token). GET BASE/__hits returns
the number of requests each path got, as JSON.
"""
import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

T0 = 1685607471550  # 2023-06-01T08:17:51.550Z

SEQUENCES = {
    "escape": [("9000000000000001", "../../../escape"), ("9000000000000002", "/abs/olute"),
               ("9000000000000003", "a/../../b")],
    "badmeta": [("9000000000000011", "badmeta"), ("9000000000000012", "badmeta")],
    "notjpeg": [("9000000000000021", "notjpeg")],
    "nourl": [("9000000000000031", "nourl")],
    "gone": [("9000000000000041", "gone")],
    "busy": [("9000000000000061", "busy"), ("9000000000000062", "busy")],
    "samems": [("9000000000000051", "samems"), ("9000000000000052", "samems"), ("9000000000000053", "samems")],
    "empty": [],
}
IMAGES = {img: (seq_field, listed) for listed, imgs in SEQUENCES.items() for img, seq_field in imgs}


def image_json(base, image_id):
    seq_field, listed = IMAGES[image_id]
    k = int(image_id[-2:])
    obj = {
        "id": image_id,
        "sequence": seq_field,
        "captured_at": T0 + (0 if listed == "samems" else k * 1000),
        "geometry": {"type": "Point", "coordinates": [13.3777 + k * 1e-5, 52.5163]},
        "altitude": 34.5,
        "compass_angle": 90.0,
        "camera_type": "perspective",
        "exif_orientation": 1,
        "make": "Hostile",
        "model": "Test",
        "creator": {"username": "mallory", "id": "666"},
    }
    if listed != "nourl":
        for size in ("256", "1024", "2048", "original"):
            obj["thumb_%s_url" % size] = "%s/img/%s.jpg?size=%s" % (base, image_id, size)
    return obj


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        with self.server.lock:
            self.server.hits[url.path] = self.server.hits.get(url.path, 0) + 1
        base = self.server.base
        if url.path == "/__hits":
            with self.server.lock:
                return self.send(200, json.dumps(self.server.hits, sort_keys=True))
        if url.path.startswith("/img/"):
            image_id = url.path[5:].split(".")[0]
            if image_id not in IMAGES:
                return self.send(404, "no such image\n", "text/plain")
            listed = IMAGES[image_id][1]
            if listed == "notjpeg":
                return self.send(200, "<html><body>Sorry, try later</body></html>\n", "text/html")
            if listed == "gone":
                return self.send(404, "gone\n", "text/plain")
            if image_id == "9000000000000061":
                return self.send(503, "busy\n", "text/plain")
            return self.send(200, self.server.jpeg, "image/jpeg")
        if not url.path.startswith("/graph"):
            return self.send(404, "{}")
        if self.headers.get("Authorization") != "OAuth " + self.server.token:
            return self.send(401, json.dumps({"error": {"message": "Invalid OAuth 2.0 Access Token",
                                                        "type": "MLYApiException", "code": 190,
                                                        "fbtrace_id": "hostile"}}))
        path = url.path[len("/graph"):].strip("/")
        if path == "image_ids":
            seq = q.get("sequence_id", "")
            if seq == "badlist":
                return self.send(200, '{"data": [{"id": "1"}, {"id": ')
            ids = [{"id": i} for i, _ in SEQUENCES.get(seq, [])]
            return self.send(200, json.dumps({"data": ids}))
        if path == "" and "ids" in q:
            ids = q["ids"].split(",")
            if any(IMAGES.get(i, ("", ""))[1] == "badmeta" for i in ids):
                return self.send(200, '{"9000000000000011": {"id": "9000000000000011", "capt')
            unknown = [i for i in ids if i not in IMAGES]
            if unknown:
                return self.send(400, json.dumps({"error": {
                    "message": "Unsupported get request. Object with ID '%s' does not exist" % unknown[0],
                    "type": "MLYApiException", "code": 100, "error_subcode": 33, "fbtrace_id": "hostile"}}))
            return self.send(200, json.dumps({i: image_json(base, i) for i in ids}))
        if path in IMAGES:
            return self.send(200, json.dumps(image_json(base, path)))
        return self.send(400, json.dumps({"error": {"message": "Unsupported get request", "type": "MLYApiException",
                                                    "code": 100, "error_subcode": 33, "fbtrace_id": "hostile"}}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("jpeg")
    ap.add_argument("--token", default="hostile-token")
    a = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.jpeg = open(a.jpeg, "rb").read()
    server.token = a.token
    server.lock = threading.Lock()
    server.hits = {}
    server.base = "http://127.0.0.1:%d" % server.server_address[1]
    print(server.base, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
