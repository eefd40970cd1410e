// Reading and writing the model file (docs/model_format.md).
#include "forest/model_file.h"

#include <bit>
#include <limits>
#include <memory>
#include <set>

#include "base/checksum.h"
#include "base/coding.h"
#include "base/file.h"
#include "forest/model.h"

namespace raincheck::forest {
namespace {

static_assert(std::numeric_limits<float>::is_iec559, "the model file stores IEEE 754 floats");
// The trees are read in place (forest/forest_ir.h, ForestView): the file's little-endian
// arrays are the host's. Lambda and the supported build machines are x86-64 and arm64.
static_assert(std::endian::native == std::endian::little,
              "the model file's arrays are read in place and are little-endian");

// The file's bytes are written with base/coding.h: fixed-width little-endian fields and u32
// length-prefixed strings, read back through base::ByteReader (bounds-checked).
using base::ByteReader;

void WriteSection(std::string& w, std::string_view tag, uint32_t flags,
                  const std::string& payload) {
  w.append(tag);
  base::PutFixed32(w, flags);
  base::PutFixed64(w, payload.size());
  w.append(payload);
}

Status Truncated(std::string_view section) {
  return Status::Corruption("section '" + std::string(section) + "' is truncated or malformed");
}

Status ParseSchema(std::string_view payload, FeatureSchema& schema) {
  ByteReader r(payload);
  uint32_t n;
  if (!r.U32(n)) return Truncated("SCHM");
  // Each feature takes at least 8 bytes: refuse counts the payload cannot hold before
  // allocating anything.
  if (n > r.remaining() / 8) return Truncated("SCHM");
  std::vector<Feature> features(n);
  for (Feature& f : features) {
    if (!r.LengthPrefixed(f.name) || !r.LengthPrefixed(f.unit)) return Truncated("SCHM");
  }
  if (r.remaining() != 0) return Truncated("SCHM");
  schema = FeatureSchema(std::move(features));
  return Status::Ok();
}

Status ParseClasses(std::string_view payload, std::vector<std::string>& labels) {
  ByteReader r(payload);
  uint32_t n;
  if (!r.U32(n)) return Truncated("CLAS");
  if (n > r.remaining() / 4) return Truncated("CLAS");
  labels.assign(n, std::string());
  for (std::string& s : labels) {
    if (!r.LengthPrefixed(s)) return Truncated("CLAS");
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
  ByteReader r(payload);
  uint8_t aggregation = 0, link = 0, accumulator = 0, reserved = 0;
  double base_score = 0;
  if (payload.size() != kKindSize || !r.U8(aggregation) || !r.U8(link) || !r.U8(accumulator) ||
      !r.U8(reserved) || !r.F64(base_score)) {
    return Truncated("KIND");
  }
  if (accumulator > 1 || reserved != 0) {
    return Status::Corruption("section 'KIND' has an unknown accumulator or flag");
  }
  // Out-of-range aggregations and links are named by ModelBuilder::Build.
  c.aggregation = static_cast<Combination::Aggregation>(aggregation);
  c.link = static_cast<Combination::Link>(link);
  c.float32_sum = accumulator == 1;
  c.base_score = base_score;
  return Status::Ok();
}

std::string KindPayload(const Combination& c) {
  std::string w;
  base::PutFixed8(w, static_cast<uint8_t>(c.aggregation));
  base::PutFixed8(w, static_cast<uint8_t>(c.link));
  base::PutFixed8(w, c.float32_sum ? 1 : 0);
  base::PutFixed8(w, 0);
  base::PutFloat64(w, c.base_score);
  return w;
}

// Views the TREE section's arrays where they are (no copy); the bytes must outlive `a`.
Status ViewTrees(std::string_view payload, ForestView& a) {
  ByteReader r(payload);
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
  ByteReader header(bytes.substr(kModelMagic.size()));
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
  ByteReader trailer(bytes.substr(body.size()));
  trailer.U64(stored_checksum);
  if (base::Xxh64(body) != stored_checksum) {
    return Status::Corruption("model file is corrupted (checksum mismatch)");
  }

  ModelBuilder builder;
  ByteReader r(body.substr(kModelHeaderSize));
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
  std::string schema;
  base::PutFixed32(schema, static_cast<uint32_t>(schema_.size()));
  for (const Feature& f : schema_.features()) {
    base::PutLengthPrefixed(schema, f.name);
    base::PutLengthPrefixed(schema, f.unit);
  }
  std::string classes;
  base::PutFixed32(classes, static_cast<uint32_t>(class_labels_.size()));
  for (const std::string& c : class_labels_) base::PutLengthPrefixed(classes, c);
  const ForestView& a = forest_;
  std::string trees;
  base::PutFixed32(trees, a.n_features);
  base::PutFixed32(trees, a.n_classes);
  base::PutFixed32(trees, static_cast<uint32_t>(a.n_trees()));
  base::PutFixed32(trees, static_cast<uint32_t>(a.n_nodes()));
  base::PutFixed32(trees, static_cast<uint32_t>(a.n_leaves()));
  // The columns are little-endian in memory, as in the file (see the static_assert above).
  auto put = [&trees]<typename T>(const Column<T>& c) {
    trees.append(static_cast<const char*>(c.data()), c.size() * sizeof(T));
  };
  put(a.node_begin);
  put(a.leaf_begin);
  put(a.feature);
  put(a.threshold);
  put(a.left);
  put(a.right);
  put(a.missing_left);
  put(a.leaf_value);
  std::string out(kModelMagic);
  base::PutFixed16(out, kModelFormatMajor);
  base::PutFixed16(out, kModelFormatMinor);
  base::PutFixed32(out, 0);  // header flags
  base::PutFixed64(out, 0);  // file length, patched below
  WriteSection(out, "SCHM", kSectionRequired, schema);
  WriteSection(out, "CLAS", kSectionRequired, classes);
  WriteSection(out, "CARD", kSectionRequired, card_.dump());
  WriteSection(out, "TREE", kSectionRequired, trees);
  // A random forest has no KIND section, so that readers of format 1.0 still load it; they
  // refuse boosted trees (a required section they do not know) rather than misread them.
  if (!combination_.is_forest()) {
    WriteSection(out, "KIND", kSectionRequired, KindPayload(combination_));
  }
  base::PatchFixed64(out, 16, out.size() + kModelTrailerSize);
  base::PutFixed64(out, base::Xxh64(out));
  out.append(kModelEndMagic);
  return out;
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
  // A new file beside `path`, flushed and renamed over it, then the directory flushed: a
  // crash leaves the old model or the new one, never a torn file (docs/files.md).
  return base::WriteFileAtomic(path, ToBytes());
}

}  // namespace raincheck::forest
