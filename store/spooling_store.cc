#include "store/spooling_store.h"

namespace raincheck::store {

SpoolingStore::SpoolingStore(std::unique_ptr<RecordStore> inner, std::string spool_dir,
                             RecordFormat format, const base::Clock& clock, int flush_per_write)
    : inner_(std::move(inner)),
      spool_(std::move(spool_dir), format),
      format_(format),
      clock_(clock),
      flush_per_write_(flush_per_write) {}

WriteOutcome SpoolingStore::Store(const Record& record, base::TimePoint deadline) {
  Result<EncodedRecord> object = EncodeRecord(record, format_);
  if (!object.ok()) {
    WriteOutcome out;
    out.error = object.status();
    return out;
  }
  return StoreEncoded(*object, deadline);
}

WriteOutcome SpoolingStore::StoreEncoded(const EncodedRecord& object, base::TimePoint deadline) {
  WriteOutcome out;
  Result<std::string> key = inner_->Write(object, deadline);
  if (key.ok()) {
    out.state = WriteOutcome::State::kStored;
    out.key = std::move(key).value();
    if (spool_may_hold_records_.load() && clock_.Now() < deadline && flush_per_write_ > 0) {
      out.flushed = Flush(deadline, flush_per_write_).flushed;
    }
    return out;
  }
  out.error = key.status();
  Result<std::string> spooled = spool_.Write(object, base::TimePoint::max());
  if (spooled.ok()) {
    spool_may_hold_records_ = true;
    out.state = WriteOutcome::State::kSpooled;
    out.key = std::move(spooled).value();
  } else {
    out.error =
        Status(key.status().code(),
               key.status().message() + "; spooling failed too: " + spooled.status().message());
  }
  return out;
}

FlushResult SpoolingStore::Flush(base::TimePoint deadline, int max_records) {
  FlushResult result;
  std::unique_lock<std::mutex> lock(flush_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return result;  // another thread is flushing
  Result<std::vector<std::string>> keys = spool_.List("");
  if (!keys.ok()) {
    result.error = keys.status();
    return result;
  }
  size_t i = 0;
  for (; i < keys->size(); ++i) {
    if (result.flushed >= max_records || clock_.Now() >= deadline) break;
    const std::string& key = (*keys)[i];
    Result<std::string> body = spool_.Get(key);
    if (!body.ok()) {
      if (body.status().code() == StatusCode::kNotFound) continue;  // flushed elsewhere
      result.error = body.status();
      break;
    }
    EncodedRecord object{key, std::move(body).value(), ContentTypeForKey(key)};
    Result<std::string> stored = inner_->Write(object, deadline);
    if (!stored.ok()) {
      result.error = stored.status();
      break;
    }
    const Status removed = spool_.Remove(key);
    if (!removed.ok() && removed.code() != StatusCode::kNotFound) {
      result.error = removed;
      break;
    }
    ++result.flushed;
  }
  result.remaining = static_cast<int>(keys->size() - i);
  if (result.remaining == 0 && result.error.ok()) spool_may_hold_records_ = false;
  return result;
}

Result<std::vector<std::string>> SpoolingStore::Spooled() { return spool_.List(""); }

Result<std::string> SpoolingStore::AsResult(WriteOutcome outcome) {
  if (outcome.stored()) return std::move(outcome.key);
  if (outcome.state == WriteOutcome::State::kSpooled) {
    return Status(outcome.error.code(),
                  "not stored, spooled as " + outcome.key + ": " + outcome.error.message());
  }
  return outcome.error;
}

Result<std::string> SpoolingStore::Put(const Record& record, base::TimePoint deadline) {
  return AsResult(Store(record, deadline));
}

Result<std::string> SpoolingStore::Write(const EncodedRecord& object, base::TimePoint deadline) {
  return AsResult(StoreEncoded(object, deadline));
}

Result<std::vector<std::string>> SpoolingStore::List(std::string_view prefix) {
  return inner_->List(prefix);
}

Result<std::string> SpoolingStore::Get(std::string_view key) { return inner_->Get(key); }

std::string SpoolingStore::Describe() const {
  return inner_->Describe() + " (spool dir:" + spool_.root() + ")";
}

}  // namespace raincheck::store
