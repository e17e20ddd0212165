// JPEG segment walking, header reading and metadata splicing, on synthetic
// files and on the real camera files of ../shared/fixtures.
#include <catch2/catch.hpp>

#include "support.hpp"

#include "mapi/jpeg.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

using namespace mapi;
namespace fsys = std::filesystem;
using namespace test_support;

namespace {

void add_segment(Bytes& b, uint8_t marker, const Bytes& payload) {
    size_t len = payload.size() + 2;
    b.insert(b.end(), {0xFF, marker, uint8_t(len >> 8), uint8_t(len)});
    b.insert(b.end(), payload.begin(), payload.end());
}

Bytes with_prefix(std::string_view prefix, const Bytes& rest) {
    Bytes b(prefix.begin(), prefix.end());
    b.insert(b.end(), rest.begin(), rest.end());
    return b;
}

// A structurally valid baseline JPEG header (its entropy-coded data is
// junk; nothing here decodes it): SOI [APP0 JFIF] DQT SOF0(w x h) DHT SOS
// data EOI.
Bytes tiny_jpeg(bool jfif, int w = 16, int h = 8) {
    Bytes b{0xFF, 0xD8};
    if (jfif) add_segment(b, 0xE0, with_prefix(std::string_view("JFIF\0", 5), {1, 1, 0, 0, 1, 0, 1, 0, 0}));
    add_segment(b, 0xDB, Bytes(65, 1));
    add_segment(b, 0xC0, {8, uint8_t(h >> 8), uint8_t(h), uint8_t(w >> 8), uint8_t(w), 1, 1, 0x11, 0});
    add_segment(b, 0xC4, Bytes(20, 0));
    add_segment(b, 0xDA, {1, 1, 0, 0, 63, 0});
    b.insert(b.end(), {0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9});
    return b;
}

std::string app1_text(std::span<const uint8_t> b, const Segment& s) {
    return std::string(reinterpret_cast<const char*>(b.data()) + s.offset + 4, s.size - 4);
}

}  // namespace

TEST_CASE("parse_jpeg_header walks a synthetic file", "[jpeg]") {
    Bytes b = tiny_jpeg(true, 640, 480);
    JpegLayout l = parse_jpeg_header(b);
    REQUIRE(l.segments.size() == 5);
    CHECK(l.segments[0].marker == 0xD8);
    CHECK(l.segments[0].offset == 0);
    CHECK(l.segments[0].size == 2);
    CHECK(l.segments[1].marker == 0xE0);
    CHECK(l.segments[1].offset == 2);
    CHECK(l.segments[1].size == 2 + 2 + 14);
    CHECK(l.segments[4].marker == 0xC4);
    CHECK(l.scan_offset == l.segments[4].offset + l.segments[4].size);
    CHECK(b[l.scan_offset] == 0xFF);
    CHECK(b[l.scan_offset + 1] == 0xDA);
    CHECK(l.width == 640);
    CHECK(l.height == 480);
    CHECK(scan_data_offset(b) == l.scan_offset);
}

TEST_CASE("parse_jpeg_header skips fill bytes before markers", "[jpeg]") {
    Bytes b = tiny_jpeg(false);
    JpegLayout plain = parse_jpeg_header(b);
    // Three fill bytes before the DQT marker.
    const size_t dqt = plain.segments[1].offset;
    b.insert(b.begin() + long(dqt), {0xFF, 0xFF, 0xFF});
    JpegLayout l = parse_jpeg_header(b);
    REQUIRE(l.segments.size() == plain.segments.size());
    CHECK(l.segments[1].marker == 0xDB);
    CHECK(l.segments[1].offset == dqt + 3);  // the FF right before the marker code
    CHECK(l.scan_offset == plain.scan_offset + 3);
}

