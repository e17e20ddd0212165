#include "mapi/api.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace mapi {

namespace {

using Value = rapidjson::Value;

const Value* member(const Value& o, const char* key) {
    if (!o.IsObject()) return nullptr;
    auto m = o.FindMember(key);
    return m == o.MemberEnd() || m->value.IsNull() ? nullptr : &m->value;
}

std::optional<std::string> get_string(const Value& o, const char* key) {
    const Value* v = member(o, key);
    if (!v || !v->IsString()) return std::nullopt;
    return std::string(v->GetString(), v->GetStringLength());
}

std::optional<double> get_number(const Value& o, const char* key) {
    const Value* v = member(o, key);
    if (!v || !v->IsNumber() || !std::isfinite(v->GetDouble())) return std::nullopt;
    return v->GetDouble();
}

std::optional<std::int64_t> get_int64(const Value& o, const char* key) {
    const Value* v = member(o, key);
    if (!v || !v->IsNumber()) return std::nullopt;
    if (v->IsInt64()) return v->GetInt64();
    double d = v->GetDouble();  // 1.563721072184e+12 is still a whole number
    if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e18) return std::nullopt;
    return static_cast<std::int64_t>(d);
}

std::optional<int> get_int(const Value& o, const char* key) {
    auto v = get_int64(o, key);
    if (!v || *v < INT32_MIN || *v > INT32_MAX) return std::nullopt;
    return static_cast<int>(*v);
}

std::optional<bool> get_bool(const Value& o, const char* key) {
    const Value* v = member(o, key);
    if (!v || !v->IsBool()) return std::nullopt;
    return v->GetBool();
}

// An id sent as a string or, by an older server, as a number.
std::optional<std::string> get_id(const Value& o, const char* key = "id") {
    const Value* v = member(o, key);
    if (!v) return std::nullopt;
    if (v->IsString() && v->GetStringLength() > 0) return std::string(v->GetString(), v->GetStringLength());
    if (v->IsUint64()) return std::to_string(v->GetUint64());
    return std::nullopt;
}

// A GeoJSON Point: {"type": "Point", "coordinates": [lon, lat]}.
std::optional<LonLat> get_point(const Value& o, const char* key) {
    const Value* v = member(o, key);
    if (!v) return std::nullopt;
    const Value* c = member(*v, "coordinates");
    if (!c || !c->IsArray() || c->Size() < 2 || !(*c)[0].IsNumber() || !(*c)[1].IsNumber()) return std::nullopt;
    LonLat p{(*c)[0].GetDouble(), (*c)[1].GetDouble()};
    if (!std::isfinite(p.lon) || !std::isfinite(p.lat) || std::fabs(p.lat) > 90 || std::fabs(p.lon) > 180)
        return std::nullopt;
    return p;
}

// Ids are digits (images, users) or [0-9A-Za-z_-] (sequences): nothing that
// could change the meaning of a URL or of a comma-separated list.
bool plausible_id(std::string_view id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '-';
    });
}

// url_encode, keeping the commas of field and id lists readable.
std::string encode_value(std::string_view v) {
    std::string e = url_encode(v);
    std::string out;
    for (std::size_t i = 0; i < e.size(); ++i) {
        if (e.compare(i, 3, "%2C") == 0) {
            out += ',';
            i += 2;
        } else {
            out += e[i];
        }
    }
    return out;
}

// url without its access_token query parameters.
std::string without_access_token(const std::string& url) {
    auto q = url.find('?');
    if (q == std::string::npos) return url;
    auto frag = url.find('#', q);
    std::string query = url.substr(q + 1, frag == std::string::npos ? std::string::npos : frag - q - 1);
    std::string kept;
    std::size_t pos = 0;
    while (pos <= query.size()) {
        auto amp = query.find('&', pos);
        std::string part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        std::string name = part.substr(0, part.find('='));
        if (name != "access_token" && !part.empty()) kept += (kept.empty() ? "" : "&") + part;
        if (amp == std::string::npos) break;
        pos = amp + 1;
    }
    return url.substr(0, q) + (kept.empty() ? "" : "?" + kept);
}

}  // namespace

std::optional<std::string> Image::thumb_url(std::string_view size) const {
    if (size == "256") return thumb_256_url;
    if (size == "1024") return thumb_1024_url;
    if (size == "2048") return thumb_2048_url;
    if (size == "original") return thumb_original_url;
    return std::nullopt;
}

