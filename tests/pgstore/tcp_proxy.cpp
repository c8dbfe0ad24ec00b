// SPDX-License-Identifier: EUPL-1.2
#include "tcp_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace jubes::pgtest {
namespace {
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

constexpr auto client_grace = 200ms;   // the rest of a pipeline still reaches the server
constexpr auto server_grace = 1200ms;  // the server finishes what it was sent
}  // namespace

tcp_proxy::tcp_proxy(std::uint16_t upstream_port) : upstream_(upstream_port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto a = loopback(0);
  socklen_t len = sizeof a;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listener_, 64) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0 ||
      ::pipe2(wake_, O_CLOEXEC) != 0) {
    close_fd(listener_);
    throw std::runtime_error("tcp_proxy: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

tcp_proxy::~tcp_proxy() {
  close_fd(wake_[1]);  // every poll below sees the hang-up
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> ts;
  {
    std::lock_guard lk(mu_);
    ts.swap(threads_);
  }
  for (auto& t : ts) t.join();
  close_fd(listener_);
  close_fd(wake_[0]);
}

void tcp_proxy::cut_after_commit(std::string application) {
  std::lock_guard lk(mu_);
  armed_ = true;
  application_ = std::move(application);
}

bool tcp_proxy::take_trigger(const std::string& chunk, std::string& startup) {
  // The startup packet carries application_name (after an SSLRequest, when libpq asks for TLS
  // first); what the connection sent until then is kept whether or not the cut is armed yet (the
  // writer connects long before a test arms it).
  if (startup.find("application_name") == std::string::npos && startup.size() < 16384) startup += chunk;
  std::lock_guard lk(mu_);
  if (!armed_ || startup.find(application_) == std::string::npos) return false;
  if (chunk.find("COMMIT") == std::string::npos) return false;
  armed_ = false;
  return true;
}

void tcp_proxy::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listener_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents) return;
    int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto up = loopback(upstream_);
    if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&up), sizeof up) != 0) {
      close_fd(client);
      close_fd(server);
      continue;
    }
    std::lock_guard lk(mu_);
    threads_.emplace_back([this, client, server] { pump(client, server); });
  }
}

void tcp_proxy::pump(int client, int server) {
  std::string startup;
  bool cut = false;
  steady::time_point cut_at{};
  std::string chunk(64 * 1024, '\0');
  for (;;) {
    pollfd fds[3] = {{client, POLLIN, 0}, {server, POLLIN, 0}, {wake_[0], POLLIN, 0}};  // fd -1: ignored
    ::poll(fds, 3, cut ? 50 : -1);
    if (fds[2].revents) break;
    if (cut && steady::now() - cut_at > client_grace) close_fd(client);
    if (cut && steady::now() - cut_at > server_grace) break;
    if (client >= 0 && fds[0].revents) {
      ssize_t n = ::recv(client, chunk.data(), chunk.size(), 0);
      if (n <= 0) break;
      const std::string got(chunk.data(), static_cast<std::size_t>(n));
      if (!cut && take_trigger(got, startup)) {
        cut = true;
        cut_at = steady::now();
        ++cuts_;
      }
      if (!write_all(server, got.data(), got.size())) break;
    }
    if (fds[1].revents) {
      ssize_t n = ::recv(server, chunk.data(), chunk.size(), 0);
      if (n <= 0) break;
      if (!cut && !write_all(client, chunk.data(), static_cast<std::size_t>(n))) break;  // after the cut: dropped
    }
  }
  close_fd(client);
  close_fd(server);
}

}  // namespace jubes::pgtest
