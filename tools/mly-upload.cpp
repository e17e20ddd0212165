// mly-upload: upload sequences of photos to Mapillary (design section 7).
// Reads every record first (they are grouped by sequence_id), checks each
// sequence, and uploads the sequences one after another, the photos of each
// in parallel; one record per sequence on stdout, with its cluster id.
#include "mapi/apitool.hpp"
#include "mapi/cli.hpp"
#include "mapi/description.hpp"
#include "mapi/filter.hpp"
#include "mapi/records.hpp"
#include "mapi/time.hpp"
#include "mapi/upload.hpp"
#include "mapi/upload_history.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <memory>
#include <mutex>
#include <system_error>

using namespace mapi;

namespace {

bool valid_organization(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '-';
    });
}

std::string size_text(std::uint64_t bytes) {
    char buf[32];
    if (bytes < 1000 * 1000)
        std::snprintf(buf, sizeof buf, "%.1f kB", static_cast<double>(bytes) / 1e3);
    else if (bytes < 1000ull * 1000 * 1000)
        std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%.2f GB", static_cast<double>(bytes) / 1e9);
    return buf;
}

// One photo as read from the input.
struct Photo {
    Record record;
    std::string where;  // input line, for messages
    Instant captured_at;
    std::string path;
    std::string description;
};

struct Sequence {
    std::string id;
    std::vector<Photo> photos;
    std::size_t rejected = 0;  // records of it that were bad: it is refused
    std::optional<std::string> organization_id;
    std::string refusal;  // why it is not uploaded; empty: it goes
};

}  // namespace

