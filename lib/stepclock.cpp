// stepclock: see mapi/stepclock.hpp.
#include "mapi/stepclock.hpp"

#include <cmath>
#include <string>

namespace mapi {

std::optional<StartTime> parse_start_time(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    StartTime st;
    if (auto t = parse_time(text)) {
        st.instant = *t;
        // The offset it was given with: after the time of day (the date's
        // '-' separators come first), or a Z. Epoch milliseconds have none.
        if (text.size() > 19) {
            std::string_view tail = text.substr(19);
            auto sign = tail.find_first_of("+-Zz");
            if (sign != std::string_view::npos) st.offset = parse_utc_offset(tail.substr(sign));
        }
        return st;
    }
    // A wall-clock reading: the date and time, then an optional fraction.
    if (text.size() < 19) return std::nullopt;
    std::string_view fraction = text.substr(19);
    if (!fraction.empty()) {
        if (fraction.front() != '.' || fraction.size() == 1) return std::nullopt;
        fraction.remove_prefix(1);
        if (fraction.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    }
    auto wall = parse_exif_datetime(text.substr(0, 19), fraction);
    if (!wall) return std::nullopt;
    st.wall = *wall;
    st.zoneless = true;
    return st;
}

StepClock::StepClock(const StartTime& start, double step_seconds, const std::optional<Zone>& zone)
    : step_ms_(step_seconds * 1000.0), zone_(zone) {
    if (start.zoneless) {
        Zone z = zone.value_or(Zone{});
        start_ = z.to_utc(start.wall);
        offset_ = z.offset_minutes_for_local(start.wall);
    } else {
        start_ = start.instant;
        offset_ = start.offset.value_or(0);
    }
}

Instant StepClock::at(std::int64_t k) const {
    auto ms = static_cast<std::int64_t>(std::llround(static_cast<double>(k) * step_ms_));
    return start_ + std::chrono::milliseconds(ms);
}

int StepClock::offset_minutes_at(Instant t) const { return zone_ ? zone_->offset_minutes_at(t) : offset_; }

StepClock::Fields StepClock::fields(std::int64_t k) {
    Instant t = at(k);
    std::int64_t ms = t.time_since_epoch().count();
    std::int64_t day = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    if (day != day_) {
        std::string full = format_rfc3339_utc(t);
        date_ = full.substr(0, 11);
        day_ = day;
    }
    std::int64_t in_day = ms - day * 86400000;
    int h = static_cast<int>(in_day / 3600000), mi = static_cast<int>(in_day / 60000 % 60),
        s = static_cast<int>(in_day / 1000 % 60), milli = static_cast<int>(in_day % 1000);
    char buf[13] = {char('0' + h / 10), char('0' + h % 10), ':', char('0' + mi / 10), char('0' + mi % 10), ':',
                    char('0' + s / 10), char('0' + s % 10), '.', char('0' + milli / 100), char('0' + milli / 10 % 10),
                    char('0' + milli % 10), 'Z'};
    Fields f;
    f.captured_at.reserve(24);
    f.captured_at = date_;
    f.captured_at.append(buf, sizeof buf);
    int off = offset_minutes_at(t);
    if (off != cached_offset_) {
        offset_text_ = format_utc_offset(off);
        cached_offset_ = off;
    }
    f.utc_offset = offset_text_;
    return f;
}

}  // namespace mapi
