#include "doctor/bot_checks.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "telegram/redact.h"

namespace topicdesk::doctor {
namespace json = boost::json;
namespace {

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
    out.fail(fmt::format("backend group {}: {}", group_id, chat.description),
             "add the bot to the group, and check group_id (it starts with -100)");
    co_return;
  }
  const auto title = text(chat.result, "title");
  if (text(chat.result, "type") != "supergroup" || !flag(chat.result, "is_forum")) {
    out.fail(fmt::format("group \"{}\" is not a forum", title), "turn on Topics in the group's settings");
  } else {
    out.pass(fmt::format("group \"{}\" is a forum supergroup", title));
  }
  json::object member_params{{"chat_id", group_id}, {"user_id", bot_id}};
  auto member = co_await api.call("getChatMember", std::move(member_params));
  if (!member.ok) {
    out.fail(fmt::format("cannot read the bot's membership: {}", member.description),
             "add the bot to the group");
    co_return;
  }
  const auto status = text(member.result, "status");
  if (status != "administrator" && status != "creator") {
    out.fail(fmt::format("the bot is '{}' in the group", status),
             "make the bot an administrator (it must see every message and manage topics)");
    co_return;
  }
  out.pass("the bot is an administrator (sees every message whatever its privacy mode)");
  if (status == "administrator") {
    if (!flag(member.result, "can_manage_topics")) {
      out.fail("the bot cannot manage topics", "give the bot the 'Manage topics' right");
    } else {
      out.pass("the bot can manage topics");
    }
    if (!flag(member.result, "can_delete_messages")) {
      out.note("the bot cannot delete messages: not needed for relaying, useful for cleaning up topics");
    }
  }
}

}  // namespace

boost::asio::awaitable<void> check_bot(telegram::BotApi& api, BotCheck check, Findings& out) {
  auto me = co_await api.call("getMe", {});
  if (!me.ok) {
    if (me.network_error()) {
      out.fail(fmt::format("cannot reach {}: {}", check.api_base, telegram::redact_tokens(me.description)),
               "check the network and [telegram] api_base");
    } else {
      out.fail(fmt::format("Telegram rejected the token: {}", me.description),
               "copy the token again from @BotFather (or /revoke it and use the new one)");
    }
    co_return;
  }
  const auto bot_id = bot_id_of(me.result);
  if (bot_id == 0) {
    out.fail("getMe answered without the bot's id", "check [telegram] api_base: it must be a Bot API server");
    co_return;
  }
  out.pass(fmt::format("token valid: @{} (id {})", text(me.result, "username"), bot_id));
  if (!flag(me.result, "can_read_all_group_messages")) {
    out.note("privacy mode is on: fine while the bot is an administrator of the group");
  }
  co_await check_group(api, check.group_id, bot_id, out);
  auto hook = co_await api.call("getWebhookInfo", {});
  const auto url = hook.ok ? text(hook.result, "url") : "";
  if (check.polling && !url.empty()) {
    out.note("a webhook is set (" + telegram::redact_tokens(url) + "); `run` removes it to use getUpdates");
  }
}

boost::asio::awaitable<void> check_helper(telegram::BotApi& api, HelperCheck check, Findings& out) {
  const core::ChatId group = check.group_id;
  auto me = co_await api.call("getMe", {});
  if (!me.ok) {
    if (me.network_error()) {
      out.fail(fmt::format("helper ({}): cannot reach {}: {}", check.token_source, check.api_base,
                           telegram::redact_tokens(me.description)),
               "check the network and [telegram] api_base");
    } else {
      out.fail(fmt::format("helper ({}): Telegram rejected the token: {}", check.token_source,
                           telegram::redact_tokens(me.description)),
               "copy the helper's token again from @BotFather");
    }
    co_return;
  }
  const auto bot_id = bot_id_of(me.result);
  if (bot_id == 0) {
    out.fail(fmt::format("helper ({}): getMe answered without the bot's id", check.token_source),
             "check [telegram] api_base: it must be a Bot API server");
    co_return;
  }
  const std::string name = fmt::format("helper @{} ({})", text(me.result, "username"), check.token_source);
  out.pass(fmt::format("{}: token valid (id {})", name, bot_id));
  json::object member_params{{"chat_id", group}, {"user_id", bot_id}};
  auto member = co_await api.call("getChatMember", std::move(member_params));
  if (!member.ok) {
    out.fail(fmt::format("{}: cannot read its membership of group {}: {}", name, group, member.description),
             "add the helper bot to the group and make it an administrator");
    co_return;
  }
  const auto status = text(member.result, "status");
  if (status != "administrator" && status != "creator") {
    out.fail(fmt::format("{} is '{}' in group {}", name, status, group),
             "make the helper an administrator of the group (it posts into topics)");
    co_return;
  }
  out.pass(fmt::format("{} is an administrator of the group", name));
  if (status == "administrator" && !flag(member.result, "can_manage_topics")) {
    out.fail(fmt::format("{} cannot manage topics: its posts into a closed topic would be refused", name),
             "give the helper the 'Manage topics' right");
  } else {
    out.pass(fmt::format("{} may post in every topic", name));
  }
}

}  // namespace topicdesk::doctor
