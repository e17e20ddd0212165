// gpx: see mapi/gpx.hpp.
#include "mapi/gpx.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <pugixml.hpp>

#include "mapi/geo.hpp"

namespace mapi {

namespace {

constexpr std::string_view kSpace = " \t\r\n";

std::string_view trim(std::string_view s) {
    auto b = s.find_first_not_of(kSpace);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}

// "gpx:trkpt" -> "trkpt": namespaces are told apart by local name only.
std::string_view local_name(const pugi::xml_node& n) {
    std::string_view s = n.name();
    auto colon = s.rfind(':');
    return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

std::string_view text_of(const pugi::xml_node& n) { return trim(n.text().get()); }

// xsd:decimal/xsd:double as GPX writes them: an optional sign, digits, an
// optional exponent. No "nan", "inf" or hex, and the whole text must be used.
std::optional<double> parse_number(std::string_view s) {
    s = trim(s);
    if (s.starts_with('+')) {
        s.remove_prefix(1);  // from_chars takes no '+'
        if (s.starts_with('-')) return std::nullopt;
    }
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
    if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

// GPX times are UTC by definition; some writers leave the "Z" out.
std::optional<Instant> parse_gpx_time(std::string_view s) {
    s = trim(s);
    if (auto t = parse_rfc3339(s)) return t;
    return parse_rfc3339(std::string(s) + "Z");
}

// The encoding named in the XML declaration, if any.
std::string_view declared_encoding(std::string_view xml) {
    if (!xml.starts_with("<?xml")) return {};
    auto end = xml.find("?>");
    if (end == std::string_view::npos) return {};
    std::string_view decl = xml.substr(0, end);
    auto at = decl.find("encoding");
    if (at == std::string_view::npos) return {};
    auto q = decl.find_first_of("\"'", at);
    if (q == std::string_view::npos) return {};
    auto q2 = decl.find(decl[q], q + 1);
    if (q2 == std::string_view::npos) return {};
    return decl.substr(q + 1, q2 - q - 1);
}

std::string latin1_to_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size() + s.size() / 8);
    for (unsigned char c : s) {
        if (c < 0x80) {
            out += char(c);
        } else {
            out += char(0xC0 | (c >> 6));
            out += char(0x80 | (c & 0x3F));
        }
    }
    return out;
}

// Byte offset -> line number. Offsets are asked for mostly in document order,
// so the count carries on from the last answer instead of starting over: one
// pass over the text for the whole document.
class LineCounter {
public:
    explicit LineCounter(std::string_view text) : text_(text) {}

    std::size_t line_at(std::size_t offset) {
        offset = std::min(offset, text_.size());
        if (offset < pos_) {
            pos_ = 0;
            line_ = 1;
        }
        line_ += std::count(text_.data() + pos_, text_.data() + offset, '\n');
        pos_ = offset;
        return line_;
    }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
};

class Reader {
public:
    // `lines_known` is false when pugixml converted the text to another
    // encoding, so its offsets do not match `text`.
    Reader(std::string_view text, const std::string& source, bool lines_known)
        : lines_(text), source_(source), lines_known_(lines_known) {}

    std::size_t line_of(const pugi::xml_node& n) {
        std::ptrdiff_t off = n.offset_debug();
        if (!lines_known_ || off < 0) return 0;
        return lines_.line_at(static_cast<std::size_t>(off));
    }

    [[noreturn]] void fail(const pugi::xml_node& n, const std::string& message) {
        throw GpxError(source_, line_of(n), message);
    }

