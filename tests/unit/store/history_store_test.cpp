// The Store contract, HistoryStore: messages recorded as they pass, read back by dialog and by
// connection, edited, searched and purged. Every backend must pass it unchanged
// (store_backends.h).
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::StoreContract;

class HistoryStoreContract : public StoreContract {
 protected:
  void SetUp() override {
    StoreContract::SetUp();
    if (IsSkipped()) return;
    other_conn_ = store_->ensure_connection("sales", 222, test_support::kOtherGroup);
    dialog_ = store_->create_dialog(conn_, 42, test_support::kGroup, 1).id;
    other_dialog_ = store_->create_dialog(conn_, 43, test_support::kGroup, 1).id;
    sales_dialog_ = store_->create_dialog(other_conn_, 42, test_support::kOtherGroup, 1).id;
  }

  HistoryEntry entry(DialogId dialog, HistoryAuthor author, const std::string& text, MessageId message_id = 0,
                     UnixMillis at = 1000) {
    HistoryEntry e;
    e.connection_id = dialog == sales_dialog_ ? other_conn_ : conn_;
    e.dialog_id = dialog;
    e.author = author;
    e.sender_id = author == HistoryAuthor::kUser ? 42 : 900;
    e.sender_name = author == HistoryAuthor::kUser ? "Ann" : "Oleg";
    e.message_id = message_id;
    e.content = "text";
    e.text = text;
    e.at = at;
    return e;
  }

  std::int64_t add(DialogId dialog, HistoryAuthor author, const std::string& text, MessageId message_id = 0,
                   UnixMillis at = 1000) {
    return store_->add_history(entry(dialog, author, text, message_id, at));
  }

  static HistoryQuery query(std::string text, std::optional<ConnectionId> connection = std::nullopt,
                            std::optional<DialogId> dialog = std::nullopt, UnixMillis from = 0,
                            UnixMillis to = 0) {
    HistoryQuery q;
    q.text = std::move(text);
    q.connection = connection;
    q.dialog = dialog;
    q.from = from;
    q.to = to;
    return q;
  }

  std::vector<std::string> texts(const HistoryQuery& q) {
    std::vector<std::string> out;
    for (const auto& e : store_->search_history(q)) out.push_back(e.text);
    return out;
  }
  std::vector<std::string> texts(std::string text) { return texts(query(std::move(text))); }

  ConnectionId other_conn_ = 0;
  DialogId dialog_ = 0, other_dialog_ = 0, sales_dialog_ = 0;
};

TEST_P(HistoryStoreContract, AnEntryIsReadBackWithAllItsContent) {
  HistoryEntry e = entry(dialog_, HistoryAuthor::kUser, "Привет, a photo ✨", 77, 1'790'000'000'000);
  e.content = "photo";
  e.entities_json = R"([{"type":"bold","offset":0,"length":6}])";
  e.file_id = "AgACAgIAAxkBAAIB";
  e.media_group_id = "1357";
  e.reply_to = 70;
  e.sender_name = "Ann 'O'Neil";
  const auto id = store_->add_history(e);
  EXPECT_GT(id, 0);
  if (GetParam().persistent) reopen();
  const auto read = store_->dialog_history(dialog_, 0, 10);
  ASSERT_EQ(read.size(), 1u);
  const auto& r = read[0];
  EXPECT_EQ(r.id, id);
  EXPECT_EQ(r.connection_id, conn_);
  EXPECT_EQ(r.dialog_id, dialog_);
  EXPECT_EQ(r.author, HistoryAuthor::kUser);
  EXPECT_EQ(r.sender_id, 42);
  EXPECT_EQ(r.sender_name, "Ann 'O'Neil");
  EXPECT_EQ(r.message_id, 77);
  EXPECT_EQ(r.content, "photo");
  EXPECT_EQ(r.text, "Привет, a photo ✨");
  EXPECT_EQ(r.entities_json, R"([{"type":"bold","offset":0,"length":6}])");
  EXPECT_EQ(r.file_id, "AgACAgIAAxkBAAIB");
  EXPECT_EQ(r.media_group_id, "1357");
  EXPECT_EQ(r.reply_to, 70);
  EXPECT_EQ(r.at, 1'790'000'000'000);
  EXPECT_EQ(r.edited_at, 0);
  EXPECT_EQ(r.edits, 0);
}

TEST_P(HistoryStoreContract, EveryAuthorIsKept) {
  for (auto author :
       {HistoryAuthor::kUser, HistoryAuthor::kOperator, HistoryAuthor::kComment, HistoryAuthor::kIntercepted,
        HistoryAuthor::kApi, HistoryAuthor::kDesk, HistoryAuthor::kNotice}) {
    add(dialog_, author, std::string(to_string(author)));
    EXPECT_EQ(history_author_from(to_string(author)), author);
  }
  EXPECT_FALSE(history_author_from("robot"));
  const auto read = store_->dialog_history(dialog_, 0, 10);
  ASSERT_EQ(read.size(), 7u);
  for (const auto& e : read) EXPECT_EQ(to_string(e.author), e.text);
}

