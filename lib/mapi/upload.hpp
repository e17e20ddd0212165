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
// The work per byte is kept to one read, one MD5 and the send: only the
// photo's header is rebuilt (ImageStream), the rest goes to the socket from
// the buffer it was read into (HttpClient::once_pieces), and the MD5s of
// several photos are computed side by side (md5.hpp). Before that, only the
// headers are read (SequenceUploader::prepare).
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
#include <chrono>
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

// The md5 that names a sequence in the upload history: the MD5 of the
// concatenated hex MD5s of its image streams (the bytes sent, descriptions
// included), in sequence order. mapillary_tools computes it the same way
// from the original files; mly keys on what was sent, so a sequence whose
// photos or descriptions changed is a new upload.
std::string sequence_md5(const std::vector<std::string>& image_md5s);

// The bytes of one image stream in two pieces: head, the photo's header
// (through the SOS marker) with EXIF ImageDescription set to the
// description, and tail, the rest of the file as it is, a view into it.
// Every byte but ImageDescription is as it was (other tags keep their
// values; see update_exif for how the EXIF grows); a photo that carries the
// description already goes as it is. Throws JpegError for a file that is
// not a JPEG or whose EXIF cannot take the description, std::runtime_error
// for corrupt EXIF.
struct ImageStream {
    std::vector<std::uint8_t> head;
    std::span<const std::uint8_t> tail;
    std::uint64_t size() const { return head.size() + tail.size(); }
    std::string md5_hex() const;  // of head then tail
};
ImageStream image_stream(std::span<const std::uint8_t> jpeg, const std::string& description);
// The same bytes in one piece.
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

// The bytes of a stream to send: size in all, in pieces that follow one
// another; only the bytes from `from` on are at hand (pieces covers
// [from, size)).
struct StreamBytes {
    std::uint64_t size = 0;
    std::uint64_t from = 0;
    std::vector<std::span<const std::uint8_t>> pieces;
    static StreamBytes whole(std::span<const std::uint8_t> bytes);
    static StreamBytes whole(const ImageStream& s);
};

