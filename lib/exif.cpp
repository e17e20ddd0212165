// EXIF reading through libexif and EXIF writing through a small TIFF IFD
// appender of our own. libexif's own writer re-lays out the whole TIFF
// structure, which silently breaks maker notes (they hold offsets from the
// TIFF start); appending leaves every existing byte where it was.
#include "mapi/exif.hpp"

#include <libexif/exif-data.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string_view>

namespace mapi {

namespace {

// Tags, by the IFD that holds them.
enum : uint16_t {
    // IFD0
    TAG_IMAGE_DESCRIPTION = 0x010E,
    TAG_MAKE = 0x010F,
    TAG_MODEL = 0x0110,
    TAG_ORIENTATION = 0x0112,
    TAG_DATETIME = 0x0132,
    TAG_ARTIST = 0x013B,
    TAG_X_RESOLUTION = 0x011A,
    TAG_Y_RESOLUTION = 0x011B,
    TAG_RESOLUTION_UNIT = 0x0128,
    TAG_YCBCR_POSITIONING = 0x0213,
    TAG_COMPONENTS_CONFIGURATION = 0x9101,
    TAG_FLASHPIX_VERSION = 0xA000,
    TAG_COLOR_SPACE = 0xA001,
    TAG_EXIF_IFD = 0x8769,
    TAG_GPS_IFD = 0x8825,
    // Exif IFD
    TAG_EXIF_VERSION = 0x9000,
    TAG_DATETIME_ORIGINAL = 0x9003,
    TAG_DATETIME_DIGITIZED = 0x9004,
    TAG_OFFSET_TIME = 0x9010,
    TAG_OFFSET_TIME_ORIGINAL = 0x9011,
    TAG_OFFSET_TIME_DIGITIZED = 0x9012,
    TAG_SUBSEC_TIME = 0x9290,
    TAG_SUBSEC_TIME_ORIGINAL = 0x9291,
    TAG_SUBSEC_TIME_DIGITIZED = 0x9292,
    TAG_PIXEL_X = 0xA002,
    TAG_PIXEL_Y = 0xA003,
    TAG_FOCAL_LENGTH_35MM = 0xA405,
    TAG_IMAGE_UNIQUE_ID = 0xA420,
    // GPS IFD
    TAG_GPS_VERSION_ID = 0x0000,
    TAG_GPS_LATITUDE_REF = 0x0001,
    TAG_GPS_LATITUDE = 0x0002,
    TAG_GPS_LONGITUDE_REF = 0x0003,
    TAG_GPS_LONGITUDE = 0x0004,
    TAG_GPS_ALTITUDE_REF = 0x0005,
    TAG_GPS_ALTITUDE = 0x0006,
    TAG_GPS_TIMESTAMP = 0x0007,
    TAG_GPS_TRACK = 0x000F,
    TAG_GPS_IMG_DIRECTION_REF = 0x0010,
    TAG_GPS_IMG_DIRECTION = 0x0011,
    TAG_GPS_MAP_DATUM = 0x0012,
    TAG_GPS_DATESTAMP = 0x001D,
};

// TIFF field types.
enum : uint16_t { T_BYTE = 1, T_ASCII = 2, T_SHORT = 3, T_LONG = 4, T_RATIONAL = 5, T_UNDEFINED = 7, T_IFD = 13 };

bool is_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view s) {
    int v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
}

bool valid_date(int y, int mo, int d) {
    static constexpr int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return y >= 0 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= days[mo - 1];
}

// ---------------------------------------------------------------- reading

std::string_view trim(std::string_view s) {
    const char* ws = " \t\r\n";
    size_t b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// Typed access to the entries libexif loaded: an entry of another type than
// expected, or with too few components, reads as absent.
class Reader {
public:
    explicit Reader(ExifData* d) : d_(d), order_(exif_data_get_byte_order(d)) {}

    const ExifEntry* entry(ExifIfd ifd, uint16_t tag, ExifFormat format, unsigned min_count = 1) const {
        ExifEntry* e = exif_content_get_entry(d_->ifd[ifd], ExifTag(tag));
        if (!e || e->format != format || !e->data || e->components < min_count) return nullptr;
        // libexif sizes the buffer from the components; check rather than trust.
        if (e->size / exif_format_get_size(format) < min_count) return nullptr;
        return e;
    }

    std::optional<std::string> ascii(ExifIfd ifd, uint16_t tag) const {
        const ExifEntry* e = entry(ifd, tag, EXIF_FORMAT_ASCII);
        if (!e) return std::nullopt;
        const char* p = reinterpret_cast<const char*>(e->data);
        std::string_view s = trim(std::string_view(p, strnlen(p, e->size)));
        if (s.empty()) return std::nullopt;
        return std::string(s);
    }

    // Component i of a RATIONAL entry; nullopt for a zero denominator.
    std::optional<double> rational(const ExifEntry* e, unsigned i) const {
        ExifRational r = exif_get_rational(e->data + 8 * i, order_);
        if (r.denominator == 0) return std::nullopt;
        return double(r.numerator) / double(r.denominator);
    }

    std::optional<double> rational(ExifIfd ifd, uint16_t tag) const {
        const ExifEntry* e = entry(ifd, tag, EXIF_FORMAT_RATIONAL);
        return e ? rational(e, 0) : std::nullopt;
    }

    std::optional<uint32_t> short_or_long(ExifIfd ifd, uint16_t tag) const {
        if (const ExifEntry* e = entry(ifd, tag, EXIF_FORMAT_SHORT)) return exif_get_short(e->data, order_);
        if (const ExifEntry* e = entry(ifd, tag, EXIF_FORMAT_LONG)) return exif_get_long(e->data, order_);
        return std::nullopt;
    }

    // Degrees from up to three rationals (deg, min, sec) and the N/S or E/W
    // reference. Writers that put decimal minutes in the second rational and
    // 0/1 in the third are read right too.
    std::optional<double> coordinate(uint16_t tag, uint16_t ref_tag, char pos, char neg, double limit) const {
        const ExifEntry* e = entry(EXIF_IFD_GPS, tag, EXIF_FORMAT_RATIONAL);
        if (!e) return std::nullopt;
        double v = 0, scale = 1;
        for (unsigned i = 0; i < std::min<unsigned long>(e->components, 3); ++i, scale *= 60) {
            auto r = rational(e, i);
            if (!r) return std::nullopt;
            v += *r / scale;
        }
        if (auto ref = ascii(EXIF_IFD_GPS, ref_tag)) {
            char c = char(std::toupper(static_cast<unsigned char>((*ref)[0])));
            if (c == neg) v = -v;
            else if (c != pos) return std::nullopt;
        }
        if (!std::isfinite(v) || std::fabs(v) > limit) return std::nullopt;
        return v;
    }

    std::optional<double> altitude() const {
        auto alt = rational(EXIF_IFD_GPS, TAG_GPS_ALTITUDE);
        if (!alt || !std::isfinite(*alt)) return std::nullopt;
        if (const ExifEntry* ref = entry(EXIF_IFD_GPS, TAG_GPS_ALTITUDE_REF, EXIF_FORMAT_BYTE); ref && ref->data[0] == 1)
            return -*alt;
        return alt;
    }

    std::optional<double> direction(uint16_t tag) const {
        auto v = rational(EXIF_IFD_GPS, tag);
        if (!v || !(*v >= 0 && *v <= 360)) return std::nullopt;
        return *v == 360 ? 0 : *v;
    }

    std::optional<GpsTime> gps_time() const {
        auto date = ascii(EXIF_IFD_GPS, TAG_GPS_DATESTAMP);
        const ExifEntry* t = entry(EXIF_IFD_GPS, TAG_GPS_TIMESTAMP, EXIF_FORMAT_RATIONAL, 3);
        if (!date || !t) return std::nullopt;
        // "YYYY:MM:DD"; some writers use '-'.
        std::string_view s = *date;
        if (s.size() != 10 || !is_digits(s.substr(0, 4)) || !is_digits(s.substr(5, 2)) || !is_digits(s.substr(8, 2)) ||
            (s[4] != ':' && s[4] != '-') || s[7] != s[4])
            return std::nullopt;
        GpsTime g;
        g.year = to_int(s.substr(0, 4));
        g.month = to_int(s.substr(5, 2));
        g.day = to_int(s.substr(8, 2));
        if (!valid_date(g.year, g.month, g.day)) return std::nullopt;
        auto h = rational(t, 0), m = rational(t, 1), sec = rational(t, 2);
        if (!h || !m || !sec) return std::nullopt;
        // Hours and minutes must be whole; seconds carry the fraction.
        if (*h != std::floor(*h) || *m != std::floor(*m) || *h < 0 || *h > 23 || *m < 0 || *m > 59 || !(*sec >= 0 && *sec < 61))
            return std::nullopt;
        g.hour = int(*h);
        g.minute = int(*m);
        g.second = *sec;
        return g;
    }

private:
    ExifData* d_;
    ExifByteOrder order_;
};

// ---------------------------------------------------------------- writing

[[noreturn]] void corrupt(const std::string& why) { throw std::runtime_error("cannot update corrupt EXIF: " + why); }
[[noreturn]] void invalid(const std::string& why) { throw std::invalid_argument("invalid EXIF update: " + why); }

struct ByteOrder {
    bool big = false;
    uint16_t u16(const uint8_t* p) const { return big ? uint16_t(p[0] << 8 | p[1]) : uint16_t(p[1] << 8 | p[0]); }
    uint32_t u32(const uint8_t* p) const {
        return big ? uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]
                   : uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0];
    }
    void put16(uint8_t* p, uint16_t v) const {
        if (big) p[0] = uint8_t(v >> 8), p[1] = uint8_t(v);
        else p[0] = uint8_t(v), p[1] = uint8_t(v >> 8);
    }
    void put32(uint8_t* p, uint32_t v) const {
        if (big) p[0] = uint8_t(v >> 24), p[1] = uint8_t(v >> 16), p[2] = uint8_t(v >> 8), p[3] = uint8_t(v);
        else p[0] = uint8_t(v), p[1] = uint8_t(v >> 8), p[2] = uint8_t(v >> 16), p[3] = uint8_t(v >> 24);
    }
};

