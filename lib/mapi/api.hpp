// api: the Mapillary Graph API (reference sections 1-3) over an HttpClient.
//
// Every request carries the token as "Authorization: OAuth <token>", never in
// a URL. Answers are parsed defensively: malformed JSON is an ApiError naming
// the URL, and a field of an unexpected type counts as absent.
//
// Errors (design section 4 gives the exit statuses):
//   token refused (401, code 190, 403)  -> AuthError, exit 3
//   no token configured                 -> ConfigError, exit 2
//   unknown or hidden id (400, code 100) -> UnknownIdError: one item failed
//   request limit (code 4), 429, 5xx, network -> retried by HttpClient, then
//                                          NetworkError, exit 4
//   anything else the API refuses       -> ApiError, with its message
// Messages never contain the token: URLs are redacted and the API's own
// messages are scrubbed of it.
//
// A MapillaryApi is as thread-safe as its HttpClient: share one among threads.
#pragma once

#include "mapi/config.hpp"
#include "mapi/http.hpp"
#include "mapi/records.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <rapidjson/document.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mapi {

// The API refused the token. Tools exit 3.
struct AuthError : cli::Failure {
    explicit AuthError(const std::string& what) : cli::Failure(cli::auth_refused, what) {}
};

// The API answered with an error, or with something that is not the JSON
// expected. status is 0 for an unreadable 2xx answer.
struct ApiError : std::runtime_error {
    ApiError(const std::string& what, int status = 0, int code = 0)
        : std::runtime_error(what), status(status), code(code) {}
    int status;
    int code;  // the API's error code, 0 when none
};

// An id the API does not know, or will not show (400, code 100).
struct UnknownIdError : ApiError {
    using ApiError::ApiError;
};

// Every image field of reference 2.1 that a download keeps in metadata.jsonl.
// Left out: detections, a separate entity whose inline form holds only ids.
inline constexpr std::string_view download_fields =
    "id,sequence,captured_at,geometry,computed_geometry,altitude,computed_altitude,"
    "compass_angle,computed_compass_angle,computed_rotation,exif_orientation,width,height,"
    "camera_type,camera_parameters,is_pano,make,model,creator,organization,quality_score,"
    "atomic_scale,merge_cc,mesh,sfm_cluster,"
    "thumb_256_url,thumb_1024_url,thumb_2048_url,thumb_original_url";

struct LonLat {
    double lon = 0;
    double lat = 0;
};

// One image as the API described it.
struct Image {
    std::string id;
    // Every field of the answer, as sent and in its order (numbers at full
    // precision): what a download writes to metadata.jsonl.
    Record fields;

    // Typed views of the fields the tools use; nullopt when absent or of
    // another type.
    std::optional<std::string> sequence;
    std::optional<std::int64_t> captured_at;  // Unix epoch milliseconds
    std::optional<LonLat> geometry;           // original (EXIF) position
    std::optional<LonLat> computed_geometry;  // after Mapillary's processing
    std::optional<double> altitude, computed_altitude;
    std::optional<double> compass_angle, computed_compass_angle;
    std::optional<int> width, height;         // of the original upload
    std::optional<int> exif_orientation;      // 1..8
    std::optional<std::string> camera_type;   // perspective, fisheye, equirectangular, spherical
    std::optional<bool> is_pano;
    std::optional<std::string> make, model;
    std::optional<std::string> creator_id, creator_username;
    std::vector<double> camera_parameters;    // [focal, k1, k2]; empty when absent
    std::optional<std::string> thumb_256_url, thumb_1024_url, thumb_2048_url, thumb_original_url;

    // The signed, expiring URL for a size "256", "1024", "2048" or "original".
    std::optional<std::string> thumb_url(std::string_view size) const;
};

// An image from its JSON object. Throws ApiError when value is not an object
// with a string or integer "id".
Image image_from_json(const rapidjson::Value& value);

struct User {
    std::string id;
    std::string username;
};

// What a successful POST /login gives: the user's token and id.
struct Login {
    Secret token;
    std::string user_id;
};

// The HttpClient settings of a configuration: its timeout, retries, ca_file
// and user_agent, and its rate limit applied to the graph, tiles and upload
// hosts (image downloads from the CDN are not counted).
HttpClient::Options http_options(const Config& config);

class MapillaryApi {
public:
    using Params = std::vector<std::pair<std::string, std::string>>;
    static constexpr std::size_t batch_size = 50;  // ids a metadata request asks for

    // Copies what it needs from config; http must outlive the MapillaryApi.
    MapillaryApi(const Config& config, HttpClient& http);

    // GET /me?fields=id,username: whose token this is.
    User me();

    // POST /login with the configured client_token (reference 1.3): the
    // user's token. Wrong credentials are an AuthError with the API's message
    // for people ("The email or password you entered is incorrect."); a
    // refused client token an AuthError saying so; no client_token a
    // ConfigError. Messages never contain the password or either token.
    Login login(const std::string& email, const std::string& password);

    // GET /{id}?fields=. Throws UnknownIdError for an id the API does not know.
    Image image(const std::string& id, std::string_view fields = download_fields);

    struct ImageBatch {
        std::vector<Image> images;         // in the order of the ids asked for, each once
        std::vector<std::string> unknown;  // ids the API does not know, in the same order
    };
    // GET /?ids=a,b,...&fields= in batches of batch_size. A batch the API
    // refuses as a whole because of unknown ids is split in halves until the
    // unknown ones are found.
    ImageBatch images(const std::vector<std::string>& ids, std::string_view fields = download_fields);

    // GET /image_ids?sequence_id=: the sequence's images in capture order
    // (paging.next followed). Empty for an empty or unknown sequence, as the
    // API answers {"data": []} for both; UnknownIdError when it says code 100.
    std::vector<std::string> image_ids(const std::string& sequence_id);

    // GET /images?params&fields=, following paging.next; page receives each
    // page's images and returns false to stop. Params are bbox, creator_username,
    // start_captured_at, limit, ... (reference section 3), passed as given.
    void search_images(const Params& params, std::string_view fields,
                       const std::function<bool(std::vector<Image>& page)>& page);

    // Any other GET of the graph API, e.g. get("/123/detections", {{"fields", "value"}}):
    // the parsed JSON answer, errors mapped as above.
    rapidjson::Document get(const std::string& path, const Params& params = {});
    // The same for an absolute URL on the graph host (a paging.next). An
    // access_token in it is dropped (the header carries ours), and a URL on
    // another host is re-aimed at graph_url, so the token goes nowhere else.
    rapidjson::Document get_url(const std::string& url);

    // graph_url + path + "?" + encoded params: the URL get() asks.
    std::string url(const std::string& path, const Params& params = {}) const;

private:
    std::pair<std::vector<Image>, std::vector<std::string>> fetch_batch(const std::vector<std::string>& ids,
                                                                        std::string_view fields);
    [[noreturn]] void raise(const Response& r) const;
    std::string scrub(std::string text) const;

    Config config_;
    HttpClient& http_;
};

}  // namespace mapi
