// description: see mapi/description.hpp.
#include "mapi/description.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace mapi {

using rapidjson::Value;

namespace {

// Python's round(x, digits) for the magnitudes that occur here; + 0.0 turns
// a -0 into 0.
double round_to(double x, int digits) {
    const double scale = std::pow(10.0, digits);
    return std::round(x * scale) / scale + 0.0;
}

// mapillary_tools' ensure_ascii output, with numbers in their shortest
// round-trip form (rapidjson's own Grisu2 output is not always shortest).
class DescriptionWriter : public rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::ASCII<>> {
public:
    using Base = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::ASCII<>>;
    using Base::Base;
    bool Double(double d) {
        char buf[40];
        auto r = std::to_chars(buf, buf + sizeof buf, d);
        return RawValue(buf, static_cast<std::size_t>(r.ptr - buf), rapidjson::kNumberType);
    }
};

bool name_less(const Value::ConstMemberIterator& a, const Value::ConstMemberIterator& b) {
    // Byte order of UTF-8 is code point order, which is what Python sorts by.
    const auto la = a->name.GetStringLength(), lb = b->name.GetStringLength();
    int c = std::memcmp(a->name.GetString(), b->name.GetString(), std::min(la, lb));
    return c < 0 || (c == 0 && la < lb);
}

bool write_sorted(const Value& v, DescriptionWriter& w) {
    if (v.IsObject()) {
        std::vector<Value::ConstMemberIterator> members;
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) members.push_back(it);
        std::stable_sort(members.begin(), members.end(), name_less);
        if (!w.StartObject()) return false;
        for (auto it : members) {
            if (!w.Key(it->name.GetString(), it->name.GetStringLength())) return false;
            if (!write_sorted(it->value, w)) return false;
        }
        return w.EndObject(static_cast<rapidjson::SizeType>(members.size()));
    }
    if (v.IsArray()) {
        if (!w.StartArray()) return false;
        for (const auto& e : v.GetArray())
            if (!write_sorted(e, w)) return false;
        return w.EndArray(v.Size());
    }
    return v.Accept(w);
}

Value string_value(const std::string& s, rapidjson::Document::AllocatorType& alloc) {
    return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

// The MAP* members of an entry, in any order; description_json sorts them.
void add_map_fields(Value& obj, const ImageDescription& d, bool with_sequence,
                    rapidjson::Document::AllocatorType& alloc) {
    if (d.alt) obj.AddMember("MAPAltitude", *d.alt, alloc);
    obj.AddMember("MAPCaptureTime", string_value(format_capture_time(d.captured_at), alloc), alloc);
    if (d.heading) {
        Value h(rapidjson::kObjectType);
        h.AddMember("MagneticHeading", *d.heading, alloc);
        h.AddMember("TrueHeading", *d.heading, alloc);
        obj.AddMember("MAPCompassHeading", h, alloc);
    }
    if (d.make) obj.AddMember("MAPDeviceMake", string_value(*d.make, alloc), alloc);
    if (d.model) obj.AddMember("MAPDeviceModel", string_value(*d.model, alloc), alloc);
    obj.AddMember("MAPFilename", string_value(d.path.substr(d.path.rfind('/') + 1), alloc), alloc);
    obj.AddMember("MAPLatitude", d.lat, alloc);
    obj.AddMember("MAPLongitude", d.lon, alloc);
    if (d.orientation) obj.AddMember("MAPOrientation", *d.orientation, alloc);
    if (with_sequence && d.sequence) obj.AddMember("MAPSequenceUUID", string_value(*d.sequence, alloc), alloc);
}

// A copy of an object with its members in sorted order (one level: the
// nested MAPCompassHeading is built sorted).
Value sorted_copy(const Value& obj, rapidjson::Document::AllocatorType& alloc) {
    std::vector<Value::ConstMemberIterator> members;
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) members.push_back(it);
    std::stable_sort(members.begin(), members.end(), name_less);
    Value out(rapidjson::kObjectType);
    for (auto it : members) out.AddMember(Value(it->name, alloc), Value(it->value, alloc), alloc);
    return out;
}

std::string shortest(double x) {
    char buf[40];
    auto r = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, r.ptr);
}

bool valid_sequence_key(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '-';
    });
}

}  // namespace

