#include "mapi/imagerecord.hpp"

#include "mapi/geo.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace mapi {

namespace {

// Sets (or replaces, in place) a JSON value field of rec.
void set_json(Record& rec, std::string_view key, const rapidjson::Value& value) {
    auto& obj = rec.json();
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it)
        if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == key) {
            it->value.CopyFrom(value, rec.allocator());
            return;
        }
    rapidjson::Value name(key.data(), static_cast<rapidjson::SizeType>(key.size()), rec.allocator());
    rapidjson::Value copy(value, rec.allocator());
    obj.AddMember(name, copy, rec.allocator());
}

struct Position {
    std::optional<LonLat> where;
    std::optional<double> alt, heading;
};

Position position_of(const Image& img, Positions which) {
    Position p{img.geometry, img.altitude, img.compass_angle};
    if (which == Positions::computed) {
        if (img.computed_geometry) p.where = img.computed_geometry;
        if (img.computed_altitude) p.alt = img.computed_altitude;
        if (img.computed_compass_angle) p.heading = img.computed_compass_angle;
    }
    if (p.heading) {
        if (std::isfinite(*p.heading))
            p.heading = normalize_deg(*p.heading);
        else
            p.heading.reset();
    }
    return p;
}

std::string utc(Instant t) { return format_rfc3339_utc(t); }

Instant from_ms(std::int64_t ms) { return Instant(std::chrono::milliseconds(ms)); }

