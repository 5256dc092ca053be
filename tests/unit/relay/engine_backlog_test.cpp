// /backlog in General: what waits for a proxy connection's own program, by age and by dialog;
// /backlog drop answered drops only the updates of dialogs operators answered meanwhile, for
// those who may manage; wrong arguments get the usage; other connections say why it does not apply.
#include <gtest/gtest.h>

#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the relay tests' helpers

constexpr core::ChatId kDeskGroup = -1001234567890;  // a supergroup: topics have t.me/c links
constexpr core::UserId kCid = 1003;                  // wrote, but has no dialog yet
constexpr core::UnixMillis kMinute = 60'000;

ConnectionContext proxy_context(store::Store& store) {
  auto context = make_context(store, "shop", kBotId, kDeskGroup);
  context.proxy = true;
  return context;
}

class BacklogCommandTest : public EngineFixture {
 protected:
  BacklogCommandTest() : EngineFixture(&proxy_context) {}

  // While the program was away: Ann wrote twice and an operator answered her in her topic, Bob
  // wrote (no answer), Cid wrote (no dialog yet), and Ann pressed one of the program's buttons.
  void outage(Engine& e) {
    auto ann = open_dialog_of(e, kAnn, kThread);
    auto bob = open_dialog_of(e, kBob, kThread + 1);
    queue(1, kAnn, kT0);
    queue(2, kBob, kT0 + 1000);
    queue(3, kAnn, kT0 + 2000);
    queue(4, kCid, kT0 + 3000);
    store_->proxy_update_add(context_.id, store::ProxyUpdate{5, "callback_query", "{}", 0}, kT0 + 4000);
    e.handle(operator_message(kThread, 50, "We are on it", kDeskGroup), kT0 + 5 * kMinute);
    take_jobs(*store_);
  }

  void queue(std::int64_t update_id, core::ChatId chat, core::UnixMillis at) {
    store_->proxy_update_add(context_.id, store::ProxyUpdate{update_id, "message", "{}", chat}, at);
  }

  std::string general_answer(Engine& e, const std::string& text, core::UnixMillis at,
                             core::UserId from = kOperatorId) {
    auto message = operator_message(0, next_id_++, text, kDeskGroup);
    message.from.id = from;
    e.handle(message, at);
    auto said = texts_to(take_jobs(*store_), Side::kGroup);
    EXPECT_EQ(said.size(), 1u) << text;
    return said.empty() ? "" : said.front();
  }

  std::vector<std::int64_t> waiting() {
    std::vector<std::int64_t> out;
    for (const auto& u : store_->proxy_updates(context_.id, 0, 100)) out.push_back(u.update_id);
    return out;
  }

  core::MessageId next_id_ = 100;
};

