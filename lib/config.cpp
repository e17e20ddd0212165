#include "mapi/config.hpp"

#include "mapi/http.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <pwd.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace mapi {

namespace fsys = std::filesystem;

namespace {

const char* const section_name = "mapillary";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// The lines of text, without their '\n' (a '\r' before it stays part of the line).
std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    while (!text.empty()) {
        auto nl = text.find('\n');
        lines.emplace_back(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return lines;
}

bool printable(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= 0x20 && c != 0x7f; });
}

bool token_like(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c > 0x20 && c != 0x7f; });
}

// MLY|<app id digits>|<hex>: the shape of an application's client token
// (reference 1.2: the hex is lower case; upper case is let through for the
// API to judge).
bool client_token_shaped(std::string_view s) {
    if (s.substr(0, 4) != "MLY|") return false;
    s.remove_prefix(4);
    auto bar = s.find('|');
    if (bar == 0 || bar == std::string_view::npos || bar + 1 == s.size()) return false;
    auto digits = s.substr(0, bar), hex = s.substr(bar + 1);
    return std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }) &&
           std::all_of(hex.begin(), hex.end(), [](unsigned char c) { return std::isxdigit(c); });
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
            diag = up;
        }
    }
    return row[b.size()];
}

const std::vector<std::string_view> keys = {
    "token", "access_token", "graph_url", "tiles_url", "upload_url", "ca_file",
    "requests_per_minute", "jobs", "timeout", "retries", "user_agent", "client_token",
    "upload_history",
};

// Where save_token() edits a file.
struct Layout {
    std::size_t token_line = std::string::npos;    // index of the token line
    std::size_t section_line = std::string::npos;  // index of the [mapillary] header
};

class Parser {
public:
    Parser(std::string name) : name_(std::move(name)) {}

    Config parse(std::string_view text, Layout* layout) {
        Config cfg;
        cfg.file = name_;
        if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a BOM from a Windows editor
        auto lines = split_lines(text);
        std::vector<std::pair<std::string, std::size_t>> seen;  // key (token for its alias), line
        for (std::size_t i = 0; i < lines.size(); ++i) {
            line_ = i + 1;
            std::string_view l = trim(lines[i]);
            if (l.empty() || l[0] == ';' || l[0] == '#') continue;
            if (l[0] == '[') {
                if (l.back() != ']') fail("a section header must end with ']'");
                std::string sec = lower(trim(l.substr(1, l.size() - 2)));
                if (sec != section_name)
                    fail("unknown section '[" + std::string(trim(l.substr(1, l.size() - 2))) +
                         "]' (the keys belong in [mapillary])");
                if (layout && layout->section_line == std::string::npos) layout->section_line = i;
                continue;
            }
            auto eq = l.find('=');
            // The line itself is not quoted: it might be a token pasted without its key.
            if (eq == std::string_view::npos) fail("expected 'key = value' or '[mapillary]'");
            std::string key(trim(l.substr(0, eq)));
            std::string_view value = trim(l.substr(eq + 1));
            if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
                value = value.substr(1, value.size() - 2);
            if (key.empty()) fail("a key is missing before '='");
            if (std::find(keys.begin(), keys.end(), key) == keys.end()) fail(unknown_key(key));
            std::string canonical = key == "access_token" ? "token" : key;
            for (const auto& [k, at] : seen)
                if (k == canonical)
                    fail("'" + key + "' is set again (first set on line " + std::to_string(at) + ")");
            seen.emplace_back(canonical, line_);
            if (canonical == "token" && layout) layout->token_line = i;
            set(cfg, canonical, key, value);
        }
        return cfg;
    }

private:
    [[noreturn]] void fail(const std::string& msg) const {
        throw ConfigError(name_ + ":" + std::to_string(line_) + ": " + msg);
    }

    std::string unknown_key(const std::string& key) const {
        std::string msg = "unknown key '" + key + "'";
        std::string_view best;
        std::size_t best_d = 3;
        for (auto k : keys) {
            std::size_t d = edit_distance(lower(key), k);
            if (d < best_d) best_d = d, best = k;
        }
        if (!best.empty()) msg += " (did you mean '" + std::string(best) + "'?)";
        return msg;
    }

    double number(const std::string& key, std::string_view v, double min, double max) const {
        double x = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
        if (v.empty() || ec != std::errc() || end != v.data() + v.size() || !std::isfinite(x))
            fail(key + " must be a number, not '" + std::string(v) + "'");
        if (x < min || x > max)
            fail(key + " must be between " + fmt(min) + " and " + fmt(max) + ", not " + std::string(v));
        return x;
    }

    int integer(const std::string& key, std::string_view v, int min, int max) const {
        int x = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
        if (v.empty() || ec != std::errc() || end != v.data() + v.size())
            fail(key + " must be a whole number, not '" + std::string(v) + "'");
        if (x < min || x > max)
            fail(key + " must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " +
                 std::string(v));
        return x;
    }

    static std::string fmt(double x) {
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
        return std::string(buf, end);
    }

