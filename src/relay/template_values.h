// What a template's variables stand for when it is sent to one dialog's user
// (crm/template_render.h): the user's names as the desk last saw them, the linked account of
// /link, the custom fields of /set, and the sending operator's first name. Read from the store;
// shared by Engine::send_template (a template to one user) and the broadcast sender (a template
// to many), so that both render the same values.
#pragma once
#include <string_view>

#include "crm/template_render.h"
#include "store/store.h"

namespace topicdesk::relay {

// `hidden`: the topic's copy under HIDE_INFO (the pseudonym for the names, "•••" for the other
// personal values); the user's own copy is rendered with `hidden` false. `operator_name` empty:
// {operator} has no value (its fallback is used).
crm::TemplateValues template_values(store::Store& store, core::ConnectionId connection,
                                    const store::Dialog& dialog, std::string_view operator_name, bool hidden);

}  // namespace topicdesk::relay