// A real IFD0, Exif or GPS IFD has a few dozen entries; more than this is
// garbage that happens to fit the buffer.
constexpr unsigned max_entries = 1000;

struct Entry {
    uint16_t tag, type;
    uint32_t count;
    uint8_t field[4];  // value or offset, in the file's byte order
    // A new value longer than 4 bytes, kept in the Ifd's pool until written.
    uint32_t pool_off = 0, pool_len = 0;
};

// One IFD being rebuilt: the old entries (fields verbatim) plus replacements.
class Ifd {
public:
    explicit Ifd(ByteOrder bo) : bo_(bo) {}

    // Reads the IFD at `off` of `tiff`, every check against the buffer size.
    static Ifd read(std::span<const uint8_t> tiff, ByteOrder bo, uint32_t off, const char* name) {
        Ifd ifd(bo);
        const size_t size = tiff.size();
        if (off < 8 || off > size || size - off < 2)
            corrupt(std::string(name) + " offset " + std::to_string(off) + " outside the data (" + std::to_string(size) + " bytes)");
        const unsigned n = bo.u16(tiff.data() + off);
        if (n > max_entries) corrupt(std::string(name) + " claims " + std::to_string(n) + " entries");
        if (size - off - 2 < 12 * size_t(n))
            corrupt(std::string(name) + " with " + std::to_string(n) + " entries runs past the end of the data");
        ifd.entries_.reserve(n + 16);
        for (unsigned i = 0; i < n; ++i) {
            const uint8_t* p = tiff.data() + off + 2 + 12 * i;
            Entry e{bo.u16(p), bo.u16(p + 2), bo.u32(p + 4), {p[8], p[9], p[10], p[11]}};
            ifd.entries_.push_back(e);
        }
        // Some writers end the data right after the last entry: no link is
        // the same as a zero link.
        const size_t link = off + 2 + 12 * size_t(n);
        ifd.next_ = size - link >= 4 ? bo.u32(tiff.data() + link) : 0;
        return ifd;
    }

