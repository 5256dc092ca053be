// kOutgoingSeen: what the bot's program (or an account's owner) sends to a user shows up in the
// user's topic marked as intercepted (INTERCEPT_EXTERNAL), without breaking the dialog's state.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/event_json.h"
#include "core/utf8.h"
#include "relay/engine.h"
#include "relay/intercept.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

// A message the bot's program sent to `user` (as the proxy or an MTProto session reports it).
core::Event program_message(core::UserId user, core::MessageId id, std::string text) {
  core::Event e;
  e.kind = EventKind::kOutgoingSeen;
  e.update_id = (std::int64_t{1} << 53) + id;
  e.chat_id = user;
  e.message_id = id;
  e.from = core::Person{.id = kBotId, .is_bot = true, .first_name = "Shop"};
  e.sender_is_bot = true;
  e.text = std::move(text);
  return e;
}

core::Event owner_message(core::UserId user, core::MessageId id, std::string text) {
  core::Event e = program_message(user, id, std::move(text));
  e.from = core::Person{.id = 42, .first_name = "Owner"};
  e.sender_is_bot = false;
  return e;
}

class InterceptTest : public EngineFixture {
 protected:
  store::Dialog open_ann(Engine& e) { return open_dialog_of(e, kAnn, kThread); }
  store::Dialog ann() { return *store_->dialog_by_user(context_.id, kAnn); }
};

TEST_F(InterceptTest, IsOnByDefault) { EXPECT_TRUE(core::Parameters{}.intercept_external); }

TEST_F(InterceptTest, ProgramAnswerIsCopiedMarkedAndKeepsTheStatus) {
  auto& e = engine();
  open_ann(e);
  auto answer = program_message(kAnn, 2, "Hi Ann!");
  answer.reply_to_message_id = 1;
  e.handle(answer, kT0 + 10);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"intercept_text"}));
  EXPECT_EQ(jobs[0].payload.to, Side::kGroup);
  EXPECT_EQ(jobs[0].payload.message_id, 2);
  EXPECT_EQ(jobs[0].payload.reply_to, 1);  // the dispatcher maps it to Ann's copy
  EXPECT_EQ(jobs[0].payload.text, "📤 Sent by the bot's program\nHi Ann!");
  EXPECT_EQ(jobs[0].job.queue_key,
            queue_key(context_.id, JobPayload{.dialog = ann().id, .to = Side::kGroup}));
  // The program answered, not a human: the dialog still needs an operator.
  EXPECT_EQ(ann().status, DialogStatus::kUserAnswered);
  EXPECT_EQ(ann().last_operator_reply_at, 0);
}

TEST_F(InterceptTest, OffMeansNothingReachesTheTopic) {
  auto& e = engine({{"INTERCEPT_EXTERNAL", "false"}});
  open_ann(e);
  e.handle(program_message(kAnn, 2, "Hi Ann!"), kT0 + 10);
  EXPECT_TRUE(take_jobs(*store_).empty());
  EXPECT_FALSE(store_->dialog_by_user(context_.id, 2002));
}

TEST_F(InterceptTest, OwnersAnswerFromTheirAppCountsAsASupportAnswer) {
  auto& e = engine();
  open_ann(e);
  e.handle(owner_message(kAnn, 2, "I'll check"), kT0 + 10);
  auto jobs = take_jobs(*store_);
  ASSERT_NE(find_job(jobs, job::kInterceptText), nullptr);
  EXPECT_EQ(find_job(jobs, job::kInterceptText)->payload.text,
            "📤 Sent by the account owner from their app\nI'll check");
  EXPECT_NE(find_job(jobs, job::kSetTopicTitle), nullptr);
  EXPECT_EQ(ann().status, DialogStatus::kSupportAnswered);
  EXPECT_EQ(ann().last_operator_reply_at, kT0 + 10);
}

TEST_F(InterceptTest, ClosedDialogStaysClosedWhenTheProgramWrites) {
  auto& e = engine();
  auto dialog = open_ann(e);
  dialog.status = DialogStatus::kClosed;
  store_->update_dialog(dialog);
  e.handle(program_message(kAnn, 2, "Anything else?"), kT0 + 10);
  EXPECT_EQ(kinds(take_jobs(*store_)), (std::vector<std::string>{"intercept_text"}));
  EXPECT_EQ(ann().status, DialogStatus::kClosed);
}