TEST_P(HistoryStoreContract, ADialogAndAConnectionAreReadInIdOrderPageByPage) {
  const auto a = add(dialog_, HistoryAuthor::kUser, "one");
  add(sales_dialog_, HistoryAuthor::kUser, "elsewhere");
  const auto b = add(other_dialog_, HistoryAuthor::kUser, "two");
  const auto c = add(dialog_, HistoryAuthor::kOperator, "three");
  const auto d = add(dialog_, HistoryAuthor::kUser, "four");

  auto page = store_->dialog_history(dialog_, 0, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id, a);
  EXPECT_EQ(page[1].id, c);
  page = store_->dialog_history(dialog_, c, 2);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, d);
  EXPECT_TRUE(store_->dialog_history(dialog_, d, 2).empty());

  std::vector<std::int64_t> ids;
  for (const auto& e : store_->connection_history(conn_, 0, 10)) ids.push_back(e.id);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{a, b, c, d}));
  ids.clear();
  for (const auto& e : store_->connection_history(conn_, b, 10)) ids.push_back(e.id);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{c, d}));
  EXPECT_EQ(store_->connection_history(other_conn_, 0, 10).size(), 1u);
}

TEST_P(HistoryStoreContract, AnEditChangesTheNewestEntryOfItsSide) {
  add(dialog_, HistoryAuthor::kUser, "user 5", 5);
  add(dialog_, HistoryAuthor::kOperator, "operator 5", 5);  // group message 5: the other side
  add(other_dialog_, HistoryAuthor::kUser, "other dialog 5", 5);

  EXPECT_TRUE(store_->edit_history(dialog_, false, 5, "user 5, fixed", R"([{"type":"italic"}])", 2000));
  EXPECT_TRUE(store_->edit_history(dialog_, false, 5, "user 5, fixed again", "", 3000));
  EXPECT_TRUE(store_->edit_history(dialog_, true, 5, "operator 5, fixed", "", 2500));
  EXPECT_FALSE(store_->edit_history(dialog_, false, 6, "no such message", "", 2000));
  EXPECT_FALSE(store_->edit_history(dialog_, false, 0, "no id", "", 2000));

  const auto read = store_->dialog_history(dialog_, 0, 10);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].text, "user 5, fixed again");
  EXPECT_EQ(read[0].entities_json, "");
  EXPECT_EQ(read[0].edited_at, 3000);
  EXPECT_EQ(read[0].edits, 2);
  EXPECT_EQ(read[0].at, 1000);
  EXPECT_EQ(read[1].text, "operator 5, fixed");
  EXPECT_EQ(read[1].edits, 1);
  EXPECT_EQ(store_->dialog_history(other_dialog_, 0, 10)[0].text, "other dialog 5");
  // The edited text is what search finds.
  EXPECT_EQ(texts("again"), (std::vector<std::string>{"user 5, fixed again"}));
}

TEST_P(HistoryStoreContract, AnEditFindsInterceptedAndCommentEntriesOnTheirSide) {
  add(dialog_, HistoryAuthor::kIntercepted, "from the CRM", 9);
  add(dialog_, HistoryAuthor::kComment, "internal", 9);
  add(dialog_, HistoryAuthor::kDesk, "welcome", 0);
  EXPECT_TRUE(store_->edit_history(dialog_, false, 9, "from the CRM, edited", "", 2000));
  EXPECT_TRUE(store_->edit_history(dialog_, true, 9, "internal, edited", "", 2000));
  const auto read = store_->dialog_history(dialog_, 0, 10);
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read[0].text, "from the CRM, edited");
  EXPECT_EQ(read[1].text, "internal, edited");
  EXPECT_EQ(read[2].edits, 0);
}

TEST_P(HistoryStoreContract, SearchNeedsEveryTermInAnyCaseNewestFirst) {
  add(dialog_, HistoryAuthor::kUser, "My ORDER 1234 has not arrived");
  add(dialog_, HistoryAuthor::kOperator, "Which order? Send its number please");
  add(dialog_, HistoryAuthor::kUser, "Заказ 1234 не пришёл");
  add(other_dialog_, HistoryAuthor::kUser, "the order arrived, thanks");

  EXPECT_EQ(texts("order"),
            (std::vector<std::string>{"the order arrived, thanks", "Which order? Send its number please",
                                      "My ORDER 1234 has not arrived"}));
  EXPECT_EQ(texts("  Order   ARRIVED "),
            (std::vector<std::string>{"the order arrived, thanks", "My ORDER 1234 has not arrived"}));
  EXPECT_EQ(texts("ЗАКАЗ пришёл"), (std::vector<std::string>{"Заказ 1234 не пришёл"}));
  EXPECT_EQ(texts("1234").size(), 2u);
  EXPECT_TRUE(texts("order refund").empty());
  EXPECT_EQ(texts("").size(), 4u) << "no text: every entry";
  // More terms than the statement matches itself: the rest are checked too.
  EXPECT_EQ(texts("my order 1234 has not arrived"),
            (std::vector<std::string>{"My ORDER 1234 has not arrived"}));
  EXPECT_TRUE(texts("my order 1234 has not arrived today").empty());
}

