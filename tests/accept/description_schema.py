#!/usr/bin/env python3
"""Checks a mapillary_image_description.json against the rules of
mapillary_tools' description file (shared/reference/mapillary-api.md 5.8,
behaviour.md 1.8), with the standard library only.

usage: description_schema.py [--exif] FILE...

A description file is a JSON array written compact with sorted keys. Each
entry is an image entry (schema branch 2, no other keys allowed) or an error
entry (which upload ignores). --exif checks instead one EXIF ImageDescription
object per file (no filename/filetype/md5sum/filesize and, as mapillary_tools
writes it, no MAPSequenceUUID).

Beyond the schema, what mapillary_tools writes is checked too: coordinates
rounded to 7 decimals, altitude and heading to 3, MAPCaptureTime with exactly
three fraction digits, both headings equal and in [0, 360).

Prints "FILE: N image entries valid" or one line per problem,
"FILE: entry N: message"; exits 1 when any file has a problem.
"""

import datetime
import json
import math
import re
import sys

NUMBER = (int, float)
EXIF_KEYS = {
    "MAPLatitude", "MAPLongitude", "MAPAltitude", "MAPCaptureTime", "MAPCompassHeading",
    "MAPSequenceUUID", "MAPMetaTags", "MAPDeviceMake", "MAPDeviceModel",
    "MAPGPSAccuracyMeters", "MAPCameraUUID", "MAPFilename", "MAPOrientation",
}
FILE_KEYS = EXIF_KEYS | {"filename", "md5sum", "filesize", "filetype"}
CAPTURE_TIME = re.compile(r"[0-9]{4}_[0-9]{2}_[0-9]{2}_[0-9]{2}_[0-9]{2}_[0-9]{2}_[0-9]{3}")
SEQUENCE = re.compile(r"[a-zA-Z0-9_-]+")


def is_number(v):
    return isinstance(v, NUMBER) and not isinstance(v, bool) and math.isfinite(v)


def rounded(v, digits):
    return round(v, digits) == v


def check_image(e, exif):
    """Problems of one image entry (or EXIF object), as a list of strings."""
    errs = []
    allowed = EXIF_KEYS if exif else FILE_KEYS
    required = ["MAPLatitude", "MAPLongitude", "MAPCaptureTime"] + ([] if exif else ["filename", "filetype"])
    for k in required:
        if k not in e:
            errs.append(f"missing required {k}")
    for k in sorted(set(e) - allowed):
        errs.append(f"key {k} not allowed")
    if exif and "MAPSequenceUUID" in e:
        errs.append("MAPSequenceUUID is left out of the EXIF description")

    for k, lo, hi in (("MAPLatitude", -90, 90), ("MAPLongitude", -180, 180)):
        if k in e:
            v = e[k]
            if not is_number(v):
                errs.append(f"{k} is not a number: {v!r}")
            elif not lo <= v <= hi:
                errs.append(f"{k} {v} out of range [{lo}, {hi}]")
            elif not rounded(v, 7):
                errs.append(f"{k} {v} not rounded to 7 decimals")
    if "MAPAltitude" in e:
        v = e["MAPAltitude"]
        if not is_number(v):
            errs.append(f"MAPAltitude is not a number: {v!r}")
        elif not rounded(v, 3):
            errs.append(f"MAPAltitude {v} not rounded to 3 decimals")
    if "MAPCaptureTime" in e:
        v = e["MAPCaptureTime"]
        if not isinstance(v, str) or not CAPTURE_TIME.fullmatch(v):
            errs.append(f"MAPCaptureTime {v!r} is not YYYY_MM_DD_HH_MM_SS_mmm")
        else:
            try:
                datetime.datetime.strptime(v, "%Y_%m_%d_%H_%M_%S_%f")
            except ValueError as ex:
                errs.append(f"MAPCaptureTime {v!r}: {ex}")
    if "MAPCompassHeading" in e:
        h = e["MAPCompassHeading"]
        if not isinstance(h, dict):
            errs.append("MAPCompassHeading is not an object")
        else:
            for k in ("TrueHeading", "MagneticHeading"):
                if k not in h:
                    errs.append(f"MAPCompassHeading lacks {k}")
                elif not is_number(h[k]):
                    errs.append(f"MAPCompassHeading.{k} is not a number: {h[k]!r}")
                elif not 0 <= h[k] < 360 or not rounded(h[k], 3):
                    errs.append(f"MAPCompassHeading.{k} {h[k]} not in [0, 360) with 3 decimals")
            for k in sorted(set(h) - {"TrueHeading", "MagneticHeading"}):
                errs.append(f"MAPCompassHeading.{k} not allowed")
            if h.get("TrueHeading") != h.get("MagneticHeading"):
                errs.append("TrueHeading and MagneticHeading differ")
    if "MAPSequenceUUID" in e:
        v = e["MAPSequenceUUID"]
        if not isinstance(v, str) or not SEQUENCE.fullmatch(v):
            errs.append(f"MAPSequenceUUID {v!r} does not match [a-zA-Z0-9_-]+")
    for k in ("MAPDeviceMake", "MAPDeviceModel", "MAPCameraUUID", "MAPFilename"):
        if k in e and not isinstance(e[k], str):
            errs.append(f"{k} is not a string: {e[k]!r}")
    if "MAPFilename" in e and isinstance(e["MAPFilename"], str) and "/" in e["MAPFilename"]:
        errs.append(f"MAPFilename {e['MAPFilename']!r} is not a base name")
    if "MAPGPSAccuracyMeters" in e and not is_number(e["MAPGPSAccuracyMeters"]):
        errs.append("MAPGPSAccuracyMeters is not a number")
    if "MAPMetaTags" in e and not isinstance(e["MAPMetaTags"], dict):
        errs.append("MAPMetaTags is not an object")
    if "MAPOrientation" in e:
        v = e["MAPOrientation"]
        if not isinstance(v, int) or isinstance(v, bool):
            errs.append(f"MAPOrientation is not an integer: {v!r}")
        elif not 1 <= v <= 8:
            errs.append(f"MAPOrientation {v} is not 1 to 8")
    if not exif:
        v = e.get("filename")
        if "filename" in e and (not isinstance(v, str) or not v.startswith("/")):
            errs.append(f"filename {v!r} is not an absolute path")
        if "filetype" in e and e["filetype"] != "image":
            errs.append(f"filetype {e['filetype']!r} is not \"image\"")
        if "md5sum" in e and not (e["md5sum"] is None or isinstance(e["md5sum"], str)):
            errs.append("md5sum is neither a string nor null")
        if "filesize" in e and not (e["filesize"] is None or is_number(e["filesize"])):
            errs.append("filesize is neither a number nor null")
        if isinstance(v, str) and isinstance(e.get("MAPFilename"), str) and not v.endswith("/" + e["MAPFilename"]):
            errs.append("MAPFilename is not the base name of filename")
    return errs


