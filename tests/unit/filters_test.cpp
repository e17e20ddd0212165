// Unit tests for the filters' modules: filter.hpp (OpenFields), stepclock,
// direction, dedupe, sequence and move. Expected values are worked out by
// hand or from closed forms (noted with each), not taken from the code.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "mapi/dedupe.hpp"
#include "mapi/direction.hpp"
#include "mapi/filter.hpp"
#include "mapi/move.hpp"
#include "mapi/sequence.hpp"
#include "mapi/stepclock.hpp"

using namespace mapi;
namespace fs = std::filesystem;

namespace {

// What Record::set and Record::remove give, the reference for OpenFields.
std::string by_set(const std::string& json, const std::vector<std::string>& keys,
                   const std::vector<std::string>& values) {
    Record r = Record::parse(json);
    for (std::size_t k = 0; k < keys.size(); ++k) {
        if (values[k].empty()) {
            r.remove(keys[k]);
        } else {
            Record v = Record::parse("{\"v\":" + values[k] + "}");
            // Set through the JSON value, as the tools do with strings and numbers.
            const auto& val = v.json()["v"];
            if (val.IsString())
                r.set(keys[k], std::string_view(val.GetString(), val.GetStringLength()));
            else
                r.set(keys[k], val.GetDouble());
        }
    }
    return r.to_json();
}

std::string by_open_fields(const std::string& json, const std::vector<std::string>& keys,
                           const std::vector<std::string>& values) {
    OpenFields f(keys);
    Record r = Record::parse(json);
    auto held = f.hold(r);
    std::vector<std::string_view> views(values.begin(), values.end());
    std::string out;
    f.write(held, views, out);
    return out;
}

std::vector<std::string> lines_of(PathHeadings& h) {
    std::vector<std::string> out;
    std::string line;
    bool changed;
    while (h.next(line, changed)) out.push_back(line);
    return out;
}

}  // namespace

TEST_CASE("OpenFields puts fields back where Record::set would", "[filter]") {
    const std::vector<std::string> records = {
        R"({})",
        R"({"a":1})",
        R"({"heading":12.5})",
        R"({"a":1,"heading":7,"b":[1,{"heading":3}],"c":"x\"heading\\"})",
        R"({"heading":1,"a":{"b":"}{,\\"},"sequence_id":"s"})",
        R"({"path":"p\\q.jpg","sequence_id":"old","split_reason":"x","z":null})",
        R"({"split_reason":"x","path":"a","lat":1})",
        R"({"x":"\u00e9\n","path":"a"})",
    };
    const std::vector<std::vector<std::string>> key_sets = {
        {"heading"}, {"sequence_id", "split_reason", "path"}, {"captured_at", "utc_offset"}};
    for (const auto& rec : records)
        for (const auto& keys : key_sets) {
            // Every combination of set and left out.
            for (unsigned mask = 0; mask < (1u << keys.size()); ++mask) {
                std::vector<std::string> values;
                for (std::size_t k = 0; k < keys.size(); ++k)
                    values.push_back(mask & (1u << k) ? (k % 2 ? "\"v" + std::to_string(k) + "\"" : "42.5") : "");
                INFO(rec << " mask " << mask);
                CHECK(by_open_fields(rec, keys, values) == by_set(rec, keys, values));
            }
        }
}

TEST_CASE("json_string and json_number write what Record writes", "[filter]") {
    Record r;
    r.set("s", "a\"b\\c\n\x01\xc3\xa9");
    r.set("n", 0.1 + 0.2);
    CHECK(r.to_json() == "{\"s\":" + json_string("a\"b\\c\n\x01\xc3\xa9") + ",\"n\":" + json_number(0.1 + 0.2) + "}");
    CHECK(json_number(90) == "90");
    CHECK(format_number(75, 3) == "75");
    CHECK(format_number(0.04, 2) == "0.04");
    CHECK(format_number(-0.0001, 2) == "0");
    CHECK(format_number(728.6366, 0) == "729");
}

