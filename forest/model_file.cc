// Reading and writing the model file (docs/model_format.md).
#include "forest/model_file.h"

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <set>
#include <sstream>

#include "base/file.h"
#include "forest/checksum.h"
#include "forest/model.h"

namespace raincheck::forest {
namespace {

static_assert(std::numeric_limits<float>::is_iec559, "the model file stores IEEE 754 floats");
// The trees are read in place (forest/forest_ir.h, ForestView): the file's little-endian
// arrays are the host's. Lambda and the supported build machines are x86-64 and arm64.
static_assert(std::endian::native == std::endian::little,
              "the model file's arrays are read in place and are little-endian");

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U16(uint16_t v) { LittleEndian(v, 2); }
  void U32(uint32_t v) { LittleEndian(v, 4); }
  void U64(uint64_t v) { LittleEndian(v, 8); }
  void I32(int32_t v) { U32(static_cast<uint32_t>(v)); }
  void F32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    U32(bits);
  }
  void Bytes(std::string_view s) { out_.append(s); }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    Bytes(s);
  }
  std::string& out() { return out_; }

 private:
  void LittleEndian(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
  }
  std::string out_;
};

// Bounds-checked little-endian reader over a byte range. Every getter returns false (and
// leaves the output alone) when fewer bytes remain than it needs.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : b_(bytes) {}
  size_t remaining() const { return b_.size() - pos_; }
  bool U8(uint8_t& v) {
    uint64_t x;
    if (!LittleEndian(1, x)) return false;
    v = static_cast<uint8_t>(x);
    return true;
  }
  bool U16(uint16_t& v) {
    uint64_t x;
    if (!LittleEndian(2, x)) return false;
    v = static_cast<uint16_t>(x);
    return true;
  }
  bool U32(uint32_t& v) {
    uint64_t x;
    if (!LittleEndian(4, x)) return false;
    v = static_cast<uint32_t>(x);
    return true;
  }
  bool U64(uint64_t& v) { return LittleEndian(8, v); }
  bool I32(int32_t& v) {
    uint32_t x;
    if (!U32(x)) return false;
    v = static_cast<int32_t>(x);
    return true;
  }
  bool F32(float& v) {
    uint32_t x;
    if (!U32(x)) return false;
    std::memcpy(&v, &x, sizeof v);
    return true;
  }
  bool Bytes(size_t n, std::string_view& v) {
    if (remaining() < n) return false;
    v = b_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Str(std::string& v) {
    uint32_t n;
    std::string_view s;
    if (!U32(n) || !Bytes(n, s)) return false;
    v.assign(s);
    return true;
  }

 private:
  bool LittleEndian(int n, uint64_t& v) {
    if (remaining() < static_cast<size_t>(n)) return false;
    uint64_t x = 0;
    for (int i = 0; i < n; ++i) {
      x |= static_cast<uint64_t>(static_cast<uint8_t>(b_[pos_ + static_cast<size_t>(i)]))
           << (8 * i);
    }
    pos_ += static_cast<size_t>(n);
    v = x;
    return true;
  }
  std::string_view b_;
  size_t pos_ = 0;
};

void WriteSection(Writer& w, std::string_view tag, uint32_t flags, const std::string& payload) {
  w.Bytes(tag);
  w.U32(flags);
  w.U64(payload.size());
  w.Bytes(payload);
}

Status Truncated(std::string_view section) {
  return Status::Corruption("section '" + std::string(section) + "' is truncated or malformed");
}

Status ParseSchema(std::string_view payload, FeatureSchema& schema) {
  Reader r(payload);
  uint32_t n;
  if (!r.U32(n)) return Truncated("SCHM");
  // Each feature takes at least 8 bytes: refuse counts the payload cannot hold before
  // allocating anything.
  if (n > r.remaining() / 8) return Truncated("SCHM");
  std::vector<Feature> features(n);
  for (Feature& f : features) {
    if (!r.Str(f.name) || !r.Str(f.unit)) return Truncated("SCHM");
  }
  if (r.remaining() != 0) return Truncated("SCHM");
  schema = FeatureSchema(std::move(features));
  return Status::Ok();
}

