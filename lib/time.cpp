// time: see mapi/time.hpp.
#include "mapi/time.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <date/tz.h>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <stdexcept>

namespace mapi {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

// EXIF ASCII fields are fixed-size and padded with NULs or spaces.
bool is_pad(char c) { return c == '\0' || c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_pad(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_pad(s.back())) s.remove_suffix(1);
    return s;
}

// A left-to-right reader; every parser here is a fixed sequence of fields.
struct Cursor {
    std::string_view s;
    size_t i = 0;

    bool done() const { return i >= s.size(); }
    char peek() const { return done() ? '\0' : s[i]; }
    bool eat(char c) {
        if (done() || s[i] != c) return false;
        ++i;
        return true;
    }
    bool eat_any(std::string_view set, char& which) {
        if (done() || set.find(s[i]) == std::string_view::npos) return false;
        which = s[i++];
        return true;
    }
    // Exactly n digits: fixed widths keep "2025:7:28" from slipping through.
    bool digits(int n, int& out) {
        if (s.size() - i < size_t(n)) return false;
        int v = 0;
        for (int k = 0; k < n; ++k) {
            char c = s[i + size_t(k)];
            if (!is_digit(c)) return false;
            v = v * 10 + (c - '0');
        }
        i += size_t(n);
        out = v;
        return true;
    }
    std::string_view rest() const { return s.substr(i); }
};

// Digits of a decimal fraction -> milliseconds, extra digits truncated.
int fraction_ms(std::string_view digits) {
    int ms = 0;
    for (size_t k = 0; k < 3; ++k) ms = ms * 10 + (k < digits.size() ? digits[k] - '0' : 0);
    return ms;
}

// Validates every field, so month 13, 31 April or 25:00 never turn into a
// silently normalised date.
std::optional<LocalTime> make_local(int y, int mo, int d, int h, int mi, int s, int ms) {
    if (y < 1 || mo < 1 || mo > 12 || d < 1) return std::nullopt;
    date::year_month_day ymd{date::year{y}, date::month{unsigned(mo)}, date::day{unsigned(d)}};
    if (!ymd.ok()) return std::nullopt;
    // 60 is a leap second; it has no instant of its own, so it rolls over.
    if (h > 23 || mi > 59 || s > 60) return std::nullopt;
    return LocalTime{date::local_days{ymd}.time_since_epoch()} + hours{h} + minutes{mi} + seconds{s} +
           milliseconds{ms};
}

// "YYYY?MM?DD?HH:MM:SS" where the date separators come from date_seps (both
// the same) and the middle one is 'T', 't' or ' '. Leaves the cursor after
// the seconds.
std::optional<LocalTime> read_wall(Cursor& c, std::string_view date_seps) {
    int y, mo, d, h, mi, s;
    char sep1, sep2, mid;
    if (!c.digits(4, y) || !c.eat_any(date_seps, sep1) || !c.digits(2, mo) || !c.eat_any(date_seps, sep2) ||
        sep1 != sep2 || !c.digits(2, d) || !c.eat_any("Tt ", mid) || !c.digits(2, h) || !c.eat(':') ||
        !c.digits(2, mi) || !c.eat(':') || !c.digits(2, s))
        return std::nullopt;
    return make_local(y, mo, d, h, mi, s, 0);
}

// A wall time with optional fraction and a required offset, as one instant.
std::optional<Instant> read_instant(std::string_view text, std::string_view date_seps) {
    Cursor c{trim(text)};
    auto wall = read_wall(c, date_seps);
    if (!wall) return std::nullopt;
    if (c.eat('.')) {
        size_t start = c.i;
        while (is_digit(c.peek())) ++c.i;
        if (c.i == start) return std::nullopt;
        *wall += milliseconds{fraction_ms(c.s.substr(start, c.i - start))};
    }
    std::string_view rest = c.rest();
    if (rest.empty()) return std::nullopt;  // no offset: not an instant
    auto off = parse_utc_offset(rest);
    if (!off) return std::nullopt;
    return Instant{wall->time_since_epoch() - minutes{*off}};
}

std::string date_text(int y, unsigned mo, unsigned d, char sep) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d%c%02u%c%02u", y, sep, mo, sep, d);
    return buf;
}

