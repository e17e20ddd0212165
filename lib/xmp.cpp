// XMP through pugixml. pugixml knows nothing of XML namespaces, so names are
// resolved here by looking up the xmlns:prefix declarations in scope: XMP
// writers are free to pick any prefix for a namespace.
#include "mapi/xmp.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace mapi {

namespace {

constexpr std::string_view NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr std::string_view NS_EXIF = "http://ns.adobe.com/exif/1.0/";
constexpr std::string_view NS_XMP = "http://ns.adobe.com/xap/1.0/";
constexpr std::string_view NS_GPANO = "http://ns.google.com/photos/1.0/panorama/";

std::string_view trim(std::string_view s) {
    const char* ws = " \t\r\n";
    size_t b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

struct QName {
    std::string_view prefix, local;
};

QName split(const char* name) {
    std::string_view n(name);
    size_t c = n.find(':');
    if (c == std::string_view::npos) return {{}, n};
    return {n.substr(0, c), n.substr(c + 1)};
}

// The namespace URI `prefix` stands for at element `e` ("" when unbound; the
// empty prefix means the default namespace).
std::string_view resolve(pugi::xml_node e, std::string_view prefix) {
    const std::string attr = prefix.empty() ? std::string("xmlns") : "xmlns:" + std::string(prefix);
    for (; e && e.type() == pugi::node_element; e = e.parent())
        if (pugi::xml_attribute a = e.attribute(attr.c_str())) return a.value();
    return {};
}

// Whether the element `e` is uri:local.
bool element_is(pugi::xml_node e, std::string_view uri, std::string_view local) {
    QName q = split(e.name());
    return q.local == local && resolve(e, q.prefix) == uri;
}

// Whether attribute `a` of element `e` is uri:local. Unprefixed attributes
// are in no namespace.
bool attribute_is(pugi::xml_node e, pugi::xml_attribute a, std::string_view uri, std::string_view local) {
    QName q = split(a.name());
    return !q.prefix.empty() && q.local == local && resolve(e, q.prefix) == uri;
}

std::optional<double> number(std::string_view s) {
    s = trim(s);
    if (!s.empty() && s[0] == '+') s.remove_prefix(1);
    double v;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

// "46.05", "-46.05", "46,3.25N" (Adobe: degrees, decimal minutes, reference)
// or "46,3,15N" (degrees, minutes, seconds).
std::optional<double> coordinate(std::string_view s, char pos, char neg, double limit) {
    s = trim(s);
    if (s.empty()) return std::nullopt;
    double sign = 1;
    const char last = char(std::toupper(static_cast<unsigned char>(s.back())));
    const bool has_ref = last >= 'A' && last <= 'Z';
    if (has_ref) {
        if (last == neg) sign = -1;
        else if (last != pos) return std::nullopt;
        s.remove_suffix(1);
    }
    double v = 0, scale = 1;
    int parts = 0;
    for (;;) {
        size_t c = s.find(',');
        auto x = number(s.substr(0, c));
        if (!x || ++parts > 3) return std::nullopt;
        // Only a plain decimal without a reference letter may carry a sign.
        if (*x < 0 && (has_ref || c != std::string_view::npos || parts > 1)) return std::nullopt;
        v += *x / scale;
        scale *= 60;
        if (c == std::string_view::npos) break;
        s.remove_prefix(c + 1);
    }
    v *= sign;
    if (!(std::fabs(v) <= limit)) return std::nullopt;
    return v;
}

// "2963/10" or "296.3".
std::optional<double> rational(std::string_view s) {
    size_t slash = s.find('/');
    if (slash == std::string_view::npos) return number(s);
    auto n = number(s.substr(0, slash)), d = number(s.substr(slash + 1));
    if (!n || !d || *d == 0) return std::nullopt;
    return *n / *d;
}

// pugixml wants the text without the NUL padding some writers leave.
std::string_view strip_nuls(std::string_view xml) {
    while (!xml.empty() && xml.back() == '\0') xml.remove_suffix(1);
    return xml;
}

struct StringWriter : pugi::xml_writer {
    std::string out;
    void write(const void* data, size_t size) override { out.append(static_cast<const char*>(data), size); }
};

std::string format_number(double v) {
    std::array<char, 32> b;
    auto r = std::to_chars(b.data(), b.data() + b.size(), v);
    return std::string(b.data(), r.ptr);
}

constexpr const char* empty_packet =
    "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
    " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
    "  <rdf:Description rdf:about=\"\"/>\n"
    " </rdf:RDF>\n"
    "</x:xmpmeta>\n"
    "<?xpacket end=\"w\"?>";

}  // namespace

XmpGps read_xmp(std::string_view xml) {
    XmpGps g;
    xml = strip_nuls(xml);
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8)) return g;

