// direction: headings from the path (mly-direction; the seed's
// interpolate_direction.py, mapillary_tools' --interpolate_directions).
//
// A photo faces the initial great-circle bearing to the next photo of its
// sequence (records grouped by sequence_id, in input order within each; no
// sequence_id is one group) that stands at another position, plus an offset
// for a camera that does not look forward. A photo with no such next photo
// (the last ones) gets the bearing of the step that led to its position,
// which is what the photo before it got. A sequence that never moves (one
// photo, or all at one position) gets no heading.
//
// Streaming: records come out in input order, each as soon as its heading
// and those of all records before it are known. Per open sequence, only its
// last position and the tickets of the photos waiting at it are held in
// memory. The records between the oldest waiting photo and the newest one
// queue up; a sequence's last photo waits for the end of the input, so with
// several sequences most of the stream queues. The queue keeps up to
// buffer_bytes of text in memory and continues in an unlinked temporary file
// (in $TMPDIR, else /tmp), so memory stays bounded whatever the input.
// With `grouped` (each sequence's records together, as mly-split writes
// them) a sequence ends where the next begins, and nothing queues.
#pragma once

#include "mapi/records.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace mapi {

struct DirectionOptions {
    double offset_deg = 0;                  // added to each bearing: 90 looks right, -90 (270) left
    bool all = false;                       // also replace headings the photos have
    bool grouped = false;                   // a sequence ends where another begins
    std::size_t buffer_bytes = 64u << 20;  // queued text kept in memory before the temporary file
};

class PathHeadings {
public:
    explicit PathHeadings(const DirectionOptions& opts);
    ~PathHeadings();
    PathHeadings(const PathHeadings&) = delete;
    PathHeadings& operator=(const PathHeadings&) = delete;

    // Takes the next record of the input. Throws FieldError (lat without lon,
    // a heading that is not a number, with `grouped` a sequence that comes
    // back after another began, ...) before taking anything.
    void add(Record& rec);
    // Ends the input: the last photos of every sequence get their headings.
    void finish();
    // The next record whose turn has come, as one line of JSON; changed says
    // whether it got a heading. false when the next one is still waiting.
    bool next(std::string& line, bool& changed);

    struct Counts {
        std::uint64_t headings = 0;          // photos given a heading
        std::uint64_t without_position = 0;  // passed through untouched
        std::uint64_t unmoved = 0;           // in a sequence that never moved: no heading
    };
    const Counts& counts() const { return counts_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    Counts counts_;
};

}  // namespace mapi
