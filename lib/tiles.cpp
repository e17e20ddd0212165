// tiles: see mapi/tiles.hpp.
#include "mapi/tiles.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>

#include <protozero/exception.hpp>
#include <protozero/pbf_reader.hpp>
#include <protozero/pbf_writer.hpp>
#include <protozero/varint.hpp>
#include <zlib.h>

namespace mapi::tiles {

// ---- Tile addresses ----------------------------------------------------

namespace {

constexpr double pi = std::numbers::pi;

void check_zoom(int z) {
    if (z < 0 || z > 30) throw std::invalid_argument("zoom " + std::to_string(z) + " is outside 0..30");
}

double world_tiles(int z) { return std::ldexp(1.0, z); }

// Fractional tile column and row of a point; lat clamped to Web Mercator.
double lon_to_fx(double lon, int z) { return (lon + 180.0) / 360.0 * world_tiles(z); }
double lat_to_fy(double lat, int z) {
    lat = std::clamp(lat, -max_lat, max_lat);
    double phi = lat * pi / 180.0;
    return (1.0 - std::asinh(std::tan(phi)) / pi) / 2.0 * world_tiles(z);
}
double fy_to_lat(double fy, int z) { return std::atan(std::sinh(pi * (1.0 - 2.0 * fy / world_tiles(z)))) * 180.0 / pi; }

std::uint32_t to_index(double f, int z) {
    double n = world_tiles(z);
    double i = std::floor(f);
    if (i < 0) i = 0;
    if (i > n - 1) i = n - 1;
    return static_cast<std::uint32_t>(i);
}

// The last index of a range whose far edge is at f: an edge exactly on a tile
// boundary stays in the tile before it (unless the range is a single line).
std::uint32_t to_last_index(double f, std::uint32_t first, int z) {
    double edge = std::floor(f);
    if (edge == f && edge > first) edge -= 1;
    return to_index(edge, z);
}

void check_point(double lon, double lat, const char* what) {
    if (!std::isfinite(lon) || !std::isfinite(lat) || !valid_lat(lat) || !valid_lon(lon))
        throw std::invalid_argument(std::string(what) + " (" + std::to_string(lon) + ", " + std::to_string(lat) +
                                    ") is not a lon/lat on the globe");
}

}  // namespace

std::string to_string(TileId t) { return std::to_string(t.z) + "/" + std::to_string(t.x) + "/" + std::to_string(t.y); }

TileId tile_at(LatLon p, int z) {
    check_zoom(z);
    check_point(p.lon, p.lat, "point");
    return {z, to_index(lon_to_fx(p.lon, z), z), to_index(lat_to_fy(p.lat, z), z)};
}

Bbox tile_bounds(TileId t) {
    double n = world_tiles(t.z);
    return {t.x / n * 360.0 - 180.0, fy_to_lat(t.y + 1.0, t.z), (t.x + 1.0) / n * 360.0 - 180.0, fy_to_lat(t.y, t.z)};
}

std::vector<TileId> tiles_covering(const Bbox& box, int z, std::size_t max_tiles) {
    check_zoom(z);
    check_point(box.min_lon, box.min_lat, "bbox corner");
    check_point(box.max_lon, box.max_lat, "bbox corner");
    if (box.min_lat > box.max_lat) throw std::invalid_argument("bbox min_lat is north of max_lat");

    std::uint32_t y0 = to_index(lat_to_fy(box.max_lat, z), z);
    std::uint32_t y1 = to_last_index(lat_to_fy(box.min_lat, z), y0, z);
    // Columns as one or two runs (two when the bbox crosses the antimeridian).
    std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;
    std::uint32_t last = static_cast<std::uint32_t>(world_tiles(z) - 1);
    if (box.min_lon <= box.max_lon) {
        std::uint32_t x0 = to_index(lon_to_fx(box.min_lon, z), z);
        runs.push_back({x0, to_last_index(lon_to_fx(box.max_lon, z), x0, z)});
    } else {
        std::uint32_t east = to_index(lon_to_fx(box.min_lon, z), z);
        std::uint32_t west = to_last_index(lon_to_fx(box.max_lon, z), 0, z);
        // The two runs meet or overlap (a bbox round nearly all the world, or
        // a low zoom): every column, once.
        if (std::uint64_t(west) + 1 >= east) {
            runs.push_back({0, last});
        } else {
            runs.push_back({east, last});
            runs.push_back({0, west});
        }
    }
    std::uint64_t columns = 0;
    for (auto [a, b] : runs) columns += std::uint64_t(b) - a + 1;
    std::uint64_t count = columns * (std::uint64_t(y1) - y0 + 1);
    if (count > max_tiles)
        throw std::invalid_argument("bbox covers " + std::to_string(count) + " tiles at zoom " + std::to_string(z) +
                                    ", more than the limit of " + std::to_string(max_tiles));
    std::vector<TileId> out;
    out.reserve(count);
    for (std::uint32_t y = y0; y <= y1; ++y)
        for (auto [a, b] : runs)
            for (std::uint64_t x = a; x <= b; ++x) out.push_back({z, static_cast<std::uint32_t>(x), y});
    return out;
}

LatLon tile_to_lonlat(TileId t, std::uint32_t extent, double px, double py) {
    double n = world_tiles(t.z);
    double lon = (t.x + px / extent) / n * 360.0 - 180.0;
    double lat = fy_to_lat(t.y + py / extent, t.z);
    return {lat, lon};
}

std::pair<double, double> lonlat_to_tile(TileId t, std::uint32_t extent, LatLon p) {
    return {(lon_to_fx(p.lon, t.z) - t.x) * extent, (lat_to_fy(p.lat, t.z) - t.y) * extent};
}

// ---- Decoding ----------------------------------------------------------

namespace {

using protozero::pbf_reader;
using protozero::pbf_wire_type;

// protozero's messages ("end of buffer exception") in plain words.
std::string describe(const protozero::exception& e) {
    if (dynamic_cast<const protozero::end_of_buffer_exception*>(&e)) return "the data ends early";
    if (dynamic_cast<const protozero::varint_too_long_exception*>(&e)) return "a number is longer than 10 bytes";
    if (dynamic_cast<const protozero::unknown_pbf_wire_type_exception*>(&e)) return "unknown wire type";
    if (dynamic_cast<const protozero::invalid_tag_exception*>(&e)) return "invalid field number";
    if (dynamic_cast<const protozero::invalid_length_exception*>(&e)) return "invalid length";
    return e.what();
}

std::string inflate_gzip(std::string_view in, std::size_t max_out) {
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw TileError("gzip: cannot initialise zlib");
    std::string out;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), std::numeric_limits<uInt>::max()));
    char buf[65536];
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            std::string msg = zs.msg ? zs.msg : "corrupt data";
            inflateEnd(&zs);
            if (rc == Z_BUF_ERROR) msg = "the compressed data ends early";
            throw TileError("gzip: " + msg);
        }
        out.append(buf, sizeof buf - zs.avail_out);
        if (out.size() > max_out) {
            inflateEnd(&zs);
            throw TileError("gzip: inflates to more than " + std::to_string(max_out) + " bytes");
        }
        if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
            inflateEnd(&zs);
            throw TileError("gzip: the compressed data ends early");
        }
    }
    inflateEnd(&zs);
    return out;
}

