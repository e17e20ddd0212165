// EXIF reading (libexif) and appending updates, checked against exiftool on
// the real camera files of ../shared/fixtures.
#include <catch2/catch.hpp>

#include "support.hpp"

#include "mapi/exif.hpp"
#include "mapi/jpeg.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

using namespace mapi;
namespace fsys = std::filesystem;
using namespace test_support;

namespace {

// The TIFF of a JPEG's EXIF APP1 (empty when it has none).
Bytes tiff_of(std::span<const uint8_t> jpeg) {
    auto t = exif_tiff(jpeg, parse_jpeg_header(jpeg));
    return t ? Bytes(t->begin(), t->end()) : Bytes{};
}

double num(const Tags& t, const std::string& key) {
    auto it = t.find(key);
    return it == t.end() ? NAN : std::strtod(it->second.c_str(), nullptr);
}

std::string str(const Tags& t, const std::string& key) {
    auto it = t.find(key);
    return it == t.end() ? "<absent>" : it->second;
}

// An independent, minimal TIFF walk for structural checks.
struct TestTiff {
    std::span<const uint8_t> b;
    bool big;
    uint32_t u16(size_t o) const { return big ? b[o] << 8 | b[o + 1] : b[o + 1] << 8 | b[o]; }
    uint32_t u32(size_t o) const { return big ? u16(o) << 16 | u16(o + 2) : u16(o + 2) << 16 | u16(o); }
    explicit TestTiff(std::span<const uint8_t> t) : b(t), big(t[0] == 'M') {}
    uint32_t ifd0() const { return u32(4); }
    std::vector<uint16_t> tags(uint32_t ifd) const {
        std::vector<uint16_t> v;
        for (uint32_t i = 0; i < u16(ifd); ++i) v.push_back(uint16_t(u16(ifd + 2 + 12 * i)));
        return v;
    }
    // The 4-byte value field of `tag` in the IFD at `ifd`.
    std::optional<uint32_t> field(uint32_t ifd, uint16_t tag) const {
        for (uint32_t i = 0; i < u16(ifd); ++i)
            if (u16(ifd + 2 + 12 * i) == tag) return u32(ifd + 2 + 12 * i + 8);
        return std::nullopt;
    }
    uint32_t next(uint32_t ifd) const { return u32(ifd + 2 + 12 * u16(ifd)); }
};

ExifUpdate full_update() {
    ExifUpdate u;
    u.datetime_original = "2021:03:04 05:06:07";
    u.subsec_original = "045";
    u.offset_time_original = "-03:30";
    u.gps_lat = -33.856784512;
    u.gps_lon = -151.215297123;
    u.gps_alt = -12.3456;
    u.gps_time = GpsTime{2021, 3, 4, 8, 36, 7.045};
    u.gps_img_direction = 123.4567;
    u.make = "mly-make";
    u.model = "mly-model";
    u.orientation = 6;
    return u;
}

}  // namespace

TEST_CASE("read_exif: values of known fixtures", "[exif][fixtures]") {
    if (fixture_files().empty()) {
        WARN("fixtures not found at " << fixture_images() << ": skipped");
        return;
    }
    // Expected values as exiftool 12.57 -n reads them.
    SECTION("Nikon with GPS") {
        PhotoExif x = read_exif(tiff_of(slurp(fixture_images() / "ex_gps_DSCN0010.jpg")));
        REQUIRE(x.gps_lat);
        REQUIRE(x.gps_lon);
        CHECK(*x.gps_lat == Approx(43.4674483333333).margin(1e-10));
        CHECK(*x.gps_lon == Approx(11.8851266666639).margin(1e-10));
        CHECK_FALSE(x.gps_alt);  // GPSAltitudeRef without GPSAltitude
        REQUIRE(x.gps_time);
        CHECK(x.gps_time->year == 2008);
        CHECK(x.gps_time->month == 10);
        CHECK(x.gps_time->day == 23);
        CHECK(x.gps_time->hour == 14);
        CHECK(x.gps_time->minute == 27);
        CHECK(x.gps_time->second == Approx(7.24));
        CHECK(x.make == "NIKON");
        CHECK(x.model == "COOLPIX P6000");
        CHECK(x.datetime_original == "2008:10:22 16:28:39");
        CHECK(x.orientation == 1);
    }
    SECTION("Sony action cam: offset, track, western longitude") {
        PhotoExif x = read_exif(tiff_of(slurp(fixture_images() / "mt_DSC00001.JPG")));
        CHECK(x.offset_time_original == "-07:00");
        CHECK(x.datetime_original == "2018:06:08 13:24:10");
        REQUIRE(x.gps_track);
        CHECK(*x.gps_track == Approx(270.89).margin(1e-9));
        REQUIRE(x.gps_lat);
        CHECK(*x.gps_lat == Approx(45.5169030555556).margin(1e-10));
        CHECK(*x.gps_lon == Approx(-122.572765).margin(1e-10));
        REQUIRE(x.gps_alt);
        CHECK(*x.gps_alt == Approx(70.3).margin(1e-9));
        CHECK(x.make == "SONY");
        CHECK(x.model == "HDR-AS300");
        CHECK_FALSE(x.image_description);  // 31 spaces
        CHECK(x.pixel_x == 3840u);
        CHECK(x.pixel_y == 2160u);
    }
    SECTION("HTC: sub-seconds inside DateTimeOriginal, orientation 2") {
        PhotoExif x = read_exif(tiff_of(slurp(fixture_images() / "mt_test_exif.jpg")));
        // This camera stores the .847 in DateTimeOriginal itself; as stored.
        CHECK(x.datetime_original == "2018:06:26 17:46:33.847");
        CHECK_FALSE(x.subsec_original);
        CHECK(x.subsec_time == "000005");
        CHECK(x.orientation == 2);
        CHECK(x.make == "HTC");
        REQUIRE(x.gps_time);
        CHECK(x.gps_time->year == 2011);
        CHECK(x.gps_time->hour == 9);
    }
    SECTION("Mapillary JSON in ImageDescription") {
        PhotoExif x = read_exif(tiff_of(slurp(fixture_images() / "mt_map_exif_image.jpg")));
        REQUIRE(x.image_description);
        CHECK(x.image_description->front() == '{');
    }
    SECTION("wrong types and corrupt data are ignored, not guessed") {
        // Software as SHORT: nothing to read, nothing crashes.
        PhotoExif w = read_exif(tiff_of(slurp(fixture_images() / "mt_corrupt_exif_wrong_type.jpg")));
        CHECK_FALSE(w.make);
        CHECK_FALSE(w.datetime_original);
        // GPSAltitudeRef stored as RATIONAL: ignored, the altitude reads as above sea level.
        PhotoExif c = read_exif(tiff_of(slurp(fixture_images() / "mt_corrupt_exif.jpg")));
        CHECK(c.make == "OnePlus");
        if (c.gps_alt) CHECK(*c.gps_alt >= 0);
        PhotoExif e = read_exif(tiff_of(slurp(fixture_images() / "mt_empty_exif.jpg")));
        CHECK_FALSE(e.make);
        CHECK_FALSE(e.gps_lat);
    }
}

