#include "mapi/output_file.hpp"

#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace mapi {

static std::system_error sys_error(const std::string& what, int err = errno) {
    return std::system_error(err, std::generic_category(), what);
}

static mode_t current_umask() {
    mode_t m = ::umask(022);
    ::umask(m);
    return m;
}

OutputFile::OutputFile(std::string target) : target_(std::move(target)) {
    std::filesystem::path p(target_);
    if (p.filename().empty()) throw sys_error(target_, EISDIR);
    temp_ = (p.parent_path() / ("." + p.filename().string() + ".mly-tmp")).string();

    mode_t mode = 0666 & ~current_umask();
    struct stat st {};
    if (::stat(target_.c_str(), &st) == 0) {
        if (!S_ISREG(st.st_mode)) throw sys_error(target_ + ": not a regular file", EINVAL);
        mode = st.st_mode & 07777;
    } else if (errno != ENOENT) {
        throw sys_error(target_);
    }
    int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw sys_error(target_);
    // The lock keeps two writers of the same file from sharing one temporary;
    // a stale temporary left by a kill is simply reused.
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        ::close(fd);
        throw sys_error(target_ + ": being written by another process", e == EWOULDBLOCK ? EBUSY : e);
    }
    if (::ftruncate(fd, 0) != 0 || ::fchmod(fd, mode) != 0) {
        int e = errno;
        ::unlink(temp_.c_str());
        ::close(fd);
        throw sys_error(target_, e);
    }
    out_ = ::fdopen(fd, "w");
    if (!out_) {
        int e = errno;
        ::unlink(temp_.c_str());
        ::close(fd);
        throw sys_error(target_, e);
    }
}

OutputFile::~OutputFile() { abandon(); }

void OutputFile::abandon() {
    if (!out_) return;
    ::unlink(temp_.c_str());
    std::fclose(out_);
    out_ = nullptr;
}

void OutputFile::commit() {
    if (!out_) throw std::logic_error("OutputFile::commit called twice");
    int e = 0;
    if (std::fflush(out_) != 0 || std::ferror(out_)) e = errno ? errno : EIO;
    if (!e && ::fsync(fileno(out_)) != 0) e = errno;
    if (!e && ::rename(temp_.c_str(), target_.c_str()) != 0) e = errno;
    if (e) {
        abandon();
        throw sys_error(target_, e);
    }
    std::fclose(out_);  // flushed and synced: nothing left to fail
    out_ = nullptr;
    // Make the rename itself durable.
    auto dir = std::filesystem::path(target_).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

}  // namespace mapi