TEST_CASE("TextArena and sorted_order", "[filter]") {
    TextArena a;
    CHECK(a.add("").empty());
    std::string big(9u << 20, 'x');  // larger than a block
    auto x = a.add("abc");
    auto y = a.add(big);
    auto z = a.add("def");
    CHECK(x == "abc");
    CHECK(y == big);
    CHECK(z == "def");

    // Keys sharing a long prefix, equal within the 16 bytes after it, equal keys.
    std::vector<std::string_view> keys = {"photos/x/IMG_0000000000000002b", "photos/x/IMG_0000000000000002a", "photos/x/b",
                                          "photos/x/IMG_0000000000000002a", "photos/x/IMG_00000000000000010", "photos/x/",
                                          "photos/x/IMG"};
    CHECK(sorted_order(keys) == std::vector<std::uint32_t>{5, 6, 4, 1, 3, 0, 2});
    std::vector<std::string_view> then = {"", "", "", "z", "", "", ""};
    CHECK(sorted_order(keys, &then) == std::vector<std::uint32_t>{5, 6, 4, 1, 3, 0, 2});
    std::vector<std::string_view> then2 = {"", "z", "", "a", "", "", ""};
    CHECK(sorted_order(keys, &then2) == std::vector<std::uint32_t>{5, 6, 4, 3, 1, 0, 2});
    CHECK(sorted_order({}).empty());
    CHECK(sorted_order({"b", "a", "", "ab"}) == std::vector<std::uint32_t>{2, 1, 3, 0});
}

TEST_CASE("record fields are checked", "[filter]") {
    CHECK_FALSE(record_position(Record::parse(R"({"lat":null})")));
    CHECK(record_position(Record::parse(R"({"lat":1,"lon":2})"))->lon == 2);
    CHECK_THROWS_AS(record_position(Record::parse(R"({"lat":1})")), FieldError);
    CHECK_THROWS_AS(record_position(Record::parse(R"({"lat":91,"lon":0})")), FieldError);
    CHECK_THROWS_AS(record_position(Record::parse(R"({"lat":"1","lon":0})")), FieldError);
    CHECK_THROWS_AS(record_time(Record::parse(R"({"captured_at":"yesterday"})")), FieldError);
    CHECK(record_sequence(Record::parse(R"({"a":1})")) == "");
    CHECK_THROWS_AS(record_sequence(Record::parse(R"({"sequence_id":5})")), FieldError);
}

TEST_CASE("parse_start_time", "[stepclock]") {
    auto a = parse_start_time("2014-11-27 13:01:01");
    REQUIRE(a);
    CHECK(a->zoneless);
    auto b = parse_start_time("2014:11:27 13:01:01.5");
    REQUIRE(b);
    CHECK(b->zoneless);
    CHECK((b->wall - a->wall).count() == 500);
    auto c = parse_start_time("2014-11-27T13:01:01+02:00");
    REQUIRE(c);
    CHECK_FALSE(c->zoneless);
    CHECK(c->offset == 120);
    CHECK(format_rfc3339_utc(c->instant) == "2014-11-27T11:01:01.000Z");
    auto d = parse_start_time("2014:11:27 13:01:01.250-05:30");
    REQUIRE(d);
    CHECK(d->offset == -330);
    CHECK(format_rfc3339_utc(d->instant) == "2014-11-27T18:31:01.250Z");
    auto e = parse_start_time("2014-11-27T13:01:01Z");
    REQUIRE(e);
    CHECK(e->offset == 0);
    auto f = parse_start_time("1417093261000");  // epoch ms: 2014-11-27T13:01:01Z
    REQUIRE(f);
    CHECK_FALSE(f->offset);
    CHECK(format_rfc3339_utc(f->instant) == "2014-11-27T13:01:01.000Z");
    CHECK_FALSE(parse_start_time("2014-11-27"));
    CHECK_FALSE(parse_start_time("2014-11-27 13:01:01."));
    CHECK_FALSE(parse_start_time("2014-11-27 13:01:01.5x"));
    CHECK_FALSE(parse_start_time("2014-13-27 13:01:01"));
    CHECK_FALSE(parse_start_time("tomorrow"));
}

