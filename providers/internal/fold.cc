#include "providers/internal/fold.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <vector>

#include "base/strings.h"

namespace raincheck::providers::internal {

namespace {

struct FoldEntry {
  uint32_t code_point;
  const char* replacement;  // UTF-8; empty: the code point is dropped
};

constexpr FoldEntry kFold[] = {
#include "providers/internal/fold_table.inc"
};

const char* FoldCodePoint(uint32_t cp) {
  const auto it = std::lower_bound(std::begin(kFold), std::end(kFold), cp,
                                   [](const FoldEntry& e, uint32_t v) { return e.code_point < v; });
  if (it != std::end(kFold) && it->code_point == cp) return it->replacement;
  return nullptr;
}

bool IsApostrophe(uint32_t cp) {
  return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC;
}
bool IsSeparator(uint32_t cp) {
  return (cp < 0x80 &&
          !((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))) ||
         cp == 0x00A0 || cp == 0x3000 || cp == 0x2010 || cp == 0x2013 || cp == 0x2014;
}

}  // namespace

std::string FoldForMatch(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  auto emit = [&](std::string_view piece) {
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    out += piece;
  };
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t len = base::DecodeUtf8(text, i, &cp);
    if (len == 0) {
      ++i;
      continue;
    }
    if (IsApostrophe(cp)) {
      // dropped: "Xi'an" matches "Xian"
    } else if (IsSeparator(cp)) {
      pending_space = true;
    } else if (cp < 0x80) {
      const char c = static_cast<char>(cp);
      const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      emit(std::string_view(&lower, 1));
    } else if (const char* replacement = FoldCodePoint(cp)) {
      if (*replacement != '\0') emit(replacement);  // a combining mark or tatweel: nothing
    } else {
      emit(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

size_t BoundedEditDistance(std::string_view a, std::string_view b, size_t limit) {
  const size_t n = a.size();
  const size_t m = b.size();
  if ((n > m ? n - m : m - n) > limit) return limit + 1;
  thread_local std::vector<size_t> prev, cur;
  prev.assign(m + 1, 0);
  cur.assign(m + 1, 0);
  for (size_t j = 0; j <= m; ++j) prev[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > limit) return limit + 1;
    std::swap(prev, cur);
  }
  return std::min(prev[m], limit + 1);
}

}  // namespace raincheck::providers::internal
