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
#include <sys/stat.h>
#include <string>
#include <vector>

namespace mapi {

// True for names ending in .jpg or .jpeg, in any case.
bool has_jpeg_extension(const std::string& path);

// Every JPEG below dir (recursively), sorted by path. Hidden files and
// directories (names starting with '.') are skipped. Throws std::system_error.
std::vector<std::string> find_jpegs(const std::string& dir);

// A file open for reading, with its stat, closed when this goes. Throws
// std::system_error naming the path when it cannot be opened or is not a
// regular file (a directory: EISDIR; anything else: EINVAL).
class InputFile {
public:
    explicit InputFile(const std::string& path);
    ~InputFile();
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;
    int fd() const { return fd_; }
    const struct stat& stat() const { return st_; }

private:
    int fd_ = -1;
    struct stat st_ {};
};

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
    // The same for a file made of head followed by the bytes of the open
    // file source from tail_offset to its end (source is usually the target
    // itself; its mode and owner are the ones kept). The rest is shared with
    // the source where the file system can and it lies at the same offset
    // within a block (see shared_block_size), copied in the kernel otherwise.
    // st: fstat of source.
    void stage_spliced(const std::string& target, std::span<const std::uint8_t> head, int source,
                       const struct stat& st, std::uint64_t tail_offset);
    std::size_t size() const { return staged_.size(); }
    // Bytes written into the staged files (not counting shared blocks):
    // what the next commit has to flush.
    std::uint64_t bytes_written() const { return written_; }

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
        dev_t dev = 0;  // the file system of target and temp
    };
    Staged open_temp(const std::string& target, const struct stat& st);
    void abandon(Staged& s);
    std::vector<Staged> staged_;
    std::uint64_t written_ = 0;
};

// The block size at which the file system holding target can share blocks
// between files (reflink: btrfs, XFS, ...), or 0 when it cannot. Found out
// once per file system by trying, with two unnamed files beside target;
// st is target's stat.
std::size_t shared_block_size(const std::string& target, const struct stat& st);

// One file, on its own: stage + commit. Throws std::system_error.
void replace_file(const std::string& target, std::span<const std::uint8_t> bytes);

}  // namespace mapi
