// Unit tests of mapi/gpx.hpp: reading the fixtures, errors with file and
// line, and the streaming writer (round trip, xmllint, element order).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <pugixml.hpp>
#include <sstream>
#include <unistd.h>

#include "mapi/gpx.hpp"

using namespace mapi;
namespace fs = std::filesystem;

namespace {

// MLY_FIXTURES, else ../shared/fixtures from the repository root.
std::optional<fs::path> gpx_fixture_dir() {
    const char* env = std::getenv("MLY_FIXTURES");
    fs::path dir = (env && *env) ? fs::path(env) / "gpx" : fs::path("../shared/fixtures/gpx");
    if (!fs::is_directory(dir)) return std::nullopt;
    return dir;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Element starts in the text, with or without a prefix: <trk>, <trk ...>, <g:trk/>.
std::size_t count_elements(const std::string& text, const std::string& name) {
    std::size_t n = 0;
    for (std::size_t lt = text.find('<'); lt != std::string::npos; lt = text.find('<', lt + 1)) {
        std::size_t end = text.find_first_of(" \t\r\n/>", lt + 1);
        if (end == std::string::npos || text[end] == '/' && end == lt + 1) continue;
        std::string tag = text.substr(lt + 1, end - lt - 1);
        auto colon = tag.rfind(':');
        if ((colon == std::string::npos ? tag : tag.substr(colon + 1)) == name) ++n;
    }
    return n;
}

// The <time> texts of the <trkpt> elements that have one, in file order,
// found by plain text search.
std::vector<std::string> trkpt_times(const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while ((pos = text.find("<trkpt", pos)) != std::string::npos) {
        std::size_t gt = text.find('>', pos);
        std::size_t end = text[gt - 1] == '/' ? gt : text.find("</trkpt>", pos);
        std::size_t t = text.find("<time>", pos);
        if (t < end) {
            std::size_t b = text.find_first_not_of(" \t\r\n", t + 6);
            std::size_t e = text.find_first_of(" \t\r\n<", b);
            if (e > b) out.push_back(text.substr(b, e - b));
        }
        pos = end;
    }
    return out;
}

std::size_t count_points(const std::vector<Track>& tracks) {
    std::size_t n = 0;
    for (const Track& t : tracks)
        for (const TrackSegment& s : t.segments) n += s.points.size();
    return n;
}

std::size_t count_segments(const std::vector<Track>& tracks) {
    std::size_t n = 0;
    for (const Track& t : tracks) n += t.segments.size();
    return n;
}

Instant at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

// The GpxError a document raises, or "" when it parses.
std::string error_of(std::string_view xml, const std::string& name = "t.gpx") {
    try {
        parse_gpx(xml, name);
    } catch (const GpxError& e) {
        return e.what();
    }
    return "";
}

// Output of `write` captured in memory.
template <class F>
std::string write_gpx(F write) {
    char* buf = nullptr;
    std::size_t size = 0;
    std::FILE* f = open_memstream(&buf, &size);
    {
        GpxWriter w(f, "mly-test");
        write(w);
    }
    std::fclose(f);
    std::string out(buf, size);
    std::free(buf);
    return out;
}

bool have(const char* program) { return std::system((std::string("command -v ") + program + " >/dev/null 2>&1").c_str()) == 0; }

fs::path temp_file(const std::string& name) {
    fs::path dir = fs::temp_directory_path() / ("mly-gpx-test-" + std::to_string(getpid()));
    fs::create_directories(dir);
    return dir / name;
}

void write_file(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

// The writer's whole output in one document: metadata, waypoints, a route and
// two tracks, with the awkward cases (names needing escapes, a point with
// nothing but coordinates, headings around 0/360, negative elevations).
std::string sample_document() {
    return write_gpx([](GpxWriter& w) {
        w.begin({"trip <1> & \"more\"", at("2025-07-28T10:07:30.120Z"), Bounds{-33.5, -70.25, 48.1, 151.2}});
        w.waypoint({48.123456789, 11.987654321, 520.5, at("2025-07-28T10:00:00Z"), std::nullopt, "Caf\u00e9 'Eck'", 0});
        w.waypoint({-33.5, 151.2, std::nullopt, std::nullopt, std::nullopt, std::nullopt, 0});
        w.begin_route("route & co");
        w.route_point({1.5, 2.5, std::nullopt, std::nullopt, std::nullopt, "#001", 0});
        w.route_point({1.6, 2.6, std::nullopt, std::nullopt, std::nullopt, std::nullopt, 0});
        w.end_route();
        w.begin_track("day 1");
        w.begin_segment();
        w.point({37.793585123, -122.461396987, 94.75, at("2025-03-14T07:00:00.000Z"), 359.9996, std::nullopt, 0});
        w.point({37.793600001, -122.461300002, -12.345, at("2025-03-14T07:00:02.495Z"), 0.0, std::nullopt, 0});
        w.point({-0.000000001, 179.999999999, std::nullopt, at("2025-03-14T07:00:03.979Z"), 123.4, "x", 0});
        w.end_segment();
        w.begin_segment();
        w.end_segment();
        w.begin_segment();
        w.point({-89.999999999, -180, 8848.86, at("1969-12-31T23:59:59.999Z"), std::nullopt, std::nullopt, 0});
        w.end_segment();
        w.end_track();
        w.begin_track();
        w.end_track();
        w.end();
    });
}

}  // namespace

TEST_CASE("gpx: every fixture parses, and the counts match the text", "[gpx]") {
    auto dir = gpx_fixture_dir();
    if (!dir) {
        WARN("GPX fixtures not found (set MLY_FIXTURES); skipped");
        return;
    }
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(*dir)) {
        if (entry.path().extension() != ".gpx") continue;
        ++files;
        std::string text = slurp(entry.path());
        INFO(entry.path().filename().string());
        GpxData g = read_gpx(entry.path().string());
        CHECK(g.source == entry.path().string());
        CHECK(g.tracks.size() == count_elements(text, "trk"));
        CHECK(count_segments(g.tracks) == count_elements(text, "trkseg"));
        CHECK(count_points(g.tracks) == count_elements(text, "trkpt"));
        CHECK(g.routes.size() == count_elements(text, "rte"));
        CHECK(count_points(g.routes) == count_elements(text, "rtept"));
        CHECK(g.waypoints.size() == count_elements(text, "wpt"));
        for (const Track& r : g.routes) CHECK(r.segments.size() == 1);

        // Every time read back as the text says (fixtures in UTC with at most
        // ms are compared as text; the rest were checked by hand below).
        std::vector<std::string> times = trkpt_times(text);
        std::vector<TimedPoint> timed = timed_track_points(g);
        CHECK(timed.size() == times.size());

        // Lines point at the element.
        std::vector<std::string> lines;
        {
            std::istringstream in(text);
            for (std::string l; std::getline(in, l);) lines.push_back(l);
        }
        for (const Track& t : g.tracks)
            for (const TrackSegment& s : t.segments)
                for (const TrackPoint& p : s.points) {
                    REQUIRE(p.line >= 1);
                    REQUIRE(p.line <= lines.size());
                    CHECK(lines[p.line - 1].find("<trkpt") != std::string::npos);
                }
        for (const TrackPoint& p : g.waypoints) CHECK(lines[p.line - 1].find("<wpt") != std::string::npos);
    }
    CHECK(files == 13);
}

TEST_CASE("gpx: millisecond times of mt_sf_30km_h.gpx", "[gpx]") {
    auto dir = gpx_fixture_dir();
    if (!dir) return;
    std::string text = slurp(*dir / "mt_sf_30km_h.gpx");
    GpxData g = read_gpx((*dir / "mt_sf_30km_h.gpx").string());
    REQUIRE(g.tracks.size() == 1);
    REQUIRE(g.tracks[0].segments.size() == 1);
    const auto& pts = g.tracks[0].segments[0].points;
    std::vector<std::string> times = trkpt_times(text);
    REQUIRE(pts.size() == 49);
    REQUIRE(times.size() == 49);
    for (std::size_t i = 0; i < pts.size(); ++i) {
        REQUIRE(pts[i].time);
        CHECK(format_rfc3339_utc(*pts[i].time) == times[i]);
        if (i) CHECK(*pts[i].time > *pts[i - 1].time);
        CHECK(pts[i].ele);
        CHECK_FALSE(pts[i].course);  // Garmin extensions without a course are ignored
    }
    CHECK(format_rfc3339_utc(*pts[1].time) == "2025-03-14T07:00:02.495Z");
    CHECK(pts[0].lat == 37.793585);
    CHECK(pts[0].lon == -122.461396);
    CHECK(*pts[0].ele == 94.75);
    CHECK(g.tracks[0].name == "New file 1");
}

TEST_CASE("gpx: the BOM file", "[gpx]") {
    auto dir = gpx_fixture_dir();
    if (!dir) return;
    fs::path p = *dir / "gp_unicode_with_bom.gpx";
    REQUIRE(slurp(p).starts_with("\xEF\xBB\xBF"));
    GpxData g = read_gpx(p.string());
    REQUIRE(g.waypoints.size() == 1);
    const TrackPoint& w = g.waypoints[0];
    CHECK(w.lat == 43.309634);
    CHECK(w.lon == 3.515386);
    CHECK(*w.ele == -14.6);
    CHECK(format_rfc3339_utc(*w.time) == "2016-05-27T10:08:47.800Z");
    CHECK(*w.name == "test");
    CHECK(w.line == 3);
    CHECK_FALSE(w.course);

    // An error after a BOM still gets the right line.
    std::string bad = slurp(p);
    bad.replace(bad.find("10:08:47.8Z"), 11, "25:08:47.8Z");
    CHECK(error_of(bad, "bom.gpx") == "bom.gpx:5: bad time '2016-05-27T25:08:47.8Z'");
}

TEST_CASE("gpx: fixtures with every field, extensions, offsets, no times", "[gpx]") {
    auto dir = gpx_fixture_dir();
    if (!dir) return;
    for (const char* name : {"gp_gpx1.0_with_all_fields.gpx", "gp_gpx1.1_with_all_fields.gpx"}) {
        INFO(name);
        GpxData g = read_gpx((*dir / name).string());
        REQUIRE(g.waypoints.size() == 2);
        CHECK(g.waypoints[0].lat == 12.3);
        CHECK(g.waypoints[0].lon == 45.6);
        CHECK(*g.waypoints[0].ele == 75.1);
        CHECK(format_rfc3339_utc(*g.waypoints[0].time) == "2013-01-02T02:03:00.000Z");
        CHECK(*g.waypoints[0].name == "example name");
        CHECK_FALSE(g.waypoints[1].ele);
        CHECK_FALSE(g.waypoints[1].time);
        CHECK_FALSE(g.waypoints[1].name);
        REQUIRE(g.routes.size() == 2);
        CHECK(g.routes[0].name == "example name");
        CHECK(g.routes[1].name == "second route");
        CHECK(g.routes[0].segments[0].points.size() == 3);
        CHECK(*g.routes[0].segments[0].points[0].name == "example name r");
        REQUIRE(g.tracks.size() == 2);
        CHECK(g.tracks[0].name == "example name t");
        REQUIRE(g.tracks[0].segments.size() == 2);
        CHECK(g.tracks[0].segments[1].points.empty());
        CHECK(g.tracks[1].segments.empty());
        const TrackPoint& p = g.tracks[0].segments[0].points[0];
        CHECK(p.lat == 10.1);
        CHECK(p.lon == -20.2);
        CHECK(*p.ele == 11.1);
        // No offset in the file: GPX times are UTC.
        CHECK(format_rfc3339_utc(*p.time) == "2013-01-01T12:00:04.000Z");
        CHECK_FALSE(p.course);
    }

    GpxData ext = read_gpx((*dir / "gp_gpx1.1_with_extensions.gpx").string());
    REQUIRE(ext.waypoints.size() == 1);
    CHECK(ext.waypoints[0].lat == 12.3);
    CHECK_FALSE(ext.waypoints[0].ele);
    CHECK_FALSE(ext.waypoints[0].time);
    CHECK_FALSE(ext.waypoints[0].name);
    CHECK_FALSE(ext.waypoints[0].course);

    GpxData garmin = read_gpx((*dir / "gp_gpx_with_garmin_extension.gpx").string());
    REQUIRE(garmin.waypoints.size() == 1);
    CHECK(*garmin.waypoints[0].ele == 3.4);
    CHECK(format_rfc3339_utc(*garmin.waypoints[0].time) == "2016-06-17T23:41:03.000Z");

    GpxData offset = read_gpx((*dir / "gp_track-with-less-sec-time.gpx").string());
    const auto& op = offset.tracks.at(0).segments.at(0).points;
    REQUIRE(op.size() == 2);
    CHECK(format_rfc3339_utc(*op[0].time) == "2015-12-11T14:43:13.000Z");
    CHECK(format_rfc3339_utc(*op[1].time) == "2015-12-11T14:43:13.994Z");
    CHECK(op[0].lat == 57.011456);  // lon before lat in the file
    CHECK(op[0].lon == 9.992872);

    GpxData empty = read_gpx((*dir / "gp_track-with-empty-segment.gpx").string());
    REQUIRE(empty.tracks.size() == 1);
    REQUIRE(empty.tracks[0].segments.size() == 2);
    CHECK(empty.tracks[0].segments[0].points.size() == 9);
    CHECK(empty.tracks[0].segments[1].points.empty());

    // Parses; the track points that have no <time> keep none.
    GpxData untimed = read_gpx((*dir / "gp_cerknicko-without-times.gpx").string());
    std::size_t without = 0;
    for (const Track& t : untimed.tracks)
        for (const TrackSegment& s : t.segments)
            for (const TrackPoint& p : s.points) without += !p.time;
    CHECK(without == count_points(untimed.tracks) - 5);
    CHECK(timed_track_points(untimed).size() == 5);

    GpxData route = read_gpx((*dir / "gp_route.gpx").string());
    REQUIRE(route.routes.size() == 1);
    CHECK(route.tracks.empty());
    CHECK(*route.routes[0].segments[0].points[0].name == "#001");
    CHECK(route.routes[0].segments[0].points[0].lat == 45.2787641494);
    CHECK(timed_track_points(route).empty());

    // Fractions beyond ms are truncated.
    GpxData moj = read_gpx((*dir / "gp_Mojstrovka.gpx").string());
    CHECK(format_rfc3339_utc(*moj.tracks[0].segments[0].points[0].time) == "1901-12-13T20:45:52.207Z");
}

TEST_CASE("gpx: heading from <course> and from extensions", "[gpx]") {
    GpxData g = parse_gpx(R"(<?xml version="1.0"?>
<gpx version="1.0" xmlns="http://www.topografix.com/GPX/1/0">
<trk><trkseg>
<trkpt lat="1" lon="2"><ele>3</ele><time>2020-01-01T00:00:00Z</time><course>271.5</course><speed>3</speed></trkpt>
<trkpt lat="1" lon="2"><course>-10</course></trkpt>
<trkpt lat="1" lon="2"><course>360</course></trkpt>
<trkpt lat="1" lon="2"><extensions><mly:heading xmlns:mly="https://github.com/mly/gpx">12.25</mly:heading></extensions></trkpt>
<trkpt lat="1" lon="2"><extensions><gpxtpx:TrackPointExtension xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"><gpxtpx:hr>120</gpxtpx:hr><gpxtpx:course>45</gpxtpx:course></gpxtpx:TrackPointExtension></extensions></trkpt>
<trkpt lat="1" lon="2"><extensions><x:course>10</x:course><x:heading>20</x:heading></extensions></trkpt>
<trkpt lat="1" lon="2"><course>5</course><extensions><x:heading>20</x:heading></extensions></trkpt>
<trkpt lat="1" lon="2"><extensions><x:heading>north</x:heading></extensions></trkpt>
<trkpt lat="1" lon="2"><extensions><x:hr>120</x:hr></extensions></trkpt>
</trkseg></trk></gpx>)",
                          "c.gpx");
    const auto& p = g.tracks.at(0).segments.at(0).points;
    REQUIRE(p.size() == 9);
    CHECK(*p[0].course == 271.5);
    CHECK(*p[1].course == 350);
    CHECK(*p[2].course == 0);
    CHECK(*p[3].course == 12.25);
    CHECK(*p[4].course == 45);
    CHECK(*p[5].course == 20);  // heading before course
    CHECK(*p[6].course == 5);   // the GPX element before extensions
    CHECK_FALSE(p[7].course);   // not ours to judge: ignored
    CHECK_FALSE(p[8].course);

