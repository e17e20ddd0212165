// The INI configuration: keys and defaults, errors naming FILE:LINE, the
// lookup order, the token override, redaction, save_token.
#include <catch2/catch.hpp>

#include "mapi/config.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <type_traits>
#include <unistd.h>

using namespace mapi;
namespace fsys = std::filesystem;

namespace {

struct TempDir {
    fsys::path path;
    TempDir() {
        char tmpl[] = "/tmp/mly-config-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { fsys::remove_all(path); }
};

void put(const fsys::path& p, const std::string& text) {
    fsys::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

std::string get(const fsys::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

unsigned mode_of(const fsys::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

// Sets (or unsets, for nullptr) an environment variable for one scope.
struct EnvVar {
    std::string name;
    std::optional<std::string> old;
    EnvVar(std::string n, const char* value) : name(std::move(n)) {
        if (const char* o = std::getenv(name.c_str())) old = o;
        if (value)
            ::setenv(name.c_str(), value, 1);
        else
            ::unsetenv(name.c_str());
    }
    ~EnvVar() {
        if (old)
            ::setenv(name.c_str(), old->c_str(), 1);
        else
            ::unsetenv(name.c_str());
    }
};

// Runs in dir for one scope.
struct InDir {
    fsys::path old = fsys::current_path();
    explicit InDir(const fsys::path& dir) { fsys::current_path(dir); }
    ~InDir() { fsys::current_path(old); }
};

std::string error_of(std::string_view text, const std::string& name = "config.ini") {
    try {
        parse_config(text, name);
    } catch (const ConfigError& e) {
        CHECK(e.status == cli::usage);
        return e.what();
    }
    return "(no error)";
}

template <class T>
concept Streamable = requires(std::ostream& os, const T& t) { os << t; };

}  // namespace

TEST_CASE("config defaults", "[config]") {
    Config c = parse_config("", "empty.ini");
    CHECK(c.token.empty());
    CHECK(c.graph_url == "https://graph.mapillary.com");
    CHECK(c.tiles_url == "https://tiles.mapillary.com");
    CHECK(c.upload_url == "https://rupload.facebook.com/mapillary_public_uploads");
    CHECK(c.ca_file.empty());
    CHECK(c.requests_per_minute == 600);
    CHECK(c.jobs == 8);
    CHECK(c.timeout == 30);
    CHECK(c.retries == 6);
    CHECK(c.user_agent == std::string("mly/") + MLY_VERSION);
}

TEST_CASE("config: every key, comments, quotes, CRLF and a BOM", "[config]") {
    TempDir d;
    put(d.path / "ca.pem", "x");
    std::string text =
        "\xEF\xBB\xBF; mly configuration\r\n"
        "# another comment\r\n"
        "\r\n"
        "[Mapillary]\r\n"
        "access_token = MLY|123|abc\r\n"
        "graph_url = http://127.0.0.1:8080/graph/\r\n"
        "tiles_url=\"http://127.0.0.1:8081\"\r\n"
        "upload_url = http://[::1]:8082/up\r\n"
        "ca_file = ca.pem\r\n"
        "requests_per_minute = 0\r\n"
        "jobs = 3\r\n"
        "timeout = 2.5\r\n"
        "retries = 0\r\n"
        "user_agent = my tool/1.0\r\n";
    Config c = parse_config(text, (d.path / "config.ini").string());
    CHECK(c.token.reveal() == "MLY|123|abc");
    CHECK(c.token_source == (d.path / "config.ini").string() + ":5");
    CHECK(c.graph_url == "http://127.0.0.1:8080/graph");  // trailing slash dropped
    CHECK(c.tiles_url == "http://127.0.0.1:8081");
    CHECK(c.upload_url == "http://[::1]:8082/up");
    CHECK(c.ca_file == (d.path / "ca.pem").string());  // relative to the file
    CHECK(c.requests_per_minute == 0);
    CHECK(c.jobs == 3);
    CHECK(c.timeout == 2.5);
    CHECK(c.retries == 0);
    CHECK(c.user_agent == "my tool/1.0");
    // Keys before any section header belong to [mapillary].
    CHECK(parse_config("jobs = 2\n", "c.ini").jobs == 2);
    // An empty token line is no token (a template's placeholder).
    CHECK(parse_config("[mapillary]\ntoken =\n", "c.ini").token.empty());
}

TEST_CASE("config errors name FILE:LINE and say what is wrong", "[config]") {
    CHECK(error_of("[mapillary]\ntoken = x\n\n; c\n\n\ngrpah_url = http://x\n") ==
          "config.ini:7: unknown key 'grpah_url' (did you mean 'graph_url'?)");
    CHECK(error_of("colour = blue\n") == "config.ini:1: unknown key 'colour'");
    CHECK(error_of("[mapillary]\ntoken = a\naccess_token = b\n") ==
          "config.ini:3: 'access_token' is set again (first set on line 2)");
    CHECK(error_of("jobs = 2\njobs = 3\n") == "config.ini:2: 'jobs' is set again (first set on line 1)");
    CHECK(error_of("[network]\n") == "config.ini:1: unknown section '[network]' (the keys belong in [mapillary])");
    CHECK(error_of("[mapillary\n") == "config.ini:1: a section header must end with ']'");
    CHECK(error_of("= 5\n") == "config.ini:1: a key is missing before '='");
    CHECK(error_of("jobs = 0\n") == "config.ini:1: jobs must be between 1 and 256, not 0");
    CHECK(error_of("jobs = eight\n") == "config.ini:1: jobs must be a whole number, not 'eight'");
    CHECK(error_of("retries = 1.5\n") == "config.ini:1: retries must be a whole number, not '1.5'");
    CHECK(error_of("timeout = -1\n") == "config.ini:1: timeout must be between 0.001 and 86400, not -1");
    CHECK(error_of("timeout =\n") == "config.ini:1: timeout must be a number, not ''");
    CHECK(error_of("requests_per_minute = lots\n") == "config.ini:1: requests_per_minute must be a number, not 'lots'");
    CHECK(error_of("graph_url = ftp://x\n").rfind("config.ini:1: graph_url: bad URL 'ftp://x': not an http", 0) == 0);
    CHECK(error_of("tiles_url = tiles.mapillary.com\n").rfind("config.ini:1: tiles_url: bad URL", 0) == 0);
    CHECK(error_of("graph_url = https://g/?access_token=SECRET\n") ==
          "config.ini:1: graph_url must not have a query or fragment: 'https://g/?access_token=REDACTED'");
    CHECK(error_of("ca_file = /nonexistent/ca.pem\n") ==
          "config.ini:1: ca_file '/nonexistent/ca.pem': No such file or directory");
    CHECK(error_of("user_agent = \"\"\n") == "config.ini:1: user_agent must be non-empty printable text");
}

TEST_CASE("config errors never quote a token", "[config]") {
    // A token pasted on a line of its own, or with a space inside.
    std::string e = error_of("[mapillary]\nMLY|4242|deadbeef\n");
    CHECK(e == "config.ini:2: expected 'key = value' or '[mapillary]'");
    e = error_of("token = MLY|4242 deadbeef\n");
    CHECK(e == "config.ini:1: token must not contain spaces or control characters");
    CHECK(e.find("4242") == std::string::npos);
}

TEST_CASE("the token cannot be printed by accident", "[config]") {
    static_assert(!Streamable<Secret>);
    static_assert(!std::is_convertible_v<Secret, std::string>);
    static_assert(!std::is_convertible_v<Secret, std::string_view>);
    Config c = parse_config("token = MLY|99|cafebabe\n", "/etc/mly.ini");
    std::string r = c.redacted();
    CHECK(r.find("cafebabe") == std::string::npos);
    CHECK(r.find("token = (set, from /etc/mly.ini:1)") != std::string::npos);
    CHECK(r.find("graph_url = https://graph.mapillary.com\n") != std::string::npos);
    CHECK(r.find("requests_per_minute = 600\n") != std::string::npos);
    CHECK(parse_config("", "x").redacted().find("token = (not set)") != std::string::npos);
}

TEST_CASE("config lookup: --config, $MLY_CONFIG, ./config.ini, XDG", "[config]") {
    TempDir d;
    auto xdg = d.path / "xdg";
    auto work = d.path / "work";
    fsys::create_directories(work);
    EnvVar e1("MLY_CONFIG", nullptr), e2("XDG_CONFIG_HOME", xdg.c_str()), e3("MAPILLARY_ACCESS_TOKEN", nullptr),
        e4("HOME", (d.path / "home").c_str());
    InDir in(work);

    CHECK(user_config_path() == (xdg / "mly/config.ini").string());
    CHECK(find_config() == "");
    Config none = load_config();
    CHECK(none.file.empty());
    CHECK(none.jobs == 8);

    put(xdg / "mly/config.ini", "jobs = 1\n");
    CHECK(find_config() == (xdg / "mly/config.ini").string());
    CHECK(load_config().jobs == 1);

    put(work / "config.ini", "jobs = 2\n");
    CHECK(find_config() == "config.ini");
    CHECK(load_config().jobs == 2);

    put(d.path / "named.ini", "jobs = 3\n");
    {
        EnvVar named("MLY_CONFIG", (d.path / "named.ini").c_str());
        CHECK(load_config().jobs == 3);
        put(d.path / "given.ini", "jobs = 4\n");
        CHECK(load_config((d.path / "given.ini").string()).jobs == 4);
    }
    {
        EnvVar named("MLY_CONFIG", (d.path / "typo.ini").c_str());
        CHECK_THROWS_WITH(load_config(), "config file '" + (d.path / "typo.ini").string() +
                                             "' (named by $MLY_CONFIG) does not exist");
    }
    CHECK_THROWS_WITH(load_config(std::string("missing.ini")),
                      "config file 'missing.ini' (given by --config) does not exist");
    // A bad file names itself.
    put(work / "config.ini", "jobs = 2\njbos = 3\n");
    CHECK_THROWS_WITH(load_config(), "config.ini:2: unknown key 'jbos' (did you mean 'jobs'?)");

    // Without XDG_CONFIG_HOME: ~/.config.
    EnvVar no_xdg("XDG_CONFIG_HOME", nullptr);
    CHECK(user_config_path() == (d.path / "home/.config/mly/config.ini").string());
    EnvVar relative_xdg("XDG_CONFIG_HOME", "relative/dir");  // must be ignored
    CHECK(user_config_path() == (d.path / "home/.config/mly/config.ini").string());
}

TEST_CASE("MAPILLARY_ACCESS_TOKEN overrides the token of the file", "[config]") {
    TempDir d;
    put(d.path / "c.ini", "[mapillary]\ntoken = FROMFILE\n");
    EnvVar e1("MLY_CONFIG", nullptr);
    {
        EnvVar t("MAPILLARY_ACCESS_TOKEN", "FROMENV");
        Config c = load_config((d.path / "c.ini").string());
        CHECK(c.token.reveal() == "FROMENV");
        CHECK(c.token_source == "MAPILLARY_ACCESS_TOKEN");
        CHECK(c.redacted().find("FROMENV") == std::string::npos);
    }
    {
        EnvVar t("MAPILLARY_ACCESS_TOKEN", "");  // empty: not set
        Config c = load_config((d.path / "c.ini").string());
        CHECK(c.token.reveal() == "FROMFILE");
        CHECK(c.token_source == (d.path / "c.ini").string() + ":2");
    }
    {
        EnvVar t("MAPILLARY_ACCESS_TOKEN", "two words");
        CHECK_THROWS_AS(load_config((d.path / "c.ini").string()), ConfigError);
    }
}

TEST_CASE("save_token creates a 0600 file in a 0700 directory", "[config][save]") {
    TempDir d;
    auto path = d.path / "home/.config/mly/config.ini";
    save_token(path.string(), Secret("MLY|1|new"));
    CHECK(get(path) == "[mapillary]\ntoken = MLY|1|new\n");
    CHECK(mode_of(path) == 0600);
    CHECK(mode_of(path.parent_path()) == 0700);
    CHECK(parse_config_file(path.string()).token.reveal() == "MLY|1|new");
    // No temporary left behind.
    int files = 0;
    for ([[maybe_unused]] const auto& e : fsys::directory_iterator(path.parent_path())) ++files;
    CHECK(files == 1);
}

TEST_CASE("save_token replaces the token line and keeps every other line", "[config][save]") {
    TempDir d;
    auto path = d.path / "config.ini";
    std::string before =
        "; my settings\n"
        "[mapillary]\n"
        "graph_url = http://127.0.0.1:9\n"
        "access_token = OLD\n"
        "# jobs for a slow line\r\n"
        "jobs = 2\n";
    put(path, before);
    ::chmod(path.c_str(), 0644);
    save_token(path.string(), Secret("NEW"));
    CHECK(get(path) ==
          "; my settings\n"
          "[mapillary]\n"
          "graph_url = http://127.0.0.1:9\n"
          "token = NEW\n"
          "# jobs for a slow line\r\n"
          "jobs = 2\n");
    CHECK(mode_of(path) == 0600);  // a file holding a token is never readable by others

    // No token line yet: one is added at the top of [mapillary].
    put(path, "# c\n[mapillary]\njobs = 2");
    save_token(path.string(), Secret("T2"));
    CHECK(get(path) == "# c\n[mapillary]\ntoken = T2\njobs = 2\n");

    // No section at all: [mapillary] is added at the end.
    put(path, "jobs = 2\n");
    save_token(path.string(), Secret("T3"));
    CHECK(get(path) == "jobs = 2\n[mapillary]\ntoken = T3\n");
    CHECK(parse_config_file(path.string()).jobs == 2);
}

TEST_CASE("save_token refuses a broken file or a bad token, leaving the file alone", "[config][save]") {
    TempDir d;
    auto path = d.path / "config.ini";
    put(path, "[mapillary]\ngrpah_url = http://x\n");
    CHECK_THROWS_WITH(save_token(path.string(), Secret("T")),
                      path.string() + ":2: unknown key 'grpah_url' (did you mean 'graph_url'?)");
    CHECK(get(path) == "[mapillary]\ngrpah_url = http://x\n");
    CHECK_THROWS_AS(save_token(path.string(), Secret("")), ConfigError);
    CHECK_THROWS_AS(save_token(path.string(), Secret("has space")), ConfigError);
    CHECK(get(path) == "[mapillary]\ngrpah_url = http://x\n");
}

TEST_CASE("save_token writes through a symbolic link", "[config][save]") {
    TempDir d;
    put(d.path / "dotfiles/mly.ini", "jobs = 4\n");
    fsys::create_directories(d.path / "cfg");
    fsys::create_symlink(d.path / "dotfiles/mly.ini", d.path / "cfg/config.ini");
    save_token((d.path / "cfg/config.ini").string(), Secret("L"));
    CHECK(fsys::is_symlink(d.path / "cfg/config.ini"));
    CHECK(get(d.path / "dotfiles/mly.ini") == "jobs = 4\n[mapillary]\ntoken = L\n");
    CHECK(mode_of(d.path / "dotfiles/mly.ini") == 0600);
}

TEST_CASE("client_token: the shape MLY|digits|hex, no default, never quoted", "[config]") {
    CHECK(parse_config("", "c.ini").client_token.empty());
    CHECK(parse_config("client_token =\n", "c.ini").client_token.empty());
    Config c = parse_config("[mapillary]\nclient_token = MLY|5675152195860640|6b02c72e6e3c801e5603ab0495623282\n", "c.ini");
    CHECK(c.client_token.reveal() == "MLY|5675152195860640|6b02c72e6e3c801e5603ab0495623282");
    CHECK(c.token.empty());  // a client token is not the user's token
    CHECK(c.redacted().find("client_token = (set)\n") != std::string::npos);
    CHECK(c.redacted().find("6b02c72e") == std::string::npos);
    CHECK(parse_config("", "c.ini").redacted().find("client_token = (not set)\n") != std::string::npos);
    const std::string shape = "c.ini:1: client_token must look like MLY|<app id>|<hex>: the client token of your "
                              "application (Mapillary's developer dashboard shows it), not a user token or the "
                              "client secret";
    for (const char* bad : {"MLYfaketoken0123456789abcdef", "MLY|12|", "MLY||abc", "MLY|12x|abc", "MLY|12|xyz",
                            "mly|12|abc", "MLY|12|ab|cd", "0123456789abcdef0123456789abcdef"})
        CHECK(error_of(std::string("client_token = ") + bad + "\n", "c.ini") == shape);
    CHECK(error_of("client_token = MLY|1|a\nclient_token = MLY|2|b\n", "c.ini") ==
          "c.ini:2: 'client_token' is set again (first set on line 1)");
    CHECK(error_of("clienttoken = MLY|1|a\n", "c.ini") == "c.ini:1: unknown key 'clienttoken' (did you mean 'client_token'?)");
}

TEST_CASE("remove_token drops the token line, keeps every other line, leaves mode 0600", "[config][save]") {
    TempDir d;
    auto path = d.path / "config.ini";
    put(path,
        "; mine\n"
        "[mapillary]\n"
        "access_token = OLD\n"
        "client_token = MLY|1|ab\n"
        "# slow line\r\n"
        "jobs = 2");
    ::chmod(path.c_str(), 0644);
    CHECK(remove_token(path.string()));
    CHECK(get(path) == "; mine\n[mapillary]\nclient_token = MLY|1|ab\n# slow line\r\njobs = 2\n");
    CHECK(mode_of(path) == 0600);
    Config c = parse_config_file(path.string());
    CHECK(c.token.empty());
    CHECK(c.client_token.reveal() == "MLY|1|ab");
    CHECK(c.jobs == 2);

    // Nothing to remove: false, and the file is not touched.
    ::chmod(path.c_str(), 0640);
    std::string before = get(path);
    CHECK_FALSE(remove_token(path.string()));
    CHECK(get(path) == before);
    CHECK(mode_of(path) == 0640);
    CHECK_FALSE(remove_token((d.path / "missing.ini").string()));
    CHECK_FALSE(fsys::exists(d.path / "missing.ini"));

    // Saved, then removed: back to the same lines.
    save_token(path.string(), Secret("T"));
    CHECK(remove_token(path.string()));
    CHECK(get(path) == before);
    CHECK(mode_of(path) == 0600);
    int files = 0;
    for ([[maybe_unused]] const auto& e : fsys::directory_iterator(d.path)) ++files;
    CHECK(files == 1);  // no temporary left behind
}

TEST_CASE("remove_token refuses a broken file and follows a symbolic link", "[config][save]") {
    TempDir d;
    auto path = d.path / "config.ini";
    put(path, "token = T\ngrpah_url = http://x\n");
    CHECK_THROWS_WITH(remove_token(path.string()),
                      path.string() + ":2: unknown key 'grpah_url' (did you mean 'graph_url'?)");
    CHECK(get(path) == "token = T\ngrpah_url = http://x\n");

    put(d.path / "dotfiles/mly.ini", "jobs = 4\ntoken = L\n");
    fsys::create_symlink(d.path / "dotfiles/mly.ini", d.path / "link.ini");
    CHECK(remove_token((d.path / "link.ini").string()));
    CHECK(fsys::is_symlink(d.path / "link.ini"));
    CHECK(get(d.path / "dotfiles/mly.ini") == "jobs = 4\n");
    CHECK(mode_of(d.path / "dotfiles/mly.ini") == 0600);
}

TEST_CASE("config.example.ini documents every key and parses, commented or not", "[config]") {
    std::ifstream in("config.example.ini");
    REQUIRE(in);  // the tests run at the top of the repository
    std::string text(std::istreambuf_iterator<char>(in), {});
    Config plain = parse_config(text, "config.example.ini");
    CHECK(plain.graph_url == Config{}.graph_url);

    // Uncommented, every ";key = value" line is a valid setting equal to the default.
    std::string active;
    std::set<std::string> keys;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.size() > 1 && line[0] == ';' && line[1] != ' ' && line.find('=') != std::string::npos) {
            line.erase(0, 1);
            keys.insert(line.substr(0, line.find_first_of(" =")));
        }
        active += line + "\n";
    }
    CHECK(keys == std::set<std::string>{"token", "graph_url", "tiles_url", "upload_url", "ca_file",
                                        "requests_per_minute", "jobs", "timeout", "retries", "user_agent",
                                        "upload_history", "client_token"});
    Config c = parse_config(active, "config.example.ini");
    Config d;
    CHECK(c.graph_url == d.graph_url);
    CHECK(c.tiles_url == d.tiles_url);
    CHECK(c.upload_url == d.upload_url);
    CHECK(c.ca_file == d.ca_file);
    CHECK(c.requests_per_minute == d.requests_per_minute);
    CHECK(c.jobs == d.jobs);
    CHECK(c.timeout == d.timeout);
    CHECK(c.retries == d.retries);
}
