#include "crm/permissions.h"

#include <gtest/gtest.h>

namespace topicdesk::crm {
namespace {

core::Parameters with_extensions(std::vector<core::UserRef> list) {
  core::Parameters p;
  p.extensions_allowed = std::move(list);
  return p;
}

TEST(Permissions, EveryOperatorManagesWhenExtensionsAllowedIsUnset) {
  core::Parameters p;
  EXPECT_TRUE(may_manage(p, Actor{.id = 5}, 0));
  EXPECT_TRUE(may_manage(p, Actor{.anonymous_admin = true}, 0));
}

TEST(Permissions, OnlyListedPeopleAndTheOwnerManageWhenSet) {
  auto p = with_extensions({core::UserRef{.id = 7}, core::UserRef{.username = "lead"}});
  EXPECT_TRUE(may_manage(p, Actor{.id = 7}, 0));
  EXPECT_TRUE(may_manage(p, Actor{.id = 8, .username = "Lead"}, 0));
  EXPECT_FALSE(may_manage(p, Actor{.id = 9, .username = "other"}, 0));
  EXPECT_TRUE(may_manage(p, Actor{.id = 9}, 9));  // the group's owner
  EXPECT_FALSE(may_manage(p, Actor{.id = 7, .anonymous_admin = true}, 0));
}

TEST(Permissions, RefusalSaysWhatAndWhy) {
  auto text = management_refused("en", "crm.manage_templates", Actor{.id = 9});
  EXPECT_NE(text.find("manage templates"), std::string::npos);
  EXPECT_NE(text.find("EXTENSIONS_ALLOWED"), std::string::npos);
  EXPECT_NE(management_refused("en", "crm.send_broadcasts", Actor{.anonymous_admin = true}).find("own name"),
            std::string::npos);
}

}  // namespace
}  // namespace topicdesk::crm
