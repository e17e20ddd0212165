// XMP reading (GPS, capture time) and the GPano update, checked against
// exiftool on the fixtures that carry XMP.
#include <catch2/catch.hpp>

#include "support.hpp"

#include "mapi/jpeg.hpp"
#include "mapi/xmp.hpp"

#include <pugixml.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

using namespace mapi;
namespace fsys = std::filesystem;
using namespace test_support;

namespace {

std::optional<std::string> packet_of(std::span<const uint8_t> jpeg) {
    auto p = xmp_packet(jpeg, parse_jpeg_header(jpeg));
    return p ? std::optional<std::string>(std::string(*p)) : std::nullopt;
}

// exiftool -j output: tag -> value (numbers in their JSON text).
std::string str(const Tags& t, const std::string& key) {
    auto it = t.find(key);
    return it == t.end() ? "<absent>" : it->second;
}

std::string packet(const std::string& description) {
    return "<?xpacket begin='\xEF\xBB\xBF' id='W5M0MpCehiHzreSzNTczkc9d'?>"
           "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>" +
           description + "</rdf:RDF></x:xmpmeta><?xpacket end='w'?>";
}

// Occurrences of GPano properties named `local` (attributes and elements,
// any prefix bound to the GPano namespace at the root or the element).
struct GpanoView {
    pugi::xml_document doc;
    explicit GpanoView(const std::string& xml) { REQUIRE(doc.load_string(xml.c_str())); }
    std::vector<std::string> values(const std::string& local) {
        std::vector<std::string> v;
        for (pugi::xpath_node n : doc.select_nodes("//*")) {
            pugi::xml_node e = n.node();
            auto gpano_prefix = [&](std::string_view prefix) {
                for (pugi::xml_node a = e; a; a = a.parent())
                    if (auto x = a.attribute(("xmlns:" + std::string(prefix)).c_str()))
                        return std::string_view(x.value()) == "http://ns.google.com/photos/1.0/panorama/";
                return false;
            };
            for (pugi::xml_attribute a : e.attributes()) {
                std::string_view name = a.name();
                auto c = name.find(':');
                if (c != std::string_view::npos && name.substr(c + 1) == local && name.substr(0, c) != "xmlns" &&
                    gpano_prefix(name.substr(0, c)))
                    v.push_back(a.value());
            }
            std::string_view name = e.name();
            auto c = name.find(':');
            if (c != std::string_view::npos && name.substr(c + 1) == local && gpano_prefix(name.substr(0, c)))
                v.push_back(e.child_value());
        }
        return v;
    }
};

}  // namespace

