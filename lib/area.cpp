#include "mapi/area.hpp"

#include "mapi/geo.hpp"
#include "mapi/imagerecord.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <unordered_set>

namespace mapi {

namespace {

std::string shortest(double v) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Edge i of n equal parts of [lo, hi]; the last edge is hi itself.
double edge(double lo, double hi, std::size_t i, std::size_t n) {
    return i >= n ? hi : lo + (hi - lo) * double(i) / double(n);
}

std::size_t parts(double length, double max_part) {
    if (!(length > 0)) return 1;
    double n = std::ceil(length / max_part);
    return n < 1 ? 1 : std::size_t(n);
}

// Adds name to a comma-separated list unless it is there.
void add_field(std::string& fields, std::string_view name) {
    std::string_view rest = fields;
    while (!rest.empty()) {
        auto comma = rest.find(',');
        if (trim(rest.substr(0, comma)) == name) return;
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    if (!fields.empty()) fields += ',';
    fields += name;
}

bool too_dense(const ApiError& e) {
    // HTTP 500 "Please reduce the amount of data you're asking for" (reference
    // section 3): the same bbox would fail again, a smaller one may not.
    return e.status >= 500;
}

struct Search {
    MapillaryApi& api;
    const AreaQuery& q;
    const AreaCallbacks& cb;
    std::string fields;
    AreaStats stats;
    std::unordered_set<std::string> seen;

    bool wanted(const Image& img) const {
        if (q.creator_username && img.creator_username && *img.creator_username != *q.creator_username) return false;
        if (img.captured_at) {
            Instant t{std::chrono::milliseconds(*img.captured_at)};
            if (q.since && t < *q.since) return false;
            if (q.until && t > *q.until) return false;
        } else if (q.since || q.until) {
            return false;
        }
        if (q.pano_only && !is_spherical(img)) return false;
        return true;
    }

    MapillaryApi::Params params(const Bbox& cell) const {
        MapillaryApi::Params p{{"bbox", to_string(cell)}};
        if (q.creator_username) p.emplace_back("creator_username", *q.creator_username);
        if (q.since) p.emplace_back("start_captured_at", format_rfc3339_utc(*q.since));
        if (q.until) p.emplace_back("end_captured_at", format_rfc3339_utc(*q.until));
        if (q.pano_only) p.emplace_back("is_pano", "true");
        p.emplace_back("limit", std::to_string(q.limit));
        return p;
    }

    void split(const Bbox& c) {
        ++stats.splits;
        double mid_lon = c.min_lon + (c.max_lon - c.min_lon) / 2, mid_lat = c.min_lat + (c.max_lat - c.min_lat) / 2;
        for (const Bbox& quarter : {Bbox{c.min_lon, mid_lat, mid_lon, c.max_lat}, Bbox{mid_lon, mid_lat, c.max_lon, c.max_lat},
                                    Bbox{c.min_lon, c.min_lat, mid_lon, mid_lat}, Bbox{mid_lon, c.min_lat, c.max_lon, mid_lat}})
            cell(quarter);
    }

    void cell(const Bbox& c) {
        bool divisible = c.max_lon - c.min_lon > min_cell_side || c.max_lat - c.min_lat > min_cell_side;
        ++stats.cells;
        std::size_t last_page = 0;
        try {
            api.search_images(params(c), fields, [&](std::vector<Image>& page) {
                last_page = page.size();
                for (Image& img : page) {
                    if (!wanted(img)) continue;
                    if (!seen.insert(img.id).second) {
                        ++stats.repeats;
                        continue;
                    }
                    ++stats.images;
                    cb.image(img);
                }
                return true;
            });
        } catch (const ApiError& e) {
            if (!too_dense(e) || !divisible) throw;
            if (cb.note) cb.note("cell " + to_string(c) + " refused as too dense, cut into quarters: " + e.what());
            split(c);
            return;
        }
        if (cb.cell_done) cb.cell_done(c);
        if (last_page < q.limit) return;
        if (!divisible) {
            stats.incomplete.push_back(c);
            return;
        }
        if (cb.note) cb.note("cell " + to_string(c) + " answered the full " + std::to_string(q.limit) + " images, cut into quarters");
        split(c);
    }
};

}  // namespace

Bbox parse_bbox(std::string_view text) {
    std::vector<double> v;
    std::string_view rest = text;
    for (int i = 0; i < 4; ++i) {
        auto comma = rest.find(',');
        if ((comma == std::string_view::npos) != (i == 3))
            throw std::invalid_argument("bbox '" + std::string(text) + "' is not W,S,E,N (four numbers)");
        std::string_view part = trim(rest.substr(0, comma));
        if (!part.empty() && part.front() == '+') part.remove_prefix(1);
        double d = 0;
        auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), d);
        if (part.empty() || ec != std::errc() || end != part.data() + part.size() || !std::isfinite(d))
            throw std::invalid_argument("bbox '" + std::string(text) + "': '" + std::string(trim(rest.substr(0, comma))) +
                                        "' is not a number");
        v.push_back(d);
        if (comma != std::string_view::npos) rest.remove_prefix(comma + 1);
    }
    Bbox b{v[0], v[1], v[2], v[3]};
    const char* names[] = {"west", "south", "east", "north"};
    for (int i = 0; i < 4; ++i) {
        bool lon = i % 2 == 0;
        if (lon ? !valid_lon(v[i]) : !valid_lat(v[i]))
            throw std::invalid_argument("bbox '" + std::string(text) + "': " + names[i] + " " + shortest(v[i]) +
                                        (lon ? " is not a longitude in [-180, 180]" : " is not a latitude in [-90, 90]"));
    }
    if (b.min_lon > b.max_lon)
        throw std::invalid_argument("bbox '" + std::string(text) + "': west " + shortest(b.min_lon) + " is east of east " +
                                    shortest(b.max_lon) + " (the order is W,S,E,N; a bbox across the antimeridian "
                                    "is two searches)");
    if (b.min_lat > b.max_lat)
        throw std::invalid_argument("bbox '" + std::string(text) + "': south " + shortest(b.min_lat) +
                                    " is north of north " + shortest(b.max_lat) + " (the order is W,S,E,N)");
    return b;
}