    const Entry* find(uint16_t tag) const {
        for (const Entry& e : entries_)
            if (e.tag == tag) return &e;
        return nullptr;
    }

    // The offset a pointer tag (ExifIFD, GPS) holds; 0 when there is none.
    uint32_t pointer(uint16_t tag, const char* name) const {
        const Entry* e = find(tag);
        if (!e) return 0;
        if ((e->type != T_LONG && e->type != T_IFD) || e->count != 1)
            corrupt(std::string(name) + " pointer has type " + std::to_string(e->type) + " and count " + std::to_string(e->count));
        return bo_.u32(e->field);
    }

    // Sets `tag` to `count` values of `type` whose bytes (file byte order)
    // are `value`, replacing every entry the tag had.
    void set(uint16_t tag, uint16_t type, uint32_t count, const uint8_t* value, size_t n) {
        std::erase_if(entries_, [tag](const Entry& e) { return e.tag == tag; });
        Entry e{tag, type, count, {0, 0, 0, 0}};
        if (n <= 4) {
            std::memcpy(e.field, value, n);
        } else {
            e.pool_off = uint32_t(pool_.size());
            e.pool_len = uint32_t(n);
            pool_.insert(pool_.end(), value, value + n);
        }
        entries_.push_back(e);
    }

    void set_ascii(uint16_t tag, std::string_view s) {
        // The count includes the terminating NUL.
        uint8_t small[4] = {0, 0, 0, 0};
        if (s.size() < 4) {
            std::memcpy(small, s.data(), s.size());
            set(tag, T_ASCII, uint32_t(s.size() + 1), small, s.size() + 1);
            return;
        }
        std::erase_if(entries_, [tag](const Entry& e) { return e.tag == tag; });
        Entry e{tag, T_ASCII, uint32_t(s.size() + 1), {0, 0, 0, 0}, uint32_t(pool_.size()), uint32_t(s.size() + 1)};
        pool_.insert(pool_.end(), s.begin(), s.end());
        pool_.push_back(0);
        entries_.push_back(e);
    }