    std::string url(const std::string& key, std::string_view v) const {
        std::string u(v);
        try {
            Url parsed = parse_url(u);
            if (parsed.target.find_first_of("?#") != std::string::npos)
                fail(key + " must not have a query or fragment: '" + redact_url(u) + "'");
        } catch (const std::invalid_argument& e) {
            fail(key + ": " + e.what());
        }
        const std::size_t host_start = u.find("://") + 3;  // parse_url saw a non-empty host there
        while (u.size() > host_start + 1 && u.back() == '/') u.pop_back();
        return u;
    }

    void set(Config& cfg, const std::string& canonical, const std::string& key, std::string_view v) const {
        if (canonical == "token") {
            if (!token_like(v)) fail(key + " must not contain spaces or control characters");
            cfg.token = Secret(std::string(v));
            cfg.token_source = v.empty() ? "" : name_ + ":" + std::to_string(line_);
        } else if (canonical == "client_token") {
            // The value is never quoted: a user token or a client secret pasted here by mistake is one too.
            if (!v.empty() && !client_token_shaped(v))
                fail("client_token must look like MLY|<app id>|<hex>: the client token of your application "
                     "(Mapillary's developer dashboard shows it), not a user token or the client secret");
            cfg.client_token = Secret(std::string(v));
        } else if (canonical == "graph_url") {
            cfg.graph_url = url(key, v);
        } else if (canonical == "tiles_url") {
            cfg.tiles_url = url(key, v);
        } else if (canonical == "upload_url") {
            cfg.upload_url = url(key, v);
        } else if (canonical == "upload_history") {
            // A folder; relative to this file, as ca_file.
            fsys::path p{std::string(v)};
            if (!v.empty() && p.is_relative()) p = fsys::path(name_).parent_path() / p;
            cfg.upload_history = v.empty() ? std::string() : p.lexically_normal().string();
        } else if (canonical == "ca_file") {
            cfg.ca_file = std::string(v);
            if (!cfg.ca_file.empty()) {
                fsys::path p(cfg.ca_file);
                if (p.is_relative()) p = fsys::path(name_).parent_path() / p;
                cfg.ca_file = p.lexically_normal().string();
                if (::access(cfg.ca_file.c_str(), R_OK) != 0)
                    fail("ca_file '" + cfg.ca_file + "': " + std::strerror(errno));
            }
        } else if (canonical == "requests_per_minute") {
            cfg.requests_per_minute = number(key, v, 0, 1e9);
        } else if (canonical == "jobs") {
            cfg.jobs = integer(key, v, 1, 256);
        } else if (canonical == "timeout") {
            cfg.timeout = number(key, v, 0.001, 86400);
        } else if (canonical == "retries") {
            cfg.retries = integer(key, v, 0, 100);
        } else if (canonical == "user_agent") {
            if (v.empty() || !printable(v)) fail("user_agent must be non-empty printable text");
            cfg.user_agent = std::string(v);
        }
    }

    std::string name_;
    std::size_t line_ = 0;
};

std::string read_text(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), path);
    std::string text;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            ::close(fd);
            throw std::system_error(e, std::generic_category(), path);
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

void write_all(int fd, std::string_view data, const std::string& path) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::system_error(errno, std::generic_category(), path);
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

std::string Config::redacted() const {
    std::string out;
    auto line = [&](const std::string& k, const std::string& v) { out += k + " = " + v + "\n"; };
    auto num = [](double x) {
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
        return std::string(buf, end);
    };
    line("config", file.empty() ? "(none: defaults)" : file);
    line("token", token.empty() ? "(not set)" : "(set, from " + token_source + ")");
    line("client_token", client_token.empty() ? "(not set)" : "(set)");
    line("graph_url", graph_url);
    line("tiles_url", tiles_url);
    line("upload_url", upload_url);
    line("upload_history", upload_history.empty() ? "(default)" : upload_history);
    line("ca_file", ca_file.empty() ? "(system certificates)" : ca_file);
    line("requests_per_minute", requests_per_minute == 0 ? "0 (unlimited)" : num(requests_per_minute));
    line("jobs", std::to_string(jobs));
    line("timeout", num(timeout));
    line("retries", std::to_string(retries));
    line("user_agent", user_agent);
    return out;
}

std::string user_config_path() {
    std::string xdg = env("XDG_CONFIG_HOME");
    if (!xdg.empty() && xdg[0] == '/') return xdg + "/mly/config.ini";  // relative values are to be ignored
    std::string home = env("HOME");
    if (home.empty())
        if (const passwd* pw = ::getpwuid(::getuid())) home = pw->pw_dir;
    return home + "/.config/mly/config.ini";
}

std::string find_config(const std::optional<std::string>& explicit_path) {
    auto must_exist = [](const std::string& p, const char* how) {
        std::error_code ec;
        if (!fsys::exists(p, ec)) throw ConfigError("config file '" + p + "' (" + how + ") does not exist");
        return p;
    };
    if (explicit_path) return must_exist(*explicit_path, "given by --config");
    std::string named = env("MLY_CONFIG");
    if (!named.empty()) return must_exist(named, "named by $MLY_CONFIG");
    std::error_code ec;
    if (fsys::exists("config.ini", ec)) return "config.ini";
    std::string user = user_config_path();
    if (fsys::exists(user, ec)) return user;
    return "";
}

