// upload: see mapi/upload.hpp.
#include "mapi/upload.hpp"

#include "mapi/exif.hpp"
#include "mapi/fs.hpp"
#include "mapi/jpeg.hpp"
#include "mapi/md5.hpp"
#include "mapi/output_file.hpp"
#include "mapi/time.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <system_error>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace mapi {

namespace {

using namespace std::chrono;

const char hex_digits[] = "0123456789abcdef";

std::string to_hex(const unsigned char* p, std::size_t n) {
    std::string out;
    out.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        out += hex_digits[p[i] >> 4];
        out += hex_digits[p[i] & 15];
    }
    return out;
}

std::string md5_of(const void* data, std::size_t size) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data, size, digest, &len, EVP_md5(), nullptr) != 1)
        throw std::runtime_error("OpenSSL cannot compute an MD5");
    return to_hex(digest, len);
}

// The body of an upload-service error (reference 5.7):
// {"debug_info": {"retriable": bool, "type": str, "message": str}, "backoff": ms}
struct ServiceError {
    std::optional<bool> retriable;
    std::string type, message;
    std::optional<double> backoff_ms;
};

std::optional<ServiceError> parse_service_error(std::string_view body) {
    if (body.empty() || body.size() > (1 << 20)) return std::nullopt;
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    ServiceError e;
    bool any = false;
    auto d = doc.FindMember("debug_info");
    if (d != doc.MemberEnd() && d->value.IsObject()) {
        any = true;
        const auto& o = d->value;
        if (auto m = o.FindMember("retriable"); m != o.MemberEnd() && m->value.IsBool()) e.retriable = m->value.GetBool();
        if (auto m = o.FindMember("type"); m != o.MemberEnd() && m->value.IsString()) e.type = m->value.GetString();
        if (auto m = o.FindMember("message"); m != o.MemberEnd() && m->value.IsString())
            e.message = m->value.GetString();
    }
    if (auto b = doc.FindMember("backoff"); b != doc.MemberEnd() && b->value.IsNumber()) {
        double ms = b->value.GetDouble();
        if (std::isfinite(ms) && ms >= 0) {
            any = true;
            e.backoff_ms = ms;
        }
    }
    if (!any) return std::nullopt;
    return e;
}

std::string seconds_text(nanoseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", duration<double>(d).count());
    return buf;
}

// "HTTP 412: Request starting offset is invalid (OffsetInvalidError)"
std::string describe(const Response& r) {
    if (r.status == 0) return r.error.empty() ? "no answer" : r.error;
    std::string s = "HTTP " + std::to_string(r.status);
    if (auto e = parse_service_error(r.body); e && (!e->message.empty() || !e->type.empty())) {
        if (!e->message.empty()) s += ": " + e->message;
        if (!e->type.empty()) s += " (" + e->type + ")";
    } else if (auto g = parse_api_error(r.body)) {
        if (!g->message.empty()) s += ": " + g->message;
        if (g->code) s += " (code " + std::to_string(g->code) + ")";
    } else if (!r.body.empty() && r.body.size() <= 200 &&
               std::all_of(r.body.begin(), r.body.end(), [](unsigned char c) { return c >= 0x20; })) {
        s += ": " + r.body;
    }
    return s;
}

// A JSON document from a 2xx body, or nullopt.
std::optional<rapidjson::Document> json_object(const std::string& body) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    return doc;
}

const char* const auth_hint =
    "; the token was refused: check that it is valid and that its user may upload "
    "(token in the configuration or MAPILLARY_ACCESS_TOKEN; mly-auth checks one)";

// Thrown by a worker told to stop: not the error to report.
struct Stopped : UploadError {
    Stopped() : UploadError("stopped: another photo of the sequence failed") {}
};

