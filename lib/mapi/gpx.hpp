// gpx: reading and writing GPX track logs (GPX 1.0 and 1.1).
//
// Reading goes through a real XML parser (pugixml). Elements are matched by
// their local name, so GPX 1.0, GPX 1.1, documents without a namespace and
// documents that use a prefix (<gpx:trkpt>) all read the same. Metadata and
// fields the tools do not use (magvar, hdop, links, ...) are skipped;
// extensions are skipped too, except a heading (below).
//
// Times: GPX times are UTC; one written without an offset
// ("2013-01-01T12:00:04", as some tools do) is read as UTC, as the GPX 1.1
// schema documentation says. Fractions of any length are kept to the ms.
//
// Heading (TrackPoint::course): the GPX 1.0 <course> element, or inside
// <extensions> (at any depth) an element whose local name is "heading" or
// "course": mly:heading as GpxWriter writes it, gpxtpx:course of Garmin's
// TrackPointExtension v2, osmand:heading. The value is normalised into
// [0, 360). A malformed <course> is an error; a malformed extension value is
// ignored, since extensions belong to other schemas.
//
// Errors are GpxError, whose message names the file and, when known, the
// line: "track.gpx:42: latitude 95.2 out of range".
#pragma once

#include <cstddef>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mapi/time.hpp"

namespace mapi {

struct TrackPoint {
    double lat = 0, lon = 0;
    std::optional<double> ele;      // metres
    std::optional<Instant> time;
    std::optional<double> course;   // heading, degrees clockwise from true north, [0, 360)
    std::optional<std::string> name;
    std::size_t line = 0;           // line of the element in the source, for messages; 0 unknown
};

struct TrackSegment {
    std::vector<TrackPoint> points;
};

struct Track {
    std::string name;
    std::vector<TrackSegment> segments;
};

struct GpxData {
    std::vector<Track> tracks;
    std::vector<Track> routes;  // each <rte> as a track of one segment
    std::vector<TrackPoint> waypoints;
    std::string source;         // the file name given to read_gpx/parse_gpx
};

// what() is "file:line: message", or "file: message" when no line applies.
class GpxError : public std::runtime_error {
public:
    GpxError(std::string file, std::size_t line, const std::string& message);
    const std::string& file() const { return file_; }
    std::size_t line() const { return line_; }  // 0 when none

private:
    std::string file_;
    std::size_t line_;
};

// Throws GpxError for unreadable files, malformed XML, a root element other
// than <gpx>, a missing or out-of-range lat/lon, an unreadable number in
// <ele>/<course> or an unreadable <time>. Empty <ele> and <time> count as
// absent. A UTF-8 BOM is skipped; an ISO-8859-1 document is read as such.
GpxData read_gpx(const std::string& path);
GpxData parse_gpx(std::string_view xml, const std::string& source_name);

struct Bounds {
    double minlat, minlon, maxlat, maxlon;

    void include(double lat, double lon);
    void include(const Bounds& other);
};

// Of every track point, route point and waypoint; nullopt when there is none.
// (Plain min/max: a track across the antimeridian gets the whole width.)
std::optional<Bounds> bounds_of(const GpxData& gpx);

// A track point that has a time, and the segment it came from.
struct TimedPoint {
    TrackPoint point;  // point.time is set
    // Numbers the <trkseg>s of all tracks in file order (of all files, for
    // the vector overload), counting empty ones. Two neighbours in time are
    // on one stretch of recording only when their segment is the same.
    std::size_t segment;
};

// The track points with a time (routes and waypoints are not part of the
// recording), sorted by time; points with equal times keep file order. Points
// without a time are left out.
std::vector<TimedPoint> timed_track_points(const GpxData& gpx);
std::vector<TimedPoint> timed_track_points(const std::vector<GpxData>& files);

// The namespace of the extension elements GpxWriter writes (mly:heading).
inline constexpr std::string_view kMlyGpxNamespace = "https://github.com/mly/gpx";

struct GpxMetadata {
    std::optional<std::string> name;
    std::optional<Instant> time;
    // In <metadata>, before any point, so it is needed up front: a caller
    // that streams many files computes it in a first pass (Bounds::include).
    std::optional<Bounds> bounds;
};

// Streams a GPX 1.1 document to `out`, holding no points in memory. The
// elements come in the schema's order, and calls must follow it:
//   begin, waypoint*, (begin_route, route_point*, end_route)*,
//   (begin_track, (begin_segment, point*, end_segment)*, end_track)*, end.
// A call out of that order throws std::logic_error.
//
// Output: the root declares xmlns (GPX 1.1), xmlns:xsi, xsi:schemaLocation
// and xmlns:mly (kMlyGpxNamespace). Per point, in schema order: lat and lon
// with 9 decimals (~0.1 mm; longitude 180 is written -180, as the schema's
// range is [-180, 180), and a bounds edge at 180 as 179.999999999), <ele> with 3, <time> as RFC 3339 UTC with ms,
// <name>, and a heading as <extensions><mly:heading>123.400</mly:heading>
// </extensions>, in [0, 360). Text is escaped; characters XML cannot carry
// (controls, invalid UTF-8) become U+FFFD. A lat/lon that is not finite or
// out of range throws std::invalid_argument; a non-finite ele or course is
// left out. end() flushes and throws std::runtime_error if anything failed to
// be written.
class GpxWriter {
public:
    GpxWriter(std::FILE* out, std::string creator);

    void begin(const GpxMetadata& metadata = {});
    void waypoint(const TrackPoint& p);
    void begin_route(const std::string& name = {});  // empty: no <name>
    void route_point(const TrackPoint& p);
    void end_route();
    void begin_track(const std::string& name = {});  // empty: no <name>
    void begin_segment();
    void point(const TrackPoint& p);
    void end_segment();
    void end_track();
    void end();

private:
    enum class State { Start, Waypoints, Route, Routes, Track, Segment, Tracks, Done };
    void expect(bool ok, const char* call);
    void write_point(const char* element, const TrackPoint& p, const char* indent);

    std::FILE* out_;
    std::string creator_;
    State state_ = State::Start;
};

}  // namespace mapi