    // The first value of each property, from an attribute of an
    // rdf:Description or from a child element of one.
    struct Wanted {
        std::string_view uri, local;
        std::optional<std::string> value;
    };
    std::array<Wanted, 6> w{{{NS_EXIF, "GPSLatitude", {}},
                             {NS_EXIF, "GPSLongitude", {}},
                             {NS_EXIF, "GPSAltitude", {}},
                             {NS_EXIF, "GPSAltitudeRef", {}},
                             {NS_EXIF, "DateTimeOriginal", {}},
                             {NS_XMP, "CreateDate", {}}}};

    // pugixml's traverse is iterative, so deep nesting cannot overflow the stack.
    struct Walker : pugi::xml_tree_walker {
        std::array<Wanted, 6>& w;
        explicit Walker(std::array<Wanted, 6>& w) : w(w) {}
        bool for_each(pugi::xml_node& n) override {
            if (n.type() != pugi::node_element || !element_is(n, NS_RDF, "Description")) return true;
            for (pugi::xml_attribute a : n.attributes())
                for (Wanted& x : w)
                    if (!x.value && attribute_is(n, a, x.uri, x.local)) x.value = a.value();
            for (pugi::xml_node c : n.children())
                if (c.type() == pugi::node_element)
                    for (Wanted& x : w)
                        if (!x.value && element_is(c, x.uri, x.local)) x.value = c.child_value();
            return true;
        }
    } walker(w);
    doc.traverse(walker);

    if (w[0].value && w[1].value) {
        g.lat = coordinate(*w[0].value, 'N', 'S', 90);
        g.lon = coordinate(*w[1].value, 'E', 'W', 180);
        if (!g.lat || !g.lon) g.lat = g.lon = std::nullopt;
    }
    if (w[2].value) {
        g.alt = rational(*w[2].value);
        if (g.alt && w[3].value && trim(*w[3].value) == "1") *g.alt = -*g.alt;
    }
    for (const Wanted* x : {&w[4], &w[5]}) {
        if (g.datetime_original || !x->value) continue;
        if (std::string_view t = trim(*x->value); !t.empty()) g.datetime_original = std::string(t);
    }
    return g;
}

