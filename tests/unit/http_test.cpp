// HttpClient against servers started in the test on 127.0.0.1: retries and
// backoff, Retry-After, dropped connections and cut bodies, keep-alive, the
// shared rate limit, TLS verification, redaction. Sleeps go through a fake so
// the retry tests take no real time.
#include <catch2/catch.hpp>

#include "local_server.hpp"
#include "mapi/config.hpp"
#include "mapi/http.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sys/stat.h>

using namespace mapi;
using namespace std::chrono;
namespace fsys = std::filesystem;

namespace {

fsys::path fixture_graph() {
    const char* env = std::getenv("MLY_FIXTURES");
    return fsys::path(env && *env ? env : "../shared/fixtures") / "mapillary-api" / "graph";
}

std::string slurp(const fsys::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

struct TempDir {
    fsys::path path;
    TempDir() {
        char tmpl[] = "/tmp/mly-http-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { fsys::remove_all(path); }
};

// Records the waits instead of waiting.
struct FakeSleep {
    std::mutex mutex;
    std::vector<nanoseconds> waits;
    std::function<void(nanoseconds)> hook() {
        return [this](nanoseconds d) {
            std::lock_guard lock(mutex);
            waits.push_back(d);
        };
    }
};

HttpClient::Options fast_options(FakeSleep& sleep, int retries = 3) {
    HttpClient::Options o;
    o.timeout = milliseconds(2000);
    o.retries = retries;
    o.backoff_base = milliseconds(100);
    o.backoff_max = milliseconds(1000);
    o.sleep = sleep.hook();
    return o;
}

const char* limit_body =
    R"({"error":{"message":"Application request limit reached","type":"MLYApiException","is_transient":true,"code":4,"fbtrace_id":"x"}})";

std::string http_response(int status, const std::string& body, const std::string& extra = "") {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

}  // namespace

TEST_CASE("parse_url takes absolute http(s) URLs apart", "[http]") {
    Url u = parse_url("https://graph.mapillary.com/images?bbox=1,2,3,4");
    CHECK(u.scheme == "https");
    CHECK(u.host == "graph.mapillary.com");
    CHECK(u.port == 443);
    CHECK(u.target == "/images?bbox=1,2,3,4");
    CHECK(u.origin() == "https://graph.mapillary.com:443");

    u = parse_url("HTTP://user:pw@127.0.0.1:8080?x=1#frag");
    CHECK(u.scheme == "http");
    CHECK(u.host == "127.0.0.1");
    CHECK(u.port == 8080);
    CHECK(u.target == "/?x=1");

    u = parse_url("http://[::1]:9/a");
    CHECK(u.host == "[::1]");
    CHECK(u.port == 9);
    CHECK(parse_url("http://h").target == "/");

    CHECK_THROWS_AS(parse_url("graph.mapillary.com/images"), std::invalid_argument);
    CHECK_THROWS_AS(parse_url("ftp://host/x"), std::invalid_argument);
    CHECK_THROWS_AS(parse_url("http:///path"), std::invalid_argument);
    CHECK_THROWS_AS(parse_url("http://host:99999/"), std::invalid_argument);
    CHECK_THROWS_AS(parse_url("http://host:8x/"), std::invalid_argument);
    CHECK_THROWS_AS(parse_url("http://ho st/"), std::invalid_argument);
    // The message shows the URL redacted.
    try {
        parse_url("gopher://h/?access_token=SECRET1");
        FAIL("no exception");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("SECRET1") == std::string::npos);
        CHECK(std::string(e.what()).find("access_token=REDACTED") != std::string::npos);
    }
}

TEST_CASE("redact_url hides tokens and credentials, keeps the rest", "[http]") {
    CHECK(redact_url("https://tiles.mapillary.com/maps/vtp/mly1_public/2/14/1/2?access_token=MLY|1|ab") ==
          "https://tiles.mapillary.com/maps/vtp/mly1_public/2/14/1/2?access_token=REDACTED");
    CHECK(redact_url("https://g/images?bbox=1,2,3,4&ACCESS_TOKEN=x&limit=5&token=y&client_secret=z") ==
          "https://g/images?bbox=1,2,3,4&ACCESS_TOKEN=REDACTED&limit=5&token=REDACTED&client_secret=REDACTED");
    CHECK(redact_url("https://me:pass@host/x?refresh_token=r&password=p#f") ==
          "https://host/x?refresh_token=REDACTED&password=REDACTED#f");
    // Signed CDN URLs keep their signature: it grants one image for a while.
    std::string cdn = "https://scontent.xx.fbcdn.net/m1/v/t6/An?ccb=10-5&oh=00_abc&oe=65256C25&_nc_sid=1";
    CHECK(redact_url(cdn) == cdn);
    CHECK(redact_url("https://h/no/query") == "https://h/no/query");
    CHECK(redact_url("https://h/x?access_token") == "https://h/x?access_token=REDACTED");
}

TEST_CASE("url_encode keeps unreserved characters only", "[http]") {
    CHECK(url_encode("abcXYZ019-._~") == "abcXYZ019-._~");
    CHECK(url_encode("a b,c/d?e&f=g") == "a%20b%2Cc%2Fd%3Fe%26f%3Dg");
    CHECK(url_encode("MLY|1|x") == "MLY%7C1%7Cx");
    CHECK(url_encode("\xC3\xA4") == "%C3%A4");
}

TEST_CASE("parse_api_error reads the Graph error object, tolerating wrong types", "[http]") {
    auto e = parse_api_error(limit_body);
    REQUIRE(e);
    CHECK(e->code == 4);
    CHECK(e->message == "Application request limit reached");
    CHECK(e->transient == true);
    e = parse_api_error(R"({"error":{"message":5,"code":"4","error_subcode":33,"is_transient":"yes"}})");
    REQUIRE(e);
    CHECK(e->code == 0);
    CHECK(e->subcode == 33);
    CHECK(e->message.empty());
    CHECK_FALSE(e->transient.has_value());
    CHECK_FALSE(parse_api_error("<html>Bad gateway</html>"));
    CHECK_FALSE(parse_api_error(R"({"data":[]})"));
    CHECK_FALSE(parse_api_error(R"({"error":"text"})"));
    CHECK_FALSE(parse_api_error(""));
}

TEST_CASE("parse_api_error on the recorded error answers", "[http][fixtures]") {
    if (!fsys::exists(fixture_graph())) {
        WARN("fixtures not found at " << fixture_graph() << ": skipped");
        return;
    }
    auto limit = parse_api_error(slurp(fixture_graph() / "application_request_limit_reached.json"));
    REQUIRE(limit);
    CHECK(limit->code == 4);
    CHECK(limit->transient == true);
    CHECK(limit->type == "MLYApiException");
    auto token = parse_api_error(slurp(fixture_graph() / "internal_server_error.json"));
    REQUIRE(token);
    CHECK(token->code == 190);
    CHECK(token->message == "Invalid OAuth 2.0 Access Token");
    CHECK_FALSE(token->transient.has_value());
}

TEST_CASE("RateLimiter: bursts of a second's worth, then the rate", "[http][ratelimit]") {
    auto t = steady_clock::time_point{};
    std::vector<nanoseconds> waits;
    RateLimiter limiter(
        60, [&] { return t; },
        [&](nanoseconds d) {
            waits.push_back(d);
            t += d;  // the fake clock moves while we wait
        });
    for (int i = 0; i < 5; ++i) limiter.acquire();
    // 1 a second, burst 1: the first goes at once, each next one a second later.
    REQUIRE(waits.size() == 4);
    for (auto w : waits) CHECK(duration<double>(w).count() == Approx(1.0));
    CHECK(duration<double>(t.time_since_epoch()).count() == Approx(4.0));

    // After a long pause the bucket is full again, but holds one second's worth only.
    waits.clear();
    t += seconds(3600);
    limiter.acquire();
    CHECK(waits.empty());
    limiter.acquire();
    CHECK(waits.size() == 1);
}

TEST_CASE("RateLimiter: threads share one bucket, each request reserves its slot", "[http][ratelimit]") {
    const auto t0 = steady_clock::time_point{} + seconds(100);
    std::mutex mutex;
    std::vector<double> waits;
    // The clock stands still: every request asks at the same instant.
    RateLimiter limiter(
        600, [&] { return t0; },
        [&](nanoseconds d) {
            std::lock_guard lock(mutex);
            waits.push_back(duration<double>(d).count());
        });
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] {
            for (int k = 0; k < 10; ++k) limiter.acquire();
        });
    for (auto& th : threads) th.join();
    // 10 a second, burst 10: 40 requests, the first 10 at once, then one slot each 0.1 s.
    std::sort(waits.begin(), waits.end());
    REQUIRE(waits.size() == 30);
    for (std::size_t i = 0; i < waits.size(); ++i) CHECK(waits[i] == Approx(0.1 * double(i + 1)));
}

