// `raincheck predict`: batch predictions for CSV rows, streamed in blocks on every core.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "base/env.h"
#include "cli/commands.h"
#include "forest/batch_predict.h"
#include "forest/model.h"

namespace raincheck::cli {
namespace {

struct PredictFlags {
  std::string model, data, out = "-";
  int jobs = 0;
};

Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(std::string("cannot write the predictions: ") + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "raincheck predict: %s\n", message.c_str());
  return kExitFailure;
}

int Run(const PredictFlags& f) {
  auto model = forest::Model::Load(f.model);
  if (!model.ok()) return Fail(model.status().message());
  auto options = forest::MakeStreamOptions(f.jobs, base::ProcessEnv());
  if (!options.ok()) {
    std::fprintf(stderr, "raincheck predict: %s\n", options.status().message().c_str());
    return kExitUsage;
  }
  auto input = forest::CsvInput::Open(f.data);
  if (!input.ok()) return Fail(input.status().message());

  // A file is written beside its final name and renamed into place only when every row was
  // predicted, so a failed run leaves no partial file; stdout gets the rows as they come.
  const bool to_stdout = f.out == "-";
  const std::string partial = to_stdout ? "" : f.out + ".partial-" + std::to_string(::getpid());
  int out_fd = STDOUT_FILENO;
  if (!to_stdout) {
    out_fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0) return Fail("cannot write " + f.out + ": " + std::strerror(errno));
  }
  Status s = forest::PredictCsvStream(
      *model, input->fd(), [&](std::string_view bytes) { return WriteAll(out_fd, bytes); },
      *options);
  if (!to_stdout) {
    if (s.ok() && ::fsync(out_fd) != 0)
      s = Status::IOError("cannot write " + f.out + ": " + std::strerror(errno));
    if (::close(out_fd) != 0 && s.ok())
      s = Status::IOError("cannot write " + f.out + ": " + std::strerror(errno));
    if (s.ok() && ::rename(partial.c_str(), f.out.c_str()) != 0) {
      s = Status::IOError("cannot write " + f.out + ": " + std::strerror(errno));
    }
    if (!s.ok()) ::unlink(partial.c_str());
  }
  if (!s.ok()) return Fail(input->name() + ": " + s.message());
  return kExitOk;
}

}  // namespace

void RegisterPredict(CLI::App& root, int* exit_code) {
  auto flags = std::make_shared<PredictFlags>();
  CLI::App* cmd = root.add_subcommand(
      "predict",
      "Predict every row of a CSV file, in row order: 'prediction,probability' lines for a "
      "classifier, 'value' lines for a regression model");
  cmd->add_option("--model", flags->model, "Model file")->required();
  cmd->add_option("--data", flags->data,
                  "CSV with the model's feature columns (others ignored); - reads stdin")
      ->required();
  cmd->add_option("--out", flags->out, "Where the predictions go (default: - for stdout)");
  cmd->add_option("--jobs", flags->jobs,
                  "Threads (default: all cores); the output does not depend on it");
  cmd->callback([flags, exit_code]() { *exit_code = Run(*flags); });
}

}  // namespace raincheck::cli
