"""Checks of mly-fakeapi's tiles and pictures for tests/accept/fakeapi.sh,
independent of mly's code: a protobuf-free vector tile reader and the JPEG
walker of jpegcheck.py. Prints "ok ..." and "FAIL ..." lines for tally.

  python3 fakeapi_check.py tiles BASE_URL TOKEN DATASET.json
  python3 fakeapi_check.py pictures BASE_URL TOKEN DATASET.json
"""
import gzip
import json
import math
import struct
import sys
import urllib.error
import urllib.request

import jpegcheck


def say(ok, what):
    print(("ok " if ok else "FAIL ") + what)
    return ok


def fetch(url, token=None):
    """(status, body) of a GET; the token goes in the OAuth header."""
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", "OAuth " + token)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# ---- Vector tiles ----------------------------------------------------------

def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def fields(b):
    i = 0
    while i < len(b):
        k, i = varint(b, i)
        f, w = k >> 3, k & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 2:
            n, i = varint(b, i)
            v = b[i:i + n]
            i += n
        elif w == 5:
            v = b[i:i + 4]
            i += 4
        elif w == 1:
            v = b[i:i + 8]
            i += 8
        else:
            raise ValueError("wire type %d" % w)
        yield f, w, v


def packed(b):
    i, out = 0, []
    while i < len(b):
        v, i = varint(b, i)
        out.append(v)
    return out


def value(b):
    for f, w, v in fields(b):
        if f == 1:
            return v.decode()
        if f == 2:
            return struct.unpack("<f", v)[0]
        if f == 3:
            return struct.unpack("<d", v)[0]
        if f == 4:
            return v - (1 << 64) if v >= 1 << 63 else v
        if f == 5:
            return v
        if f == 6:
            return (v >> 1) ^ -(v & 1)
        if f == 7:
            return bool(v)
    raise ValueError("empty value")


def decode(data):
    """{layer name: (extent, [(type, properties, [[(x, y)...]...])])}"""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    zz = lambda n: (n >> 1) ^ -(n & 1)
    layers = {}
    for f, w, lb in fields(data):
        if f != 3:
            raise ValueError("top-level field %d" % f)
        name, keys, vals, feats, extent = None, [], [], [], 4096
        for g, w2, v in fields(lb):
            if g == 1:
                name = v.decode()
            elif g == 2:
                feats.append(v)
            elif g == 3:
                keys.append(v.decode())
            elif g == 4:
                vals.append(value(v))
            elif g == 5:
                extent = v
        out = []
        for fb in feats:
            tags, geom, t = [], [], 0
            for g, w2, v in fields(fb):
                if g == 2:
                    tags = packed(v)
                elif g == 3:
                    t = v
                elif g == 4:
                    geom = packed(v)
            props = {keys[k]: vals[x] for k, x in zip(tags[0::2], tags[1::2])}
            parts, i, x, y = [], 0, 0, 0
            while i < len(geom):
                c = geom[i]
                i += 1
                for _ in range(c >> 3 if c & 7 in (1, 2) else 0):
                    x += zz(geom[i])
                    y += zz(geom[i + 1])
                    i += 2
                    if c & 7 == 1:
                        parts.append([])
                    parts[-1].append((x, y))
            out.append((t, props, parts))
        layers[name] = (extent, out)
    return layers


def tile_of(lon, lat, z):
    n = 2 ** z
    lat = max(-85.05112878, min(85.05112878, lat))
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(x, n - 1), min(y, n - 1)


def to_lonlat(z, tx, ty, extent, px, py):
    n = 2 ** z
    lon = (tx + px / extent) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (ty + py / extent) / n))))
    return lon, lat