// Splits a millisecond count since an epoch into calendar fields, flooring so
// that times before the epoch still come out right.
struct Fields {
    int y;
    unsigned mo, d;
    long h, mi, s, ms;
};

Fields split(milliseconds since_epoch) {
    auto tp = date::sys_time<milliseconds>{since_epoch};
    auto day = date::floor<date::days>(tp);
    date::year_month_day ymd{day};
    date::hh_mm_ss<milliseconds> tod{tp - day};
    return {int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()), long(tod.hours().count()),
            long(tod.minutes().count()), long(tod.seconds().count()), long(tod.subseconds().count())};
}

// Seconds with up to 3 decimals, trailing zeros dropped: "3.5", "0.25", "7".
std::string seconds_text(uint64_t ms) {
    std::string out = std::to_string(ms / 1000);
    if (ms % 1000 == 0) return out;
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03u", unsigned(ms % 1000));
    out += frac;
    while (out.back() == '0') out.pop_back();
    return out;
}

const date::time_zone* local_zone() {
    // date::current_zone() looks only at /etc/localtime, but "local" must mean
    // what the C library means, and it lets TZ override the machine.
    if (const char* env = std::getenv("TZ")) {
        std::string_view v = env;
        if (!v.empty() && v.front() == ':') v.remove_prefix(1);
        if (v.empty()) return date::locate_zone("Etc/UTC");  // POSIX: empty TZ is UTC
        if (auto pos = v.find("zoneinfo/"); v.front() == '/' && pos != std::string_view::npos)
            v.remove_prefix(pos + 9);
        try {
            return date::locate_zone(v);
        } catch (const std::exception&) {
            throw std::invalid_argument("local time zone: TZ='" + std::string(env) +
                                        "' is not an IANA time zone name such as Europe/Berlin");
        }
    }
    try {
        return date::current_zone();
    } catch (const std::exception& e) {
        throw std::invalid_argument(std::string("cannot determine the machine's time zone for 'local': ") +
                                    e.what());
    }
}

// --- Beyond the zone file's table -------------------------------------------
//
// A TZif file lists transitions only up to some year (2037 in Debian's "fat"
// files, much earlier in "slim" ones) and ends with a POSIX TZ string for all
// later times. date::, built with USE_OS_TZDB, ignores that string
// (HowardHinnant/date#794), so Berlin would have no summer time from 2038, or
// from 1996 on a slim system. Past the table we apply the string ourselves.

struct PosixRule {
    struct When {
        char kind = 'M';  // 'J': Jn, day 1..365 without Feb 29; 'D': n, day 0..365; 'M': Mm.w.d
        int month = 0, week = 0, wday = 0, day = 0;
        int secs = 7200;  // wall time of the change, may be negative or > 24 h
    };
    int std_off = 0, dst_off = 0;  // seconds east of UTC
    bool has_dst = false;
    When start, end;  // start in standard wall time, end in DST wall time

    date::sys_seconds change_at(const When& w, int year, int wall_off) const {
        date::local_days d;
        if (w.kind == 'M') {
            auto ym = date::year{year} / date::month{unsigned(w.month)};
            d = w.week == 5 ? date::local_days{ym / date::weekday_last{date::weekday{unsigned(w.wday)}}}
                            : date::local_days{ym / date::weekday_indexed{date::weekday{unsigned(w.wday)},
                                                                          unsigned(w.week)}};
        } else {
            d = date::local_days{date::year{year} / 1 / 1};
            int n = w.day;
            if (w.kind == 'J') n = n - 1 + (date::year{year}.is_leap() && w.day >= 60 ? 1 : 0);
            d += date::days{n};
        }
        return date::sys_seconds{d.time_since_epoch() + seconds{w.secs} - seconds{wall_off}};
    }