TEST_CASE("StepClock", "[stepclock]") {
    SECTION("fractional and negative steps, no drift") {
        StepClock c(*parse_start_time("2014-11-27T13:01:01Z"), 1.0 / 30, std::nullopt);
        // 30 frames a second: frame 30 is exactly one second later, frame 1 at 33 ms.
        CHECK(c.fields(30).captured_at == "2014-11-27T13:01:02.000Z");
        CHECK(c.fields(1).captured_at == "2014-11-27T13:01:01.033Z");
        CHECK(c.fields(2).captured_at == "2014-11-27T13:01:01.067Z");
        CHECK(c.fields(300000).captured_at == "2014-11-27T15:47:41.000Z");  // 10000 s later
        StepClock back(*parse_start_time("1970-01-01T00:00:01Z"), -0.75, std::nullopt);
        CHECK(back.fields(2).captured_at == "1969-12-31T23:59:59.500Z");
        CHECK(back.fields(2).utc_offset == "+00:00");
    }
    SECTION("the fast text equals format_rfc3339_utc across days and years") {
        StepClock c(*parse_start_time("1969-12-31T23:59:58.999Z"), 3599.999, std::nullopt);
        for (std::int64_t k = -50; k < 50; ++k) {
            INFO(k);
            CHECK(c.fields(k).captured_at == format_rfc3339_utc(c.at(k)));
        }
    }
    SECTION("a zoneless start in an IANA zone, across the change to summer time") {
        // Berlin 2024-03-31: 02:00 CET becomes 03:00 CEST (01:00Z).
        StepClock c(*parse_start_time("2024-03-31 01:30:00"), 1800, Zone::parse("Europe/Berlin"));
        CHECK(c.fields(0).captured_at == "2024-03-31T00:30:00.000Z");
        CHECK(c.fields(0).utc_offset == "+01:00");
        CHECK(c.fields(1).captured_at == "2024-03-31T01:00:00.000Z");
        CHECK(c.fields(1).utc_offset == "+02:00");
    }
    SECTION("an explicit offset is kept without --tz, replaced by it with") {
        auto st = *parse_start_time("2014-11-27T13:01:01+05:30");
        CHECK(StepClock(st, 1, std::nullopt).fields(3).utc_offset == "+05:30");
        CHECK(StepClock(st, 1, Zone::parse("-03:00")).fields(3).utc_offset == "-03:00");
        CHECK(StepClock(st, 1, Zone::parse("-03:00")).fields(3).captured_at == "2014-11-27T07:31:04.000Z");
    }
}

TEST_CASE("PathHeadings", "[direction]") {
    // Points on the equator and a meridian give exact bearings: 0, 90, 180, 270.
    const std::vector<std::string> input = {
        R"({"n":1,"sequence_id":"A","lat":0,"lon":0})",
        R"({"n":2,"sequence_id":"B","lat":10,"lon":10})",
        R"({"n":3,"sequence_id":"A","lat":0,"lon":0})",       // same place as n1
        R"({"n":4,"lat":5,"lon":5})",                          // no sequence_id
        R"({"n":5,"sequence_id":"A","lat":0,"lon":0.001})",   // east of n1 and n3
        R"({"n":6,"sequence_id":"B","lat":9.999,"lon":10})",  // south of n2
        R"({"n":7})",                                          // no position
        R"({"n":8,"sequence_id":"A","lat":0.001,"lon":0.001,"heading":33})",  // north
        R"({"n":9,"sequence_id":"A","lat":0.001,"lon":0.001})",  // last: as the step that led here
    };
    const std::vector<std::string> expected = {
        R"({"n":1,"sequence_id":"A","lat":0,"lon":0,"heading":100})",
        R"({"n":2,"sequence_id":"B","lat":10,"lon":10,"heading":190})",
        R"({"n":3,"sequence_id":"A","lat":0,"lon":0,"heading":100})",
        R"({"n":4,"lat":5,"lon":5})",
        R"({"n":5,"sequence_id":"A","lat":0,"lon":0.001,"heading":10})",
        R"({"n":6,"sequence_id":"B","lat":9.999,"lon":10,"heading":190})",
        R"({"n":7})",
        R"({"n":8,"sequence_id":"A","lat":0.001,"lon":0.001,"heading":33})",
        R"({"n":9,"sequence_id":"A","lat":0.001,"lon":0.001,"heading":10})",
    };
    for (std::size_t buffer : {std::size_t(64) << 20, std::size_t(0), std::size_t(150)}) {
        INFO("buffer " << buffer);
        DirectionOptions o;
        o.offset_deg = 10;
        o.buffer_bytes = buffer;
        PathHeadings h(o);
        std::vector<std::string> out;
        for (const auto& line : input) {
            Record r = Record::parse(line);
            h.add(r);
            for (auto& l : lines_of(h)) out.push_back(l);
        }
        // Nothing may come out before n1's heading is known (the 3rd A photo).
        h.finish();
        for (auto& l : lines_of(h)) out.push_back(l);
        // Headings are bearings computed in floating point: compare as numbers.
        REQUIRE(out.size() == expected.size());
        for (std::size_t i = 0; i < out.size(); ++i) {
            Record got = Record::parse(out[i]), want = Record::parse(expected[i]);
            INFO(out[i]);
            CHECK(got.get_number("n") == want.get_number("n"));
            if (want.has("heading"))
                CHECK(*got.get_number("heading") == Approx(*want.get_number("heading")).margin(1e-6));
            else
                CHECK_FALSE(got.has("heading"));
        }
        CHECK(h.counts().headings == 6);
        CHECK(h.counts().without_position == 1);
        CHECK(h.counts().unmoved == 1);  // n4, alone in the group without sequence_id
    }
}