    CHECK(error_of("<gpx>\n<trk><trkseg>\n<trkpt lat='1' lon='2'>\n<course>east</course></trkpt></trkseg></trk></gpx>") ==
          "t.gpx:4: bad course 'east'");
}

TEST_CASE("gpx: namespaces are matched by local name", "[gpx]") {
    GpxData g = parse_gpx(R"(<g:gpx xmlns:g="http://www.topografix.com/GPX/1/1" version="1.1">
  <g:wpt lat="1.5" lon="-2.5"><g:name>w</g:name></g:wpt>
  <g:trk><g:name>T</g:name><g:trkseg>
    <g:trkpt lat="10" lon="20"><g:ele>5</g:ele><g:time>2024-02-29T23:59:59.5+01:00</g:time></g:trkpt>
  </g:trkseg></g:trk>
</g:gpx>)",
                          "p.gpx");
    REQUIRE(g.waypoints.size() == 1);
    CHECK(*g.waypoints[0].name == "w");
    REQUIRE(g.tracks.size() == 1);
    CHECK(g.tracks[0].name == "T");
    const TrackPoint& p = g.tracks[0].segments.at(0).points.at(0);
    CHECK(*p.ele == 5);
    CHECK(format_rfc3339_utc(*p.time) == "2024-02-29T22:59:59.500Z");
    CHECK(p.line == 4);

    // Empty <ele>/<time> are absent; whitespace around values is allowed.
    GpxData e = parse_gpx("<gpx><wpt lat=' 1 ' lon='+2'><ele></ele><time>\n 2020-01-01T00:00:00Z \n</time></wpt>"
                          "<wpt lat='1e1' lon='2'><time/></wpt></gpx>",
                          "e.gpx");
    CHECK_FALSE(e.waypoints[0].ele);
    CHECK(e.waypoints[0].lon == 2);
    CHECK(format_rfc3339_utc(*e.waypoints[0].time) == "2020-01-01T00:00:00.000Z");
    CHECK(e.waypoints[1].lat == 10);
    CHECK_FALSE(e.waypoints[1].time);
}

