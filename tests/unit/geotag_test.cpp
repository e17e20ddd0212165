// Unit tests for mapi/geotag.hpp. Expected positions are worked out by hand
// from the points (linear in time), not taken from the code.
#include <catch2/catch.hpp>

#include <cmath>

#include "mapi/geotag.hpp"

using namespace mapi;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

Instant at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

// The track of behaviour.md A5: four fixes with elevation and course.
const char* kA5 = R"(<?xml version="1.0"?>
<gpx version="1.0" creator="test" xmlns="http://www.topografix.com/GPX/1/0"><trk><trkseg>
<trkpt lat="48.0" lon="11.0"><ele>500</ele><time>2024-06-01T10:00:00Z</time><course>350</course></trkpt>
<trkpt lat="48.001" lon="11.001"><ele>510</ele><time>2024-06-01T10:00:10Z</time><course>10</course></trkpt>
<trkpt lat="48.002" lon="11.003"><ele>520</ele><time>2024-06-01T10:00:20Z</time><course>90</course></trkpt>
<trkpt lat="48.004" lon="11.003"><ele>500</ele><time>2024-06-01T10:00:40Z</time><course>180</course></trkpt>
</trkseg></trk></gpx>)";

TrackIndex index_of(const char* xml, GeotagOptions o = {}) { return TrackIndex({parse_gpx(xml, "t.gpx")}, o); }

}  // namespace

TEST_CASE("parse_point_kinds", "[geotag]") {
    auto k = parse_point_kinds("tracks");
    REQUIRE(k);
    CHECK((k->tracks && !k->routes && !k->waypoints));
    k = parse_point_kinds("rte,wpt");
    REQUIRE(k);
    CHECK((!k->tracks && k->routes && k->waypoints));
    k = parse_point_kinds("waypoints,tracks,routes");
    REQUIRE(k);
    CHECK((k->tracks && k->routes && k->waypoints));
    CHECK_FALSE(parse_point_kinds(""));
    CHECK_FALSE(parse_point_kinds("tracks,"));
    CHECK_FALSE(parse_point_kinds("track"));
    CHECK_FALSE(parse_point_kinds("Tracks"));
}

TEST_CASE("parse_seconds", "[geotag]") {
    CHECK(parse_seconds("25") == milliseconds(25000));
    CHECK(parse_seconds("+25") == milliseconds(25000));
    CHECK(parse_seconds("-7200") == milliseconds(-7200000));
    CHECK(parse_seconds("0.5") == milliseconds(500));
    CHECK(parse_seconds(".25") == milliseconds(250));
    CHECK(parse_seconds("-0.001") == milliseconds(-1));
    CHECK(parse_seconds("1.0005") == milliseconds(1001));  // to the nearest ms
    CHECK(parse_seconds("1.99999") == milliseconds(2000));
    CHECK(parse_seconds("1:30") == milliseconds(90000));
    CHECK(parse_seconds("-2:00:00") == milliseconds(-7200000));
    CHECK(parse_seconds("1:02:03.5") == milliseconds(3723500));
    CHECK(parse_seconds("0") == milliseconds(0));
    for (const char* bad : {"", "+", "-", "abc", "1e3", "1.", "1.2.3", " 1", "1 ", "--1", "1:60", "1:2:3:4", "1.5:00",
                            "1:", ":30", "nan", "inf", "1234567890"})
        CHECK_FALSE(parse_seconds(bad));
}

TEST_CASE("count_points counts by kind and time", "[geotag]") {
    auto gpx = parse_gpx(R"(<gpx version="1.1">
<wpt lat="1" lon="1"><time>2024-01-01T00:00:00Z</time></wpt><wpt lat="1" lon="1"/>
<rte><rtept lat="1" lon="1"/><rtept lat="1" lon="2"/><rtept lat="1" lon="3"/></rte>
<trk><trkseg><trkpt lat="1" lon="1"><time>2024-01-01T00:00:00Z</time></trkpt><trkpt lat="1" lon="1"/></trkseg>
<trkseg/></trk></gpx>)", "c.gpx");
    PointCount n = count_points(gpx, {});
    CHECK(n.timed == 1);
    CHECK(n.untimed == 1);
    CHECK(n.tracks == 2);
    CHECK(n.routes == 3);
    CHECK(n.waypoints == 2);
    n = count_points(gpx, {false, true, true});
    CHECK(n.timed == 1);
    CHECK(n.untimed == 4);
}

