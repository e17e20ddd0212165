// mly-split: cuts the stream into sequences. Sorts the records by capture
// time and starts a new sequence at a time gap, a distance gap or the
// maximum length; sets sequence_id (and split_reason on each sequence's
// first record); --move puts each sequence's photos into a folder of its own.
#include "mapi/cli.hpp"
#include "mapi/filter.hpp"
#include "mapi/move.hpp"
#include "mapi/records.hpp"
#include "mapi/sequence.hpp"

#include <cmath>

using namespace mapi;

int main(int argc, char** argv) {
    cli::Tool tool("mly-split", "[FILE...]", "cut the stream into sequences by time and distance gaps");
    tool.add_options()
        ("cutoff-time", "a gap of more than S seconds starts a new sequence; auto: 1.5 x the median gap",
         cxxopts::value<std::string>()->default_value("60"), "S")
        ("cutoff-distance", "so does a jump of more than M metres", cxxopts::value<cli::Real>()->default_value("100"), "M")
        ("max-images", "and a sequence holding N photos already", cxxopts::value<unsigned>()->default_value("1000"), "N")
        ("move", "move each sequence's photos into DIR/<sequence_id>/ and update path", cxxopts::value<std::string>(), "DIR")
        ("n,dry-run", "with --move: say what would be moved, move nothing")
        ("rejected", "write records that failed to FILE, with a reason", cxxopts::value<std::string>(), "FILE");

    return cli::run(tool, argc, argv, [&] {
        SplitOptions opts;
        const std::string cutoff = tool.args()["cutoff-time"].as<std::string>();
        if (cutoff == "auto") {
            opts.cutoff_time_s.reset();
        } else {
            char* end = nullptr;
            double s = std::strtod(cutoff.c_str(), &end);
            if (cutoff.empty() || *end || !(s >= 0) || !std::isfinite(s))
                throw cli::UsageError("--cutoff-time must be seconds (0 or more) or auto, not '" + cutoff + "'");
            opts.cutoff_time_s = s;
        }
        opts.cutoff_distance_m = tool.args()["cutoff-distance"].as<cli::Real>();
        if (!(opts.cutoff_distance_m >= 0) || !std::isfinite(opts.cutoff_distance_m))
            throw cli::UsageError("--cutoff-distance must be 0 or more metres");
        opts.max_images = tool.args()["max-images"].as<unsigned>();
        if (opts.max_images == 0) throw cli::UsageError("--max-images must be 1 or more");
        auto move = tool.get("move");
        const bool dry_run = tool.args().count("dry-run") > 0;
        RejectSink rejected(tool.get("rejected"));
        RecordOutput out;
        Splitter splitter(opts);

        for_each_record(tool, tool.positional(), [&](InputItem& item) {
            try {
                splitter.add(item.record);
            } catch (const FieldError& e) {
                tool.fail(item.where(), e.what());
                rejected.write(item.record, e.what());
            }
        });
        auto sequences = splitter.split();
        if (!opts.cutoff_time_s && splitter.cutoff_time())
            tool.info("cutoff time (auto): " + format_number(*splitter.cutoff_time(), 3) + " s");

        std::string line;
        for (const auto& seq : sequences) {
            tool.info("sequence " + seq.id + ": " + count_of(seq.end - seq.begin, "photo") + " from " +
                      (splitter.path(seq.begin).empty() ? "(no path)" : std::string(splitter.path(seq.begin))) + " (" +
                      seq.reason + ")");
            for (std::size_t i = seq.begin; i < seq.end; ++i) {
                std::string_view path = splitter.path(i);
                std::string moved;  // the new path, once moved
                if (move && !path.empty()) {
                    std::string from(path), dir = *move + "/" + seq.id;
                    if (dry_run) {
                        tool.warn("would move " + from + " to " + path_in(from, dir));
                    } else {
                        try {
                            moved = move_into(from, dir);
                        } catch (const std::exception& e) {
                            tool.fail(from, "not moved: " + cli::without_subject(e.what(), from));
                        }
                    }
                }
                line.clear();
                splitter.write(i, seq, moved.empty() ? path : std::string_view(moved), line);
                out.write_line(line);
            }
        }
        if (!out.flush()) throw std::runtime_error("error writing standard output");
        if (splitter.without_position())
            tool.warn(count_of(splitter.without_position(), "record") + " without a position: no distance cut next to them");
        return tool.exit_status();
    });
}
