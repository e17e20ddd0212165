#include "mapi/apitool.hpp"

namespace mapi {

void add_config_option(cli::Tool& tool) {
    tool.add_options("Common")("config", "configuration file (default: $MLY_CONFIG, ./config.ini, "
                                         "~/.config/mly/config.ini)",
                               cxxopts::value<std::string>(), "FILE");
}

ApiSession::ApiSession(const cli::Tool& tool, bool need_token) : config_(load_config(tool.get("config"))) {
    if (need_token && config_.token.empty())
        throw AuthError("no access token: set MAPILLARY_ACCESS_TOKEN, or token = ... in " +
                        (config_.file.empty() ? user_config_path() : config_.file) + " (config.example.ini documents the keys)");
    auto options = http_options(config_);
    // Retries are worth knowing about with -v; the URL comes redacted.
    options.log = [&tool](const std::string& msg) { tool.info(msg); };
    http_ = std::make_unique<HttpClient>(options);
    api_ = std::make_unique<MapillaryApi>(config_, *http_);
}

}  // namespace mapi