const char* wire_name(pbf_wire_type w) {
    switch (w) {
        case pbf_wire_type::varint: return "varint";
        case pbf_wire_type::fixed64: return "fixed64";
        case pbf_wire_type::length_delimited: return "length-delimited";
        case pbf_wire_type::fixed32: return "fixed32";
        default: return "unknown";
    }
}

// Checks the wire type before any get_*: protozero only asserts it.
void expect(const pbf_reader& r, pbf_wire_type w, const char* field) {
    if (r.wire_type() != w)
        throw TileError(std::string(field) + " has wire type " + wire_name(r.wire_type()) + ", not " + wire_name(w));
}

// Unsigned varints of a packed field, bounds-checked.
std::vector<std::uint32_t> packed_uint32(protozero::data_view v, const char* field) {
    std::vector<std::uint32_t> out;
    const char* p = v.data();
    const char* end = p + v.size();
    while (p != end) {
        std::uint64_t x = protozero::decode_varint(&p, end);
        if (x > std::numeric_limits<std::uint32_t>::max())
            throw TileError(std::string(field) + " holds a value beyond 32 bits");
        out.push_back(static_cast<std::uint32_t>(x));
    }
    return out;
}

Value decode_value(protozero::data_view v) {
    pbf_reader r(v);
    std::optional<Value> value;
    while (r.next()) {
        switch (r.tag()) {
            case 1:
                expect(r, pbf_wire_type::length_delimited, "string_value");
                value = std::string(r.get_view());
                break;
            case 2:
                expect(r, pbf_wire_type::fixed32, "float_value");
                value = r.get_float();
                break;
            case 3:
                expect(r, pbf_wire_type::fixed64, "double_value");
                value = r.get_double();
                break;
            case 4:
                expect(r, pbf_wire_type::varint, "int_value");
                value = r.get_int64();
                break;
            case 5:
                expect(r, pbf_wire_type::varint, "uint_value");
                value = r.get_uint64();
                break;
            case 6:
                expect(r, pbf_wire_type::varint, "sint_value");
                value = r.get_sint64();
                break;
            // get_uint64, not get_bool: get_bool reads a byte before checking the end.
            case 7:
                expect(r, pbf_wire_type::varint, "bool_value");
                value = r.get_uint64() != 0;
                break;
            default: r.skip();
        }
    }
    if (!value) throw TileError("a value holds none of the value types");
    return *value;
}