std::string set_gpano(std::string_view old_xml, int full_width, int full_height, std::optional<double> heading) {
    if (full_width <= 0 || full_height <= 0)
        throw std::invalid_argument("invalid panorama size " + std::to_string(full_width) + "x" + std::to_string(full_height));
    if (heading && !std::isfinite(*heading)) throw std::invalid_argument("invalid panorama heading");

    std::string_view src = strip_nuls(old_xml);
    if (trim(src).empty()) src = empty_packet;
    pugi::xml_document doc;
    // Keep everything the packet has (processing instructions such as the
    // xpacket wrapper, comments, white space); parse_wconv_attribute would
    // turn newlines inside attribute values into spaces.
    const unsigned flags = (pugi::parse_full | pugi::parse_ws_pcdata) & ~pugi::parse_wconv_attribute;
    pugi::xml_parse_result res = doc.load_buffer(src.data(), src.size(), flags, pugi::encoding_utf8);
    if (!res) throw std::runtime_error(std::string("cannot update corrupt XMP: ") + res.description());

    // Every rdf:Description, and the rdf:RDF to add one to if there is none.
    struct Walker : pugi::xml_tree_walker {
        std::vector<pugi::xml_node> descriptions;
        pugi::xml_node rdf;
        bool for_each(pugi::xml_node& n) override {
            if (n.type() != pugi::node_element) return true;
            if (element_is(n, NS_RDF, "Description")) descriptions.push_back(n);
            else if (!rdf && element_is(n, NS_RDF, "RDF")) rdf = n;
            return true;
        }
    } walker;
    doc.traverse(walker);
    if (walker.descriptions.empty()) {
        if (!walker.rdf) throw std::runtime_error("cannot update corrupt XMP: no rdf:RDF element");
        const std::string rdf_prefix(split(walker.rdf.name()).prefix);
        const std::string qual = rdf_prefix.empty() ? "" : rdf_prefix + ":";
        pugi::xml_node d = walker.rdf.append_child((qual + "Description").c_str());
        d.append_attribute((qual + "about").c_str()) = "";
        walker.descriptions.push_back(d);
    }

    std::vector<std::pair<std::string_view, std::string>> props = {
        {"ProjectionType", "equirectangular"},
        {"UsePanoramaViewer", "True"},
        {"CroppedAreaImageWidthPixels", std::to_string(full_width)},
        {"CroppedAreaImageHeightPixels", std::to_string(full_height)},
        {"FullPanoWidthPixels", std::to_string(full_width)},
        {"FullPanoHeightPixels", std::to_string(full_height)},
        {"CroppedAreaLeftPixels", "0"},
        {"CroppedAreaTopPixels", "0"},
    };
    if (heading) {
        double h = std::fmod(*heading, 360.0);
        if (h < 0) h += 360;
        props.emplace_back("PoseHeadingDegrees", format_number(h));
    }

    // Drop the old values wherever they are: an XMP property may appear only
    // once, whichever rdf:Description holds it.
    for (pugi::xml_node d : walker.descriptions) {
        std::vector<pugi::xml_attribute> attrs;
        for (pugi::xml_attribute a : d.attributes())
            for (const auto& p : props)
                if (attribute_is(d, a, NS_GPANO, p.first)) attrs.push_back(a);
        for (pugi::xml_attribute a : attrs) d.remove_attribute(a);
        std::vector<pugi::xml_node> kids;
        for (pugi::xml_node c : d.children())
            if (c.type() == pugi::node_element)
                for (const auto& p : props)
                    if (element_is(c, NS_GPANO, p.first)) kids.push_back(c);
        for (pugi::xml_node c : kids) {
            // Take the indentation before the element with it.
            pugi::xml_node ws = c.previous_sibling();
            if (ws.type() == pugi::node_pcdata && trim(ws.value()).empty()) d.remove_child(ws);
            d.remove_child(c);
        }
    }

    // The prefix the GPano namespace has at the first description, declaring
    // one when it has none.
    pugi::xml_node d = walker.descriptions.front();
    std::string prefix;
    for (pugi::xml_node e = d; !prefix.size() && e && e.type() == pugi::node_element; e = e.parent())
        for (pugi::xml_attribute a : e.attributes()) {
            QName q = split(a.name());
            if (q.prefix == "xmlns" && a.value() == NS_GPANO && resolve(d, q.local) == NS_GPANO) {
                prefix = q.local;
                break;
            }
        }
    if (prefix.empty()) {
        // A prefix neither bound here nor used, unbound, by a name in this
        // description (malformed XMP): declaring it would give such names
        // our namespace, and could repeat an attribute name.
        auto used = [&](const std::string& p) {
            const std::string head = p + ":";
            auto uses = [&](pugi::xml_node e) {
                if (std::string_view(e.name()).starts_with(head)) return true;
                for (pugi::xml_attribute a : e.attributes())
                    if (std::string_view(a.name()).starts_with(head)) return true;
                return false;
            };
            if (uses(d)) return true;
            for (pugi::xpath_node n : d.select_nodes(".//*"))
                if (uses(n.node())) return true;
            return false;
        };
        prefix = "GPano";
        for (int i = 1; !resolve(d, prefix).empty() || used(prefix); ++i) prefix = "GPano" + std::to_string(i);
        d.append_attribute(("xmlns:" + prefix).c_str()) = std::string(NS_GPANO).c_str();
    }
    for (const auto& p : props) d.append_attribute((prefix + ":" + std::string(p.first)).c_str()) = p.second.c_str();

    StringWriter out;
    doc.save(out, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
    return std::move(out.out);
}

}  // namespace mapi
