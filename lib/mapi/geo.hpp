// geo: distances, bearings and interpolation on WGS84.
//
// Angles are degrees throughout, as in the record stream (design section 3):
// lat, lon on WGS84, heading clockwise from true north in [0, 360).
#pragma once

namespace mapi {

struct LatLon {
    double lat, lon;
};

// Great-circle distance on a sphere of the mean Earth radius (6371008.8 m):
// cheap, and within ~0.5 % of the ellipsoid, which is plenty for gaps and
// speeds.
double haversine_m(LatLon a, LatLon b);

// Straight-line distance between the two points on the WGS84 ellipsoid
// (geodetic to ECEF), altitudes in metres. This is the distance
// mapillary_tools' duplicate check uses (with both altitudes 0), so mly-dedupe
// can agree with it; for photo spacing it equals the surface distance to well
// under a millimetre.
double ellipsoid_chord_m(LatLon a, double alt_a, LatLon b, double alt_b);

// Great-circle initial bearing, clockwise from true north, in [0, 360);
// 0 when the points coincide.
double initial_bearing_deg(LatLon from, LatLon to);

// Linear in lat and lon (photos are metres apart, so straight is exact
// enough), but across the antimeridian the short way: 179.9 -> -179.9 passes
// 180. The result's lon is in [-180, 180).
LatLon interpolate(LatLon a, LatLon b, double t);

// Into [0, 360).
double normalize_deg(double deg);
// How far apart two headings are, in [0, 180]: 350 and 10 are 20 apart.
double angle_diff_deg(double a, double b);
// Along the shorter arc, result in [0, 360): 350 -> 10 at 0.5 is 0. When the
// two are exactly opposite it turns clockwise.
double interpolate_angle_deg(double a, double b, double t);

// Finite and within [-90, 90] and [-180, 180].
bool valid_lat(double lat);
bool valid_lon(double lon);

}  // namespace mapi