TEST_CASE("locate on the A5 track", "[geotag]") {
    TrackIndex idx = index_of(kA5);
    CHECK(idx.points() == 4);
    CHECK(idx.runs() == 1);
    CHECK(idx.start() == at("2024-06-01T10:00:00Z"));
    CHECK(idx.end() == at("2024-06-01T10:00:40Z"));

    SECTION("between two points: linear in time, course on the short arc") {
        auto r = idx.locate(at("2024-06-01T10:00:05Z"));
        REQUIRE(r.fix);
        CHECK(r.fix->how == Fix::How::interpolated);
        CHECK(r.fix->pos.lat == Approx(48.0005).margin(1e-12));
        CHECK(r.fix->pos.lon == Approx(11.0005).margin(1e-12));
        CHECK(*r.fix->ele == Approx(505));
        CHECK(r.fix->course == Approx(0).margin(1e-9));  // 350 -> 10 passes north
        CHECK(r.fix->span == seconds(10));
        // North-east, a little more east than north at latitude 48.
        CHECK(*r.fix->bearing == Approx(33.8).margin(0.1));
        CHECK(r.fix->heading() == r.fix->course);
    }
    SECTION("a quarter of the way, and sub-second times") {
        auto r = idx.locate(at("2024-06-01T10:00:22.500Z"));
        REQUIRE(r.fix);
        CHECK(r.fix->pos.lat == Approx(48.00225).margin(1e-12));
        CHECK(r.fix->pos.lon == Approx(11.003).margin(1e-12));
        CHECK(*r.fix->ele == Approx(517.5));
        CHECK(*r.fix->course == Approx(101.25));
        CHECK(*r.fix->bearing == Approx(0).margin(1e-9));  // due north
    }
    SECTION("on a point") {
        auto r = idx.locate(at("2024-06-01T10:00:10Z"));
        REQUIRE(r.fix);
        CHECK(r.fix->how == Fix::How::exact);
        CHECK(r.fix->pos.lat == 48.001);
        CHECK(r.fix->pos.lon == 11.001);
        CHECK(*r.fix->ele == 510);
        CHECK(*r.fix->course == 10);
        CHECK(r.fix->span == milliseconds(0));
    }
    SECTION("outside, with the default of no extrapolation") {
        auto r = idx.locate(at("2024-06-01T09:59:55Z"));
        CHECK_FALSE(r.fix);
        CHECK(r.miss == Located::Miss::before);
        CHECK(r.reason ==
              "2024-06-01T09:59:55.000Z is 5 s before the track starts "
              "(track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC)");
        CHECK_FALSE(r.shift);  // the track is shorter than any shift
        r = idx.locate(at("2024-06-01T10:00:40.001Z"));
        CHECK_FALSE(r.fix);
        CHECK(r.miss == Located::Miss::after);
        CHECK(r.reason.starts_with("2024-06-01T10:00:40.001Z is 0.001 s after the track ends (track: "));
    }
}

TEST_CASE("extrapolation clamps to the nearest point", "[geotag]") {
    GeotagOptions o;
    o.max_extrapolate = seconds(6);
    TrackIndex idx = index_of(kA5, o);
    auto r = idx.locate(at("2024-06-01T09:59:55Z"));
    REQUIRE(r.fix);
    CHECK(r.fix->how == Fix::How::clamped);
    CHECK(r.fix->pos.lat == 48.0);
    CHECK(r.fix->pos.lon == 11.0);
    CHECK(*r.fix->ele == 500);
    CHECK(*r.fix->course == 350);
    CHECK(r.fix->span == seconds(5));
    // The bearing of the first leg, which the photo is on the way to.
    CHECK(*r.fix->bearing == Approx(33.8).margin(0.1));

    r = idx.locate(at("2024-06-01T10:00:46Z"));
    REQUIRE(r.fix);
    CHECK(r.fix->pos.lat == 48.004);
    CHECK(*r.fix->bearing == Approx(0).margin(1e-9));  // the last leg, due north

    // The bound is inclusive, as ExifTool's.
    CHECK(idx.locate(at("2024-06-01T10:00:46Z")).fix);
    r = idx.locate(at("2024-06-01T10:00:46.001Z"));
    CHECK_FALSE(r.fix);
    CHECK(r.reason.find("is 6.001 s after the track ends, more than the 6 s allowed outside it (track:") !=
          std::string::npos);

    o.max_extrapolate = std::nullopt;  // no limit
    CHECK(index_of(kA5, o).locate(at("2025-01-01T00:00:00Z")).fix);
}

