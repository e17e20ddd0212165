// download: the engine of mly-seqdl, mly-batchdl and mly-imgdl (design
// section 5).
//
// Work flows through three stages:
//   1. the caller's thread plans: it lists a sequence's images, fetches their
//      metadata 50 at a time, picks each image's position, heading, local
//      time and file name, and queues it;
//   2. `jobs` worker threads download the images over kept-alive
//      connections (a fresh URL is asked for when the image host says 403 or
//      410: thumbnail URLs expire), re-encode them when asked, write the
//      EXIF and XMP into the served bytes and stage each as a hidden
//      temporary file beside its target;
//   3. one thread commits: every batch of temporaries is made durable with
//      one syncfs() and renamed into place (never over an existing file),
//      and each image's line goes to its folder's metadata.jsonl; the output
//      records and messages come out in the order the images were queued,
//      so output is the same on every run.
// Planning stays a bounded number of images ahead of the downloads, and
// finished images wait for their turn as text, a bounded number of them (an
// image stuck in retries holds back the output, not the downloads behind
// it), so memory does not grow with the length of a sequence.
//
// Failures: an image that cannot be had (unknown, no URL, 404, not a JPEG,
// an error answer through every retry) is reported and the rest goes on; a
// token refused, an API that stays unreachable, or an image host that does
// not answer at all (or fails many images in a row) stops the run: what is
// complete is kept and the error is rethrown (exit 3 or 4).
//
// Layout, as the seed's: OUT/YYYYMMDD_HHMMSS_<first 8 characters of the
// sequence id>/YYYYMMDD_HHMMSS_mmm.jpg, the folder named after the
// sequence's first image, times local to the capture (Options::tz, or the
// zone guessed from the position: tzguess.hpp). Images of one millisecond
// get _1, _2, ... Characters of a sequence id other than [A-Za-z0-9_-]
// become '_', so no id can name a path outside OUT.
//
// Resuming: a file appears only by the final rename, so every JPEG there is
// complete; its ImageUniqueID (the image id, written by the engine) says
// which image it holds. Each folder is read once when first needed: images
// already in it are not downloaded again, whatever their file names, and
// stale temporaries of a killed run are removed. metadata.jsonl is
// rewritten atomically when a folder is finished, merged with the lines of
// earlier runs (one line per image id, sorted by capture time).
#pragma once

#include "mapi/api.hpp"
#include "mapi/cli.hpp"
#include "mapi/exif.hpp"
#include "mapi/geo.hpp"
#include "mapi/imagerecord.hpp"
#include "mapi/records.hpp"
#include "mapi/time.hpp"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace mapi {

// Which of the API's two values to use: the camera's original one, the one
// Mapillary computed by structure from motion, or the computed one unless
// it strays too far from the original.
enum class Choice { original, computed, automatic };
// "original", "computed", "auto"; nullopt for anything else.
std::optional<Choice> parse_choice(std::string_view text);

// --geometry auto keeps the computed position when it lies within this many
// metres of the original one, and --heading auto the computed heading when
// it is within this many degrees of the original. Further off, the computed
// value is more likely a failed reconstruction (the "floating" positions the
// seed's author saw) than a correction of the GPS.
inline constexpr double auto_max_distance_m = 20;
inline constexpr double auto_max_angle_deg = 30;

struct DownloadOptions {
    std::string out_dir = ".";
    std::string size = "original";  // thumbnail: 256, 1024, 2048 or original
    Choice geometry = Choice::automatic;
    Choice heading = Choice::automatic;
    std::optional<Zone> tz;          // local time of names and EXIF; nullopt: guessed from the position
    unsigned jobs = 8;               // parallel downloads
    std::optional<int> quality;      // re-encode at this JPEG quality
    bool dry_run = false;            // plan and print, download and write nothing
    std::optional<std::string> failed_file;  // failed image ids, one a line
    bool sequence_summaries = false;  // a summary line per sequence (mly-batchdl)
};

// ---- What one image becomes: pure functions, used by the engine ------------

