// /send template:NAME in General: a broadcast whose content is a saved template, made without a
// reply; a template that does not exist, and one with media on an account connection, refused
// with nothing made; the confirmation names the template; the same transitions for the Topics
// API's actions as for /send.
#include <gtest/gtest.h>

#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the relay tests' helpers
using store::BroadcastState;

class BroadcastTemplateCommandTest : public EngineFixture {
 protected:
  void save(const std::string& name, store::TemplatePartKind kind = store::TemplatePartKind::kText) {
    store::Template t;
    t.connection_id = context_.id;
    t.name = name;
    store::TemplatePart part{.kind = kind, .text = "Hello {first_name|there}"};
    if (kind != store::TemplatePartKind::kText) part.file_id = "FILE-1";
    t.parts.push_back(part);
    store_->save_template(t);
  }

  std::string general_answer(Engine& e, const std::string& text) {
    e.handle(operator_message(0, next_id_++, text), kT0 + 1000);
    auto said = texts_to(take_jobs(*store_), Side::kGroup);
    EXPECT_EQ(said.size(), 1u) << text;
    return said.empty() ? "" : said.front();
  }

  core::MessageId next_id_ = 100;
};

TEST_F(BroadcastTemplateCommandTest, ATemplateBroadcastNeedsNoReplyAndNamesItsTemplate) {
  auto& e = engine();
  open_dialog_of(e, kAnn, kThread);
  save("Greet");
  std::string answer = general_answer(e, "/send template:greet all");
  auto made = store_->broadcasts_of(context_.id, 10);
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(made[0].template_name, "Greet") << "the name as saved";
  EXPECT_TRUE(made[0].message_ids.empty());
  EXPECT_EQ(made[0].state, BroadcastState::kConfirming);
  EXPECT_EQ(answer.find("📣 Broadcast #" + std::to_string(made[0].id) + " (template Greet, all): 1 recipient"),
            0u)
      << answer;
  EXPECT_EQ(store_->broadcast_counts(made[0].id).pending, 1);
  EXPECT_NE(general_answer(e, "/send confirm").find("is confirmed"), std::string::npos);
  EXPECT_EQ(store_->broadcast(made[0].id)->state, BroadcastState::kRunning);
  // Deleting the template says which broadcast it stops.
  EXPECT_EQ(
      general_answer(e, "/template del greet"),
      "📋 Template Greet deleted.\n⚠️ Broadcast #" + std::to_string(made[0].id) +
          " (running) sends it: it stops before its next recipients, and its report says who was skipped.");
}

TEST_F(BroadcastTemplateCommandTest, AnUnknownTemplateIsRefusedAndNothingIsMade) {
  auto& e = engine();
  open_dialog_of(e, kAnn, kThread);
  save("Greet");
  EXPECT_EQ(general_answer(e, "/send template:promo all"),
            "/send: there is no template promo (/t lists them)");
  EXPECT_TRUE(store_->broadcasts_of(context_.id, 10).empty());
  EXPECT_NE(general_answer(e, "/send template:9x all").find("'template:9x'"), std::string::npos);
}

ConnectionContext account_context(store::Store& store) {
  auto context = make_context(store);
  context.account = true;
  return context;
}

class AccountBroadcastTemplateTest : public BroadcastTemplateCommandTest {
 protected:
  AccountBroadcastTemplateTest() { context_ = account_context(*store_); }
};

TEST_F(AccountBroadcastTemplateTest, MediaOnAnAccountConnectionIsRefusedAtCreation) {
  auto& e = engine();
  open_dialog_of(e, kAnn, kThread);
  save("Photo", store::TemplatePartKind::kPhoto);
  save("Text");
  std::string answer = general_answer(e, "/send template:photo all");
  EXPECT_NE(answer.find("templates with media are for bot connections"), std::string::npos) << answer;
  EXPECT_TRUE(store_->broadcasts_of(context_.id, 10).empty());
  general_answer(e, "/send template:text all");
  EXPECT_EQ(store_->broadcasts_of(context_.id, 10).size(), 1u) << "a text template is fine";
}

TEST_F(BroadcastTemplateCommandTest, TheApiMakesConfirmsAndActsLikeSend) {
  auto& e = engine();
  open_dialog_of(e, kAnn, kThread);
  save("Greet");
  crm::SendRequest r;
  r.kind = crm::RecipientsKind::kList;
  r.users = {kAnn, 999};
  r.recipients = "list of 2";
  r.template_name = "greet";
  auto made = e.api_create_broadcast(r, 0, /*confirm=*/true, kT0 + 1000);
  ASSERT_NE(made.broadcast.id, 0) << made.refused;
  EXPECT_EQ(store_->broadcast(made.broadcast.id)->state, BroadcastState::kRunning);
  auto counts = store_->broadcast_counts(made.broadcast.id);
  EXPECT_EQ(counts.pending, 1);
  EXPECT_EQ(counts.skipped, 1) << "999 never wrote to the bot";
  auto said = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(said.size(), 1u);
  EXPECT_NE(said[0].find("made and confirmed by the Topics API"), std::string::npos) << said[0];

  auto paused = e.api_broadcast_action(made.broadcast.id, crm::SendAction::kPause, kT0 + 2000);
  ASSERT_TRUE(paused);
  EXPECT_EQ(paused->state, BroadcastState::kPaused);
  auto again = e.api_broadcast_action(made.broadcast.id, crm::SendAction::kPause, kT0 + 2000);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(e.api_broadcast_action(made.broadcast.id + 50, crm::SendAction::kCancel, kT0).error().code,
            core::ErrorCode::kNotFound);

  // Nobody to send to: refused, and nothing is kept.
  r.users = {999};
  auto nobody = e.api_create_broadcast(r, 0, true, kT0 + 3000);
  EXPECT_EQ(nobody.broadcast.id, 0);
  EXPECT_EQ(nobody.field, "recipients");
  EXPECT_EQ(store_->broadcasts_of(context_.id, 10).size(), 1u);
}

}  // namespace
}  // namespace topicdesk::relay