TEST_CASE("read_exif agrees with exiftool on every fixture", "[exif][fixtures][exiftool]") {
    auto files = fixture_files();
    if (files.empty() || !have_exiftool()) {
        WARN("fixtures or exiftool missing: skipped");
        return;
    }
    std::vector<std::string> names;
    for (const auto& f : files) names.push_back(f.string());
    auto ref = exiftool_json(names, "-n -G1");
    REQUIRE(ref.size() == files.size());
    int compared = 0;
    for (const auto& f : files) {
        INFO(f.filename().string());
        const Tags& t = ref.at(f.string());
        Bytes b = slurp(f);
        PhotoExif x = read_exif(tiff_of(b));
        auto same_string = [&](const std::optional<std::string>& ours, const char* key) {
            INFO(key);
            if (t.count(key) && !str(t, key).empty()) CHECK(ours == str(t, key));
            else CHECK_FALSE(ours);
        };
        same_string(x.make, "IFD0:Make");
        same_string(x.model, "IFD0:Model");
        same_string(x.datetime_original, "ExifIFD:DateTimeOriginal");
        same_string(x.offset_time_original, "ExifIFD:OffsetTimeOriginal");
        if (t.count("IFD0:Orientation")) CHECK(x.orientation == int(num(t, "IFD0:Orientation")));
        if (t.count("Composite:GPSLatitude") && t.count("Composite:GPSLongitude")) {
            REQUIRE(x.gps_lat);
            CHECK(*x.gps_lat == Approx(num(t, "Composite:GPSLatitude")).margin(1e-9));
            CHECK(*x.gps_lon == Approx(num(t, "Composite:GPSLongitude")).margin(1e-9));
            ++compared;
        } else {
            CHECK_FALSE(x.gps_lat);
        }
        if (t.count("GPS:GPSAltitude")) {
            REQUIRE(x.gps_alt);
            CHECK(std::fabs(*x.gps_alt) == Approx(num(t, "GPS:GPSAltitude")).margin(1e-9));
        }
        if (t.count("GPS:GPSTrack")) {
            REQUIRE(x.gps_track);
            CHECK(*x.gps_track == Approx(num(t, "GPS:GPSTrack")).margin(1e-9));
        }
    }
    CHECK(compared >= 6);  // the files with a GPS position
}

