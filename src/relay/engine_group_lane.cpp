// The group lane in the engine: the dispatcher reports that the backend group's backlog grew old
// (its oldest waiting job passed BACKLOG_NOTICE) or cleared; General is told once per backlog,
// suggesting helper bots (docs/helper-bots.md). The notice is remembered in the connection's state,
// so a restart in the middle of a backlog does not tell it again.
#include <fmt/format.h>

#include <boost/json.hpp>

#include "i18n/catalog.h"
#include "relay/engine.h"

namespace topicdesk::relay {
using core::Event;
using core::UnixMillis;
namespace json = boost::json;

namespace {

constexpr std::string_view kBacklogNoticedKey = "group_backlog_noticed";

std::int64_t int_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

}  // namespace

std::string group_backlog_notice(std::string_view lang, std::int64_t jobs, std::int64_t oldest_seconds) {
  return i18n::text(lang, jobs == 1 ? "general.group_backlog_one" : "general.group_backlog",
                    {{"count", std::to_string(jobs)}, {"minutes", std::to_string(oldest_seconds / 60)}});
}

void Engine::on_group_backlog(const Event& e, UnixMillis now) {
  boost::system::error_code ec;
  json::value parsed = json::parse(e.text, ec);
  const auto* o = ec ? nullptr : parsed.if_object();
  if (o == nullptr) return;
  const auto* state = o->if_contains("state");
  if (state == nullptr || !state->is_string()) return;
  const bool noticed = store_.state_get(context_.id, std::string(kBacklogNoticedKey)).value_or("") == "1";
  if (state->get_string() == "cleared") {
    if (noticed) store_.state_set(context_.id, std::string(kBacklogNoticedKey), "");
    return;
  }
  if (state->get_string() != "old" || noticed || context_.params.backlog_notice_minutes == 0) return;
  store_.state_set(context_.id, std::string(kBacklogNoticedKey), "1");
  post_in_general(
      group_backlog_notice(operator_language(), int_field(*o, "jobs"), int_field(*o, "oldest_seconds")), now);
}

}  // namespace topicdesk::relay
