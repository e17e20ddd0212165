#include "mapi/reencode.hpp"

#include <climits>
#include <memory>
#include <stdexcept>
#include <string>

// stb with internal linkage (see reencode.hpp), JPEG only, and quiet about
// its own code: the warnings are stb's, not ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_NO_STDIO
#define STBI_FAILURE_USERMSG
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace mapi {

std::vector<std::uint8_t> reencode_jpeg(std::span<const std::uint8_t> jpeg, int quality) {
    if (quality < 1 || quality > 100) throw std::invalid_argument("JPEG quality must be between 1 and 100");
    if (jpeg.size() > std::size_t(INT_MAX)) throw std::runtime_error("cannot decode the JPEG: too large");
    int w = 0, h = 0, channels = 0;
    std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
        stbi_load_from_memory(jpeg.data(), int(jpeg.size()), &w, &h, &channels, 3), stbi_image_free);
    if (!pixels) throw std::runtime_error(std::string("cannot decode the JPEG: ") + stbi_failure_reason());
    std::vector<std::uint8_t> out;
    out.reserve(jpeg.size());
    auto append = [](void* ctx, void* data, int size) {
        auto* v = static_cast<std::vector<std::uint8_t>*>(ctx);
        auto* p = static_cast<const std::uint8_t*>(data);
        v->insert(v->end(), p, p + size);
    };
    if (!stbi_write_jpg_to_func(append, &out, w, h, 3, pixels.get(), quality))
        throw std::runtime_error("cannot encode the JPEG");
    return out;
}

}  // namespace mapi
