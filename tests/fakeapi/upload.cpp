// upload: see upload.hpp.
#include "upload.hpp"

#include "mapi/description.hpp"
#include "mapi/exif.hpp"
#include "mapi/jpeg.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <span>
#include <strings.h>
#include <thread>
#include <vector>

#include <openssl/evp.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace fakeapi {

namespace {

using httplib::Request;
using httplib::Response;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// ---- Small helpers -----------------------------------------------------------

std::string base64(const std::string& in, bool url = false) {
    const char* table = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                            : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        std::uint32_t v = std::uint32_t(std::uint8_t(in[i])) << 16 | std::uint32_t(std::uint8_t(in[i + 1])) << 8 |
                          std::uint8_t(in[i + 2]);
        for (int s = 18; s >= 0; s -= 6) out += table[(v >> s) & 63];
    }
    if (std::size_t rest = in.size() - i) {
        std::uint32_t v = std::uint32_t(std::uint8_t(in[i])) << 16;
        if (rest == 2) v |= std::uint32_t(std::uint8_t(in[i + 1])) << 8;
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        if (rest == 2) out += table[(v >> 6) & 63];
        if (!url) out.append(3 - rest, '=');
    }
    return out;
}

std::string sha256(const std::string& text) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<const char*>(md), len);
}

std::string hex(const unsigned char* p, std::size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 15];
    }
    return out;
}

std::string mime_of(const std::string& key) {
    auto ends = [&](const char* s) {
        std::string x = s;
        return key.size() >= x.size() && key.compare(key.size() - x.size(), x.size(), x) == 0;
    };
    if (ends(".jpg") || ends(".jpeg")) return "image/jpeg";
    if (ends(".json")) return "application/json";
    if (ends(".zip")) return "application/zip";
    if (ends(".mp4")) return "video/mp4";
    return "application/octet-stream";
}

std::int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string json_string(const std::string& s) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.String(s.c_str(), rapidjson::SizeType(s.size()));
    return buf.GetString();
}

// {"debug_info": {...}}: the upload service's error shape.
std::string debug_info(bool retriable, const std::string& type, const std::string& message, int backoff_ms = -1) {
    std::string body = R"({"debug_info":{"retriable":)" + std::string(retriable ? "true" : "false") +
                       R"(,"type":)" + json_string(type) + R"(,"message":)" + json_string(message) + "}";
    if (backoff_ms >= 0) body += R"(,"backoff":)" + std::to_string(backoff_ms);
    return body + "}";
}

// ---- The streams ---------------------------------------------------------------

struct Stream {
    std::string key, handle;
    std::mutex mutex;  // guards what follows
    std::string bytes;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md5{EVP_MD_CTX_new(), EVP_MD_CTX_free};
    std::uint64_t received = 0, posts = 0;
    bool complete = false;
    bool busy = false;  // a POST is receiving into it

    Stream() { EVP_DigestInit_ex(md5.get(), EVP_md5(), nullptr); }

    // Callers hold mutex.
    void append(const char* data, std::size_t n) {
        bytes.append(data, n);
        EVP_DigestUpdate(md5.get(), data, n);
    }
    std::string md5_hex() const {
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> copy{EVP_MD_CTX_new(), EVP_MD_CTX_free};
        EVP_MD_CTX_copy_ex(copy.get(), md5.get());
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(copy.get(), md, &len);
        return hex(md, len);
    }
};

struct ClusterImage {
    std::string key, handle, md5, description;
    std::uint64_t size = 0;
};

struct Cluster {
    std::string id, user, user_id, organization_id, file_type, manifest_key;
    std::vector<ClusterImage> images;
};

class Store {
public:
    explicit Store(std::uint64_t seed) : seed_(seed) {}

    std::shared_ptr<Stream> find(const std::string& key) {
        std::lock_guard lock(mutex_);
        auto it = streams_.find(key);
        return it == streams_.end() ? nullptr : it->second;
    }

    std::shared_ptr<Stream> create(const std::string& key) {
        std::lock_guard lock(mutex_);
        auto& slot = streams_[key];
        if (!slot) {
            slot = std::make_shared<Stream>();
            slot->key = key;
            slot->handle = make_handle(key);
            by_handle_[slot->handle] = key;
        }
        return slot;
    }