// Runs worker() on `threads` threads (this one when 1) until each returns.
// The first exception sets stop, the other workers finish what they are
// doing; it is then rethrown (one that is not Stopped is preferred).
void run_workers(std::size_t threads, std::atomic<bool>& stop, const std::function<void()>& worker) {
    std::mutex m;
    std::exception_ptr first, stopped;
    auto guarded = [&] {
        try {
            worker();
        } catch (const Stopped&) {
            std::lock_guard lock(m);
            if (!stopped) stopped = std::current_exception();
        } catch (...) {
            std::lock_guard lock(m);
            if (!first) first = std::current_exception();
            stop = true;
        }
    };
    if (threads <= 1) {
        guarded();
    } else {
        std::vector<std::thread> pool;
        for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(guarded);
        for (auto& t : pool) t.join();
    }
    if (first) std::rethrow_exception(first);
    if (stopped) std::rethrow_exception(stopped);
}

// Runs work(i) for i in [0, n) on up to `jobs` threads, as run_workers.
void parallel_for(std::size_t n, unsigned jobs, std::atomic<bool>& stop,
                  const std::function<void(std::size_t)>& work) {
    std::atomic<std::size_t> next{0};
    run_workers(std::min<std::size_t>(std::max(1u, jobs), n), stop, [&] {
        for (;;) {
            if (stop) throw Stopped();
            std::size_t i = next++;
            if (i >= n) return;
            work(i);
        }
    });
}

}  // namespace

// ---- Keys, hashes, bytes -----------------------------------------------------

std::string md5_hex(std::span<const std::uint8_t> bytes) { return md5_of(bytes.data(), bytes.size()); }
std::string md5_hex(std::string_view text) { return md5_of(text.data(), text.size()); }

std::string uuid4_hex() {
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("OpenSSL has no random bytes");
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    return to_hex(b, sizeof b);
}

std::string content_session_key(std::span<const std::uint8_t> bytes) { return "mly_tools_" + md5_hex(bytes) + ".jpg"; }
std::string random_session_key() { return "mly_tools_uuid_" + uuid4_hex() + ".jpg"; }
std::string manifest_session_key() { return "uuid_" + uuid4_hex() + ".json"; }

std::string manifest_json(const std::vector<std::string>& handles) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::ASCII<>> w(buf);
    w.StartObject();
    w.Key("image_handles");
    w.StartArray();
    for (const auto& h : handles) w.String(h.data(), static_cast<rapidjson::SizeType>(h.size()));
    w.EndArray();
    w.Key("upload_type");
    w.String("images");
    w.Key("version");
    w.String("1");
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

std::string sequence_md5(const std::vector<std::string>& image_md5s) {
    std::string all;
    all.reserve(32 * image_md5s.size());
    for (const auto& m : image_md5s) all += m;
    return md5_hex(std::string_view(all));
}

