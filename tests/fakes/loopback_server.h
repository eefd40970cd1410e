// Loopback HTTP servers for tests: a cpp-httplib server on 127.0.0.1 with an ephemeral port,
// served from its own thread, and a raw TCP server for faults HTTP libraries cannot produce
// (connection reset, garbage or truncated replies).
#ifndef RAINCHECK_TESTS_FAKES_LOOPBACK_SERVER_H_
#define RAINCHECK_TESTS_FAKES_LOOPBACK_SERVER_H_

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace raincheck::fakes {

// What a loopback server saw of one finished request.
struct RecordedRequest {
  std::string method;
  std::string path;
  std::string target;                              // path and query exactly as sent
  std::multimap<std::string, std::string> params;  // decoded query parameters
  std::multimap<std::string, std::string> headers;
  std::string body;
};

// Register handlers on server() before Start(). Stop() (also run by the destructor) wakes
// handlers blocked in SleepUnlessStopped() first, so a "hanging" handler never blocks it.
class LoopbackServer {
 public:
  LoopbackServer();
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  httplib::Server& server() { return *server_; }

  // Binds 127.0.0.1 on a free port and serves in a thread; returns once it accepts.
  void Start();
  void Stop();

  int port() const { return port_; }
  // "http://127.0.0.1:PORT"
  std::string base_url() const;

  // For slow / hanging handlers: waits up to `d`; returns early (true) once Stop() began.
  bool SleepUnlessStopped(std::chrono::milliseconds d);

  // Requests answered so far, in order (recorded just before the answer is written).
  std::vector<RecordedRequest> requests() const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<RecordedRequest> requests_;
};

// Accepts TCP connections on 127.0.0.1, reads the request head, writes `reply` verbatim and
// closes the connection: with an RST when `reset` is true (a "connection reset by peer").
class RawTcpServer {
 public:
  RawTcpServer(std::string reply, bool reset);
  ~RawTcpServer();
  RawTcpServer(const RawTcpServer&) = delete;
  RawTcpServer& operator=(const RawTcpServer&) = delete;

  int port() const { return port_; }
  std::string base_url() const;
  int connections() const { return connections_.load(); }

 private:
  void Loop();

  std::string reply_;
  bool reset_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

// A TCP port on 127.0.0.1 on which nothing listens (bound, then closed).
int UnusedLoopbackPort();

}  // namespace raincheck::fakes

#endif  // RAINCHECK_TESTS_FAKES_LOOPBACK_SERVER_H_
