#include "relay/engine.h"

#include <gtest/gtest.h>

#include "core/event_json.h"
#include "core/presentation.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

class EngineTest : public EngineFixture {
 protected:
  // The first message of Ann, with the topic created (as the dispatcher would) and jobs drained.
  store::Dialog open_ann(Engine& e) { return open_dialog_of(e, kAnn, kThread); }

  store::Dialog ann_dialog() { return *store_->dialog_by_user(context_.id, kAnn); }
  // Ann blocks (or restarts) the bot.
  void ann_blocks(Engine& e, bool blocked = true) {
    core::Event event;
    event.kind = blocked ? EventKind::kUserBlockedBot : EventKind::kUserUnblockedBot;
    event.chat_id = kAnn;
    e.handle(event, kT0);
  }
};

TEST_F(EngineTest, FirstMessageCreatesDialogTopicAndCopy) {
  engine().handle(user_message(kAnn, 1, "Hello, my order is late"), kT0);
  auto dialog = store_->dialog_by_user(context_.id, kAnn);
  ASSERT_TRUE(dialog);
  EXPECT_EQ(dialog->status, DialogStatus::kUserAnswered);
  EXPECT_EQ(dialog->group_id, kGroupId);
  EXPECT_EQ(dialog->pseudonym, user_pseudonym(store_->install_secret(), context_.id, kAnn));
  auto user = store_->user(context_.id, kAnn);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->username, "ann_lee");

  auto jobs = take_jobs(*store_);
  // The default WELCOME goes to the user; the topic and the copy go together.
  EXPECT_EQ(texts_to(jobs, Side::kUser).size(), 1u);
  std::erase_if(jobs, [](const TakenJob& j) { return j.payload.to == Side::kUser; });
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"create_topic", "copy_to_topic"}));
  EXPECT_EQ(jobs[0].job.priority, kPriorityNewDialog);
  EXPECT_EQ(jobs[1].job.priority, kPriorityNewDialog);
  EXPECT_EQ(jobs[0].job.queue_key, jobs[1].job.queue_key);  // the copy waits for the topic
  EXPECT_EQ(jobs[1].payload.message_id, 1);
  EXPECT_EQ(jobs[1].payload.dialog, dialog->id);
}

TEST_F(EngineTest, StartParameterIsKeptForTheCard) {
  engine().handle(user_message(kAnn, 1, "/start promo42"), kT0);
  auto dialog = ann_dialog();
  EXPECT_EQ(store_->state_get(context_.id, start_parameter_key(dialog.id)).value_or(""), "promo42");
  EXPECT_NE(find_job(take_jobs(*store_), job::kCopyToTopic), nullptr);
  EXPECT_EQ(start_parameter("/start"), "");
  EXPECT_EQ(start_parameter("hello /start x"), "");
}

TEST_F(EngineTest, LaterMessagesAreCopiedWithRepliesAndNormalPriority) {
  auto& e = engine();
  open_ann(e);
  auto msg = user_message(kAnn, 2, "more");
  msg.reply_to_message_id = 1;
  e.handle(msg, kT0 + 1000);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"copy_to_topic"}));
  EXPECT_EQ(jobs[0].job.priority, kPriorityNormal);
  EXPECT_EQ(jobs[0].payload.reply_to, 1);
  EXPECT_EQ(ann_dialog().last_user_message_at, kT0 + 1000);
}

TEST_F(EngineTest, OperatorReplyGoesToUserFirstAndChangesStatus) {
  auto& e = engine();
  auto dialog = open_ann(e);
  auto reply = operator_message(kThread, 50, "It ships today");
  reply.reply_to_message_id = 40;
  e.handle(reply, kT0 + 5000);
  auto jobs = take_jobs(*store_);
  auto* copy = find_job(jobs, job::kCopyToUser);
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->job.priority, kPriorityOperatorReply);
  EXPECT_EQ(copy->job.queue_key, "d" + std::to_string(dialog.id) + ":u");
  EXPECT_EQ(copy->payload.message_id, 50);
  EXPECT_EQ(copy->payload.reply_to, 40);
  EXPECT_TRUE(copy->payload.operator_message);
  EXPECT_NE(find_job(jobs, job::kSetTopicTitle), nullptr);
  auto after = ann_dialog();
  EXPECT_EQ(after.status, DialogStatus::kSupportAnswered);
  EXPECT_EQ(after.last_operator_reply_at, kT0 + 5000);
  EXPECT_EQ(after.last_operator_id, kOperatorId) << "the operator who answered the user";

  // The user answers: back to user_answered, with a title change (after the copy: titles wait).
  e.handle(user_message(kAnn, 3, "thanks"), kT0 + 6000);
  EXPECT_EQ(ann_dialog().status, DialogStatus::kUserAnswered);
  EXPECT_EQ(kinds(take_jobs(*store_)), (std::vector<std::string>{"copy_to_topic", "set_topic_title"}));
}

