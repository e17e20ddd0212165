// photowriter: see mapi/photowriter.hpp.
#include "mapi/photowriter.hpp"

#include "mapi/jpeg.hpp"

#include <algorithm>

namespace mapi {

std::uint64_t stage_photo_write(ReplaceBatch& batch, const std::string& path, const Record& rec,
                                const WriteOptions& opts, bool dry_run) {
    InputFile in(path);
    const struct stat& st = in.stat();
    auto header = read_jpeg_header(in.fd(), path);
    // Only the header changes. Where the file system can share blocks, the
    // header is padded so the rest need not be copied.
    auto head = plan_header_write(header, rec, opts, dry_run ? 0 : shared_block_size(path, st));
    if (!dry_run) batch.stage_spliced(path, head, in.fd(), st, header.size());
    return head.size() + (static_cast<std::uint64_t>(st.st_size) - header.size());
}

PhotoWriter::PhotoWriter(cli::Tool& tool, RecordOutput& out, RejectSink& rejected, PhotoWriterOptions opts)
    : tool_(tool), out_(out), rejected_(rejected), opts_(opts), progress_(tool, 0, "photos written") {
    opts_.batch = std::max(1u, opts_.batch);
}

void PhotoWriter::write(Record rec, const std::string& where) {
    std::string path;
    try {
        auto p = rec.get_string("path");
        if (!p) throw FieldError("record has no \"path\"");
        path = *p;
        if (!has_writable_fields(rec)) {
            tool_.info(path + ": nothing to write");
            pass(std::move(rec));
            return;
        }
        auto size = stage_photo_write(batch_, path, rec, opts_.write, opts_.dry_run);
        if (opts_.dry_run) {
            tool_.info(path + ": would write " + std::to_string(size) + " bytes");
            out_.write(rec);
            return;
        }
        waiting_.push_back({std::move(rec), true});
        if (batch_.size() >= opts_.batch || batch_.bytes_written() >= opts_.batch_bytes) commit();
    } catch (const std::exception& e) {
        std::string msg = cli::without_subject(e.what(), path);
        tool_.fail(path.empty() ? where : path, path.empty() ? msg : "not written: " + msg);
        rejected_.write(rec, msg);
    }
}

void PhotoWriter::pass(Record rec) {
    if (waiting_.empty())
        out_.write(rec);
    else
        waiting_.push_back({std::move(rec), false});
}

void PhotoWriter::commit() {
    auto results = batch_.commit();
    std::size_t r = 0;
    for (auto& w : waiting_) {
        if (!w.staged) {
            out_.write(w.rec);
            continue;
        }
        const auto& res = results[r++];
        if (!res.error.empty()) {
            tool_.fail(res.target, "not written: " + res.error);
            rejected_.write(w.rec, "not written: " + res.error);
        } else {
            out_.write(w.rec);
            ++written_;
        }
        progress_.advance();
    }
    waiting_.clear();
}

void PhotoWriter::finish() {
    commit();
    progress_.finish();
}

}  // namespace mapi
