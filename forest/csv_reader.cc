#include "forest/csv_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

namespace raincheck::forest {

Status CsvIssue::ToStatus(size_t lines_before) const {
  return Status::InvalidArgument("CSV line " + std::to_string(line + lines_before) + ": " + what);
}

CsvCursor::CsvCursor(std::string_view text, size_t first_line) : text_(text), line_(first_line) {}

CsvCursor::Step CsvCursor::Fail(size_t line, std::string what) {
  issue_ = CsvIssue{line, std::move(what)};
  pos_ = text_.size();  // nothing more comes out of a malformed text
  return Step::kError;
}

CsvCursor::Step CsvCursor::Next(CsvRecord& record) {
  const char* const t = text_.data();
  const size_t n = text_.size();
  for (;;) {
    if (pos_ >= n) return Step::kEnd;
    spans_.clear();
    scratch_.clear();
    const size_t record_line = line_;
    for (;;) {
      // Start of a field.
      if (pos_ < n && t[pos_] == '"') {
        const size_t quote_line = line_;
        const size_t begin = ++pos_;
        bool escaped = false;
        bool closed = false;
        size_t end = begin;
        while (pos_ < n) {
          const char c = t[pos_];
          if (c == '"') {
            if (pos_ + 1 < n && t[pos_ + 1] == '"') {
              escaped = true;
              pos_ += 2;
              continue;
            }
            end = pos_++;
            closed = true;
            break;
          }
          if (c == '\n' || (c == '\r' && !(pos_ + 1 < n && t[pos_ + 1] == '\n'))) ++line_;
          ++pos_;
        }
        if (!closed) return Fail(quote_line, "unterminated quoted field");
        if (pos_ < n && t[pos_] != ',' && t[pos_] != '\n' && t[pos_] != '\r') {
          return Fail(line_, "unexpected character after a closing quote");
        }
        if (escaped) {
          const size_t at = scratch_.size();
          for (size_t k = begin; k < end; ++k) {
            scratch_.push_back(t[k]);
            if (t[k] == '"') ++k;  // the second quote of a "" pair
          }
          spans_.push_back({at, scratch_.size() - at, true});
        } else {
          spans_.push_back({begin, end - begin, false});
        }
      } else {
        const size_t begin = pos_;
        while (pos_ < n) {
          const char c = t[pos_];
          if (c == ',' || c == '\n' || c == '\r') break;
          if (c == '"') return Fail(line_, "quote inside an unquoted field");
          ++pos_;
        }
        spans_.push_back({begin, pos_ - begin, false});
      }
      // End of a field.
      if (pos_ >= n) break;
      if (t[pos_] == ',') {
        ++pos_;
        if (pos_ >= n) {  // "a,b," at the end of the text: the last field is empty
          spans_.push_back({pos_, 0, false});
          break;
        }
        continue;
      }
      if (t[pos_] == '\r' && pos_ + 1 < n && t[pos_ + 1] == '\n') ++pos_;
      ++pos_;
      ++line_;
      break;
    }
    if (spans_.size() == 1 && spans_[0].size == 0) continue;  // a blank line
    if (expected_ != 0 && spans_.size() != expected_) {
      return Fail(record_line, "expected " + std::to_string(expected_) + " fields, found " +
                                   std::to_string(spans_.size()));
    }
    record.fields.clear();
    for (const Span& s : spans_) {
      record.fields.emplace_back((s.in_scratch ? scratch_.data() : t) + s.begin, s.size);
    }
    record.line = record_line;
    return Step::kRecord;
  }
}

Status CheckCsvHeader(const std::vector<std::string_view>& fields, size_t line) {
  std::set<std::string_view> seen;
  for (std::string_view h : fields) {
    const CsvIssue issue{line, h.empty() ? "empty column name in the header"
                                         : "column '" + std::string(h) + "' appears twice"};
    if (h.empty() || !seen.insert(h).second) return issue.ToStatus();
  }
  return Status::Ok();
}

CsvChunker::CsvChunker(int fd, size_t target_bytes)
    : fd_(fd), target_(std::max<size_t>(target_bytes, 1)) {}

Status CsvChunker::Fill(size_t want) {
  char buffer[1 << 16];
  while (!eof_ && pending_.size() < want) {
    const size_t room = std::min(sizeof buffer, want - pending_.size());
    const ssize_t got = ::read(fd_, buffer, room);
    if (got < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(std::string("cannot read the CSV input: ") + std::strerror(errno));
    }
    if (got == 0) {
      eof_ = true;
      break;
    }
    pending_.append(buffer, static_cast<size_t>(got));
  }
  return Status::Ok();
}

size_t CsvChunker::SplitPoint(size_t limit) const {
  const char* const t = pending_.data();
  // After a '\r' comes a '\n' or another record: which one is known only with the next byte.
  auto boundary_after = [&](size_t k) {  // t[k] is a line end
    if (t[k] == '\n') return true;
    return k + 1 < pending_.size() && t[k + 1] != '\n';
  };
  if (std::memchr(t, '"', limit) == nullptr) {
    for (size_t k = limit; k-- > 0;) {
      if ((t[k] == '\n' || t[k] == '\r') && boundary_after(k)) return k + 1;
    }
    return 0;
  }
  // Quotes: a line end is a record boundary when an even number of quotes precede it (in a
  // well-formed text; a malformed one fails in the chunk that holds its first fault).
  size_t split = 0;
  bool quoted = false;
  for (size_t k = 0; k < limit; ++k) {
    const char c = t[k];
    if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && (c == '\n' || c == '\r') && boundary_after(k)) {
      split = k + 1;
    }
  }
  return split;
}

Status CsvChunker::Next(std::string& chunk) {
  chunk.clear();
  if (!started_) {
    RC_RETURN_IF_ERROR(Fill(std::max<size_t>(target_, 3)));
    if (pending_.compare(0, 3, "\xEF\xBB\xBF") == 0) pending_.erase(0, 3);
    started_ = true;
  }
  for (size_t limit = target_;; limit *= 2) {
    RC_RETURN_IF_ERROR(Fill(limit));
    if (eof_ && pending_.size() <= limit) {
      chunk.swap(pending_);
      return Status::Ok();
    }
    const size_t split = SplitPoint(std::min(limit, pending_.size()));
    if (split > 0) {
      chunk.swap(pending_);
      pending_.assign(chunk, split);
      chunk.resize(split);
      return Status::Ok();
    }
    if (limit >= kMaxRecordBytes) {
      return Status::InvalidArgument("a record longer than " +
                                     std::to_string(kMaxRecordBytes >> 20) +
                                     " MiB (an unterminated quoted field?)");
    }
  }
}

}  // namespace raincheck::forest