TEST_CASE("PathHeadings through the temporary file gives what memory gives", "[direction]") {
    // 40,000 records (some 3 MB): a sequence of every 7th record, runs of
    // 1,000 in their own sequences, a few without position, some at one
    // place twice, so photos wait in the file, are completed there (header
    // rewritten in place), and are read back through the read buffer.
    std::vector<std::string> input;
    for (int i = 0; i < 40000; ++i) {
        std::string seq = i % 7 == 0 ? "X" : "R" + std::to_string(i / 1000);
        double lat = 48 + (i / 3) * 1e-5, lon = 11 + (i % 5) * 1e-5;
        std::string rec = "{\"i\":" + std::to_string(i) + ",\"sequence_id\":\"" + seq + "\"";
        if (i % 97 != 5) rec += ",\"lat\":" + json_number(lat) + ",\"lon\":" + json_number(lon);
        if (i % 11 == 3) rec += ",\"heading\":" + std::to_string(i % 360);
        rec += ",\"pad\":\"" + std::string(40, 'x') + "\"}";
        input.push_back(rec);
    }
    auto run = [&](std::size_t buffer, bool all) {
        DirectionOptions o;
        o.buffer_bytes = buffer;
        o.all = all;
        PathHeadings h(o);
        std::vector<std::string> out;
        for (const auto& line : input) {
            Record r = Record::parse(line);
            h.add(r);
            for (auto& l : lines_of(h)) out.push_back(l);
        }
        h.finish();
        for (auto& l : lines_of(h)) out.push_back(l);
        return out;
    };
    for (bool all : {false, true}) {
        auto mem = run(std::size_t(1) << 30, all);
        REQUIRE(mem.size() == input.size());
        CHECK(Record::parse(mem[0]).get_number("i") == 0);
        CHECK(Record::parse(mem.back()).get_number("i") == 39999);
        CHECK(run(0, all) == mem);
        CHECK(run(100000, all) == mem);
    }
}

TEST_CASE("PathHeadings streams a single sequence", "[direction]") {
    PathHeadings h({});
    std::string line;
    bool changed;
    Record a = Record::parse(R"({"lat":0,"lon":0})"), b = Record::parse(R"({"lat":0,"lon":1})");
    h.add(a);
    CHECK_FALSE(h.next(line, changed));
    h.add(b);
    REQUIRE(h.next(line, changed));
    CHECK(changed);
    CHECK(line == R"({"lat":0,"lon":0,"heading":90})");
    CHECK_FALSE(h.next(line, changed));
    Record bad = Record::parse(R"({"lat":0})");
    CHECK_THROWS_AS(h.add(bad), FieldError);
}

