// upload_history: see mapi/upload_history.hpp.
#include "mapi/upload_history.hpp"

#include "mapi/config.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace mapi {

namespace {

bool plausible_md5(const std::string& s) {
    return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// mkdir -p, new directories with mode 0700 (the history says what a user uploaded).
void make_dirs(const std::filesystem::path& dir) {
    std::filesystem::path p;
    for (const auto& part : dir) {
        p /= part;
        if (p.empty() || p == p.root_path()) continue;
        if (::mkdir(p.c_str(), 0700) != 0 && errno != EEXIST)
            throw std::system_error(errno, std::generic_category(), p.string());
    }
}

// dir/name holding text: a temporary beside it renamed into place, then,
// when durable, flushed with the folder. Throws std::system_error naming
// the file.
void write_file(const std::string& dir, const std::string& name, const std::string& text, bool durable) {
    const std::string target = dir + "/" + name;
    const std::string temp = dir + "/." + name + ".mly-tmp";
    auto fail = [&] { return std::system_error(errno, std::generic_category(), target); };
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw fail();
    std::string_view rest = text;
    while (!rest.empty()) {
        ssize_t n = ::write(fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            auto err = fail();
            ::close(fd);
            ::unlink(temp.c_str());
            throw err;
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::rename(temp.c_str(), target.c_str()) != 0) {
        auto err = fail();
        ::close(fd);
        ::unlink(temp.c_str());
        throw err;
    }
    const bool synced = !durable || ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) throw fail();
    if (!durable) return;
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

// A JSON object written key by key, as the files of the history hold them.
struct JsonText {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w{buf};
    void str(const char* k, const std::string& v) {
        w.Key(k);
        w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    }
    std::string line() const { return std::string(buf.GetString(), buf.GetSize()) + "\n"; }
};

// The JSON object in a file of the history; nullopt when the file is
// missing or holds none.
std::optional<rapidjson::Document> read_object(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::string text((std::istreambuf_iterator<char>(in)), {});
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    return doc;
}

}  // namespace

std::string UploadHistory::default_dir(const std::string& configured) {
    if (!configured.empty()) return configured;
    const char* state = std::getenv("XDG_STATE_HOME");
    if (state && *state == '/') return std::string(state) + "/mly/upload_history";
    const char* home = std::getenv("HOME");
    if (!home || !*home)
        throw ConfigError("no place for the upload history: set HOME or XDG_STATE_HOME, or upload_history "
                          "in the configuration");
    return std::string(home) + "/.local/state/mly/upload_history";
}

std::string UploadHistory::path_of(const std::string& sequence_md5) const {
    return dir_ + "/" + sequence_md5 + ".json";
}

std::optional<HistoryEntry> UploadHistory::find(const std::string& sequence_md5) const {
    if (!plausible_md5(sequence_md5)) return std::nullopt;
    auto read = read_object(path_of(sequence_md5));
    if (!read) return std::nullopt;
    const rapidjson::Document& doc = *read;
    auto str = [&](const char* k) -> std::optional<std::string> {
        auto m = doc.FindMember(k);
        if (m == doc.MemberEnd() || !m->value.IsString()) return std::nullopt;
        return std::string(m->value.GetString(), m->value.GetStringLength());
    };
    auto num = [&](const char* k) -> std::uint64_t {
        auto m = doc.FindMember(k);
        return m != doc.MemberEnd() && m->value.IsUint64() ? m->value.GetUint64() : 0;
    };
    HistoryEntry e;
    e.sequence_md5 = str("sequence_md5").value_or("");
    e.upload_url = str("upload_url").value_or("");
    e.cluster_id = str("cluster_id").value_or("");
    if (e.sequence_md5 != sequence_md5 || e.cluster_id.empty()) return std::nullopt;
    e.sequence_id = str("sequence_id").value_or("");
    e.organization_id = str("organization_id");
    e.images = num("images");
    e.bytes = num("bytes");
    e.uploaded_at = str("uploaded_at").value_or("");
    if (auto st = str("stat_md5"); st && plausible_md5(*st)) e.stat_md5 = st;
    if (auto m = doc.FindMember("photos"); m != doc.MemberEnd() && m->value.IsArray()) {
        for (const auto& v : m->value.GetArray()) {
            if (!v.IsObject()) continue;
            HistoryPhoto p;
            if (auto f = v.FindMember("path"); f != v.MemberEnd() && f->value.IsString()) p.path = f->value.GetString();
            if (auto f = v.FindMember("size"); f != v.MemberEnd() && f->value.IsUint64()) p.size = f->value.GetUint64();
            if (auto f = v.FindMember("mtime_ns"); f != v.MemberEnd() && f->value.IsInt64())
                p.mtime_ns = f->value.GetInt64();
            if (auto f = v.FindMember("md5"); f != v.MemberEnd() && f->value.IsString()) p.md5 = f->value.GetString();
            e.photos.push_back(std::move(p));
        }
    }
    return e;
}

std::optional<HistoryEntry> UploadHistory::find_by_stat(const std::string& stat_md5) const {
    if (!plausible_md5(stat_md5)) return std::nullopt;
    std::ifstream in(dir_ + "/stat/" + stat_md5, std::ios::binary);
    std::string sequence_md5;
    if (!in || !std::getline(in, sequence_md5)) return std::nullopt;
    return find(sequence_md5);
}

void UploadHistory::record(const HistoryEntry& e) const {
    if (!plausible_md5(e.sequence_md5)) throw std::invalid_argument("not a sequence md5: '" + e.sequence_md5 + "'");
    JsonText json;
    auto& w = json.w;
    auto str = [&](const char* k, const std::string& v) { json.str(k, v); };
    w.StartObject();
    str("sequence_md5", e.sequence_md5);
    str("sequence_id", e.sequence_id);
    str("cluster_id", e.cluster_id);
    str("upload_url", e.upload_url);
    if (e.organization_id) str("organization_id", *e.organization_id);
    w.Key("images");
    w.Uint64(e.images);
    w.Key("bytes");
    w.Uint64(e.bytes);
    str("uploaded_at", e.uploaded_at);
    if (e.stat_md5) str("stat_md5", *e.stat_md5);
    w.Key("photos");
    w.StartArray();
    for (const auto& p : e.photos) {
        w.StartObject();
        str("path", p.path);
        w.Key("size");
        w.Uint64(p.size);
        w.Key("mtime_ns");
        w.Int64(p.mtime_ns);
        str("md5", p.md5);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    const std::string text = json.line();
    make_dirs(dir_);
    // Renamed into place before it is flushed: the entry must be there the
    // moment after finish_upload answered, for a kill in between would make
    // the next run finish the sequence again. The flush follows; a power cut
    // before it can leave an empty entry, which find() takes for none (the
    // sequence is then sent again, rather than never).
    write_file(dir_, e.sequence_md5 + ".json", text, true);
    // The finish it noted has its answer now. Should the note stay (the
    // unlink failed, or was lost to a power cut), the entry is found first.
    ::unlink((dir_ + "/" + e.sequence_md5 + ".finishing").c_str());
    if (e.stat_md5) {
        try {
            note_stat(*e.stat_md5, e.sequence_md5);
        } catch (const std::exception&) {
            // Only a shortcut: a rerun reads the photos and finds the entry.
        }
    }
}

void UploadHistory::note_stat(const std::string& stat_md5, const std::string& sequence_md5) const {
    if (!plausible_md5(stat_md5) || !plausible_md5(sequence_md5))
        throw std::invalid_argument("not an md5: '" + stat_md5 + "', '" + sequence_md5 + "'");
    make_dirs(dir_ + "/stat");
    write_file(dir_ + "/stat", stat_md5, sequence_md5 + "\n", false);
}

void UploadHistory::note_finish_sent(const std::string& sequence_md5, const FinishSent& sent) const {
    if (!plausible_md5(sequence_md5)) throw std::invalid_argument("not a sequence md5: '" + sequence_md5 + "'");
    JsonText json;
    json.w.StartObject();
    json.str("sequence_md5", sequence_md5);
    json.str("manifest_key", sent.manifest_key);
    json.str("manifest_handle", sent.manifest_handle);
    json.str("sent_at", sent.sent_at);
    json.w.EndObject();
    make_dirs(dir_);
    write_file(dir_, sequence_md5 + ".finishing", json.line(), true);
}

std::optional<FinishSent> UploadHistory::finish_sent(const std::string& sequence_md5) const {
    if (!plausible_md5(sequence_md5)) return std::nullopt;
    auto doc = read_object(dir_ + "/" + sequence_md5 + ".finishing");
    if (!doc) return std::nullopt;
    auto str = [&](const char* k) -> std::string {
        auto m = doc->FindMember(k);
        return m != doc->MemberEnd() && m->value.IsString()
                   ? std::string(m->value.GetString(), m->value.GetStringLength())
                   : std::string();
    };
    FinishSent s{str("manifest_key"), str("manifest_handle"), str("sent_at")};
    if (str("sequence_md5") != sequence_md5 || s.manifest_handle.empty()) return std::nullopt;
    return s;
}

}  // namespace mapi
