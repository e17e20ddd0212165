// The Graph API's answers on arbitrary bytes, read as the API client reads
// them: the error object, images in the three shapes answers come in (one
// object, {"id": {...}} of a multi-id lookup, {"data": [...]} of a search),
// and what the query tools make of an image: its record, GPX point,
// diagnosis, description and sequence summary.
//
// Promises checked: parse_api_error and the readers throw nothing but
// ApiError; an image's typed views are in range (positions on the globe,
// orientation 1..8); its record is JSON that reads back to the same text,
// with a heading in [0, 360); the diagnosis uses only its documented codes.
#include "check.hpp"
#include "mapi/api.hpp"
#include "mapi/imagerecord.hpp"
#include "mapi/sequence_list.hpp"

#include <cmath>
#include <set>
#include <string>

using namespace mapi;

namespace {

const std::set<std::string> codes = {"no_thumb_url", "no_original_url", "expired_url",
                                     "no_position",  "no_capture_time", "no_sequence"};

void check_record(const Record& r) {
    std::string json = r.to_json();
    FUZZ_CHECK(Record::parse(json).to_json() == json);
    if (auto h = r.get_number("heading")) FUZZ_CHECK(*h >= 0 && *h < 360);
    if (auto lat = r.get_number("lat")) FUZZ_CHECK(std::fabs(*lat) <= 90);
}

void check_image(const rapidjson::Value& v, SequenceCollector& seqs) {
    Image img;
    try {
        img = image_from_json(v);
    } catch (const ApiError&) {
        return;
    }
    FUZZ_CHECK(!img.id.empty());
    for (const auto& g : {img.geometry, img.computed_geometry})
        if (g) FUZZ_CHECK(std::fabs(g->lat) <= 90 && std::fabs(g->lon) <= 180);
    if (img.exif_orientation) FUZZ_CHECK(*img.exif_orientation >= 1 && *img.exif_orientation <= 8);
    if (auto t = camera_type_of(img)) FUZZ_CHECK(*t == "perspective" || *t == "fisheye" || *t == "spherical");

    for (Positions p : {Positions::original, Positions::computed}) {
        Record r;
        set_image_fields(r, img, p);
        FUZZ_CHECK(r.get_string("image_id") == img.id);
        check_record(r);
        auto tp = track_point(img, p);
        FUZZ_CHECK(tp.has_value() == r.has("lat"));
        if (tp && tp->course) FUZZ_CHECK(*tp->course >= 0 && *tp->course < 360);
    }
    const Instant now{std::chrono::milliseconds(1700000000000)};
    auto problems = diagnose(img, now);
    for (const auto& p : problems) FUZZ_CHECK(codes.count(p.code) && !p.message.empty());
    Record r;
    set_diagnosis(r, problems);
    check_record(r);
    FUZZ_CHECK(!describe_image(img, now).empty());
    for (const char* size : {"256", "1024", "2048", "original"})
        if (auto url = img.thumb_url(size)) (void)url_expiry(*url);
    seqs.add(img);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    if (auto err = parse_api_error(body)) (void)err->message.size();

    // As MapillaryApi::get_url reads an answer: the syntax checked with the
    // numbers left as text, then the values through Record::parse.
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag>(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) return 0;
    try {
        Record parsed = Record::parse(body);
        doc.CopyFrom(parsed.json(), doc.GetAllocator());
    } catch (const std::invalid_argument&) {
        return 0;  // too deep, or a number out of range
    }

    SequenceCollector seqs;
    check_image(doc, seqs);
    for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {
        if (m->value.IsObject()) check_image(m->value, seqs);
        if (m->value.IsArray() && std::string_view(m->name.GetString(), m->name.GetStringLength()) == "data")
            for (const auto& item : m->value.GetArray()) check_image(item, seqs);
    }

    auto list = seqs.newest_first();
    std::size_t images = 0;
    for (const auto& s : list) {
        images += s.images;
        FUZZ_CHECK(!s.first == !s.last);
        if (s.first) FUZZ_CHECK(*s.first <= *s.last);
        Record r = sequence_record(s, Zone());
        FUZZ_CHECK(Record::parse(r.to_json()).to_json() == r.to_json());
    }
    FUZZ_CHECK(images == seqs.images());
    ListHeader h{"fuzz", "mly-findseq fuzz", {}, CameraFilter::all, 1, false, "UTC"};
    std::string text = format_sequence_list(h, list, Zone());
    FUZZ_CHECK(text.rfind("# Sequences of Mapillary user fuzz\n", 0) == 0);
    // Every line that is not a comment or blank is one of the sequences.
    std::set<std::string> ids;
    for (const auto& s : list) ids.insert(s.id);
    std::size_t start = 0, listed = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        FUZZ_CHECK(end != std::string::npos);
        std::string line = text.substr(start, end - start);
        if (!line.empty() && line[0] != '#') {
            FUZZ_CHECK(ids.count(line));
            ++listed;
        }
        start = end + 1;
    }
    FUZZ_CHECK(listed == list.size());
    return 0;
}
