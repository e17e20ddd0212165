// description: the Mapillary image description, the MAP* JSON that
// mapillary_tools puts into a photo's EXIF ImageDescription and into
// mapillary_image_description.json (reference/mapillary-api.md 5.6 and 5.8,
// reference/behaviour.md 1.8).
//
// The format, as mapillary_tools 0.14 writes and validates it:
//   MAPLatitude, MAPLongitude   degrees, rounded to 7 decimals (required)
//   MAPCaptureTime              UTC, "YYYY_MM_DD_HH_MM_SS_mmm" (required)
//   MAPAltitude                 metres, 3 decimals
//   MAPCompassHeading           {"MagneticHeading": h, "TrueHeading": h}, the
//                               same value twice, [0, 360), 3 decimals
//   MAPDeviceMake, MAPDeviceModel, MAPOrientation (EXIF 1..8),
//   MAPFilename                 the base name of the photo
//   MAPSequenceUUID             letters, digits, '_' and '-' (file only)
// JSON text is compact, keys sorted, non-ASCII escaped as \uXXXX, numbers in
// their shortest form: what Python's json.dumps(sort_keys=True,
// separators=(",", ":")) gives, and pure ASCII as EXIF requires.
#pragma once

#include "mapi/records.hpp"
#include "mapi/time.hpp"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>

#include <rapidjson/document.h>

namespace mapi {

// A record that cannot be described; what() says which fields are missing
// or wrong, e.g. 'missing "lat" and "captured_at"'.
struct DescriptionError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The description of one photo, its numbers already rounded.
struct ImageDescription {
    std::string path;  // the record's path, as given
    double lat = 0, lon = 0;
    Instant captured_at;
    std::optional<double> alt;
    std::optional<double> heading;
    std::optional<std::string> make, model;
    std::optional<int> orientation;
    std::optional<std::string> sequence;  // from sequence_id
};

// From the record's path, lat, lon and captured_at (required) and alt,
// heading, make, model, orientation and sequence_id (used when present).
// Throws DescriptionError naming every missing required field, or the first
// field of a wrong type or out of range.
ImageDescription describe_image(const Record& rec);

// "2021_02_13_13_24_41_140": UTC, milliseconds.
std::string format_capture_time(Instant t);

// The object for EXIF ImageDescription: the MAP* keys in sorted order,
// without MAPSequenceUUID (mapillary_tools leaves it out of the EXIF, as the
// sequence is what an upload is made of). Allocated with `alloc`.
rapidjson::Value exif_description(const ImageDescription& d, rapidjson::Document::AllocatorType& alloc);

// Sets the record's "description" field to exif_description(d), in place
// when the record has one, else at the end.
void set_description(Record& rec, const ImageDescription& d);

// Any JSON value as description text: compact, object keys sorted (at every
// depth), non-ASCII as \uXXXX, numbers in shortest round-trip form. Throws
// DescriptionError for a string that is not valid UTF-8.
std::string description_json(const rapidjson::Value& v);

// Streams mapillary_image_description.json: a JSON array of image entries,
// each the MAP* keys (MAPSequenceUUID included) plus "filename" (absolute
// path), "filetype":"image", "filesize" and "md5sum":null (mapillary_tools
// computes it at upload). Errors of the stream are the caller's to check.
class DescriptionFileWriter {
public:
    explicit DescriptionFileWriter(std::FILE* out) : out_(out) {}
    // absolute_path: the photo's resolved path; filesize: its size in bytes.
    void add(const ImageDescription& d, const std::string& absolute_path, std::uint64_t filesize);
    void finish();  // writes the closing bracket (and "[]" when nothing was added)
    std::size_t size() const { return count_; }

private:
    std::FILE* out_;
    std::size_t count_ = 0;
};

}  // namespace mapi