std::int32_t zigzag(std::uint32_t v) { return static_cast<std::int32_t>((v >> 1) ^ (~(v & 1) + 1)); }

void decode_geometry(const std::vector<std::uint32_t>& cmds, Feature& f) {
    std::int64_t x = 0, y = 0;
    bool have_part = false;
    std::size_t i = 0;
    auto param = [&](std::int64_t& c) {
        c += zigzag(cmds[i++]);
        if (c < std::numeric_limits<std::int32_t>::min() || c > std::numeric_limits<std::int32_t>::max())
            throw TileError("geometry: a coordinate leaves the 32-bit range");
    };
    while (i < cmds.size()) {
        std::uint32_t id = cmds[i] & 7, count = cmds[i] >> 3;
        std::size_t at = i++;
        if (id == 1 || id == 2) {
            if (count == 0) throw TileError("geometry: command at " + std::to_string(at) + " has count 0");
            if (std::uint64_t(count) * 2 > cmds.size() - i)
                throw TileError("geometry: command at " + std::to_string(at) + " wants " + std::to_string(count) +
                                " points but " + std::to_string((cmds.size() - i) / 2) + " follow");
            if (id == 2 && !have_part) throw TileError("geometry: LineTo before any MoveTo");
            if (id == 2 && f.type == GeomType::point) throw TileError("geometry: LineTo in a point feature");
            for (std::uint32_t k = 0; k < count; ++k) {
                param(x);
                param(y);
                if (id == 1 && (f.type != GeomType::point || !have_part)) f.parts.emplace_back();
                have_part = true;
                f.parts.back().push_back({static_cast<std::int32_t>(x), static_cast<std::int32_t>(y)});
            }
        } else if (id == 7) {
            // ClosePath: the ring is closed implicitly; no point to add.
            if (!have_part) throw TileError("geometry: ClosePath before any MoveTo");
            if (f.type == GeomType::point) throw TileError("geometry: ClosePath in a point feature");
        } else {
            throw TileError("geometry: unknown command " + std::to_string(id) + " at " + std::to_string(at));
        }
    }
}

