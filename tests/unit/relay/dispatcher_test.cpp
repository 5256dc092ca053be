#include "relay/dispatcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <random>

#include "core/metrics.h"
#include "core/presentation.h"
#include "dispatch_test_util.h"
#include "fake_bot_api.h"
#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;
namespace json = boost::json;
using std::chrono::milliseconds;

std::int64_t as_int(const json::value& v) { return v.as_int64(); }

class DispatcherTest : public DispatchFixture {
 protected:
  // Ann's first message relayed completely: topic, card, copy.
  void first_exchange() {
    handle(user_message(kAnn, 1, "hello"));
    ASSERT_TRUE(run_until([&] { return idle(); }));
  }
};

TEST_F(DispatcherTest, FirstMessageCreatesTopicPostsCardAndCopies) {
  start();
  handle(user_message(kAnn, 1, "/start promo42"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  ASSERT_GE(api_.calls.size(), 3u);
  EXPECT_EQ(api_.calls[0].method, "createForumTopic");
  EXPECT_EQ(api_.calls[0].params.at("name").as_string(), "🟪 Ann Lee #1001");
  EXPECT_EQ(as_int(api_.calls[0].params.at("chat_id")), kGroupId);
  EXPECT_EQ(api_.calls[1].method, "sendMessage");
  std::string card(api_.calls[1].params.at("text").as_string());
  EXPECT_NE(card.find("@ann_lee"), std::string::npos);
  EXPECT_NE(card.find("start: promo42"), std::string::npos);
  EXPECT_EQ(as_int(api_.calls[1].params.at("message_thread_id")), 1000);
  EXPECT_EQ(api_.calls[2].method, "copyMessage");
  EXPECT_EQ(as_int(api_.calls[2].params.at("message_thread_id")), 1000);
  EXPECT_EQ(as_int(api_.calls[2].params.at("from_chat_id")), kAnn);
  EXPECT_EQ(ann().thread_id, 1000);
  auto link = store_->link_by_user_message(ann().id, 1);
  ASSERT_TRUE(link);
  EXPECT_EQ(link->group_message_id, 5001);
}

TEST_F(DispatcherTest, RepliesAreMappedBothWays) {
  start();
  first_exchange();  // Ann's message 1 is group message 5001
  auto reply = operator_message(1000, 7000, "Answer one");
  reply.reply_to_message_id = 5001;
  handle(reply);
  ASSERT_TRUE(run_until([&] { return idle(); }));
  auto to_user = api_.of("copyMessage").back();
  EXPECT_EQ(as_int(to_user.params.at("chat_id")), kAnn);
  EXPECT_EQ(as_int(to_user.params.at("from_chat_id")), kGroupId);
  EXPECT_EQ(as_int(to_user.params.at("reply_parameters").at("message_id")), 1);
  core::MessageId at_user = 5002;  // the copy's id in Ann's chat

  auto thanks = user_message(kAnn, 2, "Thanks");
  thanks.reply_to_message_id = at_user;
  handle(thanks);
  ASSERT_TRUE(run_until([&] { return idle(); }));
  auto to_group = api_.of("copyMessage").back();
  EXPECT_EQ(as_int(to_group.params.at("reply_parameters").at("message_id")), 7000);
}

TEST_F(DispatcherTest, EditsAndReactionsTargetTheLinkedCopy) {
  start();
  first_exchange();
  auto edit = user_message(kAnn, 1, "hello, edited");
  edit.kind = core::EventKind::kUserEdit;
  edit.entities_json = R"([{"offset":0,"length":5,"type":"bold"}])";
  handle(edit);
  auto reaction = user_message(kAnn, 1, "");
  reaction.kind = core::EventKind::kUserReaction;
  reaction.new_reactions = {"👍"};
  handle(reaction);
  ASSERT_TRUE(run_until([&] { return idle(); }));
  auto edits = api_.of("editMessageText");
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(as_int(edits[0].params.at("message_id")), 5001);
  EXPECT_EQ(edits[0].params.at("text").as_string(), "hello, edited");
  EXPECT_EQ(json::serialize(edits[0].params.at("entities")), edit.entities_json);
  auto reactions = api_.of("setMessageReaction");
  ASSERT_EQ(reactions.size(), 1u);
  EXPECT_EQ(as_int(reactions[0].params.at("message_id")), 5001);
  EXPECT_EQ(reactions[0].params.at("reaction").at(0).at("emoji").as_string(), "👍");
}

TEST_F(DispatcherTest, OrderIsKeptPerQueue) {
  start();
  first_exchange();
  for (int i = 2; i <= 12; ++i) handle(user_message(kAnn, i, "line " + std::to_string(i)));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  std::vector<std::int64_t> order;
  for (const auto& c : api_.of("copyMessage")) order.push_back(as_int(c.params.at("message_id")));
  std::vector<std::int64_t> expected{1};
  for (int i = 2; i <= 12; ++i) expected.push_back(i);
  EXPECT_EQ(order, expected);
}

TEST_F(DispatcherTest, OperatorRepliesGoBeforeBulkWork) {
  handle(user_message(kAnn, 1, "hello"));
  auto dialog = ann();
  dialog.thread_id = 1000;
  store_->update_dialog(dialog);
  take_jobs(*store_);
  auto now = core::unix_millis_now();
  store_->outbox_add(
      make_job(context_.id, job::kSendText, {.dialog = 0, .text = "bulk"}, kPriorityBulk, now));
  store_->outbox_add(make_job(context_.id, job::kCopyToUser,
                              {.dialog = dialog.id, .to = Side::kUser, .message_id = 9},
                              kPriorityOperatorReply, now));
  start({.enabled = false}, {.max_in_flight = 1});
  ASSERT_TRUE(run_until([&] { return idle(); }));
  ASSERT_EQ(api_.calls.size(), 2u);
  EXPECT_EQ(api_.calls[0].method, "copyMessage");
  EXPECT_EQ(api_.calls[1].method, "sendMessage");
}

TEST_F(DispatcherTest, DocumentsAreUploadedIntoGeneralWithTheirCaption) {
  start();
  auto now = core::unix_millis_now();
  store_->outbox_add(
      make_job(context_.id, job::kSendDocument,
               {.dialog = 0, .text = "Report", .document_name = "r.csv", .document = "id\n1\n"},
               kPriorityNormal, now));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  auto sent = api_.of("sendDocument");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(as_int(sent[0].params.at("chat_id")), kGroupId);
  EXPECT_FALSE(sent[0].params.contains("message_thread_id"));
  EXPECT_EQ(sent[0].params.at("caption").as_string(), "Report");
  ASSERT_TRUE(sent[0].file);
  EXPECT_EQ(sent[0].file->field, "document");
  EXPECT_EQ(sent[0].file->file_name, "r.csv");
  EXPECT_EQ(sent[0].file->bytes, "id\n1\n");
}

TEST_F(DispatcherTest, TooManyRequestsWaitsRetryAfterAndNeverDrops) {
  api_.script = [](const FakeBotApi::Call& c, int nth) -> std::optional<telegram::ApiResult> {
    if (c.method == "copyMessage" && nth == 1)
      return FakeBotApi::error(429, "Too Many Requests: retry after 1", 1);
    return std::nullopt;
  };
  start({.enabled = true, .group_per_minute = 1000});
  auto started = std::chrono::steady_clock::now();
  handle(user_message(kAnn, 1, "hello"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(api_.of("copyMessage").size(), 2u);
  EXPECT_GE(waited, milliseconds(950));
  EXPECT_TRUE(store_->link_by_user_message(ann().id, 1).has_value());
  std::string metrics = core::Metrics::global().render_prometheus();
  EXPECT_NE(metrics.find(R"(topicdesk_outbox_jobs_total{kind="telegram",result="429"})"), std::string::npos);
  EXPECT_NE(metrics.find(R"(topicdesk_outbox_jobs_total{kind="copy_to_topic",result="retried"})"),
            std::string::npos);
}

TEST_F(DispatcherTest, NetworkErrorsAndServerErrorsAreRetried) {
  api_.script = [](const FakeBotApi::Call& c, int nth) -> std::optional<telegram::ApiResult> {
    if (c.method == "copyMessage" && nth == 1) return FakeBotApi::error(0, "connection reset");
    if (c.method == "copyMessage" && nth == 2) return FakeBotApi::error(502, "Bad Gateway");
    return std::nullopt;
  };
  start();
  handle(user_message(kAnn, 1, "hello"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  EXPECT_EQ(api_.of("copyMessage").size(), 3u);
  EXPECT_EQ(store_->outbox_stats().failed, 0);
  EXPECT_TRUE(store_->link_by_user_message(ann().id, 1).has_value());
}

TEST_F(DispatcherTest, DeletedTopicIsRecreatedWithItsCard) {
  start();
  first_exchange();
  api_.script = [](const FakeBotApi::Call& c, int nth) -> std::optional<telegram::ApiResult> {
    if (c.method == "copyMessage" && c.params.at("message_thread_id").as_int64() == 1000) {
      return FakeBotApi::error(400, "Bad Request: message thread not found");
    }
    return std::nullopt;
  };
  handle(user_message(kAnn, 2, "after delete"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  EXPECT_EQ(ann().thread_id, 1001);
  EXPECT_EQ(api_.of("createForumTopic").size(), 2u);
  auto cards = api_.of("sendMessage");
  ASSERT_EQ(cards.size(), 2u);
  EXPECT_EQ(as_int(cards[1].params.at("message_thread_id")), 1001);
  auto copy = api_.of("copyMessage").back();
  EXPECT_EQ(as_int(copy.params.at("message_thread_id")), 1001);
  EXPECT_EQ(as_int(copy.params.at("message_id")), 2);
  EXPECT_EQ(store_->outbox_stats().failed, 0);
}

TEST_F(DispatcherTest, ClosedTopicIsReopenedAndTheJobRetried) {
  start();
  first_exchange();
  api_.script = [](const FakeBotApi::Call& c, int nth) -> std::optional<telegram::ApiResult> {
    if (c.method == "copyMessage" && nth == 2) return FakeBotApi::error(400, "Bad Request: TOPIC_CLOSED");
    return std::nullopt;
  };
  handle(user_message(kAnn, 2, "hi again"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  auto reopen = api_.of("reopenForumTopic");
  ASSERT_EQ(reopen.size(), 1u);
  EXPECT_EQ(as_int(reopen[0].params.at("message_thread_id")), 1000);
  EXPECT_EQ(api_.of("copyMessage").size(), 3u);
  EXPECT_TRUE(store_->link_by_user_message(ann().id, 2).has_value());
}

TEST_F(DispatcherTest, BlockedUserIsMarkedAndOperatorsAreTold) {
  start();
  first_exchange();
  api_.script = [](const FakeBotApi::Call& c, int nth) -> std::optional<telegram::ApiResult> {
    if (c.method == "copyMessage" && c.params.at("chat_id").as_int64() == kAnn) {
      return FakeBotApi::error(403, "Forbidden: bot was blocked by the user");
    }
    return std::nullopt;
  };
  handle(operator_message(1000, 7000, "are you there?"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  EXPECT_TRUE(ann().user_blocked_bot);
  EXPECT_EQ(store_->outbox_stats().failed, 1);
  auto notice = api_.of("sendMessage").back();
  EXPECT_EQ(as_int(notice.params.at("message_thread_id")), 1000);
  EXPECT_EQ(notice.params.at("text").as_string(),
            core::notice::not_delivered("en", "the user blocked the bot."));
}

TEST_F(DispatcherTest, UnchangedEditsAreDoneAndOtherBadRequestsFailWithANotice) {
  start();
  first_exchange();
  api_.script = [](const FakeBotApi::Call& c, int nth) -> std::optional<telegram::ApiResult> {
    if (c.method == "editForumTopic") return FakeBotApi::error(400, "Bad Request: TOPIC_NOT_MODIFIED");
    if (c.method == "copyMessage" && c.params.at("chat_id").as_int64() == kAnn) {
      return FakeBotApi::error(400, "Bad Request: message to copy not found");
    }
    return std::nullopt;
  };
  handle(operator_message(1000, 7000, "a sticker that vanished"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  EXPECT_EQ(store_->outbox_stats().failed, 1);  // only the copy; the title edit counts as done
  auto notice = api_.of("sendMessage").back();
  EXPECT_EQ(notice.params.at("text").as_string(),
            core::notice::not_delivered("en", "Bad Request: message to copy not found"));
}

TEST_F(DispatcherTest, QueuedTitleChangesAreCoalescedIntoTheTitleTheTopicNeeds) {
  start();
  first_exchange();  // the topic was created as "🟪 Ann Lee #1001"
  // A backlog (the store was locked, the desk restarted): the status flips three times before
  // the dispatcher looks (the loop does not run meanwhile); every queued change would name the
  // title of the status now.
  handle(operator_message(1000, 7000, "answer"));
  handle(user_message(kAnn, 2, "thanks"));
  handle(operator_message(1000, 7001, "welcome"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  auto titles = api_.of("editForumTopic");
  ASSERT_EQ(titles.size(), 1u) << "one edit for three queued changes";
  EXPECT_NE(titles[0].params.at("name").as_string(), "🟪 Ann Lee #1001");
  // Back to the status the topic was created with, then to the one it has now: both are sent.
  handle(user_message(kAnn, 3, "one more thing"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  handle(user_message(kAnn, 4, "and another"));  // no change of status: no job, no edit
  ASSERT_TRUE(run_until([&] { return idle(); }));
  titles = api_.of("editForumTopic");
  ASSERT_EQ(titles.size(), 2u);
  EXPECT_EQ(titles[1].params.at("name").as_string(), "🟪 Ann Lee #1001");
}

TEST_F(DispatcherTest, FloodLimitedGroupWaitsWithoutBlockingTheUserSide) {
  // Group budget 2 per minute: the new topic and its card use it up; the copy must wait.
  start({.enabled = true,
         .chat_per_second = 100,
         .chat_burst = 100,
         .group_per_minute = 2,
         .bot_per_second = 100});
  handle(user_message(kAnn, 1, "hello"));
  ASSERT_TRUE(run_until([&] { return api_.of("sendMessage").size() == 1; }));
  auto dialog = ann();
  handle(operator_message(dialog.thread_id, 7000, "fast answer"));
  ASSERT_TRUE(run_until([&] { return !api_.of("copyMessage").empty(); }));
  io_.run_for(milliseconds(100));
  auto copies = api_.of("copyMessage");
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(as_int(copies[0].params.at("chat_id")), kAnn);  // the user's copy went; the group's waits
  EXPECT_EQ(store_->outbox_stats().pending, 2);             // the group copy and the title edit
}

TEST_F(DispatcherTest, JobsStartedInOneTurnStayWithinTheGroupsBudget) {
  // Four users write at once: four topics are due in the same turn, the group takes three.
  start({.enabled = true,
         .chat_per_second = 100,
         .chat_burst = 100,
         .group_per_minute = 3,
         .bot_per_second = 100});
  for (core::UserId user = 2001; user <= 2004; ++user) handle(user_message(user, 1, "hello"));
  ASSERT_TRUE(run_until([&] { return api_.calls.size() >= 3; }));
  io_.run_for(milliseconds(200));
  EXPECT_EQ(api_.calls.size(), 3u) << "the fourth waits for the group's minute";
  EXPECT_EQ(api_.of("createForumTopic").size(), 3u);
}

TEST_F(DispatcherTest, OperatorEditsReactionsAndAlbumsUseTheirLinks) {
  start();
  first_exchange();
  handle(operator_message(1000, 7000, "Hi tehre"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  core::MessageId at_user = 5002;  // card 5000, Ann's copy 5001, the answer at Ann 5002
  auto edit = operator_message(1000, 7000, "Hi there");
  edit.kind = core::EventKind::kOperatorEdit;
  handle(edit);
  auto reaction = operator_message(0, 5001, "");  // on the copy of Ann's message
  reaction.kind = core::EventKind::kOperatorReaction;
  reaction.new_reactions = {"👍"};
  handle(reaction);
  ASSERT_TRUE(run_until([&] { return idle(); }));
  auto edits = api_.of("editMessageText");
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(as_int(edits[0].params.at("chat_id")), kAnn);
  EXPECT_EQ(as_int(edits[0].params.at("message_id")), at_user);
  auto reactions = api_.of("setMessageReaction");
  ASSERT_EQ(reactions.size(), 1u);
  EXPECT_EQ(as_int(reactions[0].params.at("chat_id")), kAnn);
  EXPECT_EQ(as_int(reactions[0].params.at("message_id")), 1);

  // An album: one copyMessages call, every part linked.
  for (int i = 0; i < 3; ++i) {
    auto part = user_message(kAnn, 10 + i, "");
    part.media_group_id = "alb";
    handle(part);
  }
  for (const auto& timer : store_->timers_due(core::unix_millis_now() + kAlbumGatherMillis, 10)) {
    engine().on_timer(timer, core::unix_millis_now() + kAlbumGatherMillis);
  }
  dispatcher_->notify();
  ASSERT_TRUE(run_until([&] { return idle(); }));
  auto albums = api_.of("copyMessages");
  ASSERT_EQ(albums.size(), 1u);
  EXPECT_EQ(albums[0].params.at("message_ids").as_array().size(), 3u);
  EXPECT_EQ(as_int(albums[0].params.at("message_thread_id")), 1000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(store_->link_by_user_message(ann().id, 10 + i).has_value()) << i;
}

TEST_F(DispatcherTest, TopicsThatCannotBeCreatedWaitInsteadOfDropping) {
  api_.script = [](const FakeBotApi::Call& c, int nth) -> std::optional<telegram::ApiResult> {
    if (c.method == "createForumTopic" && nth == 1)
      return FakeBotApi::error(400, "Bad Request: not enough rights to create a topic");
    return std::nullopt;
  };
  start();
  handle(user_message(kAnn, 1, "hello"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  EXPECT_EQ(api_.of("createForumTopic").size(), 2u);
  EXPECT_EQ(store_->outbox_stats().failed, 0);
  EXPECT_TRUE(store_->link_by_user_message(ann().id, 1).has_value());
}

TEST_F(DispatcherTest, StopLetsCallsInFlightFinishAndRecordsThem) {
  api_.delay = milliseconds(100);
  bool run_returned = false;
  dispatcher_ = std::make_unique<Dispatcher>(io_.get_executor(), *store_);
  dispatcher_->add_connection(context_, api_, {.enabled = false});
  boost::asio::co_spawn(io_, dispatcher_->run(), [&](std::exception_ptr) { run_returned = true; });
  handle(user_message(kAnn, 1, "hello"));
  ASSERT_TRUE(run_until([&] { return !api_.calls.empty(); }));  // createForumTopic is in flight
  dispatcher_->stop();
  ASSERT_TRUE(run_until([&] { return run_returned; }));
  EXPECT_EQ(dispatcher_->in_flight(), 0u);
  EXPECT_EQ(ann().thread_id, 1000);              // the call in flight was recorded
  EXPECT_TRUE(api_.of("sendMessage").empty());   // nothing new started after stop: not the card,
  EXPECT_TRUE(api_.of("copyMessage").empty());   // nor the copy
  EXPECT_EQ(store_->outbox_stats().pending, 2);  // the topic's card (its job's next step), the copy
  dispatcher_.reset();
}

TEST_F(DispatcherTest, RandomFaultsNeitherLoseNorDuplicateNorReorder) {
  // 30% of calls fail (network errors, 5xx, a deleted topic now and then); every message of
  // every dialog must arrive exactly once, in the order it was written, on both sides.
  std::mt19937 random(12345);
  std::map<std::int64_t, std::vector<std::int64_t>> to_group;  // by user: their messages copied in
  std::map<std::int64_t, std::vector<std::int64_t>> to_user;   // by user: operator messages copied out
  api_.script = [&](const FakeBotApi::Call& c, int) -> std::optional<telegram::ApiResult> {
    int roll = static_cast<int>(random() % 100);
    if (roll < 12) return FakeBotApi::error(0, "connection reset");
    if (roll < 24) return FakeBotApi::error(502, "Bad Gateway");
    if (roll < 30 && c.params.contains("message_thread_id") && c.method != "createForumTopic") {
      return FakeBotApi::error(400, "Bad Request: message thread not found");
    }
    if (c.method == "copyMessage") {
      std::int64_t chat = c.params.at("chat_id").as_int64();
      std::int64_t message = c.params.at("message_id").as_int64();
      if (chat == kGroupId) {
        to_group[c.params.at("from_chat_id").as_int64()].push_back(message);
      } else {
        to_user[chat].push_back(message);
      }
    }
    return std::nullopt;
  };
  start();
  constexpr int kUsers = 5;
  constexpr int kMessages = 20;
  std::map<std::int64_t, std::vector<std::int64_t>> operator_sent;
  for (int m = 1; m <= kMessages; ++m) {
    for (int u = 0; u < kUsers; ++u) handle(user_message(kAnn + u, m, "m" + std::to_string(m)));
    io_.run_for(milliseconds(2));
    for (int u = 0; u < kUsers; ++u) {
      auto dialog = store_->dialog_by_user(context_.id, kAnn + u);
      if (!dialog || dialog->thread_id == 0) continue;
      std::int64_t id = 10000 * (u + 1) + m;
      handle(operator_message(dialog->thread_id, id, "op"));
      operator_sent[kAnn + u].push_back(id);
    }
  }
  ASSERT_TRUE(run_until([&] { return idle(); }, milliseconds(30000)));
  EXPECT_EQ(store_->outbox_stats().failed, 0);
  std::vector<std::int64_t> written;
  for (int m = 1; m <= kMessages; ++m) written.push_back(m);
  for (int u = 0; u < kUsers; ++u) {
    EXPECT_EQ(to_group[kAnn + u], written) << "user " << u;
    EXPECT_EQ(to_user[kAnn + u], operator_sent[kAnn + u]) << "user " << u;
  }
}

TEST_F(DispatcherTest, AUserMessageTelegramWillNotCopyIsReportedInTheTopic) {
  start();
  first_exchange();
  api_.script = [](const FakeBotApi::Call& c, int) -> std::optional<telegram::ApiResult> {
    if (c.method == "copyMessage") return FakeBotApi::error(400, "Bad Request: message can't be copied");
    return std::nullopt;
  };
  handle(user_message(kAnn, 2, "a paid post"));
  // The failure comes back through the inbox, and the engine's notices after it: wait for both.
  auto sent_where = [&](auto predicate) {
    auto sent = api_.of("sendMessage");
    auto found = std::find_if(sent.rbegin(), sent.rend(), predicate);
    return found == sent.rend() ? std::optional<FakeBotApi::Call>() : std::optional<FakeBotApi::Call>(*found);
  };
  auto in_topic = [](const FakeBotApi::Call& c) { return c.params.contains("message_thread_id"); };
  auto to_user = [](const FakeBotApi::Call& c) { return as_int(c.params.at("chat_id")) == kAnn; };
  ASSERT_TRUE(run_until([&] { return idle() && sent_where(in_topic) && sent_where(to_user); }));
  EXPECT_EQ(store_->outbox_stats().failed, 1);
  EXPECT_EQ(as_int(sent_where(in_topic)->params.at("message_thread_id")), 1000);
  EXPECT_EQ(sent_where(in_topic)->params.at("text").as_string(),
            core::notice::user_message_not_copied("en", "Bad Request: message can't be copied"));
  // And the user is told (SILENT_MODE is off by default).
  EXPECT_EQ(sent_where(to_user)->params.at("text").as_string(),
            core::notice::message_not_relayed_for_user("en"));
}

TEST_F(DispatcherTest, TopicsUseTheIconColourAndHiddenNames) {
  auto params = core::parse_parameters({{"ICON_COLOR", "0xFB6F5F"}, {"HIDE_INFO", "name"}});
  ASSERT_TRUE(params.ok());
  context_.params = *params;
  engine().set_parameters(*params);
  start();
  handle(user_message(kAnn, 1, "hi"));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  auto topic = api_.of("createForumTopic").at(0);
  EXPECT_EQ(as_int(topic.params.at("icon_color")), 0xFB6F5F);
  EXPECT_EQ(topic.params.at("name").as_string(),
            "🟪 " + store_->dialog_by_user(context_.id, kAnn)->pseudonym);
  std::string card(api_.of("sendMessage").at(0).params.at("text").as_string());
  EXPECT_EQ(card.find("ann_lee"), std::string::npos);
  EXPECT_EQ(card.find("1001"), std::string::npos);
}

}  // namespace
}  // namespace topicdesk::relay
