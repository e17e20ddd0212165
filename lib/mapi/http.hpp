// http: HTTP(S) requests that survive a flaky network and a busy service.
//
// One HttpClient serves every thread of a tool: its methods are thread-safe.
// Each request borrows a kept-alive connection to its origin from a pool
// (a cpp-httplib client is used by one thread at a time) and gives it back;
// a connection that failed is closed instead.
//
// TLS certificates are always verified, against the system's CAs or the PEM
// file in Options::ca_file. Redirects are not followed (a redirect would carry
// the Authorization header to another host): a 3xx is returned as it is.
//
// Retries. A request is tried again, up to Options::retries more times, when
//   - no answer came: connection refused or reset, timeout, TLS handshake cut;
//   - the body was cut short (fewer bytes than Content-Length, broken chunks);
//   - the answer is 408, 429 or 5xx, or an API error body with "code": 4
//     (Mapillary's "Application request limit reached", sent with 403 or 429)
//     or "is_transient": true.
// Not retried: a 5xx whose API error says "is_transient": false or asks to
// "reduce the amount of data" (the same request would fail again).
// A POST is retried only when the server cannot have acted on it: the
// connection failed before the request was sent, or the answer was 429, 503
// or the request-limit error. A TLS certificate that fails verification is a
// verdict, not a hiccup: NetworkError at once. A kept-alive connection the
// server closed meanwhile is replaced at once, without counting as a retry.
// Between attempts it waits what Retry-After says (seconds or an HTTP date),
// else a random time between 0 and min(backoff_max, backoff_base * 2^n)
// ("full jitter", so parallel workers do not retry in step). When every
// attempt failed, or Retry-After asks for more than retry_after_max, it throws
// NetworkError, which tools turn into exit status 4.
//
// Rate limit: every attempt to an origin in Options::limited_origins (every
// origin when that list is empty) first takes a token from one bucket shared
// by all threads: requests_per_minute on average, bursts of one second's worth.
//
// Secrets: URLs in messages, errors and logs pass through redact_url(); the
// access token travels in an Authorization header, which is never printed.
#pragma once

#include "mapi/cli.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mapi {

// Header fields in order; names compare case-insensitively.
using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of the first field called name, or "".
std::string header_value(const Headers& headers, std::string_view name);

// A Retry-After value, delta-seconds or an HTTP date, as a wait from now
// (0 for a date past); nullopt when empty or unreadable.
std::optional<std::chrono::nanoseconds> parse_retry_after(const std::string& value);

// An absolute http or https URL, taken apart.
struct Url {
    std::string scheme;  // "http" or "https", lower case
    std::string host;    // a name or address; an IPv6 literal keeps its brackets
    int port = 0;        // as given, else 80 or 443
    std::string target;  // path and query, at least "/"
    std::string origin() const;  // "https://host:443"
};

// Throws std::invalid_argument (with a redacted URL in the message) for
// anything but an absolute http(s) URL with a host.
Url parse_url(const std::string& url);

// The URL fit to print: the values of sensitive query parameters
// (access_token, token, client_token, client_secret, refresh_token, password)
// replaced by REDACTED, and any user:password@ dropped. Signed CDN URLs keep
// their signature parameters (oh=, oe=): they expire and grant only the image.
std::string redact_url(const std::string& url);

// RFC 3986 percent-encoding of a query value or path segment.
std::string url_encode(std::string_view s);

// The {"error": {...}} object of a Graph API answer (reference 1.5); nullopt
// when body is not JSON or has no such object. Wrong types count as absent.
struct ApiErrorInfo {
    int code = 0;
    int subcode = 0;
    std::string type, message, user_message;
    std::optional<bool> transient;  // "is_transient"
};
std::optional<ApiErrorInfo> parse_api_error(std::string_view body);

struct Response {
    int status = 0;
    Headers headers;
    // The body. After get_to(): empty when the status is 2xx (the body went to
    // the sink), else the start of the error body (at most 64 KiB).
    std::string body;
    std::uint64_t bytes = 0;  // body bytes received (for get_to(): given to the sink)
    int attempts = 0;         // requests made, retries included
    std::string method;       // "GET", "POST"
    std::string url;          // redacted, for messages
    std::string error;        // once() only: why no answer came (status 0)

    bool ok() const { return status >= 200 && status < 300; }
    std::string header(std::string_view name) const { return header_value(headers, name); }
    // Throws HttpError unless ok().
    void expect_ok() const;
};

