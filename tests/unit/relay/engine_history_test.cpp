// Message history: every message the relay passes is recorded with its author, sender and
// content, in the transaction that relays it — the user's, the operators' replies and comments,
// their edits, intercepted messages, the Topics API's, templates, the desk's texts and notices.
#include <gtest/gtest.h>

#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;
using store::HistoryAuthor;
using store::HistoryEntry;

class EngineHistoryTest : public EngineFixture {
 protected:
  std::vector<HistoryEntry> history(const store::Dialog& dialog) {
    return store_->dialog_history(dialog.id, 0, 1000);
  }
  std::vector<HistoryEntry> by(const store::Dialog& dialog, HistoryAuthor author) {
    std::vector<HistoryEntry> out;
    for (auto& entry : history(dialog))
      if (entry.author == author) out.push_back(entry);
    return out;
  }
  std::vector<std::string> found(const std::string& text, std::optional<core::ConnectionId> connection = {},
                                 std::optional<core::DialogId> dialog = {}) {
    store::HistoryQuery q;
    q.text = text;
    q.connection = connection;
    q.dialog = dialog;
    std::vector<std::string> out;
    for (const auto& entry : store_->search_history(q)) out.push_back(entry.text);
    return out;
  }
};

TEST_F(EngineHistoryTest, TheUsersMessageIsRecordedWithItsSenderAndContent) {
  auto& e = engine({{"WELCOME", "OFF"}});
  auto photo = user_message(kAnn, 5, "my receipt");
  photo.content = core::ContentKind::kPhoto;
  photo.file_id = "AgACAgPhoto";
  photo.entities_json = R"([{"type":"bold","offset":0,"length":2}])";
  photo.reply_to_message_id = 3;
  photo.date = kT0 - 2000;
  e.handle(photo, kT0);
  auto dialog = *store_->dialog_by_user(context_.id, kAnn);
  const auto users = by(dialog, HistoryAuthor::kUser);
  ASSERT_EQ(users.size(), 1u);
  const auto& r = users[0];
  EXPECT_EQ(r.connection_id, context_.id);
  EXPECT_EQ(r.sender_id, kAnn);
  EXPECT_EQ(r.sender_name, "Ann Lee");
  EXPECT_EQ(r.message_id, 5);
  EXPECT_EQ(r.content, "photo");
  EXPECT_EQ(r.text, "my receipt");
  EXPECT_EQ(r.entities_json, R"([{"type":"bold","offset":0,"length":2}])");
  EXPECT_EQ(r.file_id, "AgACAgPhoto");
  EXPECT_EQ(r.reply_to, 3);
  EXPECT_EQ(r.at, kT0 - 2000) << "the message's own date";
}

TEST_F(EngineHistoryTest, AnOperatorsReplyACommentAndTheirEditsAreRecorded) {
  auto& e = engine({{"WELCOME", "OFF"}});
  auto dialog = open_dialog_of(e, kAnn, kThread);
  e.handle(operator_message(kThread, 40, "Your order ships today"), kT0 + 10);
  e.handle(operator_message(kThread, 41, "/ she asked twice already"), kT0 + 20);
  e.handle(operator_message(kThread, 42, "/close"), kT0 + 30);  // a command: not a message

  auto edit = operator_message(kThread, 40, "Your order ships tomorrow");
  edit.kind = EventKind::kOperatorEdit;
  edit.date = kT0 + 100;
  e.handle(edit, kT0 + 100);
  auto comment_edit = operator_message(kThread, 41, "/ she asked three times");
  comment_edit.kind = EventKind::kOperatorEdit;
  e.handle(comment_edit, kT0 + 110);

  const auto replies = by(dialog, HistoryAuthor::kOperator);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].sender_id, kOperatorId);
  EXPECT_EQ(replies[0].sender_name, "Olga");
  EXPECT_EQ(replies[0].message_id, 40);
  EXPECT_EQ(replies[0].text, "Your order ships tomorrow");
  EXPECT_EQ(replies[0].edits, 1);
  EXPECT_EQ(replies[0].edited_at, kT0 + 100);
  const auto comments = by(dialog, HistoryAuthor::kComment);
  ASSERT_EQ(comments.size(), 1u);
  EXPECT_EQ(comments[0].text, "/ she asked three times");
  EXPECT_EQ(comments[0].edits, 1);
  for (const auto& entry : history(dialog)) EXPECT_NE(entry.text, "/close");
  // The close's notice to the user is the desk's (CLOSE_MESSAGE is on by default or not: none
  // of the user's rows changed).
  EXPECT_EQ(by(dialog, HistoryAuthor::kUser).size(), 1u);
}

