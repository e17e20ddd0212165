// upload: see mapi/upload.hpp.
#include "mapi/upload.hpp"

#include "mapi/exif.hpp"
#include "mapi/jpeg.hpp"
#include "mapi/output_file.hpp"

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

// Runs work(i) for i in [0, n) on up to `jobs` threads. The first exception
// sets stop, the others finish what they are doing; it is then rethrown
// (one that is not Stopped is preferred).
void parallel_for(std::size_t n, unsigned jobs, std::atomic<bool>& stop,
                  const std::function<void(std::size_t)>& work) {
    std::atomic<std::size_t> next{0};
    std::mutex m;
    std::exception_ptr first, stopped;
    auto loop = [&] {
        for (;;) {
            if (stop) return;
            std::size_t i = next++;
            if (i >= n) return;
            try {
                work(i);
            } catch (const Stopped&) {
                std::lock_guard lock(m);
                if (!stopped) stopped = std::current_exception();
            } catch (...) {
                std::lock_guard lock(m);
                if (!first) first = std::current_exception();
                stop = true;
                return;
            }
        }
    };
    const std::size_t threads = std::min<std::size_t>(std::max(1u, jobs), n);
    if (threads <= 1) {
        loop();
    } else {
        std::vector<std::thread> pool;
        for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(loop);
        for (auto& t : pool) t.join();
    }
    if (first) std::rethrow_exception(first);
    if (stopped) std::rethrow_exception(stopped);
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

// The whole file into buf, which keeps its capacity from one photo to the
// next (no fresh pages to fault in for every photo). Throws
// std::system_error naming the path, as read_file does.
void read_into(const std::string& path, std::vector<std::uint8_t>& buf) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), path);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = S_ISDIR(st.st_mode) ? EISDIR : errno ? errno : EINVAL;
        ::close(fd);
        throw std::system_error(e, std::generic_category(), path);
    }
    buf.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    for (;;) {
        if (got == buf.size()) buf.resize(buf.size() + 65536);  // the file grew
        ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            ::close(fd);
            throw std::system_error(e, std::generic_category(), path);
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    buf.resize(got);
}

}  // namespace

std::vector<std::uint8_t> image_upload_bytes(std::span<const std::uint8_t> jpeg, const std::string& description) {
    auto layout = parse_jpeg_header(jpeg);
    auto tiff = upload_tiff(jpeg, layout, description);
    if (!tiff) return {jpeg.begin(), jpeg.end()};
    return splice_metadata(jpeg, tiff, std::nullopt);
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
        Attempt a = classify(r, "GET " + r.url);
        if (a.kind == Attempt::auth) throw AuthError(a.what + auth_hint);
        if (a.kind == Attempt::refused) throw UploadError(a.what);
        if (failures >= config_.retries)
            throw NetworkError(a.what + " (gave up after " + std::to_string(failures + 1) + " attempts)", r.status);
        wait(failures, a.kind == Attempt::at_once ? std::optional<nanoseconds>(0) : a.wait, a.what);
    }
}

std::string UploadClient::upload(const std::string& key, std::span<const std::uint8_t> bytes, Transfer* transfer,
                                 const std::atomic<bool>* stop) {
    Transfer local;
    Transfer& t = transfer ? *transfer : local;
    const std::string url = session_url(key);
    const std::uint64_t size = bytes.size();
    int failures = 0, at_once = 0;
    std::optional<std::uint64_t> best;  // the most the service has held
    for (;;) {
        if (stop && *stop) throw Stopped();
        std::uint64_t offset = fetch_offset(key);
        if (offset > size)
            throw UploadError("GET " + redact_url(session_url(key)) + ": the service holds " + std::to_string(offset) +
                              " bytes of a stream of " + std::to_string(size));
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
        auto rest = bytes.subspan(offset);
        Response r = http_.once(
            "POST", url, std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size()),
            "application/octet-stream", h);
        ++t.attempts;
        t.sent += rest.size();
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
        Attempt a = classify(r, "POST " + r.url);
        if (a.kind == Attempt::auth) throw AuthError(a.what + auth_hint);
        if (a.kind == Attempt::refused) throw UploadError(a.what);
        if (failures >= config_.retries)
            throw NetworkError(a.what + " (gave up after " + std::to_string(failures + 1) + " attempts)", r.status);
        wait(failures, a.kind == Attempt::at_once ? std::optional<nanoseconds>(0) : a.wait, a.what);
    }
}

