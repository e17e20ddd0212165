// photowriter: the write loop of mly-write, shared by every tool with --write.
//
// Each record's metadata goes into the photo named by its path
// (plan_photo_write), through a ReplaceBatch: a batch of temporaries is made
// durable with one flush, then renamed into place. A record is printed once
// its photo is durable; one whose photo could not be written is reported
// through the tool (exit status 1) and goes to the reject sink instead.
#pragma once

#include "mapi/cli.hpp"
#include "mapi/fs.hpp"
#include "mapi/photo.hpp"
#include "mapi/records.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mapi {

// Stages the record's metadata into the photo at path: its header is read
// and rebuilt, the rest of the file follows as it is (shared with the
// original where the file system can, see ReplaceBatch::stage_spliced).
// Returns the size of the new file; dry_run: stages nothing. Throws
// std::runtime_error (or a subclass) naming what is wrong.
std::uint64_t stage_photo_write(ReplaceBatch& batch, const std::string& path, const Record& rec,
                                const WriteOptions& opts, bool dry_run = false);

struct PhotoWriterOptions {
    WriteOptions write;    // the zone for records without utc_offset
    bool dry_run = false;  // prepare every photo's bytes, write none
    // A batch (made durable with one flush) ends at this many photos, or
    // at batch_bytes written: where blocks are shared, photos cost a flush
    // of their headers only, so more of them go into one.
    unsigned batch = 256;
    std::uint64_t batch_bytes = std::uint64_t(64) << 20;
};

class PhotoWriter {
public:
    PhotoWriter(cli::Tool& tool, RecordOutput& out, RejectSink& rejected, PhotoWriterOptions opts = {});
    PhotoWriter(const PhotoWriter&) = delete;
    PhotoWriter& operator=(const PhotoWriter&) = delete;

    // Writes the record into its photo and prints it when the photo is
    // durable; records come out in the order they went in. A record with
    // nothing to write passes (see pass()); in a dry run each record is
    // printed at once. where names the record in messages when it has no
    // path ("<stdin>:7").
    void write(Record rec, const std::string& where);
    // Prints a record whose photo needs no writing, in its turn: after the
    // records of the photos staged before it.
    void pass(Record rec);
    // Commits what is staged and prints the rest; call once at the end.
    void finish();

    std::uint64_t written() const { return written_; }

private:
    void commit();

    cli::Tool& tool_;
    RecordOutput& out_;
    RejectSink& rejected_;
    PhotoWriterOptions opts_;
    cli::Progress progress_;
    ReplaceBatch batch_;
    struct Waiting {
        Record rec;
        bool staged;  // its photo is in batch_; otherwise it only waits for its turn
    };
    std::vector<Waiting> waiting_;
    std::uint64_t written_ = 0;
};

}  // namespace mapi
