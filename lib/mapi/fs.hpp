// fs: finding photos and replacing files without ever leaving a partial one.
//
// A replacement is written to a temporary file beside the target
// (".NAME.mly-tmp", locked while in use), made durable, then renamed over the
// target, keeping its mode and owner. A crash at any moment leaves either the
// old file or the complete new one; a stale temporary left by a kill is reused
// by the next write to the same file. ReplaceBatch makes a whole batch durable
// with one syncfs() before its renames, so thousands of photos do not cost
// thousands of separate flushes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mapi {

// True for names ending in .jpg or .jpeg, in any case.
bool has_jpeg_extension(const std::string& path);

// Every JPEG below dir (recursively), sorted by path. Hidden files and
// directories (names starting with '.') are skipped. Throws std::system_error.
std::vector<std::string> find_jpegs(const std::string& dir);

// The whole file; throws std::system_error naming the path.
std::vector<std::uint8_t> read_file(const std::string& path);

class ReplaceBatch {
public:
    ReplaceBatch() = default;
    ReplaceBatch(const ReplaceBatch&) = delete;
    ReplaceBatch& operator=(const ReplaceBatch&) = delete;
    ~ReplaceBatch();  // abandons what was not committed: temporaries removed, targets untouched

    // Writes bytes to the target's temporary file. Throws std::system_error
    // (e.g. ENOSPC) after removing the temporary; the target is untouched.
    void stage(const std::string& target, std::span<const std::uint8_t> bytes);
    std::size_t size() const { return staged_.size(); }

    struct Result {
        std::string target;
        std::string error;  // empty when replaced
    };
    // Makes every staged file durable, then renames each over its target.
    // A file whose flush failed is not renamed (its error is reported).
    std::vector<Result> commit();

private:
    struct Staged {
        std::string target, temp;
        int fd = -1;
    };
    void abandon(Staged& s);
    std::vector<Staged> staged_;
};

// One file, on its own: stage + commit. Throws std::system_error.
void replace_file(const std::string& target, std::span<const std::uint8_t> bytes);

}  // namespace mapi
