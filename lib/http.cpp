#include "mapi/http.hpp"

#include "mapi/config.hpp"

#include <httplib.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <exception>
#include <map>
#include <random>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace mapi {

namespace {

using namespace std::chrono;

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

const char* status_text(int status) {
    switch (status) {
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 304: return "Not Modified";
        case 307: return "Temporary Redirect";
        case 308: return "Permanent Redirect";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 408: return "Request Timeout";
        case 410: return "Gone";
        case 412: return "Precondition Failed";
        case 413: return "Payload Too Large";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        default: return "";
    }
}

// "HTTP 503 Service Unavailable: Application request limit reached (code 4)"
std::string describe_status(int status, std::string_view body) {
    std::string s = "HTTP " + std::to_string(status);
    if (*status_text(status)) s += std::string(" ") + status_text(status);
    if (auto err = parse_api_error(body)) {
        if (!err->message.empty()) s += ": " + err->message;
        if (err->code) s += " (code " + std::to_string(err->code) +
                            (err->subcode ? ", subcode " + std::to_string(err->subcode) : "") + ")";
    } else if (!body.empty() && body.size() <= 200 &&
               std::all_of(body.begin(), body.end(), [](unsigned char c) { return c >= 0x20 || c == '\n' || c == '\t'; })) {
        std::string text(body);
        std::replace(text.begin(), text.end(), '\n', ' ');
        while (!text.empty() && text.back() == ' ') text.pop_back();
        if (!text.empty()) s += ": " + text;
    }
    return s;
}

bool is_post(std::string_view method) { return method == "POST"; }

// Whether an answer with this status is worth asking again (see http.hpp).
bool retryable_status(int status, std::string_view body, std::string_view method) {
    auto err = parse_api_error(body);
    if (err && err->code == 4) return true;  // the API's request limit: nothing was done
    if (is_post(method)) return status == 429 || status == 503;
    if (status == 408 || status == 429) return true;
    if (status >= 500) {
        if (err && err->transient == false) return false;
        if (body.find("reduce the amount of data") != std::string_view::npos) return false;
        return true;
    }
    return err && err->transient == true;
}

std::string describe_transport(httplib::Error e) {
    switch (e) {
        case httplib::Error::Connection: return "could not connect";
        case httplib::Error::ConnectionTimeout: return "timed out connecting";
        case httplib::Error::Read: return "the connection dropped or timed out while reading the answer";
        case httplib::Error::Write: return "the connection dropped while sending the request";
        case httplib::Error::SSLConnection: return "the TLS handshake failed";
        case httplib::Error::Compression: return "the compressed answer was corrupt";
        case httplib::Error::Canceled: return "the transfer was cancelled";
        default: return httplib::to_string(e);
    }
}

// Whether the server cannot have seen the whole request.
bool request_not_sent(httplib::Error e) {
    return e == httplib::Error::Connection || e == httplib::Error::ConnectionTimeout ||
           e == httplib::Error::Write || e == httplib::Error::SSLConnection;
}


std::string seconds_text(nanoseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", duration<double>(d).count());
    return buf;
}

}  // namespace

std::string header_value(const Headers& headers, std::string_view name) {
    for (const auto& [k, v] : headers)
        if (iequals(k, name)) return v;
    return "";
}

std::optional<nanoseconds> parse_retry_after(const std::string& v) {
    if (v.empty()) return std::nullopt;
    if (std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
        if (v.size() > 9) return hours(24 * 365);  // absurd; retry_after_max refuses it
        return seconds(std::stol(v));
    }
    std::tm tm{};
    const char* end = ::strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end) return std::nullopt;
    auto at = system_clock::from_time_t(::timegm(&tm));
    auto now = system_clock::now();
    return at > now ? duration_cast<nanoseconds>(at - now) : nanoseconds(0);
}

std::string Url::origin() const { return scheme + "://" + host + ":" + std::to_string(port); }

