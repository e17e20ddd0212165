#include "mapi/download.hpp"

#include "mapi/filter.hpp"
#include "mapi/fs.hpp"
#include "mapi/jpeg.hpp"
#include "mapi/reencode.hpp"
#include "mapi/tzguess.hpp"
#include "mapi/xmp.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sys/file.h>
#include <sys/stat.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace mapi {

namespace fsys = std::filesystem;
using Clock = std::chrono::steady_clock;

// ---- Choices and the pure functions ------------------------------------------------

std::optional<Choice> parse_choice(std::string_view text) {
    if (text == "original") return Choice::original;
    if (text == "computed") return Choice::computed;
    if (text == "auto") return Choice::automatic;
    return std::nullopt;
}

double unwrap_altitude(double alt) {
    // No altitude on Earth is anywhere near 2^31 m: such a value is a small
    // negative number read as unsigned 32-bit.
    if (alt >= 2147483648.0 && alt < 4294967296.0) return alt - 4294967296.0;
    return alt;
}

namespace {

std::optional<LatLon> to_latlon(const std::optional<LonLat>& p) {
    if (!p) return std::nullopt;
    return LatLon{p->lat, p->lon};
}

std::optional<double> plausible_altitude(std::optional<double> alt) {
    if (!alt) return std::nullopt;
    double a = unwrap_altitude(*alt);
    // Deeper than any mine or higher than any aircraft: not a capture altitude.
    if (!std::isfinite(a) || a < -12000 || a > 100000) return std::nullopt;
    return a;
}

std::optional<double> heading_of(std::optional<double> h) {
    if (!h || !std::isfinite(*h)) return std::nullopt;
    return normalize_deg(*h);
}

// Strings for EXIF ASCII tags: no NUL bytes (they would end the string).
std::optional<std::string> exif_text(const std::optional<std::string>& s) {
    if (!s) return std::nullopt;
    std::string out;
    for (char c : *s)
        if (c != '\0') out += c;
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.empty()) return std::nullopt;
    return out;
}

struct Civil {
    int year;
    unsigned month, day;
    int hour, minute, second, ms;
};

Civil civil(Instant t, int offset_minutes) {
    auto local = t + std::chrono::minutes(offset_minutes);
    auto day = date::floor<date::days>(local);
    date::year_month_day ymd{day};
    auto tod = local - day;
    auto ms = tod.count();
    return {int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()), int(ms / 3600000), int(ms / 60000 % 60),
            int(ms / 1000 % 60), int(ms % 1000)};
}

}  // namespace

Placement place_image(const Image& img, Choice geometry, Choice heading) {
    Placement p;
    auto orig = to_latlon(img.geometry), comp = to_latlon(img.computed_geometry);
    bool computed = false;
    switch (geometry) {
        case Choice::original: computed = !orig && comp; break;
        case Choice::computed: computed = comp.has_value(); break;
        case Choice::automatic:
            computed = comp && (!orig || haversine_m(*orig, *comp) <= auto_max_distance_m);
            break;
    }
    p.position = computed ? comp : orig;
    p.computed_position = computed && p.position.has_value();

    // The camera's altitude, unless computed positions were asked for.
    if (geometry == Choice::computed && p.computed_position) {
        p.altitude = plausible_altitude(img.computed_altitude);
        if (!p.altitude) p.altitude = plausible_altitude(img.altitude);
    } else {
        p.altitude = plausible_altitude(img.altitude);
        if (!p.altitude) p.altitude = plausible_altitude(img.computed_altitude);
    }

    auto horig = heading_of(img.compass_angle), hcomp = heading_of(img.computed_compass_angle);
    bool hcomputed = false;
    switch (heading) {
        case Choice::original: hcomputed = !horig && hcomp; break;
        case Choice::computed: hcomputed = hcomp.has_value(); break;
        case Choice::automatic:
            hcomputed = hcomp && (!horig || angle_diff_deg(*horig, *hcomp) <= auto_max_angle_deg);
            break;
    }
    p.heading = hcomputed ? hcomp : horig;
    p.computed_heading = hcomputed && p.heading.has_value();
    return p;
}

std::optional<int> focal_length_35mm(const Image& img) {
    if (is_spherical(img) || img.camera_parameters.empty()) return std::nullopt;
    double f = img.camera_parameters[0];
    if (!std::isfinite(f) || f <= 0) return std::nullopt;
    long mm = std::lround(f * 36);
    if (mm < 1 || mm > 65535) return std::nullopt;
    return int(mm);
}

std::string file_stem(Instant t, int offset_minutes) {
    Civil c = civil(t, offset_minutes);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d%02u%02u_%02d%02d%02d_%03d", c.year, c.month, c.day, c.hour, c.minute,
                  c.second, c.ms);
    return buf;
}

std::string folder_name(Instant first, int offset_minutes, std::string_view sequence_id) {
    std::string stem = file_stem(first, offset_minutes);
    stem.resize(stem.size() - 3);  // without the milliseconds, keeping the '_'
    std::string key;
    for (char c : sequence_id.substr(0, 8)) {
        bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        key += safe ? c : '_';
    }
    if (key.empty()) key = "unknown";
    return stem + key;
}

ExifUpdate image_exif(const Image& img, const Placement& p, Instant t, int offset_minutes, int width, int height) {
    ExifUpdate u;
    if (p.position) {
        u.gps_lat = p.position->lat;
        u.gps_lon = p.position->lon;
    }
    u.gps_alt = p.altitude;
    Civil z = civil(t, 0);
    u.gps_time = GpsTime{z.year, int(z.month), int(z.day), z.hour, z.minute, z.second + z.ms / 1000.0};
    u.gps_img_direction = p.heading;

    LocalTime local = to_local(t, offset_minutes);
    std::string when = format_exif_datetime(local), sub = format_subsec(local), off = format_utc_offset(offset_minutes);
    u.datetime_original = u.datetime_digitized = u.datetime = when;
    u.subsec_original = u.subsec_digitized = u.subsec_time = sub;
    u.offset_time_original = u.offset_time_digitized = u.offset_time = off;

    u.make = exif_text(img.make);
    u.model = exif_text(img.model);
    u.artist = exif_text(img.creator_username);
    u.orientation = img.exif_orientation;
    if (width > 0 && height > 0) {
        u.pixel_x = std::uint32_t(width);
        u.pixel_y = std::uint32_t(height);
    }
    if (auto f = focal_length_35mm(img)) u.focal_length_35mm = std::uint16_t(*f);
    u.image_unique_id = exif_text(img.id);
    std::string desc = "Mapillary image " + img.id;
    if (img.sequence) desc += " | sequence " + *img.sequence;
    if (img.creator_username) desc += " | creator " + *img.creator_username;
    u.image_description = exif_text(desc);
    return u;
}

