// imagerecord: API images as records, track points and diagnoses; and
// sequence_list: a user's sequences summed up and listed by day.
#include <catch2/catch.hpp>

#include "mapi/imagerecord.hpp"
#include "mapi/sequence_list.hpp"

using namespace mapi;

namespace {

Image image(const std::string& json) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseFullPrecisionFlag>(json.c_str());
    REQUIRE_FALSE(d.HasParseError());
    return image_from_json(d);
}

Instant at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

const char* const full =
    R"({"id":"135511895288847","sequence":"7nfcwfvjdtphz7yj6zat6a","captured_at":1563721072184,)"
    R"("geometry":{"type":"Point","coordinates":[-108.57081597222,39.068354972222]},)"
    R"("computed_geometry":{"type":"Point","coordinates":[-108.5708,39.0684]},"altitude":-12.5,"computed_altitude":3,)"
    R"("compass_angle":-23.26,"computed_compass_angle":361.5,"exif_orientation":6,"width":4160,"height":3120,)"
    R"("camera_type":"equirectangular","make":"GoPro","model":"MAX","creator":{"username":"someone","id":"1"},)"
    R"("thumb_original_url":"https://cdn.example/a.jpg?_nc=1&oe=5DC2A1B0&sig=x",)"
    R"("thumb_2048_url":"https://cdn.example/b.jpg?oe=7FFFFFFF"})";

}  // namespace

TEST_CASE("set_image_fields: the design's fields, then the raw answer", "[imagerecord]") {
    Image img = image(full);
    Record r = Record::parse(R"({"path":"keep.jpg","lat":0,"x":[1]})");
    set_image_fields(r, img);
    // Fields it does not own pass through in place; lat is replaced where it stood.
    CHECK(r.to_json().rfind(R"({"path":"keep.jpg","lat":39.068354972222,"x":[1],"image_id":"135511895288847",)"
                            R"("sequence_id":"7nfcwfvjdtphz7yj6zat6a","captured_at":"2019-07-21T14:57:52.184Z",)"
                            R"("lon":-108.57081597222,"alt":-12.5,"heading":336.74,"make":"GoPro","model":"MAX",)"
                            R"("creator":"someone","width":4160,"height":3120,"orientation":6,)"
                            R"("camera_type":"spherical","mapillary":{"id":"135511895288847",)",
                            0) == 0);
    CHECK(r.json()["mapillary"]["altitude"].GetDouble() == -12.5);

    Record c;
    set_image_fields(c, img, Positions::computed);
    CHECK(c.get_number("lat") == 39.0684);
    CHECK(c.get_number("lon") == -108.5708);
    CHECK(c.get_number("alt") == 3);
    CHECK(c.get_number("heading") == Approx(1.5));
}

TEST_CASE("set_image_fields: an image the API said little about", "[imagerecord]") {
    Record r;
    set_image_fields(r, image(R"({"id":"5","is_pano":true})"));
    CHECK(r.to_json() == R"({"image_id":"5","camera_type":"spherical","mapillary":{"id":"5","is_pano":true}})");
    // computed falls back to the original values of an unprocessed image
    Record c;
    set_image_fields(c, image(R"({"id":"6","geometry":{"type":"Point","coordinates":[1,2]},"compass_angle":10})"),
                     Positions::computed);
    CHECK(c.get_number("lat") == 2);
    CHECK(c.get_number("heading") == 10);
    CHECK(camera_type_of(image(R"({"id":"7","camera_type":"brown"})")) == "perspective");
    CHECK(camera_type_of(image(R"({"id":"7","camera_type":"fisheye"})")) == "fisheye");
    CHECK_FALSE(camera_type_of(image(R"({"id":"7"})")));
}

TEST_CASE("track_point: position, time, heading and the id as name", "[imagerecord]") {
    auto p = track_point(image(full));
    REQUIRE(p);
    CHECK(p->lat == 39.068354972222);
    CHECK(p->ele == -12.5);
    CHECK(p->time == at("2019-07-21T14:57:52.184Z"));
    CHECK(p->course == Approx(336.74));
    CHECK(p->name == "135511895288847");
    CHECK_FALSE(track_point(image(R"({"id":"1","captured_at":5})")));
}

TEST_CASE("url_expiry reads oe, hexadecimal Unix seconds", "[imagerecord]") {
    CHECK(url_expiry("https://x/a.jpg?_nc=1&oe=5DC2A1B0&sig=x") == Instant(std::chrono::seconds(0x5DC2A1B0)));
    CHECK(url_expiry("https://x/a.jpg?oe=ff") == Instant(std::chrono::seconds(255)));
    CHECK_FALSE(url_expiry("https://x/a.jpg"));
    CHECK_FALSE(url_expiry("https://x/a.jpg?noe=5&soe=6"));
    CHECK_FALSE(url_expiry("https://x/a.jpg?oe=zz"));
    CHECK_FALSE(url_expiry("https://x/a.jpg?oe="));
    CHECK_FALSE(url_expiry("https://x/a.jpg?oe=-5"));
    CHECK_FALSE(url_expiry("https://x/a.jpg?oe=FFFFFFFFFFFFFFFFFFFF"));
    CHECK_FALSE(url_expiry("https://x/a.jpg?oe=6B11E3C63cb7a36"));  // found by fuzz/api_json: ms overflowed
    CHECK(url_expiry("https://x/a.jpg?oe=3AFFF4417F") == Instant(std::chrono::seconds(253402300799)));
    CHECK_FALSE(url_expiry("https://x/a.jpg?oe=3AFFF44180"));
    CHECK_FALSE(url_expiry("https://x/a.jpg#oe=5"));
}

