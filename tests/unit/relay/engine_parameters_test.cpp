// The engine's behaviour parameter by parameter (docs/parameters.md), and shared groups.
#include <gtest/gtest.h>

#include "core/presentation.h"
#include "relay/engine.h"
#include "relay/scheduler.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

constexpr core::UnixMillis kHour = 3'600'000;

class ParametersTest : public EngineFixture {
 protected:
  std::vector<TakenJob> first_message(Engine& e, core::UserId user = kAnn, std::string text = "hello") {
    e.handle(user_message(user, 1, std::move(text)), kT0);
    auto jobs = take_jobs(*store_);
    if (auto dialog = store_->dialog_by_user(context_.id, user)) {
      dialog->thread_id = kThread + user;
      store_->update_dialog(*dialog);
    }
    return jobs;
  }

  std::optional<store::Dialog> dialog_of(core::UserId user) {
    return store_->dialog_by_user(context_.id, user);
  }
  core::ThreadId thread_of(core::UserId user) { return kThread + user; }
};

TEST_F(ParametersTest, WelcomeGreetsNewUsersWithTheirName) {
  auto jobs = first_message(engine({{"WELCOME", "Hi {title}! We answer within an hour."}}));
  EXPECT_EQ(texts_to(jobs, Side::kUser), (std::vector<std::string>{"Hi Ann Lee! We answer within an hour."}));
  // Only the first message of a dialog is welcomed.
  engine_->handle(user_message(kAnn, 2, "again"), kT0);
  EXPECT_TRUE(texts_to(take_jobs(*store_), Side::kUser).empty());
}

TEST_F(ParametersTest, WelcomeOffSendsNothing) {
  EXPECT_TRUE(texts_to(first_message(engine({{"WELCOME", "OFF"}})), Side::kUser).empty());
}

// SILENT_MODE hides errors from the user (here: a withheld message) and nothing else; WELCOME
// and the close notice have their own switches (engine_semantics_test.cpp).
TEST_F(ParametersTest, SilentModeHidesTheWithheldNoticeFromTheUser) {
  auto& e = engine({{"WELCOME", "Hi"}, {"SILENT_MODE", "true"}, {"RESTRICTED_KEYWORDS_FRONTEND", "spam"}});
  EXPECT_EQ(texts_to(first_message(e), Side::kUser), (std::vector<std::string>{"Hi"}));
  e.handle(user_message(kAnn, 2, "buy spam"), kT0);
  auto jobs = take_jobs(*store_);
  EXPECT_TRUE(texts_to(jobs, Side::kUser).empty());
  EXPECT_EQ(texts_to(jobs, Side::kGroup),
            (std::vector<std::string>{core::notice::user_message_withheld("en")}));
}

TEST_F(ParametersTest, AutocloseClosesDialogsWaitingForTheUser) {
  auto& e = engine({{"AUTOCLOSE", "2"}});
  first_message(e, kAnn);
  first_message(e, kBob);
  e.handle(operator_message(thread_of(kAnn), 50, "answer"), kT0);
  e.handle(operator_message(thread_of(kBob), 51, "answer"), kT0);
  e.handle(operator_message(thread_of(kBob), 52, "one more"), kT0 + kHour);  // Bob's wait starts later
  take_jobs(*store_);
  EXPECT_EQ(e.autoclose(kT0 + 2 * kHour - 1), 0);
  EXPECT_EQ(e.autoclose(kT0 + 2 * kHour), 1);
  EXPECT_EQ(dialog_of(kAnn)->status, DialogStatus::kClosed);
  EXPECT_EQ(dialog_of(kBob)->status, DialogStatus::kSupportAnswered);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kUser),
            (std::vector<std::string>{core::notice::dialog_closed_for_user("en", true)}));
  EXPECT_EQ(e.autoclose(kT0 + 3 * kHour), 1);
  EXPECT_EQ(dialog_of(kBob)->status, DialogStatus::kClosed);
}