struct Placement {
    std::optional<LatLon> position;
    bool computed_position = false;
    std::optional<double> altitude;  // metres, negative below sea level
    std::optional<double> heading;   // [0, 360)
    bool computed_heading = false;
};
Placement place_image(const Image& img, Choice geometry, Choice heading);

// An altitude the API sent as an unsigned 32-bit wrap of a negative value
// (4294967281 for -15, seen by other downloaders) back to its sign.
double unwrap_altitude(double alt);

// The 35 mm equivalent focal length: OpenSfM's focal, normalised by the
// larger image side, times 36 mm (the long side of a 35 mm frame). nullopt
// for spherical images and missing or implausible values.
std::optional<int> focal_length_35mm(const Image& img);

// "YYYYMMDD_HHMMSS_mmm" of t in local time (offset minutes east of UTC).
std::string file_stem(Instant t, int offset_minutes);
// "YYYYMMDD_HHMMSS_" + the first 8 characters of the sequence id, each
// outside [A-Za-z0-9_-] replaced by '_' ("unknown" for an empty id).
std::string folder_name(Instant first, int offset_minutes, std::string_view sequence_id);

// The EXIF tags of design section 5 for an image captured at t (local
// offset given), the pixel size its JPEG has.
ExifUpdate image_exif(const Image& img, const Placement& p, Instant t, int offset_minutes, int width, int height);

// Sets the output fields of rec, in this order: image_id, sequence_id,
// captured_at, utc_offset, lat, lon, alt, heading, make, model, creator,
// width, height (the JPEG's; left out when 0), orientation, camera_type.
// Fields the image lacks are removed, so a stale value never survives.
void set_download_fields(Record& rec, const Image& img, const Placement& p, Instant t, int offset_minutes, int width,
                    int height);

// ---- The options the download tools share -------------------------------------

// -o, --size, --geometry, --heading, --tz, -j, --quality, --failed and
// -n/--dry-run, in a group of their own.
void add_download_options(cli::Tool& tool);
// Their values (jobs from the configuration unless -j is given); throws
// cli::UsageError for a bad one.
DownloadOptions download_options(const cli::Tool& tool, const Config& config);

// ---- The engine ---------------------------------------------------------------

class Downloader {
public:
    // api must outlive the Downloader; downloads of images use a client of
    // their own (config's timeout, retries and CA; the image host is not
    // rate limited).
    Downloader(cli::Tool& tool, const Config& config, MapillaryApi& api, DownloadOptions options);
    ~Downloader();
    Downloader(const Downloader&) = delete;
    Downloader& operator=(const Downloader&) = delete;

    // Queues every image of the sequence, or, with `only`, those of its
    // images listed there (each one found is erased from it). A sequence
    // that cannot be listed or has no images is reported and counted as
    // failed. Throws cli::Failure (exit 3 or 4) when the API refuses the
    // token or stays unreachable, after finishing what was done.
    void add_sequence(const std::string& sequence_id, std::set<std::string>* only = nullptr);

    // Queues one image by id, into its sequence's folder; the other fields
    // of rec (an input record) pass through to its output record. Images are
    // looked up 50 at a time. where names the input line in messages.
    void add_image(Record rec, const std::string& where);

    // Reports an image the caller could not queue (counted as failed, and
    // listed in the --failed file).
    void fail_image(const std::string& image_id, const std::string& message);
    // Reports a bad input line ("<stdin>:3") in its turn among the messages.
    void fail_input(const std::string& where, const std::string& message);

    // Waits for everything queued, finishes the folders (metadata.jsonl),
    // writes the --failed file and prints the summary. Rethrows the error
    // that stopped the work, if one did (exit 3 or 4). Call once.
    void finish();

    struct Totals {
        std::uint64_t images = 0, downloaded = 0, present = 0, failed = 0;
        std::uint64_t sequences = 0, failed_sequences = 0;
        std::uint64_t bytes = 0;
    };
    Totals totals() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mapi
