// The web dashboard in General: `/web` posts a one-time login link for the operator who asked
// (web/sessions.h); `/web logout all` ends that operator's dashboard sessions, `/web logout
// everyone` every session of the group (for those who manage the CRM, crm/permissions.h).
#include <fmt/format.h>

#include "core/utf8.h"
#include "crm/permissions.h"
#include "i18n/catalog.h"
#include "relay/engine.h"
#include "web/sessions.h"

namespace topicdesk::relay {
using core::Event;
using core::UnixMillis;

void Engine::on_web_command(const core::Command& command, const Event& e, UnixMillis now) {
  if (e.sender_is_anonymous_admin || e.from.id <= 0) {
    return post_in_general(i18n::text(operator_language(), "general.web_personal"), now);
  }
  const std::string args = core::lower_ascii(command.args);
  if (args == "logout all" || args == "logout everyone") {
    const bool everyone = args == "logout everyone";
    const crm::Actor actor{e.from.id, e.from.username, e.sender_is_anonymous_admin};
    if (everyone && !crm::may_manage(context_.params, actor, context_.group_owner)) {
      return post_in_general(crm::management_refused(operator_language(), "crm.end_sessions", actor), now);
    }
    auto ended = store_.revoke_web_sessions(context_.group_id, everyone ? 0 : e.from.id);
    return post_in_general(
        i18n::text(operator_language(),
                   everyone ? "general.web_sessions_ended_everyone" : "general.web_sessions_ended",
                   {{"count", std::to_string(ended)}}),
        now);
  }
  if (!args.empty()) return post_in_general(i18n::text(operator_language(), "general.web_usage"), now);
  if (context_.dashboard_url.empty())
    return post_in_general(i18n::text(operator_language(), "general.web_not_served"), now);
  auto link = web::issue_login_link(store_, context_.group_id, e.from.id, context_.dashboard_url, now);
  if (!link)
    return post_in_general(i18n::text(operator_language(), "general.web_no_link",
                                      {{"reason", link.message_in(operator_language())}}),
                           now);
  std::string name = e.from.first_name.empty() ? "@" + e.from.username : e.from.first_name;
  std::string text =
      i18n::text(operator_language(), "general.web_sign_in", {{"name", name}}) + "\n" + link->url;
  if (context_.dashboard_url.starts_with("https://") && !context_.bot_username.empty()) {
    text += fmt::format("\n{} https://t.me/{}?startapp=dashboard",
                        i18n::text(operator_language(), "general.web_in_telegram"), context_.bot_username);
  }
  post_in_general(std::move(text), now);
}

}  // namespace topicdesk::relay
