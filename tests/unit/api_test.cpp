// MapillaryApi against a small Graph API served in the test on 127.0.0.1, and
// image_from_json on the recorded answers of ../shared/fixtures (skipped when
// absent).
#include <catch2/catch.hpp>

#include "local_server.hpp"
#include "mapi/api.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

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

rapidjson::Document parse(const std::string& text) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseFullPrecisionFlag>(text.c_str());
    REQUIRE_FALSE(d.HasParseError());
    return d;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string part; std::getline(in, part, sep);) out.push_back(part);
    return out;
}

const char* const token = "MLY|4242|goodtoken";
const char* const bad_token_body =
    R"({"error":{"message":"Invalid OAuth 2.0 Access Token","type":"MLYApiException","code":190,"fbtrace_id":"x"}})";

std::string unknown_body(const std::string& id) {
    return R"({"error":{"message":"Unsupported get request. Object with ID ')" + id +
           R"(' does not exist, cannot be loaded due to missing permissions, or does not support this operation","type":"MLYApiException","code":100,"error_subcode":33,"fbtrace_id":"x"}})";
}

std::string synthetic_image(const std::string& id) {
    return R"({"id":")" + id + R"(","sequence":"seqA","captured_at":1563721072184,)"
           R"("geometry":{"type":"Point","coordinates":[13.4,52.5]},"thumb_1024_url":"https://cdn.example/)" + id + R"(.jpg"})";
}

// A Graph API with the endpoints of reference sections 2 and 3.
struct FakeGraph {
    std::map<std::string, std::string> images;  // id -> JSON object
    std::map<std::string, std::vector<std::string>> sequences;
    bool strict_batches = false;  // refuse a whole ?ids= batch for one unknown id
    std::function<bool(const httplib::Request&, httplib::Response&)> special;  // answers first when it returns true

    std::mutex mutex;
    std::vector<std::string> targets, auths;
    std::vector<std::size_t> batch_sizes;
    test::LocalServer s;

    FakeGraph() {
        s.server->set_keep_alive_max_count(1000);
        s.server->Get(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) { answer(req, res); });
        s.start();
    }

    void error(httplib::Response& res, int status, const std::string& body) {
        res.status = status;
        res.set_content(body, "application/json");
    }

    void answer(const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mutex);
        targets.push_back(req.target);
        auths.push_back(req.get_header_value("Authorization"));
        if (special && special(req, res)) return;
        if (req.get_header_value("Authorization") != std::string("OAuth ") + token)
            return error(res, 401, bad_token_body);
        if (req.path == "/" && req.has_param("ids")) {
            auto ids = split(req.get_param_value("ids"), ',');
            batch_sizes.push_back(ids.size());
            std::string out = "{";
            for (const auto& id : ids) {
                auto f = images.find(id);
                if (f == images.end()) {
                    if (strict_batches) return error(res, 400, unknown_body(id));
                    continue;
                }
                out += (out.size() > 1 ? "," : "") + ("\"" + id + "\":") + f->second;
            }
            return res.set_content(out + "}", "application/json");
        }
        if (req.path == "/me")
            return res.set_content(R"({"username":"vorpalblade","id":"104214208486349"})", "application/json");
        if (req.path == "/image_ids") {
            auto f = sequences.find(req.get_param_value("sequence_id"));
            std::string out = R"({"data":[)";
            if (f != sequences.end())
                for (std::size_t i = 0; i < f->second.size(); ++i)
                    out += (i ? "," : "") + (R"({"id":")" + f->second[i] + "\"}");
            return res.set_content(out + "]}", "application/json");
        }
        std::string id = req.path.substr(1);
        auto f = images.find(id);
        if (f == images.end()) return error(res, 400, unknown_body(id));
        res.set_content(f->second, "application/json");
    }

    Config config(const std::string& tok = token) const {
        Config c;
        c.token = Secret(tok);
        c.graph_url = s.url();
        c.requests_per_minute = 0;
        return c;
    }
};

HttpClient::Options quick(const Config& c) {
    auto o = http_options(c);
    o.sleep = [](nanoseconds) {};
    o.timeout = milliseconds(2000);
    return o;
}

}  // namespace