Image image_from_json(const rapidjson::Value& v) {
    if (!v.IsObject()) throw ApiError("an image in the answer is not a JSON object");
    auto id = get_id(v);
    if (!id) throw ApiError("an image in the answer has no \"id\"");
    Image img;
    img.id = *id;
    img.fields.json().CopyFrom(v, img.fields.allocator());
    img.sequence = get_string(v, "sequence");
    img.captured_at = get_int64(v, "captured_at");
    img.geometry = get_point(v, "geometry");
    img.computed_geometry = get_point(v, "computed_geometry");
    img.altitude = get_number(v, "altitude");
    img.computed_altitude = get_number(v, "computed_altitude");
    img.compass_angle = get_number(v, "compass_angle");
    img.computed_compass_angle = get_number(v, "computed_compass_angle");
    img.width = get_int(v, "width");
    img.height = get_int(v, "height");
    img.exif_orientation = get_int(v, "exif_orientation");
    if (img.exif_orientation && (*img.exif_orientation < 1 || *img.exif_orientation > 8)) img.exif_orientation.reset();
    img.camera_type = get_string(v, "camera_type");
    img.is_pano = get_bool(v, "is_pano");
    img.make = get_string(v, "make");
    img.model = get_string(v, "model");
    if (const Value* c = member(v, "creator")) {
        img.creator_id = get_id(*c);
        img.creator_username = get_string(*c, "username");
    }
    if (const Value* p = member(v, "camera_parameters"); p && p->IsArray()) {
        for (const auto& x : p->GetArray()) {
            if (!x.IsNumber()) {
                img.camera_parameters.clear();
                break;
            }
            img.camera_parameters.push_back(x.GetDouble());
        }
    }
    img.thumb_256_url = get_string(v, "thumb_256_url");
    img.thumb_1024_url = get_string(v, "thumb_1024_url");
    img.thumb_2048_url = get_string(v, "thumb_2048_url");
    img.thumb_original_url = get_string(v, "thumb_original_url");
    return img;
}

HttpClient::Options http_options(const Config& config) {
    HttpClient::Options o;
    o.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(config.timeout * 1000)));
    o.retries = config.retries;
    o.ca_file = config.ca_file;
    o.user_agent = config.user_agent;
    o.requests_per_minute = config.requests_per_minute;
    o.idle_per_origin = std::max<std::size_t>(16, static_cast<std::size_t>(config.jobs));
    for (const auto& u : {config.graph_url, config.tiles_url, config.upload_url}) {
        try {
            o.limited_origins.push_back(parse_url(u).origin());
        } catch (const std::invalid_argument& e) {
            throw ConfigError(e.what());
        }
    }
    return o;
}

MapillaryApi::MapillaryApi(const Config& config, HttpClient& http) : config_(config), http_(http) {}

std::string MapillaryApi::url(const std::string& path, const Params& params) const {
    std::string u = config_.graph_url;
    if (path.empty() || path[0] != '/') u += '/';
    u += path;
    char sep = '?';
    for (const auto& [k, v] : params) {
        u += sep + url_encode(k) + "=" + encode_value(v);
        sep = '&';
    }
    return u;
}

std::string MapillaryApi::scrub(std::string text) const {
    const std::string& t = config_.token.reveal();
    if (t.size() >= 4)
        for (auto p = text.find(t); p != std::string::npos; p = text.find(t, p)) text.replace(p, t.size(), "REDACTED");
    return text;
}

void MapillaryApi::raise(const Response& r) const {
    auto err = parse_api_error(r.body);
    std::string msg = scrub(HttpError(r).what());
    int code = err ? err->code : 0;
    if (r.status == 401 || code == 190 || (r.status == 403 && code != 4))
        throw AuthError(msg + "; check the access token (token in the configuration, or MAPILLARY_ACCESS_TOKEN)");
    // Code 100 is any bad parameter; subcode 33 says the object does not
    // exist (or cannot be seen). A too-large bbox is code 100 too, and must
    // not read as "unknown id".
    if (r.status == 400 && code == 100 && err->subcode == 33) throw UnknownIdError(msg, r.status, code);
    throw ApiError(msg, r.status, code);
}

