// mly-scan: photos to records. Reads each photo's EXIF and XMP (only the
// header of the file, never its image data) and prints one record a photo.
#include "mapi/cli.hpp"
#include "mapi/photo.hpp"
#include "mapi/records.hpp"

using namespace mapi;

int main(int argc, char** argv) {
    cli::Tool tool("mly-scan", "[PATH...]", "read photos' EXIF and XMP into records");
    tool.add_options()
        ("tz", "zone of EXIF times without an offset: +02:00, Europe/Berlin or local", cxxopts::value<std::string>(), "ZONE")
        ("rejected", "write records of photos that could not be read to FILE, with a reason",
         cxxopts::value<std::string>(), "FILE");

    return cli::run(tool, argc, argv, [&] {
        ScanOptions opts;
        opts.tz = tool.zone();
        RejectSink rejected(tool.get("rejected"));
        RecordInput input(tool.positional(), RecordInput::Args::photos, "path");
        RecordOutput out;
        cli::Progress progress(tool, 0, "photos");
        bool warned_utc = false;

        InputItem item;
        while (input.next(item)) {
            progress.advance();
            if (!item.error.empty()) {
                tool.fail(item.where(), item.error);
                continue;
            }
            std::optional<std::string> path;
            try {
                path = item.record.get_string("path");
            } catch (const FieldError& e) {
                tool.fail(item.where(), e.what());
                rejected.write(item.record, e.what());
                continue;
            }
            if (!path) {
                tool.fail(item.where(), "record has no \"path\"");
                rejected.write(item.record, "no path");
                continue;
            }
            try {
                ScanResult r = scan_photo(item.record, *path, opts);
                if (r.assumed_utc && !warned_utc) {
                    tool.warn("photo times without an offset read as UTC (first: " + *path +
                              "); give --tz for the camera's zone");
                    warned_utc = true;
                }
            } catch (const std::exception& e) {
                tool.fail(*path, e.what());
                rejected.write(item.record, cli::without_subject(e.what(), *path));
                continue;
            }
            out.write(item.record);
        }
        if (!out.flush()) throw std::runtime_error("error writing standard output");
        return tool.exit_status();
    });
}
