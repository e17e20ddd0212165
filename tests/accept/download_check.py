"""Checks downloaded photos against the local server's dataset, with values
worked out here, independently of mly's code: tests/accept/download-photos.sh.

usage: download_check.py photos DATASET RECORDS SERVED_DIR EXIFTOOL_JSON
       download_check.py same-metadata EXIFTOOL_JSON_A EXIFTOOL_JSON_B
       download_check.py inventory DIR      (prints "ID PATH" per complete photo;
                                             "FAIL ..." for any other file)

Prints "ok ..." and "FAIL ..." lines for tally (common.bash).
"""
import datetime
import json
import math
import os
import sys
import zoneinfo

import jpegcheck

# The zone of each place of the small dataset, picked by hand (the Dead Sea
# shore is in Israel; mly's guess may name another zone with the same offset).
ZONES = {
    "Berlin": "Europe/Berlin",
    "Dead Sea": "Asia/Jerusalem",
    "Buenos Aires": "America/Argentina/Buenos_Aires",
    "Taveuni": "Pacific/Fiji",
    "San Francisco": "America/Los_Angeles",
    "Wellington": "Pacific/Auckland",
}

failures = 0


def ok(cond, what):
    global failures
    if cond:
        print("ok " + what)
    else:
        failures += 1
        print("FAIL " + what)
    return cond


def haversine(lat1, lon1, lat2, lon2):
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def angle_diff(a, b):
    d = abs(a - b) % 360
    return min(d, 360 - d)


def expected(img):
    """Position, altitude and heading of --geometry auto --heading auto."""
    lon, lat = img["geometry"]["coordinates"]
    if "computed_geometry" in img:
        clon, clat = img["computed_geometry"]["coordinates"]
        if haversine(lat, lon, clat, clon) <= 20:
            lat, lon = clat, clon
    heading = img["compass_angle"] % 360
    if "computed_compass_angle" in img and angle_diff(heading, img["computed_compass_angle"]) <= 30:
        heading = img["computed_compass_angle"] % 360
    return lat, lon, img["altitude"], heading


def jpeg_parts(data):
    """The segments other than EXIF and XMP, and the bytes from the first SOS on."""
    segs, sos = jpegcheck.segments(data)
    return [(m, p) for m, p in segs if not jpegcheck.is_metadata(m, p)], data[sos:]