rapidjson::Document MapillaryApi::get_url(const std::string& url_in) {
    if (config_.token.empty())
        throw ConfigError("no Mapillary access token: set MAPILLARY_ACCESS_TOKEN, or token in the configuration "
                          "(config.example.ini shows how)");
    std::string target = without_access_token(url_in);
    Url u = parse_url(target);
    Url graph = parse_url(config_.graph_url);
    if (u.origin() != graph.origin()) {
        // Keep the path and query, but only ever send the token to graph_url's host.
        auto host_end = config_.graph_url.find_first_of("/?#", config_.graph_url.find("://") + 3);
        target = config_.graph_url.substr(0, host_end) + u.target;
    }
    Response r = http_.get(target, {{"Authorization", "OAuth " + config_.token.reveal()}});
    if (!r.ok()) raise(r);
    // Syntax first (numbers left as text), then the values through
    // Record::parse, which converts numbers itself: rapidjson 1.1.0's
    // full-precision conversion misreads a zero written with 23 or more
    // fraction digits and crashes on 350 (found by fuzz/api_json).
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag>(r.body.data(), r.body.size());
    if (doc.HasParseError())
        throw ApiError(scrub("GET " + r.url + ": malformed JSON in the answer (" +
                             rapidjson::GetParseError_En(doc.GetParseError()) + " at byte " +
                             std::to_string(doc.GetErrorOffset()) + ")"));
    if (!doc.IsObject()) throw ApiError(scrub("GET " + r.url + ": the answer is not a JSON object"));
    try {
        Record parsed = Record::parse(r.body);
        doc.CopyFrom(parsed.json(), doc.GetAllocator());
    } catch (const std::invalid_argument& e) {
        throw ApiError(scrub("GET " + r.url + ": unreadable answer: " + e.what()));
    }
    return doc;
}

rapidjson::Document MapillaryApi::get(const std::string& path, const Params& params) {
    return get_url(url(path, params));
}

User MapillaryApi::me() {
    auto doc = get("/me", {{"fields", "id,username"}});
    User u;
    auto id = get_id(doc);
    if (!id) throw ApiError("GET " + redact_url(url("/me")) + ": the answer has no user id");
    u.id = *id;
    u.username = get_string(doc, "username").value_or("");
    return u;
}

Login MapillaryApi::login(const std::string& email, const std::string& password) {
    const Secret& client = config_.client_token;
    if (client.empty())
        throw ConfigError("no client_token configured: logging in needs the client token (MLY|<app id>|<hex>) of "
                          "an application registered at Mapillary's developer dashboard");
    // Nothing the server echoes may carry the password or a token into a message.
    auto clean = [&](std::string text) {
        for (const std::string* secret : {&password, &client.reveal(), &config_.token.reveal()})
            if (secret->size() >= 4)
                for (auto p = text.find(*secret); p != std::string::npos; p = text.find(*secret, p))
                    text.replace(p, secret->size(), "REDACTED");
        return text;
    };
    rapidjson::StringBuffer body;
    rapidjson::Writer<rapidjson::StringBuffer> w(body);
    w.StartObject();
    w.Key("email");
    w.String(email.data(), static_cast<rapidjson::SizeType>(email.size()));
    w.Key("password");
    w.String(password.data(), static_cast<rapidjson::SizeType>(password.size()));
    w.Key("locale");
    w.String("en_US");
    w.EndObject();
    const std::string target = url("/login");
    Response r = http_.post(target, std::string(body.GetString(), body.GetSize()), "application/json",
                            {{"Authorization", "OAuth " + client.reveal()}});
    if (!r.ok()) {
        auto err = parse_api_error(r.body);
        int code = err ? err->code : 0;
        // The subcodes mapillary_tools treats as wrong credentials (reference 1.3).
        const int subcode = err ? err->subcode : 0;
        if (subcode == 1348028 || subcode == 1348092 || subcode == 3404005 || subcode == 1348131) {
            std::string why = !err->user_message.empty() ? err->user_message
                              : !err->message.empty()    ? err->message
                                                         : "wrong email or password";
            throw AuthError(clean("login refused: " + why));
        }
        if (r.status == 401 || code == 190 || (r.status == 403 && code != 4))
            throw AuthError(clean(std::string(HttpError(r).what())) +
                            "; the client token was refused: check client_token (your application's client "
                            "token, from Mapillary's developer dashboard)");
        throw ApiError(clean(HttpError(r).what()), r.status, code);
    }
    rapidjson::Document doc;
    doc.Parse(r.body.data(), r.body.size());
    const std::string where = "POST " + redact_url(target);
    if (doc.HasParseError() || !doc.IsObject()) throw ApiError(where + ": the answer is not a JSON object");
    auto token = get_string(doc, "access_token");
    if (!token || token->empty()) throw ApiError(where + ": the answer has no access_token");
    if (!std::all_of(token->begin(), token->end(), [](unsigned char c) { return c > 0x20 && c != 0x7f; }))
        throw ApiError(where + ": the answer's access_token has spaces or control characters");
    Login login;
    login.token = Secret(std::move(*token));
    login.user_id = get_id(doc, "user_id").value_or("");
    return login;
}

Image MapillaryApi::image(const std::string& id, std::string_view fields) {
    if (!plausible_id(id)) throw UnknownIdError("'" + id + "' is not an image id");
    auto doc = get("/" + id, {{"fields", std::string(fields)}});
    Image img = image_from_json(doc);
    if (img.id != id) throw ApiError("GET " + redact_url(url("/" + id)) + ": the answer is about image " + img.id);
    return img;
}