def check_error_entry(e):
    errs = []
    if not isinstance(e.get("filename"), str):
        errs.append("error entry without a filename")
    err = e["error"]
    if not isinstance(err, dict) or not isinstance(err.get("type"), str) or not isinstance(err.get("message"), str):
        errs.append("error entry's error lacks type or message")
    for k in sorted(set(e) - {"filename", "filetype", "error"}):
        errs.append(f"key {k} not allowed in an error entry")
    return errs


def check_file(path, exif):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return [f"{path}: not ASCII (non-ASCII must be escaped as \\uXXXX)"], 0
    try:
        data = json.loads(text)
    except ValueError as ex:
        return [f"{path}: not JSON: {ex}"], 0
    problems = []
    if json.dumps(data, sort_keys=True, separators=(",", ":")) != text.rstrip("\n"):
        problems.append(f"{path}: not compact JSON with sorted keys")
    if exif:
        entries = [data]
        if not isinstance(data, dict):
            return problems + [f"{path}: not a JSON object"], 0
    else:
        if not isinstance(data, list):
            return problems + [f"{path}: not a JSON array"], 0
        entries = data
    images = 0
    for i, e in enumerate(entries, 1):
        if not isinstance(e, dict):
            problems.append(f"{path}: entry {i}: not an object")
            continue
        errs = check_error_entry(e) if ("error" in e and not exif) else check_image(e, exif)
        if "error" not in e:
            images += 1
        problems += [f"{path}: entry {i}: {m}" for m in errs]
    return problems, images


def main(argv):
    exif = "--exif" in argv
    files = [a for a in argv if a != "--exif"]
    if not files:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    bad = False
    for path in files:
        try:
            problems, images = check_file(path, exif)
        except OSError as ex:
            problems, images = [f"{path}: {ex.strerror}"], 0
        for p in problems:
            print(p)
        if problems:
            bad = True
        else:
            what = "EXIF description" if exif else f"{images} image {'entry' if images == 1 else 'entries'}"
            print(f"{path}: {what} valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
