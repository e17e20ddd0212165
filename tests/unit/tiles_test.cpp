// Unit tests of mapi/tiles.hpp: tile addresses, the MVT decoder on the real
// recorded tile, malformed input, and encoder round trips.
//
// Expected values for the fixture tile come from an independent decoder: a
// protobuf-free Python script (kPyDecoder below) run on the same bytes when
// python3 is present, and the numbers it printed written down here for when
// it is not.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <zlib.h>

#include "mapi/tiles.hpp"

using namespace mapi;
using namespace mapi::tiles;
namespace fs = std::filesystem;
using Parts = std::vector<std::vector<Point>>;
using P = Point;

namespace {

std::optional<fs::path> tile_fixture(const std::string& name) {
    const char* env = std::getenv("MLY_FIXTURES");
    fs::path p = (env && *env) ? fs::path(env) : fs::path("../shared/fixtures");
    p = p / "mapillary-api" / "tiles" / name;
    if (!fs::is_regular_file(p)) return std::nullopt;
    return p;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string gzip(const std::string& in) {
    z_stream zs{};
    REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&zs, in.size()) + 32, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

// A protobuf-free MVT reader written separately from lib/tiles.cpp. For each
// layer it prints one line:
//   name version extent features points sum_x sum_y parts=<hist> keys=<k:type:count,...>
const char* kPyDecoder = R"PY(
import sys, gzip, struct, collections
def varint(b, i):
    r = s = 0
    while True:
        c = b[i]; i += 1; r |= (c & 0x7f) << s; s += 7
        if c < 0x80: return r, i
def fields(b):
    i = 0
    while i < len(b):
        k, i = varint(b, i); f, w = k >> 3, k & 7
        if w == 0: v, i = varint(b, i)
        elif w == 2: n, i = varint(b, i); v = b[i:i+n]; i += n
        elif w == 5: v = b[i:i+4]; i += 4
        elif w == 1: v = b[i:i+8]; i += 8
        else: raise ValueError('wire type %d' % w)
        yield f, w, v
def packed(b):
    i, out = 0, []
    while i < len(b): v, i = varint(b, i); out.append(v)
    return out
def vtype(b):
    names = {1: 'string', 2: 'float', 3: 'double', 4: 'int', 5: 'uint', 6: 'sint', 7: 'bool'}
    for f, w, v in fields(b): return names[f]
zz = lambda n: (n >> 1) ^ -(n & 1)
data = open(sys.argv[1], 'rb').read()
if data[:2] == b'\x1f\x8b': data = gzip.decompress(data)
for f, w, lb in fields(data):
    name, keys, vals, feats, ext, ver = '', [], [], [], 4096, 1
    for g, w2, v in fields(lb):
        if g == 1: name = v.decode()
        elif g == 2: feats.append(v)
        elif g == 3: keys.append(v.decode())
        elif g == 4: vals.append(vtype(v))
        elif g == 5: ext = v
        elif g == 15: ver = v
    pts = sx = sy = 0; parts = collections.Counter(); use = collections.Counter()
    for fb in feats:
        tags, geom, t = [], [], 0
        for g, w2, v in fields(fb):
            if g == 2: tags = packed(v)
            elif g == 3: t = v
            elif g == 4: geom = packed(v)
        for k, vi in zip(tags[0::2], tags[1::2]): use['%s:%s' % (keys[k], vals[vi])] += 1
        i = x = y = n = 0
        while i < len(geom):
            c = geom[i]; i += 1
            if c & 7 in (1, 2):
                for _ in range(c >> 3):
                    x += zz(geom[i]); y += zz(geom[i + 1]); i += 2
                    pts += 1; sx += x; sy += y
                    if c & 7 == 1 and (t != 1 or n == 0): n += 1
        parts[n] += 1
    print(name, ver, ext, len(feats), pts, sx, sy,
          'parts=' + ','.join('%d:%d' % kv for kv in sorted(parts.items())),
          'keys=' + ','.join('%s:%d' % kv for kv in sorted(use.items())))
)PY";

bool have_python() {
    static const bool have = std::system("python3 -c 'import gzip' >/dev/null 2>&1") == 0;
    return have;
}

// The Python decoder's lines for the tile in `bytes`.
std::vector<std::string> python_summary(const std::string& bytes) {
    fs::path dir = fs::temp_directory_path() / ("mly-tiles-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "decoder.py") << kPyDecoder;
    std::ofstream(dir / "tile.mvt", std::ios::binary) << bytes;
    std::string cmd = "python3 " + (dir / "decoder.py").string() + " " + (dir / "tile.mvt").string();
    std::vector<std::string> lines;
    if (FILE* p = popen(cmd.c_str(), "r")) {
        char buf[8192];
        std::string acc;
        while (fgets(buf, sizeof buf, p)) acc += buf;
        pclose(p);
        std::istringstream in(acc);
        for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    fs::remove_all(dir);
    return lines;
}

const char* type_name(const Value& v) {
    static const char* names[] = {"string", "float", "double", "int", "uint", "bool"};
    return names[v.index()];
}

// The same summary from our decoder. int and sint both decode to int64, so
// the Python side's "sint"/"int" are compared as "int".
std::vector<std::string> our_summary(const Tile& t) {
    std::vector<std::string> lines;
    for (const auto& l : t.layers) {
        std::int64_t pts = 0, sx = 0, sy = 0;
        std::map<std::size_t, int> parts;
        std::map<std::string, int> use;
        for (const auto& f : l.features) {
            for (const auto& part : f.parts)
                for (const auto& p : part) ++pts, sx += p.x, sy += p.y;
            ++parts[f.parts.size()];
            for (const auto& [k, v] : f.properties) ++use[k + ":" + type_name(v)];
        }
        std::ostringstream s;
        s << l.name << ' ' << l.version << ' ' << l.extent << ' ' << l.features.size() << ' ' << pts << ' ' << sx << ' '
          << sy << " parts=";
        const char* sep = "";
        for (auto [n, c] : parts) s << sep << n << ':' << c, sep = ",";
        s << " keys=";
        sep = "";
        for (const auto& [k, c] : use) s << sep << k << ':' << c, sep = ",";
        lines.push_back(s.str());
    }
    return lines;
}

std::vector<std::string> python_summary_as_ours(const std::string& bytes) {
    auto lines = python_summary(bytes);
    for (auto& l : lines)
        for (std::size_t at; (at = l.find(":sint:")) != std::string::npos;) l.replace(at, 6, ":int:");
    return lines;
}

// Protobuf bytes written by hand, for malformed and exotic input.
std::string varint(std::uint64_t v) {
    std::string s;
    while (v >= 0x80) s += char((v & 0x7f) | 0x80), v >>= 7;
    s += char(v);
    return s;
}
std::string key(int field, int wire) { return varint((std::uint64_t(field) << 3) | wire); }
std::string bytes_field(int field, const std::string& body) { return key(field, 2) + varint(body.size()) + body; }
std::string varint_field(int field, std::uint64_t v) { return key(field, 0) + varint(v); }
std::string packed(int field, std::initializer_list<std::uint32_t> vs) {
    std::string body;
    for (auto v : vs) body += varint(v);
    return bytes_field(field, body);
}
std::uint32_t zz(std::int32_t v) { return (std::uint32_t(v) << 1) ^ std::uint32_t(v >> 31); }
std::string tile_of_layer(const std::string& layer_body) { return bytes_field(3, layer_body); }
// A layer named "l" (version 2, extent 4096) with the given extra fields.
std::string layer(const std::string& rest) {
    return tile_of_layer(varint_field(15, 2) + bytes_field(1, "l") + rest + varint_field(5, 4096));
}
std::string point_feature(const std::string& extra = "") {
    return bytes_field(2, varint_field(3, 1) + packed(4, {9, zz(10), zz(20)}) + extra);
}

std::string error_of(const std::string& bytes) {
    try {
        decode_tile(bytes);
    } catch (const TileError& e) { return e.what(); }
    return "(no error)";
}

}  // namespace

// ---- Tile addresses ----------------------------------------------------

TEST_CASE("tile_at: known tiles", "[tiles]") {
    CHECK(tile_at({0, 0}, 0) == TileId{0, 0, 0});
    CHECK(tile_at({1, -1}, 1) == TileId{1, 0, 0});  // north-west quarter
    CHECK(tile_at({-1, 1}, 1) == TileId{1, 1, 1});  // south-east quarter
    CHECK(tile_at({0, 0}, 1) == TileId{1, 1, 1});   // the origin starts the south-east tile
    // The fixture tile's name is its address: its first image point, decoded
    // by the Python script at (3997, 2643) of 4096, lies inside it.
    CHECK(tile_at({39.050839416744786, -108.54545295238495}, 14) == TileId{14, 3251, 6258});
    // Brandenburg Gate: the OpenStreetMap tile 14/8800/5373.
    CHECK(tile_at({52.5163, 13.3777}, 14) == TileId{14, 8800, 5373});
    // Edges of the world: lon 180 is the last column; poles clamp.
    CHECK(tile_at({0, 180}, 14).x == 16383);
    CHECK(tile_at({0, -180}, 14).x == 0);
    CHECK(tile_at({90, 0}, 14).y == 0);
    CHECK(tile_at({-90, 0}, 14).y == 16383);
    CHECK_THROWS_AS(tile_at({0, 0}, 31), std::invalid_argument);
    CHECK_THROWS_AS(tile_at({0, 181}, 14), std::invalid_argument);
    CHECK_THROWS_AS(tile_at({NAN, 0}, 14), std::invalid_argument);
    CHECK(to_string(TileId{14, 3251, 6258}) == "14/3251/6258");
}

TEST_CASE("tile_bounds", "[tiles]") {
    Bbox w = tile_bounds({0, 0, 0});
    CHECK(w.min_lon == -180);
    CHECK(w.max_lon == 180);
    CHECK(w.max_lat == Approx(max_lat).margin(1e-9));
    CHECK(w.min_lat == Approx(-max_lat).margin(1e-9));
    Bbox ne = tile_bounds({1, 1, 0});
    CHECK(ne.min_lon == 0);
    CHECK(ne.min_lat == Approx(0).margin(1e-12));
    // A z14 tile is 360/16384 degrees wide.
    Bbox t = tile_bounds({14, 3251, 6258});
    CHECK(t.max_lon - t.min_lon == Approx(360.0 / 16384));
    CHECK(t.min_lon == Approx(3251 * 360.0 / 16384 - 180));
    // Every point of a tile maps back into it.
    for (double fx : {0.001, 0.5, 0.999})
        for (double fy : {0.001, 0.5, 0.999}) {
            LatLon p{t.min_lat + fy * (t.max_lat - t.min_lat), t.min_lon + fx * (t.max_lon - t.min_lon)};
            CHECK(tile_at(p, 14) == TileId{14, 3251, 6258});
        }
}

TEST_CASE("tile_to_lonlat and lonlat_to_tile", "[tiles]") {
    TileId t{14, 3251, 6258};
    // The first image point of the fixture, converted by the Python script
    // with the formula of reference 4.3.
    LatLon p = tile_to_lonlat(t, 4096, 3997, 2643);
    CHECK(p.lon == Approx(-108.54545295238495).margin(1e-12));
    CHECK(p.lat == Approx(39.050839416744786).margin(1e-12));
    auto [x, y] = lonlat_to_tile(t, 4096, p);
    CHECK(x == Approx(3997).margin(1e-6));
    CHECK(y == Approx(2643).margin(1e-6));
    // Corners: (0, 0) is the north-west corner, (extent, extent) the south-east.
    Bbox b = tile_bounds(t);
    CHECK(tile_to_lonlat(t, 4096, 0, 0).lon == Approx(b.min_lon));
    CHECK(tile_to_lonlat(t, 4096, 0, 0).lat == Approx(b.max_lat));
    CHECK(tile_to_lonlat(t, 512, 512, 512).lat == Approx(b.min_lat));
}

TEST_CASE("tiles_covering", "[tiles]") {
    // A point: its one tile.
    auto one = tiles_covering({13.3777, 52.5163, 13.3777, 52.5163});
    REQUIRE(one.size() == 1);
    CHECK(one[0] == TileId{14, 8800, 5373});

    // A bbox's tiles are exactly those whose bounds overlap it (with area),
    // rows from the north, west to east; checked against a brute-force scan.
    Bbox box{13.30, 52.48, 13.45, 52.55};
    auto tiles = tiles_covering(box);
    std::vector<TileId> brute;
    for (std::uint32_t y = 5360; y < 5390; ++y)
        for (std::uint32_t x = 8790; x < 8810; ++x) {
            Bbox b = tile_bounds({14, x, y});
            if (b.min_lon < box.max_lon && b.max_lon > box.min_lon && b.min_lat < box.max_lat &&
                b.max_lat > box.min_lat)
                brute.push_back({14, x, y});
        }
    CHECK(tiles == brute);
    // 0.15 deg is 6.8 columns (columns 8797.2 to 8804.0): 8 touched; 0.07
    // deg of latitude is 5.2 rows of 0.0134 deg there: 7 touched.
    CHECK(tiles.size() == 8 * 7);

    // A bbox edge on a tile edge does not pull in the neighbour.
    Bbox exact = tile_bounds({14, 3251, 6258});
    auto just = tiles_covering(exact);
    REQUIRE(just.size() == 1);
    CHECK(just[0] == TileId{14, 3251, 6258});

    // Across the antimeridian: two runs of columns.
    auto am = tiles_covering({179.99, -16.8, -179.99, -16.79});
    std::set<std::uint32_t> xs;
    for (auto t : am) xs.insert(t.x);
    CHECK(xs == std::set<std::uint32_t>{0, 16383});

    // Across the antimeridian but round nearly all the world, or at a zoom
    // where both ends share a column: each column once (found by fuzzing).
    CHECK(tiles_covering({1e-300, 0, 0, 0}, 0) == std::vector<TileId>{{0, 0, 0}});
    auto wide = tiles_covering({10, 1, 5, 2}, 1);
    CHECK(wide == std::vector<TileId>{{1, 0, 0}, {1, 1, 0}});
    auto most = tiles_covering({-170, 10, -171, 10}, 3);
    CHECK(most.size() == 8);
    CHECK(std::set<TileId>(most.begin(), most.end()).size() == 8);

    CHECK(tiles_covering({-180, -90, 180, 90}, 0).size() == 1);
    CHECK(tiles_covering({-180, -90, 180, 90}, 3).size() == 64);
    CHECK_THROWS_WITH(tiles_covering({-180, -90, 180, 90}, 14), Catch::Contains("more than the limit"));
    CHECK_THROWS_AS(tiles_covering({0, 1, 1, 0}), std::invalid_argument);  // south above north
    CHECK_THROWS_AS(tiles_covering({0, 0, NAN, 1}), std::invalid_argument);
    CHECK_THROWS_AS(tiles_covering({0, 0, 1, 91}), std::invalid_argument);
}

// ---- The recorded tile -------------------------------------------------

TEST_CASE("decode_tile: the recorded z14 tile, against the Python decoder", "[tiles][fixtures]") {
    auto path = tile_fixture("mly1_public_14_3251_6258.mvt");
    if (!path) {
        WARN("tile fixtures not found (set MLY_FIXTURES): skipped");
        return;
    }
    std::string bytes = slurp(*path);
    Tile t = decode_tile(bytes);
    REQUIRE(t.layers.size() == 2);
    const Layer* seq = t.layer("sequence");
    const Layer* img = t.layer("image");
    REQUIRE(seq);
    REQUIRE(img);
    CHECK(t.layer("overview") == nullptr);
    // Known values, from the Python decoder's output.
    CHECK(seq->version == 2);
    CHECK(seq->extent == 4096);
    CHECK(seq->features.size() == 96);
    CHECK(img->features.size() == 7890);
    auto summary = our_summary(t);
    REQUIRE(summary.size() == 2);
    CHECK(summary[0] ==
          "sequence 2 4096 96 7991 11387078 16233633 parts=1:75,2:18,4:1,7:1,8:1 "
          "keys=captured_at:string:96,id:string:96,image_id:string:96,is_pano:string:96,organization_id:string:57");
    CHECK(summary[1] ==
          "image 2 4096 7890 7890 11272177 16042505 parts=1:7890 "
          "keys=captured_at:string:7890,compass_angle:string:7890,id:string:7890,is_pano:string:7890,"
          "organization_id:string:4539,sequence_id:string:7890");
    // The features keep their ids and the first point its coordinates.
    CHECK(img->features[0].id == 96u);
    CHECK(img->features[0].parts[0][0] == Point{3997, 2643});
    const Value* sid = img->features[0].get("sequence_id");
    REQUIRE(sid);
    CHECK(std::get<std::string>(*sid) == "reewegrhgd8dmunb5as41c");
    CHECK(img->features[0].get("creator_id") == nullptr);

    if (have_python()) {
        CHECK(python_summary(bytes) == summary);
    } else {
        WARN("python3 missing: the independent decoder did not run");
    }

    // The same bytes gzip-compressed decode the same.
    CHECK(our_summary(decode_tile(gzip(bytes))) == summary);
}

TEST_CASE("decode_coverage: the recorded tile in lon/lat", "[tiles][fixtures]") {
    auto path = tile_fixture("mly1_public_14_3251_6258.mvt");
    if (!path) {
        WARN("tile fixtures not found (set MLY_FIXTURES): skipped");
        return;
    }
    TileId where{14, 3251, 6258};
    Coverage c = decode_coverage(slurp(*path), where);
    REQUIRE(c.images.size() == 7890);
    REQUIRE(c.sequences.size() == 96);
    // The recording is scrubbed: ids, times and flags are "" and read as absent.
    CHECK(c.images[0].id.empty());
    CHECK_FALSE(c.images[0].captured_at);
    CHECK_FALSE(c.images[0].compass_angle);
    CHECK_FALSE(c.images[0].is_pano);
    CHECK(c.images[0].sequence_id == "reewegrhgd8dmunb5as41c");
    CHECK(c.images[0].pos.lon == Approx(-108.54545295238495).margin(1e-12));
    CHECK(c.images[0].pos.lat == Approx(39.050839416744786).margin(1e-12));
    CHECK(c.sequences[0].id == "qygmvsp2tv1acjzav9us3y");
    // Every image point is inside the tile (the extent runs 0..4095).
    Bbox b = tile_bounds(where);
    std::size_t inside = 0;
    for (const auto& i : c.images)
        inside += i.pos.lon >= b.min_lon && i.pos.lon <= b.max_lon && i.pos.lat >= b.min_lat && i.pos.lat <= b.max_lat;
    CHECK(inside == c.images.size());
    std::size_t lines = 0;
    for (const auto& s : c.sequences) lines += s.lines.size();
    CHECK(lines == 75 + 18 * 2 + 4 + 7 + 8);
}

// A hex dump of a tile (the text xxd prints), the way a recording can go
// wrong, is refused at its first byte rather than misread.
static std::string xxd_text(const std::string& bytes) {
    std::string out;
    char line[24];  // "%08zx:" of a 64-bit offset: up to 17 characters
    for (std::size_t i = 0; i < bytes.size(); i += 16) {
        std::snprintf(line, sizeof line, "%08zx:", i);
        out += line;
        for (std::size_t j = i; j < i + 16 && j < bytes.size(); ++j) {
            if ((j - i) % 2 == 0) out += ' ';
            std::snprintf(line, sizeof line, "%02x", static_cast<unsigned char>(bytes[j]));
            out += line;
        }
        out += '\n';
    }
    return out;
}

TEST_CASE("decode_tile: the other recorded tile, as bytes or as a hex dump", "[tiles][fixtures]") {
    // Recordings of mly1_public_14_3252_6258.mvt have been seen both as the
    // tile's bytes and as the text of an xxd dump of them. Bytes must decode
    // into points inside their tile; a dump must be refused at byte 0.
    auto path = tile_fixture("mly1_public_14_3252_6258.mvt");
    if (!path) {
        WARN("tile fixtures not found (set MLY_FIXTURES): skipped");
        return;
    }
    std::string data = slurp(*path);
    REQUIRE(data.size() > 16);
    bool dump = data.rfind("00000000: ", 0) == 0;
    if (dump) {
        CHECK_THROWS_WITH(decode_tile(data), Catch::StartsWith("not a vector tile: field 6 at byte 0"));
        return;
    }
    TileId where{14, 3252, 6258};
    Coverage c = decode_coverage(data, where);
    CHECK_FALSE(c.sequences.empty());
    Bbox b = tile_bounds(where);
    std::size_t inside = 0;
    for (const auto& i : c.images)
        inside += i.pos.lon >= b.min_lon && i.pos.lon <= b.max_lon && i.pos.lat >= b.min_lat && i.pos.lat <= b.max_lat;
    CHECK(inside == c.images.size());
    // Its hex dump is refused.
    std::string text = xxd_text(data.substr(0, 4096));
    REQUIRE(text.rfind("00000000: ", 0) == 0);
    CHECK_THROWS_WITH(decode_tile(text), Catch::StartsWith("not a vector tile: field 6 at byte 0"));
}

// ---- Malformed input ----------------------------------------------------

TEST_CASE("decode_tile: empty and minimal input", "[tiles]") {
    CHECK(decode_tile("").layers.empty());
    Tile t = decode_tile(layer(point_feature()));
    REQUIRE(t.layers.size() == 1);
    CHECK(t.layers[0].name == "l");
    REQUIRE(t.layers[0].features.size() == 1);
    CHECK(t.layers[0].features[0].type == GeomType::point);
    CHECK(t.layers[0].features[0].parts == Parts{{P{10, 20}}});
    // Extensions (fields 16 and up) and unknown fields inside a layer are skipped.
    CHECK(decode_tile(varint_field(20, 7) + layer(point_feature(varint_field(9, 1)) + varint_field(12, 5)))
              .layers[0]
              .features.size() == 1);
    // Version 1 is read too; a layer without version field is version 1.
    CHECK(decode_tile(tile_of_layer(bytes_field(1, "v1"))).layers[0].version == 1);
}

TEST_CASE("decode_tile: every value type, written by hand", "[tiles]") {
    auto value = [](const std::string& body) { return bytes_field(4, body); };
    std::string fl, db;
    float f = 1.5f;
    double d = -2.25;
    fl.assign(reinterpret_cast<const char*>(&f), 4);  // little-endian host
    db.assign(reinterpret_cast<const char*>(&d), 8);
    std::string values = value(bytes_field(1, "text")) + value(key(2, 5) + fl) + value(key(3, 1) + db) +
                         value(varint_field(4, std::uint64_t(-7))) +  // int_value, negative: 10-byte varint
                         value(varint_field(5, 18446744073709551615ull)) + value(varint_field(6, zz(-3))) +
                         value(varint_field(7, 1));
    std::string keys;
    for (const char* k : {"s", "f", "d", "i", "u", "z", "b"}) keys += bytes_field(3, k);
    std::string feat = bytes_field(
        2, packed(2, {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6}) + varint_field(3, 1) + packed(4, {9, zz(1), zz(1)}));
    Tile t = decode_tile(layer(keys + values + feat));
    const Feature& ft = t.layers[0].features.at(0);
    CHECK(std::get<std::string>(*ft.get("s")) == "text");
    CHECK(std::get<float>(*ft.get("f")) == 1.5f);
    CHECK(std::get<double>(*ft.get("d")) == -2.25);
    CHECK(std::get<std::int64_t>(*ft.get("i")) == -7);
    CHECK(std::get<std::uint64_t>(*ft.get("u")) == 18446744073709551615ull);
    CHECK(std::get<std::int64_t>(*ft.get("z")) == -3);
    CHECK(std::get<bool>(*ft.get("b")) == true);
}

TEST_CASE("decode_tile: geometry commands, written by hand", "[tiles]") {
    auto geom = [](int type, std::initializer_list<std::uint32_t> cmds) {
        return decode_tile(layer(bytes_field(2, varint_field(3, type) + packed(4, cmds)))).layers[0].features[0];
    };
    // Multipoint: one MoveTo with two points, deltas zigzagged.
    Feature mp = geom(1, {(2 << 3) | 1, zz(5), zz(7), zz(-3), zz(1)});
    CHECK(mp.parts == Parts{{P{5, 7}, P{2, 8}}});
    // Two lines: MoveTo, LineTo x2, MoveTo, LineTo.
    Feature ml =
        geom(2, {9, zz(2), zz(2), (2 << 3) | 2, zz(0), zz(8), zz(8), zz(0), 9, zz(0), zz(-8), 10, zz(-4), zz(0)});
    CHECK(ml.parts == Parts{{P{2, 2}, P{2, 10}, P{10, 10}}, {P{10, 2}, P{6, 2}}});
    // A polygon ring: ClosePath adds no point.
    Feature pg = geom(3, {9, zz(3), zz(6), (2 << 3) | 2, zz(5), zz(6), zz(12), zz(22), 15});
    CHECK(pg.parts == Parts{{P{3, 6}, P{8, 12}, P{20, 34}}});
    // Negative coordinates (in the buffer left of and above the tile).
    CHECK(geom(1, {9, zz(-64), zz(-1)}).parts[0][0] == Point{-64, -1});
}

TEST_CASE("decode_tile: malformed input gives a clear TileError", "[tiles]") {
    const std::string keys = bytes_field(3, "k");
    const std::string val = bytes_field(4, bytes_field(1, "v"));
    auto feature = [](const std::string& body) { return bytes_field(2, body); };
    auto pt = packed(4, {9, zz(1), zz(1)});

    // Top level: anything but layers and extensions.
    CHECK(error_of("hello") == "not a vector tile: field 13 at byte 0 (a tile holds only layers, field 3)");
    CHECK(error_of(varint_field(1, 5)).find("not a vector tile: field 1") == 0);
    CHECK(error_of(key(3, 0) + varint(1)).find("layer has wire type varint, not length-delimited") !=
          std::string::npos);
    // Cut short: the layer's length runs past the end.
    CHECK(error_of(layer(point_feature()).substr(0, 6)) == "damaged tile at byte 0: the data ends early");
    CHECK(error_of(layer(point_feature()) + "\x1a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff") ==
          "damaged tile at byte 19: a number is longer than 10 bytes");
    CHECK(error_of(std::string("\x1a\x80", 2)) == "damaged tile at byte 0: the data ends early");
    CHECK(error_of(std::string("\x1f\x8b", 2)) == "gzip: the compressed data ends early");
    CHECK(error_of(std::string(1, '\0')) == "damaged tile at byte 0: invalid field number");
    CHECK(error_of(std::string("\x1e", 1)) == "damaged tile at byte 0: unknown wire type");

    // Layer fields.
    CHECK(error_of(tile_of_layer(varint_field(15, 2))) == "layer 0: has no name");
    CHECK(error_of(tile_of_layer(bytes_field(1, "x") + varint_field(15, 3))) == "layer 0 (x): version 3 is not 1 or 2");
    CHECK(error_of(tile_of_layer(bytes_field(1, "x") + varint_field(5, 0))) == "layer 0 (x): extent 0 is unusable");
    CHECK(error_of(tile_of_layer(varint_field(1, 4))) == "layer 0: name has wire type varint, not length-delimited");
    CHECK(error_of(layer(bytes_field(4, varint_field(9, 1)))) == "layer 0 (l): a value holds none of the value types");
    CHECK(error_of(layer(bytes_field(4, key(2, 0) + varint(1)))) ==
          "layer 0 (l): float_value has wire type varint, not fixed32");
    // A bool at the very end of a value: no byte left to read.
    CHECK(error_of(layer(bytes_field(4, key(7, 0)))) == "layer 0 (l): the data ends early");

    // Tags.
    CHECK(error_of(layer(keys + val + feature(packed(2, {0}) + varint_field(3, 1) + pt))) ==
          "layer 0 (l): feature 0: odd number of tags (1)");
    CHECK(error_of(layer(keys + val + feature(packed(2, {1, 0}) + varint_field(3, 1) + pt))) ==
          "layer 0 (l): feature 0: tag key index 1 out of range (1 keys)");
    CHECK(error_of(layer(keys + val + feature(packed(2, {0, 5}) + varint_field(3, 1) + pt))) ==
          "layer 0 (l): feature 0: tag value index 5 out of range (1 values)");
    CHECK(error_of(layer(feature(bytes_field(2, varint(1ull << 40)) + varint_field(3, 1)))) ==
          "layer 0 (l): feature 0: feature tags holds a value beyond 32 bits");

    // Geometry.
    auto geom_error = [&](int type, std::initializer_list<std::uint32_t> cmds) {
        return error_of(layer(point_feature() + feature(varint_field(3, type) + packed(4, cmds))));
    };
    CHECK(geom_error(2, {(5 << 3) | 1, 2, 2}) ==
          "layer 0 (l): feature 1: geometry: command at 0 wants 5 points but 1 follow");
    CHECK(geom_error(2, {10, 2, 2}) == "layer 0 (l): feature 1: geometry: LineTo before any MoveTo");
    CHECK(geom_error(1, {9, 2, 2, 10, 2, 2}) == "layer 0 (l): feature 1: geometry: LineTo in a point feature");
    CHECK(geom_error(3, {15}) == "layer 0 (l): feature 1: geometry: ClosePath before any MoveTo");
    CHECK(geom_error(2, {9, 2, 2, 4}) == "layer 0 (l): feature 1: geometry: unknown command 4 at 3");
    CHECK(geom_error(2, {1, 2, 2}) == "layer 0 (l): feature 1: geometry: command at 0 has count 0");
    CHECK(geom_error(2, {(2 << 3) | 1, zz(2147483647), 0, zz(2147483647), 0}) ==
          "layer 0 (l): feature 1: geometry: a coordinate leaves the 32-bit range");
    // A second layer's error names it.
    CHECK(error_of(layer(point_feature()) + tile_of_layer(bytes_field(1, "two") + varint_field(5, 0))) ==
          "layer 1 (two): extent 0 is unusable");
}

TEST_CASE("decode_tile: gzip input, damaged gzip, and the inflate limit", "[tiles]") {
    std::string raw = layer(point_feature() + point_feature());
    std::string gz = gzip(raw);
    CHECK(decode_tile(gz).layers[0].features.size() == 2);
    CHECK_THROWS_WITH(decode_tile(gz.substr(0, gz.size() - 6)), Catch::StartsWith("gzip:"));
    std::string bad = gz;
    bad[bad.size() / 2] ^= 0x55;
    CHECK_THROWS_AS(decode_tile(bad), TileError);
    // A bomb: 64 MiB of zeros compress to ~64 KiB.
    std::string zeros(std::size_t(64) << 20, '\0');
    std::string bomb = gzip(zeros);
    CHECK(bomb.size() < 200000);
    CHECK_THROWS_WITH(decode_tile(bomb, std::size_t(1) << 20), Catch::Contains("inflates to more than 1048576 bytes"));
}

TEST_CASE("decode_tile: every cut and random damage of a tile end in a result or a TileError", "[tiles]") {
    // Built by the encoder, so the test runs without fixtures too.
    Tile t;
    for (int l = 0; l < 2; ++l) {
        Layer& layer = t.layers.emplace_back();
        layer.name = l ? "image" : "sequence";
        for (int i = 0; i < 40; ++i) {
            Feature& f = layer.features.emplace_back();
            f.id = i;
            f.type = l ? GeomType::point : GeomType::linestring;
            f.properties = {{"id", std::uint64_t(1000 + i)},
                            {"sequence_id", std::string("s") + char('a' + i % 5)},
                            {"captured_at", std::int64_t(1600000000000 + i)},
                            {"is_pano", i % 2 == 0}};
            f.parts = Parts{{P{i, 2 * i}, P{i + 100, 3 * i}}};
            if (l) f.parts[0].pop_back();
        }
    }
    std::string bytes = encode_tile(t);
    Tile only_first;
    only_first.layers.push_back(t.layers[0]);
    const std::size_t first_layer_end = encode_tile(only_first).size();
    std::size_t ok = 0, refused = 0;
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        try {
            Tile d = decode_tile(std::string_view(bytes).substr(0, n));
            // Only a cut between layers leaves a readable tile.
            CHECK((n == 0 || n == first_layer_end));
            ++ok;
        } catch (const TileError&) { ++refused; }
    }
    CHECK(ok == 2);
    CHECK(refused == bytes.size() - 2);

    // Random damage: any outcome but a crash or another exception type.
    std::mt19937 rng(42);
    for (int round = 0; round < 3000; ++round) {
        std::string d = bytes;
        int flips = 1 + round % 8;
        for (int k = 0; k < flips; ++k) d[rng() % d.size()] = char(rng());
        try {
            Tile x = decode_tile(d);
            read_coverage(x, {14, 1, 1});
        } catch (const TileError&) {}
    }
    // Same for gzip-compressed damage.
    std::string gz = gzip(bytes);
    for (int round = 0; round < 500; ++round) {
        std::string d = gz;
        d[10 + rng() % (d.size() - 10)] = char(rng());
        try {
            decode_tile(d);
        } catch (const TileError&) {}
    }
}

// ---- Encoding ------------------------------------------------------------

TEST_CASE("encode_tile: round trip of every value and geometry type", "[tiles]") {
    Tile t;
    t.layers.reserve(2);  // `a` must stay valid
    Layer& a = t.layers.emplace_back();
    a.name = "things";
    a.extent = 512;
    Feature p;
    p.id = 7;
    p.type = GeomType::point;
    p.properties = {{"s", std::string("ünïcode")},
                    {"f", 0.25f},
                    {"d", 1e300},
                    {"i", std::int64_t(-123456789012)},
                    {"u", std::uint64_t(18446744073709551615ull)},
                    {"b", false},
                    {"again", std::string("ünïcode")}};
    p.parts = Parts{{P{0, 0}, P{-5, 600}}};
    Feature l;
    l.type = GeomType::linestring;
    l.properties = {{"i", std::int64_t(-123456789012)}, {"one_i", std::int64_t(1)}, {"one_u", std::uint64_t(1)}};
    l.parts = Parts{{P{1, 1}, P{2, 3}, P{-4, 9}}, {P{100, 100}, P{101, 90}}};
    Feature g;
    g.type = GeomType::polygon;
    g.parts = Parts{{P{0, 0}, P{10, 0}, P{10, 10}}, {P{2, 2}, P{3, 2}, P{3, 3}}};
    a.features = {p, l, g};
    Layer& b = t.layers.emplace_back();
    b.name = "empty";
    std::string bytes = encode_tile(t);
    Tile d = decode_tile(bytes);
    REQUIRE(d.layers.size() == 2);
    CHECK(d.layers[0].name == "things");
    CHECK(d.layers[0].extent == 512);
    CHECK(d.layers[0].version == 2);
    REQUIRE(d.layers[0].features.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        const Feature& x = a.features[i];
        const Feature& y = d.layers[0].features[i];
        CHECK(x.id == y.id);
        CHECK(x.type == y.type);
        CHECK(x.properties == y.properties);
        CHECK(x.parts == y.parts);
    }
    CHECK(d.layers[1].features.empty());
    // Keys and values are shared: "ünïcode" and -123456789012 are written
    // once; 1 as int and 1 as uint stay two values.
    if (have_python()) {
        auto py = python_summary_as_ours(bytes);
        CHECK(py == our_summary(d));
    }
    std::size_t count = 0;
    for (std::size_t at = 0; (at = bytes.find("ünïcode", at)) != std::string::npos; ++at) ++count;
    CHECK(count == 1);
}

TEST_CASE("encode_coverage and decode_coverage: round trip in lon/lat", "[tiles]") {
    TileId where{14, 16383, 9138};  // against the antimeridian, south of the equator (Taveuni, Fiji)
    Bbox b = tile_bounds(where);
    Coverage c;
    for (int i = 0; i < 50; ++i) {
        ImagePoint img;
        img.id = std::to_string(1000000000000000ull + i);
        img.sequence_id = "k3j9x0seq" + std::to_string(i / 10);
        img.captured_at = 1690000000000 + i * 2000;
        img.compass_angle = i * 7.3;
        img.is_pano = i % 3 == 0;
        if (i % 2) img.organization_id = "123456789";
        if (i % 4) img.creator_id = "104214208486349";
        img.pos = {b.min_lat + (b.max_lat - b.min_lat) * (i + 0.5) / 50,
                   b.min_lon + (b.max_lon - b.min_lon) * (49.5 - i) / 50};
        c.images.push_back(img);
    }
    for (int s = 0; s < 5; ++s) {
        SequenceLine seq;
        seq.id = "k3j9x0seq" + std::to_string(s);
        seq.image_id = c.images[s * 10].id;
        seq.captured_at = c.images[s * 10].captured_at;
        seq.is_pano = s % 2;
        seq.creator_id = s ? "42" : "";
        auto& line = seq.lines.emplace_back();
        for (int i = s * 10; i < s * 10 + 10; ++i) line.push_back(c.images[i].pos);
        c.sequences.push_back(seq);
    }
    std::string bytes = encode_coverage(c, where);
    Coverage d = decode_coverage(bytes, where);
    REQUIRE(d.images.size() == c.images.size());
    REQUIRE(d.sequences.size() == c.sequences.size());
    // One grid cell of 4096 at z14 is 360/16384/4096 degrees of longitude.
    const double cell = 360.0 / 16384 / 4096;
    for (std::size_t i = 0; i < c.images.size(); ++i) {
        const auto &x = c.images[i], &y = d.images[i];
        CHECK(y.id == x.id);
        CHECK(y.sequence_id == x.sequence_id);
        CHECK(y.captured_at == x.captured_at);
        CHECK(*y.compass_angle == std::fmod(std::round(*x.compass_angle), 360.0));
        CHECK(y.is_pano == x.is_pano);
        CHECK(y.organization_id == x.organization_id);
        CHECK(y.creator_id == x.creator_id);
        CHECK(std::abs(y.pos.lon - x.pos.lon) <= cell / 2 + 1e-12);
        CHECK(std::abs(y.pos.lat - x.pos.lat) <= cell / 2);
    }
    for (std::size_t s = 0; s < c.sequences.size(); ++s) {
        const auto &x = c.sequences[s], &y = d.sequences[s];
        CHECK(y.id == x.id);
        CHECK(y.image_id == x.image_id);
        CHECK(y.captured_at == x.captured_at);
        CHECK(y.is_pano == x.is_pano);
        CHECK(y.creator_id == x.creator_id);
        REQUIRE(y.lines.size() == 1);
        REQUIRE(y.lines[0].size() == x.lines[0].size());
        for (std::size_t i = 0; i < x.lines[0].size(); ++i)
            CHECK(std::abs(y.lines[0][i].lon - x.lines[0][i].lon) <= cell);
    }
    // The wire types are those the service uses: ids as integers, the
    // sequence id as a string, is_pano as bool.
    Tile t = decode_tile(bytes);
    const Feature& f = t.layer("image")->features[0];
    CHECK(std::holds_alternative<std::uint64_t>(*f.get("id")));
    CHECK(std::holds_alternative<std::string>(*f.get("sequence_id")));
    CHECK(std::holds_alternative<bool>(*f.get("is_pano")));
    CHECK(std::holds_alternative<std::int64_t>(*f.get("captured_at")));
    CHECK(f.get("organization_id") == nullptr);  // image 0 has none
    CHECK(std::holds_alternative<std::string>(*t.layer("sequence")->features[0].get("id")));
    if (have_python()) CHECK(python_summary_as_ours(bytes) == our_summary(t));
}

TEST_CASE("read_coverage: wrong geometry and unusable values name the feature", "[tiles]") {
    TileId where{14, 0, 0};
    Tile t;
    Layer& img = t.layers.emplace_back();
    img.name = "image";
    Feature f;
    f.type = GeomType::linestring;
    f.parts = Parts{{P{1, 1}, P{2, 2}}};
    img.features.push_back(f);
    CHECK_THROWS_WITH(read_coverage(t, where), "layer image, feature 0: geometry type 2 where 1 belongs");
    img.features[0].type = GeomType::point;
    img.features[0].parts = Parts{{P{1, 1}}};
    img.features[0].properties = {{"is_pano", std::string("maybe")}};
    CHECK_THROWS_WITH(read_coverage(t, where), "layer image, feature 0: is_pano is not a boolean");
    img.features[0].properties = {{"id", std::int64_t(-5)}};
    CHECK_THROWS_WITH(read_coverage(t, where), "layer image, feature 0: id is negative");
    img.features[0].properties = {{"captured_at", std::string("yesterday")}};
    CHECK_THROWS_WITH(read_coverage(t, where), Catch::Contains("captured_at \"yesterday\" is not a time"));
    // Numbers as text and integral doubles are accepted.
    img.features[0].properties = {{"id", 123.0},
                                  {"captured_at", std::string("1563721072184")},
                                  {"compass_angle", std::string("336.74")},
                                  {"is_pano", std::string("true")}};
    Coverage c = read_coverage(t, where);
    CHECK(c.images[0].id == "123");
    CHECK(c.images[0].captured_at == 1563721072184);
    CHECK(c.images[0].compass_angle == Approx(336.74));
    CHECK(c.images[0].is_pano);
    img.features[0].parts.clear();
    CHECK_THROWS_WITH(read_coverage(t, where), "layer image, feature 0: has no point");
}