// The value of query parameter `name` in url, or nullopt.
std::optional<std::string_view> query_param(std::string_view url, std::string_view name) {
    auto q = url.find('?');
    if (q == std::string_view::npos) return std::nullopt;
    std::string_view query = url.substr(q + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view part = query.substr(0, amp);
        auto eq = part.find('=');
        if (part.substr(0, eq) == name) return eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

const char* const sizes[] = {"original", "2048", "1024", "256"};

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

}  // namespace

std::optional<Positions> parse_positions(std::string_view text) {
    if (text == "original") return Positions::original;
    if (text == "computed") return Positions::computed;
    return std::nullopt;
}

std::optional<std::string> camera_type_of(const Image& img) {
    if (img.camera_type) {
        const std::string& t = *img.camera_type;
        if (t == "spherical" || t == "equirectangular") return std::string("spherical");
        if (t == "fisheye") return t;
        if (img.is_pano.value_or(false)) return std::string("spherical");
        return std::string("perspective");  // "others treated as perspective" (reference 2.1)
    }
    if (img.is_pano) return std::string(*img.is_pano ? "spherical" : "perspective");
    return std::nullopt;
}

bool is_spherical(const Image& img) { return camera_type_of(img).value_or("") == "spherical"; }

void set_image_fields(Record& rec, const Image& img, Positions positions) {
    rec.set("image_id", img.id);
    if (img.sequence) rec.set("sequence_id", *img.sequence);
    if (img.captured_at) rec.set("captured_at", utc(from_ms(*img.captured_at)));
    Position p = position_of(img, positions);
    if (p.where) {
        rec.set("lat", p.where->lat);
        rec.set("lon", p.where->lon);
    }
    if (p.alt) rec.set("alt", *p.alt);
    if (p.heading) rec.set("heading", *p.heading);
    if (img.make) rec.set("make", *img.make);
    if (img.model) rec.set("model", *img.model);
    if (img.creator_username) rec.set("creator", *img.creator_username);
    if (img.width) rec.set("width", *img.width);
    if (img.height) rec.set("height", *img.height);
    if (img.exif_orientation) rec.set("orientation", *img.exif_orientation);
    if (auto type = camera_type_of(img)) rec.set("camera_type", *type);
    set_json(rec, "mapillary", img.fields.json());
}

std::optional<TrackPoint> track_point(const Image& img, Positions positions) {
    Position p = position_of(img, positions);
    if (!p.where) return std::nullopt;
    TrackPoint tp;
    tp.lat = p.where->lat;
    tp.lon = p.where->lon;
    tp.ele = p.alt;
    tp.course = p.heading;
    if (img.captured_at) tp.time = from_ms(*img.captured_at);
    tp.name = img.id;
    return tp;
}

std::optional<Instant> url_expiry(std::string_view url) {
    auto oe = query_param(url, "oe");
    if (!oe || oe->empty() || oe->size() > 15) return std::nullopt;
    std::int64_t seconds = 0;
    auto [end, ec] = std::from_chars(oe->data(), oe->data() + oe->size(), seconds, 16);
    // Up to the end of year 9999: beyond, no time format (nor a millisecond count) holds it.
    if (ec != std::errc() || end != oe->data() + oe->size() || seconds < 0 || seconds > 253402300799) return std::nullopt;
    return Instant(std::chrono::seconds(seconds));
}

Problem unknown_id_problem() {
    return {"unknown_id", "the API does not know this id, or does not show it (private, deleted, or not an image)"};
}

std::vector<Problem> diagnose(const Image& img, Instant now) {
    std::vector<Problem> out;
    bool any_url = false;
    for (const char* size : sizes)
        if (img.thumb_url(size)) any_url = true;
    if (!any_url)
        out.push_back({"no_thumb_url", "no thumbnail URL (thumb_original_url, thumb_2048_url, ...): nothing to download"});
    else if (!img.thumb_original_url)
        out.push_back({"no_original_url", "no thumb_original_url: only smaller sizes (--size 2048) can be downloaded"});
    for (const char* size : sizes) {
        auto url = img.thumb_url(size);
        if (!url) continue;
        auto expiry = url_expiry(*url);
        if (expiry && *expiry <= now)
            out.push_back({"expired_url", std::string("thumb_") + size + "_url expired at " + utc(*expiry) +
                                              ": ask the API again for a fresh one"});
    }
    if (!img.geometry) {
        out.push_back({"no_position", img.computed_geometry
                                          ? "no original geometry (only computed_geometry): --geometry computed needed"
                                          : "no geometry: no GPS position can be written"});
    }
    if (!img.captured_at) out.push_back({"no_capture_time", "no captured_at: no file name and no EXIF time"});
    if (!img.sequence) out.push_back({"no_sequence", "no sequence: no folder to put the image in"});
    return out;
}

void set_diagnosis(Record& rec, const std::vector<Problem>& problems) {
    rapidjson::Document list(rapidjson::kArrayType);
    auto& a = list.GetAllocator();
    for (const auto& p : problems) {
        rapidjson::Value o(rapidjson::kObjectType);
        o.AddMember("code", rapidjson::Value(p.code.c_str(), a), a);
        o.AddMember("message", rapidjson::Value(p.message.c_str(), a), a);
        list.PushBack(o, a);
    }
    set_json(rec, "diagnosis", list);
}

std::vector<std::string> describe_image(const Image& img, Instant now) {
    std::vector<std::string> lines;
    std::string head = "image " + img.id;
    if (img.sequence) head += " of sequence " + *img.sequence;
    if (img.creator_username) head += " by " + *img.creator_username;
    lines.push_back(head);
    lines.push_back("  captured " + (img.captured_at ? utc(from_ms(*img.captured_at)) : std::string("(unknown)")));
    std::string where = "  at ";
    if (img.geometry) {
        where += fixed(img.geometry->lat, 7) + ", " + fixed(img.geometry->lon, 7);
        if (img.altitude) where += ", " + fixed(*img.altitude, 1) + " m";
        if (img.compass_angle) where += ", heading " + fixed(*img.compass_angle, 1);
    } else {
        where += "(no original position)";
    }
    if (img.computed_geometry) {
        where += "; computed ";
        if (img.geometry) {
            double d = haversine_m({img.geometry->lat, img.geometry->lon},
                                   {img.computed_geometry->lat, img.computed_geometry->lon});
            where += fixed(d, 1) + " m away";
        } else {
            where += fixed(img.computed_geometry->lat, 7) + ", " + fixed(img.computed_geometry->lon, 7);
        }
        if (img.computed_compass_angle) where += ", heading " + fixed(*img.computed_compass_angle, 1);
    } else {
        where += "; not processed (no computed position)";
    }
    lines.push_back(where);
    std::string camera = "  camera " + camera_type_of(img).value_or("(type unknown)");
    if (img.make || img.model) camera += ", " + img.make.value_or("?") + " " + img.model.value_or("?");
    if (img.width && img.height) camera += ", " + std::to_string(*img.width) + "x" + std::to_string(*img.height);
    if (img.exif_orientation) camera += ", orientation " + std::to_string(*img.exif_orientation);
    lines.push_back(camera);
    std::string urls = "  thumbnails:";
    bool any = false;
    for (const char* size : sizes) {
        auto url = img.thumb_url(size);
        if (!url) continue;
        urls += std::string(any ? ", " : " ") + size;
        any = true;
        if (auto e = url_expiry(*url)) urls += std::string(*e <= now ? " (expired " : " (until ") + utc(*e) + ")";
    }
    if (!any) urls += " none";
    lines.push_back(urls);
    auto problems = diagnose(img, now);
    if (problems.empty()) lines.push_back("  downloadable: no problems found");
    for (const auto& p : problems) lines.push_back("  problem " + p.code + ": " + p.message);
    return lines;
}

}  // namespace mapi
