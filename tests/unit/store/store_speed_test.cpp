// Speed checks for the hot paths, with bounds loose enough for a loaded CI machine but tight
// enough to catch a scan where an index lookup belongs. Timings are printed for bench notes.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <unistd.h>

#include "store/store.h"

namespace topicdesk::store {
namespace {

using Clock = std::chrono::steady_clock;

double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

class StoreSpeed : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("topicdesk-store-speed-" + std::to_string(::getpid()) + ".db"))
                .string();
    remove_files();
    store_ = open_sqlite(path_);
    conn_ = store_->ensure_connection("support", 1, -100);
  }
  void TearDown() override {
    store_.reset();
    remove_files();
  }
  void remove_files() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  std::string path_;
  std::unique_ptr<Store> store_;
  ConnectionId conn_ = 0;
};

TEST_F(StoreSpeed, OutboxReadyStaysCheapWithTenThousandPendingJobs) {
  constexpr int kQueues = 2000;
  constexpr int kJobs = 10000;
  store_->transaction([&] {
    for (int i = 0; i < kJobs; ++i) {
      OutboxJob job;
      job.connection_id = conn_;
      job.queue_key = "chat:" + std::to_string(i % kQueues);
      job.priority = i % 3;
      job.kind = "copy";
      job.payload = "{}";
      store_->outbox_add(job);
    }
  });
  std::vector<std::int64_t> in_flight;
  for (const auto& job : store_->outbox_ready(0, 50, {})) in_flight.push_back(job.id);

  constexpr int kCalls = 1000;
  auto start = Clock::now();
  std::size_t returned = 0;
  for (int i = 0; i < kCalls; ++i) returned += store_->outbox_ready(1, 100, in_flight).size();
  double per_call = micros_since(start) / kCalls;
  std::printf("outbox_ready(limit 100, 50 in flight) over %d pending jobs in %d queues: %.1f us/call\n",
              kJobs, kQueues, per_call);
  EXPECT_EQ(returned, static_cast<std::size_t>(kCalls) * 100);
  EXPECT_LT(per_call, 2000.0);
}

TEST_F(StoreSpeed, RelayCycleAllowsFiveThousandMessagesPerSecond) {
  // What one relayed message costs the store, as the relay and dispatcher use it.
  constexpr int kMessages = 5000;
  constexpr int kUsers = 1000;
  auto start = Clock::now();
  for (int i = 0; i < kMessages; ++i) {
    UserId user = 1000 + i % kUsers;
    store_->inbox_add(conn_, i, R"({"kind":"user_message","text":"hello there"})");
    std::int64_t job_id = 0;
    DialogId dialog_id = 0;
    store_->transaction([&] {
      store_->inbox_done(i + 1);
      store_->upsert_user(conn_, core::Person{user, false, "Ann", "Lee", "ann", "en", ""}, i);
      auto dialog = store_->dialog_by_user(conn_, user);
      if (!dialog) dialog = store_->create_dialog(conn_, user, -100, i);
      dialog->last_user_message_at = i;
      store_->update_dialog(*dialog);
      dialog_id = dialog->id;
      OutboxJob job;
      job.connection_id = conn_;
      job.queue_key = "group:-100";
      job.kind = "copy";
      job.payload = R"({"from_chat_id":1000,"message_id":1})";
      job_id = store_->outbox_add(job);
    });
    store_->transaction([&] {
      store_->outbox_done(job_id);
      store_->add_link({conn_, dialog_id, i, 100000 + i, LinkDirection::kUserToGroup, -100});
    });
  }
  double seconds = micros_since(start) / 1e6;
  double rate = kMessages / seconds;
  std::printf("relay cycle on a WAL file: %.0f messages/s (%.1f us/message)\n", rate, seconds * 1e6 / kMessages);
  EXPECT_GT(rate, 2000.0) << "the desk needs 5,000/s with room for the rest of the work";
}

}  // namespace
}  // namespace topicdesk::store
