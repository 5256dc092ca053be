// Topics the desk does not know: never silence. An orphan left behind by a crash between
// createForumTopic and recording it is found by its title; other topics get a notice.
#include <gtest/gtest.h>

#include "core/presentation.h"
#include "relay/accounts.h"
#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

constexpr core::ThreadId kOrphan = 90;

// An operator's message in a topic, with the topic's name as the Bot API repeats it.
core::Event in_topic(core::ThreadId thread, core::MessageId id, std::string text, std::string topic_name) {
  auto e = operator_message(thread, id, std::move(text));
  e.topic_name = std::move(topic_name);
  return e;
}

class UnknownTopicTest : public EngineFixture {
 protected:
  std::string ann_title() { return "🟢 Ann Lee #" + std::to_string(kAnn); }
  store::Dialog ann() { return *store_->dialog_by_user(context_.id, kAnn); }

  // Jobs that post in `thread` explicitly.
  static std::vector<std::string> posted_in(const std::vector<TakenJob>& jobs, core::ThreadId thread) {
    std::vector<std::string> out;
    for (const auto& j : jobs) {
      if (j.job.kind == job::kSendText && j.payload.to == Side::kGroup && j.payload.thread == thread)
        out.push_back(j.payload.text);
    }
    return out;
  }
};

TEST_F(UnknownTopicTest, AnOrphanNamingADialogWithATopicRelaysAndSaysWhereTheDialogLives) {
  auto& e = engine();
  auto dialog = open_dialog_of(e, kAnn, kThread);
  e.handle(in_topic(kOrphan, 50, "Your refund is on its way", ann_title()), kT0);
  auto jobs = take_jobs(*store_);
  auto* copy = find_job(jobs, job::kCopyToUser);
  ASSERT_NE(copy, nullptr) << "the operator's message reaches the user";
  EXPECT_EQ(copy->payload.dialog, dialog.id);
  EXPECT_EQ(copy->payload.message_id, 50);
  EXPECT_EQ(posted_in(jobs, kOrphan), std::vector<std::string>{core::notice::orphan_topic_relayed(
                                          "en", topic_link(kGroupId, kThread))});
  EXPECT_EQ(ann().thread_id, kThread) << "the dialog keeps its topic";
  EXPECT_EQ(ann().status, DialogStatus::kSupportAnswered);

  // Told once per topic; later messages are relayed without another notice.
  e.handle(in_topic(kOrphan, 51, "and one more thing", ann_title()), kT0);
  jobs = take_jobs(*store_);
  EXPECT_NE(find_job(jobs, job::kCopyToUser), nullptr);
  EXPECT_TRUE(posted_in(jobs, kOrphan).empty());
}

TEST_F(UnknownTopicTest, AnOrphanNamingADialogWithoutATopicIsAdopted) {
  auto& e = engine();
  e.handle(user_message(kAnn, 1, "/start promo"), kT0);  // create_topic is queued ...
  take_jobs(*store_);                                    // ... and the desk died after createForumTopic
  ASSERT_EQ(ann().thread_id, 0);
  e.handle(in_topic(kOrphan, 50, "Hello Ann", ann_title()), kT0);
  EXPECT_EQ(ann().thread_id, kOrphan);
  auto jobs = take_jobs(*store_);
  auto topic = texts_to(jobs, Side::kGroup);
  ASSERT_EQ(topic.size(), 2u);
  EXPECT_TRUE(topic[0].starts_with("📇 New dialog")) << "the card the crash cost";
  EXPECT_NE(topic[0].find("start: promo"), std::string::npos);
  EXPECT_EQ(topic[1], core::notice::orphan_topic_adopted("en"));
  EXPECT_NE(find_job(jobs, job::kCopyToUser), nullptr);
  EXPECT_NE(find_job(jobs, job::kSetTopicTitle), nullptr);

  // From now on it is the dialog's topic: the user's messages go there.
  e.handle(user_message(kAnn, 2, "thanks"), kT0);
  EXPECT_EQ(ann().thread_id, kOrphan);
}

TEST_F(UnknownTopicTest, ATopicNamingNoDialogGetsANoticeOnceAndNothingIsSent) {
  auto& e = engine();
  open_dialog_of(e, kAnn, kThread);
  e.handle(in_topic(kOrphan, 50, "hello?", "🟢 Bob Roe #4242"), kT0);
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(find_job(jobs, job::kCopyToUser), nullptr);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].payload.dialog, 0);
  EXPECT_EQ(posted_in(jobs, kOrphan), std::vector<std::string>{core::notice::unknown_topic("en")});

  e.handle(in_topic(kOrphan, 51, "anyone?", "🟢 Bob Roe #4242"), kT0);
  EXPECT_TRUE(take_jobs(*store_).empty()) << "told once per topic";

  // A topic people made (no status marker), or one whose name the transport does not tell.
  e.handle(in_topic(kOrphan + 1, 52, "team chat", "Coffee"), kT0);
  e.handle(in_topic(kOrphan + 2, 53, "team chat", ""), kT0);
  jobs = take_jobs(*store_);
  EXPECT_EQ(posted_in(jobs, kOrphan + 1), std::vector<std::string>{core::notice::unknown_topic("en")});
  EXPECT_EQ(posted_in(jobs, kOrphan + 2), std::vector<std::string>{core::notice::unknown_topic("en")});
}

