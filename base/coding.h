// Byte encoding of raincheck's binary files (the model file, the gazetteer index): fixed-width
// little-endian integers and IEEE 754 floats, unsigned LEB128 varints (protocol buffers'), and
// a reader over a byte range that never reads past its end. See docs/files.md.
//
// Writing appends to a std::string; reading goes through ByteReader, whose getters return false
// (and leave their output alone) when fewer bytes remain than they need, so that a caller turns
// a short or damaged input into its own "truncated" error instead of reading out of bounds.
// Decode*() read at a pointer the caller has already checked (hot paths over a validated
// table); prefer ByteReader everywhere else.
#ifndef RAINCHECK_BASE_CODING_H_
#define RAINCHECK_BASE_CODING_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

namespace raincheck::base {

static_assert(std::numeric_limits<float>::is_iec559 && std::numeric_limits<double>::is_iec559,
              "the binary formats store IEEE 754 floats");

// --- Fixed width, little-endian ------------------------------------------------------------

template <typename T>
inline T DecodeFixed(const char* p) {
  static_assert(std::is_unsigned_v<T>);
  T v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, sizeof v);
  } else {
    for (size_t i = 0; i < sizeof v; ++i) {
      v |= static_cast<T>(static_cast<T>(static_cast<unsigned char>(p[i])) << (8 * i));
    }
  }
  return v;
}
inline uint16_t DecodeFixed16(const char* p) { return DecodeFixed<uint16_t>(p); }
inline uint32_t DecodeFixed32(const char* p) { return DecodeFixed<uint32_t>(p); }
inline uint64_t DecodeFixed64(const char* p) { return DecodeFixed<uint64_t>(p); }

// Writes the `sizeof(T)` bytes of `v` at `p`.
template <typename T>
inline void EncodeFixed(char* p, T v) {
  static_assert(std::is_unsigned_v<T>);
  for (size_t i = 0; i < sizeof v; ++i)
    p[i] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xFFu);
}

inline void PutFixed8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }
template <typename T>
inline void PutFixed(std::string& out, T v) {
  char buf[sizeof(T)];
  EncodeFixed(buf, v);
  out.append(buf, sizeof buf);
}
inline void PutFixed16(std::string& out, uint16_t v) { PutFixed(out, v); }
inline void PutFixed32(std::string& out, uint32_t v) { PutFixed(out, v); }
inline void PutFixed64(std::string& out, uint64_t v) { PutFixed(out, v); }
inline void PutInt32(std::string& out, int32_t v) { PutFixed32(out, static_cast<uint32_t>(v)); }
inline void PutFloat32(std::string& out, float v) { PutFixed32(out, std::bit_cast<uint32_t>(v)); }
inline void PutFloat64(std::string& out, double v) { PutFixed64(out, std::bit_cast<uint64_t>(v)); }

// Overwrites 8 bytes at `offset` of `out` (a length field patched once the rest is written).
// The caller makes sure that `offset + 8 <= out.size()`.
inline void PatchFixed64(std::string& out, size_t offset, uint64_t v) {
  EncodeFixed(out.data() + offset, v);
}

// --- Varint (unsigned LEB128, at most 10 bytes) --------------------------------------------

inline void PutVarint64(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7Fu) | 0x80u));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// A u32 length, then the bytes. The caller makes sure `s` is shorter than 4 GiB.
inline void PutLengthPrefixed(std::string& out, std::string_view s) {
  PutFixed32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

// --- Bounds-checked reading ----------------------------------------------------------------

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  size_t remaining() const { return bytes_.size() - pos_; }
  size_t position() const { return pos_; }
  bool done() const { return pos_ == bytes_.size(); }

  bool U8(uint8_t& v) { return Fixed(v); }
  bool U16(uint16_t& v) { return Fixed(v); }
  bool U32(uint32_t& v) { return Fixed(v); }
  bool U64(uint64_t& v) { return Fixed(v); }
  bool I32(int32_t& v) { return Cast<uint32_t>(v); }
  bool F32(float& v) { return Cast<uint32_t>(v); }
  bool F64(double& v) { return Cast<uint64_t>(v); }

  // Unsigned LEB128; false when the input ends inside it or it runs past 10 bytes (64 bits).
  bool Varint64(uint64_t& v) {
    uint64_t x = 0;
    size_t p = pos_;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= bytes_.size()) return false;
      const auto b = static_cast<unsigned char>(bytes_[p++]);
      x |= static_cast<uint64_t>(b & 0x7Fu) << shift;
      if ((b & 0x80u) == 0) {
        pos_ = p;
        v = x;
        return true;
      }
    }
    return false;
  }

  // The next `n` bytes, viewed in place (no copy).
  bool Bytes(uint64_t n, std::string_view& v) {
    if (n > remaining()) return false;
    v = bytes_.substr(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return true;
  }
  bool Skip(uint64_t n) {
    std::string_view ignored;
    return Bytes(n, ignored);
  }
  // A u32 length, then that many bytes (PutLengthPrefixed).
  bool LengthPrefixed(std::string_view& v) {
    const size_t start = pos_;
    uint32_t n = 0;
    if (U32(n) && Bytes(n, v)) return true;
    pos_ = start;
    return false;
  }
  bool LengthPrefixed(std::string& v) {
    std::string_view view;
    if (!LengthPrefixed(view)) return false;
    v.assign(view);
    return true;
  }

 private:
  template <typename T>
  bool Fixed(T& v) {
    if (remaining() < sizeof(T)) return false;
    if constexpr (sizeof(T) == 1) {
      v = static_cast<T>(bytes_[pos_]);
    } else {
      v = DecodeFixed<T>(bytes_.data() + pos_);
    }
    pos_ += sizeof(T);
    return true;
  }
  template <typename Bits, typename T>
  bool Cast(T& v) {
    Bits bits;
    if (!Fixed(bits)) return false;
    v = std::bit_cast<T>(bits);
    return true;
  }

  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace raincheck::base

#endif  // RAINCHECK_BASE_CODING_H_