TEST_CASE("gpx: ISO-8859-1 documents", "[gpx]") {
    GpxData g = parse_gpx("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<gpx>\n<wpt lat=\"1\" lon=\"2\">"
                          "<name>M\xFCnchen</name></wpt>\n<wpt lat=\"1\" lon=\"2\"/></gpx>",
                          "l.gpx");
    REQUIRE(g.waypoints.size() == 2);
    CHECK(*g.waypoints[0].name == "M\u00fcnchen");
    CHECK(g.waypoints[1].line == 4);
}

TEST_CASE("gpx: bad documents name the file and the line", "[gpx]") {
    const std::string head = "<?xml version=\"1.0\"?>\n<gpx version=\"1.1\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n<trk><trkseg>\n";
    const std::string tail = "</trkseg></trk>\n</gpx>\n";
    auto doc = [&](const std::string& points) { return head + points + tail; };

    CHECK(error_of(doc("<trkpt lat=\"95.2\" lon=\"1\"/>\n"), "track.gpx") == "track.gpx:4: latitude 95.2 out of range");
    CHECK(error_of(doc("<trkpt lat=\"1\" lon=\"1\"/>\n<trkpt lat=\"1\" lon=\"-180.5\"/>\n")) ==
          "t.gpx:5: longitude -180.5 out of range");
    CHECK(error_of(doc("<trkpt lat=\"1\"\n lon=\"nan\"/>\n")) == "t.gpx:4: bad longitude 'nan'");
    CHECK(error_of(doc("<trkpt lat=\"\" lon=\"1\"/>\n")) == "t.gpx:4: bad latitude ''");
    CHECK(error_of(doc("<trkpt lat=\"1,5\" lon=\"1\"/>\n")) == "t.gpx:4: bad latitude '1,5'");
    CHECK(error_of(doc("\n\n<trkpt lon=\"1\"/>\n")) == "t.gpx:6: <trkpt> has no lat attribute");
    CHECK(error_of(doc("<trkpt lat=\"1\"/>\n")) == "t.gpx:4: <trkpt> has no lon attribute");
    CHECK(error_of(doc("<trkpt lat=\"1\" lon=\"1\">\n  <time>2024-13-01T00:00:00Z</time>\n</trkpt>\n"), "track.gpx") ==
          "track.gpx:5: bad time '2024-13-01T00:00:00Z'");
    CHECK(error_of(doc("<trkpt lat=\"1\" lon=\"1\"><time>yesterday</time></trkpt>\n")) == "t.gpx:4: bad time 'yesterday'");
    CHECK(error_of(doc("<trkpt lat=\"1\" lon=\"1\">\n<ele>12 m</ele></trkpt>\n")) == "t.gpx:5: bad elevation '12 m'");
    CHECK(error_of("<?xml version=\"1.0\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document/></kml>\n",
                   "track.gpx") == "track.gpx: not a GPX document (root element is <kml>)");
    CHECK(error_of("", "e.gpx") == "e.gpx: not a GPX document (no root element)");
    CHECK(error_of("<gpx/>\n<gpx/>\n") == "t.gpx:2: malformed XML: a second root element <gpx>");

    // Malformed XML: the line of the fault.
    std::string mismatch = error_of(doc("<trkpt lat=\"1\" lon=\"1\">\n</trkseg>\n"));
    CHECK_THAT(mismatch, Catch::Matchers::StartsWith("t.gpx:5: malformed XML: "));
    std::string bad_attr = error_of(doc("\n<trkpt lat=1 lon=\"1\"/>\n"));
    CHECK_THAT(bad_attr, Catch::Matchers::StartsWith("t.gpx:5: malformed XML: "));

    // Truncated: a fixture cut in the middle of the track.
    if (auto dir = gpx_fixture_dir()) {
        std::string text = slurp(*dir / "gp_korita-zbevnica.gpx");
        std::string cut = text.substr(0, text.size() / 2);
        std::size_t lines = std::count(cut.begin(), cut.end(), '\n') + 1;
        try {
            parse_gpx(cut, "korita.gpx");
            FAIL("a truncated document parsed");
        } catch (const GpxError& e) {
            CHECK(e.file() == "korita.gpx");
            CHECK(e.line() >= lines - 1);
            CHECK(e.line() <= lines);
            CHECK_THAT(e.what(), Catch::Matchers::StartsWith("korita.gpx:" + std::to_string(e.line()) +
                                                                 ": malformed XML: "));
        }
    }

    // Files.
    CHECK_THROWS_WITH(read_gpx("/nonexistent/track.gpx"),
                      "/nonexistent/track.gpx: cannot open: No such file or directory");
    CHECK_THROWS_AS(read_gpx("/"), GpxError);
}

