// The record kept as its text (lib/records.cpp): values a tool does not
// touch come out byte for byte, set() replaces in place or appends, the
// whole line is still validated, and json() builds a document on demand.
// The expected error messages are rapidjson's, with the column of the fault
// counted by hand.
#include <catch2/catch.hpp>

#include "mapi/filter.hpp"
#include "mapi/records.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

using namespace mapi;

namespace {

std::string error_of(const std::string& line) {
    try {
        Record::parse(line);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("untouched lines come back byte for byte", "[records][text]") {
    const std::vector<std::string> lines = {
        "{}",
        R"({"path":"photos/d000/IMG_0000000.JPG","captured_at":"2024-06-01T00:00:00.000Z","lat":48.100020000,"lon":11.500020000,"alt":500.0,"heading":45.0,"width":4000,"orientation":1})",
        // Numbers of every shape, as typed.
        R"({"a":0,"b":-0,"c":-0.0,"d":0.0002,"e":2e-04,"f":1E5,"g":1e+5,"h":-1.5E-7,"i":48.100000000,"j":123456789012345678901234567890})",
        R"({"k":18446744073709551616,"l":-9223372036854775808,"m":1e-400,"n":5e-324,"o":1.7976931348623157e308,"p":0.1e1})",
        // Strings with escapes, \u escapes, a surrogate pair, raw UTF-8.
        R"({"s":"a\"b\\c\/d\b\f\n\r\t","u":"caf\u00e9 \u00E9","pair":"\ud83d\ude00","raw":"café 😀","nul":"\u0000"})",
        // Literals, nesting, empty containers, duplicate names.
        R"({"t":true,"f":false,"z":null,"o":{"a":[1,{"b":[[],{}]},"x"],"c":{}},"arr":[],"dup":1,"dup":2})",
        // Names with escapes.
        R"({"p\u0061th":"x","\"q\"":1,"":"empty"})",
    };
    for (const auto& line : lines) {
        INFO(line);
        auto r = Record::parse(line);
        CHECK(r.to_json() == line);
        Record copy = r;
        CHECK(copy.to_json() == line);
        std::string appended = "x";
        r.append_json(appended);
        CHECK(appended == "x" + line);
        // Building the document changes nothing that is written.
        (void)r.json();
        CHECK(r.to_json() == line);
    }
}

TEST_CASE("spaces between tokens are dropped, those in strings kept", "[records][text]") {
    auto r = Record::parse(" {\t\"a\" : [ 1 , 2 ] ,\r\n \"b\":{ \"c d\" : \" e f \" , \"g\":[ ] } , \"h\" : 1.50 } ");
    CHECK(r.to_json() == R"({"a":[1,2],"b":{"c d":" e f ","g":[]},"h":1.50})");
    CHECK(*r.get_number("h") == 1.5);
    auto s = Record::parse(R"({"a":[ "x\" ]", "y\\" , "]" ]})");
    CHECK(s.to_json() == R"({"a":["x\" ]","y\\","]"]})");
}

TEST_CASE("getters read the text of each value", "[records][text]") {
    auto r = Record::parse(
        R"({"s":"caf\u00e9\n","pair":"\ud83d\ude00","lone":"\udc00","n":"\u0000x","p\u0061th":"a.jpg","i":-12,"d":2.5e1,)"
        R"("big":9223372036854775808,"z":null,"t":true,"o":{"a":1}})");
    CHECK(*r.get_string("s") == "caf\xC3\xA9\n");
    CHECK(*r.get_string("pair") == "\xF0\x9F\x98\x80");
    CHECK(*r.get_string("lone") == "\xED\xB0\x80");  // as rapidjson reads a lone low surrogate
    CHECK(*r.get_string("n") == std::string("\0x", 2));
    CHECK(*r.get_string("path") == "a.jpg");  // the name unescaped
    CHECK(r.key(4) == "path");
    CHECK(*r.get_integer("i") == -12);
    CHECK(*r.get_number("i") == -12);
    CHECK(*r.get_number("d") == 25);
    CHECK(*r.get_integer("d") == 25);
    CHECK_THROWS_AS(r.get_integer("big"), FieldError);
    CHECK(*r.get_number("big") == 9223372036854775808.0);
    CHECK_FALSE(r.has("z"));
    CHECK_FALSE(r.get_string("z"));
    CHECK_FALSE(r.get_number("z"));
    CHECK_FALSE(r.get_integer("z"));
    CHECK(r.has("t"));
    CHECK_THROWS_AS(r.get_number("t"), FieldError);
    CHECK_THROWS_AS(r.get_string("o"), FieldError);
    CHECK_THROWS_AS(r.get_number("s"), FieldError);
    CHECK_FALSE(r.has("missing"));
    CHECK(r.size() == 11);
}