TEST_CASE("read_xmp: decimal and Adobe coordinate forms, any prefix, attributes or elements", "[xmp]") {
    SECTION("attributes, Adobe degrees and decimal minutes") {
        XmpGps g = read_xmp(packet(
            "<rdf:Description rdf:about='' xmlns:exif='http://ns.adobe.com/exif/1.0/' "
            "exif:GPSLatitude='46,3.25N' exif:GPSLongitude='13,30.5W' exif:GPSAltitude='2963/10' "
            "exif:GPSAltitudeRef='1' exif:DateTimeOriginal='2019-07-16T10:26:11.120+02:00'/>"));
        REQUIRE(g.lat);
        CHECK(*g.lat == Approx(46 + 3.25 / 60).margin(1e-12));
        CHECK(*g.lon == Approx(-(13 + 30.5 / 60)).margin(1e-12));
        REQUIRE(g.alt);
        CHECK(*g.alt == Approx(-296.3).margin(1e-12));
        CHECK(g.datetime_original == "2019-07-16T10:26:11.120+02:00");
    }
    SECTION("elements, another prefix, degrees minutes seconds, xmp:CreateDate") {
        XmpGps g = read_xmp(packet(
            "<rdf:Description rdf:about='' xmlns:e='http://ns.adobe.com/exif/1.0/' xmlns:x2='http://ns.adobe.com/xap/1.0/'>"
            "<e:GPSLatitude>33,51,24.4S</e:GPSLatitude><e:GPSLongitude> 151,12,55.1E </e:GPSLongitude>"
            "<e:GPSAltitude>12.5</e:GPSAltitude><x2:CreateDate>2020-01-02T03:04:05</x2:CreateDate>"
            "</rdf:Description>"));
        REQUIRE(g.lat);
        CHECK(*g.lat == Approx(-(33 + 51 / 60.0 + 24.4 / 3600)).margin(1e-12));
        CHECK(*g.lon == Approx(151 + 12 / 60.0 + 55.1 / 3600).margin(1e-12));
        CHECK(g.alt == 12.5);
        CHECK(g.datetime_original == "2020-01-02T03:04:05");
    }
    SECTION("plain signed decimals; DateTimeOriginal wins over CreateDate; any Description") {
        XmpGps g = read_xmp(packet(
            "<rdf:Description rdf:about='' xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmp:CreateDate='2001-01-01'/>"
            "<rdf:Description rdf:about='' xmlns:exif='http://ns.adobe.com/exif/1.0/' "
            "exif:GPSLatitude='-12.5' exif:GPSLongitude='+100.25' exif:DateTimeOriginal='2002-02-02'/>"));
        CHECK(g.lat == -12.5);
        CHECK(g.lon == 100.25);
        CHECK_FALSE(g.alt);
        CHECK(g.datetime_original == "2002-02-02");
    }
    SECTION("the exif prefix bound to another namespace is not EXIF") {
        XmpGps g = read_xmp(packet("<rdf:Description rdf:about='' xmlns:exif='http://example.com/not-exif/' "
                                   "exif:GPSLatitude='10' exif:GPSLongitude='20'/>"));
        CHECK_FALSE(g.lat);
        CHECK_FALSE(g.lon);
    }
    SECTION("bad values and bad packets read as absent") {
        for (const char* lat : {"91", "46,3.25X", "46,3.25E", "abc", "", "1,2,3,4N", "-46,3N", "nan", "46,,3N"}) {
            INFO(lat);
            XmpGps g = read_xmp(packet(std::string("<rdf:Description xmlns:exif='http://ns.adobe.com/exif/1.0/' "
                                                   "exif:GPSLatitude='") +
                                       lat + "' exif:GPSLongitude='10'/>"));
            CHECK_FALSE(g.lat);
            CHECK_FALSE(g.lon);  // half a position is none
        }
        XmpGps z = read_xmp(packet("<rdf:Description xmlns:exif='http://ns.adobe.com/exif/1.0/' "
                                   "exif:GPSAltitude='10/0'/>"));
        CHECK_FALSE(z.alt);
        CHECK_FALSE(read_xmp("").lat);
        CHECK_FALSE(read_xmp("<unclosed").lat);
        CHECK_FALSE(read_xmp(std::string(5000, '<')).lat);
        // Deep nesting must not exhaust the stack.
        std::string deep;
        for (int i = 0; i < 100000; ++i) deep += "<a>";
        CHECK_FALSE(read_xmp(deep).lat);
        // NUL padding after the packet is tolerated.
        std::string padded = packet("<rdf:Description xmlns:exif='http://ns.adobe.com/exif/1.0/' "
                                    "exif:GPSLatitude='1' exif:GPSLongitude='2'/>") +
                             std::string(100, '\0');
        CHECK(read_xmp(padded).lat == 1);
    }
}

TEST_CASE("read_xmp on the fixtures", "[xmp][fixtures]") {
    auto files = fixture_files();
    if (files.empty()) {
        WARN("fixtures not found at " << fixture_images() << ": skipped");
        return;
    }
    SECTION("GPS only in XMP, Adobe form (values as exiftool -n reads them)") {
        auto p = packet_of(slurp(fixture_images() / "mt_adobe_coords.jpg"));
        REQUIRE(p);
        XmpGps g = read_xmp(*p);
        REQUIRE(g.lat);
        CHECK(*g.lat == Approx(-0.0702668333333333).margin(1e-12));  // "0,4.21601S"
        CHECK(*g.lon == Approx(34.3819351666667).margin(1e-12));     // "34,22.91611E"
        REQUIRE(g.alt);
        CHECK(*g.alt == Approx(1361.69).margin(1e-9));  // "136169/100"
        CHECK(g.datetime_original == "2019-07-16T10:26:11");  // xmp:CreateDate
    }
    SECTION("agrees with exiftool wherever there is XMP") {
        std::vector<std::string> with_xmp;
        for (const auto& f : files)
            if (packet_of(slurp(f))) with_xmp.push_back(f.string());
        CHECK(with_xmp.size() >= 10);
        for (const auto& f : with_xmp) CHECK_NOTHROW(read_xmp(*packet_of(slurp(f))));
        if (!have_exiftool()) {
            WARN("exiftool not installed: skipped the comparison");
            return;
        }
        auto ref = exiftool_json(with_xmp, "-n -G1 -XMP-exif:all");
        for (const auto& f : with_xmp) {
            INFO(f);
            const Tags& t = ref.at(f);
            XmpGps g = read_xmp(*packet_of(slurp(f)));
            if (t.count("XMP-exif:GPSLatitude") && t.count("XMP-exif:GPSLongitude")) {
                REQUIRE(g.lat);
                CHECK(*g.lat == Approx(std::stod(str(t, "XMP-exif:GPSLatitude"))).margin(1e-9));
                CHECK(*g.lon == Approx(std::stod(str(t, "XMP-exif:GPSLongitude"))).margin(1e-9));
            } else {
                CHECK_FALSE(g.lat);
            }
        }
    }
}

