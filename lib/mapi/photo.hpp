// photo: a photo's metadata as record fields, both ways.
//
// scan_photo() reads only the header of a JPEG (up to its scan data) and fills
// the record fields of design section 3; plan_photo_write() turns a record's
// fields into the new bytes of the photo, changing nothing outside the EXIF
// and XMP segments.
#pragma once

#include "mapi/records.hpp"
#include "mapi/time.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace mapi {

struct ScanOptions {
    // The zone of EXIF times that carry no offset. Without it such times are
    // read as UTC and ScanResult::assumed_utc is set, so the tool can warn.
    std::optional<Zone> tz;
};

struct ScanResult {
    bool assumed_utc = false;  // a time without offset was read as UTC
};

// Fills, in this order and only where the photo has them: path, captured_at,
// utc_offset, lat, lon, alt, heading, make, model, width, height,
// orientation, camera_type. Fields already in the record keep their place.
// Throws std::runtime_error (or a subclass) with a clear message when the
// file cannot be read or is not a JPEG.
ScanResult scan_photo(Record& rec, const std::string& path, const ScanOptions& opts);

struct WriteOptions {
    // The zone for records that have captured_at but no utc_offset; without
    // it such times are written as UTC (+00:00).
    std::optional<Zone> tz;
};

// The photo's new bytes carrying the record's captured_at (local time with
// SubSecTimeOriginal and OffsetTimeOriginal, plus GPS date and time in UTC),
// lat/lon, alt, heading, make, model, orientation, description (EXIF
// ImageDescription: a string as it is, an object as sorted compact JSON) and, for
// camera_type "spherical", the XMP GPano tags. Throws std::runtime_error with
// a clear message for a field it cannot write (lat out of range, ...).
std::vector<std::uint8_t> plan_photo_write(std::span<const std::uint8_t> jpeg, const Record& rec,
                                           const WriteOptions& opts);

// The same for the header of a photo (the file through its SOS marker, as
// read_jpeg_header gives it): the new header, to be followed by the rest of
// the file as it is. align > 0: padded so the rest keeps its offset within a
// block of that size (see splice_header_aligned).
std::vector<std::uint8_t> plan_header_write(std::span<const std::uint8_t> header, const Record& rec,
                                            const WriteOptions& opts, std::size_t align = 0);

// True when the record carries anything plan_photo_write() would write.
bool has_writable_fields(const Record& rec);

}  // namespace mapi