    std::shared_ptr<Stream> by_handle(const std::string& handle) {
        std::lock_guard lock(mutex_);
        auto it = by_handle_.find(handle);
        if (it == by_handle_.end()) return nullptr;
        auto s = streams_.find(it->second);
        return s == streams_.end() ? nullptr : s->second;
    }

    // The cluster a manifest handle was finished into, counting the repeat;
    // nullopt when it was not.
    std::optional<std::string> finished(const std::string& manifest_handle) {
        std::lock_guard lock(mutex_);
        auto it = cluster_of_manifest_.find(manifest_handle);
        if (it == cluster_of_manifest_.end()) return std::nullopt;
        ++finish_repeats_;
        return it->second;
    }

    // A new cluster for the manifest handle, or the one a finish that got
    // here first made of it.
    std::string add_cluster(Cluster c, const std::string& manifest_handle) {
        std::lock_guard lock(mutex_);
        if (auto it = cluster_of_manifest_.find(manifest_handle); it != cluster_of_manifest_.end()) {
            ++finish_repeats_;
            return it->second;
        }
        c.id = std::to_string(4000000000000000ull + ++cluster_count_);
        clusters_.push_back(std::move(c));
        cluster_of_manifest_[manifest_handle] = clusters_.back().id;
        return clusters_.back().id;
    }

    void reset() {
        std::lock_guard lock(mutex_);
        streams_.clear();
        by_handle_.clear();
        clusters_.clear();
        cluster_of_manifest_.clear();
        finish_repeats_ = 0;
    }

    std::string json() {
        std::vector<std::shared_ptr<Stream>> streams;
        std::vector<Cluster> clusters;
        std::uint64_t finish_repeats = 0;
        {
            std::lock_guard lock(mutex_);
            for (const auto& [k, s] : streams_) streams.push_back(s);
            clusters = clusters_;
            finish_repeats = finish_repeats_;
        }
        rapidjson::StringBuffer buf;
        Writer w(buf);
        auto text = [&](const char* k, const std::string& v) {
            w.Key(k);
            w.String(v.c_str(), rapidjson::SizeType(v.size()));
        };
        auto number = [&](const char* k, std::uint64_t v) {
            w.Key(k);
            w.Uint64(v);
        };
        std::uint64_t complete = 0, bytes = 0, received = 0, posts = 0, images = 0;
        w.StartObject();
        w.Key("streams");
        w.StartArray();
        for (const auto& s : streams) {
            std::lock_guard lock(s->mutex);
            w.StartObject();
            text("key", s->key);
            number("size", s->bytes.size());
            text("md5", s->md5_hex());
            number("received_bytes", s->received);
            number("posts", s->posts);
            w.Key("complete");
            w.Bool(s->complete);
            w.Key("receiving");
            w.Bool(s->busy);
            text("handle", s->handle);
            w.EndObject();
            complete += s->complete;
            bytes += s->bytes.size();
            received += s->received;
            posts += s->posts;
        }
        w.EndArray();
        w.Key("clusters");
        w.StartArray();
        for (const auto& c : clusters) {
            w.StartObject();
            text("cluster_id", c.id);
            text("user", c.user);
            text("user_id", c.user_id);
            w.Key("organization_id");
            if (c.organization_id.empty())
                w.Null();
            else
                w.String(c.organization_id.c_str());
            text("file_type", c.file_type);
            text("manifest_key", c.manifest_key);
            w.Key("images");
            w.StartArray();
            for (const auto& i : c.images) {
                w.StartObject();
                text("key", i.key);
                text("handle", i.handle);
                text("md5", i.md5);
                number("size", i.size);
                w.Key("description");
                w.RawValue(i.description.c_str(), i.description.size(), rapidjson::kObjectType);
                w.EndObject();
            }
            w.EndArray();
            w.EndObject();
            images += c.images.size();
        }
        w.EndArray();
        w.Key("totals");
        w.StartObject();
        number("streams", streams.size());
        number("complete_streams", complete);
        number("bytes", bytes);
        number("received_bytes", received);
        number("posts", posts);
        number("clusters", clusters.size());
        number("finish_repeats", finish_repeats);
        number("images", images);
        w.EndObject();
        w.EndObject();
        return buf.GetString();
    }

private:
    // 3:<base64(key)>:<base64(mime)>:AR<opaque>:e:<expiry>:AR<opaque>, as
    // rupload's handles look (reference 5.2).
    std::string make_handle(const std::string& key) const {
        std::string salt = "mly-fakeapi-upload-" + std::to_string(seed_) + "|" + key;
        return "3:" + base64(key) + ":" + base64(mime_of(key)) + ":AR" + base64(sha256(salt + "|1"), true).substr(0, 40) +
               ":e:" + std::to_string(now_s() + 4 * 86400) + ":AR" + base64(sha256(salt + "|2"), true).substr(0, 24);
    }