namespace {

// The EXIF TIFF data a photo is sent with; nullopt when the photo carries
// the description already (mly-tag --write) and goes as it is.
std::optional<std::vector<std::uint8_t>> upload_tiff(std::span<const std::uint8_t> jpeg, const JpegLayout& layout,
                                                     const std::string& description) {
    auto old = exif_tiff(jpeg, layout);
    if (old && read_exif(*old).image_description == description) return std::nullopt;
    ExifUpdate u;
    u.image_description = description;
    return update_exif(old ? *old : std::span<const std::uint8_t>{}, u);
}

FileStat file_stat(const struct stat& st) {
    FileStat f;
    f.size = static_cast<std::uint64_t>(st.st_size);
    f.inode = static_cast<std::uint64_t>(st.st_ino);
    f.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    f.ctime_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
    return f;
}

// A photo as read: its FileStat before reading, and whether that stat can
// stand for the bytes read: not changed while read, nor less than settle
// before (a change to come in the same tick of the filesystem's clock would
// keep the stat; git calls such files "racily clean").
struct PhotoRead {
    FileStat stat;
    bool reliable = false;
};

// The whole file into buf, which keeps its capacity from one photo to the
// next (no fresh pages to fault in for every photo). Throws
// std::system_error naming the path, as read_file does.
PhotoRead read_photo(const std::string& path, std::vector<std::uint8_t>& buf, nanoseconds settle) {
    InputFile in(path);
    const int fd = in.fd();
    const struct stat& st = in.stat();
    const auto now = std::chrono::system_clock::now();
    PhotoRead r;
    r.stat = file_stat(st);
    buf.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    for (;;) {
        if (got == buf.size()) buf.resize(buf.size() + 65536);  // the file grew
        ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::system_error(errno, std::generic_category(), path);
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    buf.resize(got);
    struct stat after {};
    const std::int64_t now_ns = duration_cast<nanoseconds>(now.time_since_epoch()).count();
    r.reliable = ::fstat(fd, &after) == 0 && file_stat(after) == r.stat && got == r.stat.size &&
                 std::max(r.stat.mtime_ns, r.stat.ctime_ns) < now_ns - settle.count();
    return r;
}

}  // namespace

std::string ImageStream::md5_hex() const { return md5_hex_many({{head, tail}})[0]; }

ImageStream image_stream(std::span<const std::uint8_t> jpeg, const std::string& description) {
    ImageStream s;
    auto layout = parse_jpeg_header(jpeg);
    // Every segment splice_metadata changes lies before the scan: the
    // header through the SOS marker is rebuilt, the rest goes as it is.
    auto header = jpeg.first(layout.scan_offset + 2);
    auto tiff = upload_tiff(header, layout, description);
    if (!tiff) {
        s.tail = jpeg;
        return s;
    }
    s.head = splice_metadata(header, tiff, std::nullopt);
    s.tail = jpeg.subspan(header.size());
    return s;
}

std::vector<std::uint8_t> image_upload_bytes(std::span<const std::uint8_t> jpeg, const std::string& description) {
    ImageStream s = image_stream(jpeg, description);
    std::vector<std::uint8_t> out;
    out.reserve(s.size());
    out.insert(out.end(), s.head.begin(), s.head.end());
    out.insert(out.end(), s.tail.begin(), s.tail.end());
    return out;
}

StreamBytes StreamBytes::whole(std::span<const std::uint8_t> bytes) {
    return StreamBytes{bytes.size(), 0, {bytes}};
}

StreamBytes StreamBytes::whole(const ImageStream& s) {
    StreamBytes b{s.size(), 0, {}};
    if (!s.head.empty()) b.pieces.emplace_back(s.head);
    if (!s.tail.empty()) b.pieces.push_back(s.tail);
    return b;
}

FileStat stat_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw std::system_error(errno, std::generic_category(), path);
    return file_stat(st);
}

std::string sequence_stat_md5(const std::vector<SequencePhoto>& photos, const std::vector<FileStat>& stats) {
    std::string text = "mly-upload stat 1\n";
    for (std::size_t i = 0; i < photos.size() && i < stats.size(); ++i) {
        std::error_code ec;
        std::string where = std::filesystem::absolute(photos[i].path, ec).lexically_normal().string();
        if (ec) where = photos[i].path;
        const FileStat& f = stats[i];
        const std::string& d = photos[i].description;
        text += std::to_string(where.size()) + ":" + where + " " + std::to_string(f.size) + " " +
                std::to_string(f.inode) + " " + std::to_string(f.mtime_ns) + " " + std::to_string(f.ctime_ns) + " " +
                std::to_string(d.size()) + ":" + d + "\n";
    }
    return md5_hex(std::string_view(text));
}

std::optional<std::string> sequence_stat_md5(const std::vector<SequencePhoto>& photos) {
    std::vector<FileStat> stats;
    stats.reserve(photos.size());
    try {
        for (const auto& p : photos) stats.push_back(stat_file(p.path));
    } catch (const std::system_error&) {
        return std::nullopt;
    }
    return sequence_stat_md5(photos, stats);
}

