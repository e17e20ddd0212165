// dedupe: see mapi/dedupe.hpp.
#include "mapi/dedupe.hpp"

#include "mapi/filter.hpp"

#include <cmath>

namespace mapi {

namespace {
bool whole_second(Instant t) { return t.time_since_epoch().count() % 1000 == 0; }
}  // namespace

DuplicateFilter::Verdict DuplicateFilter::judge(const Record& rec, const std::string& name, std::string& reason) {
    auto pos = record_position(rec);
    auto heading = record_heading(rec);
    auto time = record_time(rec);
    auto seq = record_sequence(rec);
    reason.clear();
    if (!pos) return Verdict::no_position;

    auto it = last_.find(seq);
    if (it != last_.end()) {
        const Kept& k = it->second;
        double d = ellipsoid_chord_m(k.pos, 0, *pos, 0);
        if (d < opts_.distance_m) {
            if (!heading || !k.heading) {
                reason = "duplicate: " + format_number(d, 2) + " m from " + k.name + " (no heading to compare)";
                return Verdict::duplicate;
            }
            double turn = angle_diff_deg(*heading, *k.heading);
            if (turn < opts_.angle_deg) {
                reason = "duplicate: " + format_number(d, 2) + " m from " + k.name + ", heading " +
                         format_number(turn, 1) + " deg apart";
                return Verdict::duplicate;
            }
        }
        if (time && k.time) {
            // A time in whole seconds may stand for any moment of its second
            // (cameras without sub-seconds): allow the longest gap it can mean.
            double dt = std::fabs(std::chrono::duration<double>(*time - *k.time).count());
            bool coarse = whole_second(*time) && whole_second(*k.time);
            double span = dt + (coarse ? 1.0 : 0.0);
            double kmh = span > 0 ? d / span * 3.6 : HUGE_VAL;
            if (kmh > opts_.max_speed_kmh) {
                std::string speed = span <= 0 ? "infinite" : (coarse ? "at least " : "") + format_number(kmh, 0) + " km/h";
                std::string in = (coarse ? "in under " : "in ") + format_number(span, 3) + " s";
                reason = "speed " + speed + " from " + k.name + " (" + format_number(d, 1) + " m " + in + ")";
                return Verdict::too_fast;
            }
        }
    }
    last_[seq] = Kept{*pos, heading, time, name};
    return Verdict::keep;
}

}  // namespace mapi
