// direction: see mapi/direction.hpp.
#include "mapi/direction.hpp"

#include "mapi/filter.hpp"
#include "mapi/geo.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <deque>
#include <limits>
#include <system_error>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace mapi {

namespace {

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

// Records in input order, each let out once it and every record before it
// are complete. A record may wait for the value of one open field (the
// heading). Past a memory limit, new records go to a temporary file until the
// queue has drained; a waiting record there is completed by rewriting its
// header in place, so nothing of it stays in memory.
class OrderedQueue {
public:
    struct Ticket {
        bool in_file;
        std::uint64_t pos;  // index in memory, or offset in the file
    };

    OrderedQueue(const OpenFields& fields, std::size_t limit) : fields_(fields), limit_(limit) {}
    ~OrderedQueue() {
        if (fd_ >= 0) ::close(fd_);
    }

    // A complete record.
    void push(std::string text) { push(OpenFields::Held{std::move(text), {}}, false, false, kNone); }
    // A record waiting for its field; until it is completed, value (NaN: none)
    // is what it would get.
    Ticket push_waiting(OpenFields::Held held, double value) { return push(std::move(held), true, true, value); }

    // value: the field's new value, or NaN to keep the one given at push.
    void complete(const Ticket& t, double value) {
        bool changed = !std::isnan(value);
        if (!t.in_file) {
            Entry& e = mem_[t.pos - mem_base_];
            e.waiting = false;
            if (changed) {
                e.changed = true;
                e.value = value;
            }
            return;
        }
        // In the file: rewrite the header's flags and value in place.
        const unsigned char done = 0, yes = 1;
        patch(t.pos, &done, 1);
        if (changed) {
            patch(t.pos + 2, &yes, 1);
            patch(t.pos + 8, reinterpret_cast<const unsigned char*>(&value), 8);
        }
    }

    bool next(std::string& line, bool& changed) {
        line.clear();
        if (!mem_.empty()) {
            Entry& e = mem_.front();
            if (e.waiting) return false;
            render(e.held, e.has_field, e.value, line);
            changed = e.changed;
            mem_bytes_ -= e.held.text.size();
            mem_.pop_front();
            ++mem_base_;
            return true;
        }
        if (read_pos_ == file_end()) return false;
        const unsigned char* h = at(read_pos_, kHeader);
        if (h[0]) return false;
        Header hd = decode(h);
        OpenFields::Held held{std::string(reinterpret_cast<const char*>(at(read_pos_ + kHeader, hd.len)), hd.len), {}};
        held.places.at[0] = hd.at;
        render(held, hd.has_field, hd.value, line);
        changed = hd.changed;
        read_pos_ += kHeader + hd.len;
        if (read_pos_ == file_end()) reset_file();
        return true;
    }

private:
    struct Entry {
        OpenFields::Held held;
        bool has_field, waiting, changed;
        double value;
    };
    // In the file: waiting, has_field, changed, 0, u32 place, f64 value, u32 length, 4 spare; then the text.
    static constexpr std::size_t kHeader = 24;
    struct Header {
        bool waiting, has_field, changed;
        std::uint32_t at, len;
        double value;
    };
    static Header decode(const unsigned char* h) {
        Header hd;
        hd.waiting = h[0];
        hd.has_field = h[1];
        hd.changed = h[2];
        std::memcpy(&hd.at, h + 4, 4);
        std::memcpy(&hd.value, h + 8, 8);
        std::memcpy(&hd.len, h + 16, 4);
        return hd;
    }

    void render(const OpenFields::Held& held, bool has_field, double value, std::string& line) const {
        if (!has_field) {
            line = held.text;
            return;
        }
        std::string v = std::isnan(value) ? std::string() : json_number(value);
        std::string_view values[1] = {v};
        fields_.write(held, values, line);
    }

