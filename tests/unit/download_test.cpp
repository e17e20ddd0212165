// Unit tests for the pure parts of mapi/download.hpp: which position and
// heading, names of files and folders, and the EXIF and record fields of a
// downloaded image. The engine itself is tested against the local server
// (tests/cli/mly-seqdl*.t, tests/accept/download-*.sh).
#include <catch2/catch.hpp>

#include "mapi/download.hpp"

#include <rapidjson/document.h>

#include <cstdio>

using namespace mapi;

namespace {

Image image(const std::string& json) {
    rapidjson::Document d;
    d.Parse(json.c_str());
    REQUIRE_FALSE(d.HasParseError());
    return image_from_json(d);
}

// 2023-06-01T08:17:51.550Z
const Instant t0{std::chrono::milliseconds(1685607471550)};

// A metre north is 1/111320 of a degree of latitude, near enough.
constexpr double metre = 1 / 111320.0;

std::string number(double d) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.12f", d);
    return buf;
}

}  // namespace

TEST_CASE("parse_choice", "[download]") {
    CHECK(parse_choice("original") == Choice::original);
    CHECK(parse_choice("computed") == Choice::computed);
    CHECK(parse_choice("auto") == Choice::automatic);
    CHECK_FALSE(parse_choice("Auto"));
    CHECK_FALSE(parse_choice(""));
}

TEST_CASE("unwrap_altitude undoes an unsigned wrap and nothing else", "[download]") {
    CHECK(unwrap_altitude(4294967281.0) == -15);
    CHECK(unwrap_altitude(4294967295.5) == Approx(-0.5));
    CHECK(unwrap_altitude(-415.2) == -415.2);
    CHECK(unwrap_altitude(8848.86) == 8848.86);
}

TEST_CASE("place_image: positions", "[download]") {
    // computed 10 m north of the original: within 20 m.
    std::string near = R"({"id":"1","geometry":{"type":"Point","coordinates":[13.0,52.0]},)"
                       R"("computed_geometry":{"type":"Point","coordinates":[13.0,)" +
                       number(52.0 + 10 * metre) + R"(]},"altitude":34.5,"computed_altitude":40.25})";
    Image a = image(near);
    Placement p = place_image(a, Choice::automatic, Choice::automatic);
    REQUIRE(p.position);
    CHECK(p.computed_position);
    CHECK(p.position->lat == Approx(52.0 + 10 * metre).epsilon(1e-12));
    CHECK(*p.altitude == 34.5);  // auto keeps the camera's altitude

    p = place_image(a, Choice::original, Choice::automatic);
    CHECK_FALSE(p.computed_position);
    CHECK(p.position->lat == 52.0);
    CHECK(*p.altitude == 34.5);

    p = place_image(a, Choice::computed, Choice::automatic);
    CHECK(p.computed_position);
    CHECK(*p.altitude == 40.25);  // computed positions come with the computed altitude

    // 50 m apart: auto distrusts the computed one.
    std::string far = R"({"id":"1","geometry":{"type":"Point","coordinates":[13.0,52.0]},)"
                      R"("computed_geometry":{"type":"Point","coordinates":[13.0,)" +
                      number(52.0 + 50 * metre) + R"(]}})";
    p = place_image(image(far), Choice::automatic, Choice::automatic);
    CHECK_FALSE(p.computed_position);
    CHECK(p.position->lat == 52.0);
    CHECK_FALSE(p.altitude);

    // Only one of the two: it is used whatever was asked.
    Image only_orig = image(R"({"id":"1","geometry":{"type":"Point","coordinates":[-58.4,-34.6]}})");
    p = place_image(only_orig, Choice::computed, Choice::computed);
    REQUIRE(p.position);
    CHECK_FALSE(p.computed_position);
    CHECK(p.position->lon == -58.4);
    Image only_comp = image(R"({"id":"1","computed_geometry":{"type":"Point","coordinates":[1,2]}})");
    p = place_image(only_comp, Choice::original, Choice::original);
    REQUIRE(p.position);
    CHECK(p.computed_position);
    CHECK_FALSE(place_image(image(R"({"id":"1"})"), Choice::automatic, Choice::automatic).position);
}

