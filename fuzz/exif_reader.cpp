// EXIF reading and updating on arbitrary TIFF bytes (what an EXIF APP1
// carries after "Exif\0\0").
//
// Promises checked: read_exif never throws; update_exif with a valid update
// either succeeds or throws std::runtime_error("cannot update corrupt EXIF:
// ..."); when it succeeds the old bytes are kept as they were and the tags
// written read back, unless libexif itself reports the old structure as one
// it gives up on (see libexif_gives_up).
#include "check.hpp"
#include "mapi/exif.hpp"

#include <libexif/exif-data.h>
#include <libexif/exif-log.h>

#include <cmath>
#include <cstdarg>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

using namespace mapi;

namespace {

ExifUpdate fixed_update() {
    ExifUpdate u;
    u.datetime_original = "2024:06:01 10:00:00";
    u.subsec_original = "120";
    u.offset_time_original = "+02:00";
    u.make = "FuzzCam";
    u.model = "Model with a longer name";
    u.orientation = 6;
    u.image_description = "fuzz";
    u.pixel_x = 4000;
    u.gps_lat = -33.856784;
    u.gps_lon = 151.215297;
    u.gps_alt = -12.5;
    u.gps_time = GpsTime{2024, 6, 1, 8, 0, 0.12};
    u.gps_img_direction = 359.99;
    return u;
}

bool near(std::optional<double> v, double want, double tol) { return v && std::fabs(*v - want) <= tol; }

// Known limit of libexif 0.6.24, which read_exif uses (reported, not fixed
// here): it stops reading an IFD at a pointer tag (0x0201, 0x0202, 0x8769,
// 0x8825, 0xA005) whose offset lies outside the data, and loads the Exif or
// GPS IFD only the first time a pointer to it is met, even from a wrong
// IFD. Old garbage copied verbatim by update_exif can so hide the new tags.
// libexif says so in its log; such inputs skip the read-back checks.
bool libexif_gives_up(const std::vector<uint8_t>& tiff) {
    struct Seen {
        bool gave_up = false;
    } seen;
    auto log_func = [](ExifLog*, ExifLogCode, const char*, const char* format, va_list args, void* data) {
        char msg[512];
        std::vsnprintf(msg, sizeof msg, format, args);
        std::string_view m(msg);
        if (m.starts_with("Tag data past end of buffer") || m.find("multiple times") != m.npos ||
            m.starts_with("Recursive entry") || m.starts_with("Deep/expensive recursion"))
            static_cast<Seen*>(data)->gave_up = true;
    };
    std::vector<uint8_t> buf = {'E', 'x', 'i', 'f', 0, 0};
    buf.insert(buf.end(), tiff.begin(), tiff.end());
    ExifData* d = exif_data_new();
    ExifLog* log = exif_log_new();
    exif_log_set_func(log, log_func, &seen);
    exif_data_log(d, log);
    exif_data_unset_option(d, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
    exif_data_unset_option(d, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_set_option(d, EXIF_DATA_OPTION_DONT_CHANGE_MAKER_NOTE);
    exif_data_load_data(d, buf.data(), unsigned(buf.size()));
    exif_data_unref(d);
    exif_log_unref(log);
    return seen.gave_up;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const uint8_t> in(data, size);
    (void)read_exif(in);

    static const ExifUpdate u = fixed_update();
    std::vector<uint8_t> out;
    try {
        out = update_exif(in, u);
    } catch (const std::runtime_error& e) {
        FUZZ_CHECK(std::string_view(e.what()).starts_with("cannot update corrupt EXIF: "));
        return 0;
    }
    // Only the header's IFD0 offset (bytes 4..7) changes in the old bytes.
    FUZZ_CHECK(out.size() >= size);
    if (size >= 8) FUZZ_CHECK(std::memcmp(out.data(), data, 4) == 0 && std::memcmp(out.data() + 8, data + 8, size - 8) == 0);

    PhotoExif x = read_exif(out);
    // libexif reads at most 64 KiB; beyond that the new IFDs are out of its sight.
    if (out.size() > 0xFFFE - 6 || libexif_gives_up(out)) return 0;
    FUZZ_CHECK(x.datetime_original == u.datetime_original);
    FUZZ_CHECK(x.subsec_original == u.subsec_original);
    FUZZ_CHECK(x.offset_time_original == u.offset_time_original);
    FUZZ_CHECK(x.make == u.make && x.model == u.model && x.image_description == u.image_description);
    FUZZ_CHECK(x.orientation == u.orientation && x.pixel_x == u.pixel_x);
    FUZZ_CHECK(near(x.gps_lat, *u.gps_lat, 1e-9) && near(x.gps_lon, *u.gps_lon, 1e-9));
    FUZZ_CHECK(near(x.gps_alt, *u.gps_alt, 1e-9));
    FUZZ_CHECK(near(x.gps_img_direction, *u.gps_img_direction, 1e-9));
    FUZZ_CHECK(x.gps_time && x.gps_time->year == 2024 && x.gps_time->hour == 8 && near(x.gps_time->second, 0.12, 1e-9));
    return 0;
}