TEST_CASE("gpx: line numbers in a big file", "[gpx]") {
    std::string xml = "<gpx><trk><trkseg>\n";
    const int n = 200000;
    for (int i = 0; i < n; ++i) xml += "<trkpt lat=\"1\" lon=\"2\"><time>2020-01-01T00:00:00Z</time></trkpt>\n";
    xml += "<trkpt lat=\"-91\" lon=\"2\"/>\n</trkseg></trk></gpx>\n";
    auto t0 = std::chrono::steady_clock::now();
    CHECK(error_of(xml, "big.gpx") == "big.gpx:" + std::to_string(n + 2) + ": latitude -91 out of range");
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    CHECK(ms < 5000);  // linear: a quadratic line count would take minutes
}

TEST_CASE("gpx: bounds_of and timed_track_points", "[gpx]") {
    GpxData g = parse_gpx(R"(<gpx>
<wpt lat="-5" lon="170"/>
<rte><rtept lat="60" lon="0"/></rte>
<trk>
 <trkseg>
  <trkpt lat="1" lon="1"><time>2020-01-01T00:00:10Z</time></trkpt>
  <trkpt lat="2" lon="2"><time>2020-01-01T00:00:05Z</time></trkpt>
  <trkpt lat="3" lon="3"/>
 </trkseg>
 <trkseg/>
</trk>
<trk>
 <trkseg>
  <trkpt lat="4" lon="-4"><time>2020-01-01T00:00:05Z</time></trkpt>
  <trkpt lat="5" lon="5"><time>2020-01-01T00:00:20Z</time></trkpt>
 </trkseg>
</trk>
</gpx>)",
                          "b.gpx");
    auto b = bounds_of(g);
    REQUIRE(b);
    CHECK(b->minlat == -5);
    CHECK(b->maxlat == 60);
    CHECK(b->minlon == -4);
    CHECK(b->maxlon == 170);
    CHECK_FALSE(bounds_of(GpxData{}));

    Bounds merged{0, 0, 1, 1};
    merged.include(Bounds{-1, 2, 0.5, 3});
    CHECK(merged.minlat == -1);
    CHECK(merged.maxlon == 3);
    CHECK(merged.maxlat == 1);

    auto t = timed_track_points(g);
    REQUIRE(t.size() == 4);
    // Sorted by time, equal times in file order, each with its segment.
    CHECK(t[0].point.lat == 2);
    CHECK(t[0].segment == 0);
    CHECK(t[1].point.lat == 4);
    CHECK(t[1].segment == 2);  // the empty <trkseg/> counts
    CHECK(t[2].point.lat == 1);
    CHECK(t[2].segment == 0);
    CHECK(t[3].point.lat == 5);
    CHECK(t[3].segment == 2);

    auto both = timed_track_points(std::vector<GpxData>{g, g});
    REQUIRE(both.size() == 8);
    // At 00:00:05: file 1 segments 0 and 2, then file 2 segments 3 and 5.
    CHECK(both[0].segment == 0);
    CHECK(both[1].segment == 2);
    CHECK(both[2].segment == 3);  // the second file's first segment
    CHECK(both[2].point.lat == 2);
    CHECK(both[3].segment == 5);
}