TEST_F(EngineHistoryTest, TheUsersEditChangesTheirEntryOnly) {
  auto& e = engine({{"WELCOME", "OFF"}});
  auto dialog = open_dialog_of(e, kAnn, kThread);  // the user's message 1: "hello"
  e.handle(operator_message(kThread, 1, "group message 1"), kT0 + 10);
  auto edit = user_message(kAnn, 1, "hello, is anyone there?");
  edit.kind = EventKind::kUserEdit;
  edit.entities_json = R"([{"type":"italic","offset":0,"length":5}])";
  e.handle(edit, kT0 + 50);
  const auto users = by(dialog, HistoryAuthor::kUser);
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0].text, "hello, is anyone there?");
  EXPECT_EQ(users[0].entities_json, R"([{"type":"italic","offset":0,"length":5}])");
  EXPECT_EQ(users[0].edits, 1);
  EXPECT_EQ(users[0].edited_at, kT0 + 50);
  EXPECT_EQ(by(dialog, HistoryAuthor::kOperator).at(0).text, "group message 1") << "same id, other side";
}

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

TEST_F(EngineHistoryTest, InterceptedSendsAndTheirEditsAreRecorded) {
  auto& e = engine({{"WELCOME", "OFF"}, {"INTERCEPT_EXTERNAL", "TRUE"}});
  auto dialog = open_dialog_of(e, kAnn, kThread);
  e.handle(program_message(2, "Choose a drink"), kT0 + 10);
  e.handle(program_message(2, "Tea it is", EventKind::kOutgoingEdit), kT0 + 20);
  const auto sent = by(dialog, HistoryAuthor::kIntercepted);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].sender_id, kBotId);
  EXPECT_EQ(sent[0].sender_name, "Shop");
  EXPECT_EQ(sent[0].message_id, 2);
  EXPECT_EQ(sent[0].text, "Tea it is") << "the marker is the topic's, not the message's";
  EXPECT_EQ(sent[0].edits, 1);
}

TEST_F(EngineHistoryTest, AnAlbumIsOneEntryPerPart) {
  auto& e = engine({{"WELCOME", "OFF"}});
  auto dialog = open_dialog_of(e, kAnn, kThread);
  for (core::MessageId id : {10, 11, 12}) {
    auto part = user_message(kAnn, id, id == 10 ? "three photos" : "");
    part.content = core::ContentKind::kPhoto;
    part.media_group_id = "album-1";
    part.file_id = "photo-" + std::to_string(id);
    e.handle(part, kT0 + id);
  }
  std::vector<std::string> files;
  for (const auto& entry : by(dialog, HistoryAuthor::kUser)) {
    if (entry.media_group_id != "album-1") continue;
    EXPECT_EQ(entry.content, "photo");
    files.push_back(entry.file_id);
  }
  EXPECT_EQ(files, (std::vector<std::string>{"photo-10", "photo-11", "photo-12"}));
}

TEST_F(EngineHistoryTest, TheDesksTextsAndNoticesInTheTopicAreRecorded) {
  auto& e = engine({{"WELCOME", "Hello {title}, we answer within the hour."}});
  auto dialog = open_dialog_of(e, kAnn, kThread);
  e.handle(operator_message(kThread, 40, "/ban"), kT0 + 10);
  const auto desk = by(dialog, HistoryAuthor::kDesk);
  ASSERT_EQ(desk.size(), 1u);
  EXPECT_EQ(desk[0].text, "Hello Ann Lee, we answer within the hour.");
  EXPECT_EQ(desk[0].sender_id, 0);
  EXPECT_EQ(desk[0].message_id, 0);
  const auto notices = by(dialog, HistoryAuthor::kNotice);
  ASSERT_FALSE(notices.empty());
  EXPECT_EQ(notices.back().text, core::notice::banned("en"));
  // General's answers belong to no dialog and are not recorded.
  const auto before = store_->connection_history(context_.id, 0, 1000).size();
  e.handle(operator_message(0, 50, "/help"), kT0 + 20);
  EXPECT_EQ(store_->connection_history(context_.id, 0, 1000).size(), before);
}

