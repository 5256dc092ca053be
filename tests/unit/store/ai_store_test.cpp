// The Store contract, AiStore: knowledge passages replaced whole and found by full-text search
// (SQLite FTS5, PostgreSQL tsvector: the same answers), tokens a day, dialogs' /ai state, and the
// AI requests' claims and cancels. Every backend must pass it unchanged (store_backends.h).
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::StoreContract;

class AiStoreContract : public StoreContract {
 protected:
  KnowledgePassage passage(std::string source, std::string heading, std::string text) {
    KnowledgePassage p;
    p.source = std::move(source);
    p.heading = std::move(heading);
    p.text = std::move(text);
    return p;
  }
  std::vector<KnowledgePassage> shop() {
    return {passage("delivery.md", "Delivery",
                    "We deliver across Germany in 2-3 working days. Parcels abroad take a week."),
            passage("delivery.md", "Delivery › Costs",
                    "Delivery is free from 50 euro; below it costs 4.90 euro."),
            passage("returns.md", "Returns", "You may return any item within 30 days for a full refund."),
            passage("hours.md", "Часы работы", "Мы работаем с понедельника по пятницу, с 9 до 18 часов.")};
  }
  AiRequest request(DialogId dialog, AiRequestKind kind, UnixMillis due) {
    AiRequest r;
    r.connection_id = conn_;
    r.dialog_id = dialog;
    r.kind = kind;
    r.question = "How long does delivery take?";
    r.language = "de";
    r.due_at = due;
    r.created_at = 10;
    r.updated_at = 10;
    return r;
  }
};

TEST_P(AiStoreContract, KnowledgeIsFoundByAnyOfTheQuestionsWordsBestFirst) {
  store_->replace_knowledge(conn_, shop());
  EXPECT_EQ(store_->knowledge_count(conn_), 4);
  auto found = store_->search_knowledge(conn_, "How much does delivery cost?", 3);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].heading, "Delivery › Costs") << "two of its words match";
  EXPECT_EQ(found[0].source, "delivery.md");
  EXPECT_EQ(found[0].connection_id, conn_);
  for (const auto& p : found) EXPECT_NE(p.source, "returns.md");

  auto refund = store_->search_knowledge(conn_, "REFUND please!", 3);
  ASSERT_EQ(refund.size(), 1u);
  EXPECT_EQ(refund[0].source, "returns.md");
  auto cyrillic = store_->search_knowledge(conn_, "когда вы работаете? понедельника", 3);
  ASSERT_EQ(cyrillic.size(), 1u);
  EXPECT_EQ(cyrillic[0].source, "hours.md");
}

TEST_P(AiStoreContract, AQuestionWithoutAMatchingWordFindsNothing) {
  store_->replace_knowledge(conn_, shop());
  EXPECT_TRUE(store_->search_knowledge(conn_, "hello there", 3).empty());
  EXPECT_TRUE(store_->search_knowledge(conn_, "?!", 3).empty());
  EXPECT_TRUE(store_->search_knowledge(conn_, "", 3).empty());
  // Query syntax is text, never an operator.
  EXPECT_TRUE(store_->search_knowledge(conn_, "NOT AND OR \" * ( ) : ^", 3).empty());
  EXPECT_EQ(store_->search_knowledge(conn_, "delivery\" OR \"x", 5).size(), 2u);
}

TEST_P(AiStoreContract, KnowledgeIsReplacedWholeAndKeptPerConnection) {
  const auto other = store_->ensure_connection("other", 2, test_support::kGroup);
  store_->replace_knowledge(conn_, shop());
  store_->replace_knowledge(other, {passage("faq.md", "", "Delivery by drone only.")});
  EXPECT_EQ(store_->search_knowledge(other, "delivery", 5).size(), 1u);
  EXPECT_EQ(store_->search_knowledge(conn_, "delivery", 5).size(), 2u);
  store_->replace_knowledge(conn_, {passage("new.md", "New", "Returns are no longer accepted.")});
  EXPECT_TRUE(store_->search_knowledge(conn_, "delivery", 5).empty()) << "the old passages are gone";
  EXPECT_EQ(store_->search_knowledge(conn_, "returns", 5).size(), 1u);
  EXPECT_EQ(store_->knowledge_count(conn_), 1);
  EXPECT_EQ(store_->knowledge_count(other), 1);
}

TEST_P(AiStoreContract, UsageAddsUpPerDay) {
  EXPECT_EQ(store_->ai_usage(conn_, 20000), 0);
  store_->add_ai_usage(conn_, 20000, 120);
  store_->add_ai_usage(conn_, 20000, 30);
  store_->add_ai_usage(conn_, 20001, 7);
  EXPECT_EQ(store_->ai_usage(conn_, 20000), 150);
  EXPECT_EQ(store_->ai_usage(conn_, 20001), 7);
}