ImageDescription describe_image(const Record& rec) {
    ImageDescription d;
    std::optional<std::string> path, captured;
    std::optional<double> lat, lon;
    try {
        path = rec.get_string("path");
        lat = rec.get_number("lat");
        lon = rec.get_number("lon");
        captured = rec.get_string("captured_at");
    } catch (const FieldError& e) {
        throw DescriptionError(e.what());
    }
    std::vector<std::string> missing;
    if (!path || path->empty()) missing.push_back("\"path\"");
    if (!lat) missing.push_back("\"lat\"");
    if (!lon) missing.push_back("\"lon\"");
    if (!captured) missing.push_back("\"captured_at\"");
    if (!missing.empty()) {
        std::string msg = "missing " + missing[0];
        for (std::size_t i = 1; i < missing.size(); ++i)
            msg += (i + 1 == missing.size() ? " and " : ", ") + missing[i];
        throw DescriptionError(msg);
    }
    if (*lat < -90 || *lat > 90) throw DescriptionError("lat " + shortest(*lat) + " is out of range [-90, 90]");
    if (*lon < -180 || *lon > 180) throw DescriptionError("lon " + shortest(*lon) + " is out of range [-180, 180]");
    d.path = *path;
    d.lat = round_to(*lat, 7);
    d.lon = round_to(*lon, 7);
    auto t = parse_rfc3339(*captured);
    if (!t) throw DescriptionError("bad captured_at '" + *captured + "' (want RFC 3339, e.g. 2025-07-28T10:07:30.120Z)");
    d.captured_at = *t;
    try {
        if (auto alt = rec.get_number("alt")) d.alt = round_to(*alt, 3);
        if (auto h = rec.get_number("heading")) {
            double v = round_to(std::fmod(std::fmod(*h, 360.0) + 360.0, 360.0), 3);
            d.heading = v >= 360.0 ? 0.0 : v;
        }
        if (auto m = rec.get_string("make"); m && !m->empty()) d.make = *m;
        if (auto m = rec.get_string("model"); m && !m->empty()) d.model = *m;
        if (auto o = rec.get_integer("orientation")) {
            if (*o < 1 || *o > 8) throw DescriptionError("orientation " + std::to_string(*o) + " is not 1 to 8");
            d.orientation = static_cast<int>(*o);
        }
        if (auto s = rec.get_string("sequence_id"); s && !s->empty()) {
            if (!valid_sequence_key(*s))
                throw DescriptionError("sequence_id '" + *s +
                                       "' has characters other than letters, digits, '_' and '-'");
            d.sequence = *s;
        }
    } catch (const FieldError& e) {
        throw DescriptionError(e.what());
    }
    return d;
}

std::string format_capture_time(Instant t) {
    auto day = date::floor<date::days>(t);
    date::year_month_day ymd{day};
    date::hh_mm_ss<std::chrono::milliseconds> tod{t - day};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d_%02u_%02u_%02d_%02d_%02d_%03d", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                  static_cast<int>(tod.seconds().count()), static_cast<int>(tod.subseconds().count()));
    return buf;
}

Value exif_description(const ImageDescription& d, rapidjson::Document::AllocatorType& alloc) {
    Value obj(rapidjson::kObjectType);
    add_map_fields(obj, d, false, alloc);
    return sorted_copy(obj, alloc);
}

void set_description(Record& rec, const ImageDescription& d) {
    auto& alloc = rec.allocator();
    Value v = exif_description(d, alloc);
    auto& obj = rec.json();
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it)
        if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == "description") {
            it->value = v;  // moves
            return;
        }
    obj.AddMember("description", v, alloc);
}

std::string description_json(const Value& v) {
    rapidjson::StringBuffer buf;
    DescriptionWriter w(buf);
    if (!write_sorted(v, w)) throw DescriptionError("description text is not valid UTF-8");
    std::string text(buf.GetString(), buf.GetSize());
    // rapidjson writes \u00DC, Python \u00dc: the same JSON, but the same bytes
    // too make the two tools' photos identical.
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        if (text[i] != '\\') continue;
        if (text[i + 1] == 'u')
            for (std::size_t k = i + 2; k < i + 6 && k < text.size(); ++k)
                text[k] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[k])));
        ++i;  // past the escaped character
    }
    return text;
}

void DescriptionFileWriter::add(const ImageDescription& d, const std::string& absolute_path, std::uint64_t filesize) {
    rapidjson::Document doc;
    auto& alloc = doc.GetAllocator();
    doc.SetObject();
    add_map_fields(doc, d, true, alloc);
    doc.AddMember("filename", string_value(absolute_path, alloc), alloc);
    doc.AddMember("filesize", filesize, alloc);
    doc.AddMember("filetype", "image", alloc);
    doc.AddMember("md5sum", Value(), alloc);
    std::string text = description_json(doc);  // before the comma: a bad entry leaves no trace
    std::fputs(count_ == 0 ? "[" : ",", out_);
    std::fputs(text.c_str(), out_);
    ++count_;
}

void DescriptionFileWriter::finish() {
    std::fputs(count_ == 0 ? "[]\n" : "]\n", out_);
}

}  // namespace mapi
