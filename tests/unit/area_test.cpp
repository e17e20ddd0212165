// area: bbox parsing, the grid of cells, and search_area against a small
// image search served in the test, which refuses a bbox of 0.01 deg^2 or
// more, answers at most `limit` images, and refuses a dense cell with HTTP
// 500 as the real service does.
#include <catch2/catch.hpp>

#include "local_server.hpp"
#include "mapi/area.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

using namespace mapi;

TEST_CASE("parse_bbox: W,S,E,N, with clear refusals", "[area]") {
    Bbox b = parse_bbox("13.40, 52.51,13.41 ,+52.52");
    CHECK(b.min_lon == 13.40);
    CHECK(b.min_lat == 52.51);
    CHECK(b.max_lon == 13.41);
    CHECK(b.max_lat == 52.52);
    CHECK(to_string(b) == "13.4,52.51,13.41,52.52");
    auto refusal = [](const char* text) {
        try {
            parse_bbox(text);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(refusal("1,2,3") == "bbox '1,2,3' is not W,S,E,N (four numbers)");
    CHECK(refusal("1,2,3,4,5") == "bbox '1,2,3,4,5' is not W,S,E,N (four numbers)");
    CHECK(refusal("1,2,x,4") == "bbox '1,2,x,4': 'x' is not a number");
    CHECK(refusal("1,,3,4") == "bbox '1,,3,4': '' is not a number");
    CHECK(refusal("1,2,nan,4") == "bbox '1,2,nan,4': 'nan' is not a number");
    CHECK(refusal("-181,2,3,4") == "bbox '-181,2,3,4': west -181 is not a longitude in [-180, 180]");
    CHECK(refusal("1,2,3,95") == "bbox '1,2,3,95': north 95 is not a latitude in [-90, 90]");
    CHECK(refusal("13.41,52.51,13.40,52.52").rfind("bbox '13.41,52.51,13.40,52.52': west 13.41 is east of east 13.4", 0) == 0);
    CHECK(refusal("13.40,52.52,13.41,52.51") ==
          "bbox '13.40,52.52,13.41,52.51': south 52.52 is north of north 52.51 (the order is W,S,E,N)");
    CHECK(refusal("1,2,1,2") == "accepted");  // a point is a bbox too
}

TEST_CASE("grid_cells: equal cells under the limit, covering the bbox, from the north-west", "[area]") {
    for (Bbox box : {Bbox{0, 0, 1, 1}, Bbox{13.3, 52.4, 13.5, 52.6}, Bbox{-180, -90, -170, -85}, Bbox{5, 5, 5.001, 9},
                     Bbox{-10, 3, 10, 3.0001}, Bbox{1, 1, 1, 1}, Bbox{2, 1, 2, 8}}) {
        CellGrid grid(box);
        std::vector<Bbox> cells;
        for (std::size_t i = 0; i < grid.size(); ++i) cells.push_back(grid[i]);
        REQUIRE(!cells.empty());
        double area = 0;
        for (const auto& c : cells) {
            double a = (c.max_lon - c.min_lon) * (c.max_lat - c.min_lat);
            CHECK(a < max_search_area);
            CHECK(c.min_lon >= box.min_lon);
            CHECK(c.max_lon <= box.max_lon);
            CHECK(c.min_lat >= box.min_lat);
            CHECK(c.max_lat <= box.max_lat);
            area += a;
        }
        CHECK(area == Approx((box.max_lon - box.min_lon) * (box.max_lat - box.min_lat)).margin(1e-9));
        // the first cell holds the north-west corner, the last the south-east one
        CHECK(cells.front().min_lon == box.min_lon);
        CHECK(cells.front().max_lat == box.max_lat);
        CHECK(cells.back().max_lon == box.max_lon);
        CHECK(cells.back().min_lat == box.min_lat);
    }
    CHECK(CellGrid({0, 0, 1, 1}).size() == 110);
    CHECK(CellGrid({-180, -90, 180, 90}).size() == 6613884);  // counted, not held
    CHECK(CellGrid({5, 5, 5.001, 9}).size() == 1);  // a thin strip is not cut into squares
    CHECK(CellGrid({0, 0, 0.05, 0.05}).size() == 1);
}

namespace {

struct Point {
    std::string id;
    double lon, lat;
    std::int64_t t;
    bool pano;
    std::string user;
};

// The image search of reference section 3 over `points`.
struct SearchServer {
    std::vector<Point> points;
    double dense_area = 1;  // a bbox at least this large with more than 3 images inside: 500
    bool refuse = false;    // every search: 400
    std::mutex mutex;
    std::vector<std::string> bboxes;
    test::LocalServer s;

    SearchServer() {
        s.server->Get("/images", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mutex);
            std::string b = req.get_param_value("bbox");
            bboxes.push_back(b);
            if (refuse) {
                res.status = 400;
                return res.set_content(R"({"error":{"message":"Invalid parameter","code":100}})", "application/json");
            }
            double w, so, e, n;
            if (std::sscanf(b.c_str(), "%lf,%lf,%lf,%lf", &w, &so, &e, &n) != 4 || (e - w) * (n - so) >= 0.01) {
                res.status = 400;
                return res.set_content(R"({"error":{"message":"bbox too large","code":100}})", "application/json");
            }
            std::size_t limit = std::stoul(req.get_param_value("limit"));
            std::vector<const Point*> in;
            for (const auto& p : points)
                if (p.lon >= w && p.lon <= e && p.lat >= so && p.lat <= n) in.push_back(&p);
            if ((e - w) * (n - so) >= dense_area && in.size() > 3) {
                res.status = 500;
                return res.set_content(R"({"error":{"message":"Please reduce the amount of data you're asking for, )"
                                       R"(then retry your request","code":1,"is_transient":false}})",
                                       "application/json");
            }
            std::string out = R"({"data":[)";
            for (std::size_t i = 0; i < in.size() && i < limit; ++i) {
                const Point& p = *in[i];
                char buf[512];
                std::snprintf(buf, sizeof buf,
                              R"(%s{"id":"%s","sequence":"s%s","captured_at":%lld,"is_pano":%s,)"
                              R"("creator":{"username":"%s","id":"9"},"geometry":{"type":"Point","coordinates":[%.17g,%.17g]}})",
                              i ? "," : "", p.id.c_str(), p.id.c_str(), static_cast<long long>(p.t),
                              p.pano ? "true" : "false", p.user.c_str(), p.lon, p.lat);
                out += buf;
            }
            res.set_content(out + "]}", "application/json");
        });
        s.start();
    }
};

