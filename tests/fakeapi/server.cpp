// server: see server.hpp. The routes, after reference/mapillary-api.md
// section 7:
//
// Graph (token required: "Authorization: OAuth T" or access_token=T; else
// 401 code 190):
//   GET  /graph/me?fields=id,username
//   GET  /graph/{id}[/]?fields=...       image, user or organization; unknown
//                                        id: 400 code 100 subcode 33
//   GET  /graph/{image_id}/detections    {"data": []}
//   GET  /graph[/]?ids=a,b&fields=...    {"a": {...}, "b": {...}}; at most 50
//                                        ids; any unknown id fails the whole
//                                        request (code 100 subcode 33)
//   GET  /graph/images?image_ids=a,b     {"data": [...]}, unknown ids left out
//   GET  /graph/images?bbox|creator_username|organization_id|sequence_ids
//        [&start_captured_at&end_captured_at&is_pano&make&model&limit&fields]
//                                        {"data": [...], "paging": {"next"}};
//                                        bbox of 0.01 deg^2 or more: 400;
//                                        limit at most 2000 (larger is
//                                        clamped); paging.next only for
//                                        searches without bbox, as the real
//                                        service truncates bbox searches
//   GET  /graph/image_ids?sequence_id=S  {"data": [{"id"}...]} by captured_at;
//                                        unknown sequence: {"data": []}
//   POST /graph/login                    {"email","password"} -> access_token,
//                                        user_id (password "secret"); needs
//                                        "Authorization: OAuth MLY|<digits>|<hex>"
//                                        (the client token; else 401 code 190);
//                                        wrong email or password: 401 code 1
//                                        subcode 1348028; success lifts a
//                                        revocation of that user
//   POST /graph/token, /graph/logging
//   POST /graph/finish_upload            see upload.hpp
// A token revoked by POST /__fake/revoke answers 401 code 190 (OAuthException,
// "Error validating access token: ...") on every graph route and the upload
// host; the tiles do not check revocation.
// Fields: every image field of reference 2.1 (and is_pano, organization);
// dotted sub-fields (creator.username) select parts of objects; a field the
// node type lacks is 400 code 100. Absent data is left out, never null.
//
// Tiles (token required, as access_token or header):
//   GET  /tiles/maps/vtp/{tileset}/2/{z}/{x}/{y}
//        mly1_public, mly1_computed_public: z 0-5 layer overview, 6-13
//        sequence, 14 image and sequence (MVT v2, extent 4096); the map
//        feature tilesets: empty tiles; z > 14 or x, y off the grid: 404.
//
// Image host (no token; signed, expiring URLs):
//   GET  /img/{image_id}/{256|1024|2048|original}.jpg?_nc=N&oe=HEX&sig=HEX
//        bad signature or expired: 403; --expire-urls once: 403 after one
//        successful download; --stale-urls P: the graph hands out a fraction
//        P of these URLs already expired
//   GET  /img/mesh/{id}, /img/cluster/{id}   placeholders for mesh and sfm_cluster
//
// Upload host: BASE/upload/{session key}, see upload.hpp.
//
// Control (no token, no faults):
//   GET  /__fake/uploads, POST /__fake/uploads/reset, POST /__fake/revoke?user=NAME:
//        see upload.hpp
//   GET  /__fake/stats[?reset=1]   {"requests": N, "endpoints": {"graph.node": N,
//        "graph.ids", "graph.images", "graph.image_ids", "graph.me", "tiles",
//        "img", ...}, "status": {"200": N, ..., "0": dropped}, "faults": {"5xx",
//        "drop", "truncate", "code4", "burst_429", "rate_limit", "expired_url",
//        "stale_url" (issued expired), "used_url", "bad_signature", "unauthorized", "revoked", "not_authorized",
//        "cut_upload", "upload_412", "upload_429"}, "downloads": {image id: N
//        complete answers}, "download_sizes": {"256": N, ...}}; reset=1 zeroes
//        the counters after answering
//   GET  /__fake/dataset           {"name", "seed", "base_url",
//        "users": [{id, username, email, password, token, can_upload}],
//        "organizations": [{id, slug, name, description}],
//        "sequences": [{id, creator_id, creator_username, organization_id?,
//                       place, camera_type, is_pano, processed, image_ids}],
//        "images": [every graph field but the thumb URLs (made per request),
//                   plus "tile": "14/x/y" and "picture": the variant shown]}
#include "server.hpp"

#include "upload.hpp"

#include "mapi/tiles.hpp"
#include "mapi/time.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <dirent.h>
#include <map>
#include <netinet/in.h>
#include <regex>
#include <set>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <zlib.h>

namespace fakeapi {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using httplib::Request;
using httplib::Response;
namespace tiles = mapi::tiles;

void send_json(Response& res, int status, const std::string& body) {
    res.status = status;
    res.set_content(body, "application/json; charset=UTF-8");
}

std::string graph_error(const std::string& message, const std::string& type, int code, int subcode, bool transient,
                        std::uint64_t trace) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    w.Key("error");
    w.StartObject();
    w.Key("message");
    w.String(message.c_str());
    w.Key("type");
    w.String(type.c_str());
    w.Key("code");
    w.Int(code);
    if (subcode) {
        w.Key("error_subcode");
        w.Int(subcode);
    }
    if (transient) {
        w.Key("is_transient");
        w.Bool(true);
    }
    char id[32];
    std::snprintf(id, sizeof id, "AFake%016llx", static_cast<unsigned long long>(trace));
    w.Key("fbtrace_id");
    w.String(id);
    w.EndObject();
    w.EndObject();
    return buf.GetString();
}

