// The Lambda Invoke API (POST /2015-03-31/functions/{name}/invocations) over an Emulator, so
// that `aws lambda invoke --endpoint-url http://127.0.0.1:3001 ...` and the SDKs work locally.
// Credentials and signatures are not checked (any will do, as with SAM's local endpoint).
#ifndef RAINCHECK_LOCAL_INVOKE_API_H_
#define RAINCHECK_LOCAL_INVOKE_API_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "local/emulator.h"
#include "local/http_server.h"

namespace raincheck::local {

struct InvokeApiOptions {
  std::string host = "127.0.0.1";
  int port = 3001;  // 0: any free port (see InvokeApiServer::port)
};

// Thread-safe. Answers:
//   RequestResponse  200, the payload; X-Amz-Function-Error: Unhandled on function errors;
//                    X-Amz-Log-Result (base64 of the last 4 KB of logs) with X-Amz-Log-Type: Tail
//   Event            202 at once; the invocation runs in the background (payload <= 256 KB)
//   DryRun           204
// and Lambda's error documents (X-Amzn-ErrorType + {"Type","message"}): 404
// ResourceNotFoundException for another function name or qualifier, 400
// InvalidRequestContentException for a payload that is not JSON, 400
// InvalidParameterValueException for a bad invocation or log type, 413
// RequestEntityTooLargeException, 503 ServiceException while shutting down. Other paths are
// 404 UnknownOperationException. The HTTP server's refusals (local/http_server.h: 400, 405,
// 408, 411, 413, 414, 431, ...) come as the same error documents, with Connection: close.
class InvokeApiServer {
 public:
  // `emulator` must outlive this and be started.
  InvokeApiServer(Emulator& emulator, InvokeApiOptions options);
  ~InvokeApiServer();  // Stop()
  InvokeApiServer(const InvokeApiServer&) = delete;
  InvokeApiServer& operator=(const InvokeApiServer&) = delete;

  // Binds and listens, then serves on background threads: the port accepts connections when
  // this returns. Unavailable when the address is taken.
  Status Start();
  int port() const { return port_; }
  // Stops accepting, finishes the requests in progress and waits for background (Event)
  // invocations. Shut the emulator down first to cut those short. Idempotent.
  void Stop();

 private:
  ServerResponse Handle(const ServerRequest& req);
  void Async(std::string payload, InvokeOptions options);

  Emulator& emulator_;
  InvokeApiOptions options_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  int background_ = 0;
};

}  // namespace raincheck::local

#endif  // RAINCHECK_LOCAL_INVOKE_API_H_
