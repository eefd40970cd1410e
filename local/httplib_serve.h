// Serving a cpp-httplib server from a background thread, for the servers that keep cpp-httplib:
// each instance's Runtime API (local/instance.cc) and the tests' loopback fakes
// (tests/fakes/loopback_server.h). start-api and start-lambda use local/http_server.h, whose
// Start() listens before it returns and needs no such wait.
#ifndef RAINCHECK_LOCAL_HTTPLIB_SERVE_H_
#define RAINCHECK_LOCAL_HTTPLIB_SERVE_H_

#include <httplib.h>

#include <chrono>
#include <thread>

namespace raincheck::local {

// Runs `server`'s accept loop (listen_after_bind; bind first) on `*thread` and returns once the
// loop runs, or false after `limit`. cpp-httplib 0.11's stop() is a no-op until the loop runs,
// so a stop() right after starting would be lost and the loop would never end: this is the one
// wait for that.
inline bool ServeInBackground(httplib::Server& server, std::thread* thread,
                              std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  *thread = std::thread([&server] { server.listen_after_bind(); });
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!server.is_running() && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return server.is_running();
}

}  // namespace raincheck::local

#endif  // RAINCHECK_LOCAL_HTTPLIB_SERVE_H_
