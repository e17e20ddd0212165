// Regressions found by fuzz/record_reader: lines that broke the record
// reader or made to_json() write something that is not JSON.
#include <catch2/catch.hpp>

#include "mapi/records.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <string>

using namespace mapi;

TEST_CASE("numbers below the smallest subnormal read as zero", "[records][fuzz]") {
    // rapidjson 1.1.0 read 1e-324 as NaN (written back as "-nan") and
    // 1e-325 as -2.2e307.
    // Untouched, they are written back as they were read.
    const std::string line = R"({"a":1e-324,"b":1e-325,"c":-1e-324,"d":0.1e-323,"e":1e-400})";
    auto r = Record::parse(line);
    CHECK(r.to_json() == line);
    for (const char* k : {"a", "b", "d", "e"}) {
        CHECK(*r.get_number(k) == 0);
        CHECK_FALSE(std::signbit(*r.get_number(k)));
    }
    CHECK(*r.get_number("c") == 0);
    CHECK(std::signbit(*r.get_number("c")));
    CHECK(Record::parse(r.to_json()).to_json() == r.to_json());
    // The document json() builds holds the same values; written, they come
    // out as read, since they did not change.
    CHECK(r.json()["c"].GetDouble() == 0);
    CHECK(std::signbit(r.json()["c"].GetDouble()));
    CHECK(r.to_json() == line);
}

TEST_CASE("subnormal and extreme numbers keep their value", "[records][fuzz]") {
    auto r = Record::parse(R"({"a":5e-324,"b":2.5e-324,"c":1e-323,"d":1.7976931348623157e308,"e":-2.2250738585072014e-308})");
    CHECK(*r.get_number("a") == std::numeric_limits<double>::denorm_min());
    CHECK(*r.get_number("b") == std::numeric_limits<double>::denorm_min());
    CHECK(*r.get_number("c") == 2 * std::numeric_limits<double>::denorm_min());
    CHECK(*r.get_number("d") == std::numeric_limits<double>::max());
    CHECK(*r.get_number("e") == -std::numeric_limits<double>::min());
    CHECK(Record::parse(r.to_json()).to_json() == r.to_json());
}

TEST_CASE("integers keep their types and doubles beyond 64 bits round", "[records][fuzz]") {
    const std::string line = R"({"a":-0,"b":18446744073709551615,"c":-9223372036854775808,"d":18446744073709551616,"e":1.0})";
    auto r = Record::parse(line);
    CHECK(r.to_json() == line);
    CHECK(*r.get_integer("a") == 0);
    CHECK_FALSE(std::signbit(*r.get_number("a")));  // the integer 0, not -0.0
    CHECK_THROWS_AS(r.get_integer("b"), FieldError);  // beyond int64
    CHECK(*r.get_number("b") == 18446744073709551615.0);
    CHECK(*r.get_integer("c") == std::numeric_limits<std::int64_t>::min());
    CHECK_THROWS_AS(r.get_integer("d"), FieldError);
    CHECK(*r.get_integer("e") == 1);
    CHECK(r.json()["a"].IsInt64());
    CHECK(r.json()["b"].IsUint64());
    CHECK(r.json()["d"].IsDouble());
    CHECK(r.json()["e"].IsDouble());
    CHECK(r.to_json() == line);
}

TEST_CASE("negative zero survives a round trip", "[records][fuzz]") {
    // It used to be written "-0", which reads back as the integer 0.
    auto r = Record::parse(R"({"z":-0.0})");
    CHECK(r.to_json() == R"({"z":-0.0})");
    CHECK(std::signbit(*Record::parse(r.to_json()).get_number("z")));
}

TEST_CASE("numbers too big for a double are refused", "[records][fuzz]") {
    CHECK_THROWS_WITH(Record::parse(R"({"a":1e400})"), Catch::Contains("too big to be stored in double") && Catch::Contains("column"));
    CHECK_THROWS_WITH(Record::parse(R"({"a":-123.5e99999999999999999999})"), Catch::Contains("too big to be stored in double"));
    CHECK_THROWS_WITH(Record::parse(R"({"a":1.7976931348623159e308})"), Catch::Contains("too big to be stored in double"));
}

TEST_CASE("non-finite numbers stored directly are written as null", "[records][fuzz]") {
    Record r;
    r.json().AddMember("n", std::nan(""), r.allocator());
    CHECK(r.to_json() == R"({"n":null})");
}

TEST_CASE("deep nesting is an error of that line, not a crash", "[records][fuzz]") {
    const std::string deep = R"({"a":)" + std::string(200000, '[') + std::string(200000, ']') + "}";
    CHECK_THROWS_WITH(Record::parse(deep), Catch::Contains("nested deeper than 1000 levels"));
    const std::string unclosed = R"({"a":)" + std::string(200000, '{');
    CHECK_THROWS_AS(Record::parse(unclosed), std::invalid_argument);

    // The limit leaves room for anything a record holds.
    const std::string ok = R"({"a":)" + std::string(998, '[') + std::string(998, ']') + "}";
    auto r = Record::parse(ok);
    CHECK(Record::parse(r.to_json()).to_json() == ok);

    std::istringstream in(deep + "\n{\"path\":\"b.jpg\"}\n");
    RecordInput input(in, "deep.jsonl", "path");
    InputItem item;
    REQUIRE(input.next(item));
    CHECK(item.error.find("nested deeper") != std::string::npos);
    REQUIRE(input.next(item));
    CHECK(item.error.empty());
    CHECK(item.record.get_string("path") == "b.jpg");
}