    void set_short(uint16_t tag, uint16_t v) {
        uint8_t b[2];
        bo_.put16(b, v);
        set(tag, T_SHORT, 1, b, 2);
    }

    void set_long(uint16_t tag, uint32_t v) {
        uint8_t b[4];
        bo_.put32(b, v);
        set(tag, T_LONG, 1, b, 4);
    }

    void set_bytes(uint16_t tag, uint16_t type, std::initializer_list<uint8_t> v) {
        set(tag, type, uint32_t(v.size()), v.begin(), v.size());
    }

    void set_rationals(uint16_t tag, std::initializer_list<std::array<uint32_t, 2>> v) {
        uint8_t b[3 * 8];
        size_t n = 0;
        for (const auto& r : v) {
            bo_.put32(b + n, r[0]);
            bo_.put32(b + n + 4, r[1]);
            n += 8;
        }
        set(tag, T_RATIONAL, uint32_t(v.size()), b, n);
    }

    // Upper bound of the bytes append_to adds.
    size_t max_size() const { return 1 + 2 + 12 * entries_.size() + 4 + pool_.size() + entries_.size(); }

    // Appends the IFD (word aligned, entries sorted by tag as TIFF wants)
    // and its new values to `out`; returns its offset.
    uint32_t append_to(std::vector<uint8_t>& out) {
        if (entries_.size() > 0xFFFF) corrupt("IFD with too many entries");
        std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.tag < b.tag; });
        if (out.size() % 2) out.push_back(0);
        const size_t at = out.size();
        out.resize(at + 2 + 12 * entries_.size() + 4);
        bo_.put16(out.data() + at, uint16_t(entries_.size()));
        bo_.put32(out.data() + at + 2 + 12 * entries_.size(), next_);
        for (size_t i = 0; i < entries_.size(); ++i) {
            const Entry& e = entries_[i];
            const size_t p = at + 2 + 12 * i;
            uint8_t field[4];
            std::memcpy(field, e.field, 4);
            if (e.pool_len) {
                if (out.size() % 2) out.push_back(0);
                bo_.put32(field, uint32_t(out.size()));
                out.insert(out.end(), pool_.begin() + e.pool_off, pool_.begin() + e.pool_off + e.pool_len);
            }
            bo_.put16(out.data() + p, e.tag);
            bo_.put16(out.data() + p + 2, e.type);
            bo_.put32(out.data() + p + 4, e.count);
            std::memcpy(out.data() + p + 8, field, 4);
        }
        if (out.size() > UINT32_MAX) corrupt("data beyond 4 GiB");
        return uint32_t(at);
    }

private:
    ByteOrder bo_;
    std::vector<Entry> entries_;
    std::vector<uint8_t> pool_;
    uint32_t next_ = 0;
};

// "YYYY:MM:DD HH:MM:SS"
void check_datetime(const std::optional<std::string>& s, const char* what) {
    if (!s) return;
    const std::string& v = *s;
    bool ok = v.size() == 19 && v[4] == ':' && v[7] == ':' && v[10] == ' ' && v[13] == ':' && v[16] == ':';
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) ok = ok && v[i] >= '0' && v[i] <= '9';
    if (ok)
        ok = valid_date(to_int(v.substr(0, 4)), to_int(v.substr(5, 2)), to_int(v.substr(8, 2))) &&
             to_int(v.substr(11, 2)) < 24 && to_int(v.substr(14, 2)) < 60 && to_int(v.substr(17, 2)) < 61;
    if (!ok) invalid(std::string(what) + " \"" + v + "\" is not YYYY:MM:DD HH:MM:SS");
}

void check_subsec(const std::optional<std::string>& s, const char* what) {
    if (s && !is_digits(*s)) invalid(std::string(what) + " \"" + *s + "\" is not digits");
}

// "+HH:MM" / "-HH:MM"
void check_offset(const std::optional<std::string>& s, const char* what) {
    if (!s) return;
    const std::string& v = *s;
    bool ok = v.size() == 6 && (v[0] == '+' || v[0] == '-') && v[3] == ':' && is_digits(v.substr(1, 2)) &&
              is_digits(v.substr(4, 2)) && to_int(v.substr(1, 2)) <= 23 && to_int(v.substr(4, 2)) <= 59;
    if (!ok) invalid(std::string(what) + " \"" + v + "\" is not +HH:MM");
}

void check_ascii(const std::optional<std::string>& s, const char* what) {
    if (s && s->find('\0') != std::string::npos) invalid(std::string(what) + " contains a NUL byte");
}