    void read(const pugi::xml_node& root, GpxData& out) {
        for (pugi::xml_node c : root.children()) {
            if (c.type() != pugi::node_element) continue;
            std::string_view name = local_name(c);
            if (name == "wpt") {
                out.waypoints.push_back(read_point(c));
            } else if (name == "rte") {
                out.routes.push_back(read_route(c));
            } else if (name == "trk") {
                out.tracks.push_back(read_track(c));
            }
        }
    }

private:
    Track read_track(const pugi::xml_node& trk) {
        Track t;
        for (pugi::xml_node c : trk.children()) {
            if (c.type() != pugi::node_element) continue;
            std::string_view name = local_name(c);
            if (name == "name") {
                t.name = text_of(c);
            } else if (name == "trkseg") {
                TrackSegment& s = t.segments.emplace_back();
                for (pugi::xml_node p : c.children()) {
                    if (p.type() == pugi::node_element && local_name(p) == "trkpt") s.points.push_back(read_point(p));
                }
            }
        }
        return t;
    }

    Track read_route(const pugi::xml_node& rte) {
        Track t;
        TrackSegment& s = t.segments.emplace_back();
        for (pugi::xml_node c : rte.children()) {
            if (c.type() != pugi::node_element) continue;
            std::string_view name = local_name(c);
            if (name == "name") {
                t.name = text_of(c);
            } else if (name == "rtept") {
                s.points.push_back(read_point(c));
            }
        }
        return t;
    }

    double coordinate(const pugi::xml_node& pt, const char* attr, const char* what, double limit) {
        pugi::xml_attribute a = pt.attribute(attr);
        if (!a) fail(pt, std::string("<") + pt.name() + "> has no " + attr + " attribute");
        std::string_view text = trim(a.value());
        auto v = parse_number(text);
        if (!v) fail(pt, std::string("bad ") + what + " '" + a.value() + "'");
        if (*v < -limit || *v > limit) fail(pt, std::string(what) + " " + std::string(text) + " out of range");
        return *v;
    }

    TrackPoint read_point(const pugi::xml_node& pt) {
        TrackPoint p;
        p.line = line_of(pt);
        p.lat = coordinate(pt, "lat", "latitude", 90);
        p.lon = coordinate(pt, "lon", "longitude", 180);
        std::optional<double> heading_ext, course_ext;
        for (pugi::xml_node c : pt.children()) {
            if (c.type() != pugi::node_element) continue;
            std::string_view name = local_name(c);
            if (name == "ele") {
                std::string_view t = text_of(c);
                if (t.empty()) continue;
                p.ele = parse_number(t);
                if (!p.ele) fail(c, "bad elevation '" + std::string(t) + "'");
            } else if (name == "time") {
                std::string_view t = text_of(c);
                if (t.empty()) continue;
                p.time = parse_gpx_time(t);
                if (!p.time) fail(c, "bad time '" + std::string(t) + "'");
            } else if (name == "course") {
                std::string_view t = text_of(c);
                if (t.empty()) continue;
                p.course = parse_number(t);
                if (!p.course) fail(c, "bad course '" + std::string(t) + "'");
                p.course = normalize_deg(*p.course);
            } else if (name == "name") {
                p.name = std::string(text_of(c));
            } else if (name == "extensions") {
                find_heading(c, heading_ext, course_ext);
            }
        }
        if (!p.course) {
            if (heading_ext) {
                p.course = normalize_deg(*heading_ext);
            } else if (course_ext) {
                p.course = normalize_deg(*course_ext);
            }
        }
        return p;
    }

    // The first "heading" and the first "course" anywhere below <extensions>.
    static void find_heading(const pugi::xml_node& ext, std::optional<double>& heading, std::optional<double>& course) {
        for (pugi::xml_node c : ext.children()) {
            if (c.type() != pugi::node_element) continue;
            std::string_view name = local_name(c);
            if (name == "heading" && !heading) {
                heading = parse_number(c.text().get());
            } else if (name == "course" && !course) {
                course = parse_number(c.text().get());
            } else {
                find_heading(c, heading, course);
            }
        }
    }

