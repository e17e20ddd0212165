// mly-search: image records inside a bbox of any size, each image once (the
// search half of the seed's download_images.py). The area is cut into cells
// the Graph API accepts; see mapi/area.hpp.
#include "mapi/apitool.hpp"
#include "mapi/area.hpp"
#include "mapi/cli.hpp"
#include "mapi/imagerecord.hpp"
#include "mapi/records.hpp"

using namespace mapi;

namespace {

// Every image field a download keeps, less the signed URLs, which expire and
// which mly-imgdl asks for afresh anyway.
const char* const search_fields =
    "id,sequence,captured_at,geometry,computed_geometry,altitude,computed_altitude,"
    "compass_angle,computed_compass_angle,computed_rotation,exif_orientation,width,height,"
    "camera_type,camera_parameters,is_pano,make,model,creator,organization,quality_score,"
    "atomic_scale,merge_cc,mesh,sfm_cluster";

Instant time_option(const cli::Tool& tool, const std::string& name) {
    auto text = tool.get(name);
    auto t = parse_time(*text);
    if (!t) throw cli::UsageError("--" + name + ": '" + *text + "' is not a time (RFC 3339 such as 2023-06-01T00:00:00Z, or epoch milliseconds)");
    return *t;
}

}  // namespace

int main(int argc, char** argv) {
    cli::Tool tool("mly-search", "--bbox W,S,E,N", "image records inside a bbox of any size");
    tool.add_options()
        ("bbox", "the area: west,south,east,north in degrees", cxxopts::value<std::string>(), "W,S,E,N")
        ("user", "only images of this Mapillary username", cxxopts::value<std::string>(), "USER")
        ("since", "only images captured at or after T (RFC 3339 or epoch ms)", cxxopts::value<std::string>(), "T")
        ("until", "only images captured at or before T", cxxopts::value<std::string>(), "T")
        ("pano", "only 360 (spherical) images")
        ("cell-limit", "images asked per cell; a cell that returns this many is cut in four",
         cxxopts::value<unsigned>()->default_value("2000"), "N");
    add_config_option(tool);

    return cli::run(tool, argc, argv, [&] {
        if (!tool.positional().empty()) throw cli::UsageError("unexpected argument '" + tool.positional()[0] + "'");
        AreaQuery query;
        auto bbox = tool.get("bbox");
        if (!bbox) throw cli::UsageError("--bbox W,S,E,N is required");
        try {
            query.box = parse_bbox(*bbox);
        } catch (const std::invalid_argument& e) {
            throw cli::UsageError(std::string("--") + e.what());
        }
        query.creator_username = tool.get("user");
        if (tool.get("since")) query.since = time_option(tool, "since");
        if (tool.get("until")) query.until = time_option(tool, "until");
        if (query.since && query.until && *query.since > *query.until) throw cli::UsageError("--since is after --until");
        query.pano_only = tool.args().count("pano") > 0;
        query.fields = search_fields;
        query.limit = tool.args()["cell-limit"].as<unsigned>();
        if (query.limit < 1 || query.limit > 2000) throw cli::UsageError("--cell-limit must be between 1 and 2000");
        ApiSession session(tool);

        RecordOutput out;
        auto cells = CellGrid(query.box).size();
        cli::Progress progress(tool, cells, "cells");
        AreaCallbacks callbacks;
        callbacks.image = [&](Image& img) {
            Record r;
            set_image_fields(r, img);
            out.write(r);
        };
        callbacks.cell_done = [&](const Bbox&) { progress.advance(); };
        callbacks.note = [&](const std::string& msg) { tool.info(msg); };
        AreaStats stats = search_area(session.api(), query, callbacks);
        progress.finish();
        if (!out.flush()) throw std::runtime_error("error writing standard output");
        for (const Bbox& c : stats.incomplete)
            tool.fail(to_string(c), "more than " + std::to_string(query.limit) +
                                        " images in a cell of about a metre: some of them may be missing");
        tool.info(std::to_string(stats.images) + " images from " + std::to_string(stats.cells) + " cells (" +
                  std::to_string(stats.splits) + " cut in four, " + std::to_string(stats.repeats) +
                  " answers repeated)");
        return tool.exit_status();
    });
}
