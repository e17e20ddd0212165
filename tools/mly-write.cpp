// mly-write: records to EXIF. Writes each record's metadata into its photo,
// atomically (temporary file, one flush a batch, rename), and passes the
// records it wrote on to stdout.
#include "mapi/cli.hpp"
#include "mapi/filter.hpp"
#include "mapi/photowriter.hpp"
#include "mapi/records.hpp"

using namespace mapi;

int main(int argc, char** argv) {
    cli::Tool tool("mly-write", "[FILE...]", "write records' metadata into the photos' EXIF, atomically");
    tool.add_options()
        ("tz", "zone for records with captured_at but no utc_offset (default UTC)", cxxopts::value<std::string>(), "ZONE")
        ("n,dry-run", "check and prepare every photo, write none")
        ("rejected", "write records that could not be written to FILE, with a reason", cxxopts::value<std::string>(), "FILE")
        ("batch", "at most N photos made durable with one flush (a batch also ends at 64 MiB written)", cxxopts::value<unsigned>()->default_value("256"), "N");

    return cli::run(tool, argc, argv, [&] {
        PhotoWriterOptions opts;
        opts.write.tz = tool.zone();
        opts.dry_run = tool.args().count("dry-run") > 0;
        opts.batch = tool.args()["batch"].as<unsigned>();
        RejectSink rejected(tool.get("rejected"));
        RecordOutput out;
        PhotoWriter writer(tool, out, rejected, opts);

        // Positional arguments are files of records, as jq takes them.
        for_each_record(tool, tool.positional(), [&](InputItem& item) { writer.write(std::move(item.record), item.where()); });
        writer.finish();
        if (!out.flush()) throw std::runtime_error("error writing standard output");
        tool.info(std::to_string(writer.written()) + " photos written, " + std::to_string(tool.failures()) + " failed");
        return tool.exit_status();
    });
}
