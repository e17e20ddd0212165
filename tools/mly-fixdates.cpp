// mly-fixdates: photos that have no usable time get start + k * step, in
// input order or sorted by path or file name (the seed's add_fix_dates.py),
// as captured_at and utc_offset; --write puts them into the photos too.
#include "mapi/cli.hpp"
#include "mapi/filter.hpp"
#include "mapi/photowriter.hpp"
#include "mapi/records.hpp"
#include "mapi/stepclock.hpp"

#include <algorithm>
#include <cmath>

using namespace mapi;

int main(int argc, char** argv) {
    cli::Tool tool("mly-fixdates", "[FILE...]", "give photos times: start + k * step");
    tool.add_options()
        ("start", "time of the first photo: '2014-11-27 13:01:01[.5]' (in --tz), with an offset, or RFC 3339",
         cxxopts::value<std::string>(), "TIME")
        ("step", "seconds between photos; fractional or negative", cxxopts::value<cli::Real>(), "S")
        ("tz", "zone of a start time without an offset, and of each photo's utc_offset", cxxopts::value<std::string>(), "ZONE")
        ("sort", "order of the photos: input, path or name (the file name)", cxxopts::value<std::string>()->default_value("input"), "BY")
        ("write", "also write the times into the photos (as mly-write)")
        ("rejected", "write records that failed to FILE, with a reason", cxxopts::value<std::string>(), "FILE");

    return cli::run(tool, argc, argv, [&] {
        auto start_text = tool.get("start");
        if (!start_text) throw cli::UsageError("--start TIME is required");
        auto start = parse_start_time(*start_text);
        if (!start) throw cli::UsageError("--start: cannot read '" + *start_text + "' as a time");
        if (!tool.args().count("step")) throw cli::UsageError("--step S is required");
        double step = tool.args()["step"].as<cli::Real>();
        if (!std::isfinite(step) || step == 0) throw cli::UsageError("--step must be a number other than 0");
        const std::string sort = tool.args()["sort"].as<std::string>();
        if (sort != "input" && sort != "path" && sort != "name")
            throw cli::UsageError("--sort must be input, path or name, not '" + sort + "'");
        auto zone = tool.zone();
        if (start->zoneless && !zone)
            tool.warn("start time '" + *start_text + "' read as UTC; give --tz for the camera's zone");
        StepClock clock(*start, step, zone);

        RejectSink rejected(tool.get("rejected"));
        RecordOutput out;
        const bool write = tool.args().count("write") > 0;
        PhotoWriter writer(tool, out, rejected);
        std::int64_t k = 0;

        // In input order the records stream; sorted, they are held as text.
        OpenFields fields({"captured_at", "utc_offset"});
        TextArena text;
        std::vector<std::string_view> texts, paths;
        std::vector<OpenFields::Places> places;
        std::string held;  // a record's text, reused
        for_each_record(tool, tool.positional(), [&](InputItem& item) {
            if (sort == "input") {
                auto f = clock.fields(k++);
                item.record.set("captured_at", f.captured_at);
                item.record.set("utc_offset", f.utc_offset);
                if (write)
                    writer.write(std::move(item.record), item.where());
                else
                    out.write(item.record);
                return;
            }
            std::optional<std::string> path;
            try {
                path = item.record.get_string("path");
                if (!path) throw FieldError("record has no \"path\" to sort by");
            } catch (const FieldError& e) {
                tool.fail(item.where(), e.what());
                rejected.write(item.record, e.what());
                return;
            }
            places.push_back(fields.hold(item.record, held));
            paths.push_back(text.add(*path));
            texts.push_back(text.add(held));
        });

        // By path, or by file name and then path.
        std::vector<std::string_view> names;
        if (sort == "name")
            for (std::string_view p : paths) names.push_back(p.substr(p.rfind('/') + 1));
        auto order = sort == "path" ? sorted_order(paths) : sorted_order(names, &paths);
        std::string line, values[2];
        for (std::size_t n = 0; n < order.size(); ++n) {
            // The records are read in sorted order, far from the order they
            // are held in: ask for those a few places ahead now, so the
            // memory latency overlaps.
            if (n + 16 < order.size()) {
                __builtin_prefetch(&texts[order[n + 16]]);
                __builtin_prefetch(&places[order[n + 16]]);
            }
            if (n + 8 < order.size()) {
                std::string_view ahead = texts[order[n + 8]];
                for (std::size_t b = 0; b < ahead.size(); b += 64) __builtin_prefetch(ahead.data() + b);
            }
            const auto i = order[n];
            auto f = clock.fields(k++);
            values[0].clear();
            values[1].clear();
            append_json_string(values[0], f.captured_at);
            append_json_string(values[1], f.utc_offset);
            std::string_view views[2] = {values[0], values[1]};
            line.clear();
            fields.write(texts[i], places[i], views, line);
            if (write)
                writer.write(Record::parse(line), std::string(paths[i]));
            else
                out.write_line(line);
        }
        writer.finish();
        if (!out.flush()) throw std::runtime_error("error writing standard output");
        return tool.exit_status();
    });
}
