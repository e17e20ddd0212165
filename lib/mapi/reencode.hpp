// reencode: a JPEG decoded and encoded again at a chosen quality (the
// downloaders' --quality), with stb_image and stb_image_write.
//
// The pixels are kept as decoded: no rotation, no resizing, no colour
// management. The result has only a JFIF header: no metadata survives, the
// caller writes its own. stb is compiled into libmapi with static linkage,
// so programs that bring their own copy of stb (tests, the local server) do
// not clash with it at link time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace mapi {

// quality: 1..100. Throws std::invalid_argument for a quality out of range
// and std::runtime_error("cannot decode the JPEG: <stb's reason>") when the
// data cannot be decoded.
std::vector<std::uint8_t> reencode_jpeg(std::span<const std::uint8_t> jpeg, int quality);

}  // namespace mapi