Feature decode_feature(protozero::data_view v, const std::vector<std::string>& keys, const std::vector<Value>& values) {
    pbf_reader r(v);
    Feature f;
    std::vector<std::uint32_t> tags, geometry;
    while (r.next()) {
        switch (r.tag()) {
            case 1:
                expect(r, pbf_wire_type::varint, "feature id");
                f.id = r.get_uint64();
                break;
            case 2:
                expect(r, pbf_wire_type::length_delimited, "feature tags");
                tags = packed_uint32(r.get_view(), "feature tags");
                break;
            case 3: {
                expect(r, pbf_wire_type::varint, "feature type");
                std::uint64_t t = r.get_uint64();
                f.type = t <= 3 ? static_cast<GeomType>(t) : GeomType::unknown;
                break;
            }
            case 4:
                expect(r, pbf_wire_type::length_delimited, "feature geometry");
                geometry = packed_uint32(r.get_view(), "feature geometry");
                break;
            default: r.skip();
        }
    }
    if (tags.size() % 2) throw TileError("odd number of tags (" + std::to_string(tags.size()) + ")");
    f.properties.reserve(tags.size() / 2);
    for (std::size_t i = 0; i < tags.size(); i += 2) {
        if (tags[i] >= keys.size())
            throw TileError("tag key index " + std::to_string(tags[i]) + " out of range (" +
                            std::to_string(keys.size()) + " keys)");
        if (tags[i + 1] >= values.size())
            throw TileError("tag value index " + std::to_string(tags[i + 1]) + " out of range (" +
                            std::to_string(values.size()) + " values)");
        f.properties.emplace_back(keys[tags[i]], values[tags[i + 1]]);
    }
    decode_geometry(geometry, f);
    return f;
}

Layer decode_layer(protozero::data_view v, std::size_t index) {
    std::string where = "layer " + std::to_string(index);
    try {
        pbf_reader r(v);
        Layer layer;
        bool named = false;
        layer.version = 1;  // the spec's default
        std::vector<std::string> keys;
        std::vector<Value> values;
        std::vector<protozero::data_view> features;
        while (r.next()) {
            switch (r.tag()) {
                case 1:
                    expect(r, pbf_wire_type::length_delimited, "name");
                    layer.name = std::string(r.get_view());
                    named = true;
                    where += " (" + layer.name + ")";
                    break;
                case 2:
                    expect(r, pbf_wire_type::length_delimited, "feature");
                    features.push_back(r.get_view());
                    break;
                case 3:
                    expect(r, pbf_wire_type::length_delimited, "key");
                    keys.emplace_back(r.get_view());
                    break;
                case 4:
                    expect(r, pbf_wire_type::length_delimited, "value");
                    values.push_back(decode_value(r.get_view()));
                    break;
                case 5: {
                    expect(r, pbf_wire_type::varint, "extent");
                    std::uint64_t e = r.get_uint64();
                    if (e == 0 || e > (1u << 30)) throw TileError("extent " + std::to_string(e) + " is unusable");
                    layer.extent = static_cast<std::uint32_t>(e);
                    break;
                }
                case 15: {
                    expect(r, pbf_wire_type::varint, "version");
                    std::uint64_t ver = r.get_uint64();
                    if (ver != 1 && ver != 2) throw TileError("version " + std::to_string(ver) + " is not 1 or 2");
                    layer.version = static_cast<std::uint32_t>(ver);
                    break;
                }
                default: r.skip();
            }
        }
        if (!named) throw TileError("has no name");
        layer.features.reserve(features.size());
        for (std::size_t i = 0; i < features.size(); ++i) {
            try {
                layer.features.push_back(decode_feature(features[i], keys, values));
            } catch (const TileError& e) {
                throw TileError("feature " + std::to_string(i) + ": " + e.what());
            } catch (const protozero::exception& e) {
                throw TileError("feature " + std::to_string(i) + ": " + describe(e));
            }
        }
        return layer;
    } catch (const TileError& e) { throw TileError(where + ": " + e.what()); } catch (const protozero::exception& e) {
        throw TileError(where + ": " + describe(e));
    }
}

}  // namespace