TEST_CASE("set_gpano on synthetic packets", "[xmp]") {
    SECTION("from nothing") {
        std::string x = set_gpano("", 5760, 2880, 90.5);
        GpanoView v(x);
        CHECK(v.values("ProjectionType") == std::vector<std::string>{"equirectangular"});
        CHECK(v.values("UsePanoramaViewer") == std::vector<std::string>{"True"});
        CHECK(v.values("FullPanoWidthPixels") == std::vector<std::string>{"5760"});
        CHECK(v.values("FullPanoHeightPixels") == std::vector<std::string>{"2880"});
        CHECK(v.values("CroppedAreaImageWidthPixels") == std::vector<std::string>{"5760"});
        CHECK(v.values("CroppedAreaImageHeightPixels") == std::vector<std::string>{"2880"});
        CHECK(v.values("CroppedAreaLeftPixels") == std::vector<std::string>{"0"});
        CHECK(v.values("CroppedAreaTopPixels") == std::vector<std::string>{"0"});
        CHECK(v.values("PoseHeadingDegrees") == std::vector<std::string>{"90.5"});
        CHECK(x.starts_with("<?xpacket begin="));
        CHECK(x.find("<?xpacket end=") != std::string::npos);
        // No heading: no PoseHeadingDegrees. Headings are normalised.
        CHECK(GpanoView(set_gpano("", 100, 50, std::nullopt)).values("PoseHeadingDegrees").empty());
        CHECK(GpanoView(set_gpano("", 100, 50, -90.0)).values("PoseHeadingDegrees") == std::vector<std::string>{"270"});
    }
    SECTION("old values are replaced wherever they were; everything else stays") {
        std::string old = packet(
            "<rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/' dc:format='image/jpeg'>"
            "<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>A &amp; B &lt;title&gt;</rdf:li></rdf:Alt></dc:title>"
            "</rdf:Description>"
            "<!-- keep me -->"
            "<rdf:Description rdf:about='' xmlns:G='http://ns.google.com/photos/1.0/panorama/' "
            "G:ProjectionType='cylindrical' G:InitialViewHeadingDegrees='10'>"
            "\n  <G:FullPanoWidthPixels>1</G:FullPanoWidthPixels>\n  <G:PoseHeadingDegrees>33</G:PoseHeadingDegrees>\n"
            "</rdf:Description>");
        std::string x = set_gpano(old, 4000, 2000, std::nullopt);
        GpanoView v(x);
        CHECK(v.values("ProjectionType") == std::vector<std::string>{"equirectangular"});
        CHECK(v.values("FullPanoWidthPixels") == std::vector<std::string>{"4000"});
        CHECK(v.values("PoseHeadingDegrees") == std::vector<std::string>{"33"});  // kept: no new heading
        CHECK(v.values("InitialViewHeadingDegrees") == std::vector<std::string>{"10"});  // not ours: kept
        CHECK(x.find("A &amp; B &lt;title&gt;") != std::string::npos);
        CHECK(x.find("dc:format=\"image/jpeg\"") != std::string::npos);
        CHECK(x.find("<!-- keep me -->") != std::string::npos);
        CHECK(x.find("<?xpacket end=") != std::string::npos);
        // A heading replaces the old one.
        GpanoView h(set_gpano(old, 4000, 2000, 12.25));
        CHECK(h.values("PoseHeadingDegrees") == std::vector<std::string>{"12.25"});
        // Applying it twice changes nothing more.
        std::string once = set_gpano(old, 4000, 2000, 12.25);
        CHECK(set_gpano(once, 4000, 2000, 12.25) == once);
    }
    SECTION("a GPano prefix taken by another namespace") {
        std::string old = packet("<rdf:Description rdf:about='' xmlns:GPano='http://example.com/other/' "
                                 "GPano:ProjectionType='mine'/>");
        std::string x = set_gpano(old, 10, 5, std::nullopt);
        GpanoView v(x);
        CHECK(v.values("ProjectionType") == std::vector<std::string>{"equirectangular"});
        CHECK(x.find("GPano:ProjectionType=\"mine\"") != std::string::npos);
    }
    SECTION("a GPano prefix used but never declared (malformed): not reused, no duplicate attribute") {
        // Declaring xmlns:GPano here would bind the stray names to the GPano
        // namespace, and appending GPano:ProjectionType would repeat an
        // attribute name, which no XML parser accepts.
        std::string old = packet("<rdf:Description rdf:about='' GPano:ProjectionType='stray'>"
                                 "<GPano:PoseHeadingDegrees>7</GPano:PoseHeadingDegrees></rdf:Description>");
        std::string x = set_gpano(old, 10, 5, 1.5);
        pugi::xml_document doc;
        REQUIRE(doc.load_string(x.c_str()));
        pugi::xml_node d = doc.select_node("//rdf:Description").node();
        std::set<std::string> names;
        for (pugi::xml_attribute a : d.attributes()) CHECK(names.insert(a.name()).second);
        CHECK(d.attribute("GPano:ProjectionType").value() == std::string("stray"));
        CHECK_FALSE(d.attribute("xmlns:GPano"));
        GpanoView v(x);
        CHECK(v.values("ProjectionType") == std::vector<std::string>{"equirectangular"});
        CHECK(v.values("PoseHeadingDegrees") == std::vector<std::string>{"1.5"});
    }
    SECTION("an rdf:RDF without a Description gets one") {
        std::string x = set_gpano(packet(""), 10, 5, std::nullopt);
        CHECK(GpanoView(x).values("FullPanoHeightPixels") == std::vector<std::string>{"5"});
    }
    SECTION("errors") {
        CHECK_THROWS_AS(set_gpano("", 0, 10, std::nullopt), std::invalid_argument);
        CHECK_THROWS_AS(set_gpano("", 10, 10, NAN), std::invalid_argument);
        CHECK_THROWS_WITH(set_gpano("<x:xmpmeta", 10, 10, std::nullopt), Catch::StartsWith("cannot update corrupt XMP"));
        CHECK_THROWS_WITH(set_gpano("<a><b/></a>", 10, 10, std::nullopt), Catch::Contains("no rdf:RDF"));
    }
}

