// Analytics in General: /stats today|yesterday|week|month posts the connection's summary
// (analytics/analytics.h) in WORKING_HOURS' zone, else UTC. /stats alone keeps its dialog counts
// (engine.cpp). In a group several connections share, `/stats iN week` names the connection.
// DAILY_DIGEST posts yesterday's summary once a local day, durably: the day last posted is kept
// in the connection's state, in the transaction that queues the message.
#include <string>

#include "analytics/analytics.h"
#include "analytics/calendar.h"
#include "analytics/report.h"
#include "core/utf8.h"
#include "i18n/catalog.h"
#include "relay/accounts.h"
#include "relay/engine.h"

namespace topicdesk::relay {
using core::Event;
using core::UnixMillis;

namespace {

constexpr std::string_view kDigestDayKey = "daily_digest_day";

core::TimeZone stats_zone(const core::Parameters& p) {
  return p.working_hours ? p.working_hours->zone : core::TimeZone();
}

}  // namespace

void Engine::on_stats_command(const core::Command& command, const Event& /*event*/, UnixMillis now) {
  auto request = parse_instance_request(command.args);
  if (!general_command_is_mine("stats", request.instance, now)) return;
  auto query = analytics::named_range(core::lower_ascii(request.rest), stats_zone(context_.params), now);
  if (!query) {
    return post_in_general(i18n::text(operator_language(), "general.stats_usage", {{"given", request.rest}}),
                           now);
  }
  query->connection = context_.id;
  auto report = analytics::compute(store_, *query);
  if (!report)
    return post_in_general(
        i18n::text(operator_language(), "general.stats_unavailable", {{"reason", report.error().message}}),
        now);
  post_in_general(analytics::summary_text(operator_language(), *report), now);
}

int Engine::daily_digest(UnixMillis now) {
  const auto& p = context_.params;
  if (!p.daily_digest_minute) return 0;
  const core::TimeZone zone = stats_zone(p);
  const std::int64_t local = analytics::local_seconds(zone, now);
  const std::int64_t day = analytics::local_day(zone, now);
  if (local - day * 86'400 < static_cast<std::int64_t>(*p.daily_digest_minute) * 60) return 0;
  const std::string today = std::to_string(day);
  int posted = 0;
  transaction([&] {
    if (store_.state_get(context_.id, std::string(kDigestDayKey)) == today) return;
    store_.state_set(context_.id, std::string(kDigestDayKey), today);
    auto query = analytics::named_range("yesterday", zone, now);
    query->connection = context_.id;
    auto report = analytics::compute(store_, *query);
    if (!report) return;  // a day always makes a valid range; nothing to post otherwise
    post_in_general(i18n::text(operator_language(), "general.daily_digest") + "\n" +
                        analytics::summary_text(operator_language(), *report),
                    now);
    posted = 1;
  });
  return posted;
}

}  // namespace topicdesk::relay