Url parse_url(const std::string& url) {
    auto bad = [&](const std::string& why) {
        return std::invalid_argument("bad URL '" + redact_url(url) + "': " + why);
    };
    if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; }))
        throw bad("it contains spaces or control characters");
    auto sep = url.find("://");
    if (sep == std::string::npos) throw bad("not an absolute http or https URL");
    Url u;
    u.scheme = lower(url.substr(0, sep));
    if (u.scheme != "http" && u.scheme != "https") throw bad("not an http or https URL");
    std::string rest = url.substr(sep + 3);
    auto auth_end = rest.find_first_of("/?#");
    std::string authority = rest.substr(0, auth_end);
    u.target = auth_end == std::string::npos ? "" : rest.substr(auth_end);
    if (auto hash = u.target.find('#'); hash != std::string::npos) u.target.erase(hash);
    if (u.target.empty() || u.target[0] != '/') u.target.insert(0, "/");
    if (auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
    std::string port;
    if (!authority.empty() && authority[0] == '[') {
        auto close = authority.find(']');
        if (close == std::string::npos) throw bad("unclosed '[' in the host");
        u.host = authority.substr(0, close + 1);
        std::string after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') throw bad("unexpected text after the host");
            port = after.substr(1);
        }
    } else {
        auto colon = authority.rfind(':');
        u.host = authority.substr(0, colon);
        if (colon != std::string::npos) port = authority.substr(colon + 1);
    }
    if (u.host.empty() || u.host == "[]") throw bad("no host");
    u.host = lower(u.host);
    if (port.empty()) {
        u.port = u.scheme == "https" ? 443 : 80;
    } else {
        if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }))
            throw bad("bad port '" + port + "'");
        u.port = std::stoi(port);
        if (u.port < 1 || u.port > 65535) throw bad("bad port '" + port + "'");
    }
    return u;
}

std::string redact_url(const std::string& url) {
    static const char* const sensitive[] = {"access_token", "token",    "client_token",
                                            "client_secret", "refresh_token", "password"};
    std::string out = url;
    // user:password@host
    if (auto sep = out.find("://"); sep != std::string::npos) {
        auto auth_end = out.find_first_of("/?#", sep + 3);
        auto at = out.rfind('@', auth_end == std::string::npos ? std::string::npos : auth_end);
        if (at != std::string::npos && at > sep) out.erase(sep + 3, at - (sep + 3) + 1);
    }
    auto q = out.find('?');
    if (q == std::string::npos) return out;
    auto frag = out.find('#', q);
    std::string query = out.substr(q + 1, frag == std::string::npos ? std::string::npos : frag - q - 1);
    std::string tail = frag == std::string::npos ? "" : out.substr(frag);
    std::string result = out.substr(0, q + 1);
    std::size_t pos = 0;
    bool first = true;
    while (pos <= query.size()) {
        auto amp = query.find('&', pos);
        std::string part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        auto eq = part.find('=');
        std::string name = lower(part.substr(0, eq));
        bool secret = std::any_of(std::begin(sensitive), std::end(sensitive), [&](const char* s) { return name == s; });
        if (!first) result += '&';
        result += secret ? part.substr(0, eq) + "=REDACTED" : part;
        first = false;
        if (amp == std::string::npos) break;
        pos = amp + 1;
    }
    return result + tail;
}

std::string url_encode(std::string_view s) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::optional<ApiErrorInfo> parse_api_error(std::string_view body) {
    if (body.empty() || body.size() > (1 << 20)) return std::nullopt;
    rapidjson::Document doc;
    // Normal precision: only integers and strings are read here, and
    // rapidjson 1.1.0's full-precision conversion crashes on some numbers
    // (see MapillaryApi::get_url).
    doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    auto e = doc.FindMember("error");
    if (e == doc.MemberEnd() || !e->value.IsObject()) return std::nullopt;
    const auto& o = e->value;
    ApiErrorInfo info;
    auto str = [&](const char* k, std::string& out) {
        auto m = o.FindMember(k);
        if (m != o.MemberEnd() && m->value.IsString()) out.assign(m->value.GetString(), m->value.GetStringLength());
    };
    auto num = [&](const char* k, int& out) {
        auto m = o.FindMember(k);
        if (m != o.MemberEnd() && m->value.IsInt()) out = m->value.GetInt();
    };
    str("message", info.message);
    str("type", info.type);
    str("error_user_msg", info.user_message);
    num("code", info.code);
    num("error_subcode", info.subcode);
    auto t = o.FindMember("is_transient");
    if (t != o.MemberEnd() && t->value.IsBool()) info.transient = t->value.GetBool();
    return info;
}

void Response::expect_ok() const {
    if (!ok()) throw HttpError(*this);
}

