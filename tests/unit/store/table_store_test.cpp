// The Store contract, TableStore: shared data tables kept whole, found by name and by a row's key
// without regard to ASCII case, replaced atomically (a failed replace leaves the old table), and
// dropped with their rows. Every backend must pass it unchanged (store_backends.h).
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::StoreContract;

class TableStoreContract : public StoreContract {
 protected:
  DataTable plans(std::string name = "Plans") {
    DataTable t;
    t.connection_id = conn_;
    t.name = std::move(name);
    t.columns = {{"id", ColumnType::kText}, {"price", ColumnType::kDecimal}, {"days", ColumnType::kInteger}};
    t.rows = {{"t1", "100", "30"}, {"T2", "9.90", "365"}, {"trial", "", "7"}};
    t.updated_by = 900;
    t.updated_by_name = "Anna";
    t.updated_at = 1000;
    return t;
  }
};

TEST_P(TableStoreContract, ATableIsKeptWholeAndFoundWithoutRegardToCase) {
  auto id = store_->replace_data_table(plans());
  EXPECT_GT(id, 0);
  auto t = store_->data_table(conn_, "PLANS");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->id, id);
  EXPECT_EQ(t->name, "Plans");
  EXPECT_EQ(t->columns, plans().columns);
  EXPECT_EQ(t->rows, plans().rows);  // in the order given, cells as given (empty ones too)
  EXPECT_EQ(t->updated_by, 900);
  EXPECT_EQ(t->updated_by_name, "Anna");
  EXPECT_EQ(t->created_at, 1000);
  EXPECT_FALSE(store_->data_table(conn_, "menu"));
  auto other = store_->ensure_connection("sales", 222, test_support::kGroup);
  EXPECT_FALSE(store_->data_table(other, "plans"));  // per connection
}

TEST_P(TableStoreContract, ARowIsFoundByItsKeyWithoutRegardToCase) {
  store_->replace_data_table(plans());
  auto row = store_->data_table_row(conn_, "plans", "t2");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->columns.size(), 3u);
  ASSERT_EQ(row->rows.size(), 1u);
  EXPECT_EQ(row->rows[0], (std::vector<std::string>{"T2", "9.90", "365"}));
  auto none = store_->data_table_row(conn_, "plans", "t9");
  ASSERT_TRUE(none);  // the table exists, the row does not
  EXPECT_TRUE(none->rows.empty());
  EXPECT_FALSE(store_->data_table_row(conn_, "menu", "t1"));
}

TEST_P(TableStoreContract, AReplaceChangesEverythingButTheFirstImport) {
  store_->replace_data_table(plans());
  DataTable next;
  next.connection_id = conn_;
  next.name = "plans";
  next.columns = {{"id", ColumnType::kText}, {"title", ColumnType::kText}};
  next.rows = {{"x", "Only"}};
  next.updated_at = 2000;
  store_->replace_data_table(next);
  auto t = store_->data_table(conn_, "Plans");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->name, "plans");
  EXPECT_EQ(t->columns, next.columns);
  EXPECT_EQ(t->rows, next.rows);
  EXPECT_EQ(t->created_at, 1000);
  EXPECT_EQ(t->updated_at, 2000);
  EXPECT_EQ(t->updated_by, 0);
  EXPECT_TRUE(store_->data_table_row(conn_, "plans", "t1")->rows.empty());
  auto list = store_->data_tables(conn_);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].row_count, 1);
}

TEST_P(TableStoreContract, AFailedReplaceLeavesTheOldTable) {
  store_->replace_data_table(plans());
  DataTable broken = plans();
  broken.rows.push_back({});  // a row without a key: the store refuses it after writing the others
  EXPECT_THROW(store_->replace_data_table(broken), StoreError);
  auto t = store_->data_table(conn_, "plans");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->rows, plans().rows);
  DataTable duplicate = plans();
  duplicate.rows.push_back({"t1", "1", "1"});  // keys are unique in the store too
  EXPECT_THROW(store_->replace_data_table(duplicate), StoreError);
  EXPECT_EQ(store_->data_table(conn_, "plans")->rows, plans().rows);
}

TEST_P(TableStoreContract, ListsAreOrderedByNameAndDropRemovesRows) {
  store_->replace_data_table(plans("plans"));
  store_->replace_data_table(plans("Menu"));
  auto list = store_->data_tables(conn_);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "Menu");
  EXPECT_EQ(list[1].name, "plans");
  EXPECT_EQ(list[1].row_count, 3);
  EXPECT_EQ(list[1].columns.size(), 3u);
  EXPECT_TRUE(store_->drop_data_table(conn_, "MENU"));
  EXPECT_FALSE(store_->drop_data_table(conn_, "menu"));
  EXPECT_FALSE(store_->data_table(conn_, "menu"));
  EXPECT_EQ(store_->data_tables(conn_).size(), 1u);
  store_->replace_data_table(plans("Menu"));  // a new table of that name starts empty of old rows
  EXPECT_EQ(store_->data_table(conn_, "menu")->rows.size(), 3u);
}

TD_STORE_CONTRACT_SUITE(TableStoreContract);

}  // namespace
}  // namespace topicdesk::store
