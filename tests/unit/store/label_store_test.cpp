// The Store contract, LabelStore: label definitions per connection, what dialogs carry, and the
// history of changes. Every backend must pass it unchanged (store_backends.h).
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::StoreContract;

class LabelStoreContract : public StoreContract {
 protected:
  Label make(std::string name, std::string key) {
    Label l;
    l.connection_id = conn_;
    l.name = std::move(name);
    l.key = std::move(key);
    l.created_at = 10;
    l.id = store_->add_label(l);
    return l;
  }
};

TEST_P(LabelStoreContract, ADefinitionKeepsItsCaseTickerTemplateAndFunnel) {
  auto lead = make("Lead", "lead");
  auto vip = make("VIP-2", "vip-2");
  vip.ticker = "🔥";
  vip.sends = "welcome_vip";
  vip.after = {lead.id};
  store_->update_label(vip);
  if (GetParam().persistent) reopen();
  auto read = store_->label_by_key(conn_, "vip-2");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->id, vip.id);
  EXPECT_EQ(read->name, "VIP-2");
  EXPECT_EQ(read->ticker, "🔥");
  EXPECT_EQ(read->sends, "welcome_vip");
  EXPECT_EQ(read->after, std::vector<std::int64_t>{lead.id});
  EXPECT_EQ(read->created_at, 10);
  EXPECT_FALSE(store_->label_by_key(conn_, "VIP-2")) << "looked up by the lower-case key";
  EXPECT_EQ(store_->label(lead.id)->name, "Lead");
  EXPECT_FALSE(store_->label(vip.id + 100));
  auto all = store_->labels(conn_);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "Lead") << "in creation order";
  auto other = store_->ensure_connection("other", 222, test_support::kGroup - 1);
  EXPECT_TRUE(store_->labels(other).empty()) << "labels are per connection";
}

TEST_P(LabelStoreContract, ANameIsUniquePerConnection) {
  make("Lead", "lead");
  Label again;
  again.connection_id = conn_;
  again.name = "LEAD";
  again.key = "lead";
  EXPECT_THROW(store_->add_label(again), StoreError);
  auto other = store_->ensure_connection("other", 222, test_support::kGroup - 1);
  again.connection_id = other;
  EXPECT_GT(store_->add_label(again), 0) << "another connection may use the name";
}

TEST_P(LabelStoreContract, DialogsCarryLabelsOnce) {
  auto a = make("A", "a");
  auto b = make("B", "b");
  auto d1 = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  auto d2 = store_->create_dialog(conn_, 43, test_support::kGroup, 1);
  EXPECT_TRUE(store_->set_dialog_label(conn_, d1.id, b.id, 100));
  EXPECT_TRUE(store_->set_dialog_label(conn_, d1.id, a.id, 101));
  EXPECT_FALSE(store_->set_dialog_label(conn_, d1.id, a.id, 102)) << "carried already";
  EXPECT_TRUE(store_->set_dialog_label(conn_, d2.id, a.id, 103));
  if (GetParam().persistent) reopen();
  auto of_d1 = store_->dialog_labels(d1.id);
  ASSERT_EQ(of_d1.size(), 2u);
  EXPECT_EQ(of_d1[0].name, "A") << "by label id";
  EXPECT_EQ(of_d1[1].name, "B");
  auto carriers = store_->label_carriers(a.id, 10);
  ASSERT_EQ(carriers.size(), 2u);
  EXPECT_EQ(carriers[0].dialog_id, d1.id);
  EXPECT_EQ(carriers[0].user_id, 42);
  EXPECT_EQ(carriers[0].since, 101) << "the first set counts";
  EXPECT_EQ(carriers[1].user_id, 43);
  EXPECT_EQ(store_->label_carriers(a.id, 1).size(), 1u);
  EXPECT_TRUE(store_->remove_dialog_label(d1.id, a.id));
  EXPECT_FALSE(store_->remove_dialog_label(d1.id, a.id)) << "not carried any more";
  EXPECT_EQ(store_->dialog_labels(d1.id).size(), 1u);
  EXPECT_EQ(store_->label_carriers(a.id, 10).size(), 1u);
}

TEST_P(LabelStoreContract, HistoryKeepsEveryChangeOldestFirst) {
  auto a = make("A", "a");
  auto d = store_->create_dialog(conn_, 42, test_support::kGroup, 1);
  for (int i = 0; i < 5; ++i) {
    store_->add_label_change(LabelChange{.connection_id = conn_,
                                         .dialog_id = d.id,
                                         .label_id = a.id,
                                         .label_name = "A" + std::to_string(i),
                                         .added = i % 2 == 0,
                                         .operator_id = 900 + i,
                                         .at = 1000 + i,
                                         .by = i == 1   ? LabelChangeBy::kFunnel
                                               : i == 2 ? LabelChangeBy::kApi
                                                        : LabelChangeBy::kOperator});
  }
  if (GetParam().persistent) reopen();
  auto all = store_->label_history(d.id, 100);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].label_name, "A0");
  EXPECT_TRUE(all[0].added);
  EXPECT_FALSE(all[1].added);
  EXPECT_EQ(all[1].by, LabelChangeBy::kFunnel);
  EXPECT_EQ(all[2].by, LabelChangeBy::kApi);
  EXPECT_EQ(all[3].operator_id, 903);
  EXPECT_EQ(all[4].at, 1004);
  auto newest = store_->label_history(d.id, 2);
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0].label_name, "A3") << "the newest, oldest first";
  EXPECT_EQ(newest[1].label_name, "A4");
  EXPECT_TRUE(store_->label_history(d.id + 1, 10).empty());
}

TD_STORE_CONTRACT_SUITE(LabelStoreContract);

}  // namespace
}  // namespace topicdesk::store