Status ParseClasses(std::string_view payload, std::vector<std::string>& labels) {
  Reader r(payload);
  uint32_t n;
  if (!r.U32(n)) return Truncated("CLAS");
  if (n > r.remaining() / 4) return Truncated("CLAS");
  labels.assign(n, std::string());
  for (std::string& s : labels) {
    if (!r.Str(s)) return Truncated("CLAS");
  }
  if (r.remaining() != 0) return Truncated("CLAS");
  return Status::Ok();
}

Status ParseCard(std::string_view payload, nlohmann::json& card) {
  card = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (card.is_discarded() || !card.is_object()) {
    return Status::Corruption("section 'CARD' is not a JSON object");
  }
  return Status::Ok();
}

// KIND: u8 aggregation, u8 link, u8 accumulator (0 double, 1 float32), u8 0, f64 base score.
constexpr size_t kKindSize = 12;

Status ParseKind(std::string_view payload, Combination& c) {
  Reader r(payload);
  uint8_t aggregation = 0, link = 0, accumulator = 0, reserved = 0;
  uint64_t base_bits = 0;
  if (payload.size() != kKindSize || !r.U8(aggregation) || !r.U8(link) || !r.U8(accumulator) ||
      !r.U8(reserved) || !r.U64(base_bits)) {
    return Truncated("KIND");
  }
  if (accumulator > 1 || reserved != 0) {
    return Status::Corruption("section 'KIND' has an unknown accumulator or flag");
  }
  // Out-of-range aggregations and links are named by ModelBuilder::Build.
  c.aggregation = static_cast<Combination::Aggregation>(aggregation);
  c.link = static_cast<Combination::Link>(link);
  c.float32_sum = accumulator == 1;
  c.base_score = std::bit_cast<double>(base_bits);
  return Status::Ok();
}

std::string KindPayload(const Combination& c) {
  Writer w;
  w.U8(static_cast<uint8_t>(c.aggregation));
  w.U8(static_cast<uint8_t>(c.link));
  w.U8(c.float32_sum ? 1 : 0);
  w.U8(0);
  w.U64(std::bit_cast<uint64_t>(c.base_score));
  return std::move(w.out());
}

// Views the TREE section's arrays where they are (no copy); the bytes must outlive `a`.
Status ViewTrees(std::string_view payload, ForestView& a) {
  Reader r(payload);
  uint32_t n_trees, n_nodes, n_leaves;
  if (!r.U32(a.n_features) || !r.U32(a.n_classes) || !r.U32(n_trees) || !r.U32(n_nodes) ||
      !r.U32(n_leaves)) {
    return Truncated("TREE");
  }
  // The payload must be exactly this long.
  const uint64_t table_bytes = 8ull * (static_cast<uint64_t>(n_trees) + 1);
  const uint64_t node_bytes = 17ull * n_nodes;
  const uint64_t rest = r.remaining();
  if (table_bytes + node_bytes > rest) return Truncated("TREE");
  const uint64_t leaf_bytes = rest - table_bytes - node_bytes;
  if (n_leaves == 0 || a.n_classes == 0 || leaf_bytes % 4 != 0 ||
      leaf_bytes / 4 / a.n_classes != n_leaves || (leaf_bytes / 4) % a.n_classes != 0) {
    return Truncated("TREE");
  }
  // Sizes were checked above, so every column lies inside the payload.
  const char* p = payload.data() + (payload.size() - rest);
  auto take = [&p]<typename T>(Column<T>& column, size_t n) {
    column = Column<T>(p, n);
    p += n * sizeof(T);
  };
  take(a.node_begin, static_cast<size_t>(n_trees) + 1);
  take(a.leaf_begin, static_cast<size_t>(n_trees) + 1);
  take(a.feature, n_nodes);
  take(a.threshold, n_nodes);
  take(a.left, n_nodes);
  take(a.right, n_nodes);
  take(a.missing_left, n_nodes);
  take(a.leaf_value, static_cast<size_t>(leaf_bytes / 4));
  return Status::Ok();
}

