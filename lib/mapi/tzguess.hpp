// tzguess: the time zone of a place, for `--tz auto` of the downloaders.
//
// The guess is the zone of the nearest principal location in the system's
// tz database tables: zone1970.tab (one line per zone that differs since
// 1970) and zone.tab (one line per country and zone). Both are read because
// zone1970.tab alone merges a country into a far-away zone with the same
// rules (Iceland into Africa/Abidjan), so Reykjavik's nearest entry there
// would be Greenland's America/Scoresbysund; zone.tab keeps Atlantic/Reykjavik.
// Nearest by great-circle distance: right wherever a place is closer to its
// own zone's principal city than to another zone's. That holds for most
// populated places; near a border it can pick the neighbour's zone, which
// often has the same rules anyway (Cape Town gets Africa/Maseru, +02:00 like
// Johannesburg). Far better than the seed's UTC + lon/15 hours (wrong near
// most borders and blind to daylight saving), and it needs no shape files.
#pragma once

#include "mapi/geo.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mapi {

class ZoneTable {
public:
    struct Entry {
        LatLon where;
        std::string zone;  // IANA name, "Europe/Berlin"
    };

    // Parses the text of a zone1970.tab (or zone.tab) file. Comment lines
    // ('#') and blank lines are skipped; a line whose coordinates cannot be
    // read is skipped too (the table is the system's, not user input).
    static ZoneTable parse(std::string_view text);

    // The system's tables: $MLY_ZONE_TABLE when set (a file, for tests),
    // else /usr/share/zoneinfo/zone1970.tab and zone.tab together. Read once;
    // empty when none can be read.
    static const ZoneTable& system();

    // The zone of the entry nearest to p; nullopt when the table is empty.
    std::optional<std::string> nearest(LatLon p) const;

    const std::vector<Entry>& entries() const { return entries_; }

private:
    std::vector<Entry> entries_;
};

// "+5230+01322" or "-334200+0182500" (ISO 6709 as the tz table writes it:
// sign and DDMM[SS], then sign and DDDMM[SS]); nullopt when malformed.
std::optional<LatLon> parse_iso6709(std::string_view text);

// ZoneTable::system().nearest(p), or "UTC" when the table is empty.
std::string guess_zone(LatLon p);

}  // namespace mapi
