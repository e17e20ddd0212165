// cli: number options read whole, and a value that does not parse named by its option.
#include <catch2/catch.hpp>

#include "mapi/cli.hpp"

#include <string>
#include <vector>

using namespace mapi;

namespace {

// Parses args (after the program name) with a Tool holding -d/--distance
// (a Real), --count (an int) and the common flags; the UsageError's message,
// or "" when it parsed.
std::string parse_error(std::vector<std::string> args, double* distance = nullptr) {
    cli::Tool tool("mly-test", "[FILE...]", "a test");
    tool.add_options()("d,distance", "metres", cxxopts::value<cli::Real>()->default_value("0.5"), "M")(
        "count", "how many", cxxopts::value<int>()->default_value("1"), "N");
    args.insert(args.begin(), "mly-test");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    try {
        tool.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const cli::UsageError& e) {
        return e.what();
    }
    if (distance) *distance = tool.args()["distance"].as<cli::Real>();
    return "";
}

}  // namespace

TEST_CASE("cli::Real: a number option is read whole", "[cli]") {
    double d = -1;
    for (auto [text, want] : std::vector<std::pair<std::string, double>>{
             {"1.5", 1.5}, {"+2", 2}, {"-0.25", -0.25}, {"1e3", 1000}, {".5", 0.5}, {"0", 0}, {"007", 7}}) {
        INFO(text);
        CHECK(parse_error({"--distance", text}, &d).empty());
        CHECK(d == want);
    }
    CHECK(parse_error({}, &d).empty());
    CHECK(d == 0.5);  // the default goes through the same reading
    for (std::string bad : {"1,5", "3m", "0x1p3", "inf", "-inf", "nan", "", "+-1", "+", " 1", "1 ", "1e999", "--"}) {
        INFO(bad);
        CHECK(parse_error({"--distance=" + bad}) == "--distance: invalid value '" + bad + "'");
    }
}

TEST_CASE("cli::Tool::parse names the option whose value does not parse", "[cli]") {
    CHECK(parse_error({"-d", "near"}) == "-d: invalid value 'near'");
    CHECK(parse_error({"--distance", "2,5", "file"}) == "--distance: invalid value '2,5'");
    CHECK(parse_error({"--count", "many"}) == "--count: invalid value 'many'");
    CHECK(parse_error({"--count=1.5"}) == "--count: invalid value '1.5'");
    // A file of the same name before it, after a flag, is not taken for the option.
    CHECK(parse_error({"-v", "many", "--count", "many"}) == "--count: invalid value 'many'");
    // Other errors are cxxopts's own, with plain quotes.
    CHECK(parse_error({"--frobnicate"}) == "Option 'frobnicate' does not exist");
}
