// mly-dedupe: drops near-duplicate photos (too close to the last kept photo
// of their sequence, facing the same way) and rejects photos that imply an
// impossible speed; --move-to moves both kinds out of the way.
#include "mapi/cli.hpp"
#include "mapi/dedupe.hpp"
#include "mapi/filter.hpp"
#include "mapi/move.hpp"
#include "mapi/records.hpp"

#include <cmath>

using namespace mapi;

int main(int argc, char** argv) {
    cli::Tool tool("mly-dedupe", "[FILE...]", "drop near-duplicate photos and impossible-speed photos");
    tool.add_options()
        ("d,distance", "a photo closer than M metres to the last kept one ...", cxxopts::value<cli::Real>()->default_value("0.1"), "M")
        ("a,angle", "... whose heading differs by less than DEG is a duplicate", cxxopts::value<cli::Real>()->default_value("5"), "DEG")
        ("max-speed", "reject photos implying a speed above KMH from the last kept one", cxxopts::value<cli::Real>()->default_value("400"), "KMH")
        ("move-to", "move the photos of dropped and rejected records into DIR", cxxopts::value<std::string>(), "DIR")
        ("n,dry-run", "with --move-to: say what would be moved, move nothing")
        ("rejected", "write dropped and rejected records to FILE, with a reason", cxxopts::value<std::string>(), "FILE");

    return cli::run(tool, argc, argv, [&] {
        DedupeOptions opts;
        opts.distance_m = tool.args()["distance"].as<cli::Real>();
        opts.angle_deg = tool.args()["angle"].as<cli::Real>();
        opts.max_speed_kmh = tool.args()["max-speed"].as<cli::Real>();
        if (!(opts.distance_m >= 0) || !std::isfinite(opts.distance_m)) throw cli::UsageError("--distance must be 0 or more metres");
        if (!(opts.angle_deg >= 0 && opts.angle_deg <= 180)) throw cli::UsageError("--angle must be between 0 and 180 degrees");
        if (!(opts.max_speed_kmh > 0)) throw cli::UsageError("--max-speed must be more than 0 km/h");
        auto move_to = tool.get("move-to");
        const bool dry_run = tool.args().count("dry-run") > 0;
        RejectSink rejected(tool.get("rejected"));
        RecordOutput out;
        DuplicateFilter filter(opts);
        std::uint64_t duplicates = 0, too_fast = 0, without_position = 0;

        // The photo of a record that is not kept, moved out of the way.
        auto move_away = [&](Record& rec, const std::string& where) {
            auto path = rec.get_string("path");
            if (!move_to || !path) return;
            if (dry_run) {
                tool.warn("would move " + *path + " to " + path_in(*path, *move_to));
                return;
            }
            try {
                rec.set("path", move_into(*path, *move_to));
            } catch (const std::exception& e) {
                tool.fail(where, "not moved: " + cli::without_subject(e.what(), *path));
            }
        };

        for_each_record(tool, tool.positional(), [&](InputItem& item) {
            std::string reason;
            std::string name;
            DuplicateFilter::Verdict v;
            try {
                auto path = item.record.get_string("path");
                name = path ? *path : item.where();
                v = filter.judge(item.record, name, reason);
            } catch (const FieldError& e) {
                tool.fail(item.where(), e.what());
                rejected.write(item.record, e.what());
                return;
            }
            switch (v) {
            case DuplicateFilter::Verdict::no_position:
                ++without_position;
                [[fallthrough]];
            case DuplicateFilter::Verdict::keep:
                out.write(item.record);
                return;
            case DuplicateFilter::Verdict::duplicate:
                ++duplicates;
                tool.info(name + ": " + reason);
                break;
            case DuplicateFilter::Verdict::too_fast:
                ++too_fast;
                tool.fail(name, reason);
                break;
            }
            move_away(item.record, name);
            rejected.write(item.record, reason);
        });
        if (!out.flush()) throw std::runtime_error("error writing standard output");
        if (without_position)
            tool.warn(count_of(without_position, "record") + " without a position passed through unchecked");
        tool.info(count_of(duplicates, "duplicate") + " dropped, " + count_of(too_fast, "photo") + " rejected for speed");
        return tool.exit_status();
    });
}