TEST_F(EngineTest, CommentsAndOtherBotsCommandsStayInTheGroup) {
  auto& e = engine();
  open_ann(e);
  e.handle(operator_message(kThread, 50, "/ check the warehouse first"), kT0);
  e.handle(operator_message(kThread, 51, "/close@other_bot"), kT0);
  EXPECT_TRUE(take_jobs(*store_).empty());
  EXPECT_EQ(ann_dialog().status, DialogStatus::kUserAnswered);
}

TEST_F(EngineTest, BotsServiceMessagesAndTheBotItselfAreIgnored) {
  auto& e = engine();
  open_ann(e);
  auto bot = operator_message(kThread, 50, "I am a bot");
  bot.sender_is_bot = true;
  auto service = operator_message(kThread, 51, "");
  service.is_service = true;
  auto self = operator_message(kThread, 52, "copy");
  self.from.id = kBotId;
  auto telegram = operator_message(kThread, 53, "channel post");
  telegram.from.id = core::kTelegramServiceUserId;
  for (const auto& event : {bot, service, self, telegram}) e.handle(event, kT0);
  EXPECT_TRUE(take_jobs(*store_).empty());
}

TEST_F(EngineTest, AnonymousAdminsAreDelivered) {
  auto& e = engine();
  open_ann(e);
  auto anonymous = operator_message(kThread, 50, "from the admins");
  anonymous.from = core::Person{.id = core::kGroupAnonymousBotId, .is_bot = true, .first_name = "Group"};
  anonymous.sender_is_anonymous_admin = true;
  e.handle(anonymous, kT0);
  EXPECT_NE(find_job(take_jobs(*store_), job::kCopyToUser), nullptr);
}

TEST_F(EngineTest, CloseThenUserMessageReopens) {
  auto& e = engine({{"WELCOME", "OFF"}});  // the re-welcome: engine_semantics_test.cpp
  open_ann(e);
  e.handle(operator_message(kThread, 50, "/close"), kT0 + 1000);
  EXPECT_EQ(ann_dialog().status, DialogStatus::kClosed);
  auto jobs = take_jobs(*store_);
  EXPECT_NE(find_job(jobs, job::kSetTopicTitle), nullptr);
  EXPECT_EQ(find_job(jobs, job::kCloseTopic), nullptr);  // operators keep writing in the topic
  EXPECT_EQ(texts_to(jobs, Side::kUser),
            (std::vector<std::string>{core::notice::dialog_closed_for_user("en", false)}));
  EXPECT_EQ(find_job(jobs, job::kCopyToUser), nullptr);

  e.handle(user_message(kAnn, 5, "one more thing"), kT0 + 2000);
  auto dialog = ann_dialog();
  EXPECT_EQ(dialog.status, DialogStatus::kUserAnswered);
  EXPECT_EQ(dialog.thread_id, kThread);  // the same topic
  EXPECT_EQ(kinds(take_jobs(*store_)), (std::vector<std::string>{"copy_to_topic", "set_topic_title"}));
}

TEST_F(EngineTest, HoldAndWaitSetTheStatus) {
  auto& e = engine();
  open_ann(e);
  e.handle(operator_message(kThread, 50, "/wait"), kT0);
  EXPECT_EQ(ann_dialog().status, DialogStatus::kSupportAnswered);
  e.handle(operator_message(kThread, 51, "/hold@shop_bot"), kT0);
  EXPECT_EQ(ann_dialog().status, DialogStatus::kUserAnswered);
  auto jobs = take_jobs(*store_);
  // One title job: the second change finds the first pending (it computes the title when it runs).
  EXPECT_EQ(kinds(jobs), (std::vector<std::string>{"set_topic_title"}));
}

