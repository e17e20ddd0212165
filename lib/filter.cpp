// filter: see mapi/filter.hpp.
#include "mapi/filter.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace mapi {

void for_each_record(cli::Tool& tool, const std::vector<std::string>& files,
                     const std::function<void(InputItem&)>& each) {
    InputItem item;
    auto drain = [&](RecordInput& input) {
        while (input.next(item)) {
            if (!item.error.empty())
                tool.fail(item.where(), item.error);
            else
                each(item);
        }
    };
    if (files.empty()) {
        RecordInput input(files, RecordInput::Args::photos, "path");
        drain(input);
        return;
    }
    for (const auto& f : files) {
        std::ifstream in(f);
        if (!in) {
            tool.fail(f, "cannot open record file");
            continue;
        }
        RecordInput input(in, f, "path");
        drain(input);
    }
}

std::optional<LatLon> record_position(const Record& rec) {
    auto lat = rec.get_number("lat"), lon = rec.get_number("lon");
    if (!lat && !lon) return std::nullopt;
    if (!lat) throw FieldError("field \"lon\" without \"lat\"");
    if (!lon) throw FieldError("field \"lat\" without \"lon\"");
    if (!valid_lat(*lat)) throw FieldError("field \"lat\" out of range: " + format_number(*lat, 9));
    if (!valid_lon(*lon)) throw FieldError("field \"lon\" out of range: " + format_number(*lon, 9));
    return LatLon{*lat, *lon};
}

std::optional<Instant> record_time(const Record& rec) {
    auto text = rec.get_string("captured_at");
    if (!text) return std::nullopt;
    auto t = parse_rfc3339(*text);
    if (!t) throw FieldError("field \"captured_at\" is not an RFC 3339 time: '" + *text + "'");
    return t;
}

std::optional<double> record_heading(const Record& rec) { return rec.get_number("heading"); }

std::string record_sequence(const Record& rec) { return rec.get_string("sequence_id").value_or(""); }

std::string_view TextArena::add(std::string_view s) {
    constexpr std::size_t kBlock = 8u << 20;
    if (s.empty()) return {};
    if (blocks_.empty() || size_ - used_ < s.size()) {
        size_ = std::max(kBlock, s.size());
        blocks_.push_back(std::make_unique_for_overwrite<char[]>(size_));
        used_ = 0;
    }
    char* p = blocks_.back().get() + used_;
    std::memcpy(p, s.data(), s.size());
    used_ += s.size();
    return {p, s.size()};
}

std::vector<std::uint32_t> sorted_order(const std::vector<std::string_view>& keys,
                                        const std::vector<std::string_view>* then_by) {
    std::size_t common = keys.empty() ? 0 : keys[0].size();
    for (const auto& k : keys) {
        std::size_t n = std::min(common, k.size()), i = 0;
        while (i < n && k[i] == keys[0][i]) ++i;
        common = i;
    }
    struct Entry {
        std::uint64_t a, b;  // bytes common .. common + 16, big-endian, zero past the end
        std::uint32_t index;
    };
    auto word = [](std::string_view k, std::size_t from) {
        std::uint64_t w = 0;
        for (std::size_t i = 0; i < 8; ++i) w = w << 8 | (from + i < k.size() ? static_cast<unsigned char>(k[from + i]) : 0u);
        return w;
    };
    std::vector<Entry> e(keys.size());
    for (std::uint32_t i = 0; i < e.size(); ++i) e[i] = {word(keys[i], common), word(keys[i], common + 8), i};
    std::sort(e.begin(), e.end(), [&](const Entry& x, const Entry& y) {
        if (x.a != y.a) return x.a < y.a;
        if (x.b != y.b) return x.b < y.b;
        if (int c = keys[x.index].compare(keys[y.index])) return c < 0;
        if (then_by)
            if (int c = (*then_by)[x.index].compare((*then_by)[y.index])) return c < 0;
        return x.index < y.index;
    });
    std::vector<std::uint32_t> order(e.size());
    for (std::size_t i = 0; i < e.size(); ++i) order[i] = e[i].index;
    return order;
}

std::string json_string(std::string_view s) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return std::string(buf.GetString(), buf.GetSize());
}

std::string json_number(double d) {
    // The shortest form that reads back the same, as Record::to_json() writes.
    char buf[40];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, r.ptr);
}

std::string count_of(std::uint64_t n, std::string_view noun) {
    return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

std::string format_number(double d, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, d);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    if (s == "-0") s = "0";
    return s;
}

OpenFields::OpenFields(std::vector<std::string> keys) : keys_(std::move(keys)) {
    if (keys_.size() > max_fields) throw std::logic_error("OpenFields: too many fields");
}