TEST_F(BacklogCommandTest, ShowsTheBacklogByAgeAndByDialog) {
  auto& e = engine();
  outage(e);
  EXPECT_EQ(
      general_answer(e, "/backlog", kT0 + 2 * 60 * kMinute + 30'000),
      "📥 Waiting for shop's program: 5 updates, the oldest 2 h old.\n"
      "By age: 1 h to 1 day 5.\n"
      "By dialog, oldest first (4 updates in 3 dialogs; 2 updates answered meanwhile in 1 dialog):\n"
      "🟨 Ann Lee #1001: 2 updates, the oldest 2 h old, answered meanwhile https://t.me/c/1234567890/77\n"
      "🟪 Ann Lee #1002: 1 update, the oldest 2 h old https://t.me/c/1234567890/78\n"
      "#1003 (no dialog yet): 1 update, the oldest 2 h old\n"
      "Not of a dialog (button presses, my_chat_member …): 1 update.\n"
      "PROXY_BACKLOG = all: when the program comes back it gets everything, as from Telegram.\n"
      "/backlog drop answered drops the answered ones now.");
  EXPECT_EQ(waiting(), (std::vector<std::int64_t>{1, 2, 3, 4, 5})) << "showing drops nothing";
}

TEST_F(BacklogCommandTest, AgesAreCountedInBands) {
  auto& e = engine({{"PROXY_BACKLOG", "unanswered"}});
  queue(1, kAnn, kT0);
  queue(2, kAnn, kT0 + 2 * 60 * kMinute);
  queue(3, kAnn, kT0 + 2 * 60 * kMinute + 59 * kMinute);
  std::string answer = general_answer(e, "/backlog", kT0 + 3 * 60 * kMinute + 30 * kMinute);
  EXPECT_NE(answer.find("By age: 1 min to 1 h 1, 1 h to 1 day 2."), std::string::npos) << answer;
  EXPECT_NE(answer.find("PROXY_BACKLOG = unanswered"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("/backlog drop answered"), std::string::npos) << "nothing answered to drop";
}

TEST_F(BacklogCommandTest, DropAnsweredDropsOnlyTheAnsweredDialogsUpdates) {
  auto& e = engine();
  outage(e);
  EXPECT_EQ(general_answer(e, "/backlog drop answered", kT0 + 10 * kMinute),
            "📥 shop: dropped 2 updates of dialogs operators answered meanwhile; the program will not get "
            "them. The rest waits for it.");
  EXPECT_EQ(waiting(), (std::vector<std::int64_t>{2, 4, 5}));
  EXPECT_EQ(general_answer(e, "/BACKLOG  Drop Answered", kT0 + 11 * kMinute),
            "📥 shop: no waiting update is of a dialog answered meanwhile; nothing was dropped.");
  EXPECT_EQ(waiting(), (std::vector<std::int64_t>{2, 4, 5}));
}

TEST_F(BacklogCommandTest, DroppingNeedsTheRightToManageShowingDoesNot) {
  auto& e = engine({{"EXTENSIONS_ALLOWED", "12345"}});
  outage(e);
  std::string refused = general_answer(e, "/backlog drop answered", kT0 + 10 * kMinute);
  EXPECT_NE(refused.find("EXTENSIONS_ALLOWED"), std::string::npos) << refused;
  EXPECT_EQ(waiting(), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(general_answer(e, "/backlog", kT0 + 10 * kMinute).rfind("📥 Waiting for shop's program", 0), 0u);
  EXPECT_EQ(
      general_answer(e, "/backlog drop answered", kT0 + 10 * kMinute, 12345).rfind("📥 shop: dropped 2", 0),
      0u);
}

TEST_F(BacklogCommandTest, WrongArgumentsGetTheUsageAndDropNothing) {
  auto& e = engine();
  outage(e);
  for (const char* text :
       {"/backlog drop", "/backlog drop all", "/backlog answered", "/backlog now please"}) {
    EXPECT_EQ(general_answer(e, text, kT0 + 10 * kMinute), backlog_usage("en")) << text;
  }
  EXPECT_EQ(waiting(), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

TEST_F(BacklogCommandTest, AnEmptyQueueSaysTheProgramTookEverything) {
  auto& e = engine();
  EXPECT_EQ(general_answer(e, "/backlog", kT0),
            "📥 Nothing waits for shop's program: it has taken every update.");
}

TEST(BacklogNotProxy, OtherConnectionsSayWhyItDoesNotApply) {
  auto store = make_store();
  auto context = make_context(*store, "shop", kBotId, kDeskGroup);
  Engine e(*store, context);
  e.handle(operator_message(0, 100, "/backlog drop answered", kDeskGroup), kT0);
  auto said = texts_to(take_jobs(*store), Side::kGroup);
  ASSERT_EQ(said.size(), 1u);
  EXPECT_EQ(said[0], backlog_not_applicable("en", "shop", false));
  EXPECT_NE(said[0].find("does not apply to shop"), std::string::npos);
  EXPECT_NE(said[0].find("mode = \"proxy\""), std::string::npos);
}

}  // namespace
}  // namespace topicdesk::relay