TEST_F(EngineTest, BanDropsTheUsersMessagesUntilUnban) {
  auto& e = engine();
  open_ann(e);
  e.handle(operator_message(kThread, 50, "/ban"), kT0);
  EXPECT_TRUE(ann_dialog().banned);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kGroup),
            (std::vector<std::string>{core::notice::banned("en")}));
  e.handle(user_message(kAnn, 2, "spam"), kT0);
  EXPECT_TRUE(take_jobs(*store_).empty());
  e.handle(operator_message(kThread, 51, "/unban"), kT0);
  EXPECT_FALSE(ann_dialog().banned);
  take_jobs(*store_);
  e.handle(user_message(kAnn, 3, "sorry"), kT0);
  EXPECT_NE(find_job(take_jobs(*store_), job::kCopyToTopic), nullptr);
}

TEST_F(EngineTest, InfoHelpAndStatsInTopic) {
  auto& e = engine();
  open_ann(e);
  e.handle(operator_message(kThread, 50, "/info"), kT0);
  e.handle(operator_message(kThread, 51, "/help"), kT0);
  e.handle(operator_message(kThread, 52, "/stats"), kT0);
  auto texts = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(texts.size(), 3u);
  EXPECT_NE(texts[0].find("@ann_lee"), std::string::npos);
  EXPECT_NE(texts[0].find("user_answered"), std::string::npos);
  EXPECT_EQ(texts[1], core::help_text("en", false));
  EXPECT_NE(texts[2].find("waiting for operators: 1"), std::string::npos);
}

TEST_F(EngineTest, GeneralTopicAnswersHelpAndStatsOnly) {
  auto& e = engine();
  open_ann(e);
  e.handle(operator_message(0, 50, "/stats"), kT0);
  e.handle(operator_message(0, 51, "/help"), kT0);
  e.handle(operator_message(0, 52, "/close"), kT0);
  e.handle(operator_message(0, 53, "just chatting"), kT0);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].payload.dialog, 0);
  EXPECT_EQ(jobs[0].job.queue_key, "c" + std::to_string(context_.id) + ":general");
  EXPECT_NE(jobs[0].payload.text.find("waiting for operators: 1"), std::string::npos);
  EXPECT_EQ(jobs[1].payload.text, core::help_text("en", true));
  EXPECT_EQ(ann_dialog().status, DialogStatus::kUserAnswered);
}

TEST_F(EngineTest, UnknownCommandsAreNotSent) {
  auto& e = engine();
  open_ann(e);
  e.handle(operator_message(kThread, 50, "/upgrade 10"), kT0);
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(find_job(jobs, job::kCopyToUser), nullptr);
  EXPECT_EQ(texts_to(jobs, Side::kGroup),
            (std::vector<std::string>{core::notice::unknown_command("en", "upgrade")}));
}

TEST_F(EngineTest, EditsAreMirroredByContentKind) {
  auto& e = engine();
  open_ann(e);
  auto edit = user_message(kAnn, 1, "hello again");
  edit.kind = EventKind::kUserEdit;
  e.handle(edit, kT0);
  auto caption = user_message(kAnn, 2, "new caption");
  caption.kind = EventKind::kUserEdit;
  caption.content = core::ContentKind::kPhoto;
  caption.entities_json = R"([{"offset":4,"length":7,"type":"bold"}])";
  e.handle(caption, kT0);
  auto op_edit = operator_message(kThread, 50, "fixed typo");
  op_edit.kind = EventKind::kOperatorEdit;
  e.handle(op_edit, kT0);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].job.kind, "edit_text");  // the operator's edit: user queue, priority 0
  EXPECT_EQ(jobs[0].payload.to, Side::kUser);
  EXPECT_EQ(jobs[0].payload.message_id, 50);
  EXPECT_EQ(jobs[1].job.kind, "edit_text");
  EXPECT_EQ(jobs[1].payload.text, "hello again");
  EXPECT_EQ(jobs[2].job.kind, "edit_caption");
  EXPECT_EQ(jobs[2].payload.text, "new caption");
  EXPECT_EQ(jobs[2].payload.entities_json, caption.entities_json);  // the formatting goes along
}

// TDLib sessions report the desk's own edits of copies as group edits without a sender: only
// the operator's own messages (copied to the user) may follow an edit to the user.
TEST_F(EngineTest, EditsOfCopiesOfUsersMessagesNeverGoBackToTheUser) {
  auto& e = engine();
  auto dialog = open_ann(e);
  using store::LinkDirection;
  store_->add_link({context_.id, dialog.id, 1, 300, LinkDirection::kUserToGroup, kGroupId});
  store_->add_link({context_.id, dialog.id, 2, 301, LinkDirection::kIntercepted, kGroupId});
  store_->add_link({context_.id, dialog.id, 3, 302, LinkDirection::kGroupToUser, kGroupId});
  for (core::MessageId group_message : {300, 301, 302}) {
    auto op_edit = operator_message(kThread, group_message, "edited");
    op_edit.kind = EventKind::kOperatorEdit;
    e.handle(op_edit, kT0);
  }
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].payload.to, Side::kUser);
  EXPECT_EQ(jobs[0].payload.message_id, 302);
}

