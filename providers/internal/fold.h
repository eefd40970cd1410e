// Folding of place names for matching: "São Paulo" and "sao  paulo" fold to the same key.
#ifndef RAINCHECK_PROVIDERS_INTERNAL_FOLD_H_
#define RAINCHECK_PROVIDERS_INTERNAL_FOLD_H_

#include <string>
#include <string_view>

namespace raincheck::providers::internal {

// ASCII letters lower-cased; Latin letters with diacritics replaced by their base letters
// (ß -> ss, Ø -> o, ...); Greek, Cyrillic and Armenian lower-cased without diacritics
// ("МОСКВА" -> "москва"); fullwidth ASCII letters and digits as ASCII; combining marks (the
// decomposed "u" + U+0308 of "München"), Arabic harakat and tatweel dropped; apostrophes
// dropped; other ASCII punctuation and whitespace become one space; leading/trailing spaces
// removed. Other scripts (Han, kana, Arabic letters, ...) pass through unchanged. Invalid UTF-8
// bytes are dropped. The table is data/gazetteer/gen_fold_table.py's.
std::string FoldForMatch(std::string_view text);

// Levenshtein distance between `a` and `b` when it is at most `limit`, else limit + 1.
size_t BoundedEditDistance(std::string_view a, std::string_view b, size_t limit);

}  // namespace raincheck::providers::internal

#endif  // RAINCHECK_PROVIDERS_INTERNAL_FOLD_H_
