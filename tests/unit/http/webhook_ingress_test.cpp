#include "http/webhook_ingress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "tests/unit/http/http_test_client.h"

namespace topicdesk::http {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::IoThread;
using testing::request_once;

constexpr core::ChatId kGroup = -1001987654321;
constexpr const char* kSecret = "s3cret_Token-with-32-characters_";

const std::string kUpdate =
    R"({"update_id":900001,"message":{"message_id":42,"from":{"id":555001,"is_bot":false,"first_name":"Anna"},"chat":{"id":555001,"type":"private"},"date":1732200000,"text":"help please"}})";

class WebhookIngressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.port = 0;
    server_ = std::make_unique<Server>(io_thread_.io().get_executor(), options);
    WebhookConnection connection;
    connection.name = "support";
    connection.secret_token = kSecret;
    connection.context = telegram::ParseContext{7000000001, {kGroup}};
    connection.commit = [this](std::vector<telegram::Incoming> batch) {
      if (fail_commit_) throw std::runtime_error("database is locked");
      if (hold_commit_) {  // a commit that takes a while, like a disk sync, until the test lets go
        commit_entered_.set_value();
        commit_released_.wait();
      }
      std::lock_guard lock(mutex_);
      for (auto& incoming : batch) committed_.push_back(std::move(incoming));
    };
    ASSERT_TRUE(add_webhook_route(*server_, std::move(connection)).ok());
    ASSERT_TRUE(server_->start().ok());
  }

  void TearDown() override {
    std::promise<void> stopped;
    server_->stop([&] { stopped.set_value(); });
    EXPECT_EQ(stopped.get_future().wait_for(5s), std::future_status::ready);
  }

  testing::Reply post(const std::string& body, std::optional<std::string> secret = kSecret,
                      const std::string& path = "/telegram/support") {
    std::map<std::string, std::string> headers;
    if (secret) headers["X-Telegram-Bot-Api-Secret-Token"] = *secret;
    return request_once(server_->port(), Verb::post, path, body, headers);
  }

  std::vector<telegram::Incoming> committed() {
    std::lock_guard lock(mutex_);
    return committed_;
  }

  IoThread io_thread_;
  std::unique_ptr<Server> server_;
  std::mutex mutex_;
  std::vector<telegram::Incoming> committed_;
  std::atomic<bool> fail_commit_{false};
  std::atomic<bool> hold_commit_{false};
  std::promise<void> commit_entered_;
  std::promise<void> release_commit_;
  std::shared_future<void> commit_released_ = release_commit_.get_future().share();
};

TEST_F(WebhookIngressTest, UpdateIsCommittedBeforeThe200) {
  hold_commit_ = true;
  auto pending = std::async(std::launch::async, [&] { return post(kUpdate); });
  ASSERT_EQ(commit_entered_.get_future().wait_for(5s), std::future_status::ready);
  // While the commit is still running no answer may go out: Telegram must not forget the update.
  EXPECT_EQ(pending.wait_for(200ms), std::future_status::timeout);
  release_commit_.set_value();
  auto reply = pending.get();
  EXPECT_EQ(reply.status, 200u);
  auto seen = committed();  // read right away: the commit must already be done
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].update_id, 900001);
  ASSERT_TRUE(seen[0].event.has_value());
  EXPECT_EQ(seen[0].event->kind, core::EventKind::kUserMessage);
  EXPECT_EQ(seen[0].event->text, "help please");
}

TEST_F(WebhookIngressTest, WrongOrMissingSecretIs401AndNothingIsCommitted) {
  EXPECT_EQ(post(kUpdate, std::string("s3cret_Token-with-32-characters!")).status, 401u);
  EXPECT_EQ(post(kUpdate, std::string("short")).status, 401u);
  EXPECT_EQ(post(kUpdate, std::nullopt).status, 401u);
  EXPECT_EQ(post(kUpdate, std::string(kSecret) + "x").status, 401u);
  EXPECT_TRUE(committed().empty());
}

TEST_F(WebhookIngressTest, MalformedJsonIs400SoTelegramRetries) {
  auto reply = post(R"({"update_id":1,"message":)");
  EXPECT_EQ(reply.status, 400u);
  EXPECT_THAT(reply.body, HasSubstr("not JSON"));
  EXPECT_TRUE(committed().empty());
}

TEST_F(WebhookIngressTest, MalformedUpdateIsRecordedWithItsError) {
  EXPECT_EQ(
      post(R"({"update_id":900002,"message":{"message_id":1,"chat":{"id":true,"type":"private"},"date":1}})")
          .status,
      200u);
  auto seen = committed();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].update_id, 900002);
  EXPECT_EQ(seen[0].parse_error, "update.message.chat.id must be an integer");
}

TEST_F(WebhookIngressTest, IgnoredUpdateIsAnsweredWithoutACommit) {
  EXPECT_EQ(
      post(
          R"({"update_id":900003,"channel_post":{"message_id":1,"chat":{"id":-1007,"type":"channel"},"date":1}})")
          .status,
      200u);
  EXPECT_TRUE(committed().empty());
}

TEST_F(WebhookIngressTest, FailedCommitIs500SoTelegramRetries) {
  fail_commit_ = true;
  EXPECT_EQ(post(kUpdate).status, 500u);
  fail_commit_ = false;
  EXPECT_EQ(post(kUpdate).status, 200u);
  EXPECT_EQ(committed().size(), 1u);
}

TEST_F(WebhookIngressTest, OtherConnectionNamesAreNotFound) {
  EXPECT_EQ(post(kUpdate, kSecret, "/telegram/sales").status, 404u);
  EXPECT_EQ(request_once(server_->port(), Verb::get, "/telegram/support").status, 405u);
}

TEST(WebhookIngress, RejectsBadNamesAndSecrets) {
  testing::IoThread io_thread;
  Server server(io_thread.io().get_executor(), ServerOptions{});
  auto commit = [](std::vector<telegram::Incoming>) {};
  EXPECT_THAT(add_webhook_route(server, {"sup/port", kSecret, {}, commit}).error().message,
              HasSubstr("name"));
  EXPECT_THAT(add_webhook_route(server, {"support", "", {}, commit}).error().message, HasSubstr("1-256"));
  EXPECT_THAT(add_webhook_route(server, {"support", "has space", {}, commit}).error().message,
              HasSubstr("1-256"));
  EXPECT_THAT(add_webhook_route(server, {"support", std::string(257, 'a'), {}, commit}).error().message,
              HasSubstr("1-256"));
  EXPECT_TRUE(add_webhook_route(server, {"support", kSecret, {}, commit}).ok());
}

TEST(SecretMatches, ComparesWholeSecrets) {
  EXPECT_TRUE(secret_matches("abc", "abc"));
  EXPECT_FALSE(secret_matches("abd", "abc"));
  EXPECT_FALSE(secret_matches("ab", "abc"));
  EXPECT_FALSE(secret_matches("abcd", "abc"));
  EXPECT_FALSE(secret_matches("", "abc"));
}

}  // namespace
}  // namespace topicdesk::http