// Parses the model file `bytes`, which `storage` keeps alive for the model's lifetime.
Result<Model> Parse(const std::shared_ptr<const void>& storage, std::string_view bytes) {
  if (bytes.size() < kModelMagic.size() || bytes.substr(0, kModelMagic.size()) != kModelMagic) {
    return Status::Corruption("not a raincheck model file (bad magic)");
  }
  if (bytes.size() < kModelHeaderSize + kModelTrailerSize) {
    return Status::Corruption("model file is truncated (" + std::to_string(bytes.size()) +
                              " bytes)");
  }
  Reader header(bytes.substr(kModelMagic.size()));
  uint16_t major = 0, minor = 0;
  uint32_t flags = 0;
  uint64_t length = 0;
  header.U16(major);
  header.U16(minor);
  header.U32(flags);
  header.U64(length);
  if (major != kModelFormatMajor) {
    return Status::Corruption("model format version " + std::to_string(major) + "." +
                              std::to_string(minor) + " is not supported (this reader reads " +
                              std::to_string(kModelFormatMajor) + ".x)");
  }
  if (length > bytes.size()) {
    return Status::Corruption("model file is truncated (" + std::to_string(bytes.size()) + " of " +
                              std::to_string(length) + " bytes)");
  }
  if (length < bytes.size()) {
    return Status::Corruption("model file has " + std::to_string(bytes.size() - length) +
                              " unexpected bytes after its end");
  }
  if (bytes.substr(bytes.size() - kModelEndMagic.size()) != kModelEndMagic) {
    return Status::Corruption("model file is truncated (no end marker)");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - kModelTrailerSize);
  uint64_t stored_checksum = 0;
  Reader trailer(bytes.substr(body.size()));
  trailer.U64(stored_checksum);
  if (Xxh64(body) != stored_checksum) {
    return Status::Corruption("model file is corrupted (checksum mismatch)");
  }

  ModelBuilder builder;
  Reader r(body.substr(kModelHeaderSize));
  std::set<std::string> seen;
  while (r.remaining() > 0) {
    std::string_view tag, payload;
    uint32_t section_flags = 0;
    uint64_t size = 0;
    if (!r.Bytes(4, tag) || !r.U32(section_flags) || !r.U64(size) || size > r.remaining()) {
      return Status::Corruption("model file has a malformed section header");
    }
    r.Bytes(static_cast<size_t>(size), payload);
    const std::string name(tag);
    if (!seen.insert(name).second) {
      return Status::Corruption("section '" + name + "' appears twice");
    }
    if (name == "SCHM") {
      FeatureSchema schema;
      RC_RETURN_IF_ERROR(ParseSchema(payload, schema));
      builder.SetSchema(std::move(schema));
    } else if (name == "CLAS") {
      std::vector<std::string> labels;
      RC_RETURN_IF_ERROR(ParseClasses(payload, labels));
      builder.SetClassLabels(std::move(labels));
    } else if (name == "CARD") {
      nlohmann::json card;
      RC_RETURN_IF_ERROR(ParseCard(payload, card));
      builder.SetCard(std::move(card));
    } else if (name == "KIND") {
      Combination c;
      RC_RETURN_IF_ERROR(ParseKind(payload, c));
      builder.SetCombination(c);
    } else if (name == "TREE") {
      ForestView forest;
      RC_RETURN_IF_ERROR(ViewTrees(payload, forest));
      builder.SetForest(storage, forest);
    } else if ((section_flags & kSectionRequired) != 0) {
      return Status::Corruption("model file needs section '" + name +
                                "', which this reader does not know (a newer format?)");
    }
    // Unknown optional sections are skipped.
  }
  for (const char* required : {"SCHM", "CLAS", "CARD", "TREE"}) {
    if (seen.count(required) == 0) {
      return Status::Corruption(std::string("model file lacks section '") + required + "'");
    }
  }
  // SetForest replaced n_features/n_classes with the TREE section's own counts; Build()
  // checks them against the schema and the class labels.
  return builder.Build();
}

}  // namespace