    Ticket push(OpenFields::Held held, bool has_field, bool waiting, double value) {
        if (read_pos_ == file_end() && mem_bytes_ < limit_) {
            mem_bytes_ += held.text.size();
            mem_.push_back(Entry{std::move(held), has_field, waiting, false, value});
            return {false, mem_base_ + mem_.size() - 1};
        }
        std::uint64_t pos = file_end();
        unsigned char h[kHeader] = {};
        h[0] = waiting;
        h[1] = has_field;
        std::uint32_t len = static_cast<std::uint32_t>(held.text.size());
        std::memcpy(h + 4, &held.places.at[0], 4);
        std::memcpy(h + 8, &value, 8);
        std::memcpy(h + 16, &len, 4);
        wbuf_.append(reinterpret_cast<const char*>(h), kHeader);
        wbuf_ += held.text;
        if (wbuf_.size() >= kChunk) flush();
        return {true, pos};
    }

    std::uint64_t file_end() const { return flushed_ + wbuf_.size(); }

    void open_file() {
        const char* dir = std::getenv("TMPDIR");
        std::string path = std::string(dir && *dir ? dir : "/tmp") + "/mly-direction.XXXXXX";
        std::vector<char> tmpl(path.begin(), path.end());
        tmpl.push_back('\0');
        fd_ = ::mkostemp(tmpl.data(), O_CLOEXEC);
        if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "temporary file in " + path);
        ::unlink(tmpl.data());  // gone with the process, whatever happens
    }

    void flush() {
        if (wbuf_.empty()) return;
        if (fd_ < 0) open_file();
        std::size_t done = 0;
        while (done < wbuf_.size()) {
            ssize_t n = ::pwrite(fd_, wbuf_.data() + done, wbuf_.size() - done, static_cast<off_t>(flushed_ + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) throw std::system_error(n < 0 ? errno : ENOSPC, std::generic_category(), "temporary file");
            done += static_cast<std::size_t>(n);
        }
        flushed_ += wbuf_.size();
        wbuf_.clear();
    }

    // len bytes of the file at pos, from the write buffer or the read buffer.
    const unsigned char* at(std::uint64_t pos, std::size_t len) {
        if (pos >= flushed_) return reinterpret_cast<const unsigned char*>(wbuf_.data() + (pos - flushed_));
        if (pos < rbuf_pos_ || pos + len > rbuf_pos_ + rbuf_.size()) {
            std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(std::max(len, kChunk), flushed_ - pos));
            rbuf_.resize(want);
            std::size_t got = 0;
            while (got < want) {
                ssize_t n = ::pread(fd_, rbuf_.data() + got, want - got, static_cast<off_t>(pos + got));
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) throw std::system_error(n < 0 ? errno : EIO, std::generic_category(), "temporary file");
                got += static_cast<std::size_t>(n);
            }
            rbuf_pos_ = pos;
        }
        return reinterpret_cast<const unsigned char*>(rbuf_.data() + (pos - rbuf_pos_));
    }

    void patch(std::uint64_t pos, const unsigned char* bytes, std::size_t len) {
        if (pos >= flushed_) {
            std::memcpy(wbuf_.data() + (pos - flushed_), bytes, len);
            return;
        }
        if (::pwrite(fd_, bytes, len, static_cast<off_t>(pos)) != static_cast<ssize_t>(len))
            throw std::system_error(errno, std::generic_category(), "temporary file");
        if (pos >= rbuf_pos_ && pos + len <= rbuf_pos_ + rbuf_.size())
            std::memcpy(rbuf_.data() + (pos - rbuf_pos_), bytes, len);
    }

    void reset_file() {
        if (fd_ >= 0 && flushed_ > 0 && ::ftruncate(fd_, 0) != 0) {
            // Only space is lost; the queue starts again at the end of the file.
            read_pos_ = flushed_ = file_end();
            wbuf_.clear();
            rbuf_.clear();
            return;
        }
        read_pos_ = flushed_ = 0;
        wbuf_.clear();
        rbuf_.clear();
        rbuf_pos_ = 0;
    }

    static constexpr std::size_t kChunk = 1u << 20;
    const OpenFields& fields_;
    std::size_t limit_;
    std::deque<Entry> mem_;
    std::uint64_t mem_base_ = 0;
    std::size_t mem_bytes_ = 0;
    int fd_ = -1;
    std::uint64_t flushed_ = 0, read_pos_ = 0;
    std::string wbuf_, rbuf_;
    std::uint64_t rbuf_pos_ = 0;
};

