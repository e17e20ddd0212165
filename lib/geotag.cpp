// geotag: see mapi/geotag.hpp.
#include "mapi/geotag.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace mapi {

using std::chrono::milliseconds;
using std::chrono::minutes;

std::optional<PointKinds> parse_point_kinds(std::string_view list) {
    PointKinds k{false, false, false};
    while (true) {
        auto comma = list.find(',');
        std::string_view word = list.substr(0, comma);
        if (word == "tracks" || word == "trk") {
            k.tracks = true;
        } else if (word == "routes" || word == "rte") {
            k.routes = true;
        } else if (word == "waypoints" || word == "wpt") {
            k.waypoints = true;
        } else {
            return std::nullopt;
        }
        if (comma == std::string_view::npos) return k;
        list.remove_prefix(comma + 1);
    }
}

PointCount count_points(const GpxData& gpx, const PointKinds& kinds) {
    PointCount c;
    auto tally = [&](const TrackPoint& p, bool chosen) {
        if (!chosen) return;
        ++(p.time ? c.timed : c.untimed);
    };
    for (const Track& t : gpx.tracks)
        for (const auto& s : t.segments)
            for (const TrackPoint& p : s.points) {
                ++c.tracks;
                tally(p, kinds.tracks);
            }
    for (const Track& r : gpx.routes)
        for (const auto& s : r.segments)
            for (const TrackPoint& p : s.points) {
                ++c.routes;
                tally(p, kinds.routes);
            }
    for (const TrackPoint& p : gpx.waypoints) {
        ++c.waypoints;
        tally(p, kinds.waypoints);
    }
    return c;
}

// What one run offers for a time: a fix, and how good it is.
struct TrackIndex::Candidate {
    Fix fix;
    bool clamped;
    milliseconds key;  // interpolated: the span; clamped: the distance
    std::size_t order;

    bool better_than(const Candidate& o) const {
        if (clamped != o.clamped) return !clamped;
        if (key != o.key) return key < o.key;
        return order < o.order;
    }
};

TrackIndex::TrackIndex(const std::vector<GpxData>& files, const GeotagOptions& opts) : opts_(opts) {
    std::vector<Run> runs;
    auto start_run = [&] { runs.push_back({{}, runs.size()}); };
    auto add = [&](const std::vector<TrackPoint>& points) {
        for (const TrackPoint& p : points)
            if (p.time) runs.back().points.push_back({*p.time, {p.lat, p.lon}, p.ele, p.course});
    };
    for (const GpxData& gpx : files) {
        if (opts.kinds.tracks)
            for (const Track& t : gpx.tracks)
                for (const auto& s : t.segments) {
                    start_run();
                    add(s.points);
                }
        if (opts.kinds.routes)
            for (const Track& r : gpx.routes) {
                start_run();
                for (const auto& s : r.segments) add(s.points);
            }
        if (opts.kinds.waypoints) {
            start_run();
            add(gpx.waypoints);
        }
    }
    std::erase_if(runs, [](const Run& r) { return r.points.empty(); });
    if (opts.bridge_segments && runs.size() > 1) {
        Run all{{}, 0};
        for (Run& r : runs) all.points.insert(all.points.end(), r.points.begin(), r.points.end());
        runs.clear();
        runs.push_back(std::move(all));
    }
    auto by_time = [](const Point& a, const Point& b) { return a.time < b.time; };
    for (Run& r : runs) {
        std::stable_sort(r.points.begin(), r.points.end(), by_time);
        points_ += r.points.size();
    }
    std::stable_sort(runs.begin(), runs.end(),
                     [](const Run& a, const Run& b) { return a.points.front().time < b.points.front().time; });
    runs_ = std::move(runs);
    for (const Run& r : runs_) {
        Instant e = r.points.back().time;
        max_end_.push_back(max_end_.empty() ? e : std::max(max_end_.back(), e));
    }
    if (!runs_.empty()) {
        start_ = runs_.front().points.front().time;
        end_ = max_end_.back();
    }
}