TEST_CASE("set replaces in place, or appends; remove keeps the order", "[records][text]") {
    auto r = Record::parse(R"({"a":1.50,"lat":48.100000000,"b":"x","c":[1, 2]})");
    r.set("lat", 46.05);
    r.set("new", "t\"ab\x01\xC3\xA9");
    r.set("n", std::int64_t{-7});
    r.set("zero", -0.0);
    r.set("nan", std::nan(""));
    CHECK(r.to_json() == R"({"a":1.50,"lat":46.05,"b":"x","c":[1,2],"new":"t\"ab\u0001é","n":-7,"zero":-0.0,"nan":null})");
    CHECK(*r.get_number("lat") == 46.05);
    CHECK(*r.get_string("new") == "t\"ab\x01\xC3\xA9");
    CHECK(std::signbit(*r.get_number("zero")));
    CHECK_FALSE(r.has("nan"));
    r.set("b", 0.1);  // another type, same place
    r.remove("a");
    r.remove("missing");
    CHECK(r.to_json() == R"({"lat":46.05,"b":0.1,"c":[1,2],"new":"t\"ab\u0001é","n":-7,"zero":-0.0,"nan":null})");

    // A name set anew is escaped; it is found by its plain text.
    r.set("q\"uote", "v");
    CHECK(*r.get_string("q\"uote") == "v");
    CHECK(r.to_json().find(R"("q\"uote":"v")") != std::string::npos);

    // Duplicates: set and remove take the first.
    auto d = Record::parse(R"({"k":1,"x":0,"k":2})");
    d.set("k", std::int64_t{3});
    CHECK(d.to_json() == R"({"k":3,"x":0,"k":2})");
    d.remove("k");
    CHECK(d.to_json() == R"({"x":0,"k":2})");
    CHECK(*d.get_integer("k") == 2);
}

TEST_CASE("set with a name that is a view of the record itself", "[records][text]") {
    auto r = Record::parse(R"({"first":1,"second":2})");
    for (int i = 0; i < 100; ++i) r.set(r.key(0), std::string(50, 'x'));  // the text grows under the view
    r.set(std::string(r.key(1)) + "!", r.key(1));
    CHECK(r.to_json() == R"({"first":")" + std::string(50, 'x') + R"(","second":2,"second!":"second"})");
}

TEST_CASE("a record set over and over stays correct", "[records][text]") {
    auto r = Record::parse(R"({"a":"keep \u00e9","p\u0061th":1,"b":2})");
    for (int i = 0; i < 20000; ++i) {
        r.set("loop", std::int64_t{i});
        r.set("b", "some longer text, set again and again " + std::to_string(i));
    }
    r.remove("p\u0061th");
    CHECK(r.to_json() == R"({"a":"keep \u00e9","b":"some longer text, set again and again 19999","loop":19999})");
}

TEST_CASE("bare and empty records", "[records][text]") {
    CHECK(Record().to_json() == "{}");
    CHECK(Record().size() == 0);
    auto b = Record::bare("path", "dir/a \"b\".jpg");
    CHECK(b.to_json() == R"({"path":"dir/a \"b\".jpg"})");
    CHECK(b.size() == 1);
    CHECK(b.key(0) == "path");
}