TEST_CASE("max_gap: a gap too long is like two track ends", "[geotag]") {
    GeotagOptions o;
    o.max_gap = seconds(15);
    o.max_extrapolate = seconds(6);
    TrackIndex idx = index_of(kA5, o);
    // 10 s gaps are interpolated, the 20 s one is not.
    CHECK(idx.locate(at("2024-06-01T10:00:15Z")).fix->how == Fix::How::interpolated);
    auto r = idx.locate(at("2024-06-01T10:00:30Z"));
    CHECK_FALSE(r.fix);
    CHECK(r.miss == Located::Miss::long_gap);
    CHECK(r.reason ==
          "2024-06-01T10:00:30.000Z falls in a gap of 20 s between track points at 2024-06-01T10:00:20.000Z and "
          "2024-06-01T10:00:40.000Z, longer than the 15 s interpolated across, and 10 s from the nearer one, more "
          "than the 6 s allowed (track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:00:40.000Z UTC)");
    CHECK_FALSE(r.shift);  // nothing whole-hour about it
    // Within 6 s of either side it takes that side's point.
    r = idx.locate(at("2024-06-01T10:00:25Z"));
    REQUIRE(r.fix);
    CHECK(r.fix->how == Fix::How::clamped);
    CHECK(r.fix->pos.lat == 48.002);
    r = idx.locate(at("2024-06-01T10:00:35Z"));
    REQUIRE(r.fix);
    CHECK(r.fix->pos.lat == 48.004);

    SECTION("max_gap 0 with no extrapolation limit: the nearest point, the earlier on a tie") {
        GeotagOptions n;
        n.max_gap = milliseconds(0);
        n.max_extrapolate = std::nullopt;
        TrackIndex nearest = index_of(kA5, n);
        CHECK(nearest.locate(at("2024-06-01T10:00:04Z")).fix->pos.lat == 48.0);
        CHECK(nearest.locate(at("2024-06-01T10:00:05Z")).fix->pos.lat == 48.0);
        CHECK(nearest.locate(at("2024-06-01T10:00:06Z")).fix->pos.lat == 48.001);
        CHECK(nearest.locate(at("2024-06-01T10:00:10Z")).fix->how == Fix::How::exact);
    }
}

namespace {
// Two segments with a 60 s pause between them, and a second file that
// overlaps the first segment with points further apart.
const char* kTwoSegments = R"(<gpx version="1.1"><trk>
<trkseg><trkpt lat="50" lon="8"><ele>100</ele><time>2024-06-01T10:00:00Z</time></trkpt>
        <trkpt lat="50" lon="8.001"><time>2024-06-01T10:00:10Z</time></trkpt></trkseg>
<trkseg><trkpt lat="50.001" lon="8.002"><ele>120</ele><time>2024-06-01T10:01:10Z</time></trkpt>
        <trkpt lat="50.001" lon="8.002"><ele>130</ele><time>2024-06-01T10:01:20Z</time></trkpt></trkseg>
</trk></gpx>)";
const char* kCoarse = R"(<gpx version="1.1"><trk><trkseg>
<trkpt lat="40" lon="8"><time>2024-06-01T09:59:00Z</time></trkpt>
<trkpt lat="40" lon="9"><time>2024-06-01T10:02:00Z</time></trkpt>
</trkseg></trk></gpx>)";
}  // namespace

