// mly-fakeapi: a local Mapillary for tests, benchmarks and the demo
// (design section 8). It serves the graph, tiles, image and upload hosts of
// reference/mapillary-api.md on one port of 127.0.0.1, from a dataset made
// from --seed, and does wrong on request. The first line on stdout is the
// base URL; it runs until SIGTERM or SIGINT (or --exit-after). See server.hpp
// for the URL layout and server.cpp for the routes.
#include "dataset.hpp"
#include "server.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <cxxopts.hpp>
#include <memory>
#include <pthread.h>
#include <thread>

namespace {

const char* const usage_intro =
    "A local Mapillary server for tests, benchmarks and the demo.\n"
    "Prints its base URL (http://127.0.0.1:PORT) as the first line on stdout and serves,\n"
    "under it, /graph (graph_url), /tiles (tiles_url), /img (thumbnail URLs), /upload\n"
    "(upload_url), and for tests /__fake/stats, /__fake/dataset, /__fake/uploads (the\n"
    "upload streams and finished clusters), POST /__fake/uploads/reset and POST\n"
    "/__fake/revoke?user=NAME (that user's token gets 401 code 190 on the graph and\n"
    "upload hosts until the user logs in again). Runs until SIGTERM or SIGINT.\n"
    "Users: demo has the --token; user U has TOKEN-U; each one's password is 'secret'.\n"
    "With 3 users or more the last one (kofi in small, mei in demo, lars in bench) may\n"
    "not upload: 403 NotAuthorizedError. POST /graph/login needs the client token\n"
    "(Authorization: OAuth MLY|<digits>|<hex>; else 401 code 190); a wrong email or\n"
    "password is 401 with error_subcode 1348028.\n"
    "Faults are drawn from --fault-seed (default --seed): the same requests meet the\n"
    "same faults. --fail-5xx, --drop, --truncate, --burst-429 and --rate-limit apply to\n"
    "the upload host too; --cut-upload, --upload-412 and --upload-429 are drawn apart,\n"
    "for upload POSTs that got past those, their token and their offset check.\n"
    "finish_upload is idempotent per manifest handle: finishing a handle again answers\n"
    "the cluster it made the first time (counted as finish_repeats in /__fake/uploads).\n"
    "  --tls CERT KEY    serve HTTPS with this PEM certificate and key";

struct Fatal : std::runtime_error {
    using std::runtime_error::runtime_error;
};

double probability(const cxxopts::ParseResult& r, const char* name) {
    double p = r[name].as<double>();
    if (!(p >= 0 && p <= 1)) throw Fatal(std::string("--") + name + " must be a probability between 0 and 1");
    return p;
}

}  // namespace