TEST_CASE("image_from_json: typed views, every field kept in order", "[api]") {
    auto doc = parse(R"({"id":"135511895288847","altitude":1364.617,"captured_at":1563721072184,)"
                     R"("geometry":{"type":"Point","coordinates":[-108.57081597222,39.068354972222]},)"
                     R"("computed_geometry":{"type":"Point","coordinates":[-108.57081597085,39.068354912098]},)"
                     R"("camera_parameters":[0.85136388143343,-6.6499673206348e-05,-3.8067681992196e-05],)"
                     R"("creator":{"username":"someone","id":"104214208486349"},"is_pano":false,"exif_orientation":6,)"
                     R"("width":4160,"height":3120,"merge_cc":4.546427159383e+18,"sequence":"7nfcwfvjdtphz7yj6zat6a",)"
                     R"("thumb_2048_url":"https://cdn/2048","thumb_original_url":"https://cdn/orig"})");
    Image img = image_from_json(doc);
    CHECK(img.id == "135511895288847");
    CHECK(img.altitude == 1364.617);
    CHECK(img.captured_at == 1563721072184);
    REQUIRE(img.geometry);
    CHECK(img.geometry->lon == -108.57081597222);
    CHECK(img.geometry->lat == 39.068354972222);
    REQUIRE(img.computed_geometry);
    CHECK(img.computed_geometry->lat == 39.068354912098);
    REQUIRE(img.camera_parameters.size() == 3);
    CHECK(img.camera_parameters[0] == 0.85136388143343);
    CHECK(img.creator_username == "someone");
    CHECK(img.creator_id == "104214208486349");
    CHECK(img.is_pano == false);
    CHECK(img.exif_orientation == 6);
    CHECK(img.width == 4160);
    CHECK(img.height == 3120);
    CHECK(img.sequence == "7nfcwfvjdtphz7yj6zat6a");
    CHECK(img.thumb_url("2048") == "https://cdn/2048");
    CHECK(img.thumb_url("original") == "https://cdn/orig");
    CHECK_FALSE(img.thumb_url("1024"));
    CHECK_FALSE(img.thumb_url("640"));
    CHECK_FALSE(img.compass_angle);
    // Everything the API said, in its order, numbers at full precision.
    std::string json = img.fields.to_json();
    CHECK(json.rfind(R"({"id":"135511895288847","altitude":1364.617,"captured_at":1563721072184,)", 0) == 0);
    CHECK(json.find(R"("camera_parameters":[0.85136388143343,-6.6499673206348e-05,-3.8067681992196e-05])") !=
          std::string::npos);
    CHECK(json.find(R"("merge_cc":4.546427159383e+18)") != std::string::npos);
}

TEST_CASE("image_from_json: wrong types count as absent", "[api]") {
    auto doc = parse(R"({"id":12345,"captured_at":"yesterday","geometry":{"type":"Point","coordinates":["x",1]},)"
                     R"("computed_geometry":{"coordinates":[200,95]},"width":"4160","height":3120.5,)"
                     R"("exif_orientation":9,"camera_parameters":[0.8,"k1"],"creator":"bob","is_pano":"yes",)"
                     R"("compass_angle":null,"altitude":[1],"thumb_1024_url":42,"sequence":{"id":"s"}})");
    Image img = image_from_json(doc);
    CHECK(img.id == "12345");  // a numeric id is still an id
    CHECK_FALSE(img.captured_at);
    CHECK_FALSE(img.geometry);
    CHECK_FALSE(img.computed_geometry);  // outside the globe
    CHECK_FALSE(img.width);
    CHECK_FALSE(img.height);
    CHECK_FALSE(img.exif_orientation);
    CHECK(img.camera_parameters.empty());
    CHECK_FALSE(img.creator_username);
    CHECK_FALSE(img.is_pano);
    CHECK_FALSE(img.compass_angle);
    CHECK_FALSE(img.altitude);
    CHECK_FALSE(img.thumb_1024_url);
    CHECK_FALSE(img.sequence);
    CHECK_THROWS_AS(image_from_json(parse(R"(["id"])")), ApiError);
    CHECK_THROWS_AS(image_from_json(parse(R"({"sequence":"s"})")), ApiError);
    CHECK_THROWS_AS(image_from_json(parse(R"({"id":""})")), ApiError);
}

TEST_CASE("image_from_json reads every recorded image", "[api][fixtures]") {
    if (!fsys::exists(fixture_graph())) {
        WARN("fixtures not found at " << fixture_graph() << ": skipped");
        return;
    }
    int images = 0;
    for (const auto& e : fsys::directory_iterator(fixture_graph())) {
        if (e.path().extension() != ".json") continue;
        auto doc = parse(slurp(e.path()));
        if (!doc.HasMember("captured_at")) continue;  // users, map features, errors
        Image img = image_from_json(doc);
        ++images;
        INFO(e.path());
        CHECK(img.id == e.path().stem().string());
        CHECK(img.sequence == "7nfcwfvjdtphz7yj6zat6a");
        REQUIRE(img.captured_at);
        CHECK(*img.captured_at > 1563721000000);
        CHECK(*img.captured_at < 1563721100000);
        REQUIRE(img.geometry);
        REQUIRE(img.computed_geometry);
        CHECK(img.geometry->lon == Approx(-108.5708).margin(0.001));
        CHECK(img.geometry->lat == Approx(39.067).margin(0.003));
        CHECK(img.width == 4160);
        CHECK(img.height == 3120);
        CHECK(img.exif_orientation == 1);
        CHECK(img.camera_type == "perspective");
        CHECK(img.camera_parameters.size() == 3);
        CHECK(img.compass_angle);
        CHECK(img.computed_compass_angle);
        CHECK(img.thumb_url("2048") == "thumb_2048_filler_url");
        // Every field a download should keep is in download_fields (detections
        // and the recording's own comment are left out on purpose).
        auto wanted = split(std::string(download_fields), ',');
        for (const auto& m : doc.GetObject()) {
            std::string key = m.name.GetString();
            if (key == "detections" || key == "comment") continue;
            INFO(key);
            CHECK(std::find(wanted.begin(), wanted.end(), key) != wanted.end());
        }
        // The record keeps every field, values unchanged.
        auto again = parse(img.fields.to_json());
        CHECK(again == doc);
    }
    CHECK(images == 8);
}

TEST_CASE("image: the token goes in the header, never in the URL", "[api]") {
    FakeGraph g;
    g.images["135"] = synthetic_image("135");
    Config c = g.config();
    HttpClient http(quick(c));
    MapillaryApi api(c, http);
    Image img = api.image("135");
    CHECK(img.id == "135");
    CHECK(img.sequence == "seqA");
    REQUIRE(g.targets.size() == 1);
    CHECK(g.targets[0] == "/135?fields=" + std::string(download_fields));
    CHECK(g.auths[0] == std::string("OAuth ") + token);
    CHECK(g.targets[0].find("access_token") == std::string::npos);
    CHECK(api.image("135", "id,sequence").id == "135");
    CHECK(g.targets[1] == "/135?fields=id,sequence");
}

TEST_CASE("image: unknown ids, refused tokens, no token", "[api]") {
    FakeGraph g;
    Config c = g.config();
    HttpClient http(quick(c));
    MapillaryApi api(c, http);
    try {
        api.image("999");
        FAIL("no exception");
    } catch (const UnknownIdError& e) {
        CHECK(e.status == 400);
        CHECK(e.code == 100);
        CHECK(std::string(e.what()).find("Object with ID '999' does not exist") != std::string::npos);
    }
    CHECK_THROWS_AS(api.image("12,34"), UnknownIdError);  // never sent: it would be two ids
    CHECK_THROWS_AS(api.image("../me"), UnknownIdError);
    CHECK(g.targets.size() == 1);

    Config wrong = g.config("MLY|4242|expired");
    MapillaryApi refused(wrong, http);
    try {
        refused.image("1");
        FAIL("no exception");
    } catch (const AuthError& e) {
        std::string m = e.what();
        CHECK(e.status == cli::auth_refused);
        CHECK(m.find("HTTP 401 Unauthorized: Invalid OAuth 2.0 Access Token (code 190)") != std::string::npos);
        CHECK(m.find("expired") == std::string::npos);
    }
    Config none = g.config("");
    MapillaryApi anonymous(none, http);
    try {
        anonymous.me();
        FAIL("no exception");
    } catch (const ConfigError& e) {
        CHECK(e.status == cli::usage);
        CHECK(std::string(e.what()).find("MAPILLARY_ACCESS_TOKEN") != std::string::npos);
    }
}

TEST_CASE("API error messages are scrubbed of the token", "[api]") {
    FakeGraph g;
    g.special = [](const httplib::Request&, httplib::Response& res) {
        res.status = 400;
        res.set_content(std::string(R"({"error":{"message":"token )") + token + R"( is not allowed here","code":2}})",
                        "application/json");
        return true;
    };
    Config c = g.config();
    HttpClient http(quick(c));
    MapillaryApi api(c, http);
    try {
        api.image("1");
        FAIL("no exception");
    } catch (const ApiError& e) {
        std::string m = e.what();
        CHECK(m.find("goodtoken") == std::string::npos);
        CHECK(m.find("token REDACTED is not allowed here") != std::string::npos);
    }
}

TEST_CASE("images: batches of 50, answer order, unknown ids, duplicates once", "[api]") {
    FakeGraph g;
    std::vector<std::string> ids;
    for (int i = 1; i <= 120; ++i) {
        std::string id = std::to_string(1000 + i);
        ids.push_back(id);
        if (i % 10 != 0) g.images[id] = synthetic_image(id);  // every tenth is unknown
    }
    ids.push_back("1001");    // again
    ids.push_back("bad id");  // never asked for
    Config c = g.config();
    HttpClient http(quick(c));
    MapillaryApi api(c, http);
    auto batch = api.images(ids, "id,sequence");
    CHECK(g.batch_sizes == std::vector<std::size_t>{50, 50, 20});
    REQUIRE(batch.images.size() == 108);
    CHECK(batch.images.front().id == "1001");
    CHECK(batch.images[8].id == "1009");
    CHECK(batch.images[9].id == "1011");
    CHECK(batch.images.back().id == "1119");
    REQUIRE(batch.unknown.size() == 13);
    CHECK(batch.unknown.front() == "1010");
    CHECK(batch.unknown[11] == "1120");
    CHECK(batch.unknown.back() == "bad id");
    CHECK(g.targets[0].rfind("/?ids=1001,1002,", 0) == 0);
    CHECK(g.targets[0].find("&fields=id,sequence") != std::string::npos);
}

TEST_CASE("images: a batch refused for one unknown id is split to find it", "[api]") {
    FakeGraph g;
    g.strict_batches = true;
    std::vector<std::string> ids;
    for (int i = 1; i <= 16; ++i) {
        ids.push_back(std::to_string(i));
        if (i != 6 && i != 13) g.images[ids.back()] = synthetic_image(ids.back());
    }
    Config c = g.config();
    HttpClient http(quick(c));
    MapillaryApi api(c, http);
    auto batch = api.images(ids);
    CHECK(batch.images.size() == 14);
    CHECK(batch.unknown == std::vector<std::string>{"6", "13"});
    CHECK(g.batch_sizes.size() < 16);  // fewer requests than one an id
}

TEST_CASE("image_ids: a sequence's images in order; empty for an unknown one", "[api]") {
    FakeGraph g;
    g.sequences["7nfcwfvjdtphz7yj6zat6a"] = {"148137757289079", "311799370533334", "338231874314914"};
    Config c = g.config();
    HttpClient http(quick(c));
    MapillaryApi api(c, http);
    CHECK(api.image_ids("7nfcwfvjdtphz7yj6zat6a") ==
          std::vector<std::string>{"148137757289079", "311799370533334", "338231874314914"});
    CHECK(g.targets[0] == "/image_ids?sequence_id=7nfcwfvjdtphz7yj6zat6a");
    CHECK(api.image_ids("nosuchsequence").empty());
    CHECK_THROWS_AS(api.image_ids("a/b"), UnknownIdError);
}

TEST_CASE("image_ids and images on the recorded sequence", "[api][fixtures]") {
    if (!fsys::exists(fixture_graph())) {
        WARN("fixtures not found at " << fixture_graph() << ": skipped");
        return;
    }
    FakeGraph g;
    auto seq = parse(slurp(fixture_graph() / "image_ids/7nfcwfvjdtphz7yj6zat6a.json"));
    for (const auto& item : seq["data"].GetArray()) {
        std::string id = item["id"].GetString();
        g.sequences["7nfcwfvjdtphz7yj6zat6a"].push_back(id);
        g.images[id] = slurp(fixture_graph() / (id + ".json"));
    }
    Config c = g.config();
    HttpClient http(quick(c));
    MapillaryApi api(c, http);
    auto ids = api.image_ids("7nfcwfvjdtphz7yj6zat6a");
    REQUIRE(ids.size() == 8);
    CHECK(ids.front() == "148137757289079");
    CHECK(ids.back() == "311681117131457");
    auto batch = api.images(ids);
    CHECK(batch.unknown.empty());
    REQUIRE(batch.images.size() == 8);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        CHECK(batch.images[i].id == ids[i]);  // in the order asked for
        CHECK(batch.images[i].captured_at);
    }
}

TEST_CASE("search_images follows paging.next without sending its token anywhere", "[api]") {
    FakeGraph g;
    std::string base = g.s.url();
    g.special = [&](const httplib::Request& req, httplib::Response& res) {
        if (req.path != "/images") return false;
        int page = req.has_param("page") ? std::stoi(req.get_param_value("page")) : 0;
        std::string next;
        // Facebook-style next links carry an access_token; one even names another host.
        if (page == 0) next = "http://graph.elsewhere.invalid:9/images?bbox=1,2,3,4&page=1&access_token=LEAKED";
        if (page == 1) next = base + "/images?page=2&access_token=LEAKED&limit=2";
        std::string out = R"({"data":[{"id":")" + std::to_string(page * 2 + 1) + R"("},{"id":")" +
                          std::to_string(page * 2 + 2) + R"("},{"noid":true}])";
        if (!next.empty()) out += R"(,"paging":{"next":")" + next + R"("})";
        res.set_content(out + "}", "application/json");
        return true;
    };
    Config c = g.config();
    HttpClient http(quick(c));
    MapillaryApi api(c, http);
    std::vector<std::string> seen;
    api.search_images({{"bbox", "1,2,3,4"}, {"limit", "2"}}, "id,captured_at", [&](std::vector<Image>& page) {
        for (auto& img : page) seen.push_back(img.id);
        return true;
    });
    CHECK(seen == std::vector<std::string>{"1", "2", "3", "4", "5", "6"});
    REQUIRE(g.targets.size() == 3);
    CHECK(g.targets[0] == "/images?bbox=1,2,3,4&limit=2&fields=id,captured_at");
    CHECK(g.targets[1] == "/images?bbox=1,2,3,4&page=1");
    CHECK(g.targets[2] == "/images?page=2&limit=2");
    for (const auto& a : g.auths) CHECK(a == std::string("OAuth ") + token);

    // The callback may stop early.
    g.targets.clear();
    int pages = 0;
    api.search_images({}, "id", [&](std::vector<Image>&) { return ++pages < 2; });
    CHECK(pages == 2);
    CHECK(g.targets.size() == 2);
}