TEST_F(EngineTest, ReactionsAreMirroredBothWays) {
  auto& e = engine();
  auto dialog = open_ann(e);
  store_->add_link(
      {.connection_id = context_.id, .dialog_id = dialog.id, .user_message_id = 1, .group_message_id = 300});
  auto user_reaction = user_message(kAnn, 1, "");
  user_reaction.kind = EventKind::kUserReaction;
  user_reaction.new_reactions = {"🔥"};
  e.handle(user_reaction, kT0);
  auto op_reaction = operator_message(0, 300, "");  // reactions carry no thread
  op_reaction.kind = EventKind::kOperatorReaction;
  op_reaction.new_reactions = {"👍"};
  e.handle(op_reaction, kT0);
  auto unknown = op_reaction;
  unknown.message_id = 999;  // a message topicdesk never linked
  e.handle(unknown, kT0);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"set_reaction", "set_reaction"}));
  for (const auto& j : jobs) {
    if (j.payload.to == Side::kUser) {
      EXPECT_EQ(j.payload.message_id, 300);
      EXPECT_EQ(j.payload.reactions, (std::vector<std::string>{"👍"}));
    } else {
      EXPECT_EQ(j.payload.message_id, 1);
      EXPECT_EQ(j.payload.reactions, (std::vector<std::string>{"🔥"}));
    }
  }
}

TEST_F(EngineTest, BlockedUserIsShownInTopic) {
  auto& e = engine();
  open_ann(e);
  ann_blocks(e);
  EXPECT_TRUE(ann_dialog().user_blocked_bot);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kGroup),
            (std::vector<std::string>{core::notice::user_blocked_bot("en")}));
  ann_blocks(e, false);
  EXPECT_FALSE(ann_dialog().user_blocked_bot);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kGroup),
            (std::vector<std::string>{core::notice::user_unblocked_bot("en")}));
}

TEST_F(EngineTest, TopicClosedInTheAppClosesTheDialogAndTheNextMessageReopensTheTopic) {
  auto& e = engine({{"WELCOME", "OFF"}});
  open_ann(e);
  auto closed = operator_message(kThread, 50, "");
  closed.kind = EventKind::kTopicClosedInApp;
  closed.is_service = true;
  e.handle(closed, kT0);
  EXPECT_EQ(ann_dialog().status, DialogStatus::kClosed);
  take_jobs(*store_);
  e.handle(user_message(kAnn, 2, "hello?"), kT0);
  EXPECT_EQ(kinds(take_jobs(*store_)),
            (std::vector<std::string>{"reopen_topic", "set_topic_title", "copy_to_topic"}));
}

TEST_F(EngineTest, AlbumsAreGatheredInADurableTimerAndSurviveARestart) {
  auto& e = engine();
  auto dialog = open_ann(e);
  for (int i = 0; i < 3; ++i) {
    auto part = user_message(kAnn, 10 + i, i == 0 ? "trip" : "");
    part.content = core::ContentKind::kPhoto;
    part.media_group_id = "alb1";
    e.handle(part, kT0 + i * 100);
  }
  EXPECT_TRUE(take_jobs(*store_).empty());
  EXPECT_TRUE(store_->timers_due(kT0 + 200 + kAlbumGatherMillis - 1, 10).empty());
  auto due = store_->timers_due(kT0 + 200 + kAlbumGatherMillis, 10);
  ASSERT_EQ(due.size(), 1u);

  Engine restarted(*store_, context_);  // a new process on the same store
  restarted.on_timer(due[0], kT0 + 200 + kAlbumGatherMillis);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"copy_album_to_topic"}));
  EXPECT_EQ(jobs[0].payload.message_ids, (std::vector<core::MessageId>{10, 11, 12}));
  EXPECT_EQ(jobs[0].payload.dialog, dialog.id);
  EXPECT_FALSE(store_->timer_get(context_.id, album_key(dialog.id, AlbumLane::kUser)));
}

