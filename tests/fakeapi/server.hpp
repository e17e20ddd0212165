// server: the routes of mly-fakeapi on one httplib::Server.
//
// URL layout, every service on one port (BASE is the URL printed at start):
//   BASE/graph/...      the Graph API      (config graph_url  = BASE/graph)
//   BASE/tiles/...      the tile host      (config tiles_url  = BASE/tiles)
//   BASE/img/...        the image CDN      (absolute URLs in thumb_*_url)
//   BASE/upload/...     the upload host    (config upload_url = BASE/upload)
//   BASE/__fake/...     control: stats and the dataset, for tests
// The paths under each prefix are those of reference/mapillary-api.md
// section 7; the file comment of server.cpp lists them.
#pragma once

#include "dataset.hpp"
#include "faults.hpp"
#include "pictures.hpp"

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <httplib.h>

namespace fakeapi {

struct ServerOptions {
    FaultOptions faults;
    // Image URLs: valid this many seconds after they were handed out, and
    // with once, for a single successful download.
    long url_ttl_s = 3 * 86400;
    bool urls_once = false;
    bool gzip_tiles = false;  // tile bodies gzip-compressed (no Content-Encoding), as some servers send them
    bool log = false;         // one line per request on stderr
};

class FakeApi {
public:
    FakeApi(ServerOptions options, Dataset dataset);

    // Registers every route; base_url is the URL clients reach the server at.
    void install(httplib::Server& server, const std::string& base_url);

    const Dataset& dataset() const { return data_; }
    Stats& stats() { return stats_; }

    using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
    // A handler with faults, latency, counting and logging around it. kind is
    // the host ("graph", "tiles", "img", "upload"; "control" gets no faults),
    // endpoint the name counted in the stats.
    httplib::Server::Handler wrap(std::string kind, std::string endpoint, Handler handler);

    // The user whose token the request carries (Authorization: OAuth T, or
    // access_token=T); null when none or unknown.
    const User* user_of(const httplib::Request& req) const;
    // 401 with code 190, as the Graph API answers a bad token.
    void unauthorized(httplib::Response& res);

    // Revocation (POST /__fake/revoke?user=NAME): from then on the user's
    // token is refused on the graph and upload hosts with revoked_token().
    void revoke(std::size_t user);
    bool revoked(const User& u) const;
    // 401 {"error": {"message": "Error validating access token: The user has
    // not authorized application.", "type": "OAuthException", "code": 190}}
    void revoked_token(httplib::Response& res);
    std::uint64_t next_trace() { return ++trace_; }
    // The upload faults of one upload POST (Faults::decide_upload), and the
    // "backoff" its 429s carry.
    Decision decide_upload(const std::string& key) { return faults_.decide_upload(key); }
    int upload_backoff_ms() const { return o_.faults.upload_backoff_ms; }
    int finish_delay_ms() const { return o_.faults.finish_delay_ms; }

private:
    void install_graph(httplib::Server& s);
    void install_tiles(httplib::Server& s);
    void install_images(httplib::Server& s);
    void install_control(httplib::Server& s);

    std::string image_url(const Image& img, const std::string& size);

    ServerOptions o_;
    Dataset data_;
    Faults faults_;
    Stats stats_;
    Pictures pictures_;
    std::string base_;
    std::string secret_;
    std::atomic<std::uint64_t> nonce_{0}, trace_{0};
    std::mutex used_mutex_;
    std::set<std::uint64_t> used_urls_;  // nonces of URLs spent under urls_once
    mutable std::mutex revoked_mutex_;
    std::set<std::string> revoked_;  // user ids

    friend struct GraphRoutes;
};

// Shuts down the connection req came on, so its client sees it end with no
// answer (and reads on it fail at once).
void shut_connection(const httplib::Request& req);

// JSON bodies shared by the route files.
void send_json(httplib::Response& res, int status, const std::string& body);
// {"error": {message, type, code, [error_subcode], [is_transient], fbtrace_id}}
std::string graph_error(const std::string& message, const std::string& type, int code, int subcode = 0,
                        bool transient = false, std::uint64_t trace = 0);

}  // namespace fakeapi