TEST_CASE("segments are honoured unless bridged", "[geotag]") {
    TrackIndex idx = index_of(kTwoSegments);
    CHECK(idx.runs() == 2);
    auto r = idx.locate(at("2024-06-01T10:00:40Z"));
    CHECK_FALSE(r.fix);
    CHECK(r.miss == Located::Miss::between_runs);
    CHECK(r.reason ==
          "2024-06-01T10:00:40.000Z falls between two track segments, 30 s after one ends at "
          "2024-06-01T10:00:10.000Z and 30 s before the next starts at 2024-06-01T10:01:10.000Z "
          "(track: 2024-06-01T10:00:00.000Z to 2024-06-01T10:01:20.000Z UTC)");

    GeotagOptions o;
    o.bridge_segments = true;
    TrackIndex bridged = index_of(kTwoSegments, o);
    CHECK(bridged.runs() == 1);
    r = bridged.locate(at("2024-06-01T10:00:40Z"));
    REQUIRE(r.fix);
    CHECK(r.fix->pos.lat == Approx(50.0005).margin(1e-12));
    CHECK(r.fix->pos.lon == Approx(8.0015).margin(1e-12));
    CHECK_FALSE(r.fix->ele);  // the earlier point has none
    CHECK_FALSE(r.fix->course);

    SECTION("a standing logger gives no direction") {
        auto s = idx.locate(at("2024-06-01T10:01:15Z"));
        REQUIRE(s.fix);
        CHECK(*s.fix->ele == 125);
        CHECK_FALSE(s.fix->bearing);
        CHECK_FALSE(s.fix->heading());
    }
    SECTION("due east") {
        auto s = idx.locate(at("2024-06-01T10:00:05Z"));
        REQUIRE(s.fix);
        CHECK(*s.fix->bearing == Approx(90).margin(1e-3));
        CHECK_FALSE(s.fix->ele);
    }
}

TEST_CASE("overlapping tracks: the closer points win", "[geotag]") {
    TrackIndex idx({parse_gpx(kCoarse, "coarse.gpx"), parse_gpx(kTwoSegments, "fine.gpx")}, {});
    CHECK(idx.runs() == 3);
    CHECK(idx.start() == at("2024-06-01T09:59:00Z"));
    auto r = idx.locate(at("2024-06-01T10:00:05Z"));
    REQUIRE(r.fix);
    CHECK(r.fix->pos.lat == Approx(50));  // from the 10 s segment, not the 3 min one
    // In the pause of the fine log only the coarse one covers the time.
    r = idx.locate(at("2024-06-01T10:00:30Z"));
    REQUIRE(r.fix);
    CHECK(r.fix->pos.lat == Approx(40));
    CHECK(r.fix->pos.lon == Approx(8.5));
}

TEST_CASE("routes and waypoints when chosen", "[geotag]") {
    auto gpx = parse_gpx(R"(<gpx version="1.1">
<wpt lat="1" lon="1"><time>2024-01-01T00:00:20Z</time></wpt>
<wpt lat="1" lon="3"><time>2024-01-01T00:00:00Z</time></wpt>
<rte><rtept lat="5" lon="5"><time>2024-01-01T01:00:00Z</time></rtept><rtept lat="5" lon="6"><time>2024-01-01T01:00:10Z</time></rtept></rte>
</gpx>)", "w.gpx");
    TrackIndex none({gpx}, {});
    CHECK(none.empty());
    GeotagOptions o;
    o.kinds = {false, true, true};
    TrackIndex idx({gpx}, o);
    CHECK(idx.points() == 4);
    CHECK(idx.runs() == 2);
    // Waypoints are sorted by time: 00:00 at lon 3, 00:20 at lon 1.
    auto r = idx.locate(at("2024-01-01T00:00:05Z"));
    REQUIRE(r.fix);
    CHECK(r.fix->pos.lon == Approx(2.5));
    CHECK(*r.fix->bearing == Approx(270).margin(0.05));
    CHECK(idx.locate(at("2024-01-01T01:00:05Z")).fix->pos.lon == Approx(5.5));
}

TEST_CASE("across the antimeridian the short way", "[geotag]") {
    auto r = index_of(R"(<gpx version="1.1"><trk><trkseg>
<trkpt lat="-16" lon="179.9"><time>2024-01-01T00:00:00Z</time></trkpt>
<trkpt lat="-16" lon="-179.9"><time>2024-01-01T00:00:10Z</time></trkpt>
</trkseg></trk></gpx>)").locate(at("2024-01-01T00:00:02.500Z"));
    REQUIRE(r.fix);
    CHECK(r.fix->pos.lon == Approx(179.95).margin(1e-9));
    CHECK(*r.fix->bearing == Approx(90).margin(0.1));
}

