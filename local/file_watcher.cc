#include "local/file_watcher.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

namespace raincheck::local {

namespace {

std::string StatText(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "missing";
  return std::to_string(st.st_size) + "@" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec) + "#" + std::to_string(st.st_ino);
}

}  // namespace

std::string FileSignature(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return StatText(path);
  std::vector<std::string> entries;
  for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
    entries.push_back(entry.path().filename().string() + "=" + StatText(entry.path().string()));
  }
  if (ec) return "unreadable";
  std::sort(entries.begin(), entries.end());
  std::string out = "dir";
  for (const std::string& e : entries) out += ";" + e;
  return out;
}

FileWatcher::FileWatcher(std::vector<std::string> paths, std::chrono::milliseconds interval,
                         std::function<void(const std::string& path)> on_change)
    : paths_(std::move(paths)), interval_(interval), on_change_(std::move(on_change)) {}

FileWatcher::~FileWatcher() { Stop(); }

void FileWatcher::Start() {
  // The state to compare with is taken now, so that a change right after Start() counts.
  std::vector<std::string> initial;
  for (const std::string& p : paths_) initial.push_back(FileSignature(p));
  thread_ =
      std::thread([this, initial = std::move(initial)]() mutable { Loop(std::move(initial)); });
}

void FileWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void FileWatcher::Loop(std::vector<std::string> reported) {
  // `reported`: the signatures last reported (or seen at Start); `previous`: at the last poll.
  std::vector<std::string> previous = reported;
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    for (size_t i = 0; i < paths_.size(); ++i) {
      const std::string now = FileSignature(paths_[i]);
      // Changed since reported, and the same as one interval ago: settled.
      if (now != reported[i] && now == previous[i]) {
        reported[i] = now;
        on_change_(paths_[i]);
      }
      previous[i] = now;
    }
    lock.lock();
  }
}

}  // namespace raincheck::local