def check_tiles(base, token, ds):
    seqs = {s["id"]: s for s in ds["sequences"]}
    url = lambda ts, z, x, y: "%s/tiles/maps/vtp/%s/2/%d/%d/%d?access_token=%s" % (base, ts, z, x, y, token)
    by_tile = {}
    for img in ds["images"]:
        lon, lat = img["geometry"]["coordinates"]
        by_tile.setdefault(tile_of(lon, lat, 14), []).append(img)
    say(all("14/%d/%d" % t == i["tile"] for t, imgs in by_tile.items() for i in imgs),
        "tiles: the dataset's tile of each image is where the reference 4.3 formula puts it")
    for (x, y), imgs in sorted(by_tile.items()):
        status, body = fetch(url("mly1_public", 14, x, y))
        if not say(status == 200, "tile 14/%d/%d: 200 (got %d)" % (x, y, status)):
            continue
        layers = decode(body)
        extent, feats = layers.get("image", (4096, []))
        got = {str(p.get("id")): (t, p, parts) for t, p, parts in feats}
        want = {i["id"]: i for i in imgs}
        say(set(got) == set(want), "tile 14/%d/%d: image ids are the dataset's (%d)" % (x, y, len(want)))
        bad = []
        for iid, img in want.items():
            if iid not in got:
                continue
            t, p, parts = got[iid]
            seq = seqs[img["sequence"]]
            lon, lat = to_lonlat(14, x, y, extent, *parts[0][0])
            glon, glat = img["geometry"]["coordinates"]
            # One grid cell at z14 is 360/2^14/4096 degrees of longitude.
            cell = 360 / 2 ** 14 / extent
            checks = [
                t == 1,
                abs(lon - glon) <= cell and abs(lat - glat) <= cell,
                p.get("sequence_id") == img["sequence"],
                p.get("captured_at") == img["captured_at"],
                p.get("is_pano") == img["is_pano"],
                str(p.get("creator_id")) == img["creator"]["id"],
                str(p.get("organization_id", "")) == seq.get("organization_id", ""),
                p.get("compass_angle") == math.floor(img["compass_angle"] + 0.5) % 360,
            ]
            if not all(checks):
                bad.append("%s %s %s" % (iid, checks, p))
        say(not bad, "tile 14/%d/%d: image points and properties match the dataset %s" % (x, y, bad[:2]))
        sq = {p.get("id"): (p, parts) for t, p, parts in layers.get("sequence", (4096, []))[1] if t == 2}
        want_seqs = {i["sequence"] for i in imgs}
        ok = want_seqs <= set(sq)
        for sid in want_seqs & set(sq):
            p, parts = sq[sid]
            first = ds_image(ds, seqs[sid]["image_ids"][0])
            ok &= str(p.get("image_id")) == first["id"] and p.get("captured_at") == first["captured_at"]
            ok &= p.get("is_pano") == seqs[sid]["is_pano"] and all(len(part) >= 2 for part in parts)
        say(ok, "tile 14/%d/%d: sequence lines of %s with the right properties" % (x, y, sorted(want_seqs)))

    # The antimeridian sequence shows in both edge columns, its lines short.
    am = [s for s in ds["sequences"] if "antimeridian" in s["place"]]
    if am:
        imgs = [ds_image(ds, i) for i in am[0]["image_ids"]]
        cols = {tile_of(*i["geometry"]["coordinates"], 14)[0] for i in imgs}
        say(cols == {0, 2 ** 14 - 1}, "antimeridian sequence: images in columns 0 and 16383 (%s)" % sorted(cols))
        for c in sorted(cols):
            y = tile_of(*imgs[0]["geometry"]["coordinates"], 14)[1]
            extent, feats = decode(fetch(url("mly1_public", 14, c, y))[1]).get("sequence", (4096, []))
            xs = [px for t, p, parts in feats if p.get("id") == am[0]["id"] for part in parts for px, py in part]
            say(xs and max(xs) - min(xs) < extent, "antimeridian tile 14/%d/%d: the line does not wrap round the world" % (c, y))

    first = ds["images"][0]
    lon, lat = first["geometry"]["coordinates"]
    x, y = tile_of(lon, lat, 10)
    layers = decode(fetch(url("mly1_public", 10, x, y))[1])
    say(set(layers) == {"sequence"}, "z10 tile: only the sequence layer (%s)" % sorted(layers))
    x, y = tile_of(lon, lat, 3)
    layers = decode(fetch(url("mly1_public", 3, x, y))[1])
    ov = layers.get("overview", (0, []))[1]
    say(set(layers) == {"overview"} and any(p.get("sequence_id") == first["sequence"] for t, p, parts in ov),
        "z3 tile: the overview layer with a point of the first sequence")
    unprocessed = [i for i in ds["images"] if "computed_geometry" not in i]
    if unprocessed:
        u = unprocessed[0]
        x, y = tile_of(*u["geometry"]["coordinates"], 14)
        ids = [str(p.get("id")) for t, p, parts in decode(fetch(url("mly1_computed_public", 14, x, y))[1]).get("image", (0, []))[1]]
        say(u["id"] not in ids, "computed tiles leave out images without computed_geometry")
    say(fetch(url("mly1_public", 15, 0, 0))[0] == 404, "z15 tile: 404")
    say(fetch(url("mly1_public", 14, 16384, 0))[0] == 404, "x off the grid: 404")
    say(fetch(url("nonesuch", 14, 0, 0))[0] == 404, "unknown tileset: 404")
    status, body = fetch(url("mly_map_feature_point", 14, 0, 0))
    say(status == 200 and body == b"", "map feature tileset: an empty tile")
    status, body = fetch("%s/tiles/maps/vtp/mly1_public/2/14/0/0" % base)
    say(status == 401 and json.loads(body)["error"]["code"] == 190, "tile without token: 401 code 190")