std::optional<double> TrackIndex::leg_bearing(const Run& run, std::size_t i, bool towards_later) const {
    const auto& p = run.points;
    auto leg = [&](std::size_t a, std::size_t b) -> std::optional<double> {
        if (p[a].pos.lat == p[b].pos.lat && p[a].pos.lon == p[b].pos.lon) return std::nullopt;
        return initial_bearing_deg(p[a].pos, p[b].pos);
    };
    bool has_later = i + 1 < p.size(), has_earlier = i > 0;
    if (towards_later) {
        if (has_later) return leg(i, i + 1);
        if (has_earlier) return leg(i - 1, i);
    } else {
        if (has_earlier) return leg(i - 1, i);
        if (has_later) return leg(i, i + 1);
    }
    return std::nullopt;
}

std::optional<TrackIndex::Candidate> TrackIndex::best_in(const Run& run, Instant t) const {
    const auto& p = run.points;
    auto it = std::upper_bound(p.begin(), p.end(), t, [](Instant v, const Point& q) { return v < q.time; });
    std::size_t i = static_cast<std::size_t>(it - p.begin());  // first point after t

    auto clamp = [&](std::size_t k, bool t_is_later) -> std::optional<Candidate> {
        milliseconds d = t_is_later ? t - p[k].time : p[k].time - t;
        if (opts_.max_extrapolate && d > *opts_.max_extrapolate) return std::nullopt;
        Fix f;
        f.how = Fix::How::clamped;
        f.pos = p[k].pos;
        f.ele = p[k].ele;
        f.course = p[k].course;
        // The leg on the side of t: arriving at a point t comes after,
        // leaving one t comes before.
        f.bearing = leg_bearing(run, k, !t_is_later);
        f.span = d;
        return Candidate{f, true, d, run.order};
    };

    if (i > 0 && p[i - 1].time == t) {
        Fix f;
        f.pos = p[i - 1].pos;
        f.ele = p[i - 1].ele;
        f.course = p[i - 1].course;
        f.bearing = leg_bearing(run, i - 1, true);
        return Candidate{f, false, milliseconds(0), run.order};
    }
    if (i == 0) return clamp(0, false);
    if (i == p.size()) return clamp(i - 1, true);

    const Point& a = p[i - 1];
    const Point& b = p[i];
    milliseconds gap = b.time - a.time;
    if (!opts_.max_gap || gap <= *opts_.max_gap) {
        double frac = static_cast<double>((t - a.time).count()) / static_cast<double>(gap.count());
        Fix f;
        f.how = Fix::How::interpolated;
        f.pos = interpolate(a.pos, b.pos, frac);
        if (a.ele && b.ele) f.ele = *a.ele + (*b.ele - *a.ele) * frac;
        if (a.course && b.course) f.course = interpolate_angle_deg(*a.course, *b.course, frac);
        if (a.pos.lat != b.pos.lat || a.pos.lon != b.pos.lon) f.bearing = initial_bearing_deg(a.pos, b.pos);
        f.span = gap;
        return Candidate{f, false, gap, run.order};
    }
    // A gap too long to interpolate across: like two ends of runs.
    if (t - a.time <= b.time - t) return clamp(i - 1, true);
    return clamp(i, false);
}

std::optional<Fix> TrackIndex::fix_at(Instant t) const {
    if (runs_.empty()) return std::nullopt;
    std::optional<Candidate> best;
    auto consider = [&](const Run& r) {
        auto c = best_in(r, t);
        if (c && (!best || c->better_than(*best))) best = std::move(c);
    };
    if (!opts_.max_extrapolate) {
        for (const Run& r : runs_) consider(r);
    } else {
        // Only runs that start by t + ext and end from t - ext can serve.
        milliseconds ext = *opts_.max_extrapolate;
        auto last = std::upper_bound(runs_.begin(), runs_.end(), t + ext,
                                     [](Instant v, const Run& r) { return v < r.points.front().time; });
        for (std::size_t j = static_cast<std::size_t>(last - runs_.begin()); j-- > 0;) {
            if (max_end_[j] < t - ext) break;
            consider(runs_[j]);
        }
    }
    if (!best) return std::nullopt;
    return best->fix;
}

