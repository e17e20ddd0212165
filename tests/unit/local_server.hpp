// Servers on 127.0.0.1 for the HTTP and API unit tests, each on a port the
// system picks: an httplib::Server (or SSLServer) run on its own thread, and a
// raw TCP server whose connections a test scripts byte by byte (to drop them,
// cut bodies short, or answer nonsense).
//
// Handlers run on server threads: they record what they saw under a mutex and
// the test checks it afterwards (Catch2 assertions are not thread-safe).
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace test {

struct LocalServer {
    std::unique_ptr<httplib::Server> server;
    std::thread thread;
    int port = 0;

    explicit LocalServer(std::unique_ptr<httplib::Server> s = std::make_unique<httplib::Server>())
        : server(std::move(s)) {
        server->set_tcp_nodelay(true);  // else Nagle and delayed ACKs cost 40 ms a request
    }

    // Call after the handlers are set.
    void start() {
        port = server->bind_to_any_port("127.0.0.1");
        if (port <= 0) throw std::runtime_error("cannot bind a test server on 127.0.0.1");
        thread = std::thread([this] { server->listen_after_bind(); });
        while (!server->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~LocalServer() {
        server->stop();
        if (thread.joinable()) thread.join();
    }
    std::string url(const std::string& path = "") const {
        return std::string(dynamic_cast<httplib::SSLServer*>(server.get()) ? "https" : "http") +
               "://127.0.0.1:" + std::to_string(port) + path;
    }
};

// Accepts connections one after the other; script(fd, n) handles the n-th
// (0-based) and the connection is closed when it returns.
struct RawServer {
    int listener = -1;
    int port = 0;
    std::atomic<bool> stopping{false};
    std::atomic<int> connections{0};
    std::function<void(int fd, int n)> script;
    std::thread thread;

    explicit RawServer(std::function<void(int fd, int n)> s) : script(std::move(s)) {
        listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listener, 16) != 0 ||
            ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("cannot start a raw test server");
        port = ntohs(a.sin_port);
        thread = std::thread([this] {
            while (!stopping) {
                pollfd p{listener, POLLIN, 0};
                if (::poll(&p, 1, 20) <= 0) continue;
                int fd = ::accept(listener, nullptr, nullptr);
                if (fd < 0) continue;
                script(fd, connections++);
                ::close(fd);
            }
        });
    }
    ~RawServer() {
        stopping = true;
        thread.join();
        ::close(listener);
    }
    std::string url(const std::string& path = "/") const { return "http://127.0.0.1:" + std::to_string(port) + path; }

    // Reads one request's head (up to the blank line); false when the client left.
    static bool read_head(int fd) {
        std::string got;
        char c;
        while (got.size() < 65536) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 2000) <= 0) return false;
            if (::read(fd, &c, 1) != 1) return false;
            got += c;
            if (got.size() >= 4 && got.compare(got.size() - 4, 4, "\r\n\r\n") == 0) return true;
        }
        return false;
    }
    static void send_all(int fd, const std::string& s) {
        std::size_t done = 0;
        while (done < s.size()) {
            ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
            if (n <= 0) return;
            done += static_cast<std::size_t>(n);
        }
    }
};

// A port on 127.0.0.1 where nothing listens (bound, then closed).
inline int closed_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

}  // namespace test
