#include "store/sqlite/wal_checkpointer.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <chrono>

#include "store/store.h"

namespace topicdesk::store {

WalCheckpointer::WalCheckpointer(std::string path, int interval_ms)
    : path_(std::move(path)), interval_ms_(interval_ms) {
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw StoreError(fmt::format("sqlite {}: the checkpoint connection cannot open: {}", path_, message));
  }
  sqlite3_busy_timeout(db_, 1000);
  // A connection learns that the file is in WAL mode when it first reads it; until then a
  // checkpoint call does nothing.
  sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  thread_ = std::thread([this] { run(); });
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  sqlite3_close(db_);
}

int WalCheckpointer::checkpoints_done() const {
  std::lock_guard lock(mutex_);
  return checkpoints_done_;
}

Upkeep WalCheckpointer::upkeep() const {
  std::lock_guard lock(mutex_);
  if (failures_ == 0) return {};
  return Upkeep{.failed_attempts = failures_,
                .failing_for = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - failing_since_),
                .error = last_error_};
}

void WalCheckpointer::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stopping_; })) {
    lock.unlock();
    int wal_frames = 0;
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &copied);
    lock.lock();
    if (rc == SQLITE_OK && copied > 0) ++checkpoints_done_;
    // A failure (a full disk) lasts: logged when it starts, once a minute while it lasts (with
    // how many attempts failed meanwhile), and when checkpoints work again.
    const auto now = std::chrono::steady_clock::now();
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      if (failures_++ == 0) failing_since_ = now;
      last_error_ = sqlite3_errmsg(db_);
      if (failures_ == 1 || now - last_failure_log_ >= std::chrono::minutes(1)) {
        spdlog::warn("sqlite {}: background checkpoint failed ({} attempts so far): {}", path_, failures_,
                     last_error_);
        last_failure_log_ = now;
      }
    } else if (rc == SQLITE_OK && failures_ > 0) {
      spdlog::info("sqlite {}: background checkpoints work again after {} failed attempts", path_, failures_);
      failures_ = 0;
    }
  }
}

}  // namespace topicdesk::store
