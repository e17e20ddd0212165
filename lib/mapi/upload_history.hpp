// upload_history: the sequences uploaded already, so that a rerun does not
// send them again (design section 7; mapillary_tools keeps the same kind of
// history, behaviour.md 1.9).
//
// One small JSON file per finished sequence, DIR/<sequence md5>.json, put in
// place atomically (by rename) as soon as finish_upload has answered. The
// sequence md5 is that of the streams sent (upload.hpp: sequence_md5), so
// the same photos with the same descriptions are recognised from any
// folder; a photo or a description changed makes a new sequence. A second
// name leads to the entry without reading a photo: DIR/stat/<stat md5>
// holds the sequence md5 of the photos as they were on disk when they were
// sent (upload.hpp: sequence_stat_md5), like git's index. It is only a
// shortcut: without it, or with a stale one, the photos are read and the
// sequence md5 decides. DIR is the configuration's upload_history, else
// $XDG_STATE_HOME/mly/upload_history, else ~/.local/state/mly/upload_history.
// An entry notes the upload_url it was sent to, but any entry counts, as in
// mapillary_tools: a configuration for another server (a test, a demo)
// should name a folder of its own.
//
// DIR/<sequence md5>.finishing notes a finish_upload about to be sent (its
// manifest key and handle), flushed before the request goes out and
// removed once the entry is in place: a run killed while the request was
// on its way leaves it, and the next run finishes that handle again rather
// than a new manifest (upload.hpp: FinishLog).
#pragma once

#include "mapi/upload.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mapi {

// One photo of an entry: the file as it was sent.
struct HistoryPhoto {
    std::string path;            // as given to mly-upload
    std::uint64_t size = 0;      // of the file
    std::int64_t mtime_ns = 0;   // of the file
    std::string md5;             // of its stream (the session key's)
};

struct HistoryEntry {
    std::string sequence_md5;
    std::optional<std::string> stat_md5;  // the photos on disk as sent, when they could tell
    std::string sequence_id;     // the records' sequence_id at the time
    std::string cluster_id;
    std::string upload_url;
    std::optional<std::string> organization_id;
    std::uint64_t images = 0;
    std::uint64_t bytes = 0;     // of the image streams
    std::string uploaded_at;     // RFC 3339 UTC
    std::vector<HistoryPhoto> photos;  // in sequence order
};

class UploadHistory {
public:
    explicit UploadHistory(std::string dir) : dir_(std::move(dir)) {}

    // configured (Config::upload_history) when not empty, else the XDG
    // default above. Throws ConfigError when neither XDG_STATE_HOME nor HOME
    // is set.
    static std::string default_dir(const std::string& configured);

    const std::string& dir() const { return dir_; }
    std::string path_of(const std::string& sequence_md5) const;

    // The entry of an uploaded sequence; nullopt when there is none (or it
    // is unreadable).
    std::optional<HistoryEntry> find(const std::string& sequence_md5) const;

    // The entry that DIR/stat/<stat_md5> leads to; nullopt when none.
    std::optional<HistoryEntry> find_by_stat(const std::string& stat_md5) const;

    // Writes the entry (replacing one of the same sequence), creating DIR
    // (mode 0700) when needed: a temporary renamed into place, then made
    // durable; then its stat name (note_stat) when it has a stat_md5.
    // Throws std::system_error.
    void record(const HistoryEntry& entry) const;

    // Makes DIR/stat/<stat_md5> lead to the sequence: a temporary renamed
    // into place, not flushed (losing it costs a rerun one reading of the
    // photos). Throws std::system_error.
    void note_stat(const std::string& stat_md5, const std::string& sequence_md5) const;

    // Notes a finish_upload about to be sent for the sequence: a temporary
    // renamed into place and flushed with the folder before it returns.
    // record() of the sequence removes it. Throws std::system_error.
    void note_finish_sent(const std::string& sequence_md5, const FinishSent& sent) const;

    // The finish noted for the sequence and not followed by an entry;
    // nullopt when none (or it is unreadable).
    std::optional<FinishSent> finish_sent(const std::string& sequence_md5) const;

private:
    std::string dir_;
};

}  // namespace mapi