TEST_F(ParametersTest, AutocloseOffNeverCloses) {
  auto& e = engine({{"AUTOCLOSE", "OFF"}});
  first_message(e);
  e.handle(operator_message(thread_of(kAnn), 50, "answer"), kT0);
  EXPECT_EQ(e.autoclose(kT0 + 1000 * kHour), 0);
}

TEST_F(ParametersTest, SchedulerRunsAutocloseAndDueTimers) {
  // Without the flood guard's windows, the album's is the one timer due.
  auto& e =
      engine({{"AUTOCLOSE", "1"}, {"NEW_TOPICS_PER_MINUTE", "OFF"}, {"USER_MESSAGES_PER_MINUTE", "OFF"}});
  first_message(e);
  e.handle(operator_message(thread_of(kAnn), 50, "answer"), kT0);
  first_message(e, kBob);
  auto part = user_message(kBob, 10, "");  // Bob's album is still gathering
  part.media_group_id = "a";
  e.handle(part, kT0);
  take_jobs(*store_);
  int notified = 0;
  boost::asio::io_context io;
  Scheduler scheduler(io.get_executor(), *store_, [&] { ++notified; });
  scheduler.add_engine(e);
  EXPECT_EQ(scheduler.tick(kT0 + kHour), 1);
  EXPECT_EQ(notified, 1);
  EXPECT_EQ(dialog_of(kAnn)->status, DialogStatus::kClosed);
  EXPECT_NE(find_job(take_jobs(*store_), job::kCopyAlbumToTopic), nullptr);
}

TEST_F(ParametersTest, PrivateKeywordsDecideWhichMessagesOpenADialog) {
  auto& e = engine({{"PRIVATE_KEYWORDS", R"("order",["refund","~joke"])"}});
  e.handle(user_message(kAnn, 1, "hi there"), kT0);
  e.handle(user_message(kAnn, 2, "refund, just a joke"), kT0);
  EXPECT_FALSE(dialog_of(kAnn).has_value());
  EXPECT_TRUE(take_jobs(*store_).empty());
  e.handle(user_message(kAnn, 3, "My ORDER is late"), kT0);
  ASSERT_TRUE(dialog_of(kAnn).has_value());
  take_jobs(*store_);
  e.handle(user_message(kAnn, 4, "anything now"), kT0);  // an open dialog takes everything
  EXPECT_NE(find_job(take_jobs(*store_), job::kCopyToTopic), nullptr);
}

TEST_F(ParametersTest, HideInfoNameUsesPseudonymsAndRevealsOnlyToAllowedOperators) {
  auto& e = engine({{"HIDE_INFO", "name"}, {"EXTENSIONS_ALLOWED", "@boss_op"}});
  first_message(e);
  e.handle(operator_message(thread_of(kAnn), 50, "/info"), kT0);
  auto boss = operator_message(thread_of(kAnn), 51, "/info");
  boss.from.username = "Boss_Op";
  e.handle(boss, kT0);
  auto texts = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_EQ(texts[0].find("ann_lee"), std::string::npos);
  EXPECT_NE(texts[0].find(dialog_of(kAnn)->pseudonym), std::string::npos);
  EXPECT_NE(texts[1].find("@ann_lee"), std::string::npos);
}

TEST_F(ParametersTest, HideInfoCommandRefusesInfoToOthers) {
  auto& e = engine({{"HIDE_INFO", "command"}, {"EXTENSIONS_ALLOWED", std::to_string(kOperatorId + 1)}});
  first_message(e);
  e.handle(operator_message(thread_of(kAnn), 50, "/info"), kT0);
  auto allowed = operator_message(thread_of(kAnn), 51, "/info");
  allowed.from.id = kOperatorId + 1;
  e.handle(allowed, kT0);
  auto anonymous = operator_message(thread_of(kAnn), 52, "/info");
  anonymous.from.id = core::kGroupAnonymousBotId;
  anonymous.sender_is_anonymous_admin = true;
  e.handle(anonymous, kT0);
  auto texts = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(texts.size(), 3u);
  EXPECT_EQ(texts[0], core::notice::info_refused("en"));
  EXPECT_NE(texts[1].find("@ann_lee"), std::string::npos);
  EXPECT_EQ(texts[2], core::notice::info_refused("en"));
}