std::optional<std::string> check_sequence_limits(std::uint64_t images, std::uint64_t bytes, std::uint64_t pixels,
                                                 const SequenceLimits& limits) {
    std::vector<std::string> over;
    if (images > limits.max_images)
        over.push_back(std::to_string(images) + " images (at most " + std::to_string(limits.max_images) + ")");
    if (bytes > limits.max_bytes) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%.1f GiB (at most %.0f GiB)", static_cast<double>(bytes) / (1u << 30),
                      static_cast<double>(limits.max_bytes) / (1u << 30));
        over.push_back(buf);
    }
    if (pixels > limits.max_pixels) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%.2f gigapixels (at most %.0f)", static_cast<double>(pixels) / 1e9,
                      static_cast<double>(limits.max_pixels) / 1e9);
        over.push_back(buf);
    }
    if (over.empty()) return std::nullopt;
    std::string s = over[0];
    for (std::size_t i = 1; i < over.size(); ++i) s += ", " + over[i];
    return s;
}

// ---- UploadClient ------------------------------------------------------------

struct UploadClient::Attempt {
    enum Kind { retry, at_once, auth, refused } kind = retry;
    std::string what;                         // for messages
    std::optional<nanoseconds> wait;          // what the server asked for
};

UploadClient::UploadClient(const Config& config, HttpClient& http, std::function<void(const std::string&)> log)
    : config_(config), http_(http), log_(std::move(log)) {}

std::string UploadClient::session_url(const std::string& key) const { return config_.upload_url + "/" + key; }

Headers UploadClient::auth() const { return {{"Authorization", "OAuth " + config_.token.reveal()}}; }

std::string UploadClient::scrub(std::string text) const {
    const std::string& t = config_.token.reveal();
    if (t.size() >= 4)
        for (auto p = text.find(t); p != std::string::npos; p = text.find(t, p)) text.replace(p, t.size(), "REDACTED");
    return text;
}

UploadClient::Attempt UploadClient::classify(const Response& r, const std::string& what) const {
    Attempt a;
    a.what = scrub(what + ": " + describe(r));
    if (r.status == 0) return a;  // no answer: retry
    auto service = parse_service_error(r.body);
    auto graph = parse_api_error(r.body);
    auto asked = parse_retry_after(r.header("Retry-After"));
    const std::string type = service ? service->type : "";
    if (graph && graph->code == 4) {  // the graph's request limit: nothing was done
        a.wait = asked;
        return a;
    }
    if (r.status == 401 || r.status == 403 || type == "NotAuthorizedError" || (graph && graph->code == 190)) {
        a.kind = Attempt::auth;
        return a;
    }
    if (r.status == 412) {
        a.kind = Attempt::at_once;
        return a;
    }
    if (r.status == 429 || type == "RequestRateLimitedError") {
        if (service && service->backoff_ms)
            a.wait = duration_cast<nanoseconds>(duration<double, std::milli>(*service->backoff_ms));
        else
            a.wait = asked ? *asked : nanoseconds(seconds(10));
        return a;
    }
    if (r.status >= 500 || r.status == 408) {
        a.wait = asked;
        return a;
    }
    if ((service && service->retriable == true) || (graph && graph->transient == true)) {
        a.wait = asked;
        return a;
    }
    a.kind = Attempt::refused;
    return a;
}

void UploadClient::wait(int retry, std::optional<nanoseconds> asked, const std::string& why) {
    const auto& o = http_.options();
    nanoseconds d;
    if (asked) {
        if (*asked > o.retry_after_max)
            throw NetworkError(why + " (the service asks to wait " + seconds_text(*asked) + "; giving up)");
        d = *asked;
    } else {
        // Full jitter below min(16 s, backoff_base * 2^retry), as mapillary_tools caps it.
        double cap = duration<double>(o.backoff_base).count() * std::ldexp(1.0, std::min(retry, 30));
        cap = std::min({cap, 16.0, duration<double>(o.backoff_max).count()});
        double r;
        if (o.random) {
            r = o.random();
        } else {
            thread_local std::mt19937_64 gen{std::random_device{}()};
            r = std::uniform_real_distribution<double>(0, 1)(gen);
        }
        d = duration_cast<nanoseconds>(duration<double>(r * cap));
    }
    if (log_)
        log_(why + "; retry " + std::to_string(retry + 1) + " of " + std::to_string(config_.retries) + " in " +
             seconds_text(d));
    if (o.sleep)
        o.sleep(d);
    else
        std::this_thread::sleep_for(d);
}