    std::uint64_t seed_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Stream>> streams_;
    std::map<std::string, std::string> by_handle_;
    std::vector<Cluster> clusters_;
    std::uint64_t cluster_count_ = 0;  // not reset: a cluster id is never handed out twice
    std::map<std::string, std::string> cluster_of_manifest_;  // manifest handle -> cluster id
    std::uint64_t finish_repeats_ = 0;
};

// ---- The image description in EXIF ------------------------------------------------

bool is_number(const rapidjson::Value& v) { return v.IsNumber(); }

// The problems of one EXIF ImageDescription text (empty: valid).
std::vector<std::string> description_problems(const std::string& text) {
    std::vector<std::string> errs;
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    if (doc.HasParseError()) {
        errs.push_back(std::string("not JSON (") + rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
                       std::to_string(doc.GetErrorOffset()) + ")");
        return errs;
    }
    if (!doc.IsObject()) return {"not a JSON object"};
    static const std::set<std::string> allowed = {
        "MAPLatitude",   "MAPLongitude",   "MAPAltitude",          "MAPCaptureTime", "MAPCompassHeading",
        "MAPMetaTags",   "MAPDeviceMake",  "MAPDeviceModel",       "MAPCameraUUID",  "MAPFilename",
        "MAPOrientation", "MAPGPSAccuracyMeters"};
    for (const char* k : {"MAPLatitude", "MAPLongitude", "MAPCaptureTime"})
        if (!doc.HasMember(k)) errs.push_back(std::string("missing required ") + k);
    for (const auto& m : doc.GetObject()) {
        std::string k = m.name.GetString();
        if (k == "MAPSequenceUUID")
            errs.push_back("MAPSequenceUUID is not allowed in the EXIF description");
        else if (!allowed.count(k))
            errs.push_back("key " + k + " is not allowed");
    }
    auto range = [&](const char* k, double lo, double hi) {
        if (!doc.HasMember(k)) return;
        const auto& v = doc[k];
        if (!is_number(v))
            errs.push_back(std::string(k) + " is not a number");
        else if (!(v.GetDouble() >= lo && v.GetDouble() <= hi))
            errs.push_back(std::string(k) + " " + std::to_string(v.GetDouble()) + " is out of range");
    };
    range("MAPLatitude", -90, 90);
    range("MAPLongitude", -180, 180);
    if (doc.HasMember("MAPAltitude") && !is_number(doc["MAPAltitude"])) errs.push_back("MAPAltitude is not a number");
    if (doc.HasMember("MAPGPSAccuracyMeters") && !is_number(doc["MAPGPSAccuracyMeters"]))
        errs.push_back("MAPGPSAccuracyMeters is not a number");
    if (doc.HasMember("MAPCaptureTime")) {
        static const std::regex shape(R"((\d{4})_(\d{2})_(\d{2})_(\d{2})_(\d{2})_(\d{2})_(\d{3}))");
        const auto& v = doc["MAPCaptureTime"];
        std::smatch m;
        std::string t = v.IsString() ? v.GetString() : "";
        bool ok = v.IsString() && std::regex_match(t, m, shape);
        if (ok) {
            int y = std::stoi(m[1]), mo = std::stoi(m[2]), d = std::stoi(m[3]);
            int days[] = {31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30,
                          31, 31,                                                    30, 31, 30, 31};
            ok = mo >= 1 && mo <= 12 && d >= 1 && d <= days[mo - 1] && std::stoi(m[4]) < 24 && std::stoi(m[5]) < 60 &&
                 std::stoi(m[6]) < 60;
        }
        if (!ok)
            errs.push_back("MAPCaptureTime " + (v.IsString() ? json_string(t) : std::string("(not a string)")) +
                           " is not a UTC time YYYY_MM_DD_HH_MM_SS_mmm");
    }
    if (doc.HasMember("MAPCompassHeading")) {
        const auto& h = doc["MAPCompassHeading"];
        if (!h.IsObject()) {
            errs.push_back("MAPCompassHeading is not an object");
        } else {
            for (const char* k : {"TrueHeading", "MagneticHeading"})
                if (!h.HasMember(k) || !is_number(h[k]))
                    errs.push_back(std::string("MAPCompassHeading.") + k + " is missing or not a number");
            for (const auto& m : h.GetObject()) {
                std::string k = m.name.GetString();
                if (k != "TrueHeading" && k != "MagneticHeading")
                    errs.push_back("MAPCompassHeading." + k + " is not allowed");
            }
        }
    }
    for (const char* k : {"MAPDeviceMake", "MAPDeviceModel", "MAPCameraUUID", "MAPFilename"})
        if (doc.HasMember(k) && !doc[k].IsString()) errs.push_back(std::string(k) + " is not a string");
    if (doc.HasMember("MAPOrientation")) {
        const auto& v = doc["MAPOrientation"];
        if (!v.IsInt() || v.GetInt() < 1 || v.GetInt() > 8) errs.push_back("MAPOrientation is not an integer 1 to 8");
    }
    if (doc.HasMember("MAPMetaTags") && !doc["MAPMetaTags"].IsObject()) errs.push_back("MAPMetaTags is not an object");
    if (errs.empty()) {
        try {
            if (mapi::description_json(doc) != text) errs.push_back("not compact JSON with sorted keys");
        } catch (const mapi::DescriptionError& e) {
            errs.push_back(e.what());
        }
    }
    return errs;
}

