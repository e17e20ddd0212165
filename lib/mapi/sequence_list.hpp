// sequence_list: a user's sequences, summed up from their images, and the
// list file of the seed's find_sequences_of_user (reference/behaviour.md
// section 0): a '#' header, then blocks "# YYYYMMDD" of sequence ids, the
// newest day first and the newest sequence first within a day. mly-batchdl
// reads it back ('#' lines are comments of the record stream).
#pragma once

#include "mapi/api.hpp"
#include "mapi/records.hpp"
#include "mapi/time.hpp"

#include <cstddef>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mapi {

struct SequenceSummary {
    std::string id;
    std::string creator;              // username, when the API gave it
    std::string camera_type;          // of its first image: perspective, fisheye, spherical; "" unknown
    std::size_t images = 0;           // images seen (all of them unless the search was cut short)
    std::optional<Instant> first, last;  // earliest and latest captured_at seen
};

// Which sequences to keep: -f all, 360 (spherical) or regular (the rest:
// perspective, fisheye and unknown).
enum class CameraFilter { all, spherical, regular };
std::optional<CameraFilter> parse_camera_filter(std::string_view text);  // "all", "360", "regular"
const char* to_string(CameraFilter f);
bool matches(CameraFilter f, const SequenceSummary& s);

// Sums up images into sequences. An image without a sequence is ignored; so
// is one whose sequence id is not [A-Za-z0-9_-] (at most 64), which could
// break the lines of the list file, and it is counted.
class SequenceCollector {
public:
    void add(const Image& img);
    std::size_t images() const { return images_; }
    std::size_t bad_ids() const { return bad_ids_; }
    // Newest first (by first capture; sequences without a time last, then by id).
    std::vector<SequenceSummary> newest_first() const;

private:
    std::map<std::string, SequenceSummary> by_id_;
    std::size_t images_ = 0;
    std::size_t bad_ids_ = 0;
};

// The capture day of a sequence in zone: "20230601"; "unknown" without a time.
std::string day_of(const SequenceSummary& s, const Zone& zone);

struct ListHeader {
    std::string user;
    std::string tool;                 // "mly-findseq 0.1.0"
    Instant made{};                   // when the list was made
    CameraFilter filter = CameraFilter::all;
    std::size_t pages = 0;            // pages of the search read
    bool cut_short = false;           // -p stopped the search before its end
    std::string zone;                 // the zone of the days
};

// The list file: header, then the day blocks, sequences given newest first.
std::string format_sequence_list(const ListHeader& header, const std::vector<SequenceSummary>& sequences,
                                 const Zone& zone);

// One record a sequence: sequence_id, day (YYYY-MM-DD in zone), image_count,
// camera_type, first_captured_at, last_captured_at, creator.
Record sequence_record(const SequenceSummary& s, const Zone& zone);

}  // namespace mapi
