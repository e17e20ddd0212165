// Unit tests for mapi/description.hpp and mapi/output_file.hpp. Expected texts
// are what mapillary_tools' json.dumps(sort_keys=True, separators=(",", ":"))
// gives for the same values, worked out by hand.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "mapi/description.hpp"
#include "mapi/output_file.hpp"

using namespace mapi;

namespace {
Record rec(const char* json) { return Record::parse(json); }

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

TEST_CASE("format_capture_time", "[description]") {
    auto t = parse_rfc3339("2021-02-13T13:24:41.140Z");
    REQUIRE(t);
    CHECK(format_capture_time(*t) == "2021_02_13_13_24_41_140");
    CHECK(format_capture_time(*parse_rfc3339("2025-07-28T12:07:30.5+02:00")) == "2025_07_28_10_07_30_500");
    CHECK(format_capture_time(*parse_rfc3339("1969-12-31T23:59:59.999Z")) == "1969_12_31_23_59_59_999");
}

TEST_CASE("describe_image rounds as mapillary_tools does", "[description]") {
    auto d = describe_image(rec(R"({"path":"/a/b/c.jpg","lat":45.51690305555555,"lon":-122.57276499999999,
        "captured_at":"2018-06-08T20:24:10Z","alt":70.30049,"heading":-0.0001,"make":"SONY","model":"",
        "orientation":1,"sequence_id":"0"})"));
    CHECK(d.lat == 45.5169031);
    CHECK(d.lon == -122.572765);
    CHECK(*d.alt == 70.3);
    CHECK(*d.heading == 0.0);  // -0.0001 is 359.9999, which rounds to 360, which is 0
    CHECK(*d.make == "SONY");
    CHECK_FALSE(d.model);      // empty is none
    CHECK(*d.sequence == "0");
    CHECK(d.path == "/a/b/c.jpg");
}

TEST_CASE("describe_image refuses what the schema refuses", "[description]") {
    CHECK_THROWS_WITH(describe_image(rec(R"({"x":1})")), R"(missing "path", "lat", "lon" and "captured_at")");
    CHECK_THROWS_WITH(describe_image(rec(R"({"path":"a","lat":1,"lon":2})")), R"(missing "captured_at")");
    const char* base = R"("path":"a","lat":1,"lon":2,"captured_at":"2020-01-01T00:00:00Z")";
    auto with = [&](const char* extra) { return rec(("{" + std::string(base) + "," + extra + "}").c_str()); };
    CHECK_NOTHROW(describe_image(with(R"("x":0)")));
    CHECK_THROWS_AS(describe_image(with(R"("orientation":0)")), DescriptionError);
    CHECK_THROWS_AS(describe_image(with(R"("orientation":1.5)")), DescriptionError);
    CHECK_THROWS_AS(describe_image(with(R"("sequence_id":"a/b")")), DescriptionError);
    CHECK_THROWS_AS(describe_image(with(R"("heading":"north")")), DescriptionError);
    CHECK_THROWS_AS(describe_image(rec(R"({"path":"a","lat":-90.1,"lon":2,"captured_at":"2020-01-01T00:00:00Z"})")),
                    DescriptionError);
    CHECK_THROWS_AS(describe_image(rec(R"({"path":"a","lat":0,"lon":180.5,"captured_at":"2020-01-01T00:00:00Z"})")),
                    DescriptionError);
    CHECK_THROWS_AS(describe_image(rec(R"({"path":"a","lat":0,"lon":0,"captured_at":"2020-01-01"})")),
                    DescriptionError);
}

TEST_CASE("EXIF description: sorted, compact, ASCII, no MAPSequenceUUID", "[description]") {
    auto r = rec(R"({"path":"dir/IMG_1.jpg","lat":1.5,"lon":-2,"captured_at":"2020-01-01T00:00:00.007Z",
        "heading":12.3456,"make":"Ünï 😀","sequence_id":"s"})");
    auto d = describe_image(r);
    rapidjson::Document doc;
    CHECK(description_json(exif_description(d, doc.GetAllocator())) ==
          R"({"MAPCaptureTime":"2020_01_01_00_00_00_007","MAPCompassHeading":{"MagneticHeading":12.346,)"
          R"("TrueHeading":12.346},"MAPDeviceMake":"\u00dcn\u00ef \ud83d\ude00","MAPFilename":"IMG_1.jpg",)"
          R"("MAPLatitude":1.5,"MAPLongitude":-2})");
}