std::pair<std::vector<Image>, std::vector<std::string>> MapillaryApi::fetch_batch(const std::vector<std::string>& ids,
                                                                                  std::string_view fields) {
    std::string list;
    for (const auto& id : ids) list += (list.empty() ? "" : ",") + id;
    rapidjson::Document doc;
    try {
        doc = get("/", {{"ids", list}, {"fields", std::string(fields)}});
    } catch (const UnknownIdError&) {
        // The whole batch was refused for the unknown ids in it: find them.
        if (ids.size() == 1) return {{}, ids};
        auto mid = ids.begin() + static_cast<std::ptrdiff_t>(ids.size() / 2);
        auto a = fetch_batch({ids.begin(), mid}, fields);
        auto b = fetch_batch({mid, ids.end()}, fields);
        for (auto& img : b.first) a.first.push_back(std::move(img));
        a.second.insert(a.second.end(), b.second.begin(), b.second.end());
        return a;
    }
    std::pair<std::vector<Image>, std::vector<std::string>> out;
    for (const auto& id : ids) {
        const Value* v = member(doc, id.c_str());
        if (!v || !v->IsObject() || member(*v, "error")) {
            out.second.push_back(id);
            continue;
        }
        Image img = image_from_json(*v);
        if (img.id != id) {
            out.second.push_back(id);
            continue;
        }
        out.first.push_back(std::move(img));
    }
    return out;
}

MapillaryApi::ImageBatch MapillaryApi::images(const std::vector<std::string>& ids_in, std::string_view fields) {
    std::vector<std::string> ids;  // each once, plausible ones only
    std::set<std::string> seen;
    ImageBatch result;
    std::set<std::string> unknown;
    for (const auto& id : ids_in) {
        if (!seen.insert(id).second) continue;
        if (plausible_id(id))
            ids.push_back(id);
        else
            unknown.insert(id);
    }
    std::map<std::string, Image> found;
    for (std::size_t i = 0; i < ids.size(); i += batch_size) {
        std::vector<std::string> batch(ids.begin() + static_cast<std::ptrdiff_t>(i),
                                       ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + batch_size)));
        auto [images, missing] = fetch_batch(batch, fields);
        for (auto& img : images) {
            std::string id = img.id;
            found.emplace(std::move(id), std::move(img));
        }
        unknown.insert(missing.begin(), missing.end());
    }
    seen.clear();
    for (const auto& id : ids_in) {
        if (!seen.insert(id).second) continue;
        if (auto f = found.find(id); f != found.end())
            result.images.push_back(std::move(f->second));
        else
            result.unknown.push_back(id);
    }
    return result;
}

std::vector<std::string> MapillaryApi::image_ids(const std::string& sequence_id) {
    if (!plausible_id(sequence_id)) throw UnknownIdError("'" + sequence_id + "' is not a sequence id");
    std::vector<std::string> ids;
    std::set<std::string> visited;
    std::string next = url("/image_ids", {{"sequence_id", sequence_id}});
    while (!next.empty()) {
        visited.insert(next);
        auto doc = get_url(next);
        const Value* data = member(doc, "data");
        if (!data || !data->IsArray())
            throw ApiError("GET " + redact_url(next) + ": the answer has no \"data\" list");
        for (const auto& item : data->GetArray())
            if (auto id = get_id(item)) ids.push_back(*id);
        next.clear();
        if (const Value* paging = member(doc, "paging"))
            if (auto n = get_string(*paging, "next"); n && !data->Empty()) {
                if (visited.count(*n)) throw ApiError("GET " + redact_url(*n) + ": paging.next repeats a page");
                next = *n;
            }
    }
    return ids;
}

void MapillaryApi::search_images(const Params& params, std::string_view fields,
                                 const std::function<bool(std::vector<Image>& page)>& page) {
    Params p = params;
    p.emplace_back("fields", std::string(fields));
    std::set<std::string> visited;
    std::string next = url("/images", p);
    while (!next.empty()) {
        visited.insert(next);
        auto doc = get_url(next);
        const Value* data = member(doc, "data");
        if (!data || !data->IsArray())
            throw ApiError("GET " + redact_url(next) + ": the answer has no \"data\" list");
        std::vector<Image> images;
        for (const auto& item : data->GetArray())
            if (get_id(item)) images.push_back(image_from_json(item));  // an entry without an id says nothing
        if (!page(images)) return;
        next.clear();
        if (const Value* paging = member(doc, "paging"))
            if (auto n = get_string(*paging, "next"); n && !data->Empty()) {
                if (visited.count(*n)) throw ApiError("GET " + redact_url(*n) + ": paging.next repeats a page");
                next = *n;
            }
    }
}

}  // namespace mapi
