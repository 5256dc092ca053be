// Who posts into a backend group: the connection's own bot, or one of the group's helper bots
// (docs/helper-bots.md). Telegram lets one bot post about 20 messages a minute into a group, and
// each bot that is an admin there has a budget of its own; helpers lift a busy group's ceiling
// to about (helpers + 1) × 20 a minute.
//
// Contract:
// - A helper belongs to a group (config [[group]] helpers), not to a connection: connections that
//   share a group share its helpers, and each helper has ONE FloodControl per group, whoever's
//   jobs it posts. The connection's own bot keeps its own FloodControl (the dispatcher's).
// - choose() keeps the own bot's budget for what only the own bot may do: create and title topics,
//   close and reopen them, copy media (file ids do not pass between bots) and edit its own copies.
//   A helper's budget can carry nothing else, so in a burst the helpers go first: among helpers
//   with a free slot, the one that posted least recently (round robin); the own bot takes a job a
//   helper could post only when no helper has a free slot (its spare budget is not wasted); when
//   no bot has one, the earliest slot of all is the answer (a helper on ties), so the job waits for
//   the first budget that opens. While the group is QUIET (the dispatcher's call: nothing else is
//   being posted into it and the own bot has used at most a quarter of its minute there) the own
//   bot posts while it has budget, as a desk without helpers does: at everyday load the copies
//   come from the connection's bot. The choice is not remembered by the job: a retried job is
//   chosen for again.
// - Helpers post, they never manage topics: createForumTopic, titles, close and reopen stay the
//   own bot's (the dispatcher decides which calls may go to a helper: helper_may_post).
// - A copy remembers its poster (store::MessageLink::poster_id); its edits and reactions go
//   through api_of(poster) and that poster's FloodControl. A poster that is unknown or dropped
//   has no api (nullptr): the own bot tries.
// - drop(): Telegram refused a helper for good in this group (kicked, rights taken, chat not
//   found). It leaves the rotation for the rest of the run; true only the first time, so the
//   operators are told once. Its work is chosen for again and goes to the others.
// - Metrics: topicdesk_group_posts_total{group, poster} counts the messages each bot posted
//   into each group (poster "own" for the connection's bot, else the helper's @username or id).
//
// Pure and not thread-safe: the dispatcher's strand; time is passed in by the caller.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/metrics.h"
#include "telegram/bot_api.h"
#include "telegram/flood_control.h"

namespace topicdesk::relay {

// The job kinds a helper may post for (into a topic or General). Copies of a user's message only
// when it is a text the engine put into the payload (a helper cannot read the user's private chat
// with the connection's bot, and file ids do not pass between bots); topic management never.
bool helper_may_post(std::string_view job_kind, bool payload_has_text);

class GroupPosters {
 public:
  // 0 stands for the connection's own bot in choices and links.
  static constexpr core::UserId kOwnBot = 0;

  struct Helper {
    core::UserId bot_id = 0;  // from getMe
    std::string username;     // without @, for notices and metrics; may be empty
    telegram::BotApi* api = nullptr;
    std::unique_ptr<telegram::FloodControl> flood;
    bool active = true;
    std::uint64_t last_post = 0;  // the rotation's turn of its last post (0: none yet)
    core::Metric* posts = nullptr;
  };

  // A helper bot of `group`. `api` must outlive this. Adding the same bot twice to a group keeps
  // the first (a connection re-added after its lease came back finds its helpers there).
  void add_helper(core::ChatId group, core::UserId bot_id, std::string username, telegram::BotApi& api,
                  telegram::FloodLimits limits);
  bool has_helpers(core::ChatId group) const;  // active ones
  bool serves(core::ChatId group) const {
    return groups_.contains(group);
  }  // helpers were added, maybe dropped

  struct Choice {
    core::UserId poster = kOwnBot;
    core::UnixMillis slot = 0;  // <= now: post now
  };
  // The poster of a message into `group` that costs `messages`, by the rule in the contract;
  // `own_slot` is what the own bot's FloodControl says (FloodControl::next_slot), `quiet` whether
  // the group is quiet.
  Choice choose(core::ChatId group, core::UnixMillis own_slot, core::UnixMillis now, int messages,
                bool quiet) const;

  // The helper's api and FloodControl in `group`; nullptr when `poster` is no active helper there.
  telegram::BotApi* api_of(core::ChatId group, core::UserId poster) const;
  telegram::FloodControl* flood_of(core::ChatId group, core::UserId poster) const;
  const Helper* helper(core::ChatId group, core::UserId poster) const;

  // A call that posts `messages` into `group` starts: the helper's window counts it (the own bot's
  // is the dispatcher's), and the metric counts it for either.
  void record_send(core::ChatId group, core::UserId poster, core::UnixMillis now, int messages);

  // See the contract. true: it was active (tell the operators).
  bool drop(core::ChatId group, core::UserId poster);

  std::vector<const Helper*> helpers(core::ChatId group) const;  // in config order, dropped included

 private:
  Helper* find(core::ChatId group, core::UserId poster);
  const Helper* find(core::ChatId group, core::UserId poster) const;
  core::Metric& own_posts(core::ChatId group);

  std::map<core::ChatId, std::vector<Helper>> groups_;
  std::map<core::ChatId, core::Metric*> own_posts_;
  std::uint64_t turns_ = 0;  // posts by helpers so far: several in one millisecond still take turns
};

}  // namespace topicdesk::relay
