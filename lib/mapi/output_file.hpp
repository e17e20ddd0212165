// output_file: a file written as a stream and put in place only when complete.
//
// ReplaceBatch (fs.hpp) replaces existing photos whose new bytes are already
// in memory; an OutputFile is for documents a tool produces bit by bit (a
// merged GPX, a description file) and that may not exist yet. The bytes go to
// a temporary beside the target (".NAME.mly-tmp", locked while in use);
// commit() makes them durable and renames the temporary over the target, so a
// crash, a kill or a full disk leaves either the old file or no file, never a
// partial one. A new file gets mode 0666 less the umask; a replaced one keeps
// its mode.
#pragma once

#include <cstdio>
#include <string>

namespace mapi {

class OutputFile {
public:
    // Opens the temporary. Throws std::system_error naming the target when it
    // cannot be created, or when the target exists and is not a regular file.
    explicit OutputFile(std::string target);
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;
    ~OutputFile();  // without commit(): the temporary is removed, the target untouched

    std::FILE* stream() { return out_; }
    const std::string& target() const { return target_; }

    // Flushes, makes the file durable and renames it into place. Throws
    // std::system_error naming the target (write error, full disk, ...); the
    // target is then untouched.
    void commit();

private:
    void abandon();
    std::string target_, temp_;
    std::FILE* out_ = nullptr;
};

}  // namespace mapi