    LineCounter lines_;
    const std::string& source_;
    bool lines_known_;
};

// Text XML 1.0 can carry: escapes markup characters, keeps valid UTF-8 and
// turns controls and invalid bytes into U+FFFD. In attributes, tab and line
// breaks become character references so parsers do not fold them to spaces.
void append_escaped(std::string& out, std::string_view s, bool attribute) {
    static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
    const auto* b = reinterpret_cast<const unsigned char*>(s.data());
    std::size_t n = s.size();
    for (std::size_t i = 0; i < n;) {
        unsigned char c = b[i];
        if (c < 0x80) {
            switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            case '\r': out += "&#13;"; break;
            case '\t': out += attribute ? "&#9;" : "\t"; break;
            case '\n': out += attribute ? "&#10;" : "\n"; break;
            default:
                if (c < 0x20) {
                    out += kReplacement;
                } else {
                    out += char(c);
                }
            }
            ++i;
            continue;
        }
        std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
        char32_t cp = len == 4 ? c & 0x07 : len == 3 ? c & 0x0F : c & 0x1F;
        bool ok = len != 0 && i + len <= n;
        for (std::size_t k = 1; ok && k < len; ++k) {
            ok = (b[i + k] & 0xC0) == 0x80;
            cp = (cp << 6) | (b[i + k] & 0x3F);
        }
        // Overlong forms, surrogates, beyond U+10FFFF, and U+FFFE/U+FFFF
        // (not XML characters) are refused.
        static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        ok = ok && cp >= kMin[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) && cp != 0xFFFE &&
             cp != 0xFFFF;
        if (ok) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += kReplacement;
            ++i;
        }
    }
}

void append_fixed(std::string& out, double v, int decimals) {
    // 320 digits hold any finite double in fixed notation (1e308 and its
    // decimals), so an absurd but finite elevation is written, not refused.
    char buf[400];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
    if (ec != std::errc{}) throw std::invalid_argument("GpxWriter: number too large");
    out.append(buf, end);
}

// The schema's longitude is [-180, 180): 180 is written as the same meridian,
// -180, also when rounding to 9 decimals would make it 180.
void append_lon(std::string& out, double lon) {
    if (lon >= 180 - 5e-10) lon -= 360;
    append_fixed(out, lon, 9);
}

// Bounds cannot wrap like a point (maxlon -180 would be west of minlon), so an
// edge at 180 is written 0.1 mm short of it.
void append_bound_lon(std::string& out, double lon) {
    append_fixed(out, std::min(lon, 179.999999999), 9);
}

// Write errors are sticky in the FILE, so end() checks them once.
void put(std::FILE* f, std::string_view s) { std::fwrite(s.data(), 1, s.size(), f); }

void append_element(std::string& out, const char* indent, const char* tag, std::string_view text) {
    out += indent;
    out += '<';
    out += tag;
    out += '>';
    append_escaped(out, text, false);
    out += "</";
    out += tag;
    out += ">\n";
}

}  // namespace

GpxError::GpxError(std::string file, std::size_t line, const std::string& message)
    : std::runtime_error(file + (line ? ":" + std::to_string(line) : std::string()) + ": " + message),
      file_(std::move(file)),
      line_(line) {}

GpxData parse_gpx(std::string_view xml, const std::string& source_name) {
    // pugixml reads Latin-1 too, but converting inside it would leave its
    // offsets out of step with the text, and so the line numbers.
    std::string converted;
    if (!xml.starts_with("\xEF\xBB\xBF")) {
        std::string_view enc = declared_encoding(xml);
        if (iequals(enc, "ISO-8859-1") || iequals(enc, "latin1") || iequals(enc, "ISO_8859-1")) {
            converted = latin1_to_utf8(xml);
            xml = converted;
        }
    }
    bool forced_utf8 = !converted.empty();
    pugi::xml_document doc;
    pugi::xml_parse_result result = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default,
                                                    forced_utf8 ? pugi::encoding_utf8 : pugi::encoding_auto);
    bool lines_known = forced_utf8 || result.encoding == pugi::encoding_utf8;
    LineCounter lines(xml);
    if (!result) {
        std::size_t line = lines_known ? lines.line_at(static_cast<std::size_t>(result.offset)) : 0;
        if (result.status == pugi::status_no_document_element)
            throw GpxError(source_name, 0, "not a GPX document (no root element)");
        throw GpxError(source_name, line, std::string("malformed XML: ") + result.description());
    }
    Reader reader(xml, source_name, lines_known);
    pugi::xml_node root;
    for (pugi::xml_node c : doc.children()) {
        if (c.type() != pugi::node_element) continue;
        if (root) reader.fail(c, "malformed XML: a second root element <" + std::string(c.name()) + ">");
        root = c;
    }
    if (local_name(root) != "gpx")
        throw GpxError(source_name, 0, "not a GPX document (root element is <" + std::string(root.name()) + ">)");
    GpxData out;
    out.source = source_name;
    reader.read(root, out);
    return out;
}