void UploadClient::give_up_or_wait(const Attempt& a, int failures, int status) {
    if (a.kind == Attempt::auth) throw AuthError(a.what + auth_hint);
    if (a.kind == Attempt::refused) throw UploadError(a.what);
    if (failures >= config_.retries)
        throw NetworkError(a.what + " (gave up after " + std::to_string(failures + 1) + " attempts)", status);
    wait(failures, a.kind == Attempt::at_once ? std::optional<nanoseconds>(0) : a.wait, a.what);
}

std::uint64_t UploadClient::fetch_offset(const std::string& key) {
    for (int failures = 0;; ++failures) {
        Response r = http_.once("GET", session_url(key), {}, "", auth());
        if (r.ok()) {
            auto doc = json_object(r.body);
            if (!doc) throw UploadError("GET " + redact_url(session_url(key)) + ": the answer is not a JSON object");
            auto m = doc->FindMember("offset");
            if (m == doc->MemberEnd() || !m->value.IsUint64())
                throw UploadError("GET " + redact_url(session_url(key)) + ": the answer has no offset");
            return m->value.GetUint64();
        }
        give_up_or_wait(classify(r, "GET " + r.url), failures, r.status);
    }
}

std::string UploadClient::upload(const std::string& key, const StreamBytes& bytes, Transfer* transfer,
                                 const std::atomic<bool>* stop, std::optional<std::uint64_t> known_offset) {
    Transfer local;
    Transfer& t = transfer ? *transfer : local;
    const std::string url = session_url(key);
    const std::uint64_t size = bytes.size;
    int failures = 0, at_once = 0;
    std::optional<std::uint64_t> best;  // the most the service has held
    std::vector<std::string_view> rest;
    for (;;) {
        if (stop && *stop) throw Stopped();
        std::uint64_t offset = known_offset ? *known_offset : fetch_offset(key);
        known_offset.reset();
        if (offset > size)
            throw UploadError("GET " + redact_url(session_url(key)) + ": the service holds " + std::to_string(offset) +
                              " bytes of a stream of " + std::to_string(size));
        if (offset < bytes.from) throw BytesNeeded(offset, bytes.from);
        if (!best) {
            t.offset = offset;
        } else if (offset > *best) {
            failures = 0;  // progress: the backoff starts over
            at_once = 0;
        }
        best = std::max(best.value_or(0), offset);
        Headers h = auth();
        h.emplace_back("Offset", std::to_string(offset));
        h.emplace_back("X-Entity-Name", key);
        // The pieces from offset on, as they are.
        rest.clear();
        std::uint64_t skip = offset - bytes.from;
        for (const auto& piece : bytes.pieces) {
            if (skip >= piece.size()) {
                skip -= piece.size();
                continue;
            }
            rest.emplace_back(reinterpret_cast<const char*>(piece.data()) + skip, piece.size() - skip);
            skip = 0;
        }
        Response r = http_.once_pieces("POST", url, rest, "application/octet-stream", h);
        ++t.attempts;
        t.sent += size - offset;
        if (r.ok()) {
            auto doc = json_object(r.body);
            if (!doc) throw UploadError("POST " + redact_url(session_url(key)) + ": the answer is not a JSON object");
            auto m = doc->FindMember("h");
            if (m == doc->MemberEnd() || !m->value.IsString() || m->value.GetStringLength() == 0)
                throw UploadError("POST " + redact_url(session_url(key)) + ": the answer has no file handle");
            return std::string(m->value.GetString(), m->value.GetStringLength());
        }
        Attempt a = classify(r, "POST " + r.url + " from offset " + std::to_string(offset));
        switch (a.kind) {
            case Attempt::auth:
                throw AuthError(a.what + auth_hint);
            case Attempt::refused:
                throw UploadError(a.what);
            case Attempt::at_once:
                if (++at_once >= 20) throw UploadError(a.what + " (20 times in a row)");
                if (log_) log_(a.what + "; asking the offset again");
                continue;
            case Attempt::retry:
                if (failures >= config_.retries)
                    throw NetworkError(a.what + " (gave up after " + std::to_string(failures + 1) +
                                           " attempts without progress)",
                                       r.status);
                wait(failures, a.wait, a.what);
                ++failures;
                continue;
        }
    }
}

