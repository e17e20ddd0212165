// mkphotos: generates camera-like JPEG photos for tests, benchmarks and the
// demo, so none has to be committed.
//
//   mkphotos DIR COUNT [--kb N] [--width W --height H] [--start 'YYYY:MM:DD HH:MM:SS']
//            [--step SECONDS] [--offset +02:00] [--make M] [--model M] [--no-exif]
//            [--seed N] [--variants V]
//
// Each photo: a JPEG of noisy gradients (stb_image_write) of N * 1024 / 1.1
// pixels (default N = 64), which comes out at about N / 2 KiB, with an EXIF holding Make, Model, Orientation 1,
// DateTimeOriginal (start + k * step) with SubSecTimeOriginal and, with
// --offset, OffsetTimeOriginal, and an ImageDescription numbering it. V
// different images are encoded (default 4) and reused: the metadata makes
// every file distinct. Real cameras' EXIF (maker notes and all) is tested on
// ../shared/fixtures instead.
#include "mapi/exif.hpp"
#include "mapi/jpeg.hpp"
#include "mapi/time.hpp"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

using namespace mapi;

static void append(void* ctx, void* data, int size) {
    auto* v = static_cast<std::vector<std::uint8_t>*>(ctx);
    auto* p = static_cast<std::uint8_t*>(data);
    v->insert(v->end(), p, p + size);
}

static std::vector<std::uint8_t> encode(int w, int h, unsigned seed, int quality) {
    std::vector<std::uint8_t> px(static_cast<std::size_t>(w) * h * 3);
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> noise(-40, 40);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            auto* p = &px[(static_cast<std::size_t>(y) * w + x) * 3];
            p[0] = static_cast<std::uint8_t>(std::clamp(x * 255 / w + noise(rng), 0, 255));
            p[1] = static_cast<std::uint8_t>(std::clamp(y * 255 / h + noise(rng), 0, 255));
            p[2] = static_cast<std::uint8_t>(std::clamp(static_cast<int>(seed * 37 % 255) + noise(rng), 0, 255));
        }
    std::vector<std::uint8_t> out;
    stbi_write_jpg_to_func(append, &out, w, h, 3, px.data(), quality);
    return out;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: mkphotos DIR COUNT [options]\n");
        return 2;
    }
    std::string dir = argv[1];
    long count = std::atol(argv[2]);
    int kb = 64, width = 0, height = 0, variants = 4;
    unsigned seed = 1;
    double step = 1.0;
    std::string start = "2024:06:01 10:00:00", offset, make = "MlyCam", model = "Generator 1";
    bool exif = true;
    for (int i = 3; i < argc; ++i) {
        std::string a = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "mkphotos: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--kb") kb = std::atoi(val().c_str());
        else if (a == "--width") width = std::atoi(val().c_str());
        else if (a == "--height") height = std::atoi(val().c_str());
        else if (a == "--start") start = val();
        else if (a == "--step") step = std::atof(val().c_str());
        else if (a == "--offset") offset = val();
        else if (a == "--make") make = val();
        else if (a == "--model") model = val();
        else if (a == "--no-exif") exif = false;
        else if (a == "--seed") seed = static_cast<unsigned>(std::atol(val().c_str()));
        else if (a == "--variants") variants = std::max(1, std::atoi(val().c_str()));
        else {
            std::fprintf(stderr, "mkphotos: unknown option %s\n", a.c_str());
            return 2;
        }
    }
    auto t0 = parse_exif_datetime(start);
    if (!t0) {
        std::fprintf(stderr, "mkphotos: bad --start '%s'\n", start.c_str());
        return 2;
    }
    if (!width) {
        // The pixel budget of --kb; the files come out at about 0.55 bytes a
        // pixel (noise at quality 90), half of N KiB.
        double px = kb * 1024.0 / 1.1;
        width = std::max(16, static_cast<int>(std::sqrt(px * 4.0 / 3.0)));
        height = std::max(16, width * 3 / 4);
    }
    std::filesystem::create_directories(dir);
    std::vector<std::vector<std::uint8_t>> images;
    for (int v = 0; v < variants && v < count; ++v) images.push_back(encode(width, height, seed + v, 90));

    for (long k = 0; k < count; ++k) {
        const auto& img = images[k % images.size()];
        std::vector<std::uint8_t> bytes = img;
        if (exif) {
            LocalTime t = *t0 + std::chrono::milliseconds(std::llround(k * step * 1000.0));
            ExifUpdate u;
            u.make = make;
            u.model = model;
            u.orientation = 1;
            u.datetime_original = format_exif_datetime(t);
            u.subsec_original = format_subsec(t);
            if (!offset.empty()) u.offset_time_original = offset;
            u.image_description = "generated photo " + std::to_string(k + 1);
            bytes = splice_metadata(img, update_exif({}, u), std::nullopt);
        }
        char name[64];
        std::snprintf(name, sizeof name, "/IMG_%05ld.JPG", k + 1);
        std::string path = dir + name;
        std::FILE* f = std::fopen(path.c_str(), "wb");
        if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f) != 0) {
            std::perror(path.c_str());
            return 1;
        }
    }
    return 0;
}