TEST_CASE("read_exif survives damaged data", "[exif][fixtures]") {
    // Garbage of every kind gives empty fields, never a crash or a hang.
    CHECK_FALSE(read_exif({}).make);
    Bytes junk(5000);
    for (size_t i = 0; i < junk.size(); ++i) junk[i] = uint8_t(i * 7919 % 251);
    CHECK_FALSE(read_exif(junk).gps_lat);
    Bytes looping = {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x69, 0x87, 4, 0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0};
    CHECK_NOTHROW(read_exif(looping));
    ExifUpdate make_only;
    make_only.make = "x";
    CHECK_NOTHROW(update_exif(looping, make_only));
    ExifUpdate dto;
    dto.datetime_original = "2021:03:04 05:06:07";
    CHECK_THROWS_WITH(update_exif(looping, dto), Catch::Contains("cannot update corrupt EXIF"));

    auto files = fixture_files();
    if (files.empty()) {
        WARN("fixtures not found: skipped the fixture part");
        return;
    }
    // Every prefix and a spread of bit flips of a few real TIFFs (big and
    // little endian, maker notes, a thumbnail that does not fit).
    uint32_t rng = 12345;
    for (const char* name : {"ex_Canon_40D.jpg", "ex_Fujifilm_FinePix6900ZOOM.jpg", "mt_corrupt_exif.jpg",
                             "mt_corrupt_exif_large_thumbnail.jpg", "ex_Olympus_C8080WZ.jpg", "ex_Pentax_K10D.jpg"}) {
        INFO(name);
        const Bytes tiff = tiff_of(slurp(fixture_images() / name));
        REQUIRE(tiff.size() > 8);
        const size_t step = std::max<size_t>(1, tiff.size() / 300);
        for (size_t n = 0; n < tiff.size(); n += step) {
            std::span<const uint8_t> cut(tiff.data(), n);
            read_exif(cut);
            try {
                update_exif(cut, full_update());
            } catch (const std::runtime_error& e) {
                CHECK_THAT(e.what(), Catch::Contains("cannot update corrupt EXIF"));
            }
        }
        for (int i = 0; i < 300; ++i) {
            Bytes bad = tiff;
            for (int k = 0; k < 4; ++k) {
                rng = rng * 1103515245 + 12345;
                bad[(rng >> 8) % bad.size()] ^= uint8_t(1 << (rng >> 4) % 8);
            }
            PhotoExif x = read_exif(bad);
            if (x.gps_lat) CHECK(std::fabs(*x.gps_lat) <= 90);
            if (x.orientation) CHECK((*x.orientation >= 1 && *x.orientation <= 8));
            try {
                Bytes out = update_exif(bad, full_update());
                // When the structure was good enough to update, the result
                // reads back.
                PhotoExif y = read_exif(out);
                CHECK(y.make == "mly-make");
                CHECK(y.orientation == 6);
            } catch (const std::runtime_error& e) {
                CHECK_THAT(e.what(), Catch::Contains("cannot update corrupt EXIF"));
            }
        }
    }
    // read_exif on every fixture: the TIFF if there is one.
    for (const auto& f : files) {
        INFO(f.filename().string());
        CHECK_NOTHROW(read_exif(tiff_of(slurp(f))));
    }
}

TEST_CASE("read_exif reads past a pointer that points outside the data", "[exif]") {
    // libexif alone gives up on the rest of a directory at such an entry: a
    // broken Exif IFD pointer (sorted before the GPS one) hid the position.
    const Bytes good = update_exif({}, full_update());
    TestTiff tt(good);
    const uint32_t ifd0 = tt.ifd0();
    auto entry_of = [&](uint32_t ifd, uint16_t tag) {
        for (uint32_t i = 0; i < tt.u16(ifd); ++i)
            if (tt.u16(ifd + 2 + 12 * i) == tag) return size_t(ifd + 2 + 12 * i);
        FAIL("no tag " << tag);
        return size_t(0);
    };
    for (uint32_t bad : {uint32_t(good.size()), uint32_t(0x7FFFFF00), uint32_t(0xFFFFFFFF)}) {
        INFO("Exif IFD pointer " << bad);
        Bytes t = good;
        const size_t e = entry_of(ifd0, 0x8769);
        t[e + 8] = uint8_t(bad), t[e + 9] = uint8_t(bad >> 8), t[e + 10] = uint8_t(bad >> 16), t[e + 11] = uint8_t(bad >> 24);
        const Bytes before = t;
        PhotoExif x = read_exif(t);
        CHECK(t == before);  // read from a copy
        REQUIRE(x.gps_lat);
        CHECK(*x.gps_lat == Approx(-33.856784512).margin(1e-9));
        CHECK(x.make == "mly-make");
        CHECK_FALSE(x.datetime_original);  // it was in the unreachable Exif IFD
    }
    SECTION("a GPS IFD pointer past the end loses the GPS IFD only") {
        Bytes t = good;
        const size_t e = entry_of(ifd0, 0x8825);
        t[e + 8] = t[e + 9] = t[e + 10] = t[e + 11] = 0xFF;
        PhotoExif x = read_exif(t);
        CHECK_FALSE(x.gps_lat);
        CHECK(x.datetime_original == "2021:03:04 05:06:07");
        CHECK(x.make == "mly-make");
    }
}

