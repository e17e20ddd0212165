// Vector tiles on arbitrary bytes: the MVT decoder, Mapillary's coverage
// layers read from what it accepts, and the encoders on the results.
//
// Promises checked: decode_tile and read_coverage throw only TileError; a
// decoded tile encodes to bytes the decoder reads back, and encoding that
// again gives the same bytes; coverage positions are finite; a coverage
// encoded and decoded again keeps its images, and its sequences that have a
// line, ids included.
// The tile addresses get the first bytes as a bbox: tiles_covering throws
// only std::invalid_argument and returns distinct tiles of the zoom asked,
// row by row, no more than allowed.
#include "check.hpp"
#include "mapi/tiles.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

using namespace mapi;
using namespace mapi::tiles;

namespace {

void check_coverage(const Tile& tile, TileId where) {
    Coverage c;
    try {
        c = read_coverage(tile, where);
    } catch (const TileError&) {
        return;
    }
    for (const auto& img : c.images) FUZZ_CHECK(std::isfinite(img.pos.lat) && std::isfinite(img.pos.lon));
    for (const auto& seq : c.sequences)
        for (const auto& line : seq.lines)
            for (const auto& p : line) FUZZ_CHECK(std::isfinite(p.lat) && std::isfinite(p.lon));

    std::string bytes;
    try {
        bytes = encode_coverage(c, where);
    } catch (const TileError&) {
        return;  // a value the service's typing cannot carry (documented)
    }
    Coverage back = decode_coverage(bytes, where);  // must not throw
    FUZZ_CHECK(back.images.size() == c.images.size());
    // Sequences without two distinct points on the grid are left out by the
    // encoder (a line needs two): the others come back, in order.
    FUZZ_CHECK(back.sequences.size() <= c.sequences.size());
    for (std::size_t i = 0; i < c.images.size(); ++i) {
        FUZZ_CHECK(back.images[i].id == c.images[i].id);
        FUZZ_CHECK(back.images[i].sequence_id == c.images[i].sequence_id);
        FUZZ_CHECK(back.images[i].is_pano == c.images[i].is_pano);
    }
    std::size_t j = 0;
    for (const auto& seq : back.sequences) {
        while (j < c.sequences.size() && c.sequences[j].id != seq.id) ++j;
        FUZZ_CHECK(j < c.sequences.size());
        ++j;
    }
}

void check_addresses(const uint8_t* data, size_t size) {
    if (size < 33) return;
    double v[4];
    std::memcpy(v, data, sizeof v);
    int z = data[32] % 31;
    Bbox box{v[0], v[1], v[2], v[3]};
    const std::size_t max_tiles = 4096;
    std::vector<TileId> ts;
    try {
        ts = tiles_covering(box, z, max_tiles);
    } catch (const std::invalid_argument&) {
        return;
    }
    FUZZ_CHECK(ts.size() <= max_tiles);
    const std::uint64_t n = std::uint64_t(1) << z;
    for (std::size_t i = 0; i < ts.size(); ++i) {
        FUZZ_CHECK(ts[i].z == z && ts[i].x < n && ts[i].y < n);
        if (i > 0) FUZZ_CHECK(ts[i - 1].y < ts[i].y || (ts[i - 1].y == ts[i].y && ts[i - 1].x != ts[i].x));
        Bbox b = tile_bounds(ts[i]);
        FUZZ_CHECK(b.min_lon < b.max_lon && b.min_lat < b.max_lat);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    check_addresses(data, size);
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    Tile tile;
    try {
        tile = decode_tile(bytes, std::size_t(16) << 20);
    } catch (const TileError&) {
        return 0;
    }
    std::string once = encode_tile(tile);
    Tile again = decode_tile(once);  // must not throw
    FUZZ_CHECK(again.layers.size() == tile.layers.size());
    FUZZ_CHECK(encode_tile(again) == once);

    check_coverage(tile, TileId{14, 8800, 5373});
    check_coverage(tile, TileId{0, 0, 0});
    return 0;
}
