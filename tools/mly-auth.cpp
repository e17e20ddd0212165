// mly-auth: log in to Mapillary, store the user token in the configuration
// file (mode 0600), check it, forget it. The token itself is never printed:
// messages name the user, the file and where the token came from.
#include "mapi/apitool.hpp"
#include "mapi/cli.hpp"
#include "mapi/records.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iterator>
#include <signal.h>
#include <iostream>
#include <termios.h>
#include <unistd.h>

using namespace mapi;

namespace {

// ---- The terminal, for the questions standard input cannot answer ----------

// What a signal handler needs to give the terminal its echo back.
int tty_fd = -1;
termios tty_saved{};
volatile std::sig_atomic_t echo_off = 0;
// The signals that end a process while it waits for the password, and what
// they did before (a signal that was ignored, by nohup say, stays ignored).
constexpr int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
struct sigaction previous[std::size(fatal_signals)];

extern "C" void restore_echo_and_die(int sig) {
    if (echo_off) ::tcsetattr(tty_fd, TCSANOW, &tty_saved);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

// The controlling terminal (/dev/tty, as ssh and sudo ask), whatever standard
// input is.
class Terminal {
public:
    explicit Terminal(const std::string& what) {
        fd_ = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd_ < 0) throw cli::UsageError("no terminal to ask for the " + what + ": " + hint(what));
    }
    ~Terminal() { ::close(fd_); }
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    // Asks: the answer line without its newline. echo false: typed unseen.
    std::string ask(const std::string& prompt, bool echo) {
        termios saved{};
        bool hidden = false, guarded = false;
        if (!echo && ::tcgetattr(fd_, &saved) == 0) {
            guarded = true;
            termios quiet = saved;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            quiet.c_lflag |= ECHONL;  // the newline the user types still shows
            tty_fd = fd_;
            tty_saved = saved;
            echo_off = 1;
            struct sigaction restore {};
            restore.sa_handler = restore_echo_and_die;
            sigemptyset(&restore.sa_mask);
            for (std::size_t i = 0; i < std::size(fatal_signals); ++i) {
                ::sigaction(fatal_signals[i], nullptr, &previous[i]);
                if (previous[i].sa_handler != SIG_IGN) ::sigaction(fatal_signals[i], &restore, nullptr);
            }
            hidden = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
        }
        put(prompt);  // after the echo is off: what is typed from now on stays unseen
        std::string line;
        bool got_line = read_line(line);
        if (guarded) {
            if (hidden) ::tcsetattr(fd_, TCSAFLUSH, &saved);
            echo_off = 0;
            for (std::size_t i = 0; i < std::size(fatal_signals); ++i) ::sigaction(fatal_signals[i], &previous[i], nullptr);
        }
        if (!got_line) throw cli::UsageError("no answer on the terminal");
        return line;
    }

private:
    static std::string hint(const std::string& what) {
        return what == "password" ? "use --password-stdin" : "give --email";
    }

    void put(const std::string& text) {
        std::string_view rest = text;
        while (!rest.empty()) {
            ssize_t n = ::write(fd_, rest.data(), rest.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    bool read_line(std::string& line) {
        char c;
        for (;;) {
            ssize_t n = ::read(fd_, &c, 1);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return !line.empty();
            if (c == '\n') break;
            if (line.size() < 4096) line += c;
        }
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
    }

    int fd_;
};

// The first line of standard input without its line end; trim: without
// surrounding blanks too (a pasted token; a password keeps its spaces).
std::string stdin_line(const std::string& what, bool trim) {
    std::string line;
    if (!std::getline(std::cin, line)) throw cli::UsageError("standard input holds no " + what);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim) {
        auto blank = [](char c) { return c == ' ' || c == '\t'; };
        while (!line.empty() && blank(line.back())) line.pop_back();
        std::size_t start = 0;
        while (start < line.size() && blank(line[start])) ++start;
        line.erase(0, start);
    }
    if (line.empty()) throw cli::UsageError("the first line of standard input is empty: no " + what);
    return line;
}

// Overwrites a password before its memory is given back.
void wipe(std::string& s) {
    volatile char* p = s.data();
    for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
    s.clear();
}

// ---- The commands ------------------------------------------------------------

// The file a token goes to: the configuration in use, else the user's (created).
std::string token_file(const Config& config) {
    return config.file.empty() ? user_config_path() : config.file;
}

std::string who(const User& u) {
    return u.username.empty() ? "user " + u.id : u.username + " (user " + u.id + ")";
}

// After storing or removing: the environment's token, if any, still wins.
void warn_environment(const cli::Tool& tool, const std::string& file) {
    const char* env = std::getenv("MAPILLARY_ACCESS_TOKEN");
    if (env && *env)
        tool.warn("MAPILLARY_ACCESS_TOKEN is set: the tools use the token it holds, not the one in " + file);
}

int login(cli::Tool& tool) {
    ApiSession session(tool, /*need_token=*/false);
    const Config& config = session.config();
    const std::string file = token_file(config);
    if (config.client_token.empty())
        throw ConfigError("no client_token in " + (config.file.empty() ? "a configuration file" : config.file) +
                          ": logging in needs the client token (MLY|<app id>|<hex>) of an application you "
                          "register at https://www.mapillary.com/dashboard/developers; put it in " + file +
                          " as client_token = ..., or store a token you already have with 'mly-auth token -'");
    std::string email;
    if (auto e = tool.get("email")) {
        email = *e;
    } else {
        Terminal tty("email");
        email = tty.ask("Mapillary email: ", true);
    }
    if (email.empty()) throw cli::UsageError("the email is empty");
    std::string password;
    if (tool.args().count("password-stdin")) {
        password = stdin_line("password", /*trim=*/false);
    } else {
        Terminal tty("password");
        password = tty.ask("Password for " + email + ": ", false);
    }
    if (password.empty()) throw cli::UsageError("the password is empty");

    Login result;
    try {
        result = session.api().login(email, password);
    } catch (...) {
        wipe(password);
        throw;
    }
    wipe(password);

    // Whose token it is, by asking with it: a token the API refuses at once is not stored.
    Config as_user = config;
    as_user.token = result.token;
    MapillaryApi api(as_user, session.http());
    User user{result.user_id, ""};
    try {
        user = api.me();
    } catch (const AuthError& e) {
        tool.info(e.what());
        throw AuthError("the token the login gave was refused by GET /me; nothing was stored");
    } catch (const std::exception& e) {
        // The login itself succeeded: keep its token, without the user name.
        tool.warn("could not ask whose token it is: " + std::string(e.what()));
    }
    save_token(file, result.token);
    tool.warn("logged in as " + who(user) + "; the token is stored in " + file);
    warn_environment(tool, file);
    return cli::ok;
}

int store_token(cli::Tool& tool, const std::string& arg) {
    std::string value = arg == "-" ? stdin_line("token", /*trim=*/true) : arg;
    if (std::any_of(value.begin(), value.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; }))
        throw cli::UsageError("the token must not contain spaces or control characters");
    ApiSession session(tool, /*need_token=*/false);
    const std::string file = token_file(session.config());
    Secret token(std::move(value));
    if (tool.args().count("no-verify")) {
        save_token(file, token);
        tool.warn("the token is stored in " + file + " (not verified)");
        warn_environment(tool, file);
        return cli::ok;
    }
    Config as_user = session.config();
    as_user.token = token;
    MapillaryApi api(as_user, session.http());
    User user;
    try {
        user = api.me();
    } catch (const AuthError& e) {
        tool.info(e.what());
        throw AuthError("the token was refused (revoked, expired or mistyped); nothing was stored");
    } catch (const NetworkError& e) {
        throw NetworkError(std::string(e.what()) + "; nothing was stored (--no-verify stores a token unchecked)",
                           e.status);
    }
    save_token(file, token);
    tool.warn("the token of " + who(user) + " is stored in " + file);
    warn_environment(tool, file);
    return cli::ok;
}

int status(cli::Tool& tool) {
    ApiSession session(tool, /*need_token=*/false);
    const Config& config = session.config();
    if (config.token.empty())
        throw AuthError("not logged in: no token in " +
                        (config.file.empty() ? "any configuration file" : config.file) +
                        " nor in MAPILLARY_ACCESS_TOKEN: run mly-auth login");
    User user;
    try {
        user = session.api().me();
    } catch (const AuthError& e) {
        tool.info(e.what());
        std::string from = config.token_source == "MAPILLARY_ACCESS_TOKEN" ? " from MAPILLARY_ACCESS_TOKEN" : "";
        throw AuthError("the token" + from + " was refused (revoked or expired): run mly-auth login");
    }
    Record r;
    r.set("user_id", user.id);
    r.set("username", user.username);
    if (!config.file.empty()) r.set("config", config.file);
    r.set("token_source", config.token_source);
    RecordOutput out;
    out.write(r);
    if (!out.flush()) throw std::runtime_error("error writing standard output");
    return cli::ok;
}

int logout(cli::Tool& tool) {
    std::string file = find_config(tool.get("config"));
    if (file.empty()) {
        tool.warn("no configuration file, so no token to remove (looked for ./config.ini and " +
                  user_config_path() + ")");
    } else if (parse_config_file(file).token.empty()) {
        tool.warn("no token stored in " + file);
    } else {
        remove_token(file);
        tool.warn("the token was removed from " + file);
    }
    const char* env = std::getenv("MAPILLARY_ACCESS_TOKEN");
    if (env && *env) tool.warn("MAPILLARY_ACCESS_TOKEN is still set: the tools use the token it holds");
    return cli::ok;
}

}  // namespace

int main(int argc, char** argv) {
    cli::Tool tool("mly-auth", "login | token TOKEN|- | status | logout",
                   "log in to Mapillary; store, check or remove the user token");
    tool.add_options()
        ("email", "login: the account's email (else asked on the terminal)", cxxopts::value<std::string>(), "EMAIL")
        ("password-stdin", "login: read the password from the first line of standard input, not the terminal")
        ("no-verify", "token: store the token without asking the API whose it is");
    add_config_option(tool);

    return cli::run(tool, argc, argv, [&] {
        const auto& args = tool.positional();
        if (args.empty()) throw cli::UsageError("a command is missing: login, token, status or logout");
        const std::string& command = args[0];
        auto only_for = [&](const char* option, const char* owner) {
            if (tool.args().count(option) && command != owner)
                throw cli::UsageError(std::string("--") + option + " belongs to '" + owner + "', not '" + command + "'");
        };
        if (command != "login" && command != "token" && command != "status" && command != "logout") {
            // A token typed without its command must not be echoed back: only a word is quoted.
            bool word = command.size() <= 16 && std::all_of(command.begin(), command.end(), [](unsigned char c) {
                            return std::isalpha(c) || c == '-';
                        });
            throw cli::UsageError("unknown command" + (word ? " '" + command + "'" : std::string()) +
                                  ": login, token, status or logout");
        }
        only_for("email", "login");
        only_for("password-stdin", "login");
        only_for("no-verify", "token");
        if (command == "token") {
            if (args.size() != 2)
                throw cli::UsageError("token takes one argument: the token, or '-' to read it from standard input");
            return store_token(tool, args[1]);
        }
        if (args.size() > 1) throw cli::UsageError(command + " takes no arguments");
        if (command == "login") return login(tool);
        if (command == "status") return status(tool);
        return logout(tool);
    });
}
