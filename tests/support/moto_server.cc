#include "tests/support/moto_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "base/strings.h"
#include "store/digest.h"
#include "tests/support/process.h"

namespace raincheck::testing {

namespace {

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string Tag(const std::string& xml, const std::string& tag) {
  const size_t a = xml.find("<" + tag + ">");
  const size_t b = xml.find("</" + tag + ">");
  if (a == std::string::npos || b == std::string::npos) return "";
  return xml.substr(a + tag.size() + 2, b - a - tag.size() - 2);
}

}  // namespace

bool MotoServerInstalled() {
  const char* path = std::getenv("PATH");
  for (const std::string& dir : base::Split(path ? path : "", ':')) {
    if (!dir.empty() && ::access((dir + "/moto_server").c_str(), X_OK) == 0) return true;
  }
  return false;
}

Result<std::unique_ptr<MotoServer>> MotoServer::Start(int unauthenticated_actions) {
  if (!MotoServerInstalled()) {
    return Status::Unavailable(
        "moto_server is not on PATH (CI machines have it from `pip install moto[server]`)");
  }
  const int port = FreePort();
  if (port == 0) return Status::Unavailable("no free port");
  const std::string log =
      std::string(RAINCHECK_BINARY_DIR) + "/moto-" + std::to_string(port) + ".log";
  SpawnOptions options;
  options.output_file = log;
  options.new_process_group = true;
  options.env = {{"INITIAL_NO_AUTH_ACTION_COUNT", std::to_string(unauthenticated_actions)}};
  const pid_t pid = Spawn({"moto_server", "-H", "127.0.0.1", "-p", std::to_string(port)}, options);
  if (pid < 0) return Status::Unavailable("moto_server could not be started");
  std::unique_ptr<MotoServer> server(new MotoServer(pid, port, log));
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!Accepts(port)) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      server->pid_ = -1;
      return Status::Unavailable("moto_server exited at start; see " + log);
    }
    if (std::chrono::steady_clock::now() > give_up) {
      return Status::Unavailable("moto_server did not start within 30 s; see " + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return server;
}

MotoServer::~MotoServer() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGCONT);
  ::kill(-pid_, SIGTERM);
  bool exited = false;
  for (int i = 0; i < 100 && !exited; ++i) {
    exited = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
    if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!exited) {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ::unlink(log_.c_str());
}

void MotoServer::Pause() { ::kill(-pid_, SIGSTOP); }
void MotoServer::Resume() { ::kill(-pid_, SIGCONT); }

Result<std::string> MotoServer::Iam(http::Client& client, const std::string& form) {
  // moto routes a request by the service in its credential scope, so even the first,
  // unauthenticated calls are signed (with throwaway keys).
  store::SigningInput in;
  in.method = "POST";
  in.host = "127.0.0.1:" + std::to_string(port_);
  in.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  in.payload_hash = store::Sha256Hex(form);
  in.region = "us-east-1";
  in.service = "iam";
  const store::SignedRequest s =
      store::SignV4(in, {"AKIDSETUP", "setup-secret", ""},
                    store::FormatAmzDate(std::chrono::system_clock::now()));
  http::Request req;
  req.method = "POST";
  req.url = endpoint() + "/";
  req.headers = s.headers;
  req.body = form;
  req.attempt_timeout = std::chrono::milliseconds(10000);
  RC_ASSIGN_OR_RETURN(http::Response resp, client.Send(req));
  if (resp.status != 200) {
    return Status::Unavailable("IAM call failed: HTTP " + std::to_string(resp.status) + " " +
                               Tag(resp.body, "Code"));
  }
  return resp.body;
}

Result<store::Credentials> MotoServer::CreateS3User(http::Client& client, const std::string& user,
                                                    const std::string& user_policy) {
  const std::string policy =
      !user_policy.empty()
          ? user_policy
          : R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})";
  RC_RETURN_IF_ERROR(
      Iam(client, "Action=CreateUser&Version=2010-05-08&UserName=" + base::UrlEncode(user))
          .status());
  RC_ASSIGN_OR_RETURN(std::string created,
                      Iam(client, "Action=CreatePolicy&Version=2010-05-08&PolicyName=" +
                                      base::UrlEncode(user + "-s3") +
                                      "&PolicyDocument=" + base::UrlEncode(policy)));
  const std::string arn = Tag(created, "Arn");
  if (arn.empty()) return Status::Unavailable("CreatePolicy returned no Arn");
  RC_RETURN_IF_ERROR(Iam(client, "Action=AttachUserPolicy&Version=2010-05-08&UserName=" +
                                     base::UrlEncode(user) + "&PolicyArn=" + base::UrlEncode(arn))
                         .status());
  RC_ASSIGN_OR_RETURN(std::string key, Iam(client,
                                           "Action=CreateAccessKey&Version=2010-05-08&"
                                           "UserName=" +
                                               base::UrlEncode(user)));
  store::Credentials creds{Tag(key, "AccessKeyId"), Tag(key, "SecretAccessKey"), ""};
  if (creds.access_key_id.empty() || creds.secret_access_key.empty()) {
    return Status::Unavailable("CreateAccessKey returned no key");
  }
  return creds;
}

Status MotoServer::CreateBucket(http::Client& client, const store::Credentials& credentials,
                                const std::string& bucket) {
  store::SigningInput in;
  in.method = "PUT";
  in.host = "127.0.0.1:" + std::to_string(port_);
  in.path = "/" + bucket;
  in.payload_hash = store::Sha256Hex("");
  in.region = "us-east-1";
  in.service = "s3";
  in.add_content_sha256 = true;
  const store::SignedRequest s =
      store::SignV4(in, credentials, store::FormatAmzDate(std::chrono::system_clock::now()));
  http::Request req;
  req.method = "PUT";
  req.url = endpoint() + store::EncodePath(in.path);
  req.headers = s.headers;
  RC_ASSIGN_OR_RETURN(http::Response resp, client.Send(req));
  if (resp.status != 200) {
    return Status::Unavailable("CreateBucket failed: HTTP " + std::to_string(resp.status) + " " +
                               Tag(resp.body, "Code"));
  }
  return Status::Ok();
}

}  // namespace raincheck::testing
