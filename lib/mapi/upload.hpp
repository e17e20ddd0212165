// upload: sending photos to Mapillary (design section 7; reference
// mapillary-api.md section 5, behaviour.md 1.9).
//
// The protocol ("rupload"), for each byte stream under a session key:
//   GET  upload_url/KEY                  -> {"offset": N}, the bytes the service has
//   POST upload_url/KEY, Offset: N, body = the bytes from N on -> {"h": HANDLE}
// An image is a stream: the photo's JPEG with its description (the MAP* JSON)
// in EXIF ImageDescription, built in memory, the file untouched, under the
// key mly_tools_<md5 of exactly those bytes>.jpg, so a rerun finds what the
// service already has. A sequence is the images, then a manifest stream
// {"image_handles":[...],"upload_type":"images","version":"1"} under
// uuid_<random hex>.json, then POST graph_url/finish_upload with the
// manifest's handle, file_type mly_bundle_manifest, which answers the
// cluster id.
//
// Retries (reference 5.3, 5.7). Every failed attempt starts again with the
// offset, so nothing the service has is sent twice:
//   412 (offset invalid)               -> at once
//   429                                -> after the answer's "backoff" (ms),
//                                         else Retry-After, else 10 s
//   5xx, timeout, dropped connection   -> after a backoff growing from
//                                         backoff_base, capped at 16 s, with
//                                         jitter; it starts over whenever the
//                                         service has more bytes than before
//   other 4xx                          -> only when debug_info.retriable
//   401, 403, NotAuthorizedError, graph error code 190 -> AuthError (exit 3)
// A stream that fails Config::retries times in a row without progress (and
// 412 twenty times in a row) gives NetworkError (exit 4) for an unavailable
// service, UploadError when the service refuses it.
//
// The access token travels in the Authorization header only; messages carry
// the session key, never the token (the service's own messages are scrubbed
// of it too).
#pragma once

#include "mapi/api.hpp"
#include "mapi/config.hpp"
#include "mapi/http.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mapi {

// ---- Keys, hashes and the bytes of an image ------------------------------

// Lower-case hex MD5 (OpenSSL EVP).
std::string md5_hex(std::span<const std::uint8_t> bytes);
std::string md5_hex(std::string_view text);
// 32 random lower-case hex digits: a version 4 UUID without its dashes.
std::string uuid4_hex();

// "mly_tools_<md5_hex(bytes)>.jpg": the same bytes always get the same key.
std::string content_session_key(std::span<const std::uint8_t> bytes);
// "mly_tools_uuid_<uuid4_hex()>.jpg", for --no-resume.
std::string random_session_key();
// "uuid_<uuid4_hex()>.json", the key of a sequence's manifest.
std::string manifest_session_key();

// {"image_handles":[...],"upload_type":"images","version":"1"}: compact,
// keys sorted, handles in the order given (capture order).
std::string manifest_json(const std::vector<std::string>& handles);

// The md5 that names a sequence in the upload history, as mapillary_tools
// computes it: the MD5 of the concatenated hex MD5s of the original files,
// in sequence order.
std::string sequence_md5(const std::vector<std::string>& image_md5s);

// The photo's bytes with EXIF ImageDescription set to description and every
// other byte as it was (other tags keep their values; see update_exif for
// how the EXIF grows). Throws JpegError for a file that is not a JPEG or
// whose EXIF cannot take the description, std::runtime_error for corrupt
// EXIF.
std::vector<std::uint8_t> image_upload_bytes(std::span<const std::uint8_t> jpeg, const std::string& description);

// Mapillary's limits on one sequence (reference 5.6): a sequence over any
// of them is refused whole.
struct SequenceLimits {
    std::uint64_t max_images = 1000;
    std::uint64_t max_bytes = 110ull << 30;   // 110 GiB
    std::uint64_t max_pixels = 6'000'000'000;  // 6 gigapixels
};
// What a sequence of `images` photos, `bytes` bytes and `pixels` pixels in
// all breaks, e.g. "1204 images (at most 1000)"; nullopt when it fits.
std::optional<std::string> check_sequence_limits(std::uint64_t images, std::uint64_t bytes, std::uint64_t pixels,
                                                 const SequenceLimits& limits = {});

// ---- The protocol client ---------------------------------------------------

