// mly-gpxjoin: GPX files to one GPX 1.1 document, with every waypoint, route,
// track and segment of each. Two passes, so that the bounds can lead the
// document and no more than one file is held in memory: the first reads each
// file to check it and find the bounds, the second reads them again to write
// (waypoints, then routes, then tracks, as the schema orders them).
#include "mapi/cli.hpp"
#include "mapi/gpx.hpp"
#include "mapi/output_file.hpp"

#include <algorithm>
#include <filesystem>
#include <memory>

using namespace mapi;
namespace fsys = std::filesystem;

namespace {

// What the first pass learnt of a file, so the second reads it only for the
// parts it has.
struct Input {
    std::string path;
    bool waypoints = false, routes = false, tracks = false;
};

bool has_gpx_extension(const fsys::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".gpx";
}

// A directory argument stands for the *.gpx files directly in it, sorted.
std::vector<std::string> expand(const std::string& arg) {
    std::error_code ec;
    if (!fsys::is_directory(arg, ec)) return {arg};
    std::vector<std::string> files;
    for (const auto& e : fsys::directory_iterator(arg, ec))
        if (e.is_regular_file(ec) && has_gpx_extension(e.path()) && e.path().filename().string()[0] != '.')
            files.push_back(e.path().string());
    if (ec) throw GpxError(arg, 0, ec.message());
    if (files.empty()) throw GpxError(arg, 0, "no GPX files (.gpx) in this directory");
    std::sort(files.begin(), files.end());
    return files;
}

// The second pass reads each file again; one that changed in between is an error.
GpxData read_again(const std::string& path) {
    try {
        return read_gpx(path);
    } catch (const GpxError& e) {
        throw std::runtime_error(std::string(e.what()) + " (the file changed while being joined)");
    }
}

}  // namespace

int main(int argc, char** argv) {
    cli::Tool tool("mly-gpxjoin", "FILE...", "join GPX files into one GPX 1.1 document");
    tool.add_options()
        ("name", "name of the joined document (GPX metadata)", cxxopts::value<std::string>(), "NAME")
        ("o,output", "write to FILE (atomically) instead of standard output", cxxopts::value<std::string>(), "FILE")
        ("skip-bad", "leave out unreadable files, join the others and exit 1");

    return cli::run(tool, argc, argv, [&] {
        if (tool.positional().empty()) throw cli::UsageError("no GPX files given");
        const bool skip_bad = tool.args().count("skip-bad") > 0;

        // Opened first, so a bad -o is known before a hundred files are read.
        const auto output = tool.get("output");
        std::unique_ptr<OutputFile> file;
        if (output) {
            try {
                file = std::make_unique<OutputFile>(*output);
            } catch (const std::exception& e) {
                throw cli::Failure(cli::usage, e.what());
            }
        }
        std::error_code ec;

        // Pass 1: check every file, gather the bounds.
        std::vector<Input> inputs;
        std::optional<Bounds> bounds;
        std::size_t bad = 0;
        auto report = [&](const std::string& what) {
            ++bad;
            if (skip_bad)
                tool.fail("", what);
            else
                tool.error(what);
        };
        for (const auto& arg : tool.positional()) {
            std::vector<std::string> files;
            try {
                files = expand(arg);
            } catch (const GpxError& e) {
                report(e.what());
                continue;
            }
            for (const auto& path : files) {
                if (output && fsys::equivalent(path, *output, ec)) {
                    // gpx_dir/all.gpx from the last run, met again in gpx_dir/
                    tool.warn(path + ": left out: it is the output file");
                    continue;
                }
                try {
                    GpxData gpx = read_gpx(path);
                    if (auto b = bounds_of(gpx)) {
                        if (bounds)
                            bounds->include(*b);
                        else
                            bounds = b;
                    }
                    inputs.push_back({path, !gpx.waypoints.empty(), !gpx.routes.empty(), !gpx.tracks.empty()});
                } catch (const GpxError& e) {
                    report(e.what());
                }
            }
        }
        if (bad && !skip_bad)
            throw cli::Failure(cli::usage, "nothing written: " + std::to_string(bad) + " bad input" +
                                               (bad == 1 ? "" : "s") + " (--skip-bad joins the others)");

        // Pass 2: write.
        GpxWriter gpx(file ? file->stream() : stdout, "mly-gpxjoin " MLY_VERSION);
        GpxMetadata meta;
        meta.name = tool.get("name");
        meta.bounds = bounds;
        gpx.begin(meta);
        for (const auto& in : inputs)
            if (in.waypoints)
                for (const auto& w : read_again(in.path).waypoints) gpx.waypoint(w);
        for (const auto& in : inputs)
            if (in.routes)
                for (const auto& r : read_again(in.path).routes) {
                    gpx.begin_route(r.name);
                    for (const auto& s : r.segments)
                        for (const auto& p : s.points) gpx.route_point(p);
                    gpx.end_route();
                }
        std::size_t points = 0;
        for (const auto& in : inputs)
            if (in.tracks)
                for (const auto& t : read_again(in.path).tracks) {
                    gpx.begin_track(t.name);
                    for (const auto& s : t.segments) {
                        gpx.begin_segment();
                        for (const auto& p : s.points) gpx.point(p);
                        points += s.points.size();
                        gpx.end_segment();
                    }
                    gpx.end_track();
                }
        gpx.end();
        if (file) file->commit();
        tool.info(std::to_string(inputs.size()) + " files joined, " + std::to_string(points) + " track points");
        return tool.exit_status();
    });
}
