#include "forest/batch_predict.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "forest/csv.h"
#include "forest/csv_reader.h"
#include "forest/pipeline.h"

namespace raincheck::forest {
namespace {

constexpr uint8_t kBadLabel = 2;

// The columns a block reads, found by name in the header.
struct Plan {
  size_t width = 0;  // fields per record
  std::vector<size_t> features;
  const FeatureSchema* schema = nullptr;
  const LabelSpec* label = nullptr;
  size_t label_column = 0;
  std::optional<size_t> date_column;
  size_t max_bad_labels = 0;  // bad label cells remembered per block
};

// Whole records of the input, and what became of them.
struct Block {
  std::string text;
  size_t begin = 0;  // the records start at text[begin]
  bool done = false;

  size_t rows = 0;
  size_t lines = 0;  // line ends in text[begin..]: where the next block's lines start
  std::vector<float> x;
  std::vector<double> p;
  std::vector<uint8_t> y;  // with a label: 0, 1 or kBadLabel per row
  std::vector<int> month;
  std::optional<CsvIssue> syntax;                       // malformed CSV: the block ends there
  std::optional<std::pair<size_t, CsvIssue>> bad_cell;  // (row, issue): the first bad number
  std::vector<std::pair<size_t, size_t>> bad_labels;    // (row, line) of the first bad labels
  Status status;                                        // prediction
  std::string out;                                      // predict's lines
};

Result<Plan> MakePlan(const std::vector<std::string>& header, const FeatureSchema& schema,
                      const LabelSpec* label) {
  auto column = [&](const std::string& name) -> std::optional<size_t> {
    const auto at = std::find(header.begin(), header.end(), name);
    if (at == header.end()) return std::nullopt;
    return static_cast<size_t>(at - header.begin());
  };
  Plan plan;
  plan.width = header.size();
  plan.schema = &schema;
  for (const Feature& f : schema.features()) {
    const auto c = column(f.name);
    if (!c) return Status::InvalidArgument("the data has no column '" + f.name + "'");
    plan.features.push_back(*c);
  }
  if (label) {
    const auto c = column(label->column);
    if (!c) return Status::InvalidArgument("the data has no label column '" + label->column + "'");
    plan.label = label;
    plan.label_column = *c;
    plan.date_column = column("date");
    plan.max_bad_labels = static_cast<size_t>(label->ahead) + 1;
  }
  return plan;
}

// Parses the block's records into features (and labels and months when the plan has a label).
void Decode(const Plan& plan, Block& b) {
  CsvCursor cursor(std::string_view(b.text).substr(b.begin));
  cursor.expect_fields(plan.width);
  CsvRecord record;
  const size_t width = plan.features.size();
  b.x.reserve(width * (b.text.size() - b.begin) / (8 * plan.width + 1));
  CsvCursor::Step step;
  while ((step = cursor.Next(record)) == CsvCursor::Step::kRecord) {
    const size_t r = b.rows++;
    for (size_t f = 0; f < width; ++f) {
      std::optional<float> v = ParseNumericCell(record.fields[plan.features[f]]);
      if (!v) {
        if (!b.bad_cell) {
          b.bad_cell.emplace(r, CsvIssue{record.line, "column '" + (*plan.schema)[f].name +
                                                          "' is not a finite number"});
        }
        v = std::numeric_limits<float>::quiet_NaN();
      }
      b.x.push_back(*v);
    }
    if (plan.label) {
      const std::optional<uint8_t> y = plan.label->LabelOf(record.fields[plan.label_column]);
      if (!y && b.bad_labels.size() < plan.max_bad_labels)
        b.bad_labels.emplace_back(r, record.line);
      b.y.push_back(y ? *y : kBadLabel);
      b.month.push_back(plan.date_column ? MonthOfDate(record.fields[*plan.date_column]) : 0);
    }
  }
  if (step == CsvCursor::Step::kError) b.syntax = cursor.issue();
  b.lines = cursor.line() - 1;
}

void Predict(const Model& model, Block& b) {
  b.p.resize(b.rows);
  b.status = model.PredictProbaBatch(b.x, b.p);
  std::vector<float>().swap(b.x);
  std::string().swap(b.text);
}

// The block's first CSV problem in line order: a malformed record or a cell that is not a
// number.
std::optional<CsvIssue> FirstIssue(const Block& b) {
  if (b.bad_cell && (!b.syntax || b.bad_cell->second.line < b.syntax->line)) {
    return b.bad_cell->second;
  }
  return b.syntax;
}

struct Header {
  std::vector<std::string> names;
  std::unique_ptr<Block> rest;  // the records after the header in its chunk, or null
  size_t lines_before = 0;      // lines up to the end of the header record
};

Status InputError(const Status& s, size_t lines_before) {
  if (s.code() != StatusCode::kInvalidArgument) return s;
  return CsvIssue{lines_before + 1, s.message()}.ToStatus();
}

Result<Header> ReadHeader(CsvChunker& chunker) {
  Header h;
  for (;;) {
    auto b = std::make_unique<Block>();
    const Status s = chunker.Next(b->text);
    if (!s.ok()) return InputError(s, h.lines_before);
    if (b->text.empty()) return Status::InvalidArgument("CSV has no header row");
    CsvCursor cursor(b->text);
    CsvRecord record;
    switch (cursor.Next(record)) {
      case CsvCursor::Step::kError:
        return cursor.issue().ToStatus(h.lines_before);
      case CsvCursor::Step::kEnd:
        h.lines_before += cursor.line() - 1;
        continue;
      case CsvCursor::Step::kRecord:
        break;
    }
    RC_RETURN_IF_ERROR(CheckCsvHeader(record.fields, record.line + h.lines_before));
    h.names.assign(record.fields.begin(), record.fields.end());
    h.lines_before += cursor.line() - 1;
    b->begin = cursor.offset();
    if (b->begin < b->text.size()) h.rest = std::move(b);
    return h;
  }
}

// Runs `work` on every block on `jobs` threads and `consume` on this thread in input order,
// with the number of lines before the block; stops at the first error `consume` returns or at
// a failed read (after consuming the blocks before it). At most 2 * jobs + 2 blocks are alive.
Status RunBlocks(CsvChunker& chunker, Header& header, const StreamOptions& options,
                 const std::function<void(Block&)>& work,
                 const std::function<Status(Block&, size_t)>& consume) {
  const size_t jobs = static_cast<size_t>(std::max(options.jobs, 1));
  const size_t window = 2 * jobs + 2;
  std::mutex mu;
  std::condition_variable work_ready, block_done;
  std::deque<std::unique_ptr<Block>> queue;  // read and not yet consumed, in input order
  size_t front = 0;                          // input index of queue.front()
  size_t next_work = 0;                      // input index of the next block to work on
  bool stop = false;

  std::vector<std::thread> pool;
  pool.reserve(jobs);
  for (size_t t = 0; t < jobs; ++t) {
    pool.emplace_back([&]() {
      std::unique_lock<std::mutex> lock(mu);
      for (;;) {
        work_ready.wait(lock, [&]() { return stop || next_work < front + queue.size(); });
        if (stop) return;
        Block* b = queue[next_work++ - front].get();
        lock.unlock();
        work(*b);
        lock.lock();
        b->done = true;
        block_done.notify_all();
      }
    });
  }
  auto push = [&](std::unique_ptr<Block> b) {
    const std::lock_guard<std::mutex> lock(mu);
    queue.push_back(std::move(b));
    work_ready.notify_one();
  };

  size_t lines_before = header.lines_before;
  if (header.rest) push(std::move(header.rest));
  bool input_done = false;
  Status input_status;
  Status result;
  for (;;) {
    bool room = false;
    {
      const std::lock_guard<std::mutex> lock(mu);
      room = queue.size() < window;
    }
    if (!input_done && room) {
      auto b = std::make_unique<Block>();
      input_status = chunker.Next(b->text);
      if (!input_status.ok() || b->text.empty()) {
        input_done = true;
      } else {
        push(std::move(b));
      }
      continue;
    }
    std::unique_ptr<Block> b;
    {
      std::unique_lock<std::mutex> lock(mu);
      if (queue.empty()) break;
      block_done.wait(lock, [&]() { return queue.front()->done; });
      b = std::move(queue.front());
      queue.pop_front();
      ++front;
    }
    result = consume(*b, lines_before);
    if (!result.ok()) break;
    lines_before += b->lines;
  }
  {
    const std::lock_guard<std::mutex> lock(mu);
    stop = true;
  }
  work_ready.notify_all();
  for (std::thread& t : pool) t.join();
  if (result.ok() && !input_status.ok()) result = InputError(input_status, lines_before);
  return result;
}

// A classifier's lines are "<0|1>,<probability>"; a regression model's just "<value>".
void AppendPredictions(std::span<const double> p, bool regression, std::string& out) {
  out.reserve(p.size() * 11);
  char number[64];
  for (const double v : p) {
    if (!regression) {
      out.push_back(v > 0.5 ? '1' : '0');
      out.push_back(',');
    }
    // The shortest exact rounding to 6 decimals: the same text as printf's "%.6f".
    const auto [end, ec] =
        std::to_chars(number, number + sizeof number, v, std::chars_format::fixed, 6);
    out.append(number, ec == std::errc() ? end : number);
    out.push_back('\n');
  }
}

}  // namespace

Result<StreamOptions> MakeStreamOptions(int jobs, const base::EnvLookup& env) {
  if (jobs < 0) return Status::InvalidArgument("--jobs must be >= 0 (0: every core)");
  StreamOptions o;
  o.jobs = jobs > 0 ? jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (const auto bytes = env("RAINCHECK_CSV_BLOCK_BYTES")) {
    size_t v = 0;
    const auto [end, ec] = std::from_chars(bytes->data(), bytes->data() + bytes->size(), v);
    if (ec != std::errc() || end != bytes->data() + bytes->size() || v == 0) {
      return Status::InvalidArgument("RAINCHECK_CSV_BLOCK_BYTES must be a positive integer");
    }
    o.block_bytes = v;
  }
  return o;
}

Result<CsvInput> CsvInput::Open(const std::string& path) {
  if (path == "-") {
    CsvInput in(STDIN_FILENO, "stdin");
    in.owned_ = false;
    return in;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  }
  return CsvInput(fd, path);
}

CsvInput::CsvInput(CsvInput&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), owned_(other.owned_), name_(std::move(other.name_)) {}

CsvInput::~CsvInput() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

Status PredictCsvStream(const Model& model, int fd, const ByteSink& sink,
                        const StreamOptions& options) {
  CsvChunker chunker(fd, options.block_bytes);
  RC_ASSIGN_OR_RETURN(Header header, ReadHeader(chunker));
  RC_ASSIGN_OR_RETURN(const Plan plan, MakePlan(header.names, model.schema(), nullptr));
  const bool regression = model.is_regression();
  RC_RETURN_IF_ERROR(sink(regression ? "value\n" : "prediction,probability\n"));
  return RunBlocks(
      chunker, header, options,
      [&](Block& b) {
        Decode(plan, b);
        if (FirstIssue(b)) return;
        Predict(model, b);
        if (b.status.ok()) AppendPredictions(b.p, regression, b.out);
      },
      [&](Block& b, size_t lines_before) -> Status {
        if (const auto issue = FirstIssue(b)) return issue->ToStatus(lines_before);
        RC_RETURN_IF_ERROR(b.status);
        return sink(b.out);
      });
}

Result<nlohmann::json> EvaluateCsvStream(const Model& model, int fd, const LabelSpec& label,
                                         const StreamOptions& options) {
  CsvChunker chunker(fd, options.block_bytes);
  RC_ASSIGN_OR_RETURN(Header header, ReadHeader(chunker));
  RC_ASSIGN_OR_RETURN(const Plan plan, MakePlan(header.names, model.schema(), &label));
  const size_t ahead = static_cast<size_t>(label.ahead);
  // Row i is evaluated with the label of row i + ahead, so the last `ahead` rows give only a
  // label: a bad number there is no error (as in BuildDataset), which is known `ahead` rows on.
  std::vector<uint8_t> y;
  std::vector<double> p;
  std::vector<int> month;
  std::optional<std::pair<size_t, Status>> bad_cell;  // (row, error) until it is known to count
  const Status streamed = RunBlocks(
      chunker, header, options,
      [&](Block& b) {
        Decode(plan, b);
        if (!b.syntax) Predict(model, b);
      },
      [&](Block& b, size_t lines_before) -> Status {
        const size_t first_row = y.size();
        if (b.syntax) {
          if (bad_cell) return bad_cell->second;
          return FirstIssue(b)->ToStatus(lines_before);
        }
        RC_RETURN_IF_ERROR(b.status);
        for (const auto& [row, line] : b.bad_labels) {
          if (first_row + row >= ahead) {
            return CsvIssue{line, label.BadLabelMessage()}.ToStatus(lines_before);
          }
        }
        if (b.bad_cell && !bad_cell) {
          bad_cell.emplace(first_row + b.bad_cell->first,
                           b.bad_cell->second.ToStatus(lines_before));
        }
        y.insert(y.end(), b.y.begin(), b.y.end());
        p.insert(p.end(), b.p.begin(), b.p.end());
        month.insert(month.end(), b.month.begin(), b.month.end());
        if (bad_cell && y.size() > bad_cell->first + ahead) return bad_cell->second;
        return Status::Ok();
      });
  RC_RETURN_IF_ERROR(streamed);
  const size_t n = y.size() > ahead ? y.size() - ahead : 0;
  if (bad_cell && bad_cell->first < n) return bad_cell->second;
  if (n == 0) return Status::InvalidArgument("the data has no labelled rows");
  return EvaluatePredictions(model, std::span<const uint8_t>(y).subspan(ahead),
                             std::span<const double>(p).first(n),
                             std::span<const int>(month).first(n), label);
}

}  // namespace raincheck::forest
