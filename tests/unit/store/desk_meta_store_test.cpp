// The Store contract, DeskMetaStore: the installation's secret.
// Every backend must pass it unchanged (store_backends.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::StoreContract;
using ::testing::MatchesRegex;

class DeskMetaStoreContract : public StoreContract {};

TEST_P(DeskMetaStoreContract, InstallSecretIs32RandomBytesInHexCreatedOnce) {
  auto secret = store_->install_secret();
  EXPECT_THAT(secret, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(store_->install_secret(), secret);
  EXPECT_NE(secret, std::string(64, '0'));
}

TEST_P(DeskMetaStoreContract, InstallSecretSurvivesReopening) {
  if (!GetParam().persistent) GTEST_SKIP() << "in-memory database";
  auto secret = store_->install_secret();
  reopen();
  EXPECT_EQ(store_->install_secret(), secret);
}

TEST_P(DeskMetaStoreContract, EveryDatabaseHasItsOwnSecret) {
  auto other_location = GetParam().new_location();
  auto other = GetParam().open(other_location);
  EXPECT_NE(other->install_secret(), store_->install_secret());
  other.reset();
  GetParam().remove(other_location);
}

TEST_P(DeskMetaStoreContract, ASecretCreatedInARolledBackTransactionIsNotKept) {
  std::string during;
  EXPECT_THROW(store_->transaction([&] {
    during = store_->install_secret();
    throw std::runtime_error("caller failed");
  }),
               std::runtime_error);
  auto after = store_->install_secret();
  EXPECT_THAT(after, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(store_->install_secret(), after) << "stable once committed";
}

TD_STORE_CONTRACT_SUITE(DeskMetaStoreContract);

}  // namespace
}  // namespace topicdesk::store
