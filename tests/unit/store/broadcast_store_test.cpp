// The Store contract, BroadcastStore: broadcasts and the durable state of each recipient.
// Every backend must pass it unchanged (store_backends.h).
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::StoreContract;

class BroadcastStoreContract : public StoreContract {
 protected:
  Broadcast created(BroadcastState state = BroadcastState::kConfirming) {
    Broadcast b;
    b.connection_id = conn_;
    b.creator_id = 900;
    b.from_chat_id = test_support::kGroup;
    b.message_ids = {17, 18};
    b.recipients = "all";
    b.state = state;
    b.created_at = 1000;
    b.id = store_->add_broadcast(b);
    return b;
  }
};

TEST_P(BroadcastStoreContract, ABroadcastIsKeptAsWritten) {
  auto b = created();
  auto read = store_->broadcast(b.id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->connection_id, conn_);
  EXPECT_EQ(read->creator_id, 900);
  EXPECT_EQ(read->message_ids, (std::vector<MessageId>{17, 18}));
  EXPECT_EQ(read->recipients, "all");
  EXPECT_EQ(read->state, BroadcastState::kConfirming);
  b.state = BroadcastState::kDone;
  b.progress_message_id = 55;
  b.report = "user_id,name\n";
  b.finished_at = 2000;
  store_->update_broadcast(b);
  read = store_->broadcast(b.id);
  EXPECT_EQ(read->state, BroadcastState::kDone);
  EXPECT_EQ(read->progress_message_id, 55);
  EXPECT_EQ(read->report, "user_id,name\n");
  EXPECT_EQ(read->finished_at, 2000);
  EXPECT_FALSE(store_->broadcast(b.id + 100));
}

TEST_P(BroadcastStoreContract, ATemplateBroadcastKeepsItsTemplateName) {
  auto copy = created();
  Broadcast b;
  b.connection_id = conn_;
  b.template_name = "Greet";
  b.recipients = "segment vip";
  b.created_at = 1000;
  b.id = store_->add_broadcast(b);
  auto read = store_->broadcast(b.id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->template_name, "Greet");
  EXPECT_TRUE(read->message_ids.empty());
  EXPECT_EQ(store_->broadcast(copy.id)->template_name, "");  // a copy of messages has none
  read->template_name = "Promo";
  read->state = BroadcastState::kRunning;
  store_->update_broadcast(*read);
  EXPECT_EQ(store_->broadcast(b.id)->template_name, "Promo");
  EXPECT_EQ(store_->broadcasts_in_states({BroadcastState::kRunning}).at(0).template_name, "Promo");
}

TEST_P(BroadcastStoreContract, BroadcastsAreFoundByStateAndConnection) {
  auto a = created(BroadcastState::kRunning);
  created(BroadcastState::kDone);
  auto c = created(BroadcastState::kScheduled);
  auto found = store_->broadcasts_in_states({BroadcastState::kScheduled, BroadcastState::kRunning});
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].id, a.id);
  EXPECT_EQ(found[1].id, c.id);
  auto newest = store_->broadcasts_of(conn_, 2);
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0].id, c.id);
}

TEST_P(BroadcastStoreContract, AllTakesEveryDialogUserButBlockedAndBanned) {
  for (UserId u : {41, 42, 43, 44}) store_->create_dialog(conn_, u, test_support::kGroup, 1);
  auto blocked = *store_->dialog_by_user(conn_, 42);
  blocked.user_blocked_bot = true;
  store_->update_dialog(blocked);
  auto banned = *store_->dialog_by_user(conn_, 43);
  banned.banned = true;
  store_->update_dialog(banned);
  auto b = created();
  EXPECT_EQ(store_->add_broadcast_recipients_all(b.id, conn_), 2);
  auto rows = store_->broadcast_recipients(b.id, std::nullopt, 0, 10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].user_id, 41);
  EXPECT_EQ(rows[1].user_id, 44);
  EXPECT_EQ(rows[0].state, RecipientState::kPending);
}

