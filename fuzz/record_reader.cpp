// The record stream on arbitrary bytes: lines read by RecordInput, fields
// read, set and written back.
//
// Promises checked: a line is either a record or an error, never an
// exception; the typed getters throw only FieldError; to_json() is JSON that
// Record::parse reads back into the same record (same text again), with the
// set fields at their place.
#include "check.hpp"
#include "mapi/records.hpp"

#include <cmath>
#include <sstream>
#include <string>

using namespace mapi;

namespace {

void check_round_trip(const Record& r) {
    const std::string json = r.to_json();
    FUZZ_CHECK(json.find('\n') == std::string::npos);
    Record back = Record::parse(json);  // must not throw
    FUZZ_CHECK(back.to_json() == json);
    Record copy = back;
    FUZZ_CHECK(copy.to_json() == json);
}

void read_fields(const Record& r) {
    for (const char* key : {"path", "lat", "lon", "captured_at", "width", "heading", "mapillary", ""}) {
        try {
            (void)r.has(key);
            (void)r.get_string(key);
        } catch (const FieldError&) {
        }
        try {
            if (auto d = r.get_number(key)) FUZZ_CHECK(std::isfinite(*d));
        } catch (const FieldError&) {
        }
        try {
            (void)r.get_integer(key);
        } catch (const FieldError&) {
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    RecordInput input(in, "fuzz", "path");
    InputItem item;
    uint64_t last_line = 0;
    while (input.next(item)) {
        FUZZ_CHECK(item.line > last_line);
        last_line = item.line;
        if (!item.error.empty()) {
            FUZZ_CHECK(item.record.to_json() == "{}");
            continue;
        }
        Record& r = item.record;
        read_fields(r);
        check_round_trip(r);

        // Fields set by a tool: replaced in place or appended, read back as set.
        r.set("lat", 52.5);
        r.set("captured_at", "2024-06-01T10:00:00.120Z");
        r.set("width", std::int64_t{4000});
        r.set("heading", std::nan(""));  // not finite: written as null
        FUZZ_CHECK(r.get_number("lat") == 52.5);
        FUZZ_CHECK(r.get_string("captured_at") == "2024-06-01T10:00:00.120Z");
        FUZZ_CHECK(r.get_integer("width") == 4000);
        FUZZ_CHECK(!r.has("heading"));
        // remove takes the first member of that name; a line may repeat it,
        // so as many removes as there are members clear it.
        for (std::size_t k = r.size(); k > 0 && r.has("path"); --k) r.remove("path");
        FUZZ_CHECK(!r.has("path"));
        read_fields(r);
        check_round_trip(r);
    }
    return 0;
}