TEST_CASE("search_images stops on a paging.next that loops", "[api]") {
    FakeGraph g;
    std::string base = g.s.url();
    g.special = [&](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"data":[{"id":"1"}],"paging":{"next":")" + base + R"(/images?page=1"}})", "application/json");
        return true;
    };
    Config c = g.config();
    HttpClient http(quick(c));
    MapillaryApi api(c, http);
    int pages = 0;
    CHECK_THROWS_WITH(api.search_images({}, "id", [&](std::vector<Image>&) { return ++pages < 100; }),
                      Catch::Contains("paging.next repeats a page"));
    CHECK(pages == 2);
}

TEST_CASE("malformed answers are clear errors, not crashes", "[api]") {
    FakeGraph g;
    std::string body;
    g.special = [&](const httplib::Request&, httplib::Response& res) {
        res.set_content(body, "application/json");
        return true;
    };
    Config c = g.config();
    HttpClient http(quick(c));
    MapillaryApi api(c, http);
    body = R"({"data": [{"id": "1"})";
    CHECK_THROWS_WITH(api.image_ids("s"), Catch::Contains("malformed JSON in the answer") &&
                                              Catch::Contains("/image_ids?sequence_id=s"));
    body = "<html>proxy error</html>";
    CHECK_THROWS_WITH(api.me(), Catch::Contains("malformed JSON"));
    body = "[1,2]";
    CHECK_THROWS_WITH(api.me(), Catch::Contains("not a JSON object"));
    body = R"({"data":"none"})";
    CHECK_THROWS_WITH(api.image_ids("s"), Catch::Contains("no \"data\" list"));
    body = R"({"username":"x"})";
    CHECK_THROWS_WITH(api.me(), Catch::Contains("no user id"));
    body = R"({"id":"2"})";
    CHECK_THROWS_WITH(api.image("1"), Catch::Contains("the answer is about image 2"));
    body = R"({"1":"not an object","2":{"id":"2"}})";
    auto batch = api.images({"1", "2"});
    CHECK(batch.unknown == std::vector<std::string>{"1"});
    CHECK(batch.images.size() == 1);
    body = std::string(100000, '[');  // deep nesting
    CHECK_THROWS_AS(api.me(), ApiError);
}