TEST_CASE("gpx: writer output round-trips", "[gpx]") {
    std::string out = sample_document();
    GpxData g = parse_gpx(out, "out.gpx");

    REQUIRE(g.waypoints.size() == 2);
    CHECK(std::abs(g.waypoints[0].lat - 48.123456789) < 1e-9);
    CHECK(std::abs(g.waypoints[0].lon - 11.987654321) < 1e-9);
    CHECK(*g.waypoints[0].ele == Approx(520.5).margin(5e-4));
    CHECK(*g.waypoints[0].time == at("2025-07-28T10:00:00Z"));
    CHECK(*g.waypoints[0].name == "Caf\u00e9 'Eck'");
    CHECK_FALSE(g.waypoints[1].ele);
    CHECK_FALSE(g.waypoints[1].time);
    CHECK_FALSE(g.waypoints[1].name);
    CHECK_FALSE(g.waypoints[1].course);

    REQUIRE(g.routes.size() == 1);
    CHECK(g.routes[0].name == "route & co");
    REQUIRE(g.routes[0].segments[0].points.size() == 2);
    CHECK(*g.routes[0].segments[0].points[0].name == "#001");

    REQUIRE(g.tracks.size() == 2);
    CHECK(g.tracks[0].name == "day 1");
    CHECK(g.tracks[1].name.empty());
    CHECK(g.tracks[1].segments.empty());
    REQUIRE(g.tracks[0].segments.size() == 3);
    CHECK(g.tracks[0].segments[1].points.empty());
    const auto& s = g.tracks[0].segments[0].points;
    REQUIRE(s.size() == 3);
    CHECK(std::abs(s[0].lat - 37.793585123) < 1e-9);
    CHECK(std::abs(s[0].lon - -122.461396987) < 1e-9);
    CHECK(*s[0].ele == Approx(94.75).margin(5e-4));
    CHECK(format_rfc3339_utc(*s[0].time) == "2025-03-14T07:00:00.000Z");
    CHECK(*s[0].course == 0);  // 359.9996 is written 0.000, not 360.000
    CHECK(*s[1].ele == Approx(-12.345).margin(5e-4));
    CHECK(*s[1].time == at("2025-03-14T07:00:02.495Z"));
    CHECK(*s[1].course == 0);
    CHECK(std::abs(s[2].lat - -0.000000001) < 1e-9);
    CHECK(std::abs(s[2].lon - 179.999999999) < 1e-9);
    CHECK(*s[2].course == Approx(123.4).margin(5e-4));
    CHECK(*s[2].name == "x");
    const TrackPoint& last = g.tracks[0].segments[2].points.at(0);
    CHECK(std::abs(last.lat - -89.999999999) < 1e-9);
    CHECK(last.lon == -180);
    CHECK(*last.time == at("1969-12-31T23:59:59.999Z"));

    // The fixtures through the writer and back: every field the model keeps.
    auto dir = gpx_fixture_dir();
    if (!dir) return;
    for (const auto& entry : fs::directory_iterator(*dir)) {
        if (entry.path().extension() != ".gpx") continue;
        INFO(entry.path().filename().string());
        GpxData in = read_gpx(entry.path().string());
        std::string text = write_gpx([&](GpxWriter& w) {
            w.begin({std::nullopt, std::nullopt, bounds_of(in)});
            for (const TrackPoint& p : in.waypoints) w.waypoint(p);
            for (const Track& r : in.routes) {
                w.begin_route(r.name);
                for (const TrackPoint& p : r.segments.at(0).points) w.route_point(p);
                w.end_route();
            }
            for (const Track& t : in.tracks) {
                w.begin_track(t.name);
                for (const TrackSegment& seg : t.segments) {
                    w.begin_segment();
                    for (const TrackPoint& p : seg.points) w.point(p);
                    w.end_segment();
                }
                w.end_track();
            }
            w.end();
        });
        GpxData back = parse_gpx(text, "back.gpx");
        auto same_point = [](const TrackPoint& a, const TrackPoint& b) {
            CHECK(std::abs(a.lat - b.lat) < 1e-9);
            CHECK(std::abs(a.lon - b.lon) < 1e-9);
            CHECK(a.ele.has_value() == b.ele.has_value());
            if (a.ele && b.ele) CHECK(std::abs(*a.ele - *b.ele) <= 5e-4);
            CHECK(a.time == b.time);
            CHECK(a.name == b.name);
            CHECK(a.course.has_value() == b.course.has_value());
        };
        REQUIRE(back.waypoints.size() == in.waypoints.size());
        for (std::size_t i = 0; i < in.waypoints.size(); ++i) same_point(in.waypoints[i], back.waypoints[i]);
        for (auto [a, b] : {std::pair{&in.tracks, &back.tracks}, std::pair{&in.routes, &back.routes}}) {
            REQUIRE(a->size() == b->size());
            for (std::size_t t = 0; t < a->size(); ++t) {
                CHECK((*a)[t].name == (*b)[t].name);
                REQUIRE((*a)[t].segments.size() == (*b)[t].segments.size());
                for (std::size_t k = 0; k < (*a)[t].segments.size(); ++k) {
                    const auto& pa = (*a)[t].segments[k].points;
                    const auto& pb = (*b)[t].segments[k].points;
                    REQUIRE(pa.size() == pb.size());
                    for (std::size_t i = 0; i < pa.size(); ++i) same_point(pa[i], pb[i]);
                }
            }
        }
    }
}

