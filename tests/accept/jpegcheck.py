"""A small JPEG walker for the acceptance tests, independent of mly's code.

segments(data) -> (segs, sos): the marker segments before the first SOS as
(marker, payload) pairs, and the offset of that SOS marker.
offsets(data): the file offset of each of those segments' markers.
is_metadata(marker, payload): an EXIF or XMP APP1, the segments mly-write may
change.
complete(data) -> None or a reason: the file parses from SOI through its
segments and entropy-coded data (every scan, markers between scans) to EOI.
"""

EXIF_ID = b"Exif\0\0"
XMP_ID = b"http://ns.adobe.com/xap/1.0/\0"


class BadJpeg(Exception):
    pass


def _marker_at(data, i):
    """Position after the marker at i (skipping fill bytes) and the marker."""
    if i >= len(data) or data[i] != 0xFF:
        raise BadJpeg("no marker at offset %d" % i)
    while i < len(data) and data[i] == 0xFF:
        i += 1
    if i >= len(data):
        raise BadJpeg("file ends inside a marker")
    return i + 1, data[i]


def _length_at(data, i, marker):
    if i + 2 > len(data):
        raise BadJpeg("segment %02X at %d has no length" % (marker, i))
    n = data[i] << 8 | data[i + 1]
    if n < 2 or i + n > len(data):
        raise BadJpeg("segment %02X at %d runs past the end" % (marker, i))
    return n


def _walk(data):
    if data[:2] != b"\xff\xd8":
        raise BadJpeg("no SOI")
    i, segs = 2, []
    while True:
        start = i
        i, m = _marker_at(data, i)
        if m == 0xDA:
            return segs, start
        if m == 0xD9:
            raise BadJpeg("EOI before any scan")
        if 0xD0 <= m <= 0xD7 or m == 0x01:
            segs.append((start, m, b""))
            continue
        n = _length_at(data, i, m)
        segs.append((start, m, bytes(data[i + 2:i + n])))
        i += n


def segments(data):
    segs, sos = _walk(data)
    return [(m, p) for _, m, p in segs], sos


def offsets(data):
    return [o for o, _, _ in _walk(data)[0]]


def is_metadata(marker, payload):
    return marker == 0xE1 and (payload.startswith(EXIF_ID) or payload.startswith(XMP_ID))


def complete(data):
    try:
        _, i = segments(data)
        while True:
            # i is at a marker with a length (SOS, or DHT/DQT/DRI/... between scans).
            i, m = _marker_at(data, i)
            if m == 0xD9:
                return None
            n = _length_at(data, i, m)
            i += n
            if m != 0xDA:
                continue
            # Entropy-coded data: up to the next marker that is not a
            # stuffed zero, a restart marker or fill.
            while True:
                j = data.find(b"\xff", i)
                if j < 0 or j + 1 >= len(data):
                    return "entropy-coded data runs to the end of the file, no EOI"
                nxt = data[j + 1]
                if nxt == 0x00 or 0xD0 <= nxt <= 0xD7:
                    i = j + 2
                elif nxt == 0xFF:
                    i = j + 1
                else:
                    i = j
                    break
    except BadJpeg as e:
        return str(e)