// The service refused a stream or a finish, or answered nonsense: this
// sequence fails, the others go on.
struct UploadError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// What one upload() did, for messages and totals.
struct Transfer {
    std::uint64_t offset = 0;  // bytes the service had before the first POST
    std::uint64_t sent = 0;    // body bytes handed to POSTs, retries included
    int attempts = 0;          // POSTs made
};

class UploadClient {
public:
    // Takes upload_url, graph_url, the token and retries from config. http
    // (its timeouts, rate limit, sleep and random hooks) must outlive this.
    // log: told about each retry (-v).
    UploadClient(const Config& config, HttpClient& http, std::function<void(const std::string&)> log = {});

    // GET the offset of a session: what the service holds of it.
    std::uint64_t fetch_offset(const std::string& key);
    // Sends bytes under key, from whatever offset the service has, with the
    // retries above; returns the file handle. stop: checked between attempts
    // (another worker failed for good): UploadError("stopped") when set.
    std::string upload(const std::string& key, std::span<const std::uint8_t> bytes, Transfer* transfer = nullptr,
                       const std::atomic<bool>* stop = nullptr);
    // POST finish_upload for a manifest handle; returns the cluster id.
    std::string finish(const std::string& manifest_handle, const std::optional<std::string>& organization_id);

    std::string session_url(const std::string& key) const;

private:
    struct Attempt;
    Attempt classify(const Response& r, const std::string& what) const;
    std::string scrub(std::string text) const;
    Headers auth() const;
    // Waits before retry number `retry` (0-based) unless the server said how long.
    void wait(int retry, std::optional<std::chrono::nanoseconds> asked, const std::string& why);

    Config config_;
    HttpClient& http_;
    std::function<void(const std::string&)> log_;
};

// ---- A sequence -------------------------------------------------------------

// One photo of a sequence: its file and the text for its ImageDescription.
struct SequencePhoto {
    std::string path;
    std::string description;
};

// What reading a sequence's photos found (before anything is sent).
struct PreparedSequence {
    std::vector<std::string> md5s;     // of each original file, in order
    std::string sequence_md5;          // sequence_md5(md5s)
    std::uint64_t bytes = 0;           // of the files as they are on disk
    std::uint64_t pixels = 0;          // width x height summed
    // Photos that cannot be uploaded (unreadable, not a JPEG, EXIF too full
    // for the description): index and reason. Non-empty: the sequence is
    // refused whole.
    std::vector<std::pair<std::size_t, std::string>> errors;
};

struct SequenceUploadOptions {
    unsigned jobs = 4;          // photos read or sent at once
    bool random_keys = false;   // --no-resume: mly_tools_uuid_<hex>.jpg
    std::optional<std::string> organization_id;
    // Instead of the service: each stream written to DIR/<session key>, the
    // session key standing in for the handle; no finish (cluster id "0").
    std::optional<std::string> dry_run_dir;
};

struct SequenceUploadResult {
    std::string cluster_id;
    std::string manifest_key, manifest_handle;
    std::uint64_t bytes = 0;   // of the image streams (descriptions included)
    std::uint64_t sent = 0;    // body bytes sent, retries included (0 in a dry run)
    std::uint64_t resumed = 0; // bytes the service already had
};

class SequenceUploader {
public:
    // client may be null for a dry run. photo_done is called (from the
    // workers, one at a time) as each photo is sent, for progress.
    SequenceUploader(UploadClient* client, SequenceUploadOptions options, std::function<void()> photo_done = {});

    // Reads every photo (jobs at once): MD5, size, pixels, and that its
    // upload bytes can be built.
    PreparedSequence prepare(const std::vector<SequencePhoto>& photos) const;

    // Sends the photos (jobs at once), then the manifest, then finishes.
    // Throws UploadError naming the photo when one cannot be sent (nothing is
    // finished then), AuthError and NetworkError as they come (the other
    // workers stop first).
    SequenceUploadResult upload(const std::vector<SequencePhoto>& photos);

private:
    std::string send(const std::string& key, std::span<const std::uint8_t> bytes, Transfer* t,
                     const std::atomic<bool>* stop);
    UploadClient* client_;
    SequenceUploadOptions opt_;
    std::function<void()> photo_done_;
};

}  // namespace mapi