// upload() was given no bytes below `from` (StreamBytes), and the service
// holds fewer: the caller must read them and call again.
struct BytesNeeded : std::runtime_error {
    BytesNeeded(std::uint64_t offset, std::uint64_t from)
        : std::runtime_error("the service holds " + std::to_string(offset) + " bytes, the sender none below " +
                             std::to_string(from)) {}
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
    // offset: what fetch_offset() answered a moment ago, so the first GET is
    // not made again. Throws BytesNeeded when the service has fewer bytes
    // than bytes.from.
    std::string upload(const std::string& key, const StreamBytes& bytes, Transfer* transfer = nullptr,
                       const std::atomic<bool>* stop = nullptr, std::optional<std::uint64_t> offset = std::nullopt);
    std::string upload(const std::string& key, std::span<const std::uint8_t> bytes, Transfer* transfer = nullptr,
                       const std::atomic<bool>* stop = nullptr) {
        return upload(key, StreamBytes::whole(bytes), transfer, stop);
    }
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
    // After a failed request that is not sent again at once by its caller:
    // AuthError, UploadError, or NetworkError after the last retry; else waits.
    void give_up_or_wait(const Attempt& a, int failures, int status);

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

// What identifies a file's content without reading it, as git's index does:
// it changes when the file is written, replaced or touched.
struct FileStat {
    std::uint64_t size = 0, inode = 0;
    std::int64_t mtime_ns = 0, ctime_ns = 0;
    bool operator==(const FileStat&) const = default;
};
// Throws std::system_error naming the path.
FileStat stat_file(const std::string& path);

// The md5 that stands for a sequence's photos as they are on disk: of each
// photo, in order, its absolute path, FileStat and description. A finished
// sequence is noted in the upload history under it too, so a rerun finds it
// without reading a byte. nullopt when a photo cannot be stat'ed.
std::optional<std::string> sequence_stat_md5(const std::vector<SequencePhoto>& photos);
std::string sequence_stat_md5(const std::vector<SequencePhoto>& photos, const std::vector<FileStat>& stats);

// What reading a sequence's photo headers found (before anything is sent).
struct PreparedSequence {
    std::uint64_t bytes = 0;   // of the files as they are on disk
    std::uint64_t pixels = 0;  // width x height summed
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
    // A file changed less than this before it was read cannot be told by
    // its stat (filesystem clocks tick coarsely, FAT's every 2 s: a change
    // to come in the same tick would keep its size and times).
    std::chrono::nanoseconds settle = std::chrono::seconds(3);
};

// A manifest whose finish_upload was sent: what the upload history keeps
// from the moment before the request goes out until the answer is noted.
struct FinishSent {
    std::string manifest_key, manifest_handle;
    std::string sent_at;  // RFC 3339 UTC, for messages
};

// What SequenceUploader::upload asks of the upload history, each optional.
// finish_upload cannot be asked whether it already ran, so the handle is
// noted first: a run stopped between the request and the history's entry
// leaves the note, and the next run finishes that same manifest handle
// again instead of sending a new manifest (a second cluster).
struct FinishLog {
    // The sequence (by its sequence md5) is in the history: nothing more is sent.
    std::function<bool(const std::string& sequence_md5)> finished;
    // A finish of the sequence was sent by a run that stopped before its
    // answer was noted: that manifest handle is finished again.
    std::function<std::optional<FinishSent>(const std::string& sequence_md5)> sent;
    // Called just before finish_upload is sent; it must keep the note
    // durably, or throw (the sequence is then not finished).
    std::function<void(const std::string& sequence_md5, const FinishSent&)> sending;
};

struct SequenceUploadResult {
    // finished() said the sequence is in the history: no manifest, no finish.
    bool already_uploaded = false;
    std::string sequence_md5;          // of the streams (sequence_md5())
    std::vector<std::string> md5s;     // of each stream, in order
    std::vector<FileStat> stats;       // of each file as it was read
    // sequence_stat_md5() of the files as read; nullopt when one changed
    // while it was read, or less than options.settle before.
    std::optional<std::string> stat_md5;
    std::string cluster_id;
    std::string manifest_key, manifest_handle;
    // The manifest of an earlier run was finished again (FinishLog::sent):
    // nothing else was sent; sent_at says when that run sent it.
    std::optional<FinishSent> finished_again;
    std::uint64_t bytes = 0;   // of the image streams (descriptions included)
    std::uint64_t sent = 0;    // body bytes sent, retries included (0 in a dry run)
    std::uint64_t resumed = 0; // bytes the service already had
};

class SequenceUploader {
public:
    // client may be null for a dry run. photo_done is called (from the
    // workers, one at a time) as each photo is sent, for progress.
    SequenceUploader(UploadClient* client, SequenceUploadOptions options, std::function<void()> photo_done = {});

    // Reads the header of every photo (jobs at once), not the image data:
    // size, pixels, and that its stream can be built.
    PreparedSequence prepare(const std::vector<SequencePhoto>& photos) const;

    // Sends the photos, jobs at once, each in one pass: read, description
    // spliced in, MD5 (the session key; a worker reads up to 8 photos at a
    // time and hashes them side by side, md5.hpp), GET the offset, POST the
    // rest. A stream the service has whole waits for its (empty) POST until
    // every photo is done. Then, unless finished(sequence_md5) says the sequence
    // is in the history (already_uploaded: only GETs were made for streams
    // the service had), those POSTs, the manifest and the finish; or, when
    // log.sent() knows a finish an earlier run sent, that finish again
    // (the photos are on the service: only their GETs were made). Throws
    // UploadError naming the photo when one cannot be sent (nothing is
    // finished then), AuthError and NetworkError as they come (the other
    // workers stop first); what log.sending() throws, before any finish.
    SequenceUploadResult upload(const std::vector<SequencePhoto>& photos, const FinishLog& log);
    SequenceUploadResult upload(const std::vector<SequencePhoto>& photos,
                                const std::function<bool(const std::string& sequence_md5)>& finished = {}) {
        return upload(photos, FinishLog{finished, {}, {}});
    }

private:
    UploadClient* client_;
    SequenceUploadOptions opt_;
    std::function<void()> photo_done_;
};

}  // namespace mapi
