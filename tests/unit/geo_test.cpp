// Unit tests for mapi/geo.hpp. Reference values come from published examples
// or closed forms, not from this code.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <numbers>

#include "mapi/geo.hpp"

using namespace mapi;

TEST_CASE("haversine_m", "[geo]") {
    LatLon paris{48.8566, 2.3522}, london{51.5074, -0.1278};
    CHECK(haversine_m(paris, london) == Approx(343.5e3).margin(500));
    CHECK(haversine_m(london, paris) == Approx(haversine_m(paris, london)).epsilon(1e-12));
    // Land's End to John o' Groats: 968.9 km on R = 6371 km (Movable Type);
    // the 8.8 m larger radius adds 1.3 m.
    CHECK(haversine_m({50.06639, -5.71472}, {58.64389, -3.07}) == Approx(968854.9).margin(5));
    CHECK(haversine_m(paris, paris) == 0);
    // Short distances, where photos live, stay exact: R times the angle.
    CHECK(haversine_m({0, 0}, {0, 1e-5}) == Approx(6371008.8 * 1e-5 * std::numbers::pi / 180).margin(1e-9));
    CHECK(haversine_m({52, 13}, {52.000001, 13}) == Approx(6371008.8 * 1e-6 * std::numbers::pi / 180).margin(1e-9));
    // Half the circumference for antipodes, without NaN from rounding.
    CHECK(haversine_m({0, 0}, {0, 180}) == Approx(std::numbers::pi * 6371008.8).epsilon(1e-12));
    CHECK(haversine_m({10, 20}, {-10, -160}) == Approx(std::numbers::pi * 6371008.8).epsilon(1e-9));
}

TEST_CASE("ellipsoid_chord_m", "[geo]") {
    // One degree of latitude at the equator: the meridian arc is 110574.39 m;
    // the chord is shorter by about s^3 / (24 M^2) = 1.40 m (M = 6335439 m).
    double chord = ellipsoid_chord_m({0, 0}, 0, {1, 0}, 0);
    const double arc = 110574.389, m = 6335439.3;
    CHECK(chord == Approx(arc - arc * arc * arc / (24 * m * m)).margin(0.01));
    CHECK(chord == Approx(110572.985).margin(0.005));

    // Along the equator the ellipsoid is a circle of radius a: chord = 2a sin(dl/2).
    const double a = 6378137.0;
    CHECK(ellipsoid_chord_m({0, 0}, 0, {0, 1e-5}, 0) == Approx(2 * a * std::sin(1e-5 * std::numbers::pi / 360)).margin(1e-6));
    CHECK(ellipsoid_chord_m({0, 10}, 0, {0, 100}, 0) == Approx(2 * a * std::sin(std::numbers::pi / 4)).margin(1e-6));
    // Pole to pole is twice the semi-minor axis b = a (1 - f).
    CHECK(ellipsoid_chord_m({90, 0}, 0, {-90, 0}, 0) == Approx(2 * 6356752.314245).margin(1e-3));

    // Altitude counts: straight up is the altitude difference, to the mm.
    CHECK(ellipsoid_chord_m({48.1, 11.5}, 500, {48.1, 11.5}, 600) == Approx(100).margin(1e-3));
    CHECK(ellipsoid_chord_m({48.1, 11.5}, 500, {48.1, 11.5}, 500) == 0);

    // At photo spacing it agrees with the sphere to within the radius ratio.
    LatLon p{52.52, 13.405}, q{52.52003, 13.40505};
    double c = ellipsoid_chord_m(p, 0, q, 0), h = haversine_m(p, q);
    CHECK(c == Approx(h).epsilon(0.005));
    CHECK(c > 3.5);
    CHECK(c < 5.0);
}

TEST_CASE("initial_bearing_deg", "[geo]") {
    LatLon o{10, 20};
    CHECK(initial_bearing_deg(o, {11, 20}) == Approx(0).margin(1e-9));
    CHECK(initial_bearing_deg(o, {9, 20}) == Approx(180).margin(1e-9));
    CHECK(initial_bearing_deg({0, 20}, {0, 21}) == Approx(90).margin(1e-9));
    CHECK(initial_bearing_deg({0, 20}, {0, 19}) == Approx(270).margin(1e-9));
    // Land's End -> John o' Groats: 009 deg 07' 11" (Movable Type).
    CHECK(initial_bearing_deg({50.06639, -5.71472}, {58.64389, -3.07}) == Approx(9 + 7 / 60.0 + 11 / 3600.0).margin(2e-4));
    // A great circle leaving the equator with azimuth A peaks at latitude 90 - A
    // a quarter turn of longitude later.
    CHECK(initial_bearing_deg({0, 0}, {30, 90}) == Approx(60).margin(1e-9));
    CHECK(initial_bearing_deg({0, 0}, {-30, -90}) == Approx(240).margin(1e-9));
    // Across the antimeridian it is east, not west.
    CHECK(initial_bearing_deg({0, 179.9}, {0, -179.9}) == Approx(90).margin(1e-9));
    // Slightly west of north must stay near 360, never negative.
    double b = initial_bearing_deg({0, 0}, {1, -1e-9});
    CHECK(b >= 0);
    CHECK(b < 360);
    CHECK(b == Approx(360).margin(1e-6));
    CHECK(initial_bearing_deg(o, o) == 0);
}