TEST_CASE("PathHeadings with grouped sequences", "[direction]") {
    DirectionOptions o;
    o.grouped = true;
    PathHeadings h(o);
    std::string line;
    bool changed;
    auto add = [&](const char* json) {
        Record r = Record::parse(json);
        h.add(r);
    };
    add(R"({"sequence_id":"A","lat":0,"lon":0})");
    add(R"({"sequence_id":"A","lat":1,"lon":0})");
    REQUIRE(h.next(line, changed));
    CHECK(line == R"({"sequence_id":"A","lat":0,"lon":0,"heading":0})");
    CHECK_FALSE(h.next(line, changed));
    // B begins: A has ended, its last photo repeats the bearing that led to it.
    add(R"({"sequence_id":"B","lat":0,"lon":0})");
    REQUIRE(h.next(line, changed));
    CHECK(line == R"({"sequence_id":"A","lat":1,"lon":0,"heading":0})");
    CHECK_FALSE(h.next(line, changed));
    CHECK_THROWS_AS(add(R"({"sequence_id":"A","lat":2,"lon":0})"), FieldError);
    add(R"({"sequence_id":"A"})");  // no position: not part of any path
    add(R"({"sequence_id":"B","lat":0,"lon":-1})");
    h.finish();
    std::vector<std::string> rest;
    while (h.next(line, changed)) rest.push_back(line);
    CHECK(rest == std::vector<std::string>{R"({"sequence_id":"B","lat":0,"lon":0,"heading":270})",
                                           R"({"sequence_id":"A"})",
                                           R"({"sequence_id":"B","lat":0,"lon":-1,"heading":270})"});
}

TEST_CASE("DuplicateFilter", "[dedupe]") {
    DuplicateFilter f({});
    std::string why;
    // On the equator the chord of dl degrees of longitude is 2 a sin(dl / 2):
    // 5e-7 deg -> 0.0557 m, 1.1e-6 -> 0.1225 m, 1.4e-6 -> 0.1558 m.
    auto judge = [&](const std::string& json, const std::string& name) {
        return f.judge(Record::parse(json), name, why);
    };
    using V = DuplicateFilter::Verdict;
    CHECK(judge(R"({"lat":0,"lon":0,"heading":10})", "a") == V::keep);
    CHECK(judge(R"({"lat":0,"lon":5e-7,"heading":12.5})", "b") == V::duplicate);
    CHECK(why == "duplicate: 0.06 m from a, heading 2.5 deg apart");
    CHECK(judge(R"({"lat":0,"lon":5e-7,"heading":15})", "c") == V::keep);  // 5 deg apart: not less than 5
    CHECK(judge(R"({"lat":0,"lon":5e-7,"heading":14})", "d") == V::duplicate);
    CHECK(why == "duplicate: 0 m from c, heading 1 deg apart");
    CHECK(judge(R"({"lat":0,"lon":1.6e-6})", "e") == V::keep);  // 0.1225 m from c
    CHECK(judge(R"({"lat":0,"lon":2.1e-6})", "f") == V::duplicate);
    CHECK(why == "duplicate: 0.06 m from e (no heading to compare)");
    CHECK(judge(R"({"lat":0,"lon":3e-6,"heading":358})", "g") == V::keep);  // 0.1558 m from e
    // Wrapping at 360: 358 and 2 are 4 apart, 358 and 8 are 10.
    CHECK(judge(R"({"lat":0,"lon":3.5e-6,"heading":2})", "h") == V::duplicate);
    CHECK(why == "duplicate: 0.06 m from g, heading 4 deg apart");
    CHECK(judge(R"({"lat":0,"lon":3.5e-6,"heading":8})", "i") == V::keep);
    CHECK(judge(R"({"x":1})", "j") == V::no_position);
    // Another sequence starts afresh.
    CHECK(judge(R"({"sequence_id":"S","lat":0,"lon":3.5e-6,"heading":8})", "k") == V::keep);
    CHECK_THROWS_AS(judge(R"({"lat":0,"lon":0,"heading":"north"})", "l"), FieldError);

    DuplicateFilter s({});
    auto sj = [&](const std::string& json, const std::string& name) { return s.judge(Record::parse(json), name, why); };
    CHECK(sj(R"({"lat":0,"lon":0,"captured_at":"2020-01-01T00:00:00.000Z"})", "a") == V::keep);
    // 0.01 deg of longitude: 1113.1949 m; in 5.5 s that is 728.64 km/h.
    CHECK(sj(R"({"lat":0,"lon":0.01,"captured_at":"2020-01-01T00:00:05.500Z"})", "b") == V::too_fast);
    CHECK(why == "speed 729 km/h from a (1113.2 m in 5.5 s)");
    // Whole seconds may be up to 1 s more apart: 1113.19 m in 11 s is 364.3 km/h.
    CHECK(sj(R"({"lat":0,"lon":0.01,"captured_at":"2020-01-01T00:00:10.000Z"})", "c") == V::keep);
    CHECK(sj(R"({"lat":0,"lon":0.02,"captured_at":"2020-01-01T00:00:10.000Z"})", "d") == V::too_fast);
    CHECK(why == "speed at least 4008 km/h from c (1113.2 m in under 1 s)");
    // Still measured against c, the last kept photo.
    CHECK(sj(R"({"lat":0,"lon":0.02,"captured_at":"2020-01-01T00:00:10.001Z"})", "e") == V::too_fast);
    CHECK(why == "speed 4007502 km/h from c (1113.2 m in 0.001 s)");
    CHECK(sj(R"({"lat":0,"lon":0.02,"captured_at":"2020-01-01T00:00:10.500Z"})", "e") == V::too_fast);
    CHECK(sj(R"({"lat":0,"lon":0.01,"captured_at":"2020-01-01T00:00:10.500Z"})", "f") == V::duplicate);
}