GpxData read_gpx(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw GpxError(path, 0, std::string("cannot open: ") + std::strerror(errno));
    std::string text;
    char buf[1 << 16];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    bool failed = std::ferror(f);
    int err = errno;
    std::fclose(f);
    if (failed) throw GpxError(path, 0, std::string("cannot read: ") + std::strerror(err));
    return parse_gpx(text, path);
}

void Bounds::include(double lat, double lon) {
    minlat = std::min(minlat, lat);
    minlon = std::min(minlon, lon);
    maxlat = std::max(maxlat, lat);
    maxlon = std::max(maxlon, lon);
}

void Bounds::include(const Bounds& o) {
    include(o.minlat, o.minlon);
    include(o.maxlat, o.maxlon);
}

std::optional<Bounds> bounds_of(const GpxData& gpx) {
    std::optional<Bounds> b;
    auto add = [&](const TrackPoint& p) {
        if (b) {
            b->include(p.lat, p.lon);
        } else {
            b = Bounds{p.lat, p.lon, p.lat, p.lon};
        }
    };
    for (const auto* tracks : {&gpx.tracks, &gpx.routes})
        for (const Track& t : *tracks)
            for (const TrackSegment& s : t.segments)
                for (const TrackPoint& p : s.points) add(p);
    for (const TrackPoint& p : gpx.waypoints) add(p);
    return b;
}

std::vector<TimedPoint> timed_track_points(const std::vector<GpxData>& files) {
    std::vector<TimedPoint> out;
    std::size_t segment = 0;
    for (const GpxData& gpx : files) {
        for (const Track& t : gpx.tracks) {
            for (const TrackSegment& s : t.segments) {
                for (const TrackPoint& p : s.points)
                    if (p.time) out.push_back({p, segment});
                ++segment;
            }
        }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const TimedPoint& a, const TimedPoint& b) { return *a.point.time < *b.point.time; });
    return out;
}

std::vector<TimedPoint> timed_track_points(const GpxData& gpx) {
    // One copy of the points either way; the vector overload does the work.
    return timed_track_points(std::vector<GpxData>{gpx});
}

// --- GpxWriter ---

GpxWriter::GpxWriter(std::FILE* out, std::string creator) : out_(out), creator_(std::move(creator)) {}

void GpxWriter::expect(bool ok, const char* call) {
    if (!ok) throw std::logic_error(std::string("GpxWriter::") + call + " called out of order");
}

void GpxWriter::begin(const GpxMetadata& m) {
    expect(state_ == State::Start, "begin");
    std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"";
    append_escaped(s, creator_, true);
    s += "\"\n  xmlns=\"http://www.topografix.com/GPX/1/1\"\n"
         "  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
         "  xmlns:mly=\"";
    s += kMlyGpxNamespace;
    s += "\"\n  xsi:schemaLocation=\"http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd\">\n";
    if (m.name || m.time || m.bounds) {
        s += "  <metadata>\n";
        if (m.name) append_element(s, "    ", "name", *m.name);
        if (m.time) append_element(s, "    ", "time", format_rfc3339_utc(*m.time));
        if (m.bounds) {
            const Bounds& b = *m.bounds;
            s += "    <bounds minlat=\"";
            append_fixed(s, b.minlat, 9);
            s += "\" minlon=\"";
            append_bound_lon(s, b.minlon);
            s += "\" maxlat=\"";
            append_fixed(s, b.maxlat, 9);
            s += "\" maxlon=\"";
            append_bound_lon(s, b.maxlon);
            s += "\"/>\n";
        }
        s += "  </metadata>\n";
    }
    put(out_, s);
    state_ = State::Waypoints;
}