TEST_CASE("diagnose: what stops a download", "[imagerecord]") {
    auto codes = [](const std::vector<Problem>& ps) {
        std::vector<std::string> c;
        for (const auto& p : ps) c.push_back(p.code);
        return c;
    };
    Image img = image(full);
    // 0x5DC2A1B0 is 2019-11-06T10:34:24Z
    CHECK(diagnose(img, at("2019-11-06T10:34:23Z")).empty());
    auto late = diagnose(img, at("2019-11-06T10:34:24Z"));
    REQUIRE(codes(late) == std::vector<std::string>{"expired_url"});
    CHECK(late[0].message == "thumb_original_url expired at 2019-11-06T10:34:24.000Z: ask the API again for a fresh one");

    CHECK(codes(diagnose(image(R"({"id":"1"})"), at("2020-01-01T00:00:00Z"))) ==
          std::vector<std::string>{"no_thumb_url", "no_position", "no_capture_time", "no_sequence"});
    CHECK(codes(diagnose(image(R"({"id":"1","sequence":"s","captured_at":1,"thumb_1024_url":"u",)"
                               R"("computed_geometry":{"type":"Point","coordinates":[1,2]}})"),
                         at("2020-01-01T00:00:00Z"))) == std::vector<std::string>{"no_original_url", "no_position"});

    Record r;
    set_diagnosis(r, {unknown_id_problem()});
    CHECK(r.json()["diagnosis"][0]["code"] == "unknown_id");
    set_diagnosis(r, {});
    CHECK(r.to_json() == R"({"diagnosis":[]})");
    auto lines = describe_image(img, at("2019-11-06T10:34:24Z"));
    REQUIRE(lines.size() >= 6);
    CHECK(lines[0] == "image 135511895288847 of sequence 7nfcwfvjdtphz7yj6zat6a by someone");
    CHECK(lines.back().rfind("  problem expired_url: ", 0) == 0);
}

TEST_CASE("SequenceCollector sums up images; the list is newest first by day", "[sequence_list]") {
    SequenceCollector c;
    auto add = [&](const char* id, const char* seq, std::int64_t ms, const char* type) {
        c.add(image(std::string(R"({"id":")") + id + R"(","sequence":")" + seq + R"(","captured_at":)" +
                    std::to_string(ms) + R"(,"camera_type":")" + type + R"(","creator":{"username":"u"}})"));
    };
    // 2023-06-01T23:30:00Z = 1685662200000; Berlin is two hours ahead.
    add("1", "late", 1685662200000, "perspective");
    add("2", "late", 1685662201000, "perspective");
    add("3", "pano", 1685600000000, "spherical");
    add("4", "early", 1685500000000, "fisheye");
    add("5", "early", 1685400000000, "fisheye");  // earlier image seen later
    c.add(image(R"({"id":"6"})"));                  // no sequence: ignored
    CHECK(c.images() == 5);
    auto seqs = c.newest_first();
    REQUIRE(seqs.size() == 3);
    CHECK(seqs[0].id == "late");
    CHECK(seqs[0].images == 2);
    CHECK(seqs[1].id == "pano");
    CHECK(seqs[2].id == "early");
    CHECK(seqs[2].first == Instant(std::chrono::milliseconds(1685400000000)));
    CHECK(seqs[2].last == Instant(std::chrono::milliseconds(1685500000000)));
    CHECK(seqs[2].camera_type == "fisheye");
    CHECK(matches(CameraFilter::spherical, seqs[1]));
    CHECK_FALSE(matches(CameraFilter::regular, seqs[1]));
    CHECK(matches(CameraFilter::regular, seqs[2]));
    CHECK(parse_camera_filter("360") == CameraFilter::spherical);
    CHECK_FALSE(parse_camera_filter("pano"));

    ListHeader h{"u", "mly-findseq test", at("2024-01-02T03:04:05Z"), CameraFilter::all, 1, false, "UTC"};
    CHECK(format_sequence_list(h, seqs, Zone()) ==
          "# Sequences of Mapillary user u\n"
          "# Made by mly-findseq test at 2024-01-02T03:04:05.000Z; filter all; 1 page read\n"
          "# 3 sequences, 5 images; grouped by capture day (UTC), newest first\n"
          "\n# 20230601\nlate\npano\n"
          "\n# 20230529\nearly\n");
    Zone berlin = Zone::parse("Europe/Berlin");
    CHECK(day_of(seqs[0], berlin) == "20230602");
    CHECK(sequence_record(seqs[0], berlin).to_json() ==
          R"({"sequence_id":"late","day":"2023-06-02","image_count":2,"camera_type":"perspective",)"
          R"("first_captured_at":"2023-06-01T23:30:00.000Z","last_captured_at":"2023-06-01T23:30:01.000Z","creator":"u"})");
}