TEST_CASE("RateLimiter 0 never waits", "[http][ratelimit]") {
    int calls = 0;
    RateLimiter limiter(0, {}, [&](nanoseconds) { ++calls; });
    for (int i = 0; i < 1000; ++i) limiter.acquire();
    CHECK(calls == 0);
}

TEST_CASE("get: status, headers, body; token in a header; one kept-alive connection", "[http]") {
    std::mutex mutex;
    std::set<int> client_ports;
    std::vector<std::string> auth, agents, targets;
    test::LocalServer s;
    s.server->set_keep_alive_max_count(100);
    s.server->Get("/thing", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mutex);
        client_ports.insert(req.remote_port);
        auth.push_back(req.get_header_value("Authorization"));
        agents.push_back(req.get_header_value("User-Agent"));
        targets.push_back(req.target);
        res.set_header("X-Answer", "42");
        res.set_content(R"({"ok":true})", "application/json");
    });
    s.start();
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    for (int i = 0; i < 4; ++i) {
        Response r = http.get(s.url("/thing?fields=id"), {{"Authorization", "OAuth T0KEN"}});
        CHECK(r.status == 200);
        CHECK(r.ok());
        CHECK(r.body == R"({"ok":true})");
        CHECK(r.header("x-answer") == "42");
        CHECK(r.attempts == 1);
        CHECK(r.url == s.url("/thing?fields=id"));
    }
    CHECK(client_ports.size() == 1);  // kept alive
    REQUIRE(auth.size() == 4);
    CHECK(auth[0] == "OAuth T0KEN");
    CHECK(agents[0] == std::string("mly/") + MLY_VERSION);
    CHECK(targets[0] == "/thing?fields=id");
    CHECK(sleep.waits.empty());
}

