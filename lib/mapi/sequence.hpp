// sequence: cutting a stream of photos into sequences (mly-split; the seed's
// sequence_split.py, mapillary_tools' sequence building).
//
// The photos are sorted by capture time (then path, then input order) and a
// new sequence starts where the time gap to the photo before exceeds the
// cutoff time, where the distance from the last photo with a position
// exceeds the cutoff distance, or where the sequence already holds the
// maximum number of photos. Sorting needs every record at once; they are
// held as text (OpenFields), some 300 bytes a record.
#pragma once

#include "mapi/filter.hpp"
#include "mapi/geo.hpp"
#include "mapi/records.hpp"
#include "mapi/time.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mapi {

struct SplitOptions {
    std::optional<double> cutoff_time_s = 60;  // nullopt: auto, 1.5 x the median gap
    double cutoff_distance_m = 100;
    std::size_t max_images = 1000;
};

// 1.5 x the upper median of the gaps between consecutive times (sorted), as
// the seed computes it; nullopt with fewer than two times.
std::optional<double> auto_cutoff_time(const std::vector<Instant>& sorted_times);

// A deterministic id: the UTC time of the sequence's first photo and the
// FNV-1a hash (32 bits) of its file name, "20240331_014500_9f1c04aa". The
// same photos give the same ids on every run; the name rather than the whole
// path, so the id survives --move and a different working directory.
std::string sequence_id(Instant first, std::string_view first_path);

class Splitter {
public:
    explicit Splitter(const SplitOptions& opts);

    // Holds a record. Throws FieldError when it has no captured_at (there is
    // nothing to sort it by) or a bad field, before holding anything.
    void add(Record& rec);

    struct Sequence {
        std::string id;
        std::size_t begin, end;  // photos [begin, end) in time order
        std::string reason;      // why it starts: "start", "time gap 75 s > 60 s", ...
    };
    // Sorts the photos and cuts them; call once, after the last add().
    std::vector<Sequence> split();
    // The cutoff time split() used (auto computes it), if any.
    std::optional<double> cutoff_time() const { return cutoff_time_; }
    std::size_t without_position() const { return without_position_; }

    // Photo i in time order: its path ("" when none), and its record with
    // sequence_id, split_reason (first photo only; any old one on the others
    // is removed) and path set, appended to out.
    std::string_view path(std::size_t i) const;
    void write(std::size_t i, const Sequence& seq, std::string_view path, std::string& out) const;

private:
    struct Photo {
        Instant time;
        std::optional<LatLon> pos;
        std::string_view path;  // in text_
        bool has_path;
        std::string_view text;  // the record without its open fields, in text_
        OpenFields::Places places;
    };
    SplitOptions opts_;
    OpenFields fields_;
    TextArena text_;
    std::vector<Photo> photos_;
    std::string no_path_;
    std::vector<std::uint32_t> order_;  // photos in time order
    std::optional<double> cutoff_time_;
    std::size_t without_position_ = 0;
};

}  // namespace mapi