void validate(const ExifUpdate& u) {
    check_datetime(u.datetime_original, "DateTimeOriginal");
    check_datetime(u.datetime_digitized, "DateTimeDigitized");
    check_datetime(u.datetime, "DateTime");
    check_subsec(u.subsec_original, "SubSecTimeOriginal");
    check_subsec(u.subsec_digitized, "SubSecTimeDigitized");
    check_subsec(u.subsec_time, "SubSecTime");
    check_offset(u.offset_time_original, "OffsetTimeOriginal");
    check_offset(u.offset_time_digitized, "OffsetTimeDigitized");
    check_offset(u.offset_time, "OffsetTime");
    check_ascii(u.make, "Make");
    check_ascii(u.model, "Model");
    check_ascii(u.artist, "Artist");
    check_ascii(u.image_description, "ImageDescription");
    check_ascii(u.image_unique_id, "ImageUniqueID");
    if (u.orientation && (*u.orientation < 1 || *u.orientation > 8))
        invalid("orientation " + std::to_string(*u.orientation) + " is not 1..8");
    if (u.gps_lat.has_value() != u.gps_lon.has_value()) invalid("latitude and longitude go together");
    if (u.gps_lat && !(std::fabs(*u.gps_lat) <= 90)) invalid("latitude " + std::to_string(*u.gps_lat) + " out of range");
    if (u.gps_lon && !(std::fabs(*u.gps_lon) <= 180)) invalid("longitude " + std::to_string(*u.gps_lon) + " out of range");
    // |alt| * 1000 must fit the 32-bit numerator.
    if (u.gps_alt && !(std::fabs(*u.gps_alt) < 4e6)) invalid("altitude " + std::to_string(*u.gps_alt) + " out of range");
    if (u.gps_img_direction && !std::isfinite(*u.gps_img_direction)) invalid("image direction is not a number");
    if (const auto& t = u.gps_time) {
        if (!valid_date(t->year, t->month, t->day) || t->hour < 0 || t->hour > 23 || t->minute < 0 || t->minute > 59 ||
            !(t->second >= 0 && t->second < 61))
            invalid("GPS time out of range");
    }
}

// Degrees as deg/1, min/1, sec/10^7: the rounding is done once on the whole
// value in units of 10^-7 arc seconds, so 59.99999999" carries into the
// minutes instead of giving 60".
std::array<std::array<uint32_t, 2>, 3> to_dms(double v) {
    constexpr uint64_t per_sec = 10'000'000, per_min = 60 * per_sec, per_deg = 60 * per_min;
    const uint64_t total = uint64_t(std::llround(std::fabs(v) * double(per_deg)));
    return {{{uint32_t(total / per_deg), 1},
             {uint32_t(total % per_deg / per_min), 1},
             {uint32_t(total % per_min), uint32_t(per_sec)}}};
}

std::string two(int v) {
    char b[3] = {char('0' + v / 10 % 10), char('0' + v % 10), 0};
    return b;
}

// The Exif or GPS IFD to rebuild: the old one when IFD0 points to one, a new
// empty one otherwise.
Ifd sub_ifd(std::span<const uint8_t> tiff, ByteOrder bo, const Ifd& ifd0, uint32_t ifd0_off, uint16_t tag,
            const char* name, uint32_t other_off, bool& existed) {
    const uint32_t off = tiff.empty() ? 0 : ifd0.pointer(tag, name);
    existed = off != 0;
    if (!existed) return Ifd(bo);
    // A sub-IFD sharing IFD0's (or its sibling's) place is a loop or a lie.
    if (off == ifd0_off || off == other_off) corrupt(std::string(name) + " overlaps another IFD");
    return Ifd::read(tiff, bo, off, name);
}

// libexif gives up on a whole directory at its first pointer entry (Exif,
// GPS or Interoperability IFD, thumbnail offset or length) whose value lies
// past the end of the data, so a broken Exif IFD pointer would hide the GPS
// IFD after it. Such entries, in IFD0 and in the Exif IFD, get the tag
// number 0xFFFF in `tiff` (a copy), which libexif reads as an unknown tag and
// otherwise leaves alone.
void disarm_dangling_pointers(std::span<uint8_t> tiff) {
    if (tiff.size() < 8) return;
    ByteOrder bo;
    if (tiff[0] == 'M' && tiff[1] == 'M') bo.big = true;
    else if (!(tiff[0] == 'I' && tiff[1] == 'I')) return;
    auto pointer = [](uint16_t tag) {
        return tag == TAG_EXIF_IFD || tag == TAG_GPS_IFD || tag == 0xA005 || tag == 0x0201 || tag == 0x0202;
    };
    auto walk = [&](uint32_t ifd, auto&& self, int depth) -> void {
        if (depth > 1 || ifd < 8 || ifd > tiff.size() - 2) return;
        const uint32_t n = bo.u16(tiff.data() + ifd);
        for (uint32_t i = 0; i < n && ifd + 2 + 12 * (i + 1) <= tiff.size(); ++i) {
            uint8_t* e = tiff.data() + ifd + 2 + 12 * i;
            const uint16_t tag = bo.u16(e);
            if (!pointer(tag)) continue;
            const uint32_t value = bo.u32(e + 8);
            if (value >= tiff.size()) bo.put16(e, 0xFFFF);
            else if (tag == TAG_EXIF_IFD) self(value, self, depth + 1);
        }
    };
    walk(bo.u32(tiff.data() + 4), walk, 0);
}

}  // namespace