// The connection a request came on, closed under httplib's feet: found among
// this process's sockets by its two ports, then shut down so the client sees
// the connection end with no answer at all.
void shut_connection(const httplib::Request& req) {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return;
    while (dirent* e = readdir(dir)) {
        int fd = std::atoi(e->d_name);
        if (fd <= 2) continue;
        struct stat st {};
        if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
        sockaddr_storage local{}, peer{};
        socklen_t ll = sizeof local, pl = sizeof peer;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll) != 0) continue;
        if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl) != 0) continue;
        auto port = [](const sockaddr_storage& a) {
            if (a.ss_family == AF_INET) return int(ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port));
            if (a.ss_family == AF_INET6) return int(ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port));
            return -1;
        };
        if (port(local) == req.local_port && port(peer) == req.remote_port) {
            ::shutdown(fd, SHUT_RDWR);
            break;
        }
    }
    closedir(dir);
}

namespace {

// The fault of the request this thread is answering, for handlers that count
// only what a client receives whole.
thread_local Fault current_fault = Fault::none;

std::int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        std::size_t at = s.find(sep, start);
        out.push_back(s.substr(start, at - start));
        if (at == std::string::npos) return out;
        start = at + 1;
    }
}

std::string percent_encode(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += char(c);
        } else {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%%%02X", c);
            out += hex;
        }
    }
    return out;
}

std::optional<double> to_double(const std::string& s) {
    double d = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
    return d;
}

std::optional<long long> to_integer(const std::string& s) {
    long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::string param(const Request& req, const char* name) {
    return req.has_param(name) ? req.get_param_value(name) : std::string();
}

// The request target with the token's value hidden, for the log.
std::string redacted_target(const Request& req) {
    static const std::regex token(R"((access_token=)[^&]*)");
    return std::regex_replace(req.target.empty() ? req.path : req.target, token, "$1REDACTED");
}


std::string hex_sha256(const std::string& text, std::size_t bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
    std::string out;
    char hex[3];
    for (std::size_t i = 0; i < std::min<std::size_t>(bytes, len); ++i) {
        std::snprintf(hex, sizeof hex, "%02x", md[i]);
        out += hex;
    }
    return out;
}

std::string gzip(const std::string& in) {
    z_stream zs{};
    deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&zs, in.size()) + 32, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

// One "key": value member of the object being written.
void put(Writer& w, const char* key, const std::string& v) {
    w.Key(key);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
}
void put(Writer& w, const char* key, const char* v) { put(w, key, std::string(v)); }
void put(Writer& w, const char* key, bool v) {
    w.Key(key);
    w.Bool(v);
}
void put(Writer& w, const char* key, std::int64_t v) {
    w.Key(key);
    w.Int64(v);
}
void put(Writer& w, const char* key, std::uint64_t v) {
    w.Key(key);
    w.Uint64(v);
}

// ---- Field selection -----------------------------------------------------

// A node type's fields, each with the sub-fields it can be narrowed to.
using Schema = std::vector<std::pair<std::string, std::set<std::string>>>;

const Schema image_schema = {
    {"id", {}},
    {"altitude", {}},
    {"atomic_scale", {}},
    {"camera_parameters", {}},
    {"camera_type", {}},
    {"captured_at", {}},
    {"compass_angle", {}},
    {"computed_altitude", {}},
    {"computed_compass_angle", {}},
    {"computed_geometry", {"type", "coordinates"}},
    {"computed_rotation", {}},
    {"creator", {"id", "username"}},
    {"detections", {"id", "value", "geometry", "image", "created_at"}},
    {"exif_orientation", {}},
    {"geometry", {"type", "coordinates"}},
    {"height", {}},
    {"is_pano", {}},
    {"make", {}},
    {"merge_cc", {}},
    {"mesh", {"id", "url"}},
    {"model", {}},
    {"organization", {"id", "slug", "name", "description"}},
    {"quality_score", {}},
    {"sequence", {}},
    {"sfm_cluster", {"id", "url"}},
    {"thumb_256_url", {}},
    {"thumb_1024_url", {}},
    {"thumb_2048_url", {}},
    {"thumb_original_url", {}},
    {"width", {}},
};
const Schema user_schema = {{"id", {}}, {"username", {}}};
const Schema organization_schema = {{"id", {}}, {"slug", {}}, {"name", {}}, {"description", {}}};

// The fields asked for: name -> sub-fields (empty: the whole value).
using Selection = std::map<std::string, std::set<std::string>>;

// Parses fields=a,b.c against a schema; an error message for a field the
// node lacks, as the Graph API words it.
std::optional<std::string> select(const std::string& list, const Schema& schema, const char* node, Selection& out) {
    out.clear();
    out["id"];
    if (list.empty()) return std::nullopt;
    for (const auto& raw : split(list, ',')) {
        std::string f = raw;
        f.erase(std::remove(f.begin(), f.end(), ' '), f.end());
        if (f.empty()) continue;
        std::string top = f.substr(0, f.find('.'));
        auto it = std::find_if(schema.begin(), schema.end(), [&](const auto& e) { return e.first == top; });
        if (it == schema.end()) return "Tried accessing nonexisting field (" + top + ") on node type (" + node + ")";
        if (f.size() > top.size()) {
            std::string sub = f.substr(top.size() + 1);
            if (!it->second.count(sub))
                return "Tried accessing nonexisting field (" + sub + ") on node type (" + top + ")";
            auto [slot, fresh] = out.try_emplace(top, std::set<std::string>{sub});
            if (!fresh && !slot->second.empty()) slot->second.insert(sub);
        } else {
            out[top].clear();  // the whole value
        }
    }
    return std::nullopt;
}

bool wants(const Selection& sel, const std::string& field, const std::string& sub) {
    auto it = sel.find(field);
    return it != sel.end() && (it->second.empty() || it->second.count(sub));
}

void write_point(Writer& w, mapi::LatLon p, const Selection& sel, const std::string& field) {
    w.StartObject();
    if (wants(sel, field, "type")) {
        w.Key("type");
        w.String("Point");
    }
    if (wants(sel, field, "coordinates")) {
        w.Key("coordinates");
        w.StartArray();
        w.Double(p.lon);
        w.Double(p.lat);
        w.EndArray();
    }
    w.EndObject();
}

}  // namespace

// ---- FakeApi --------------------------------------------------------------

