// Several webhook workers on one PostgreSQL database, as several desk instances run them: every
// event reaches its URL once, in event order per dialog, whichever worker fans it out or sends
// it. Runs on the store contract's PostgreSQL test server (TOPICDESK_TEST_PG; skips without).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "http/server.h"
#include "integrations/webhooks.h"
#include "tests/unit/http/http_test_client.h"
#include "tests/unit/store/store_backends.h"

namespace topicdesk::integrations {
namespace {

namespace json = boost::json;
using http::testing::IoThread;
using store::test_support::eventually;

struct Received {
  std::int64_t delivery = 0;
  std::int64_t event = 0;
  std::int64_t dialog = 0;
};

TEST(WebhookWorkers, TwoWorkersOnOneDatabaseSendEveryEventOnceInOrder) {
  auto backend = store::test_support::postgres_backend();
  if (!backend) GTEST_SKIP() << "postgres: no test server (TOPICDESK_TEST_PG)";
  const auto location = backend->new_location();
  {
    // The receiver: records every request it gets.
    IoThread receiver_io;
    http::ServerOptions server_options;
    server_options.port = 0;
    http::Server receiver(receiver_io.io().get_executor(), server_options);
    std::mutex mutex;
    std::vector<Received> received;
    receiver.route(
        http::Verb::post, "/hook", [&](http::Request& request) -> boost::asio::awaitable<http::Response> {
          auto body = json::parse(request.body()).as_object();
          Received r{body.at("delivery").to_number<std::int64_t>(), body.at("id").to_number<std::int64_t>(),
                     body.at("dialog").as_object().at("id").to_number<std::int64_t>()};
          {
            std::lock_guard lock(mutex);
            received.push_back(r);
          }
          co_return http::text_response(200, "ok");
        });
    ASSERT_TRUE(receiver.start().ok());
    const std::string url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook";

    // Events of three dialogs, interleaved, before either worker starts.
    auto a = backend->open(location);
    auto b = backend->open(location);
    HookConnection connection{
        a->ensure_connection("support", 111, store::test_support::kGroup), "support", {}};
    connection.params.webhooks.push_back(core::WebhookTarget{url, {"message_received"}, {}});
    std::vector<store::DialogId> dialogs;
    for (core::UserId user : {501, 502, 503})
      dialogs.push_back(a->create_dialog(connection.id, user, store::test_support::kGroup, 1000).id);
    constexpr int kEvents = 60;
    for (int i = 0; i < kEvents; ++i)
      a->append_event(connection.id, dialogs[i % 3], "message_received", "{}", 2000 + i);

    {
      IoThread io_a;
      IoThread io_b;
      WebhookOptions options;
      options.poll_interval = std::chrono::milliseconds(5);
      options.fan_out_batch = 7;  // many small fan-outs, so the two workers race for the cursor
      WebhookWorker worker_a(io_a.io().get_executor(), *a, {connection}, {}, options);
      WebhookWorker worker_b(io_b.io().get_executor(), *b, {connection}, {}, options);
      worker_a.start();
      worker_b.start();
      const bool all_recorded = eventually(
          [&] {
            auto status = a->webhook_status();
            return status.size() == 1 && status[0].delivered >= kEvents && status[0].pending == 0;
          },
          std::chrono::seconds(20));
      worker_a.stop();
      worker_b.stop();
      ASSERT_TRUE(all_recorded) << "the deliveries were not all recorded as delivered";
    }

    auto status = a->webhook_status();
    ASSERT_EQ(status.size(), 1u);
    EXPECT_EQ(status[0].delivered, kEvents) << "each event was fanned out once";
    std::lock_guard lock(mutex);
    EXPECT_EQ(received.size(), static_cast<std::size_t>(kEvents)) << "each delivery was sent once";
    std::set<std::int64_t> deliveries;
    std::map<std::int64_t, std::int64_t> last_event_of_dialog;
    for (const auto& r : received) {
      EXPECT_TRUE(deliveries.insert(r.delivery).second) << "delivery " << r.delivery << " sent twice";
      EXPECT_EQ(a->webhook_attempts(r.delivery).size(), 1u) << "delivery " << r.delivery;
      EXPECT_GT(r.event, last_event_of_dialog[r.dialog]) << "dialog " << r.dialog << " out of order";
      last_event_of_dialog[r.dialog] = r.event;
    }

    std::promise<void> stopped;
    receiver.stop([&] { stopped.set_value(); });
    EXPECT_EQ(stopped.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  }
  backend->remove(location);
}

}  // namespace
}  // namespace topicdesk::integrations
