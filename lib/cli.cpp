#include "mapi/cli.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <set>
#include <unistd.h>

#ifndef MLY_VERSION
#define MLY_VERSION "0.0.0"
#endif

namespace mapi::cli {

Tool::Tool(std::string name, std::string args_help, std::string summary)
    : name_(std::move(name)), options_(name_, name_ + ": " + summary) {
    options_.positional_help(args_help).show_positional_help();
    options_.add_options("Common")
        ("h,help", "show this help and exit")
        ("version", "show the version and exit")
        ("v,verbose", "say more on stderr")
        ("q,quiet", "say less on stderr: errors only")
        ("progress", "show a progress line even when stderr is not a terminal");
    options_.add_options("hidden")("positional", "", cxxopts::value<std::vector<std::string>>());
    options_.parse_positional({"positional"});
}

std::istream& operator>>(std::istream& in, Real& r) {
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const char* first = text.data();
    const char* last = first + text.size();
    if (first != last && *first == '+' && last - first > 1 && first[1] != '-') ++first;  // from_chars takes no '+'
    double v = 0;
    auto [end, ec] = std::from_chars(first, last, v);
    if (first != last && ec == std::errc() && end == last && std::isfinite(v))
        r.value = v;
    else
        in.setstate(std::ios::failbit);
    return in;
}

cxxopts::OptionAdder Tool::add_options(const std::string& group) {
    return options_.add_options(group);
}

bool Tool::parse(int argc, char** argv) {
    try {
        result_ = options_.parse(argc, argv);
    } catch (const cxxopts::exceptions::exception& e) {
        // cxxopts quotes with U+2018/U+2019; plain quotes read the same in any locale.
        std::string msg = e.what();
        for (const char* q : {"\xE2\x80\x98", "\xE2\x80\x99"})
            for (auto p = msg.find(q); p != std::string::npos; p = msg.find(q)) msg.replace(p, 3, "'");
        // "Argument 'X' failed to parse" names the value, not the option: find it.
        const std::string head = "Argument '", tail = "' failed to parse";
        if (msg.rfind(head, 0) == 0 && msg.size() >= head.size() + tail.size() &&
            msg.compare(msg.size() - tail.size(), tail.size(), tail) == 0) {
            const std::string value = msg.substr(head.size(), msg.size() - head.size() - tail.size());
            // The options that take a value, as written: -d, --distance.
            std::set<std::string> takes_value;
            for (const auto& g : options_.groups())
                for (const auto& o : options_.group_help(g).options) {
                    if (o.is_boolean) continue;
                    if (!o.s.empty()) takes_value.insert("-" + o.s);
                    for (const auto& l : o.l) takes_value.insert("--" + l);
                }
            for (int i = 1; i < argc; ++i) {
                std::string_view a = argv[i];
                if (a == "--") break;
                std::string option;
                if (a.size() > value.size() + 1 && a.substr(a.size() - value.size() - 1) == "=" + value)
                    option = a.substr(0, a.size() - value.size() - 1);
                else if (a == value && i > 1)
                    option = argv[i - 1];
                if (takes_value.count(option)) throw UsageError(option + ": invalid value '" + value + "'");
            }
        }
        throw UsageError(msg);
    }
    if (result_.count("help")) {
        std::vector<std::string> groups;
        for (const auto& g : options_.groups())
            if (g != "Common" && g != "hidden") groups.push_back(g);
        groups.push_back("Common");
        std::cout << options_.help(groups) << "\nSee " << name_ << "(1) for the details.\n";
        return false;
    }
    if (result_.count("version")) {
        std::cout << name_ << " " << MLY_VERSION << "\n";
        return false;
    }
    if (result_.count("positional")) positional_ = result_["positional"].as<std::vector<std::string>>();
    if (result_.count("verbose")) verbosity_ = 1;
    if (result_.count("quiet")) verbosity_ = -1;
    progress_ = result_.count("progress") > 0 || (isatty(STDERR_FILENO) && verbosity_ >= 0);
    return true;
}

std::optional<std::string> Tool::get(const std::string& option) const {
    if (!result_.count(option)) return std::nullopt;
    return result_[option].as<std::string>();
}

std::optional<Zone> Tool::zone(const std::string& option) const {
    auto spec = get(option);
    if (!spec) return std::nullopt;
    try {
        return Zone::parse(*spec);
    } catch (const std::invalid_argument& e) {
        throw UsageError("--" + option + ": " + e.what());
    }
}

void Tool::error(const std::string& msg) const {
    std::cerr << name_ << ": " << msg << "\n";
}
void Tool::warn(const std::string& msg) const {
    if (verbosity_ >= 0) std::cerr << name_ << ": " << msg << "\n";
}
void Tool::info(const std::string& msg) const {
    if (verbosity_ >= 1) std::cerr << name_ << ": " << msg << "\n";
}
std::string without_subject(const std::string& msg, const std::string& subject) {
    if (!subject.empty() && msg.size() > subject.size() + 2 && msg.compare(0, subject.size(), subject) == 0 &&
        msg.compare(subject.size(), 2, ": ") == 0)
        return msg.substr(subject.size() + 2);
    return msg;
}

void Tool::fail(const std::string& item, const std::string& msg) {
    ++failures_;
    std::cerr << name_ << ": " << (item.empty() ? "" : item + ": ") << without_subject(msg, item) << "\n";
}

int run(Tool& tool, int argc, char** argv, const std::function<int()>& body) {
    try {
        if (!tool.parse(argc, argv)) return ok;
        int status = body();
        std::cout.flush();
        if (!std::cout) {
            tool.error("error writing standard output");
            return partial;
        }
        return status;
    } catch (const UsageError& e) {
        tool.error(e.what());
        std::cerr << "Try '" << tool.name() << " --help' for more information.\n";
        return usage;
    } catch (const Failure& e) {
        tool.error(e.what());
        return e.status;
    } catch (const std::exception& e) {
        tool.error(e.what());
        return partial;
    }
}

static std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

Progress::Progress(const Tool& tool, std::uint64_t total, std::string what)
    : enabled_(tool.progress_wanted()), total_(total), what_(std::move(what)) {}

Progress::~Progress() { finish(); }

void Progress::advance(std::uint64_t n) {
    done_ += n;
    if (enabled_) draw(false);
}

void Progress::draw(bool force) {
    auto t = now_ms();
    if (!force && t - last_draw_ms_ < 100) return;
    last_draw_ms_ = t;
    char line[160];
    if (total_) {
        int width = 30;
        int filled = static_cast<int>(width * static_cast<double>(done_) / static_cast<double>(total_));
        if (filled > width) filled = width;
        std::snprintf(line, sizeof line, "\r[%-*s] %llu/%llu %s", width, std::string(filled, '#').c_str(),
                      static_cast<unsigned long long>(done_), static_cast<unsigned long long>(total_),
                      what_.c_str());
    } else {
        std::snprintf(line, sizeof line, "\r%llu %s", static_cast<unsigned long long>(done_), what_.c_str());
    }
    std::fputs(line, stderr);
    drawn_ = true;
}

void Progress::finish() {
    if (!enabled_ || !drawn_) return;
    draw(true);
    std::fputs("\n", stderr);
    drawn_ = false;
    enabled_ = false;
}

}  // namespace mapi::cli