TEST_CASE("place_image: altitudes below sea level and wrapped ones", "[download]") {
    Placement p = place_image(image(R"({"id":"1","altitude":-415.25})"), Choice::automatic, Choice::automatic);
    CHECK(*p.altitude == -415.25);
    p = place_image(image(R"({"id":"1","altitude":4294967281})"), Choice::automatic, Choice::automatic);
    CHECK(*p.altitude == -15);
    p = place_image(image(R"({"id":"1","altitude":1e9,"computed_altitude":12})"), Choice::automatic,
                    Choice::automatic);
    CHECK(*p.altitude == 12);  // an impossible altitude is left out for the other
}

TEST_CASE("place_image: headings, across north too", "[download]") {
    auto heading = [](double orig, double comp, Choice c) {
        Image img = image(R"({"id":"1","compass_angle":)" + std::to_string(orig) + R"(,"computed_compass_angle":)" +
                          std::to_string(comp) + "}");
        return place_image(img, Choice::automatic, c);
    };
    Placement p = heading(350, 10, Choice::automatic);  // 20 degrees apart, across 0
    CHECK(p.computed_heading);
    CHECK(*p.heading == Approx(10));
    p = heading(10, 100, Choice::automatic);  // 90 apart: the camera's
    CHECK_FALSE(p.computed_heading);
    CHECK(*p.heading == Approx(10));
    CHECK(*heading(10, 100, Choice::computed).heading == Approx(100));
    CHECK(*heading(10, 12, Choice::original).heading == Approx(10));
    // Normalised into [0, 360).
    CHECK(*heading(-90, 0, Choice::original).heading == Approx(270));
    CHECK(*heading(360, 0, Choice::original).heading == Approx(0));
}

TEST_CASE("focal_length_35mm is OpenSfM's normalised focal times 36", "[download]") {
    CHECK(focal_length_35mm(image(R"({"id":"1","camera_parameters":[0.8512,-0.01,0.002]})")) == 31);  // 30.64
    CHECK(focal_length_35mm(image(R"({"id":"1","camera_type":"fisheye","camera_parameters":[0.4473,0,0]})")) == 16);
    CHECK_FALSE(focal_length_35mm(image(R"({"id":"1","camera_parameters":[]})")));
    CHECK_FALSE(focal_length_35mm(image(R"({"id":"1","camera_parameters":[-1,0,0]})")));
    CHECK_FALSE(focal_length_35mm(image(R"({"id":"1","camera_type":"spherical","camera_parameters":[0.5]})")));
}

TEST_CASE("file_stem and folder_name in local time", "[download]") {
    CHECK(file_stem(t0, 0) == "20230601_081751_550");
    CHECK(file_stem(t0, 120) == "20230601_101751_550");
    // Back across midnight and a month.
    Instant early{std::chrono::milliseconds(1685581200005)};  // 2023-06-01T01:00:00.005Z
    CHECK(file_stem(early, -180) == "20230531_220000_005");
    CHECK(folder_name(t0, 120, "e5gk6rc3wfemdboddox2gw") == "20230601_101751_e5gk6rc3");
    CHECK(folder_name(t0, 0, "abc") == "20230601_081751_abc");
}

TEST_CASE("folder_name: no sequence id can name a path outside the folder", "[download]") {
    CHECK(folder_name(t0, 0, "../../etc/passwd") == "20230601_081751_______et");
    CHECK(folder_name(t0, 0, "a/b") == "20230601_081751_a_b");
    CHECK(folder_name(t0, 0, "..") == "20230601_081751___");
    CHECK(folder_name(t0, 0, std::string("a\0b", 3)) == "20230601_081751_a_b");
    CHECK(folder_name(t0, 0, "") == "20230601_081751_unknown");
    CHECK(folder_name(t0, 0, "legacy_Key-1xyz") == "20230601_081751_legacy_K");
}