TEST_CASE("interpolate", "[geo]") {
    LatLon m = interpolate({10, 20}, {20, 40}, 0.25);
    CHECK(m.lat == Approx(12.5));
    CHECK(m.lon == Approx(25));
    LatLon e = interpolate({10, 20}, {20, 40}, 1);
    CHECK(e.lat == Approx(20));
    CHECK(e.lon == Approx(40));

    // 179.9 -> -179.9 goes the short way through 180.
    LatLon x = interpolate({0, 179.9}, {0, -179.9}, 0.5);
    CHECK(x.lon == Approx(-180).margin(1e-9));  // 180 itself is written -180
    LatLon y = interpolate({0, 179.9}, {0, -179.9}, 0.25);
    CHECK(y.lon == Approx(179.95).margin(1e-9));
    LatLon z = interpolate({0, 179.9}, {0, -179.9}, 0.75);
    CHECK(z.lon == Approx(-179.95).margin(1e-9));
    LatLon w = interpolate({0, -179.9}, {0, 179.9}, 0.25);
    CHECK(w.lon == Approx(-179.95).margin(1e-9));
    for (double t = 0; t <= 1.0; t += 0.125) {
        LatLon p = interpolate({5, 179.5}, {6, -179.5}, t);
        CHECK(p.lon >= -180);
        CHECK(p.lon < 180);
        CHECK(std::fabs(std::fabs(p.lon) - 180) <= 0.5 + 1e-9);
    }
}

TEST_CASE("angles", "[geo]") {
    CHECK(normalize_deg(0) == 0);
    CHECK(normalize_deg(360) == 0);
    CHECK(normalize_deg(-90) == 270);
    CHECK(normalize_deg(725) == Approx(5));
    CHECK(normalize_deg(-720) == 0);
    CHECK(normalize_deg(-1e-15) < 360);
    CHECK_FALSE(std::signbit(normalize_deg(-0.0)));

    CHECK(angle_diff_deg(350, 10) == Approx(20));
    CHECK(angle_diff_deg(10, 350) == Approx(20));
    CHECK(angle_diff_deg(0, 180) == Approx(180));
    CHECK(angle_diff_deg(90, 90) == 0);
    CHECK(angle_diff_deg(-170, 170) == Approx(20));
    CHECK(angle_diff_deg(45, 315) == Approx(90));

    CHECK(interpolate_angle_deg(350, 10, 0.5) == Approx(0).margin(1e-9));
    CHECK(interpolate_angle_deg(10, 350, 0.5) == Approx(0).margin(1e-9));
    CHECK(interpolate_angle_deg(350, 10, 0.25) == Approx(355));
    CHECK(interpolate_angle_deg(10, 350, 0.25) == Approx(5));
    CHECK(interpolate_angle_deg(10, 30, 0.5) == Approx(20));
    CHECK(interpolate_angle_deg(0, 90, 1) == Approx(90));
    CHECK(interpolate_angle_deg(0, 180, 0.5) == Approx(90));  // opposite: clockwise
    double r = interpolate_angle_deg(350, 10, 0.5);
    CHECK(r >= 0);
    CHECK(r < 360);
}

TEST_CASE("valid_lat, valid_lon", "[geo]") {
    CHECK(valid_lat(0));
    CHECK(valid_lat(90));
    CHECK(valid_lat(-90));
    CHECK_FALSE(valid_lat(90.0001));
    CHECK_FALSE(valid_lat(-91));
    CHECK_FALSE(valid_lat(std::numeric_limits<double>::quiet_NaN()));
    CHECK_FALSE(valid_lat(std::numeric_limits<double>::infinity()));
    CHECK(valid_lon(180));
    CHECK(valid_lon(-180));
    CHECK_FALSE(valid_lon(180.5));
    CHECK_FALSE(valid_lon(std::numeric_limits<double>::quiet_NaN()));
}