TEST_P(HistoryStoreContract, SearchTakesPercentUnderscoreAndBackslashLiterally) {
  add(dialog_, HistoryAuthor::kUser, "a discount of 50% off");
  add(dialog_, HistoryAuthor::kUser, "a discount of 50 euros");
  add(dialog_, HistoryAuthor::kUser, "file my_report.pdf");
  add(dialog_, HistoryAuthor::kUser, "file myxreport.pdf");
  add(dialog_, HistoryAuthor::kUser, R"(path C:\temp)");
  add(dialog_, HistoryAuthor::kUser, "path C:temp");

  EXPECT_EQ(texts("50%"), (std::vector<std::string>{"a discount of 50% off"}));
  EXPECT_EQ(texts("my_report"), (std::vector<std::string>{"file my_report.pdf"}));
  EXPECT_EQ(texts(R"(c:\temp)"), (std::vector<std::string>{R"(path C:\temp)"}));
  EXPECT_TRUE(texts("%").size() == 1u);
  EXPECT_TRUE(texts("_").size() == 1u);
}

TEST_P(HistoryStoreContract, SearchKeepsToItsConnectionDialogAndTimes) {
  add(dialog_, HistoryAuthor::kUser, "refund please", 0, 1000);
  add(other_dialog_, HistoryAuthor::kUser, "refund now", 0, 2000);
  add(sales_dialog_, HistoryAuthor::kUser, "refund sales", 0, 3000);

  EXPECT_EQ(texts(query("refund", other_conn_)), (std::vector<std::string>{"refund sales"}));
  EXPECT_EQ(texts(query("refund", conn_)), (std::vector<std::string>{"refund now", "refund please"}));
  EXPECT_EQ(texts(query("refund", std::nullopt, other_dialog_)), (std::vector<std::string>{"refund now"}));
  EXPECT_TRUE(texts(query("refund", other_conn_, dialog_)).empty()) << "a dialog of another connection";
  EXPECT_EQ(texts(query("refund", std::nullopt, std::nullopt, 2000)),
            (std::vector<std::string>{"refund sales", "refund now"}));
  EXPECT_EQ(texts(query("refund", std::nullopt, std::nullopt, 1000, 3000)),
            (std::vector<std::string>{"refund now", "refund please"}));
}

TEST_P(HistoryStoreContract, SearchPagesByBeforeId) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 7; ++i) ids.push_back(add(dialog_, HistoryAuthor::kUser, "hello " + std::to_string(i)));
  add(dialog_, HistoryAuthor::kUser, "something else");
  HistoryQuery q = query("hello");
  q.limit = 3;
  auto page = store_->search_history(q);
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].id, ids[6]);
  EXPECT_EQ(page[2].id, ids[4]);
  q.before_id = page.back().id;
  page = store_->search_history(q);
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].id, ids[3]);
  q.before_id = page.back().id;
  page = store_->search_history(q);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, ids[0]);
  // Paging with terms checked beyond the statement's own.
  HistoryQuery many = query("h e l l o 1 x");
  many.limit = 1;
  EXPECT_TRUE(store_->search_history(many).empty());
  many.text = "h e l l o 1 o";
  page = store_->search_history(many);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, ids[1]);
}

TEST_P(HistoryStoreContract, PurgeDeletesTheOldestInBatchesAndKeepsTheNewest) {
  for (int i = 0; i < 5; ++i) add(dialog_, HistoryAuthor::kUser, "old " + std::to_string(i), 0, 1000 + i);
  const auto recent = add(dialog_, HistoryAuthor::kUser, "recent", 0, 9000);
  EXPECT_EQ(store_->purge_history_batch(5000, 2), 2);
  EXPECT_EQ(store_->purge_history_batch(5000, 2), 2);
  EXPECT_EQ(store_->purge_history_batch(5000, 2), 1);
  EXPECT_EQ(store_->purge_history_batch(5000, 2), 0);
  auto left = store_->dialog_history(dialog_, 0, 10);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, recent);
  // The newest entry is kept even when old: ids are never reused.
  EXPECT_EQ(store_->purge_history_batch(99'000, 10), 0);
  EXPECT_EQ(store_->dialog_history(dialog_, 0, 10).size(), 1u);
  EXPECT_GT(add(dialog_, HistoryAuthor::kUser, "next"), recent);
}

TD_STORE_CONTRACT_SUITE(HistoryStoreContract);

}  // namespace
}  // namespace topicdesk::store