// The EXIF ImageDescription of a JPEG, or a reason why there is none.
bool image_description(const std::string& bytes, std::string& out, std::string& why) {
    std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    try {
        mapi::JpegLayout layout = mapi::parse_jpeg_header(data);
        // The image data must end in EOI somewhere after the scan starts.
        // Looked for from the end, where it is in a well-formed JPEG, so
        // that a finish does not read every byte of every image again.
        bool eoi = false;
        for (std::size_t i = bytes.size(); i >= layout.scan_offset + 4 && !eoi; --i)
            eoi = std::uint8_t(bytes[i - 2]) == 0xFF && std::uint8_t(bytes[i - 1]) == 0xD9;
        if (!eoi) {
            why = "not a JPEG: no end of image (EOI) after the scan";
            return false;
        }
        auto tiff = mapi::exif_tiff(data, layout);
        if (!tiff) {
            why = "the JPEG has no EXIF";
            return false;
        }
        auto exif = mapi::read_exif(*tiff);
        if (!exif.image_description) {
            why = "the JPEG's EXIF has no ImageDescription";
            return false;
        }
        out = *exif.image_description;
        return true;
    } catch (const mapi::JpegError& e) {
        why = std::string("not a JPEG: ") + e.what();
        return false;
    }
}

// ---- Routes ------------------------------------------------------------------------

// The content reader of the upload POST being answered on this thread, for
// the handler inside FakeApi::wrap, which knows only (req, res).
thread_local const httplib::ContentReader* current_reader = nullptr;
thread_local bool body_read = false;

// Reads the body of the request being answered into receive. A POST with
// neither Content-Length nor Transfer-Encoding has none (httplib's reader
// would fail on it, and answer 400, as curl -X POST without -d sends it).
bool read_body(const Request& req, const httplib::ContentReceiver& receive) {
    if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) return true;
    return (*current_reader)(receive);
}

struct UploadRoutes {
    FakeApi& api;
    Store store;

    explicit UploadRoutes(FakeApi& a) : api(a), store(a.dataset().spec.seed) {}