struct Sequence {
    bool has_pos = false, has_before = false;
    LatLon pos{}, before{};  // the latest position, and the one before it that differs
    std::vector<OrderedQueue::Ticket> waiting;  // photos at pos waiting for the next position
};

bool same(LatLon a, LatLon b) { return a.lat == b.lat && a.lon == b.lon; }

}  // namespace

struct PathHeadings::Impl {
    explicit Impl(const DirectionOptions& o) : opts(o), fields({"heading"}), queue(fields, o.buffer_bytes) {}
    DirectionOptions opts;
    OpenFields fields;
    OrderedQueue queue;
    std::unordered_map<std::string, Sequence> sequences;

    double heading(LatLon from, LatLon to) const { return normalize_deg(initial_bearing_deg(from, to) + opts.offset_deg); }

    // The end of a sequence: its last photos get the bearing of the step that
    // led to their position; none when it never moved (they keep what they had).
    void close(Sequence& s, Counts& counts) {
        double h = s.has_before ? heading(s.before, s.pos) : kNone;
        for (const auto& t : s.waiting) queue.complete(t, h);
        (s.has_before ? counts.headings : counts.unmoved) += s.waiting.size();
        s.waiting.clear();
    }
    // With `grouped`: the sequence being read, and those that ended.
    std::string current;
    bool has_current = false;
    std::unordered_set<std::string> ended;
};

PathHeadings::PathHeadings(const DirectionOptions& opts) : impl_(std::make_unique<Impl>(opts)) {}
PathHeadings::~PathHeadings() = default;

void PathHeadings::add(Record& rec) {
    auto pos = record_position(rec);
    auto old = record_heading(rec);
    auto seq = record_sequence(rec);
    if (!pos) {
        ++counts_.without_position;
        impl_->queue.push(rec.to_json());
        return;
    }
    if (impl_->opts.grouped && (!impl_->has_current || seq != impl_->current)) {
        if (impl_->ended.count(seq))
            throw FieldError("sequence_id \"" + seq + "\" comes back after another sequence began: " +
                             "the input is not grouped by sequence (run without --grouped)");
        if (impl_->has_current) {
            auto it = impl_->sequences.find(impl_->current);
            impl_->close(it->second, counts_);
            impl_->sequences.erase(it);
            impl_->ended.insert(impl_->current);
        }
        impl_->current = seq;
        impl_->has_current = true;
    }
    Sequence& s = impl_->sequences[seq];
    if (s.has_pos && !same(s.pos, *pos)) {
        double h = impl_->heading(s.pos, *pos);
        for (const auto& t : s.waiting) impl_->queue.complete(t, h);
        counts_.headings += s.waiting.size();
        s.waiting.clear();
        s.before = s.pos;
        s.has_before = true;
    }
    s.pos = *pos;
    s.has_pos = true;
    if (old && !impl_->opts.all) {
        impl_->queue.push(rec.to_json());
        return;
    }
    s.waiting.push_back(impl_->queue.push_waiting(impl_->fields.hold(rec), old.value_or(kNone)));
}

void PathHeadings::finish() {
    for (auto& [id, s] : impl_->sequences) impl_->close(s, counts_);
}

bool PathHeadings::next(std::string& line, bool& changed) { return impl_->queue.next(line, changed); }

}  // namespace mapi