TEST_CASE("gpx: writer output is well-formed GPX 1.1 in schema order", "[gpx]") {
    std::string out = sample_document();
    CHECK(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"mly-test\""));
    CHECK(out.find("<name>trip &lt;1&gt; &amp; &quot;more&quot;</name>") != std::string::npos);
    CHECK(out.find("<trkpt lat=\"37.793585123\" lon=\"-122.461396987\">") != std::string::npos);
    CHECK(out.find("<ele>-12.345</ele>") != std::string::npos);
    CHECK(out.find("<time>2025-03-14T07:00:02.495Z</time>") != std::string::npos);
    CHECK(out.find("<extensions>\n          <mly:heading>123.400</mly:heading>\n        </extensions>") !=
          std::string::npos);
    CHECK(out.find("<wpt lat=\"-33.500000000\" lon=\"151.200000000\"/>") != std::string::npos);

    pugi::xml_document doc;
    REQUIRE(doc.load_string(out.c_str()));
    pugi::xml_node gpx = doc.child("gpx");
    CHECK(std::string(gpx.attribute("xmlns").value()) == "http://www.topografix.com/GPX/1/1");
    CHECK(std::string(gpx.attribute("version").value()) == "1.1");
    CHECK(std::string(gpx.attribute("xmlns:mly").value()) == kMlyGpxNamespace);
    CHECK(std::string(gpx.attribute("xsi:schemaLocation").value()) ==
          "http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd");

    // Each element's children in the order of the GPX 1.1 schema.
    const std::map<std::string, std::vector<std::string>> order = {
        {"gpx", {"metadata", "wpt", "rte", "trk", "extensions"}},
        {"metadata", {"name", "desc", "author", "copyright", "link", "time", "keywords", "bounds", "extensions"}},
        {"wpt",
         {"ele", "time", "magvar", "geoidheight", "name", "cmt", "desc", "src", "link", "sym", "type", "fix", "sat",
          "hdop", "vdop", "pdop", "ageofdgpsdata", "dgpsid", "extensions"}},
        {"rte", {"name", "cmt", "desc", "src", "link", "number", "type", "extensions", "rtept"}},
        {"trk", {"name", "cmt", "desc", "src", "link", "number", "type", "extensions", "trkseg"}},
        {"trkseg", {"trkpt", "extensions"}},
        {"extensions", {"mly:heading"}},
    };
    std::size_t checked = 0;
    auto rule_for = [](std::string name) { return name == "trkpt" || name == "rtept" ? std::string("wpt") : name; };
    std::function<void(pugi::xml_node)> walk = [&](pugi::xml_node n) {
        const auto& allowed = order.at(rule_for(n.name()));
        std::size_t last = 0;
        for (pugi::xml_node c : n.children()) {
            INFO("<" << c.name() << "> in <" << n.name() << ">");
            REQUIRE(c.type() == pugi::node_element);
            auto at = std::find(allowed.begin(), allowed.end(), std::string(c.name()));
            REQUIRE(at != allowed.end());
            std::size_t rank = at - allowed.begin();
            CHECK(rank >= last);
            last = rank;
            ++checked;
            if (order.count(rule_for(c.name()))) walk(c);
        }
    };
    walk(gpx);
    CHECK(checked > 30);

    if (!have("xmllint")) {
        WARN("xmllint not installed; well-formedness check skipped");
        return;
    }
    fs::path file = temp_file("sample.gpx");
    write_file(file, out);
    CHECK(std::system(("xmllint --noout " + file.string()).c_str()) == 0);

    // Text that XML cannot carry is replaced, not passed through.
    std::string odd = write_gpx([](GpxWriter& w) {
        w.begin({std::string("bell\x07 bad\xFF\xFE utf8 \xC0\xAF \xED\xA0\x80 ok\u00e9\U0001F600"), std::nullopt,
                 std::nullopt});
        w.waypoint({1, 2, std::nullopt, std::nullopt, std::nullopt, std::string("tab\there\r\nnul\0x", 15), 0});
        w.end();
    });
    CHECK(odd.find("ok\u00e9\U0001F600") != std::string::npos);
    fs::path odd_file = temp_file("odd.gpx");
    write_file(odd_file, odd);
    CHECK(std::system(("xmllint --noout " + odd_file.string()).c_str()) == 0);
    GpxData g = parse_gpx(odd, "odd.gpx");
    CHECK(*g.waypoints.at(0).name == "tab\there\r\nnul\uFFFDx");

    if (have("gpsbabel")) {
        fs::path copy = temp_file("copy.gpx");
        REQUIRE(std::system(("gpsbabel -i gpx -f " + file.string() + " -o gpx -F " + copy.string()).c_str()) == 0);
        GpxData other = read_gpx(copy.string());
        CHECK(count_points(other.tracks) == 4);
        CHECK(other.waypoints.size() == 2);
    }
    fs::remove_all(file.parent_path());
}