TEST_F(ParametersTest, ReplyOnlyDeliversRepliesOnly) {
  auto& e = engine({{"REPLY_ONLY", "true"}});
  first_message(e);
  e.handle(operator_message(thread_of(kAnn), 50, "a note for colleagues"), kT0);
  EXPECT_TRUE(take_jobs(*store_).empty());
  EXPECT_EQ(dialog_of(kAnn)->status, DialogStatus::kUserAnswered);
  auto reply = operator_message(thread_of(kAnn), 51, "for you");
  reply.reply_to_message_id = 40;
  e.handle(reply, kT0);
  EXPECT_NE(find_job(take_jobs(*store_), job::kCopyToUser), nullptr);
}

TEST_F(ParametersTest, AutoInfoPostsInfoWhenADialogOpens) {
  auto& e = engine({{"AUTO_INFO", "true"}, {"WELCOME", "OFF"}});  // the test counts the topic's posts only
  auto jobs = first_message(e);
  EXPECT_EQ(kinds(jobs), (std::vector<std::string>{"create_topic", "send_text", "copy_to_topic"}));
  EXPECT_NE(jobs[1].payload.text.find("Dialog info"), std::string::npos);
  e.handle(operator_message(thread_of(kAnn), 50, "/close"), kT0);
  take_jobs(*store_);
  e.handle(user_message(kAnn, 2, "back"), kT0);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kGroup).size(), 1u);  // and when it reopens
}

TEST_F(ParametersTest, IgnoreChatsDropsThoseChats) {
  auto& e = engine({{"IGNORE_CHATS", std::to_string(kAnn)}});
  e.handle(user_message(kAnn, 1, "hello"), kT0);
  EXPECT_FALSE(dialog_of(kAnn).has_value());
  e.handle(user_message(kBob, 1, "hello"), kT0);
  EXPECT_TRUE(dialog_of(kBob).has_value());
}

TEST_F(ParametersTest, WhiteListLetsOnlyListedUsersWrite) {
  auto& e = engine({{"WHITE_LIST", "@ann_lee"}});
  e.handle(user_message(kAnn, 1, "hello"), kT0);
  auto bob = user_message(kBob, 1, "hello");
  bob.from.username = "bob";
  e.handle(bob, kT0);
  EXPECT_TRUE(dialog_of(kAnn).has_value());
  EXPECT_FALSE(dialog_of(kBob).has_value());
}

TEST_F(ParametersTest, RestrictedFrontendKeywordsAreWithheldWithNotices) {
  auto& e = engine({{"RESTRICTED_KEYWORDS_FRONTEND", R"("casino")"}});
  e.handle(user_message(kAnn, 1, "best CASINO here"), kT0);
  EXPECT_FALSE(dialog_of(kAnn).has_value());
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].payload.chat, kAnn);
  EXPECT_EQ(jobs[0].payload.text, core::notice::restricted_for_user("en"));
  first_message(e);
  e.handle(user_message(kAnn, 2, "casino again"), kT0);
  jobs = take_jobs(*store_);
  EXPECT_EQ(find_job(jobs, job::kCopyToTopic), nullptr);
  EXPECT_EQ(texts_to(jobs, Side::kGroup),
            (std::vector<std::string>{core::notice::user_message_withheld("en")}));
}

TEST_F(ParametersTest, RestrictedBackendKeywordsStopOperatorMessages) {
  auto& e = engine({{"RESTRICTED_KEYWORDS_BACKEND", R"(["password"])"}});
  first_message(e);
  e.handle(operator_message(thread_of(kAnn), 50, "your Password is 123"), kT0);
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(find_job(jobs, job::kCopyToUser), nullptr);
  EXPECT_EQ(texts_to(jobs, Side::kGroup),
            (std::vector<std::string>{core::notice::operator_message_withheld("en")}));
  EXPECT_EQ(dialog_of(kAnn)->status, DialogStatus::kUserAnswered);
}

