#include "relay/group_posters.h"

#include <algorithm>

#include "relay/accounts.h"  // job::kAnnounceTopic
#include "relay/jobs.h"

namespace topicdesk::relay {
namespace {

constexpr std::string_view kPostsMetric = "topicdesk_group_posts_total";
constexpr std::string_view kPostsHelp = "Messages posted into backend groups, per group and posting bot";

std::string labels(core::ChatId group, std::string_view poster) {
  return "group=\"" + std::to_string(group) + "\",poster=\"" + std::string(poster) + "\"";
}

}  // namespace

bool helper_may_post(std::string_view kind, bool payload_has_text) {
  if (kind == job::kCopyToTopic) return payload_has_text;
  return kind == job::kSendText || kind == job::kHookAnswer || kind == job::kAnnounceTopic ||
         kind == job::kInterceptText || kind == job::kSendDocument;
}

void GroupPosters::add_helper(core::ChatId group, core::UserId bot_id, std::string username,
                              telegram::BotApi& api, telegram::FloodLimits limits) {
  if (find(group, bot_id) != nullptr) return;
  Helper h;
  h.bot_id = bot_id;
  h.username = std::move(username);
  h.api = &api;
  h.flood = std::make_unique<telegram::FloodControl>(std::move(limits));
  h.posts = &core::Metrics::global().counter(
      kPostsMetric, kPostsHelp,
      labels(group, h.username.empty() ? std::to_string(bot_id) : "@" + h.username));
  groups_[group].push_back(std::move(h));
}

bool GroupPosters::has_helpers(core::ChatId group) const {
  auto it = groups_.find(group);
  if (it == groups_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(), [](const Helper& h) { return h.active; });
}

GroupPosters::Choice GroupPosters::choose(core::ChatId group, core::UnixMillis own_slot, core::UnixMillis now,
                                          int messages, bool quiet) const {
  const Choice own{kOwnBot, own_slot};
  auto it = groups_.find(group);
  if (it == groups_.end() || (quiet && own_slot <= now)) return own;
  const Helper* free_helper = nullptr;  // the one whose turn it is
  const Helper* earliest = nullptr;     // none free: the one whose budget opens first
  core::UnixMillis earliest_slot = 0;
  for (const auto& h : it->second) {
    if (!h.active) continue;
    core::UnixMillis slot = h.flood->next_slot(group, now, std::max(messages, 1));
    if (slot <= now) {
      if (free_helper == nullptr || h.last_post < free_helper->last_post) free_helper = &h;
    } else if (earliest == nullptr || slot < earliest_slot) {
      earliest = &h;
      earliest_slot = slot;
    }
  }
  if (free_helper != nullptr) return Choice{free_helper->bot_id, now};
  if (own_slot <= now) return own;  // the helpers are spent: the own bot's spare budget
  if (earliest != nullptr && earliest_slot <= own_slot) return Choice{earliest->bot_id, earliest_slot};
  return own;
}

GroupPosters::Helper* GroupPosters::find(core::ChatId group, core::UserId poster) {
  auto it = groups_.find(group);
  if (it == groups_.end()) return nullptr;
  for (auto& h : it->second) {
    if (h.bot_id == poster) return &h;
  }
  return nullptr;
}

const GroupPosters::Helper* GroupPosters::find(core::ChatId group, core::UserId poster) const {
  return const_cast<GroupPosters*>(this)->find(group, poster);
}

const GroupPosters::Helper* GroupPosters::helper(core::ChatId group, core::UserId poster) const {
  return find(group, poster);
}

telegram::BotApi* GroupPosters::api_of(core::ChatId group, core::UserId poster) const {
  const Helper* h = poster == kOwnBot ? nullptr : find(group, poster);
  return h != nullptr && h->active ? h->api : nullptr;
}

telegram::FloodControl* GroupPosters::flood_of(core::ChatId group, core::UserId poster) const {
  const Helper* h = poster == kOwnBot ? nullptr : find(group, poster);
  return h != nullptr && h->active ? h->flood.get() : nullptr;
}

core::Metric& GroupPosters::own_posts(core::ChatId group) {
  auto it = own_posts_.find(group);
  if (it == own_posts_.end()) {
    it = own_posts_
             .emplace(group, &core::Metrics::global().counter(kPostsMetric, kPostsHelp, labels(group, "own")))
             .first;
  }
  return *it->second;
}

void GroupPosters::record_send(core::ChatId group, core::UserId poster, core::UnixMillis now, int messages) {
  if (messages <= 0) return;
  if (poster == kOwnBot) {
    if (groups_.contains(group)) own_posts(group).add(messages);
    return;
  }
  Helper* h = find(group, poster);
  if (h == nullptr) return;
  h->flood->record_send(group, now, messages);
  h->last_post = ++turns_;
  h->posts->add(messages);
}

bool GroupPosters::drop(core::ChatId group, core::UserId poster) {
  Helper* h = poster == kOwnBot ? nullptr : find(group, poster);
  if (h == nullptr || !h->active) return false;
  h->active = false;
  return true;
}

std::vector<const GroupPosters::Helper*> GroupPosters::helpers(core::ChatId group) const {
  std::vector<const Helper*> out;
  auto it = groups_.find(group);
  if (it == groups_.end()) return out;
  for (const auto& h : it->second) out.push_back(&h);
  return out;
}

}  // namespace topicdesk::relay