int main(int argc, char** argv) {
#ifdef __GLIBC__
    // Photos are read into buffers of megabytes, held by worker threads
    // that each sequence starts anew. glibc would serve such buffers from
    // its per-thread heaps once one was freed (its mmap threshold grows),
    // and those heaps keep what they held: the peak memory would creep up
    // with every sequence. From mmap, each goes back when freed.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
    cli::Tool tool("mly-upload", "[FILE...]", "upload sequences of photos to Mapillary, resumably");
    tool.add_options()
        ("organization", "upload on behalf of the organization with this id (else the records' organization_id)",
         cxxopts::value<std::string>(), "ID")
        ("j,jobs", "photos sent at once (default: jobs in the configuration, at most 4)", cxxopts::value<unsigned>(), "N")
        ("dry-run", "write what would be sent into DIR (each stream under its session key), send nothing",
         cxxopts::value<std::string>(), "DIR")
        ("reupload", "upload sequences the upload history lists as done")
        ("no-resume", "random session keys: send every photo anew, nothing resumed")
        ("rejected", "write records that were not uploaded to FILE, with a reason", cxxopts::value<std::string>(),
         "FILE");
    add_config_option(tool);

    return cli::run(tool, argc, argv, [&] {
        const auto organization = tool.get("organization");
        if (organization && !valid_organization(*organization))
            throw cli::UsageError("--organization: '" + *organization + "' is not an organization id");
        const auto dry_run = tool.get("dry-run");
        if (dry_run) {
            std::error_code ec;
            std::filesystem::create_directories(*dry_run, ec);
            if (ec || !std::filesystem::is_directory(*dry_run))
                throw cli::UsageError("--dry-run " + *dry_run + ": " +
                                      (ec ? ec.message() : std::string("not a directory")));
        }
        const bool reupload = tool.args().count("reupload") > 0;
        ApiSession session(tool, !dry_run);
        const Config& config = session.config();
        unsigned jobs = std::min(config.jobs, 4);
        if (tool.args().count("jobs")) {
            jobs = tool.args()["jobs"].as<unsigned>();
            if (jobs < 1 || jobs > 64) throw cli::UsageError("-j: the number of photos sent at once must be 1 to 64");
        }
        UploadHistory history(UploadHistory::default_dir(config.upload_history));
        RejectSink rejected(tool.get("rejected"));

        // ---- Read every record, grouped by sequence in the order they come.
        std::vector<Sequence> sequences;
        std::map<std::string, std::size_t> index;
        std::map<std::string, std::string> seen_paths;  // resolved path -> input line
        std::uint64_t rejects = 0;
        rapidjson::Document::AllocatorType description_memory;
        auto sequence_of = [&](const std::string& id) -> Sequence& {
            auto [it, fresh] = index.emplace(id, sequences.size());
            if (fresh) sequences.push_back(Sequence{id, {}, 0, {}, {}});
            return sequences[it->second];
        };
        for_each_record(tool, tool.positional(), [&](InputItem& item) {
            std::optional<std::string> seq;
            try {
                seq = item.record.get_string("sequence_id");
            } catch (const FieldError&) {
            }
            auto reject = [&](const std::string& reason) {
                ++rejects;
                tool.fail(item.where(), reason);
                rejected.write(item.record, reason);
                if (seq && !seq->empty()) ++sequence_of(*seq).rejected;
            };
            ImageDescription d;
            try {
                d = describe_image(item.record);
            } catch (const DescriptionError& e) {
                reject(e.what());
                return;
            }
            if (!d.sequence) {
                reject("missing \"sequence_id\" (mly-split makes the sequences)");
                return;
            }
            std::optional<std::string> org;
            try {
                org = item.record.get_string("organization_id");
            } catch (const FieldError& e) {
                reject(e.what());
                return;
            }
            std::error_code ec;
            std::string resolved = std::filesystem::weakly_canonical(d.path, ec).string();
            if (ec) resolved = d.path;
            if (auto [it, fresh] = seen_paths.emplace(resolved, item.where()); !fresh) {
                tool.warn(item.where() + ": " + d.path + " is already on " + it->second + ": left out");
                return;
            }
            Sequence& s = sequence_of(*d.sequence);
            if (organization) {
                s.organization_id = organization;
            } else if (org && !org->empty()) {
                if (!valid_organization(*org)) {
                    reject("organization_id '" + *org + "' is not an organization id");
                    return;
                }
                if (!s.photos.empty() && s.organization_id != org) {
                    reject("organization_id " + *org + ", but the sequence's other photos have " +
                           s.organization_id.value_or("none"));
                    return;
                }
                s.organization_id = org;
            } else if (s.organization_id) {
                reject("no organization_id, but the sequence's other photos have " + *s.organization_id);
                return;
            }
            Photo p;
            p.where = item.where();
            p.captured_at = d.captured_at;
            p.path = d.path;
            // A scratch allocator, not the record's: that would build the
            // record's document (64 KiB a record kept until the end).
            description_memory.Clear();
            p.description = description_json(exif_description(d, description_memory));
            p.record = std::move(item.record);
            s.photos.push_back(std::move(p));
        });
        // A line that is not a record could have belonged to any sequence:
        // uploading the others now would make a rerun send them again.
        if (tool.failures() > rejects)
            throw cli::Failure(cli::usage, "nothing uploaded: " +
                                               count_of(tool.failures() - rejects, "input line") +
                                               " could not be read (see above)");

        std::uint64_t total = 0;
        for (auto& s : sequences) {
            std::stable_sort(s.photos.begin(), s.photos.end(), [](const Photo& a, const Photo& b) {
                return a.captured_at != b.captured_at ? a.captured_at < b.captured_at : a.path < b.path;
            });
            if (s.rejected)
                s.refusal = count_of(s.rejected, "record") + " of it rejected (see above)";
            else if (s.photos.size() > SequenceLimits{}.max_images)
                s.refusal = "over Mapillary's limits: " +
                            *check_sequence_limits(s.photos.size(), 0, 0) + "; cut it with mly-split";
            total += s.photos.size();
        }

        // ---- Upload, one sequence after the other.
        std::mutex message_mutex;
        auto log = [&](const std::string& msg) {
            std::lock_guard lock(message_mutex);
            tool.info(msg);
        };
        std::unique_ptr<UploadClient> client;
        if (!dry_run) client = std::make_unique<UploadClient>(config, session.http(), log);
        cli::Progress progress(tool, total, "photos done");
        std::uint64_t sent = 0;  // photos of the current sequence sent
        SequenceUploadOptions options;
        options.jobs = jobs;
        options.random_keys = tool.args().count("no-resume") > 0;
        options.dry_run_dir = dry_run;
        RecordOutput out;
        std::uint64_t uploaded = 0, skipped = 0, failed = 0;

        auto refuse = [&](Sequence& s, const std::string& why) {
            ++failed;
            progress.advance(s.photos.size() - sent);
            tool.fail("sequence " + s.id, "not uploaded: " + why);
            for (auto& p : s.photos) rejected.write(p.record, "sequence not uploaded: " + why);
        };
        for (auto& s : sequences) {
            sent = 0;
            if (!s.refusal.empty()) {
                refuse(s, s.refusal);
                continue;
            }
            if (s.photos.empty()) continue;
            std::vector<SequencePhoto> photos;
            for (const auto& p : s.photos) photos.push_back({p.path, p.description});
            options.organization_id = s.organization_id;
            SequenceUploader uploader(client.get(), options, [&] {
                ++sent;
                progress.advance();
            });

            Record rec;
            rec.set("sequence_id", s.id);
            std::optional<HistoryEntry> done;
            // In the history already? Its photos' stats (path, size, times,
            // description) tell it without reading one.
            if (!reupload)
                if (auto stat = sequence_stat_md5(photos)) done = history.find_by_stat(*stat);
            auto already = [&] {
                ++skipped;
                tool.info("sequence " + s.id + ": already uploaded (cluster " + done->cluster_id + ", " +
                          done->uploaded_at + "); --reupload sends it again");
                progress.advance(photos.size() - sent);
                rec.set("status", "already_uploaded");
                rec.set("cluster_id", done->cluster_id);
                rec.set("images", static_cast<std::int64_t>(photos.size()));
                rec.set("bytes", static_cast<std::int64_t>(done->bytes));
                rec.set("sequence_md5", done->sequence_md5);
                if (done->organization_id) rec.set("organization_id", *done->organization_id);
                out.write(rec);
            };
            if (done) {
                already();
                continue;
            }

            PreparedSequence prepared = uploader.prepare(photos);
            if (!prepared.errors.empty()) {
                for (const auto& [i, why] : prepared.errors) {
                    const Photo& p = s.photos[i];
                    tool.fail(p.where, p.path + ": " + cli::without_subject(why, p.path));
                }
                refuse(s, count_of(prepared.errors.size(), "photo") + " of it cannot be uploaded (see above)");
                continue;
            }
            if (auto over = check_sequence_limits(photos.size(), prepared.bytes, prepared.pixels)) {
                refuse(s, "over Mapillary's limits: " + *over + "; cut it with mly-split");
                continue;
            }

            // Else the photos are read and sent; the sequence md5 of what was
            // sent may still find it in the history (the same photos from
            // another folder, or touched): then it is not finished again.
            // The finish is noted before it is sent: a run killed before its
            // answer was noted leaves the note, and the next one finishes
            // that manifest again instead of making a second cluster.
            FinishLog log;
            log.finished = [&](const std::string& md5) {
                if (!reupload) done = history.find(md5);
                return done.has_value();
            };
            if (!dry_run) {
                if (!reupload) log.sent = [&](const std::string& md5) { return history.finish_sent(md5); };
                log.sending = [&](const std::string& md5, const FinishSent& f) {
                    try {
                        history.note_finish_sent(md5, f);
                    } catch (const std::exception& e) {
                        throw UploadError(std::string("not finished, as the upload history cannot note it: ") +
                                          e.what());
                    }
                };
            }
            SequenceUploadResult r;
            try {
                r = uploader.upload(photos, log);
            } catch (const cli::Failure&) {
                throw;  // the token refused, the service unavailable: no use going on
            } catch (const std::exception& e) {
                refuse(s, e.what());  // this sequence's trouble (UploadError, a dry run's full disk)
                continue;
            }
            if (r.already_uploaded) {
                if (!dry_run && r.stat_md5) {
                    try {
                        history.note_stat(*r.stat_md5, r.sequence_md5);
                    } catch (const std::exception&) {
                        // a shortcut only: the next run reads the photos again
                    }
                }
                already();
                continue;
            }
            if (!dry_run) {
                HistoryEntry h;
                h.sequence_md5 = r.sequence_md5;
                h.stat_md5 = r.stat_md5;
                h.sequence_id = s.id;
                h.cluster_id = r.cluster_id;
                h.upload_url = config.upload_url;
                h.organization_id = s.organization_id;
                h.images = photos.size();
                h.bytes = r.bytes;
                h.uploaded_at = format_rfc3339_utc(
                    std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
                for (std::size_t i = 0; i < photos.size(); ++i)
                    h.photos.push_back({photos[i].path, r.stats[i].size, r.stats[i].mtime_ns, r.md5s[i]});
                try {
                    history.record(h);
                } catch (const std::exception& e) {
                    tool.fail("sequence " + s.id, std::string("uploaded, but not noted in the upload history (") +
                                                      e.what() + "): a rerun would upload it again");
                }
            }
            ++uploaded;
            if (r.finished_again)
                tool.info("sequence " + s.id + ": a run stopped before finish_upload answered (" +
                          r.finished_again->sent_at + "); its manifest " + r.finished_again->manifest_key +
                          " was finished again");
            tool.info("sequence " + s.id + ": " + count_of(photos.size(), "photo") + ", " + size_text(r.bytes) +
                      (dry_run ? " written to " + *dry_run : ", cluster " + r.cluster_id) +
                      (r.resumed ? " (" + size_text(r.resumed) + " were on the service already)" : ""));
            rec.set("status", dry_run ? "dry_run" : "uploaded");
            rec.set("cluster_id", r.cluster_id);
            rec.set("images", static_cast<std::int64_t>(photos.size()));
            rec.set("bytes", static_cast<std::int64_t>(r.bytes));
            rec.set("sequence_md5", r.sequence_md5);
            if (s.organization_id) rec.set("organization_id", *s.organization_id);
            out.write(rec);
        }
        progress.finish();
        if (!sequences.empty())
            tool.warn(count_of(uploaded + skipped + failed, "sequence") + ": " + std::to_string(uploaded) +
                      (dry_run ? " written" : " uploaded") + ", " + std::to_string(skipped) + " already uploaded, " +
                      std::to_string(failed) + " not uploaded");
        if (!out.flush()) throw std::runtime_error("error writing standard output");
        return tool.exit_status();
    });
}
