// The Store contract, WebhookStore: the fan-out cursor, per-queue order, attempts and status,
// and several workers on one database (the cursor's compare-and-set, claimed deliveries).
// Every backend must pass it unchanged (store_backends.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::StoreContract;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr std::int64_t kLongClaim = 600'000;  // outlasts the test
constexpr auto kDeadline = std::chrono::seconds(10);

std::vector<std::int64_t> event_ids(const std::vector<WebhookDelivery>& deliveries) {
  std::vector<std::int64_t> out;
  for (const auto& d : deliveries) out.push_back(d.event_id);
  return out;
}

class WebhookStoreContract : public StoreContract {
 protected:
  WebhookDelivery delivery(std::int64_t event_id, DialogId dialog, const std::string& url = "http://a/h") {
    WebhookDelivery d;
    d.connection_id = conn_;
    d.url = url;
    d.queue_key = std::to_string(dialog) + "|" + url;
    d.event_id = event_id;
    d.dialog_id = dialog;
    d.created_at = 1000;
    return d;
  }
  std::vector<std::int64_t> ready_events(UnixMillis now, const std::vector<std::string>& busy = {}) {
    std::vector<std::int64_t> out;
    for (const auto& d : store_->webhook_ready(now, 10, busy)) out.push_back(d.event_id);
    return out;
  }
};

TEST_P(WebhookStoreContract, EnqueueMovesTheCursorAndTheQueueHeadGoesFirst) {
  EXPECT_EQ(store_->webhook_cursor(), 0);
  store_->webhook_enqueue({delivery(1, 1), delivery(2, 1), delivery(3, 2)}, 0, 3);
  EXPECT_EQ(store_->webhook_cursor(), 3);
  EXPECT_THAT(ready_events(0), ::testing::ElementsAre(1, 3)) << "one head per queue, oldest first";
  EXPECT_THAT(ready_events(0, {"1|http://a/h"}), ::testing::ElementsAre(3)) << "busy queues are skipped";
  auto head = store_->webhook_ready(0, 10, {})[0];
  store_->webhook_delivered(WebhookAttempt{head.id, 100, 200, "", 5});
  EXPECT_THAT(ready_events(0), ::testing::ElementsAre(2, 3));
}

TEST_P(WebhookStoreContract, ARetryWaitsAndRemembersWhenFailingStarted) {
  store_->webhook_enqueue({delivery(1, 1), delivery(2, 1)}, 0, 2);
  auto d = store_->webhook_ready(0, 10, {})[0];
  store_->webhook_retry(WebhookAttempt{d.id, 100, 0, "connect: refused", 3}, 5000);
  EXPECT_TRUE(store_->webhook_ready(4999, 10, {}).empty()) << "the queue waits behind its head";
  store_->webhook_retry(WebhookAttempt{d.id, 5000, 502, "HTTP 502", 3}, 9000);
  auto again = store_->webhook_ready(9000, 10, {});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_EQ(again[0].failing_since, 100);
  EXPECT_EQ(again[0].last_error, "HTTP 502");
  auto attempts = store_->webhook_attempts(d.id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].http_status, 502) << "newest first";
}

TEST_P(WebhookStoreContract, StatusCountsPerUrl) {
  store_->webhook_enqueue({delivery(1, 1), delivery(2, 2), delivery(3, 3, "http://b/h")}, 0, 3);
  auto ready = store_->webhook_ready(2000, 10, {});
  ASSERT_EQ(ready.size(), 3u);
  store_->webhook_delivered(WebhookAttempt{ready[0].id, 2100, 200, "", 1});
  store_->webhook_retry(WebhookAttempt{ready[1].id, 2200, 0, "connect: refused", 1}, 9000);
  store_->webhook_give_up(WebhookAttempt{ready[2].id, 2300, 500, "HTTP 500", 1});
  auto status = store_->webhook_status();
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].url, "http://a/h");
  EXPECT_EQ(status[0].delivered, 1);
  EXPECT_EQ(status[0].pending, 1);
  EXPECT_EQ(status[0].failing_since, 2200);
  EXPECT_EQ(status[0].last_error, "connect: refused");
  EXPECT_EQ(status[1].failed, 1);
  EXPECT_EQ(status[1].last_error, "HTTP 500");
  EXPECT_EQ(status[1].last_error_at, 2300);
  EXPECT_EQ(status[1].failing_since, 0) << "nothing pending there";
  auto attempts = store_->webhook_attempts(ready[1].id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].error, "connect: refused");
}

TEST_P(WebhookStoreContract, TheCursorMovesOnlyFromWhereTheBatchBegan) {
  EXPECT_TRUE(store_->webhook_enqueue({delivery(1, 1)}, 0, 1));
  EXPECT_FALSE(store_->webhook_enqueue({delivery(1, 1)}, 0, 1)) << "another worker fanned event 1 out";
  EXPECT_EQ(store_->webhook_cursor(), 1);
  EXPECT_THAT(ready_events(0), ElementsAre(1)) << "the event became its delivery once";
  EXPECT_TRUE(store_->webhook_enqueue({delivery(2, 2)}, 1, 2));
  EXPECT_THAT(ready_events(0), ElementsAre(1, 2));
}

