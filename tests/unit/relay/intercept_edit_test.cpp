// Edits of intercepted messages: when the bot's program, its other session or
// an account's owner edits a message that was copied into the topic, the copy follows — with
// the marker, the formatting and the buttons as text, as the first copy showed them.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>

#include "core/event_json.h"
#include "dispatch_test_util.h"
#include "fake_bot_api.h"
#include "relay/dispatcher.h"
#include "relay/engine.h"
#include "relay/intercept.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;
using core::ContentKind;
using std::chrono::milliseconds;

constexpr std::string_view kMark = "📤 Sent by the bot's program\n";
constexpr std::string_view kOwnerMark = "📤 Sent by the account owner from their app\n";
constexpr std::string_view kMenu = R"({"inline_keyboard":[[{"text":"Tea","callback_data":"tea"}]]})";

core::Event program_message(core::MessageId id, std::string text, EventKind kind = EventKind::kOutgoingSeen) {
  core::Event e;
  e.kind = kind;
  e.update_id = (std::int64_t{1} << 53) + id + (kind == EventKind::kOutgoingEdit ? 1000 : 0);
  e.chat_id = kAnn;
  e.message_id = id;
  e.from = core::Person{.id = kBotId, .is_bot = true, .first_name = "Shop"};
  e.sender_is_bot = true;
  e.text = std::move(text);
  return e;
}

core::Event program_edit(core::MessageId id, std::string text) {
  return program_message(id, std::move(text), EventKind::kOutgoingEdit);
}

// ---- the engine: which job an edit becomes ------------------------------------------------

class InterceptEditEngineTest : public EngineFixture {
 protected:
  void open_ann(Engine& e) {
    e.handle(user_message(kAnn, 1, "hello"), kT0);
    take_jobs(*store_);
  }
};

TEST_F(InterceptEditEngineTest, ATextEditRewritesTheCopyWithMarkerFormattingAndButtons) {
  auto& e = engine();
  open_ann(e);
  e.handle(program_message(2, "Choose a drink"), kT0 + 10);
  take_jobs(*store_);
  auto edit = program_edit(2, "Tea it is");
  edit.entities_json = R"([{"type":"bold","offset":0,"length":3}])";
  edit.reply_markup_json = std::string(kMenu);
  e.handle(edit, kT0 + 20);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"intercept_edit_text"}));
  EXPECT_EQ(jobs[0].payload.to, Side::kGroup);
  EXPECT_EQ(jobs[0].payload.message_id, 2);
  EXPECT_EQ(jobs[0].payload.text, std::string(kMark) + "Tea it is\n\n⌨️ [Tea]");
  EXPECT_EQ(jobs[0].payload.entities_json, R"([{"type":"bold","offset":29,"length":3}])");
}

TEST_F(InterceptEditEngineTest, TheOwnersEditKeepsTheOwnersMarkerAndChangesNoStatus) {
  auto& e = engine();
  open_ann(e);
  auto before = *store_->dialog_by_user(context_.id, kAnn);
  auto edit = program_edit(2, "typo fixed");
  edit.from = core::Person{.id = 42, .first_name = "Owner"};
  edit.sender_is_bot = false;
  e.handle(edit, kT0 + 20);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].payload.text, std::string(kOwnerMark) + "typo fixed");
  auto after = *store_->dialog_by_user(context_.id, kAnn);
  EXPECT_EQ(after.status, before.status);
  EXPECT_EQ(after.last_operator_reply_at, before.last_operator_reply_at);
}

TEST_F(InterceptEditEngineTest, CaptionsAreEditedAndContentWithoutTextIsNot) {
  auto& e = engine();
  open_ann(e);
  auto photo = program_edit(3, "New price: 4 EUR");
  photo.content = ContentKind::kPhoto;
  e.handle(photo, kT0 + 20);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"edit_caption"}));
  EXPECT_EQ(jobs[0].payload.text, std::string(kMark) + "New price: 4 EUR");

  auto location = program_edit(4, "");
  location.content = ContentKind::kLocation;
  e.handle(location, kT0 + 30);
  EXPECT_TRUE(take_jobs(*store_).empty());
}