TEST_CASE("update_exif builds a minimal TIFF from nothing", "[exif]") {
    Bytes t = update_exif({}, full_update());
    REQUIRE(t.size() > 8);
    CHECK(t[0] == 'I');
    CHECK(t[1] == 'I');
    TestTiff tt(t);
    const uint32_t ifd0 = tt.ifd0();
    CHECK(ifd0 % 2 == 0);
    auto tags = tt.tags(ifd0);
    CHECK(std::is_sorted(tags.begin(), tags.end()));
    CHECK(std::count(tags.begin(), tags.end(), 0x8769) == 1);
    CHECK(std::count(tags.begin(), tags.end(), 0x8825) == 1);
    CHECK(tt.next(ifd0) == 0);
    for (uint16_t ptr : {0x8769, 0x8825}) {
        auto off = tt.field(ifd0, ptr);
        REQUIRE(off);
        CHECK(*off % 2 == 0);
        auto sub = tt.tags(*off);
        CHECK(std::is_sorted(sub.begin(), sub.end()));
    }
    CHECK(tt.field(*tt.field(ifd0, 0x8769), 0x9000).has_value());  // ExifVersion in a new Exif IFD
    // The tags Exif requires of a JPEG, in a structure made from nothing.
    for (uint16_t tag : {0x011A, 0x011B, 0x0128, 0x0213}) CHECK(tt.field(ifd0, tag).has_value());
    for (uint16_t tag : {0x9101, 0xA000, 0xA001}) CHECK(tt.field(*tt.field(ifd0, 0x8769), tag).has_value());
    CHECK(tt.field(ifd0, 0x0128) == 2u);
    CHECK(tt.field(*tt.field(ifd0, 0x8769), 0xA001) == 1u);
    // Only a fresh structure gets them: an update of an existing one adds
    // nothing of the kind.
    ExifUpdate make_only, model_only;
    make_only.make = "x";
    model_only.model = "y";
    const Bytes first = update_exif({}, make_only), second = update_exif(first, model_only);
    TestTiff t1(first), t2(second);
    auto tags1 = t1.tags(t1.ifd0()), tags2 = t2.tags(t2.ifd0());
    tags1.push_back(0x0110);  // Model, and nothing else new
    std::sort(tags1.begin(), tags1.end());
    CHECK(tags2 == tags1);

    PhotoExif x = read_exif(t);
    CHECK(x.datetime_original == "2021:03:04 05:06:07");
    CHECK(x.subsec_original == "045");
    CHECK(x.offset_time_original == "-03:30");
    REQUIRE(x.gps_lat);
    CHECK(*x.gps_lat == Approx(-33.856784512).margin(1e-10));
    CHECK(*x.gps_lon == Approx(-151.215297123).margin(1e-10));
    REQUIRE(x.gps_alt);
    CHECK(*x.gps_alt == Approx(-12.346).margin(1e-9));  // millimetres
    REQUIRE(x.gps_time);
    CHECK(x.gps_time->year == 2021);
    CHECK(x.gps_time->month == 3);
    CHECK(x.gps_time->day == 4);
    CHECK(x.gps_time->hour == 8);
    CHECK(x.gps_time->minute == 36);
    CHECK(x.gps_time->second == Approx(7.045).margin(1e-9));
    REQUIRE(x.gps_img_direction);
    CHECK(*x.gps_img_direction == Approx(123.4567).margin(1e-9));
    CHECK(x.make == "mly-make");
    CHECK(x.model == "mly-model");
    CHECK(x.orientation == 6);

    // Nothing to write: the input comes back as it was.
    CHECK(update_exif(t, ExifUpdate{}) == t);
    CHECK(update_exif({}, ExifUpdate{}).empty());
}