TEST_CASE("malformed lines are refused with rapidjson's message and column", "[records][text]") {
    CHECK(error_of(R"({"a":1,)") == "malformed JSON: Missing a name for object member. (column 8)");
    CHECK(error_of(R"({"a":1} trailing)") == "malformed JSON: The document root must not be followed by other values. (column 9)");
    CHECK(error_of(R"({"a":"b\x"})") == "malformed JSON: Invalid escape character in string. (column 8)");
    CHECK(error_of(R"({"a":01})") == "malformed JSON: Missing a comma or '}' after an object member. (column 7)");
    CHECK(error_of(R"({"a":1.})") == "malformed JSON: Miss fraction part in number. (column 8)");
    CHECK(error_of(R"({"a":1e})") == "malformed JSON: Miss exponent in number. (column 8)");
    CHECK(error_of(R"({"a":-})") == "malformed JSON: Invalid value. (column 7)");
    CHECK(error_of(R"({"a":.5})") == "malformed JSON: Invalid value. (column 6)");
    CHECK(error_of(R"({"a":"\ud800"})") == "malformed JSON: The surrogate pair in string is invalid. (column 7)");
    CHECK(error_of(R"({"a":"\u12G4"})") == "malformed JSON: Incorrect hex digit after \\u escape in string. (column 7)");
    CHECK(error_of(R"({"a":1e400})") == "malformed JSON: Number too big to be stored in double. (column 6)");
    CHECK(error_of(R"({"a" 1})") == "malformed JSON: Missing a colon after a name of object member. (column 6)");
    CHECK(error_of(R"({"a":tru})") == "malformed JSON: Invalid value. (column 9)");
    CHECK(error_of(R"({"a":[1,2})") == "malformed JSON: Missing a comma or ']' after an array element. (column 10)");
    CHECK(error_of(R"({"a":"open)") == "malformed JSON: Missing a closing quotation mark in string. (column 11)");
    CHECK(error_of(R"({a:1})") == "malformed JSON: Missing a name for object member. (column 2)");
    CHECK(error_of(R"({"a":1}})") == "malformed JSON: The document root must not be followed by other values. (column 8)");
    CHECK(error_of("{\"a\":\"tab\there\"}") == "malformed JSON: Invalid escape character in string. (column 10)");
    CHECK(error_of(std::string("{\"a\":\"nul\0\"}", 11)) == "malformed JSON: Missing a closing quotation mark in string. (column 10)");
    CHECK(error_of("[1,2]") == "malformed JSON: a record must be an object");
    CHECK(error_of(R"("text")") == "malformed JSON: a record must be an object");
}

TEST_CASE("nesting: deep values read, too deep is an error", "[records][text]") {
    // Past 64 levels the quick scan hands over to the full parser; both agree.
    for (int depth : {1, 62, 63, 64, 65, 200, 998}) {
        INFO(depth);
        const std::string line = R"({"a":)" + std::string(depth, '[') + "1" + std::string(depth, ']') + R"(,"b":2})";
        auto r = Record::parse(line);
        CHECK(r.to_json() == line);
        CHECK(*r.get_integer("b") == 2);
    }
    const std::string objects = [] {
        std::string s = R"({"a":)";
        for (int i = 0; i < 300; ++i) s += R"({"k":)";
        s += "null";
        for (int i = 0; i < 300; ++i) s += "}";
        return s + "}";
    }();
    CHECK(Record::parse(objects).to_json() == objects);
    const std::string too_deep = R"({"a":)" + std::string(1000, '[') + std::string(1000, ']') + "}";
    CHECK(error_of(too_deep).find("nested deeper than 1000 levels") != std::string::npos);
}

TEST_CASE("the line is validated past the members a tool reads", "[records][text]") {
    // Errors deep inside a value, after a surrogate (full parser), or far
    // into a long line are still errors.
    CHECK(error_of(R"({"path":"a.jpg","x":{"y":[1,2,{"z":tru}]}})").find("Invalid value") != std::string::npos);
    CHECK(error_of(R"({"s":"\ud83d\ude00","x":[1,}])").find("malformed JSON") == 0);
    CHECK(error_of(R"({"a":)" + std::string(100, '[') + "1,]" + std::string(99, ']') + "}").find("malformed JSON") == 0);
    CHECK(error_of(R"({"n":123456789012345678901234567890123456789012345678901234567890e300})")
              .find("too big to be stored in double") != std::string::npos);
}

TEST_CASE("json() builds the document; untouched values are still written as read", "[records][text]") {
    auto r = Record::parse(R"({"lat":48.100000000,"s":"caf\u00e9","x":1,"o":{"k":[1.50]}})");
    auto& obj = r.json();
    CHECK(obj["lat"].GetDouble() == 48.1);
    obj["x"].SetInt(2);
    rapidjson::Value m(rapidjson::kObjectType);
    m.AddMember("altitude", -12.5, r.allocator());
    obj.AddMember("mapillary", m, r.allocator());
    CHECK(r.to_json() == R"({"lat":48.100000000,"s":"caf\u00e9","x":2,"o":{"k":[1.50]},"mapillary":{"altitude":-12.5}})");
    // The getters, set and remove work on the document from now on.
    CHECK(*r.get_integer("x") == 2);
    r.set("s", "new");
    r.remove("o");
    CHECK(r.to_json() == R"({"lat":48.100000000,"s":"new","x":2,"mapillary":{"altitude":-12.5}})");
    CHECK(r.size() == 4);
    CHECK(r.key(3) == "mapillary");
    Record copy = r;
    CHECK(copy.to_json() == r.to_json());
    std::string member;
    r.append_member(0, member);
    CHECK(member == R"("lat":48.100000000)");
}

TEST_CASE("strings are escaped as rapidjson's writer escapes them", "[records][text]") {
    std::string all;
    for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.String(all.data(), static_cast<rapidjson::SizeType>(all.size()));
    std::string ours;
    append_json_string(ours, all);
    CHECK(ours == std::string(buf.GetString(), buf.GetSize()));
    CHECK(json_string("a\"b") == R"("a\"b")");
}

TEST_CASE("the stream reader: long lines, blocks, a last line without newline", "[records][text]") {
    // Lines across the reader's 1 MiB blocks, one longer than a block.
    std::string input;
    const std::string big(3 << 20, 'x');
    for (int i = 0; i < 30000; ++i) input += R"({"i":)" + std::to_string(i) + R"(,"pad":"0123456789012345678901234567890123456789"})" + "\n";
    input += R"({"big":")" + big + "\"}\r\n";
    input += "\n# the end\n";
    input += R"({"last":true})";
    std::istringstream in(input);
    RecordInput reader(in, "many.jsonl", "path");
    InputItem item;
    for (int i = 0; i < 30000; ++i) {
        REQUIRE(reader.next(item));
        REQUIRE(item.error.empty());
        REQUIRE(item.line == static_cast<std::uint64_t>(i + 1));
        REQUIRE(*item.record.get_integer("i") == i);
    }
    REQUIRE(reader.next(item));
    CHECK(item.line == 30001);
    CHECK(item.record.get_string("big")->size() == big.size());
    REQUIRE(reader.next(item));
    CHECK(item.line == 30004);
    CHECK(item.record.to_json() == R"({"last":true})");
    CHECK_FALSE(reader.next(item));
    CHECK_FALSE(reader.next(item));
}

