// `predict` and `evaluate` over CSV streams of any length: the input is cut into blocks of
// whole records (forest/csv_reader.h), each block is parsed and predicted on one of `jobs`
// threads, and the results are taken in input order, so the output does not depend on the
// number of threads or the block size. Memory is bounded by a few blocks per thread (plus, for
// evaluate, 13 bytes per row: label, probability, month).
#ifndef RAINCHECK_FOREST_BATCH_PREDICT_H_
#define RAINCHECK_FOREST_BATCH_PREDICT_H_

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/env.h"
#include "base/status.h"
#include "forest/dataset.h"
#include "forest/model.h"

namespace raincheck::forest {

struct StreamOptions {
  int jobs = 1;                          // worker threads (>= 1)
  size_t block_bytes = size_t{1} << 20;  // CSV text per block (whole records; >= 1)
};

// `--jobs` (0: every core) and the block size: RAINCHECK_CSV_BLOCK_BYTES from `env` (a test
// knob: a small block proves that memory does not grow with the input). InvalidArgument for
// a negative job count or a block size that is not a positive integer.
Result<StreamOptions> MakeStreamOptions(int jobs, const base::EnvLookup& env);

// A CSV input: a file, or stdin for "-". Closes what it opened.
class CsvInput {
 public:
  // NotFound "<path> does not exist", IOError for another failure to open.
  static Result<CsvInput> Open(const std::string& path);
  CsvInput(CsvInput&& other) noexcept;
  CsvInput& operator=(CsvInput&&) = delete;
  ~CsvInput();

  int fd() const { return fd_; }
  // The path, or "stdin": what error messages name.
  const std::string& name() const { return name_; }

 private:
  CsvInput(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  int fd_ = -1;
  bool owned_ = true;
  std::string name_;
};

// Receives output bytes in order; a non-ok status stops the stream and is returned.
using ByteSink = std::function<Status(std::string_view)>;

// Reads CSV from `fd` (not closed) and writes "prediction,probability" and one line per data
// row, "<0|1>,<P(positive) with 6 decimals>", to `sink`; for a regression model
// (Model::is_regression()) the header is "value" and each line the value with 6 decimals. Columns
// by the model's feature names (others ignored). Errors: IOError for a failed read; InvalidArgument
// for the first problem in input order, as ParseCsv and BuildDataset word it ("CSV line 7: column
// 'wind' is not a finite number", "the data has no column 'wind'"). What was written before stays
// written.
Status PredictCsvStream(const Model& model, int fd, const ByteSink& sink,
                        const StreamOptions& options);

// What pipeline.h's Evaluate reports for the CSV read from `fd`, with the same errors as
// PredictCsvStream and BuildDataset's label rules (a label cell that is not 0/1, no labelled
// row).
Result<nlohmann::json> EvaluateCsvStream(const Model& model, int fd, const LabelSpec& label,
                                         const StreamOptions& options);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_BATCH_PREDICT_H_
