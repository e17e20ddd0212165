// EXIF: reading the fields mly uses (libexif) and updating them without
// disturbing anything else in the file's TIFF structure.
//
// The TIFF bytes are what an EXIF APP1 carries after "Exif\0\0" (see
// mapi/jpeg.hpp: exif_tiff, splice_metadata).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace mapi {

// A UTC instant as GPSDateStamp + GPSTimeStamp store it.
struct GpsTime {
    int year = 0, month = 0, day = 0;
    int hour = 0, minute = 0;
    double second = 0;  // with its fraction: 7.24
};

// Strings are as stored, NUL-stripped and trimmed of surrounding white space;
// an empty string counts as absent. A tag of the wrong type or with an
// impossible value (zero denominator, latitude 91, orientation 9) is absent.
struct PhotoExif {
    std::optional<std::string> datetime_original, subsec_original, offset_time_original;     // Exif IFD
    std::optional<std::string> datetime_digitized, subsec_digitized, offset_time_digitized;  // Exif IFD
    std::optional<std::string> datetime, subsec_time, offset_time;  // IFD0 DateTime, Exif SubSecTime/OffsetTime
    std::optional<double> gps_lat, gps_lon;  // signed degrees; a missing Ref counts as N / E
    std::optional<double> gps_alt;           // metres, negative below sea level (GPSAltitudeRef 1)
    std::optional<GpsTime> gps_time;         // only when both GPSDateStamp and GPSTimeStamp are valid
    std::optional<double> gps_img_direction, gps_track;  // degrees [0, 360)
    std::optional<std::string> make, model, artist, image_description;
    std::optional<int> orientation;       // 1..8
    std::optional<uint32_t> pixel_x, pixel_y;  // PixelXDimension, PixelYDimension
    std::optional<std::string> image_unique_id;  // Exif IFD ImageUniqueID
};

// Reads `tiff` with libexif, which is told not to "fix" anything. Never
// throws on bad data and never reads outside `tiff`: whatever cannot be read
// is simply absent (all fields empty for garbage).
PhotoExif read_exif(std::span<const uint8_t> tiff);

// The tags update_exif writes; each one only when set.
struct ExifUpdate {
    // Exif IFD. Times "YYYY:MM:DD HH:MM:SS", sub-seconds digits ("120"),
    // offsets "+02:00".
    std::optional<std::string> datetime_original, subsec_original, offset_time_original;
    std::optional<std::string> datetime_digitized, subsec_digitized, offset_time_digitized;
    std::optional<std::string> subsec_time, offset_time;  // go with `datetime`
    std::optional<uint32_t> pixel_x, pixel_y;           // LONG
    std::optional<uint16_t> focal_length_35mm;          // FocalLengthIn35mmFilm
    std::optional<std::string> image_unique_id;
    // IFD0. Strings are written as ASCII tags; UTF-8 (e.g. JSON) passes as is.
    std::optional<std::string> datetime;  // DateTime
    std::optional<std::string> make, model, artist, image_description;
    std::optional<int> orientation;  // 1..8
    // GPS IFD. lat and lon go together. Positions are degrees/1, minutes/1,
    // seconds/10^7 (error far below 1 mm), altitude |alt|/1000 with the sign
    // in GPSAltitudeRef, direction /10000 (true north, normalised to
    // [0, 360)), GPSTimeStamp seconds in milliseconds. Writing any of them
    // also writes GPSVersionID 2.3.0.0 and GPSMapDatum WGS-84.
    std::optional<double> gps_lat, gps_lon, gps_alt;
    std::optional<GpsTime> gps_time;
    std::optional<double> gps_img_direction;
};

// Returns `old_tiff` with the tags of `u` set. An empty `old_tiff` gives a
// minimal little-endian TIFF holding only those tags. A new Exif IFD gets
// ExifVersion 0231; an existing one keeps its version even when OffsetTime*
// is added (changing it would change a tag the file had).
//
// Nothing already in the data moves: the old bytes are kept as they are and
// new versions of only the IFDs that change (IFD0, Exif, GPS) are appended
// after them, their untouched entries copied verbatim, so every existing tag
// keeps its exact value, maker notes (which hold offsets from the TIFF start)
// included. The header and the sub-IFD pointers are re-pointed; IFD0's link
// to IFD1 (the thumbnail) is kept. The byte order stays the file's.
//
// Cost: the replaced IFDs stay behind as unreferenced bytes, so every rewrite
// grows the data by the rewritten IFDs plus the new values: a few hundred
// bytes, about 1 KB for a camera IFD0 + Exif IFD + GPS IFD. Data already
// near the 64 KiB APP1 limit can then no longer be spliced (JpegError).
//
// Throws std::invalid_argument for a malformed value in `u` (a time not
// "YYYY:MM:DD HH:MM:SS", latitude out of range, lat without lon, a string
// with a NUL, ...) and std::runtime_error("cannot update corrupt EXIF: ...")
// when an IFD that must change cannot be parsed safely.
std::vector<uint8_t> update_exif(std::span<const uint8_t> old_tiff, const ExifUpdate& u);

// True for TIFF data with nothing in it: none at all, or an IFD0 without a
// single entry and no IFD1 after it. From such data update_exif builds a complete structure: with
// the tags Exif 2.3 requires of a JPEG (X/YResolution 72 dpi, YCbCr
// positioning, Exif and FlashPix versions, components, sRGB), and
// PixelX/YDimension when the caller gives them (pixel_x, pixel_y).
bool exif_empty(std::span<const uint8_t> tiff);

// "Exif\0\0" followed by `tiff`: the payload of an EXIF APP1 segment.
std::vector<uint8_t> exif_app1_payload(std::span<const uint8_t> tiff);

}  // namespace mapi