TEST_CASE("parse_jpeg_header rejects what is not a complete JPEG header", "[jpeg]") {
    const Bytes good = tiny_jpeg(true);
    const size_t sos = parse_jpeg_header(good).scan_offset;

    SECTION("not a JPEG") {
        for (std::string_view s : {std::string_view(""), std::string_view("\x89PNG\r\n\x1a\n"),
                                   std::string_view("hello"), std::string_view("\xFF\xD9")}) {
            Bytes b(s.begin(), s.end());
            CHECK_THROWS_WITH(parse_jpeg_header(b), Catch::Contains("not a JPEG file"));
        }
    }
    SECTION("every prefix that stops before the SOS marker is truncated") {
        for (size_t n = 1; n < sos + 2; ++n) {
            INFO("prefix of " << n << " bytes");
            CHECK_THROWS_AS(parse_jpeg_header(std::span(good).first(n)), JpegError);
        }
        CHECK_NOTHROW(parse_jpeg_header(std::span(good).first(sos + 2)));
    }
    SECTION("the message names the segment cut short") {
        Bytes b{0xFF, 0xD8};
        add_segment(b, 0xE1, Bytes(100, 0));
        b.resize(50);
        CHECK_THROWS_WITH(parse_jpeg_header(b), "truncated JPEG (segment FFE1 at offset 2 runs past end of file)");
    }
    SECTION("SOS without SOF") {
        Bytes b{0xFF, 0xD8};
        add_segment(b, 0xDB, Bytes(65, 1));
        add_segment(b, 0xDA, {1, 1, 0, 0, 63, 0});
        CHECK_THROWS_AS(parse_jpeg_header(b), JpegError);
    }
    SECTION("garbage between segments, EOI before SOS, bad length") {
        Bytes junk = good;
        junk[2] = 0x00;  // where the APP0 marker should be
        CHECK_THROWS_AS(parse_jpeg_header(junk), JpegError);
        Bytes eoi{0xFF, 0xD8, 0xFF, 0xD9};
        CHECK_THROWS_AS(parse_jpeg_header(eoi), JpegError);
        Bytes short_len{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0xFF, 0xDA};
        CHECK_THROWS_AS(parse_jpeg_header(short_len), JpegError);
    }
}

TEST_CASE("read_jpeg_header reads up to the SOS marker only", "[jpeg]") {
    TempDir t;
    SECTION("a header longer than the first 64 KiB read") {
        Bytes b{0xFF, 0xD8};
        for (int i = 0; i < 3; ++i) add_segment(b, 0xE2, Bytes(60000, uint8_t(i)));
        Bytes tail = tiny_jpeg(false);
        b.insert(b.end(), tail.begin() + 2, tail.end());
        b.insert(b.end(), 500000, 0x55);  // more "scan data"
        spit(t.path / "big.jpg", b);
        Bytes h = read_jpeg_header((t.path / "big.jpg").string());
        const size_t sos = scan_data_offset(b);
        REQUIRE(h.size() == sos + 2);
        CHECK(std::equal(h.begin(), h.end(), b.begin()));
        CHECK(parse_jpeg_header(h).scan_offset == sos);
    }
    SECTION("errors carry the path") {
        const std::string missing = (t.path / "missing.jpg").string();
        CHECK_THROWS_AS(read_jpeg_header(missing), std::system_error);
        CHECK_THROWS_WITH(read_jpeg_header(missing), Catch::Contains(missing));

        Bytes b = tiny_jpeg(true);
        b.resize(30);
        const std::string cut = (t.path / "cut.jpg").string();
        spit(cut, b);
        CHECK_THROWS_AS(read_jpeg_header(cut), JpegError);
        CHECK_THROWS_WITH(read_jpeg_header(cut), Catch::Contains(cut) && Catch::Contains("truncated"));

        const std::string text = (t.path / "text.jpg").string();
        spit(text, Bytes{'h', 'e', 'l', 'l', 'o'});
        CHECK_THROWS_WITH(read_jpeg_header(text), Catch::Contains(text) && Catch::Contains("not a JPEG file"));
    }
}