TEST_CASE("set_gpano on the fixtures, checked with exiftool", "[xmp][fixtures][exiftool]") {
    auto files = fixture_files();
    if (files.empty()) {
        WARN("fixtures not found: skipped");
        return;
    }
    TempDir tmp;
    std::vector<std::string> ins, outs;
    for (const auto& f : files) {
        Bytes in = slurp(f);
        JpegLayout l = parse_jpeg_header(in);
        auto old = xmp_packet(in, l);
        // Every XMP packet, and one file without XMP.
        if (!old && f.filename() != "mt_noexif.jpg") continue;
        INFO(f.filename().string());
        std::string x;
        REQUIRE_NOTHROW(x = set_gpano(old ? *old : std::string_view{}, l.width, l.height, 123.5));
        Bytes out = splice_metadata(in, std::nullopt, x);
        const size_t so = scan_data_offset(out);
        CHECK(std::equal(in.begin() + long(l.scan_offset), in.end(), out.begin() + long(so), out.end()));
        // The packet reads the same for read_xmp.
        if (old) {
            XmpGps a = read_xmp(*old), b = read_xmp(x);
            CHECK(a.lat == b.lat);
            CHECK(a.datetime_original == b.datetime_original);
        }
        ins.push_back(f.string());
        outs.push_back((tmp.path / f.filename()).string());
        spit(outs.back(), out);
    }
    REQUIRE(ins.size() >= 10);
    if (!have_exiftool()) {
        WARN("exiftool not installed: skipped the exiftool comparison");
        return;
    }
    auto before = exiftool_json(ins, "-G1 -n -b -XMP:all");
    auto after = exiftool_json(outs, "-G1 -n -b -XMP:all");
    REQUIRE(after.size() == outs.size());
    for (size_t i = 0; i < ins.size(); ++i) {
        INFO(ins[i]);
        const Tags& b = before.at(ins[i]);
        const Tags& a = after.at(outs[i]);
        // Every XMP tag but the GPano ones set here keeps its value.
        for (const auto& [key, value] : b) {
            if (key == "SourceFile" || key.starts_with("XMP-GPano:") || key.starts_with("ExifTool:")) continue;
            INFO(key);
            CHECK(str(a, key) == value);
        }
        CHECK(str(a, "XMP-GPano:ProjectionType") == "equirectangular");
        CHECK(str(a, "XMP-GPano:UsePanoramaViewer") == "true");  // "True" read as a JSON boolean
        CHECK(str(a, "XMP-GPano:PoseHeadingDegrees") == "123.5");
        const Tags& t = a;
        CHECK(str(t, "XMP-GPano:CroppedAreaLeftPixels") == "0");
        CHECK(str(t, "XMP-GPano:CroppedAreaTopPixels") == "0");
        CHECK(str(t, "XMP-GPano:FullPanoWidthPixels") == str(t, "XMP-GPano:CroppedAreaImageWidthPixels"));
        CHECK(str(t, "XMP-GPano:FullPanoHeightPixels") == str(t, "XMP-GPano:CroppedAreaImageHeightPixels"));
        CHECK(str(t, "XMP-GPano:FullPanoWidthPixels") != "<absent>");
    }
}