std::string UploadClient::finish(const std::string& manifest_handle, const std::optional<std::string>& organization_id) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("file_handle");
    w.String(manifest_handle.c_str(), static_cast<rapidjson::SizeType>(manifest_handle.size()));
    w.Key("file_type");
    w.String("mly_bundle_manifest");
    if (organization_id) {
        w.Key("organization_id");
        w.String(organization_id->c_str(), static_cast<rapidjson::SizeType>(organization_id->size()));
    }
    w.EndObject();
    const std::string body(buf.GetString(), buf.GetSize());
    const std::string url = config_.graph_url + "/finish_upload";
    for (int failures = 0;; ++failures) {
        Response r = http_.once("POST", url, body, "application/json", auth());
        if (r.ok()) {
            auto doc = json_object(r.body);
            if (doc) {
                auto m = doc->FindMember("cluster_id");
                if (m != doc->MemberEnd() && m->value.IsString() && m->value.GetStringLength() > 0)
                    return std::string(m->value.GetString(), m->value.GetStringLength());
                if (m != doc->MemberEnd() && m->value.IsUint64()) return std::to_string(m->value.GetUint64());
            }
            throw UploadError("POST finish_upload: the answer has no cluster_id");
        }
        give_up_or_wait(classify(r, "POST " + r.url), failures, r.status);
    }
}

// ---- SequenceUploader ----------------------------------------------------------

SequenceUploader::SequenceUploader(UploadClient* client, SequenceUploadOptions options, std::function<void()> photo_done)
    : client_(client), opt_(std::move(options)), photo_done_(std::move(photo_done)) {
    if (!client_ && !opt_.dry_run_dir) throw std::logic_error("SequenceUploader needs a client or a dry-run folder");
}

PreparedSequence SequenceUploader::prepare(const std::vector<SequencePhoto>& photos) const {
    PreparedSequence p;
    std::vector<std::uint64_t> sizes(photos.size()), pixels(photos.size());
    std::vector<std::string> errors(photos.size());
    std::atomic<bool> stop{false};
    parallel_for(photos.size(), opt_.jobs, stop, [&](std::size_t i) {
        const auto& photo = photos[i];
        try {
            sizes[i] = stat_file(photo.path).size;
            auto header = read_jpeg_header(photo.path);
            auto layout = parse_jpeg_header(header);
            pixels[i] = static_cast<std::uint64_t>(layout.width) * static_cast<std::uint64_t>(layout.height);
            // Can it carry the description? (splice_metadata would say the same.)
            auto tiff = upload_tiff(header, layout, photo.description);
            if (tiff && tiff->size() > max_exif_tiff_size)
                throw JpegError("EXIF data too large for one APP1 segment (" + std::to_string(tiff->size()) +
                                " bytes)");
        } catch (const std::exception& e) {
            errors[i] = cli::without_subject(e.what(), photo.path);
        }
    });
    for (std::size_t i = 0; i < photos.size(); ++i) {
        if (!errors[i].empty()) p.errors.emplace_back(i, errors[i]);
        p.bytes += sizes[i];
        p.pixels += pixels[i];
    }
    return p;
}

