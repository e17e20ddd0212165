// filter: see mapi/filter.hpp.
#include "mapi/filter.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

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
    std::string out;
    out.reserve(s.size() + 2);
    append_json_string(out, s);
    return out;
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

OpenFields::Held OpenFields::hold(Record& rec) const {
    // Built in a buffer kept from call to call, then copied at its size: a
    // tool may hold millions of these.
    thread_local std::string text;
    Held h;
    h.places = hold(rec, text);
    h.text = text;
    return h;
}

OpenFields::Places OpenFields::hold(Record& rec, std::string& text) const {
    // The record's text without the open fields (the first member of each
    // name, as Record::remove takes it out), noting where each stood.
    std::array<int, max_fields> index;  // among the members, before any is taken out
    index.fill(-1);
    Places places;
    auto& at = places.at;
    text.clear();
    text += '{';
    unsigned pending = 0;  // open fields that go before the next member kept
    const std::size_t n = rec.size();
    for (std::size_t i = 0; i < n; ++i) {
        std::string_view name = rec.key(i);
        bool open = false;
        for (std::size_t k = 0; k < keys_.size(); ++k)
            if (index[k] < 0 && name == keys_[k]) {
                index[k] = static_cast<int>(i);
                pending |= 1u << k;
                open = true;
            }
        if (open) continue;
        if (text.size() > 1) text += ',';
        for (std::size_t k = 0; k < keys_.size(); ++k)
            if (pending & (1u << k)) at[k] = static_cast<std::uint32_t>(text.size());
        pending = 0;
        rec.append_member(i, text);
    }
    // Those after the last member kept go before the closing brace; a field
    // the record lacked, past it (after those that stood last).
    for (std::size_t k = 0; k < keys_.size(); ++k)
        if (pending & (1u << k)) at[k] = static_cast<std::uint32_t>(text.size());
    text += '}';
    for (std::size_t k = 0; k < keys_.size(); ++k)
        if (index[k] < 0) at[k] = static_cast<std::uint32_t>(text.size());
    for (std::size_t k = 0; k < keys_.size(); ++k)
        if (index[k] >= 0) rec.remove(keys_[k]);

    // Output order: by place; fields that stood side by side keep their
    // order; those the record lacked follow, in the order of keys.
    auto& order = places.order;
    auto before = [&](std::uint8_t a, std::uint8_t b) {
        if (at[a] != at[b]) return at[a] < at[b];
        return static_cast<unsigned>(index[a]) < static_cast<unsigned>(index[b]);  // -1: last
    };
    // An insertion sort: at most four, and no allocation (std::stable_sort makes one).
    for (std::size_t m = 1; m < keys_.size(); ++m)
        for (std::size_t j = m; j > 0 && before(order[j], order[j - 1]); --j) std::swap(order[j], order[j - 1]);
    return places;
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
