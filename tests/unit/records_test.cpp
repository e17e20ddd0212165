#include <catch2/catch.hpp>

#include "mapi/records.hpp"

#include <sstream>

using namespace mapi;

TEST_CASE("records keep key order and pass unknown fields through", "[records]") {
    auto r = Record::parse(R"({"zeta":1,"path":"a.jpg","nested":{"b":[1,2,{"c":null}]},"alpha":"x"})");
    r.set("lat", 46.051079038123);
    r.set("path", "b.jpg");  // replaced in place
    CHECK(r.to_json() == R"({"zeta":1,"path":"b.jpg","nested":{"b":[1,2,{"c":null}]},"alpha":"x","lat":46.051079038123})");
}

TEST_CASE("numbers keep full double precision", "[records]") {
    auto r = Record::parse(R"({"lat":-33.868819999999996,"lon":151.20929000000001,"n":12345678901234,"t":0.1})");
    auto again = Record::parse(r.to_json());
    CHECK(*again.get_number("lat") == -33.868819999999996);
    CHECK(*again.get_number("lon") == 151.20929000000001);
    CHECK(*again.get_integer("n") == 12345678901234);
    CHECK(again.to_json().find("\"t\":0.1") != std::string::npos);
}

TEST_CASE("typed getters refuse the wrong type", "[records]") {
    auto r = Record::parse(R"({"lat":"north","lon":null,"w":4000.0,"h":1.5})");
    CHECK_THROWS_AS(r.get_number("lat"), FieldError);
    CHECK_FALSE(r.get_number("lon"));
    CHECK_FALSE(r.has("lon"));
    CHECK_FALSE(r.get_number("missing"));
    CHECK(*r.get_integer("w") == 4000);
    CHECK_THROWS_AS(r.get_integer("h"), FieldError);
    CHECK_THROWS_AS(r.get_string("w"), FieldError);
}

TEST_CASE("remove keeps the order of the rest", "[records]") {
    auto r = Record::parse(R"({"a":1,"b":2,"c":3})");
    r.remove("b");
    r.remove("nothing");
    CHECK(r.to_json() == R"({"a":1,"c":3})");
}

TEST_CASE("malformed JSON is refused with a column", "[records]") {
    CHECK_THROWS_WITH(Record::parse(R"({"a":1,)"), Catch::Contains("malformed JSON") && Catch::Contains("column"));
    CHECK_THROWS_AS(Record::parse(R"({"a":1} trailing)"), std::invalid_argument);
    CHECK_THROWS_AS(Record::parse("[1,2]"), std::invalid_argument);
    CHECK_THROWS_AS(Record::parse(R"({"a":1e99999})"), std::invalid_argument);
}

TEST_CASE("the stream reader skips blanks and comments, numbers lines, reads bare values", "[records]") {
    std::istringstream in("# 20250728\n\nabc.jpg\n{\"path\":\"x.jpg\"}\n{\"path\":\n  # indented comment\n\xEF\xBB\xBFnot-a-bom-here\n");
    RecordInput input(in, "<stdin>", "path");
    InputItem item;
    REQUIRE(input.next(item));
    CHECK(item.line == 3);
    CHECK(*item.record.get_string("path") == "abc.jpg");
    REQUIRE(input.next(item));
    CHECK(item.line == 4);
    CHECK(*item.record.get_string("path") == "x.jpg");
    REQUIRE(input.next(item));
    CHECK(item.line == 5);
    CHECK_FALSE(item.error.empty());
    CHECK(item.where() == "<stdin>:5");
    REQUIRE(input.next(item));
    CHECK(item.line == 7);
    CHECK(item.error.empty());
    CHECK_FALSE(input.next(item));
}

TEST_CASE("a BOM on the first line is ignored", "[records]") {
    std::istringstream in("\xEF\xBB\xBF{\"image_id\":\"1\"}\n2\n");
    RecordInput input(in, "ids.txt", "image_id");
    InputItem item;
    REQUIRE(input.next(item));
    CHECK(item.error.empty());
    CHECK(*item.record.get_string("image_id") == "1");
    REQUIRE(input.next(item));
    CHECK(*item.record.get_string("image_id") == "2");
}

TEST_CASE("CRLF line ends are tolerated", "[records]") {
    std::istringstream in("a.jpg\r\n{\"path\":\"b.jpg\"}\r\n");
    RecordInput input(in, "f", "path");
    InputItem item;
    REQUIRE(input.next(item));
    CHECK(*item.record.get_string("path") == "a.jpg");
    REQUIRE(input.next(item));
    CHECK(item.error.empty());
    CHECK(*item.record.get_string("path") == "b.jpg");
}