TEST_CASE("gpx: writer refuses calls out of order and reports write errors", "[gpx]") {
    std::FILE* null = std::fopen("/dev/null", "w");
    REQUIRE(null);
    {
        GpxWriter w(null, "t");
        CHECK_THROWS_AS(w.waypoint({}), std::logic_error);
        w.begin();
        w.begin_track("t");
        CHECK_THROWS_AS(w.point({}), std::logic_error);  // no segment
        w.begin_segment();
        CHECK_THROWS_AS(w.point({NAN, 1, {}, {}, {}, {}, 0}), std::invalid_argument);
        CHECK_THROWS_AS(w.point({90.5, 1, {}, {}, {}, {}, 0}), std::invalid_argument);
        CHECK_THROWS_AS(w.point({0, -181, {}, {}, {}, {}, 0}), std::invalid_argument);
        CHECK_THROWS_AS(w.end_track(), std::logic_error);
        w.end_segment();
        w.end_track();
        CHECK_THROWS_AS(w.waypoint({}), std::logic_error);  // waypoints come before tracks
        CHECK_THROWS_AS(w.begin_route(), std::logic_error);
        w.end();
        CHECK_THROWS_AS(w.end(), std::logic_error);
    }
    std::fclose(null);

    // Non-finite values left out; longitude in the schema's [-180, 180).
    std::string bare = write_gpx([](GpxWriter& w) {
        w.begin({std::nullopt, std::nullopt, Bounds{-1, -180, 1, 180}});
        w.waypoint({1, 2, INFINITY, std::nullopt, NAN, std::nullopt, 0});
        w.waypoint({0, 180, std::nullopt, std::nullopt, std::nullopt, std::nullopt, 0});
        w.waypoint({0, 179.99999999999, std::nullopt, std::nullopt, std::nullopt, std::nullopt, 0});
        w.waypoint({0, -179.999999999, std::nullopt, std::nullopt, std::nullopt, std::nullopt, 0});
        w.end();
    });
    CHECK(bare.find("<wpt lat=\"0.000000000\" lon=\"-180.000000000\"/>") != std::string::npos);
    CHECK(bare.find("<wpt lat=\"0.000000000\" lon=\"-179.999999999\"/>") != std::string::npos);
    CHECK(bare.find("<bounds minlat=\"-1.000000000\" minlon=\"-180.000000000\" maxlat=\"1.000000000\" "
                    "maxlon=\"179.999999999\"/>") != std::string::npos);
    CHECK(bare.find("<wpt lat=\"1.000000000\" lon=\"2.000000000\"/>") != std::string::npos);

    std::string plain = write_gpx([](GpxWriter& w) {
        w.begin();
        w.end();
    });
    CHECK(plain.find("<metadata>") == std::string::npos);
    CHECK(parse_gpx(plain, "plain.gpx").waypoints.empty());

    if (std::FILE* full = std::fopen("/dev/full", "w")) {
        GpxWriter w(full, "t");
        w.begin();
        CHECK_THROWS_AS(w.end(), std::runtime_error);
        std::fclose(full);
    }
}
