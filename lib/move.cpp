// move: see mapi/move.hpp.
#include "mapi/move.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace mapi {

namespace {

std::system_error sys_error(const std::string& what, int err = errno) {
    return std::system_error(err, std::generic_category(), what);
}

std::string base_name(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string join(const std::string& dir, const std::string& name) {
    if (dir.empty()) return name;
    return dir.back() == '/' ? dir + name : dir + "/" + name;
}

// name, name-1.ext, name-2.ext, ...
std::string candidate(const std::string& name, int n) {
    if (n == 0) return name;
    auto dot = name.rfind('.');
    if (dot == 0 || dot == std::string::npos) return name + "-" + std::to_string(n);
    return name.substr(0, dot) + "-" + std::to_string(n) + name.substr(dot);
}

bool same_file(const struct stat& a, const std::string& path) {
    struct stat b {};
    return ::stat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

void sync_dir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

// A durable copy of file in dir under a temporary name; returns that name.
std::string copy_beside(const std::string& file, const struct stat& st, const std::string& dir) {
    std::string temp = join(dir, "." + base_name(file) + ".XXXXXX");
    std::vector<char> tmpl(temp.begin(), temp.end());
    tmpl.push_back('\0');
    int out = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (out < 0) throw sys_error(dir);
    temp = tmpl.data();
    int in = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    int err = in < 0 ? errno : 0;
    std::vector<char> buf(1 << 20);
    while (!err) {
        ssize_t n = ::read(in, buf.data(), buf.size());
        if (n < 0) {
            if (errno != EINTR) err = errno;
            continue;
        }
        if (n == 0) break;
        for (ssize_t done = 0; done < n && !err;) {
            ssize_t w = ::write(out, buf.data() + done, static_cast<std::size_t>(n - done));
            if (w < 0 && errno != EINTR) err = errno;
            if (w > 0) done += w;
        }
    }
    if (!err && ::fchmod(out, st.st_mode & 07777) != 0) err = errno;
    if (!err && ::fsync(out) != 0) err = errno;
    if (in >= 0) ::close(in);
    if (::close(out) != 0 && !err) err = errno;
    if (err) {
        ::unlink(temp.c_str());
        throw sys_error(in < 0 ? file : join(dir, base_name(file)), err);
    }
    return temp;
}

}  // namespace

std::string path_in(const std::string& file, const std::string& dir) { return join(dir, base_name(file)); }

std::string move_into(const std::string& file, const std::string& dir) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) throw sys_error(file);
    if (!S_ISREG(st.st_mode)) throw sys_error(file, EISDIR);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::system_error(ec, dir);

    const std::string name = base_name(file);
    std::string copy;  // the durable copy, once the rename has failed with EXDEV
    bool can_noreplace = true;
    for (int n = 0; n < 100000; ++n) {
        std::string target = join(dir, candidate(name, n));
        if (same_file(st, target)) return target;  // already in place
        int rc;
        if (!copy.empty()) {
            rc = ::link(copy.c_str(), target.c_str());
        } else if (can_noreplace) {
            rc = ::renameat2(AT_FDCWD, file.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE);
            if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
                can_noreplace = false;  // a file system without it: link, then unlink
                --n;
                continue;
            }
        } else {
            rc = ::link(file.c_str(), target.c_str());
            if (rc == 0 && ::unlink(file.c_str()) != 0) {
                int e = errno;
                ::unlink(target.c_str());
                throw sys_error(file, e);
            }
        }
        if (rc == 0) {
            if (!copy.empty()) {
                ::unlink(copy.c_str());
                sync_dir(dir);
                if (::unlink(file.c_str()) != 0) throw sys_error(file);  // now in both places
            }
            return target;
        }
        if (errno == EEXIST) continue;
        if (errno == EXDEV && copy.empty()) {
            copy = copy_beside(file, st, dir);
            --n;
            continue;
        }
        int e = errno;
        if (!copy.empty()) ::unlink(copy.c_str());
        throw sys_error(e == ENOENT ? file : target, e);
    }
    if (!copy.empty()) ::unlink(copy.c_str());
    throw sys_error(join(dir, name), EEXIST);
}

}  // namespace mapi
