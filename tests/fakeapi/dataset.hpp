// dataset: the users, organizations, sequences and images mly-fakeapi serves.
//
// Everything follows from the seed and the sizes: the same arguments give the
// same ids, positions, times and pictures on every machine (the generator
// uses its own arithmetic on mt19937_64, whose output the standard fixes,
// and no std:: distribution, whose output it does not).
//
// Sequences walk plausible paths through a list of places chosen to trip up
// careless code: the southern and western hemispheres, a path across the
// antimeridian, one across the equator, one across the prime meridian, one
// below sea level (the Dead Sea shore). Every third sequence is spherical
// (camera_type spherical, is_pano, 2:1 pictures), one in seven is fisheye;
// one in five has not been processed (no computed_* fields, mesh,
// sfm_cluster, atomic_scale, merge_cc), as the service omits what it lacks.
#pragma once

#include "mapi/geo.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fakeapi {

struct DatasetSpec {
    std::uint64_t seed = 1;
    int users = 3;
    int sequences_per_user = 2;
    int images_per_sequence = 5;
};

// "small" (3 users x 2 sequences x 5 images), "demo" (4 x 3 x 20) or
// "bench" (5 x 4 x 50 = 1000 images); nullopt for another name.
std::optional<DatasetSpec> preset(const std::string& name);

struct User {
    std::string id;
    std::string username;
    std::string email;  // username@example.com; the password is "secret"
    std::string token;  // the access token that is this user's
    // False for the last user of a dataset of 3 users or more (kofi in
    // small, mei in demo, lars in bench): the upload host answers that
    // user's token 403 NotAuthorizedError, and finish_upload 403. Every
    // other user may upload.
    bool can_upload = true;
};

struct Organization {
    std::string id, slug, name, description;
};

struct Image {
    std::string id;
    std::size_t sequence = 0;      // index into Dataset::sequences
    std::int64_t captured_at = 0;  // Unix ms
    mapi::LatLon geometry{};
    double altitude = 0;
    double compass_angle = 0;
    bool processed = true;  // false: no computed_*, mesh, sfm_cluster, atomic_scale, merge_cc
    mapi::LatLon computed_geometry{};
    double computed_altitude = 0;
    double computed_compass_angle = 0;
    std::array<double, 3> computed_rotation{};
    double atomic_scale = 1;
    std::uint64_t merge_cc = 0;
    std::string mesh_id, sfm_cluster_id;
    double quality_score = 0;
    int picture = 0;  // which of the generated pictures it shows
};

struct Sequence {
    std::string id;
    std::size_t user = 0;  // index into Dataset::users
    std::optional<std::size_t> organization;
    std::string place;
    std::string camera_type;  // perspective, fisheye or spherical
    std::string make, model;
    int width = 0, height = 0;              // of the original upload
    std::vector<double> camera_parameters;  // [focal, k1, k2]; empty for spherical
    int exif_orientation = 1;
    std::vector<std::size_t> images;  // indexes into Dataset::images, by captured_at
    bool is_pano() const { return camera_type == "spherical"; }
};

struct Dataset {
    DatasetSpec spec;
    std::string name;  // the preset's name, or "custom"
    std::vector<User> users;
    std::vector<Organization> organizations;
    std::vector<Sequence> sequences;
    std::vector<Image> images;

    std::map<std::string, std::size_t> image_by_id, sequence_by_id, user_by_id, user_by_name, user_by_token,
        organization_by_id;

    const Sequence& sequence_of(const Image& i) const { return sequences[i.sequence]; }
    const User& creator_of(const Image& i) const { return users[sequences[i.sequence].user]; }
};

// The token argument is the first user's (demo's); the others get
// token + "-" + username.
Dataset generate(const DatasetSpec& spec, const std::string& token);

}  // namespace fakeapi