TEST_P(WebhookStoreContract, TwoClaimersGetDisjointDeliveriesInQueueOrder) {
  store_->webhook_enqueue({delivery(1, 1), delivery(2, 2), delivery(3, 3), delivery(4, 1)}, 0, 4);
  auto first = store_->webhook_claim(0, 2, {}, kLongClaim);
  auto second = store_->webhook_claim(0, 10, {}, kLongClaim);
  EXPECT_THAT(event_ids(first), ElementsAre(1, 2));
  EXPECT_THAT(event_ids(second), ElementsAre(3)) << "4 waits behind its queue's head, 1, claimed";
  EXPECT_THAT(store_->webhook_claim(0, 10, {}, kLongClaim), IsEmpty());
  EXPECT_THAT(ready_events(0), IsEmpty()) << "claimed deliveries are not ready for anyone";

  store_->webhook_delivered(WebhookAttempt{first[0].id, 100, 200, "", 5});
  EXPECT_THAT(event_ids(store_->webhook_claim(0, 10, {}, kLongClaim)), ElementsAre(4))
      << "the outcome ends the claim and the queue moves on";
  store_->webhook_retry(WebhookAttempt{first[1].id, 100, 0, "connect: refused", 5}, 5000);
  EXPECT_THAT(store_->webhook_claim(4999, 10, {}, kLongClaim), IsEmpty()) << "a retry waits for its time";
  EXPECT_THAT(event_ids(store_->webhook_claim(5000, 10, {}, kLongClaim)), ElementsAre(2));
}

TEST_P(WebhookStoreContract, AnExpiredClaimIsClaimableAgain) {
  store_->webhook_enqueue({delivery(1, 1), delivery(2, 2)}, 0, 2);
  auto dead = store_->webhook_claim(0, 10, {"2|http://a/h"}, 0);  // its worker died: expired at once
  EXPECT_THAT(event_ids(dead), ElementsAre(1)) << "busy queues are skipped";
  auto again = store_->webhook_claim(0, 10, {}, kLongClaim);
  EXPECT_THAT(event_ids(again), ElementsAre(1, 2));
  EXPECT_EQ(again[0].id, dead[0].id) << "the same delivery, sent again";
}

TD_STORE_CONTRACT_SUITE(WebhookStoreContract);

// PostgreSQL, two stores as two instances' workers (two connections).
class WebhookStorePostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = test_support::postgres_backend();
    if (!backend_) GTEST_SKIP() << "postgres: no test server (TOPICDESK_TEST_PG)";
    location_ = backend_->new_location();
    a_ = backend_->open(location_);
    b_ = backend_->open(location_);
    conn_ = a_->ensure_connection("support", 111, test_support::kGroup);
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    if (backend_) backend_->remove(location_);
  }
  WebhookDelivery delivery(std::int64_t event_id, DialogId dialog) {
    WebhookDelivery d;
    d.connection_id = conn_;
    d.url = "http://a/h";
    d.queue_key = std::to_string(dialog);
    d.event_id = event_id;
    d.dialog_id = dialog;
    d.created_at = 1000;
    return d;
  }

  std::optional<test_support::Backend> backend_;
  std::string location_;
  std::unique_ptr<Store> a_;
  std::unique_ptr<Store> b_;
  ConnectionId conn_ = 0;
};

// A claim under way holds its rows; the other worker skips them at once instead of waiting.
TEST_F(WebhookStorePostgres, ClaimersAtOnceSkipEachOthersDeliveries) {
  a_->webhook_enqueue({delivery(1, 1), delivery(2, 2), delivery(3, 3), delivery(4, 4)}, 0, 4);
  std::promise<void> claimed;
  std::promise<void> finish;
  auto finish_signal = finish.get_future();
  std::vector<WebhookDelivery> first;
  std::thread worker([&] {
    a_->transaction([&] {
      first = a_->webhook_claim(0, 2, {}, kLongClaim);
      claimed.set_value();
      finish_signal.wait();
    });
  });
  ASSERT_EQ(claimed.get_future().wait_for(kDeadline), std::future_status::ready);
  auto second = std::async(std::launch::async, [&] { return b_->webhook_claim(0, 10, {}, kLongClaim); });
  const bool answered = second.wait_for(kDeadline) == std::future_status::ready;
  finish.set_value();
  worker.join();
  ASSERT_TRUE(answered) << "the second claimer waited for the first";
  EXPECT_THAT(event_ids(first), ElementsAre(1, 2));
  EXPECT_THAT(event_ids(second.get()), ElementsAre(3, 4));
  EXPECT_THAT(b_->webhook_claim(0, 10, {}, kLongClaim), IsEmpty()) << "the first claim was committed";
}

// Two fan-outs of the same events: the second waits for the first one's commit, then adds nothing.
TEST_F(WebhookStorePostgres, ASecondFanOutOfTheSameEventsAddsNothing) {
  std::promise<void> enqueued;
  std::promise<void> finish;
  auto finish_signal = finish.get_future();
  std::thread worker([&] {
    a_->transaction([&] {
      EXPECT_TRUE(a_->webhook_enqueue({delivery(1, 1), delivery(2, 2)}, 0, 2));
      enqueued.set_value();
      finish_signal.wait();
    });
  });
  ASSERT_EQ(enqueued.get_future().wait_for(kDeadline), std::future_status::ready);
  auto second = std::async(std::launch::async, [&] { return b_->webhook_enqueue({delivery(1, 1)}, 0, 2); });
  EXPECT_EQ(second.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
      << "the cursor's row lock keeps the second fan-out waiting";
  finish.set_value();
  worker.join();
  ASSERT_EQ(second.wait_for(kDeadline), std::future_status::ready);
  EXPECT_FALSE(second.get());
  EXPECT_EQ(b_->webhook_cursor(), 2);
  EXPECT_EQ(b_->webhook_ready(0, 10, {}).size(), 2u) << "each event fanned out once";
}

}  // namespace
}  // namespace topicdesk::store
