#include "local/loopback_client.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <httplib.h>

#include "base/strings.h"

namespace raincheck::local {
namespace {

void SetTimeout(std::chrono::milliseconds d, time_t* sec, time_t* usec) {
  if (d.count() < 1) d = std::chrono::milliseconds(1);
  *sec = static_cast<time_t>(d.count() / 1000);
  *usec = static_cast<time_t>((d.count() % 1000) * 1000);
}

}  // namespace

Result<http::Response> LoopbackClient::Send(const http::Request& request) {
  constexpr std::string_view kScheme = "http://";
  if (!base::StartsWith(request.url, kScheme)) {
    return Status::InvalidArgument("loopback client: only http:// URLs");
  }
  const size_t slash = request.url.find('/', kScheme.size());
  const std::string origin = request.url.substr(0, slash);
  const std::string path = slash == std::string::npos ? "/" : request.url.substr(slash);

  std::chrono::milliseconds timeout = request.attempt_timeout;
  if (request.deadline.has_value()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        *request.deadline - std::chrono::system_clock::now());
    if (left.count() <= 0) return Status::DeadlineExceeded("deadline passed before the request");
    timeout = std::min(timeout, left);
  }
  httplib::Client client(origin);
  if (!client.is_valid()) return Status::InvalidArgument("loopback client: bad URL");
  time_t sec = 0;
  time_t usec = 0;
  SetTimeout(std::min(request.connect_timeout, timeout), &sec, &usec);
  client.set_connection_timeout(sec, usec);
  SetTimeout(timeout, &sec, &usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  client.set_keep_alive(false);

  httplib::Request req;
  req.method = request.method;
  req.path = path;
  for (const auto& [name, value] : request.headers) req.headers.emplace(name, value);
  req.body = request.body;
  bool too_large = false;
  std::string body;
  req.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
    if (body.size() + length > request.max_response_bytes) {
      too_large = true;
      return false;
    }
    body.append(data, length);
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  if (!client.send(req, res, error)) {
    if (too_large) return Status::ResourceExhausted("response body over the limit");
    if (error == httplib::Error::Read || error == httplib::Error::Write) {
      return Status::Unavailable("loopback client: " + httplib::to_string(error));
    }
    if (error == httplib::Error::ConnectionTimeout) {
      return Status::DeadlineExceeded("loopback client: connection timed out");
    }
    return Status::Unavailable("loopback client: " + httplib::to_string(error));
  }
  http::Response response;
  response.status = res.status;
  for (const auto& [name, value] : res.headers) response.headers.emplace_back(name, value);
  response.body = std::move(body);
  return response;
}

}  // namespace raincheck::local