TEST_CASE("fixtures: segments, sizes and the metadata segments", "[jpeg][fixtures]") {
    auto files = fixture_files();
    if (files.empty()) {
        WARN("fixtures not found at " << fixture_images() << ": skipped");
        return;
    }
    // SOS offsets and sizes checked independently (a Python segment walk and
    // exiftool's ImageWidth/ImageHeight).
    const std::map<std::string, std::tuple<size_t, int, int>> known = {
        {"ex_Canon_40D.jpg", {5962, 100, 68}},
        {"ex_gps_DSCN0010.jpg", {15933, 640, 480}},
        {"mt_DSC00001.JPG", {43082, 3840, 2160}},
        {"mt_adobe_coords.jpg", {10556, 32, 28}},  // progressive (SOF2)
        {"mt_noexif.jpg", {609, 50, 50}},
        {"ex_invalid_image00971.jpg", {36147, 636, 227}},
        {"mt_corrupt_exif_large_thumbnail.jpg", {65145, 100, 100}},
    };
    for (const auto& f : files) {
        const std::string name = f.filename().string();
        INFO(name);
        Bytes b = slurp(f);
        JpegLayout l = parse_jpeg_header(b);
        REQUIRE(!l.segments.empty());
        CHECK(l.segments[0].marker == 0xD8);
        size_t end = 0;
        for (const Segment& s : l.segments) {
            CHECK(s.offset >= end);  // in order, not overlapping
            CHECK(b[s.offset] == 0xFF);
            CHECK(b[s.offset + 1] == s.marker);
            end = s.offset + s.size;
        }
        CHECK(l.scan_offset >= end);
        CHECK(l.width > 0);
        CHECK(l.height > 0);
        if (auto k = known.find(name); k != known.end()) {
            CHECK(l.scan_offset == std::get<0>(k->second));
            if (std::get<1>(k->second)) {
                CHECK(l.width == std::get<1>(k->second));
                CHECK(l.height == std::get<2>(k->second));
            }
        }
        // The scanner's read gives exactly the header.
        Bytes h = read_jpeg_header(f.string());
        REQUIRE(h.size() == l.scan_offset + 2);
        CHECK(std::equal(h.begin(), h.end(), b.begin()));

        auto tiff = exif_tiff(b, l);
        auto xmp = xmp_packet(b, l);
        const bool no_exif = name == "mt_noexif.jpg" || name.starts_with("ex_invalid_");
        CHECK(tiff.has_value() == !no_exif);
        if (tiff) {
            REQUIRE(tiff->size() >= 8);
            const bool ii = (*tiff)[0] == 'I' && (*tiff)[1] == 'I', mm = (*tiff)[0] == 'M' && (*tiff)[1] == 'M';
            CHECK((ii || mm));
        }
        if (xmp) CHECK(xmp->find("x:xmpmeta") != std::string_view::npos);
    }
    // Which files carry XMP, checked with exiftool -xmp.
    for (const char* name : {"ex_Nikon_D70.jpg", "mt_adobe_coords.jpg", "ex_invalid_image01137.jpg"}) {
        Bytes b = slurp(fixture_images() / name);
        INFO(name);
        CHECK(xmp_packet(b, parse_jpeg_header(b)).has_value());
    }
    Bytes b = slurp(fixture_images() / "ex_Canon_40D.jpg");
    CHECK_FALSE(xmp_packet(b, parse_jpeg_header(b)).has_value());
}

TEST_CASE("fixtures: truncated copies throw JpegError", "[jpeg][fixtures]") {
    auto files = fixture_files();
    if (files.empty()) {
        WARN("fixtures not found: skipped");
        return;
    }
    for (const char* name : {"mt_noexif.jpg", "mt_empty_exif.jpg", "mt_corrupt_exif_wrong_type.jpg"}) {
        Bytes b = slurp(fixture_images() / name);
        const size_t sos = scan_data_offset(b);
        for (size_t n = 0; n < sos + 2; ++n) {
            INFO(name << " cut to " << n << " bytes");
            CHECK_THROWS_AS(parse_jpeg_header(std::span(b).first(n)), JpegError);
        }
    }
}