TEST_F(InterceptTest, MessageToANewUserOpensADialogWithoutWelcome) {
  auto& e = engine({{"WELCOME", "Hello {title}"}});
  e.handle(program_message(2002, 5, "News for you"), kT0);
  auto dialog = store_->dialog_by_user(context_.id, 2002);
  ASSERT_TRUE(dialog);
  EXPECT_EQ(dialog->status, DialogStatus::kSupportAnswered);  // nobody waits for an operator
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(kinds(jobs), (std::vector<std::string>{"create_topic", "intercept_text"}));
  EXPECT_TRUE(texts_to(jobs, Side::kUser).empty());  // no WELCOME for a user who did not write
}

TEST_F(InterceptTest, UsersWhoCouldNotOpenADialogGetNone) {
  engine({{"IGNORE_CHATS", "2002"}}).handle(program_message(2002, 5, "x"), kT0);
  engine({{"WHITE_LIST", "3003"}}).handle(program_message(2002, 6, "x"), kT0);
  engine({{"PRIVATE_KEYWORDS", "help"}}).handle(program_message(2002, 7, "help"), kT0);
  EXPECT_FALSE(store_->dialog_by_user(context_.id, 2002));
  EXPECT_TRUE(take_jobs(*store_).empty());
}

TEST_F(InterceptTest, MediaWithACaptionIsCopiedWithAMarkedCaption) {
  auto& e = engine();
  open_ann(e);
  auto photo = program_message(kAnn, 2, "Your invoice");
  photo.content = core::ContentKind::kPhoto;
  photo.entities_json = R"([{"type":"bold","offset":5,"length":7}])";
  e.handle(photo, kT0);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"intercept_copy"}));
  EXPECT_EQ(jobs[0].payload.text, "📤 Sent by the bot's program\nYour invoice");
  // "📤 Sent by the bot's program\n" is 29 UTF-16 units (the emoji takes two).
  EXPECT_EQ(jobs[0].payload.entities_json, R"([{"type":"bold","offset":34,"length":7}])");
}

TEST_F(InterceptTest, StickersAreCopiedAsTheyAre) {
  auto& e = engine();
  open_ann(e);
  auto sticker = program_message(kAnn, 2, "");
  sticker.content = core::ContentKind::kSticker;
  e.handle(sticker, kT0);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"intercept_copy"}));
  EXPECT_TRUE(jobs[0].payload.text.empty());  // the dispatcher adds the marker as a button
}

TEST_F(InterceptTest, ButtonsAreListedAsText) {
  auto& e = engine();
  open_ann(e);
  auto menu = program_message(kAnn, 2, "Choose:");
  menu.reply_markup_json =
      R"({"inline_keyboard":[[{"text":"Yes","callback_data":"y"},{"text":"Site","url":"https://ex.am/ple"}],)"
      R"([{"text":"Shop","web_app":{"url":"https://shop.example/app"}}]]})";
  e.handle(menu, kT0);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].payload.text,
            "📤 Sent by the bot's program\nChoose:\n\n⌨️ [Yes] [Site ↗ https://ex.am/ple]\n"
            "⌨️ [Shop ▸ web app https://shop.example/app]");
}

TEST_F(InterceptTest, AlbumsAreGatheredAndCopiedTogetherAfterAMarker) {
  auto& e = engine();
  open_ann(e);
  for (core::MessageId id : {11, 10}) {
    auto part = program_message(kAnn, id, id == 10 ? "Catalogue" : "");
    part.content = core::ContentKind::kPhoto;
    part.media_group_id = "prog-album";
    e.handle(part, kT0);
  }
  auto marker = take_jobs(*store_);
  ASSERT_EQ(marker.size(), 1u);
  EXPECT_EQ(marker[0].payload.text, "📤 Sent by the bot's program (album below)");
  EXPECT_EQ(marker[0].payload.to, Side::kGroup);

  auto due = store_->timers_due(kT0 + kAlbumGatherMillis, 10);
  ASSERT_EQ(due.size(), 1u);
  Engine restarted(*store_, context_);  // the gathering is durable
  restarted.on_timer(due[0], kT0 + kAlbumGatherMillis);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"copy_album_to_topic"}));
  EXPECT_EQ(jobs[0].payload.message_ids, (std::vector<core::MessageId>{10, 11}));
}

