#include "mapi/photo.hpp"

#include "mapi/description.hpp"
#include "mapi/exif.hpp"
#include "mapi/jpeg.hpp"
#include "mapi/xmp.hpp"

#include <charconv>
#include <cmath>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace mapi {

namespace {

struct Capture {
    Instant utc;
    int offset_minutes;
    bool offset_known;  // from the photo or --tz: worth a utc_offset field
    bool assumed_utc;   // no offset anywhere: read as UTC
};

// One EXIF time (DateTime* + SubSec* + OffsetTime*) as an instant.
std::optional<Capture> capture_from(const std::optional<std::string>& dt, const std::optional<std::string>& subsec,
                                    const std::optional<std::string>& offset, const ScanOptions& opts) {
    if (!dt) return std::nullopt;
    // Some writers put the fraction, or the offset, into the DateTime tag
    // itself ("2018:06:26 17:46:33.847"); the separate tags win when present.
    std::string text = *dt;
    std::optional<std::string> sub = subsec, off = offset;
    if (text.size() > 19) {
        std::string rest = text.substr(19);
        text.resize(19);
        if (rest[0] == '.') {
            auto end = rest.find_first_not_of("0123456789", 1);
            if (!sub) sub = rest.substr(1, end == std::string::npos ? std::string::npos : end - 1);
            rest = end == std::string::npos ? "" : rest.substr(end);
        }
        if (!rest.empty() && !off) off = rest;
    }
    auto local = parse_exif_datetime(text, sub.value_or(""));
    if (!local) return std::nullopt;
    if (off)
        if (auto minutes = parse_utc_offset(*off)) {
            Instant utc{local->time_since_epoch() - std::chrono::minutes(*minutes)};
            return Capture{utc, *minutes, true, false};
        }
    if (opts.tz) return Capture{opts.tz->to_utc(*local), opts.tz->offset_minutes_for_local(*local), true, false};
    return Capture{Instant{local->time_since_epoch()}, 0, false, true};
}

std::optional<Instant> gps_instant(const GpsTime& g) {
    using namespace std::chrono;
    date::year_month_day ymd{date::year{g.year}, date::month{static_cast<unsigned>(g.month)},
                             date::day{static_cast<unsigned>(g.day)}};
    if (!ymd.ok() || g.year < 1971) return std::nullopt;  // 1970-01-01 is what a GPS without a fix writes
    auto ms = static_cast<std::int64_t>(std::llround(g.second * 1000.0));
    return Instant{date::sys_days{ymd}} + hours(g.hour) + minutes(g.minute) + milliseconds(ms);
}

std::string number_text(double d) {
    char buf[40];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, r.ptr);
}

bool is_spherical_xmp(std::string_view xmp) {
    // GPano:ProjectionType="equirectangular", as attribute or element.
    auto p = xmp.find("ProjectionType");
    return p != std::string_view::npos && xmp.substr(p, 80).find("equirectangular") != std::string_view::npos;
}

}  // namespace

ScanResult scan_photo(Record& rec, const std::string& path, const ScanOptions& opts) {
    ScanResult result;
    auto header = read_jpeg_header(path);
    auto layout = parse_jpeg_header(header);
    PhotoExif ex;
    if (auto tiff = exif_tiff(header, layout)) ex = read_exif(*tiff);
    XmpGps xmp;
    std::optional<std::string_view> packet = xmp_packet(header, layout);
    if (packet) xmp = read_xmp(*packet);

    rec.set("path", path);

    std::optional<Capture> cap = capture_from(ex.datetime_original, ex.subsec_original, ex.offset_time_original, opts);
    if (!cap) cap = capture_from(ex.datetime_digitized, ex.subsec_digitized, ex.offset_time_digitized, opts);
    if (!cap) cap = capture_from(ex.datetime, ex.subsec_time, ex.offset_time, opts);
    if (!cap && ex.gps_time)
        if (auto t = gps_instant(*ex.gps_time)) cap = Capture{*t, opts.tz ? opts.tz->offset_minutes_at(*t) : 0, opts.tz.has_value(), false};
    if (!cap && xmp.datetime_original) {
        // XMP dates are ISO 8601 ("2010-04-13T09:37:22.5+02:00", some with
        // EXIF's colons): brought to the EXIF form, whose tail may carry the
        // fraction and the offset, which then wins over --tz as EXIF's does.
        std::string s = *xmp.datetime_original;
        for (std::size_t i = 0; i < s.size() && i < 10; ++i)
            if (s[i] == '-') s[i] = ':';
        if (s.size() > 10 && (s[10] == 'T' || s[10] == 't')) s[10] = ' ';
        if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.back() = '+', s += "00:00";
        cap = capture_from(s, std::nullopt, std::nullopt, opts);
    }
    if (cap) {
        rec.set("captured_at", format_rfc3339_utc(cap->utc));
        if (cap->offset_known) rec.set("utc_offset", format_utc_offset(cap->offset_minutes));
        result.assumed_utc = cap->assumed_utc;
    }

    std::optional<double> lat = ex.gps_lat, lon = ex.gps_lon, alt = ex.gps_alt;
    if (!lat || !lon) {
        lat = xmp.lat;
        lon = xmp.lon;
        if (!alt) alt = xmp.alt;
    }
    if (lat && lon) {
        rec.set("lat", *lat);
        rec.set("lon", *lon);
    }
    if (alt) rec.set("alt", *alt);
    if (auto h = ex.gps_img_direction ? ex.gps_img_direction : ex.gps_track) rec.set("heading", *h);
    if (ex.make) rec.set("make", *ex.make);
    if (ex.model) rec.set("model", *ex.model);
    rec.set("width", layout.width);
    rec.set("height", layout.height);
    if (ex.orientation) rec.set("orientation", *ex.orientation);
    if (packet && is_spherical_xmp(*packet)) rec.set("camera_type", "spherical");
    return result;
}