HttpError::HttpError(const Response& r)
    : std::runtime_error(r.method + " " + r.url + ": " + describe_status(r.status, r.body)),
      status(r.status),
      url(r.url) {}

Sink fd_sink(int fd) {
    off_t start = ::lseek(fd, 0, SEEK_CUR);
    Sink s;
    s.write = [fd](const char* data, std::size_t size) {
        while (size) {
            ssize_t n = ::write(fd, data, size);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw std::system_error(errno, std::generic_category(), "writing the download");
            data += n;
            size -= static_cast<std::size_t>(n);
        }
    };
    s.restart = [fd, start] {
        if (start < 0) throw std::runtime_error("cannot restart a download written to a pipe");
        if (::ftruncate(fd, start) != 0 || ::lseek(fd, start, SEEK_SET) != start)
            throw std::system_error(errno, std::generic_category(), "restarting the download");
    };
    return s;
}

// ---- RateLimiter

RateLimiter::RateLimiter(double per_minute, Clock now, Sleep sleep)
    : rate_(per_minute > 0 ? per_minute / 60.0 : 0),
      capacity_(std::max(1.0, rate_)),
      tokens_(capacity_),
      now_(now ? std::move(now) : Clock([] { return steady_clock::now(); })),
      sleep_(sleep ? std::move(sleep) : Sleep([](nanoseconds d) { std::this_thread::sleep_for(d); })) {
    last_ = now_();
}

void RateLimiter::acquire() {
    if (rate_ <= 0) return;
    nanoseconds wait{0};
    {
        std::lock_guard lock(mutex_);
        auto t = now_();
        tokens_ = std::min(capacity_, tokens_ + duration<double>(t - last_).count() * rate_);
        last_ = t;
        tokens_ -= 1;  // reserve ours, even when it is not there yet
        if (tokens_ < 0) wait = duration_cast<nanoseconds>(duration<double>(-tokens_ / rate_));
    }
    if (wait > nanoseconds(0)) sleep_(wait);
}

// ---- HttpClient

struct HttpClient::Impl {
    Options opt;
    RateLimiter limiter;
    std::mutex pool_mutex;
    std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle;
    std::mutex random_mutex;
    std::mt19937_64 generator{std::random_device{}()};

    explicit Impl(Options o) : opt(std::move(o)), limiter(opt.requests_per_minute, opt.now, opt.sleep) {
        if (!opt.ca_file.empty() && ::access(opt.ca_file.c_str(), R_OK) != 0)
            throw ConfigError("ca_file '" + opt.ca_file + "': " + std::strerror(errno));
    }

    // The hooks of Options, or the real thing. (opt itself stays as given, so
    // that options() can be copied to make another client.)
    void sleep(nanoseconds d) {
        if (opt.sleep)
            opt.sleep(d);
        else
            std::this_thread::sleep_for(d);
    }
    double random() {
        if (opt.random) return opt.random();
        std::lock_guard lock(random_mutex);
        return std::uniform_real_distribution<double>(0, 1)(generator);
    }

    std::unique_ptr<httplib::Client> connection(const Url& u) {
        {
            std::lock_guard lock(pool_mutex);
            auto& list = idle[u.origin()];
            if (!list.empty()) {
                auto c = std::move(list.back());
                list.pop_back();
                return c;
            }
        }
        auto c = std::make_unique<httplib::Client>(u.origin());
        auto us = duration_cast<microseconds>(opt.timeout).count();
        c->set_connection_timeout(us / 1'000'000, us % 1'000'000);
        c->set_read_timeout(us / 1'000'000, us % 1'000'000);
        c->set_write_timeout(us / 1'000'000, us % 1'000'000);
        c->set_keep_alive(true);
        c->set_tcp_nodelay(true);  // as curl does: no Nagle stall between a request's writes
        c->set_follow_location(false);
        c->set_url_encode(false);  // the URL is sent as given: we encode what we build
        c->set_default_headers({{"User-Agent", opt.user_agent}});
        if (u.scheme == "https") {
            c->enable_server_certificate_verification(true);
            if (!opt.ca_file.empty()) c->set_ca_cert_path(opt.ca_file);
        }
        return c;
    }

    void give_back(const Url& u, std::unique_ptr<httplib::Client> c) {
        std::lock_guard lock(pool_mutex);
        auto& list = idle[u.origin()];
        if (list.size() < opt.idle_per_origin) list.push_back(std::move(c));
    }