TEST_F(InterceptEditEngineTest, ReplacedMediaIsCopiedAgainWhenThereWasACopy) {
  auto& e = engine();
  open_ann(e);
  auto dialog = *store_->dialog_by_user(context_.id, kAnn);
  auto replaced = program_edit(3, "Menu of the day");
  replaced.content = ContentKind::kPhoto;
  replaced.media_replaced = true;
  e.handle(replaced, kT0 + 20);  // no copy of message 3 yet: only the caption follows
  EXPECT_EQ(kinds(take_jobs(*store_)), (std::vector<std::string>{"edit_caption"}));

  store_->add_link(store::MessageLink{.connection_id = context_.id,
                                      .dialog_id = dialog.id,
                                      .user_message_id = 3,
                                      .group_message_id = 5003,
                                      .direction = store::LinkDirection::kUserToGroup});
  replaced.update_id += 1;
  e.handle(replaced, kT0 + 30);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"intercept_copy"}));
  EXPECT_EQ(jobs[0].payload.message_id, 3);
  EXPECT_EQ(jobs[0].payload.text, "📤 Sent by the bot's program · new media\nMenu of the day");
}

// After a restart TDLib's adapter no longer knows a message was sent from elsewhere and reports
// its edit as the user's; the message's link says it was intercepted.
TEST_F(InterceptEditEngineTest, AnEditReportedAsTheUsersFollowsAsInterceptedWhenTheLinkSaysSo) {
  auto& e = engine();
  open_ann(e);
  const auto dialog = store_->dialog_by_user(context_.id, kAnn)->id;
  store_->add_link({context_.id, dialog, 2, 900, store::LinkDirection::kIntercepted, context_.group_id});
  store_->add_link({context_.id, dialog, 1, 901, store::LinkDirection::kUserToGroup, context_.group_id});
  auto edit = user_message(kAnn, 2, "Tea it is");
  edit.kind = EventKind::kUserEdit;
  e.handle(edit, kT0 + 20);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"intercept_edit_text"}));
  EXPECT_EQ(jobs[0].payload.text, std::string(kMark) + "Tea it is");

  auto users_edit = user_message(kAnn, 1, "hello again");  // the user's own message stays the user's
  users_edit.kind = EventKind::kUserEdit;
  e.handle(users_edit, kT0 + 30);
  EXPECT_EQ(kinds(take_jobs(*store_)), (std::vector<std::string>{"edit_text"}));
}

TEST_F(InterceptEditEngineTest, NothingFollowsWithInterceptOffOrWithoutADialog) {
  auto& off = engine({{"INTERCEPT_EXTERNAL", "FALSE"}});
  open_ann(off);
  off.handle(program_edit(2, "quiet"), kT0 + 10);
  EXPECT_TRUE(take_jobs(*store_).empty());

  auto& on = engine();
  auto stranger = program_edit(2, "hello stranger");
  stranger.chat_id = 2002;  // nobody the desk has a dialog with
  on.handle(stranger, kT0 + 20);
  EXPECT_TRUE(take_jobs(*store_).empty());
  EXPECT_FALSE(store_->dialog_by_user(context_.id, 2002)) << "an edit opens no dialog";
}

TEST_F(InterceptEditEngineTest, AnEditFromTheInboxIsHandledLikeTheEvent) {
  auto& e = engine();
  open_ann(e);
  auto edit = program_edit(2, "from the inbox");
  edit.reply_markup_json = std::string(kMenu);
  store_->inbox_add(context_.id, edit.update_id, core::event_to_json(edit));
  auto entries = store_->inbox_pending(context_.id, 10);
  ASSERT_EQ(entries.size(), 1u);
  e.handle_inbox(entries[0], kT0 + 10);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].payload.text, std::string(kMark) + "from the inbox\n\n⌨️ [Tea]");
}

TEST(OutgoingEditJson, RoundTripKeepsKindButtonsAndMediaReplaced) {
  auto edit = program_edit(9, "x");
  edit.reply_markup_json = std::string(kMenu);
  edit.media_replaced = true;
  auto back = core::event_from_json(core::event_to_json(edit));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->kind, EventKind::kOutgoingEdit);
  EXPECT_STREQ(core::to_string(back->kind), "outgoing_edit");
  EXPECT_EQ(back->reply_markup_json, kMenu);
  EXPECT_TRUE(back->media_replaced);
  EXPECT_FALSE(core::event_from_json(core::event_to_json(program_message(9, "x")))->media_replaced);
}

// ---- the dispatcher: the edit reaches the copy ----------------------------------------------

