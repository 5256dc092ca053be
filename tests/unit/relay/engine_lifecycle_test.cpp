// How every kind of dialog opens (DialogOrigin), one album gatherer for every lane, and the
// Topics API's copy in the topic.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/presentation.h"
#include "core/utf8.h"
#include "relay/engine.h"
#include "relay/intercept.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;
namespace json = boost::json;

constexpr core::UserId kCy = 3003;

class LifecycleTest : public EngineFixture {
 protected:
  // The `by` of each dialog_created event, in order ("" for the user's own message).
  std::vector<std::string> created_by() {
    std::vector<std::string> out;
    for (const auto& e : store_->events_after(0, 1000)) {
      if (e.type != "dialog_created") continue;
      auto payload = json::parse(e.payload).as_object();
      out.push_back(payload.contains("by") ? std::string(payload.at("by").as_string()) : "");
    }
    return out;
  }

  core::Event intercepted(core::UserId user, core::MessageId id, std::string text) {
    core::Event e;
    e.kind = core::EventKind::kOutgoingSeen;
    e.update_id = 50000 + id;
    e.chat_id = user;
    e.message_id = id;
    e.from = core::Person{.id = kBotId, .is_bot = true};
    e.sender_is_bot = true;
    e.text = std::move(text);
    return e;
  }
};

TEST_F(LifecycleTest, EveryOriginGetsTopicCardAutoInfoAndOneCreatedEvent) {
  auto& e = engine({{"AUTO_INFO", "true"}, {"WELCOME", "Hi {title}"}});
  store_->upsert_user(context_.id, core::Person{.id = kCy, .first_name = "Cy"}, kT0);

  e.handle(user_message(kAnn, 1, "/start promo"), kT0);
  auto by_user = take_jobs(*store_);
  EXPECT_EQ(kinds(by_user),
            (std::vector<std::string>{"create_topic", "send_text", "send_text", "copy_to_topic"}));
  EXPECT_EQ(texts_to(by_user, Side::kUser), (std::vector<std::string>{"Hi Ann Lee"}));  // WELCOME: users only
  ASSERT_EQ(texts_to(by_user, Side::kGroup).size(), 1u);
  EXPECT_NE(texts_to(by_user, Side::kGroup)[0].find("Dialog info"), std::string::npos);

  ASSERT_TRUE(e.api_send_message(kCy, "Your order shipped", "CRM", kT0));
  auto by_api = take_jobs(*store_);
  std::vector<std::string> api_group_kinds;
  for (const auto& j : by_api) {
    if (j.payload.to == Side::kGroup) api_group_kinds.push_back(j.job.kind);
  }
  EXPECT_EQ(api_group_kinds, (std::vector<std::string>{"create_topic", "send_text", "send_text"}));
  auto api_topic = texts_to(by_api, Side::kGroup);
  ASSERT_EQ(api_topic.size(), 2u);
  EXPECT_NE(api_topic[0].find("Dialog info"), std::string::npos) << "the API path gets AUTO_INFO too";
  EXPECT_EQ(api_topic[1], "🔌 CRM: Your order shipped");
  EXPECT_EQ(texts_to(by_api, Side::kUser), (std::vector<std::string>{"Your order shipped"}));  // no WELCOME
  auto cy = *store_->dialog_by_user(context_.id, kCy);
  EXPECT_EQ(cy.status, DialogStatus::kSupportAnswered);
  EXPECT_EQ(cy.pseudonym, user_pseudonym(store_->install_secret(), context_.id, kCy));
  EXPECT_EQ(find_job(by_api, job::kSetTopicTitle), nullptr) << "the topic is made with its status";

  e.handle(intercepted(1002, 7, "Your code is 1234"), kT0);
  auto by_program = take_jobs(*store_);
  EXPECT_EQ(kinds(by_program), (std::vector<std::string>{"create_topic", "send_text", "intercept_text"}));
  EXPECT_TRUE(texts_to(by_program, Side::kUser).empty());
  EXPECT_EQ(store_->dialog_by_user(context_.id, 1002)->status, DialogStatus::kSupportAnswered);

  EXPECT_EQ(created_by(), (std::vector<std::string>{"", "api", "intercepted"}));
}

