// Polls files and directories for changes (size, modification time, and for a directory the
// same of each entry), for start-api's --watch. See docs/start_api.md.
#ifndef RAINCHECK_LOCAL_FILE_WATCHER_H_
#define RAINCHECK_LOCAL_FILE_WATCHER_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace raincheck::local {

// What a change of `path` would change: "missing", or the size and modification time of a
// file, or of each entry (name, size, time) of a directory.
std::string FileSignature(const std::string& path);

class FileWatcher {
 public:
  // Calls `on_change(path)` from its own thread once a watched path has changed and then stayed
  // as it is for one more `interval` (so a file being written is reported once, when done).
  FileWatcher(std::vector<std::string> paths, std::chrono::milliseconds interval,
              std::function<void(const std::string& path)> on_change);
  ~FileWatcher();  // Stop()
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // Takes the state changes are measured against, then polls on a thread of its own.
  void Start();
  void Stop();  // idempotent

 private:
  void Loop(std::vector<std::string> reported);

  std::vector<std::string> paths_;
  std::chrono::milliseconds interval_;
  std::function<void(const std::string&)> on_change_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace raincheck::local

#endif  // RAINCHECK_LOCAL_FILE_WATCHER_H_
