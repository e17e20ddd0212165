// pictures: see pictures.hpp. The one place of mly-fakeapi that holds the
// stb_image_write implementation.
#include "pictures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>

namespace fakeapi {

namespace {

// A street scene in flat colours: sky, a row of buildings, a road narrowing
// to the horizon. Each variant has its own palette and skyline, so the
// variants differ in content and compressed size.
std::vector<unsigned char> paint(int variant, int w, int h) {
    struct Palette {
        unsigned char sky[3], ground[3], road[3];
    };
    static const Palette palettes[] = {
        {{120, 170, 230}, {90, 140, 70}, {70, 70, 75}},
        {{235, 180, 120}, {160, 150, 110}, {95, 90, 85}},
        {{175, 185, 195}, {120, 125, 120}, {55, 55, 60}},
    };
    const Palette& pal = palettes[variant % 3];
    std::vector<unsigned char> px(std::size_t(w) * h * 3);
    int horizon = h * (45 + variant * 5) / 100;
    // Building tops along x, from a cheap deterministic hash of the column band.
    auto top_at = [&](int x) {
        int band = x * 24 / std::max(w, 1);
        unsigned v = unsigned(band * 2654435761u + unsigned(variant) * 40503u);
        return horizon - int((v >> 8) % 100) * h / 400 - h / 40;
    };
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            unsigned char* p = &px[(std::size_t(y) * w + x) * 3];
            const unsigned char* c;
            unsigned char shade[3];
            if (y < horizon) {
                if (y >= top_at(x)) {
                    int band = x * 24 / std::max(w, 1);
                    unsigned char g = static_cast<unsigned char>(110 + (band * 37 + variant * 11) % 100);
                    bool window = ((x / std::max(w / 160, 1)) % 3 == 1) && ((y / std::max(h / 90, 1)) % 3 == 1);
                    shade[0] = window ? 230 : g;
                    shade[1] = window ? 220 : static_cast<unsigned char>(g - 20);
                    shade[2] = window ? 150 : static_cast<unsigned char>(g - 35);
                    c = shade;
                } else {
                    // Sky gets lighter towards the horizon.
                    double t = double(y) / std::max(horizon, 1);
                    for (int k = 0; k < 3; ++k)
                        shade[k] = static_cast<unsigned char>(std::min(255.0, pal.sky[k] + t * 40));
                    c = shade;
                }
            } else {
                double depth = double(y - horizon) / std::max(h - horizon, 1);  // 0 at the horizon
                double half_road = 0.02 + 0.45 * depth;
                double dx = std::abs(double(x) / w - 0.5);
                if (dx < half_road) {
                    bool stripe = dx < 0.004 + 0.01 * depth && int(depth * 40) % 2 == 0;
                    c = stripe ? (const unsigned char*)"\xf0\xf0\xf0" : pal.road;
                } else {
                    c = pal.ground;
                }
            }
            p[0] = c[0];
            p[1] = c[1];
            p[2] = c[2];
        }
    }
    return px;
}

void append(void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), std::size_t(size));
}

}  // namespace

std::pair<int, int> Pictures::served_size(const std::string& size, int width, int height) {
    if (size == "original") return {width, height};
    int limit = size == "256" ? 256 : size == "1024" ? 1024 : size == "2048" ? 2048 : 0;
    if (limit == 0) return {0, 0};
    if (width <= limit) return {width, height};
    return {limit, std::max(1, int(std::lround(double(height) * limit / width)))};
}

std::shared_ptr<Pictures::Entry> Pictures::entry(const Key& key) {
    std::lock_guard lock(mutex_);
    auto& e = cache_[key];
    if (!e) e = std::make_shared<Entry>();
    return e;
}

std::string Pictures::jpeg(int variant, int width, int height, const std::string& comment) {
    auto e = entry({variant, width, height});
    // Encoded once; other requests for the same picture wait for it.
    std::call_once(e->once, [&] {
        auto px = paint(variant, width, height);
        if (!stbi_write_jpg_to_func(append, &e->bytes, width, height, 3, px.data(), 85))
            throw std::runtime_error("stb_image_write failed");
    });
    // COM after SOI and the JFIF APP0 segment that must come first (its
    // length counts itself; at most 65533 bytes of text).
    const std::string& j = e->bytes;
    std::size_t at = 2;
    if (j.size() > 6 && (unsigned char)j[2] == 0xff && (unsigned char)j[3] == 0xe0)
        at = 4 + (std::size_t((unsigned char)j[4]) << 8 | (unsigned char)j[5]);
    std::string text = comment.substr(0, 60000);
    std::size_t len = text.size() + 2;
    std::string out;
    out.reserve(j.size() + len + 2);
    out.append(j, 0, at);
    out += '\xff';
    out += '\xfe';
    out += char(len >> 8);
    out += char(len & 0xff);
    out += text;
    out.append(j, at);
    return out;
}

}  // namespace fakeapi