TEST_CASE("sequence ids and the auto cutoff", "[sequence]") {
    // FNV-1a 32 of "" is its offset basis 0x811c9dc5; of "a" it is 0xe40c292c.
    Instant t = *parse_rfc3339("2024-03-31T01:45:00.500Z");
    CHECK(sequence_id(t, "") == "20240331_014500_811c9dc5");
    CHECK(sequence_id(t, "a") == "20240331_014500_e40c292c");
    CHECK(sequence_id(t, "/photos/2024/a") == "20240331_014500_e40c292c");  // the file name only
    auto at = [](const char* s) { return *parse_rfc3339(s); };
    CHECK_FALSE(auto_cutoff_time({at("2020-01-01T00:00:00Z")}));
    // Gaps 2, 4, 10: the upper median is 4 (sorted(d)[3 // 2]); x 1.5 = 6.
    CHECK(*auto_cutoff_time({at("2020-01-01T00:00:00Z"), at("2020-01-01T00:00:02Z"), at("2020-01-01T00:00:06Z"),
                             at("2020-01-01T00:00:16Z")}) == 6);
    // Gaps 2, 4: sorted(d)[1] = 4 -> 6.
    CHECK(*auto_cutoff_time({at("2020-01-01T00:00:00Z"), at("2020-01-01T00:00:02Z"), at("2020-01-01T00:00:06Z")}) == 6);
}

