// geotag: where a photo was taken, from GPS track logs and the photo's time.
//
// A TrackIndex holds the timed points of one or more GPX files as "runs":
// stretches of recording that are interpolated along. By default every
// <trkseg> is a run (a logger starts a new segment when it loses its fix or
// is paused, and a straight line across that pause would be invented), every
// <rte> is one and the timed waypoints of a file are one; bridge_segments
// merges everything into one run, as ExifTool and mapillary_tools do.
//
// locate(t), for a UTC instant t:
//  - on a point's time: that point (the last of several with that time);
//  - between two neighbours of a run at most max_gap apart: lat and lon
//    linear in time (geo.hpp interpolate), elevation linear when both have
//    one, course on the shorter arc when both have one;
//  - otherwise, at most max_extrapolate from the nearest point that ends a
//    run or borders a gap too long to interpolate across: that point's
//    position ("clamped", as ExifTool does; nothing is dead-reckoned);
//  - otherwise nothing, and a reason that states t and the track's range in
//    UTC, so a time-zone mistake explains itself.
// When runs overlap in time (two loggers), the run with the closer points
// around t wins; between equals, the one read first.
#pragma once

#include "mapi/geo.hpp"
#include "mapi/gpx.hpp"
#include "mapi/records.hpp"
#include "mapi/time.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mapi {

// Which points of a GPX file make up the track.
struct PointKinds {
    bool tracks = true, routes = false, waypoints = false;
};

// "tracks", "routes", "waypoints" (or trk, rte, wpt), comma-separated;
// nullopt for anything else or an empty list.
std::optional<PointKinds> parse_point_kinds(std::string_view list);

struct PointCount {
    std::size_t timed = 0, untimed = 0;   // of the kinds chosen
    std::size_t tracks = 0, routes = 0, waypoints = 0;  // every point the file has, by kind
};
PointCount count_points(const GpxData& gpx, const PointKinds& kinds);

struct GeotagOptions {
    PointKinds kinds;
    bool bridge_segments = false;
    // Longest time between two points that is interpolated across; nullopt:
    // no limit. 0: only points hit exactly (anything else is clamped).
    std::optional<std::chrono::milliseconds> max_gap = std::chrono::seconds(1800);
    // How far from the nearest usable point a time may be and still take its
    // position; nullopt: no limit.
    std::optional<std::chrono::milliseconds> max_extrapolate = std::chrono::milliseconds(0);
};

struct Fix {
    enum class How { exact, interpolated, clamped };
    How how = How::exact;
    LatLon pos{0, 0};
    std::optional<double> ele;      // metres
    std::optional<double> course;   // from the log's own courses, [0, 360)
    // Direction of travel, [0, 360): the bearing between the two points
    // around t, or of the leg next to the point taken; absent when the
    // points coincide (a standing logger has no direction).
    std::optional<double> bearing;
    // Between the two points interpolated (exact: 0), or from t to the
    // point clamped to.
    std::chrono::milliseconds span{0};

    // The heading a photo gets from the track: the log's course when it has
    // one, else the direction of travel.
    std::optional<double> heading() const { return course ? course : bearing; }
};

struct Located {
    enum class Miss { none, before, after, between_runs, long_gap };
    std::optional<Fix> fix;
    Miss miss = Miss::none;
    // Why there is no fix, e.g. "2024-03-31T00:45:00.000Z is 1 h 59 min 25 s
    // after the track ends (track: 2024-03-30T20:00:00.000Z to
    // 2024-03-30T22:45:35.000Z UTC); shifted by -2 h it would fall inside".
    std::string reason;
    // For a time before or after the whole track: the whole or half hour
    // (within 14 h, the smallest) that, added to t, would have given a fix,
    // the likely time-zone mistake.
    std::optional<std::chrono::minutes> shift;
};

class TrackIndex {
public:
    // Takes the points of `kinds` that have a time; points without one are
    // left out (count_points says how many).
    TrackIndex(const std::vector<GpxData>& files, const GeotagOptions& opts);

    bool empty() const { return points_ == 0; }
    std::size_t points() const { return points_; }
    std::size_t runs() const { return runs_.size(); }
    // Of all points; only when !empty().
    Instant start() const { return start_; }
    Instant end() const { return end_; }

    Located locate(Instant t) const;

private:
    struct Point {
        Instant time;
        LatLon pos;
        std::optional<double> ele, course;
    };
    struct Run {
        std::vector<Point> points;  // sorted by time, never empty
        std::size_t order;          // in reading order, for ties
    };
    struct Candidate;

    std::optional<Candidate> best_in(const Run& run, Instant t) const;
    std::optional<Fix> fix_at(Instant t) const;
    std::optional<double> leg_bearing(const Run& run, std::size_t i, bool towards_later) const;
    std::string describe_miss(Instant t, Located& out) const;

    GeotagOptions opts_;
    std::vector<Run> runs_;                 // sorted by start time
    std::vector<Instant> max_end_;          // max_end_[i]: latest end of runs_[0..i]
    std::size_t points_ = 0;
    Instant start_{}, end_{};
};

// --- Records (design section 3) ---

enum class HeadingMode {
    track,  // from the track (Fix::heading), replacing the record's
    keep,   // the record's own heading when it has one, else from the track
    none,   // heading left alone
};

struct PhotoClock {
    // The camera's zone, for records without utc_offset: their captured_at
    // is then the camera's wall clock read as UTC (what mly-scan gives
    // without --tz) and is re-read in this zone.
    std::optional<Zone> tz;
    // Camera clock correction: photo time + offset = GPS time.
    std::chrono::milliseconds offset{0};
};

// The record's capture instant under `clock`, offset not yet added, and the
// utc_offset it implies (nullopt: the record's own, or none). Throws
// FieldError for a missing or unreadable captured_at ("no captured_at") or
// utc_offset.
struct PhotoTime {
    Instant utc;
    std::optional<int> zone_offset_minutes;  // set when re-read in clock.tz
};
PhotoTime photo_time(const Record& rec, const PhotoClock& clock);

struct RecordGeotag {
    PhotoClock clock;
    HeadingMode heading = HeadingMode::keep;
    bool keep_time = false;  // leave captured_at without clock.offset
};

// Looks the record's photo up in the track at photo time + offset. With a
// fix, sets lat, lon, alt (when the fix has an elevation), heading (as
// `how.heading` says, when there is one), captured_at (when re-read in a
// zone, or moved by a non-zero offset unless keep_time) and utc_offset (when
// re-read in a zone); without one, leaves the record as it was. Throws
// FieldError as photo_time() does.
Located geotag_record(Record& rec, const TrackIndex& track, const RecordGeotag& how);

// A number of seconds as a user types it for a clock offset or a limit:
// "25", "-7200", "0.5", "+1:30" (minutes:seconds), "-2:00:00"; a fraction
// is kept to the millisecond. nullopt for anything else.
std::optional<std::chrono::milliseconds> parse_seconds(std::string_view text);

}  // namespace mapi