TEST_CASE("the stream reader: a bad line, then good ones reusing the record", "[records][text]") {
    std::istringstream in("{\"a\":1,\"b\":\"long enough to need the heap\"}\n{\"a\":\n{\"c\":3}\nbare.jpg\n");
    RecordInput reader(in, "f", "path");
    InputItem item;
    REQUIRE(reader.next(item));
    CHECK(item.record.to_json() == R"({"a":1,"b":"long enough to need the heap"})");
    Record kept = std::move(item.record);
    REQUIRE(reader.next(item));
    CHECK(item.error == "malformed JSON: Invalid value. (column 6)");
    CHECK(item.record.to_json() == "{}");
    REQUIRE(reader.next(item));
    CHECK(item.error.empty());
    CHECK(item.record.to_json() == R"({"c":3})");
    REQUIRE(reader.next(item));
    CHECK(item.record.to_json() == R"({"path":"bare.jpg"})");
    CHECK(kept.to_json() == R"({"a":1,"b":"long enough to need the heap"})");
}

TEST_CASE("OpenFields holds a record's text without its open fields", "[records][text]") {
    OpenFields f({"heading", "lat"});
    auto r = Record::parse(R"({"lat":1.000,"a":"x\u00e9","heading":5,"b":[1, 2],"heading":6})");
    auto held = f.hold(r);
    // The second "heading" is another member: only the first is taken out.
    CHECK(held.text == R"({"a":"x\u00e9","b":[1,2],"heading":6})");
    CHECK(r.to_json() == held.text);
    std::string out;
    std::string_view values[2] = {"7", "2.5"};
    f.write(held, values, out);
    CHECK(out == R"({"lat":2.5,"a":"x\u00e9","heading":7,"b":[1,2],"heading":6})");
}
