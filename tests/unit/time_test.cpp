// Unit tests for mapi/time.hpp. Expected instants were worked out by hand from
// the published rules (and checked against GNU date), not by this code.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

#include "mapi/time.hpp"

using namespace mapi;
using std::chrono::milliseconds;

namespace {

// Build values through the calendar, independently of the parsers under test.
LocalTime local(int y, unsigned mo, unsigned d, int h, int mi, int s = 0, int ms = 0) {
    return LocalTime{date::local_days{date::year{y} / mo / d}.time_since_epoch()} + std::chrono::hours{h} +
           std::chrono::minutes{mi} + std::chrono::seconds{s} + milliseconds{ms};
}

Instant utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0, int ms = 0) {
    return Instant{local(y, mo, d, h, mi, s, ms).time_since_epoch()};
}

// Sets TZ for one scope and puts the old value back, so tests stay independent.
struct ScopedTZ {
    std::optional<std::string> old;
    explicit ScopedTZ(const char* value) {
        if (const char* o = std::getenv("TZ")) old = o;
        if (value)
            setenv("TZ", value, 1);
        else
            unsetenv("TZ");
    }
    ~ScopedTZ() {
        if (old)
            setenv("TZ", old->c_str(), 1);
        else
            unsetenv("TZ");
    }
};

}  // namespace

TEST_CASE("Zone::parse fixed offsets and UTC", "[time]") {
    struct Case {
        const char* spec;
        int minutes;
        const char* name;
    };
    for (auto c : {Case{"+02:00", 120, "+02:00"}, Case{"-05:30", -330, "-05:30"}, Case{"+0200", 120, "+02:00"},
                   Case{"+02", 120, "+02:00"}, Case{"-07", -420, "-07:00"}, Case{"+00:00", 0, "+00:00"},
                   Case{"Z", 0, "UTC"}, Case{"UTC", 0, "UTC"}, Case{"utc", 0, "UTC"}, Case{"+14:00", 840, "+14:00"}}) {
        INFO(c.spec);
        Zone z = Zone::parse(c.spec);
        CHECK(z.is_fixed());
        CHECK(z.name() == c.name);
        CHECK(z.offset_minutes_at(utc(2024, 7, 1, 0, 0)) == c.minutes);
        CHECK(z.offset_minutes_for_local(local(2024, 1, 1, 0, 0)) == c.minutes);
        CHECK(z.to_utc(local(2024, 7, 1, 12, 0)) == utc(2024, 7, 1, 12, 0) - std::chrono::minutes{c.minutes});
    }
    CHECK(Zone().name() == "UTC");
    CHECK(Zone().is_fixed());
}

TEST_CASE("Zone::parse rejects bad specs with a message naming them", "[time]") {
    try {
        Zone::parse("Europe/Berln");
        FAIL("no exception");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()) == "unknown time zone 'Europe/Berln'");
    }
    for (const char* bad : {"", "   ", "garbage", "+25:00", "+02:60", "+2:00", "+02:00x", "02:00", "europe/berlin"}) {
        INFO(bad);
        CHECK_THROWS_AS(Zone::parse(bad), std::invalid_argument);
    }
    try {
        Zone::parse("+19:00");
        FAIL("no exception");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("'+19:00'") != std::string::npos);
    }
}