FakeApi::FakeApi(ServerOptions options, Dataset dataset)
    : o_(std::move(options)), data_(std::move(dataset)), faults_(o_.faults) {
    secret_ = "mly-fakeapi-" + std::to_string(data_.spec.seed);
}

const User* FakeApi::user_of(const Request& req) const {
    std::string token;
    std::string auth = req.get_header_value("Authorization");
    if (auth.size() > 6 && strncasecmp(auth.c_str(), "OAuth ", 6) == 0)
        token = auth.substr(6);
    else if (req.has_param("access_token"))
        token = req.get_param_value("access_token");
    auto it = data_.user_by_token.find(token);
    return it == data_.user_by_token.end() ? nullptr : &data_.users[it->second];
}

void FakeApi::unauthorized(Response& res) {
    stats_.fault("unauthorized");
    send_json(res, 401, graph_error("Invalid OAuth 2.0 Access Token", "MLYApiException", 190, 0, false, ++trace_));
}

void FakeApi::revoke(std::size_t user) {
    std::lock_guard lock(revoked_mutex_);
    revoked_.insert(data_.users.at(user).id);
}

bool FakeApi::revoked(const User& u) const {
    std::lock_guard lock(revoked_mutex_);
    return revoked_.count(u.id) > 0;
}

void FakeApi::revoked_token(Response& res) {
    stats_.fault("revoked");
    send_json(res, 401,
              graph_error("Error validating access token: The user has not authorized application.", "OAuthException",
                          190, 0, false, ++trace_));
}

std::string FakeApi::image_url(const Image& img, const std::string& size) {
    std::uint64_t nonce = ++nonce_;
    std::int64_t expiry = now_s() + o_.url_ttl_s;
    if (faults_.stale_url(img.id + "/" + size)) {
        stats_.fault("stale_url");
        expiry = now_s() - 60;
    }
    char oe[20];
    std::snprintf(oe, sizeof oe, "%llX", static_cast<unsigned long long>(expiry));
    std::string sig = hex_sha256(secret_ + "|" + img.id + "|" + size + "|" + std::to_string(nonce) + "|" + oe, 16);
    return base_ + "/img/" + img.id + "/" + size + ".jpg?_nc=" + std::to_string(nonce) + "&oe=" + oe + "&sig=" + sig;
}

httplib::Server::Handler FakeApi::wrap(std::string kind, std::string endpoint, Handler handler) {
    return [this, kind = std::move(kind), endpoint = std::move(endpoint), handler = std::move(handler)](
               const Request& req, Response& res) {
        stats_.request(endpoint);
        Decision d;
        if (kind != "control") {
            faults_.delay();
            std::string key = req.method + " " + req.path + "?";
            for (const auto& [k, v] : req.params)
                if (k != "access_token" && k != "_nc" && k != "oe" && k != "sig") key += k + "=" + v + "&";
            d = faults_.decide(key, kind == "graph", kind != "img");
        }
        auto log = [&](const std::string& outcome) {
            if (o_.log)
                std::fprintf(stderr, "mly-fakeapi: %s %s -> %s\n", req.method.c_str(), redacted_target(req).c_str(),
                             outcome.c_str());
        };
        switch (d.fault) {
            case Fault::burst_429:
            case Fault::rate_limit:
                stats_.fault(fault_name(d.fault));
                res.set_header("Retry-After", std::to_string(d.retry_after));
                send_json(res, 429,
                          graph_error("Application request limit reached", "MLYApiException", 4, 0, true, ++trace_));
                stats_.status(429);
                log("429 (" + std::string(fault_name(d.fault)) + ")");
                return;
            case Fault::code4:
                stats_.fault("code4");
                send_json(res, 403,
                          graph_error("Application request limit reached", "MLYApiException", 4, 0, true, ++trace_));
                stats_.status(403);
                log("403 (code4)");
                return;
            case Fault::server_error:
                stats_.fault("5xx");
                if (kind == "graph") {
                    send_json(res, 500,
                              graph_error("An unknown error has occurred.", "OAuthException", 1, 0, true, ++trace_));
                } else {
                    res.status = 503;
                    res.set_content("Service Unavailable\n", "text/plain");
                }
                stats_.status(res.status);
                log(std::to_string(res.status) + " (5xx)");
                return;
            case Fault::drop:
                stats_.fault("drop");
                stats_.status(0);
                shut_connection(req);
                res.status = 500;  // never arrives: the connection is gone
                log("dropped");
                return;
            default: break;
        }
        current_fault = d.fault;
        try {
            handler(req, res);
        } catch (const std::exception& e) {
            send_json(res, 500,
                      graph_error(std::string("mly-fakeapi: ") + e.what(), "OAuthException", 1, 0, false, ++trace_));
        }
        if (res.status == -1) res.status = 200;
        if (d.fault == Fault::truncate) {
            // Declare the whole length (at least 1), send half, then fail the
            // provider so httplib closes the connection.
            stats_.fault("truncate");
            auto body = std::make_shared<std::string>(std::move(res.body));
            res.body.clear();
            std::size_t declared = std::max<std::size_t>(body->size(), 1), half = body->size() / 2;
            std::string type = res.get_header_value("Content-Type");
            res.headers.erase("Content-Type");
            res.set_content_provider(declared, type.empty() ? "application/octet-stream" : type,
                                     [body, half](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                         if (offset < half) return sink.write(body->data() + offset, half - offset);
                                         return false;
                                     });
            stats_.status(res.status);
            log(std::to_string(res.status) + " (truncated to " + std::to_string(half) + " of " +
                std::to_string(declared) + " bytes)");
            return;
        }
        stats_.status(res.status);
        log(std::to_string(res.status));
    };
}

void FakeApi::install(httplib::Server& s, const std::string& base_url) {
    base_ = base_url;
    install_control(s);
    install_upload(s, *this);  // before the graph's catch-all routes
    install_graph(s);
    install_tiles(s);
    install_images(s);
    auto nothing = [](const Request& req, Response& res) {
        send_json(res, 404, graph_error("Unknown path " + req.path, "MLYApiException", 100, 0, false, 0));
    };
    s.Get(".*", wrap("control", "other", nothing));
    s.Post(".*", wrap("control", "other", nothing));
}