TEST_F(EngineTest, AMessageAfterAnAlbumFlushesTheAlbumFirst) {
  auto& e = engine();
  open_ann(e);
  auto part = user_message(kAnn, 10, "");
  part.media_group_id = "alb1";
  e.handle(part, kT0);
  part.message_id = 11;
  e.handle(part, kT0);
  e.handle(user_message(kAnn, 12, "and some text"), kT0 + 10);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"copy_album_to_topic", "copy_to_topic"}));
  EXPECT_FALSE(store_->timer_get(context_.id,
                                 album_key(store_->dialog_by_user(context_.id, kAnn)->id, AlbumLane::kUser)));
}

TEST_F(EngineTest, OperatorAlbumsGoToTheUserTogether) {
  auto& e = engine();
  open_ann(e);
  for (int i = 0; i < 2; ++i) {
    auto part = operator_message(kThread, 60 + i, "");
    part.media_group_id = "op-album";
    e.handle(part, kT0);
  }
  auto due = store_->timers_due(kT0 + kAlbumGatherMillis, 10);
  ASSERT_EQ(due.size(), 1u);
  e.on_timer(due[0], kT0 + kAlbumGatherMillis);
  auto jobs = take_jobs(*store_);
  auto* album = find_job(jobs, job::kCopyAlbumToUser);
  ASSERT_NE(album, nullptr);
  EXPECT_EQ(album->payload.message_ids, (std::vector<core::MessageId>{60, 61}));
  EXPECT_EQ(album->job.priority, kPriorityOperatorReply);
}

TEST_F(EngineTest, InboxEntriesAreHandledAndMarkedDone) {
  auto& e = engine();
  ASSERT_TRUE(store_->inbox_add(context_.id, 1, core::event_to_json(user_message(kAnn, 1, "hi"))));
  ASSERT_TRUE(store_->inbox_add(context_.id, 2, "{not json"));
  for (const auto& entry : store_->inbox_pending(context_.id, 10)) e.handle_inbox(entry, kT0);
  EXPECT_TRUE(store_->inbox_pending(context_.id, 10).empty());
  EXPECT_TRUE(store_->dialog_by_user(context_.id, kAnn).has_value());
}

TEST_F(EngineTest, InboxBatchesGiveTheSameOutcomeInOneTransaction) {
  auto& e = engine({{"WELCOME", "OFF"}});  // the test counts the relayed messages
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(store_->inbox_add(context_.id, i,
                                  core::event_to_json(user_message(kAnn, i, "m" + std::to_string(i)))));
  }
  e.handle_inbox_batch(store_->inbox_pending(context_.id, 10), kT0);
  EXPECT_TRUE(store_->inbox_pending(context_.id, 10).empty());
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(kinds(jobs),
            (std::vector<std::string>{"create_topic", "copy_to_topic", "copy_to_topic", "copy_to_topic"}));
}

TEST_F(EngineTest, AnOperatorWritingInAClosedDialogDeliversAndWaitsForTheUser) {
  auto& e = engine();
  open_ann(e);
  e.handle(operator_message(kThread, 50, "/close"), kT0);
  take_jobs(*store_);
  e.handle(operator_message(kThread, 51, "one more detail"), kT0);
  EXPECT_EQ(ann_dialog().status, DialogStatus::kSupportAnswered);
  EXPECT_NE(find_job(take_jobs(*store_), job::kCopyToUser), nullptr);
}

TEST_F(EngineTest, TopicReopenedInTheAppNeedsOperators) {
  auto& e = engine();
  open_ann(e);
  auto closed = operator_message(kThread, 50, "");
  closed.kind = EventKind::kTopicClosedInApp;
  e.handle(closed, kT0);
  auto reopened = closed;
  reopened.kind = EventKind::kTopicReopenedInApp;
  e.handle(reopened, kT0);
  EXPECT_EQ(ann_dialog().status, DialogStatus::kUserAnswered);
  take_jobs(*store_);
  e.handle(user_message(kAnn, 2, "hi"), kT0);  // the topic is open already: no reopen call
  EXPECT_EQ(kinds(take_jobs(*store_)), (std::vector<std::string>{"copy_to_topic"}));
}

TEST_F(EngineTest, AUserWhoWritesAgainIsNoLongerBlocked) {
  auto& e = engine();
  open_ann(e);
  ann_blocks(e);
  e.handle(user_message(kAnn, 2, "I am back"), kT0);
  EXPECT_FALSE(ann_dialog().user_blocked_bot);
}

}  // namespace
}  // namespace topicdesk::relay