std::vector<std::string> run(SearchServer& srv, AreaQuery q, AreaStats* stats = nullptr) {
    Config c;
    c.token = Secret("tok");
    c.graph_url = srv.s.url();
    c.requests_per_minute = 0;
    c.retries = 0;
    HttpClient http(http_options(c));
    MapillaryApi api(c, http);
    std::vector<std::string> ids;
    AreaCallbacks cb;
    cb.image = [&](Image& img) { ids.push_back(img.id); };
    auto st = search_area(api, q, cb);
    if (stats) *stats = st;
    return ids;
}

}  // namespace

TEST_CASE("search_area: every image once, cells cut where full or too dense", "[area]") {
    SearchServer srv;
    // A 0.3 x 0.2 degree area: a dense cluster, points on the lines between
    // cells, and points just outside.
    int k = 0;
    for (int i = 0; i < 40; ++i)
        srv.points.push_back({std::to_string(++k), 13.4 + i * 1e-6, 52.5 + i * 1e-6, 1000 + i, i % 2 == 0, "ana"});
    for (double lon = 13.3; lon <= 13.6; lon += 0.05)
        for (double lat = 52.4; lat <= 52.6; lat += 0.05)
            srv.points.push_back({std::to_string(++k), lon, lat, 5000, false, "bob"});
    srv.points.push_back({"outside1", 13.2999, 52.5, 0, false, "bob"});
    srv.points.push_back({"outside2", 13.5, 52.6001, 0, false, "bob"});

    AreaQuery q;
    q.box = {13.3, 52.4, 13.6, 52.6};
    q.fields = "sequence";
    q.limit = 7;
    srv.dense_area = 0.004;
    AreaStats stats;
    auto ids = run(srv, q, &stats);
    std::set<std::string> unique(ids.begin(), ids.end());
    CHECK(unique.size() == ids.size());
    std::set<std::string> expected;
    for (const auto& p : srv.points)
        if (p.lon >= 13.3 && p.lon <= 13.6 && p.lat >= 52.4 && p.lat <= 52.6) expected.insert(p.id);
    CHECK(unique == expected);
    CHECK(stats.splits > 0);
    CHECK(stats.repeats > 0);
    CHECK(stats.incomplete.empty());
    CHECK(stats.images == expected.size());
    // No cell was too large for the service.
    for (const auto& b : srv.bboxes) {
        auto box = parse_bbox(b);
        CHECK((box.max_lon - box.min_lon) * (box.max_lat - box.min_lat) < 0.01);
    }
}