// ---- SequenceUploader ----------------------------------------------------------

SequenceUploader::SequenceUploader(UploadClient* client, SequenceUploadOptions options, std::function<void()> photo_done)
    : client_(client), opt_(std::move(options)), photo_done_(std::move(photo_done)) {
    if (!client_ && !opt_.dry_run_dir) throw std::logic_error("SequenceUploader needs a client or a dry-run folder");
}

PreparedSequence SequenceUploader::prepare(const std::vector<SequencePhoto>& photos) const {
    PreparedSequence p;
    p.md5s.resize(photos.size());
    std::vector<std::uint64_t> sizes(photos.size()), pixels(photos.size());
    std::vector<std::string> errors(photos.size());
    std::atomic<bool> stop{false};
    parallel_for(photos.size(), opt_.jobs, stop, [&](std::size_t i) {
        try {
            thread_local std::vector<std::uint8_t> bytes;
            read_into(photos[i].path, bytes);
            p.md5s[i] = md5_hex(bytes);
            sizes[i] = bytes.size();
            auto layout = parse_jpeg_header(bytes);
            pixels[i] = static_cast<std::uint64_t>(layout.width) * static_cast<std::uint64_t>(layout.height);
            // Can it carry the description? (splice_metadata would say the same.)
            auto tiff = upload_tiff(bytes, layout, photos[i].description);
            if (tiff && tiff->size() > max_exif_tiff_size)
                throw JpegError("EXIF data too large for one APP1 segment (" + std::to_string(tiff->size()) +
                                " bytes)");
        } catch (const std::exception& e) {
            errors[i] = e.what();
        }
    });
    for (std::size_t i = 0; i < photos.size(); ++i) {
        if (!errors[i].empty()) p.errors.emplace_back(i, errors[i]);
        p.bytes += sizes[i];
        p.pixels += pixels[i];
    }
    p.sequence_md5 = sequence_md5(p.md5s);
    return p;
}

std::string SequenceUploader::send(const std::string& key, std::span<const std::uint8_t> bytes, Transfer* t,
                                   const std::atomic<bool>* stop) {
    if (client_) return client_->upload(key, bytes, t, stop);
    // Dry run: the stream as a file named after its key; the key stands in for the handle.
    static std::mutex umask_mutex;  // OutputFile reads the umask by setting it
    std::lock_guard lock(umask_mutex);
    OutputFile f(*opt_.dry_run_dir + "/" + key);
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f.stream()) != bytes.size())
        throw std::system_error(errno, std::generic_category(), f.target());
    f.commit();
    return key;
}

SequenceUploadResult SequenceUploader::upload(const std::vector<SequencePhoto>& photos) {
    SequenceUploadResult result;
    std::vector<std::string> handles(photos.size());
    std::mutex m;
    std::atomic<bool> stop{false};
    parallel_for(photos.size(), opt_.jobs, stop, [&](std::size_t i) {
        const auto& photo = photos[i];
        std::vector<std::uint8_t> bytes;
        std::string key;
        Transfer t;
        try {
            thread_local std::vector<std::uint8_t> file;
            read_into(photo.path, file);
            bytes = image_upload_bytes(file, photo.description);
            key = opt_.random_keys ? random_session_key() : content_session_key(bytes);
            handles[i] = send(key, bytes, &t, &stop);
        } catch (const Stopped&) {
            throw;
        } catch (const cli::Failure&) {
            throw;  // the token refused, the service unavailable: for the whole run
        } catch (const std::exception& e) {
            throw UploadError(photo.path + ": " + cli::without_subject(e.what(), photo.path));
        }
        std::lock_guard lock(m);
        result.bytes += bytes.size();
        result.sent += t.sent;
        result.resumed += t.offset;
        if (photo_done_) photo_done_();
    });
    std::string manifest = manifest_json(handles);
    result.manifest_key = manifest_session_key();
    Transfer t;
    result.manifest_handle = send(
        result.manifest_key, std::span(reinterpret_cast<const std::uint8_t*>(manifest.data()), manifest.size()), &t,
        nullptr);
    result.sent += t.sent;
    result.cluster_id = client_ ? client_->finish(result.manifest_handle, opt_.organization_id) : "0";
    return result;
}

}  // namespace mapi
