// mly-gpx: any record stream to one GPX 1.1 document: a track per
// sequence_id (one track when there is none), points in time order, with
// time, elevation and heading.
#include "mapi/cli.hpp"
#include "mapi/gpx.hpp"
#include "mapi/photo.hpp"
#include "mapi/records.hpp"

#include <algorithm>
#include <map>

using namespace mapi;

namespace {
struct Point {
    TrackPoint tp;
    std::size_t order;  // input order, to keep points without time stable
};
}  // namespace

int main(int argc, char** argv) {
    cli::Tool tool("mly-gpx", "[PATH...]", "any record stream to a GPX 1.1 track");
    tool.add_options()
        ("tz", "zone of photo times without an offset when scanning PATHs", cxxopts::value<std::string>(), "ZONE")
        ("name", "name of the document (GPX metadata)", cxxopts::value<std::string>(), "NAME")
        ("waypoints", "also write each photo as a waypoint named after its file");

    return cli::run(tool, argc, argv, [&] {
        ScanOptions scan;
        scan.tz = tool.zone();
        const bool waypoints = tool.args().count("waypoints") > 0;
        const bool scan_paths = !tool.positional().empty();
        RecordInput input(tool.positional(), RecordInput::Args::photos, "path");

        std::vector<std::string> order;  // sequences in order of first appearance
        std::map<std::string, std::vector<Point>> tracks;
        Bounds bounds{90, 180, -90, -180};
        std::size_t count = 0, without_position = 0, without_time = 0;

        InputItem item;
        while (input.next(item)) {
            if (!item.error.empty()) {
                tool.fail(item.where(), item.error);
                continue;
            }
            try {
                auto path = item.record.get_string("path");
                // Bare paths (and photo arguments) are photos to read first.
                if (path && (scan_paths || item.record.size() == 1)) scan_photo(item.record, *path, scan);
                auto lat = item.record.get_number("lat"), lon = item.record.get_number("lon");
                if (!lat || !lon) {
                    ++without_position;
                    continue;
                }
                if (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180)
                    throw std::runtime_error("position out of range");
                Point p{{}, count++};
                p.tp.lat = *lat;
                p.tp.lon = *lon;
                p.tp.ele = item.record.get_number("alt");
                p.tp.course = item.record.get_number("heading");
                if (auto t = item.record.get_string("captured_at")) {
                    p.tp.time = parse_rfc3339(*t);
                    if (!p.tp.time) throw std::runtime_error("bad captured_at '" + *t + "'");
                } else {
                    ++without_time;
                }
                if (path) p.tp.name = path->substr(path->rfind('/') + 1);
                auto seq = item.record.get_string("sequence_id").value_or("");
                auto [it, fresh] = tracks.try_emplace(seq);
                if (fresh) order.push_back(seq);
                it->second.push_back(std::move(p));
                bounds.include(*lat, *lon);
            } catch (const std::exception& e) {
                tool.fail(item.where(), e.what());
            }
        }
        if (without_position) tool.warn(std::to_string(without_position) + " records without a position left out");
        if (without_time) tool.warn(std::to_string(without_time) + " points without a time (kept in input order)");

        GpxWriter gpx(stdout, "mly-gpx " MLY_VERSION);
        GpxMetadata meta;
        meta.name = tool.get("name");
        if (count) meta.bounds = bounds;
        gpx.begin(meta);
        for (auto& seq : order) {
            auto& pts = tracks[seq];
            // Points with a time in time order; those without one after them, as they came.
            std::stable_sort(pts.begin(), pts.end(), [](const Point& a, const Point& b) {
                if (a.tp.time && b.tp.time) return *a.tp.time < *b.tp.time;
                return a.tp.time.has_value() && !b.tp.time.has_value();
            });
        }
        if (waypoints)
            for (auto& seq : order)
                for (auto& p : tracks[seq]) gpx.waypoint(p.tp);
        for (auto& seq : order) {
            gpx.begin_track(seq);
            gpx.begin_segment();
            for (auto& p : tracks[seq]) {
                TrackPoint tp = p.tp;
                tp.name.reset();  // names belong to the waypoints
                gpx.point(tp);
            }
            gpx.end_segment();
            gpx.end_track();
        }
        gpx.end();
        return tool.exit_status();
    });
}