static const char* const kWritable[] = {"captured_at", "lat",         "lon",        "alt",
                                        "heading",     "make",        "model",      "orientation",
                                        "description", "camera_type"};

bool has_writable_fields(const Record& rec) {
    for (const char* k : kWritable)
        if (rec.has(k)) return true;
    return false;
}

static std::string description_text(const Record& rec) {
    const auto& obj = rec.json();
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
        if (std::string_view(it->name.GetString()) != "description") continue;
        if (it->value.IsString()) return std::string(it->value.GetString(), it->value.GetStringLength());
        // Sorted keys, ASCII-only escapes: the form Mapillary's schema wants.
        if (it->value.IsObject()) return description_json(it->value);
        throw FieldError("field \"description\" must be a string or an object");
    }
    return {};
}

namespace {

struct NewMetadata {
    std::optional<std::vector<std::uint8_t>> tiff;
    std::optional<std::string> xmp;
};

// The EXIF (and for spherical photos XMP) a record asks for, from the
// photo's header (or whole file).
NewMetadata new_metadata(std::span<const std::uint8_t> jpeg, const Record& rec, const WriteOptions& opts) {
    auto layout = parse_jpeg_header(jpeg);
    ExifUpdate u;
    auto lat = rec.get_number("lat"), lon = rec.get_number("lon");
    if (lat.has_value() != lon.has_value()) throw FieldError("lat and lon go together: one is missing");
    if (lat && (*lat < -90 || *lat > 90)) throw FieldError("lat " + number_text(*lat) + " out of range");
    if (lon && (*lon < -180 || *lon > 180)) throw FieldError("lon " + number_text(*lon) + " out of range");
    u.gps_lat = lat;
    u.gps_lon = lon;
    u.gps_alt = rec.get_number("alt");
    if (auto h = rec.get_number("heading")) u.gps_img_direction = std::fmod(std::fmod(*h, 360.0) + 360.0, 360.0);

    if (auto t = rec.get_string("captured_at")) {
        auto utc = parse_rfc3339(*t);
        if (!utc) throw FieldError("bad captured_at '" + *t + "' (want RFC 3339, e.g. 2025-07-28T10:07:30.120Z)");
        int offset = 0;
        if (auto o = rec.get_string("utc_offset")) {
            auto parsed = parse_utc_offset(*o);
            if (!parsed) throw FieldError("bad utc_offset '" + *o + "' (want +HH:MM)");
            offset = *parsed;
        } else if (opts.tz) {
            offset = opts.tz->offset_minutes_at(*utc);
        }
        LocalTime local = to_local(*utc, offset);
        u.datetime_original = format_exif_datetime(local);
        u.subsec_original = format_subsec(local);
        u.offset_time_original = format_utc_offset(offset);
        if (lat) {
            auto days = date::floor<date::days>(*utc);
            date::year_month_day ymd{days};
            auto tod = *utc - days;
            GpsTime g;
            g.year = static_cast<int>(ymd.year());
            g.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
            g.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
            auto ms = tod.count();
            g.hour = static_cast<int>(ms / 3600000);
            g.minute = static_cast<int>(ms / 60000 % 60);
            g.second = static_cast<double>(ms % 60000) / 1000.0;
            u.gps_time = g;
        }
    }
    u.make = rec.get_string("make");
    u.model = rec.get_string("model");
    if (auto o = rec.get_integer("orientation")) {
        if (*o < 1 || *o > 8) throw FieldError("orientation " + std::to_string(*o) + " is not 1 to 8");
        u.orientation = static_cast<int>(*o);
    }
    if (auto d = description_text(rec); !d.empty()) u.image_description = d;

    NewMetadata m;
    auto old = exif_tiff(jpeg, layout);
    if ((!old || exif_empty(*old)) && layout.width > 0 && layout.height > 0) {
        // EXIF made from nothing: its required image size too.
        u.pixel_x = static_cast<std::uint32_t>(layout.width);
        u.pixel_y = static_cast<std::uint32_t>(layout.height);
    }
    m.tiff = update_exif(old ? without_padding(*old) : std::span<const std::uint8_t>{}, u);

    auto camera = rec.get_string("camera_type");
    if (camera && *camera == "spherical") {
        auto old_xmp = xmp_packet(jpeg, layout);
        m.xmp = set_gpano(old_xmp ? *old_xmp : std::string_view{}, layout.width, layout.height,
                          u.gps_img_direction);
    }
    return m;
}

}  // namespace

std::vector<std::uint8_t> plan_photo_write(std::span<const std::uint8_t> jpeg, const Record& rec,
                                           const WriteOptions& opts) {
    NewMetadata m = new_metadata(jpeg, rec, opts);
    return splice_metadata(jpeg, m.tiff, m.xmp);
}

std::vector<std::uint8_t> plan_header_write(std::span<const std::uint8_t> header, const Record& rec,
                                            const WriteOptions& opts, std::size_t align) {
    NewMetadata m = new_metadata(header, rec, opts);
    return splice_header_aligned(header, m.tiff, m.xmp, align);
}

}  // namespace mapi
