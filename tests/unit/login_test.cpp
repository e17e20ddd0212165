// MapillaryApi::login against a POST /login served in the test on 127.0.0.1:
// what is sent, and how each refusal reads (reference 1.3 and 1.5).
#include <catch2/catch.hpp>

#include "local_server.hpp"
#include "mapi/api.hpp"

#include <mutex>

using namespace mapi;

namespace {

const char* const client = "MLY|5675152195860640|6b02c72e6e3c801e5603ab0495623282";
const char* const password = "hunter2-correct";

struct LoginServer {
    int status = 200;
    std::string answer = R"({"access_token":"MLYuserTOKEN42","user_id":"102"})";
    std::mutex mutex;
    std::vector<std::string> auths, bodies, types;
    test::LocalServer s;

    LoginServer() {
        s.server->Post("/graph/login", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mutex);
            auths.push_back(req.get_header_value("Authorization"));
            bodies.push_back(req.body);
            types.push_back(req.get_header_value("Content-Type"));
            res.status = status;
            res.set_content(answer, "application/json");
        });
        s.start();
    }
};

Config config_for(const LoginServer& server, const char* client_token = client) {
    Config c;
    c.graph_url = server.s.url("/graph");
    c.client_token = Secret(client_token);
    c.retries = 0;
    return c;
}

// The message of what login throws, checked to be of type E.
template <class E>
std::string refusal(LoginServer& server, const std::string& email = "a@example.com") {
    Config c = config_for(server);
    HttpClient http(http_options(c));
    MapillaryApi api(c, http);
    try {
        api.login(email, password);
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        FAIL("another exception: " << e.what());
    }
    FAIL("no exception");
    return "";
}

std::string error_body(int code, int subcode, const std::string& message, const std::string& user_msg = "") {
    std::string b = R"({"error":{"message":")" + message + R"(","type":"MLYApiException","code":)" +
                    std::to_string(code);
    if (subcode) b += R"(,"error_subcode":)" + std::to_string(subcode);
    if (!user_msg.empty()) b += R"(,"error_user_title":"Wrong login credentials","error_user_msg":")" + user_msg + "\"";
    return b + R"(,"fbtrace_id":"x"}})";
}

}  // namespace

TEST_CASE("login: the client token in the header, email and password as JSON", "[api][login]") {
    LoginServer server;
    Config c = config_for(server);
    HttpClient http(http_options(c));
    MapillaryApi api(c, http);
    Login l = api.login("me@example.com", "pa\"ss\\word");
    CHECK(l.token.reveal() == "MLYuserTOKEN42");
    CHECK(l.user_id == "102");
    std::lock_guard lock(server.mutex);
    REQUIRE(server.bodies.size() == 1);
    CHECK(server.auths[0] == std::string("OAuth ") + client);
    CHECK(server.types[0] == "application/json");
    CHECK(server.bodies[0] == R"({"email":"me@example.com","password":"pa\"ss\\word","locale":"en_US"})");
}

TEST_CASE("login: a user id sent as a number", "[api][login]") {
    LoginServer server;
    server.answer = R"({"access_token":"MLYuserTOKEN42","user_id":104214208486349})";
    Config c = config_for(server);
    HttpClient http(http_options(c));
    CHECK(MapillaryApi(c, http).login("a@example.com", password).user_id == "104214208486349");
}

TEST_CASE("login: wrong credentials are an AuthError with the message for people", "[api][login]") {
    LoginServer server;
    for (int subcode : {1348028, 1348092, 3404005, 1348131}) {
        server.status = 401;
        server.answer = error_body(1, subcode, "Invalid username or password",
                                   "The email or password you entered is incorrect.");
        CHECK(refusal<AuthError>(server) == "login refused: The email or password you entered is incorrect.");
        server.status = 400;  // the status does not matter, the subcode does
        CHECK(refusal<AuthError>(server) == "login refused: The email or password you entered is incorrect.");
    }
    // No message for people: the API's own message.
    server.answer = error_body(1, 1348028, "Invalid username or password");
    CHECK(refusal<AuthError>(server) == "login refused: Invalid username or password");
    // A server that repeats the password or the client token: scrubbed.
    server.answer = error_body(1, 1348028, std::string("no user with password ") + password + " for " + client);
    std::string msg = refusal<AuthError>(server);
    CHECK(msg == "login refused: no user with password REDACTED for REDACTED");
}

TEST_CASE("login: a refused client token is an AuthError that says so", "[api][login]") {
    LoginServer server;
    server.status = 401;
    server.answer = error_body(190, 0, "Invalid OAuth 2.0 Access Token");
    std::string msg = refusal<AuthError>(server);
    CHECK_THAT(msg, Catch::Contains("HTTP 401") && Catch::Contains("Invalid OAuth 2.0 Access Token") &&
                        Catch::Contains("the client token was refused: check client_token"));
    CHECK(msg.find("6b02c72e") == std::string::npos);
    server.status = 403;
    server.answer = error_body(10, 0, "Application does not have permission for this action");
    CHECK_THAT(refusal<AuthError>(server), Catch::Contains("the client token was refused"));
}

TEST_CASE("login: other refusals and unreadable answers are ApiErrors without the answer", "[api][login]") {
    LoginServer server;
    server.status = 400;
    server.answer = error_body(100, 0, "Invalid parameter");
    CHECK_THAT(refusal<ApiError>(server), Catch::Contains("HTTP 400") && Catch::Contains("Invalid parameter"));
    server.status = 200;
    server.answer = R"({"access_token":"MLYuserTOKEN42")";  // cut short
    CHECK_THAT(refusal<ApiError>(server), Catch::EndsWith("/graph/login: the answer is not a JSON object"));
    server.answer = R"({"user_id":"102"})";
    CHECK_THAT(refusal<ApiError>(server), Catch::EndsWith("/graph/login: the answer has no access_token"));
    server.answer = R"({"access_token":"","user_id":"102"})";
    CHECK_THAT(refusal<ApiError>(server), Catch::EndsWith("/graph/login: the answer has no access_token"));
    server.answer = R"({"access_token":"MLY user TOKEN42","user_id":"102"})";
    std::string msg = refusal<ApiError>(server);
    CHECK_THAT(msg, Catch::EndsWith("the answer's access_token has spaces or control characters"));
    CHECK(msg.find("TOKEN42") == std::string::npos);
}

TEST_CASE("login: no client token configured is a ConfigError, and nothing is sent", "[api][login]") {
    LoginServer server;
    Config c = config_for(server, "");
    HttpClient http(http_options(c));
    MapillaryApi api(c, http);
    try {
        api.login("a@example.com", password);
        FAIL("no exception");
    } catch (const ConfigError& e) {
        CHECK(e.status == cli::usage);
        CHECK_THAT(std::string(e.what()), Catch::StartsWith("no client_token configured"));
    }
    std::lock_guard lock(server.mutex);
    CHECK(server.bodies.empty());
}
