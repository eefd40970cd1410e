// An http::Client over cpp-httplib for plain-HTTP loopback calls (the emulator's Runtime API,
// the Invoke API in tests). It makes one attempt per request, with a fresh connection, and
// does not retry: on loopback a failure is an answer. Outbound calls to the internet use
// http::CurlClient.
#ifndef RAINCHECK_LOCAL_LOOPBACK_CLIENT_H_
#define RAINCHECK_LOCAL_LOOPBACK_CLIENT_H_

#include "http/client.h"

namespace raincheck::local {

// Thread-safe (no shared state).
class LoopbackClient final : public http::Client {
 public:
  // Only "http://host:port/path" URLs; anything else is InvalidArgument. Honours the deadline,
  // attempt and connect timeouts and max_response_bytes; ignores max_retries.
  Result<http::Response> Send(const http::Request& request) override;
};

}  // namespace raincheck::local

#endif  // RAINCHECK_LOCAL_LOOPBACK_CLIENT_H_