TEST_CASE("update_exif writes exact values", "[exif]") {
    SECTION("DMS carries instead of writing 60 seconds; signs; poles and antimeridian") {
        for (double v : {0.0, 1e-9, 10.999999999999, -10.999999999999, 45.5169030555556, -0.0702668333, 89.99999999,
                         90.0, -90.0}) {
            for (double lon : {180.0, -180.0, 179.99999999999, -0.000000001, 7.5}) {
                ExifUpdate u;
                u.gps_lat = v;
                u.gps_lon = lon;
                PhotoExif x = read_exif(update_exif({}, u));
                INFO(v << " " << lon);
                REQUIRE(x.gps_lat);
                CHECK(*x.gps_lat == Approx(v).margin(1e-10));
                CHECK(*x.gps_lon == Approx(lon).margin(1e-10));
            }
        }
        // The rationals themselves: 10.999999999999 is 10 deg 59 min 59.9999999964 s,
        // which rounds to 11 deg 0 min 0 s.
        ExifUpdate u;
        u.gps_lat = 10.999999999999;
        u.gps_lon = 0;
        Bytes t = update_exif({}, u);
        TestTiff tt(t);
        uint32_t gps = *tt.field(tt.ifd0(), 0x8825);
        uint32_t lat = *tt.field(gps, 0x0002);
        CHECK(tt.u32(lat) == 11);
        CHECK(tt.u32(lat + 4) == 1);
        CHECK(tt.u32(lat + 8) == 0);
        CHECK(tt.u32(lat + 16) == 0);
        CHECK(tt.u32(lat + 20) == 10000000);
    }
    SECTION("altitude sign and rounding to millimetres") {
        for (double alt : {0.0, 1.0005, -1.0005, 8848.86, -430.5, -0.0001}) {
            ExifUpdate u;
            u.gps_alt = alt;
            PhotoExif x = read_exif(update_exif({}, u));
            INFO(alt);
            REQUIRE(x.gps_alt);
            CHECK(std::fabs(*x.gps_alt - alt) <= 0.0005 + 1e-12);
        }
        ExifUpdate u;
        u.gps_alt = -0.0001;  // rounds to 0: written as 0 above sea level, not "-0"
        PhotoExif x = read_exif(update_exif({}, u));
        CHECK(*x.gps_alt == 0);
        CHECK_FALSE(std::signbit(*x.gps_alt));
    }
    SECTION("direction normalised to [0, 360)") {
        for (auto [in, want] : {std::pair{-90.0, 270.0}, {360.0, 0.0}, {725.5, 5.5}, {359.99999, 0.0}}) {
            ExifUpdate u;
            u.gps_img_direction = in;
            PhotoExif x = read_exif(update_exif({}, u));
            INFO(in);
            REQUIRE(x.gps_img_direction);
            CHECK(*x.gps_img_direction == Approx(want).margin(1e-9));
        }
    }
    SECTION("GPS time keeps milliseconds and stays inside the minute") {
        ExifUpdate u;
        u.gps_time = GpsTime{1999, 12, 31, 23, 59, 59.9996};
        PhotoExif x = read_exif(update_exif({}, u));
        REQUIRE(x.gps_time);
        CHECK(x.gps_time->minute == 59);
        CHECK(x.gps_time->second == Approx(59.999).margin(1e-9));
    }
    SECTION("every optional field") {
        ExifUpdate u;
        u.datetime = "2020:01:02 03:04:05";
        u.subsec_time = "9";
        u.offset_time = "+05:45";
        u.datetime_digitized = "2020:01:02 03:04:06";
        u.subsec_digitized = "120";
        u.offset_time_digitized = "+00:00";
        u.artist = "Ann Example";
        u.image_description = R"({"image_id":"123","note":"Zürich"})";
        u.pixel_x = 4000;
        u.pixel_y = 3000;
        u.focal_length_35mm = 28;
        u.image_unique_id = "0123456789abcdef0123456789abcdef";
        PhotoExif x = read_exif(update_exif({}, u));
        CHECK(x.datetime == "2020:01:02 03:04:05");
        CHECK(x.subsec_time == "9");
        CHECK(x.offset_time == "+05:45");
        CHECK(x.datetime_digitized == "2020:01:02 03:04:06");
        CHECK(x.subsec_digitized == "120");
        CHECK(x.offset_time_digitized == "+00:00");
        CHECK(x.artist == "Ann Example");
        CHECK(x.image_description == u.image_description);
        CHECK(x.pixel_x == 4000u);
        CHECK(x.pixel_y == 3000u);
        CHECK_FALSE(x.gps_lat);  // no GPS IFD when no GPS field is set
        const Bytes t = update_exif({}, u);
        TestTiff tt(t);
        CHECK_FALSE(tt.field(tt.ifd0(), 0x8825));
    }
}

TEST_CASE("update_exif validates what it writes", "[exif]") {
    auto bad = [](auto set) {
        ExifUpdate u;
        set(u);
        return u;
    };
    CHECK_THROWS_AS(update_exif({}, bad([](ExifUpdate& u) { u.gps_lat = 10; })), std::invalid_argument);
    CHECK_THROWS_AS(update_exif({}, bad([](ExifUpdate& u) { u.gps_lat = 91, u.gps_lon = 0; })), std::invalid_argument);
    CHECK_THROWS_AS(update_exif({}, bad([](ExifUpdate& u) { u.gps_lat = NAN, u.gps_lon = 0; })), std::invalid_argument);
    CHECK_THROWS_AS(update_exif({}, bad([](ExifUpdate& u) { u.gps_lat = 0, u.gps_lon = 180.5; })), std::invalid_argument);
    CHECK_THROWS_AS(update_exif({}, bad([](ExifUpdate& u) { u.gps_alt = INFINITY; })), std::invalid_argument);
    CHECK_THROWS_AS(update_exif({}, bad([](ExifUpdate& u) { u.gps_img_direction = NAN; })), std::invalid_argument);
    CHECK_THROWS_AS(update_exif({}, bad([](ExifUpdate& u) { u.orientation = 9; })), std::invalid_argument);
    CHECK_THROWS_AS(update_exif({}, bad([](ExifUpdate& u) { u.datetime_original = "2021-03-04 05:06:07"; })),
                    std::invalid_argument);
    CHECK_THROWS_AS(update_exif({}, bad([](ExifUpdate& u) { u.datetime_original = "2021:02:30 05:06:07"; })),
                    std::invalid_argument);
    CHECK_THROWS_AS(update_exif({}, bad([](ExifUpdate& u) { u.subsec_original = ".12"; })), std::invalid_argument);
    CHECK_THROWS_AS(update_exif({}, bad([](ExifUpdate& u) { u.offset_time_original = "+2:00"; })), std::invalid_argument);
    CHECK_THROWS_AS(update_exif({}, bad([](ExifUpdate& u) { u.make = std::string("a\0b", 3); })), std::invalid_argument);
    CHECK_THROWS_AS(update_exif({}, bad([](ExifUpdate& u) { u.gps_time = GpsTime{2021, 13, 1, 0, 0, 0}; })),
                    std::invalid_argument);
    CHECK_THROWS_AS(update_exif({}, bad([](ExifUpdate& u) { u.gps_time = GpsTime{2021, 1, 1, 24, 0, 0}; })),
                    std::invalid_argument);
}