TEST_CASE("Europe/Berlin around the 2024 DST changes", "[time]") {
    Zone z = Zone::parse("Europe/Berlin");
    CHECK_FALSE(z.is_fixed());
    CHECK(z.name() == "Europe/Berlin");

    // Spring forward: 02:00 CET -> 03:00 CEST on 2024-03-31 (01:00Z).
    CHECK(z.to_utc(local(2024, 3, 31, 1, 45)) == utc(2024, 3, 31, 0, 45));
    CHECK(z.offset_minutes_for_local(local(2024, 3, 31, 1, 45)) == 60);
    CHECK(z.to_utc(local(2024, 3, 31, 3, 15)) == utc(2024, 3, 31, 1, 15));
    CHECK(z.offset_minutes_for_local(local(2024, 3, 31, 3, 15)) == 120);
    // 02:30 never happened: read with the CET offset, it is 01:30Z = 03:30 CEST.
    CHECK(z.to_utc(local(2024, 3, 31, 2, 30)) == utc(2024, 3, 31, 1, 30));
    CHECK(z.offset_minutes_for_local(local(2024, 3, 31, 2, 30)) == 60);
    Instant gap = z.to_utc(local(2024, 3, 31, 2, 30));
    CHECK(to_local(gap, z.offset_minutes_at(gap)) == local(2024, 3, 31, 3, 30));

    // Fall back: 03:00 CEST -> 02:00 CET on 2024-10-27 (01:00Z); 02:30 twice.
    CHECK(z.to_utc(local(2024, 10, 27, 2, 30)) == utc(2024, 10, 27, 0, 30));
    CHECK(z.offset_minutes_for_local(local(2024, 10, 27, 2, 30)) == 120);
    CHECK(z.to_utc(local(2024, 10, 27, 1, 59, 59)) == utc(2024, 10, 26, 23, 59, 59));
    CHECK(z.to_utc(local(2024, 10, 27, 3, 0)) == utc(2024, 10, 27, 2, 0));

    CHECK(z.offset_minutes_at(utc(2024, 10, 27, 0, 59, 59, 999)) == 120);
    CHECK(z.offset_minutes_at(utc(2024, 10, 27, 1, 0)) == 60);
    CHECK(z.offset_minutes_at(utc(2024, 3, 31, 0, 59, 59, 999)) == 60);
    CHECK(z.offset_minutes_at(utc(2024, 3, 31, 1, 0)) == 120);
    // Milliseconds survive the conversion.
    CHECK(z.to_utc(local(2025, 7, 28, 12, 7, 30, 120)) == utc(2025, 7, 28, 10, 7, 30, 120));
}

TEST_CASE("America/Los_Angeles and Asia/Kolkata", "[time]") {
    Zone la = Zone::parse("America/Los_Angeles");
    CHECK(la.to_utc(local(2024, 7, 4, 12, 0)) == utc(2024, 7, 4, 19, 0));
    CHECK(la.to_utc(local(2024, 1, 15, 12, 0)) == utc(2024, 1, 15, 20, 0));
    CHECK(la.offset_minutes_for_local(local(2024, 1, 15, 12, 0)) == -480);
    // Gap on 2024-03-10 02:00 -> 03:00: 02:30 read as PST.
    CHECK(la.to_utc(local(2024, 3, 10, 2, 30)) == utc(2024, 3, 10, 10, 30));
    // 01:30 happens twice on 2024-11-03: the first, PDT.
    CHECK(la.to_utc(local(2024, 11, 3, 1, 30)) == utc(2024, 11, 3, 8, 30));
    CHECK(la.offset_minutes_for_local(local(2024, 11, 3, 1, 30)) == -420);

    Zone in = Zone::parse("Asia/Kolkata");
    CHECK(in.to_utc(local(2025, 7, 28, 15, 37, 30, 120)) == utc(2025, 7, 28, 10, 7, 30, 120));
    CHECK(in.offset_minutes_at(utc(2025, 1, 1, 0, 0)) == 330);
    CHECK(format_utc_offset(in.offset_minutes_at(utc(2025, 1, 1, 0, 0))) == "+05:30");
}