TEST_CASE("splice_metadata replaces or inserts APP1 segments and keeps every other byte", "[jpeg]") {
    const Bytes tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0};
    const std::string xmp = "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>";

    SECTION("nothing to do gives the same bytes") {
        Bytes b = tiny_jpeg(true);
        CHECK(splice_metadata(b, std::nullopt, std::nullopt) == b);
    }
    SECTION("inserted after SOI when there is no JFIF APP0") {
        Bytes b = tiny_jpeg(false);
        b.insert(b.end(), {'t', 'r', 'a', 'i', 'l'});  // after EOI: kept
        Bytes out = splice_metadata(b, tiff, xmp);
        JpegLayout l = parse_jpeg_header(out);
        REQUIRE(l.segments.size() == parse_jpeg_header(b).segments.size() + 2);
        CHECK(l.segments[1].marker == 0xE1);
        CHECK(l.segments[1].offset == 2);
        CHECK(app1_text(out, l.segments[1]) == std::string("Exif\0\0", 6) + std::string(tiff.begin(), tiff.end()));
        CHECK(app1_text(out, l.segments[2]) == std::string("http://ns.adobe.com/xap/1.0/\0", 29) + xmp);
        auto t = exif_tiff(out, l);
        REQUIRE(t);
        CHECK(Bytes(t->begin(), t->end()) == tiff);
        CHECK(xmp_packet(out, l) == std::optional<std::string_view>(xmp));
        // Everything after the new segments is the old file from its DQT on.
        const size_t added = out.size() - b.size();
        CHECK(std::equal(b.begin() + 2, b.end(), out.begin() + 2 + long(added)));
    }
    SECTION("inserted after a JFIF APP0") {
        Bytes b = tiny_jpeg(true);
        Bytes out = splice_metadata(b, tiff, std::nullopt);
        JpegLayout l = parse_jpeg_header(out);
        CHECK(l.segments[1].marker == 0xE0);
        CHECK(l.segments[2].marker == 0xE1);
        CHECK(l.segments[2].offset == 20);
        CHECK_FALSE(xmp_packet(out, l));
    }
    SECTION("replaced in place, sizes changing both ways") {
        Bytes b = splice_metadata(tiny_jpeg(true), tiff, xmp);
        Bytes bigger(3000, 7);
        bigger[0] = 'I';
        std::string small_xmp = "<a/>";
        Bytes out = splice_metadata(b, bigger, small_xmp);
        JpegLayout l = parse_jpeg_header(out), old = parse_jpeg_header(b);
        REQUIRE(l.segments.size() == old.segments.size());
        auto t = exif_tiff(out, l);
        REQUIRE(t);
        CHECK(Bytes(t->begin(), t->end()) == bigger);
        CHECK(xmp_packet(out, l) == std::optional<std::string_view>(small_xmp));
        CHECK(std::equal(b.begin() + long(old.scan_offset), b.end(), out.begin() + long(l.scan_offset), out.end()));
        // XMP alone: the EXIF segment stays byte for byte.
        Bytes out2 = splice_metadata(b, std::nullopt, small_xmp);
        JpegLayout l2 = parse_jpeg_header(out2);
        CHECK(app1_text(out2, l2.segments[2]) == app1_text(b, old.segments[2]));
    }
    SECTION("a missing XMP goes right after the existing EXIF") {
        Bytes b = splice_metadata(tiny_jpeg(true), tiff, std::nullopt);
        Bytes out = splice_metadata(b, std::nullopt, xmp);
        JpegLayout l = parse_jpeg_header(out);
        CHECK(l.segments[2].marker == 0xE1);
        CHECK(l.segments[3].marker == 0xE1);
        CHECK(xmp_packet(out, l).has_value());
        CHECK(find_exif_segment(out, l) == std::optional<size_t>(2));
        CHECK(find_xmp_segment(out, l) == std::optional<size_t>(3));
    }
    SECTION("payloads beyond one segment are refused") {
        Bytes b = tiny_jpeg(true);
        CHECK_THROWS_WITH(splice_metadata(b, Bytes(70000, 0), std::nullopt),
                          "EXIF data too large for one APP1 segment (70000 bytes)");
        CHECK_THROWS_AS(splice_metadata(b, std::nullopt, std::string(70000, ' ')), JpegError);
        // The largest that fits makes a segment of length 0xFFFF.
        Bytes out = splice_metadata(b, Bytes(max_exif_tiff_size, 0), std::nullopt);
        JpegLayout l = parse_jpeg_header(out);
        CHECK(l.segments[2].size == 2 + 0xFFFF);
        Bytes out2 = splice_metadata(b, std::nullopt, std::string(max_xmp_packet_size, ' '));
        CHECK(parse_jpeg_header(out2).segments[2].size == 2 + 0xFFFF);
    }
    SECTION("not a JPEG") {
        Bytes b{'G', 'I', 'F', '8'};
        CHECK_THROWS_AS(splice_metadata(b, tiff, std::nullopt), JpegError);
    }
}