    // The user of an upload-host request, or null with the answer given.
    const User* upload_user(const Request& req, Response& res) {
        std::string auth = req.get_header_value("Authorization");
        const User* u = nullptr;
        if (auth.size() > 6 && strncasecmp(auth.c_str(), "OAuth ", 6) == 0) u = api.user_of(req);
        if (!u) {
            api.stats().fault("unauthorized");
            send_json(res, 401,
                      debug_info(false, "NotAuthorizedError",
                                 auth.empty() ? "No Authorization: OAuth <user token> header"
                                              : "Invalid OAuth access token"));
            return nullptr;
        }
        if (api.revoked(*u)) {
            api.stats().fault("revoked");
            const char* msg = "Error validating access token: The user has not authorized application.";
            std::string graph = graph_error(msg, "OAuthException", 190, 0, false, api.next_trace());
            graph.pop_back();  // the graph's {"error": ...} and the upload host's debug_info, in one object
            send_json(res, 401, graph + "," + debug_info(false, "NotAuthorizedError", msg).substr(1));
            return nullptr;
        }
        if (!u->can_upload) {
            api.stats().fault("not_authorized");
            send_json(res, 403,
                      debug_info(false, "NotAuthorizedError", "User " + u->username + " is not authorized to upload"));
            return nullptr;
        }
        return u;
    }

    void offset(const Request& req, Response& res) {
        if (!upload_user(req, res)) return;
        std::uint64_t n = 0;
        if (auto s = store.find(req.matches[1])) {
            std::lock_guard lock(s->mutex);
            n = s->bytes.size();
        }
        send_json(res, 200, R"({"offset":)" + std::to_string(n) + "}");
    }

    static void offset_invalid(Response& res) {
        send_json(res, 412, debug_info(true, "OffsetInvalidError", "Request starting offset is invalid"));
    }

    void append(const Request& req, Response& res) {
        if (!upload_user(req, res)) return;
        std::string key = req.matches[1];
        std::string given = req.get_header_value("Offset");
        std::uint64_t offset = 0;
        auto [end, ec] = std::from_chars(given.data(), given.data() + given.size(), offset);
        if (given.empty() || ec != std::errc() || end != given.data() + given.size())
            return send_json(res, 400,
                             debug_info(false, "InvalidRequestError", "The Offset header is missing or not a number"));

        auto s = offset == 0 ? store.create(key) : store.find(key);
        if (!s) return offset_invalid(res);
        {
            std::lock_guard lock(s->mutex);
            if (s->busy || offset != s->bytes.size()) return offset_invalid(res);
            s->busy = true;
        }
        struct Release {  // on every way out; the normal one releases earlier
            Stream& s;
            ~Release() {
                std::lock_guard lock(s.mutex);
                s.busy = false;
            }
        } release{*s};

        Decision d = api.decide_upload("POST /upload/" + key);
        if (d.fault == Fault::upload_412) {
            api.stats().fault("upload_412");
            return offset_invalid(res);
        }
        if (d.fault == Fault::upload_429) {
            api.stats().fault("upload_429");
            return send_json(res, 429,
                             debug_info(false, "RequestRateLimitedError", "Request rate limit has been exceeded",
                                        api.upload_backoff_ms()));
        }

        body_read = true;
        const bool cut = d.fault == Fault::cut_upload;
        const bool sized = req.has_header("Content-Length");
        std::uint64_t limit = UINT64_MAX;  // bytes to keep
        if (cut && sized)
            limit = std::uint64_t(std::floor(d.part * std::strtod(req.get_header_value("Content-Length").c_str(), nullptr)));
        std::string held;  // a chunked body under --cut-upload, read whole before a part is kept
        std::uint64_t kept = 0;
        bool whole = read_body(req, [&](const char* data, std::size_t n) {
            std::lock_guard lock(s->mutex);
            s->received += n;
            if (cut && !sized) {
                held.append(data, n);
                return true;
            }
            std::size_t take = std::size_t(std::min<std::uint64_t>(n, limit - kept));
            s->append(data, take);
            kept += take;
            return kept < limit;
        });
        {
            std::lock_guard lock(s->mutex);
            ++s->posts;
            if (cut && !sized) s->append(held.data(), std::size_t(std::floor(d.part * double(held.size()))));
            s->complete = whole && !cut;
            s->busy = false;  // before the client can learn of the end and come back
        }
        if (cut || !whole) {
            // Cut on purpose, or the client went away: no answer at all.
            if (cut) api.stats().fault("cut_upload");
            shut_connection(req);
            res.status = 0;
            return;
        }
        send_json(res, 200, R"({"h":)" + json_string(s->handle) + "}");
    }