namespace {

std::string utc(Instant t) { return format_rfc3339_utc(t); }

std::string signed_duration(milliseconds d) {
    return (d < milliseconds(0) ? "-" : "+") + format_duration(d < milliseconds(0) ? -d : d);
}

}  // namespace

std::string TrackIndex::describe_miss(Instant t, Located& out) const {
    const std::string range = " (track: " + utc(start_) + " to " + utc(end_) + " UTC)";
    const std::string ext_limit =
        opts_.max_extrapolate && opts_.max_extrapolate->count() > 0
            ? ", more than the " + format_duration(*opts_.max_extrapolate) + " allowed outside it"
            : "";
    if (t < start_) {
        out.miss = Located::Miss::before;
        return utc(t) + " is " + format_duration(start_ - t) + " before the track starts" + ext_limit + range;
    }
    if (t > end_) {
        out.miss = Located::Miss::after;
        return utc(t) + " is " + format_duration(t - end_) + " after the track ends" + ext_limit + range;
    }
    // Inside the track's range: in a gap too long within a run, or between runs.
    std::optional<std::pair<Instant, Instant>> gap;  // the shortest too-long gap around t
    std::optional<Instant> prev_end, next_start;
    for (const Run& r : runs_) {
        const auto& p = r.points;
        if (p.front().time > t) {
            if (!next_start || p.front().time < *next_start) next_start = p.front().time;
        } else if (p.back().time < t) {
            if (!prev_end || p.back().time > *prev_end) prev_end = p.back().time;
        } else {
            auto it = std::upper_bound(p.begin(), p.end(), t, [](Instant v, const Point& q) { return v < q.time; });
            std::pair<Instant, Instant> g{std::prev(it)->time, it->time};
            if (!gap || g.second - g.first < gap->second - gap->first) gap = g;
        }
    }
    if (gap) {
        out.miss = Located::Miss::long_gap;
        milliseconds nearer = std::min(t - gap->first, gap->second - t);
        std::string s = utc(t) + " falls in a gap of " + format_duration(gap->second - gap->first) +
                        " between track points at " + utc(gap->first) + " and " + utc(gap->second) +
                        ", longer than the " + format_duration(opts_.max_gap.value_or(milliseconds(0))) +
                        " interpolated across";
        if (opts_.max_extrapolate && opts_.max_extrapolate->count() > 0)
            s += ", and " + format_duration(nearer) + " from the nearer one, more than the " +
                 format_duration(*opts_.max_extrapolate) + " allowed";
        return s + range;
    }
    out.miss = Located::Miss::between_runs;
    // Both exist: t is inside [start_, end_] and no run contains it.
    std::string s = utc(t) + " falls between two track segments, " + format_duration(t - *prev_end) +
                    " after one ends at " + utc(*prev_end) + " and " + format_duration(*next_start - t) +
                    " before the next starts at " + utc(*next_start);
    if (opts_.max_extrapolate && opts_.max_extrapolate->count() > 0)
        s += ", more than the " + format_duration(*opts_.max_extrapolate) + " allowed outside a segment";
    return s + range;
}

Located TrackIndex::locate(Instant t) const {
    Located out;
    out.fix = fix_at(t);
    if (out.fix) return out;
    if (runs_.empty()) {
        out.miss = Located::Miss::before;
        out.reason = "the track has no points with a time";
        return out;
    }
    out.reason = describe_miss(t, out);
    // The smallest whole or half hour that places a photo outside the track:
    // a zone or DST mistake. (Inside, in a pause, some shift nearly always
    // works, and suggests nothing.)
    bool outside = out.miss == Located::Miss::before || out.miss == Located::Miss::after;
    for (int k = 1; outside && k <= 28 && !out.shift; ++k)
        for (int sign : {-1, 1}) {
            minutes s(sign * k * 30);
            if (fix_at(t + s)) {
                out.shift = s;
                break;
            }
        }
    if (out.shift) out.reason += "; shifted by " + signed_duration(*out.shift) + " it would fall inside";
    return out;
}

