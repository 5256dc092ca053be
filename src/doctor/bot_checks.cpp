#include "doctor/bot_checks.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "telegram/redact.h"

namespace topicdesk::doctor {
namespace json = boost::json;
namespace {

// A finding's text (doctor.toml).
i18n::Message says(std::string key, std::vector<std::pair<std::string, std::string>> args = {}) {
  return i18n::Message{"doctor." + key, std::move(args)};
}

bool flag(const json::value& obj, const char* key) {
  const auto* o = obj.if_object();
  const auto* v = o ? o->if_contains(key) : nullptr;
  return v && v->is_bool() && v->get_bool();
}

std::string text(const json::value& obj, const char* key) {
  const auto* o = obj.if_object();
  const auto* v = o ? o->if_contains(key) : nullptr;
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// getMe's id, or 0.
core::UserId bot_id_of(const json::value& me) {
  const auto* o = me.if_object();
  const auto* id = o ? o->if_contains("id") : nullptr;
  return id != nullptr && id->is_int64() ? id->get_int64() : 0;
}

boost::asio::awaitable<void> check_group(telegram::BotApi& api, core::ChatId group_id, core::UserId bot_id,
                                         Findings& out) {
  // Parameters are built before co_await: GCC 12 miscompiles braced literals inside it.
  json::object chat_params{{"chat_id", group_id}};
  auto chat = co_await api.call("getChat", std::move(chat_params));
  if (!chat.ok) {
    out.fail(says("group_unreadable", {{"group", std::to_string(group_id)}, {"reason", chat.description}}),
             says("group_unreadable_fix"));
    co_return;
  }
  const auto title = text(chat.result, "title");
  if (text(chat.result, "type") != "supergroup" || !flag(chat.result, "is_forum")) {
    out.fail(says("not_forum", {{"title", title}}), says("not_forum_fix"));
  } else {
    out.pass(says("forum", {{"title", title}}));
  }
  json::object member_params{{"chat_id", group_id}, {"user_id", bot_id}};
  auto member = co_await api.call("getChatMember", std::move(member_params));
  if (!member.ok) {
    out.fail(says("membership_unreadable", {{"reason", member.description}}),
             says("membership_unreadable_fix"));
    co_return;
  }
  const auto status = text(member.result, "status");
  if (status != "administrator" && status != "creator") {
    out.fail(says("not_admin", {{"status", status}}), says("not_admin_fix"));
    co_return;
  }
  out.pass(says("admin"));
  if (status == "administrator") {
    if (!flag(member.result, "can_manage_topics")) {
      out.fail(says("no_manage_topics"), says("no_manage_topics_fix"));
    } else {
      out.pass(says("manage_topics"));
    }
    if (!flag(member.result, "can_delete_messages")) {
      out.note(says("no_delete"));
    }
  }
}

}  // namespace

boost::asio::awaitable<void> check_bot(telegram::BotApi& api, BotCheck check, Findings& out) {
  auto me = co_await api.call("getMe", {});
  if (!me.ok) {
    if (me.network_error()) {
      out.fail(
          says("unreachable", {{"api", check.api_base}, {"reason", telegram::redact_tokens(me.description)}}),
          says("unreachable_fix"));
    } else {
      out.fail(says("token_rejected", {{"reason", me.description}}), says("token_rejected_fix"));
    }
    co_return;
  }
  const auto bot_id = bot_id_of(me.result);
  if (bot_id == 0) {
    out.fail(says("no_bot_id"), says("no_bot_id_fix"));
    co_return;
  }
  out.pass(says("token_valid", {{"bot", text(me.result, "username")}, {"id", std::to_string(bot_id)}}));
  if (!flag(me.result, "can_read_all_group_messages")) out.note(says("privacy_on"));
  co_await check_group(api, check.group_id, bot_id, out);
  auto hook = co_await api.call("getWebhookInfo", {});
  const auto url = hook.ok ? text(hook.result, "url") : "";
  if (check.polling && !url.empty()) {
    out.note(says("webhook_set", {{"url", telegram::redact_tokens(url)}}));
  }
}

boost::asio::awaitable<void> check_helper(telegram::BotApi& api, HelperCheck check, Findings& out) {
  const core::ChatId group = check.group_id;
  auto me = co_await api.call("getMe", {});
  if (!me.ok) {
    if (me.network_error()) {
      out.fail(says("helper_unreachable", {{"source", check.token_source},
                                           {"api", check.api_base},
                                           {"reason", telegram::redact_tokens(me.description)}}),
               says("unreachable_fix"));
    } else {
      out.fail(says("helper_token_rejected",
                    {{"source", check.token_source}, {"reason", telegram::redact_tokens(me.description)}}),
               says("helper_token_rejected_fix"));
    }
    co_return;
  }
  const auto bot_id = bot_id_of(me.result);
  if (bot_id == 0) {
    out.fail(says("helper_no_bot_id", {{"source", check.token_source}}), says("no_bot_id_fix"));
    co_return;
  }
  // The helper by its username and where its token comes from: every finding's first arguments.
  const std::vector<std::pair<std::string, std::string>> helper{{"bot", text(me.result, "username")},
                                                                {"source", check.token_source}};
  auto about = [&helper](std::string key, std::vector<std::pair<std::string, std::string>> more = {}) {
    auto args = helper;
    args.insert(args.end(), more.begin(), more.end());
    return says(std::move(key), std::move(args));
  };
  out.pass(about("helper_token_valid", {{"id", std::to_string(bot_id)}}));
  json::object member_params{{"chat_id", group}, {"user_id", bot_id}};
  auto member = co_await api.call("getChatMember", std::move(member_params));
  if (!member.ok) {
    out.fail(about("helper_membership_unreadable",
                   {{"group", std::to_string(group)}, {"reason", member.description}}),
             says("helper_membership_unreadable_fix"));
    co_return;
  }
  const auto status = text(member.result, "status");
  if (status != "administrator" && status != "creator") {
    out.fail(about("helper_not_admin", {{"status", status}, {"group", std::to_string(group)}}),
             says("helper_not_admin_fix"));
    co_return;
  }
  out.pass(about("helper_admin"));
  if (status == "administrator" && !flag(member.result, "can_manage_topics")) {
    out.fail(about("helper_no_manage_topics"), says("helper_no_manage_topics_fix"));
  } else {
    out.pass(about("helper_may_post"));
  }
}

}  // namespace topicdesk::doctor
