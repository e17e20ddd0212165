// time: see mapi/time.hpp.
#include "mapi/time.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <date/tz.h>
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

std::string two_digit_date(int y, unsigned mo, unsigned d, char sep) {
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
    return {int(ymd.year()),          unsigned(ymd.month()),
            unsigned(ymd.day()),      long(tod.hours().count()),
            long(tod.minutes().count()), long(tod.seconds().count()),
            long(tod.subseconds().count())};
}

// Seconds with up to 3 decimals, trailing zeros dropped: "3.5", "0.25", "7".
std::string seconds_text(int64_t ms) {
    char buf[48];
    if (ms % 1000 == 0) {
        std::snprintf(buf, sizeof buf, "%lld", (long long)(ms / 1000));
        return buf;
    }
    std::snprintf(buf, sizeof buf, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
    std::string out = buf;
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
    auto info = tz_->get_info(date::floor<seconds>(utc));
    return int(std::chrono::duration_cast<minutes>(info.offset).count());
}

int Zone::offset_minutes_for_local(LocalTime t) const {
    if (!tz_) return offset_;
    // For all three cases `first` is the right one: the only offset (unique),
    // the one before the fall-back, so the earlier instant (ambiguous), and the
    // one before the spring-forward gap (nonexistent).
    auto info = tz_->get_info(date::floor<seconds>(t));
    return int(std::chrono::duration_cast<minutes>(info.first.offset).count());
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
    std::snprintf(buf, sizeof buf, "%s %02ld:%02ld:%02ld", two_digit_date(f.y, f.mo, f.d, ':').c_str(), f.h, f.mi,
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
    std::snprintf(buf, sizeof buf, "%sT%02ld:%02ld:%02ld.%03ldZ", two_digit_date(f.y, f.mo, f.d, '-').c_str(), f.h,
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
    int64_t ms = d.count();
    std::string sign;
    if (ms < 0) {
        sign = "-";
        ms = -ms;
    }
    constexpr int64_t S = 1000, M = 60 * S, H = 60 * M, D = 24 * H;
    std::string out;
    auto part = [&](int64_t n, const char* unit) {
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