const Value* Feature::get(std::string_view key) const {
    for (const auto& [k, v] : properties)
        if (k == key) return &v;
    return nullptr;
}

const Layer* Tile::layer(std::string_view name) const {
    for (const auto& l : layers)
        if (l.name == name) return &l;
    return nullptr;
}

Tile decode_tile(std::string_view bytes, std::size_t max_inflated) {
    std::string inflated;
    if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
        static_cast<unsigned char>(bytes[1]) == 0x8b) {
        inflated = inflate_gzip(bytes, max_inflated);
        bytes = inflated;
    }
    Tile tile;
    pbf_reader r(bytes.data(), bytes.size());
    std::size_t offset = 0;
    try {
        while (r.next()) {
            if (r.tag() == 3) {
                expect(r, pbf_wire_type::length_delimited, "layer");
                auto view = r.get_view();
                tile.layers.push_back(decode_layer(view, tile.layers.size()));
            } else if (r.tag() >= 16) {
                r.skip();  // an extension
            } else {
                throw TileError("not a vector tile: field " + std::to_string(r.tag()) + " at byte " +
                                std::to_string(offset) + " (a tile holds only layers, field 3)");
            }
            offset = bytes.size() - r.length();
        }
    } catch (const protozero::exception& e) {
        throw TileError("damaged tile at byte " + std::to_string(offset) + ": " + describe(e));
    }
    return tile;
}

// ---- Encoding ----------------------------------------------------------

namespace {

// Values compare by type first, so 1 (int) and 1u (uint) stay distinct.
struct ValueLess {
    bool operator()(const Value& a, const Value& b) const {
        if (a.index() != b.index()) return a.index() < b.index();
        return std::visit(
            [&](const auto& x) {
                using T = std::decay_t<decltype(x)>;
                const T& y = std::get<T>(b);
                if constexpr (std::is_floating_point_v<T>) {
                    // Order by bits, so NaN and -0.0 are keys like any other.
                    if constexpr (sizeof(T) == 4) {
                        return std::bit_cast<std::uint32_t>(x) < std::bit_cast<std::uint32_t>(y);
                    } else {
                        return std::bit_cast<std::uint64_t>(x) < std::bit_cast<std::uint64_t>(y);
                    }
                } else {
                    return x < y;
                }
            },
            a);
    }
};

std::uint32_t zigzag_encode(std::int32_t v) {
    return (static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31);
}

void write_value(protozero::pbf_writer& layer, const Value& v) {
    protozero::pbf_writer w(layer, 4);
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>)
                w.add_string(1, x);
            else if constexpr (std::is_same_v<T, float>)
                w.add_float(2, x);
            else if constexpr (std::is_same_v<T, double>)
                w.add_double(3, x);
            else if constexpr (std::is_same_v<T, std::int64_t>)
                w.add_sint64(6, x);
            else if constexpr (std::is_same_v<T, std::uint64_t>)
                w.add_uint64(5, x);
            else
                w.add_bool(7, x);
        },
        v);
}

std::vector<std::uint32_t> encode_geometry(const Feature& f) {
    std::vector<std::uint32_t> out;
    std::int32_t cx = 0, cy = 0;
    auto delta = [&](const Point& p) {
        out.push_back(zigzag_encode(p.x - cx));
        out.push_back(zigzag_encode(p.y - cy));
        cx = p.x;
        cy = p.y;
    };
    auto command = [](std::uint32_t id, std::size_t count) { return static_cast<std::uint32_t>((count << 3) | id); };
    if (f.type == GeomType::point) {
        std::size_t n = 0;
        for (const auto& part : f.parts) n += part.size();
        if (n == 0) return out;
        out.push_back(command(1, n));
        for (const auto& part : f.parts)
            for (const auto& p : part) delta(p);
        return out;
    }
    for (const auto& part : f.parts) {
        if (part.empty()) continue;
        out.push_back(command(1, 1));
        delta(part[0]);
        if (part.size() > 1) {
            out.push_back(command(2, part.size() - 1));
            for (std::size_t i = 1; i < part.size(); ++i) delta(part[i]);
        }
        if (f.type == GeomType::polygon) out.push_back(command(7, 1));
    }
    return out;
}

}  // namespace