TEST_CASE("get: connections are pooled across threads", "[http]") {
    std::mutex mutex;
    std::set<int> client_ports;
    int requests = 0;
    test::LocalServer s;
    s.server->set_keep_alive_max_count(1000);
    s.server->Get("/x", [&](const httplib::Request& req, httplib::Response& res) {
        {
            std::lock_guard lock(mutex);
            client_ports.insert(req.remote_port);
            ++requests;
        }
        res.set_content("x", "text/plain");
    });
    s.start();
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] {
            for (int k = 0; k < 25; ++k)
                if (http.get(s.url("/x")).status == 200) ++ok;
        });
    for (auto& th : threads) th.join();
    CHECK(ok == 100);
    CHECK(requests == 100);
    CHECK(client_ports.size() <= 4);  // at most one connection a thread
}

TEST_CASE("retries 503 with capped, jittered backoff, then succeeds", "[http][retry]") {
    std::atomic<int> hits{0};
    test::LocalServer s;
    s.server->Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
        if (hits++ < 3) {
            res.status = 503;
            res.set_content("busy", "text/plain");
        } else {
            res.set_content("done", "text/plain");
        }
    });
    s.start();
    FakeSleep sleep;
    auto opt = fast_options(sleep, 5);
    std::vector<std::string> log;
    opt.log = [&](const std::string& m) { log.push_back(m); };
    opt.random = [] { return 0.999; };  // the top of each jitter range
    HttpClient http(opt);
    Response r = http.get(s.url("/flaky"));
    CHECK(r.status == 200);
    CHECK(r.body == "done");
    CHECK(r.attempts == 4);
    REQUIRE(sleep.waits.size() == 3);
    // Full jitter below min(max, base * 2^n): 100, 200, 400 ms.
    CHECK(duration<double>(sleep.waits[0]).count() == Approx(0.0999));
    CHECK(duration<double>(sleep.waits[1]).count() == Approx(0.1998));
    CHECK(duration<double>(sleep.waits[2]).count() == Approx(0.3996));
    REQUIRE(log.size() == 3);
    CHECK(log[0].find("HTTP 503 Service Unavailable: busy; retry 1 of 5") != std::string::npos);
}

