// config: the INI configuration of the API tools (design section 4).
//
// Looked up in order: --config FILE (given by the tool), $MLY_CONFIG,
// ./config.ini, $XDG_CONFIG_HOME/mly/config.ini (~/.config/mly/config.ini).
// The first that exists is used; a file named by --config or $MLY_CONFIG that
// does not exist is an error, never a silent fall-back to another file. No
// file at all means the defaults. MAPILLARY_ACCESS_TOKEN overrides the token.
//
// The file has one section, [mapillary] (keys before any section header count
// as part of it). `key = value`, whole-line comments starting with ';' or '#'.
// Unknown keys, repeated keys and bad values are errors naming FILE:LINE, so a
// typo never silently falls back to the production default.
// config.example.ini at the top of the repository documents every key.
//
// The token is a Secret: it has no printing operator and no implicit
// conversion, so it can only reach a message through an explicit reveal().
#pragma once

#include "mapi/cli.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace mapi {

// A configuration problem; tools exit 2 (cli::run maps it).
struct ConfigError : cli::Failure {
    explicit ConfigError(const std::string& what) : cli::Failure(cli::usage, what) {}
};

class Secret {
public:
    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}
    bool empty() const { return value_.empty(); }
    // The value itself, for the one place that sends it (an Authorization header).
    const std::string& reveal() const { return value_; }

private:
    std::string value_;
};

struct Config {
    std::string file;          // the file read; empty when none was found
    Secret token;              // the access token; empty when none is configured
    std::string token_source;  // where it came from: "FILE:LINE" or "MAPILLARY_ACCESS_TOKEN"
    // The client token of the user's application (MLY|<app id>|<hex>), which
    // POST /login requires; empty when not configured (there is no default:
    // each user registers an application at Mapillary's developer dashboard).
    Secret client_token;
    std::string graph_url = "https://graph.mapillary.com";
    std::string tiles_url = "https://tiles.mapillary.com";
    std::string upload_url = "https://rupload.facebook.com/mapillary_public_uploads";
    std::string upload_history;       // folder of mly-upload's history; empty: $XDG_STATE_HOME/mly/upload_history
    std::string ca_file;              // PEM file of trusted CAs instead of the system's; empty: system
    double requests_per_minute = 600;  // to the graph, tiles and upload hosts; 0: unlimited
    int jobs = 8;                      // parallel downloads or uploads
    double timeout = 30;               // seconds, for connecting and for each read or write
    int retries = 6;                   // further attempts after a failed one
    std::string user_agent = std::string("mly/") + MLY_VERSION;

    // Every setting as "key = value" lines, the token shown only as set or not
    // and where from. Safe to print.
    std::string redacted() const;
};

// The file the lookup above picks (explicit: the --config value); empty when
// none exists. Throws ConfigError when --config or $MLY_CONFIG names a file
// that does not exist.
std::string find_config(const std::optional<std::string>& explicit_path = {});

// Where a new configuration is written when none exists yet:
// $XDG_CONFIG_HOME/mly/config.ini or ~/.config/mly/config.ini.
std::string user_config_path();

// find_config, then parse_config_file (or the defaults), then the environment
// override of the token. Throws ConfigError.
Config load_config(const std::optional<std::string>& explicit_path = {});

// Parses the text of a configuration; name is used in error messages
// ("name:LINE: unknown key 'grpah_url'") and relative ca_file paths are taken
// relative to name's directory. Throws ConfigError.
Config parse_config(std::string_view text, const std::string& name);
Config parse_config_file(const std::string& path);

// Sets the token in the configuration file at path, creating the file (and
// its directory, mode 0700) when missing. Every other line is kept as it was;
// a token or access_token line is replaced, else one is added to [mapillary].
// The file is replaced atomically and always ends with mode 0600. Throws
// ConfigError when the existing file is not a valid configuration, and
// std::system_error when it cannot be written.
void save_token(const std::string& path, const Secret& token);

// Removes the token (or access_token) line from the configuration file at
// path, keeping every other line as it was; the file is replaced atomically
// and ends with mode 0600. Returns false, changing nothing, when the file does
// not exist or holds no token line. Throws as save_token does.
bool remove_token(const std::string& path);

}  // namespace mapi