void set_download_fields(Record& rec, const Image& img, const Placement& p, Instant t, int offset_minutes, int width,
                    int height) {
    auto text = [&](std::string_view key, const std::optional<std::string>& v) {
        if (v && !v->empty()) rec.set(key, *v);
        else rec.remove(key);
    };
    auto number = [&](std::string_view key, std::optional<double> v) {
        if (v) rec.set(key, *v);
        else rec.remove(key);
    };
    rec.set("image_id", img.id);
    text("sequence_id", img.sequence);
    rec.set("captured_at", format_rfc3339_utc(t));
    rec.set("utc_offset", format_utc_offset(offset_minutes));
    number("lat", p.position ? std::optional<double>(p.position->lat) : std::nullopt);
    number("lon", p.position ? std::optional<double>(p.position->lon) : std::nullopt);
    number("alt", p.altitude);
    number("heading", p.heading);
    text("make", img.make);
    text("model", img.model);
    text("creator", img.creator_username);
    if (width > 0 && height > 0) {
        rec.set("width", width);
        rec.set("height", height);
    } else {
        rec.remove("width");
        rec.remove("height");
    }
    if (img.exif_orientation) rec.set("orientation", *img.exif_orientation);
    else rec.remove("orientation");
    text("camera_type", camera_type_of(img));
}

// ---- Options ---------------------------------------------------------------------

void add_download_options(cli::Tool& tool) {
    tool.add_options("Download")
        ("o,output", "the folder the sequence folders go in (default: the current folder)",
         cxxopts::value<std::string>(), "DIR")
        ("size", "which image: original, 2048, 1024 or 256 (pixels wide)",
         cxxopts::value<std::string>()->default_value("original"), "SIZE")
        ("geometry", "position written: original (the camera's GPS), computed (Mapillary's), or auto",
         cxxopts::value<std::string>()->default_value("auto"), "WHICH")
        ("heading", "heading written: original, computed or auto", cxxopts::value<std::string>()->default_value("auto"),
         "WHICH")
        ("tz", "local time of file names and EXIF: auto (from the position), +02:00, Europe/Berlin or local",
         cxxopts::value<std::string>()->default_value("auto"), "ZONE")
        ("j,jobs", "parallel downloads (default: jobs in the configuration, 8)", cxxopts::value<unsigned>(), "N")
        ("quality", "re-encode the images at this JPEG quality, 1-100 (default: the served bytes, untouched)",
         cxxopts::value<int>(), "Q")
        ("failed", "write the ids of the images that failed to FILE, one a line", cxxopts::value<std::string>(),
         "FILE")
        ("n,dry-run", "look everything up and print the records; download and write nothing");
}

DownloadOptions download_options(const cli::Tool& tool, const Config& config) {
    const auto& a = tool.args();
    DownloadOptions o;
    if (auto out = tool.get("output")) {
        if (out->empty()) throw cli::UsageError("-o: the folder name is empty");
        o.out_dir = *out;
    }
    o.size = a["size"].as<std::string>();
    if (o.size != "original" && o.size != "2048" && o.size != "1024" && o.size != "256")
        throw cli::UsageError("--size: '" + o.size + "' is not original, 2048, 1024 or 256");
    for (auto [name, slot] : {std::pair{"geometry", &o.geometry}, std::pair{"heading", &o.heading}}) {
        std::string v = a[name].as<std::string>();
        auto c = parse_choice(v);
        if (!c) throw cli::UsageError(std::string("--") + name + ": '" + v + "' is not original, computed or auto");
        *slot = *c;
    }
    if (a["tz"].as<std::string>() != "auto") o.tz = tool.zone("tz");
    int jobs = a.count("jobs") ? int(a["jobs"].as<unsigned>()) : config.jobs;
    if (jobs < 1 || jobs > 256) throw cli::UsageError("-j: the number of parallel downloads must be between 1 and 256");
    o.jobs = unsigned(jobs);
    if (a.count("quality")) {
        int q = a["quality"].as<int>();
        if (q < 1 || q > 100) throw cli::UsageError("--quality: " + std::to_string(q) + " is not between 1 and 100");
        o.quality = q;
    }
    o.failed_file = tool.get("failed");
    if (o.failed_file && o.failed_file->empty()) throw cli::UsageError("--failed: the file name is empty");
    o.dry_run = a.count("dry-run") > 0;
    return o;
}

// ---- Files -----------------------------------------------------------------------

namespace {

std::system_error sys_error(const std::string& what, int err = errno) {
    return std::system_error(err, std::generic_category(), what);
}

void fsync_dir(const std::string& dir) {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

void write_all(int fd, const void* data, std::size_t size, const std::string& what) {
    auto* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw sys_error(what);
        }
        p += n;
        size -= std::size_t(n);
    }
}

// Renames from to to unless to exists (never replacing a file another run
// or program put there). Falls back to link + unlink where the file system
// has no RENAME_NOREPLACE.
bool rename_no_replace(const std::string& from, const std::string& to, int& err) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
    if (errno != EINVAL && errno != ENOSYS) {
        err = errno;
        return false;
    }
    if (::link(from.c_str(), to.c_str()) != 0) {
        err = errno;
        return false;
    }
    ::unlink(from.c_str());
    return true;
}

// A new version of a file, written beside it (".NAME.mly-tmp") and renamed
// over it, durably, by commit(); abandoned (removed) otherwise.
class AtomicFile {
public:
    explicit AtomicFile(std::string path) : path_(std::move(path)) {
        fsys::path p(path_);
        dir_ = p.parent_path().string();
        temp_ = (p.parent_path() / ("." + p.filename().string() + ".mly-tmp")).string();
        fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd_ < 0) throw sys_error(path_);
    }
    ~AtomicFile() {
        if (fd_ >= 0) {
            ::close(fd_);
            ::unlink(temp_.c_str());
        }
    }
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(std::string_view data) {
        buf_.append(data);
        if (buf_.size() >= 65536) flush();
    }
    void commit() {
        flush();
        if (::fsync(fd_) != 0) throw sys_error(path_);
        ::close(fd_);
        fd_ = -1;
        if (::rename(temp_.c_str(), path_.c_str()) != 0) {
            int e = errno;
            ::unlink(temp_.c_str());
            throw sys_error(path_, e);
        }
        fsync_dir(dir_);
    }