// An answer the request cannot go on with (a 404, a 403 from an expired
// image URL, ...): the message names the method, the redacted URL, the status
// and the API's error message when the body has one.
struct HttpError : std::runtime_error {
    explicit HttpError(const Response& r);
    int status;
    std::string url;  // redacted
};

// The network or the service stayed unavailable after every retry, or TLS
// could not be established (untrusted certificate). Tools exit 4.
struct NetworkError : cli::Failure {
    NetworkError(const std::string& what, int status = 0)
        : cli::Failure(cli::unavailable, what), status(status) {}
    int status;  // the last HTTP status; 0 when no answer came
};

// Where get_to() puts a successful body, piece by piece.
struct Sink {
    // Takes the next bytes; may throw to stop the download (the exception
    // reaches the caller of get_to()).
    std::function<void(const char* data, std::size_t size)> write;
    // Called before a retry when bytes were written: forget them.
    std::function<void()> restart;
};

// Writes at fd's offset when fd_sink() is called; restart truncates the file
// back to that offset. Write errors throw std::system_error.
Sink fd_sink(int fd);

// A token bucket shared by the threads that call acquire().
class RateLimiter {
public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;
    using Sleep = std::function<void(std::chrono::nanoseconds)>;
    // per_minute <= 0: no limit. Default clock and sleep are the real ones.
    explicit RateLimiter(double per_minute, Clock now = {}, Sleep sleep = {});
    // Blocks until one more request fits in the rate. Requests are served in
    // the order they asked.
    void acquire();

private:
    double rate_;      // tokens a second
    double capacity_;  // the largest burst
    double tokens_;    // may go negative: waiting requests have reserved them
    std::chrono::steady_clock::time_point last_;
    Clock now_;
    Sleep sleep_;
    std::mutex mutex_;
};

class HttpClient {
public:
    struct Options {
        std::chrono::milliseconds timeout{30'000};  // to connect, and for each read or write
        int retries = 6;                              // attempts after the first
        std::chrono::milliseconds backoff_base{1'000};
        std::chrono::milliseconds backoff_max{60'000};
        std::chrono::milliseconds retry_after_max{300'000};
        double requests_per_minute = 0;            // 0: no limit
        std::vector<std::string> limited_origins;  // Url::origin() values; empty: every origin
        std::string ca_file;                       // PEM bundle to trust instead of the system's CAs
        std::string user_agent = std::string("mly/") + MLY_VERSION;
        std::size_t idle_per_origin = 16;          // kept-alive connections kept per origin

        // Hooks for tests (when empty: steady_clock, sleep_for, a randomly
        // seeded generator) and for -v (told about each retry, URL redacted).
        std::function<std::chrono::steady_clock::time_point()> now;
        std::function<void(std::chrono::nanoseconds)> sleep;
        std::function<double()> random;  // uniform in [0, 1)
        std::function<void(const std::string&)> log;
    };

    // Throws ConfigError (config.hpp) when ca_file cannot be read.
    explicit HttpClient(Options options);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // The final answer, whatever its status (2xx, 4xx, or a 3xx not
    // followed); throws NetworkError as described above.
    Response get(const std::string& url, const Headers& headers = {});
    // The same, the body of a 2xx answer streamed into sink instead of memory.
    Response get_to(const std::string& url, const Sink& sink, const Headers& headers = {});
    Response post(const std::string& url, const std::string& body, const std::string& content_type,
                  const Headers& headers = {});

    // One attempt, for callers with a retry policy of their own (the upload
    // protocol): no retry and no wait but the rate limit's. A kept-alive
    // connection the server had closed is still replaced at once when the
    // request cannot have reached it. The answer comes back whatever its
    // status; when none came, status is 0 and error says why. method is
    // "GET" or "POST" (a POST body with an empty content_type goes as
    // text/plain, cpp-httplib's default). Throws NetworkError only for a TLS
    // certificate that fails verification.
    Response once(const std::string& method, const std::string& url, std::string_view body,
                  const std::string& content_type, const Headers& headers = {});
    // The same with a body in pieces, sent one after the other straight from
    // where they are (no copy of the body is made, for any size).
    Response once_pieces(const std::string& method, const std::string& url,
                         const std::vector<std::string_view>& body, const std::string& content_type,
                         const Headers& headers = {});

    const Options& options() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mapi