TEST_CASE("Splitter", "[sequence]") {
    SplitOptions o;
    o.max_images = 3;
    Splitter s(o);
    // Photos 1 s apart along the equator, 50 m a step (0.000449 deg = 49.93 m),
    // given out of order; then a 61 s gap; then a 200 m jump; then a long run.
    const char* lines[] = {
        R"({"path":"b","captured_at":"2020-01-01T00:00:01Z","lat":0,"lon":0.000449})",
        R"({"path":"a","captured_at":"2020-01-01T00:00:00Z","lat":0,"lon":0,"split_reason":"stale"})",
        R"({"path":"c","captured_at":"2020-01-01T00:01:02Z","lat":0,"lon":0.000898,"sequence_id":"old"})",
        R"({"path":"d","captured_at":"2020-01-01T00:01:03Z","lat":0,"lon":0.002694})",
        R"({"path":"e","captured_at":"2020-01-01T00:01:04Z"})",
        R"({"path":"f","captured_at":"2020-01-01T00:01:05Z","lat":0,"lon":0.002694})",
        R"({"path":"g","captured_at":"2020-01-01T00:01:06Z","lat":0,"lon":0.002694})",
    };
    for (auto l : lines) {
        Record r = Record::parse(l);
        s.add(r);
    }
    Record bad = Record::parse(R"({"path":"x"})");
    CHECK_THROWS_AS(s.add(bad), FieldError);
    auto seqs = s.split();
    REQUIRE(seqs.size() == 4);
    CHECK(seqs[0].reason == "start");
    CHECK(seqs[0].begin == 0);
    CHECK(seqs[0].end == 2);
    CHECK(seqs[1].reason == "time gap 61 s > 60 s");
    CHECK(seqs[2].reason == "distance 199.7 m > 100 m");  // 0.001796 deg = 199.706 m (R = 6371008.8 m)
    CHECK(seqs[2].end - seqs[2].begin == 3);
    CHECK(seqs[3].reason == "3 images");
    CHECK(s.without_position() == 1);
    std::string out;
    s.write(0, seqs[0], s.path(0), out);
    // split_reason stays where it stood; sequence_id is appended.
    CHECK(out == R"({"path":"a","captured_at":"2020-01-01T00:00:00Z","lat":0,"lon":0,"split_reason":"start","sequence_id":")" +
                     seqs[0].id + R"("})");
    out.clear();
    s.write(2, seqs[1], "moved/c", out);
    CHECK(out == R"({"path":"moved/c","captured_at":"2020-01-01T00:01:02Z","lat":0,"lon":0.000898,"sequence_id":")" +
                     seqs[1].id + R"(","split_reason":"time gap 61 s > 60 s"})");
    CHECK(seqs[0].id == sequence_id(*parse_rfc3339("2020-01-01T00:00:00Z"), "a"));
}

TEST_CASE("move_into never replaces a file", "[move]") {
    fs::path root = fs::temp_directory_path() / ("mly-unit-move-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root / "src");
    auto make = [](const fs::path& p, const std::string& text) { std::ofstream(p) << text; };
    auto text = [](const std::string& p) {
        std::ifstream in(p);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    make(root / "src/a.jpg", "one");
    std::string dir = (root / "dst").string();
    std::string first = move_into((root / "src/a.jpg").string(), dir);
    CHECK(first == dir + "/a.jpg");
    CHECK(text(first) == "one");
    CHECK_FALSE(fs::exists(root / "src/a.jpg"));
    // Moving it again: it is already there.
    CHECK(move_into(first, dir) == first);
    make(root / "src/a.jpg", "two");
    make(root / "src/a", "three");
    CHECK(move_into((root / "src/a.jpg").string(), dir) == dir + "/a-1.jpg");
    CHECK(text(dir + "/a.jpg") == "one");
    CHECK(text(dir + "/a-1.jpg") == "two");
    CHECK(move_into((root / "src/a").string(), dir + "/") == dir + "/a");
    CHECK_THROWS_AS(move_into((root / "src/missing.jpg").string(), dir), std::system_error);

    // Across file systems: copied, then removed.
    struct stat here {}, shm {};
    if (::stat(root.c_str(), &here) == 0 && ::stat("/dev/shm", &shm) == 0 && here.st_dev != shm.st_dev &&
        ::access("/dev/shm", W_OK) == 0) {
        std::string other = "/dev/shm/mly-unit-move-" + std::to_string(::getpid());
        fs::remove_all(other);
        make(root / "src/b.jpg", "four");
        ::chmod((root / "src/b.jpg").c_str(), 0640);
        fs::create_directories(other);
        make(other + "/b.jpg", "taken");
        std::string moved = move_into((root / "src/b.jpg").string(), other);
        CHECK(moved == other + "/b-1.jpg");
        CHECK(text(moved) == "four");
        CHECK(text(other + "/b.jpg") == "taken");
        CHECK_FALSE(fs::exists(root / "src/b.jpg"));
        struct stat st {};
        ::stat(moved.c_str(), &st);
        CHECK((st.st_mode & 0777) == 0640);
        // No temporary left beside it.
        int files = 0;
        for (auto& e : fs::directory_iterator(other)) files += e.is_regular_file();
        CHECK(files == 2);
        fs::remove_all(other);
    }
    fs::remove_all(root);
}