TEST_CASE("Zones keep their rules past the zone file's table", "[time]") {
    // Zone files list changes only to 2037 (or earlier); later times need the
    // file's POSIX rule string, which date:: alone would ignore.
    Zone berlin = Zone::parse("Europe/Berlin");
    CHECK(berlin.offset_minutes_at(utc(2038, 7, 1, 0, 0)) == 120);
    CHECK(berlin.offset_minutes_at(utc(2150, 7, 1, 0, 0)) == 120);
    CHECK(berlin.offset_minutes_at(utc(2150, 1, 1, 0, 0)) == 60);
    // 2050-03-27 and 2050-10-30 are the last Sundays of March and October.
    CHECK(berlin.offset_minutes_at(utc(2050, 3, 27, 0, 59, 59)) == 60);
    CHECK(berlin.offset_minutes_at(utc(2050, 3, 27, 1, 0)) == 120);
    CHECK(berlin.to_utc(local(2050, 3, 27, 2, 30)) == utc(2050, 3, 27, 1, 30));  // gap
    CHECK(berlin.to_utc(local(2050, 10, 30, 2, 30)) == utc(2050, 10, 30, 0, 30));  // ambiguous: earlier
    CHECK(berlin.to_utc(local(2050, 10, 30, 3, 30)) == utc(2050, 10, 30, 2, 30));
    CHECK(berlin.offset_minutes_for_local(local(2150, 7, 1, 12, 0)) == 120);

    CHECK(Zone::parse("America/Los_Angeles").to_utc(local(2100, 7, 1, 12, 0)) == utc(2100, 7, 1, 19, 0));

    // Southern hemisphere: summer time spans New Year. 2060-04-04 is the first
    // Sunday of April, when 03:00 AEDT goes back to 02:00 AEST.
    Zone sydney = Zone::parse("Australia/Sydney");
    CHECK(sydney.offset_minutes_at(utc(2060, 1, 15, 0, 0)) == 660);
    CHECK(sydney.offset_minutes_at(utc(2060, 7, 15, 0, 0)) == 600);
    CHECK(sydney.to_utc(local(2060, 4, 4, 2, 30)) == utc(2060, 4, 3, 15, 30));

    // Dublin's rule string has "negative" DST: IST is standard, GMT the DST.
    Zone dublin = Zone::parse("Europe/Dublin");
    CHECK(dublin.offset_minutes_at(utc(2045, 1, 10, 12, 0)) == 0);
    CHECK(dublin.offset_minutes_at(utc(2045, 7, 10, 12, 0)) == 60);
    CHECK(dublin.to_utc(local(2045, 3, 26, 1, 30)) == utc(2045, 3, 26, 1, 30));  // gap, read as GMT

    // Nuuk changes at -1:00, the Saturday evening before the last Sunday of March.
    Zone nuuk = Zone::parse("America/Nuuk");
    CHECK(nuuk.offset_minutes_for_local(local(2045, 3, 25, 22, 30)) == -120);
    CHECK(nuuk.to_utc(local(2045, 3, 25, 23, 30)) == utc(2045, 3, 26, 1, 30));  // gap
    CHECK(nuuk.offset_minutes_for_local(local(2045, 3, 26, 0, 30)) == -60);
    CHECK(nuuk.offset_minutes_at(utc(2045, 7, 1, 12, 0)) == -60);

    // A zone without summer time stays put.
    CHECK(Zone::parse("Asia/Kolkata").offset_minutes_at(utc(2150, 7, 1, 0, 0)) == 330);
}

TEST_CASE("Zone 'local' follows TZ", "[time]") {
    {
        ScopedTZ tz("Asia/Tokyo");
        Zone z = Zone::parse("local");
        CHECK(z.name() == "Asia/Tokyo");
        CHECK(z.offset_minutes_at(utc(2025, 7, 28, 0, 0)) == 540);
    }
    {
        ScopedTZ tz(":America/New_York");
        CHECK(Zone::parse("local").offset_minutes_at(utc(2025, 1, 15, 0, 0)) == -300);
    }
    {
        ScopedTZ tz("/usr/share/zoneinfo/Europe/Berlin");
        CHECK(Zone::parse("local").name() == "Europe/Berlin");
    }
    {
        ScopedTZ tz("");
        CHECK(Zone::parse("local").offset_minutes_at(utc(2025, 7, 28, 0, 0)) == 0);
    }
    {
        ScopedTZ tz("CET-1CEST,M3.5.0,M10.5.0/3");
        CHECK_THROWS_AS(Zone::parse("local"), std::invalid_argument);
    }
    {
        ScopedTZ tz(nullptr);  // the machine's zone, whatever it is
        CHECK_FALSE(Zone::parse("local").name().empty());
    }
}