private:
    void flush() {
        write_all(fd_, buf_.data(), buf_.size(), path_);
        buf_.clear();
    }
    std::string path_, dir_, temp_, buf_;
    int fd_ = -1;
};

void write_file_atomically(const std::string& path, const std::string& content) {
    AtomicFile f(path);
    f.write(content);
    f.commit();
}

bool is_dir(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// A complete JPEG: SOI, a readable header, and an EOI after the scan data
// (inside entropy-coded data FF is always followed by 00 or a restart
// marker, so FF D9 there can only be the end).
bool complete_jpeg(const std::vector<std::uint8_t>& b) {
    if (b.size() < 4 || b[0] != 0xFF || b[1] != 0xD8) return false;
    std::size_t scan = 0;
    try {
        scan = scan_data_offset(b);
    } catch (const JpegError&) {
        return false;
    }
    for (std::size_t i = b.size() - 1; i > scan; --i)
        if (b[i] == 0xD9 && b[i - 1] == 0xFF) return true;
    return false;
}

// The metadata.jsonl of one folder. Lines of this run go to a hidden file as
// they come; finish() merges them with the lines of earlier runs (one line
// per image id, this run's winning), sorts by capture time and image id, and
// renames the result into place. Only keys and offsets are held in memory.
class MetadataLog {
public:
    explicit MetadataLog(std::string dir) : dir_(std::move(dir)) {}
    ~MetadataLog() {
        if (fd_ >= 0) ::close(fd_);
    }

    void add(const std::string& image_id, const std::string& captured_at, const std::string& line) {
        if (fd_ < 0) {
            fd_ = ::open(part_path().c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
            if (fd_ < 0) throw sys_error(part_path());
        }
        std::string text = line + "\n";
        write_all(fd_, text.data(), text.size(), part_path());
        keys_.push_back({captured_at, image_id, true, offset_, text.size()});
        offset_ += text.size();
    }

    bool empty() const { return keys_.empty(); }

    void finish() {
        if (fd_ < 0) return;
        std::string final_path = dir_ + "/metadata.jsonl";
        std::set<std::string> ours;
        for (const auto& k : keys_) ours.insert(k.image_id);
        // Earlier runs' lines for images this run did not describe.
        int old_fd = ::open(final_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (old_fd >= 0) {
            std::ifstream in(final_path, std::ios::binary);
            std::string line;
            std::uint64_t at = 0;
            while (std::getline(in, line)) {
                std::uint64_t len = line.size() + 1;
                std::string id, when;
                try {
                    Record r = Record::parse(line);
                    id = r.get_string("image_id").value_or("");
                    when = r.get_string("captured_at").value_or("");
                } catch (const std::exception&) {
                    when = "~";  // kept, after the rest: never lose a line
                }
                if (!line.empty() && (id.empty() || !ours.count(id))) keys_.push_back({when, id, false, at, len});
                at += len;
            }
        }
        std::stable_sort(keys_.begin(), keys_.end(), [](const Key& a, const Key& b) {
            return std::tie(a.captured_at, a.image_id) < std::tie(b.captured_at, b.image_id);
        });
        struct Closer {
            int fd;
            ~Closer() {
                if (fd >= 0) ::close(fd);
            }
        } close_old{old_fd};
        AtomicFile out(final_path);
        std::string buf;
        for (const auto& k : keys_) {
            buf.resize(k.length);
            int src = k.ours ? fd_ : old_fd;
            ssize_t n = ::pread(src, buf.data(), k.length, off_t(k.offset));
            if (n <= 0) continue;
            buf.resize(std::size_t(n));
            if (buf.back() != '\n') buf += '\n';
            out.write(buf);
        }
        out.commit();
        ::close(fd_);
        fd_ = -1;
        ::unlink(part_path().c_str());
        keys_.clear();
    }

private:
    std::string part_path() const { return dir_ + "/.metadata.jsonl.mly-part"; }
    struct Key {
        std::string captured_at, image_id;
        bool ours;
        std::uint64_t offset, length;
    };
    std::string dir_;
    int fd_ = -1;
    std::uint64_t offset_ = 0;
    std::vector<Key> keys_;
};

// What a folder already holds.
struct Existing {
    std::string name;
    int width = 0, height = 0;
};

// One sequence's folder.
struct Folder {
    std::string sequence_id;
    std::string dir;
    // The planner's: what is on disk, and the names taken.
    std::map<std::string, Existing> present;  // by image id
    std::set<std::string> names;
    // The committer's.
    MetadataLog log;
    std::uint64_t images = 0, downloaded = 0, already = 0, failed = 0;
    bool logged = false;    // in the committer's list of logs to finish
    bool finished = false;

    explicit Folder(std::string d) : dir(d), log(std::move(d)) {}
};

bool is_stale_temp(const std::string& name) {
    auto ends = [&](std::string_view suffix) {
        return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return name[0] == '.' && (ends(".mly-part") || ends(".mly-tmp"));
}

// Reads dir (when it exists): every entry's name is taken; each JPEG that
// carries an ImageUniqueID is that image, complete. Temporaries of a killed
// run that nobody holds any more are removed.
void scan_folder(Folder& f) {
    DIR* d = ::opendir(f.dir.c_str());
    if (!d) return;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        if (is_stale_temp(name)) {
            std::string path = f.dir + "/" + name;
            int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
            if (fd >= 0) {
                if (::flock(fd, LOCK_EX | LOCK_NB) == 0) ::unlink(path.c_str());
                ::close(fd);
            }
            continue;
        }
        names.push_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        f.names.insert(name);
        if (name[0] == '.' || !has_jpeg_extension(name)) continue;
        try {
            auto header = read_jpeg_header(f.dir + "/" + name);
            JpegLayout layout = parse_jpeg_header(header);
            auto tiff = exif_tiff(header, layout);
            if (!tiff) continue;
            auto id = read_exif(*tiff).image_unique_id;
            if (id) f.present.try_emplace(*id, Existing{name, layout.width, layout.height});
        } catch (const std::exception&) {
            // Not a photo of ours: its name stays taken, nothing more.
        }
    }
}

// The sequence key of a folder name, for finding a sequence's folder made
// under another --tz: "YYYYMMDD_HHMMSS_" + key.
bool folder_matches(const std::string& name, const std::string& key) {
    if (name.size() != 16 + key.size() || name.compare(16, key.size(), key) != 0) return false;
    for (int i = 0; i < 15; ++i) {
        if (i == 8) {
            if (name[i] != '_') return false;
        } else if (name[i] < '0' || name[i] > '9') {
            return false;
        }
    }
    return name[15] == '_';
}

struct Slot {
    enum class Kind { image, message, warning, folder_end };
    Kind kind = Kind::image;
    bool done = false;      // ready to be emitted (staged ones wait for their commit)
    bool abandoned = false;  // dropped after a fatal error: neither success nor failure
    std::shared_ptr<Folder> folder;

    // An image: what the worker needs, dropped once it is done with. Held
    // as text and typed fields, not parsed documents, which cost far more.
    std::string image_id;
    Image image;      // the typed fields; its raw document emptied
    std::string raw;  // the API's answer, JSON
    std::string input;  // the input record of mly-imgdl, JSON; empty: a record of our own
    Placement place;
    Instant t{};
    int offset = 0;
    std::string target;
    bool download = false;  // false: already present, or a dry run
    bool already = false;   // complete in its folder before this run
    // Its outcome.
    std::string error;
    std::string temp;
    int fd = -1;
    std::uint64_t bytes = 0;
    std::string line;                  // the record as printed (once the image is done)
    std::string meta_line, meta_time;  // its metadata.jsonl line, and the capture time it sorts by

    // A message (a failure, or with kind warning a note).
    std::string item, message;
    bool sequence_failed = false;
    std::vector<std::string> failed_ids;
};

using SlotPtr = std::shared_ptr<Slot>;

constexpr std::size_t commit_batch = 32;
constexpr auto commit_delay = std::chrono::milliseconds(200);
// Finished images waiting for their turn to be printed, at most: an image
// stuck in retries holds back the output, never the downloads behind it.
constexpr std::size_t max_backlog = 1024;

}  // namespace

// ---- The engine ---------------------------------------------------------------

struct Downloader::Impl {
    cli::Tool& tool;
    MapillaryApi& api;
    DownloadOptions opt;
    std::unique_ptr<HttpClient> http;
    std::mutex log_mutex;
    Clock::time_point started = Clock::now();

    // Shared between the threads, under m.
    std::mutex m;
    std::condition_variable work_ready, collect_ready, space_ready;
    std::deque<SlotPtr> slots;  // in output order
    std::deque<SlotPtr> work;
    std::vector<SlotPtr> staged;
    Clock::time_point first_staged;
    std::size_t busy = 0;
    std::atomic<unsigned> failing_in_a_row{0};  // downloads that ended in NetworkError, one after another
    std::size_t in_flight = 0;  // slots queued for the workers or being worked on
    std::size_t ahead;          // the planner's limit on in_flight
    bool closing = false;
    bool stopping = false;
    std::exception_ptr fatal;

    std::vector<std::thread> workers;
    std::thread committer;

    // The planner's (the caller's thread).
    std::map<std::string, std::shared_ptr<Folder>> folders;  // by sequence id
    std::map<std::string, Zone> zones;
    struct Pending {
        std::string input;  // the input record as JSON, empty for a bare id
        std::string where, id;
    };
    std::vector<Pending> pending;
    std::set<std::string> queued_ids;
    std::uint64_t sequences = 0;
    bool warned_no_position = false;
    bool finished = false;

    // The committer's.
    Totals totals;
    std::vector<std::string> failed_ids;
    RecordOutput out;
    cli::Progress progress;
    std::vector<std::shared_ptr<Folder>> logged;  // folders whose metadata.jsonl is to be finished

    Impl(cli::Tool& t, const Config& config, MapillaryApi& a, DownloadOptions o)
        : tool(t), api(a), opt(std::move(o)), progress(t, 0, "images") {
        if (opt.jobs < 1) opt.jobs = 1;
        // Enough planned to keep the workers busy while the next batch of
        // metadata is fetched; no more, so memory does not grow with a sequence.
        ahead = 2 * MapillaryApi::batch_size + 2 * std::size_t(opt.jobs);
        auto ho = http_options(config);
        // The image host is a CDN: not under the API's rate limit, and its
        // hiccups (a dropped connection, a 503) pass quickly: retries start
        // sooner than the API's.
        ho.requests_per_minute = 0;
        ho.limited_origins.clear();
        ho.backoff_base = std::chrono::milliseconds(250);
        ho.backoff_max = std::chrono::milliseconds(30'000);
        ho.idle_per_origin = std::max<std::size_t>(16, opt.jobs + 4);
        ho.log = [this](const std::string& msg) {
            std::lock_guard lock(log_mutex);
            tool.info(msg);
        };
        http = std::make_unique<HttpClient>(ho);
        if (!opt.dry_run)
            for (unsigned i = 0; i < opt.jobs; ++i) workers.emplace_back([this] { work_loop(); });
        committer = std::thread([this] { commit_loop(); });
    }

    ~Impl() {
        {
            std::lock_guard lock(m);
            closing = true;
            stopping = true;
        }
        work_ready.notify_all();
        collect_ready.notify_all();
        space_ready.notify_all();
        for (auto& w : workers)
            if (w.joinable()) w.join();
        if (committer.joinable()) committer.join();
    }

    // ---- Planning

    // Puts a slot in line; to the workers when it needs downloading. Throws
    // the fatal error (after finishing) when the work has been stopped.
    void push(SlotPtr s) {
        bool stop = false;
        {
            std::unique_lock lock(m);
            space_ready.wait(lock, [&] { return (in_flight < ahead && slots.size() < max_backlog) || stopping; });
            stop = stopping;
            if (!stop) {
                slots.push_back(s);
                if (s->download && !s->done) {
                    work.push_back(s);
                    ++in_flight;
                }
            }
        }
        if (stop) stop_planning();
        if (s->download && !s->done) work_ready.notify_one();
        collect_ready.notify_one();
    }

    void push_message(const std::string& item, const std::string& message, std::shared_ptr<Folder> folder = {},
                      std::vector<std::string> ids = {}, bool sequence_failed = false) {
        auto s = std::make_shared<Slot>();
        s->kind = Slot::Kind::message;
        s->done = true;
        s->item = item;
        s->message = message;
        s->folder = std::move(folder);
        s->failed_ids = std::move(ids);
        s->sequence_failed = sequence_failed;
        push(s);
    }

    void push_warning(const std::string& message) {
        auto s = std::make_shared<Slot>();
        s->kind = Slot::Kind::warning;
        s->done = true;
        s->message = message;
        push(s);
    }

    // A fatal error met by the planner: stop, finish, rethrow.
    [[noreturn]] void planner_fatal(std::exception_ptr e) {
        {
            std::lock_guard lock(m);
            if (!fatal) fatal = e;
            stopping = true;
        }
        work_ready.notify_all();
        stop_planning();
    }

    [[noreturn]] void stop_planning() {
        finish();
        // finish() rethrows the fatal error; this is for the impossible rest.
        throw std::logic_error("download stopped");
    }

    void check_stop() {
        bool stop;
        {
            std::lock_guard lock(m);
            stop = stopping;
        }
        if (stop) stop_planning();
    }

    int offset_at(const std::optional<LatLon>& where, Instant t) {
        if (opt.tz) return opt.tz->offset_minutes_at(t);
        if (!where) return 0;
        std::string name = guess_zone(*where);
        auto it = zones.find(name);
        if (it == zones.end()) {
            Zone z;  // UTC, should the system lack a zone its own table names
            try {
                z = Zone::parse(name);
            } catch (const std::exception&) {
            }
            it = zones.emplace(name, z).first;
        }
        return it->second.offset_minutes_at(t);
    }

    std::shared_ptr<Folder> folder_for(const std::string& sequence_id, const Image* first) {
        if (auto it = folders.find(sequence_id); it != folders.end()) return it->second;
        std::string name;
        if (sequence_id.empty()) {
            name = "unknown_sequence";
        } else if (first && first->captured_at) {
            Instant t{std::chrono::milliseconds(*first->captured_at)};
            Placement p = place_image(*first, opt.geometry, opt.heading);
            name = folder_name(t, offset_at(p.position, t), sequence_id);
        } else {
            name = folder_name(Instant{}, 0, sequence_id);
        }
        std::string dir = (fsys::path(opt.out_dir) / name).string();
        if (!is_dir(dir) && !sequence_id.empty()) {
            // The same sequence downloaded before under another --tz keeps its folder.
            std::string key = name.substr(16);
            if (DIR* d = ::opendir(opt.out_dir.c_str())) {
                std::vector<std::string> matches;
                while (dirent* e = ::readdir(d))
                    if (folder_matches(e->d_name, key)) matches.push_back(e->d_name);
                ::closedir(d);
                std::sort(matches.begin(), matches.end());
                for (const auto& mname : matches) {
                    std::string candidate = (fsys::path(opt.out_dir) / mname).string();
                    if (is_dir(candidate)) {
                        dir = candidate;
                        break;
                    }
                }
            }
        }
        auto f = std::make_shared<Folder>(dir);
        f->sequence_id = sequence_id;
        scan_folder(*f);
        folders[sequence_id] = f;
        return f;
    }

    std::string claim_name(Folder& f, const std::string& stem) {
        for (int k = 0;; ++k) {
            std::string name = stem + (k ? "_" + std::to_string(k) : "") + ".jpg";
            if (f.names.insert(name).second) return name;
        }
    }

    // Queues one image whose metadata is known. input: the input record of
    // mly-imgdl as JSON, whose fields pass through; empty for a record of
    // our own.
    void plan(const Image& img, const std::shared_ptr<Folder>& folder, std::string input) {
        if (!img.captured_at) {
            push_message("image " + img.id, "the API gives no captured_at: the file cannot be named", folder,
                         {img.id});
            return;
        }
        auto s = std::make_shared<Slot>();
        s->folder = folder;
        s->image_id = img.id;
        s->input = std::move(input);
        s->t = Instant{std::chrono::milliseconds(*img.captured_at)};
        s->place = place_image(img, opt.geometry, opt.heading);
        if (!s->place.position && !opt.tz && !warned_no_position) {
            warned_no_position = true;
            push_warning("image " + img.id + " has no position: its local time is taken as UTC (give --tz)");
        }
        s->offset = offset_at(s->place.position, s->t);
        s->raw = img.fields.to_json();
        s->image = img;
        s->image.fields = Record();
        if (auto it = folder->present.find(img.id); it != folder->present.end()) {
            // Complete from an earlier run: printed and described again, not downloaded.
            s->target = (fsys::path(folder->dir) / it->second.name).string();
            s->already = true;
            s->done = true;
            describe(*s, it->second.width, it->second.height);
        } else {
            s->target = (fsys::path(folder->dir) / claim_name(*folder, file_stem(s->t, s->offset))).string();
            if (opt.dry_run) {
                s->done = true;
                describe(*s, 0, 0);  // no pixel size before the download
            } else {
                s->download = true;
            }
        }
        push(s);
    }

    // Metadata of ids, 50 a request; fatal errors (exit 3, 4) stop the work,
    // others are returned as the message every id of the batch failed with.
    std::optional<MapillaryApi::ImageBatch> lookup(const std::vector<std::string>& ids, std::string& error) {
        try {
            return api.images(ids);
        } catch (const cli::Failure&) {
            planner_fatal(std::current_exception());
        } catch (const std::exception& e) {
            error = e.what();
            return std::nullopt;
        }
    }

    void add_sequence(const std::string& seq, std::set<std::string>* only) {
        check_stop();
        if (only && only->empty()) return;
        ++sequences;
        std::vector<std::string> ids;
        try {
            ids = api.image_ids(seq);
        } catch (const cli::Failure&) {
            planner_fatal(std::current_exception());
        } catch (const std::exception& e) {
            push_message("sequence " + seq, e.what(), {}, {}, true);
            return;
        }
        if (ids.empty()) {
            push_message("sequence " + seq, "no images: the sequence is empty, or unknown to the API", {}, {}, true);
            return;
        }
        std::vector<std::string> wanted;
        if (only) {
            for (const auto& id : ids)
                if (only->erase(id)) wanted.push_back(id);
            if (wanted.empty()) return;
        } else {
            wanted = ids;
        }

        // The folder is named after the sequence's first image, whichever
        // images are downloaded, so later runs for other images use it too.
        std::shared_ptr<Folder> folder;
        if (auto it = folders.find(seq); it != folders.end()) folder = it->second;
        std::size_t next = 0;
        while (next < wanted.size()) {
            std::vector<std::string> batch;
            bool extra_first = !folder && wanted[0] != ids[0];
            if (extra_first) batch.push_back(ids[0]);
            while (next < wanted.size() && batch.size() < MapillaryApi::batch_size) batch.push_back(wanted[next++]);
            std::string error;
            auto got = lookup(batch, error);
            if (!got) {
                if (extra_first) batch.erase(batch.begin());
                push_message("sequence " + seq,
                             error + " (" + count_of(batch.size(), "image") + " not downloaded)", folder, batch);
                continue;
            }
            if (!folder) {
                const Image* first = nullptr;
                for (const auto& img : got->images)
                    if (img.captured_at && (!first || img.id == ids[0])) first = &img;
                folder = folder_for(seq, first);
            }
            std::map<std::string, const Image*> by_id;
            for (const auto& img : got->images) by_id[img.id] = &img;
            for (std::size_t i = extra_first ? 1 : 0; i < batch.size(); ++i) {
                auto it = by_id.find(batch[i]);
                if (it == by_id.end()) {
                    push_message("image " + batch[i], "listed in sequence " + seq + " but unknown to the API", folder,
                                 {batch[i]});
                    continue;
                }
                plan(*it->second, folder, {});
            }
        }
        if (folder) {
            auto s = std::make_shared<Slot>();
            s->kind = Slot::Kind::folder_end;
            s->done = true;
            s->folder = folder;
            s->item = seq;
            folders.erase(seq);
            push(s);
        }
    }

    void add_image(Record rec, const std::string& where) {
        check_stop();
        std::optional<std::string> id;
        try {
            id = rec.get_string("image_id");
        } catch (const FieldError& e) {
            push_message(where, e.what());
            return;
        }
        if (!id || id->empty()) {
            push_message(where, "record has no \"image_id\"");
            return;
        }
        if (!queued_ids.insert(*id).second) return;  // asked for twice: done once
        // A bare id (a record of nothing else) gets a record of our own, path first.
        pending.push_back({rec.size() == 1 ? std::string() : rec.to_json(), where, *id});
        if (pending.size() >= MapillaryApi::batch_size) flush_images();
    }

    void flush_images() {
        if (pending.empty()) return;
        std::vector<Pending> batch;
        batch.swap(pending);
        std::vector<std::string> ids;
        for (const auto& p : batch) ids.push_back(p.id);
        std::string error;
        auto got = lookup(ids, error);
        if (!got) {
            for (const auto& p : batch) push_message("image " + p.id, error, {}, {p.id});
            return;
        }
        std::map<std::string, const Image*> by_id;
        for (const auto& img : got->images) by_id[img.id] = &img;
        for (auto& p : batch) {
            auto it = by_id.find(p.id);
            if (it == by_id.end()) {
                push_message("image " + p.id, "unknown to the API (or not visible with this token)", {}, {p.id});
                continue;
            }
            const Image& img = *it->second;
            std::string seq = img.sequence.value_or("");
            std::shared_ptr<Folder> folder;
            if (auto f = folders.find(seq); f != folders.end()) {
                folder = f->second;
            } else {
                std::optional<Image> first = first_of_sequence(img, *got);
                folder = folder_for(seq, first ? &*first : &img);
            }
            plan(img, folder, std::move(p.input));
        }
    }

    // The first image of img's sequence, which names its folder: from this
    // batch when it is there, else asked for; nullopt (img itself will do)
    // when the sequence cannot be listed.
    std::optional<Image> first_of_sequence(const Image& img, const MapillaryApi::ImageBatch& got) {
        if (!img.sequence || img.sequence->empty()) return std::nullopt;
        std::vector<std::string> ids;
        try {
            ids = api.image_ids(*img.sequence);
        } catch (const cli::Failure&) {
            planner_fatal(std::current_exception());
        } catch (const std::exception&) {
            return std::nullopt;
        }
        if (ids.empty() || ids[0] == img.id) return std::nullopt;
        for (const auto& other : got.images)
            if (other.id == ids[0]) return other;
        try {
            return api.image(ids[0]);
        } catch (const cli::Failure&) {
            planner_fatal(std::current_exception());
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }

    void fail_image(const std::string& id, const std::string& message) {
        check_stop();
        push_message("image " + id, message, {}, {id});
    }

    void finish() {
        if (finished) {
            std::lock_guard lock(m);
            if (fatal) std::rethrow_exception(fatal);
            return;
        }
        finished = true;
        bool stopped;
        {
            std::lock_guard lock(m);
            stopped = stopping;
        }
        if (!stopped) {
            try {
                flush_images();
            } catch (...) {
                // planner_fatal already recorded it; fall through to the drain.
            }
        }
        // The committer finishes what is left, mly-imgdl's folders included.
        {
            std::lock_guard lock(m);
            closing = true;
        }
        work_ready.notify_all();
        collect_ready.notify_all();
        for (auto& w : workers)
            if (w.joinable()) w.join();
        if (committer.joinable()) committer.join();

        if (!opt.dry_run && opt.failed_file) {
            std::string text;
            for (const auto& id : failed_ids) text += id + "\n";
            try {
                write_file_atomically(*opt.failed_file, text);
            } catch (const std::exception& e) {
                tool.fail(*opt.failed_file, e.what());
            }
        }
        totals.sequences = sequences;
        std::exception_ptr f;
        {
            std::lock_guard lock(m);
            f = fatal;
        }
        if (!f || totals.images > 0) summary();
        if (f) std::rethrow_exception(f);
    }

    void summary() {
        std::string s = count_of(totals.images, "image") + ": ";
        if (opt.dry_run) {
            s += std::to_string(totals.images - totals.present - totals.failed) + " to download, " +
                 std::to_string(totals.present) + " already present, " + std::to_string(totals.failed) +
                 " failed (dry run: nothing written)";
        } else {
            s += std::to_string(totals.downloaded) + " downloaded, " + std::to_string(totals.present) +
                 " already present, " + std::to_string(totals.failed) + " failed";
        }
        if (totals.failed_sequences)
            s += "; " + std::to_string(totals.failed_sequences) + " of " + count_of(totals.sequences, "sequence") +
                 " failed";
        tool.warn(s);
        double secs = std::chrono::duration<double>(Clock::now() - started).count();
        char extra[128];
        std::snprintf(extra, sizeof extra, "%.1f MB in %.1f s", double(totals.bytes) / 1e6, secs);
        tool.info(extra);
    }

    // The output of a finished image, as text: its record, and its
    // metadata.jsonl line (the record with the API's answer under
    // "mapillary"). What only the download needed is dropped.
    static void describe(Slot& s, int width, int height) {
        Record rec = s.input.empty() ? Record() : Record::parse(s.input);
        rec.set("path", s.target);
        set_download_fields(rec, s.image, s.place, s.t, s.offset, width, height);
        s.line = rec.to_json();
        s.meta_time = rec.get_string("captured_at").value_or("");
        rec.remove("mapillary");
        std::string meta = rec.to_json();
        meta.pop_back();  // the closing brace
        s.meta_line = meta + (rec.size() ? "," : "") + "\"mapillary\":" + s.raw + "}";
        s.image = Image();
        s.raw.clear();
        s.raw.shrink_to_fit();
        s.input.clear();
        s.input.shrink_to_fit();
    }

    // ---- Workers

    void work_loop() {
        for (;;) {
            SlotPtr s;
            bool abandon;
            {
                std::unique_lock lock(m);
                work_ready.wait(lock, [&] { return !work.empty() || closing; });
                if (work.empty()) return;
                s = work.front();
                work.pop_front();
                ++busy;
                abandon = stopping;
            }
            if (abandon) {
                s->abandoned = true;
            } else {
                auto stop = [&] {
                    std::lock_guard lock(m);
                    if (!fatal) fatal = std::current_exception();
                    stopping = true;
                    s->abandoned = true;
                };
                try {
                    download(*s);
                    failing_in_a_row = 0;
                } catch (const NetworkError& e) {
                    // No answer at all: the host is unreachable, and so is every
                    // other image. Answers that stayed errors (5xx, 429) through
                    // every retry fail this image; many in a row, the run.
                    if (e.status == 0 || ++failing_in_a_row >= 2 * opt.jobs + 2) stop();
                    else s->error = e.what();
                } catch (const cli::Failure&) {
                    stop();  // the token refused, a configuration error
                } catch (const std::exception& e) {
                    s->error = e.what();
                }
                if (!s->error.empty() || s->abandoned) discard_temp(*s);
            }
            if (!s->error.empty() || s->abandoned) {
                s->image = Image();
                s->raw.clear();
                s->input.clear();
            }
            {
                std::lock_guard lock(m);
                --busy;
                --in_flight;
                space_ready.notify_all();
                if (s->fd >= 0) {
                    if (staged.empty()) first_staged = Clock::now();
                    staged.push_back(s);
                } else {
                    s->done = true;
                }
            }
            collect_ready.notify_one();
        }
    }

    void discard_temp(Slot& s) {
        if (s.fd >= 0) {
            ::unlink(s.temp.c_str());
            ::close(s.fd);
            s.fd = -1;
        }
    }

    std::string fresh_url(const Slot& s) {
        std::string field = "thumb_" + opt.size + "_url";
        Image img = api.image(s.image_id, "id," + field);
        auto url = img.thumb_url(opt.size);
        if (!url) throw std::runtime_error("the API gives no " + field + " for this image");
        return *url;
    }

    std::vector<std::uint8_t> fetch(Slot& s) {
        std::vector<std::uint8_t> bytes;
        Sink sink;
        sink.write = [&](const char* data, std::size_t n) { bytes.insert(bytes.end(), data, data + n); };
        sink.restart = [&] { bytes.clear(); };
        std::string url = s.image.thumb_url(opt.size).value_or("");
        int fresh = 0, incomplete = 0;
        for (;;) {
            if (url.empty()) {
                url = fresh_url(s);
                ++fresh;
            }
            bytes.clear();
            Response r = http->get_to(url, sink);
            if (r.ok()) {
                if (complete_jpeg(bytes)) return bytes;
                if (++incomplete < 3) continue;
                throw std::runtime_error("GET " + redact_url(url) + ": not a complete JPEG (" +
                                         std::to_string(bytes.size()) + " bytes), three times");
            }
            // Thumbnail URLs expire: ask for a fresh one, a few times.
            if ((r.status == 403 || r.status == 410) && fresh < 3) {
                url.clear();
                continue;
            }
            throw HttpError(r);
        }
    }

    void download(Slot& s) {
        std::vector<std::uint8_t> bytes = fetch(s);
        if (opt.quality) bytes = reencode_jpeg(bytes, *opt.quality);
        JpegLayout layout = parse_jpeg_header(bytes);
        ExifUpdate u = image_exif(s.image, s.place, s.t, s.offset, layout.width, layout.height);
        std::vector<std::uint8_t> old_tiff;
        if (auto t = exif_tiff(bytes, layout)) old_tiff.assign(t->begin(), t->end());
        std::vector<std::uint8_t> tiff = update_exif(old_tiff, u);
        std::optional<std::string> xmp;
        if (is_spherical(s.image)) {
            std::string_view old = xmp_packet(bytes, layout).value_or(std::string_view());
            xmp = set_gpano(old, layout.width, layout.height, s.place.heading);
        }
        std::vector<std::uint8_t> file = splice_metadata(bytes, tiff, xmp);
        bytes.clear();
        bytes.shrink_to_fit();
        stage(s, file);
        describe(s, layout.width, layout.height);
    }

    // The bytes in a hidden temporary beside the target, locked while in use.
    void stage(Slot& s, const std::vector<std::uint8_t>& file) {
        fsys::path target(s.target);
        std::string dir = target.parent_path().string();
        std::error_code ec;
        fsys::create_directories(dir, ec);
        if (ec && !is_dir(dir)) throw std::system_error(ec, dir);
        s.temp = (target.parent_path() / ("." + target.filename().string() + ".mly-part")).string();
        int fd = ::open(s.temp.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd < 0) throw sys_error(s.target);
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            ::close(fd);
            throw sys_error(s.target + ": being written by another process", e == EWOULDBLOCK ? EBUSY : e);
        }
        s.fd = fd;
        if (::ftruncate(fd, 0) != 0) throw sys_error(s.target);
        write_all(fd, file.data(), file.size(), s.target);
        s.bytes = file.size();
    }

    // ---- The committer

    void commit(std::vector<SlotPtr>& batch) {
        std::map<dev_t, bool> synced;
        std::vector<dev_t> devs(batch.size(), 0);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            struct stat st {};
            if (::fstat(batch[i]->fd, &st) != 0) continue;
            devs[i] = st.st_dev;
            if (!synced.count(st.st_dev)) synced[st.st_dev] = ::syncfs(batch[i]->fd) == 0;
        }
        std::set<std::string> dirs;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            Slot& s = *batch[i];
            auto it = synced.find(devs[i]);
            bool durable = it != synced.end() && it->second;
            if (!durable && ::fsync(s.fd) != 0) {
                s.error = s.target + ": " + std::strerror(errno);
            } else {
                int err = 0;
                if (rename_no_replace(s.temp, s.target, err)) {
                    dirs.insert(fsys::path(s.target).parent_path().string());
                    log_metadata(s);  // now, not in its turn: it need not wait in memory
                } else if (err == EEXIST) {
                    s.error = s.target + ": exists already, not replaced (another download into this folder?)";
                } else {
                    s.error = s.target + ": " + std::strerror(err);
                }
            }
            if (s.error.empty()) {
                ::close(s.fd);
                s.fd = -1;
            } else {
                discard_temp(s);
            }
        }
        for (const auto& d : dirs) fsync_dir(d);
        std::lock_guard lock(m);
        for (auto& s : batch) s->done = true;
    }

    void commit_loop() {
        for (;;) {
            std::vector<SlotPtr> to_commit, ready;
            bool end = false;
            {
                std::unique_lock lock(m);
                auto front_done = [&] { return !slots.empty() && slots.front()->done; };
                auto all_worked = [&] { return closing && work.empty() && busy == 0; };
                collect_ready.wait_for(lock, commit_delay, [&] {
                    return front_done() || staged.size() >= commit_batch || (all_worked() && !staged.empty()) ||
                           (closing && slots.empty());
                });
                if (!staged.empty() && (staged.size() >= commit_batch || Clock::now() - first_staged >= commit_delay ||
                                        all_worked() || stopping))
                    to_commit.swap(staged);
            }
            if (!to_commit.empty()) commit(to_commit);
            {
                std::lock_guard lock(m);
                while (!slots.empty() && slots.front()->done) {
                    ready.push_back(slots.front());
                    slots.pop_front();
                }
                end = closing && slots.empty() && staged.empty() && work.empty() && busy == 0;
            }
            if (!ready.empty()) space_ready.notify_all();
            for (auto& s : ready) emit(*s);
            if (end) break;
        }
        // mly-imgdl's folders end with the input.
        for (auto& f : logged) finish_folder(*f);
        logged.clear();
        progress.finish();
        if (!out.flush()) tool.error("error writing standard output");
    }

    void finish_folder(Folder& f) {
        if (f.finished) return;
        f.finished = true;
        try {
            f.log.finish();
        } catch (const std::exception& e) {
            tool.fail(f.dir + "/metadata.jsonl", e.what());
        }
    }

    void emit(Slot& s) {
        switch (s.kind) {
            case Slot::Kind::warning:
                tool.warn(s.message);
                return;
            case Slot::Kind::message:
                if (s.sequence_failed) ++totals.failed_sequences;
                for (const auto& id : s.failed_ids) {
                    failed_ids.push_back(id);
                    ++totals.images;
                    ++totals.failed;
                    if (s.folder) ++s.folder->images, ++s.folder->failed;
                }
                if (!s.failed_ids.empty()) progress.advance(s.failed_ids.size());
                tool.fail(s.item, s.message);
                return;
            case Slot::Kind::folder_end: {
                Folder& f = *s.folder;
                finish_folder(f);
                if (opt.sequence_summaries) {
                    std::string line = "sequence " + s.item + ": " + count_of(f.images, "image") + " in " + f.dir +
                                       ": " + std::to_string(f.downloaded) + (opt.dry_run ? " to download, " : " downloaded, ") +
                                       std::to_string(f.already) + " already present, " + std::to_string(f.failed) +
                                       " failed";
                    tool.warn(line);
                }
                return;
            }
            case Slot::Kind::image: break;
        }
        if (s.abandoned) return;
        progress.advance();
        ++totals.images;
        Folder& f = *s.folder;
        ++f.images;
        if (!s.error.empty()) {
            ++totals.failed;
            ++f.failed;
            failed_ids.push_back(s.image_id);
            tool.fail("image " + s.image_id, s.error);
            return;
        }
        if (s.already) {
            ++totals.present;
            ++f.already;
        } else {
            ++f.downloaded;  // or, in a dry run, to be downloaded
            if (!opt.dry_run) ++totals.downloaded;
            totals.bytes += s.bytes;
        }
        out.write_line(s.line);
        if (s.already && !opt.dry_run) log_metadata(s);  // downloaded ones were logged at their commit
    }

    // The image's line goes to its folder's metadata.jsonl (being made).
    void log_metadata(Slot& s) {
        Folder& f = *s.folder;
        try {
            if (!f.logged) {
                f.logged = true;
                logged.push_back(s.folder);
            }
            f.log.add(s.image_id, s.meta_time, s.meta_line);
        } catch (const std::exception& e) {
            tool.fail(f.dir + "/metadata.jsonl", e.what());
        }
        s.meta_line.clear();
        s.meta_line.shrink_to_fit();
    }
};

Downloader::Downloader(cli::Tool& tool, const Config& config, MapillaryApi& api, DownloadOptions options)
    : impl_(std::make_unique<Impl>(tool, config, api, std::move(options))) {}

Downloader::~Downloader() = default;

void Downloader::add_sequence(const std::string& sequence_id, std::set<std::string>* only) {
    impl_->add_sequence(sequence_id, only);
}

void Downloader::add_image(Record rec, const std::string& where) { impl_->add_image(std::move(rec), where); }

void Downloader::fail_image(const std::string& image_id, const std::string& message) {
    impl_->fail_image(image_id, message);
}

void Downloader::fail_input(const std::string& where, const std::string& message) {
    impl_->check_stop();
    impl_->push_message(where, message);
}

void Downloader::finish() { impl_->finish(); }

Downloader::Totals Downloader::totals() const { return impl_->totals; }

}  // namespace mapi
