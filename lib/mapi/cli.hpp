// cli: the shape every mly tool shares (design section 4).
//
// A tool builds a Tool, adds its own options, calls parse(), then does its
// work and returns tool.exit_status(). Messages go to stderr as
// "mly-xxx: message"; data goes to stdout only. run() maps exceptions to the
// exit statuses below, so no tool calls exit() itself.
#pragma once

#include "mapi/time.hpp"

// libmapi is built with cxxopts's own option parser instead of its <regex>
// one (CXXOPTS_NO_REGEX: a fifth of the compile time of every tool); code
// that includes this header must make the same choice, as mapi.pc's Cflags do.
#ifndef CXXOPTS_NO_REGEX
#error "define CXXOPTS_NO_REGEX (see mapi.pc) to use libmapi's cli.hpp"
#endif

#include <cstdint>
#include <cxxopts.hpp>
#include <optional>
#include <functional>
#include <istream>
#include <stdexcept>
#include <string>

namespace mapi::cli {

enum Exit : int {
    ok = 0,            // everything done
    partial = 1,       // some items failed; the rest were done
    usage = 2,         // usage, configuration or input-format error: nothing done
    auth_refused = 3,  // authentication refused
    unavailable = 4,   // network or service unavailable after retries
};

// Thrown for bad options or arguments; run() prints it and exits 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The type of a number option: cxxopts::value<cli::Real>(), read with
// as<cli::Real>(). cxxopts reads a double with operator>>, which stops at the
// first character it cannot use ("1,5" would be 1, "3m" 3); a Real takes the
// whole argument as a finite decimal number ("+" allowed) or fails to parse.
struct Real {
    double value = 0;
    operator double() const { return value; }
};
std::istream& operator>>(std::istream& in, Real& r);

// Thrown with an explicit exit status (3 or 4 from the API client, for example).
struct Failure : std::runtime_error {
    Failure(int status, const std::string& what) : std::runtime_error(what), status(status) {}
    int status;
};

class Tool {
public:
    // name: "mly-scan"; args_help: "[PATH...]"; summary: one line for --help.
    Tool(std::string name, std::string args_help, std::string summary);

    cxxopts::OptionAdder add_options(const std::string& group = "");
    // Parses the command line; handles --help and --version (returns false:
    // the caller returns 0). Throws UsageError on unknown or bad options.
    bool parse(int argc, char** argv);
    const cxxopts::ParseResult& args() const { return result_; }
    const std::vector<std::string>& positional() const { return positional_; }
    // The value of a string option, when given.
    std::optional<std::string> get(const std::string& option) const;
    // The value of a --tz style option as a Zone; a bad zone is a UsageError.
    std::optional<Zone> zone(const std::string& option = "tz") const;

    const std::string& name() const { return name_; }
    int verbosity() const { return verbosity_; }   // 0 normal, 1 with -v, -1 with -q
    bool progress_wanted() const { return progress_; }

    // Messages on stderr.
    void error(const std::string& msg) const;     // always shown
    void warn(const std::string& msg) const;      // hidden by -q
    void info(const std::string& msg) const;      // only with -v
    // An item failed: reported with the item, counted; exit status becomes 1.
    // A message that already starts with "item: " (system errors name their
    // file) is not prefixed twice.
    void fail(const std::string& item, const std::string& msg);
    std::uint64_t failures() const { return failures_; }
    int exit_status() const { return failures_ ? partial : ok; }

private:
    std::string name_;
    cxxopts::Options options_;
    cxxopts::ParseResult result_;
    std::vector<std::string> positional_;
    int verbosity_ = 0;
    bool progress_ = false;
    std::uint64_t failures_ = 0;
};

// msg without a leading "subject: ", which system errors carry.
std::string without_subject(const std::string& msg, const std::string& subject);

// Calls body and maps what escapes it to an exit status with a message:
// UsageError and cxxopts errors -> 2, Failure -> its status, anything else -> 1.
int run(Tool& tool, int argc, char** argv, const std::function<int()>& body);

// A progress line on stderr, shown only when stderr is a terminal or
// --progress was given, redrawn at most ten times a second.
class Progress {
public:
    Progress(const Tool& tool, std::uint64_t total, std::string what);
    ~Progress();
    void advance(std::uint64_t n = 1);
    void finish();

private:
    void draw(bool force);
    bool enabled_;
    std::uint64_t total_, done_ = 0;
    std::string what_;
    std::int64_t last_draw_ms_ = 0;
    bool drawn_ = false;
};

}  // namespace mapi::cli