TEST_CASE("parse_exif_datetime", "[time]") {
    CHECK(parse_exif_datetime("2025:07:28 10:07:30") == local(2025, 7, 28, 10, 7, 30));
    CHECK(parse_exif_datetime("2025-07-28 10:07:30") == local(2025, 7, 28, 10, 7, 30));
    CHECK(parse_exif_datetime(std::string("2025:07:28 10:07:30\0\0\0", 22)) == local(2025, 7, 28, 10, 7, 30));
    CHECK(parse_exif_datetime("2025:07:28 10:07:30   ") == local(2025, 7, 28, 10, 7, 30));

    SECTION("subsec is a fraction, truncated to ms") {
        CHECK(parse_exif_datetime("2025:07:28 10:07:30", "1") == local(2025, 7, 28, 10, 7, 30, 100));
        CHECK(parse_exif_datetime("2025:07:28 10:07:30", "12") == local(2025, 7, 28, 10, 7, 30, 120));
        CHECK(parse_exif_datetime("2025:07:28 10:07:30", "120") == local(2025, 7, 28, 10, 7, 30, 120));
        CHECK(parse_exif_datetime("2025:07:28 10:07:30", "847123") == local(2025, 7, 28, 10, 7, 30, 847));
        CHECK(parse_exif_datetime("2025:07:28 10:07:30", "05") == local(2025, 7, 28, 10, 7, 30, 50));
        CHECK(parse_exif_datetime("2025:07:28 10:07:30", "12 ") == local(2025, 7, 28, 10, 7, 30, 120));
        CHECK(parse_exif_datetime("2025:07:28 10:07:30", " 12") == local(2025, 7, 28, 10, 7, 30, 12));
        CHECK(parse_exif_datetime("2025:07:28 10:07:30", "   ") == local(2025, 7, 28, 10, 7, 30));
        CHECK(parse_exif_datetime("2025:07:28 10:07:30", std::string("5\0\0", 3)) ==
              local(2025, 7, 28, 10, 7, 30, 500));
        CHECK_FALSE(parse_exif_datetime("2025:07:28 10:07:30", "1a"));
        CHECK_FALSE(parse_exif_datetime("2025:07:28 10:07:30", "-1"));
    }
    SECTION("calendar limits") {
        CHECK(parse_exif_datetime("2024:02:29 12:00:00") == local(2024, 2, 29, 12, 0));
        CHECK(parse_exif_datetime("2000:02:29 12:00:00") == local(2000, 2, 29, 12, 0));
        CHECK_FALSE(parse_exif_datetime("2025:02:29 12:00:00"));
        CHECK_FALSE(parse_exif_datetime("1900:02:29 12:00:00"));
        CHECK_FALSE(parse_exif_datetime("2100:02:29 12:00:00"));
        CHECK_FALSE(parse_exif_datetime("2025:04:31 12:00:00"));
        CHECK_FALSE(parse_exif_datetime("2025:13:01 12:00:00"));
        CHECK_FALSE(parse_exif_datetime("2025:00:01 12:00:00"));
        CHECK_FALSE(parse_exif_datetime("2025:07:00 12:00:00"));
        CHECK_FALSE(parse_exif_datetime("2025:07:28 24:00:00"));
        CHECK_FALSE(parse_exif_datetime("2025:07:28 10:60:00"));
        CHECK_FALSE(parse_exif_datetime("2025:07:28 10:07:61"));
        // A leap second rolls into the next minute.
        CHECK(parse_exif_datetime("2016:12:31 23:59:60") == local(2017, 1, 1, 0, 0));
    }
    SECTION("unknown and malformed") {
        for (const char* bad : {"0000:00:00 00:00:00", "    :  :     :  :  ", "", "   ", "garbage",
                                "2025:07-28 10:07:30", "2025:7:28 10:07:30", "2025:07:28 10:07", "2025:07:28 10:07:30x",
                                "2025:07:28_10:07:30", "2025:07:28 10:07:30.120", "0000:01:01 00:00:00"}) {
            INFO('"' << bad << '"');
            CHECK_FALSE(parse_exif_datetime(bad));
        }
        CHECK_FALSE(parse_exif_datetime(std::string(20, '\0')));
    }
}

