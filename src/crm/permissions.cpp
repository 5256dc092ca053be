#include "crm/permissions.h"

#include <fmt/format.h>

namespace topicdesk::crm {

bool may_manage(const core::Parameters& params, const Actor& actor, core::UserId group_owner) {
  if (params.extensions_allowed.empty()) return true;
  if (actor.anonymous_admin) return false;
  if (group_owner != 0 && actor.id == group_owner) return true;
  return core::matches_user(params.extensions_allowed, actor.id, actor.username);
}

std::string management_refused(std::string_view what, const Actor& actor) {
  if (actor.anonymous_admin) {
    return fmt::format(
        "⛔ Only the people EXTENSIONS_ALLOWED lists may {}, and an anonymous admin cannot be told "
        "apart: write under your own name.",
        what);
  }
  return fmt::format("⛔ Only the group's owner and the people EXTENSIONS_ALLOWED lists may {}.", what);
}

}  // namespace topicdesk::crm
