// `raincheck records ls [PREFIX] | cat KEY | flush`: what the function stored, from the
// store RAINCHECK_RECORDS names (a directory or S3, with the same signer as the function);
// unset, the directory every local verb writes to (function/config.h DefaultLocalRecordsDir).
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/clock.h"
#include "base/env.h"
#include "base/file.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "function/config.h"
#include "http/curl_client.h"
#include "store/config.h"

namespace raincheck::cli {

namespace {

struct RecordsTool {
  base::SystemClock clock;
  std::unique_ptr<http::CurlClient> client;
  std::unique_ptr<store::SpoolingStore> store;
};

// Builds the configured store, by default where the local verbs write
// (DefaultLocalRecordsDir); prints why not and returns null on failure.
std::unique_ptr<RecordsTool> OpenStore(const char* verb) {
  std::map<std::string, std::string> defaults;
  function::SetLocalRecordsDefaults(base::ProcessEnv(), &defaults);
  Result<store::RecordsConfig> config =
      store::ParseRecordsConfig(base::OverlayEnv(std::move(defaults), base::ProcessEnv()));
  if (!config.ok()) {
    std::fprintf(stderr, "raincheck records %s: configuration: %s\n", verb,
                 config.status().message().c_str());
    return nullptr;
  }
  auto tool = std::make_unique<RecordsTool>();
  tool->client = std::make_unique<http::CurlClient>(tool->clock);
  Result<std::unique_ptr<store::SpoolingStore>> built =
      store::MakeRecordStore(*config, tool->client.get(), tool->clock);
  if (!built.ok()) {
    std::fprintf(stderr, "raincheck records %s: %s\n", verb, built.status().message().c_str());
    return nullptr;
  }
  if (*built == nullptr) {
    std::fprintf(stderr, "raincheck records %s: records are off (RAINCHECK_RECORDS=off)\n", verb);
    return nullptr;
  }
  tool->store = std::move(built).value();
  return tool;
}

int Fail(const char* verb, const Status& status) {
  std::fprintf(stderr, "raincheck records %s: %s\n", verb, status.ToString().c_str());
  return kExitFailure;
}

int RunLs(const std::string& prefix, bool json) {
  auto tool = OpenStore("ls");
  if (!tool) return kExitFailure;
  Result<std::vector<std::string>> keys = tool->store->List(prefix);
  if (!keys.ok()) return Fail("ls", keys.status());
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const std::string& key : *keys) out.push_back({{"key", key}});
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    for (const std::string& key : *keys) std::printf("%s\n", key.c_str());
  }
  if (keys->empty()) {
    // Say where it looked: records written elsewhere are not lost, only elsewhere.
    std::fprintf(stderr, "no records in %s\n", tool->store->inner().Describe().c_str());
  }
  Result<std::vector<std::string>> spooled = tool->store->Spooled();
  if (spooled.ok() && !spooled->empty()) {
    std::fprintf(stderr, "%zu record(s) waiting in the spool %s: run `raincheck records flush`\n",
                 spooled->size(), tool->store->spool_dir().c_str());
  }
  return kExitOk;
}

// KEY "-": the keys are read from stdin, one a line (`raincheck records ls | ... | records cat -`),
// and each record is printed on a line of its own.
int RunCat(const std::string& key) {
  auto tool = OpenStore("cat");
  if (!tool) return kExitFailure;
  if (key != "-") {
    Result<std::string> body = tool->store->Get(key);
    if (!body.ok()) return Fail("cat", body.status());
    std::fwrite(body->data(), 1, body->size(), stdout);
    return kExitOk;
  }
  Result<std::string> keys = base::ReadFile("-");
  if (!keys.ok()) return Fail("cat", keys.status());
  for (const std::string& line : base::Split(*keys, '\n')) {
    const std::string_view k = base::Trim(line);
    if (k.empty()) continue;
    Result<std::string> body = tool->store->Get(std::string(k));
    if (!body.ok()) return Fail("cat", body.status());
    std::fwrite(body->data(), 1, body->size(), stdout);
    if (body->empty() || body->back() != '\n') std::fputc('\n', stdout);
  }
  return kExitOk;
}

int RunFlush(double timeout_seconds) {
  auto tool = OpenStore("flush");
  if (!tool) return kExitFailure;
  const auto deadline =
      tool->clock.Now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  const store::FlushResult result = tool->store->Flush(deadline);
  std::printf("flushed %d record(s) to %s; %d left in the spool\n", result.flushed,
              tool->store->inner().Describe().c_str(), result.remaining);
  if (!result.error.ok()) return Fail("flush", result.error);
  return result.remaining == 0 ? kExitOk : kExitFailure;
}

}  // namespace

void RegisterRecords(CLI::App& root, int* exit_code) {
  CLI::App* cmd = root.add_subcommand(
      "records", "List, show and flush the stored query records (RAINCHECK_RECORDS)");
  cmd->require_subcommand(1);

  auto prefix = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* ls = cmd->add_subcommand("ls", "List record keys, oldest first");
  ls->add_option("PREFIX", *prefix, "Only keys starting with this, e.g. dt=2026-11-28/");
  ls->add_flag("--json", *json, "Print a JSON array of {\"key\": ...} instead");
  ls->callback([prefix, json, exit_code] { *exit_code = RunLs(*prefix, *json); });

  auto key = std::make_shared<std::string>();
  CLI::App* cat = cmd->add_subcommand("cat", "Print one stored record");
  cat->add_option("KEY", *key,
                  "A key printed by `raincheck records ls` ('-': read keys from stdin, one a line)")
      ->required();
  cat->callback([key, exit_code] { *exit_code = RunCat(*key); });

  auto timeout = std::make_shared<double>(60);
  CLI::App* flush = cmd->add_subcommand(
      "flush", "Push the records spooled while the store was failing (RAINCHECK_SPOOL)");
  flush->add_option("--timeout", *timeout, "Give up after this many seconds")
      ->default_val(60)
      ->check(CLI::Range(0.001, 3600.0));
  flush->callback([timeout, exit_code] { *exit_code = RunFlush(*timeout); });
}

}  // namespace raincheck::cli
