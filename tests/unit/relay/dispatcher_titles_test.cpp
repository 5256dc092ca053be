// Topic titles within the group's budget: title edits wait in their own queue behind the
// dialog's messages, use only what live traffic leaves of the group's minute, are not sent when
// the topic has the title already, and never create a topic.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>

#include "core/presentation.h"
#include "dispatch_test_util.h"
#include "fake_bot_api.h"
#include "relay/dispatcher.h"
#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;
using std::chrono::milliseconds;

constexpr int kTopics = 10;

class DispatcherTitlesTest : public DispatchFixture {
 protected:
  // kTopics dialogs with topics, all carrying VIP (no ticker yet), made without the dispatcher.
  void topics_carrying_vip() {
    auto& e = engine();
    e.handle(operator_message(0, 1, "/mark new VIP"), core::unix_millis_now());
    for (int i = 0; i < kTopics; ++i) {
      core::UserId user = 2001 + i;
      e.handle(user_message(user, 1, "hello"), core::unix_millis_now());
      auto dialog = *store_->dialog_by_user(context_.id, user);
      dialog.thread_id = 500 + i;
      store_->update_dialog(dialog);
      e.handle(operator_message(dialog.thread_id, 100 + i, "/mark VIP"), core::unix_millis_now());
    }
    take_jobs(*store_);
  }
  std::size_t group_calls() {
    std::size_t n = 0;
    for (const auto& call : api_.calls) {
      auto chat = call.params.if_contains("chat_id");
      if (chat != nullptr && chat->is_int64() && chat->get_int64() == context_.group_id) ++n;
    }
    return n;
  }
};

TEST_F(DispatcherTitlesTest, ARelabelLeavesTheGroupRoomForTheUsersMessages) {
  topics_carrying_vip();
  // 8 a minute: titles may fill the minute up to 6, two are kept for live traffic.
  start({.enabled = true,
         .chat_per_second = 100,
         .chat_burst = 100,
         .group_per_minute = 8,
         .bot_per_second = 100});
  handle(operator_message(0, 2, "/mark VIP ticker 🔥"));  // every topic's title changes
  ASSERT_TRUE(run_until([&] { return !api_.of("editForumTopic").empty(); }));
  handle(user_message(2001, 2, "are you there?"));
  ASSERT_TRUE(run_until([&] { return !api_.of("copyMessage").empty(); }))
      << "the user's message found room in the group's minute";
  io_.run_for(milliseconds(200));
  auto titles = api_.of("editForumTopic");
  EXPECT_LT(titles.size(), static_cast<std::size_t>(kTopics)) << "the rest wait for the next minute";
  EXPECT_LE(group_calls(), 8u) << "within the group's budget";
  EXPECT_TRUE(std::string(titles[0].params.at("name").as_string()).starts_with("🟪 🔥 · "))
      << "the ticker shows";
  for (const auto& call : api_.of("copyMessage")) {
    EXPECT_EQ(call.params.at("chat_id").as_int64(), context_.group_id);
  }
  EXPECT_EQ(store_->outbox_stats().failed, 0);
}

TEST_F(DispatcherTitlesTest, TitlesTheTopicHasAlreadyAreNotSentAgain) {
  topics_carrying_vip();
  for (int i = 0; i < kTopics; ++i) {  // as a previous run left them: the titles are what they should be
    auto dialog = *store_->dialog_by_user(context_.id, 2001 + i);
    auto person = store_->user(context_.id, dialog.user_id).value_or(core::Person{.id = dialog.user_id});
    store_->state_set(context_.id, topic_name_key(dialog.thread_id),
                      core::topic_title({person, "", {}, {}}, core::TopicStatus::kUserAnswered));
  }
  start({.enabled = true,
         .chat_per_second = 100,
         .chat_burst = 100,
         .group_per_minute = 8,
         .bot_per_second = 100});
  handle(operator_message(0, 2, "/mark VIP ticker CLEAR"));  // no ticker before, none now
  ASSERT_TRUE(run_until([&] { return idle(); }));
  EXPECT_TRUE(api_.of("editForumTopic").empty());
}

TEST_F(DispatcherTitlesTest, ATitleJobNeverCreatesATopic) {
  engine().handle(user_message(kAnn, 1, "hello"), core::unix_millis_now());
  take_jobs(*store_);  // the topic's creation is lost: the dialog has none
  auto job = make_job(context_.id, job::kSetTopicTitle, JobPayload{.dialog = ann().id}, kPriorityBulk,
                      core::unix_millis_now());
  job.queue_key = title_queue_key(ann().id);
  store_->outbox_add(job);
  start();
  ASSERT_TRUE(run_until([&] { return store_->outbox_ready(core::unix_millis_now(), 10, {}).empty(); }));
  io_.run_for(milliseconds(100));
  EXPECT_TRUE(api_.of("createForumTopic").empty());
  EXPECT_TRUE(api_.of("editForumTopic").empty());
  EXPECT_EQ(store_->outbox_stats().pending, 1) << "it waits for the dialog's topic";
}

}  // namespace
}  // namespace topicdesk::relay
