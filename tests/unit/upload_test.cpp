// The upload module: keys, hashes, the bytes of an image, the limits; the
// rupload client against a small scripted service on 127.0.0.1 (resume,
// 412, 429, 5xx, auth, refusals, finish_upload); HttpClient::once; the
// upload history; a dry run of a whole sequence. Sleeps go through a fake.
#include <catch2/catch.hpp>

#include "local_server.hpp"
#include "mapi/exif.hpp"
#include "mapi/jpeg.hpp"
#include "mapi/md5.hpp"
#include "mapi/time.hpp"
#include "mapi/upload.hpp"
#include "mapi/upload_history.hpp"
#include "support.hpp"

#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <rapidjson/document.h>
#include <sys/stat.h>

using namespace mapi;
using namespace std::chrono;
using test_support::Bytes;
using test_support::TempDir;
namespace fsys = std::filesystem;

namespace {

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

HttpClient::Options fast_options(FakeSleep& sleep) {
    HttpClient::Options o;
    o.timeout = milliseconds(2000);
    o.retries = 0;
    o.backoff_base = milliseconds(100);
    o.backoff_max = milliseconds(60'000);
    o.sleep = sleep.hook();
    o.random = [] { return 0.999; };  // the top of each jitter range
    return o;
}

void add_segment(Bytes& b, uint8_t marker, const Bytes& payload) {
    b.push_back(0xFF);
    b.push_back(marker);
    auto len = payload.size() + 2;
    b.push_back(uint8_t(len >> 8));
    b.push_back(uint8_t(len));
    b.insert(b.end(), payload.begin(), payload.end());
}

// A structurally valid JPEG (its scan data is junk) of w x h pixels, with an
// EXIF holding Make and ImageDescription when exif_description is given.
Bytes tiny_jpeg(int w, int h, std::optional<std::string> exif_description = std::nullopt) {
    Bytes b{0xFF, 0xD8};
    add_segment(b, 0xDB, Bytes(65, 1));
    add_segment(b, 0xC0, {8, uint8_t(h >> 8), uint8_t(h), uint8_t(w >> 8), uint8_t(w), 1, 1, 0x11, 0});
    add_segment(b, 0xC4, Bytes(20, 0));
    add_segment(b, 0xDA, {1, 1, 0, 0, 63, 0});
    b.insert(b.end(), {0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9});
    if (!exif_description) return b;
    ExifUpdate u;
    u.make = "TestCam";
    u.image_description = *exif_description;
    return splice_metadata(b, update_exif({}, u), std::nullopt);
}

std::span<const uint8_t> as_bytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A scripted upload service: GET /up/KEY and POST /up/KEY as rupload does
// them, POST /graph/finish_upload; each may be answered instead by the next
// scripted action of its queue.
struct Service {
    using Action = std::function<void(const httplib::Request&, httplib::Response&, std::string& stored)>;
    std::mutex m;
    std::map<std::string, std::string> stored;
    std::deque<Action> gets, posts, finishes;
    std::vector<std::string> log;  // "GET KEY", "POST KEY Offset=N bytes=M"
    std::vector<httplib::Headers> post_headers;
    std::vector<std::string> finish_bodies;
    test::LocalServer s;

    Service() {
        s.server->Get("/up/(.*)", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(m);
            std::string key = req.matches[1];
            log.push_back("GET " + key);
            if (!gets.empty()) {
                auto a = gets.front();
                gets.pop_front();
                return a(req, res, stored[key]);
            }
            res.set_content(R"({"offset":)" + std::to_string(stored[key].size()) + "}", "application/json");
        });
        s.server->Post("/up/(.*)", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(m);
            std::string key = req.matches[1];
            std::string off = req.get_header_value("Offset");
            log.push_back("POST " + key + " Offset=" + off + " bytes=" + std::to_string(req.body.size()));
            post_headers.push_back(req.headers);
            if (!posts.empty()) {
                auto a = posts.front();
                posts.pop_front();
                return a(req, res, stored[key]);
            }
            if (off != std::to_string(stored[key].size())) {
                res.status = 412;
                res.set_content(
                    R"({"debug_info":{"retriable":true,"type":"OffsetInvalidError","message":"Request starting offset is invalid"}})",
                    "application/json");
                return;
            }
            stored[key] += req.body;
            res.set_content(R"({"h":"handle-)" + key + R"("})", "application/json");
        });
        s.server->Post("/graph/finish_upload", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(m);
            finish_bodies.push_back(req.body);
            std::string unused;
            if (!finishes.empty()) {
                auto a = finishes.front();
                finishes.pop_front();
                return a(req, res, unused);
            }
            res.set_content(R"({"cluster_id":"777"})", "application/json");
        });
        s.start();
    }

    Config config(int retries = 2) {
        Config c;
        c.upload_url = s.url("/up");
        c.graph_url = s.url("/graph");
        c.token = Secret("T0KEN-very-secret");
        c.retries = retries;
        return c;
    }
};

Service::Action answer(int status, std::string body, std::string retry_after = "") {
    return [status, body, retry_after](const httplib::Request&, httplib::Response& res, std::string&) {
        res.status = status;
        if (!retry_after.empty()) res.set_header("Retry-After", retry_after);
        res.set_content(body, "application/json");
    };
}

// Stores the first n bytes of the body, then answers 503: a transfer cut short.
Service::Action keep_then_fail(std::size_t n) {
    return [n](const httplib::Request& req, httplib::Response& res, std::string& stored) {
        stored += req.body.substr(0, n);
        res.status = 503;
    };
}

std::string bytes_text(std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += char('a' + i % 26);
    return s;
}

}  // namespace

