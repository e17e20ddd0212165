#include "mapi/sequence_list.hpp"

#include "mapi/imagerecord.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace mapi {

namespace {

// The local date of t in zone as year, month, day.
date::year_month_day local_date(Instant t, const Zone& zone) {
    LocalTime local = to_local(t, zone.offset_minutes_at(t));
    return date::year_month_day(date::floor<date::days>(local));
}

std::string format_date(const date::year_month_day& d, const char* pattern) {
    char buf[32];
    std::snprintf(buf, sizeof buf, pattern, int(d.year()), unsigned(d.month()), unsigned(d.day()));
    return buf;
}

std::string plural(std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

std::optional<CameraFilter> parse_camera_filter(std::string_view text) {
    if (text == "all") return CameraFilter::all;
    if (text == "360") return CameraFilter::spherical;
    if (text == "regular") return CameraFilter::regular;
    return std::nullopt;
}

const char* to_string(CameraFilter f) {
    switch (f) {
        case CameraFilter::spherical: return "360";
        case CameraFilter::regular: return "regular";
        default: return "all";
    }
}

bool matches(CameraFilter f, const SequenceSummary& s) {
    switch (f) {
        case CameraFilter::spherical: return s.camera_type == "spherical";
        case CameraFilter::regular: return s.camera_type != "spherical";
        default: return true;
    }
}

void SequenceCollector::add(const Image& img) {
    if (!img.sequence) return;
    const std::string& id = *img.sequence;
    if (id.empty() || id.size() > 64 || !std::all_of(id.begin(), id.end(), [](unsigned char c) {
            return std::isalnum(c) || c == '_' || c == '-';
        })) {
        ++bad_ids_;
        return;
    }
    ++images_;
    auto [it, fresh] = by_id_.try_emplace(*img.sequence);
    SequenceSummary& s = it->second;
    if (fresh) s.id = *img.sequence;
    ++s.images;
    if (s.creator.empty() && img.creator_username) s.creator = *img.creator_username;
    std::optional<Instant> t;
    if (img.captured_at) t = Instant(std::chrono::milliseconds(*img.captured_at));
    // The camera type of the earliest image (all of a sequence's images
    // share one camera; the earliest is simply a stable choice).
    bool earliest = t && (!s.first || *t < *s.first);
    if (auto type = camera_type_of(img); type && (s.camera_type.empty() || earliest)) s.camera_type = *type;
    if (t) {
        if (earliest) s.first = t;
        if (!s.last || *t > *s.last) s.last = t;
    }
}

std::vector<SequenceSummary> SequenceCollector::newest_first() const {
    std::vector<SequenceSummary> out;
    out.reserve(by_id_.size());
    for (const auto& [id, s] : by_id_) out.push_back(s);
    std::stable_sort(out.begin(), out.end(), [](const SequenceSummary& a, const SequenceSummary& b) {
        if (a.first && b.first) return *a.first != *b.first ? *a.first > *b.first : a.id < b.id;
        return a.first.has_value() && !b.first.has_value();
    });
    return out;
}

std::string day_of(const SequenceSummary& s, const Zone& zone) {
    if (!s.first) return "unknown";
    return format_date(local_date(*s.first, zone), "%04d%02u%02u");
}

std::string format_sequence_list(const ListHeader& h, const std::vector<SequenceSummary>& sequences, const Zone& zone) {
    std::size_t images = 0;
    for (const auto& s : sequences) images += s.images;
    std::string out;
    out += "# Sequences of Mapillary user " + h.user + "\n";
    out += "# Made by " + h.tool + " at " + format_rfc3339_utc(h.made) + "; filter " + to_string(h.filter) + "; " +
           plural(h.pages, "page") + " read" + (h.cut_short ? " (stopped by -p: there may be more)" : "") + "\n";
    out += "# " + plural(sequences.size(), "sequence") + ", " + plural(images, "image") +
           "; grouped by capture day (" + h.zone + "), newest first\n";
    std::string day;
    for (const auto& s : sequences) {
        std::string d = day_of(s, zone);
        if (d != day) {
            out += "\n# " + d + "\n";
            day = d;
        }
        out += s.id + "\n";
    }
    return out;
}

Record sequence_record(const SequenceSummary& s, const Zone& zone) {
    Record r;
    r.set("sequence_id", s.id);
    if (s.first) r.set("day", format_date(local_date(*s.first, zone), "%04d-%02u-%02u"));
    r.set("image_count", std::int64_t(s.images));
    if (!s.camera_type.empty()) r.set("camera_type", s.camera_type);
    if (s.first) r.set("first_captured_at", format_rfc3339_utc(*s.first));
    if (s.last) r.set("last_captured_at", format_rfc3339_utc(*s.last));
    if (!s.creator.empty()) r.set("creator", s.creator);
    return r;
}

}  // namespace mapi