TEST_F(EngineHistoryTest, ATemplateIsRecordedAsRenderedForTheUser) {
  auto& e = engine({{"WELCOME", "OFF"}});
  auto dialog = open_dialog_of(e, kAnn, kThread);
  store::Template t{.connection_id = context_.id, .name = "thanks", .updated_at = kT0};
  t.parts.push_back(store::TemplatePart{.text = "Thank you, {first_name}!"});
  t.parts.push_back(
      store::TemplatePart{.kind = store::TemplatePartKind::kPhoto, .text = "our map", .file_id = "map"});
  store_->save_template(t);
  e.handle(operator_message(kThread, 40, "/t thanks"), kT0 + 10);
  const auto sent = by(dialog, HistoryAuthor::kOperator);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].text, "Thank you, Ann!");
  EXPECT_EQ(sent[0].sender_id, kOperatorId);
  EXPECT_EQ(sent[1].content, "photo");
  EXPECT_EQ(sent[1].file_id, "map");
  EXPECT_EQ(sent[1].text, "our map");
}

TEST_F(EngineHistoryTest, AnApiSendIsRecordedOnceAsTheApis) {
  auto& e = engine({{"WELCOME", "OFF"}});
  auto dialog = open_dialog_of(e, kAnn, kThread);
  ASSERT_TRUE(e.api_send_message(kAnn, "Your parcel left the warehouse", "CRM", kT0 + 10));
  const auto api = by(dialog, HistoryAuthor::kApi);
  ASSERT_EQ(api.size(), 1u);
  EXPECT_EQ(api[0].text, "Your parcel left the warehouse");
  EXPECT_EQ(api[0].sender_name, "CRM");
  EXPECT_EQ(found("parcel").size(), 1u) << "the topic's copy is not a second entry";
}

TEST_F(EngineHistoryTest, SearchFindsRelayedTextsWithinItsConnectionAndDialog) {
  auto& e = engine({{"WELCOME", "OFF"}});
  auto ann = open_dialog_of(e, kAnn, kThread);
  auto bob = open_dialog_of(e, kBob, kThread + 1);
  e.handle(user_message(kAnn, 2, "Refund for order 50%_off please"), kT0 + 10);
  e.handle(user_message(kBob, 2, "refund? no, an exchange"), kT0 + 20);
  e.handle(operator_message(kThread, 40, "The REFUND is on its way"), kT0 + 30);

  // Another connection in the same store.
  auto other_context = make_context(*store_, "sales", 501, -1002000);
  Engine other(*store_, other_context);
  other.handle(user_message(kAnn, 2, "refund at sales"), kT0 + 40);

  EXPECT_EQ(found("refund").size(), 4u);
  EXPECT_EQ(found("refund", context_.id),
            (std::vector<std::string>{"The REFUND is on its way", "refund? no, an exchange",
                                      "Refund for order 50%_off please"}));
  EXPECT_EQ(found("refund", std::nullopt, bob.id), (std::vector<std::string>{"refund? no, an exchange"}));
  EXPECT_EQ(found("refund way", context_.id, ann.id), (std::vector<std::string>{"The REFUND is on its way"}));
  EXPECT_EQ(found("50%_"), (std::vector<std::string>{"Refund for order 50%_off please"}));
  EXPECT_TRUE(found("50__").empty()) << "_ is a character, not a wildcard";
  EXPECT_TRUE(found("%refund").empty()) << "% is a character, not a wildcard";
}

}  // namespace
}  // namespace topicdesk::relay