TEST_CASE("EXIF formatting round trips", "[time]") {
    LocalTime t = local(2025, 7, 28, 10, 7, 30, 120);
    CHECK(format_exif_datetime(t) == "2025:07:28 10:07:30");
    CHECK(format_subsec(t) == "120");
    CHECK(format_subsec(local(2025, 7, 28, 10, 7, 30, 7)) == "007");
    CHECK(format_subsec(local(2025, 7, 28, 10, 7, 30)) == "000");
    CHECK(parse_exif_datetime(format_exif_datetime(t), format_subsec(t)) == t);
    // Before 1970 the fields must still floor correctly.
    LocalTime old = local(1900, 1, 1, 0, 0, 0, 1);
    CHECK(format_exif_datetime(old) == "1900:01:01 00:00:00");
    CHECK(format_subsec(old) == "001");
    CHECK(format_exif_datetime(local(2200, 12, 31, 23, 59, 59, 999)) == "2200:12:31 23:59:59");
}

TEST_CASE("UTC offsets", "[time]") {
    CHECK(parse_utc_offset("+02:00") == 120);
    CHECK(parse_utc_offset("-07:00") == -420);
    CHECK(parse_utc_offset("+0530") == 330);
    CHECK(parse_utc_offset("-09:30") == -570);
    CHECK(parse_utc_offset("+02") == 120);
    CHECK(parse_utc_offset("Z") == 0);
    CHECK(parse_utc_offset("z") == 0);
    CHECK(parse_utc_offset("-00:00") == 0);
    CHECK(parse_utc_offset(std::string("+08:00\0", 7)) == 480);
    CHECK(parse_utc_offset("+18:00") == 1080);
    for (const char* bad : {"", "   :  ", "02:00", "+2:00", "+02:0", "+02:000", "+02:60", "+18:01", "+19:00", "ZZ",
                            "+02:00Z", "UTC", "+0a:00"}) {
        INFO('"' << bad << '"');
        CHECK_FALSE(parse_utc_offset(bad));
    }
    CHECK(format_utc_offset(120) == "+02:00");
    CHECK(format_utc_offset(-420) == "-07:00");
    CHECK(format_utc_offset(0) == "+00:00");
    CHECK(format_utc_offset(330) == "+05:30");
    CHECK(format_utc_offset(-570) == "-09:30");
    for (int m = -18 * 60; m <= 18 * 60; m += 15) CHECK(parse_utc_offset(format_utc_offset(m)) == m);
}

TEST_CASE("RFC 3339", "[time]") {
    const Instant expect = utc(2025, 7, 28, 10, 7, 30, 120);
    CHECK(expect.time_since_epoch().count() == 1753697250120);  // from Python's datetime
    for (const char* s : {"2025-07-28T10:07:30.120Z", "2025-07-28T12:07:30.120+02:00", "2025-07-28T03:07:30.12-07:00",
                          "2025-07-28t10:07:30.120z", "2025-07-28 10:07:30.120Z", "2025-07-28T10:07:30.120123456Z",
                          "2025-07-28T15:37:30.120+0530", " 2025-07-28T10:07:30.120Z\n"}) {
        INFO(s);
        CHECK(parse_rfc3339(s) == expect);
    }
    CHECK(parse_rfc3339("2025-07-28T10:07:30Z") == utc(2025, 7, 28, 10, 7, 30));
    CHECK(parse_rfc3339("2025-07-28T10:07:30.9999Z") == utc(2025, 7, 28, 10, 7, 30, 999));
    CHECK(parse_rfc3339("2025-07-28T00:30:00+02:00") == utc(2025, 7, 27, 22, 30));
    for (const char* bad : {"2025-07-28T25:00:00Z", "2025-07-28T10:07:30", "2025-07-28T10:07:30.Z",
                            "2025-07-28T10:07:30.120", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z", "garbage", "",
                            "2025:07:28 10:07:30Z", "2025-07-28T10:07:30.120Zjunk", "2025-07-28T10:07Z",
                            "2025-07-28T10:07:30+25:00"}) {
        INFO('"' << bad << '"');
        CHECK_FALSE(parse_rfc3339(bad));
    }
}