PhotoExif read_exif(std::span<const uint8_t> tiff) {
    PhotoExif x;
    if (tiff.size() < 8) return x;
    // libexif wants the APP1 payload ("Exif\0\0" + TIFF) or a whole JPEG, and
    // reads at most 0xFFFE bytes of it.
    const size_t n = std::min<size_t>(tiff.size(), 0xFFFE - 6);
    std::vector<uint8_t> buf(6 + n);
    std::memcpy(buf.data(), "Exif\0\0", 6);
    std::memcpy(buf.data() + 6, tiff.data(), n);
    disarm_dangling_pointers(std::span(buf).subspan(6));

    ExifData* d = exif_data_new();
    if (!d) return x;
    struct Unref {
        ExifData* d;
        ~Unref() { exif_data_unref(d); }
    } unref{d};
    // Read what is there: no tags dropped for being unknown (OffsetTime*
    // are unknown to older libexif), none added or "fixed".
    exif_data_unset_option(d, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
    exif_data_unset_option(d, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_set_option(d, EXIF_DATA_OPTION_DONT_CHANGE_MAKER_NOTE);
    exif_data_load_data(d, buf.data(), unsigned(buf.size()));

    const Reader r(d);
    x.datetime_original = r.ascii(EXIF_IFD_EXIF, TAG_DATETIME_ORIGINAL);
    x.subsec_original = r.ascii(EXIF_IFD_EXIF, TAG_SUBSEC_TIME_ORIGINAL);
    x.offset_time_original = r.ascii(EXIF_IFD_EXIF, TAG_OFFSET_TIME_ORIGINAL);
    x.datetime_digitized = r.ascii(EXIF_IFD_EXIF, TAG_DATETIME_DIGITIZED);
    x.subsec_digitized = r.ascii(EXIF_IFD_EXIF, TAG_SUBSEC_TIME_DIGITIZED);
    x.offset_time_digitized = r.ascii(EXIF_IFD_EXIF, TAG_OFFSET_TIME_DIGITIZED);
    x.datetime = r.ascii(EXIF_IFD_0, TAG_DATETIME);
    x.subsec_time = r.ascii(EXIF_IFD_EXIF, TAG_SUBSEC_TIME);
    x.offset_time = r.ascii(EXIF_IFD_EXIF, TAG_OFFSET_TIME);

    x.gps_lat = r.coordinate(TAG_GPS_LATITUDE, TAG_GPS_LATITUDE_REF, 'N', 'S', 90);
    x.gps_lon = r.coordinate(TAG_GPS_LONGITUDE, TAG_GPS_LONGITUDE_REF, 'E', 'W', 180);
    if (!x.gps_lat || !x.gps_lon) x.gps_lat = x.gps_lon = std::nullopt;  // half a position is none
    x.gps_alt = r.altitude();
    x.gps_time = r.gps_time();
    x.gps_img_direction = r.direction(TAG_GPS_IMG_DIRECTION);
    x.gps_track = r.direction(TAG_GPS_TRACK);

    x.make = r.ascii(EXIF_IFD_0, TAG_MAKE);
    x.model = r.ascii(EXIF_IFD_0, TAG_MODEL);
    x.artist = r.ascii(EXIF_IFD_0, TAG_ARTIST);
    x.image_description = r.ascii(EXIF_IFD_0, TAG_IMAGE_DESCRIPTION);
    x.image_unique_id = r.ascii(EXIF_IFD_EXIF, TAG_IMAGE_UNIQUE_ID);
    if (auto o = r.short_or_long(EXIF_IFD_0, TAG_ORIENTATION); o && *o >= 1 && *o <= 8) x.orientation = int(*o);
    if (auto v = r.short_or_long(EXIF_IFD_EXIF, TAG_PIXEL_X); v && *v > 0) x.pixel_x = *v;
    if (auto v = r.short_or_long(EXIF_IFD_EXIF, TAG_PIXEL_Y); v && *v > 0) x.pixel_y = *v;
    return x;
}

bool exif_empty(std::span<const uint8_t> tiff) {
    if (tiff.empty()) return true;
    if (tiff.size() < 8 || !((tiff[0] == 'I' && tiff[1] == 'I') || (tiff[0] == 'M' && tiff[1] == 'M'))) return false;
    ByteOrder bo;
    bo.big = tiff[0] == 'M';
    const uint32_t ifd0 = bo.u32(tiff.data() + 4);
    // No entry, and no IFD1 after it (a thumbnail is something).
    return ifd0 >= 8 && ifd0 <= tiff.size() - 6 && bo.u16(tiff.data() + ifd0) == 0 &&
           bo.u32(tiff.data() + ifd0 + 2) == 0;
}

std::vector<uint8_t> update_exif(std::span<const uint8_t> old, const ExifUpdate& u) {
    validate(u);
    const bool want_ifd0 = u.datetime || u.make || u.model || u.artist || u.image_description || u.orientation;
    // EXIF made from nothing gets the tags the standard requires of a JPEG's
    // (Exif 2.3 4.6.3-4.6.5), so that readers find a complete structure.
    const bool fresh = exif_empty(old);
    bool want_exif = u.datetime_original || u.subsec_original || u.offset_time_original ||
                           u.datetime_digitized || u.subsec_digitized || u.offset_time_digitized || u.subsec_time ||
                           u.offset_time || u.pixel_x || u.pixel_y || u.focal_length_35mm || u.image_unique_id;
    const bool want_gps = u.gps_lat || u.gps_alt || u.gps_time || u.gps_img_direction;
    if (!want_ifd0 && !want_exif && !want_gps) return std::vector<uint8_t>(old.begin(), old.end());
    want_exif = want_exif || fresh;

    // The old structure: header, IFD0 and the sub-IFDs that change.
    ByteOrder bo;
    uint32_t ifd0_off = 0;
    if (!old.empty()) {
        if (old.size() < 8) corrupt("shorter than a TIFF header");
        if (old[0] == 'M' && old[1] == 'M') bo.big = true;
        else if (!(old[0] == 'I' && old[1] == 'I')) corrupt("no II/MM byte order mark");
        if (bo.u16(old.data() + 2) != 42) corrupt("no TIFF magic number 42");
        ifd0_off = bo.u32(old.data() + 4);
    }
    Ifd ifd0 = old.empty() ? Ifd(bo) : Ifd::read(old, bo, ifd0_off, "IFD0");
    bool exif_existed = false, gps_existed = false;
    const uint32_t gps_ptr = want_gps && !old.empty() ? ifd0.pointer(TAG_GPS_IFD, "GPS IFD") : 0;
    Ifd exif = want_exif ? sub_ifd(old, bo, ifd0, ifd0_off, TAG_EXIF_IFD, "Exif IFD", gps_ptr, exif_existed) : Ifd(bo);
    const uint32_t exif_ptr = exif_existed ? ifd0.pointer(TAG_EXIF_IFD, "Exif IFD") : 0;
    Ifd gps = want_gps ? sub_ifd(old, bo, ifd0, ifd0_off, TAG_GPS_IFD, "GPS IFD", exif_ptr, gps_existed) : Ifd(bo);

    // IFD0
    if (u.datetime) ifd0.set_ascii(TAG_DATETIME, *u.datetime);
    if (u.make) ifd0.set_ascii(TAG_MAKE, *u.make);
    if (u.model) ifd0.set_ascii(TAG_MODEL, *u.model);
    if (u.artist) ifd0.set_ascii(TAG_ARTIST, *u.artist);
    if (u.image_description) ifd0.set_ascii(TAG_IMAGE_DESCRIPTION, *u.image_description);
    if (u.orientation) ifd0.set_short(TAG_ORIENTATION, uint16_t(*u.orientation));

    if (fresh) {
        ifd0.set_rationals(TAG_X_RESOLUTION, {{72, 1}});
        ifd0.set_rationals(TAG_Y_RESOLUTION, {{72, 1}});
        ifd0.set_short(TAG_RESOLUTION_UNIT, 2);     // inches
        ifd0.set_short(TAG_YCBCR_POSITIONING, 1);  // centred
    }

    // Exif IFD
    if (want_exif && !exif_existed) exif.set_bytes(TAG_EXIF_VERSION, T_UNDEFINED, {'0', '2', '3', '1'});
    if (fresh) {
        exif.set_bytes(TAG_COMPONENTS_CONFIGURATION, T_UNDEFINED, {1, 2, 3, 0});  // Y Cb Cr
        exif.set_bytes(TAG_FLASHPIX_VERSION, T_UNDEFINED, {'0', '1', '0', '0'});
        exif.set_short(TAG_COLOR_SPACE, 1);  // sRGB
    }
    if (u.datetime_original) exif.set_ascii(TAG_DATETIME_ORIGINAL, *u.datetime_original);
    if (u.subsec_original) exif.set_ascii(TAG_SUBSEC_TIME_ORIGINAL, *u.subsec_original);
    if (u.offset_time_original) exif.set_ascii(TAG_OFFSET_TIME_ORIGINAL, *u.offset_time_original);
    if (u.datetime_digitized) exif.set_ascii(TAG_DATETIME_DIGITIZED, *u.datetime_digitized);
    if (u.subsec_digitized) exif.set_ascii(TAG_SUBSEC_TIME_DIGITIZED, *u.subsec_digitized);
    if (u.offset_time_digitized) exif.set_ascii(TAG_OFFSET_TIME_DIGITIZED, *u.offset_time_digitized);
    if (u.subsec_time) exif.set_ascii(TAG_SUBSEC_TIME, *u.subsec_time);
    if (u.offset_time) exif.set_ascii(TAG_OFFSET_TIME, *u.offset_time);
    if (u.pixel_x) exif.set_long(TAG_PIXEL_X, *u.pixel_x);
    if (u.pixel_y) exif.set_long(TAG_PIXEL_Y, *u.pixel_y);
    if (u.focal_length_35mm) exif.set_short(TAG_FOCAL_LENGTH_35MM, *u.focal_length_35mm);
    if (u.image_unique_id) exif.set_ascii(TAG_IMAGE_UNIQUE_ID, *u.image_unique_id);

    // GPS IFD
    if (want_gps) {
        gps.set_bytes(TAG_GPS_VERSION_ID, T_BYTE, {2, 3, 0, 0});
        gps.set_ascii(TAG_GPS_MAP_DATUM, "WGS-84");
    }
    if (u.gps_lat) {
        auto lat = to_dms(*u.gps_lat), lon = to_dms(*u.gps_lon);
        gps.set_ascii(TAG_GPS_LATITUDE_REF, *u.gps_lat < 0 ? "S" : "N");
        gps.set_rationals(TAG_GPS_LATITUDE, {lat[0], lat[1], lat[2]});
        gps.set_ascii(TAG_GPS_LONGITUDE_REF, *u.gps_lon < 0 ? "W" : "E");
        gps.set_rationals(TAG_GPS_LONGITUDE, {lon[0], lon[1], lon[2]});
    }
    if (u.gps_alt) {
        const auto mm = uint32_t(std::llround(std::fabs(*u.gps_alt) * 1000));
        gps.set_bytes(TAG_GPS_ALTITUDE_REF, T_BYTE, {uint8_t(*u.gps_alt < 0 && mm > 0 ? 1 : 0)});
        gps.set_rationals(TAG_GPS_ALTITUDE, {{mm, 1000}});
    }
    if (const auto& t = u.gps_time) {
        auto ms = uint32_t(std::llround(t->second * 1000));
        if (t->second < 60 && ms >= 60000) ms = 59999;  // keep the rounding inside the minute
        gps.set_rationals(TAG_GPS_TIMESTAMP, {{uint32_t(t->hour), 1}, {uint32_t(t->minute), 1}, {ms, 1000}});
        char y[5] = {char('0' + t->year / 1000 % 10), char('0' + t->year / 100 % 10), char('0' + t->year / 10 % 10),
                     char('0' + t->year % 10), 0};
        gps.set_ascii(TAG_GPS_DATESTAMP, std::string(y) + ":" + two(t->month) + ":" + two(t->day));
    }
    if (u.gps_img_direction) {
        double d = std::fmod(*u.gps_img_direction, 360.0);
        if (d < 0) d += 360;
        auto v = uint32_t(std::llround(d * 10000));
        if (v >= 3600000) v -= 3600000;
        gps.set_ascii(TAG_GPS_IMG_DIRECTION_REF, "T");
        gps.set_rationals(TAG_GPS_IMG_DIRECTION, {{v, 10000}});
    }

    // The new data: the old bytes untouched, then the new IFDs. A pointer
    // entry holds 4 bytes however large its IFD, so reserving before the
    // pointers are set is exact enough.
    std::vector<uint8_t> out;
    out.reserve((old.empty() ? 8 : old.size()) + ifd0.max_size() + 12 + (want_exif ? exif.max_size() + 12 : 0) +
                (want_gps ? gps.max_size() + 12 : 0));
    if (old.empty()) {
        // Little-endian like most cameras; IFD0 will follow at 8.
        out = {'I', 'I', 42, 0, 8, 0, 0, 0};
    } else {
        out.assign(old.begin(), old.end());
    }
    if (want_exif) ifd0.set_long(TAG_EXIF_IFD, exif.append_to(out));
    if (want_gps) ifd0.set_long(TAG_GPS_IFD, gps.append_to(out));
    bo.put32(out.data() + 4, ifd0.append_to(out));
    return out;
}

std::vector<uint8_t> exif_app1_payload(std::span<const uint8_t> tiff) {
    std::vector<uint8_t> out;
    out.reserve(6 + tiff.size());
    out.insert(out.end(), {'E', 'x', 'i', 'f', 0, 0});
    out.insert(out.end(), tiff.begin(), tiff.end());
    return out;
}

}  // namespace mapi
