// apitool: what every tool that talks to Mapillary sets up the same way: the
// --config option, the configuration, one HTTP client (its retries told to
// the user with -v) and the API over it.
#pragma once

#include "mapi/api.hpp"
#include "mapi/cli.hpp"
#include "mapi/config.hpp"
#include "mapi/http.hpp"

#include <memory>

namespace mapi {

// Adds --config FILE to the tool's options; call before Tool::parse.
void add_config_option(cli::Tool& tool);

class ApiSession {
public:
    // Loads the configuration (--config, $MLY_CONFIG, ...); ConfigError (exit
    // 2) on a bad file. need_token: fail with a clear message (exit 3) when no
    // token is configured.
    ApiSession(const cli::Tool& tool, bool need_token = true);

    const Config& config() const { return config_; }
    HttpClient& http() { return *http_; }
    MapillaryApi& api() { return *api_; }

private:
    Config config_;
    std::unique_ptr<HttpClient> http_;
    std::unique_ptr<MapillaryApi> api_;
};

}  // namespace mapi
