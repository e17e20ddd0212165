// upload: the upload host and the finish step (reference section 5, section 7
// "Upload host"), to be written with issue 5.
//
// Its place is ready: install_upload() owns BASE/upload/... (config
// upload_url = BASE/upload, so a session is BASE/upload/{session_key}) and
// POST BASE/graph/finish_upload. Until then they answer 501 with the upload
// service's error shape, so a client fails clearly instead of hanging.
// Wrap handlers with api.wrap("upload", ...) to get faults and counting.
#pragma once

#include "server.hpp"

namespace fakeapi {

void install_upload(httplib::Server& server, FakeApi& api);

}  // namespace fakeapi
