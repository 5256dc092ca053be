// /export in General (the clients' CSV as a document) and /export here in a topic (the
// conversation's transcript): what is posted where, the answers to wrong input, who may export,
// and HIDE_INFO, under which no file names the user.
#include <gtest/gtest.h>

#include <tuple>

#include "exports/exports.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the relay tests' helpers

constexpr core::ChatId kDeskGroup = -1001234567890;
constexpr core::UserId kAnnId = 700100200;  // long enough to be told from ordinary numbers
constexpr core::UserId kBobId = 700100300;

class ExportCommandTest : public EngineFixture {
 protected:
  ExportCommandTest()
      : EngineFixture([](store::Store& store) { return make_context(store, "shop", kBotId, kDeskGroup); }) {}

  core::Event user_says(core::UserId user, std::string first_name, core::MessageId id, std::string text,
                        std::string lang = "en") {
    auto e = user_message(user, id, std::move(text));
    e.from.username = first_name == "Ann" ? "ann_lee" : "";
    e.from.first_name = std::move(first_name);
    e.from.language_code = std::move(lang);
    return e;
  }

  // Ann (English, /start promo42) and Bob (Russian), each with a topic.
  void two_users(Engine& e) {
    e.handle(user_says(kAnnId, "Ann", 1, "/start promo42"), kT0);
    e.handle(user_says(kBobId, "Bob", 2, "привет", "ru"), kT0);
    auto ann = *store_->dialog_by_user(context_.id, kAnnId);
    ann.thread_id = kThread;
    store_->update_dialog(ann);
    auto bob = *store_->dialog_by_user(context_.id, kBobId);
    bob.thread_id = kThread + 1;
    store_->update_dialog(bob);
    take_jobs(*store_);
  }

  std::vector<TakenJob> ask(Engine& e, const std::string& text, core::ThreadId thread = 0,
                            std::string username = "olga_op") {
    auto message = operator_message(thread, next_id_++, text, kDeskGroup);
    message.from.username = std::move(username);
    e.handle(message, kT0 + 1000);
    return take_jobs(*store_);
  }

  static std::vector<const TakenJob*> documents(const std::vector<TakenJob>& jobs) {
    std::vector<const TakenJob*> out;
    for (const auto& j : jobs)
      if (j.job.kind == job::kSendDocument) out.push_back(&j);
    return out;
  }

  std::string answer(Engine& e, const std::string& text, core::ThreadId thread = 0,
                     std::string username = "olga_op") {
    auto jobs = ask(e, text, thread, std::move(username));
    EXPECT_TRUE(documents(jobs).empty()) << text;
    auto said = texts_to(jobs, Side::kGroup);
    EXPECT_EQ(said.size(), 1u) << text;
    return said.empty() ? "" : said.front();
  }

  core::MessageId next_id_ = 100;
};

TEST_F(ExportCommandTest, TheClientsArePostedInGeneralAsACsvDocument) {
  auto& e = engine();
  two_users(e);
  auto jobs = ask(e, "/export");
  auto docs = documents(jobs);
  ASSERT_EQ(docs.size(), 1u);
  const auto& p = docs[0]->payload;
  EXPECT_EQ(p.dialog, 0) << "General";
  EXPECT_EQ(p.document_name, "clients-2023-11-14.csv");
  EXPECT_EQ(p.text, "📤 2 clients");
  EXPECT_TRUE(p.document.starts_with(std::string(exports::kClientColumns) + "\r\n"));
  EXPECT_NE(p.document.find("shop,700100200,"), std::string::npos) << p.document;
  EXPECT_NE(p.document.find(",promo42,"), std::string::npos) << p.document;
  EXPECT_NE(p.document.find("shop,700100300,"), std::string::npos) << p.document;

  auto russian_jobs = ask(e, "/export lang:ru");
  auto russian = documents(russian_jobs);
  ASSERT_EQ(russian.size(), 1u);
  EXPECT_EQ(russian[0]->payload.text, "📤 1 client in lang:ru");
  EXPECT_EQ(russian[0]->payload.document.find("700100200"), std::string::npos);
  EXPECT_NE(russian[0]->payload.document.find("700100300"), std::string::npos);
}

