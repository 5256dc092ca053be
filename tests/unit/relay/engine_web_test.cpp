// /web in General: a one-time dashboard link for the operator who asks, posted in General; the
// sessions it opens end with /web logout all.
#include <gtest/gtest.h>

#include "relay/engine.h"
#include "relay_test_util.h"
#include "web/sessions.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

class EngineWebTest : public EngineFixture {
 protected:
  Engine& desk() {
    context_.dashboard_url = "https://desk.example.com";
    return engine();
  }
  std::vector<std::string> general_texts() { return texts_to(take_jobs(*store_), Side::kGroup); }
};

TEST_F(EngineWebTest, WebPostsALinkThatSignsInTheOperatorWhoAsked) {
  auto& e = desk();
  e.handle(operator_message(0, 1, "/web"), kT0);
  auto texts = general_texts();
  ASSERT_EQ(texts.size(), 1u);
  const auto at = texts[0].find("https://desk.example.com/ui/login?t=");
  ASSERT_NE(at, std::string::npos) << texts[0];
  EXPECT_NE(texts[0].find("Olga"), std::string::npos);
  EXPECT_NE(texts[0].find("https://t.me/" + context_.bot_username + "?startapp"), std::string::npos)
      << "over https the Mini App opens from General too";
  const auto start = at + std::string("https://desk.example.com/ui/login?t=").size();
  const auto secret = texts[0].substr(start, texts[0].find_first_of(" \n", start) - start);
  auto opened = web::redeem_login_link(*store_, secret, kT0 + 1000);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->session.user_id, kOperatorId);
  EXPECT_EQ(opened->session.group_id, context_.group_id);
}

TEST_F(EngineWebTest, TheAnonymousGroupGetsNoLink) {
  auto& e = desk();
  auto anonymous = operator_message(0, 1, "/web");
  anonymous.sender_is_anonymous_admin = true;
  e.handle(anonymous, kT0);
  auto texts = general_texts();
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(texts[0].find("/ui/login"), std::string::npos) << texts[0];
}

TEST_F(EngineWebTest, LogoutAllEndsTheOperatorsSessions) {
  auto& e = desk();
  auto mine = web::open_session(*store_, context_.group_id, kOperatorId, "link", kT0);
  auto others = web::open_session(*store_, context_.group_id, kOperatorId + 1, "link", kT0);
  ASSERT_TRUE(mine && others);
  e.handle(operator_message(0, 1, "/web logout all"), kT0);
  EXPECT_EQ(general_texts(), (std::vector<std::string>{"🌐 1 dashboard session(s) ended."}));
  EXPECT_FALSE(web::find_session(*store_, mine->secret, kT0));
  EXPECT_TRUE(web::find_session(*store_, others->secret, kT0));
}

}  // namespace
}  // namespace topicdesk::relay
