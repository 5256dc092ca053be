// Who may use the setup bot, on every store backend (store_backends.h): admins from the
// configuration, admins who claimed it with the one-time code `topicdesk setup claim` writes,
// and each admin's language, all kept in the store so every desk instance sees them.
#include "setup/setup_access.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "store_backends.h"

namespace topicdesk::setup {
namespace {

using store::test_support::StoreContract;

constexpr core::UnixMillis kNow = 1'000'000;
constexpr core::UserId kConfigured = 1001;
constexpr core::UserId kClaimant = 2002;
constexpr core::UserId kLate = 3003;

class SetupAccessTest : public StoreContract {
 protected:
  static AdminList configured() {
    AdminList admins;
    admins.ids.insert(kConfigured);
    admins.usernames.insert("olga_admin");
    return admins;
  }
};

TEST_P(SetupAccessTest, ConfiguredAdminsByIdOrUsernameAndNobodyElse) {
  SetupAccess access(configured(), *store_);
  EXPECT_TRUE(access.is_admin(kConfigured, ""));
  EXPECT_TRUE(access.is_admin(99, "Olga_Admin")) << "usernames match case-insensitively";
  EXPECT_FALSE(access.is_admin(99, "someone"));
  EXPECT_FALSE(access.is_admin(kClaimant, ""));
}

TEST_P(SetupAccessTest, TheClaimCodeAsTypedMakesOneAdminOnceAndIsKept) {
  auto code = issue_claim_code(*store_, kNow);
  ASSERT_TRUE(code) << code.error().message;
  ASSERT_EQ(code->size(), 12U) << *code;  // "123-456-7890"
  auto kept = store_->setup_claim_code();
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->code_hash.size(), 64U) << "only the SHA-256 is kept";
  EXPECT_EQ(kept->code_hash.find(code->substr(0, 3) + code->substr(4, 3)), std::string::npos);
  EXPECT_EQ(kept->expires_at, kNow + 30 * 60 * 1000);

  SetupAccess access(configured(), *store_);
  EXPECT_FALSE(access.try_claim(kClaimant, "000-000-0000", kNow));
  EXPECT_FALSE(access.try_claim(kClaimant, "hello", kNow));
  std::string spaced = *code;
  std::replace(spaced.begin(), spaced.end(), '-', ' ');
  EXPECT_TRUE(access.try_claim(kClaimant, spaced, kNow + 1)) << "spaces or dashes between groups";
  EXPECT_TRUE(access.is_admin(kClaimant, ""));
  EXPECT_FALSE(access.try_claim(kLate, *code, kNow + 2)) << "it works once";
  EXPECT_FALSE(access.is_admin(kLate, ""));

  // A desk started again (or another instance on the database) knows the claimant.
  if (GetParam().persistent) reopen();
  SetupAccess again(AdminList{}, *store_);
  EXPECT_TRUE(again.is_admin(kClaimant, ""));
  EXPECT_FALSE(again.is_admin(kLate, ""));
}

TEST_P(SetupAccessTest, AnExpiredCodeIsRefusedAndANewCodeReplacesTheOld) {
  auto old_code = issue_claim_code(*store_, kNow - 31 * 60 * 1000);
  ASSERT_TRUE(old_code);
  SetupAccess access(configured(), *store_);
  EXPECT_FALSE(access.try_claim(kClaimant, *old_code, kNow));
  auto fresh = issue_claim_code(*store_, kNow - 29 * 60 * 1000);
  ASSERT_TRUE(fresh);
  EXPECT_FALSE(access.try_claim(kClaimant, *old_code, kNow)) << "replaced";
  EXPECT_TRUE(access.try_claim(kClaimant, *fresh, kNow));
}

TEST_P(SetupAccessTest, EachAdminsLanguageIsKept) {
  SetupAccess access(configured(), *store_);
  EXPECT_FALSE(access.language_of(kConfigured));
  access.set_language(kConfigured, "fa");
  if (GetParam().persistent) reopen();
  SetupAccess again(configured(), *store_);
  EXPECT_EQ(again.language_of(kConfigured), "fa");
  EXPECT_FALSE(again.language_of(kClaimant));
}

INSTANTIATE_TEST_SUITE_P(Backends, SetupAccessTest,
                         ::testing::ValuesIn(::topicdesk::store::test_support::all_backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace topicdesk::setup
