// JPEG segment walking and metadata splicing. Only the header (SOI .. SOS)
// is ever interpreted; the scan data are copied as opaque bytes so the image
// stays bit-exact.
#include "mapi/jpeg.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace mapi {

namespace {

constexpr uint8_t SOI = 0xD8, EOI = 0xD9, SOS = 0xDA, APP0 = 0xE0, APP1 = 0xE1;

constexpr std::string_view exif_sig{"Exif\0\0", 6};
constexpr std::string_view xmp_sig{"http://ns.adobe.com/xap/1.0/\0", 29};

std::string hex_marker(uint8_t m) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "FF%02X", m);
    return buf;
}

// SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
bool is_sof(uint8_t m) {
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

// Markers that stand alone, without a length field.
bool is_standalone(uint8_t m) { return m == 0x01 || (m >= 0xD0 && m <= 0xD7); }

// Walks the header. Returns 0 when `out` is complete (SOS reached); otherwise
// the header is cut short and the return value is the buffer size needed to
// get further, with the reason in `why`. Structural errors throw.
size_t walk(std::span<const uint8_t> b, JpegLayout& out, std::string& why) {
    out = JpegLayout{};
    if (b.size() < 2 || b[0] != 0xFF || b[1] != SOI) {
        if (b.size() == 1 && b[0] == 0xFF) {
            why = "truncated JPEG (file shorter than the SOI marker)";
            return 2;
        }
        throw JpegError("not a JPEG file");
    }
    out.segments.reserve(16);
    out.segments.push_back({SOI, 0, 2});
    bool have_sof = false;
    size_t pos = 2;
    for (;;) {
        if (pos >= b.size()) {
            why = "truncated JPEG (ends at offset " + std::to_string(b.size()) + " before the SOS marker)";
            return pos + 2;
        }
        if (b[pos] != 0xFF)
            throw JpegError("corrupt JPEG (no marker at offset " + std::to_string(pos) + ")");
        // Any number of FF fill bytes may precede a marker; the segment
        // starts at the last of them.
        while (pos + 1 < b.size() && b[pos + 1] == 0xFF) ++pos;
        if (pos + 1 >= b.size()) {
            why = "truncated JPEG (ends at offset " + std::to_string(b.size()) + " before the SOS marker)";
            return pos + 2;
        }
        const uint8_t m = b[pos + 1];
        if (m == SOS) {
            if (!have_sof)
                throw JpegError("corrupt JPEG (SOS at offset " + std::to_string(pos) + " without a SOF before it)");
            out.scan_offset = pos;
            return 0;
        }
        if (m == 0x00 || m == SOI || m == EOI)
            throw JpegError("corrupt JPEG (unexpected marker " + hex_marker(m) + " at offset " + std::to_string(pos) + ")");
        if (is_standalone(m)) {
            out.segments.push_back({m, pos, 2});
            pos += 2;
            continue;
        }
        if (pos + 4 > b.size()) {
            why = "truncated JPEG (segment " + hex_marker(m) + " at offset " + std::to_string(pos) + " runs past end of file)";
            return pos + 4;
        }
        const size_t len = size_t(b[pos + 2]) << 8 | b[pos + 3];
        if (len < 2)
            throw JpegError("corrupt JPEG (segment " + hex_marker(m) + " at offset " + std::to_string(pos) + " has length " + std::to_string(len) + ")");
        const size_t size = 2 + len;
        if (pos + size > b.size()) {
            why = "truncated JPEG (segment " + hex_marker(m) + " at offset " + std::to_string(pos) + " runs past end of file)";
            return pos + size + 2;  // + the next marker
        }
        if (is_sof(m) && !have_sof) {
            // FF Cn Lh Ll P Yh Yl Xh Xl Nf ...
            if (len < 8)
                throw JpegError("corrupt JPEG (SOF segment at offset " + std::to_string(pos) + " too short)");
            out.height = b[pos + 5] << 8 | b[pos + 6];
            out.width = b[pos + 7] << 8 | b[pos + 8];
            have_sof = true;
        }
        out.segments.push_back({m, pos, size});
        pos += size;
    }
}

bool payload_starts_with(std::span<const uint8_t> b, const Segment& s, std::string_view sig) {
    if (s.size < 4 + sig.size()) return false;
    return std::memcmp(b.data() + s.offset + 4, sig.data(), sig.size()) == 0;
}

std::optional<size_t> find_app1(std::span<const uint8_t> b, const JpegLayout& l, std::string_view sig) {
    for (size_t i = 0; i < l.segments.size(); ++i)
        if (l.segments[i].marker == APP1 && payload_starts_with(b, l.segments[i], sig)) return i;
    return std::nullopt;
}

// Reads until `buf` holds `want` bytes or the file ends; returns false at EOF.
bool fill(int fd, std::vector<uint8_t>& buf, size_t want, const std::string& path) {
    size_t have = buf.size();
    buf.resize(want);
    while (have < want) {
        ssize_t n = ::read(fd, buf.data() + have, want - have);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            buf.resize(have);
            throw std::system_error(e, std::generic_category(), path);
        }
        if (n == 0) {
            buf.resize(have);
            return false;
        }
        have += size_t(n);
    }
    return true;
}