    // Reads and counts the body of a POST nobody read (a fault or a refusal
    // answered it), so the kept-alive connection stays in step.
    void drain(const Request& req) {
        auto s = store.find(req.matches[1]);
        std::uint64_t n = 0;
        read_body(req, [&](const char*, std::size_t k) {
            n += k;
            return true;
        });
        if (s) {
            std::lock_guard lock(s->mutex);
            s->received += n;
            ++s->posts;
        }
    }

    void bad_request(Response& res, const std::string& message) {
        send_json(res, 400, graph_error(message, "MLYApiException", 100, 0, false, api.next_trace()));
    }

    // The answer to a finish that made (or had made) cluster id, after
    // --finish-delay.
    void finished(Response& res, const std::string& id) {
        if (int ms = api.finish_delay_ms()) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        send_json(res, 200, R"({"cluster_id":")" + id + R"("})");
    }

    void finish(const Request& req, Response& res) {
        const User* u = api.user_of(req);
        if (!u) return api.unauthorized(res);
        if (api.revoked(*u)) return api.revoked_token(res);
        if (!u->can_upload)
            return send_json(res, 403,
                             graph_error("User " + u->username + " is not authorized to upload", "OAuthException", 10,
                                         0, false, api.next_trace()));
        rapidjson::Document body;
        body.Parse(req.body.c_str(), req.body.size());
        if (body.HasParseError() || !body.IsObject())
            return bad_request(res, "finish_upload: the body is not a JSON object");
        for (const char* k : {"file_handle", "file_type"})
            if (!body.HasMember(k) || !body[k].IsString())
                return bad_request(res, std::string("Missing a required parameter: ") + k);
        std::string handle = body["file_handle"].GetString(), type = body["file_type"].GetString();
        Cluster c;
        c.user = u->username;
        c.user_id = u->id;
        c.file_type = type;
        if (body.HasMember("organization_id") && !body["organization_id"].IsNull()) {
            const auto& o = body["organization_id"];
            if (o.IsString())
                c.organization_id = o.GetString();
            else if (o.IsUint64())
                c.organization_id = std::to_string(o.GetUint64());
            else
                return bad_request(res, "Invalid parameter organization_id: expected an id");
            if (!api.dataset().organization_by_id.count(c.organization_id))
                return bad_request(res, "Invalid parameter organization_id: no organization " + c.organization_id);
        }
        if (type == "zip" || type == "mly_camm_video" || type == "mly_blackvue_video")
            return bad_request(res, "file_type " + type + " is unsupported in mly-fakeapi (only mly_bundle_manifest)");
        if (type != "mly_bundle_manifest")
            return bad_request(res, "Invalid parameter file_type: " + json_string(type) +
                                        " (zip, mly_blackvue_video, mly_camm_video or mly_bundle_manifest)");

        // Finishing a manifest again answers the cluster it made: the handle
        // names one upload, and a client that lost the first answer asks again.
        if (auto id = store.finished(handle)) return finished(res, *id);

        // The stream behind a handle, complete: its key, md5 and size, and
        // its bytes copied out (a manifest) or the description read from
        // them under the stream's lock (an image: no copy of its bytes).
        struct Got {
            std::string key, bytes, md5;
            std::uint64_t size = 0;
            bool described = false;
            std::string description, why;
        };
        auto get = [&](const std::string& h, const std::string& what, Got& out, bool image) {
            auto s = store.by_handle(h);
            if (!s) return bad_request(res, what + ": no upload has the handle " + json_string(h)), false;
            std::lock_guard lock(s->mutex);
            out.key = s->key;
            if (!s->complete || s->busy) {
                bad_request(res, what + " (session " + s->key + "): the upload is not complete (" +
                                     std::to_string(s->bytes.size()) + " bytes so far)");
                return false;
            }
            if (image)
                out.described = image_description(s->bytes, out.description, out.why);
            else
                out.bytes = s->bytes;
            out.size = s->bytes.size();
            out.md5 = s->md5_hex();
            return true;
        };

        Got manifest;
        if (!get(handle, "file_handle", manifest, false)) return;
        c.manifest_key = manifest.key;
        std::string where = "the manifest (session " + manifest.key + ")";
        rapidjson::Document m;
        m.Parse(manifest.bytes.c_str(), manifest.bytes.size());
        if (m.HasParseError())
            return bad_request(res, where + " is not JSON: " + rapidjson::GetParseError_En(m.GetParseError()) +
                                        " at offset " + std::to_string(m.GetErrorOffset()));
        if (!m.IsObject()) return bad_request(res, where + " is not a JSON object");
        for (const auto& member : m.GetObject()) {
            std::string k = member.name.GetString();
            if (k != "image_handles" && k != "upload_type" && k != "version")
                return bad_request(res, where + " has the unknown key " + json_string(k));
        }
        if (!m.HasMember("upload_type") || !m["upload_type"].IsString() ||
            std::string(m["upload_type"].GetString()) != "images")
            return bad_request(res, where + ": upload_type is not \"images\"");
        if (!m.HasMember("version") || !m["version"].IsString() || std::string(m["version"].GetString()) != "1")
            return bad_request(res, where + ": version is not \"1\"");
        if (!m.HasMember("image_handles") || !m["image_handles"].IsArray() || m["image_handles"].Empty())
            return bad_request(res, where + ": image_handles is not a non-empty array");
        const auto& handles = m["image_handles"];
        std::set<std::string> seen;
        for (rapidjson::SizeType i = 0; i < handles.Size(); ++i) {
            std::string what = "image_handles[" + std::to_string(i) + "]";
            if (!handles[i].IsString()) return bad_request(res, where + ": " + what + " is not a string");
            std::string h = handles[i].GetString();
            if (!seen.insert(h).second) return bad_request(res, where + ": " + what + " repeats an earlier handle");
            Got img;
            if (!get(h, what, img, true)) return;
            what += " (session " + img.key + ")";
            const std::string& text = img.description;
            if (!img.described) return bad_request(res, what + ": " + img.why);
            auto errs = description_problems(text);
            if (!errs.empty()) {
                std::string all;
                for (const auto& e : errs) all += (all.empty() ? "" : "; ") + e;
                return bad_request(res, what + ": the description is invalid: " + all);
            }
            c.images.push_back({img.key, h, img.md5, text, img.size});
        }
        std::string id = store.add_cluster(std::move(c), handle);
        finished(res, id);
    }
};

}  // namespace

