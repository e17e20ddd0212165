// upload: the upload host and the finish step of mly-fakeapi (reference
// sections 5.2-5.8 and 7 "Upload host"; issue 5).
//
// Config upload_url = BASE/upload, so a session is BASE/upload/{key}. The
// upload host takes the user token only as "Authorization: OAuth T" and
// answers errors in its own shape,
//   {"debug_info": {"retriable": bool, "type": T, "message": M}[, "backoff": ms]}:
//   no or unknown token     401 NotAuthorizedError (retriable false)
//   revoked token           401, the graph's {"error": {code 190, type
//                           OAuthException, "Error validating access token:
//                           The user has not authorized application."}} and
//                           a debug_info NotAuthorizedError with that message
//   user without upload     403 NotAuthorizedError "User NAME is not authorized
//   permission              to upload" (dataset.hpp says which user that is)
//
//   GET  /upload/{key}  -> 200 {"offset": N}, the bytes stored (0 for a key
//        never written to).
//   POST /upload/{key}  with "Offset: N" (X-Entity-Name and X-Entity-* are
//        accepted and ignored), body chunked or with Content-Length.
//        N != stored size, or another POST to the key still receiving:
//        412 {"debug_info": {"retriable": true, "type": "OffsetInvalidError",
//        "message": "Request starting offset is invalid"}}. No Offset or not a
//        number: 400 InvalidRequestError. Else the body is appended as it
//        arrives; a client that goes away mid-body gets no answer but the
//        bytes that arrived stay (resume relies on it). A whole body: 200
//        {"h": HANDLE}, the stream complete at that size. An empty body at
//        N == size returns the handle too.
//        HANDLE is fixed when the stream is created and the same for every
//        answer about the key, in the real shape
//        3:<base64(key)>:<base64(mime)>:AR<opaque>:e:<unix expiry>:AR<opaque>
//        (mime from the key's suffix: .jpg image/jpeg, .json application/json,
//        .zip application/zip, .mp4 video/mp4, else application/octet-stream;
//        expiry 4 days after creation).
//   POST /graph/finish_upload  with the user token (graph rules: header or
//        access_token; 401 code 190 if bad or revoked; 403 code 10 for a user
//        without upload permission), JSON {"file_handle", "file_type",
//        "organization_id"?}. file_type mly_bundle_manifest: the handle must
//        name a complete stream holding {"image_handles": [...],
//        "upload_type": "images", "version": "1"}; each image handle a
//        complete stream (each once) that is a JPEG whose EXIF
//        ImageDescription is the EXIF form of the image description
//        (reference 5.8): a JSON object, compact with sorted keys as
//        mapi::description_json writes it, MAPLatitude, MAPLongitude and
//        MAPCaptureTime (UTC YYYY_MM_DD_HH_MM_SS_mmm, a real date) present,
//        only the MAP* keys of the schema, MAPSequenceUUID not among them,
//        each of its type. organization_id, when given, must be the
//        dataset's organization. -> 200 {"cluster_id": "<digits>"}, a new
//        id per call. Anything wrong: 400 in the graph's error shape (code
//        100) with a message naming it, e.g. "image_handles[2] (session
//        mly_tools_....jpg): the description is invalid: MAPSequenceUUID is
//        not allowed in the EXIF description". file_type zip,
//        mly_camm_video, mly_blackvue_video: 400 "... unsupported in
//        mly-fakeapi"; another: 400.
//
// Control (no token, no faults):
//   GET  /__fake/uploads  {"streams": [{key, size, md5, received_bytes,
//        posts, complete, receiving (a POST is being read into it),
//        handle}] (by key), "clusters": [{cluster_id, user,
//        user_id, organization_id (null when none), file_type, manifest_key,
//        images: [{key, handle, md5, size, description}] in manifest order}]
//        (in finish order), "totals": {streams, complete_streams, bytes,
//        received_bytes, posts, clusters, images}}.
//        posts counts every POST to the key once its stream exists (refused
//        ones, faults and cut ones included); received_bytes every body byte
//        the server read in them, drained bodies of refused POSTs included,
//        so a client that resends what the server has shows up here.
//   POST /__fake/uploads/reset  forgets every stream and cluster.
//   POST /__fake/revoke?user=NAME  the user's token is refused from then on
//        on the graph and upload hosts (a successful POST /graph/login of that
//        user lifts it); unknown user: 404.
//
// Faults (faults.hpp): the generic ones apply to the upload host (kind
// "upload"; a POST they answer has its body read and counted); then, for
// each POST with a good token and the right offset, decide_upload():
//   --cut-upload P  keep a random part (5-95 %) of the body, then close the
//                   connection without an answer (with Content-Length the rest
//                   is never read; a chunked body is read whole first)
//   --upload-412 P  412 OffsetInvalidError though the offset was right
//   --upload-429 P  429 {"debug_info": {"retriable": false, "type":
//                   "RequestRateLimitedError", "message": "Request rate limit
//                   has been exceeded"}, "backoff": 200}
// Each counted in /__fake/stats "faults" as cut_upload, upload_412,
// upload_429. The streams live in memory, guarded for any number of threads.
#pragma once

#include "server.hpp"

namespace fakeapi {

void install_upload(httplib::Server& server, FakeApi& api);

}  // namespace fakeapi
