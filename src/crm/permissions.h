// Who may manage the CRM's shared objects: templates, labels, segments' saved forms, broadcasts
// and exports. Using them (`/t NAME`, `/mark NAME` in a topic) is for every operator; creating,
// changing and deleting them, and sending to many users, is for the people EXTENSIONS_ALLOWED
// lists, and for the group's owner, when that parameter is set. Without it every operator may.
//
// An anonymous admin cannot be told apart from any other admin, so when EXTENSIONS_ALLOWED is
// set they may not manage (the refusal says to write under their own name).
#pragma once
#include <string>
#include <string_view>

#include "core/ids.h"
#include "core/parameters.h"

namespace topicdesk::crm {

struct Actor {
  core::UserId id = 0;
  std::string_view username;
  bool anonymous_admin = false;
};

// `group_owner`: the backend group's creator as the desk learnt it (0: not known).
bool may_manage(const core::Parameters& params, const Actor& actor, core::UserId group_owner);

// The answer to someone may_manage() refuses; `what` names the action ("manage templates").
// `what_key`: the catalogue key of what was refused ("crm.manage_templates"); in `lang`.
std::string management_refused(std::string_view lang, std::string_view what_key, const Actor& actor);

}  // namespace topicdesk::crm