void GpxWriter::write_point(const char* element, const TrackPoint& p, const char* indent) {
    if (!valid_lat(p.lat) || !valid_lon(p.lon))
        throw std::invalid_argument("GpxWriter: latitude or longitude out of range");
    std::string s = indent;
    s += '<';
    s += element;
    s += " lat=\"";
    append_fixed(s, p.lat, 9);
    s += "\" lon=\"";
    append_lon(s, p.lon);
    s += '"';
    bool ele = p.ele && std::isfinite(*p.ele);
    bool course = p.course && std::isfinite(*p.course);
    if (!ele && !p.time && !p.name && !course) {
        s += "/>\n";
        put(out_, s);
        return;
    }
    s += ">\n";
    std::string inner = std::string(indent) + "  ";
    if (ele) {
        s += inner + "<ele>";
        append_fixed(s, *p.ele, 3);
        s += "</ele>\n";
    }
    if (p.time) append_element(s, inner.c_str(), "time", format_rfc3339_utc(*p.time));
    if (p.name) append_element(s, inner.c_str(), "name", *p.name);
    if (course) {
        s += inner + "<extensions>\n" + inner + "  <mly:heading>";
        // Rounded before normalising, so 359.9996 is written 0.000, not 360.000.
        append_fixed(s, normalize_deg(std::round(*p.course * 1000) / 1000), 3);
        s += "</mly:heading>\n" + inner + "</extensions>\n";
    }
    s += indent;
    s += "</";
    s += element;
    s += ">\n";
    put(out_, s);
}

void GpxWriter::waypoint(const TrackPoint& p) {
    expect(state_ == State::Waypoints, "waypoint");
    write_point("wpt", p, "  ");
}

void GpxWriter::begin_route(const std::string& name) {
    expect(state_ == State::Waypoints || state_ == State::Routes, "begin_route");
    std::string s = "  <rte>\n";
    if (!name.empty()) append_element(s, "    ", "name", name);
    put(out_, s);
    state_ = State::Route;
}

void GpxWriter::route_point(const TrackPoint& p) {
    expect(state_ == State::Route, "route_point");
    write_point("rtept", p, "    ");
}

void GpxWriter::end_route() {
    expect(state_ == State::Route, "end_route");
    put(out_, "  </rte>\n");
    state_ = State::Routes;
}

void GpxWriter::begin_track(const std::string& name) {
    expect(state_ == State::Waypoints || state_ == State::Routes || state_ == State::Tracks, "begin_track");
    std::string s = "  <trk>\n";
    if (!name.empty()) append_element(s, "    ", "name", name);
    put(out_, s);
    state_ = State::Track;
}

void GpxWriter::begin_segment() {
    expect(state_ == State::Track, "begin_segment");
    put(out_, "    <trkseg>\n");
    state_ = State::Segment;
}

void GpxWriter::point(const TrackPoint& p) {
    expect(state_ == State::Segment, "point");
    write_point("trkpt", p, "      ");
}

void GpxWriter::end_segment() {
    expect(state_ == State::Segment, "end_segment");
    put(out_, "    </trkseg>\n");
    state_ = State::Track;
}

void GpxWriter::end_track() {
    expect(state_ == State::Track, "end_track");
    put(out_, "  </trk>\n");
    state_ = State::Tracks;
}

void GpxWriter::end() {
    expect(state_ == State::Waypoints || state_ == State::Routes || state_ == State::Tracks, "end");
    put(out_, "</gpx>\n");
    state_ = State::Done;
    if (std::fflush(out_) != 0 || std::ferror(out_))
        throw std::runtime_error(std::string("cannot write GPX output: ") + std::strerror(errno));
}

}  // namespace mapi
