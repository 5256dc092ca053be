// Message templates through the engine and a real dispatcher: /t sends every part to the user
// by its own method, then a marked copy into the topic linked to the user's; a refused send
// sends nothing; WELCOME = "template:NAME" and its notice when the template is gone.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "dispatch_test_util.h"

namespace topicdesk::relay::testing {
namespace {
namespace json = boost::json;
using store::TemplatePartKind;

std::int64_t as_int(const json::value& v) { return v.as_int64(); }

class DispatcherTemplatesTest : public DispatchFixture {
 protected:
  void save_greeting() {
    store::Template t;
    t.connection_id = context_.id;
    t.name = "Greet";
    t.updated_at = kT0;
    t.parts.push_back(store::TemplatePart{
        .text = "😀 Hi {first_name}, {operator|we} care",
        .entities_json = R"([{"type":"bold","offset":34,"length":4}])",  // "care"
        .reply_markup_json = R"({"inline_keyboard":[[{"text":"Site","url":"https://e.x"}]]})"});
    t.parts.push_back(
        store::TemplatePart{.kind = TemplatePartKind::kPhoto, .text = "For {first_name}", .file_id = "PH"});
    t.parts.push_back(store::TemplatePart{
        .kind = TemplatePartKind::kAlbum,
        .album = {{TemplatePartKind::kPhoto, "A1", "", ""}, {TemplatePartKind::kVideo, "A2", "two", ""}}});
    store_->save_template(t);
  }

  std::vector<FakeBotApi::Call> sends_to(core::ChatId chat) {
    std::vector<FakeBotApi::Call> out;
    for (const auto& c : api_.calls) {
      if (c.method.starts_with("send") && as_int(c.params.at("chat_id")) == chat) out.push_back(c);
    }
    return out;
  }
};

TEST_F(DispatcherTemplatesTest, TNameSendsEveryPartToTheUserThenALinkedMarkedCopyToTheTopic) {
  save_greeting();
  start();
  handle_and_settle(user_message(kAnn, 1, "hello"));
  const auto user_sends_before = sends_to(kAnn).size();
  handle_and_settle(operator_message(1000, 7000, "/t greet"));

  auto to_user = sends_to(kAnn);
  ASSERT_EQ(to_user.size() - user_sends_before, 3u);
  const auto& text = to_user[user_sends_before];
  EXPECT_EQ(text.method, "sendMessage");
  EXPECT_EQ(text.params.at("text").as_string(), "😀 Hi Ann, Olga care");
  EXPECT_EQ(as_int(text.params.at("entities").at(0).at("offset")), 16);  // moved by -18 units
  EXPECT_EQ(text.params.at("reply_markup").at("inline_keyboard").as_array().size(), 1u);
  const auto& photo = to_user[user_sends_before + 1];
  EXPECT_EQ(photo.method, "sendPhoto");
  EXPECT_EQ(photo.params.at("photo").as_string(), "PH");
  EXPECT_EQ(photo.params.at("caption").as_string(), "For Ann");
  const auto& album = to_user[user_sends_before + 2];
  EXPECT_EQ(album.method, "sendMediaGroup");
  EXPECT_EQ(album.params.at("media").at(1).at("caption").as_string(), "two");

  // The topic's copies: the same parts, the text and photo marked, the album as it is.
  std::vector<FakeBotApi::Call> copies;
  for (const auto& c : sends_to(kGroupId)) {
    if (c.params.contains("message_thread_id") &&
        (c.method != "sendMessage" || c.params.contains("reply_markup")))
      copies.push_back(c);
  }
  ASSERT_EQ(copies.size(), 3u);
  EXPECT_EQ(copies[0].params.at("text").as_string(), "😀 Hi Ann, Olga care");
  EXPECT_EQ(copies[0].params.at("reply_markup").at("inline_keyboard").at(1).at(0).at("text").as_string(),
            "📋 Greet · Olga");
  EXPECT_EQ(as_int(copies[0].params.at("message_thread_id")), 1000);
  EXPECT_EQ(copies[1].method, "sendPhoto");
  EXPECT_EQ(copies[2].method, "sendMediaGroup");
  EXPECT_FALSE(copies[2].params.contains("reply_markup"));

  // Each topic copy is linked to the user's copy, as an operator's message is.
  std::vector<core::MessageId> user_ids, topic_ids;
  core::MessageId id = 0;
  for (const auto& c : api_.calls) {  // FakeBotApi numbers every send in call order from 5000
    if (!c.method.starts_with("send") && c.method != "copyMessage") continue;
    std::size_t n = c.method == "sendMediaGroup" ? c.params.at("media").as_array().size() : 1;
    for (std::size_t i = 0; i < n; ++i, ++id) {
      if (!c.method.starts_with("send") || (c.method == "sendMessage" && !c.params.contains("reply_markup") &&
                                            as_int(c.params.at("chat_id")) == kGroupId))
        continue;
      (as_int(c.params.at("chat_id")) == kAnn ? user_ids : topic_ids).push_back(5000 + id);
    }
  }
  ASSERT_EQ(user_ids.size(), 4u);
  ASSERT_EQ(topic_ids.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    auto link = store_->link_by_group_message(kGroupId, topic_ids[i]);
    ASSERT_TRUE(link) << i;
    EXPECT_EQ(link->user_message_id, user_ids[i]);
    EXPECT_EQ(link->direction, store::LinkDirection::kGroupToUser);
  }
  EXPECT_EQ(ann().status, DialogStatus::kSupportAnswered);
  EXPECT_EQ(ann().last_operator_id, kOperatorId);
}

TEST_F(DispatcherTemplatesTest, AMissingVariableSendsNothingAndTheTopicIsToldWhich) {
  store::Template t{.connection_id = context_.id, .name = "acct", .updated_at = kT0};
  t.parts.push_back(store::TemplatePart{.text = "Your account {link} and {field:plan|basic} plan"});
  store_->save_template(t);
  start();
  handle_and_settle(user_message(kAnn, 1, "hello"));
  const auto before = sends_to(kAnn).size();
  handle_and_settle(operator_message(1000, 7000, "/t acct"));
  EXPECT_EQ(sends_to(kAnn).size(), before);
  auto notice = api_.of("sendMessage").back();
  EXPECT_NE(std::string(notice.params.at("text").as_string())
                .find("⚠️ Template acct not sent: no value for {link}"),
            std::string::npos)
      << notice.params.at("text").as_string();
  EXPECT_EQ(ann().status, DialogStatus::kUserAnswered);
}

TEST_F(DispatcherTemplatesTest, WelcomeTemplateIsRenderedForTheNewUserAndAGoneOneIsReported) {
  store::Template t{.connection_id = context_.id, .name = "hello", .updated_at = kT0};
  t.parts.push_back(store::TemplatePart{.text = "Welcome, {first_name}! {operator|We} answer soon."});
  store_->save_template(t);
  context_.params.welcome = "template:hello";
  start();
  handle_and_settle(user_message(kAnn, 1, "hi"));
  auto to_ann = sends_to(kAnn);
  ASSERT_EQ(to_ann.size(), 1u);
  EXPECT_EQ(to_ann[0].params.at("text").as_string(), "Welcome, Ann! We answer soon.");
  EXPECT_EQ(ann().status, DialogStatus::kUserAnswered);  // a welcome is no answer

  store_->delete_template(context_.id, "hello");
  auto bob = user_message(kBob, 2, "hi");
  bob.from.id = kBob;
  bob.from.first_name = "Bob";
  handle_and_settle(bob);
  EXPECT_TRUE(sends_to(kBob).empty());
  bool told = false;
  for (const auto& c : api_.of("sendMessage")) {
    told =
        told || std::string(c.params.at("text").as_string()).find("WELCOME (template hello) was not sent") !=
                    std::string::npos;
  }
  EXPECT_TRUE(told);
}

}  // namespace
}  // namespace topicdesk::relay::testing