TEST_P(BroadcastStoreContract, ARecipientIsListedOnce) {
  auto b = created();
  EXPECT_EQ(store_->add_broadcast_recipients(b.id, {5, 6, 5}), 2);
  EXPECT_EQ(store_->add_broadcast_recipients(b.id, {6, 7}, RecipientState::kSkipped, "unknown"), 1);
  auto counts = store_->broadcast_counts(b.id);
  EXPECT_EQ(counts.pending, 2);
  EXPECT_EQ(counts.skipped, 1);
  EXPECT_EQ(counts.total(), 3);
}

TEST_P(BroadcastStoreContract, AClaimTakesPendingRecipientsOnceEach) {
  auto b = created();
  store_->add_broadcast_recipients(b.id, {1, 2, 3, 4, 5});
  auto first = store_->claim_broadcast_recipients(b.id, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].user_id, 1);
  EXPECT_EQ(first[1].user_id, 2);
  EXPECT_EQ(first[0].state, RecipientState::kSending);
  EXPECT_EQ(first[0].attempts, 1);
  auto second = store_->claim_broadcast_recipients(b.id, 10);
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(second[0].user_id, 3);
  EXPECT_TRUE(store_->claim_broadcast_recipients(b.id, 10).empty());
  EXPECT_EQ(store_->broadcast_counts(b.id).sending, 5);
}

TEST_P(BroadcastStoreContract, AnOutcomeIsRecordedAndCounted) {
  auto b = created();
  store_->add_broadcast_recipients(b.id, {1, 2, 3});
  auto claimed = store_->claim_broadcast_recipients(b.id, 3);
  claimed[0].state = RecipientState::kSent;
  claimed[0].message_ids = {900, 901};
  claimed[0].sent_at = 5000;
  store_->finish_broadcast_recipient(claimed[0]);
  claimed[1].state = RecipientState::kBlocked;
  claimed[1].error = "Forbidden: bot was blocked by the user";
  store_->finish_broadcast_recipient(claimed[1]);
  auto sent = store_->broadcast_recipients(b.id, RecipientState::kSent, 0, 10);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].message_ids, (std::vector<MessageId>{900, 901}));
  EXPECT_EQ(sent[0].sent_at, 5000);
  EXPECT_EQ(sent[0].attempts, 1);
  auto counts = store_->broadcast_counts(b.id);
  EXPECT_EQ(counts.sent, 1);
  EXPECT_EQ(counts.blocked, 1);
  EXPECT_EQ(counts.sending, 1);
  EXPECT_EQ(store_->broadcast_sends_since(conn_, 5000), 1);
  EXPECT_EQ(store_->broadcast_sends_since(conn_, 5001), 0);
}

TEST_P(BroadcastStoreContract, ACancelSkipsOnlyThePending) {
  auto b = created();
  store_->add_broadcast_recipients(b.id, {1, 2, 3});
  store_->claim_broadcast_recipients(b.id, 1);
  EXPECT_EQ(store_->skip_pending_broadcast_recipients(b.id, "cancelled"), 2);
  auto counts = store_->broadcast_counts(b.id);
  EXPECT_EQ(counts.skipped, 2);
  EXPECT_EQ(counts.sending, 1);
  auto skipped = store_->broadcast_recipients(b.id, RecipientState::kSkipped, 0, 10);
  EXPECT_EQ(skipped[0].error, "cancelled");
}

TEST_P(BroadcastStoreContract, RecipientsArePagedInUserOrder) {
  auto b = created();
  store_->add_broadcast_recipients(b.id, {30, 10, 20});
  auto page = store_->broadcast_recipients(b.id, std::nullopt, 10, 1);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].user_id, 20);
}

TD_STORE_CONTRACT_SUITE(BroadcastStoreContract);

}  // namespace
}  // namespace topicdesk::store