std::string encode_tile(const Tile& tile) {
    std::string out;
    protozero::pbf_writer w(out);
    for (const auto& layer : tile.layers) {
        protozero::pbf_writer lw(w, 3);
        lw.add_uint32(15, layer.version);
        lw.add_string(1, layer.name);
        std::map<std::string, std::uint32_t> key_index;
        std::map<Value, std::uint32_t, ValueLess> value_index;
        std::vector<const std::string*> keys;
        std::vector<const Value*> values;
        std::vector<std::vector<std::uint32_t>> tags(layer.features.size());
        for (std::size_t i = 0; i < layer.features.size(); ++i) {
            for (const auto& [k, v] : layer.features[i].properties) {
                auto [ki, knew] = key_index.try_emplace(k, static_cast<std::uint32_t>(keys.size()));
                if (knew) keys.push_back(&ki->first);
                auto [vi, vnew] = value_index.try_emplace(v, static_cast<std::uint32_t>(values.size()));
                if (vnew) values.push_back(&vi->first);
                tags[i].push_back(ki->second);
                tags[i].push_back(vi->second);
            }
        }
        for (std::size_t i = 0; i < layer.features.size(); ++i) {
            const Feature& f = layer.features[i];
            protozero::pbf_writer fw(lw, 2);
            if (f.id) fw.add_uint64(1, *f.id);
            if (!tags[i].empty()) fw.add_packed_uint32(2, tags[i].begin(), tags[i].end());
            fw.add_enum(3, static_cast<std::int32_t>(f.type));
            auto geometry = encode_geometry(f);
            if (!geometry.empty()) fw.add_packed_uint32(4, geometry.begin(), geometry.end());
        }
        for (const auto* k : keys) lw.add_string(3, *k);
        for (const auto* v : values) write_value(lw, *v);
        lw.add_uint32(5, layer.extent);
    }
    return out;
}

// ---- Mapillary coverage -------------------------------------------------

namespace {

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// An id: integers (non-negative), integral doubles and strings all become
// decimal text; "" stays empty.
std::string id_text(const Value& v, const char* key) {
    if (auto s = std::get_if<std::string>(&v)) return *s;
    if (auto u = std::get_if<std::uint64_t>(&v)) return std::to_string(*u);
    if (auto i = std::get_if<std::int64_t>(&v)) {
        if (*i < 0) throw TileError(std::string(key) + " is negative");
        return std::to_string(*i);
    }
    double d = 0;
    if (auto f = std::get_if<float>(&v))
        d = *f;
    else if (auto dd = std::get_if<double>(&v))
        d = *dd;
    else
        throw TileError(std::string(key) + " is a bool, not an id");
    if (!(d >= 0 && d < 1.8e19) || std::floor(d) != d) throw TileError(std::string(key) + " is not an integral id");
    return std::to_string(static_cast<std::uint64_t>(d));
}

std::optional<double> number(const Value& v, const char* key) {
    if (auto s = std::get_if<std::string>(&v)) {
        if (s->empty()) return std::nullopt;
        double d = 0;
        auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), d);
        if (ec != std::errc() || p != s->data() + s->size())
            throw TileError(std::string(key) + " \"" + *s + "\" is not a number");
        return d;
    }
    if (auto f = std::get_if<float>(&v)) return *f;
    if (auto d = std::get_if<double>(&v)) return *d;
    if (auto i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    if (auto u = std::get_if<std::uint64_t>(&v)) return static_cast<double>(*u);
    throw TileError(std::string(key) + " is a bool, not a number");
}