TEST_CASE("backoff never exceeds backoff_max and is random below it", "[http][retry]") {
    test::LocalServer s;
    s.server->Get("/down", [](const httplib::Request&, httplib::Response& res) { res.status = 502; });
    s.start();
    FakeSleep sleep;
    auto opt = fast_options(sleep, 8);
    HttpClient http(opt);
    CHECK_THROWS_AS(http.get(s.url("/down")), NetworkError);
    REQUIRE(sleep.waits.size() == 8);
    std::set<long long> distinct;
    for (std::size_t i = 0; i < sleep.waits.size(); ++i) {
        double cap = std::min(1.0, 0.1 * double(1 << i));
        CHECK(duration<double>(sleep.waits[i]).count() >= 0);
        CHECK(duration<double>(sleep.waits[i]).count() <= cap);
        distinct.insert(sleep.waits[i].count());
    }
    CHECK(distinct.size() > 1);
}

TEST_CASE("429 honours Retry-After in seconds and as an HTTP date", "[http][retry]") {
    std::atomic<int> hits{0};
    test::LocalServer s;
    s.server->Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
        int n = hits++;
        if (n == 0) {
            res.status = 429;
            res.set_header("Retry-After", "7");
        } else if (n == 1) {
            res.status = 429;
            res.set_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT");  // in the past: at once
        } else {
            res.set_content("ok", "text/plain");
        }
    });
    s.start();
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    Response r = http.get(s.url("/slow"));
    CHECK(r.status == 200);
    REQUIRE(sleep.waits.size() == 2);
    CHECK(sleep.waits[0] == seconds(7));
    CHECK(sleep.waits[1] == nanoseconds(0));
}

TEST_CASE("a Retry-After beyond retry_after_max ends the retries at once", "[http][retry]") {
    test::LocalServer s;
    s.server->Get("/x", [](const httplib::Request&, httplib::Response& res) {
        res.status = 503;
        res.set_header("Retry-After", "86400");
    });
    s.start();
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    try {
        http.get(s.url("/x"));
        FAIL("no exception");
    } catch (const NetworkError& e) {
        CHECK(std::string(e.what()).find("asks to wait 86400.0 s; giving up") != std::string::npos);
        CHECK(e.status == 503);
    }
    CHECK(sleep.waits.empty());
}

TEST_CASE("Mapillary's code-4 request limit is retried, then exit status 4", "[http][retry]") {
    std::atomic<int> hits{0};
    test::LocalServer s;
    s.server->Get("/limited", [&](const httplib::Request&, httplib::Response& res) {
        ++hits;
        res.status = 403;  // as JOSM's recordings send it
        res.set_content(limit_body, "application/json");
    });
    s.start();
    FakeSleep sleep;
    HttpClient http(fast_options(sleep, 2));
    try {
        http.get(s.url("/limited?access_token=SECRET9"));
        FAIL("no exception");
    } catch (const NetworkError& e) {
        std::string m = e.what();
        CHECK(e.status == 403);
        CHECK(static_cast<const cli::Failure&>(e).status == cli::unavailable);
        CHECK(m.find("Application request limit reached (code 4)") != std::string::npos);
        CHECK(m.find("gave up after 3 attempts") != std::string::npos);
        CHECK(m.find("SECRET9") == std::string::npos);
        CHECK(m.find("access_token=REDACTED") != std::string::npos);
    }
    CHECK(hits == 3);
    CHECK(sleep.waits.size() == 2);
}

