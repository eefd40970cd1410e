// Where records go: the interface every sink implements (local directory, S3, spooling).
#ifndef RAINCHECK_STORE_RECORD_STORE_H_
#define RAINCHECK_STORE_RECORD_STORE_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "store/record.h"

namespace raincheck::store {

// Implementations are thread-safe: concurrent Puts from many threads or processes never
// overwrite each other.
class RecordStore {
 public:
  virtual ~RecordStore() = default;

  // Encodes `record` in the store's format and writes it under RecordKey(record); returns the
  // key actually used (see Write). Gives up at `deadline` (DeadlineExceeded). Errors:
  // InvalidArgument (record not encodable), IOError, Unavailable, PermissionDenied,
  // NotFound (no such bucket), FailedPrecondition (clock skew), DeadlineExceeded.
  virtual Result<std::string> Put(const Record& record, base::TimePoint deadline) = 0;

  // Writes already encoded bytes under `object.key`. When that key already holds exactly
  // these bytes nothing is written and the key is returned (so a retried write never makes a
  // duplicate); when it holds other bytes, the next free "<stem>-N.<ext>" is used. Never
  // overwrites an existing object. InvalidArgument when the key is not IsSafeKey.
  virtual Result<std::string> Write(const EncodedRecord& object, base::TimePoint deadline) = 0;

  // Keys starting with `prefix` (relative to the store's root or S3 prefix), sorted.
  virtual Result<std::vector<std::string>> List(std::string_view prefix) = 0;

  // The stored bytes of `key`; NotFound when absent, InvalidArgument when not IsSafeKey.
  virtual Result<std::string> Get(std::string_view key) = 0;

  // "dir:/tmp/records", "s3://bucket/prefix/": for logs and the CLI (never a credential).
  virtual std::string Describe() const = 0;
};

// What happened to one record.
struct WriteOutcome {
  enum class State {
    kStored,   // in the store under `key`
    kSpooled,  // not stored; kept in the spool under `key`, retried later
    kLost,     // neither stored nor spooled (or not encodable): `error` says why
  };
  State state = State::kLost;
  std::string key;
  Status error;     // why the store did not take it; OK when stored
  int flushed = 0;  // spooled records pushed to the store during this call

  bool stored() const { return state == State::kStored; }
};

std::string_view WriteStateName(WriteOutcome::State state);  // "stored", "spooled", "lost"

// What the handler writes each record to: never fails silently, always says where the record
// went. Thread-safe.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Writes `record`, giving up on the store at `deadline`; the outcome says whether it was
  // stored, spooled for a later retry, or lost (and why).
  virtual WriteOutcome Store(const Record& record, base::TimePoint deadline) = 0;
};

// `key` with "-n" inserted before its extension: ("a/b.csv", 2) -> "a/b-2.csv".
std::string CollisionKey(std::string_view key, int n);
// The content type matching a key's extension (for objects read back from a spool).
std::string ContentTypeForKey(std::string_view key);

}  // namespace raincheck::store

#endif  // RAINCHECK_STORE_RECORD_STORE_H_
