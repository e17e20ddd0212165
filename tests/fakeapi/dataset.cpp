// dataset: see dataset.hpp.
#include "dataset.hpp"

#include <cmath>
#include <numbers>
#include <random>
#include <set>

namespace fakeapi {

namespace {

// Uniform numbers from mt19937_64 with arithmetic of our own, so the dataset
// does not depend on the standard library's distributions.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : g_(seed) {}
    std::uint64_t next() { return g_(); }
    double unit() { return double(g_() >> 11) * 0x1.0p-53; }  // [0, 1)
    double uniform(double a, double b) { return a + (b - a) * unit(); }
    std::uint64_t below(std::uint64_t n) { return g_() % n; }  // bias is irrelevant here
    std::string digits(int n) {                                // no leading zero
        std::string s(1, char('1' + below(9)));
        while (int(s.size()) < n) s += char('0' + below(10));
        return s;
    }
    std::string sequence_key() {  // 22 of [0-9a-z]
        static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
        std::string s;
        for (int i = 0; i < 22; ++i) s += alphabet[below(36)];
        return s;
    }

private:
    std::mt19937_64 g_;
};

struct Place {
    const char* name;
    double lat, lon, altitude;
    // Paths that must cross a line start before it and head across.
    enum Cross { none, antimeridian, equator, prime_meridian } cross = none;
    double utc_hours = 0;  // rough local offset, so captures happen in daylight
};

// In the order sequences use them; the first six make up the small dataset.
const Place places[] = {
    {"Berlin, Unter den Linden", 52.5163, 13.3777, 34, Place::none, 1},
    {"Dead Sea shore, Ein Bokek", 31.2000, 35.3625, -415, Place::none, 2},
    {"Buenos Aires, Avenida 9 de Julio", -34.6037, -58.3816, 25, Place::none, -3},
    {"Taveuni, Fiji, across the antimeridian", -16.8167, 180.0, 12, Place::antimeridian, 12},
    {"San Francisco, Market Street", 37.7793, -122.4193, 16, Place::none, -8},
    {"Wellington, Lambton Quay", -41.2865, 174.7762, 10, Place::none, 12},
    {"Mitad del Mundo, Ecuador, across the equator", 0.0, -78.4558, 2440, Place::equator, -5},
    {"Greenwich, across the prime meridian", 51.4779, 0.0, 45, Place::prime_meridian, 0},
    {"Reykjavik, Laugavegur", 64.1435, -21.9270, 20, Place::none, 0},
    {"Tokyo, Shibuya", 35.6595, 139.7005, 40, Place::none, 9},
    {"Cape Town, Adderley Street", -33.9249, 18.4241, 15, Place::none, 2},
};
constexpr std::size_t place_count = sizeof places / sizeof places[0];

struct Camera {
    const char* make;
    const char* model;
    const char* type;
    int width, height;
    double focal;  // normalised, as OpenSfM gives it; 0 for spherical
};
const Camera perspective_cameras[] = {
    {"Apple", "iPhone 12", "perspective", 4032, 3024, 0.8512},
    {"samsung", "SM-G991B", "perspective", 4000, 3000, 0.7901},
    {"Garmin", "Dash Cam 67W", "perspective", 1920, 1080, 0.5623},
    {"SONY", "ILCE-6000", "perspective", 3264, 2448, 1.0917},
};
const Camera fisheye_camera = {"GoPro", "HERO9 Black", "fisheye", 4000, 3000, 0.4473};
const Camera spherical_cameras[] = {
    {"GoPro", "MAX", "spherical", 5760, 2880, 0},
    {"Insta360", "ONE X2", "spherical", 6080, 3040, 0},
};

const char* usernames[] = {"demo", "ana", "kofi", "mei", "lars", "rahul", "zoe", "tupac", "ines", "yuki"};

constexpr double metres_per_degree_lat = 111132.0;

// A step of d metres on heading h (degrees) from p, on a local flat earth:
// fine for metre-scale steps. Longitude wraps into [-180, 180).
mapi::LatLon step(mapi::LatLon p, double d, double h) {
    double rad = h * std::numbers::pi / 180;
    double lat = p.lat + d * std::cos(rad) / metres_per_degree_lat;
    double lon = p.lon + d * std::sin(rad) / (metres_per_degree_lat * std::cos(p.lat * std::numbers::pi / 180));
    if (lon >= 180) lon -= 360;
    if (lon < -180) lon += 360;
    return {lat, lon};
}

// 2023-06-01T00:00:00Z in Unix ms.
constexpr std::int64_t base_time_ms = 1685577600000;

}  // namespace

std::optional<DatasetSpec> preset(const std::string& name) {
    if (name == "small") return DatasetSpec{1, 3, 2, 5};
    if (name == "demo") return DatasetSpec{1, 4, 3, 20};
    if (name == "bench") return DatasetSpec{1, 5, 4, 50};
    return std::nullopt;
}