def ds_image(ds, iid):
    return next(i for i in ds["images"] if i["id"] == iid)


# ---- Pictures ----------------------------------------------------------------

def sof_size(data):
    segs, _ = jpegcheck.segments(data)
    for marker, payload in segs:
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", payload[1:5])
            return w, h
    return None


def check_pictures(base, token, ds):
    seqs = {s["id"]: s for s in ds["sequences"]}
    # One image of each camera type.
    chosen = {}
    for img in ds["images"]:
        chosen.setdefault(img["camera_type"], img)
    for kind, img in sorted(chosen.items()):
        status, body = fetch("%s/graph/%s?fields=thumb_256_url,thumb_1024_url,thumb_2048_url,thumb_original_url,width,height" % (base, img["id"]), token)
        meta = json.loads(body)
        for size in ("256", "1024", "2048", "original"):
            u = meta["thumb_%s_url" % size]
            say(u.startswith(base + "/img/") and "oe=" in u and "sig=" in u, "%s %s: a signed URL on the image host" % (kind, size))
            status, data = fetch(u)
            if not say(status == 200, "%s %s: downloaded (%d)" % (kind, size, status)):
                continue
            reason = jpegcheck.complete(data)
            say(reason is None, "%s %s: a complete JPEG (%s)" % (kind, size, reason))
            w, h = sof_size(data)
            want_w = meta["width"] if size == "original" else min(int(size), meta["width"])
            want_h = round(meta["height"] * want_w / meta["width"])
            say((w, h) == (want_w, want_h), "%s %s: %dx%d, wanted %dx%d" % (kind, size, w, h, want_w, want_h))
            segs, _ = jpegcheck.segments(data)
            say(not any(m == 0xE1 and p.startswith(jpegcheck.EXIF_ID) for m, p in segs), "%s %s: no EXIF" % (kind, size))
            com = [p for m, p in segs if m == 0xFE]
            say(com == [("mly-fakeapi image %s size %s" % (img["id"], size)).encode()],
                "%s %s: the comment names the image (%s)" % (kind, size, com))
        if kind == "spherical":
            say(meta["width"] == 2 * meta["height"], "spherical: 2:1 pictures (%dx%d)" % (meta["width"], meta["height"]))
    # Two images sharing a picture still differ in their bytes.
    a, b = ds["images"][0], next(i for i in ds["images"][1:] if i["picture"] == ds["images"][0]["picture"]
                                  and i["width"] == ds["images"][0]["width"] and i["height"] == ds["images"][0]["height"])
    ua = json.loads(fetch("%s/graph/%s?fields=thumb_256_url" % (base, a["id"]), token)[1])["thumb_256_url"]
    ub = json.loads(fetch("%s/graph/%s?fields=thumb_256_url" % (base, b["id"]), token)[1])["thumb_256_url"]
    da, db = fetch(ua)[1], fetch(ub)[1]
    say(da != db and len(da) - len(db) == len(a["id"]) - len(b["id"]), "two images of one picture: distinct bytes")


def main():
    what, base, token, path = sys.argv[1:5]
    ds = json.load(open(path))
    {"tiles": check_tiles, "pictures": check_pictures}[what](base, token, ds)


if __name__ == "__main__":
    main()
