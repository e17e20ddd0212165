// stepclock: times for photos that have none, photo k taken at
// start + k * step (mly-fixdates; the seed's add_fix_dates.py), for frames
// cut from a video or a camera whose clock was never set.
#pragma once

#include "mapi/time.hpp"

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mapi {

// A start time as the user typed it.
struct StartTime {
    Instant instant;           // when it names an instant
    LocalTime wall;            // when it is a wall-clock reading (zoneless)
    bool zoneless = false;     // "2014:11:27 13:01:01": no offset, no Z
    std::optional<int> offset; // minutes east of UTC, when the text had one
};

// Accepts the EXIF form with '-' or ':' in the date and an optional fraction
// ("2014-11-27 13:01:01", "2014:11:27 13:01:01.5"), with or without an offset
// ("+02:00", "Z"), RFC 3339, and epoch milliseconds. nullopt for anything else.
std::optional<StartTime> parse_start_time(std::string_view text);

class StepClock {
public:
    // zone: --tz. A zoneless start is read in it (UTC when there is none); the
    // utc_offset of each photo is the zone's at its instant, else the start's
    // own offset, else +00:00.
    StepClock(const StartTime& start, double step_seconds, const std::optional<Zone>& zone);

    // start + k * step, rounded to the millisecond (never accumulated, so a
    // step of 1/30 s does not drift).
    Instant at(std::int64_t k) const;
    int offset_minutes_at(Instant t) const;

    // The fields of photo k: captured_at as format_rfc3339_utc() writes it,
    // utc_offset as format_utc_offset() does. Faster than those, since a
    // million photos mostly share their day and offset.
    struct Fields {
        std::string captured_at, utc_offset;
    };
    Fields fields(std::int64_t k);

private:
    Instant start_;
    double step_ms_;
    std::optional<Zone> zone_;
    int offset_ = 0;
    std::int64_t day_ = INT64_MIN;  // the day whose date text is cached
    std::string date_;              // "2014-11-27T"
    int cached_offset_ = INT32_MIN;
    std::string offset_text_;
};

}  // namespace mapi