TEST_P(AiStoreContract, ADialogsStateIsKept) {
  auto dialog = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  EXPECT_EQ(store_->ai_dialog_state(dialog.id).override_mode, "");
  EXPECT_FALSE(store_->ai_dialog_state(dialog.id).quiet);
  store_->set_ai_dialog_state(dialog.id, {.override_mode = "off", .quiet = true});
  EXPECT_EQ(store_->ai_dialog_state(dialog.id).override_mode, "off");
  EXPECT_TRUE(store_->ai_dialog_state(dialog.id).quiet);
  store_->set_ai_dialog_state(dialog.id, {.override_mode = "on", .quiet = false});
  EXPECT_EQ(store_->ai_dialog_state(dialog.id).override_mode, "on");
  EXPECT_FALSE(store_->ai_dialog_state(dialog.id).quiet);
}

TEST_P(AiStoreContract, RequestsAreClaimedWhenDueOnceAndAgainWhenTheClaimExpires) {
  auto dialog = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  const auto now_id = store_->add_ai_request(request(dialog.id, AiRequestKind::kDraft, 100));
  const auto later_id = store_->add_ai_request(request(dialog.id, AiRequestKind::kAuto, 5000));
  auto read = store_->ai_request(now_id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->kind, AiRequestKind::kDraft);
  EXPECT_EQ(read->question, "How long does delivery take?");
  EXPECT_EQ(read->language, "de");
  EXPECT_EQ(read->status, AiRequestStatus::kPending);

  EXPECT_TRUE(store_->claim_ai_requests({conn_ + 1000}, 200, 1200, 5).empty()) << "another connection's";
  auto claimed = store_->claim_ai_requests({conn_}, 200, 1200, 5);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, now_id);
  EXPECT_EQ(claimed[0].status, AiRequestStatus::kRunning);
  EXPECT_TRUE(store_->claim_ai_requests({conn_}, 300, 1300, 5).empty()) << "claimed";
  auto again = store_->claim_ai_requests({conn_}, 1200, 10000, 5);
  ASSERT_EQ(again.size(), 1u) << "the claim expired (a desk died mid-call)";
  EXPECT_EQ(again[0].id, now_id);
  auto due = store_->claim_ai_requests({conn_}, 6000, 7000, 5);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, later_id);

  auto r = *store_->ai_request(now_id);
  r.status = AiRequestStatus::kDraft;
  r.answer = "Two to three days.";
  store_->update_ai_request(r);
  EXPECT_EQ(store_->ai_request(now_id)->answer, "Two to three days.");
  EXPECT_EQ(store_->ai_request(now_id)->status, AiRequestStatus::kDraft);
  auto later = *store_->ai_request(later_id);
  later.status = AiRequestStatus::kDone;
  store_->update_ai_request(later);
  EXPECT_TRUE(store_->claim_ai_requests({conn_}, 99999, 100000, 5).empty()) << "a draft is not asked again";
}

TEST_P(AiStoreContract, CancelsTouchOnlyTheDialogsWaitingRequestsOfTheKind) {
  auto dialog = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  auto other = store_->create_dialog(conn_, 43, test_support::kGroup, 1);
  const auto a = store_->add_ai_request(request(dialog.id, AiRequestKind::kAuto, 100));
  const auto b = store_->add_ai_request(request(dialog.id, AiRequestKind::kDraft, 100));
  const auto c = store_->add_ai_request(request(other.id, AiRequestKind::kAuto, 100));
  EXPECT_EQ(store_->cancel_ai_requests(dialog.id, AiRequestKind::kAuto, 50), 1);
  EXPECT_EQ(store_->ai_request(a)->status, AiRequestStatus::kCancelled);
  EXPECT_EQ(store_->ai_request(b)->status, AiRequestStatus::kPending);
  EXPECT_EQ(store_->ai_request(c)->status, AiRequestStatus::kPending);
  EXPECT_EQ(store_->cancel_ai_requests(dialog.id, AiRequestKind::kAuto, 60), 0);
}

TEST_P(AiStoreContract, RecentHistoryIsTheNewestTextsOldestFirst) {
  auto dialog = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  for (int i = 1; i <= 5; ++i) {
    HistoryEntry e;
    e.connection_id = conn_;
    e.dialog_id = dialog.id;
    e.author = i % 2 == 1 ? HistoryAuthor::kUser : HistoryAuthor::kOperator;
    e.sender_name = i % 2 == 1 ? "" : "Anna";
    e.content = "text";
    e.text = "message " + std::to_string(i);
    e.at = i * 1000;
    store_->add_history(e);
  }
  auto recent = store_->recent_dialog_history(dialog.id, 3);
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0].text, "message 3");
  EXPECT_EQ(recent[2].text, "message 5");
  EXPECT_EQ(recent[1].author, HistoryAuthor::kOperator);
  EXPECT_EQ(recent[1].sender_name, "Anna");
}

TD_STORE_CONTRACT_SUITE(AiStoreContract);

}  // namespace
}  // namespace topicdesk::store
