// Message templates in the engine: who may manage them, albums saved whole from the items seen
// in the group, the topic's copy under HIDE_INFO, AWAY_MESSAGE = "template:NAME".
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/time_zone.h"
#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;
namespace json = boost::json;

// The template_part jobs' calls for one side ("user" or "topic"), in order.
std::vector<json::object> template_calls(const std::vector<TakenJob>& jobs, std::string_view side) {
  std::vector<json::object> out;
  for (const auto& j : jobs) {
    if (j.job.kind != job::kTemplatePart) continue;
    auto calls = json::parse(j.payload.text).as_object();
    if (const auto* call = calls.if_contains(side)) out.push_back(call->as_object());
  }
  return out;
}

std::vector<std::string> group_texts(const std::vector<TakenJob>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs) {
    if (j.job.kind == job::kSendText && j.payload.to == Side::kGroup) out.push_back(j.payload.text);
  }
  return out;
}

class EngineTemplatesTest : public EngineFixture {
 protected:
  core::Event in_general(core::MessageId id, std::string text, core::UserId from = kOperatorId) {
    auto e = operator_message(0, id, std::move(text));
    e.from.id = from;
    e.from.username = from == kOperatorId ? "olga_op" : "max_op";
    return e;
  }
  void save_text(const std::string& name, const std::string& text) {
    store::Template t{.connection_id = context_.id, .name = name, .updated_at = kT0};
    t.parts.push_back(store::TemplatePart{.text = text});
    store_->save_template(t);
  }
};

TEST_F(EngineTemplatesTest, OnlyTheListedAndTheOwnerMayManageWhenExtensionsAllowedIsSet) {
  context_.group_owner = 901;
  auto& e = engine({{"EXTENSIONS_ALLOWED", "@olga_op"}});
  auto reply = [](core::Event ev) {
    ev.replied = core::ReplyContent{.message_id = 40, .content = core::ContentKind::kText, .text = "Hi"};
    return ev;
  };
  e.handle(reply(in_general(41, "/template save hi", 902)), kT0);  // neither listed nor the owner
  EXPECT_FALSE(store_->template_by_name(context_.id, "hi"));
  auto texts = group_texts(take_jobs(*store_));
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_NE(
      texts[0].find("⛔ Only the group's owner and the people EXTENSIONS_ALLOWED lists may manage templates"),
      std::string::npos);
  e.handle(reply(in_general(42, "/template save hi", 901)), kT0);  // the owner
  EXPECT_TRUE(store_->template_by_name(context_.id, "hi"));
  e.handle(reply(in_general(43, "/template save hello")), kT0);  // listed
  EXPECT_TRUE(store_->template_by_name(context_.id, "hello"));
  e.handle(in_general(44, "/template del hello", 902), kT0);
  EXPECT_TRUE(store_->template_by_name(context_.id, "hello"));
}

TEST_F(EngineTemplatesTest, AReplyToAnAlbumItemSavesTheAlbumTheGroupSawInOrder) {
  auto& e = engine();
  for (core::MessageId id : {50, 51, 52}) {
    auto item = in_general(id, id == 50 ? "first {first_name}" : "");
    item.content = id == 51 ? core::ContentKind::kVideo : core::ContentKind::kPhoto;
    item.media_group_id = "alb";
    item.file_id = "F" + std::to_string(id);
    e.handle(item, kT0);
  }
  auto save = in_general(53, "/template save trio");
  save.replied = core::ReplyContent{
      .message_id = 52, .content = core::ContentKind::kPhoto, .file_id = "F52", .media_group_id = "alb"};
  e.handle(save, kT0);
  auto t = store_->template_by_name(context_.id, "trio");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->parts.size(), 1u);
  ASSERT_EQ(t->parts[0].album.size(), 3u);
  EXPECT_EQ(t->parts[0].album[0].caption, "first {first_name}");
  EXPECT_EQ(t->parts[0].album[1].kind, store::TemplatePartKind::kVideo);
  EXPECT_EQ(t->parts[0].album[2].file_id, "F52");

  take_jobs(*store_);
  auto unseen = in_general(54, "/template save other");
  unseen.replied = core::ReplyContent{.message_id = 70,
                                      .content = core::ContentKind::kPhoto,
                                      .file_id = "X",
                                      .media_group_id = "copied-by-desk"};
  e.handle(unseen, kT0);
  EXPECT_FALSE(store_->template_by_name(context_.id, "other"));
  auto texts = group_texts(take_jobs(*store_));
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_NE(texts[0].find("did not see this album whole"), std::string::npos) << texts[0];
}

TEST_F(EngineTemplatesTest, UnderHideInfoTheTopicsCopyShowsThePseudonymAndTheUserTheirName) {
  auto& e = engine({{"HIDE_INFO", "name"}, {"WELCOME", "OFF"}});
  auto dialog = open_dialog_of(e, kAnn, kThread);
  save_text("hi", "Hi {first_name} {last_name}, {username|}");
  e.handle(operator_message(kThread, 60, "/t hi"), kT0);
  auto jobs = take_jobs(*store_);
  auto user = template_calls(jobs, "user");
  auto topic = template_calls(jobs, "topic");
  ASSERT_EQ(user.size(), 1u);
  ASSERT_EQ(topic.size(), 1u);
  EXPECT_EQ(user[0].at("params").at("text").as_string(), "Hi Ann Lee, ann_lee");
  EXPECT_EQ(topic[0].at("params").at("text").as_string(), "Hi " + dialog.pseudonym + " •••, •••");
}

TEST_F(EngineTemplatesTest, AwayMessageMayBeATemplateRenderedForTheUser) {
  auto& e = engine({{"WELCOME", "OFF"},
                    {"WORKING_HOURS", "Europe/Berlin; mon-fri 09:00-18:00"},
                    {"AWAY_MESSAGE", "template:night"}});
  save_text("night", "Closed now, {first_name}. {operator|We} answer at 9.");
  auto message = user_message(kAnn, 1, "hello");
  message.date = (core::days_from_civil(2026, 12, 12) * 86400 + 11 * 3600) * 1000;  // a Saturday
  e.handle(message, kT0);
  auto jobs = take_jobs(*store_);
  auto user = template_calls(jobs, "user");
  ASSERT_EQ(user.size(), 1u);
  EXPECT_EQ(user[0].at("params").at("text").as_string(), "Closed now, Ann. We answer at 9.");
  EXPECT_TRUE(template_calls(jobs, "topic").empty());  // no copy: the card heads a new topic
  EXPECT_EQ(store_->dialog_by_user(context_.id, kAnn)->status, DialogStatus::kUserAnswered);
}

}  // namespace
}  // namespace topicdesk::relay
