// faults: what mly-fakeapi does wrong on purpose, and what it counts.
//
// Deterministic from the seed: whether the k-th request for a given URL
// (method, path and parameters, less the token and the signature of image
// URLs) fails, and how, depends only on the seed, that URL and k. So a run
// with the same requests meets the same faults whatever the order parallel
// clients send them in, and a retry of a failed request (k + 1) gets a fresh
// draw. --burst-429 and --rate-limit count requests and time instead.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace fakeapi {

struct FaultOptions {
    std::uint64_t seed = 1;
    int latency_ms = 0;   // added to every data request
    double fail_5xx = 0;  // probability of 500 (graph) / 503 (tiles, images)
    double drop = 0;      // of closing the connection without an answer
    double truncate = 0;  // of a Content-Length larger than the body sent
    double code4 = 0;     // of 403 with the code-4 "request limit" body (graph only)
    int burst_429 = 0;    // the first N data requests get 429, Retry-After: 1
    int rate_limit = 0;   // requests per minute to the graph, tiles and upload
                          // hosts (not the image CDN); beyond: 429 with Retry-After
    // Upload POSTs only, drawn (decide_upload) once a POST got past the
    // faults above, its token and its offset check:
    double cut_upload = 0;  // take a random part of the body, keep it, close the connection
    double upload_412 = 0;  // 412 OffsetInvalidError though the offset was right
    double upload_429 = 0;  // 429 RequestRateLimitedError with "backoff": upload_backoff_ms
    int upload_backoff_ms = 200;
    // Image URLs handed out by the graph: the probability that one has
    // already expired when it is issued (an edge cache serving it late).
    double stale_urls = 0;
    // finish_upload answers this long after it made the cluster: the window
    // in which a client killed has sent a finish and not heard of it.
    int finish_delay_ms = 0;
};

enum class Fault { none, burst_429, rate_limit, server_error, drop, truncate, code4, cut_upload, upload_412, upload_429 };
const char* fault_name(Fault f);

struct Decision {
    Fault fault = Fault::none;
    int retry_after = 0;  // seconds, for the 429s
    double part = 0;      // cut_upload: the fraction of the body kept, in [0.05, 0.95)
};

class Faults {
public:
    explicit Faults(FaultOptions options) : o_(options) {}
    const FaultOptions& options() const { return o_; }

    // For one data request; key identifies the URL (see above); graph: to
    // the graph host (code4 applies); limited: counted by --rate-limit.
    Decision decide(const std::string& key, bool graph, bool limited);
    void delay() const;  // --latency
    // For one upload POST that got through decide(): cut_upload, upload_412,
    // upload_429 or none. key as for decide(); the draws are counted apart
    // from decide()'s, and are independent of them.
    Decision decide_upload(const std::string& key);
    // For one image URL being issued; key names the image and size. True:
    // issue it already expired (stale_urls). Drawn apart from the others.
    bool stale_url(const std::string& key);

private:
    FaultOptions o_;
    std::mutex mutex_;
    std::uint64_t requests_ = 0;
    std::map<std::string, std::uint64_t> attempts_, upload_attempts_, url_attempts_;
    std::deque<std::chrono::steady_clock::time_point> window_;  // accepted requests of the last minute
};

// Counters for GET /__fake/stats. Thread-safe.
class Stats {
public:
    void request(const std::string& endpoint);
    void status(int code);
    void fault(const std::string& kind);
    void download(const std::string& image_id, const std::string& size);
    std::string json() const;
    void reset();

private:
    mutable std::mutex mutex_;
    std::uint64_t requests_ = 0;
    std::map<std::string, std::uint64_t> endpoints_, statuses_, faults_, downloads_, download_sizes_;
};

}  // namespace fakeapi
