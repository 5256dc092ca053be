// The Store contract, ProxyStore: the bot's program's update queue and webhook.
// Every backend must pass it unchanged (store_backends.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::kGroup;
using test_support::kOtherGroup;
using test_support::StoreContract;
using ::testing::ElementsAre;

class ProxyStoreContract : public StoreContract {};

TEST_P(ProxyStoreContract, ProxyUpdatesTheProgramNeverFetchedExpire) {
  store_->proxy_update_add(conn_, ProxyUpdate{10, "message", "{}"}, 1000);
  store_->proxy_update_add(conn_, ProxyUpdate{11, "message", "{}"}, 5000);
  EXPECT_EQ(store_->proxy_backlog(conn_).count, 2);
  EXPECT_EQ(store_->proxy_backlog(conn_).oldest, 1000);
  EXPECT_EQ(store_->proxy_expire(1000), 0);
  EXPECT_EQ(store_->proxy_expire(3000), 1);
  auto left = store_->proxy_updates(conn_, 0, 10);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].update_id, 11);
  store_->proxy_confirm(conn_, 12);
  EXPECT_EQ(store_->proxy_backlog(conn_).count, 0);
  EXPECT_EQ(store_->proxy_backlog(conn_).oldest, 0);
}

TEST_P(ProxyStoreContract, DuplicatesAreRefusedAndReadsStartAtAnId) {
  EXPECT_TRUE(store_->proxy_update_add(conn_, ProxyUpdate{10, "message", "a"}, 1));
  EXPECT_FALSE(store_->proxy_update_add(conn_, ProxyUpdate{10, "message", "again"}, 2));
  store_->proxy_update_add(conn_, ProxyUpdate{11, "callback_query", "b"}, 3);
  auto from11 = store_->proxy_updates(conn_, 11, 10);
  ASSERT_EQ(from11.size(), 1u);
  EXPECT_EQ(from11[0].kind, "callback_query");
  EXPECT_EQ(from11[0].payload, "b");
  EXPECT_EQ(store_->proxy_updates(conn_, 0, 10)[0].payload, "a");
}

TEST_P(ProxyStoreContract, TheProgramsWebhookIsSetReplacedAndDeleted) {
  EXPECT_FALSE(store_->proxy_webhook(conn_));
  store_->proxy_set_webhook(conn_, ProxyWebhook{"https://bot/hook", "s3cret", R"(["message"])", 10, 0, ""});
  store_->proxy_set_webhook(conn_, ProxyWebhook{"https://bot/hook2", "s3cret", "", 40, 50, "HTTP 500"});
  auto hook = store_->proxy_webhook(conn_);
  ASSERT_TRUE(hook);
  EXPECT_EQ(hook->url, "https://bot/hook2");
  EXPECT_EQ(hook->max_connections, 40);
  EXPECT_EQ(hook->last_error_at, 50);
  EXPECT_EQ(hook->last_error, "HTTP 500");
  store_->proxy_set_webhook(conn_, std::nullopt);
  EXPECT_FALSE(store_->proxy_webhook(conn_));
}

// Three users wrote while the program was away (updates queued at 1000..1200); an operator
// answered Ann at 1500. A callback query of Ann's and Ann's message after the answer stay, Bob
// (no answer) and Cid (no dialog yet) stay; another connection's answered update is untouched.
class ProxyBacklogContract : public ProxyStoreContract {
 protected:
  static constexpr ChatId kAnn = 501, kBob = 502, kCid = 503;