TEST_F(ExportCommandTest, WrongInputIsAnsweredWithWhatToDo) {
  auto& e = engine();
  two_users(e);
  EXPECT_EQ(
      answer(e, "/export vip churned"),
      "⚠️ That segment does not parse: column 5, at `churned`: expected `and`, `or` or the end of the "
      "expression. /segment alone shows the syntax.");
  EXPECT_EQ(answer(e, "/export vpi"), "❓ There is no label “vpi”. /mark lists them.");
  EXPECT_TRUE(answer(e, "/export here").starts_with("/export exports the clients as a CSV file"));
  EXPECT_EQ(answer(e, "/export last_message>30d"), "📤 No client is in last_message>30d: nothing to export.");
  EXPECT_TRUE(answer(e, "/export everything", kThread).starts_with("/export here posts this conversation"));
}

TEST_F(ExportCommandTest, WithExtensionsAllowedOnlyThoseListedMayExport) {
  auto& e = engine({{"EXTENSIONS_ALLOWED", "@lead"}});
  two_users(e);
  EXPECT_EQ(answer(e, "/export"),
            "⛔ Only the group's owner and the people EXTENSIONS_ALLOWED lists may export.");
  EXPECT_EQ(answer(e, "/export here", kThread),
            "⛔ Only the group's owner and the people EXTENSIONS_ALLOWED lists may export.");
  EXPECT_EQ(documents(ask(e, "/export", 0, "lead")).size(), 1u);
}

TEST_F(ExportCommandTest, UnderHideInfoTheCsvNamesNobodyWhoeverAsks) {
  auto& e = engine({{"HIDE_INFO", "name"}, {"EXTENSIONS_ALLOWED", "@lead"}});
  two_users(e);
  e.handle(operator_message(kThread, 10, "/set plan=pro", kDeskGroup), kT0);
  take_jobs(*store_);
  auto jobs = ask(e, "/export", 0, "lead");
  auto docs = documents(jobs);
  ASSERT_EQ(docs.size(), 1u);
  const std::string& csv = docs[0]->payload.document;
  for (std::string_view secret : {"Ann", "Lee", "ann_lee", "700100200", "Bob", "700100300", "plan"})
    EXPECT_EQ(csv.find(secret), std::string::npos) << secret << " leaked:\n" << csv;
  auto ann = *store_->dialog_by_user(context_.id, kAnnId);
  EXPECT_NE(csv.find("shop,," + ann.pseudonym + ","), std::string::npos) << csv;
  EXPECT_EQ(docs[0]->payload.text, "📤 2 clients (HIDE_INFO: pseudonyms only)");
  EXPECT_EQ(answer(e, "/export field:plan=pro", 0, "lead"),
            "🔒 field: terms read custom fields, which HIDE_INFO hides: an export here cannot use them.");
}

TEST_F(ExportCommandTest, HereInATopicPostsTheConversationThere) {
  auto& e = engine({{"HIDE_INFO", "name"}});
  two_users(e);
  auto ann = *store_->dialog_by_user(context_.id, kAnnId);
  EXPECT_EQ(answer(e, "/export here", kThread), "📤 The history holds no message of this conversation yet.");
  for (auto [author, name, text] : {std::tuple{store::HistoryAuthor::kUser, "Ann Lee", "I am Ann, @ann_lee"},
                                    std::tuple{store::HistoryAuthor::kOperator, "Olga", "Hello Ann!"}}) {
    store_->add_history({.connection_id = context_.id,
                         .dialog_id = ann.id,
                         .author = author,
                         .sender_id = author == store::HistoryAuthor::kUser ? kAnnId : kOperatorId,
                         .sender_name = name,
                         .content = "text",
                         .text = text,
                         .at = kT0});
  }
  auto jobs = ask(e, "/export here", kThread);
  auto docs = documents(jobs);
  ASSERT_EQ(docs.size(), 2u);
  const std::string stem = "conversation-" + std::to_string(ann.id) + "-2023-11-14";
  EXPECT_EQ(docs[0]->payload.document_name, stem + ".html");
  EXPECT_EQ(docs[1]->payload.document_name, stem + ".jsonl");
  for (const auto* doc : docs) {
    EXPECT_EQ(doc->payload.dialog, ann.id) << "in the topic";
    EXPECT_EQ(doc->payload.text, "📤 This conversation: 2 messages (HIDE_INFO: the client by pseudonym)");
    for (std::string_view secret : {"Ann", "Lee", "ann_lee", "700100200"})
      EXPECT_EQ(doc->payload.document.find(secret), std::string::npos) << secret << " leaked:\n"
                                                                       << doc->payload.document;
    EXPECT_NE(doc->payload.document.find(ann.pseudonym), std::string::npos);
    EXPECT_NE(doc->payload.document.find("Olga"), std::string::npos);
  }
  EXPECT_EQ(documents(ask(e, "/export", kThread)).size(), 2u) << "/export alone in a topic is the same";
}

}  // namespace
}  // namespace topicdesk::relay
