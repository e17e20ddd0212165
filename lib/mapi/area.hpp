// area: every image inside a bbox of any size, through the Graph API's
// image search (reference section 3).
//
// The search answers only for a bbox under 0.01 square degrees, and only up
// to `limit` images (a sample, not pages), so a larger area is cut into
// cells under that size, and a cell whose answer is full (or that the
// service refuses as too dense: HTTP 500 "reduce the amount of data") is cut
// into quarters and asked again, down to cells of about a metre. Cells share
// their edges, so an image on an edge comes back twice: each is handed on
// once. Cells are asked row by row from the north-west, so the order of the
// output is stable.
//
// Cost: one request per cell when coverage is thin; a 1 x 1 degree area is
// 110 cells. Anything beyond the global bounds is refused, not wrapped.
#pragma once

#include "mapi/api.hpp"
#include "mapi/tiles.hpp"
#include "mapi/time.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mapi {

using tiles::Bbox;

// The API refuses a bbox of 0.01 square degrees or more.
inline constexpr double max_search_area = 0.01;
// A cell narrower than this (about 1 m) is not cut further.
inline constexpr double min_cell_side = 1e-5;

// "W,S,E,N" in degrees (spaces allowed around the numbers). Throws
// std::invalid_argument with a message saying what is wrong: not four
// numbers, a latitude or longitude out of range, west east of east, or south
// north of north.
Bbox parse_bbox(std::string_view text);
std::string to_string(const Bbox& box);  // "W,S,E,N", shortest round-trip numbers

// The bbox cut into a grid of equal cells, each of area below max_area,
// numbered row by row from the north-west. Cells are made when asked for, so
// the whole globe (6.6 million cells) costs no memory.
class CellGrid {
public:
    explicit CellGrid(const Bbox& box, double max_area = max_search_area * 0.98);
    std::size_t size() const { return cols_ * rows_; }
    Bbox operator[](std::size_t i) const;

private:
    Bbox box_;
    std::size_t cols_ = 1, rows_ = 1;
};

struct AreaQuery {
    Bbox box;
    std::optional<std::string> creator_username;
    std::optional<Instant> since, until;  // captured_at bounds, inclusive
    bool pano_only = false;
    std::string fields;        // image fields to ask for; id and what the filters need are added
    std::size_t limit = 2000;  // images asked per cell; an answer this full is cut
};

struct AreaStats {
    std::size_t cells = 0;       // cells asked
    std::size_t splits = 0;      // cells cut into quarters
    std::size_t repeats = 0;     // images seen again (on a cell edge, or in the quarters of a cut cell)
    std::size_t images = 0;      // images handed on
    std::vector<Bbox> incomplete;  // cells still full at the smallest size
};

struct AreaCallbacks {
    std::function<void(Image& image)> image;                // each image, once
    std::function<void(const Bbox& cell)> cell_done;        // progress; may be empty
    std::function<void(const std::string& message)> note;   // for -v; may be empty
};

// Runs the search; errors of the API (AuthError, NetworkError, ApiError)
// propagate. The filters are sent to the service and checked again on the
// answers, so a service that ignores one (is_pano without creator_username)
// does not let wrong images through.
AreaStats search_area(MapillaryApi& api, const AreaQuery& query, const AreaCallbacks& callbacks);

}  // namespace mapi