TEST_CASE("answers that would fail again are returned, not retried", "[http][retry]") {
    test::LocalServer s;
    s.server->Get("/missing", [](const httplib::Request&, httplib::Response& res) {
        res.status = 404;
        res.set_content("no such thing", "text/plain");
    });
    s.server->Get("/toomuch", [](const httplib::Request&, httplib::Response& res) {
        res.status = 500;
        res.set_content(R"({"error":{"message":"Please reduce the amount of data you're asking for, then retry your request","code":1}})",
                        "application/json");
    });
    s.server->Get("/permanent", [](const httplib::Request&, httplib::Response& res) {
        res.status = 500;
        res.set_content(R"({"error":{"message":"broken","code":2,"is_transient":false}})", "application/json");
    });
    s.server->Get("/moved", [](const httplib::Request&, httplib::Response& res) {
        res.set_redirect("http://elsewhere.invalid/");
    });
    s.start();
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    Response r = http.get(s.url("/missing?access_token=SECRET8"));
    CHECK(r.status == 404);
    CHECK(r.attempts == 1);
    try {
        r.expect_ok();
        FAIL("no exception");
    } catch (const HttpError& e) {
        std::string m = e.what();
        CHECK(m == "GET " + s.url("/missing?access_token=REDACTED") + ": HTTP 404 Not Found: no such thing");
        CHECK(e.status == 404);
    }
    r = http.get(s.url("/toomuch"));
    CHECK(r.status == 500);
    CHECK(r.attempts == 1);
    r = http.get(s.url("/permanent"));
    CHECK(r.status == 500);
    CHECK(r.attempts == 1);
    r = http.get(s.url("/moved"));  // redirects are not followed
    CHECK(r.status == 302);
    CHECK(r.header("Location") == "http://elsewhere.invalid/");
    CHECK(sleep.waits.empty());
}

TEST_CASE("a dropped connection is retried", "[http][retry]") {
    test::RawServer s([](int fd, int n) {
        if (!test::RawServer::read_head(fd)) return;
        if (n == 0) return;  // closed without a word
        test::RawServer::send_all(fd, http_response(200, "{\"fine\":1}"));
    });
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    Response r = http.get(s.url("/x"));
    CHECK(r.status == 200);
    CHECK(r.body == "{\"fine\":1}");
    CHECK(r.attempts == 2);
    CHECK(sleep.waits.size() == 1);
}

TEST_CASE("a body cut short of its Content-Length is retried, in memory and into a file", "[http][retry]") {
    std::string full(100000, 'j');
    for (std::size_t i = 0; i < full.size(); ++i) full[i] = static_cast<char>('a' + i % 26);
    test::RawServer s([&](int fd, int n) {
        if (!test::RawServer::read_head(fd)) return;
        std::string head = "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: " +
                           std::to_string(full.size()) + "\r\n\r\n";
        if (n % 2 == 0)
            test::RawServer::send_all(fd, head + full.substr(0, 30000));  // then hang up
        else
            test::RawServer::send_all(fd, head + full);
    });
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    Response r = http.get(s.url("/image.jpg"));
    CHECK(r.status == 200);
    CHECK(r.attempts == 2);
    CHECK(r.body == full);

    TempDir dir;
    auto path = dir.path / "image.jpg";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    r = http.get_to(s.url("/image.jpg"), fd_sink(fd));
    ::close(fd);
    CHECK(r.status == 200);
    CHECK(r.attempts == 2);
    CHECK(r.bytes == full.size());
    CHECK(r.body.empty());
    CHECK(slurp(path) == full);  // the partial first attempt was thrown away
}