int main(int argc, char** argv) {
    // --tls takes two values, which cxxopts cannot express: take it out first.
    std::vector<char*> args;
    std::string cert, key;
    for (int i = 0; i < argc; ++i) {
        if (std::strcmp(argv[i], "--tls") == 0) {
            if (i + 2 >= argc) {
                std::fprintf(stderr, "mly-fakeapi: --tls needs CERT and KEY\n");
                return 2;
            }
            cert = argv[++i];
            key = argv[++i];
            continue;
        }
        args.push_back(argv[i]);
    }
    int nargs = int(args.size());

    cxxopts::Options options("mly-fakeapi", usage_intro);
    options.add_options()("port", "port to listen on; 0 picks a free one", cxxopts::value<int>()->default_value("0"))(
        "seed", "seed of the dataset and of the faults", cxxopts::value<std::uint64_t>()->default_value("1"))(
        "fault-seed", "seed of the faults alone, to vary them over one dataset", cxxopts::value<std::uint64_t>())(
        "dataset", "small (3 users x 2 sequences x 5 images), demo (4 x 3 x 20) or bench (5 x 4 x 50)",
        cxxopts::value<std::string>()->default_value("small"))(
        "users", "number of users (the first is demo), instead of the dataset's", cxxopts::value<int>())(
        "sequences", "sequences per user, instead of the dataset's", cxxopts::value<int>())(
        "images", "images per sequence, instead of the dataset's", cxxopts::value<int>())(
        "token", "demo's access token; user U's is TOKEN-U",
        cxxopts::value<std::string>()->default_value("MLYfaketoken0123456789abcdef"))(
        "latency", "milliseconds added to every request", cxxopts::value<int>()->default_value("0"))(
        "fail-5xx", "probability of a 500 (graph) or 503 answer", cxxopts::value<double>()->default_value("0"))(
        "drop", "probability of closing the connection without an answer",
        cxxopts::value<double>()->default_value("0"))("truncate",
                                                      "probability of a body shorter than its Content-Length",
                                                      cxxopts::value<double>()->default_value("0"))(
        "code4", "probability of a 403 'Application request limit reached' (code 4) on the graph",
        cxxopts::value<double>()->default_value("0"))("burst-429", "the first N requests get 429 with Retry-After: 1",
                                                      cxxopts::value<int>()->default_value("0"))(
        "rate-limit", "requests per minute to graph, tiles and upload (not images); beyond it 429 with Retry-After",
        cxxopts::value<int>()->default_value("0"))(
        "cut-upload", "probability that an upload POST keeps a random part of its body, then closes the connection",
        cxxopts::value<double>()->default_value("0"))(
        "upload-412", "probability of a 412 OffsetInvalidError to an upload POST whose offset was right",
        cxxopts::value<double>()->default_value("0"))(
        "upload-429", "probability of a 429 RequestRateLimitedError (backoff 200 ms) to an upload POST",
        cxxopts::value<double>()->default_value("0"))(
        "expire-urls", "image URLs expire after S seconds, or 'once': after one download",
        cxxopts::value<std::string>())(
        "stale-urls", "probability that an image URL is handed out already expired",
        cxxopts::value<double>()->default_value("0"))(
        "finish-delay", "milliseconds finish_upload waits between making the cluster and answering",
        cxxopts::value<int>()->default_value("0"))("gzip-tiles", "send tiles gzip-compressed (without Content-Encoding)")(
        "threads", "worker threads", cxxopts::value<int>()->default_value("32"))(
        "exit-after", "stop after S seconds", cxxopts::value<double>()->default_value("0"))(
        "log", "one line per request on stderr (tokens hidden)")("h,help", "this help")("version", "the version");

    try {
        auto r = options.parse(nargs, args.data());
        if (r.count("help")) {
            std::printf("%s\n", options.help().c_str());
            return 0;
        }
        if (r.count("version")) {
            std::printf("mly-fakeapi %s\n", MLY_VERSION);
            return 0;
        }
        if (!r.unmatched().empty()) throw Fatal("unexpected argument '" + r.unmatched()[0] + "'");

        std::string name = r["dataset"].as<std::string>();
        auto spec = fakeapi::preset(name);
        if (!spec) throw Fatal("unknown dataset '" + name + "' (small, demo or bench)");
        spec->seed = r["seed"].as<std::uint64_t>();
        bool custom = false;
        for (auto [opt, slot] : {std::pair{"users", &spec->users}, std::pair{"sequences", &spec->sequences_per_user},
                                 std::pair{"images", &spec->images_per_sequence}}) {
            if (!r.count(opt)) continue;
            *slot = r[opt].as<int>();
            if (*slot < 1 || *slot > 100000) throw Fatal(std::string("--") + opt + " must be between 1 and 100000");
            custom = true;
        }
        if (std::uint64_t(spec->users) * spec->sequences_per_user * spec->images_per_sequence > 2000000)
            throw Fatal("more than 2000000 images");

        fakeapi::ServerOptions so;
        so.faults.seed = r.count("fault-seed") ? r["fault-seed"].as<std::uint64_t>() : spec->seed;
        so.faults.latency_ms = r["latency"].as<int>();
        so.faults.fail_5xx = probability(r, "fail-5xx");
        so.faults.drop = probability(r, "drop");
        so.faults.truncate = probability(r, "truncate");
        so.faults.code4 = probability(r, "code4");
        if (so.faults.fail_5xx + so.faults.drop + so.faults.truncate + so.faults.code4 > 1)
            throw Fatal("the fault probabilities add up to more than 1");
        so.faults.cut_upload = probability(r, "cut-upload");
        so.faults.upload_412 = probability(r, "upload-412");
        so.faults.upload_429 = probability(r, "upload-429");
        so.faults.stale_urls = probability(r, "stale-urls");
        if (so.faults.cut_upload + so.faults.upload_412 + so.faults.upload_429 > 1)
            throw Fatal("--cut-upload, --upload-412 and --upload-429 add up to more than 1");
        so.faults.finish_delay_ms = r["finish-delay"].as<int>();
        if (so.faults.finish_delay_ms < 0) throw Fatal("--finish-delay cannot be negative");
        so.faults.burst_429 = r["burst-429"].as<int>();
        so.faults.rate_limit = r["rate-limit"].as<int>();
        if (so.faults.latency_ms < 0 || so.faults.burst_429 < 0 || so.faults.rate_limit < 0)
            throw Fatal("--latency, --burst-429 and --rate-limit cannot be negative");
        if (r.count("expire-urls")) {
            std::string v = r["expire-urls"].as<std::string>();
            if (v == "once") {
                so.urls_once = true;
            } else {
                char* end = nullptr;
                long s = std::strtol(v.c_str(), &end, 10);
                if (v.empty() || *end || s < 0) throw Fatal("--expire-urls takes 'once' or a number of seconds");
                so.url_ttl_s = s;
            }
        }
        so.gzip_tiles = r.count("gzip-tiles") > 0;
        so.log = r.count("log") > 0;
        int threads = r["threads"].as<int>();
        if (threads < 1 || threads > 1024) throw Fatal("--threads must be between 1 and 1024");
        double exit_after = r["exit-after"].as<double>();

        std::string token = r["token"].as<std::string>();
        if (token.empty()) throw Fatal("--token cannot be empty");
        fakeapi::Dataset data = fakeapi::generate(*spec, token);
        data.name = custom ? "custom" : name;

        // Signals: SIGPIPE ignored (a client that hangs up is no reason to
        // die); SIGTERM and SIGINT blocked in every thread and taken by one.
        std::signal(SIGPIPE, SIG_IGN);
        sigset_t stop_signals;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGTERM);
        sigaddset(&stop_signals, SIGINT);
        pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

        std::unique_ptr<httplib::Server> server;
        if (!cert.empty()) {
            server = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
            if (!server->is_valid()) throw Fatal("cannot use " + cert + " and " + key + " for TLS");
        } else {
            server = std::make_unique<httplib::Server>();
        }
        server->new_task_queue = [threads] { return new httplib::ThreadPool(std::size_t(threads)); };
        server->set_tcp_nodelay(true);  // no 40 ms Nagle/delayed-ACK stall per kept-alive answer
        server->set_keep_alive_max_count(100000);
        server->set_keep_alive_timeout(10);
        server->set_payload_max_length(std::size_t(1) << 30);

        int port = r["port"].as<int>();
        if (port == 0) {
            port = server->bind_to_any_port("127.0.0.1");
            if (port < 0) throw Fatal("cannot bind to a port of 127.0.0.1");
        } else if (!server->bind_to_port("127.0.0.1", port)) {
            throw Fatal("cannot bind to 127.0.0.1:" + std::to_string(port));
        }
        std::string base = std::string(cert.empty() ? "http" : "https") + "://127.0.0.1:" + std::to_string(port);

        fakeapi::FakeApi api(so, std::move(data));
        api.install(*server, base);

        std::thread stopper([&] {
            if (exit_after > 0) {
                timespec ts{time_t(exit_after), long((exit_after - time_t(exit_after)) * 1e9)};
                sigtimedwait(&stop_signals, nullptr, &ts);
            } else {
                int sig = 0;
                sigwait(&stop_signals, &sig);
            }
            server->stop();
        });

        std::printf("%s\n", base.c_str());
        std::fflush(stdout);
        bool ok = server->listen_after_bind();
        // listen_after_bind returns when stop() was called, or at once on failure.
        if (!ok && server->is_running()) std::fprintf(stderr, "mly-fakeapi: the server stopped on an error\n");
        if (stopper.joinable()) {
            if (!ok) pthread_kill(stopper.native_handle(), SIGTERM);
            stopper.join();
        }
        return 0;
    } catch (const Fatal& e) {
        std::fprintf(stderr, "mly-fakeapi: %s\n", e.what());
        return 2;
    } catch (const cxxopts::exceptions::exception& e) {
        std::fprintf(stderr, "mly-fakeapi: %s\n", e.what());
        return 2;
    }
}
