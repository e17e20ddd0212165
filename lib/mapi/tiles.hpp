// tiles: Mapbox Vector Tiles (spec v2) and Mapillary's coverage tiles.
//
// Three layers, each usable alone:
//  - tile addresses: XYZ on Web Mercator (y counted from the north), the
//    tiles covering a bbox, a tile's bounds, tile-local coordinates <-> lon/lat
//    (reference/mapillary-api.md 4.3);
//  - a generic MVT decoder and encoder: layers, features, tag tables, geometry
//    commands, gzip-compressed or raw input;
//  - the coverage layers of mly1_public / mly1_computed_public (reference 4.2):
//    `image` points and `sequence` lines in lon/lat with their properties.
//
// Decoding never trusts the input: every index, count and length is checked,
// and anything malformed throws TileError with a message that says where
// ("layer 2 (image), feature 17: ...").
#pragma once

#include "mapi/geo.hpp"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace mapi::tiles {

// ---- Tile addresses ----------------------------------------------------

// Mapillary serves image coverage at zoom 14 only.
inline constexpr int coverage_zoom = 14;
// Web Mercator stops here; latitudes beyond are clamped.
inline constexpr double max_lat = 85.05112877980659;

struct TileId {
    int z = 0;
    std::uint32_t x = 0, y = 0;
    friend auto operator<=>(const TileId&, const TileId&) = default;
};
std::string to_string(TileId t);  // "14/3251/6258"

// Degrees; west, south, east, north.
struct Bbox {
    double min_lon = 0, min_lat = 0, max_lon = 0, max_lat = 0;
};

// The tile holding p at zoom z (0..30). Latitudes beyond +-max_lat are
// clamped; lon 180 falls in the last column. Throws std::invalid_argument for
// a point off the globe or a bad zoom.
TileId tile_at(LatLon p, int z = coverage_zoom);
// West, south, east and north edges of t.
Bbox tile_bounds(TileId t);
// Every tile at zoom z that the bbox touches, row by row from the north-west.
// A bbox with min_lon > max_lon crosses the antimeridian. A bbox edge lying
// exactly on a tile edge does not pull in the tile beyond it. Throws
// std::invalid_argument for NaN, coordinates off the globe, min_lat > max_lat,
// or more than max_tiles tiles (a typo in a bbox must not ask for millions).
std::vector<TileId> tiles_covering(const Bbox& box, int z = coverage_zoom, std::size_t max_tiles = 1'000'000);

// Tile-local coordinates (0..extent across the tile, outside it in the
// buffer) to lon/lat, as reference 4.3 gives it, and back (fractional; the
// encoder rounds).
LatLon tile_to_lonlat(TileId t, std::uint32_t extent, double px, double py);
std::pair<double, double> lonlat_to_tile(TileId t, std::uint32_t extent, LatLon p);

// ---- Generic vector tiles ----------------------------------------------

struct TileError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A tag value. int_value and sint_value both decode to int64; the encoder
// writes int64 as sint_value and uint64 as uint_value.
using Value = std::variant<std::string, float, double, std::int64_t, std::uint64_t, bool>;

enum class GeomType : std::uint8_t { unknown = 0, point = 1, linestring = 2, polygon = 3 };

struct Point {
    std::int32_t x = 0, y = 0;
    friend bool operator==(const Point&, const Point&) = default;
};

struct Feature {
    std::optional<std::uint64_t> id;
    GeomType type = GeomType::unknown;
    std::vector<std::pair<std::string, Value>> properties;  // in tag order
    // point: one part holding every point (a multipoint has several);
    // linestring: one part per line; polygon: one part per ring, closed
    // implicitly (the first point is not repeated at the end).
    std::vector<std::vector<Point>> parts;

    const Value* get(std::string_view key) const;  // null when absent
};

struct Layer {
    std::string name;
    std::uint32_t version = 2;
    std::uint32_t extent = 4096;
    std::vector<Feature> features;
};

struct Tile {
    std::vector<Layer> layers;
    const Layer* layer(std::string_view name) const;  // null when absent
};

// Decodes a tile, gzip-compressed (magic 1f 8b) or raw protobuf. An empty
// input is a tile with no layers. Inflated data beyond max_inflated bytes is
// refused (a dense city-centre tile is ~10 MB). Layer versions 1 and 2 are
// read; fields this module does not know are skipped inside layers and
// features, but at the top level only layers and extensions (16 and up) may
// appear, so text or another format is refused rather than read as nothing.
Tile decode_tile(std::string_view bytes, std::size_t max_inflated = std::size_t(256) << 20);

// Raw protobuf (not compressed). Keys and values are shared within a layer;
// rings of polygons end with ClosePath.
std::string encode_tile(const Tile& tile);

// ---- Mapillary coverage (reference 4.2) ----------------------------------

// Ids are kept as decimal strings, as the record stream carries them; an id
// the tile does not give (some recorded tiles are scrubbed to "") is empty.
// Numbers given as strings of digits are read as numbers.
struct ImagePoint {
    std::string id;
    std::string sequence_id;
    std::optional<std::int64_t> captured_at;  // Unix milliseconds
    std::optional<double> compass_angle;
    bool is_pano = false;
    std::string organization_id;
    std::string creator_id;
    LatLon pos{};
};

struct SequenceLine {
    std::string id;
    std::string image_id;
    std::optional<std::int64_t> captured_at;
    bool is_pano = false;
    std::string organization_id;
    std::string creator_id;
    // The parts of the sequence inside this tile (lines are clipped at tile
    // edges, so one sequence can have several, and appears in every tile it
    // crosses: de-duplicate by id).
    std::vector<std::vector<LatLon>> lines;
};

struct Coverage {
    std::vector<ImagePoint> images;
    std::vector<SequenceLine> sequences;
};

// The `image` and `sequence` layers of a coverage tile at address `where`;
// other layers are ignored. A feature whose geometry is not what its layer
// holds (a line in `image`) or whose property has an unusable value (an
// is_pano of "maybe") throws TileError naming the feature.
Coverage read_coverage(const Tile& tile, TileId where);
Coverage decode_coverage(std::string_view bytes, TileId where);

// The inverse: a coverage tile with `sequence` (lines) and `image` (points)
// layers, properties typed as the service sends them: image ids,
// organization_id and creator_id as integers when they are digits, sequence
// ids as strings, captured_at as an integer, compass_angle as a whole number
// of degrees, is_pano as bool; empty ones are left out. Positions are rounded
// to the tile grid, a precision of 1/extent of the tile (about 0.6 m at zoom
// 14 on the equator); a line that shrinks to one grid point is left out.
std::string encode_coverage(const Coverage& coverage, TileId where, std::uint32_t extent = 4096);

}  // namespace mapi::tiles
