// faults: see faults.hpp.
#include "faults.hpp"

#include <cmath>
#include <thread>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace fakeapi {

namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

std::uint64_t fnv1a(const std::string& s) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

}  // namespace

const char* fault_name(Fault f) {
    switch (f) {
        case Fault::none: return "none";
        case Fault::burst_429: return "burst_429";
        case Fault::rate_limit: return "rate_limit";
        case Fault::server_error: return "5xx";
        case Fault::drop: return "drop";
        case Fault::truncate: return "truncate";
        case Fault::code4: return "code4";
        case Fault::cut_upload: return "cut_upload";
        case Fault::upload_412: return "upload_412";
        case Fault::upload_429: return "upload_429";
    }
    return "?";
}

void Faults::delay() const {
    if (o_.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o_.latency_ms));
}

Decision Faults::decide(const std::string& key, bool graph, bool limited) {
    std::lock_guard lock(mutex_);
    if (requests_++ < std::uint64_t(o_.burst_429)) return {Fault::burst_429, 1};
    if (o_.rate_limit > 0 && limited) {
        auto now = std::chrono::steady_clock::now();
        while (!window_.empty() && now - window_.front() >= std::chrono::minutes(1)) window_.pop_front();
        if (window_.size() >= std::size_t(o_.rate_limit)) {
            double wait = std::chrono::duration<double>(window_.front() + std::chrono::minutes(1) - now).count();
            return {Fault::rate_limit, std::max(1, int(std::ceil(wait)))};
        }
        window_.push_back(now);
    }
    std::uint64_t attempt = ++attempts_[key];
    double u = double(mix(fnv1a(key) ^ mix(o_.seed) ^ mix(attempt)) >> 11) * 0x1.0p-53;
    double edge = o_.fail_5xx;
    if (u < edge) return {Fault::server_error, 0};
    if (u < (edge += o_.drop)) return {Fault::drop, 0};
    if (u < (edge += o_.truncate)) return {Fault::truncate, 0};
    if (graph && u < (edge += o_.code4)) return {Fault::code4, 0};
    return {};
}

Decision Faults::decide_upload(const std::string& key) {
    std::uint64_t attempt;
    {
        std::lock_guard lock(mutex_);
        attempt = ++upload_attempts_[key];
    }
    // A stream of its own: another constant mixed in, so these draws do not
    // repeat decide()'s for the same key and attempt.
    std::uint64_t x = mix(fnv1a(key) ^ mix(o_.seed ^ 0x75706C6F6164ull) ^ mix(attempt));
    double u = double(x >> 11) * 0x1.0p-53;
    double edge = o_.cut_upload;
    if (u < edge) {
        double v = double(mix(x) >> 11) * 0x1.0p-53;
        return {Fault::cut_upload, 0, 0.05 + 0.9 * v};
    }
    if (u < (edge += o_.upload_412)) return {Fault::upload_412, 0};
    if (u < (edge += o_.upload_429)) return {Fault::upload_429, 0};
    return {};
}

bool Faults::stale_url(const std::string& key) {
    if (o_.stale_urls <= 0) return false;
    std::uint64_t attempt;
    {
        std::lock_guard lock(mutex_);
        attempt = ++url_attempts_[key];
    }
    std::uint64_t x = mix(fnv1a(key) ^ mix(o_.seed ^ 0x7374616C65ull) ^ mix(attempt));
    return double(x >> 11) * 0x1.0p-53 < o_.stale_urls;
}

void Stats::request(const std::string& endpoint) {
    std::lock_guard lock(mutex_);
    ++requests_;
    ++endpoints_[endpoint];
}

void Stats::status(int code) {
    std::lock_guard lock(mutex_);
    ++statuses_[std::to_string(code)];
}

void Stats::fault(const std::string& kind) {
    std::lock_guard lock(mutex_);
    ++faults_[kind];
}

void Stats::download(const std::string& image_id, const std::string& size) {
    std::lock_guard lock(mutex_);
    ++downloads_[image_id];
    ++download_sizes_[size];
}

std::string Stats::json() const {
    std::lock_guard lock(mutex_);
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    auto table = [&](const char* name, const std::map<std::string, std::uint64_t>& m) {
        w.Key(name);
        w.StartObject();
        for (const auto& [k, v] : m) {
            w.Key(k.c_str());
            w.Uint64(v);
        }
        w.EndObject();
    };
    w.StartObject();
    w.Key("requests");
    w.Uint64(requests_);
    table("endpoints", endpoints_);
    table("status", statuses_);
    table("faults", faults_);
    table("downloads", downloads_);
    table("download_sizes", download_sizes_);
    w.EndObject();
    return buf.GetString();
}

void Stats::reset() {
    std::lock_guard lock(mutex_);
    requests_ = 0;
    endpoints_.clear();
    statuses_.clear();
    faults_.clear();
    downloads_.clear();
    download_sizes_.clear();
}

}  // namespace fakeapi