TEST_CASE("me() names the token's user", "[api]") {
    FakeGraph g;
    Config c = g.config();
    HttpClient http(quick(c));
    MapillaryApi api(c, http);
    User u = api.me();
    CHECK(u.id == "104214208486349");
    CHECK(u.username == "vorpalblade");
    CHECK(g.targets[0] == "/me?fields=id,username");
}

TEST_CASE("the request limit is retried, then exit status 4", "[api]") {
    FakeGraph g;
    std::atomic<int> hits{0};
    g.special = [&](const httplib::Request&, httplib::Response& res) {
        if (hits++ < 2) {
            res.status = 429;
            res.set_content(R"({"error":{"message":"Application request limit reached","code":4,"is_transient":true}})",
                            "application/json");
            return true;
        }
        return false;
    };
    g.images["7"] = synthetic_image("7");
    Config c = g.config();
    c.retries = 2;
    HttpClient http(quick(c));
    MapillaryApi api(c, http);
    CHECK(api.image("7").id == "7");  // third time lucky
    hits = 0;
    c.retries = 1;
    HttpClient impatient(quick(c));
    MapillaryApi api2(c, impatient);
    try {
        api2.image("7");
        FAIL("no exception");
    } catch (const NetworkError& e) {
        CHECK(static_cast<const cli::Failure&>(e).status == cli::unavailable);
        CHECK(std::string(e.what()).find("Application request limit reached") != std::string::npos);
    }
}