TEST_CASE("points with the same time: the last one", "[geotag]") {
    TrackIndex idx = index_of(R"(<gpx version="1.1"><trk><trkseg>
<trkpt lat="1" lon="1"><time>2024-01-01T00:00:00Z</time></trkpt>
<trkpt lat="2" lon="1"><time>2024-01-01T00:00:10Z</time></trkpt>
<trkpt lat="3" lon="1"><time>2024-01-01T00:00:10Z</time></trkpt>
<trkpt lat="4" lon="1"><time>2024-01-01T00:00:20Z</time></trkpt>
</trkseg></trk></gpx>)");
    CHECK(idx.locate(at("2024-01-01T00:00:10Z")).fix->pos.lat == 3);
    CHECK(idx.locate(at("2024-01-01T00:00:05Z")).fix->pos.lat == Approx(1.5));
    CHECK(idx.locate(at("2024-01-01T00:00:15Z")).fix->pos.lat == Approx(3.5));
}

TEST_CASE("the reason suggests the time-zone shift", "[geotag]") {
    // The example of the design brief: a camera on UTC+2 read as UTC. (Two
    // points far apart, so no gap limit.)
    GeotagOptions o;
    o.max_gap = std::nullopt;
    TrackIndex idx = index_of(R"(<gpx version="1.1"><trk><trkseg>
<trkpt lat="52.5" lon="13.4"><time>2024-03-30T20:00:00Z</time></trkpt>
<trkpt lat="52.6" lon="13.4"><time>2024-03-30T22:45:35Z</time></trkpt>
</trkseg></trk></gpx>)", o);
    auto r = idx.locate(at("2024-03-31T00:45:00Z"));
    CHECK(r.reason ==
          "2024-03-31T00:45:00.000Z is 1 h 59 min 25 s after the track ends (track: 2024-03-30T20:00:00.000Z to "
          "2024-03-30T22:45:35.000Z UTC); shifted by -2 h it would fall inside");
    CHECK(r.shift == std::chrono::hours(-2));
    // India, half an hour: 5 h 30 min before the start.
    r = idx.locate(at("2024-03-30T14:30:00Z"));
    CHECK(r.shift == std::chrono::minutes(330));
    CHECK(r.reason.ends_with("; shifted by +5 h 30 min it would fall inside"));
    // In a pause between segments some shift nearly always places a photo,
    // which says nothing: none is suggested.
    TrackIndex paused = index_of(R"(<gpx version="1.1"><trk>
<trkseg><trkpt lat="1" lon="1"><time>2024-01-01T08:00:00Z</time></trkpt>
        <trkpt lat="1" lon="2"><time>2024-01-01T08:30:00Z</time></trkpt></trkseg>
<trkseg><trkpt lat="1" lon="3"><time>2024-01-01T09:00:00Z</time></trkpt>
        <trkpt lat="1" lon="4"><time>2024-01-01T09:30:00Z</time></trkpt></trkseg>
</trk></gpx>)");
    r = paused.locate(at("2024-01-01T08:45:00Z"));
    CHECK(r.miss == Located::Miss::between_runs);
    CHECK_FALSE(r.shift);
    CHECK(r.reason.ends_with("UTC)"));
    // Beyond 14 h nothing is suggested.
    r = idx.locate(at("2024-03-31T13:00:00Z"));
    CHECK_FALSE(r.shift);
    CHECK(r.reason.ends_with("UTC)"));
}