class InterceptEditDispatchTest : public DispatchFixture {
 protected:
  explicit InterceptEditDispatchTest(bool account = false) {
    if (account) {
      context_.account = true;
      context_.account_id = 4242;
      session_.next_message = 8000;  // the session's copies, told apart from the bot's
    }
    start({.enabled = false}, {}, account);
  }

  FakeBotApi& bot_ = api_;
};

TEST_F(InterceptEditDispatchTest, TheCopyIsEditedInPlace) {
  handle_and_settle(user_message(kAnn, 1, "hello"));  // topic 1000, card 5000, copy 5001
  handle_and_settle(program_message(2, "Choose"));    // intercepted copy 5002
  auto edit = program_edit(2, "Tea it is");
  edit.reply_markup_json = std::string(kMenu);
  handle_and_settle(edit);
  const auto& call = bot_.calls.back();
  EXPECT_EQ(call.method, "editMessageText");
  EXPECT_EQ(call.params.at("chat_id").as_int64(), kGroupId);
  EXPECT_EQ(call.params.at("message_id").as_int64(), 5002);
  EXPECT_EQ(call.params.at("text").as_string(), std::string(kMark) + "Tea it is\n\n⌨️ [Tea]");
}

TEST_F(InterceptEditDispatchTest, AnEditOfAMessageNeverCopiedIsSkipped) {
  handle_and_settle(user_message(kAnn, 1, "hello"));
  const std::size_t before = bot_.calls.size();
  handle_and_settle(program_edit(7, "older than the desk"));
  EXPECT_EQ(bot_.calls.size(), before) << "no call for a message without a copy";
  EXPECT_EQ(store_->outbox_stats().pending, 0);
}

TEST_F(InterceptEditDispatchTest, ASendFollowedAtOnceByAnEditArrivesInOrder) {
  handle_and_settle(user_message(kAnn, 1, "hello"));
  // Both committed before the dispatcher runs: the edit waits for the copy in the same queue.
  engine().handle(program_message(2, "Loading…"), core::unix_millis_now());
  handle_and_settle(program_edit(2, "Prices: tea 3 EUR"));
  ASSERT_GE(bot_.calls.size(), 2u);
  EXPECT_EQ(bot_.calls[bot_.calls.size() - 2].method, "sendMessage");
  EXPECT_EQ(bot_.calls.back().method, "editMessageText");
  EXPECT_EQ(bot_.calls.back().params.at("text").as_string(), std::string(kMark) + "Prices: tea 3 EUR");
}

class InterceptEditAccountTest : public InterceptEditDispatchTest {
 protected:
  InterceptEditAccountTest() : InterceptEditDispatchTest(true) {}
};

// On an account connection the marked text copy is the desk bot's message: only the bot can
// edit it, while a caption copy was made by the account's session, which edits it.
TEST_F(InterceptEditAccountTest, EachCopyIsEditedByWhoeverPostedIt) {
  handle_and_settle(user_message(kAnn, 1, "hello"));
  auto owner_text = program_message(2, "See you at 5");
  owner_text.from = core::Person{.id = 4242, .first_name = "Owner"};
  owner_text.sender_is_bot = false;
  handle_and_settle(owner_text);
  auto edit = owner_text;
  edit.kind = EventKind::kOutgoingEdit;
  edit.update_id += 1000;
  edit.text = "See you at 6";
  handle_and_settle(edit);
  auto bot_edits = bot_.of("editMessageText");
  ASSERT_EQ(bot_edits.size(), 1u);
  EXPECT_EQ(bot_edits[0].params.at("text").as_string(), std::string(kOwnerMark) + "See you at 6");
  EXPECT_TRUE(session_.of("editMessageText").empty());

  auto photo = owner_text;
  photo.message_id = 3;
  photo.update_id += 1;
  photo.content = ContentKind::kPhoto;
  photo.text = "menu";
  handle_and_settle(photo);
  auto caption = photo;
  caption.kind = EventKind::kOutgoingEdit;
  caption.update_id += 1000;
  caption.text = "new menu";
  handle_and_settle(caption);
  ASSERT_EQ(session_.of("editMessageCaption").size(), 1u);
  EXPECT_EQ(session_.of("editMessageCaption")[0].params.at("caption").as_string(),
            std::string(kOwnerMark) + "new menu");
  EXPECT_TRUE(bot_.of("editMessageCaption").empty());
}

}  // namespace
}  // namespace topicdesk::relay