// ---- Graph ------------------------------------------------------------------

struct GraphRoutes {
    FakeApi& api;
    const Dataset& d;

    std::uint64_t trace() { return ++api.trace_; }

    void bad_request(Response& res, const std::string& message, int subcode = 0) {
        send_json(res, 400, graph_error(message, "MLYApiException", 100, subcode, false, trace()));
    }
    void unknown_id(Response& res, const std::string& id) {
        bad_request(res,
                    "Unsupported get request. Object with ID '" + id +
                        "' does not exist, cannot be loaded due to missing permissions, or does not support this "
                        "operation",
                    33);
    }

    void write_image(Writer& w, const Image& img, const Selection& sel, bool with_urls = true) {
        const Sequence& seq = d.sequence_of(img);
        const User& creator = d.creator_of(img);
        auto has = [&](const std::string& f) { return sel.count(f) > 0; };
        // What only processing yields is left out for unprocessed images.
        auto sfm = [&](const std::string& f) { return has(f) && img.processed; };
        auto text = [&](const std::string& k, const std::string& v) {
            w.Key(k.c_str());
            w.String(v.c_str());
        };
        auto number = [&](const char* k, double v) {
            w.Key(k);
            w.Double(v);
        };
        auto integer = [&](const char* k, std::int64_t v) {
            w.Key(k);
            w.Int64(v);
        };
        auto numbers = [&](const char* k, const auto& vs) {
            w.Key(k);
            w.StartArray();
            for (double v : vs) w.Double(v);
            w.EndArray();
        };
        auto point = [&](const char* k, mapi::LatLon p) {
            w.Key(k);
            write_point(w, p, sel, k);
        };

        w.StartObject();
        text("id", img.id);
        if (has("altitude")) number("altitude", img.altitude);
        if (sfm("atomic_scale")) number("atomic_scale", img.atomic_scale);
        if (has("camera_parameters")) numbers("camera_parameters", seq.camera_parameters);
        if (has("camera_type")) text("camera_type", seq.camera_type);
        if (has("captured_at")) integer("captured_at", img.captured_at);
        if (has("compass_angle")) number("compass_angle", img.compass_angle);
        if (sfm("computed_altitude")) number("computed_altitude", img.computed_altitude);
        if (sfm("computed_compass_angle")) number("computed_compass_angle", img.computed_compass_angle);
        if (sfm("computed_geometry")) point("computed_geometry", img.computed_geometry);
        if (sfm("computed_rotation")) numbers("computed_rotation", img.computed_rotation);
        if (has("creator")) {
            w.Key("creator");
            w.StartObject();
            if (wants(sel, "creator", "username")) text("username", creator.username);
            text("id", creator.id);
            w.EndObject();
        }
        // detections: none are generated, and the service leaves absent data out.
        if (has("exif_orientation")) integer("exif_orientation", seq.exif_orientation);
        if (has("geometry")) point("geometry", img.geometry);
        if (has("height")) integer("height", seq.height);
        if (has("is_pano")) {
            w.Key("is_pano");
            w.Bool(seq.is_pano());
        }
        if (has("make")) text("make", seq.make);
        if (sfm("merge_cc")) {
            w.Key("merge_cc");
            w.Uint64(img.merge_cc);
        }
        // mesh and sfm_cluster: {id, url}, the url on the image host.
        auto asset = [&](const char* f, const std::string& id, const char* path) {
            w.Key(f);
            w.StartObject();
            text("id", id);
            if (wants(sel, f, "url")) text("url", api.base_ + path + id);
            w.EndObject();
        };
        if (sfm("mesh")) asset("mesh", img.mesh_id, "/img/mesh/");
        if (has("model")) text("model", seq.model);
        if (has("organization") && seq.organization) {
            const Organization& o = d.organizations[*seq.organization];
            bool narrowed = !sel.at("organization").empty();  // the whole value is just the id
            w.Key("organization");
            w.StartObject();
            text("id", o.id);
            if (narrowed && wants(sel, "organization", "slug")) text("slug", o.slug);
            if (narrowed && wants(sel, "organization", "name")) text("name", o.name);
            if (narrowed && wants(sel, "organization", "description")) text("description", o.description);
            w.EndObject();
        }
        if (has("quality_score")) number("quality_score", img.quality_score);
        if (has("sequence")) text("sequence", seq.id);
        if (sfm("sfm_cluster")) asset("sfm_cluster", img.sfm_cluster_id, "/img/cluster/");
        for (const std::string size : {"256", "1024", "2048", "original"})
            if (with_urls && has("thumb_" + size + "_url")) text("thumb_" + size + "_url", api.image_url(img, size));
        if (has("width")) integer("width", seq.width);
        w.EndObject();
    }

    void write_user(Writer& w, const User& u, const Selection& sel) {
        w.StartObject();
        put(w, "id", u.id);
        if (sel.count("username")) put(w, "username", u.username);
        w.EndObject();
    }

    void write_organization(Writer& w, const Organization& o, const Selection& sel) {
        w.StartObject();
        put(w, "id", o.id);
        if (sel.count("slug")) put(w, "slug", o.slug);
        if (sel.count("name")) put(w, "name", o.name);
        if (sel.count("description")) put(w, "description", o.description);
        w.EndObject();
    }

    // Writes the node with this id; false (and the error in res) when there is none.
    bool write_node(Writer& w, const std::string& id, const std::string& fields, Response& res) {
        Selection sel;
        if (auto it = d.image_by_id.find(id); it != d.image_by_id.end()) {
            if (auto err = select(fields, image_schema, "Image", sel)) return bad_request(res, *err), false;
            write_image(w, d.images[it->second], sel);
        } else if (auto it = d.user_by_id.find(id); it != d.user_by_id.end()) {
            if (auto err = select(fields, user_schema, "User", sel)) return bad_request(res, *err), false;
            write_user(w, d.users[it->second], sel);
        } else if (auto it = d.organization_by_id.find(id); it != d.organization_by_id.end()) {
            if (auto err = select(fields, organization_schema, "Organization", sel))
                return bad_request(res, *err), false;
            write_organization(w, d.organizations[it->second], sel);
        } else {
            unknown_id(res, id);
            return false;
        }
        return true;
    }