TEST_CASE("geotag_record", "[geotag]") {
    TrackIndex idx = index_of(kA5);
    RecordGeotag how;

    SECTION("sets the position and keeps everything else in place") {
        Record rec = Record::parse(R"({"path":"a.jpg","captured_at":"2024-06-01T10:00:05.000Z","make":"X"})");
        auto r = geotag_record(rec, idx, how);
        REQUIRE(r.fix);
        CHECK(rec.to_json().starts_with(R"({"path":"a.jpg","captured_at":"2024-06-01T10:00:05.000Z","make":"X","lat":)"));
        CHECK(*rec.get_number("lat") == Approx(48.0005).margin(1e-12));
        CHECK(*rec.get_number("lon") == Approx(11.0005).margin(1e-12));
        CHECK(*rec.get_number("alt") == Approx(505));
        CHECK(*rec.get_number("heading") == Approx(0).margin(1e-9));
    }
    SECTION("heading modes") {
        Record rec = Record::parse(R"({"captured_at":"2024-06-01T10:00:15Z","heading":7})");
        Record copy = rec;
        geotag_record(rec, idx, how);  // keep
        CHECK(*rec.get_number("heading") == 7);
        how.heading = HeadingMode::track;
        geotag_record(copy, idx, how);
        CHECK(*copy.get_number("heading") == Approx(50));
        Record bare = Record::parse(R"({"captured_at":"2024-06-01T10:00:15Z"})");
        how.heading = HeadingMode::none;
        geotag_record(bare, idx, how);
        CHECK_FALSE(bare.has("heading"));
        how.heading = HeadingMode::keep;
        geotag_record(bare, idx, how);
        CHECK(*bare.get_number("heading") == Approx(50));
    }
    SECTION("--tz re-reads records without utc_offset; an offset in the record wins") {
        how.clock.tz = Zone::parse("+02:00");
        Record wall = Record::parse(R"({"captured_at":"2024-06-01T12:00:05.000Z"})");
        REQUIRE(geotag_record(wall, idx, how).fix);
        CHECK(*wall.get_string("captured_at") == "2024-06-01T10:00:05.000Z");
        CHECK(*wall.get_string("utc_offset") == "+02:00");
        CHECK(*wall.get_number("lat") == Approx(48.0005));

        Record known = Record::parse(R"({"captured_at":"2024-06-01T10:00:05.000Z","utc_offset":"-07:00"})");
        REQUIRE(geotag_record(known, idx, how).fix);
        CHECK(*known.get_string("captured_at") == "2024-06-01T10:00:05.000Z");
        CHECK(*known.get_string("utc_offset") == "-07:00");
    }
    SECTION("--offset: photo time + offset = GPS time, written back unless keep_time") {
        how.clock.offset = seconds(25);
        Record rec = Record::parse(R"({"captured_at":"2024-06-01T10:00:05Z"})");
        Record kept = rec;
        REQUIRE(geotag_record(rec, idx, how).fix);
        CHECK(*rec.get_string("captured_at") == "2024-06-01T10:00:30.000Z");
        CHECK(*rec.get_number("lat") == Approx(48.003));
        how.keep_time = true;
        REQUIRE(geotag_record(kept, idx, how).fix);
        CHECK(*kept.get_string("captured_at") == "2024-06-01T10:00:05Z");  // untouched
        CHECK(*kept.get_number("lat") == Approx(48.003));
    }
    SECTION("a record that cannot be placed is left as it was") {
        Record rec = Record::parse(R"({"captured_at":"2024-06-01T12:00:05Z","lat":1,"lon":2})");
        std::string before = rec.to_json();
        how.clock.tz = Zone::parse("UTC");
        CHECK_FALSE(geotag_record(rec, idx, how).fix);
        CHECK(rec.to_json() == before);
    }
    SECTION("bad fields") {
        Record none = Record::parse(R"({"path":"a.jpg"})");
        CHECK_THROWS_WITH(geotag_record(none, idx, how), "no captured_at");
        Record bad = Record::parse(R"({"captured_at":"yesterday"})");
        CHECK_THROWS_AS(geotag_record(bad, idx, how), FieldError);
        Record num = Record::parse(R"({"captured_at":5})");
        CHECK_THROWS_AS(geotag_record(num, idx, how), FieldError);
        Record off = Record::parse(R"({"captured_at":"2024-06-01T10:00:05Z","utc_offset":"CEST"})");
        CHECK_THROWS_WITH(geotag_record(off, idx, how), "bad utc_offset 'CEST' (want +HH:MM)");
    }
}

TEST_CASE("photo_time across a daylight-saving change", "[geotag]") {
    PhotoClock clock{Zone::parse("Europe/Berlin"), milliseconds(0)};
    auto wall = [&](const char* t) {
        return photo_time(Record::parse(std::string(R"({"captured_at":")") + t + "\"}"), clock);
    };
    auto winter = wall("2024-03-31T01:50:00.000Z");
    CHECK(winter.utc == at("2024-03-31T00:50:00Z"));
    CHECK(winter.zone_offset_minutes == 60);
    auto summer = wall("2024-03-31T03:05:00.000Z");
    CHECK(summer.utc == at("2024-03-31T01:05:00Z"));
    CHECK(summer.zone_offset_minutes == 120);
}
