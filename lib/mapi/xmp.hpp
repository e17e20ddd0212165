// XMP: the few properties mly reads (GPS written by Adobe tools) and the
// GPano tags that make 360 viewers recognise an equirectangular panorama.
// Properties are matched by namespace URI, not by prefix.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mapi {

struct XmpGps {
    std::optional<double> lat, lon;  // signed degrees
    std::optional<double> alt;       // metres, negative below sea level
    std::optional<std::string> datetime_original;  // as stored: exif:DateTimeOriginal, else xmp:CreateDate
};

// Reads exif:GPSLatitude/GPSLongitude ("46.05", "46,3.25N", "46,3,15N"),
// exif:GPSAltitude ("2963/10" or "296.3", with exif:GPSAltitudeRef) and the
// capture time, as attributes or elements of any rdf:Description. Never
// throws: an unparseable packet or value reads as absent.
XmpGps read_xmp(std::string_view xml);

// Returns the packet with the GPano (http://ns.google.com/photos/1.0/panorama/)
// tags of an uncropped equirectangular panorama set on the first
// rdf:Description: ProjectionType, UsePanoramaViewer, FullPano*Pixels,
// CroppedArea*Pixels and, when given, PoseHeadingDegrees (an existing one is
// kept otherwise). Earlier values of these tags, wherever they were, are
// replaced; everything else in the packet is kept. An empty `old_xml` gives a
// new packet. Throws std::invalid_argument for non-positive sizes and
// std::runtime_error("cannot update corrupt XMP: ...") for a packet that does
// not parse or has no rdf:RDF.
std::string set_gpano(std::string_view old_xml, int full_width, int full_height, std::optional<double> heading);

}  // namespace mapi
