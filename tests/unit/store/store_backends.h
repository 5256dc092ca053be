// The Store backends the contract suite runs against, and the fixture every contract test
// uses: SQLite on a file and in memory, and PostgreSQL on the test server whose admin libpq URI
// is in the environment variable TOPICDESK_TEST_PG (a schema per test; without the variable
// its tests skip). Every suite (one per concern interface, *_store_test.cpp) runs on each.
#pragma once
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace topicdesk::store::test_support {

// Polls `done` until it holds (true) or `deadline` passes (false): tests of several store
// connections at once wait for a condition, never for a time.
template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the polling interval of a deadline wait
  }
  return true;
}

struct Backend {
  std::string name;
  bool persistent = true;  // reopening the same location finds the data again
  bool available = true;   // false: the tests on it skip (PostgreSQL without TOPICDESK_TEST_PG)
  // A fresh, empty database location, and how to open (or reopen) one.
  std::function<std::string()> new_location;
  std::function<std::unique_ptr<Store>(const std::string& location)> open;
  std::function<void(const std::string& location)> remove;
};

std::vector<Backend> all_backends();
// The PostgreSQL backend alone, when TOPICDESK_TEST_PG is set.
std::optional<Backend> postgres_backend();

inline void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

inline constexpr ChatId kGroup = -1001000000001;
inline constexpr ChatId kOtherGroup = -1001000000002;

// A fresh store of the backend under test with one connection ("support", group kGroup).
class StoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!GetParam().available) GTEST_SKIP() << GetParam().name << ": no test server (TOPICDESK_TEST_PG)";
    location_ = GetParam().new_location();
    store_ = GetParam().open(location_);
    conn_ = store_->ensure_connection("support", 111, kGroup);
  }
  void TearDown() override {
    store_.reset();
    if (!location_.empty()) GetParam().remove(location_);
  }

  void reopen() {
    store_.reset();
    store_ = GetParam().open(location_);
  }

  OutboxJob job(const std::string& queue, int priority = 5, UnixMillis not_before = 0,
                const std::string& kind = "copy") {
    OutboxJob j;
    j.connection_id = conn_;
    j.queue_key = queue;
    j.priority = priority;
    j.kind = kind;
    j.payload = R"({"q":")" + queue + R"("})";
    j.not_before = not_before;
    return j;
  }

  std::vector<std::int64_t> ready_ids(UnixMillis now, int limit = 100,
                                      const std::vector<std::int64_t>& in_flight = {}) {
    std::vector<std::int64_t> ids;
    for (const auto& j : store_->outbox_ready(now, limit, in_flight)) ids.push_back(j.id);
    return ids;
  }

  static std::vector<DialogId> ids(const std::vector<Dialog>& dialogs) {
    std::vector<DialogId> out;
    for (const auto& d : dialogs) out.push_back(d.id);
    return out;
  }

  std::string location_;
  std::unique_ptr<Store> store_;
  ConnectionId conn_ = 0;
};

}  // namespace topicdesk::store::test_support

// Runs the suite `fixture` (a subclass of StoreContract) on every backend.
#define TD_STORE_CONTRACT_SUITE(fixture)                                                          \
  INSTANTIATE_TEST_SUITE_P(Backends, fixture,                                                     \
                           ::testing::ValuesIn(::topicdesk::store::test_support::all_backends()), \
                           [](const auto& info) { return info.param.name; })