def photos(dataset_path, records_path, served_dir, exif_path):
    data = json.load(open(dataset_path))
    images = {i["id"]: i for i in data["images"]}
    seqs = {s["id"]: s for s in data["sequences"]}
    records = [json.loads(line) for line in open(records_path)]
    exif = {os.path.normpath(e["SourceFile"]): e for e in json.load(open(exif_path))}
    ok(len(records) == len(images), "%d records for the %d images of the dataset" % (len(records), len(images)))
    for rec in records:
        iid = rec["image_id"]
        img = images[iid]
        seq = seqs[img["sequence"]]
        place = next(z for p, z in ZONES.items() if p in seq["place"])
        tag = "image %s (%s, %s)" % (iid, seq["place"].split(",")[0], seq["camera_type"])
        path = rec["path"]
        raw = open(path, "rb").read()
        ok(jpegcheck.complete(raw) is None, tag + ": a complete JPEG")
        served = open(os.path.join(served_dir, iid + ".jpg"), "rb").read()
        segs, scan = jpeg_parts(raw)
        ssegs, sscan = jpeg_parts(served)
        ok(scan == sscan, tag + ": the scan data are the served bytes, bit for bit")
        ok(segs == ssegs, tag + ": every other segment as served (EXIF and XMP only added)")
        e = exif.get(os.path.normpath(path))
        if not ok(e is not None, tag + ": exiftool read it"):
            continue
        lat, lon, alt, heading = expected(img)
        ok(abs(e["Composite:GPSLatitude"] - lat) < 1e-7 and abs(e["Composite:GPSLongitude"] - lon) < 1e-7,
           tag + ": position to 1e-7 degrees (%r, %r)" % (e["Composite:GPSLatitude"], e["Composite:GPSLongitude"]))
        ok(abs(rec["lat"] - lat) < 1e-9 and abs(rec["lon"] - lon) < 1e-9, tag + ": the record's position")
        ok(abs(e["Composite:GPSAltitude"] - alt) < 1e-3, tag + ": altitude %r (sign included)" % e["Composite:GPSAltitude"])
        ok((e["GPS:GPSAltitudeRef"] == 1) == (alt < 0), tag + ": GPSAltitudeRef")
        ok(abs(e["GPS:GPSImgDirection"] - heading) < 1e-4 and e["GPS:GPSImgDirectionRef"] == "T",
           tag + ": heading %r, true north" % e["GPS:GPSImgDirection"])
        t = datetime.datetime.fromtimestamp(img["captured_at"] / 1000, datetime.timezone.utc)
        gps = "%s %s" % (e["GPS:GPSDateStamp"], e["GPS:GPSTimeStamp"])
        ok(datetime.datetime.strptime(gps + ("" if "." in gps else ".0"), "%Y:%m:%d %H:%M:%S.%f")
           .replace(tzinfo=datetime.timezone.utc) == t, tag + ": GPS date and time %s (UTC, with the fraction)" % gps)
        local = t.astimezone(zoneinfo.ZoneInfo(place))
        offset = local.strftime("%z")
        offset = offset[:3] + ":" + offset[3:]
        ok(e["ExifIFD:DateTimeOriginal"] == local.strftime("%Y:%m:%d %H:%M:%S")
           and str(e["ExifIFD:SubSecTimeOriginal"]).zfill(3) == "%03d" % (local.microsecond // 1000)
           and e["ExifIFD:OffsetTimeOriginal"] == offset,
           tag + ": local time %s.%s%s" % (e["ExifIFD:DateTimeOriginal"], e["ExifIFD:SubSecTimeOriginal"],
                                            e["ExifIFD:OffsetTimeOriginal"]))
        ok(e.get("ExifIFD:CreateDate") == e["ExifIFD:DateTimeOriginal"] and
           e.get("IFD0:ModifyDate") == e["ExifIFD:DateTimeOriginal"], tag + ": DateTimeDigitized and DateTime too")
        ok(rec["utc_offset"] == offset, tag + ": the record's utc_offset " + rec["utc_offset"])
        ok(e["IFD0:Make"] == img["make"] and e["IFD0:Model"] == img["model"],
           tag + ": make and model")
        ok(e["IFD0:Artist"] == seq["creator_username"], tag + ": artist is the creator")
        ok(e["IFD0:Orientation"] == img["exif_orientation"], tag + ": orientation %r from exif_orientation"
           % e["IFD0:Orientation"])
        ok(e["ExifIFD:ExifImageWidth"] == e["File:ImageWidth"] == rec["width"] and
           e["ExifIFD:ExifImageHeight"] == e["File:ImageHeight"] == rec["height"],
           tag + ": pixel dimensions %sx%s, the JPEG's" % (e["File:ImageWidth"], e["File:ImageHeight"]))
        ok(e["ExifIFD:ImageUniqueID"] == iid, tag + ": ImageUniqueID")
        ok(iid in e["IFD0:ImageDescription"] and img["sequence"] in e["IFD0:ImageDescription"],
           tag + ": ImageDescription names the image and the sequence")
        ok(e.get("GPS:GPSMapDatum") == "WGS-84" and e.get("GPS:GPSVersionID") == "2 3 0 0",
           tag + ": GPSMapDatum and GPSVersionID")
        if seq["camera_type"] == "spherical":
            ok(e.get("XMP-GPano:ProjectionType") == "equirectangular" and
               e.get("XMP-GPano:FullPanoWidthPixels") == e["File:ImageWidth"] and
               e.get("XMP-GPano:FullPanoHeightPixels") == e["File:ImageHeight"] and
               abs(e.get("XMP-GPano:PoseHeadingDegrees", -1) - heading) < 1e-6,
               tag + ": GPano equirectangular, full size, pose heading")
            ok("ExifIFD:FocalLengthIn35mmFormat" not in e, tag + ": no focal length for a panorama")
        else:
            ok(not any(k.startswith("XMP-GPano") for k in e), tag + ": no GPano")
            focal = img["camera_parameters"][0]
            ok(e.get("ExifIFD:FocalLengthIn35mmFormat") == round(focal * 36),
               tag + ": FocalLengthIn35mmFormat %r = round(%r x 36)" % (e.get("ExifIFD:FocalLengthIn35mmFormat"), focal))
    # metadata.jsonl: one line per image, every field of the dataset's image.
    folders = {os.path.dirname(r["path"]) for r in records}
    lines = []
    for f in sorted(folders):
        lines += [json.loads(line) for line in open(os.path.join(f, "metadata.jsonl"))]
    ok(sorted(line["image_id"] for line in lines) == sorted(images), "metadata.jsonl: one line per image")
    missing = [(line["image_id"], k) for line in lines for k in images[line["image_id"]]
               if k not in ("tile", "picture") and k not in line["mapillary"]]
    ok(not missing, "metadata.jsonl: every field of the API under \"mapillary\" %s" % missing[:3])


def same_metadata(a_path, b_path):
    """Every EXIF, GPS and XMP tag of the photos in A as in B (by file name)."""
    a = {os.path.basename(e["SourceFile"]): e for e in json.load(open(a_path))}
    b = {os.path.basename(e["SourceFile"]): e for e in json.load(open(b_path))}
    ok(sorted(a) == sorted(b) and a, "the same %d files" % len(a))
    keep = ("IFD0:", "ExifIFD:", "GPS:", "XMP-GPano:", "Composite:GPS", "File:ImageWidth", "File:ImageHeight")
    for name in sorted(set(a) & set(b)):
        ta = {k: v for k, v in a[name].items() if k.startswith(keep)}
        tb = {k: v for k, v in b[name].items() if k.startswith(keep)}
        diff = sorted(k for k in set(ta) | set(tb) if ta.get(k) != tb.get(k))
        ok(not diff and len(ta) > 20, "%s: the same %d tags re-encoded %s" % (name, len(ta), diff[:4]))


def image_unique_id(data):
    """EXIF ImageUniqueID, read with a TIFF walk of our own; None when absent."""
    import struct
    segs, _ = jpegcheck.segments(data)
    tiff = next((p[6:] for m, p in segs if m == 0xE1 and p.startswith(jpegcheck.EXIF_ID)), None)
    if tiff is None or len(tiff) < 8:
        return None
    e = "<" if tiff[:2] == b"II" else ">"

    def entries(off):
        n = struct.unpack_from(e + "H", tiff, off)[0]
        for k in range(n):
            yield struct.unpack_from(e + "HHII", tiff, off + 2 + 12 * k)

    ifd0 = struct.unpack_from(e + "I", tiff, 4)[0]
    exif = next((v for tag, _, _, v in entries(ifd0) if tag == 0x8769), None)
    if exif is None:
        return None
    for tag, typ, count, v in entries(exif):
        if tag == 0xA420 and typ == 2:
            raw = tiff[v:v + count] if count > 4 else struct.pack(e + "I", v)[:count]
            return raw.rstrip(b"\0").decode()
    return None


def inventory(folder):
    for d, _, files in sorted(os.walk(folder)):
        for f in sorted(files):
            path = os.path.join(d, f)
            if f == "metadata.jsonl" or (f.startswith(".") and f.endswith((".mly-part", ".mly-tmp"))):
                continue
            data = open(path, "rb").read()
            why = jpegcheck.complete(data) if f.endswith(".jpg") else "not a photo"
            if why is not None:
                print("FAIL %s: %s (%d bytes)" % (path, why, len(data)))
                continue
            print(image_unique_id(data), path)


if __name__ == "__main__":
    if sys.argv[1] == "photos":
        photos(*sys.argv[2:6])
    elif sys.argv[1] == "same-metadata":
        same_metadata(*sys.argv[2:4])
    elif sys.argv[1] == "inventory":
        inventory(sys.argv[2])
    sys.exit(0)
