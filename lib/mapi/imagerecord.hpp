// imagerecord: an image the Graph API described, as a record of the stream
// (design section 3), as a GPX track point, and what would stop its download.
//
// The record fields come from the typed views of mapi::Image; the raw answer
// goes under "mapillary", untouched, so nothing the API said is lost.
#pragma once

#include "mapi/api.hpp"
#include "mapi/gpx.hpp"
#include "mapi/records.hpp"
#include "mapi/time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mapi {

// Which of the API's two positions a record or a track uses: the original
// one (geometry, altitude, compass_angle, from the camera) or the one
// Mapillary computed (computed_geometry, computed_altitude,
// computed_compass_angle). An image not yet processed has no computed values;
// computed then falls back to the original ones, value by value.
enum class Positions { original, computed };
// "original" or "computed"; nullopt for anything else.
std::optional<Positions> parse_positions(std::string_view text);

// "perspective", "fisheye" or "spherical" (the API's "equirectangular" and an
// is_pano image count as spherical); nullopt when the API gave no type.
std::optional<std::string> camera_type_of(const Image& img);
bool is_spherical(const Image& img);

// Sets on rec, replacing values in place (other fields pass through), only
// what the image has: image_id, sequence_id, captured_at (RFC 3339 UTC),
// lat, lon, alt, heading, make, model, creator (username), width, height
// (of the original upload), orientation, camera_type, then "mapillary": the
// raw API object.
void set_image_fields(Record& rec, const Image& img, Positions positions = Positions::original);

// The image as a track point: position, altitude, capture time, heading, and
// the image id as its name. nullopt when the image has no position.
std::optional<TrackPoint> track_point(const Image& img, Positions positions = Positions::original);

// When a signed CDN URL stops working: its "oe" parameter, Unix seconds in
// hexadecimal. nullopt when the URL has none or it is unreadable.
std::optional<Instant> url_expiry(std::string_view url);

// One reason an image could not be downloaded as mly-seqdl would.
struct Problem {
    std::string code;     // stable, for scripts: see diagnose()
    std::string message;  // for people
};

// What stands in the way of downloading img at `now`:
//   no_thumb_url      no thumbnail URL at all: nothing to download
//   no_original_url   no thumb_original_url (smaller sizes still work)
//   expired_url       a thumbnail URL's oe time has passed
//   no_position       no geometry: no GPS tags can be written
//   no_capture_time   no captured_at: no file name, no EXIF time
//   no_sequence       no sequence: no folder to put it in
// An image with none of these is downloadable; the list is empty.
std::vector<Problem> diagnose(const Image& img, Instant now);
// The problem of an id the API does not know or does not show.
Problem unknown_id_problem();

// Sets rec's "diagnosis": a list of {"code", "message"} objects (empty: none).
void set_diagnosis(Record& rec, const std::vector<Problem>& problems);

// A few lines for people: where, when, what camera, which URLs until when,
// and the problems. For mly-info -v.
std::vector<std::string> describe_image(const Image& img, Instant now);

}  // namespace mapi