    void me(const Request& req, Response& res, const User& u) {
        Selection sel;
        if (auto err = select(param(req, "fields"), user_schema, "User", sel)) return bad_request(res, *err);
        rapidjson::StringBuffer buf;
        Writer w(buf);
        write_user(w, u, sel);
        send_json(res, 200, buf.GetString());
    }

    void node(const Request& req, Response& res, const std::string& id) {
        rapidjson::StringBuffer buf;
        Writer w(buf);
        if (write_node(w, id, param(req, "fields"), res)) send_json(res, 200, buf.GetString());
    }

    void ids(const Request& req, Response& res) {
        if (!req.has_param("ids"))
            return bad_request(res, "Unsupported get request. Please read the Graph API documentation");
        auto list = split(req.get_param_value("ids"), ',');
        list.erase(std::remove(list.begin(), list.end(), std::string()), list.end());
        if (list.empty()) return bad_request(res, "The parameter ids is empty");
        if (list.size() > 50)
            return bad_request(res, "Too many ids (" + std::to_string(list.size()) + "); the maximum is 50");
        rapidjson::StringBuffer buf;
        Writer w(buf);
        w.StartObject();
        std::set<std::string> seen;
        for (const auto& id : list) {
            if (!seen.insert(id).second) continue;
            w.Key(id.c_str());
            if (!write_node(w, id, param(req, "fields"), res)) return;
        }
        w.EndObject();
        send_json(res, 200, buf.GetString());
    }

    void image_ids(const Request& req, Response& res) {
        if (!req.has_param("sequence_id")) return bad_request(res, "Missing a required parameter: sequence_id");
        rapidjson::StringBuffer buf;
        Writer w(buf);
        w.StartObject();
        w.Key("data");
        w.StartArray();
        if (auto it = d.sequence_by_id.find(req.get_param_value("sequence_id")); it != d.sequence_by_id.end()) {
            for (std::size_t i : d.sequences[it->second].images) {
                w.StartObject();
                put(w, "id", d.images[i].id);
                w.EndObject();
            }
        }
        w.EndArray();
        w.EndObject();
        send_json(res, 200, buf.GetString());
    }

    void images(const Request& req, Response& res) {
        Selection sel;
        if (auto err = select(param(req, "fields"), image_schema, "Image", sel)) return bad_request(res, *err);
        std::vector<std::size_t> found;
        bool truncating = false;  // a bbox search: no paging, as the service answers

        if (req.has_param("image_ids")) {
            std::set<std::string> seen;
            for (const auto& id : split(req.get_param_value("image_ids"), ','))
                if (auto it = d.image_by_id.find(id); it != d.image_by_id.end() && seen.insert(id).second)
                    found.push_back(it->second);
        } else {
            std::optional<tiles::Bbox> bbox;
            if (req.has_param("bbox")) {
                auto parts = split(req.get_param_value("bbox"), ',');
                std::vector<double> v;
                for (const auto& p : parts)
                    if (auto x = to_double(p)) v.push_back(*x);
                if (parts.size() != 4 || v.size() != 4 || v[0] > v[2] || v[1] > v[3] || !mapi::valid_lon(v[0]) ||
                    !mapi::valid_lon(v[2]) || !mapi::valid_lat(v[1]) || !mapi::valid_lat(v[3]))
                    return bad_request(res, "Invalid parameter bbox: expected minLon,minLat,maxLon,maxLat");
                double area = (v[2] - v[0]) * (v[3] - v[1]);
                if (area >= 0.01) {
                    char msg[200];
                    std::snprintf(msg, sizeof msg,
                                  "Bounding box area is too large. Maximum allowed area is 0.010 square degrees, "
                                  "but got %.3f square degrees.",
                                  area);
                    return bad_request(res, msg);
                }
                bbox = tiles::Bbox{v[0], v[1], v[2], v[3]};
                truncating = true;
            }
            std::optional<std::size_t> creator;
            if (req.has_param("creator_username")) {
                auto it = d.user_by_name.find(req.get_param_value("creator_username"));
                creator = it == d.user_by_name.end() ? d.users.size() : it->second;  // unknown: matches nothing
            }
            std::optional<std::string> organization;
            if (req.has_param("organization_id")) organization = req.get_param_value("organization_id");
            std::optional<std::set<std::string>> sequences;
            for (const char* name : {"sequence_ids", "sequence_id"})
                if (req.has_param(name)) {
                    auto list = split(req.get_param_value(name), ',');
                    sequences.emplace(list.begin(), list.end());
                }
            if (!bbox && !creator && !organization && !sequences)
                return bad_request(res,
                                   "Missing a required parameter: one of bbox, creator_username, "
                                   "organization_id, sequence_ids or image_ids");
            std::optional<std::int64_t> start, end;
            for (auto [name, slot] : {std::pair{"start_captured_at", &start}, std::pair{"end_captured_at", &end}}) {
                if (!req.has_param(name)) continue;
                auto t = mapi::parse_time(req.get_param_value(name));
                if (!t)
                    return bad_request(res, std::string("Invalid parameter ") + name + ": expected an ISO 8601 time");
                *slot = t->time_since_epoch().count();
            }
            std::optional<bool> pano;
            if (req.has_param("is_pano")) {
                std::string v = req.get_param_value("is_pano");
                if (v != "true" && v != "false")
                    return bad_request(res, "Invalid parameter is_pano: expected true or false");
                pano = v == "true";
            }
            std::string make = param(req, "make"), model = param(req, "model");

            for (std::size_t i = 0; i < d.images.size(); ++i) {
                const Image& img = d.images[i];
                const Sequence& seq = d.sequence_of(img);
                if (bbox && !(img.geometry.lon >= bbox->min_lon && img.geometry.lon <= bbox->max_lon &&
                              img.geometry.lat >= bbox->min_lat && img.geometry.lat <= bbox->max_lat))
                    continue;
                if (creator && seq.user != *creator) continue;
                if (organization && (!seq.organization || d.organizations[*seq.organization].id != *organization))
                    continue;
                if (sequences && !sequences->count(seq.id)) continue;
                if (start && img.captured_at < *start) continue;
                if (end && img.captured_at > *end) continue;
                if (pano && seq.is_pano() != *pano) continue;
                if (!make.empty() && seq.make != make) continue;
                if (!model.empty() && seq.model != model) continue;
                found.push_back(i);
            }
            std::stable_sort(found.begin(), found.end(), [&](std::size_t a, std::size_t b) {
                return std::tie(d.images[a].captured_at, d.images[a].id) <
                       std::tie(d.images[b].captured_at, d.images[b].id);
            });
        }

        long long limit = 2000;
        if (req.has_param("limit")) {
            auto l = to_integer(req.get_param_value("limit"));
            if (!l || *l < 1) return bad_request(res, "Invalid parameter limit: expected a positive integer");
            limit = std::min<long long>(*l, 2000);
        }
        std::size_t offset = 0;
        if (req.has_param("after")) {
            auto a = to_integer(req.get_param_value("after"));
            if (!a || *a < 0) return bad_request(res, "Invalid parameter after: not a cursor of this search");
            offset = std::min<std::size_t>(std::size_t(*a), found.size());
        }
        std::size_t stop = std::min(found.size(), offset + std::size_t(limit));

        rapidjson::StringBuffer buf;
        Writer w(buf);
        w.StartObject();
        w.Key("data");
        w.StartArray();
        for (std::size_t k = offset; k < stop; ++k) write_image(w, d.images[found[k]], sel);
        w.EndArray();
        if (!truncating && !req.has_param("image_ids") && stop < found.size()) {
            std::string next = api.base_ + "/graph/images?";
            for (const auto& [k, v] : req.params)
                if (k != "after") next += k + "=" + percent_encode(v) + "&";
            next += "after=" + std::to_string(stop);
            w.Key("paging");
            w.StartObject();
            put(w, "next", next);
            w.EndObject();
        }
        w.EndObject();
        send_json(res, 200, buf.GetString());
    }