    bool limited(const Url& u) const {
        if (opt.limited_origins.empty()) return true;
        auto o = u.origin();
        return std::find(opt.limited_origins.begin(), opt.limited_origins.end(), o) != opt.limited_origins.end();
    }

    nanoseconds backoff(int retry) {
        double cap = duration<double>(opt.backoff_base).count() * std::ldexp(1.0, std::min(retry, 60));
        cap = std::min(cap, duration<double>(opt.backoff_max).count());
        return duration_cast<nanoseconds>(duration<double>(random() * cap));
    }

    [[noreturn]] void tls_failure(const Url& u, const httplib::Client& c) {
        long v = c.get_openssl_verify_result();
        std::string why = v == X509_V_OK ? "it was issued for another host name"
                                         : std::string("it is not trusted: ") + X509_verify_cert_error_string(v);
        throw NetworkError("TLS certificate of " + u.host + " rejected: " + why +
                           (opt.ca_file.empty() ? " (for a private CA, set ca_file in the configuration)"
                                                : " (checked against ca_file " + opt.ca_file + ")"));
    }

    Response perform(const char* method, const std::string& url, const Headers& headers, const std::string* body,
                     const std::string& content_type, const Sink* sink) {
        const Url u = parse_url(url);
        Response out;
        out.method = method;
        out.url = redact_url(url);
        httplib::Headers request_headers;
        for (const auto& [k, v] : headers) request_headers.emplace(k, v);
        bool fresh_retry_used = false;

        for (int attempt = 0;; ++attempt) {
            if (limited(u)) limiter.acquire();
            auto client = connection(u);
            const bool reused = client->is_socket_open() != 0;

            int status = 0;
            std::string error_body;
            std::uint64_t written = 0;
            std::exception_ptr sink_error;
            httplib::Result res{nullptr, httplib::Error::Unknown};
            if (is_post(method)) {
                res = client->Post(u.target, request_headers, *body, content_type);
            } else if (sink) {
                res = client->Get(
                    u.target, request_headers,
                    [&](const httplib::Response& r) {
                        status = r.status;
                        return true;
                    },
                    [&](const char* data, std::size_t n) {
                        if (status >= 200 && status < 300) {
                            try {
                                sink->write(data, n);
                            } catch (...) {
                                sink_error = std::current_exception();
                                return false;
                            }
                            written += n;
                        } else if (error_body.size() < 65536) {
                            error_body.append(data, std::min(n, 65536 - error_body.size()));
                        }
                        return true;
                    });
            } else {
                res = client->Get(u.target, request_headers);
            }
            out.attempts = attempt + 1;
            if (sink_error) std::rethrow_exception(sink_error);  // the caller's problem: no retry

            std::string what;
            std::optional<nanoseconds> retry_after;
            if (!res) {
                const httplib::Error e = res.error();
                if (e == httplib::Error::SSLServerVerification) tls_failure(u, *client);
                if (e == httplib::Error::SSLLoadingCerts)
                    throw ConfigError("cannot load the CA certificates" +
                                      (opt.ca_file.empty() ? std::string() : " of ca_file " + opt.ca_file));
                const bool can_retry = !is_post(method) || request_not_sent(e);
                // A kept-alive connection the server closed meanwhile: once, at once, on a new one.
                if (reused && !fresh_retry_used && can_retry && written == 0) {
                    fresh_retry_used = true;
                    --attempt;
                    continue;
                }
                what = describe_transport(e);
                out.status = 0;
                if (!can_retry)
                    throw NetworkError(out.method + " " + out.url + ": " + what + " (not repeated: the server may have acted on it)");
            } else {
                out.status = res->status;
                out.headers.clear();
                for (const auto& [k, v] : res->headers) out.headers.emplace_back(k, v);
                out.body = sink ? std::move(error_body) : std::move(res->body);
                out.bytes = sink ? written : out.body.size();
                give_back(u, std::move(client));
                if (out.ok() || !retryable_status(out.status, out.body, method)) return out;
                what = describe_status(out.status, out.body);
                retry_after = parse_retry_after(out.header("Retry-After"));
            }

            if (attempt >= opt.retries)
                throw NetworkError(out.method + " " + out.url + ": " + what + " (gave up after " +
                                       std::to_string(attempt + 1) + (attempt ? " attempts)" : " attempt)"),
                                   out.status);
            if (retry_after && *retry_after > opt.retry_after_max)
                throw NetworkError(out.method + " " + out.url + ": " + what + " (the server asks to wait " +
                                       seconds_text(*retry_after) + "; giving up)",
                                   out.status);
            nanoseconds wait = retry_after ? *retry_after : backoff(attempt);
            if (opt.log)
                opt.log(out.method + " " + out.url + ": " + what + "; retry " + std::to_string(attempt + 1) + " of " +
                        std::to_string(opt.retries) + " in " + seconds_text(wait));
            if (written > 0 && sink->restart) sink->restart();
            sleep(wait);
        }
    }

