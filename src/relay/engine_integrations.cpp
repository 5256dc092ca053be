// Engine, integrations (hooks part): /link, /unlink and /set on the user of a topic,
// the linked account and custom fields in /info, `command` events for command hooks, and
// what happens to commands topicdesk does not know (CUSTOM_COMMANDS).
#include <algorithm>
#include <boost/json.hpp>

#include "core/utf8.h"
#include "i18n/catalog.h"
#include "relay/engine.h"

namespace topicdesk::relay {
namespace json = boost::json;
using core::UnixMillis;
using store::Dialog;

namespace {

constexpr std::size_t kMaxAccount = 128;
constexpr std::size_t kMaxFieldKey = 64;
constexpr std::size_t kMaxFieldValue = 512;

bool valid_account(std::string_view account) {
  return !account.empty() && account.size() <= kMaxAccount &&
         std::none_of(account.begin(), account.end(), [](char c) { return c == '\n' || c == '\r'; });
}

bool valid_field_key(std::string_view key) {
  return !key.empty() && key.size() <= kMaxFieldKey && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

json::object operator_json(const core::Event& e) {
  return json::object{{"id", e.from.id},
                      {"first_name", e.from.first_name},
                      {"last_name", e.from.last_name},
                      {"username", e.from.username}};
}

// Who typed the command, and whether they may see what HIDE_INFO hides: a hook's answer is posted
// into the topic, so a hook should not show the user's details when `sees_hidden_info` is false.
void add_operator(json::object& command_event, const core::Event& e, const core::Parameters& p) {
  if (!e.sender_is_anonymous_admin) {
    command_event["operator_id"] = e.from.id;
    command_event["operator"] = operator_json(e);
  }
  command_event["sees_hidden_info"] =
      core::sees_hidden_info(p, e.from.id, e.from.username, e.sender_is_anonymous_admin);
}

}  // namespace

bool Engine::hooked(std::string_view command) const {
  const auto& hooks = context_.params.webhooks;
  return std::any_of(hooks.begin(), hooks.end(),
                     [&](const core::WebhookTarget& t) { return t.wants_command(command); });
}

void Engine::run_custom_command(const core::Command& command, Dialog& dialog, const core::Event& e,
                                UnixMillis now) {
  // Every command topicdesk does not handle itself is recorded: command hooks are fed from it.
  json::object o{{"command", command.name},
                 {"name", command.name},
                 {"args", command.args},
                 {"message_id", e.message_id}};
  add_operator(o, e, context_.params);
  event(dialog, "command", json::serialize(o), now);

  // HIDE_INFO: what /info hides from this operator, /link and /set do not show either.
  const bool sees =
      core::sees_hidden_info(context_.params, e.from.id, e.from.username, e.sender_is_anonymous_admin);
  if (command.name == "link" || command.name == "unlink") return link_command(command, dialog, sees, now);
  if (command.name == "set") return set_command(command, dialog, sees, now);
  // A hook or an assistant bot in the group answers; otherwise the operator learns the command is unknown.
  if (!context_.params.custom_commands && !hooked(command.name)) {
    post_in_topic(dialog, core::notice::unknown_command(operator_language(), command.name),
                  kPriorityOperatorReply, now);
  }
}

void Engine::link_command(const core::Command& command, const Dialog& dialog, bool sees_hidden,
                          UnixMillis now) {
  std::string account = core::trim(command.args);
  if (command.name == "unlink") {
    store_.set_user_link(context_.id, dialog.user_id, "");
    return post_in_topic(dialog, i18n::text(operator_language(), "integrations.link_removed"),
                         kPriorityOperatorReply, now);
  }
  if (account.empty()) {
    if (!sees_hidden)
      return post_in_topic(dialog, core::notice::linked_account_hidden(operator_language()),
                           kPriorityOperatorReply, now);
    auto current = store_.user_link(context_.id, dialog.user_id);
    return post_in_topic(
        dialog,
        current ? i18n::text(operator_language(), "integrations.linked_account", {{"account", *current}})
                : i18n::text(operator_language(), "integrations.no_linked_account"),
        kPriorityOperatorReply, now);
  }
  if (!valid_account(account)) {
    return post_in_topic(dialog, i18n::text(operator_language(), "integrations.account_too_long"),
                         kPriorityOperatorReply, now);
  }
  store_.set_user_link(context_.id, dialog.user_id, account);
  post_in_topic(dialog, i18n::text(operator_language(), "integrations.linked_to", {{"account", account}}),
                kPriorityOperatorReply, now);
}

void Engine::set_command(const core::Command& command, const Dialog& dialog, bool sees_hidden,
                         UnixMillis now) {
  std::string args = core::trim(command.args);
  if (args.empty()) {
    if (!sees_hidden)
      return post_in_topic(dialog, core::notice::fields_hidden(operator_language()), kPriorityOperatorReply,
                           now);
    auto fields = store_.user_fields(context_.id, dialog.user_id);
    const auto& lang = operator_language();
    std::string text = fields.empty() ? i18n::text(lang, "integrations.no_fields") + " " +
                                            i18n::text(lang, "integrations.set_usage")
                                      : i18n::text(lang, "integrations.fields");
    for (const auto& [key, value] : fields) text += "\n" + key + " = " + value;
    return post_in_topic(dialog, text, kPriorityOperatorReply, now);
  }
  auto equals = args.find('=');
  std::string key = core::lower_ascii(core::trim(std::string_view(args).substr(0, equals)));
  std::string value =
      equals == std::string::npos ? std::string() : core::trim(std::string_view(args).substr(equals + 1));
  if (equals == std::string::npos || !valid_field_key(key) || value.size() > kMaxFieldValue ||
      value.find('\n') != std::string::npos) {
    return post_in_topic(dialog, i18n::text(operator_language(), "integrations.set_usage"),
                         kPriorityOperatorReply, now);
  }
  store_.set_user_field(context_.id, dialog.user_id, key, value);
  post_in_topic(dialog,
                value.empty() ? i18n::text(operator_language(), "integrations.field_removed", {{"key", key}})
                              : "📝 " + key + " = " + value,
                kPriorityOperatorReply, now);
}

void Engine::request_info_hooks(const Dialog& dialog, const core::Event& e, UnixMillis now) {
  if (!hooked("info")) return;
  json::object o{{"command", "info"}, {"name", "info"}, {"args", ""}, {"message_id", e.message_id}};
  add_operator(o, e, context_.params);
  event(dialog, "command", json::serialize(o), now);
}

std::string Engine::integration_info(const Dialog& dialog) {
  std::string out;
  if (auto account = store_.user_link(context_.id, dialog.user_id))
    out +=
        "\n" + i18n::text(operator_language(), "integrations.info_linked_account", {{"account", *account}});
  for (const auto& [key, value] : store_.user_fields(context_.id, dialog.user_id))
    out += "\n" + key + ": " + value;
  return out;
}

}  // namespace topicdesk::relay