Config parse_config(std::string_view text, const std::string& name) {
    return Parser(name).parse(text, nullptr);
}

Config parse_config_file(const std::string& path) {
    std::string text;
    try {
        text = read_text(path);
    } catch (const std::system_error& e) {
        throw ConfigError(std::string("cannot read config ") + e.what());
    }
    return parse_config(text, path);
}

Config load_config(const std::optional<std::string>& explicit_path) {
    std::string path = find_config(explicit_path);
    Config cfg = path.empty() ? Config{} : parse_config_file(path);
    std::string t = env("MAPILLARY_ACCESS_TOKEN");
    if (!t.empty()) {
        if (!token_like(t)) throw ConfigError("MAPILLARY_ACCESS_TOKEN must not contain spaces or control characters");
        cfg.token = Secret(t);
        cfg.token_source = "MAPILLARY_ACCESS_TOKEN";
    }
    std::string c = env("MAPILLARY_CLIENT_TOKEN");  // as mapillary_tools reads it
    if (!c.empty()) {
        if (!client_token_shaped(c))
            throw ConfigError("MAPILLARY_CLIENT_TOKEN must look like MLY|<app id>|<hex>: the client token "
                              "of your application, not a user token or the client secret");
        cfg.client_token = Secret(c);
    }
    return cfg;
}

namespace {

// A configuration file about to be edited: the file itself (a symbolic link,
// a dotfile manager's, is followed so that it stays a link), its lines, and
// where its token and section are. The file must parse: a file we do not
// understand is not edited.
struct EditedConfig {
    fsys::path path;
    bool exists = false;
    std::vector<std::string> lines;
    Layout layout;
};

EditedConfig open_for_edit(const std::string& path_in) {
    EditedConfig e;
    std::error_code ec;
    e.path = fsys::is_symlink(path_in, ec) ? fsys::canonical(path_in) : fsys::path(path_in);
    std::string text;
    e.exists = fsys::exists(e.path, ec);
    if (e.exists) {
        try {
            text = read_text(e.path.string());
        } catch (const std::system_error& err) {
            throw ConfigError(std::string("cannot read config ") + err.what());
        }
    }
    Parser(e.path.string()).parse(text, &e.layout);
    e.lines = split_lines(text);
    return e;
}

// Replaces the file with lines: a temporary file of mode 0600 beside it, made
// durable, renamed into place; a missing directory is created with mode 0700.
void write_config(const fsys::path& path, const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    std::error_code ec;
    fsys::path dir = path.parent_path();
    if (dir.empty()) dir = ".";
    if (!fsys::exists(dir, ec)) {
        fsys::create_directories(dir);  // throws std::filesystem_error naming it
        fsys::permissions(dir, fsys::perms::owner_all, fsys::perm_options::replace);
    }
    std::string tmp = (dir / ("." + path.filename().string() + ".mly-tmp-XXXXXX")).string();
    int fd = ::mkstemp(tmp.data());  // created with mode 0600
    if (fd < 0) throw std::system_error(errno, std::generic_category(), path.string());
    try {
        write_all(fd, out, path.string());
        if (::fchmod(fd, 0600) != 0 || ::fsync(fd) != 0)
            throw std::system_error(errno, std::generic_category(), path.string());
        if (::close(fd) != 0) {
            fd = -1;
            throw std::system_error(errno, std::generic_category(), path.string());
        }
        fd = -1;
        if (::rename(tmp.c_str(), path.c_str()) != 0)
            throw std::system_error(errno, std::generic_category(), path.string());
    } catch (...) {
        if (fd >= 0) ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);  // the rename itself made durable
        ::close(dfd);
    }
}

}  // namespace

void save_token(const std::string& path, const Secret& token) {
    if (token.empty() || !token_like(token.reveal()))
        throw ConfigError("not saving the token: it is empty or contains spaces or control characters");
    EditedConfig e = open_for_edit(path);
    std::string entry = "token = " + token.reveal();
    if (e.layout.token_line != std::string::npos) {
        e.lines[e.layout.token_line] = entry;
    } else if (e.layout.section_line != std::string::npos) {
        e.lines.insert(e.lines.begin() + static_cast<std::ptrdiff_t>(e.layout.section_line) + 1, entry);
    } else {
        e.lines.push_back("[mapillary]");
        e.lines.push_back(entry);
    }
    write_config(e.path, e.lines);
}

bool remove_token(const std::string& path) {
    std::error_code ec;
    if (!fsys::exists(path, ec)) return false;
    EditedConfig e = open_for_edit(path);
    if (e.layout.token_line == std::string::npos) return false;
    e.lines.erase(e.lines.begin() + static_cast<std::ptrdiff_t>(e.layout.token_line));
    write_config(e.path, e.lines);
    return true;
}

}  // namespace mapi