    Response perform_once(const std::string& method, const std::string& url,
                          const std::vector<std::string_view>& body, const std::string& content_type,
                          const Headers& headers) {
        const Url u = parse_url(url);
        const bool post = is_post(method);
        Response out;
        out.method = method;
        out.url = redact_url(url);
        out.attempts = 1;
        httplib::Headers request_headers;
        for (const auto& [k, v] : headers) request_headers.emplace(k, v);
        std::size_t length = 0;
        for (const auto& piece : body) length += piece.size();
        // The body goes out from the caller's memory, as the socket takes
        // it: cpp-httplib would copy a body given whole into its request. A
        // write that fails is cpp-httplib's Error::Write (the provider says
        // true, else it would be Canceled), as it is for a body given whole.
        auto provide = [&body](std::size_t offset, std::size_t, httplib::DataSink& sink) {
            for (const auto& piece : body) {
                if (offset < piece.size()) {
                    sink.write(piece.data() + offset, piece.size() - offset);
                    return true;
                }
                offset -= piece.size();
            }
            return false;
        };
        if (limited(u)) limiter.acquire();
        for (bool fresh_retry_used = false;;) {
            auto client = connection(u);
            const bool reused = client->is_socket_open() != 0;
            httplib::Result res{nullptr, httplib::Error::Unknown};
            if (!post)
                res = client->Get(u.target, request_headers);
            else if (length == 0)
                res = client->Post(u.target, request_headers, "", 0, content_type);
            else
                res = client->Post(u.target, request_headers, length, provide,
                                   content_type.empty() ? "text/plain" : content_type);
            if (res) {
                out.status = res->status;
                for (const auto& [k, v] : res->headers) out.headers.emplace_back(k, v);
                out.body = std::move(res->body);
                out.bytes = out.body.size();
                give_back(u, std::move(client));
                return out;
            }
            const httplib::Error e = res.error();
            if (e == httplib::Error::SSLServerVerification) tls_failure(u, *client);
            if (e == httplib::Error::SSLLoadingCerts)
                throw ConfigError("cannot load the CA certificates" +
                                  (opt.ca_file.empty() ? std::string() : " of ca_file " + opt.ca_file));
            if (reused && !fresh_retry_used && (!post || request_not_sent(e))) {
                fresh_retry_used = true;
                continue;
            }
            out.status = 0;
            out.error = describe_transport(e);
            return out;
        }
    }
};

Response HttpClient::once(const std::string& method, const std::string& url, std::string_view body,
                          const std::string& content_type, const Headers& headers) {
    return impl_->perform_once(method, url, {body}, content_type, headers);
}

Response HttpClient::once_pieces(const std::string& method, const std::string& url,
                                 const std::vector<std::string_view>& body, const std::string& content_type,
                                 const Headers& headers) {
    return impl_->perform_once(method, url, body, content_type, headers);
}

HttpClient::HttpClient(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpClient::~HttpClient() = default;

const HttpClient::Options& HttpClient::options() const { return impl_->opt; }

Response HttpClient::get(const std::string& url, const Headers& headers) {
    return impl_->perform("GET", url, headers, nullptr, "", nullptr);
}

Response HttpClient::get_to(const std::string& url, const Sink& sink, const Headers& headers) {
    return impl_->perform("GET", url, headers, nullptr, "", &sink);
}

Response HttpClient::post(const std::string& url, const std::string& body, const std::string& content_type,
                          const Headers& headers) {
    return impl_->perform("POST", url, headers, &body, content_type, nullptr);
}

}  // namespace mapi