TEST_CASE("a read timeout is retried", "[http][retry]") {
    std::atomic<int> hits{0};
    test::LocalServer s;
    s.server->Get("/sleepy", [&](const httplib::Request&, httplib::Response& res) {
        if (hits++ == 0) std::this_thread::sleep_for(milliseconds(600));
        res.set_content("awake", "text/plain");
    });
    s.start();
    FakeSleep sleep;
    auto opt = fast_options(sleep);
    opt.timeout = milliseconds(200);
    HttpClient http(opt);
    Response r = http.get(s.url("/sleepy"));
    CHECK(r.body == "awake");
    CHECK(r.attempts == 2);
}

TEST_CASE("no server: NetworkError after every retry, exit status 4", "[http][retry]") {
    FakeSleep sleep;
    HttpClient http(fast_options(sleep, 3));
    std::string url = "http://127.0.0.1:" + std::to_string(test::closed_port()) + "/x?access_token=SECRET7";
    try {
        http.get(url);
        FAIL("no exception");
    } catch (const NetworkError& e) {
        std::string m = e.what();
        CHECK(e.status == 0);
        CHECK(static_cast<const cli::Failure&>(e).status == 4);
        CHECK(m.find("could not connect") != std::string::npos);
        CHECK(m.find("gave up after 4 attempts") != std::string::npos);
        CHECK(m.find("SECRET7") == std::string::npos);
    }
    CHECK(sleep.waits.size() == 3);
}

TEST_CASE("get_to streams a 2xx body to the sink, keeps error bodies apart", "[http]") {
    test::LocalServer s;
    s.server->Get("/img", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(std::string(300000, 'x'), "image/jpeg");
    });
    s.server->Get("/expired", [](const httplib::Request&, httplib::Response& res) {
        res.status = 410;
        res.set_content("URL signature expired", "text/plain");
    });
    s.start();
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));

    std::size_t got = 0, pieces = 0;
    Sink sink{[&](const char*, std::size_t n) { got += n, ++pieces; }, [&] { got = 0; }};
    Response r = http.get_to(s.url("/img"), sink);
    CHECK(r.status == 200);
    CHECK(got == 300000);
    CHECK(pieces > 1);  // streamed, not handed over whole
    CHECK(r.bytes == 300000);
    CHECK(r.body.empty());

    got = 0;
    r = http.get_to(s.url("/expired"), sink);
    CHECK(r.status == 410);
    CHECK(r.body == "URL signature expired");
    CHECK(got == 0);
    CHECK(r.attempts == 1);

    // A sink that fails stops the download; its exception reaches the caller, no retry.
    int writes = 0;
    Sink full{[&](const char*, std::size_t) {
                  ++writes;
                  throw std::system_error(ENOSPC, std::generic_category(), "out.jpg");
              },
              {}};
    CHECK_THROWS_WITH(http.get_to(s.url("/img"), full), Catch::Contains("No space left"));
    CHECK(writes == 1);
    CHECK(sleep.waits.empty());
}

TEST_CASE("post: body, content type; retried only when the server did nothing", "[http][retry]") {
    std::mutex mutex;
    std::vector<std::string> bodies, types;
    std::atomic<int> busy{0}, broken{0};
    test::LocalServer s;
    s.server->Post("/login", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mutex);
        bodies.push_back(req.body);
        types.push_back(req.get_header_value("Content-Type"));
        res.set_content(R"({"access_token":"t","user_id":1})", "application/json");
    });
    s.server->Post("/busy", [&](const httplib::Request&, httplib::Response& res) {
        res.status = busy++ == 0 ? 503 : 200;
    });
    s.server->Post("/broken", [&](const httplib::Request&, httplib::Response& res) {
        ++broken;
        res.status = 500;
    });
    s.start();
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    Response r = http.post(s.url("/login"), R"({"email":"a@b"})", "application/json");
    CHECK(r.status == 200);
    REQUIRE(bodies.size() == 1);
    CHECK(bodies[0] == R"({"email":"a@b"})");
    CHECK(types[0] == "application/json");

    r = http.post(s.url("/busy"), "x", "text/plain");  // 503: nothing was done, so again
    CHECK(r.status == 200);
    CHECK(r.attempts == 2);
    r = http.post(s.url("/broken"), "x", "text/plain");  // 500: it may have been done
    CHECK(r.status == 500);
    CHECK(r.attempts == 1);
    CHECK(broken == 1);

    // The connection drops after the request went out: not repeated.
    test::RawServer drop([](int fd, int) { test::RawServer::read_head(fd); });
    try {
        http.post(drop.url("/finish_upload"), "{}", "application/json");
        FAIL("no exception");
    } catch (const NetworkError& e) {
        CHECK(std::string(e.what()).find("not repeated") != std::string::npos);
    }
    CHECK(drop.connections == 1);
}