TEST_F(LifecycleTest, ApiOpensNoDialogWithoutAutoInfoBeyondTheTopicAndTheMessage) {
  auto& e = engine();
  store_->upsert_user(context_.id, core::Person{.id = kCy, .first_name = "Cy"}, kT0);
  ASSERT_TRUE(e.api_send_message(kCy, "hello", "API", kT0));
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(texts_to(jobs, Side::kGroup), (std::vector<std::string>{"🔌 API: hello"}));
  EXPECT_EQ(created_by(), (std::vector<std::string>{"api"}));
}

TEST_F(LifecycleTest, ApiCopyNearTheLimitIsCutToFitTheTopicAndTheUserGetsAll) {
  auto& e = engine();
  auto dialog = open_dialog_of(e, kAnn, 77);
  // 4096 characters, some outside the BMP (two UTF-16 units each, as Telegram counts them).
  std::string text;
  for (int i = 0; i < 96; ++i) text += "😀";
  text += std::string(4096 - 2 * 96, 'a');
  ASSERT_EQ(core::utf16_length(text), 4096u);
  ASSERT_TRUE(e.api_send_message(kAnn, text, "CRM", kT0));
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(texts_to(jobs, Side::kUser), (std::vector<std::string>{text}));
  auto topic = texts_to(jobs, Side::kGroup);
  ASSERT_EQ(topic.size(), 1u);
  EXPECT_LE(core::utf16_length(topic[0]), kMaxTextUnits);
  EXPECT_TRUE(topic[0].starts_with("🔌 CRM: 😀😀"));
  EXPECT_TRUE(topic[0].ends_with(core::notice::cut_in_topic("en"))) << "the cut is visible";
  EXPECT_EQ(store_->dialog(dialog.id)->status, DialogStatus::kSupportAnswered);

  // A short text is copied whole.
  ASSERT_TRUE(e.api_send_message(kAnn, std::string(4000, 'b'), "CRM", kT0));
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kGroup),
            (std::vector<std::string>{"🔌 CRM: " + std::string(4000, 'b')}));
}

// The user's, the operator's and an intercepted album are gathered side by side, each in its
// lane, and each is copied as one album where it belongs.
TEST_F(LifecycleTest, OneGathererKeepsEachLanesAlbumApart) {
  auto& e = engine();
  auto dialog = open_dialog_of(e, kAnn, 77);
  auto part = [](core::Event event, std::string group) {
    event.media_group_id = std::move(group);
    event.content = core::ContentKind::kPhoto;
    return event;
  };
  e.handle(part(user_message(kAnn, 2, ""), "u1"), kT0);
  e.handle(part(operator_message(77, 60, ""), "o1"), kT0);
  e.handle(part(user_message(kAnn, 3, ""), "u1"), kT0);
  e.handle(part(operator_message(77, 61, ""), "o1"), kT0);
  auto gathering = take_jobs(*store_);
  EXPECT_EQ(find_job(gathering, job::kCopyAlbumToTopic), nullptr);
  EXPECT_EQ(find_job(gathering, job::kCopyAlbumToUser), nullptr);
  // The program answers with an album: the user's album written before it goes first.
  e.handle(part(intercepted(kAnn, 8, ""), "p1"), kT0);
  e.handle(part(intercepted(kAnn, 9, ""), "p1"), kT0);
  for (const char* key : {":u", ":i"}) {
    auto timer = store_->timer_get(context_.id, "album:" + std::to_string(dialog.id) + key);
    ASSERT_TRUE(timer) << key;
    e.on_timer(*timer, kT0 + kAlbumGatherMillis);
  }
  EXPECT_FALSE(store_->timer_get(context_.id, "album:" + std::to_string(dialog.id) + ":g"));
  std::vector<std::vector<core::MessageId>> to_topic, to_user;
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(texts_to(jobs, Side::kGroup), (std::vector<std::string>{intercept_album_marker("en", false)}))
      << "only the intercepted lane announces its album";
  for (const auto& j : jobs) {
    if (j.job.kind == job::kCopyAlbumToTopic) to_topic.push_back(j.payload.message_ids);
    if (j.job.kind == job::kCopyAlbumToUser) {
      to_user.push_back(j.payload.message_ids);
      EXPECT_TRUE(j.payload.operator_message);
    }
  }
  EXPECT_EQ(to_topic, (std::vector<std::vector<core::MessageId>>{{2, 3}, {8, 9}}));
  EXPECT_EQ(to_user, (std::vector<std::vector<core::MessageId>>{{60, 61}}));
}

}  // namespace
}  // namespace topicdesk::relay
