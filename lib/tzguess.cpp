#include "mapi/tzguess.hpp"

#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <tuple>
#include <sstream>

namespace mapi {

namespace {

// Sign, then `degree_digits` digits of degrees, two of minutes, optionally
// two of seconds; advances `text` past what it read.
std::optional<double> read_angle(std::string_view& text, int degree_digits, std::size_t next_sign_at) {
    if (text.empty() || (text[0] != '+' && text[0] != '-')) return std::nullopt;
    double sign = text[0] == '-' ? -1 : 1;
    std::string_view digits = text.substr(1, next_sign_at - 1);
    if (digits.size() != std::size_t(degree_digits + 2) && digits.size() != std::size_t(degree_digits + 4))
        return std::nullopt;
    for (char c : digits)
        if (c < '0' || c > '9') return std::nullopt;
    auto number = [&](std::size_t at, std::size_t n) {
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (digits[i] - '0');
        return v;
    };
    int deg = number(0, degree_digits);
    int min = number(degree_digits, 2);
    int sec = digits.size() == std::size_t(degree_digits + 4) ? number(degree_digits + 2, 2) : 0;
    if (min >= 60 || sec >= 60) return std::nullopt;
    text.remove_prefix(next_sign_at);
    return sign * (deg + min / 60.0 + sec / 3600.0);
}

}  // namespace

std::optional<LatLon> parse_iso6709(std::string_view text) {
    std::size_t second = text.find_first_of("+-", 1);
    if (second == std::string_view::npos) return std::nullopt;
    std::string_view rest = text;
    auto lat = read_angle(rest, 2, second);
    if (!lat) return std::nullopt;
    auto lon = read_angle(rest, 3, rest.size());
    if (!lon || !valid_lat(*lat) || !valid_lon(*lon)) return std::nullopt;
    return LatLon{*lat, *lon};
}

ZoneTable ZoneTable::parse(std::string_view text) {
    ZoneTable t;
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (line.empty() || line[0] == '#') continue;
        // codes TAB coordinates TAB zone [TAB comments]
        std::size_t t1 = line.find('\t');
        if (t1 == std::string_view::npos) continue;
        std::size_t t2 = line.find('\t', t1 + 1);
        if (t2 == std::string_view::npos) continue;
        std::size_t t3 = line.find('\t', t2 + 1);
        auto where = parse_iso6709(line.substr(t1 + 1, t2 - t1 - 1));
        std::string_view zone = line.substr(t2 + 1, t3 == std::string_view::npos ? std::string_view::npos : t3 - t2 - 1);
        while (!zone.empty() && (zone.back() == '\r' || zone.back() == ' ')) zone.remove_suffix(1);
        if (!where || zone.empty()) continue;
        t.entries_.push_back({*where, std::string(zone)});
    }
    return t;
}

const ZoneTable& ZoneTable::system() {
    static const ZoneTable table = [] {
        std::vector<std::string> files;
        if (const char* env = std::getenv("MLY_ZONE_TABLE"); env && *env) {
            files.push_back(env);
        } else {
            files.push_back("/usr/share/zoneinfo/zone1970.tab");
            files.push_back("/usr/share/zoneinfo/zone.tab");
        }
        ZoneTable all;
        std::set<std::tuple<double, double, std::string>> seen;
        for (const auto& path : files) {
            std::ifstream in(path, std::ios::binary);
            if (!in) continue;
            std::ostringstream text;
            text << in.rdbuf();
            for (auto& e : parse(text.str()).entries_)
                if (seen.emplace(e.where.lat, e.where.lon, e.zone).second) all.entries_.push_back(std::move(e));
        }
        return all;
    }();
    return table;
}

std::optional<std::string> ZoneTable::nearest(LatLon p) const {
    const Entry* best = nullptr;
    double best_d = std::numeric_limits<double>::infinity();
    for (const auto& e : entries_) {
        double d = haversine_m(p, e.where);
        if (d < best_d) {
            best_d = d;
            best = &e;
        }
    }
    if (!best) return std::nullopt;
    return best->zone;
}

std::string guess_zone(LatLon p) {
    return ZoneTable::system().nearest(p).value_or("UTC");
}

}  // namespace mapi
