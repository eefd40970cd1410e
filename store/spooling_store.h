// A store that never loses a record silently: what the wrapped store refuses (after its own
// retries) goes to a local spool directory and is pushed again on later writes or by Flush.
#ifndef RAINCHECK_STORE_SPOOLING_STORE_H_
#define RAINCHECK_STORE_SPOOLING_STORE_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "store/directory_store.h"
#include "store/record_store.h"

namespace raincheck::store {

struct FlushResult {
  int flushed = 0;    // records moved from the spool to the store
  int remaining = 0;  // records still in the spool
  Status error;       // the first failure that stopped the flush; OK otherwise
};

// Thread-safe.
class SpoolingStore final : public RecordStore, public RecordSink {
 public:
  // `flush_per_write`: how many spooled records a successful write pushes after its own
  // record (bounded so that a long outage does not make one response slow).
  SpoolingStore(std::unique_ptr<RecordStore> inner, std::string spool_dir, RecordFormat format,
                const base::Clock& clock, int flush_per_write = 4);

  // Writes `record` to the store; on failure spools it. After a successful write, pushes up
  // to `flush_per_write` spooled records while `deadline` allows.
  WriteOutcome Store(const Record& record, base::TimePoint deadline) override;
  WriteOutcome StoreEncoded(const EncodedRecord& object, base::TimePoint deadline);

  // Pushes spooled records (oldest key first) until the spool is empty, `max_records` were
  // pushed, the store fails, or `deadline` passes.
  FlushResult Flush(base::TimePoint deadline, int max_records = 1 << 30);
  // Keys waiting in the spool.
  Result<std::vector<std::string>> Spooled();

  // RecordStore. Put / Write return the store's key when stored; otherwise the store's error,
  // its message prefixed with "not stored, spooled as <key>" when the record was spooled.
  Result<std::string> Put(const Record& record, base::TimePoint deadline) override;
  Result<std::string> Write(const EncodedRecord& object, base::TimePoint deadline) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;
  Result<std::string> Get(std::string_view key) override;
  std::string Describe() const override;

  RecordStore& inner() { return *inner_; }
  const std::string& spool_dir() const { return spool_.root(); }

 private:
  static Result<std::string> AsResult(WriteOutcome outcome);

  std::unique_ptr<RecordStore> inner_;
  DirectoryStore spool_;
  RecordFormat format_;
  const base::Clock& clock_;
  const int flush_per_write_;
  std::atomic<bool> spool_may_hold_records_{true};
  std::mutex flush_mu_;
};

}  // namespace raincheck::store

#endif  // RAINCHECK_STORE_SPOOLING_STORE_H_
