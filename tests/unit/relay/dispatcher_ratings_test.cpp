// Satisfaction ratings through a real Dispatcher: the question, the answer to a press and the
// edit of the question are user-side calls, counted in the user's chat and never waiting for
// the backend group's 20 messages a minute.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "dispatch_test_util.h"
#include "relay/ratings.h"

namespace topicdesk::relay {
namespace {
using namespace testing;  // NOLINT: the relay test helpers
namespace json = boost::json;

class DispatcherRatingsTest : public DispatchFixture {
 protected:
  DispatcherRatingsTest() { context_.params.csat = "How did we do?"; }

  std::optional<FakeBotApi::Call> question() {
    for (const auto& call : api_.of("sendMessage")) {
      if (call.params.at("chat_id").as_int64() == kAnn && call.params.contains("reply_markup")) return call;
    }
    return std::nullopt;
  }
};

TEST_F(DispatcherRatingsTest, RatingCallsGoToTheUsersChatWhileTheGroupsBudgetIsSpent) {
  // The group may take 3 messages a minute: the topic, the card and the copy (the closed title
  // waits for the title budget).
  start(telegram::FloodLimits{.enabled = true, .group_per_minute = 3});
  handle_and_settle(user_message(kAnn, 1, "hello"));
  handle(operator_message(1000, 10, "/close"));
  ASSERT_TRUE(run_until([&] { return question().has_value(); }));
  auto asked = *question();
  const auto& buttons = asked.params.at("reply_markup").at("inline_keyboard").as_array().at(0).as_array();
  ASSERT_EQ(buttons.size(), 5u);

  core::Event press;
  press.kind = core::EventKind::kButtonPressed;
  press.update_id = 77;
  press.chat_id = kAnn;
  press.from = core::Person{.id = kAnn, .first_name = "Ann"};
  press.callback_id = "q77";
  press.message_id = 5003;  // the question message the button is under
  press.text = std::string(buttons.at(2).at("callback_data").as_string());
  handle(press);
  ASSERT_TRUE(run_until(
      [&] { return !api_.of("answerCallbackQuery").empty() && !api_.of("editMessageText").empty(); }));

  auto answer = api_.of("answerCallbackQuery").at(0);
  EXPECT_EQ(answer.params.at("callback_query_id").as_string(), "q77");
  EXPECT_EQ(answer.params.at("text").as_string(), "Thank you!");
  auto edit = api_.of("editMessageText").at(0);
  EXPECT_EQ(edit.params.at("chat_id").as_int64(), kAnn);
  EXPECT_EQ(edit.params.at("message_id").as_int64(), 5003);
  EXPECT_NE(std::string(edit.params.at("text").as_string()).find("(3/5)"), std::string::npos);
  EXPECT_TRUE(edit.params.at("reply_markup").at("inline_keyboard").as_array().empty());
  // The rating's note in the topic waits for the group's next slot; the user's side did not.
  for (const auto& call : api_.of("sendMessage")) {
    EXPECT_EQ(std::string(call.params.at("text").as_string()).find("3/5 from the user"), std::string::npos);
  }
}

}  // namespace
}  // namespace topicdesk::relay
