// The Store contract, StoredConnectionStore: connections made at run time, with their
// parameters, kept and changed as one unit each, and the serial every change moves. Every
// backend must pass it unchanged (store_backends.h).
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::kGroup;
using test_support::StoreContract;

class StoredConnectionStoreContract : public StoreContract {
 protected:
  static StoredConnection sales() {
    StoredConnection c;
    c.name = "sales";
    c.mode = "bot";
    c.token = "123456:secret-part";
    c.group_id = kGroup;
    c.parameters = {{"AUTOCLOSE", "24"}, {"WELCOME", "Hi {title}"}};
    c.created_by = 42;
    c.created_at = 1000;
    c.updated_at = 1000;
    return c;
  }
};

TEST_P(StoredConnectionStoreContract, AConnectionIsKeptWithItsParametersAndFoundAgain) {
  EXPECT_EQ(store_->stored_connections_serial(), 0);
  ASSERT_TRUE(store_->add_stored_connection(sales()));
  if (GetParam().persistent) reopen();
  auto found = store_->stored_connection("sales");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->mode, "bot");
  EXPECT_EQ(found->token, "123456:secret-part");
  EXPECT_EQ(found->group_id, kGroup);
  EXPECT_EQ(found->transport, "polling");
  EXPECT_TRUE(found->wanted_running);
  EXPECT_EQ(found->created_by, 42);
  EXPECT_EQ(found->created_at, 1000);
  EXPECT_EQ(found->parameters, (core::RawParameters{{"AUTOCLOSE", "24"}, {"WELCOME", "Hi {title}"}}));
  EXPECT_GT(store_->stored_connections_serial(), 0);
  EXPECT_FALSE(store_->stored_connection("other"));
}

TEST_P(StoredConnectionStoreContract, ATakenNameKeepsNothingAndMovesNoSerial) {
  ASSERT_TRUE(store_->add_stored_connection(sales()));
  const auto serial = store_->stored_connections_serial();
  auto again = sales();
  again.token = "999:other";
  again.parameters = {{"HIDE_INFO", "name"}};
  EXPECT_FALSE(store_->add_stored_connection(again));
  EXPECT_EQ(store_->stored_connections_serial(), serial);
  auto found = store_->stored_connection("sales");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->token, "123456:secret-part");
  EXPECT_EQ(found->parameters.size(), 2U) << "the refused row's parameters were not kept";
}

TEST_P(StoredConnectionStoreContract, EveryChangeMovesTheSerialAndIsSeen) {
  ASSERT_TRUE(store_->add_stored_connection(sales()));
  auto serial = store_->stored_connections_serial();
  auto moved = [&] {
    auto now = store_->stored_connections_serial();
    bool grew = now > serial;
    serial = now;
    return grew;
  };
  ASSERT_TRUE(store_->set_stored_connection_running("sales", false, 2000));
  EXPECT_TRUE(moved());
  EXPECT_FALSE(store_->stored_connection("sales")->wanted_running);
  EXPECT_EQ(store_->stored_connection("sales")->updated_at, 2000);
  ASSERT_TRUE(store_->set_stored_connection_group("sales", kGroup - 1, 3000));
  EXPECT_TRUE(moved());
  EXPECT_EQ(store_->stored_connection("sales")->group_id, kGroup - 1);
  ASSERT_TRUE(store_->set_stored_connection_parameter("sales", "AUTOCLOSE", std::string("OFF"), 4000));
  EXPECT_TRUE(moved());
  ASSERT_TRUE(store_->set_stored_connection_parameter("sales", "WELCOME", std::nullopt, 5000));
  EXPECT_TRUE(moved());
  ASSERT_TRUE(store_->set_stored_connection_parameter("sales", "CSAT", std::string("How did we do?"), 6000));
  EXPECT_TRUE(moved());
  EXPECT_EQ(store_->stored_connection("sales")->parameters,
            (core::RawParameters{{"AUTOCLOSE", "OFF"}, {"CSAT", "How did we do?"}}));

  EXPECT_FALSE(store_->set_stored_connection_running("nobody", true, 7000));
  EXPECT_FALSE(store_->set_stored_connection_group("nobody", kGroup, 7000));
  EXPECT_FALSE(store_->set_stored_connection_parameter("nobody", "CSAT", std::string("x"), 7000));
  EXPECT_FALSE(store_->remove_stored_connection("nobody"));
  EXPECT_FALSE(moved()) << "nothing changed";
}

TEST_P(StoredConnectionStoreContract, RemovingForgetsTokenAndParametersAndTheNameIsFreeAgain) {
  ASSERT_TRUE(store_->add_stored_connection(sales()));
  auto other = sales();
  other.name = "alpha";
  other.token = "777:x";
  other.parameters = {{"CSAT", "?"}};
  ASSERT_TRUE(store_->add_stored_connection(other));
  auto all = store_->stored_connections();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].name, "alpha") << "in name order";
  EXPECT_EQ(all[0].parameters, (core::RawParameters{{"CSAT", "?"}}));
  EXPECT_EQ(all[1].parameters.size(), 2U);

  ASSERT_TRUE(store_->remove_stored_connection("sales"));
  EXPECT_FALSE(store_->stored_connection("sales"));
  ASSERT_EQ(store_->stored_connections().size(), 1U);
  auto again = sales();
  again.parameters = {};
  ASSERT_TRUE(store_->add_stored_connection(again));
  EXPECT_TRUE(store_->stored_connection("sales")->parameters.empty()) << "no parameter of the removed one";
}

TD_STORE_CONTRACT_SUITE(StoredConnectionStoreContract);

}  // namespace
}  // namespace topicdesk::store
