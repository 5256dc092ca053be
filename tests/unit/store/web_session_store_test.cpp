// The Store contract, WebSessionStore: one-time login links and the dashboard's sessions, kept
// by the hash of their secrets. Every backend must pass it unchanged (store_backends.h).
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::kGroup;
using test_support::kOtherGroup;
using test_support::StoreContract;

class WebSessionStoreContract : public StoreContract {
 protected:
  WebLoginLink link(const std::string& hash, UserId user, UnixMillis expires_at, ChatId group = kGroup) {
    WebLoginLink l;
    l.token_hash = hash;
    l.group_id = group;
    l.user_id = user;
    l.created_at = 1000;
    l.expires_at = expires_at;
    store_->add_web_login_link(l);
    return l;
  }
  std::int64_t session(const std::string& hash, UserId user, UnixMillis expires_at, ChatId group = kGroup) {
    WebSession s;
    s.token_hash = hash;
    s.group_id = group;
    s.user_id = user;
    s.via = "link";
    s.created_at = 1000;
    s.expires_at = expires_at;
    return store_->add_web_session(s);
  }
};

TEST_P(WebSessionStoreContract, ALinkOpensOnceAndNamesItsOperator) {
  link("aa11", 42, 5000);
  if (GetParam().persistent) reopen();
  auto used = store_->use_web_login_link("aa11", 2000);
  ASSERT_TRUE(used);
  EXPECT_EQ(used->group_id, kGroup);
  EXPECT_EQ(used->user_id, 42);
  EXPECT_EQ(used->created_at, 1000);
  EXPECT_EQ(used->expires_at, 5000);
  EXPECT_EQ(used->used_at, 2000);
  EXPECT_FALSE(store_->use_web_login_link("aa11", 2001)) << "a link is single use";
  EXPECT_FALSE(store_->use_web_login_link("bb22", 2000)) << "an unknown link opens nothing";
}

TEST_P(WebSessionStoreContract, AnExpiredLinkOpensNothingAndIsNotSpentByTheAttempt) {
  link("aa11", 42, 5000);
  EXPECT_FALSE(store_->use_web_login_link("aa11", 5000)) << "valid strictly before expires_at";
  EXPECT_FALSE(store_->use_web_login_link("aa11", 6000));
  EXPECT_TRUE(store_->use_web_login_link("aa11", 4000)) << "only a use inside the validity spends it";
}

TEST_P(WebSessionStoreContract, ASessionIsFoundByItsHashUntilItExpires) {
  auto id = session("s1", 42, 9000);
  EXPECT_GT(id, 0);
  if (GetParam().persistent) reopen();
  auto found = store_->web_session("s1", 8999);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->group_id, kGroup);
  EXPECT_EQ(found->user_id, 42);
  EXPECT_EQ(found->via, "link");
  EXPECT_EQ(found->created_at, 1000);
  EXPECT_EQ(found->expires_at, 9000);
  EXPECT_FALSE(store_->web_session("s1", 9000)) << "expired";
  EXPECT_FALSE(store_->web_session("s2", 1000)) << "unknown";
}

TEST_P(WebSessionStoreContract, RevokingEndsOneSessionOrAnOperatorsOrAGroups) {
  session("a", 42, 9000);
  session("b", 42, 9000);
  session("c", 43, 9000);
  session("d", 42, 9000, kOtherGroup);
  link("unused", 42, 9000);
  EXPECT_TRUE(store_->revoke_web_session("a"));
  EXPECT_FALSE(store_->revoke_web_session("a"));
  EXPECT_FALSE(store_->web_session("a", 2000));
  EXPECT_EQ(store_->revoke_web_sessions(kGroup, 42), 1);
  EXPECT_FALSE(store_->web_session("b", 2000));
  EXPECT_TRUE(store_->web_session("c", 2000)) << "another operator's session stays";
  EXPECT_TRUE(store_->web_session("d", 2000)) << "the same person's session of another group stays";
  EXPECT_FALSE(store_->use_web_login_link("unused", 2000)) << "the operator's unused links end too";
  EXPECT_EQ(store_->revoke_web_sessions(kGroup, 0), 1) << "user 0: every operator of the group";
  EXPECT_FALSE(store_->web_session("c", 2000));
  EXPECT_TRUE(store_->web_session("d", 2000));
}

TEST_P(WebSessionStoreContract, PurgeDeletesWhatExpired) {
  session("old", 42, 3000);
  session("new", 42, 9000);
  link("old-link", 42, 3000);
  link("new-link", 42, 9000);
  EXPECT_EQ(store_->purge_web_sessions(5000), 2);
  EXPECT_TRUE(store_->web_session("new", 4000));
  EXPECT_FALSE(store_->web_session("old", 2000));
  EXPECT_FALSE(store_->use_web_login_link("old-link", 2000));
  EXPECT_TRUE(store_->use_web_login_link("new-link", 2000));
  EXPECT_EQ(store_->purge_web_sessions(5000), 0);
}

TD_STORE_CONTRACT_SUITE(WebSessionStoreContract);

}  // namespace
}  // namespace topicdesk::store
