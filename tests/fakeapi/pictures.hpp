// pictures: the JPEGs the image host serves.
//
// A real picture (stb_image_write, baseline JPEG) is encoded once per
// (variant, width, height) on first use and kept in memory; every image that
// shows that variant at that size reuses those bytes, with a comment segment
// (COM) naming the image and size spliced in after the JFIF header, so each
// image's bytes are distinct and say what they are. No EXIF: Mapillary
// serves none.
// With three variants and a handful of sizes, a 1000-image dataset needs a
// few dozen encodings at most.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

namespace fakeapi {

class Pictures {
public:
    static constexpr int variants = 3;

    // The served bytes of one image: variant in [0, variants), pixel size,
    // and the text of its comment segment.
    std::string jpeg(int variant, int width, int height, const std::string& comment);

    // The pixel size served for "256", "1024", "2048" (the width limited to
    // that many pixels, never enlarged, the aspect kept) or "original";
    // {0, 0} for another name.
    static std::pair<int, int> served_size(const std::string& size, int width, int height);

private:
    using Key = std::tuple<int, int, int>;
    struct Entry {
        std::once_flag once;
        std::string bytes;
    };
    std::shared_ptr<Entry> entry(const Key& key);
    std::mutex mutex_;
    std::map<Key, std::shared_ptr<Entry>> cache_;
};

}  // namespace fakeapi