// The program's copyMessage(s) / forwardMessages answer ids only; the real
// messages are copied from the user's chat in one copyMessages behind one marker line.
TEST_F(InterceptTest, CopiesKnownOnlyByIdAreCopiedTogetherBehindAMarkerLine) {
  auto& e = engine();
  open_ann(e);
  for (core::MessageId id : {20, 21}) {
    auto copy = program_message(kAnn, id, "");
    copy.content = core::ContentKind::kOther;
    copy.media_group_id = std::string(core::kCopiedBatchPrefix) + "20";
    e.handle(copy, kT0);
  }
  auto marker = take_jobs(*store_);
  ASSERT_EQ(marker.size(), 1u);
  EXPECT_EQ(marker[0].payload.text, "📤 Sent by the bot's program (copied below)");
  // The next answer of the program flushes the batch first: the topic keeps the order.
  e.handle(program_message(kAnn, 22, "Anything else?"), kT0 + 100);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"copy_album_to_topic", "intercept_text"}));
  EXPECT_EQ(jobs[0].payload.message_ids, (std::vector<core::MessageId>{20, 21}));
  EXPECT_EQ(jobs[0].payload.to, Side::kGroup);
}

TEST_F(InterceptTest, TheUsersPendingAlbumIsCopiedBeforeTheAnswer) {
  auto& e = engine();
  open_ann(e);
  auto part = user_message(kAnn, 5, "");
  part.content = core::ContentKind::kPhoto;
  part.media_group_id = "user-album";
  e.handle(part, kT0);
  e.handle(program_message(kAnn, 6, "Nice photos"), kT0 + 100);
  EXPECT_EQ(kinds(take_jobs(*store_)), (std::vector<std::string>{"copy_album_to_topic", "intercept_text"}));
}

TEST_F(InterceptTest, InboxEntriesKeepTheButtons) {
  auto& e = engine();
  open_ann(e);
  auto menu = program_message(kAnn, 3, "Pick");
  menu.reply_markup_json = R"({"inline_keyboard":[[{"text":"A","callback_data":"a"}]]})";
  ASSERT_TRUE(store_->inbox_add(context_.id, menu.update_id, core::event_to_json(menu)));
  auto pending = store_->inbox_pending(context_.id, 10);
  ASSERT_EQ(pending.size(), 1u);
  e.handle_inbox(pending[0], kT0);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].payload.text, "📤 Sent by the bot's program\nPick\n\n⌨️ [A]");
  EXPECT_TRUE(store_->inbox_pending(context_.id, 10).empty());
}

TEST(InterceptPresentation, LongTextsAreCutToTelegramsLimitAndEntitiesPastTheCutDropped) {
  core::Event e = program_message(kAnn, 1, std::string(5000, 'a'));
  e.entities_json = R"([{"type":"bold","offset":0,"length":3},{"type":"italic","offset":4990,"length":5}])";
  auto marked = mark_intercepted("en", e, kMaxTextUnits);
  EXPECT_EQ(core::utf16_length(marked.text), kMaxTextUnits);
  EXPECT_TRUE(marked.text.ends_with("…"));
  EXPECT_EQ(marked.entities_json, R"([{"type":"bold","offset":29,"length":3}])");
}

// The words the desk adds to a button (where it leads) are in the operators' language.
TEST(InterceptPresentation, ButtonWordsAreInTheOperatorsLanguage) {
  EXPECT_EQ(
      buttons_as_text(
          "de", R"({"inline_keyboard":[[{"text":"Shop","web_app":{"url":"https://s.example"}},)"
                R"({"text":"Go","login_url":{"url":"https://l.example"}},{"text":"Buy","pay":true}]]})"),
      "⌨️ [Shop ▸ Web-App https://s.example] [Go ↗ Anmeldung https://l.example] [Buy (Bezahlen)]");
}

TEST(InterceptPresentation, MalformedKeyboardsAndEntitiesAreIgnored) {
  EXPECT_EQ(buttons_as_text("en", "not json"), "");
  EXPECT_EQ(buttons_as_text("en", R"({"keyboard":[[{"text":"reply kb"}]]})"), "");
  EXPECT_EQ(buttons_as_text("en", R"({"inline_keyboard":[5,[7,{"text":"ok","callback_data":"x"}]]})"),
            "⌨️ [ok]");
  core::Event e = program_message(kAnn, 1, "hi");
  e.entities_json = "[{]";
  EXPECT_EQ(mark_intercepted("en", e, kMaxTextUnits).entities_json, "");
  // Entities outside the text (negative, empty, or so large they would overflow) are dropped.
  e.entities_json = R"([{"type":"bold","offset":-5,"length":3},{"type":"bold","offset":0,"length":0},)"
                    R"({"type":"bold","offset":9223372036854775807,"length":9223372036854775807},)"
                    R"({"type":"bold","offset":0,"length":2}])";
  EXPECT_EQ(mark_intercepted("en", e, kMaxTextUnits).entities_json,
            R"([{"type":"bold","offset":29,"length":2}])");
}

}  // namespace
}  // namespace topicdesk::relay