namespace {
// Where the top-level members numbered in `wanted` start in compact JSON text
// ("{...}"); a number past the last member gives the closing brace, -1 none.
// The scan stops once all are found, and skips strings with memchr, so it
// costs little next to the parse.
void member_starts(const std::string& t, std::span<const int> wanted, std::span<std::uint32_t> at) {
    const std::size_t n = t.size();
    int member = 0, depth = 0, found = 0, need = 0;
    for (int w : wanted) need += w >= 0;
    auto note = [&](std::size_t offset) {
        for (std::size_t k = 0; k < wanted.size(); ++k)
            if (wanted[k] == member) {
                at[k] = static_cast<std::uint32_t>(offset);
                ++found;
            }
    };
    for (std::size_t i = 0; i < n && found < need; ++i) {
        char c = t[i];
        if (c == '"') {
            if (depth == 1 && (t[i - 1] == '{' || t[i - 1] == ',')) {
                note(i);
                ++member;
            }
            // To the closing quote: one not preceded by an odd run of backslashes.
            for (std::size_t j = i + 1;;) {
                auto* q = static_cast<const char*>(std::memchr(t.data() + j, '"', n - j));
                if (!q) return;  // not possible in text Record::to_json() wrote
                std::size_t p = static_cast<std::size_t>(q - t.data()), b = p;
                while (t[b - 1] == '\\') --b;
                if ((p - b) % 2 == 0) {
                    i = p;
                    break;
                }
                j = p + 1;
            }
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    // Members past the last one: the closing brace.
    for (std::size_t k = 0; k < wanted.size(); ++k)
        if (wanted[k] >= member) at[k] = static_cast<std::uint32_t>(n - 1);
}
}  // namespace

OpenFields::Held OpenFields::hold(Record& rec) const {
    // Where each open field stood among the members, before any is taken out.
    std::array<int, max_fields> index;
    index.fill(-1);
    const auto& obj = rec.json();
    int i = 0;
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it, ++i) {
        std::string_view name(it->name.GetString(), it->name.GetStringLength());
        for (std::size_t k = 0; k < keys_.size(); ++k)
            if (index[k] < 0 && name == keys_[k]) index[k] = i;
    }
    for (std::size_t k = 0; k < keys_.size(); ++k)
        if (index[k] >= 0) rec.remove(keys_[k]);

    Held h;
    h.text = rec.to_json();
    // Each field goes before the first member that stays and came after it;
    // a field the record lacked, at the end.
    std::array<int, max_fields> wanted;
    for (std::size_t k = 0; k < keys_.size(); ++k) {
        if (index[k] < 0) {
            wanted[k] = -1;
            h.places.at[k] = static_cast<std::uint32_t>(h.text.size());  // past the brace: after those that stood last
            continue;
        }
        int before = index[k];
        for (std::size_t j = 0; j < keys_.size(); ++j)
            if (index[j] >= 0 && index[j] < index[k]) --before;
        wanted[k] = before;
    }
    member_starts(h.text, std::span<const int>(wanted.data(), keys_.size()),
                  std::span<std::uint32_t>(h.places.at.data(), keys_.size()));
    // Output order: by place; fields that stood side by side keep their
    // order; those the record lacked follow, in the order of keys.
    auto& at = h.places.at;
    auto& order = h.places.order;
    auto before = [&](std::uint8_t a, std::uint8_t b) {
        if (at[a] != at[b]) return at[a] < at[b];
        return static_cast<unsigned>(index[a]) < static_cast<unsigned>(index[b]);  // -1: last
    };
    // An insertion sort: at most four, and no allocation (std::stable_sort makes one).
    for (std::size_t n = 1; n < keys_.size(); ++n)
        for (std::size_t j = n; j > 0 && before(order[j], order[j - 1]); --j) std::swap(order[j], order[j - 1]);
    return h;
}

void OpenFields::write(std::string_view t, const Places& places, std::span<const std::string_view> values,
                       std::string& out) const {
    const std::size_t end = t.size() - 1;  // the closing brace
    bool first = true;
    auto members = [&](std::size_t from, std::size_t to) {  // whole members, with or without a trailing comma
        if (to > from && t[to - 1] == ',') --to;
        if (to <= from) return;
        if (!first) out += ',';
        out.append(t.substr(from, to - from));
        first = false;
    };
    out += '{';
    std::size_t pos = 1;
    for (std::size_t n = 0; n < keys_.size(); ++n) {
        std::size_t k = places.order[n];
        std::size_t at = std::min<std::size_t>(places.at[k], end);
        members(pos, at);
        pos = std::max(pos, at);
        if (k < values.size() && !values[k].empty()) {
            if (!first) out += ',';
            out += '"';
            out += keys_[k];
            out += "\":";
            out.append(values[k]);
            first = false;
        }
    }
    members(pos, end);
    out += '}';
}

}  // namespace mapi