    // The client token the login needs: "Authorization: OAuth MLY|<digits>|<hex>"
    // (reference 1.2, 1.3); a user token or none is refused with 401 code 190.
    static bool client_token(const Request& req) {
        static const std::regex shape(R"(MLY\|[0-9]+\|[0-9a-f]+)");
        std::string auth = req.get_header_value("Authorization");
        return auth.size() > 6 && strncasecmp(auth.c_str(), "OAuth ", 6) == 0 &&
               std::regex_match(auth.substr(6), shape);
    }

    void login(const Request& req, Response& res) {
        if (!client_token(req)) {
            api.stats().fault("unauthorized");
            return send_json(res, 401,
                             graph_error("Invalid OAuth 2.0 Access Token: login needs the client token "
                                         "(Authorization: OAuth MLY|<app id>|<hex>)",
                                         "MLYApiException", 190, 0, false, trace()));
        }
        rapidjson::Document doc;
        doc.Parse(req.body.c_str());
        auto text = [&](const char* k) -> std::string {
            if (!doc.IsObject() || !doc.HasMember(k) || !doc[k].IsString()) return "";
            return doc[k].GetString();
        };
        for (const auto& u : d.users) {
            if (u.email == text("email") && text("password") == "secret") {
                // Logging in authorizes the application again: a revocation is lifted.
                {
                    std::lock_guard lock(api.revoked_mutex_);
                    api.revoked_.erase(u.id);
                }
                std::string body = R"({"access_token":")" + u.token + R"(","user_id":")" + u.id + R"("})";
                return send_json(res, 200, body);
            }
        }
        rapidjson::StringBuffer buf;
        Writer w(buf);
        w.StartObject();
        w.Key("error");
        w.StartObject();
        put(w, "message", "Invalid username or password");
        put(w, "type", "MLYApiException");
        put(w, "code", std::int64_t(1));
        put(w, "error_subcode", std::int64_t(1348028));
        put(w, "error_user_title", "Wrong login credentials");
        put(w, "error_user_msg", "The email or password you entered is incorrect.");
        put(w, "fbtrace_id", "AFakeLogin");
        w.EndObject();
        w.EndObject();
        send_json(res, 401, buf.GetString());
    }
};

void FakeApi::install_graph(httplib::Server& s) {
    auto routes = std::make_shared<GraphRoutes>(GraphRoutes{*this, data_});
    // Each graph handler needs the token; the user it names goes to `me`.
    auto authed = [this](std::string endpoint, std::function<void(const Request&, Response&, const User&)> h) {
        return wrap("graph", std::move(endpoint), [this, h = std::move(h)](const Request& req, Response& res) {
            const User* u = user_of(req);
            if (!u) return unauthorized(res);
            if (revoked(*u)) return revoked_token(res);
            h(req, res, *u);
        });
    };
    s.Get(R"(/graph/me/?)",
          authed("graph.me", [routes](const Request& q, Response& r, const User& u) { routes->me(q, r, u); }));
    s.Get(R"(/graph/images/?)",
          authed("graph.images", [routes](const Request& q, Response& r, const User&) { routes->images(q, r); }));
    s.Get(R"(/graph/image_ids/?)",
          authed("graph.image_ids", [routes](const Request& q, Response& r, const User&) { routes->image_ids(q, r); }));
    s.Get(R"(/graph/?)",
          authed("graph.ids", [routes](const Request& q, Response& r, const User&) { routes->ids(q, r); }));
    s.Get(R"(/graph/(\d+)/detections/?)",
          authed("graph.detections", [routes](const Request& q, Response& r, const User&) {
              if (!routes->d.image_by_id.count(q.matches[1])) return routes->unknown_id(r, q.matches[1]);
              send_json(r, 200, R"({"data":[]})");
          }));
    s.Get(R"(/graph/([^/]+)/?)", authed("graph.node", [routes](const Request& q, Response& r, const User&) {
              routes->node(q, r, q.matches[1]);
          }));
    s.Get(R"(/graph/.*)", authed("graph.other", [routes](const Request&, Response& r, const User&) {
              routes->bad_request(r, "Unsupported get request. Please read the Graph API documentation");
          }));
    s.Post(R"(/graph/login/?)",
           wrap("graph", "graph.login", [routes](const Request& q, Response& r) { routes->login(q, r); }));
    s.Post(R"(/graph/logging/?)",
           wrap("graph", "graph.logging", [](const Request&, Response& r) { send_json(r, 200, "{}"); }));
    s.Post(R"(/graph/token/?)", wrap("graph", "graph.token", [this](const Request&, Response& r) {
               std::string body = R"({"access_token":")" + data_.users.at(0).token +
                                  R"(","expires_in":5184000,"token_type":"bearer"})";
               send_json(r, 200, body);
           }));
}

