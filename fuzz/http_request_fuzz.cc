// Fuzz target: the bytes a client sends to start-api or start-lambda, read by the strict HTTP
// server's request reader (local::RequestHeadReader, the one the server reads every request
// through), as a connection would carry them: request after request (pipelined), each head
// followed by the body its Content-Length frames. Checks, beyond "no crash":
//  - a head never takes more bytes than were given, and ends with its empty line;
//  - a refusal is one of the statuses local/http_server.h documents for the reader;
//  - a complete head keeps the limits (method, version, header count and bytes, body size) and
//    holds no byte the contract refuses (token names, field values, one Host, no
//    Transfer-Encoding, at most one Content-Length);
//  - reading the same bytes as they trickle in (in pieces of 1-16 bytes, the lengths taken from
//    the input's bytes) gives the same answer as reading them at once, and as the one-call
//    ReadRequestHead;
//  - while a head is incomplete, what it holds stays within the limits (the reader never waits
//    for more than a request line and a header section can hold).
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "fuzz/fake_http.h"
#include "local/http_server.h"

namespace {

using raincheck::local::HttpServerOptions;
using raincheck::local::RequestHead;
using raincheck::local::RequestHeadReader;
using raincheck::local::ServerRequest;

// Small limits, so that short inputs reach 414, 431 and 413 too.
const HttpServerOptions& Limits() {
  static const HttpServerOptions options = [] {
    HttpServerOptions o;
    o.max_request_line_bytes = 200;
    o.max_header_count = 8;
    o.max_header_bytes = 400;
    o.max_body_bytes = 300;
    o.method_body_limits = {{"GET", 16}, {"HEAD", 0}};
    return o;
  }();
  return options;
}

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool IsTchar(unsigned char c) {
  return std::isalnum(c) != 0 ||
         (c != 0 &&
          std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos);
}

bool SameRequest(const ServerRequest& a, const ServerRequest& b) {
  return a.method == b.method && a.target == b.target && a.path == b.path && a.query == b.query &&
         a.version == b.version && a.headers == b.headers;
}

bool SameHead(const RequestHead& a, const RequestHead& b) {
  return a.outcome == b.outcome && a.status == b.status && a.head_bytes == b.head_bytes &&
         a.content_length == b.content_length && a.expect_continue == b.expect_continue &&
         a.close == b.close &&
         (a.outcome != RequestHead::Outcome::kComplete || SameRequest(a.request, b.request));
}

void CheckHead(const RequestHead& head, std::string_view received) {
  const HttpServerOptions& o = Limits();
  switch (head.outcome) {
    case RequestHead::Outcome::kIncomplete:
      // At most 8 empty lines, a request line and a header section, each with its CRLF.
      Check(received.size() <=
            size_t{8} * 2 + o.max_request_line_bytes + 2 + o.max_header_bytes + 2);
      return;
    case RequestHead::Outcome::kRefused:
      for (int s : {400, 405, 411, 413, 414, 417, 431, 501, 505}) {
        if (head.status == s) return;
      }
      Check(false);
      return;
    case RequestHead::Outcome::kComplete:
      break;
  }
  Check(head.head_bytes >= 4 && head.head_bytes <= received.size());
  Check(received.substr(0, head.head_bytes).ends_with("\r\n\r\n"));
  const ServerRequest& r = head.request;
  Check(std::find(o.methods.begin(), o.methods.end(), r.method) != o.methods.end());
  Check(r.version == "HTTP/1.1" || r.version == "HTTP/1.0");
  Check(!r.target.empty() && std::all_of(r.target.begin(), r.target.end(), [](char ch) {
    const auto b = static_cast<unsigned char>(ch);
    return b > 0x20 && b < 0x7F;
  }));
  Check(r.target == "*" ? r.path == "*" : r.path.starts_with("/"));
  Check(r.headers.size() <= o.max_header_count);
  size_t header_bytes = 0;
  int hosts = 0;
  int lengths = 0;
  for (const auto& [name, value] : r.headers) {
    header_bytes += name.size() + 1 + value.size() + 2;
    Check(!name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return IsTchar(static_cast<unsigned char>(c));
    }));
    Check(std::all_of(value.begin(), value.end(), [](char ch) {
      const auto c = static_cast<unsigned char>(ch);
      return c == '\t' || (c >= 0x20 && c != 0x7F);
    }));
    Check(value.empty() || (value.front() != ' ' && value.front() != '\t' && value.back() != ' ' &&
                            value.back() != '\t'));
    Check(!raincheck::base::EqualsIgnoreAsciiCase(name, "transfer-encoding"));
    if (raincheck::base::EqualsIgnoreAsciiCase(name, "host")) ++hosts;
    if (raincheck::base::EqualsIgnoreAsciiCase(name, "content-length")) ++lengths;
  }
  Check(header_bytes <= o.max_header_bytes);
  Check(hosts == 1 || (hosts == 0 && r.version == "HTTP/1.0"));
  Check(lengths <= 1 && (lengths == 1 || head.content_length == 0));
  size_t limit = o.max_body_bytes;
  for (const auto& [m, l] : o.method_body_limits) {
    if (m == r.method) limit = l;
  }
  Check(head.content_length <= limit);
  Check(!head.expect_continue || r.version == "HTTP/1.1");
  Check(r.version == "HTTP/1.1" || head.close);
  Check(r.body.empty() && r.peer_address.empty());
}

// Reads `bytes` as they would arrive in pieces: each piece's length taken from `cuts`.
RequestHead ReadInPieces(std::string_view bytes, std::string_view cuts) {
  RequestHeadReader reader(Limits());
  size_t have = 0;
  size_t i = 0;
  while (true) {
    const size_t step =
        cuts.empty() ? 1 : 1 + size_t{static_cast<unsigned char>(cuts[i++ % cuts.size()])} % 16;
    have = std::min(bytes.size(), have + step);
    const RequestHead& head = reader.Read(bytes.substr(0, have));
    if (head.outcome != RequestHead::Outcome::kIncomplete || have == bytes.size()) {
      return head;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // What the connection carries; its own bytes also say where the trickled reading cuts it
  // (so the seeds are plain HTTP).
  const std::string_view input = raincheck::fuzz::AsText(data, size);
  const std::string_view cuts = input;
  std::string_view stream = input;
  RequestHeadReader reader(Limits());
  for (int request = 0; request < 16; ++request) {
    const RequestHead head = reader.Read(stream);
    CheckHead(head, stream);
    Check(SameHead(head, raincheck::local::ReadRequestHead(stream, Limits())));
    Check(SameHead(head, ReadInPieces(stream, cuts)));
    if (head.outcome != RequestHead::Outcome::kComplete) break;
    // The body as the server takes it, then the next request (pipelined) from what follows.
    if (stream.size() - head.head_bytes < head.content_length) break;  // the body is to come
    stream.remove_prefix(head.head_bytes + head.content_length);
    reader.Reset();
  }
  return 0;
}
