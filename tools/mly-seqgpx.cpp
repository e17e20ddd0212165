// mly-seqgpx: the GPS traces of sequences as GPX 1.1 (the seed's
// download_gpx_from_sequences.py): one document with a track per sequence on
// stdout, or one file per sequence in a folder. Sequences come from the
// arguments, from --bbox (every sequence with an image inside it), or from
// stdin (ids, records with sequence_id, or mly-findseq's list).
#include "mapi/apitool.hpp"
#include "mapi/area.hpp"
#include "mapi/cli.hpp"
#include "mapi/gpx.hpp"
#include "mapi/imagerecord.hpp"
#include "mapi/output_file.hpp"
#include "mapi/records.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

using namespace mapi;

namespace {

const char* const track_fields =
    "id,sequence,captured_at,geometry,computed_geometry,altitude,computed_altitude,compass_angle,computed_compass_angle";

struct Trace {
    std::string sequence;
    std::vector<TrackPoint> points;  // by captured_at; points without a time last, in sequence order
};

// A file name for a sequence id: letters, digits, '-' and '_' kept, anything
// else '_' (the API's ids have nothing else, but a file must never escape DIR).
std::string safe_name(const std::string& id) {
    std::string s;
    for (unsigned char c : id) s += std::isalnum(c) || c == '-' || c == '_' ? char(c) : '_';
    if (s.empty() || s[0] == '-') s.insert(s.begin(), '_');
    return s;
}

void write_gpx(std::FILE* out, const std::vector<Trace>& traces) {
    GpxWriter gpx(out, "mly-seqgpx " MLY_VERSION);
    GpxMetadata meta;
    Bounds b{90, 180, -90, -180};
    bool any = false;
    for (const auto& t : traces)
        for (const auto& p : t.points) {
            b.include(p.lat, p.lon);
            any = true;
        }
    if (any) meta.bounds = b;
    if (traces.size() == 1) meta.name = traces[0].sequence;
    gpx.begin(meta);
    for (const auto& t : traces) {
        gpx.begin_track(t.sequence);
        gpx.begin_segment();
        for (const auto& p : t.points) gpx.point(p);
        gpx.end_segment();
        gpx.end_track();
    }
    gpx.end();
}

}  // namespace

int main(int argc, char** argv) {
    cli::Tool tool("mly-seqgpx", "[SEQUENCE...]", "GPS traces of sequences as GPX");
    tool.add_options()
        ("bbox", "also every sequence with an image inside this area", cxxopts::value<std::string>(), "W,S,E,N")
        ("o,output-dir", "one file DIR/<sequence>.gpx per sequence instead of one document on stdout",
         cxxopts::value<std::string>(), "DIR")
        ("geometry", "positions: original (the camera's GPS) or computed (Mapillary's)",
         cxxopts::value<std::string>()->default_value("original"), "WHICH");
    add_config_option(tool);

    return cli::run(tool, argc, argv, [&] {
        auto positions = parse_positions(tool.args()["geometry"].as<std::string>());
        if (!positions) throw cli::UsageError("--geometry: '" + tool.args()["geometry"].as<std::string>() + "' is not original or computed");
        std::optional<Bbox> bbox;
        if (auto text = tool.get("bbox")) {
            try {
                bbox = parse_bbox(*text);
            } catch (const std::invalid_argument& e) {
                throw cli::UsageError(std::string("--") + e.what());
            }
        }
        auto dir = tool.get("output-dir");
        ApiSession session(tool);
        MapillaryApi& api = session.api();

        // The sequences, each once, in the order first named.
        std::vector<std::string> sequences;
        std::set<std::string> named;
        auto add = [&](const std::string& id) {
            if (named.insert(id).second) sequences.push_back(id);
        };
        if (!tool.positional().empty() || !bbox) {
            RecordInput input(tool.positional(), RecordInput::Args::values, "sequence_id");
            InputItem item;
            while (input.next(item)) {
                if (!item.error.empty()) {
                    tool.fail(item.where(), item.error);
                    continue;
                }
                try {
                    if (auto id = item.record.get_string("sequence_id"))
                        add(*id);
                    else
                        tool.fail(item.where(), "record has no \"sequence_id\"");
                } catch (const FieldError& e) {
                    tool.fail(item.where(), e.what());
                }
            }
        }
        if (bbox) {
            AreaQuery q;
            q.box = *bbox;
            q.fields = "id,sequence";
            AreaCallbacks cb;
            cb.image = [&](Image& img) {
                if (img.sequence) add(*img.sequence);
            };
            cb.note = [&](const std::string& msg) { tool.info(msg); };
            auto stats = search_area(api, q, cb);
            for (const Bbox& c : stats.incomplete)
                tool.fail(to_string(c), "more images in a cell of about a metre than one search returns: "
                                        "some sequences may be missing");
        }

        std::vector<Trace> traces;
        cli::Progress progress(tool, sequences.size(), "sequences");
        for (const auto& seq : sequences) {
            progress.advance();
            try {
                auto ids = api.image_ids(seq);
                if (ids.empty()) {
                    tool.fail(seq, "no images: unknown sequence, or not public");
                    continue;
                }
                auto batch = api.images(ids, track_fields);
                if (!batch.unknown.empty())
                    tool.warn(seq + ": " + std::to_string(batch.unknown.size()) + " of its " + std::to_string(ids.size()) +
                              " images are not available (first: " + batch.unknown.front() + ")");
                Trace t{seq, {}};
                std::size_t no_position = 0;
                for (const Image& img : batch.images) {
                    if (auto p = track_point(img, *positions))
                        t.points.push_back(*p);
                    else
                        ++no_position;
                }
                if (no_position) tool.warn(seq + ": " + std::to_string(no_position) + " images without a position left out");
                std::stable_sort(t.points.begin(), t.points.end(), [](const TrackPoint& a, const TrackPoint& b) {
                    if (a.time && b.time) return *a.time < *b.time;
                    return a.time.has_value() && !b.time.has_value();
                });
                if (t.points.empty()) {
                    tool.fail(seq, "none of its images has a position");
                    continue;
                }
                tool.info(seq + ": " + std::to_string(t.points.size()) + " points");
                traces.push_back(std::move(t));
            } catch (const ApiError& e) {
                tool.fail(seq, e.what());
            }
        }
        progress.finish();

        if (dir) {
            std::filesystem::create_directories(*dir);
            for (const auto& t : traces) {
                OutputFile out((std::filesystem::path(*dir) / (safe_name(t.sequence) + ".gpx")).string());
                write_gpx(out.stream(), {t});
                out.commit();
            }
        } else {
            write_gpx(stdout, traces);
        }
        return tool.exit_status();
    });
}
