#include "tests/fakes/loopback_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "local/httplib_serve.h"

namespace raincheck::fakes {

LoopbackServer::LoopbackServer() : server_(std::make_unique<httplib::Server>()) {
  server_->set_keep_alive_timeout(1);
  // Recorded before the response is written, so a client that got its answer sees it.
  server_->set_post_routing_handler([this](const httplib::Request& req, httplib::Response&) {
    RecordedRequest r;
    r.method = req.method;
    r.path = req.path;
    r.target = req.target;
    for (const auto& [k, v] : req.params) r.params.emplace(k, v);
    for (const auto& [k, v] : req.headers) r.headers.emplace(k, v);
    r.body = req.body;
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(std::move(r));
  });
}

LoopbackServer::~LoopbackServer() { Stop(); }

void LoopbackServer::Start() {
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("loopback server: bind failed");
  if (!local::ServeInBackground(*server_, &thread_)) {
    throw std::runtime_error("loopback server: the accept loop did not start");
  }
}

void LoopbackServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

std::string LoopbackServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

bool LoopbackServer::SleepUnlessStopped(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, d, [this] { return stopping_; });
}

std::vector<RecordedRequest> LoopbackServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

namespace {

int ListenLoopback(int* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
    ::close(fd);
    throw std::runtime_error("bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

RawTcpServer::RawTcpServer(std::string reply, bool reset)
    : reply_(std::move(reply)), reset_(reset) {
  listen_fd_ = ListenLoopback(&port_);
  thread_ = std::thread([this] { Loop(); });
}

RawTcpServer::~RawTcpServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
}

std::string RawTcpServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void RawTcpServer::Loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    // Read the request head (up to a blank line, 64 KiB or 1 s of silence).
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
      pollfd q{fd, POLLIN, 0};
      if (::poll(&q, 1, 1000) <= 0) break;
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      head.append(buf, static_cast<size_t>(n));
    }
    if (!reply_.empty()) {
      (void)::send(fd, reply_.data(), reply_.size(), MSG_NOSIGNAL);
    }
    if (reset_) {
      linger l{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    ::close(fd);
  }
}

int UnusedLoopbackPort() {
  int port = 0;
  const int fd = ListenLoopback(&port);
  ::close(fd);
  return port;
}

}  // namespace raincheck::fakes
