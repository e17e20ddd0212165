// mly-geotag-gpx: positions (and headings) for photo records from GPX track
// logs, by time. Reads records on stdin, prints each placed record; a photo
// it cannot place is rejected with the photo's and the track's times in UTC.
#include "mapi/cli.hpp"
#include "mapi/geotag.hpp"
#include "mapi/gpx.hpp"
#include "mapi/photo.hpp"
#include "mapi/photowriter.hpp"
#include "mapi/records.hpp"

#include <optional>

using namespace mapi;
using std::chrono::milliseconds;

namespace {

// A --max-gap style value: seconds, or "none" for no limit.
std::optional<milliseconds> limit_option(const cli::Tool& tool, const std::string& name) {
    std::string v = tool.args()[name].as<std::string>();
    if (v == "none") return std::nullopt;
    auto ms = parse_seconds(v);
    if (!ms || ms->count() < 0) throw cli::UsageError("--" + name + ": '" + v + "' is not a number of seconds or 'none'");
    return ms;
}

GeotagOptions track_options(const cli::Tool& tool) {
    GeotagOptions o;
    std::string list = tool.args()["points"].as<std::string>();
    auto kinds = parse_point_kinds(list);
    if (!kinds) throw cli::UsageError("--points: want a list of tracks, routes, waypoints, not '" + list + "'");
    o.kinds = *kinds;
    o.bridge_segments = tool.args().count("bridge-segments") > 0;
    o.max_gap = limit_option(tool, "max-gap");
    o.max_extrapolate = limit_option(tool, "max-extrapolate");
    return o;
}

HeadingMode heading_mode(const cli::Tool& tool) {
    std::string h = tool.args()["heading"].as<std::string>();
    if (h == "track") return HeadingMode::track;
    if (h == "keep") return HeadingMode::keep;
    if (h == "none") return HeadingMode::none;
    throw cli::UsageError("--heading: want track, keep or none, not '" + h + "'");
}

// "1 point", "2 points".
std::string count_of(std::size_t n, const std::string& noun) {
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// Every track file, read before any photo: a bad one stops the tool (exit 2)
// with nothing written.
TrackIndex load_tracks(cli::Tool& tool, const GeotagOptions& opts) {
    if (tool.positional().empty()) throw cli::UsageError("no track file given");
    std::vector<GpxData> files;
    for (const auto& path : tool.positional()) {
        try {
            files.push_back(read_gpx(path));
        } catch (const GpxError& e) {
            throw cli::Failure(cli::usage, e.what());
        }
        PointCount n = count_points(files.back(), opts.kinds);
        if (n.timed == 0) {
            std::string what = n.untimed == 1 ? "its only point has no time"
                               : n.untimed  ? "none of its " + count_of(n.untimed, "point") + " has a time"
                                            : "no points to geotag with";
            std::string also;
            if (!opts.kinds.tracks && n.tracks) also += ", " + count_of(n.tracks, "track point");
            if (!opts.kinds.routes && n.routes) also += ", " + count_of(n.routes, "route point");
            if (!opts.kinds.waypoints && n.waypoints) also += ", " + count_of(n.waypoints, "waypoint");
            if (!also.empty()) what += " (it has" + also.substr(1) + ": see --points)";
            throw cli::Failure(cli::usage, path + ": " + what);
        }
        if (n.untimed) tool.warn(path + ": " + count_of(n.untimed, "point") + " without a time left out");
    }
    TrackIndex track(files, opts);
    tool.info("track: " + count_of(track.points(), "point") + " in " + count_of(track.runs(), "segment") + ", " +
              format_rfc3339_utc(track.start()) + " to " + format_rfc3339_utc(track.end()) + " UTC");
    return track;
}

// How records are read and what is set in them.
RecordGeotag record_options(const cli::Tool& tool) {
    RecordGeotag how;
    how.clock.tz = tool.zone();
    how.heading = heading_mode(tool);
    how.keep_time = tool.args().count("keep-time") > 0;
    if (tool.get("offset") && tool.get("sync")) throw cli::UsageError("--offset and --sync both set the offset: give one");
    if (auto s = tool.get("offset")) {
        auto ms = parse_seconds(*s);
        if (!ms) throw cli::UsageError("--offset: '" + *s + "' is not a number of seconds");
        how.clock.offset = *ms;
    }
    return how;
}

// "-3600", "+25", "+0.25": what --offset takes.
std::string seconds_text(milliseconds ms) {
    auto a = ms.count() < 0 ? -ms.count() : ms.count();
    std::string s = (ms.count() < 0 ? "-" : "+") + std::to_string(a / 1000);
    if (a % 1000) {
        std::string frac = std::to_string(1000 + a % 1000).substr(1);
        s += "." + frac.substr(0, frac.find_last_not_of('0') + 1);
    }
    return s;
}

// --sync PHOTO=GPSTIME: the offset that makes the photo's time the GPS time.
milliseconds sync_offset(const cli::Tool& tool, const std::string& spec, const PhotoClock& clock) {
    auto eq = spec.rfind('=');
    if (eq == std::string::npos || eq == 0) throw cli::UsageError("--sync: want PHOTO=GPSTIME, not '" + spec + "'");
    std::string path = spec.substr(0, eq), when = spec.substr(eq + 1);
    auto gps = parse_time(when);
    if (!gps)
        throw cli::UsageError("--sync: '" + when + "' is not a time with its zone (e.g. 2024-06-01T10:00:05Z)");
    Record rec;
    try {
        scan_photo(rec, path, {});
        milliseconds offset = *gps - photo_time(rec, clock).utc;
        tool.warn("--sync: photo time " + std::string(offset.count() < 0 ? "- " : "+ ") +
                  format_duration(offset.count() < 0 ? -offset : offset) + " = GPS time (--offset " +
                  seconds_text(offset) + ")");
        return offset;
    } catch (const std::exception& e) {
        throw cli::UsageError("--sync: " + path + ": " + cli::without_subject(e.what(), path));
    }
}

std::string how_placed(const Fix& f) {
    switch (f.how) {
    case Fix::How::exact: return "on a track point";
    case Fix::How::interpolated: return "between points " + format_duration(f.span) + " apart";
    case Fix::How::clamped: return "at a track point " + format_duration(f.span) + " away";
    }
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    cli::Tool tool("mly-geotag-gpx", "TRACK.gpx...", "positions (and headings) from GPX track logs, by time");
    tool.add_options()
        ("tz", "camera zone for records without utc_offset: their captured_at is the wall clock read as UTC",
         cxxopts::value<std::string>(), "ZONE")
        ("offset", "camera clock correction: photo time + S = GPS time", cxxopts::value<std::string>(), "S")
        ("sync", "the offset from a photo of a GPS clock showing GPSTIME", cxxopts::value<std::string>(), "PHOTO=GPSTIME")
        ("keep-time", "leave captured_at uncorrected by --offset or --sync")
        ("max-gap", "longest gap between points interpolated across (seconds or none)",
         cxxopts::value<std::string>()->default_value("1800"), "S")
        ("max-extrapolate", "how far outside the track a photo takes its nearest point (seconds or none)",
         cxxopts::value<std::string>()->default_value("0"), "S")
        ("bridge-segments", "interpolate across track segments and files, as one track")
        ("points", "which points make the track: tracks, routes, waypoints",
         cxxopts::value<std::string>()->default_value("tracks"), "LIST")
        ("heading", "track, keep (the record's own, else the track's) or none",
         cxxopts::value<std::string>()->default_value("keep"), "MODE")
        ("write", "write the results into the photos too, as mly-write does")
        ("n,dry-run", "with --write: check and prepare every photo, write none")
        ("batch", "with --write: at most N photos made durable with one flush (a batch also ends at 64 MiB written)",
         cxxopts::value<unsigned>()->default_value("256"), "N")
        ("rejected", "write records that could not be placed to FILE, with a reason", cxxopts::value<std::string>(), "FILE");

    return cli::run(tool, argc, argv, [&] {
        RecordGeotag how = record_options(tool);
        GeotagOptions track_opts = track_options(tool);
        TrackIndex track = load_tracks(tool, track_opts);
        if (auto s = tool.get("sync")) how.clock.offset = sync_offset(tool, *s, how.clock);

        RejectSink rejected(tool.get("rejected"));
        RecordOutput out;
        std::optional<PhotoWriter> writer;
        std::optional<cli::Progress> progress;
        if (tool.args().count("write"))
            writer.emplace(tool, out, rejected,
                           PhotoWriterOptions{WriteOptions{how.clock.tz}, tool.args().count("dry-run") > 0,
                                              tool.args()["batch"].as<unsigned>()});
        else
            progress.emplace(tool, 0, "photos");
        std::uint64_t placed = 0;

        InputItem item;
        RecordInput input({}, RecordInput::Args::photos, "path");
        while (input.next(item)) {
            if (progress) progress->advance();
            if (!item.error.empty()) {
                tool.fail(item.where(), item.error);
                continue;
            }
            Record& rec = item.record;
            std::string subject = item.where();
            try {
                auto path = rec.get_string("path");
                if (path) subject = *path;
                // A bare path is a photo to read first, as mly-scan would.
                if (path && rec.size() == 1) scan_photo(rec, *path, {});
                Located where = geotag_record(rec, track, how);
                if (!where.fix) {
                    std::string reason = where.reason;
                    if (where.miss == Located::Miss::between_runs && !track_opts.bridge_segments)
                        reason += " (--bridge-segments interpolates across)";
                    tool.fail(subject, reason);
                    rejected.write(rec, reason);
                    continue;
                }
                tool.info(subject + ": " + how_placed(*where.fix));
                ++placed;
                if (writer)
                    writer->write(std::move(rec), item.where());
                else
                    out.write(rec);
            } catch (const std::exception& e) {
                std::string msg = cli::without_subject(e.what(), subject);
                tool.fail(subject, msg);
                rejected.write(rec, msg);
            }
        }
        if (writer) writer->finish();
        if (progress) progress->finish();
        if (!out.flush()) throw std::runtime_error("error writing standard output");
        tool.info(std::to_string(placed) + " photos placed, " + std::to_string(tool.failures()) + " failed");
        return tool.exit_status();
    });
}