std::optional<std::int64_t> milliseconds(const Value& v, const char* key) {
    if (auto i = std::get_if<std::int64_t>(&v)) return *i;
    if (auto u = std::get_if<std::uint64_t>(&v)) {
        if (*u > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
            throw TileError(std::string(key) + " is out of range");
        return static_cast<std::int64_t>(*u);
    }
    if (auto s = std::get_if<std::string>(&v)) {
        if (s->empty()) return std::nullopt;
        std::int64_t ms = 0;
        auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), ms);
        if (ec != std::errc() || p != s->data() + s->size())
            throw TileError(std::string(key) + " \"" + *s + "\" is not a time in milliseconds");
        return ms;
    }
    auto d = number(v, key);
    if (!d || !(std::abs(*d) < 9.2e18)) throw TileError(std::string(key) + " is out of range");
    return static_cast<std::int64_t>(std::llround(*d));
}

bool flag(const Value& v, const char* key) {
    if (auto b = std::get_if<bool>(&v)) return *b;
    if (auto i = std::get_if<std::int64_t>(&v)) {
        if (*i == 0 || *i == 1) return *i == 1;
    } else if (auto u = std::get_if<std::uint64_t>(&v)) {
        if (*u <= 1) return *u == 1;
    } else if (auto s = std::get_if<std::string>(&v)) {
        if (s->empty() || *s == "false" || *s == "0") return false;
        if (*s == "true" || *s == "1") return true;
    }
    throw TileError(std::string(key) + " is not a boolean");
}

LatLon to_lonlat(TileId where, std::uint32_t extent, Point p) { return tile_to_lonlat(where, extent, p.x, p.y); }

template <class Body>
void each_feature(const Layer& layer, GeomType want, Body body) {
    for (std::size_t i = 0; i < layer.features.size(); ++i) {
        const Feature& f = layer.features[i];
        try {
            if (f.type != want)
                throw TileError("geometry type " + std::to_string(int(f.type)) + " where " + std::to_string(int(want)) +
                                " belongs");
            body(f);
        } catch (const TileError& e) {
            throw TileError("layer " + layer.name + ", feature " + std::to_string(i) + ": " + e.what());
        }
    }
}

}  // namespace

Coverage read_coverage(const Tile& tile, TileId where) {
    Coverage c;
    if (const Layer* layer = tile.layer("image")) {
        c.images.reserve(layer->features.size());
        each_feature(*layer, GeomType::point, [&](const Feature& f) {
            if (f.parts.empty() || f.parts[0].empty()) throw TileError("has no point");
            ImagePoint img;
            img.pos = to_lonlat(where, layer->extent, f.parts[0][0]);
            for (const auto& [k, v] : f.properties) {
                if (k == "id")
                    img.id = id_text(v, "id");
                else if (k == "sequence_id")
                    img.sequence_id = id_text(v, "sequence_id");
                else if (k == "captured_at")
                    img.captured_at = milliseconds(v, "captured_at");
                else if (k == "compass_angle")
                    img.compass_angle = number(v, "compass_angle");
                else if (k == "is_pano")
                    img.is_pano = flag(v, "is_pano");
                else if (k == "organization_id")
                    img.organization_id = id_text(v, "organization_id");
                else if (k == "creator_id")
                    img.creator_id = id_text(v, "creator_id");
            }
            c.images.push_back(std::move(img));
        });
    }
    if (const Layer* layer = tile.layer("sequence")) {
        c.sequences.reserve(layer->features.size());
        each_feature(*layer, GeomType::linestring, [&](const Feature& f) {
            SequenceLine seq;
            for (const auto& part : f.parts) {
                auto& line = seq.lines.emplace_back();
                line.reserve(part.size());
                for (const auto& p : part) line.push_back(to_lonlat(where, layer->extent, p));
            }
            for (const auto& [k, v] : f.properties) {
                if (k == "id")
                    seq.id = id_text(v, "id");
                else if (k == "image_id")
                    seq.image_id = id_text(v, "image_id");
                else if (k == "captured_at")
                    seq.captured_at = milliseconds(v, "captured_at");
                else if (k == "is_pano")
                    seq.is_pano = flag(v, "is_pano");
                else if (k == "organization_id")
                    seq.organization_id = id_text(v, "organization_id");
                else if (k == "creator_id")
                    seq.creator_id = id_text(v, "creator_id");
            }
            c.sequences.push_back(std::move(seq));
        });
    }
    return c;
}