TEST_CASE("format_rfc3339_utc", "[time]") {
    CHECK(format_rfc3339_utc(utc(2025, 7, 28, 10, 7, 30, 120)) == "2025-07-28T10:07:30.120Z");
    CHECK(format_rfc3339_utc(utc(2025, 7, 28, 10, 7, 30)) == "2025-07-28T10:07:30.000Z");
    CHECK(format_rfc3339_utc(Instant{}) == "1970-01-01T00:00:00.000Z");
    CHECK(format_rfc3339_utc(Instant{milliseconds{-1}}) == "1969-12-31T23:59:59.999Z");
    CHECK(format_rfc3339_utc(Instant{milliseconds{-2203891200000}}) == "1900-03-01T00:00:00.000Z");
    CHECK(format_rfc3339_utc(Instant{milliseconds{7263215999000}}) == "2200-02-28T23:59:59.000Z");

    // Round trip over 1900..2200, odd steps so every month, weekday and ms show up.
    const Instant start = utc(1900, 1, 1, 0, 0);
    const Instant end = utc(2200, 12, 31, 23, 59, 59, 999);
    int checked = 0;
    for (Instant t = start; t <= end; t += milliseconds{86'400'000LL * 37 + 3'600'000LL * 5 + 61'007}) {
        std::string s = format_rfc3339_utc(t);
        auto back = parse_rfc3339(s);
        REQUIRE(back);
        CHECK(*back == t);
        ++checked;
    }
    CHECK(checked > 2900);
}

TEST_CASE("parse_time", "[time]") {
    const Instant expect = utc(2025, 7, 28, 10, 7, 30, 120);
    CHECK(parse_time("2025-07-28T10:07:30.120Z") == expect);
    CHECK(parse_time("1753697250120") == expect);
    CHECK(parse_time("0") == Instant{});
    CHECK(parse_time("-1000") == Instant{milliseconds{-1000}});
    CHECK(parse_time("2025:07:28 12:07:30.120+02:00") == expect);
    CHECK(parse_time("2025:07:28 12:07:30.120 +02:00") == expect);
    CHECK(parse_time("2025:07:28 10:07:30.120Z") == expect);
    for (const char* bad : {"", "-", "12a", "1.5", "2025:07:28 12:07:30", "99999999999999999999999", "garbage",
                            "2025:13:28 12:07:30+02:00", "--5"}) {
        INFO('"' << bad << '"');
        CHECK_FALSE(parse_time(bad));
    }
}

TEST_CASE("to_local", "[time]") {
    Instant t = utc(2025, 7, 28, 10, 7, 30, 120);
    CHECK(to_local(t, 330) == local(2025, 7, 28, 15, 37, 30, 120));
    CHECK(to_local(t, -660) == local(2025, 7, 27, 23, 7, 30, 120));
    CHECK(Zone::parse("+05:30").to_utc(to_local(t, 330)) == t);
}

TEST_CASE("format_duration", "[time]") {
    using std::chrono::hours;
    using std::chrono::minutes;
    using std::chrono::seconds;
    CHECK(format_duration(hours{1} + minutes{59} + seconds{25}) == "1 h 59 min 25 s");
    CHECK(format_duration(hours{1} + minutes{59} + seconds{25} + milliseconds{999}) == "1 h 59 min 25 s");
    CHECK(format_duration(minutes{2} + milliseconds{3500}) == "2 min 3.5 s");
    CHECK(format_duration(milliseconds{250}) == "0.25 s");
    CHECK(format_duration(milliseconds{1}) == "0.001 s");
    CHECK(format_duration(milliseconds{0}) == "0 s");
    CHECK(format_duration(seconds{59}) == "59 s");
    CHECK(format_duration(minutes{2}) == "2 min");
    CHECK(format_duration(hours{1} + seconds{5}) == "1 h 5 s");
    CHECK(format_duration(hours{24 * 3 + 4}) == "3 d 4 h");
    CHECK(format_duration(hours{24 * 3 + 4} + minutes{7} + seconds{59}) == "3 d 4 h 7 min");
    CHECK(format_duration(-hours{2}) == "-2 h");
    CHECK(format_duration(-milliseconds{1500}) == "-1.5 s");
    CHECK(format_duration(milliseconds::min()).rfind("-106751991167 d", 0) == 0);
}