void append_app1(std::vector<uint8_t>& out, std::string_view sig, const uint8_t* data, size_t n) {
    const size_t len = 2 + sig.size() + n;  // fits: checked by the caller
    out.push_back(0xFF);
    out.push_back(APP1);
    out.push_back(uint8_t(len >> 8));
    out.push_back(uint8_t(len));
    out.insert(out.end(), sig.begin(), sig.end());
    out.insert(out.end(), data, data + n);
}

}  // namespace

JpegLayout parse_jpeg_header(std::span<const uint8_t> bytes) {
    JpegLayout layout;
    std::string why;
    if (walk(bytes, layout, why) != 0) throw JpegError(why);
    return layout;
}

std::vector<uint8_t> read_jpeg_header(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), path);
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    return read_jpeg_header(fd, path);
}

std::vector<uint8_t> read_jpeg_header(int fd, const std::string& path) {
    if (::lseek(fd, 0, SEEK_SET) != 0) throw std::system_error(errno, std::generic_category(), path);
    constexpr size_t chunk = 64 * 1024;
    std::vector<uint8_t> buf;
    bool more = fill(fd, buf, chunk, path);
    for (;;) {
        JpegLayout layout;
        std::string why;
        size_t need;
        try {
            need = walk(buf, layout, why);
        } catch (const JpegError& e) {
            throw JpegError(path + ": " + e.what());
        }
        if (need == 0) {
            buf.resize(layout.scan_offset + 2);
            return buf;
        }
        if (!more) throw JpegError(path + ": " + why);
        // Grow by at least a chunk so a header of many segments costs few reads.
        more = fill(fd, buf, std::max(need, buf.size() + chunk), path);
    }
}

size_t scan_data_offset(std::span<const uint8_t> bytes) { return parse_jpeg_header(bytes).scan_offset; }

std::optional<size_t> find_exif_segment(std::span<const uint8_t> bytes, const JpegLayout& layout) {
    return find_app1(bytes, layout, exif_sig);
}

std::optional<size_t> find_xmp_segment(std::span<const uint8_t> bytes, const JpegLayout& layout) {
    return find_app1(bytes, layout, xmp_sig);
}

std::optional<std::span<const uint8_t>> exif_tiff(std::span<const uint8_t> bytes, const JpegLayout& layout) {
    auto i = find_exif_segment(bytes, layout);
    if (!i) return std::nullopt;
    const Segment& s = layout.segments[*i];
    const size_t skip = 4 + exif_sig.size();
    return bytes.subspan(s.offset + skip, s.size - skip);
}

std::optional<std::string_view> xmp_packet(std::span<const uint8_t> bytes, const JpegLayout& layout) {
    auto i = find_xmp_segment(bytes, layout);
    if (!i) return std::nullopt;
    const Segment& s = layout.segments[*i];
    const size_t skip = 4 + xmp_sig.size();
    return std::string_view(reinterpret_cast<const char*>(bytes.data()) + s.offset + skip, s.size - skip);
}