TEST_CASE("fixtures: splice keeps the scan data and every other segment byte-identical", "[jpeg][fixtures]") {
    auto files = fixture_files();
    if (files.empty()) {
        WARN("fixtures not found: skipped");
        return;
    }
    const Bytes tiff = {'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const std::string xmp = "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>";
    for (const auto& f : files) {
        INFO(f.filename().string());
        Bytes b = slurp(f);
        JpegLayout old = parse_jpeg_header(b);
        for (int mode = 0; mode < 3; ++mode) {
            std::optional<Bytes> t = mode != 1 ? std::optional<Bytes>(tiff) : std::nullopt;
            std::optional<std::string> x = mode != 0 ? std::optional<std::string>(xmp) : std::nullopt;
            Bytes out = splice_metadata(b, t, x);
            JpegLayout l = parse_jpeg_header(out);
            // Scan data and whatever follows EOI (MPF previews, trailers).
            CHECK(out.size() - l.scan_offset == b.size() - old.scan_offset);
            CHECK(std::equal(b.begin() + long(old.scan_offset), b.end(), out.begin() + long(l.scan_offset)));
            CHECK(l.width == old.width);
            CHECK(l.height == old.height);
            // The segments we did not replace, in the same order, same bytes.
            auto keep = [&](std::span<const uint8_t> bytes, const JpegLayout& lay) {
                std::vector<std::string> v;
                auto ei = find_exif_segment(bytes, lay), xi = find_xmp_segment(bytes, lay);
                for (size_t i = 0; i < lay.segments.size(); ++i) {
                    if ((t && ei == i) || (x && xi == i)) continue;
                    const Segment& s = lay.segments[i];
                    v.emplace_back(reinterpret_cast<const char*>(bytes.data()) + s.offset, s.size);
                }
                return v;
            };
            CHECK(keep(b, old) == keep(out, l));
            if (t) {
                auto got = exif_tiff(out, l);
                REQUIRE(got);
                CHECK(Bytes(got->begin(), got->end()) == tiff);
            }
            if (x) CHECK(xmp_packet(out, l) == std::optional<std::string_view>(xmp));
        }
    }
}

TEST_CASE("splice_header_aligned pads the EXIF so the rest keeps its place in a block", "[jpeg]") {
    const Bytes tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0};
    Bytes file = tiny_jpeg(true);
    const JpegLayout layout = parse_jpeg_header(file);
    const auto header = std::span<const uint8_t>(file).first(layout.scan_offset + 2);
    for (size_t align : {size_t(512), size_t(4096), size_t(16384)}) {
        INFO("align " << align);
        Bytes out = splice_header_aligned(header, tiff, std::nullopt, align);
        CHECK(out.size() % align == header.size() % align);
        CHECK(out.size() > header.size());
        JpegLayout l = parse_jpeg_header(out);
        auto t = exif_tiff(out, l);
        REQUIRE(t);
        // The TIFF as given, then the magic, then zeros; the rest as it was.
        REQUIRE(t->size() >= tiff.size() + 8);
        CHECK(std::equal(tiff.begin(), tiff.end(), t->begin()));
        CHECK(std::string(reinterpret_cast<const char*>(t->data()) + tiff.size(), 8) == std::string("mly:pad\0", 8));
        CHECK(std::all_of(t->begin() + long(tiff.size()) + 8, t->end(), [](uint8_t c) { return c == 0; }));
        CHECK(std::equal(header.begin() + long(layout.segments[2].offset), header.end(),
                         out.begin() + long(l.segments[3].offset), out.end()));
        // Read back without the padding: the TIFF given, so a rewrite does
        // not pile padding on padding.
        auto bare = without_padding(*t);
        CHECK(Bytes(bare.begin(), bare.end()) == tiff);
        // A rewrite of the padded header pads to the same size.
        Bytes again = splice_header_aligned(out, Bytes(bare.begin(), bare.end()), std::nullopt, align);
        CHECK(again == out);
    }
    SECTION("no padding without align, or without new EXIF") {
        CHECK(splice_header_aligned(header, tiff, std::nullopt, 0) == splice_metadata(header, tiff, std::nullopt));
        CHECK(splice_header_aligned(header, std::nullopt, std::string("<a/>"), 4096) ==
              splice_metadata(header, std::nullopt, std::string("<a/>")));
    }
    SECTION("a TIFF too large to pad within one segment is left unpadded") {
        Bytes big(max_exif_tiff_size - 3, 0);  // no room even for the magic
        big[0] = 'I';
        big[1] = 'I';
        Bytes out = splice_header_aligned(header, big, std::nullopt, 4096);
        CHECK(out == splice_metadata(header, big, std::nullopt));
    }
}

TEST_CASE("without_padding removes only its own padding", "[jpeg]") {
    auto strip = [](const std::string& s) {
        auto v = without_padding(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
        return std::string(reinterpret_cast<const char*>(v.data()), v.size());
    };
    using namespace std::string_literals;
    CHECK(strip("II*\0data"s + "mly:pad\0"s + std::string(100, '\0')) == "II*\0data"s);
    CHECK(strip("II*\0data"s + "mly:pad\0"s) == "II*\0data"s);
    CHECK(strip("II*\0data"s + std::string(100, '\0')) == "II*\0data"s + std::string(100, '\0'));
    CHECK(strip("II*\0data"s + "mly:pad\0x"s) == "II*\0data"s + "mly:pad\0x"s);
    CHECK(strip("II*\0data"s + "mly:pad"s) == "II*\0data"s + "mly:pad"s);
    CHECK(strip("ly:pad\0"s) == "ly:pad\0"s);
    CHECK(strip(""s).empty());
}