namespace {

// What a worker reads and hashes at once (see upload()): 8 photos fill the
// lanes of md5_hex_many.
constexpr std::size_t batch_photos = 8;
constexpr std::uint64_t batch_bytes = 8 << 20;

// A dry run's stream: a file named after its key in dir.
void write_stream(const std::string& dir, const std::string& key, const StreamBytes& bytes) {
    static std::mutex umask_mutex;  // OutputFile reads the umask by setting it
    std::lock_guard lock(umask_mutex);
    OutputFile f(dir + "/" + key);
    for (const auto& piece : bytes.pieces)
        if (!piece.empty() && std::fwrite(piece.data(), 1, piece.size(), f.stream()) != piece.size())
            throw std::system_error(errno, std::generic_category(), f.target());
    f.commit();
}

}  // namespace

SequenceUploadResult SequenceUploader::upload(const std::vector<SequencePhoto>& photos, const FinishLog& log) {
    const std::size_t n = photos.size();
    SequenceUploadResult result;
    result.md5s.resize(n);
    result.stats.resize(n);
    std::vector<std::string> keys(n), handles(n);
    std::vector<std::uint64_t> sizes(n);
    std::vector<char> waiting(n, 0);  // the service has the stream whole: its POST waits
    std::atomic<bool> reliable{true};
    std::mutex m;
    std::atomic<bool> stop{false};
    // Errors about a photo name it; the token refused, the service
    // unavailable are for the whole run.
    auto about = [&](std::size_t i, auto&& work) {
        try {
            work();
        } catch (const Stopped&) {
            throw;
        } catch (const cli::Failure&) {
            throw;
        } catch (const std::exception& e) {
            throw UploadError(photos[i].path + ": " + cli::without_subject(e.what(), photos[i].path));
        }
    };

    // Each photo in one pass: read, description in, MD5, offset, the rest
    // sent. A worker takes a batch of photos at a time (batch_photos, at
    // most batch_bytes of them unless one alone is more, and no more than
    // its share of what is left, so that every worker has some), hashes
    // them side by side (md5_hex_many: a few times the speed of one after
    // the other), then sends them one after the other.
    const std::size_t workers = std::min<std::size_t>(std::max(1u, opt_.jobs), n);
    std::atomic<std::size_t> next{0};
    run_workers(workers, stop, [&] {
        std::vector<std::vector<std::uint8_t>> files(batch_photos);  // kept from batch to batch
        std::vector<std::size_t> batch;
        std::vector<ImageStream> streams;
        std::vector<BytePieces> pieces;
        for (;;) {
            batch.clear();
            streams.clear();
            pieces.clear();
            const std::size_t left = n - std::min<std::size_t>(n, next);
            const std::size_t most = std::clamp<std::size_t>(left / workers, 1, batch_photos);
            for (std::uint64_t bytes = 0; batch.size() < most && bytes < batch_bytes;) {
                if (stop) throw Stopped();
                const std::size_t i = next++;
                if (i >= n) break;
                about(i, [&] {
                    auto& file = files[batch.size()];
                    PhotoRead read = read_photo(photos[i].path, file, opt_.settle);
                    result.stats[i] = read.stat;
                    if (!read.reliable) reliable = false;
                    streams.push_back(image_stream(file, photos[i].description));
                    bytes += file.size();
                });
                batch.push_back(i);
            }
            if (batch.empty()) return;
            for (const auto& st : streams) pieces.push_back(StreamBytes::whole(st).pieces);
            auto md5s = md5_hex_many(pieces);
            for (std::size_t k = 0; k < batch.size(); ++k) {
                const std::size_t i = batch[k];
                result.md5s[i] = md5s[k];
                sizes[i] = streams[k].size();
                keys[i] = opt_.random_keys ? random_session_key() : "mly_tools_" + md5s[k] + ".jpg";
            }
            for (std::size_t k = 0; k < batch.size(); ++k) {
                const std::size_t i = batch[k];
                Transfer t;
                about(i, [&] {
                    if (!client_) {
                        write_stream(*opt_.dry_run_dir, keys[i], StreamBytes::whole(streams[k]));
                        handles[i] = keys[i];
                        return;
                    }
                    if (stop) throw Stopped();
                    std::uint64_t offset = client_->fetch_offset(keys[i]);
                    if (offset == sizes[i]) {
                        waiting[i] = 1;
                        t.offset = offset;
                        return;
                    }
                    handles[i] = client_->upload(keys[i], StreamBytes::whole(streams[k]), &t, &stop, offset);
                });
                std::lock_guard lock(m);
                result.bytes += sizes[i];
                result.sent += t.sent;
                result.resumed += t.offset;
                if (photo_done_) photo_done_();
            }
        }
    });
    result.sequence_md5 = sequence_md5(result.md5s);
    if (reliable) result.stat_md5 = sequence_stat_md5(photos, result.stats);
    if (log.finished && log.finished(result.sequence_md5)) {
        result.already_uploaded = true;
        return result;
    }
    // An earlier run sent this sequence's finish and stopped before the
    // answer was noted: the same manifest handle is finished again.
    if (client_ && log.sent) {
        if (auto earlier = log.sent(result.sequence_md5)) {
            result.manifest_key = earlier->manifest_key;
            result.manifest_handle = earlier->manifest_handle;
            try {
                result.cluster_id = client_->finish(earlier->manifest_handle, opt_.organization_id);
            } catch (const UploadError& e) {
                throw UploadError("a run stopped on " + earlier->sent_at + " before finish_upload answered for manifest " +
                                  earlier->manifest_key + "; finishing it again failed: " + e.what() +
                                  " (if the sequence is not on Mapillary, --reupload sends it anew)");
            }
            result.finished_again = std::move(earlier);
            return result;
        }
    }

    // The handles of the streams the service had whole: an empty POST each.
    std::vector<std::size_t> pending;
    for (std::size_t i = 0; i < n; ++i)
        if (waiting[i]) pending.push_back(i);
    parallel_for(pending.size(), opt_.jobs, stop, [&](std::size_t k) {
        const std::size_t i = pending[k];
        Transfer t;
        about(i, [&] {
            try {
                handles[i] = client_->upload(keys[i], StreamBytes{sizes[i], sizes[i], {}}, &t, &stop, sizes[i]);
            } catch (const BytesNeeded&) {
                // The service lost some of it meanwhile: read the photo again.
                std::vector<std::uint8_t> file;
                read_photo(photos[i].path, file, opt_.settle);
                ImageStream stream = image_stream(file, photos[i].description);
                if (stream.md5_hex() != result.md5s[i])
                    throw UploadError("the file changed while the sequence was being uploaded");
                handles[i] = client_->upload(keys[i], StreamBytes::whole(stream), &t, &stop);
            }
        });
        std::lock_guard lock(m);
        result.sent += t.sent;
    });

    std::string manifest = manifest_json(handles);
    result.manifest_key = manifest_session_key();
    auto manifest_bytes = StreamBytes::whole(
        std::span(reinterpret_cast<const std::uint8_t*>(manifest.data()), manifest.size()));
    if (client_) {
        Transfer t;
        result.manifest_handle = client_->upload(result.manifest_key, manifest_bytes, &t);
        result.sent += t.sent;
        if (log.sending)
            log.sending(result.sequence_md5,
                        FinishSent{result.manifest_key, result.manifest_handle,
                                   format_rfc3339_utc(std::chrono::floor<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now()))});
        result.cluster_id = client_->finish(result.manifest_handle, opt_.organization_id);
    } else {
        write_stream(*opt_.dry_run_dir, result.manifest_key, manifest_bytes);
        result.manifest_handle = result.manifest_key;
        result.cluster_id = "0";
    }
    return result;
}

}  // namespace mapi
