// filter: what the record filters (mly-fixdates, mly-direction, mly-dedupe,
// mly-split) share: reading the stream, the typed fields they work on, and
// records held as text.
//
// A filter reads stdin, or each record file named on its command line (as jq
// does); a line that is not JSON is reported with its file and line, counted,
// and skipped (design section 4).
#pragma once

#include "mapi/cli.hpp"
#include "mapi/geo.hpp"
#include "mapi/records.hpp"
#include "mapi/time.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mapi {

// Calls each(item) for every record of stdin (files empty) or of each record
// file in turn. Bad lines and unreadable files are reported through
// tool.fail() and never reach each().
void for_each_record(cli::Tool& tool, const std::vector<std::string>& files,
                     const std::function<void(InputItem&)>& each);

// lat and lon, when the record has both. Throws FieldError for a wrong type,
// one without the other, or a value out of range.
std::optional<LatLon> record_position(const Record& rec);
// captured_at as an instant; throws FieldError when it is not RFC 3339.
std::optional<Instant> record_time(const Record& rec);
// heading as a number; throws FieldError for a wrong type.
std::optional<double> record_heading(const Record& rec);
// sequence_id; records without one (or with "") are one group, "".
std::string record_sequence(const Record& rec);

// The order that sorts keys byte by byte: keys equal, by then_by (when
// given), then by index. Fast on a million paths: the comparisons read 16
// bytes kept beside each index (after the prefix all keys share), and look
// at the strings themselves only where those are equal.
std::vector<std::uint32_t> sorted_order(const std::vector<std::string_view>& keys,
                                        const std::vector<std::string_view>* then_by = nullptr);

// JSON text of a value, as Record::to_json() writes it.
std::string json_string(std::string_view s);
std::string json_number(double d);

// "1 photo", "2 photos": n and the noun, plural with an s.
std::string count_of(std::uint64_t n, std::string_view noun);

// A decimal with at most `decimals` places and no trailing zeros, for
// messages: 75 -> "75", 0.04 -> "0.04".
std::string format_number(double d, int decimals);

// A record kept as its compact JSON text, with some fields ("open fields")
// taken out, to be filled in when it is written. Holding a million of these
// costs little more than their text, where a million Records would each hold
// a parsed document; tools that sort or queue records keep them this way.
// Each open field goes back where it stood in the record, or at the end when
// the record did not have it, as Record::set() would put it.
class OpenFields {
public:
    static constexpr std::size_t max_fields = 4;
    explicit OpenFields(std::vector<std::string> keys);

    struct Places {
        std::array<std::uint32_t, max_fields> at{};  // where each open field goes in the text (size: appended)
        std::array<std::uint8_t, max_fields> order{0, 1, 2, 3};  // the open fields in output order
    };
    struct Held {
        std::string text;  // compact JSON without the open fields
        Places places;
    };
    // Takes the open fields out of rec (it loses them) and keeps the rest as text.
    Held hold(Record& rec) const;
    // The same, the text written into `text` (cleared first): a buffer a
    // tool reuses from record to record.
    Places hold(Record& rec, std::string& text) const;
    // Appends the record to out with the open fields set: values[i] is the
    // JSON text of keys[i]'s value, or empty to leave the field out.
    void write(std::string_view text, const Places& places, std::span<const std::string_view> values,
               std::string& out) const;
    void write(const Held& h, std::span<const std::string_view> values, std::string& out) const {
        write(h.text, h.places, values, out);
    }

    const std::vector<std::string>& keys() const { return keys_; }

private:
    std::vector<std::string> keys_;
};

// Many strings kept in a few large blocks: holding a million records' text
// costs the bytes, not a million allocations (and frees).
class TextArena {
public:
    std::string_view add(std::string_view s);

private:
    std::vector<std::unique_ptr<char[]>> blocks_;
    std::size_t used_ = 0, size_ = 0;  // of the last block
};

}  // namespace mapi
