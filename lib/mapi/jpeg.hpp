// JPEG segment structure: find the metadata segments and replace them
// without touching a byte of the compressed image.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mapi {

// A file that is not a JPEG, or whose header is broken or cut short.
class JpegError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Segment {
    uint8_t marker;  // the byte after FF: D8 SOI, E1 APP1, C0 SOF0, ...
    size_t offset;   // offset of the FF marker byte in the file
    size_t size;     // whole segment: marker (2) + length field + payload
};

struct JpegLayout {
    std::vector<Segment> segments;  // SOI up to, not including, SOS
    size_t scan_offset = 0;         // offset of the SOS marker's FF byte
    int width = 0, height = 0;      // from the first SOFn
};

// Walks the segments from SOI to SOS. Fill bytes (FF FF ...) before a marker
// are skipped. Throws JpegError when the data is not a JPEG, has no SOF
// before SOS, or ends before the SOS marker.
JpegLayout parse_jpeg_header(std::span<const uint8_t> bytes);

// The first bytes of the file, through the SOS marker (2 bytes) and no
// further: what a scanner needs without reading the image data. Reads 64 KiB
// first and more only when the header is longer. Throws std::system_error
// (I/O) or JpegError, the path in the message.
std::vector<uint8_t> read_jpeg_header(const std::string& path);
// The same from an open file, read from its start; path names it in messages.
std::vector<uint8_t> read_jpeg_header(int fd, const std::string& path);

// Offset of the SOS marker: the image data are the bytes from there to the end.
size_t scan_data_offset(std::span<const uint8_t> bytes);

// Index in layout.segments of the first APP1 whose payload starts with
// "Exif\0\0" (resp. "http://ns.adobe.com/xap/1.0/\0").
std::optional<size_t> find_exif_segment(std::span<const uint8_t> bytes, const JpegLayout& layout);
std::optional<size_t> find_xmp_segment(std::span<const uint8_t> bytes, const JpegLayout& layout);

// Views into `bytes`: the TIFF data after "Exif\0\0", the XMP packet after
// the namespace string. Extended XMP (a packet split over several APP1s) is
// not joined.
std::optional<std::span<const uint8_t>> exif_tiff(std::span<const uint8_t> bytes, const JpegLayout& layout);
std::optional<std::string_view> xmp_packet(std::span<const uint8_t> bytes, const JpegLayout& layout);

// The largest TIFF (resp. XMP packet) one APP1 segment can carry: 65535 minus
// the 2-byte length minus the 6-byte (resp. 29-byte) signature.
inline constexpr size_t max_exif_tiff_size = 65533 - 6;
inline constexpr size_t max_xmp_packet_size = 65533 - 29;

// A copy of `file` with the EXIF APP1 carrying `new_tiff` and the XMP APP1
// carrying `new_xmp` (each only when given). An existing segment is replaced
// in place; a missing EXIF APP1 goes right after SOI, or after a leading
// JFIF/JFXX APP0 (whose spec wants it first); a missing XMP APP1 goes right
// after the EXIF APP1. Every other byte is kept: other segments, fill bytes,
// the scan data and anything after EOI. Throws JpegError when a payload does
// not fit one segment.
std::vector<uint8_t> splice_metadata(std::span<const uint8_t> file,
                                     const std::optional<std::vector<uint8_t>>& new_tiff,
                                     const std::optional<std::string>& new_xmp);

// splice_metadata of a header (a file through its SOS marker, as
// read_jpeg_header gives it), padded for block sharing: when align > 0 and
// new_tiff is given, padding after the TIFF data in the EXIF segment (the
// 8 bytes "mly:pad\0", then zeros; readers ignore bytes after the TIFF
// structure) makes the result's size congruent to header.size() modulo
// align. The rest of the file then lies at the same offset within a block as
// in the original, so a file system that shares blocks between files
// (reflink) can take it over instead of copying it. When the padding would
// not fit in the segment, there is none.
std::vector<uint8_t> splice_header_aligned(std::span<const uint8_t> header,
                                           const std::optional<std::vector<uint8_t>>& new_tiff,
                                           const std::optional<std::string>& new_xmp, size_t align);

// The TIFF data of an EXIF segment without the padding splice_header_aligned
// added, if any: what to update, so rewrites do not pile up padding.
std::span<const uint8_t> without_padding(std::span<const uint8_t> tiff);

}  // namespace mapi