TEST_CASE("update_exif refuses structures it cannot parse safely", "[exif]") {
    ExifUpdate u = full_update();
    auto refuses = [&](Bytes t) {
        try {
            update_exif(t, u);
        } catch (const std::runtime_error& e) {
            return std::string(e.what()).starts_with("cannot update corrupt EXIF: ");
        }
        return false;
    };
    CHECK(refuses({'I', 'I', 42}));                                    // short
    CHECK(refuses({'X', 'X', 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0}));   // byte order
    CHECK(refuses({'I', 'I', 43, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0}));   // magic
    CHECK(refuses({'I', 'I', 42, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0}));  // IFD0 past the end
    CHECK(refuses({'I', 'I', 42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));   // IFD0 inside the header
    CHECK(refuses({'I', 'I', 42, 0, 8, 0, 0, 0, 9, 0, 0, 0, 0, 0}));   // 9 entries in 6 bytes
    CHECK(refuses({'M', 'M', 0, 42, 0, 0, 0, 8, 0xFF, 0xFF, 0, 0}));   // 65535 entries
    // Exif IFD pointer of the wrong type, and pointing past the end.
    CHECK(refuses({'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x69, 0x87, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0}));
    CHECK(refuses({'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x69, 0x87, 4, 0, 1, 0, 0, 0, 0xF0, 0, 0, 0, 0, 0, 0, 0}));
    // A GPS pointer to IFD0 itself.
    CHECK(refuses({'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x25, 0x88, 4, 0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0}));
    // An empty but well-formed TIFF (mt_empty_exif.jpg) is fine.
    CHECK_FALSE(refuses({'M', 'M', 0, 42, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0}));
}

TEST_CASE("update_exif appends: old bytes stay, IFD1 link stays, growth per rewrite is small", "[exif][fixtures]") {
    if (fixture_files().empty()) {
        WARN("fixtures not found: skipped");
        return;
    }
    for (const char* name : {"ex_Canon_40D.jpg", "ex_Fujifilm_FinePix6900ZOOM.jpg", "mt_DSC00001.JPG"}) {
        INFO(name);
        const Bytes old = tiff_of(slurp(fixture_images() / name));
        TestTiff ot(old);
        Bytes t = update_exif(old, full_update());
        REQUIRE(t.size() > old.size());
        // Byte order kept; every old byte but the IFD0 offset in place.
        CHECK(t[0] == old[0]);
        CHECK(std::equal(old.begin(), old.begin() + 4, t.begin()));
        CHECK(std::equal(old.begin() + 8, old.end(), t.begin() + 8));
        TestTiff nt(t);
        CHECK(nt.ifd0() >= old.size());
        CHECK(nt.ifd0() % 2 == 0);
        CHECK(nt.next(nt.ifd0()) == ot.next(ot.ifd0()));  // IFD1 (thumbnail) link
        // Entries not written keep their 4-byte fields: out-of-line values
        // still point into the old bytes. ExifIFD and GPS pointers are re-pointed.
        const std::set<uint16_t> written = {0x010F, 0x0110, 0x0112, 0x8769, 0x8825};
        for (uint16_t tag : ot.tags(ot.ifd0())) {
            if (written.count(tag)) continue;
            INFO("IFD0 tag " << tag);
            CHECK(nt.field(nt.ifd0(), tag) == ot.field(ot.ifd0(), tag));
        }
        const uint32_t oe = *ot.field(ot.ifd0(), 0x8769), ne = *nt.field(nt.ifd0(), 0x8769);
        CHECK(ne >= old.size());
        for (uint16_t tag : ot.tags(oe)) {
            if (tag == 0x9003 || tag == 0x9011 || tag == 0x9291) continue;
            INFO("Exif tag " << tag);
            CHECK(nt.field(ne, tag) == ot.field(oe, tag));  // MakerNote and Interop pointer included
        }
        auto ntags = nt.tags(ne);
        CHECK(std::is_sorted(ntags.begin(), ntags.end()));

        // Rewriting again grows by the rewritten IFDs and their values only.
        Bytes t2 = update_exif(t, full_update());
        const size_t growth = t2.size() - t.size();
        CHECK(growth < 1200);
        CHECK(t2.size() - old.size() < 2 * 1200);
        PhotoExif x = read_exif(t2);
        CHECK(x.make == "mly-make");
        CHECK(x.datetime_original == "2021:03:04 05:06:07");
    }
}

TEST_CASE("write-read round trip on every fixture, checked with libexif and exiftool", "[exif][fixtures][exiftool]") {
    auto files = fixture_files();
    if (files.empty()) {
        WARN("fixtures not found at " << fixture_images() << ": skipped");
        return;
    }
    TempDir tmp;
    struct Job {
        std::string in, out;
        ExifUpdate u;
        bool had_make;
    };
    std::vector<Job> jobs;
    for (size_t i = 0; i < files.size(); ++i) {
        const std::string name = files[i].filename().string();
        INFO(name);
        const Bytes in = slurp(files[i]);
        const JpegLayout layout = parse_jpeg_header(in);
        auto old_tiff = exif_tiff(in, layout);
        const PhotoExif before = old_tiff ? read_exif(*old_tiff) : PhotoExif{};

        ExifUpdate u;
        const double sgn_lat = i % 2 ? -1 : 1, sgn_lon = i % 3 ? 1 : -1;
        u.gps_lat = sgn_lat * std::fmod(7.123456789 + double(i) * 3.987654321, 89.0);
        u.gps_lon = sgn_lon * std::fmod(100.987654321 + double(i) * 1.23456789, 179.0);
        u.gps_alt = (i % 4 == 1 ? -1 : 1) * (12.3456 + double(i) * 31.4159);
        u.gps_time = GpsTime{2021, 3, 4, 8, 36, 7.045};
        u.gps_img_direction = std::fmod(double(i) * 37.12345678, 360.0);
        u.datetime_original = "2021:03:04 05:06:07";
        u.subsec_original = "045";
        u.offset_time_original = "-03:30";
        u.orientation = int(i % 8) + 1;
        // exiftool picks the maker-note decoder (and some of its tables) by
        // Make and Model: writing other names would make it stop decoding
        // maker notes that are still intact. Files with a Make get it
        // rewritten unchanged (still a fresh entry); the others get new names.
        u.make = before.make.value_or("mly-make");
        u.model = before.model.value_or("mly-model " + std::to_string(i));
        u.image_description = R"({"image_id":")" + std::to_string(1000 + i) + R"(","note":"Zürich"})";
        u.pixel_x = uint32_t(layout.width);
        u.pixel_y = uint32_t(layout.height);

        Bytes tiff;
        REQUIRE_NOTHROW(tiff = update_exif(old_tiff ? *old_tiff : std::span<const uint8_t>{}, u));
        Bytes out;
        REQUIRE_NOTHROW(out = splice_metadata(in, tiff, std::nullopt));

        // Scan data (and whatever follows EOI) byte-identical.
        const size_t so_in = layout.scan_offset, so_out = scan_data_offset(out);
        CHECK(out.size() - so_out == in.size() - so_in);
        CHECK(std::equal(in.begin() + long(so_in), in.end(), out.begin() + long(so_out)));

        // libexif reads back what was written.
        PhotoExif x = read_exif(tiff_of(out));
        REQUIRE(x.gps_lat);
        CHECK(*x.gps_lat == Approx(*u.gps_lat).margin(1e-10));
        CHECK(*x.gps_lon == Approx(*u.gps_lon).margin(1e-10));
        REQUIRE(x.gps_alt);
        CHECK(*x.gps_alt == Approx(*u.gps_alt).margin(0.0005));
        CHECK(x.datetime_original == u.datetime_original);
        CHECK(x.subsec_original == u.subsec_original);
        CHECK(x.offset_time_original == u.offset_time_original);
        REQUIRE(x.gps_time);
        CHECK(x.gps_time->second == Approx(7.045).margin(1e-9));
        REQUIRE(x.gps_img_direction);
        CHECK(*x.gps_img_direction == Approx(*u.gps_img_direction).margin(1e-4));
        CHECK(x.make == u.make);
        CHECK(x.model == u.model);
        CHECK(x.orientation == u.orientation);
        CHECK(x.image_description == u.image_description);
        // What was not written reads as before.
        CHECK(x.datetime_digitized == before.datetime_digitized);
        CHECK(x.gps_track == before.gps_track);
        CHECK(x.artist == before.artist);

        const std::string out_path = (tmp.path / name).string();
        spit(out_path, out);
        jobs.push_back({files[i].string(), out_path, u, before.make.has_value()});
    }

    if (!have_exiftool()) {
        WARN("exiftool not installed: skipped the exiftool comparison");
        return;
    }
    std::vector<std::string> ins, outs;
    for (const auto& j : jobs) ins.push_back(j.in), outs.push_back(j.out);
    auto before = exiftool_json(ins, "-G1 -n -b");
    auto after = exiftool_json(outs, "-G1 -n -b");
    REQUIRE(before.size() == jobs.size());
    REQUIRE(after.size() == jobs.size());

    // The tags written, whose values are checked one by one below.
    const std::set<std::string> written = {
        "IFD0:Make", "IFD0:Model", "IFD0:Orientation", "IFD0:ImageDescription",
        "ExifIFD:DateTimeOriginal", "ExifIFD:SubSecTimeOriginal", "ExifIFD:OffsetTimeOriginal",
        "ExifIFD:ExifImageWidth", "ExifIFD:ExifImageHeight",
        "GPS:GPSVersionID", "GPS:GPSLatitudeRef", "GPS:GPSLatitude", "GPS:GPSLongitudeRef", "GPS:GPSLongitude",
        "GPS:GPSAltitudeRef", "GPS:GPSAltitude", "GPS:GPSTimeStamp", "GPS:GPSDateStamp",
        "GPS:GPSImgDirectionRef", "GPS:GPSImgDirection", "GPS:GPSMapDatum"};
    // Groups that legitimately differ: System (file name, size, dates),
    // ExifTool (version, warnings) and Composite (derived from the tags we
    // wrote: GPSPosition, SubSecDateTimeOriginal, ...). And MPImageStart:
    // the MPF APP2 stores it relative to its own header, which moves with
    // the grown EXIF APP1 exactly as the image it points to does, but
    // exiftool prints it as a file offset. The images themselves, read
    // through those offsets, are compared (-b gives binary tags as base64).
    auto excluded = [&](const std::string& key) {
        return key == "SourceFile" || key.starts_with("System:") || key.starts_with("ExifTool:") ||
               key.starts_with("Composite:") || written.count(key) ||
               (key.starts_with("MPImage") && key.ends_with(":MPImageStart"));
    };

    size_t preserved = 0;
    for (const auto& j : jobs) {
        INFO(fsys::path(j.in).filename().string());
        const Tags& b = before.at(j.in);
        const Tags& a = after.at(j.out);
        for (const auto& [key, value] : b) {
            if (excluded(key)) continue;
            INFO(key);
            CHECK(str(a, key) == value);
            ++preserved;
        }
        // The embedded images, compared as data (-b) with the other tags.
        if (b.count("MPImage2:MPImageStart")) CHECK(str(b, "MPImage2:PreviewImage").size() > 1000);
        if (b.count("IFD1:ThumbnailOffset")) CHECK(str(b, "IFD1:ThumbnailImage").starts_with("base64:"));
        // No new warning from exiftool.
        if (!b.count("ExifTool:Warning")) CHECK(str(a, "ExifTool:Warning") == "<absent>");

        const ExifUpdate& u = j.u;
        CHECK(num(a, "Composite:GPSLatitude") == Approx(*u.gps_lat).margin(1e-8));
        CHECK(num(a, "Composite:GPSLongitude") == Approx(*u.gps_lon).margin(1e-8));
        CHECK(str(a, "GPS:GPSLatitudeRef") == (*u.gps_lat < 0 ? "S" : "N"));
        CHECK(str(a, "GPS:GPSLongitudeRef") == (*u.gps_lon < 0 ? "W" : "E"));
        CHECK(num(a, "GPS:GPSAltitude") == Approx(std::fabs(*u.gps_alt)).margin(0.001));
        CHECK(str(a, "GPS:GPSAltitudeRef") == (*u.gps_alt < 0 ? "1" : "0"));
        CHECK(num(a, "Composite:GPSAltitude") == Approx(*u.gps_alt).margin(0.001));
        CHECK(str(a, "GPS:GPSDateStamp") == "2021:03:04");
        CHECK(str(a, "GPS:GPSTimeStamp") == "08:36:07.045");
        CHECK(num(a, "GPS:GPSImgDirection") == Approx(*u.gps_img_direction).margin(1e-4));
        CHECK(str(a, "GPS:GPSImgDirectionRef") == "T");
        CHECK(str(a, "GPS:GPSVersionID") == "2 3 0 0");
        CHECK(str(a, "GPS:GPSMapDatum") == "WGS-84");
        CHECK(str(a, "ExifIFD:DateTimeOriginal") == "2021:03:04 05:06:07");
        CHECK(str(a, "ExifIFD:SubSecTimeOriginal") == "045");
        CHECK(str(a, "ExifIFD:OffsetTimeOriginal") == "-03:30");
        CHECK(str(a, "IFD0:Make") == *u.make);
        CHECK(str(a, "IFD0:Model") == *u.model);
        CHECK(str(a, "IFD0:Orientation") == std::to_string(*u.orientation));
        CHECK(str(a, "IFD0:ImageDescription") == *u.image_description);
        CHECK(str(a, "ExifIFD:ExifImageWidth") == std::to_string(*u.pixel_x));
    }
    CHECK(preserved > 3000);  // the fixtures hold thousands of tags
}

TEST_CASE("exif_empty: nothing, or an IFD0 without entries and without IFD1", "[exif]") {
    CHECK(exif_empty({}));
    const Bytes empty_mm = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0};
    CHECK(exif_empty(empty_mm));
    Bytes with_ifd1 = empty_mm;
    with_ifd1[13] = 8;  // IFD1 at 8: something follows
    CHECK_FALSE(exif_empty(with_ifd1));
    CHECK_FALSE(exif_empty(update_exif({}, full_update())));
    CHECK_FALSE(exif_empty(Bytes{'I', 'I', 42, 0}));                  // cut short: not for us to call empty
    CHECK_FALSE(exif_empty(Bytes{'X', 'X', 42, 0, 8, 0, 0, 0, 0, 0}));  // not TIFF
    CHECK_FALSE(exif_empty(Bytes{'I', 'I', 42, 0, 200, 0, 0, 0, 0, 0}));  // IFD0 outside
    // From an empty structure, update_exif builds the complete one, in its byte order.
    ExifUpdate u;
    u.make = "m";
    const Bytes t = update_exif(empty_mm, u);
    TestTiff tt(t);
    CHECK(t[0] == 'M');
    // (A SHORT sits in the first two bytes of the value field: big-endian,
    // the high half of the 32 bits read.)
    CHECK(tt.field(tt.ifd0(), 0x0128) == 2u << 16);
    CHECK(tt.field(*tt.field(tt.ifd0(), 0x8769), 0xA001) == 1u << 16);
}
