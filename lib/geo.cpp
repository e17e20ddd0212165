// geo: see mapi/geo.hpp.
#include "mapi/geo.hpp"

#include <cmath>
#include <numbers>

namespace mapi {

namespace {

constexpr double kMeanRadius = 6371008.8;  // IUGG mean radius R1
constexpr double kA = 6378137.0;           // WGS84 semi-major axis
constexpr double kF = 1 / 298.257223563;   // WGS84 flattening
constexpr double kE2 = kF * (2 - kF);      // first eccentricity squared

constexpr double rad(double deg) { return deg * std::numbers::pi / 180; }
constexpr double deg(double rad) { return rad * 180 / std::numbers::pi; }

struct Ecef {
    double x, y, z;
};

Ecef to_ecef(LatLon p, double alt) {
    double phi = rad(p.lat), lam = rad(p.lon);
    double s = std::sin(phi), c = std::cos(phi);
    double n = kA / std::sqrt(1 - kE2 * s * s);  // prime vertical radius
    return {(n + alt) * c * std::cos(lam), (n + alt) * c * std::sin(lam), (n * (1 - kE2) + alt) * s};
}

// Into [-180, 180), for longitudes and signed angle differences alike.
double wrap180(double d) { return normalize_deg(d + 180) - 180; }

}  // namespace

double haversine_m(LatLon a, LatLon b) {
    // The great-circle angle as atan2(|cross|, dot) rather than the textbook
    // asin(sqrt(hav)): the same value, but asin loses ~0.2 m near antipodes
    // where hav rounds to 1, and this form stays exact from mm to half the globe.
    double phi1 = rad(a.lat), phi2 = rad(b.lat), dlam = rad(b.lon - a.lon);
    double y1 = std::cos(phi2) * std::sin(dlam);
    double y2 = std::cos(phi1) * std::sin(phi2) - std::sin(phi1) * std::cos(phi2) * std::cos(dlam);
    double x = std::sin(phi1) * std::sin(phi2) + std::cos(phi1) * std::cos(phi2) * std::cos(dlam);
    return kMeanRadius * std::atan2(std::hypot(y1, y2), x);
}

double ellipsoid_chord_m(LatLon a, double alt_a, LatLon b, double alt_b) {
    Ecef p = to_ecef(a, alt_a), q = to_ecef(b, alt_b);
    return std::hypot(p.x - q.x, p.y - q.y, p.z - q.z);
}

double initial_bearing_deg(LatLon from, LatLon to) {
    double phi1 = rad(from.lat), phi2 = rad(to.lat), dlam = rad(to.lon - from.lon);
    double y = std::sin(dlam) * std::cos(phi2);
    double x = std::cos(phi1) * std::sin(phi2) - std::sin(phi1) * std::cos(phi2) * std::cos(dlam);
    return normalize_deg(deg(std::atan2(y, x)));
}

LatLon interpolate(LatLon a, LatLon b, double t) {
    double dlon = wrap180(b.lon - a.lon);
    return {a.lat + t * (b.lat - a.lat), wrap180(a.lon + t * dlon)};
}

double normalize_deg(double d) {
    double r = std::fmod(d, 360.0);
    if (r < 0) r += 360.0;
    // A tiny negative r makes r + 360 round to exactly 360; -0.0 would print oddly.
    if (r >= 360.0 || r == 0) r = 0;
    return r;
}

double angle_diff_deg(double a, double b) {
    double d = normalize_deg(a - b);
    return d > 180 ? 360 - d : d;
}

double interpolate_angle_deg(double a, double b, double t) {
    double d = normalize_deg(b - a);
    if (d > 180) d -= 360;
    return normalize_deg(a + t * d);
}

bool valid_lat(double lat) { return std::isfinite(lat) && lat >= -90 && lat <= 90; }
bool valid_lon(double lon) { return std::isfinite(lon) && lon >= -180 && lon <= 180; }

}  // namespace mapi
