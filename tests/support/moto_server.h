// A real moto_server (the AWS service emulator) on 127.0.0.1 for the S3 integration tests,
// started with IAM authentication on, and an IAM user allowed s3:* created through moto's
// IAM API with signed requests.
#ifndef RAINCHECK_TESTS_SUPPORT_MOTO_SERVER_H_
#define RAINCHECK_TESTS_SUPPORT_MOTO_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "base/status.h"
#include "http/client.h"
#include "store/sigv4.h"

namespace raincheck::testing {

class MotoServer {
 public:
  // Starts `moto_server` from PATH on a free loopback port with
  // INITIAL_NO_AUTH_ACTION_COUNT=`unauthenticated_actions` and waits until it accepts
  // connections. Unavailable when moto_server is missing or does not come up.
  static Result<std::unique_ptr<MotoServer>> Start(int unauthenticated_actions);
  ~MotoServer();  // stops the server (its whole process group)

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  // Stops answering (SIGSTOP) / answers again (SIGCONT): a server that is down, then back.
  void Pause();
  void Resume();

  // Uses the first unauthenticated actions: CreateUser, CreatePolicy (`policy`, an IAM policy
  // document; empty: s3:* on *), AttachUserPolicy, CreateAccessKey. Returns the new user's keys.
  Result<store::Credentials> CreateS3User(http::Client& client, const std::string& user,
                                          const std::string& policy = "");
  // Creates `bucket` (path-style, signed with `credentials`).
  Status CreateBucket(http::Client& client, const store::Credentials& credentials,
                      const std::string& bucket);

 private:
  MotoServer(pid_t pid, int port, std::string log) : pid_(pid), port_(port), log_(std::move(log)) {}
  Result<std::string> Iam(http::Client& client, const std::string& form);

  pid_t pid_;
  int port_;
  std::string log_;  // the server's output, removed when it stops
};

// True when `moto_server` is found on PATH.
bool MotoServerInstalled();

}  // namespace raincheck::testing

#endif  // RAINCHECK_TESTS_SUPPORT_MOTO_SERVER_H_