Dataset generate(const DatasetSpec& spec, const std::string& token) {
    Dataset d;
    d.spec = spec;
    Rng rng(spec.seed * 0x9E3779B97F4A7C15ull + 12345);
    std::set<std::string> used;
    auto unique = [&](auto make) {
        for (;;) {
            std::string id = make();
            if (used.insert(id).second) return id;
        }
    };

    Organization org;
    org.id = unique([&] { return rng.digits(15); });
    org.slug = "openstreetcam-club";
    org.name = "Open Street Camera Club";
    org.description = "A made-up organization of mly-fakeapi";
    d.organizations.push_back(org);

    for (int u = 0; u < spec.users; ++u) {
        User user;
        user.id = unique([&] { return rng.digits(15); });
        user.username = u < int(std::size(usernames)) ? usernames[u] : "user" + std::to_string(u);
        user.email = user.username + "@example.com";
        user.token = u == 0 ? token : token + "-" + user.username;
        user.can_upload = !(spec.users >= 3 && u == spec.users - 1);  // draws nothing from rng
        d.users.push_back(user);
    }

    std::size_t global = 0;
    for (int u = 0; u < spec.users; ++u) {
        for (int k = 0; k < spec.sequences_per_user; ++k, ++global) {
            Sequence seq;
            seq.id = unique([&] { return rng.sequence_key(); });
            seq.user = u;
            if (global % 4 == 1) seq.organization = 0;
            const Place& place = places[global % place_count];
            seq.place = place.name;
            const Camera& cam = global % 3 == 2   ? spherical_cameras[rng.below(2)]
                                : global % 7 == 4 ? fisheye_camera
                                                  : perspective_cameras[rng.below(std::size(perspective_cameras))];
            seq.camera_type = cam.type;
            seq.make = cam.make;
            seq.model = cam.model;
            seq.width = cam.width;
            seq.height = cam.height;
            if (cam.focal > 0)
                seq.camera_parameters = {cam.focal + rng.uniform(-0.01, 0.01), rng.uniform(-0.05, 0.05),
                                         rng.uniform(-0.01, 0.01)};
            seq.exif_orientation = global % 6 == 4 ? 3 : 1;  // one camera mounted upside down
            bool processed = global % 5 != 3;

            // Where and when: the first two sequences of a user share a day.
            int n = spec.images_per_sequence;
            double spacing = rng.uniform(3, 12);  // metres between images
            double interval = rng.uniform(1, 3);  // seconds between images
            double heading = rng.uniform(0, 360);
            mapi::LatLon pos{place.lat, place.lon};
            double half = spacing * (n - 1) / 2;  // start this far before a line to cross it midway
            switch (place.cross) {
                case Place::antimeridian:
                    heading = 90;
                    pos = step(pos, half, 270);
                    break;
                case Place::prime_meridian:
                    heading = 90;
                    pos = step(pos, half, 270);
                    break;
                case Place::equator:
                    heading = 0;
                    pos = step(pos, half, 180);
                    break;
                case Place::none: pos = step(pos, rng.uniform(0, 400), rng.uniform(0, 360)); break;
            }
            int day = u * 3 + (k / 2) * 4 + int(rng.below(2)) * (k / 2 > 0);
            double local_hour = 8 + (k % 2) * 5 + rng.uniform(0, 3);
            std::int64_t t = base_time_ms + std::int64_t(day) * 86400000 +
                             std::int64_t((local_hour - place.utc_hours) * 3600000.0) + std::int64_t(rng.below(1000));
            double alt = place.altitude + rng.uniform(-3, 3);

            for (int i = 0; i < n; ++i) {
                Image img;
                img.id = unique([&] { return rng.digits(16); });
                img.sequence = d.sequences.size();
                img.captured_at = t;
                img.geometry = pos;
                img.altitude = std::round(alt * 1000) / 1000;
                double turn = place.cross == Place::none ? rng.uniform(-6, 6) : rng.uniform(-1, 1);
                heading = mapi::normalize_deg(heading + turn);
                img.compass_angle = std::round(mapi::normalize_deg(heading + rng.uniform(-4, 4)) * 100) / 100;
                img.processed = processed;
                if (processed) {
                    img.computed_geometry = step(pos, rng.uniform(0.2, 2.5), rng.uniform(0, 360));
                    img.computed_altitude = alt + rng.uniform(-8, 8);
                    img.computed_compass_angle = mapi::normalize_deg(img.compass_angle + rng.uniform(-3, 3));
                    img.computed_rotation = {rng.uniform(-2, 2), rng.uniform(-0.1, 0.1), rng.uniform(-0.1, 0.1)};
                    img.atomic_scale = rng.uniform(0.9, 1.1);
                    img.merge_cc = 1000000000000000000ull + rng.below(8000000000000000000ull);
                    img.mesh_id = rng.digits(15);
                    img.sfm_cluster_id = rng.digits(15);
                }
                img.quality_score = std::round(rng.uniform(0.3, 1) * 1e6) / 1e6;
                img.picture = int(rng.below(3));
                seq.images.push_back(d.images.size());
                d.images.push_back(img);

                pos = step(pos, spacing * rng.uniform(0.8, 1.2), heading);
                t += std::int64_t(interval * 1000) + std::int64_t(rng.below(200));
                alt += rng.uniform(-0.5, 0.5);
            }
            d.sequences.push_back(seq);
        }
    }

    for (std::size_t i = 0; i < d.images.size(); ++i) d.image_by_id[d.images[i].id] = i;
    for (std::size_t i = 0; i < d.sequences.size(); ++i) d.sequence_by_id[d.sequences[i].id] = i;
    for (std::size_t i = 0; i < d.users.size(); ++i) {
        d.user_by_id[d.users[i].id] = i;
        d.user_by_name[d.users[i].username] = i;
        d.user_by_token[d.users[i].token] = i;
    }
    for (std::size_t i = 0; i < d.organizations.size(); ++i) d.organization_by_id[d.organizations[i].id] = i;
    return d;
}

}  // namespace fakeapi
