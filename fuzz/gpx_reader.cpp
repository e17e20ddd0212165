// GPX parsing on arbitrary documents.
//
// Promises checked: parse_gpx either throws GpxError naming the source or
// returns points inside the WGS84 ranges with headings in [0, 360); the
// bounds and the time-sorted track points agree with them.
#include "check.hpp"
#include "mapi/gpx.hpp"

#include <cmath>
#include <string_view>

using namespace mapi;

namespace {

void check_point(const TrackPoint& p) {
    FUZZ_CHECK(std::fabs(p.lat) <= 90 && std::fabs(p.lon) <= 180);
    FUZZ_CHECK(!p.ele || std::isfinite(*p.ele));
    FUZZ_CHECK(!p.course || (*p.course >= 0 && *p.course < 360));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view xml(reinterpret_cast<const char*>(data), size);
    GpxData gpx;
    try {
        gpx = parse_gpx(xml, "fuzz.gpx");
    } catch (const GpxError& e) {
        FUZZ_CHECK(e.file() == "fuzz.gpx" && std::string_view(e.what()).starts_with("fuzz.gpx"));
        return 0;
    }
    size_t timed = 0, points = 0;
    for (const auto* list : {&gpx.tracks, &gpx.routes})
        for (const Track& t : *list)
            for (const TrackSegment& s : t.segments)
                for (const TrackPoint& p : s.points) {
                    check_point(p);
                    ++points;
                    if (list == &gpx.tracks && p.time) ++timed;
                }
    for (const TrackPoint& p : gpx.waypoints) check_point(p);
    points += gpx.waypoints.size();

    auto b = bounds_of(gpx);
    FUZZ_CHECK(b.has_value() == (points > 0));
    if (b) FUZZ_CHECK(b->minlat <= b->maxlat && b->minlon <= b->maxlon);

    auto tp = timed_track_points(gpx);
    FUZZ_CHECK(tp.size() == timed);
    for (size_t i = 1; i < tp.size(); ++i) FUZZ_CHECK(!(*tp[i].point.time < *tp[i - 1].point.time));
    return 0;
}
