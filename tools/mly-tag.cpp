// mly-tag: the Mapillary description of each photo. Sets each record's
// "description" (the MAP* JSON mapillary_tools puts into EXIF
// ImageDescription); optionally writes it into the photos and writes a
// mapillary_image_description.json that mapillary_tools reads.
#include "mapi/cli.hpp"
#include "mapi/description.hpp"
#include "mapi/fs.hpp"
#include "mapi/output_file.hpp"
#include "mapi/photo.hpp"
#include "mapi/photowriter.hpp"
#include "mapi/records.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sys/stat.h>

using namespace mapi;

namespace {
// A batch of photos made durable together with one flush ends at this many
// photos or this many bytes written (see PhotoWriterOptions).
constexpr std::size_t kBatch = 256;
constexpr std::uint64_t kBatchBytes = std::uint64_t(64) << 20;

bool valid_organization(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '-';
    });
}

// A described record waiting for its photo's write to be committed.
struct Tagged {
    InputItem item;
    ImageDescription desc;
};
}  // namespace

int main(int argc, char** argv) {
    cli::Tool tool("mly-tag", "[PATH...]", "Mapillary image description (MAP* JSON) for each photo");
    tool.add_options()
        ("organization", "upload on behalf of the organization with this id (sets organization_id)",
         cxxopts::value<std::string>(), "ID")
        ("desc", "also write a mapillary_image_description.json to FILE, atomically",
         cxxopts::value<std::string>(), "FILE")
        ("write", "write the description into each photo's EXIF ImageDescription, atomically")
        ("n,dry-run", "check and prepare everything, write no file")
        ("tz", "zone of photo times without an offset when reading photos", cxxopts::value<std::string>(), "ZONE")
        ("rejected", "write records that could not be tagged to FILE, with a reason",
         cxxopts::value<std::string>(), "FILE");

    return cli::run(tool, argc, argv, [&] {
        ScanOptions scan;
        scan.tz = tool.zone();
        const auto organization = tool.get("organization");
        if (organization && !valid_organization(*organization))
            throw cli::UsageError("--organization: '" + *organization + "' is not an organization id");
        const auto desc_path = tool.get("desc");
        if (desc_path && *desc_path == "-")
            throw cli::UsageError("--desc: give a file; standard output carries the records");
        const bool write = tool.args().count("write") > 0;
        const bool dry_run = tool.args().count("dry-run") > 0;

        std::unique_ptr<OutputFile> desc_file;
        std::unique_ptr<DescriptionFileWriter> desc;
        if (desc_path && !dry_run) {
            try {
                desc_file = std::make_unique<OutputFile>(*desc_path);
            } catch (const std::exception& e) {
                throw cli::Failure(cli::usage, std::string("--desc: ") + e.what());
            }
            desc = std::make_unique<DescriptionFileWriter>(desc_file->stream());
        }
        RejectSink rejected(tool.get("rejected"));
        RecordOutput out;
        cli::Progress progress(tool, 0, "photos tagged");
        bool warned_utc = false;

        // Failures name the input line and, when known, the photo.
        auto fail = [&](const InputItem& item, const std::string& path, const std::string& msg) {
            std::string subject = item.where();
            std::string text = cli::without_subject(msg, path);
            if (!path.empty() && path != subject) text = path + ": " + text;
            tool.fail(subject, text);
            rejected.write(item.record, cli::without_subject(msg, path));
        };

        // The description file entry needs the photo as it is on disk now.
        auto finish = [&](Tagged& t) {
            if (desc || (desc_path && dry_run)) {
                struct stat st {};
                int err = ::stat(t.desc.path.c_str(), &st) != 0 ? errno : S_ISREG(st.st_mode) ? 0 : EINVAL;
                if (err) {
                    fail(t.item, t.desc.path,
                         (err == EINVAL ? std::string("not a regular file") : std::strerror(err)) +
                             std::string(" (left out of the description file)"));
                    return;
                }
                std::error_code ec;
                auto absolute = std::filesystem::canonical(t.desc.path, ec);
                if (ec) {
                    fail(t.item, t.desc.path, ec.message());
                    return;
                }
                try {
                    if (desc) desc->add(t.desc, absolute.string(), static_cast<std::uint64_t>(st.st_size));
                } catch (const DescriptionError& e) {  // a name that is not UTF-8
                    fail(t.item, t.desc.path, e.what());
                    return;
                }
            }
            out.write(t.item.record);
            progress.advance();
        };

        ReplaceBatch batch;
        std::vector<Tagged> staged;  // in the batch, printed once it is durable
        auto commit = [&] {
            auto results = batch.commit();
            for (std::size_t i = 0; i < results.size(); ++i) {
                if (!results[i].error.empty())
                    fail(staged[i].item, staged[i].desc.path, "not written: " + results[i].error);
                else
                    finish(staged[i]);
            }
            staged.clear();
        };

        RecordInput input(tool.positional(), RecordInput::Args::photos, "path");
        InputItem item;
        while (input.next(item)) {
            if (!item.error.empty()) {
                tool.fail(item.where(), item.error);
                continue;
            }
            std::string path;
            try {
                if (auto p = item.record.get_string("path")) path = *p;
            } catch (const FieldError&) {
                // describe_image() says what is wrong with it
            }
            Tagged t;
            try {
                // A bare path is a photo: its own EXIF says where and when.
                if (!path.empty() && item.record.size() == 1) {
                    if (scan_photo(item.record, path, scan).assumed_utc && !warned_utc) {
                        tool.warn("photo times without an offset read as UTC (first: " + path +
                                  "); give --tz for the camera's zone");
                        warned_utc = true;
                    }
                }
                t.desc = describe_image(item.record);
            } catch (const std::exception& e) {
                fail(item, path, e.what());
                continue;
            }
            if (organization) item.record.set("organization_id", *organization);
            set_description(item.record, t.desc);
            if (!write) {
                t.item = std::move(item);
                finish(t);
                continue;
            }
            try {
                // Only ImageDescription changes; mly-write writes the other fields.
                Record only;
                only.set("description", description_json(exif_description(t.desc, only.allocator())));
                auto size = stage_photo_write(batch, path, only, {}, dry_run);
                if (dry_run) {
                    tool.info(path + ": would write " + std::to_string(size) + " bytes");
                    t.item = std::move(item);
                    finish(t);
                    continue;
                }
            } catch (const std::exception& e) {
                fail(item, path, "not written: " + cli::without_subject(e.what(), path));
                continue;
            }
            t.item = std::move(item);
            staged.push_back(std::move(t));
            if (batch.size() >= kBatch || batch.bytes_written() >= kBatchBytes) commit();
        }
        commit();
        progress.finish();
        if (desc) {
            desc->finish();
            desc_file->commit();
            tool.info(*desc_path + ": " + std::to_string(desc->size()) + " images described");
        }
        if (!out.flush()) throw std::runtime_error("error writing standard output");
        return tool.exit_status();
    });
}