Coverage decode_coverage(std::string_view bytes, TileId where) { return read_coverage(decode_tile(bytes), where); }

namespace {

// Digits become an integer, as the service sends ids; anything else stays text.
Value id_value(const std::string& id) {
    if (all_digits(id) && id.size() <= 19) {
        std::uint64_t u = 0;
        auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), u);
        if (ec == std::errc() && p == id.data() + id.size()) return u;
    }
    return id;
}

Point grid(TileId where, std::uint32_t extent, LatLon p) {
    auto [x, y] = lonlat_to_tile(where, extent, p);
    auto clamp = [](double v) {
        constexpr double lim = std::numeric_limits<std::int32_t>::max() / 2;
        return static_cast<std::int32_t>(std::llround(std::clamp(v, -lim, lim)));
    };
    return {clamp(x), clamp(y)};
}

}  // namespace

std::string encode_coverage(const Coverage& coverage, TileId where, std::uint32_t extent) {
    Tile tile;
    if (!coverage.sequences.empty()) {
        Layer& layer = tile.layers.emplace_back();
        layer.name = "sequence";
        layer.extent = extent;
        std::uint64_t n = 0;
        for (const auto& s : coverage.sequences) {
            Feature& f = layer.features.emplace_back();
            f.id = n++;
            f.type = GeomType::linestring;
            if (s.captured_at) f.properties.emplace_back("captured_at", *s.captured_at);
            if (!s.creator_id.empty()) f.properties.emplace_back("creator_id", id_value(s.creator_id));
            if (!s.id.empty()) f.properties.emplace_back("id", s.id);
            if (!s.image_id.empty()) f.properties.emplace_back("image_id", id_value(s.image_id));
            f.properties.emplace_back("is_pano", s.is_pano);
            if (!s.organization_id.empty()) f.properties.emplace_back("organization_id", id_value(s.organization_id));
            for (const auto& line : s.lines) {
                auto& part = f.parts.emplace_back();
                for (const auto& p : line) {
                    Point q = grid(where, extent, p);
                    if (part.empty() || !(part.back() == q)) part.push_back(q);
                }
                if (part.size() < 2) f.parts.pop_back();  // a line needs two distinct points
            }
            if (f.parts.empty()) layer.features.pop_back();
        }
    }
    if (!coverage.images.empty()) {
        Layer& layer = tile.layers.emplace_back();
        layer.name = "image";
        layer.extent = extent;
        std::uint64_t n = 0;
        for (const auto& img : coverage.images) {
            Feature& f = layer.features.emplace_back();
            f.id = n++;
            f.type = GeomType::point;
            if (img.captured_at) f.properties.emplace_back("captured_at", *img.captured_at);
            if (img.compass_angle)
                f.properties.emplace_back(
                    "compass_angle", static_cast<std::int64_t>((std::llround(*img.compass_angle) % 360 + 360) % 360));
            if (!img.creator_id.empty()) f.properties.emplace_back("creator_id", id_value(img.creator_id));
            if (!img.id.empty()) f.properties.emplace_back("id", id_value(img.id));
            f.properties.emplace_back("is_pano", img.is_pano);
            if (!img.organization_id.empty())
                f.properties.emplace_back("organization_id", id_value(img.organization_id));
            if (!img.sequence_id.empty()) f.properties.emplace_back("sequence_id", img.sequence_id);
            f.parts.push_back({grid(where, extent, img.pos)});
        }
    }
    return encode_tile(tile);
}

}  // namespace mapi::tiles
