// mly-write: records to EXIF. Writes each record's metadata into its photo,
// atomically (temporary file, one flush a batch, rename), and passes the
// records it wrote on to stdout.
#include "mapi/cli.hpp"
#include "mapi/fs.hpp"
#include "mapi/photo.hpp"
#include "mapi/records.hpp"

#include <algorithm>
#include <fstream>

using namespace mapi;

int main(int argc, char** argv) {
    cli::Tool tool("mly-write", "[FILE...]", "write records' metadata into the photos' EXIF, atomically");
    tool.add_options()
        ("tz", "zone for records with captured_at but no utc_offset (default UTC)", cxxopts::value<std::string>(), "ZONE")
        ("n,dry-run", "check and prepare every photo, write none")
        ("rejected", "write records that could not be written to FILE, with a reason", cxxopts::value<std::string>(), "FILE")
        ("batch", "photos made durable together with one flush", cxxopts::value<unsigned>()->default_value("64"), "N");

    return cli::run(tool, argc, argv, [&] {
        WriteOptions opts;
        opts.tz = tool.zone();
        const bool dry_run = tool.args().count("dry-run") > 0;
        const unsigned batch_size = std::max(1u, tool.args()["batch"].as<unsigned>());
        RejectSink rejected(tool.get("rejected"));
        RecordOutput out;
        cli::Progress progress(tool, 0, "photos written");

        ReplaceBatch batch;
        std::vector<Record> staged;  // records of the batch, printed once it is durable
        std::uint64_t written = 0;
        auto commit = [&] {
            auto results = batch.commit();
            for (std::size_t i = 0; i < results.size(); ++i) {
                if (!results[i].error.empty()) {
                    tool.fail(results[i].target, "not written: " + results[i].error);
                    rejected.write(staged[i], "not written: " + results[i].error);
                } else {
                    out.write(staged[i]);
                    ++written;
                }
                progress.advance();
            }
            staged.clear();
        };

        auto handle = [&](InputItem& item) {
            if (!item.error.empty()) {
                tool.fail(item.where(), item.error);
                return;
            }
            std::string path;
            try {
                auto p = item.record.get_string("path");
                if (!p) throw FieldError("record has no \"path\"");
                path = *p;
                if (!has_writable_fields(item.record)) {
                    tool.info(path + ": nothing to write");
                    out.write(item.record);
                    return;
                }
                auto bytes = read_file(path);
                auto updated = plan_photo_write(bytes, item.record, opts);
                if (dry_run) {
                    tool.info(path + ": would write " + std::to_string(updated.size()) + " bytes");
                    out.write(item.record);
                    return;
                }
                batch.stage(path, updated);
                staged.push_back(std::move(item.record));
                if (batch.size() >= batch_size) commit();
            } catch (const std::exception& e) {
                std::string where = path.empty() ? item.where() : path;
                std::string msg = cli::without_subject(e.what(), path);
                tool.fail(where, path.empty() ? msg : "not written: " + msg);
                rejected.write(item.record, msg);
            }
        };

        InputItem item;
        // Positional arguments are files of records, as jq takes them.
        if (tool.positional().empty()) {
            RecordInput input(tool.positional(), RecordInput::Args::photos, "path");
            while (input.next(item)) handle(item);
        } else {
            for (const auto& f : tool.positional()) {
                std::ifstream in(f);
                if (!in) {
                    tool.fail(f, "cannot open record file");
                    continue;
                }
                RecordInput input(in, f, "path");
                while (input.next(item)) handle(item);
            }
        }
        commit();
        progress.finish();
        if (!out.flush()) throw std::runtime_error("error writing standard output");
        tool.info(std::to_string(written) + " photos written, " + std::to_string(tool.failures()) + " failed");
        return tool.exit_status();
    });
}