TEST_CASE("http_options: the rate limit counts the API hosts, not the image CDN", "[api][ratelimit]") {
    FakeGraph g;
    g.images["1"] = synthetic_image("1");
    test::LocalServer cdn;
    cdn.server->Get("/img.jpg", [](const httplib::Request&, httplib::Response& res) { res.set_content("jpeg", "image/jpeg"); });
    cdn.start();

    Config c = g.config();
    c.requests_per_minute = 60;  // one a second, no burst
    c.timeout = 1.5;
    c.retries = 2;
    c.user_agent = "tester/1";
    auto o = http_options(c);
    CHECK(o.timeout == milliseconds(1500));
    CHECK(o.retries == 2);
    CHECK(o.user_agent == "tester/1");
    CHECK(o.requests_per_minute == 60);
    CHECK(o.limited_origins ==
          std::vector<std::string>{g.s.url(), "https://tiles.mapillary.com:443",
                                   "https://rupload.facebook.com:443"});

    auto t = steady_clock::now();
    std::vector<nanoseconds> waits;
    o.now = [&] { return t; };
    o.sleep = [&](nanoseconds d) {
        waits.push_back(d);
        t += d;
    };
    HttpClient http(o);
    MapillaryApi api(c, http);
    api.image("1");
    api.image("1");
    CHECK(waits.size() == 1);  // the second API request waited its turn
    for (int i = 0; i < 5; ++i) CHECK(http.get(cdn.url("/img.jpg")).status == 200);
    CHECK(waits.size() == 1);  // image downloads did not
}

TEST_CASE("a too-large bbox (code 100 without subcode 33) is an API error, not an unknown id", "[api]") {
    FakeGraph g;
    g.special = [&](const httplib::Request& req, httplib::Response& res) {
        if (req.path != "/images") return false;
        res.status = 400;
        res.set_content(R"({"error":{"message":"Bounding box area is too large, please reduce it to less than 0.01 square degrees",)"
                        R"("type":"MLYApiException","code":100,"fbtrace_id":"x"}})",
                        "application/json");
        return true;
    };
    Config c = g.config();
    HttpClient http(quick(c));
    MapillaryApi api(c, http);
    auto search = [&] { api.search_images({{"bbox", "0,0,1,1"}}, "id", [](std::vector<Image>&) { return true; }); };
    try {
        search();
        FAIL("no error");
    } catch (const UnknownIdError&) {
        FAIL("read as an unknown id");
    } catch (const ApiError& e) {
        CHECK(std::string(e.what()).find("Bounding box area is too large") != std::string::npos);
        CHECK(e.code == 100);
    }
}