TEST_F(UnknownTopicTest, CommentsAndGeneralAreNeverAnswered) {
  auto& e = engine();
  open_dialog_of(e, kAnn, kThread);
  e.handle(in_topic(kOrphan, 50, "/ note for colleagues", ann_title()), kT0);
  e.handle(operator_message(0, 51, "good morning, team"), kT0);  // General
  EXPECT_TRUE(take_jobs(*store_).empty());
}

TEST_F(UnknownTopicTest, HiddenInfoTitlesNameTheDialogByItsPseudonym) {
  auto& e = engine({{"HIDE_INFO", "name"}});
  auto dialog = open_dialog_of(e, kAnn, kThread);
  e.handle(in_topic(kOrphan, 50, "Hello", "🟡 " + dialog.pseudonym), kT0);
  auto jobs = take_jobs(*store_);
  EXPECT_NE(find_job(jobs, job::kCopyToUser), nullptr);
  EXPECT_EQ(posted_in(jobs, kOrphan).size(), 1u);
}

TEST_F(UnknownTopicTest, AnOldTopicLeaveClosedLeftBehindSaysWhereTheDialogGoesOn) {
  auto& e = engine({{"LEAVE_CLOSED", "true"}});
  open_dialog_of(e, kAnn, kThread);
  e.handle(operator_message(kThread, 50, "/close"), kT0);
  e.handle(user_message(kAnn, 2, "one more question"), kT0);  // a new topic for the new conversation
  auto dialog = ann();
  dialog.thread_id = 88;
  store_->update_dialog(dialog);
  take_jobs(*store_);

  for (core::MessageId id : {60, 61}) {  // each message that is not sent is said so
    e.handle(in_topic(kThread, id, "late answer", "🟢 Ann Lee #1001"), kT0);
    auto jobs = take_jobs(*store_);
    EXPECT_EQ(find_job(jobs, job::kCopyToUser), nullptr) << "history is not relayed";
    EXPECT_EQ(posted_in(jobs, kThread),
              std::vector<std::string>{core::notice::history_topic("en", topic_link(kGroupId, 88))});
  }
}

TEST(UnknownTopicShared, OneConnectionOfTheGroupAnswersAndTheOneWhoseDialogItIsRelays) {
  auto store = make_store();
  Engine shop(*store, make_context(*store, "shop", 500));
  Engine help(*store, make_context(*store, "help", 501));
  // Ann writes to "help" (the second connection); its topic is 77.
  help.handle(user_message(kAnn, 1, "hi"), kT0);
  auto dialog = *store->dialog_by_user(help.context().id, kAnn);
  dialog.thread_id = kThread;
  store->update_dialog(dialog);
  take_jobs(*store);

  auto orphan = in_topic(kOrphan, 50, "hello", "🟢 Ann Lee #1001");
  shop.handle(orphan, kT0);
  EXPECT_TRUE(take_jobs(*store).empty()) << "help's dialog: shop stays out";
  help.handle(orphan, kT0);
  EXPECT_NE(find_job(take_jobs(*store), job::kCopyToUser), nullptr);

  auto unknown = in_topic(kOrphan + 1, 51, "hello", "Coffee");
  help.handle(unknown, kT0);
  EXPECT_TRUE(take_jobs(*store).empty()) << "only the first connection answers";
  shop.handle(unknown, kT0);
  EXPECT_EQ(texts_to(take_jobs(*store), Side::kGroup),
            std::vector<std::string>{core::notice::unknown_topic("en")});

  // Topics of the group's dialogs are their connection's, never unknown.
  shop.handle(operator_message(kThread, 52, "hello"), kT0);
  EXPECT_TRUE(take_jobs(*store).empty());
}

TEST(TopicTitles, TheDeskReadsBackWhatItWrote) {
  core::UserView ann{core::Person{.id = 1001, .first_name = "Ann", .last_name = "Lee #7"}, "Blue Otter 4821",
                     core::HideInfo::kOff};
  auto ref = core::parse_topic_title(core::topic_title(ann, core::TopicStatus::kClosed));
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->user, 1001);
  ann.hide_info = core::HideInfo::kName;
  ref = core::parse_topic_title(core::topic_title(ann, core::TopicStatus::kSupportAnswered));
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->user, 0);
  EXPECT_EQ(ref->pseudonym, "Blue Otter 4821");
  core::UserView group{core::Person{.id = -100123, .first_name = "Shop chat"}, "", core::HideInfo::kOff};
  EXPECT_EQ(core::parse_topic_title(core::topic_title(group, core::TopicStatus::kUserAnswered))->user,
            -100123);
  EXPECT_FALSE(core::parse_topic_title("Coffee #12"));
  EXPECT_FALSE(core::parse_topic_title(""));
}

}  // namespace
}  // namespace topicdesk::relay
