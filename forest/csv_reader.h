// The CSV dialect of forest/csv.h read without a copy per cell, and from a stream in blocks
// of whole records: what `predict` and `evaluate` read files larger than memory with, and what
// ParseCsv is built on.
//
//   CsvCursor   records of a text that starts at a record boundary; fields are views into the
//               text (a quoted field with "" escapes is unescaped into the cursor's scratch).
//   CsvChunker  cuts a byte stream (a file or a pipe) into chunks of whole records, each about
//               `target` bytes, so that chunks can be parsed on several threads at once.
//
// Errors say "CSV line N: ..." exactly as ParseCsv does; a cursor over a chunk counts lines
// from the chunk's own start, and CsvIssue adds the lines before it.
#ifndef RAINCHECK_FOREST_CSV_READER_H_
#define RAINCHECK_FOREST_CSV_READER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace raincheck::forest {

// A malformed record: the line it was found on and what is wrong ("unterminated quoted field").
struct CsvIssue {
  size_t line = 0;
  std::string what;

  // InvalidArgument "CSV line <line + lines_before>: <what>".
  Status ToStatus(size_t lines_before = 0) const;
};

// One record: its fields (views valid until the cursor's next call) and its first line.
struct CsvRecord {
  std::vector<std::string_view> fields;
  size_t line = 0;
};

class CsvCursor {
 public:
  // `text` starts at a record boundary, on line `first_line`. The end of the text ends the
  // last record (as the end of a file does).
  explicit CsvCursor(std::string_view text, size_t first_line = 1);

  enum class Step { kRecord, kEnd, kError };
  // The next record that is not blank (a blank line, or one empty field alone, is skipped).
  // With expect_fields(n) set, a record of another width is an error. kError leaves issue().
  Step Next(CsvRecord& record);

  void expect_fields(size_t n) { expected_ = n; }
  const CsvIssue& issue() const { return issue_; }
  // Where the cursor is: the byte offset of the next record, and its line.
  size_t offset() const { return pos_; }
  size_t line() const { return line_; }

 private:
  Step Fail(size_t line, std::string what);

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t expected_ = 0;  // 0: any width
  CsvIssue issue_;
  // Unescaped quoted fields of the current record; `spans_` say where each field is (in the
  // text, or at an offset into scratch_, so that growing it does not move earlier fields).
  std::string scratch_;
  struct Span {
    size_t begin;
    size_t size;
    bool in_scratch;
  };
  std::vector<Span> spans_;
};

// The header's problems, as ParseCsv reports them: an empty or duplicate column name.
Status CheckCsvHeader(const std::vector<std::string_view>& fields, size_t line);

// Cuts what `fd` reads into chunks of whole records. Does not own or close `fd`.
class CsvChunker {
 public:
  // A record longer than this is refused (an unterminated quote in a large file would
  // otherwise be read whole into memory).
  static constexpr size_t kMaxRecordBytes = size_t{64} << 20;

  CsvChunker(int fd, size_t target_bytes);

  // The next chunk: records from a record boundary to just after a line end (or to the end of
  // the input), at least one line unless the input ended. `chunk` is empty at the end.
  // A UTF-8 BOM at the start of the input is dropped. IOError when reading fails;
  // InvalidArgument for a record longer than kMaxRecordBytes (the message names no line: the
  // record starts where the chunks read so far end).
  Status Next(std::string& chunk);

 private:
  // Fills pending_ to at least `want` bytes unless the input ends first.
  Status Fill(size_t want);
  // Length of the longest prefix of pending_[0, limit) that ends just after a line end outside
  // quotes; 0 when there is none.
  size_t SplitPoint(size_t limit) const;

  int fd_;
  size_t target_;
  std::string pending_;
  bool eof_ = false;
  bool started_ = false;
};

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_CSV_READER_H_
