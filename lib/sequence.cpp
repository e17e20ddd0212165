// sequence: see mapi/sequence.hpp.
#include "mapi/sequence.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

namespace mapi {

std::optional<double> auto_cutoff_time(const std::vector<Instant>& sorted_times) {
    if (sorted_times.size() < 2) return std::nullopt;
    std::vector<double> gaps;
    gaps.reserve(sorted_times.size() - 1);
    for (std::size_t i = 1; i < sorted_times.size(); ++i)
        gaps.push_back(std::chrono::duration<double>(sorted_times[i] - sorted_times[i - 1]).count());
    auto mid = gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2);
    std::nth_element(gaps.begin(), mid, gaps.end());
    return 1.5 * *mid;
}

std::string sequence_id(Instant first, std::string_view first_path) {
    std::string_view name = first_path.substr(first_path.rfind('/') + 1);
    std::uint32_t h = 2166136261u;  // FNV-1a, 32 bits
    for (unsigned char c : name) {
        h ^= c;
        h *= 16777619u;
    }
    // 20240331T014500.000Z -> 20240331_014500
    std::string t = format_rfc3339_utc(first);
    std::string id = t.substr(0, 4) + t.substr(5, 2) + t.substr(8, 2) + "_" + t.substr(11, 2) + t.substr(14, 2) +
                     t.substr(17, 2);
    char hex[16];
    std::snprintf(hex, sizeof hex, "_%08x", h);
    return id + hex;
}

Splitter::Splitter(const SplitOptions& opts) : opts_(opts), fields_({"sequence_id", "split_reason", "path"}) {}

void Splitter::add(Record& rec) {
    auto time = record_time(rec);
    auto pos = record_position(rec);
    auto path = rec.get_string("path");
    record_sequence(rec);  // a wrong type is an error even though it is replaced
    rec.get_string("split_reason");
    if (!time) throw FieldError("record has no \"captured_at\" to sort by");
    if (!pos) ++without_position_;
    thread_local std::string text;  // reused from record to record
    auto places = fields_.hold(rec, text);
    photos_.push_back(Photo{*time, pos, text_.add(path.value_or("")), path.has_value(), text_.add(text), places});
}

std::vector<Splitter::Sequence> Splitter::split() {
    // Sorting (time, index) pairs keeps the comparisons in cache; the paths
    // are looked at only for photos taken in the same millisecond.
    std::vector<std::pair<std::int64_t, std::uint32_t>> keys(photos_.size());
    for (std::uint32_t i = 0; i < keys.size(); ++i) keys[i] = {photos_[i].time.time_since_epoch().count(), i};
    auto by_time = [&](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first < b.first;
        std::string_view p = photos_[a.second].path, q = photos_[b.second].path;
        if (p != q) return p < q;
        return a.second < b.second;
    };
    // Photos mostly come in time order already (a scan of a folder).
    if (!std::is_sorted(keys.begin(), keys.end(), by_time)) std::sort(keys.begin(), keys.end(), by_time);
    order_.resize(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) order_[i] = keys[i].second;

    cutoff_time_ = opts_.cutoff_time_s;
    if (!cutoff_time_) {
        std::vector<Instant> times;
        times.reserve(order_.size());
        for (auto i : order_) times.push_back(photos_[i].time);
        cutoff_time_ = auto_cutoff_time(times);
    }

    std::vector<Sequence> seqs;
    std::set<std::string> ids;
    std::optional<LatLon> last_pos;  // of the current sequence
    auto start = [&](std::size_t i, std::string reason) {
        if (!seqs.empty()) seqs.back().end = i;
        const Photo& p = photos_[order_[i]];
        std::string id = sequence_id(p.time, p.path);
        for (int n = 2; !ids.insert(id).second; ++n) id = sequence_id(p.time, p.path) + "-" + std::to_string(n);
        seqs.push_back(Sequence{id, i, i, std::move(reason)});
        last_pos.reset();
    };
    for (std::size_t i = 0; i < order_.size(); ++i) {
        if (i + 8 < order_.size()) __builtin_prefetch(&photos_[order_[i + 8]]);
        const Photo& p = photos_[order_[i]];
        if (i == 0) {
            start(i, "start");
        } else {
            std::string reason;
            auto add = [&](const std::string& r) { reason += (reason.empty() ? "" : ", ") + r; };
            double gap = std::chrono::duration<double>(p.time - photos_[order_[i - 1]].time).count();
            if (cutoff_time_ && gap > *cutoff_time_)
                add("time gap " + format_number(gap, 3) + " s > " + format_number(*cutoff_time_, 3) + " s");
            if (p.pos && last_pos) {
                double d = haversine_m(*last_pos, *p.pos);
                if (d > opts_.cutoff_distance_m)
                    add("distance " + format_number(d, 1) + " m > " + format_number(opts_.cutoff_distance_m, 3) + " m");
            }
            if (reason.empty() && i - seqs.back().begin >= opts_.max_images)
                add(std::to_string(opts_.max_images) + " images");
            if (!reason.empty()) start(i, std::move(reason));
        }
        if (p.pos) last_pos = p.pos;
    }
    if (!seqs.empty()) seqs.back().end = order_.size();
    return seqs;
}

std::string_view Splitter::path(std::size_t i) const { return photos_[order_[i]].path; }

void Splitter::write(std::size_t i, const Sequence& seq, std::string_view path, std::string& out) const {
    // Photos are written in time order, which may be far from input order:
    // ask for the records a few places ahead now, so memory latency overlaps.
    if (i + 16 < order_.size()) __builtin_prefetch(&photos_[order_[i + 16]]);
    if (i + 8 < order_.size()) {
        const Photo& ahead = photos_[order_[i + 8]];
        for (std::size_t b = 0; b < ahead.text.size(); b += 64) __builtin_prefetch(ahead.text.data() + b);
        __builtin_prefetch(ahead.path.data());
    }
    const Photo& p = photos_[order_[i]];
    // The values' text, in buffers kept from call to call.
    thread_local std::string id, reason, path_value;
    id.clear();
    append_json_string(id, seq.id);
    reason.clear();
    if (i == seq.begin) append_json_string(reason, seq.reason);
    path_value.clear();
    if (p.has_path) append_json_string(path_value, path);
    std::string_view values[3] = {id, reason, path_value};
    fields_.write(p.text, p.places, values, out);
}

}  // namespace mapi