    // The last change at or before t decides, looked for in the years around
    // t so that changes near New Year (or moved by a > 24 h time) are found.
    int offset_at(date::sys_seconds t) const {
        if (!has_dst) return std_off;
        int y = int(date::year_month_day{date::floor<date::days>(t)}.year());
        date::sys_seconds best = date::sys_seconds::min();
        bool dst = false;
        for (int yy = y - 1; yy <= y + 1; ++yy) {
            // End before start, so a start at the same instant wins (all-year DST).
            for (bool is_start : {false, true}) {
                auto at = is_start ? change_at(start, yy, std_off) : change_at(end, yy, dst_off);
                if (at <= t && at >= best) {
                    best = at;
                    dst = is_start;
                }
            }
        }
        if (best == date::sys_seconds::min()) return std_off;
        return dst ? dst_off : std_off;
    }
};

// "[+-]hh[:mm[:ss]]" in seconds; hours up to 167 for the v3 rule times.
bool read_posix_hms(Cursor& c, int& out) {
    int sign = 1;
    if (c.eat('-'))
        sign = -1;
    else
        c.eat('+');
    int h = 0, m = 0, s = 0, n = 0;
    while (is_digit(c.peek()) && n < 3) h = h * 10 + (c.s[c.i++] - '0'), ++n;
    if (n == 0 || h > 167) return false;
    if (c.eat(':') && !c.digits(2, m)) return false;
    if (c.eat(':') && !c.digits(2, s)) return false;
    out = sign * (h * 3600 + m * 60 + s);
    return true;
}

bool read_posix_name(Cursor& c) {
    size_t start = c.i;
    if (c.eat('<')) {
        while (!c.done() && c.peek() != '>') ++c.i;
        return c.eat('>') && c.i - start > 2;
    }
    while ((c.peek() >= 'A' && c.peek() <= 'Z') || (c.peek() >= 'a' && c.peek() <= 'z')) ++c.i;
    return c.i - start >= 3;
}

bool read_posix_when(Cursor& c, PosixRule::When& w) {
    if (c.eat('M')) {
        w.kind = 'M';
        int n = 0;
        auto num = [&](int& v) {
            v = 0, n = 0;
            while (is_digit(c.peek()) && n < 2) v = v * 10 + (c.s[c.i++] - '0'), ++n;
            return n > 0;
        };
        if (!num(w.month) || !c.eat('.') || !num(w.week) || !c.eat('.') || !num(w.wday)) return false;
        if (w.month < 1 || w.month > 12 || w.week < 1 || w.week > 5 || w.wday > 6) return false;
    } else {
        w.kind = c.eat('J') ? 'J' : 'D';
        int n = 0;
        w.day = 0;
        while (is_digit(c.peek()) && n < 3) w.day = w.day * 10 + (c.s[c.i++] - '0'), ++n;
        if (n == 0 || w.day > 365 || (w.kind == 'J' && w.day < 1)) return false;
    }
    return !c.eat('/') || read_posix_hms(c, w.secs);
}

std::optional<PosixRule> parse_posix_tz(std::string_view text) {
    Cursor c{text};
    PosixRule r;
    int std_west;
    if (!read_posix_name(c) || !read_posix_hms(c, std_west)) return std::nullopt;
    r.std_off = r.dst_off = -std_west;  // POSIX counts west of UTC as positive
    if (c.done()) return r;
    if (!read_posix_name(c)) return std::nullopt;
    r.dst_off = r.std_off + 3600;
    if (c.peek() != ',' && !c.done()) {
        int dst_west;
        if (!read_posix_hms(c, dst_west)) return std::nullopt;
        r.dst_off = -dst_west;
    }
    // A DST name without rules leaves the dates to the implementation; TZif
    // footers always give them, so anything else is not trusted.
    if (!c.eat(',') || !read_posix_when(c, r.start) || !c.eat(',') || !read_posix_when(c, r.end) || !c.done())
        return std::nullopt;
    r.has_dst = true;
    return r;
}