TEST_CASE("an unreadable ca_file is a configuration error", "[http][tls]") {
    HttpClient::Options o;
    o.ca_file = "/nonexistent/ca.pem";
    try {
        HttpClient http(o);
        FAIL("no exception");
    } catch (const ConfigError& e) {
        CHECK(e.status == cli::usage);
        CHECK(std::string(e.what()) == "ca_file '/nonexistent/ca.pem': No such file or directory");
    }
}

namespace {
// A self-signed certificate for the given subjectAltName, made with openssl(1).
bool make_cert(const fsys::path& dir, const std::string& san) {
    std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=mly-test"
                      " -addext 'subjectAltName=" + san + "' -keyout '" + (dir / "key.pem").string() + "' -out '" +
                      (dir / "cert.pem").string() + "' >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0 && fsys::exists(dir / "cert.pem");
}
}  // namespace

TEST_CASE("TLS: certificates are verified; ca_file trusts a private CA", "[http][tls]") {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) {
        WARN("openssl not found: TLS test skipped");
        return;
    }
    TempDir dir;
    REQUIRE(make_cert(dir.path, "IP:127.0.0.1,DNS:localhost"));
    std::string cert = (dir.path / "cert.pem").string(), key = (dir.path / "key.pem").string();
    std::atomic<int> hits{0};
    test::LocalServer s(std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str()));
    REQUIRE(s.server->is_valid());
    s.server->Get("/secure", [&](const httplib::Request&, httplib::Response& res) {
        ++hits;
        res.set_content("private", "text/plain");
    });
    s.start();
    REQUIRE(s.url().rfind("https://", 0) == 0);

    FakeSleep sleep;
    {
        HttpClient http(fast_options(sleep));
        try {
            http.get(s.url("/secure"));
            FAIL("no exception");
        } catch (const NetworkError& e) {
            std::string m = e.what();
            CHECK(m.find("TLS certificate of 127.0.0.1 rejected: it is not trusted: self-signed certificate") !=
                  std::string::npos);
            CHECK(m.find("set ca_file") != std::string::npos);
        }
        CHECK(sleep.waits.empty());  // a verdict, not a hiccup: no retry
    }
    {
        auto opt = fast_options(sleep);
        opt.ca_file = cert;
        HttpClient http(opt);
        Response r = http.get(s.url("/secure"));
        CHECK(r.status == 200);
        CHECK(r.body == "private");
    }
    CHECK(hits == 1);
}

TEST_CASE("TLS: a trusted certificate for another host name is refused", "[http][tls]") {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) {
        WARN("openssl not found: TLS test skipped");
        return;
    }
    TempDir dir;
    REQUIRE(make_cert(dir.path, "DNS:graph.example.org"));
    std::string cert = (dir.path / "cert.pem").string(), key = (dir.path / "key.pem").string();
    test::LocalServer s(std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str()));
    s.server->Get("/x", [](const httplib::Request&, httplib::Response& res) { res.set_content("x", "text/plain"); });
    s.start();
    FakeSleep sleep;
    auto opt = fast_options(sleep);
    opt.ca_file = cert;
    HttpClient http(opt);
    CHECK_THROWS_WITH(http.get(s.url("/x")), Catch::Contains("issued for another host name"));
}