std::string Model::ToBytes() const {
  Writer schema;
  schema.U32(static_cast<uint32_t>(schema_.size()));
  for (const Feature& f : schema_.features()) {
    schema.Str(f.name);
    schema.Str(f.unit);
  }
  Writer classes;
  classes.U32(static_cast<uint32_t>(class_labels_.size()));
  for (const std::string& c : class_labels_) classes.Str(c);
  const ForestView& a = forest_;
  Writer trees;
  trees.U32(a.n_features);
  trees.U32(a.n_classes);
  trees.U32(static_cast<uint32_t>(a.n_trees()));
  trees.U32(static_cast<uint32_t>(a.n_nodes()));
  trees.U32(static_cast<uint32_t>(a.n_leaves()));
  // The columns are little-endian in memory, as in the file (see the static_assert above).
  auto put = [&trees]<typename T>(const Column<T>& c) {
    trees.Bytes(std::string_view(static_cast<const char*>(c.data()), c.size() * sizeof(T)));
  };
  put(a.node_begin);
  put(a.leaf_begin);
  put(a.feature);
  put(a.threshold);
  put(a.left);
  put(a.right);
  put(a.missing_left);
  put(a.leaf_value);
  Writer w;
  w.Bytes(kModelMagic);
  w.U16(kModelFormatMajor);
  w.U16(kModelFormatMinor);
  w.U32(0);  // header flags
  w.U64(0);  // file length, patched below
  WriteSection(w, "SCHM", kSectionRequired, schema.out());
  WriteSection(w, "CLAS", kSectionRequired, classes.out());
  WriteSection(w, "CARD", kSectionRequired, card_.dump());
  WriteSection(w, "TREE", kSectionRequired, trees.out());
  // A random forest has no KIND section, so that readers of format 1.0 still load it; they
  // refuse boosted trees (a required section they do not know) rather than misread them.
  if (!combination_.is_forest()) {
    WriteSection(w, "KIND", kSectionRequired, KindPayload(combination_));
  }
  std::string& out = w.out();
  const uint64_t total = out.size() + kModelTrailerSize;
  for (size_t i = 0; i < 8; ++i) out[16 + i] = static_cast<char>((total >> (8 * i)) & 0xFFu);
  w.U64(Xxh64(out));
  w.Bytes(kModelEndMagic);
  return std::move(w.out());
}

Result<Model> Model::FromBytes(std::string_view bytes) {
  auto copy = std::make_shared<const std::string>(bytes);
  const std::string_view view(*copy);
  return Parse(copy, view);
}

Result<Model> Model::Load(const std::string& path) {
  // Populated in one call: no copy of the file and no zero-filled buffer. The model reads its
  // trees in place, so the mapping lives as long as the model (docs/model_format.md: a model
  // file in use is replaced by renaming a new one into place, as Save does).
  auto mapped = base::MapFile(path, /*populate=*/true);
  if (!mapped.ok()) return mapped.status().WithContext("model file");
  auto model = Parse(mapped->owner, mapped->bytes);
  if (!model.ok()) return model.status().WithContext(path);
  return model;
}

Status Model::Save(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IOError("cannot write " + tmp + ": " + std::strerror(errno));
    const std::string bytes = ToBytes();
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) return Status::IOError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    return Status::IOError("cannot rename " + tmp + " to " + path + ": " + std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace raincheck::forest
