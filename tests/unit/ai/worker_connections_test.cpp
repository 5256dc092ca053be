// The AI worker follows the desk's connections: a connection added while it runs has its waiting
// requests answered; a removed one's requests are no longer claimed and stay waiting in the store,
// without hiding the other connections' requests.
// The requests here find no knowledge, so the worker reports "no_knowledge" without calling a
// server.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <vector>

#include "ai/worker.h"
#include "core/clock.h"
#include "store/store.h"

namespace topicdesk::ai {
namespace {

class WorkerConnectionsTest : public ::testing::Test {
 protected:
  WorkerConnectionsTest() : store_(store::open_sqlite(":memory:")) {
    store_->migrate();
    shop_ = store_->ensure_connection("shop", 101, -1001);
    cafe_ = store_->ensure_connection("cafe", 102, -1002);
    WorkerOptions options{
        .model = "m",
        .server = Server{.base_url = "http://127.0.0.1:9", .timeout = std::chrono::seconds(1)},
        .poll_interval = std::chrono::milliseconds(10)};
    worker_ = std::make_unique<AiWorker>(io_.get_executor(), *store_, std::vector<AiConnection>{}, options,
                                         [this](core::ConnectionId, const core::Event& e) {
                                           auto report = boost::json::parse(e.text).as_object();
                                           reported_[report.at("request").as_int64()] =
                                               std::string(report.at("outcome").as_string());
                                         });
    worker_->start();
  }
  ~WorkerConnectionsTest() override {
    worker_->stop();
    io_.run_for(std::chrono::milliseconds(50));
  }

  std::int64_t ask(core::ConnectionId connection, core::DialogId dialog) {
    const auto now = core::unix_millis_now();
    return store_->add_ai_request(store::AiRequest{.connection_id = connection,
                                                   .dialog_id = dialog,
                                                   .question = "anything about bicycles?",
                                                   .due_at = now,
                                                   .created_at = now,
                                                   .updated_at = now});
  }

  // Runs the worker until `request` is reported (a deadline of 10 s).
  void wait_reported(std::int64_t request) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!reported_.contains(request) && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(reported_.contains(request)) << "request " << request << " was not reported";
  }

  store::AiRequestStatus status(std::int64_t request) { return store_->ai_request(request)->status; }

  boost::asio::io_context io_;
  std::unique_ptr<store::Store> store_;
  core::ConnectionId shop_ = 0;
  core::ConnectionId cafe_ = 0;
  std::unique_ptr<AiWorker> worker_;
  std::map<std::int64_t, std::string> reported_;
};

TEST_F(WorkerConnectionsTest, AConnectionAddedLaterHasItsWaitingRequestsAnswered) {
  const auto shop_waiting = ask(shop_, 1);
  worker_->set_connection(AiConnection{.id = cafe_, .name = "cafe"});
  const auto cafe_request = ask(cafe_, 2);
  wait_reported(cafe_request);  // the barrier: the worker has looked since
  EXPECT_EQ(reported_[cafe_request], "no_knowledge");
  EXPECT_FALSE(reported_.contains(shop_waiting)) << "shop has no AI yet";
  EXPECT_EQ(status(shop_waiting), store::AiRequestStatus::kPending);

  worker_->set_connection(AiConnection{.id = shop_, .name = "shop"});
  wait_reported(shop_waiting);
  EXPECT_EQ(status(shop_waiting), store::AiRequestStatus::kAnswered);
}

TEST_F(WorkerConnectionsTest, ARemovedConnectionsRequestsAreNoLongerClaimed) {
  worker_->set_connection(AiConnection{.id = shop_, .name = "shop"});
  worker_->set_connection(AiConnection{.id = cafe_, .name = "cafe"});
  wait_reported(ask(shop_, 1));
  worker_->remove_connection(shop_);
  std::vector<std::int64_t> left;
  for (int i = 0; i < 40; ++i) left.push_back(ask(shop_, 1));  // older than cafe's: they never hide it
  const auto cafe_request = ask(cafe_, 2);
  wait_reported(cafe_request);
  for (auto request : left) {
    EXPECT_FALSE(reported_.contains(request));
    EXPECT_EQ(status(request), store::AiRequestStatus::kPending) << "left waiting in the store";
  }
  EXPECT_EQ(worker_->in_flight(), 0);
}

}  // namespace
}  // namespace topicdesk::ai