// ---- Tiles ------------------------------------------------------------------

namespace {

// Tile t of mly1_public, or of mly1_computed_public (computed positions; the
// unprocessed images have none and are left out), as the service would send
// it: below zoom 6 an `overview` layer (a point per sequence), below 14 the
// `sequence` layer, at 14 `sequence` and `image`. Empty: no layers at all.
std::string coverage_tile(const Dataset& d, tiles::TileId t, bool computed) {
    auto position = [&](const Image& img) { return computed ? img.computed_geometry : img.geometry; };
    auto shown = [&](const Image& img) { return !computed || img.processed; };
    auto inside = [&](const Image& img) { return tiles::tile_at(position(img), t.z) == t; };
    // Longitudes unwrapped towards this tile, so a line across the
    // antimeridian stays short in tile coordinates.
    tiles::Bbox b = tiles::tile_bounds(t);
    double centre = (b.min_lon + b.max_lon) / 2;
    auto near = [&](const Image& img) {
        mapi::LatLon p = position(img);
        if (p.lon - centre > 180) p.lon -= 360;
        if (p.lon - centre < -180) p.lon += 360;
        return p;
    };

    if (t.z < 6) {
        tiles::Tile tile;
        tiles::Layer& layer = tile.layers.emplace_back();
        layer.name = "overview";
        for (const auto& seq : d.sequences) {
            auto first =
                std::find_if(seq.images.begin(), seq.images.end(), [&](std::size_t i) { return shown(d.images[i]); });
            if (first == seq.images.end() || !inside(d.images[*first])) continue;
            const Image& img = d.images[*first];
            tiles::Feature& f = layer.features.emplace_back();
            f.id = layer.features.size() - 1;
            f.type = tiles::GeomType::point;
            f.properties = {{"captured_at", std::int64_t(img.captured_at)},
                            {"id", std::uint64_t(std::stoull(img.id))},
                            {"is_pano", seq.is_pano()},
                            {"sequence_id", seq.id}};
            auto [px, py] = tiles::lonlat_to_tile(t, layer.extent, near(img));
            f.parts = {{tiles::Point{std::int32_t(std::lround(px)), std::int32_t(std::lround(py))}}};
        }
        return layer.features.empty() ? std::string() : tiles::encode_tile(tile);
    }

    tiles::Coverage c;
    for (const auto& seq : d.sequences) {
        std::string org = seq.organization ? d.organizations[*seq.organization].id : "";
        std::vector<const Image*> pts;
        for (std::size_t i : seq.images)
            if (shown(d.images[i])) pts.push_back(&d.images[i]);
        // The line: runs of the points in this tile, each with one point
        // beyond either end, so the line reaches the tile's edge.
        tiles::SequenceLine line;
        std::vector<mapi::LatLon>* run = nullptr;
        for (std::size_t k = 0; k < pts.size(); ++k) {
            bool in = inside(*pts[k]);
            if (in || (k > 0 && inside(*pts[k - 1])) || (k + 1 < pts.size() && inside(*pts[k + 1]))) {
                if (!run) run = &line.lines.emplace_back();
                run->push_back(near(*pts[k]));
            } else {
                run = nullptr;
            }
            if (in && t.z == 14) {
                tiles::ImagePoint& ip = c.images.emplace_back();
                ip.id = pts[k]->id;
                ip.sequence_id = seq.id;
                ip.captured_at = pts[k]->captured_at;
                ip.compass_angle = computed ? pts[k]->computed_compass_angle : pts[k]->compass_angle;
                ip.is_pano = seq.is_pano();
                ip.organization_id = org;
                ip.creator_id = d.users[seq.user].id;
                ip.pos = near(*pts[k]);
            }
        }
        // A run of one point (a one-image sequence) is no line: encode_coverage
        // leaves it out, as MVT has no such line.
        if (line.lines.empty()) continue;
        line.id = seq.id;
        line.image_id = pts.front()->id;
        line.captured_at = pts.front()->captured_at;
        line.is_pano = seq.is_pano();
        line.organization_id = org;
        c.sequences.push_back(std::move(line));
    }
    return tiles::encode_coverage(c, t);
}

}  // namespace

void FakeApi::install_tiles(httplib::Server& s) {
    auto tile = [this](const Request& req, Response& res) {
        if (!user_of(req)) return unauthorized(res);
        std::string tileset = req.matches[1];
        auto z = to_integer(req.matches[2]), x = to_integer(req.matches[3]), y = to_integer(req.matches[4]);
        if (!z || !x || !y || *z > 14 || *x >= (1LL << *z) || *y >= (1LL << *z)) {
            res.status = 404;
            return res.set_content("no such tile\n", "text/plain");
        }
        tiles::TileId t{int(*z), std::uint32_t(*x), std::uint32_t(*y)};
        std::string body;
        if (tileset == "mly1_public" || tileset == "mly1_computed_public") {
            body = coverage_tile(data_, t, tileset == "mly1_computed_public");
        } else if (tileset != "mly_map_feature_point" && tileset != "mly_map_feature_traffic_sign") {
            res.status = 404;
            return res.set_content("unknown tileset " + tileset + "\n", "text/plain");
        }  // the map feature tilesets: empty, there are no map features here
        if (o_.gzip_tiles && !body.empty()) body = gzip(body);
        res.status = 200;
        res.set_content(body, "application/x-protobuf");
    };
    s.Get(R"(/tiles/maps/vtp/([^/]+)/2/(\d+)/(\d+)/(\d+)/?)", wrap("tiles", "tiles", tile));
}