TEST_CASE("search_area: filters checked on the answers too", "[area]") {
    SearchServer srv;  // ignores user, time and is_pano, as a careless service might
    for (int i = 0; i < 10; ++i)
        srv.points.push_back({std::to_string(i), 1 + i * 0.001, 1, 1000 * i, i % 3 == 0, i % 2 ? "ana" : "bob"});
    AreaQuery q;
    q.box = {0.99, 0.99, 1.02, 1.01};
    q.creator_username = "ana";
    CHECK(run(srv, q) == std::vector<std::string>{"1", "3", "5", "7", "9"});
    q.pano_only = true;
    CHECK(run(srv, q) == std::vector<std::string>{"3", "9"});
    q.pano_only = false;
    q.since = Instant(std::chrono::milliseconds(3000));
    q.until = Instant(std::chrono::milliseconds(7000));
    CHECK(run(srv, q) == std::vector<std::string>{"3", "5", "7"});
}

TEST_CASE("search_area: a spot with more images than one answer is reported", "[area]") {
    SearchServer srv;
    for (int i = 0; i < 5; ++i) srv.points.push_back({std::to_string(i), 1.003, 1.004, i, false, "a"});
    AreaQuery q;
    q.box = {0.99, 0.99, 1.01, 1.01};
    q.limit = 3;
    AreaStats stats;
    auto ids = run(srv, q, &stats);
    CHECK(ids.size() == 3);
    REQUIRE(stats.incomplete.size() == 1);
    CHECK(stats.incomplete[0].max_lon - stats.incomplete[0].min_lon <= min_cell_side);
}

TEST_CASE("search_area: other errors are not hidden", "[area]") {
    SearchServer srv;
    srv.refuse = true;
    AreaQuery q;
    q.box = {1, 1, 1.01, 1.01};
    CHECK_THROWS_AS(run(srv, q), ApiError);
}

TEST_CASE("tiles_covering: a bbox across the antimeridian whose ends share a column", "[tiles]") {
    // Found by fuzz/tiles_decoder: the two runs of columns overlapped and
    // tiles came out twice.
    auto once = [](const std::vector<tiles::TileId>& ts) {
        std::set<tiles::TileId> s(ts.begin(), ts.end());
        return s.size() == ts.size();
    };
    CHECK(tiles::tiles_covering({1e-308, 0, 0, 0}, 0).size() == 1);
    auto ts = tiles::tiles_covering({10, 0, 5, 1}, 1);
    CHECK(once(ts));
    CHECK(ts.size() == 2);  // the whole width
    CHECK(once(tiles::tiles_covering({170, 0, -170, 1}, 3)));
    CHECK(tiles::tiles_covering({170, 0, -170, 1}, 3).size() == 2);
}
