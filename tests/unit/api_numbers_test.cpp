// Numbers in Graph API answers that rapidjson 1.1.0's full-precision
// conversion gets wrong or crashes on (found by fuzz/api_json): the client
// reads them right, and the error parser survives them.
#include <catch2/catch.hpp>

#include "local_server.hpp"
#include "mapi/api.hpp"

#include <string>

using namespace mapi;

TEST_CASE("long zero fractions in an answer are read as zero, not garbage or a crash", "[api]") {
    std::string zeros23 = "0." + std::string(23, '0');  // rapidjson: -1.75e-192
    std::string zeros400 = "0." + std::string(400, '0');  // rapidjson: segmentation fault
    std::string tiny = "0." + std::string(330, '0') + "1";  // rapidjson: -2.1e+301
    test::LocalServer s;
    s.server->Get("/.*", [&](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"id":"7","altitude":)" + zeros23 + R"(,"compass_angle":)" + zeros400 +
                            R"(,"computed_altitude":)" + tiny + R"(,"captured_at":1685607471550,)"
                            R"("geometry":{"type":"Point","coordinates":[13.373739356479524,52.51613046740157]}})",
                        "application/json");
    });
    s.start();
    Config c;
    c.token = Secret("tok");
    c.graph_url = s.url();
    c.retries = 0;
    HttpClient http(http_options(c));
    MapillaryApi api(c, http);
    Image img = api.image("7");
    CHECK(img.altitude == 0.0);
    CHECK(img.compass_angle == 0.0);
    CHECK(img.computed_altitude == 0.0);  // below the smallest subnormal
    CHECK(img.captured_at == 1685607471550);
    REQUIRE(img.geometry);
    CHECK(img.geometry->lon == 13.373739356479524);  // still exact
    CHECK(img.geometry->lat == 52.51613046740157);

    CHECK_FALSE(parse_api_error(R"({"x":)" + zeros400 + "}"));
    auto e = parse_api_error(R"({"error":{"message":"m","code":4,"x":)" + zeros400 + "}}");
    REQUIRE(e);
    CHECK(e->code == 4);
}