std::string to_string(const Bbox& b) {
    return shortest(b.min_lon) + "," + shortest(b.min_lat) + "," + shortest(b.max_lon) + "," + shortest(b.max_lat);
}

CellGrid::CellGrid(const Bbox& box, double max_area) : box_(box) {
    double w = box.max_lon - box.min_lon, h = box.max_lat - box.min_lat;
    double side = std::sqrt(max_area);
    // The shorter side cut into squares' widths, the longer one into the
    // longest cells that stay under max_area: a thin strip needs few cells.
    if (w <= h) {
        cols_ = parts(w, side);
        double cw = w / double(cols_);
        rows_ = cw > 0 ? parts(h, max_area / cw) : parts(h, side);
    } else {
        rows_ = parts(h, side);
        double ch = h / double(rows_);
        cols_ = ch > 0 ? parts(w, max_area / ch) : parts(w, side);
    }
}

Bbox CellGrid::operator[](std::size_t i) const {
    std::size_t row = rows_ - 1 - i / cols_, col = i % cols_;  // row 0 is the southernmost
    return {edge(box_.min_lon, box_.max_lon, col, cols_), edge(box_.min_lat, box_.max_lat, row, rows_),
            edge(box_.min_lon, box_.max_lon, col + 1, cols_), edge(box_.min_lat, box_.max_lat, row + 1, rows_)};
}

AreaStats search_area(MapillaryApi& api, const AreaQuery& query, const AreaCallbacks& callbacks) {
    if (query.limit < 1) throw std::invalid_argument("the search limit must be at least 1");
    Search s{api, query, callbacks, query.fields, {}, {}};
    add_field(s.fields, "id");
    if (query.since || query.until) add_field(s.fields, "captured_at");
    if (query.creator_username) add_field(s.fields, "creator");
    if (query.pano_only) {
        add_field(s.fields, "camera_type");
        add_field(s.fields, "is_pano");
    }
    CellGrid cells(query.box);
    if (callbacks.note)
        callbacks.note("bbox " + to_string(query.box) + ": " + std::to_string(cells.size()) + " cells to search");
    for (std::size_t i = 0; i < cells.size(); ++i) s.cell(cells[i]);
    return s.stats;
}

}  // namespace mapi