TEST_CASE("md5, random ids and session keys", "[upload]") {
    CHECK(md5_hex(std::string_view("")) == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(md5_hex(std::string_view("abc")) == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(md5_hex(as_bytes("abc")) == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(content_session_key(as_bytes("abc")) == "mly_tools_900150983cd24fb0d6963f7d28e17f72.jpg");

    std::string u = uuid4_hex(), v = uuid4_hex();
    CHECK(u != v);
    REQUIRE(u.size() == 32);
    CHECK(u.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(u[12] == '4');                                       // version 4
    CHECK(std::string("89ab").find(u[16]) != std::string::npos);  // RFC 4122 variant
    CHECK_THAT(random_session_key(), Catch::Matches("mly_tools_uuid_[0-9a-f]{32}\\.jpg"));
    CHECK_THAT(manifest_session_key(), Catch::Matches("uuid_[0-9a-f]{32}\\.json"));

    // The sequence md5 is the md5 of the concatenated hex md5s, as mapillary_tools has it
    // (of the streams sent here, of the original files there).
    CHECK(sequence_md5({"900150983cd24fb0d6963f7d28e17f72", "d41d8cd98f00b204e9800998ecf8427e"}) ==
          md5_hex(std::string_view("900150983cd24fb0d6963f7d28e17f72d41d8cd98f00b204e9800998ecf8427e")));
    CHECK(sequence_md5({}) == md5_hex(std::string_view("")));
}

TEST_CASE("md5_hex_many: streams side by side, each as OpenSSL has it", "[upload][md5]") {
    CHECK(md5_hex_many({}).empty());
    CHECK(md5_hex_many({{}}) == std::vector<std::string>{"d41d8cd98f00b204e9800998ecf8427e"});
    const std::string abc_text = "abc", fox_text = "The quick brown fox jumps over the lazy dog";
    auto abc = as_bytes(abc_text);
    auto fox = as_bytes(fox_text);
    CHECK(md5_hex_many({{abc}, {fox}, {}, {fox.first(10), {}, fox.subspan(10)}}) ==
          std::vector<std::string>{"900150983cd24fb0d6963f7d28e17f72", "9e107d9d372bb6826bd81d3542a419d6",
                                   "d41d8cd98f00b204e9800998ecf8427e", "9e107d9d372bb6826bd81d3542a419d6"});

    // Every length around the block and padding edges, split anywhere, in
    // batches of every width (lanes refilled as streams end).
    std::mt19937 rng(5);
    Bytes data(300000);
    for (auto& b : data) b = uint8_t(rng());
    const std::span<const uint8_t> all(data);
    for (std::size_t count : {2, 3, 4, 5, 8, 9, 17, 40}) {
        std::vector<BytePieces> streams;
        std::vector<std::string> want;
        for (std::size_t k = 0; k < count; ++k) {
            std::size_t len = k % 3 == 0 ? rng() % 200 : k % 3 == 1 ? 50 + rng() % 80 : rng() % 300000;
            std::size_t start = rng() % (data.size() - len + 1);
            auto bytes = all.subspan(start, len);
            BytePieces pieces;
            std::size_t at = 0;
            while (at < len) {
                std::size_t n = std::min<std::size_t>(len - at, rng() % 3 == 0 ? rng() % 70 : rng() % 100000);
                pieces.push_back(bytes.subspan(at, n));
                at += n;
            }
            streams.push_back(pieces);
            want.push_back(md5_hex(bytes));
        }
        CHECK(md5_hex_many(streams) == want);
    }
    for (std::size_t len = 0; len < 200; ++len) {
        std::vector<BytePieces> streams{{all.first(len)}, {all.subspan(1, len)}, {all.subspan(2, len / 2), all.subspan(2 + len / 2, len - len / 2)}};
        auto got = md5_hex_many(streams);
        REQUIRE(got.size() == 3);
        CHECK(got[0] == md5_hex(all.first(len)));
        CHECK(got[1] == md5_hex(all.subspan(1, len)));
        CHECK(got[2] == md5_hex(all.subspan(2, len)));
    }
}

TEST_CASE("manifest_json: compact, keys sorted, handles in order", "[upload]") {
    CHECK(manifest_json({"3:a", "3:b\"c"}) ==
          R"({"image_handles":["3:a","3:b\"c"],"upload_type":"images","version":"1"})");
    CHECK(manifest_json({}) == R"({"image_handles":[],"upload_type":"images","version":"1"})");
}

TEST_CASE("image_upload_bytes changes ImageDescription and nothing else", "[upload]") {
    const std::string desc = R"({"MAPCaptureTime":"2024_06_01_08_00_00_000","MAPLatitude":1.5,"MAPLongitude":2})";
    Bytes photo = tiny_jpeg(40, 30, "IMG 1");
    Bytes up = image_upload_bytes(photo, desc);
    auto layout = parse_jpeg_header(up);
    auto ex = read_exif(*exif_tiff(up, layout));
    CHECK(ex.image_description == desc);
    CHECK(ex.make == "TestCam");  // the other tags stay
    // The image data are the photo's, byte for byte.
    Bytes scan_photo(photo.begin() + long(scan_data_offset(photo)), photo.end());
    Bytes scan_up(up.begin() + long(scan_data_offset(up)), up.end());
    CHECK(scan_photo == scan_up);
    // The same every time (the session key is its md5), and a photo that
    // already carries the description goes as it is.
    CHECK(image_upload_bytes(photo, desc) == up);
    CHECK(image_upload_bytes(up, desc) == up);
    // A photo without EXIF gets one.
    Bytes bare = tiny_jpeg(40, 30);
    Bytes up2 = image_upload_bytes(bare, desc);
    CHECK(read_exif(*exif_tiff(up2, parse_jpeg_header(up2))).image_description == desc);
    // Not a JPEG.
    CHECK_THROWS_AS(image_upload_bytes(as_bytes("GIF89a not a photo"), desc), JpegError);
}

TEST_CASE("image_stream: the header rebuilt, the rest of the file a view into it", "[upload]") {
    const std::string desc = R"({"MAPCaptureTime":"2024_06_01_08_00_00_000","MAPLatitude":1.5,"MAPLongitude":2})";
    Bytes photo = tiny_jpeg(40, 30, "IMG 1");
    ImageStream s = image_stream(photo, desc);
    const std::size_t scan = scan_data_offset(photo);
    // The tail is the file from just after the SOS marker, not a copy.
    CHECK(s.tail.data() == photo.data() + scan + 2);
    CHECK(s.tail.size() == photo.size() - scan - 2);
    Bytes whole = splice_metadata(photo, update_exif(*exif_tiff(photo, parse_jpeg_header(photo)), [&] {
        ExifUpdate u;
        u.image_description = desc;
        return u;
    }()), std::nullopt);
    Bytes joined(s.head.begin(), s.head.end());
    joined.insert(joined.end(), s.tail.begin(), s.tail.end());
    CHECK(joined == whole);
    CHECK(s.size() == whole.size());
    CHECK(s.md5_hex() == md5_hex(whole));
    CHECK(image_upload_bytes(photo, desc) == whole);
    // A photo that carries the description already: all tail, nothing built.
    ImageStream same = image_stream(whole, desc);
    CHECK(same.head.empty());
    CHECK(same.tail.data() == whole.data());
    CHECK(same.tail.size() == whole.size());
    CHECK(same.md5_hex() == md5_hex(whole));
    // Cut short before the scan, or not a JPEG.
    CHECK_THROWS_AS(image_stream(std::span(photo).first(scan), desc), JpegError);
    CHECK_THROWS_AS(image_stream(as_bytes("GIF89a"), desc), JpegError);
}

TEST_CASE("check_sequence_limits: 1000 images, 110 GiB, 6 gigapixels", "[upload]") {
    CHECK_FALSE(check_sequence_limits(1000, 110ull << 30, 6'000'000'000));
    CHECK(check_sequence_limits(1001, 0, 0) == "1001 images (at most 1000)");
    CHECK(check_sequence_limits(1, (110ull << 30) + 1, 0) == "110.0 GiB (at most 110 GiB)");
    CHECK(check_sequence_limits(1, 0, 6'000'000'001) == "6.00 gigapixels (at most 6)");
    CHECK(check_sequence_limits(2000, 0, 7'000'000'000) == "2000 images (at most 1000), 7.00 gigapixels (at most 6)");
}

TEST_CASE("HttpClient::once: one attempt, whatever the answer", "[upload][http]") {
    std::atomic<int> hits{0};
    std::string content_type, body;
    test::LocalServer s;
    s.server->Get("/busy", [&](const httplib::Request&, httplib::Response& res) {
        ++hits;
        res.status = 503;
        res.set_content("busy", "text/plain");
    });
    s.server->Post("/take", [&](const httplib::Request& req, httplib::Response& res) {
        content_type = req.get_header_value("Content-Type");
        body = req.body;
        res.set_content("ok", "text/plain");
    });
    s.start();
    FakeSleep sleep;
    auto opt = fast_options(sleep);
    opt.retries = 5;
    HttpClient http(opt);
    Response r = http.once("GET", s.url("/busy?access_token=SECRET"), {}, "");
    CHECK(r.status == 503);
    CHECK(r.body == "busy");
    CHECK(r.attempts == 1);
    CHECK(hits == 1);
    CHECK(r.url.find("SECRET") == std::string::npos);
    CHECK(sleep.waits.empty());

    std::string payload("a\0b", 3);
    r = http.once("POST", s.url("/take"), payload, "");
    CHECK(r.status == 200);
    CHECK(body == payload);
    CHECK(content_type == "text/plain");  // cpp-httplib's default
    r = http.once("POST", s.url("/take"), "{}", "application/json");
    CHECK(content_type == "application/json");

    // In pieces: sent one after the other, with the length of them all.
    std::string big(300000, 'x');
    for (std::size_t i = 0; i < big.size(); i += 7) big[i] = char('a' + i % 26);
    std::string_view bv = big;
    r = http.once_pieces("POST", s.url("/take"), {bv.substr(0, 5), "", bv.substr(5, 100000), bv.substr(100005)},
                         "application/octet-stream");
    CHECK(r.status == 200);
    CHECK(body == big);
    CHECK(content_type == "application/octet-stream");
    r = http.once_pieces("POST", s.url("/take"), {"ab", "c"}, "");
    CHECK(body == "abc");
    CHECK(content_type == "text/plain");
    r = http.once_pieces("POST", s.url("/take"), {}, "application/json");
    CHECK(r.status == 200);
    CHECK(body.empty());

    // No server: status 0 and why, not an exception.
    r = http.once("GET", "http://127.0.0.1:" + std::to_string(test::closed_port()) + "/x", {}, "");
    CHECK(r.status == 0);
    CHECK(r.error == "could not connect");
}

TEST_CASE("upload: a fresh stream, then the same bytes again", "[upload]") {
    Service svc;
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    UploadClient client(svc.config(), http);
    const std::string data = bytes_text(1000);
    Transfer t;
    CHECK(client.upload("mly_tools_k.jpg", as_bytes(data), &t) == "handle-mly_tools_k.jpg");
    CHECK(svc.stored["mly_tools_k.jpg"] == data);
    CHECK(t.offset == 0);
    CHECK(t.sent == 1000);
    CHECK(t.attempts == 1);
    REQUIRE(svc.post_headers.size() == 1);
    const auto& h = svc.post_headers[0];
    CHECK(h.find("Authorization")->second == "OAuth T0KEN-very-secret");
    CHECK(h.find("Offset")->second == "0");
    CHECK(h.find("X-Entity-Name")->second == "mly_tools_k.jpg");
    CHECK(h.find("Content-Type")->second == "application/octet-stream");

    // The service has it all: an empty POST still gets the handle.
    Transfer again;
    CHECK(client.upload("mly_tools_k.jpg", as_bytes(data), &again) == "handle-mly_tools_k.jpg");
    CHECK(again.offset == 1000);
    CHECK(again.sent == 0);
    CHECK(svc.log == std::vector<std::string>{"GET mly_tools_k.jpg", "POST mly_tools_k.jpg Offset=0 bytes=1000",
                                              "GET mly_tools_k.jpg", "POST mly_tools_k.jpg Offset=1000 bytes=0"});
    CHECK(svc.stored["mly_tools_k.jpg"] == data);
    CHECK(sleep.waits.empty());
}

TEST_CASE("upload resumes from the offset the service has", "[upload]") {
    Service svc;
    const std::string data = bytes_text(500);
    svc.stored["k.jpg"] = data.substr(0, 123);
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    UploadClient client(svc.config(), http);
    Transfer t;
    client.upload("k.jpg", as_bytes(data), &t);
    CHECK(t.offset == 123);
    CHECK(t.sent == 377);
    CHECK(svc.log.back() == "POST k.jpg Offset=123 bytes=377");
    CHECK(svc.stored["k.jpg"] == data);
}

TEST_CASE("upload: a known offset saves the GET; bytes in pieces; none below from", "[upload]") {
    Service svc;
    const std::string data = bytes_text(1000);
    svc.stored["k.jpg"] = data.substr(0, 600);
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    UploadClient client(svc.config(), http);
    auto bytes = as_bytes(data);
    StreamBytes pieces{1000, 0, {bytes.first(550), bytes.subspan(550, 100), bytes.subspan(650)}};
    Transfer t;
    CHECK(client.upload("k.jpg", pieces, &t, nullptr, 600) == "handle-k.jpg");
    CHECK(svc.log == std::vector<std::string>{"POST k.jpg Offset=600 bytes=400"});
    CHECK(svc.stored["k.jpg"] == data);
    CHECK(t.offset == 600);
    CHECK(t.sent == 400);

    // Only the bytes from 1000 on at hand (none): the handle of a whole stream.
    svc.log.clear();
    CHECK(client.upload("k.jpg", StreamBytes{1000, 1000, {}}, &t, nullptr, 1000) == "handle-k.jpg");
    CHECK(svc.log == std::vector<std::string>{"POST k.jpg Offset=1000 bytes=0"});
    // The service holds less than that: BytesNeeded, nothing sent.
    svc.stored["k.jpg"] = data.substr(0, 10);
    svc.log.clear();
    CHECK_THROWS_AS(client.upload("k.jpg", StreamBytes{1000, 1000, {}}, &t), BytesNeeded);
    CHECK(svc.log == std::vector<std::string>{"GET k.jpg"});
    // A wrong offset given: 412, then asked, then the rest.
    svc.log.clear();
    CHECK(client.upload("k.jpg", pieces, &t, nullptr, 0) == "handle-k.jpg");
    CHECK(svc.log == std::vector<std::string>{"POST k.jpg Offset=0 bytes=1000", "GET k.jpg",
                                              "POST k.jpg Offset=10 bytes=990"});
    CHECK(svc.stored["k.jpg"] == data);
}

TEST_CASE("upload: a transfer cut short resumes; progress restarts the count", "[upload]") {
    Service svc;
    const std::string data = bytes_text(1000);
    // Three cuts in a row, each after more bytes: with retries = 1 it still
    // succeeds, as each attempt made progress.
    svc.posts = {keep_then_fail(300), keep_then_fail(300), keep_then_fail(300)};
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    std::vector<std::string> log;
    UploadClient client(svc.config(1), http, [&](const std::string& m) { log.push_back(m); });
    Transfer t;
    client.upload("k.jpg", as_bytes(data), &t);
    CHECK(svc.stored["k.jpg"] == data);
    CHECK(t.attempts == 4);
    CHECK(t.sent == 1000 + 700 + 400 + 100);
    CHECK(svc.log[svc.log.size() - 1] == "POST k.jpg Offset=900 bytes=100");
    // Each wait is the first backoff again: 0.1 s (of full jitter).
    REQUIRE(sleep.waits.size() == 3);
    for (auto w : sleep.waits) CHECK(duration<double>(w).count() == Approx(0.0999));
    REQUIRE(log.size() == 3);
    CHECK(log[0].find("POST " + svc.s.url("/up/k.jpg") + " from offset 0: HTTP 503; retry 1 of 1 in 0.1 s") == 0);
}

TEST_CASE("upload: 5xx without progress gives up after the retries, exit status 4", "[upload]") {
    Service svc;
    for (int i = 0; i < 5; ++i) svc.posts.push_back(answer(500, R"({"debug_info":{"retriable":true,"type":"X","message":"down"}})"));
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    UploadClient client(svc.config(2), http);
    try {
        client.upload("k.jpg", as_bytes("data"));
        FAIL("no exception");
    } catch (const NetworkError& e) {
        CHECK(static_cast<const cli::Failure&>(e).status == cli::unavailable);
        CHECK(e.status == 500);
        CHECK(std::string(e.what()).find("HTTP 500: down (X) (gave up after 3 attempts without progress)") !=
              std::string::npos);
    }
    // Waits grow: 0.1, 0.2 s.
    REQUIRE(sleep.waits.size() == 2);
    CHECK(duration<double>(sleep.waits[1]).count() == Approx(0.1998));
}

TEST_CASE("upload: 412 is retried at once from a fresh offset", "[upload]") {
    Service svc;
    svc.posts = {answer(412, R"({"debug_info":{"retriable":true,"type":"OffsetInvalidError","message":"Request starting offset is invalid"}})"),
                 answer(412, "{}")};
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    UploadClient client(svc.config(0), http);
    client.upload("k.jpg", as_bytes("data"));
    CHECK(svc.stored["k.jpg"] == "data");
    CHECK(sleep.waits.empty());
    CHECK(std::count_if(svc.log.begin(), svc.log.end(), [](const std::string& l) { return l.rfind("GET", 0) == 0; }) == 3);

    // Forever 412: an UploadError, not a loop.
    Service stuck;
    for (int i = 0; i < 30; ++i) stuck.posts.push_back(answer(412, "{}"));
    UploadClient c2(stuck.config(0), http);
    CHECK_THROWS_WITH(c2.upload("k.jpg", as_bytes("data")), Catch::EndsWith("HTTP 412: {} (20 times in a row)"));
}

TEST_CASE("upload: 429 waits the backoff (ms), else Retry-After, else 10 s", "[upload]") {
    Service svc;
    svc.posts = {answer(429, R"({"debug_info":{"retriable":false,"type":"RequestRateLimitedError","message":"Request rate limit has been exceeded"},"backoff":250})"),
                 answer(429, "{}", "3"), answer(429, "")};
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    UploadClient client(svc.config(5), http);
    client.upload("k.jpg", as_bytes("data"));
    CHECK(svc.stored["k.jpg"] == "data");
    REQUIRE(sleep.waits.size() == 3);
    CHECK(sleep.waits[0] == milliseconds(250));
    CHECK(sleep.waits[1] == seconds(3));
    CHECK(sleep.waits[2] == seconds(10));
}

TEST_CASE("upload: refused tokens are AuthError (exit 3), never echoing the token", "[upload]") {
    const std::string echo = "bad token T0KEN-very-secret";
    struct Case {
        int status;
        std::string body;
    };
    for (const auto& c : std::vector<Case>{
             {401, R"({"debug_info":{"retriable":false,"type":"NotAuthorizedError","message":")" + echo + R"("}})"},
             {403, R"({"debug_info":{"retriable":false,"type":"NotAuthorizedError","message":"User kofi is not authorized to upload"}})"},
             {400, R"({"debug_info":{"retriable":false,"type":"NotAuthorizedError","message":"no"}})"},
             {401, R"({"error":{"message":")" + echo + R"(","type":"OAuthException","code":190}})"}}) {
        Service svc;
        svc.gets = {answer(c.status, c.body)};
        FakeSleep sleep;
        HttpClient http(fast_options(sleep));
        UploadClient client(svc.config(), http);
        try {
            client.upload("k.jpg", as_bytes("data"));
            FAIL("no exception");
        } catch (const AuthError& e) {
            std::string what = e.what();
            CHECK(e.status == cli::auth_refused);
            CHECK(what.find("T0KEN") == std::string::npos);
            CHECK(what.find("HTTP " + std::to_string(c.status)) != std::string::npos);
            CHECK(what.find("the token was refused") != std::string::npos);
        }
        CHECK(svc.stored["k.jpg"].empty());
        CHECK(sleep.waits.empty());
    }
}

TEST_CASE("upload: other 4xx are retried only when the service says retriable", "[upload]") {
    Service svc;
    svc.posts = {answer(400, R"({"debug_info":{"retriable":true,"type":"Hiccup","message":"try again"}})"),
                 answer(400, R"({"debug_info":{"retriable":false,"type":"InvalidRequestError","message":"bad file"}})")};
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    UploadClient client(svc.config(3), http);
    CHECK_THROWS_MATCHES(client.upload("k.jpg", as_bytes("data")), UploadError,
                         Catch::Message("POST " + svc.s.url("/up/k.jpg") +
                                        " from offset 0: HTTP 400: bad file (InvalidRequestError)"));
    CHECK(sleep.waits.size() == 1);

    // An answer without the handle is an UploadError too.
    Service odd;
    odd.posts = {answer(200, R"({"handle":"x"})")};
    UploadClient c2(odd.config(), http);
    CHECK_THROWS_WITH(c2.upload("k.jpg", as_bytes("data")), Catch::EndsWith("the answer has no file handle"));
    // And an offset beyond the stream.
    Service more;
    more.stored["k.jpg"] = "datadata";
    UploadClient c3(more.config(), http);
    CHECK_THROWS_WITH(c3.upload("k.jpg", as_bytes("data")), Catch::Contains("holds 8 bytes of a stream of 4"));
}

TEST_CASE("upload: connections dropped without an answer are retried, then exit 4", "[upload]") {
    test::RawServer raw([](int fd, int) { test::RawServer::read_head(fd); });  // reads, then hangs up
    Config c;
    c.upload_url = raw.url("/up");
    c.token = Secret("T0KEN-very-secret");
    c.retries = 2;
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    UploadClient client(c, http);
    CHECK_THROWS_MATCHES(client.upload("k.jpg", as_bytes("data")), NetworkError,
                         Catch::Predicate<NetworkError>([](const NetworkError& e) {
                             return e.status == 0 && std::string(e.what()).find("gave up after 3 attempts") !=
                                                         std::string::npos;
                         }));
    CHECK(raw.connections >= 3);
}

TEST_CASE("finish: the manifest handle, file type, organization; cluster id back", "[upload]") {
    Service svc;
    FakeSleep sleep;
    HttpClient http(fast_options(sleep));
    UploadClient client(svc.config(2), http);
    CHECK(client.finish("3:abc", std::nullopt) == "777");
    CHECK(client.finish("3:abc", std::string("42")) == "777");
    REQUIRE(svc.finish_bodies.size() == 2);
    CHECK(svc.finish_bodies[0] == R"({"file_handle":"3:abc","file_type":"mly_bundle_manifest"})");
    CHECK(svc.finish_bodies[1] ==
          R"({"file_handle":"3:abc","file_type":"mly_bundle_manifest","organization_id":"42"})");

    svc.finishes = {answer(500, "{}"), answer(200, R"({"cluster_id":123})")};
    CHECK(client.finish("3:abc", std::nullopt) == "123");
    CHECK(sleep.waits.size() == 1);

    svc.finishes = {answer(400, R"({"error":{"message":"image_handles[0]: bad","type":"MLYApiException","code":100}})")};
    CHECK_THROWS_MATCHES(client.finish("3:abc", std::nullopt), UploadError,
                         Catch::Message("POST " + svc.s.url("/graph/finish_upload") +
                                        ": HTTP 400: image_handles[0]: bad (code 100)"));
    svc.finishes = {answer(401, R"({"error":{"message":"Invalid OAuth 2.0 Access Token","code":190}})")};
    CHECK_THROWS_AS(client.finish("3:abc", std::nullopt), AuthError);
    svc.finishes = {answer(200, R"({})")};
    CHECK_THROWS_WITH(client.finish("3:abc", std::nullopt), Catch::Contains("no cluster_id"));
}

TEST_CASE("UploadHistory: where it lives, what it keeps", "[upload][history]") {
    TempDir d;
    const char* saved = std::getenv("XDG_STATE_HOME");
    const std::string saved_value = saved ? saved : "";
    ::setenv("XDG_STATE_HOME", (d.path / "state").c_str(), 1);
    CHECK(UploadHistory::default_dir("") == (d.path / "state").string() + "/mly/upload_history");
    CHECK(UploadHistory::default_dir("/x/h") == "/x/h");
    ::setenv("XDG_STATE_HOME", "relative/is/ignored", 1);  // the XDG rule: only absolute paths count
    const char* home = std::getenv("HOME");
    if (home) CHECK(UploadHistory::default_dir("") == std::string(home) + "/.local/state/mly/upload_history");
    if (saved)
        ::setenv("XDG_STATE_HOME", saved_value.c_str(), 1);
    else
        ::unsetenv("XDG_STATE_HOME");

    UploadHistory h((d.path / "a/b/history").string());
    const std::string md5 = "0123456789abcdef0123456789abcdef";
    CHECK_FALSE(h.find(md5));
    HistoryEntry e;
    e.sequence_md5 = md5;
    e.sequence_id = "seq1";
    e.cluster_id = "99";
    e.upload_url = "https://up/x";
    e.organization_id = "7";
    e.images = 3;
    e.bytes = 1234;
    e.uploaded_at = "2024-06-01T08:00:00.000Z";
    e.photos = {{"a/1.jpg", 10, 1717228800123456789, "900150983cd24fb0d6963f7d28e17f72"},
                {"a/2.jpg", 20, -5, "d41d8cd98f00b204e9800998ecf8427e"}};
    h.record(e);
    auto got = h.find(md5);
    REQUIRE(got);
    CHECK_FALSE(got->stat_md5);
    REQUIRE(got->photos.size() == 2);
    CHECK(got->photos[0].path == "a/1.jpg");
    CHECK(got->photos[0].size == 10);
    CHECK(got->photos[0].mtime_ns == 1717228800123456789);
    CHECK(got->photos[1].mtime_ns == -5);
    CHECK(got->photos[1].md5 == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(got->cluster_id == "99");
    CHECK(got->sequence_id == "seq1");
    CHECK(got->organization_id == "7");
    CHECK(got->images == 3);
    CHECK(got->bytes == 1234);
    CHECK(got->upload_url == "https://up/x");
    struct stat st {};
    REQUIRE(::stat((d.path / "a/b/history").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK_FALSE(h.find("ffffffffffffffffffffffffffffffff"));
    CHECK_FALSE(h.find("../../etc/passwd"));
    // A file that is not an entry counts as none.
    test_support::spit(h.path_of("ffffffffffffffffffffffffffffffff"), as_bytes("{\"sequence_md5\":"));
    CHECK_FALSE(h.find("ffffffffffffffffffffffffffffffff"));
    CHECK_THROWS(h.record(HistoryEntry{}));

    // The second name, by the photos' stats.
    const std::string stat = "abcdefabcdefabcdefabcdefabcdef01";
    CHECK_FALSE(h.find_by_stat(stat));
    e.stat_md5 = stat;
    h.record(e);
    REQUIRE(h.find_by_stat(stat));
    CHECK(h.find_by_stat(stat)->cluster_id == "99");
    CHECK(h.find(md5)->stat_md5 == stat);
    CHECK(fsys::exists(d.path / "a/b/history/stat" / stat));
    // A name leading to no entry is none; note_stat adds a name to an entry.
    const std::string other = "abcdefabcdefabcdefabcdefabcdef02";
    h.note_stat(other, "ffffffffffffffffffffffffffffffff");
    CHECK_FALSE(h.find_by_stat(other));
    h.note_stat(other, md5);
    CHECK(h.find_by_stat(other)->cluster_id == "99");
    CHECK_FALSE(h.find_by_stat("../" + other));
    CHECK_THROWS(h.note_stat("x", md5));
    // A finish noted before it is sent, until the entry replaces it.
    const std::string next = "11111111111111111111111111111111";
    CHECK_FALSE(h.finish_sent(next));
    h.note_finish_sent(next, FinishSent{"uuid_ab.json", "3:aGFuZGxl:AR", "2024-06-01T08:00:00.000Z"});
    auto sent = h.finish_sent(next);
    REQUIRE(sent);
    CHECK(sent->manifest_key == "uuid_ab.json");
    CHECK(sent->manifest_handle == "3:aGFuZGxl:AR");
    CHECK(sent->sent_at == "2024-06-01T08:00:00.000Z");
    CHECK_FALSE(h.find(next));
    CHECK_FALSE(h.finish_sent(md5));
    CHECK_THROWS(h.note_finish_sent("../x", *sent));
    // Noted again (a --reupload): the newer manifest.
    h.note_finish_sent(next, FinishSent{"uuid_cd.json", "3:b3RoZXI:AR", "2024-06-02T08:00:00.000Z"});
    CHECK(h.finish_sent(next)->manifest_key == "uuid_cd.json");
    // Another sequence's note is not this one's.
    fsys::copy_file(d.path / "a/b/history" / (next + ".finishing"), d.path / "a/b/history" / (md5 + ".finishing"));
    CHECK_FALSE(h.finish_sent(md5));
    e.sequence_md5 = next;
    e.stat_md5.reset();
    h.record(e);
    CHECK_FALSE(h.finish_sent(next));
    CHECK_FALSE(fsys::exists(d.path / "a/b/history" / (next + ".finishing")));
    CHECK(h.find(next)->cluster_id == "99");
    // No temporaries left behind.
    for (const auto& f : fsys::recursive_directory_iterator(d.path / "a/b/history"))
        CHECK(f.path().filename().string().find("mly-tmp") == std::string::npos);
}

TEST_CASE("SequenceUploader: prepare, and a dry run of a sequence", "[upload]") {
    TempDir d;
    const std::string desc = R"({"MAPCaptureTime":"2024_06_01_08_00_00_000","MAPLatitude":1,"MAPLongitude":2})";
    std::vector<SequencePhoto> photos;
    std::vector<Bytes> files;
    for (int i = 0; i < 5; ++i) {
        files.push_back(tiny_jpeg(100 + i, 10, "photo " + std::to_string(i)));
        auto p = d.path / ("p" + std::to_string(i) + ".jpg");
        test_support::spit(p, files.back());
        photos.push_back({p.string(), desc});
    }
    fsys::create_directory(d.path / "out");
    SequenceUploadOptions o;
    o.jobs = 3;
    o.dry_run_dir = (d.path / "out").string();
    int done = 0;
    SequenceUploader up(nullptr, o, [&] { ++done; });

    PreparedSequence p = up.prepare(photos);
    CHECK(p.errors.empty());
    CHECK(p.pixels == (100 + 101 + 102 + 103 + 104) * 10);
    std::uint64_t total = 0;
    for (auto& f : files) total += f.size();
    CHECK(p.bytes == total);

    std::vector<std::string> asked;
    SequenceUploadResult r = up.upload(photos, [&](const std::string& md5) {
        asked.push_back(md5);
        return false;
    });
    CHECK_FALSE(r.already_uploaded);
    CHECK(done == 5);
    CHECK(r.cluster_id == "0");
    CHECK(r.sent == 0);
    REQUIRE(r.md5s.size() == 5);
    CHECK(r.sequence_md5 == sequence_md5(r.md5s));
    CHECK(asked == std::vector<std::string>{r.sequence_md5});
    // Each stream under its key, the key the md5 of what is in it.
    auto manifest = test_support::slurp(d.path / "out" / r.manifest_key);
    rapidjson::Document m;
    m.Parse(reinterpret_cast<const char*>(manifest.data()), manifest.size());
    REQUIRE(m.IsObject());
    REQUIRE(m["image_handles"].Size() == 5);
    std::uint64_t bytes = 0;
    for (int i = 0; i < 5; ++i) {
        std::string key = m["image_handles"][i].GetString();
        Bytes b = test_support::slurp(d.path / "out" / key);
        CHECK(key == content_session_key(b));
        CHECK(key == "mly_tools_" + r.md5s[std::size_t(i)] + ".jpg");
        CHECK(b == image_upload_bytes(files[std::size_t(i)], desc));  // in capture order
        CHECK(r.stats[std::size_t(i)] == stat_file(photos[std::size_t(i)].path));
        bytes += b.size();
    }
    CHECK(r.bytes == bytes);
    CHECK(std::distance(fsys::directory_iterator(d.path / "out"), {}) == 6);
    // The files were written just now: their stats cannot stand for them yet.
    CHECK_FALSE(r.stat_md5);

    // finished() says it is in the history: streams written, nothing finished.
    fsys::remove_all(d.path / "out");
    fsys::create_directory(d.path / "out");
    r = up.upload(photos, [&](const std::string& md5) { return md5 == asked[0]; });
    CHECK(r.already_uploaded);
    CHECK(r.sequence_md5 == asked[0]);
    CHECK(r.manifest_key.empty());
    CHECK(std::distance(fsys::directory_iterator(d.path / "out"), {}) == 5);

    // The stat md5: of path, size, inode, times and description.
    auto stat = sequence_stat_md5(photos);
    REQUIRE(stat);
    CHECK(*stat == sequence_stat_md5(photos, r.stats));
    CHECK_THAT(*stat, Catch::Matches("[0-9a-f]{32}"));
    auto changed = photos;
    changed[3].description += " ";
    CHECK(sequence_stat_md5(changed) != stat);
    auto cwd = fsys::current_path();
    fsys::current_path(d.path);
    changed = photos;
    changed[0].path = "p0.jpg";  // the same file, relative: the same md5
    CHECK(sequence_stat_md5(changed) == stat);
    fsys::current_path(cwd);
    auto stats = r.stats;
    stats[2].mtime_ns += 1;
    CHECK(sequence_stat_md5(photos, stats) != stat);
    stats = r.stats;
    stats[4].inode += 1;
    CHECK(sequence_stat_md5(photos, stats) != stat);
    changed = photos;
    changed.push_back({(d.path / "missing.jpg").string(), desc});
    CHECK_FALSE(sequence_stat_md5(changed));
    // Files that settled can be told by their stats.
    o.settle = nanoseconds(0);
    SequenceUploader settled(nullptr, o);
    r = settled.upload(photos);
    CHECK(r.stat_md5 == stat);

    // A photo that is not a JPEG, one that is missing: named, the others fine.
    test_support::spit(d.path / "p1.jpg", as_bytes("not a jpeg"));
    photos.push_back({(d.path / "missing.jpg").string(), desc});
    p = up.prepare(photos);
    REQUIRE(p.errors.size() == 2);
    CHECK(p.errors[0].first == 1);
    CHECK_THAT(p.errors[0].second, Catch::Equals("not a JPEG file"));
    CHECK(p.errors[1].first == 5);
    CHECK_THAT(p.errors[1].second, Catch::Contains("No such file"));
}

// n small photos p0.jpg... in dir, of widths from+0, from+1..., with one description.
static std::vector<SequencePhoto> small_photos(const fsys::path& dir, int n, int from) {
    const std::string desc = R"({"MAPCaptureTime":"2024_06_01_08_00_00_000","MAPLatitude":1,"MAPLongitude":2})";
    std::vector<SequencePhoto> photos;
    for (int i = 0; i < n; ++i) {
        auto p = dir / ("p" + std::to_string(i) + ".jpg");
        test_support::spit(p, tiny_jpeg(from + i, 10, "photo " + std::to_string(i)));
        photos.push_back({p.string(), desc});
    }
    return photos;
}

// The requests in svc's log that start with what.
static std::ptrdiff_t logged(Service& svc, const std::string& what) {
    return std::count_if(svc.log.begin(), svc.log.end(), [&](const std::string& l) { return l.rfind(what, 0) == 0; });
}

// A local service and a client of it that waits without sleeping.
struct ClientRig {
    Service svc;
    FakeSleep sleep;
    HttpClient http{fast_options(sleep)};
    UploadClient client{svc.config(), http};
};

TEST_CASE("SequenceUploader: one pass a photo; streams the service has wait for the history", "[upload]") {
    TempDir d;
    std::vector<SequencePhoto> photos = small_photos(d.path, 4, 50);
    ClientRig rig;
    Service& svc = rig.svc;
    UploadClient& client = rig.client;
    SequenceUploadOptions o;
    o.jobs = 2;
    int done = 0;
    SequenceUploader up(&client, o, [&] { ++done; });
    auto count = [&](const std::string& what) { return logged(svc, what); };

    // Fresh: per photo one GET and one POST of it all; then the manifest and the finish.
    SequenceUploadResult r = up.upload(photos, [](const std::string&) { return false; });
    CHECK(done == 4);
    CHECK(r.cluster_id == "777");
    CHECK(count("GET mly_tools_") == 4);
    CHECK(count("POST mly_tools_") == 4);
    CHECK(count("POST uuid_") == 1);
    CHECK(svc.finish_bodies.size() == 1);
    CHECK(r.resumed == 0);
    CHECK(r.sent == r.bytes + svc.stored[r.manifest_key].size());
    for (std::size_t i = 0; i < 4; ++i) CHECK(svc.stored["mly_tools_" + r.md5s[i] + ".jpg"].size() > 0);

    // Again, found in the history after reading: GETs only, no POST, no finish.
    svc.log.clear();
    std::string asked;
    SequenceUploadResult again = up.upload(photos, [&](const std::string& md5) {
        asked = md5;
        return true;
    });
    CHECK(again.already_uploaded);
    CHECK(asked == r.sequence_md5);
    CHECK(svc.log.size() == 4);
    CHECK(count("GET mly_tools_") == 4);
    CHECK(svc.finish_bodies.size() == 1);
    CHECK(again.sent == 0);
    CHECK(again.resumed == again.bytes);

    // Not in the history: the waiting streams get their handles by empty POSTs.
    svc.log.clear();
    r = up.upload(photos, [](const std::string&) { return false; });
    CHECK(count("GET mly_tools_") == 4);
    CHECK(count("POST mly_tools_") == 4);
    for (const auto& l : svc.log)
        if (l.rfind("POST mly_tools_", 0) == 0) CHECK_THAT(l, Catch::EndsWith(" bytes=0"));
    CHECK(svc.finish_bodies.size() == 2);

    // A stream the service lost meanwhile (between the GET and the POST):
    // its photo is read again and sent whole.
    svc.log.clear();
    const std::string lost = "mly_tools_" + r.md5s[0] + ".jpg";  // the first to POST with -j 1
    const std::size_t lost_size = svc.stored[lost].size();
    svc.posts = {[&](const httplib::Request&, httplib::Response& res, std::string& stored) {
        stored.clear();
        res.status = 412;
    }};
    o.jobs = 1;
    SequenceUploader one(&client, o);
    r = one.upload(photos, [](const std::string&) { return false; });
    CHECK(r.cluster_id == "777");
    CHECK(svc.stored[lost].size() == lost_size);
    CHECK(count("POST mly_tools_") == 5);
    CHECK(std::count(svc.log.begin(), svc.log.end(),
                     "POST " + lost + " Offset=0 bytes=" + std::to_string(lost_size)) == 1);

    // A photo that is not a JPEG any more: an UploadError naming it, no finish.
    test_support::spit(photos[2].path, as_bytes("not a jpeg at all"));
    svc.finish_bodies.clear();
    CHECK_THROWS_MATCHES(up.upload(photos), UploadError,
                         Catch::Message(photos[2].path + ": not a JPEG file"));
    CHECK(svc.finish_bodies.empty());
}

TEST_CASE("SequenceUploader: the finish is noted before it is sent, and a noted one is sent again", "[upload]") {
    TempDir d;
    std::vector<SequencePhoto> photos = small_photos(d.path, 3, 60);
    ClientRig rig;
    Service& svc = rig.svc;
    UploadClient& client = rig.client;
    SequenceUploadOptions o;
    o.jobs = 2;
    SequenceUploader up(&client, o);
    auto count = [&](const std::string& what) { return logged(svc, what); };

    // The note is made after the manifest is on the service and before the finish.
    std::optional<FinishSent> noted;
    std::string noted_md5;
    std::size_t finishes_when_noted = 99;
    FinishLog log;
    log.finished = [](const std::string&) { return false; };
    log.sent = [](const std::string&) { return std::optional<FinishSent>(); };
    log.sending = [&](const std::string& md5, const FinishSent& f) {
        noted = f;
        noted_md5 = md5;
        finishes_when_noted = svc.finish_bodies.size();
        CHECK(svc.stored.count(f.manifest_key));
    };
    SequenceUploadResult r = up.upload(photos, log);
    REQUIRE(noted);
    CHECK(finishes_when_noted == 0);
    CHECK(svc.finish_bodies.size() == 1);
    CHECK(noted_md5 == r.sequence_md5);
    CHECK(noted->manifest_key == r.manifest_key);
    CHECK(noted->manifest_handle == r.manifest_handle);
    CHECK(parse_rfc3339(noted->sent_at));
    CHECK_FALSE(r.finished_again);

    // The next run finds the note: the photos' offsets are asked, and the
    // same handle finished; no manifest, no POST of a photo.
    svc.log.clear();
    bool sending_called = false;
    log.sent = [&](const std::string& md5) { return md5 == noted_md5 ? noted : std::nullopt; };
    log.sending = [&](const std::string&, const FinishSent&) { sending_called = true; };
    svc.finishes = {answer(200, R"({"cluster_id":"4242"})")};
    SequenceUploadResult again = up.upload(photos, log);
    CHECK(again.cluster_id == "4242");
    REQUIRE(again.finished_again);
    CHECK(again.finished_again->sent_at == noted->sent_at);
    CHECK(again.manifest_key == r.manifest_key);
    CHECK(again.manifest_handle == r.manifest_handle);
    CHECK(count("GET mly_tools_") == 3);
    CHECK(svc.log.size() == 3);
    CHECK(again.sent == 0);
    CHECK_FALSE(sending_called);
    REQUIRE(svc.finish_bodies.size() == 2);
    CHECK(svc.finish_bodies[1] == svc.finish_bodies[0]);

    // The service knows the handle no more: an UploadError that says what happened and what to do.
    svc.finishes = {answer(400, R"({"error":{"message":"file_handle: no upload has the handle","code":100}})")};
    CHECK_THROWS_MATCHES(up.upload(photos, log), UploadError,
                         Catch::Predicate<UploadError>([&](const UploadError& e) {
                             std::string m = e.what();
                             return m.find("a run stopped on " + noted->sent_at + " before finish_upload answered") !=
                                        std::string::npos &&
                                    m.find(noted->manifest_key) != std::string::npos &&
                                    m.find("no upload has the handle") != std::string::npos &&
                                    m.find("--reupload") != std::string::npos;
                         }));

    // A note that cannot be made: no finish is sent.
    log.sent = {};
    log.sending = [](const std::string&, const FinishSent&) { throw std::runtime_error("disk full"); };
    const std::size_t before = svc.finish_bodies.size();
    CHECK_THROWS_WITH(up.upload(photos, log), "disk full");
    CHECK(svc.finish_bodies.size() == before);
}

TEST_CASE("config: upload_history, relative to the file as ca_file is", "[upload][config]") {
    CHECK(parse_config("", "/etc/mly/config.ini").upload_history.empty());
    CHECK(parse_config("upload_history = h\n", "/etc/mly/config.ini").upload_history == "/etc/mly/h");
    CHECK(parse_config("upload_history = ../state/h/\n", "/etc/mly/config.ini").upload_history == "/etc/state/h/");
    CHECK(parse_config("upload_history = /var/h\n", "/etc/mly/config.ini").upload_history == "/var/h");
    CHECK(parse_config("upload_history =\n", "/etc/mly/config.ini").upload_history.empty());
    CHECK_THROWS_WITH(parse_config("upload_histroy = h\n", "c.ini"), Catch::Contains("did you mean 'upload_history'"));
    CHECK(parse_config("upload_history = h\n", "c.ini").redacted().find("upload_history = h\n") != std::string::npos);
}