PhotoTime photo_time(const Record& rec, const PhotoClock& clock) {
    auto text = rec.get_string("captured_at");
    if (!text) throw FieldError("no captured_at");
    auto t = parse_rfc3339(*text);
    if (!t) throw FieldError("bad captured_at '" + *text + "' (want RFC 3339, e.g. 2025-07-28T10:07:30.120Z)");
    if (auto off = rec.get_string("utc_offset")) {
        if (!parse_utc_offset(*off)) throw FieldError("bad utc_offset '" + *off + "' (want +HH:MM)");
        return {*t, std::nullopt};
    }
    if (!clock.tz) return {*t, std::nullopt};
    LocalTime wall{t->time_since_epoch()};
    return {clock.tz->to_utc(wall), clock.tz->offset_minutes_for_local(wall)};
}

Located geotag_record(Record& rec, const TrackIndex& track, const RecordGeotag& how) {
    PhotoTime pt = photo_time(rec, how.clock);
    Instant gps_time = pt.utc + how.clock.offset;
    Located where = track.locate(gps_time);
    if (!where.fix) return where;
    const Fix& f = *where.fix;
    bool corrected = !how.keep_time && how.clock.offset.count() != 0;
    if (pt.zone_offset_minutes || corrected) rec.set("captured_at", format_rfc3339_utc(corrected ? gps_time : pt.utc));
    if (pt.zone_offset_minutes) rec.set("utc_offset", format_utc_offset(*pt.zone_offset_minutes));
    rec.set("lat", f.pos.lat);
    rec.set("lon", f.pos.lon);
    if (f.ele) rec.set("alt", *f.ele);
    bool keep = how.heading == HeadingMode::none || (how.heading == HeadingMode::keep && rec.has("heading"));
    if (!keep)
        if (auto h = f.heading()) rec.set("heading", *h);
    return where;
}

std::optional<milliseconds> parse_seconds(std::string_view text) {
    if (text.empty()) return std::nullopt;
    bool negative = false;
    if (text[0] == '+' || text[0] == '-') {
        negative = text[0] == '-';
        text.remove_prefix(1);
    }
    // Up to three parts, H:M:S; only the last may have a fraction, and a
    // part after a colon is below 60.
    std::vector<std::string_view> parts;
    while (true) {
        auto colon = text.find(':');
        parts.push_back(text.substr(0, colon));
        if (colon == std::string_view::npos) break;
        text.remove_prefix(colon + 1);
    }
    if (parts.size() > 3) return std::nullopt;
    std::int64_t seconds = 0, frac_ms = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string_view whole = parts[i];
        if (i + 1 == parts.size()) {
            auto dot = whole.find('.');
            if (dot != std::string_view::npos) {
                std::string_view frac = whole.substr(dot + 1);
                whole = whole.substr(0, dot);
                if (frac.empty() || frac.find_first_not_of("0123456789") != std::string_view::npos)
                    return std::nullopt;
                if (whole.empty()) whole = "0";
                std::string digits(frac.substr(0, 4));
                digits.resize(4, '0');
                frac_ms = (std::stoi(digits) + 5) / 10;  // rounded to the ms
            }
        }
        if (whole.empty() || whole.size() > 9 || whole.find_first_not_of("0123456789") != std::string_view::npos)
            return std::nullopt;
        std::int64_t v = 0;
        std::from_chars(whole.data(), whole.data() + whole.size(), v);
        if (i > 0 && v >= 60) return std::nullopt;
        seconds = seconds * 60 + v;
    }
    std::int64_t total_ms = seconds * 1000 + frac_ms;
    return milliseconds(negative ? -total_ms : total_ms);
}

}  // namespace mapi