  void SetUp() override {
    ProxyStoreContract::SetUp();
    add(1, kAnn, 1000);
    add(2, kBob, 1100);
    add(3, kCid, 1200);
    store_->proxy_update_add(conn_, ProxyUpdate{4, "callback_query", "{}", 0}, 1300);
    add(5, kAnn, 1400);
    add(6, kAnn, 1600);  // after the answer
    auto ann = store_->create_dialog(conn_, kAnn, kGroup, 900);
    ann.last_operator_reply_at = 1500;
    store_->update_dialog(ann);
    auto bob = store_->create_dialog(conn_, kBob, kGroup, 900);
    bob.last_operator_reply_at = 800;  // answered before Bob wrote again: not an answer to it
    store_->update_dialog(bob);
    other_ = store_->ensure_connection("other", 222, kOtherGroup);
    store_->proxy_update_add(other_, ProxyUpdate{1, "message", "{}", kAnn}, 1000);
    auto other_ann = store_->create_dialog(other_, kAnn, kOtherGroup, 900);
    other_ann.last_operator_reply_at = 1500;
    store_->update_dialog(other_ann);
  }

  void add(std::int64_t update_id, ChatId chat, UnixMillis at) {
    store_->proxy_update_add(conn_, ProxyUpdate{update_id, "message", "{}", chat}, at);
  }

  std::vector<std::int64_t> waiting_ids(ConnectionId id) {
    std::vector<std::int64_t> out;
    for (const auto& u : store_->proxy_updates(id, 0, 100)) out.push_back(u.update_id);
    return out;
  }

  ConnectionId other_ = 0;
};

TEST_P(ProxyBacklogContract, UpdatesKeepTheirDialogChat) {
  auto updates = store_->proxy_updates(conn_, 0, 100);
  ASSERT_EQ(updates.size(), 6u);
  EXPECT_EQ(updates[0].dialog_chat, kAnn);
  EXPECT_EQ(updates[3].dialog_chat, 0);
}

TEST_P(ProxyBacklogContract, TheBacklogIsCountedByAgeAndByDialog) {
  EXPECT_THAT(store_->proxy_backlog_older(conn_, {1000, 1150, 2000}), ElementsAre(0, 2, 6));
  auto dialogs = store_->proxy_backlog_dialogs(conn_, 10);
  ASSERT_EQ(dialogs.size(), 3u);  // the callback query is no dialog's
  EXPECT_EQ(dialogs[0].chat_id, kAnn);
  EXPECT_EQ(dialogs[0].count, 3);
  EXPECT_EQ(dialogs[0].oldest, 1000);
  EXPECT_EQ(dialogs[0].answered, 2);
  EXPECT_NE(dialogs[0].dialog_id, 0);
  EXPECT_EQ(dialogs[0].answered_at, 1500);
  EXPECT_EQ(dialogs[1].chat_id, kBob);
  EXPECT_EQ(dialogs[1].answered, 0);
  EXPECT_EQ(dialogs[2].chat_id, kCid);
  EXPECT_EQ(dialogs[2].dialog_id, 0);
  EXPECT_EQ(dialogs[2].answered, 0);
  EXPECT_EQ(store_->proxy_backlog_dialogs(conn_, 1).size(), 1u);
  auto totals = store_->proxy_backlog_totals(conn_);
  EXPECT_EQ(totals.updates, 5);
  EXPECT_EQ(totals.dialogs, 3);
  EXPECT_EQ(totals.answered, 2);
  EXPECT_EQ(totals.answered_dialogs, 1);
}

TEST_P(ProxyBacklogContract, DroppingAnsweredLeavesEverythingElse) {
  EXPECT_EQ(store_->proxy_drop_answered(conn_), 2);
  EXPECT_THAT(waiting_ids(conn_), ElementsAre(2, 3, 4, 6));
  EXPECT_THAT(waiting_ids(other_), ElementsAre(1));
  EXPECT_EQ(store_->proxy_drop_answered(conn_), 0);
  EXPECT_EQ(store_->proxy_backlog_totals(conn_).answered, 0);
  EXPECT_EQ(store_->proxy_backlog_totals(conn_).updates, 3);
}

TD_STORE_CONTRACT_SUITE(ProxyStoreContract);
TD_STORE_CONTRACT_SUITE(ProxyBacklogContract);

}  // namespace
}  // namespace topicdesk::store