// The footer of the zone's TZif file (version 2 and later): "\n<TZ string>\n".
std::optional<PosixRule> load_rule(const date::time_zone* tz) {
    for (const char* dir : {"/usr/share/zoneinfo/", "/var/db/zoneinfo/"}) {
        std::ifstream in(dir + tz->name(), std::ios::binary);
        if (!in) continue;
        std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        if (data.size() < 44 || data.compare(0, 4, "TZif") != 0 || data[4] < '2' || data.back() != '\n')
            return std::nullopt;
        size_t nl = data.rfind('\n', data.size() - 2);
        if (nl == std::string::npos) return std::nullopt;
        return parse_posix_tz(std::string_view(data).substr(nl + 1, data.size() - nl - 2));
    }
    return std::nullopt;
}

// Loaded once per zone; a rule without DST adds nothing to date::'s answer.
const PosixRule* rule_for(const date::time_zone* tz) {
    static std::mutex mutex;
    static std::map<const date::time_zone*, std::optional<PosixRule>> cache;
    std::lock_guard lock(mutex);
    auto it = cache.find(tz);
    if (it == cache.end()) it = cache.emplace(tz, load_rule(tz)).first;
    return it->second && it->second->has_dst ? &*it->second : nullptr;
}

// date:: marks the open-ended last entry of the table with an end in the year
// 32767; nothing real changes after 9999.
bool past_table(const date::sys_info& info) {
    return info.end >= date::sys_days{date::year{10000} / 1 / 1};
}

int whole_minutes(seconds s) { return int(std::chrono::duration_cast<minutes>(s).count()); }

}  // namespace

Zone Zone::parse(std::string_view spec) {
    std::string_view s = trim(spec);
    Zone z;
    if (s.empty()) throw std::invalid_argument("empty time zone");
    if (iequals(s, "UTC") || iequals(s, "Z")) return z;
    if (s.front() == '+' || s.front() == '-') {
        auto off = parse_utc_offset(s);
        if (!off)
            throw std::invalid_argument("bad UTC offset '" + std::string(spec) +
                                        "' (expected +HH:MM, +HHMM or +HH, at most 18 h)");
        z.offset_ = *off;
        z.name_ = format_utc_offset(*off);
        return z;
    }
    if (iequals(s, "local")) {
        z.tz_ = local_zone();
    } else {
        try {
            z.tz_ = date::locate_zone(s);
        } catch (const std::exception&) {
            throw std::invalid_argument("unknown time zone '" + std::string(spec) + "'");
        }
    }
    z.name_ = z.tz_->name();
    return z;
}

// Offsets are whole minutes in this API; only local mean time before ~1940
// had seconds, and truncating those is harmless for photos.
int Zone::offset_minutes_at(Instant utc) const {
    if (!tz_) return offset_;
    auto t = date::floor<seconds>(utc);
    auto info = tz_->get_info(t);
    if (past_table(info))
        if (const PosixRule* rule = rule_for(tz_)) return whole_minutes(seconds{rule->offset_at(t)});
    return whole_minutes(info.offset);
}

int Zone::offset_minutes_for_local(LocalTime t) const {
    if (!tz_) return offset_;
    auto wall = date::floor<seconds>(t);
    auto info = tz_->get_info(wall);
    if (info.result == date::local_info::unique && past_table(info.first)) {
        if (const PosixRule* rule = rule_for(tz_)) {
            // Whichever of the two offsets reads back as itself is the answer;
            // both: ambiguous, take the larger, i.e. the earlier instant;
            // neither: a gap, take the offset in force just before it.
            int found = INT_MIN;
            for (int off : {rule->std_off, rule->dst_off}) {
                date::sys_seconds at{wall.time_since_epoch() - seconds{off}};
                if (rule->offset_at(at) == off) found = std::max(found, off);
            }
            if (found == INT_MIN) {
                int larger = std::max(rule->std_off, rule->dst_off);
                found = rule->offset_at(date::sys_seconds{wall.time_since_epoch() - seconds{larger}});
            }
            return whole_minutes(seconds{found});
        }
    }
    // For all three cases `first` is the right one: the only offset (unique),
    // the one before the fall-back, so the earlier instant (ambiguous), and the
    // one before the spring-forward gap (nonexistent).
    return whole_minutes(info.first.offset);
}

