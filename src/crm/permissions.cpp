#include "crm/permissions.h"

#include <fmt/format.h>

#include "i18n/catalog.h"

namespace topicdesk::crm {

bool may_manage(const core::Parameters& params, const Actor& actor, core::UserId group_owner) {
  if (params.extensions_allowed.empty()) return true;
  if (actor.anonymous_admin) return false;
  if (group_owner != 0 && actor.id == group_owner) return true;
  return core::matches_user(params.extensions_allowed, actor.id, actor.username);
}

std::string management_refused(std::string_view lang, std::string_view what_key, const Actor& actor) {
  return i18n::text(lang, actor.anonymous_admin ? "crm.refused_anonymous" : "crm.refused",
                    {{"what", i18n::text(lang, what_key)}});
}

}  // namespace topicdesk::crm
