// upload_history: the sequences uploaded already, so that a rerun does not
// send them again (design section 7; mapillary_tools keeps the same kind of
// history, behaviour.md 1.9).
//
// One small JSON file per finished sequence, DIR/<sequence md5>.json, put in
// place atomically (by rename) as soon as finish_upload has answered. The sequence md5
// is that of the original files (upload.hpp: sequence_md5), so the same
// photos are recognised whatever their records say. DIR is the
// configuration's upload_history, else $XDG_STATE_HOME/mly/upload_history,
// else ~/.local/state/mly/upload_history. An entry notes the upload_url it
// was sent to, but any entry counts, as in mapillary_tools: a configuration
// for another server (a test, a demo) should name a folder of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mapi {

struct HistoryEntry {
    std::string sequence_md5;
    std::string sequence_id;     // the records' sequence_id at the time
    std::string cluster_id;
    std::string upload_url;
    std::optional<std::string> organization_id;
    std::uint64_t images = 0;
    std::uint64_t bytes = 0;     // of the image streams
    std::string uploaded_at;     // RFC 3339 UTC
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

    // Writes the entry (replacing one of the same sequence), creating DIR
    // (mode 0700) when needed: a temporary renamed into place, then made
    // durable. Throws std::system_error.
    void record(const HistoryEntry& entry) const;

private:
    std::string dir_;
};

}  // namespace mapi