void install_upload(httplib::Server& server, FakeApi& api) {
    auto routes = std::make_shared<UploadRoutes>(api);

    server.Get(R"(/upload/([^/]+)/?)", api.wrap("upload", "upload.offset", [routes](const Request& q, Response& r) {
                   routes->offset(q, r);
               }));
    auto append = api.wrap("upload", "upload.append", [routes](const Request& q, Response& r) { routes->append(q, r); });
    server.Post(R"(/upload/([^/]+)/?)",
                [routes, append](const Request& q, Response& r, const httplib::ContentReader& reader) {
                    current_reader = &reader;
                    body_read = false;
                    append(q, r);
                    if (!body_read) routes->drain(q);
                    current_reader = nullptr;
                });
    server.Post(R"(/graph/finish_upload/?)",
                api.wrap("graph", "graph.finish_upload", [routes](const Request& q, Response& r) { routes->finish(q, r); }));

    server.Get(R"(/__fake/uploads/?)", api.wrap("control", "control", [routes](const Request&, Response& r) {
                   send_json(r, 200, routes->store.json());
               }));
    // The control POSTs take a body or none, Content-Length or not (curl -X POST).
    auto control_post = [&](const char* pattern, FakeApi::Handler h) {
        server.Post(pattern, [h = api.wrap("control", "control", std::move(h))](
                                 const Request& q, Response& r, const httplib::ContentReader& reader) {
            current_reader = &reader;
            read_body(q, [](const char*, std::size_t) { return true; });
            current_reader = nullptr;
            h(q, r);
        });
    };
    control_post(R"(/__fake/uploads/reset/?)", [routes](const Request&, Response& r) {
        routes->store.reset();
        send_json(r, 200, R"({"reset":true})");
    });
    control_post(R"(/__fake/revoke/?)", [&api](const Request& q, Response& r) {
        std::string name = q.has_param("user") ? q.get_param_value("user") : "";
        auto it = api.dataset().user_by_name.find(name);
        if (it == api.dataset().user_by_name.end())
            return send_json(r, 404, graph_error("No user " + json_string(name), "MLYApiException", 100));
        api.revoke(it->second);
        send_json(r, 200, R"({"revoked":)" + json_string(name) + "}");
    });
}

}  // namespace fakeapi
