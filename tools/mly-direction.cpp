// mly-direction: headings from the path. Each photo faces the bearing to the
// next photo of its sequence, plus --offset-angle; the last one repeats the
// bearing that led to it (the seed's interpolate_direction.py).
#include "mapi/cli.hpp"
#include "mapi/direction.hpp"
#include "mapi/filter.hpp"
#include "mapi/photowriter.hpp"
#include "mapi/records.hpp"

#include <cmath>

using namespace mapi;

int main(int argc, char** argv) {
    cli::Tool tool("mly-direction", "[FILE...]", "headings from the bearing to the next photo, plus an offset");
    tool.add_options()
        ("offset-angle", "degrees added to each bearing, clockwise: 90 for a camera looking right, -90 left",
         cxxopts::value<cli::Real>()->default_value("0"), "D")
        ("all", "replace the headings photos already have, too")
        ("grouped", "the input holds each sequence's records together (as mly-split writes them): stream without queueing")
        ("write", "also write the headings into the photos (as mly-write)")
        ("rejected", "write records that failed to FILE, with a reason", cxxopts::value<std::string>(), "FILE")
        ("buffer", "MiB of queued records kept in memory before a temporary file",
         cxxopts::value<cli::Real>()->default_value("64"), "MIB");

    return cli::run(tool, argc, argv, [&] {
        DirectionOptions opts;
        opts.offset_deg = tool.args()["offset-angle"].as<cli::Real>();
        if (!std::isfinite(opts.offset_deg)) throw cli::UsageError("--offset-angle must be a number");
        opts.all = tool.args().count("all") > 0;
        opts.grouped = tool.args().count("grouped") > 0;
        double mib = tool.args()["buffer"].as<cli::Real>();
        if (!(mib >= 0 && mib < 1e6)) throw cli::UsageError("--buffer must be a number of MiB, 0 or more");
        opts.buffer_bytes = static_cast<std::size_t>(mib * 1024 * 1024);
        const bool write = tool.args().count("write") > 0;
        RejectSink rejected(tool.get("rejected"));
        RecordOutput out;
        PhotoWriter writer(tool, out, rejected);
        PathHeadings headings(opts);

        std::string line;
        bool changed = false;
        auto emit_ready = [&] {
            while (headings.next(line, changed)) {
                if (!write) {
                    out.write_line(line);
                } else {
                    Record rec = Record::parse(line);
                    std::string path = rec.get_string("path").value_or("");
                    changed ? writer.write(std::move(rec), path) : writer.pass(std::move(rec));
                }
            }
        };
        for_each_record(tool, tool.positional(), [&](InputItem& item) {
            try {
                if (write && !item.record.get_string("path")) throw FieldError("record has no \"path\" to write to");
                headings.add(item.record);
            } catch (const FieldError& e) {
                tool.fail(item.where(), e.what());
                rejected.write(item.record, e.what());
                return;
            }
            emit_ready();
        });
        headings.finish();
        emit_ready();
        writer.finish();
        if (!out.flush()) throw std::runtime_error("error writing standard output");

        const auto& n = headings.counts();
        if (n.without_position)
            tool.warn(count_of(n.without_position, "record") + " without a position passed through unchanged");
        if (n.unmoved)
            tool.warn("no heading for " + count_of(n.unmoved, "photo") +
                      " in sequences that never move (a single photo, or a single position)");
        tool.info(count_of(n.headings, "heading") + " set");
        return tool.exit_status();
    });
}