TEST_CASE("image_exif: the tags of design section 5", "[download]") {
    Image img = image(R"({"id":"7547447326589879","sequence":"e5gk6rc3wfemdboddox2gw","make":"Garmin",)"
                      R"("model":"Dash Cam 67W","creator":{"username":"demo","id":"2"},"exif_orientation":3,)"
                      R"("camera_type":"perspective","camera_parameters":[0.5623,0,0]})");
    Placement p;
    p.position = LatLon{-34.6037, -58.3816};
    p.altitude = -12.5;
    p.heading = 359.5;
    ExifUpdate u = image_exif(img, p, t0, -180, 1920, 1080);
    CHECK(*u.gps_lat == -34.6037);
    CHECK(*u.gps_lon == -58.3816);
    CHECK(*u.gps_alt == -12.5);
    CHECK(*u.gps_img_direction == 359.5);
    REQUIRE(u.gps_time);
    CHECK(u.gps_time->year == 2023);
    CHECK(u.gps_time->month == 6);
    CHECK(u.gps_time->day == 1);
    CHECK(u.gps_time->hour == 8);  // UTC
    CHECK(u.gps_time->minute == 17);
    CHECK(u.gps_time->second == Approx(51.55));
    CHECK(*u.datetime_original == "2023:06:01 05:17:51");  // local, -03:00
    CHECK(*u.datetime_digitized == "2023:06:01 05:17:51");
    CHECK(*u.datetime == "2023:06:01 05:17:51");
    CHECK(*u.subsec_original == "550");
    CHECK(*u.offset_time_original == "-03:00");
    CHECK(*u.offset_time == "-03:00");
    CHECK(*u.make == "Garmin");
    CHECK(*u.model == "Dash Cam 67W");
    CHECK(*u.artist == "demo");
    CHECK(*u.orientation == 3);  // from exif_orientation, never from the pixel size
    CHECK(*u.pixel_x == 1920);
    CHECK(*u.pixel_y == 1080);
    CHECK(*u.focal_length_35mm == 20);  // 0.5623 * 36 = 20.24
    CHECK(*u.image_unique_id == "7547447326589879");
    CHECK(*u.image_description == "Mapillary image 7547447326589879 | sequence e5gk6rc3wfemdboddox2gw | creator demo");

    // What the image lacks is not written; NUL bytes never reach a tag.
    Image bare = image(R"({"id":"5","make":"A\u0000B","model":""})");
    ExifUpdate v = image_exif(bare, Placement{}, t0, 0, 0, 0);
    CHECK_FALSE(v.gps_lat);
    CHECK_FALSE(v.gps_alt);
    CHECK_FALSE(v.gps_img_direction);
    CHECK(*v.make == "AB");
    CHECK_FALSE(v.model);
    CHECK_FALSE(v.artist);
    CHECK_FALSE(v.orientation);
    CHECK_FALSE(v.pixel_x);
    CHECK_FALSE(v.focal_length_35mm);
    CHECK(*v.offset_time_original == "+00:00");
    CHECK(*v.image_description == "Mapillary image 5");
}

TEST_CASE("set_download_fields: order, values, and stale fields removed", "[download]") {
    Image img = image(R"({"id":"9","sequence":"s1","captured_at":1685607471550,"make":"GoPro","model":"MAX",)"
                      R"("creator":{"username":"ana","id":"3"},"exif_orientation":1,"camera_type":"equirectangular"})");
    Placement p;
    p.position = LatLon{1.5, -2.25};
    p.heading = 90;
    Record r;
    r.set("path", "out/x.jpg");
    set_download_fields(r, img, p, t0, 60, 5760, 2880);
    CHECK(r.to_json() ==
          R"({"path":"out/x.jpg","image_id":"9","sequence_id":"s1","captured_at":"2023-06-01T08:17:51.550Z",)"
          R"("utc_offset":"+01:00","lat":1.5,"lon":-2.25,"heading":90,"make":"GoPro","model":"MAX",)"
          R"("creator":"ana","width":5760,"height":2880,"orientation":1,"camera_type":"spherical"})");

    // An input record keeps its own fields; ours replace theirs in place.
    Record in = Record::parse(R"({"image_id":"9","note":"x","alt":12,"lat":0,"lon":0,"width":1})");
    set_download_fields(in, image(R"({"id":"9"})"), Placement{}, t0, 0, 0, 0);
    CHECK(in.to_json() == R"({"image_id":"9","note":"x","captured_at":"2023-06-01T08:17:51.550Z","utc_offset":"+00:00"})");
}
