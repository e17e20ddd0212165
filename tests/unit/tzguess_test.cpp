// Unit tests for mapi/tzguess.hpp. Expected zones were checked by hand
// against the coordinates in the tz tables (and an independent haversine).
#include <catch2/catch.hpp>

#include "mapi/tzguess.hpp"

using namespace mapi;

TEST_CASE("parse_iso6709 reads the tz tables' coordinates", "[tzguess]") {
    auto berlin = parse_iso6709("+5230+01322");
    REQUIRE(berlin);
    CHECK(berlin->lat == Approx(52.5));
    CHECK(berlin->lon == Approx(13 + 22 / 60.0));
    // Seconds, and both signs negative or mixed.
    auto troll = parse_iso6709("-720041+0023206");
    REQUIRE(troll);
    CHECK(troll->lat == Approx(-(72 + 0 / 60.0 + 41 / 3600.0)));
    CHECK(troll->lon == Approx(2 + 32 / 60.0 + 6 / 3600.0));
    auto sp = parse_iso6709("-2332-04637");
    REQUIRE(sp);
    CHECK(sp->lat == Approx(-(23 + 32 / 60.0)));
    CHECK(sp->lon == Approx(-(46 + 37 / 60.0)));
}

TEST_CASE("parse_iso6709 refuses malformed coordinates", "[tzguess]") {
    CHECK_FALSE(parse_iso6709(""));
    CHECK_FALSE(parse_iso6709("5230+01322"));     // no sign
    CHECK_FALSE(parse_iso6709("+5230"));          // no longitude
    CHECK_FALSE(parse_iso6709("+52+013"));        // too few digits
    CHECK_FALSE(parse_iso6709("+5260+01322"));    // 60 minutes
    CHECK_FALSE(parse_iso6709("+5230+0132x"));    // not a digit
    CHECK_FALSE(parse_iso6709("+9130+01322"));    // latitude beyond 90
    CHECK_FALSE(parse_iso6709("+5230+01322+1"));  // trailing text
}

TEST_CASE("ZoneTable::parse and nearest on a table of its own", "[tzguess]") {
    const char* text =
        "# comment\n"
        "\n"
        "DE\t+5230+01322\tEurope/Berlin\tmost of Germany\n"
        "FR\t+4852+00220\tEurope/Paris\n"
        "XX\tgarbage\tNowhere/Else\n"
        "JP\t+353916+1394441\tAsia/Tokyo\r\n";
    ZoneTable t = ZoneTable::parse(text);
    REQUIRE(t.entries().size() == 3);
    CHECK(t.entries()[2].zone == "Asia/Tokyo");  // the CR is not part of the name
    CHECK(t.nearest({50.1, 8.7}) == std::optional<std::string>("Europe/Berlin"));  // Frankfurt: 420 km vs 480 km
    CHECK(t.nearest({47.2, -1.55}) == std::optional<std::string>("Europe/Paris"));  // Nantes
    CHECK(t.nearest({-33.9, 151.2}) == std::optional<std::string>("Asia/Tokyo"));   // far from all: still the nearest
    CHECK_FALSE(ZoneTable::parse("").nearest({0, 0}));
}

TEST_CASE("guess_zone on the system's tables", "[tzguess]") {
    if (ZoneTable::system().entries().empty()) {
        WARN("no zone1970.tab or zone.tab on this system: skipped");
        return;
    }
    CHECK(guess_zone({52.5163, 13.3777}) == "Europe/Berlin");
    CHECK(guess_zone({-34.6037, -58.3816}) == "America/Argentina/Buenos_Aires");
    CHECK(guess_zone({-41.2865, 174.7762}) == "Pacific/Auckland");  // Wellington
    CHECK(guess_zone({35.6595, 139.7005}) == "Asia/Tokyo");
    CHECK(guess_zone({37.7793, -122.4193}) == "America/Los_Angeles");
    CHECK(guess_zone({51.4779, 0.0}) == "Europe/London");  // Greenwich
    // Both sides of the antimeridian, in Fiji.
    CHECK(guess_zone({-16.8167, 179.99}) == "Pacific/Fiji");
    CHECK(guess_zone({-16.8167, -179.99}) == "Pacific/Fiji");
    // zone1970.tab alone would say America/Scoresbysund (Greenland): Iceland
    // is merged there into Africa/Abidjan; zone.tab keeps Atlantic/Reykjavik.
    CHECK(guess_zone({64.1435, -21.927}) == "Atlantic/Reykjavik");
}