std::vector<uint8_t> splice_metadata(std::span<const uint8_t> file,
                                     const std::optional<std::vector<uint8_t>>& new_tiff,
                                     const std::optional<std::string>& new_xmp) {
    if (new_tiff && new_tiff->size() > max_exif_tiff_size)
        throw JpegError("EXIF data too large for one APP1 segment (" + std::to_string(new_tiff->size()) + " bytes)");
    if (new_xmp && new_xmp->size() > max_xmp_packet_size)
        throw JpegError("XMP data too large for one APP1 segment (" + std::to_string(new_xmp->size()) + " bytes)");

    const JpegLayout layout = parse_jpeg_header(file);
    const auto& segs = layout.segments;
    const auto exif_i = find_exif_segment(file, layout);
    const auto xmp_i = find_xmp_segment(file, layout);

    // Where a new APP1 goes: after SOI, or after the JFIF APP0 (and its JFXX
    // extension), which JFIF requires to come first.
    size_t insert_at = segs[0].offset + segs[0].size;
    for (size_t i = 1; i < segs.size() && segs[i].marker == APP0; ++i) {
        if (!payload_starts_with(file, segs[i], std::string_view("JFIF\0", 5)) &&
            !payload_starts_with(file, segs[i], std::string_view("JFXX\0", 5)))
            break;
        insert_at = segs[i].offset + segs[i].size;
    }

    // An edit replaces file[at, at + remove) by a new segment. Sorted by
    // `at`; at equal positions EXIF (pushed first) stays before XMP.
    struct Edit {
        size_t at, remove;
        bool exif;
    };
    Edit edits[2];
    size_t n_edits = 0;
    if (new_tiff) {
        if (exif_i) edits[n_edits++] = {segs[*exif_i].offset, segs[*exif_i].size, true};
        else edits[n_edits++] = {insert_at, 0, true};
    }
    if (new_xmp) {
        if (xmp_i) edits[n_edits++] = {segs[*xmp_i].offset, segs[*xmp_i].size, false};
        else if (exif_i) edits[n_edits++] = {segs[*exif_i].offset + segs[*exif_i].size, 0, false};
        else edits[n_edits++] = {insert_at, 0, false};
    }
    std::stable_sort(edits, edits + n_edits, [](const Edit& a, const Edit& b) { return a.at < b.at; });

    size_t out_size = file.size();
    if (new_tiff) out_size += 4 + exif_sig.size() + new_tiff->size();
    if (new_xmp) out_size += 4 + xmp_sig.size() + new_xmp->size();
    std::vector<uint8_t> out;
    out.reserve(out_size);
    size_t cursor = 0;
    for (size_t i = 0; i < n_edits; ++i) {
        const Edit& e = edits[i];
        out.insert(out.end(), file.begin() + cursor, file.begin() + e.at);
        if (e.exif)
            append_app1(out, exif_sig, new_tiff->data(), new_tiff->size());
        else
            append_app1(out, xmp_sig, reinterpret_cast<const uint8_t*>(new_xmp->data()), new_xmp->size());
        cursor = e.at + e.remove;
    }
    out.insert(out.end(), file.begin() + cursor, file.end());
    return out;
}

namespace {
constexpr std::string_view pad_magic("mly:pad", 8);  // with its NUL
}

std::span<const uint8_t> without_padding(std::span<const uint8_t> tiff) {
    size_t end = tiff.size();
    while (end > 0 && tiff[end - 1] == 0) --end;
    // The magic ends in a NUL, which the loop took for padding.
    const size_t m = pad_magic.size() - 1;
    if (end + 1 < pad_magic.size() || end == tiff.size()) return tiff;
    if (std::memcmp(tiff.data() + end - m, pad_magic.data(), m) != 0) return tiff;
    return tiff.first(end - m);
}

std::vector<uint8_t> splice_header_aligned(std::span<const uint8_t> header,
                                           const std::optional<std::vector<uint8_t>>& new_tiff,
                                           const std::optional<std::string>& new_xmp, size_t align) {
    std::vector<uint8_t> out = splice_metadata(header, new_tiff, new_xmp);
    if (align == 0 || !new_tiff) return out;
    size_t pad = (align - (out.size() + align - header.size() % align) % align) % align;
    if (pad == 0) return out;
    if (pad < pad_magic.size()) pad += align;
    if (new_tiff->size() + pad > max_exif_tiff_size) return out;
    std::vector<uint8_t> padded;
    padded.reserve(new_tiff->size() + pad);
    padded.assign(new_tiff->begin(), new_tiff->end());
    padded.insert(padded.end(), pad_magic.begin(), pad_magic.end());
    padded.resize(new_tiff->size() + pad, 0);
    return splice_metadata(header, padded, new_xmp);
}

}  // namespace mapi
