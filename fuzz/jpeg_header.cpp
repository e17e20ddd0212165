// JPEG header walking and metadata splicing on arbitrary bytes.
//
// Promises checked: parse_jpeg_header either throws JpegError or returns
// segments that lie inside the data, in order, ending before the SOS marker;
// the EXIF/XMP views lie inside the data; splice_metadata keeps every byte
// from the scan data on, its output parses again and carries exactly the
// payloads given; splice_header_aligned on the header does the same, with
// the EXIF padded so the result's size is congruent to the header's modulo
// the block, and without_padding gives back the TIFF that was padded.
#include "check.hpp"
#include "mapi/jpeg.hpp"

#include <cstring>

using namespace mapi;

namespace {

bool inside(std::span<const uint8_t> outer, const void* p, size_t n) {
    auto* b = reinterpret_cast<const uint8_t*>(p);
    return b >= outer.data() && n <= outer.size() && size_t(b - outer.data()) <= outer.size() - n;
}

bool same_tail(std::span<const uint8_t> a, size_t a_off, std::span<const uint8_t> b, size_t b_off) {
    return a.size() - a_off == b.size() - b_off && std::memcmp(a.data() + a_off, b.data() + b_off, a.size() - a_off) == 0;
}

void check_splice(std::span<const uint8_t> in, const JpegLayout& layout, const std::optional<std::vector<uint8_t>>& tiff,
                  const std::optional<std::string>& xmp) {
    std::vector<uint8_t> out;
    try {
        out = splice_metadata(in, tiff, xmp);
    } catch (const JpegError&) {
        // Only a payload too large for one segment may be refused.
        FUZZ_CHECK((tiff && tiff->size() > max_exif_tiff_size) || (xmp && xmp->size() > max_xmp_packet_size));
        return;
    }
    std::span<const uint8_t> o(out);
    JpegLayout again = parse_jpeg_header(o);  // must not throw
    FUZZ_CHECK(same_tail(in, layout.scan_offset, o, again.scan_offset));
    FUZZ_CHECK(again.width == layout.width && again.height == layout.height);
    if (tiff) {
        auto t = exif_tiff(o, again);
        FUZZ_CHECK(t && t->size() == tiff->size() && std::equal(t->begin(), t->end(), tiff->begin()));
    }
    if (xmp) {
        auto x = xmp_packet(o, again);
        FUZZ_CHECK(x && *x == *xmp);
    }
}

void check_aligned(std::span<const uint8_t> in, const JpegLayout& layout, const std::vector<uint8_t>& tiff) {
    auto header = in.first(layout.scan_offset + 2);
    for (size_t align : {size_t(512), size_t(4096)}) {
        std::vector<uint8_t> out;
        try {
            out = splice_header_aligned(header, tiff, std::nullopt, align);
        } catch (const JpegError&) {
            FUZZ_CHECK(tiff.size() > max_exif_tiff_size);
            return;
        }
        std::span<const uint8_t> o(out);
        JpegLayout again = parse_jpeg_header(o);  // must not throw
        FUZZ_CHECK(again.scan_offset + 2 == out.size());
        auto t = exif_tiff(o, again);
        FUZZ_CHECK(t && t->size() >= tiff.size() && std::equal(tiff.begin(), tiff.end(), t->begin()));
        if (t->size() > tiff.size()) {  // padded: aligned, and the padding comes off again
            FUZZ_CHECK(out.size() % align == header.size() % align);
            auto bare = without_padding(*t);
            FUZZ_CHECK(bare.size() == tiff.size());
        } else {
            FUZZ_CHECK(out == splice_metadata(header, tiff, std::nullopt));
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const uint8_t> in(data, size);
    JpegLayout layout;
    try {
        layout = parse_jpeg_header(in);
    } catch (const JpegError&) {
        return 0;
    }
    FUZZ_CHECK(!layout.segments.empty() && layout.segments[0].offset == 0);
    size_t end = 0;
    for (const Segment& s : layout.segments) {
        FUZZ_CHECK(s.offset >= end && s.size >= 2 && s.offset + s.size <= layout.scan_offset);
        end = s.offset + s.size;
    }
    FUZZ_CHECK(layout.scan_offset + 2 <= size && data[layout.scan_offset] == 0xFF && data[layout.scan_offset + 1] == 0xDA);
    FUZZ_CHECK(scan_data_offset(in) == layout.scan_offset);

    auto tiff = exif_tiff(in, layout);
    auto xmp = xmp_packet(in, layout);
    if (tiff) FUZZ_CHECK(inside(in, tiff->data(), tiff->size()));
    if (xmp) FUZZ_CHECK(inside(in, xmp->data(), xmp->size()));

    // The same payloads again, new small ones, and each alone.
    std::optional<std::vector<uint8_t>> old_tiff;
    if (tiff) old_tiff.emplace(tiff->begin(), tiff->end());
    std::optional<std::string> old_xmp;
    if (xmp) old_xmp.emplace(*xmp);
    const std::vector<uint8_t> new_tiff = {'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const std::string new_xmp = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>";
    check_splice(in, layout, old_tiff, old_xmp);
    check_splice(in, layout, new_tiff, new_xmp);
    check_splice(in, layout, new_tiff, std::nullopt);
    check_splice(in, layout, std::nullopt, new_xmp);
    check_aligned(in, layout, new_tiff);
    if (old_tiff) check_aligned(in, layout, std::vector<uint8_t>(without_padding(*old_tiff).begin(), without_padding(*old_tiff).end()));
    return 0;
}