TEST_CASE("set_description replaces in place or appends", "[description]") {
    auto r = rec(R"({"path":"a.jpg","description":"old","lat":1,"lon":2,"captured_at":"2020-01-01T00:00:00Z"})");
    set_description(r, describe_image(r));
    CHECK(r.to_json() ==
          R"({"path":"a.jpg","description":{"MAPCaptureTime":"2020_01_01_00_00_00_000","MAPFilename":"a.jpg",)"
          R"("MAPLatitude":1,"MAPLongitude":2},"lat":1,"lon":2,"captured_at":"2020-01-01T00:00:00Z"})");
    auto r2 = rec(R"({"path":"a.jpg","lat":1,"lon":2,"captured_at":"2020-01-01T00:00:00Z"})");
    set_description(r2, describe_image(r2));
    CHECK(r2.to_json().ends_with(R"("captured_at":"2020-01-01T00:00:00Z","description":{"MAPCaptureTime":)"
                                 R"("2020_01_01_00_00_00_000","MAPFilename":"a.jpg","MAPLatitude":1,"MAPLongitude":2}})"));
}

TEST_CASE("description_json sorts keys at every depth and keeps numbers short", "[description]") {
    rapidjson::Document doc;
    doc.Parse(R"({"b":[{"z":1,"a":0.1}],"a":-0.3713,"B":"\\\"q\"","\u00e9":1e-7})");
    REQUIRE_FALSE(doc.HasParseError());
    // Code point order: "B" < "a" < "b" < "é"; \\ and \" stay escapes.
    CHECK(description_json(doc) == R"({"B":"\\\"q\"","a":-0.3713,"b":[{"a":0.1,"z":1}],"\u00e9":1e-07})");
    rapidjson::Value bad;
    bad.SetString("\xff", 1);
    CHECK_THROWS_AS(description_json(bad), DescriptionError);
}

TEST_CASE("DescriptionFileWriter writes a compact array", "[description]") {
    auto dir = std::filesystem::temp_directory_path() / "mly-description-test";
    std::filesystem::create_directories(dir);
    auto path = (dir / "D.json").string();
    {
        std::FILE* f = std::fopen(path.c_str(), "w");
        DescriptionFileWriter w(f);
        w.finish();
        std::fclose(f);
        CHECK(slurp(path) == "[]\n");
    }
    auto r = rec(R"({"path":"x.jpg","lat":1,"lon":2,"captured_at":"2020-01-01T00:00:00Z","sequence_id":"q"})");
    std::FILE* f = std::fopen(path.c_str(), "w");
    DescriptionFileWriter w(f);
    w.add(describe_image(r), "/abs/x.jpg", 1234);
    w.add(describe_image(r), "/abs/y.jpg", 5);
    w.finish();
    std::fclose(f);
    std::string entry = R"({"MAPCaptureTime":"2020_01_01_00_00_00_000","MAPFilename":"x.jpg","MAPLatitude":1,)"
                        R"("MAPLongitude":2,"MAPSequenceUUID":"q","filename":"/abs/x.jpg","filesize":1234,)"
                        R"("filetype":"image","md5sum":null})";
    CHECK(slurp(path).starts_with("[" + entry + ",{"));
    CHECK(slurp(path).ends_with(R"("filesize":5,"filetype":"image","md5sum":null}])" "\n"));
    CHECK(w.size() == 2);
    std::filesystem::remove_all(dir);
}

TEST_CASE("OutputFile: all or nothing, mode kept", "[output_file]") {
    auto dir = std::filesystem::temp_directory_path() / "mly-output-file-test";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto target = (dir / "out.txt").string();
    auto temp = (dir / ".out.txt.mly-tmp").string();
    {
        OutputFile f(target);
        std::fputs("partial", f.stream());
        CHECK(std::filesystem::exists(temp));
        CHECK_FALSE(std::filesystem::exists(target));
    }  // not committed: nothing is left
    CHECK_FALSE(std::filesystem::exists(temp));
    CHECK_FALSE(std::filesystem::exists(target));
    {
        OutputFile f(target);
        std::fputs("one", f.stream());
        f.commit();
    }
    CHECK(slurp(target) == "one");
    ::chmod(target.c_str(), 0604);
    {
        OutputFile f(target);
        std::fputs("two", f.stream());
        CHECK(slurp(target) == "one");  // untouched until commit
        f.commit();
    }
    CHECK(slurp(target) == "two");
    struct stat st {};
    ::stat(target.c_str(), &st);
    CHECK((st.st_mode & 07777) == 0604);
    CHECK_FALSE(std::filesystem::exists(temp));
    CHECK_THROWS_AS(OutputFile((dir / "no" / "x").string()), std::system_error);
    CHECK_THROWS_AS(OutputFile(dir.string()), std::system_error);  // a directory
    std::filesystem::remove_all(dir);
}