// ---- Image host ---------------------------------------------------------------

void FakeApi::install_images(httplib::Server& s) {
    s.Get(R"(/img/(\d+)/(256|1024|2048|original)\.jpg)", wrap("img", "img", [this](const Request& req, Response& res) {
              std::string id = req.matches[1], size = req.matches[2];
              auto forbidden = [&](const char* why, const char* fault) {
                  stats_.fault(fault);
                  res.status = 403;
                  res.set_content(std::string(why) + "\n", "text/plain");
              };
              auto it = data_.image_by_id.find(id);
              std::string nonce = param(req, "_nc"), oe = param(req, "oe"), sig = param(req, "sig");
              if (it == data_.image_by_id.end() || nonce.empty() || oe.empty() ||
                  sig != hex_sha256(secret_ + "|" + id + "|" + size + "|" + nonce + "|" + oe, 16))
                  return forbidden("URL signature mismatch", "bad_signature");
              long long expiry = std::strtoll(oe.c_str(), nullptr, 16);
              if (now_s() > expiry) return forbidden("URL signature expired", "expired_url");
              auto n = to_integer(nonce);
              bool whole = current_fault != Fault::truncate;  // a cut-short download spends nothing
              if (o_.urls_once) {
                  std::lock_guard lock(used_mutex_);
                  std::uint64_t key = n.value_or(0);
                  if (used_urls_.count(key)) return forbidden("URL signature expired", "used_url");
                  if (whole) used_urls_.insert(key);
              }
              const Image& img = data_.images[it->second];
              const Sequence& seq = data_.sequence_of(img);
              auto [w, h] = Pictures::served_size(size, seq.width, seq.height);
              res.status = 200;
              res.set_content(pictures_.jpeg(img.picture, w, h, "mly-fakeapi image " + id + " size " + size),
                              "image/jpeg");
              if (whole) stats_.download(id, size);
          }));
    s.Get(R"(/img/mesh/(\d+))", wrap("img", "img.mesh", [](const Request&, Response& res) {
              res.status = 200;
              res.set_content("", "application/x-protobuf");
          }));
    s.Get(R"(/img/cluster/(\d+))", wrap("img", "img.cluster", [](const Request&, Response& res) {
              res.status = 200;
              res.set_content("[]", "application/json");
          }));
}

// ---- Control ---------------------------------------------------------------------

void FakeApi::install_control(httplib::Server& s) {
    s.Get(R"(/__fake/stats)", wrap("control", "control", [this](const Request& req, Response& res) {
              send_json(res, 200, stats_.json());
              if (param(req, "reset") == "1") stats_.reset();
          }));
    s.Get(R"(/__fake/dataset)", wrap("control", "control", [this](const Request&, Response& res) {
              GraphRoutes g{*this, data_};
              Selection all;
              for (const auto& [field, subs] : image_schema) all[field];
              rapidjson::StringBuffer buf;
              Writer w(buf);
              w.StartObject();
              put(w, "name", data_.name);
              put(w, "seed", std::uint64_t(data_.spec.seed));
              put(w, "base_url", base_);
              w.Key("users");
              w.StartArray();
              for (const auto& u : data_.users) {
                  w.StartObject();
                  put(w, "id", u.id);
                  put(w, "username", u.username);
                  put(w, "email", u.email);
                  put(w, "password", "secret");
                  put(w, "token", u.token);
                  put(w, "can_upload", u.can_upload);
                  w.EndObject();
              }
              w.EndArray();
              w.Key("organizations");
              w.StartArray();
              for (const auto& o : data_.organizations)
                  g.write_organization(w, o, {{"slug", {}}, {"name", {}}, {"description", {}}});
              w.EndArray();
              w.Key("sequences");
              w.StartArray();
              for (const auto& seq : data_.sequences) {
                  w.StartObject();
                  put(w, "id", seq.id);
                  put(w, "creator_id", data_.users[seq.user].id);
                  put(w, "creator_username", data_.users[seq.user].username);
                  if (seq.organization) put(w, "organization_id", data_.organizations[*seq.organization].id);
                  put(w, "place", seq.place);
                  put(w, "camera_type", seq.camera_type);
                  put(w, "is_pano", seq.is_pano());
                  put(w, "processed", bool(!seq.images.empty() && data_.images[seq.images[0]].processed));
                  w.Key("image_ids");
                  w.StartArray();
                  for (std::size_t i : seq.images) w.String(data_.images[i].id.c_str());
                  w.EndArray();
                  w.EndObject();
              }
              w.EndArray();
              w.Key("images");
              w.StartArray();
              for (const auto& img : data_.images) {
                  // The graph's fields without the URLs, which are made per request,
                  // then what a test needs to find the image elsewhere.
                  std::string inner;
                  {
                      rapidjson::StringBuffer b2;
                      Writer w2(b2);
                      g.write_image(w2, img, all, false);
                      inner = b2.GetString();
                  }
                  auto tile = tiles::tile_at(img.geometry);
                  std::string extra =
                      R"(,"tile":")" + tiles::to_string(tile) + R"(","picture":)" + std::to_string(img.picture) + "}";
                  inner.pop_back();
                  inner += extra;
                  w.RawValue(inner.c_str(), inner.size(), rapidjson::kObjectType);
              }
              w.EndArray();
              w.EndObject();
              send_json(res, 200, buf.GetString());
          }));
}

}  // namespace fakeapi