Instant Zone::to_utc(LocalTime t) const {
    return Instant{t.time_since_epoch() - minutes{offset_minutes_for_local(t)}};
}

std::string Zone::name() const { return name_; }

std::optional<LocalTime> parse_exif_datetime(std::string_view datetime, std::string_view subsec) {
    Cursor c{trim(datetime)};
    auto wall = read_wall(c, ":-");
    if (!wall || !c.done()) return std::nullopt;

    while (!subsec.empty() && subsec.back() == '\0') subsec.remove_suffix(1);
    std::string digits;
    for (char ch : subsec) {
        if (ch == ' ')
            digits += '0';
        else if (is_digit(ch))
            digits += ch;
        else
            return std::nullopt;
    }
    return *wall + milliseconds{fraction_ms(digits)};
}

std::string format_exif_datetime(LocalTime t) {
    Fields f = split(t.time_since_epoch());
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s %02ld:%02ld:%02ld", date_text(f.y, f.mo, f.d, ':').c_str(), f.h, f.mi,
                  f.s);
    return buf;
}

std::string format_subsec(LocalTime t) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%03ld", split(t.time_since_epoch()).ms);
    return buf;
}

std::optional<int> parse_utc_offset(std::string_view text) {
    std::string_view s = trim(text);
    if (s == "Z" || s == "z") return 0;
    Cursor c{s};
    char sign;
    int h, m = 0;
    if (!c.eat_any("+-", sign) || !c.digits(2, h)) return std::nullopt;
    if (!c.done()) {
        c.eat(':');
        if (!c.digits(2, m) || !c.done()) return std::nullopt;
    }
    if (m > 59 || h * 60 + m > 18 * 60) return std::nullopt;
    int total = h * 60 + m;
    return sign == '-' ? -total : total;
}

std::string format_utc_offset(int minutes) {
    char buf[16];
    int a = minutes < 0 ? -minutes : minutes;
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", minutes < 0 ? '-' : '+', a / 60, a % 60);
    return buf;
}

std::optional<Instant> parse_rfc3339(std::string_view text) { return read_instant(text, "-"); }

std::string format_rfc3339_utc(Instant t) {
    Fields f = split(t.time_since_epoch());
    char buf[64];
    std::snprintf(buf, sizeof buf, "%sT%02ld:%02ld:%02ld.%03ldZ", date_text(f.y, f.mo, f.d, '-').c_str(), f.h,
                  f.mi, f.s, f.ms);
    return buf;
}

std::optional<Instant> parse_time(std::string_view text) {
    std::string_view s = trim(text);
    std::string_view digits = (!s.empty() && s.front() == '-') ? s.substr(1) : s;
    if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos) {
        int64_t ms = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), ms);
        if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;  // overflow
        return Instant{milliseconds{ms}};
    }
    return read_instant(s, ":-");
}

LocalTime to_local(Instant utc, int offset_minutes) {
    return LocalTime{utc.time_since_epoch() + minutes{offset_minutes}};
}

std::string format_duration(milliseconds d) {
    // Unsigned magnitude, so even the most negative count has one.
    int64_t count = d.count();
    uint64_t ms = count < 0 ? 0 - uint64_t(count) : uint64_t(count);
    std::string sign = count < 0 ? "-" : "";
    constexpr uint64_t S = 1000, M = 60 * S, H = 60 * M, D = 24 * H;
    std::string out;
    auto part = [&](uint64_t n, const char* unit) {
        if (n == 0) return;
        if (!out.empty()) out += ' ';
        out += std::to_string(n) + ' ' + unit;
    };
    if (ms < M) return sign + seconds_text(ms) + " s";
    if (ms < H) {
        part(ms / M, "min");
        if (ms % M) out += ' ' + seconds_text(ms % M) + " s";
    } else if (ms < D) {
        part(ms / H, "h");
        part(ms % H / M, "min");
        part(ms % M / S, "s");
    } else {
        part(ms / D, "d");
        part(ms % D / H, "h");
        part(ms % H / M, "min");
    }
    return sign + out;
}

}  // namespace mapi