// NEW_TOPIC_AFTER_CLOSE (what LEAVE_CLOSED = true meant before the product's list form).
TEST_F(ParametersTest, NewTopicAfterCloseStartsANewTopicForTheNextConversation) {
  auto& e = engine({{"NEW_TOPIC_AFTER_CLOSE", "true"}, {"WELCOME", "OFF"}});
  first_message(e);
  core::ThreadId old_thread = thread_of(kAnn);
  e.handle(operator_message(old_thread, 50, "/close"), kT0);
  auto jobs = take_jobs(*store_);
  auto* title = find_job(jobs, job::kSetTopicTitle);
  ASSERT_NE(title, nullptr);
  EXPECT_EQ(title->payload.thread, old_thread);
  EXPECT_TRUE(title->payload.text.starts_with(std::string(core::status_marker(core::TopicStatus::kClosed))));
  auto* close = find_job(jobs, job::kCloseTopic);
  ASSERT_NE(close, nullptr);
  EXPECT_EQ(close->payload.thread, old_thread);

  e.handle(user_message(kAnn, 2, "new question"), kT0);
  EXPECT_EQ(dialog_of(kAnn)->thread_id, 0);
  EXPECT_EQ(dialog_of(kAnn)->status, DialogStatus::kUserAnswered);
  EXPECT_EQ(kinds(take_jobs(*store_)),
            (std::vector<std::string>{"create_topic", "set_topic_title", "copy_to_topic"}));
  // The old topic is history: operator messages there reach nobody, and the operator is told so.
  e.handle(operator_message(old_thread, 51, "hello?"), kT0);
  jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"send_text"}));
  EXPECT_EQ(jobs[0].payload.thread, old_thread);
  EXPECT_EQ(jobs[0].payload.text, core::notice::history_topic("en", ""));
}

TEST_F(ParametersTest, WithoutLeaveClosedTheSameTopicContinues) {
  auto& e = engine({});
  first_message(e);
  e.handle(operator_message(thread_of(kAnn), 50, "/close"), kT0);
  take_jobs(*store_);
  e.handle(user_message(kAnn, 2, "new question"), kT0);
  EXPECT_EQ(dialog_of(kAnn)->thread_id, thread_of(kAnn));
}

TEST(SharedGroup, EachEngineHandlesOnlyItsOwnTopics) {
  auto store = make_store();
  auto alpha_ctx = make_context(*store, "alpha", 501);
  auto beta_ctx = make_context(*store, "beta", 502);
  Engine alpha(*store, alpha_ctx);
  Engine beta(*store, beta_ctx);
  alpha.handle(user_message(kAnn, 1, "to alpha"), kT0);
  beta.handle(user_message(kBob, 1, "to beta"), kT0);
  auto ann = *store->dialog_by_user(alpha_ctx.id, kAnn);
  auto bob = *store->dialog_by_user(beta_ctx.id, kBob);
  ann.thread_id = 10;
  bob.thread_id = 20;
  store->update_dialog(ann);
  store->update_dialog(bob);
  take_jobs(*store);
  EXPECT_EQ(owner_of_thread(*store, kGroupId, 20), beta_ctx.id);
  EXPECT_EQ(owner_of_thread(*store, kGroupId, 99), std::nullopt);

  // Both bots see the operator's message in Bob's topic; only beta relays it.
  auto answer = operator_message(20, 70, "beta answers");
  alpha.handle(answer, kT0);
  beta.handle(answer, kT0);
  auto jobs = take_jobs(*store);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"copy_to_user", "set_topic_title"}));
  EXPECT_EQ(jobs[0].job.connection_id, beta_ctx.id);
  EXPECT_EQ(jobs[0].payload.dialog, bob.id);

  // General's /stats is answered once, by the first connection, counting the whole group.
  alpha.handle(operator_message(0, 71, "/stats"), kT0);
  beta.handle(operator_message(0, 71, "/stats"), kT0);
  jobs = take_jobs(*store);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].job.connection_id, alpha_ctx.id);
  EXPECT_NE(jobs[0].payload.text.find("waiting for operators: 1"), std::string::npos);
  EXPECT_NE(jobs[0].payload.text.find("waiting for users: 1"), std::string::npos);
}

}  // namespace
}  // namespace topicdesk::relay
