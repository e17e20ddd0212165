// time: capture times of photos.
//
// EXIF stores wall-clock time with no zone; the record stream stores UTC
// instants (design section 3). Every conversion between the two goes through a
// Zone the user named, so the same pipeline gives the same answer on every
// machine (design section 4).
//
// Error style: the free parse_* functions return std::nullopt for text they
// cannot read, because callers (filters) report a bad record and go on. Only
// Zone::parse throws, because a bad --tz is a usage error that stops the tool.
#pragma once

#include <chrono>
#include <date/date.h>
#include <optional>
#include <string>
#include <string_view>

// Only a pointer is kept, so <date/tz.h> stays out of every includer.
namespace date {
class time_zone;
}

namespace mapi {

// A UTC instant. Milliseconds, because that is what captured_at carries.
using Instant = std::chrono::sys_time<std::chrono::milliseconds>;
// A wall-clock reading with no zone, as EXIF DateTimeOriginal gives it.
using LocalTime = date::local_time<std::chrono::milliseconds>;

class Zone {
public:
    // UTC, so a Zone member needs no special "unset" state.
    Zone() = default;

    // Accepts "+02:00", "-05:30", "+0200", "+02", "Z", "UTC", an IANA name
    // ("Europe/Berlin") and "local". "local" is the TZ environment variable
    // when set (as the C library reads it), else the machine's zone; a TZ that
    // is not an IANA name is refused rather than guessed at. IANA zones come
    // from the system's zoneinfo, including its rule for the years after the
    // file's table ends (2037), which date:: alone would drop.
    // Throws std::invalid_argument naming the spec: "unknown time zone 'X'".
    static Zone parse(std::string_view spec);

    int offset_minutes_at(Instant utc) const;

    // Wall time -> instant. Where the wall clock is not one-to-one:
    //  - ambiguous (DST fall-back, the hour happens twice): the earlier
    //    instant, the first time the clock showed it;
    //  - nonexistent (spring-forward gap): read with the offset in force
    //    before the gap, which moves it forward by the gap (Berlin
    //    2024-03-31 02:30 -> 01:30Z, which is 03:30 CEST). A camera whose
    //    clock was not yet changed produces exactly such times.
    Instant to_utc(LocalTime t) const;
    // The offset to_utc(t) used, for the utc_offset field.
    int offset_minutes_for_local(LocalTime t) const;

    // Normalised: "+02:00", "UTC" (for Z, UTC), "Europe/Berlin"; "local"
    // gives the name of the zone it resolved to.
    std::string name() const;
    // A fixed offset (or UTC), as opposed to an IANA zone with rules.
    bool is_fixed() const { return tz_ == nullptr; }

private:
    const date::time_zone* tz_ = nullptr;  // null: fixed offset
    int offset_ = 0;                       // minutes east of UTC when fixed
    std::string name_ = "UTC";
};

// Wall time from EXIF: "YYYY:MM:DD HH:MM:SS" ('-' also taken as the date
// separator; trailing NULs and spaces ignored). The all-zero and the blank
// forms cameras write for "unknown" give nullopt. subsec is SubSecTimeOriginal:
// the digits of a fraction ("1" = 100 ms, "12" = 120 ms, "847123" = 847 ms,
// truncated); spaces in it count as zeros (GoPro pads with spaces), anything
// else non-numeric gives nullopt. Second 60 (a leap second) rolls into the next
// minute; 61 is refused.
std::optional<LocalTime> parse_exif_datetime(std::string_view datetime, std::string_view subsec = {});
// "YYYY:MM:DD HH:MM:SS" and the 3-digit SubSecTime for it ("120").
std::string format_exif_datetime(LocalTime t);
std::string format_subsec(LocalTime t);

// Minutes east of UTC from "+02:00", "-07:00", "+0530", "+02", "Z" (EXIF
// OffsetTime* padding of NULs and spaces ignored). Offsets beyond +-18:00 and
// minutes >= 60 are refused.
std::optional<int> parse_utc_offset(std::string_view text);
// "+02:00", "-07:00", "+00:00".
std::string format_utc_offset(int minutes);

// RFC 3339 with a required offset: "2025-07-28T10:07:30.120Z",
// "2025-07-28T12:07:30+02:00". Any number of fraction digits (truncated to
// ms); 't', ' ' and 'z' tolerated.
std::optional<Instant> parse_rfc3339(std::string_view text);
// Always UTC, 3 fraction digits and "Z": the captured_at form.
std::string format_rfc3339_utc(Instant t);

// What a user may type for a time: RFC 3339, epoch milliseconds (digits,
// optionally negative), or the EXIF form with an explicit offset
// ("2025:07:28 12:07:30.120+02:00").
std::optional<Instant> parse_time(std::string_view text);

LocalTime to_local(Instant utc, int offset_minutes);

// For messages that explain a time-zone mistake, so a gap of nearly whole
// hours is obvious: "0.25 s", "2 min 3.5 s", "1 h 59 min 25 s", "3 d 4 h".
// Zero parts are left out; below 1 h to the ms, below 1 d to the second, then
// to the minute (truncated, never rounded up into the next unit).
std::string format_duration(std::chrono::milliseconds d);

}  // namespace mapi
