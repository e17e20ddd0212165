// upload: see upload.hpp. A placeholder until issue 5.
#include "upload.hpp"

namespace fakeapi {

void install_upload(httplib::Server& server, FakeApi& api) {
    auto not_yet = [](const httplib::Request&, httplib::Response& res) {
        send_json(res, 501,
                  R"json({"debug_info":{"retriable":false,"type":"NotImplemented",)json"
                  R"json("message":"mly-fakeapi has no upload service yet (issue 5)"}})json");
    };
    server.Get(R"(/upload/.*)", api.wrap("upload", "upload.offset", not_yet));
    server.Post(R"(/upload/.*)", api.wrap("upload", "upload.append", not_yet));
    server.Post(R"(/graph/finish_upload/?)", api.wrap("graph", "graph.finish_upload", not_yet));
}

}  // namespace fakeapi
