// dedupe: near-duplicate photos and impossible jumps (mly-dedupe; the seed's
// remove_duplicates.py, mapillary_tools' duplicate check).
//
// Each photo is compared with the last photo kept of its sequence
// (sequence_id; no sequence_id is one group), so a slow crawl is thinned to
// one photo every `distance` metres instead of losing everything after the
// first. The distance is mapillary_tools': the chord between the two points
// on the WGS84 ellipsoid at height 0.
#pragma once

#include "mapi/geo.hpp"
#include "mapi/records.hpp"
#include "mapi/time.hpp"

#include <optional>
#include <string>
#include <unordered_map>

namespace mapi {

struct DedupeOptions {
    double distance_m = 0.1;       // closer than this to the last kept photo ...
    double angle_deg = 5;          // ... and headings closer than this (when both have one): a duplicate
    double max_speed_kmh = 400;    // faster than this from the last kept photo: an error
};

class DuplicateFilter {
public:
    explicit DuplicateFilter(const DedupeOptions& opts) : opts_(opts) {}

    enum class Verdict {
        keep,         // the new last kept photo of its sequence
        no_position,  // kept, but nothing to compare: not a reference either
        duplicate,    // dropped; reason says why, with numbers
        too_fast,     // an error; reason says why, with numbers
    };
    // Judges rec. name is how later reasons refer to it when it is kept (its
    // path). Throws FieldError for bad fields, before judging.
    Verdict judge(const Record& rec, const std::string& name, std::string& reason);

private:
    struct Kept {
        LatLon pos;
        std::optional<double> heading;
        std::optional<Instant> time;
        std::string name;
    };
    DedupeOptions opts_;
    std::unordered_map<std::string, Kept> last_;  // per sequence
};

}  // namespace mapi
