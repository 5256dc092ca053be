// The Store, differentially: one long random sequence of operations across the concerns
// (inbox, outbox, dialogs and users, message links, timers, events, webhook deliveries and
// their claims, the proxy's update queue, connection state, leases and instances) applied to two stores at
// once, every result compared, with restarts (both stores closed and reopened) and transactions rolled back
// by a throw in between. Two backends that both keep the contract answer every step alike.
//
// The pair: SQLite against PostgreSQL when the contract suite's "postgres" backend is
// available (store_backends.cpp, TOPICDESK_TEST_PG set); otherwise SQLite against a second
// SQLite file, which still catches nondeterminism and what a restart loses.
//
// Ids are compared as the test sees them: the n-th id of a kind either store handed out is
// "#n" on both sides, so sequences that skip values after a rollback (PostgreSQL) or reuse
// them (SQLite) compare equal while identity and order must match.
//
// TOPICDESK_STORE_DIFF_SEED (a number, or "random") and TOPICDESK_STORE_DIFF_STEPS
// (default 20000) replay or widen a run; a failure prints the seed, the step and the last
// operations.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::Backend;

enum IdKind { kConnection, kInbox, kJob, kDialog, kTimer, kDelivery, kEvent, kIdKinds };
constexpr const char* kIdKindNames[kIdKinds] = {"conn",  "inbox",    "job",  "dialog",
                                                "timer", "delivery", "event"};
constexpr std::int64_t kUnknownId = std::int64_t{1} << 40;
constexpr ChatId kGroups[] = {-1001000000001, -1001000000002};
// Webhook URLs whose byte order ("H" < "h") is not their linguistic order.
constexpr const char* kUrls[] = {"http://hooks/0", "http://hooks/1", "http://Hooks/2"};
constexpr std::int64_t kHour = 3'600'000;  // a lease or claim that outlives the run

// One store under test, and the ids it handed out in the order the test first saw them.
struct Side {
  const Backend* backend = nullptr;
  std::string location;
  std::unique_ptr<Store> store;
  std::array<std::vector<std::int64_t>, kIdKinds> ids;        // handle -> id
  std::array<std::map<std::int64_t, int>, kIdKinds> handles;  // id -> handle

  // The id's handle, named on first sight.
  std::string name(IdKind kind, std::int64_t id) {
    if (id == 0) return "0";
    if (id == kUnknownId) return "unknown";
    auto [it, added] = handles[kind].emplace(id, static_cast<int>(ids[kind].size()));
    if (added) ids[kind].push_back(id);
    return std::string(kIdKindNames[kind]) + "#" + std::to_string(it->second);
  }
  // A deleted row's handle: SQLite may hand its id out again (a rowid above every other is
  // free again), PostgreSQL never does; either is the contract's, so the id is a new entity.
  void retire(IdKind kind, std::optional<int> handle) {
    if (!handle || *handle >= static_cast<int>(ids[kind].size())) return;
    handles[kind].erase(ids[kind][*handle]);
    ids[kind][*handle] = kUnknownId;
  }
  // The id behind a handle drawn by the test; kUnknownId when there is none yet.
  std::int64_t id(IdKind kind, std::optional<int> handle) const {
    if (!handle || *handle >= static_cast<int>(ids[kind].size())) return kUnknownId;
    return ids[kind][*handle];
  }
};

// What a step does to one side, returning what it read in comparable text.
using Op = std::function<std::string(Side&)>;

class Out {
 public:
  template <class T>
  Out& operator<<(const T& value) {
    text_ << value << ' ';
    return *this;
  }
  std::string str() const { return text_.str(); }

 private:
  std::ostringstream text_;
};

std::string show(Side& s, const OutboxJob& j) {
  Out o;
  o << s.name(kJob, j.id) << s.name(kConnection, j.connection_id) << j.queue_key << j.priority << j.kind
    << j.payload << j.attempts << j.not_before << j.last_error << j.created_at << j.started_at << j.restarts;
  return "{" + o.str() + "}";
}

std::string show(Side& s, const Dialog& d) {
  Out o;
  o << s.name(kDialog, d.id) << s.name(kConnection, d.connection_id) << d.user_id << d.group_id << d.thread_id
    << to_string(d.status) << d.banned << d.user_blocked_bot << d.pseudonym << d.topic_title << d.created_at
    << d.last_user_message_at << d.last_operator_reply_at << d.status_changed_at << d.owner_id
    << d.last_operator_id << d.unanswered_alerted_at;
  return "{" + o.str() + "}";
}

std::string show(const core::Person& p) {
  Out o;
  o << p.id << p.is_bot << p.first_name << p.last_name << p.username << p.language_code << p.phone;
  return "{" + o.str() + "}";
}

std::string show(Side& s, const MessageLink& l) {
  Out o;
  o << s.name(kConnection, l.connection_id) << s.name(kDialog, l.dialog_id) << l.user_message_id
    << l.group_message_id << static_cast<int>(l.direction) << l.group_id;
  return "{" + o.str() + "}";
}

std::string show(Side& s, const Timer& t) {
  Out o;
  o << s.name(kTimer, t.id) << s.name(kConnection, t.connection_id) << t.key << t.due_at << t.payload;
  return "{" + o.str() + "}";
}

std::string show(Side& s, const WebhookDelivery& d) {
  Out o;
  o << s.name(kDelivery, d.id) << s.name(kConnection, d.connection_id) << d.url << d.queue_key << d.event_id
    << s.name(kDialog, d.dialog_id) << d.retry << d.attempts << d.not_before << d.failing_since
    << d.last_error << d.created_at;
  return "{" + o.str() + "}";
}

template <class T>
std::string show(Side& s, const std::optional<T>& value) {
  return value ? show(s, *value) : std::string("none");
}

template <class T, class F>
std::string show_all(const std::vector<T>& values, F&& each) {
  std::string out = "[";
  for (const auto& v : values) out += each(v) + ",";
  return out + "]";
}

std::int64_t env_int(const char* name, std::int64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  if (std::string(text) == "random") return static_cast<std::int64_t>(std::random_device{}());
  return std::strtoll(text, nullptr, 10);
}

class StoreDifferential : public ::testing::Test {
 protected:
  void SetUp() override {
    backends_ = test_support::all_backends();
    const Backend* sqlite = find("sqlite_file");
    const Backend* other = find("postgres");
    if (other != nullptr && !other->available) other = nullptr;  // no TOPICDESK_TEST_PG
    ASSERT_NE(sqlite, nullptr);
    a_.backend = sqlite;
    b_.backend = other != nullptr ? other : sqlite;
    for (Side* side : {&a_, &b_}) {
      side->location = side->backend->new_location();
      side->store = side->backend->open(side->location);
    }
    seed_ = static_cast<std::uint64_t>(env_int("TOPICDESK_STORE_DIFF_SEED", 20261207));
    steps_ = env_int("TOPICDESK_STORE_DIFF_STEPS", 20000);
    rng_.seed(seed_);
    std::printf("store differential: %s against %s, seed %llu, %lld steps\n", a_.backend->name.c_str(),
                b_.backend->name.c_str(), static_cast<unsigned long long>(seed_),
                static_cast<long long>(steps_));
  }

  void TearDown() override {
    for (Side* side : {&a_, &b_}) {
      side->store.reset();
      if (!side->location.empty()) side->backend->remove(side->location);
    }
  }

  const Backend* find(const std::string& name) const {
    for (const auto& b : backends_)
      if (b.name == name) return &b;
    return nullptr;
  }

  // Random draws.
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  bool chance(int percent) { return pick(100) < percent; }
  std::optional<int> handle(IdKind kind) {
    const auto n = static_cast<int>(a_.ids[kind].size());
    if (n == 0 || chance(3)) return std::nullopt;  // now and then an id the store never gave
    return pick(n);
  }
  std::string text(const char* stem) { return std::string(stem) + std::to_string(pick(1000)); }

  // Runs `op` on both sides (outside a transaction: its own unit) and compares.
  void both(const std::string& what, const Op& op) {
    note(what);
    const auto ra = run_caught(a_, op);
    const auto rb = run_caught(b_, op);
    compare(what, ra, rb);
  }

  std::string run_caught(Side& s, const Op& op) {
    try {
      return op(s);
    } catch (const StoreError& e) {
      ++store_errors_;
      return std::string("StoreError ") + to_string(e.kind());
    }
  }

  // A transaction of several operations on each side; rolled back by a throw when `rollback`.
  // A StoreError inside ends the unit (rolled back whole, as the contract says).
  void transaction(const std::vector<std::pair<std::string, Op>>& ops, bool rollback) {
    note(std::string("transaction of ") + std::to_string(ops.size()) + (rollback ? ", rolled back" : ""));
    struct Rollback {};
    std::array<std::string, 2> results;
    int i = 0;
    for (Side* side : {&a_, &b_}) {
      const auto ids = side->ids;
      const auto handles = side->handles;
      std::string& out = results[i++];
      try {
        side->store->transaction([&] {
          for (const auto& [what, op] : ops) out += what + " -> " + op(*side) + "\n";
          if (rollback) throw Rollback{};
        });
        out += "committed";
      } catch (const Rollback&) {
        out += "rolled back";
      } catch (const StoreError& e) {
        ++store_errors_;
        out += std::string("StoreError ") + to_string(e.kind()) + ", rolled back";
      }
      if (out.find("rolled back") != std::string::npos) {
        side->ids = ids;  // what the unit created is gone
        side->handles = handles;
      }
    }
    compare("transaction", results[0], results[1]);
  }

  void restart() {
    note("restart");
    for (Side* side : {&a_, &b_}) {
      side->store.reset();
      side->store = side->backend->open(side->location);
    }
  }

  void note(const std::string& what) {
    recent_.push_back(std::to_string(step_) + ": " + what);
    if (recent_.size() > 12) recent_.pop_front();
  }

  void compare(const std::string& what, const std::string& ra, const std::string& rb) {
    if (ra == rb) return;
    std::string trail;
    for (const auto& r : recent_) trail += "  " + r + "\n";
    FAIL() << "the stores differ at step " << step_ << " (" << what << "), seed " << seed_
           << " (replay: TOPICDESK_STORE_DIFF_SEED=" << seed_ << ")\n"
           << "A " << a_.backend->name << ": " << ra << "\n"
           << "B " << b_.backend->name << ": " << rb << "\nlast operations:\n"
           << trail;
  }

  // One random operation: its name and what it does to a side. Parameters are drawn here,
  // once, so both sides get the same.
  std::pair<std::string, Op> draw() {
    const UnixMillis now = now_;
    switch (pick(45)) {
      // Connections and their state.
      case 0: {
        static const char* kNames[] = {"support", "sales", "hooks"};
        auto name = std::string(kNames[pick(3)]);
        auto bot = between(1, 3);
        auto group = kGroups[pick(2)];
        return {"ensure_connection " + name,
                [=](Side& s) { return s.name(kConnection, s.store->ensure_connection(name, bot, group)); }};
      }
      case 1: {
        auto c = handle(kConnection);
        return {"connection", [=](Side& s) {
                  auto r = s.store->connection(s.id(kConnection, c));
                  if (!r) return std::string("none");
                  Out o;
                  o << s.name(kConnection, r->id) << r->name << r->bot_id << r->group_id;
                  return o.str();
                }};
      }
      case 2:
        return {"connections", [](Side& s) {
                  return show_all(s.store->connections(), [&](const ConnectionRecord& r) {
                    return s.name(kConnection, r.id) + " " + r.name;
                  });
                }};
      case 3: {
        // Keys whose byte order is not their linguistic order: lists by key must not depend on
        // the database's collation.
        static const char* kKeys[] = {"offset",  "start:1", "start:2", "start:10", "mode",
                                      "start:B", "start:a", "start:é", "start:_"};
        auto c = handle(kConnection);
        auto key = std::string(kKeys[pick(9)]);
        auto value = text("v");
        if (chance(50))
          return {"state_set " + key, [=](Side& s) {
                    s.store->state_set(s.id(kConnection, c), key, value);
                    return std::string();
                  }};
        return {"state_get " + key,
                [=](Side& s) { return s.store->state_get(s.id(kConnection, c), key).value_or("none"); }};
      }
      case 4: {
        auto c = handle(kConnection);
        return {"state_with_prefix", [=](Side& s) {
                  return show_all(s.store->state_with_prefix(s.id(kConnection, c), "start:"),
                                  [](const auto& kv) { return kv.first + "=" + kv.second; });
                }};
      }
      // The inbox.
      case 5:
      case 6: {
        auto c = handle(kConnection);
        auto update = between(1, next_update_++);
        auto payload = text("event");
        return {"inbox_add " + std::to_string(update), [=](Side& s) {
                  return std::to_string(s.store->inbox_add(s.id(kConnection, c), update, payload));
                }};
      }
      case 7: {
        auto c = handle(kConnection);
        auto limit = static_cast<int>(between(1, 8));
        return {"inbox_pending", [=](Side& s) {
                  return show_all(s.store->inbox_pending(s.id(kConnection, c), limit),
                                  [&](const InboxEntry& e) {
                                    return s.name(kInbox, e.id) + " " + s.name(kConnection, e.connection_id) +
                                           " " + std::to_string(e.update_id) + " " + e.payload;
                                  });
                }};
      }
      case 8: {
        auto e = handle(kInbox);
        return {"inbox_done", [=](Side& s) {
                  s.store->inbox_done(s.id(kInbox, e));
                  return std::string();
                }};
      }
      // The outbox.
      case 9:
      case 10:
      case 11: {
        OutboxJob job;
        auto c = handle(kConnection);
        job.queue_key = "q" + std::to_string(pick(6));
        job.priority = pick(10);
        job.kind = chance(50) ? "copy" : "edit_title";
        job.payload = text("payload");
        job.not_before = chance(60) ? 0 : now + between(-1000, 5000);
        job.created_at = now;
        return {"outbox_add " + job.queue_key, [=](Side& s) {
                  auto j = job;
                  j.connection_id = s.id(kConnection, c);
                  return s.name(kJob, s.store->outbox_add(j));
                }};
      }
      case 12:
      case 13: {
        auto limit = static_cast<int>(between(1, 8));
        std::vector<std::optional<int>> in_flight;
        for (int i = pick(3); i > 0; --i) in_flight.push_back(handle(kJob));
        std::vector<std::optional<int>> owned;  // an instance's connections; none: all
        if (chance(40))
          for (int i = 1 + pick(2); i > 0; --i) owned.push_back(handle(kConnection));
        return {"outbox_ready", [=](Side& s) {
                  std::vector<std::int64_t> ids;
                  for (auto h : in_flight) ids.push_back(s.id(kJob, h));
                  std::vector<ConnectionId> connections;
                  for (auto h : owned) connections.push_back(s.id(kConnection, h));
                  return show_all(s.store->outbox_ready(now, limit, ids, connections),
                                  [&](const OutboxJob& j) { return show(s, j); });
                }};
      }
      case 14: {
        auto j = handle(kJob);
        return {"outbox_job", [=](Side& s) { return show(s, s.store->outbox_job(s.id(kJob, j))); }};
      }
      case 15: {
        auto queue = "q" + std::to_string(pick(6));
        return {"outbox_queue_pending " + queue,
                [=](Side& s) { return std::to_string(s.store->outbox_queue_pending(queue)); }};
      }
      case 16:
      case 17: {
        auto j = handle(kJob);
        auto error = text("error");
        auto later = now + between(0, 4000);
        auto repeat = chance(30);
        auto payload = text("next");
        switch (pick(5)) {
          case 0:
            return {"outbox_done", [=](Side& s) {
                      s.store->outbox_done(s.id(kJob, j));
                      return std::string();
                    }};
          case 1:
            return {"outbox_retry", [=](Side& s) {
                      s.store->outbox_retry(s.id(kJob, j), later, error);
                      return std::string();
                    }};
          case 2:
            return {"outbox_fail", [=](Side& s) {
                      s.store->outbox_fail(s.id(kJob, j), error);
                      return std::string();
                    }};
          case 3:
            return {"outbox_start", [=](Side& s) {
                      s.store->outbox_start(s.id(kJob, j), now, repeat);
                      return std::string();
                    }};
          default:
            return {"outbox_continue", [=](Side& s) {
                      s.store->outbox_continue(s.id(kJob, j), payload);
                      return std::string();
                    }};
        }
      }
      case 18:
        return {"outbox_stats", [](Side& s) {
                  auto st = s.store->outbox_stats();
                  Out o;
                  o << st.pending << st.failed << st.oldest_pending_created_at;
                  return o.str();
                }};
      // Users and dialogs.
      case 19: {
        auto c = handle(kConnection);
        core::Person p;
        p.id = between(1, 12);
        p.first_name = text("name");
        p.username = chance(50) ? text("user") : "";
        p.phone = chance(20) ? text("+49") : "";
        return {"upsert_user", [=](Side& s) {
                  s.store->upsert_user(s.id(kConnection, c), p, now);
                  auto u = s.store->user(s.id(kConnection, c), p.id);
                  return u ? show(*u) : std::string("none");
                }};
      }
      case 20:
      case 21: {
        auto c = handle(kConnection);
        auto user = between(1, 12);
        auto group = kGroups[pick(2)];
        return {"create_dialog", [=](Side& s) {
                  return show(s, s.store->create_dialog(s.id(kConnection, c), user, group, now));
                }};
      }
      case 22: {
        auto d = handle(kDialog);
        return {"dialog", [=](Side& s) { return show(s, s.store->dialog(s.id(kDialog, d))); }};
      }
      case 23: {
        auto c = handle(kConnection);
        auto user = between(1, 12);
        return {"dialog_by_user",
                [=](Side& s) { return show(s, s.store->dialog_by_user(s.id(kConnection, c), user)); }};
      }
      case 24: {
        auto group = kGroups[pick(2)];
        auto thread = between(0, 6);
        return {"dialog_by_thread",
                [=](Side& s) { return show(s, s.store->dialog_by_thread(group, thread)); }};
      }
      case 25:
      case 26: {
        auto d = handle(kDialog);
        auto thread = chance(30) ? std::optional<ThreadId>(between(0, 6)) : std::nullopt;
        auto status = static_cast<DialogStatus>(pick(3));
        auto flags = pick(4);
        auto title = text("title");
        auto owner = between(0, 3);
        auto when = now - between(0, 3000);
        return {"update_dialog", [=](Side& s) {
                  auto found = s.store->dialog(s.id(kDialog, d));
                  if (!found) return std::string("none");
                  auto dialog = *found;
                  if (thread) dialog.thread_id = *thread;
                  if (dialog.status != status) dialog.status_changed_at = when;
                  dialog.status = status;
                  dialog.banned = (flags & 1) != 0;
                  dialog.user_blocked_bot = (flags & 2) != 0;
                  dialog.topic_title = title;
                  dialog.owner_id = owner;
                  dialog.last_operator_id = owner;
                  if (status == DialogStatus::kSupportAnswered) dialog.last_operator_reply_at = when;
                  if (status == DialogStatus::kUserAnswered) dialog.last_user_message_at = when;
                  dialog.unanswered_alerted_at = flags == 3 ? when : 0;
                  s.store->update_dialog(dialog);
                  return show(s, s.store->dialog(dialog.id));
                }};
      }
      case 27: {
        auto c = handle(kConnection);
        auto status = static_cast<DialogStatus>(pick(3));
        auto limit = static_cast<int>(between(1, 6));
        auto before = now - between(0, 3000);
        auto group = kGroups[pick(2)];
        switch (pick(3)) {
          case 0:
            return {"dialogs_with_status", [=](Side& s) {
                      return show_all(s.store->dialogs_with_status(s.id(kConnection, c), status, limit),
                                      [&](const Dialog& d) { return show(s, d); });
                    }};
          case 1:
            return {"dialogs_waiting_since", [=](Side& s) {
                      return show_all(s.store->dialogs_waiting_since(s.id(kConnection, c), before, limit),
                                      [&](const Dialog& d) { return show(s, d); });
                    }};
          default:
            return {"count_dialogs", [=](Side& s) {
                      auto n = s.store->count_dialogs(group);
                      Out o;
                      o << n.user_answered << n.support_answered << n.closed;
                      return o.str();
                    }};
        }
      }
      case 28: {
        auto c = handle(kConnection);
        auto after = handle(kDialog);
        auto status =
            chance(50) ? std::optional<DialogStatus>(static_cast<DialogStatus>(pick(3))) : std::nullopt;
        auto limit = static_cast<int>(between(1, 6));
        return {"dialogs_page", [=](Side& s) {
                  auto after_id = after ? s.id(kDialog, after) : 0;
                  if (after_id == kUnknownId) after_id = 0;
                  return show_all(s.store->dialogs_page(s.id(kConnection, c), status, after_id, limit),
                                  [&](const DialogWithUser& d) {
                                    return show(s, d.dialog) + (d.user ? show(*d.user) : std::string("-"));
                                  });
                }};
      }
      // Message links.
      case 29: {
        auto d = handle(kDialog);
        auto user_message = between(1, 40);
        auto group_message = between(1, 40);
        auto direction = static_cast<LinkDirection>(pick(3));
        auto group = chance(50) ? 0 : kGroups[pick(2)];
        return {"add_link", [=](Side& s) {
                  auto dialog = s.store->dialog(s.id(kDialog, d));
                  if (!dialog) return std::string("none");
                  s.store->add_link(MessageLink{dialog->connection_id, dialog->id, user_message,
                                                group_message, direction, group});
                  return std::string();
                }};
      }
      case 30: {
        auto d = handle(kDialog);
        auto message = between(1, 40);
        auto group = kGroups[pick(2)];
        if (chance(50))
          return {"link_by_user_message",
                  [=](Side& s) { return show(s, s.store->link_by_user_message(s.id(kDialog, d), message)); }};
        return {"link_by_group_message",
                [=](Side& s) { return show(s, s.store->link_by_group_message(group, message)); }};
      }
      // Timers.
      case 31: {
        auto c = handle(kConnection);
        auto key = "album:" + std::to_string(pick(6));
        auto due = now + between(-500, 5000);
        auto payload = text("timer");
        return {"timer_set " + key, [=](Side& s) {
                  s.store->timer_set(s.id(kConnection, c), key, due, payload);
                  return show(s, s.store->timer_get(s.id(kConnection, c), key));
                }};
      }
      case 32: {
        auto limit = static_cast<int>(between(1, 6));
        auto t = handle(kTimer);
        if (chance(40))
          return {"timer_delete", [=](Side& s) {
                    s.store->timer_delete(s.id(kTimer, t));
                    s.retire(kTimer, t);
                    return std::string();
                  }};
        return {"timers_due", [=](Side& s) {
                  return show_all(s.store->timers_due(now, limit),
                                  [&](const Timer& x) { return show(s, x); });
                }};
      }
      // Webhook deliveries.
      case 33: {
        struct Draft {
          std::optional<int> conn, dialog;
          std::string url;
          bool retry;
        };
        std::vector<Draft> drafts;
        for (int i = pick(4); i > 0; --i)
          drafts.push_back({handle(kConnection), handle(kDialog), kUrls[pick(3)], chance(70)});
        auto first_event = next_event_;
        next_event_ += static_cast<std::int64_t>(drafts.size()) + pick(2);
        auto cursor = next_event_ - 1;
        const bool stale = chance(15);  // another worker moved the cursor first: nothing is added
        return {"webhook_enqueue", [=](Side& s) {
                  std::vector<WebhookDelivery> deliveries;
                  auto event = first_event;
                  for (const auto& d : drafts) {
                    WebhookDelivery w;
                    w.connection_id = s.id(kConnection, d.conn);
                    w.url = d.url;
                    w.dialog_id = s.id(kDialog, d.dialog);
                    if (w.dialog_id == kUnknownId) w.dialog_id = 0;
                    // The lane: per dialog and URL, named without store ids so both sides agree.
                    w.queue_key = d.url + "|" + (d.dialog ? std::to_string(*d.dialog) : "-");
                    w.event_id = event++;
                    w.retry = d.retry;
                    w.created_at = now;
                    deliveries.push_back(w);
                  }
                  const auto from = s.store->webhook_cursor() - (stale ? 1 : 0);
                  const bool moved = s.store->webhook_enqueue(deliveries, from, cursor);
                  return std::string(moved ? "moved " : "stale ") + std::to_string(s.store->webhook_cursor());
                }};
      }
      case 34: {
        auto limit = static_cast<int>(between(1, 6));
        std::vector<std::string> busy;
        if (chance(30)) busy.push_back("http://hooks/0|-");
        return {"webhook_ready", [=](Side& s) {
                  return show_all(s.store->webhook_ready(now, limit, busy),
                                  [&](const WebhookDelivery& d) { return show(s, d); });
                }};
      }
      case 35: {
        auto d = handle(kDelivery);
        if (!d) return {"webhook_status", [](Side& s) { return webhook_status(s); }};
        auto status = chance(60) ? 200 : (chance(50) ? 500 : 0);
        auto error = status == 200 ? std::string() : text("hook error");
        auto duration = between(1, 300);
        auto later = now + between(0, 3000);
        auto outcome = status == 200 ? 0 : 1 + pick(2);
        return {"webhook attempt " + std::to_string(outcome), [=](Side& s) {
                  WebhookAttempt attempt{s.id(kDelivery, d), now, status, error, duration};
                  if (outcome == 0) s.store->webhook_delivered(attempt);
                  if (outcome == 1) s.store->webhook_retry(attempt, later);
                  if (outcome == 2) s.store->webhook_give_up(attempt);
                  return show_all(s.store->webhook_attempts(attempt.delivery_id),
                                  [](const WebhookAttempt& a) {
                                    Out o;
                                    o << a.at << a.http_status << a.error << a.duration_ms;
                                    return o.str();
                                  });
                }};
      }
      // The proxy's update queue and webhook.
      case 36:
      case 37: {
        auto c = handle(kConnection);
        ProxyUpdate update{between(1, next_proxy_update_++), chance(70) ? "message" : "callback_query",
                           text("update")};
        return {"proxy_update_add", [=](Side& s) {
                  return std::to_string(s.store->proxy_update_add(s.id(kConnection, c), update, now));
                }};
      }
      case 38: {
        auto c = handle(kConnection);
        auto from = between(0, next_proxy_update_);
        auto limit = static_cast<int>(between(1, 6));
        auto before = now - between(0, 20000);
        switch (pick(4)) {
          case 0:
            return {"proxy_updates", [=](Side& s) {
                      return show_all(s.store->proxy_updates(s.id(kConnection, c), from, limit),
                                      [](const ProxyUpdate& u) {
                                        return std::to_string(u.update_id) + " " + u.kind + " " + u.payload;
                                      });
                    }};
          case 1:
            return {"proxy_confirm", [=](Side& s) {
                      s.store->proxy_confirm(s.id(kConnection, c), from);
                      auto b = s.store->proxy_backlog(s.id(kConnection, c));
                      return std::to_string(b.count) + " " + std::to_string(b.oldest);
                    }};
          case 2:
            return {"proxy_expire", [=](Side& s) { return std::to_string(s.store->proxy_expire(before)); }};
          default:
            return {"proxy_backlog", [=](Side& s) {
                      auto b = s.store->proxy_backlog(s.id(kConnection, c));
                      return std::to_string(b.count) + " " + std::to_string(b.oldest);
                    }};
        }
      }
      // Events (what the webhook fan-out reads).
      case 39: {
        auto c = handle(kConnection);
        auto d = handle(kDialog);
        auto type = chance(50) ? "message_received" : "dialog_created";
        auto payload = text(R"({"text":"é)") + "\"}";
        return {"append_event", [=](Side& s) {
                  auto dialog = s.id(kDialog, d);
                  return s.name(kEvent,
                                s.store->append_event(s.id(kConnection, c), dialog == kUnknownId ? 0 : dialog,
                                                      type, payload, now));
                }};
      }
      case 40: {
        auto after = handle(kEvent);
        auto limit = static_cast<int>(between(1, 6));
        auto show_event = [](Side& s, const StoredEvent& e) {
          Out o;
          o << s.name(kEvent, e.id) << s.name(kConnection, e.connection_id) << s.name(kDialog, e.dialog_id)
            << e.type << e.payload << e.created_at;
          return o.str();
        };
        if (chance(50))
          return {"event_by_id", [=](Side& s) {
                    auto e = s.store->event_by_id(s.id(kEvent, after));
                    return e ? show_event(s, *e) : std::string("none");
                  }};
        return {"events_after", [=](Side& s) {
                  auto after_id = after ? s.id(kEvent, after) : 0;
                  if (after_id == kUnknownId) after_id = 0;
                  return show_all(s.store->events_after(after_id, limit),
                                  [&](const StoredEvent& e) { return show_event(s, e); });
                }};
      }
      // Several instances: leases and webhook claims. Their times are the databases' own
      // clocks, which differ; ttl 0 (expired at once) or an hour (live for the whole run) keeps
      // who owns, generations and success comparable.
      case 42:
      case 43: {
        static const char* kNames[] = {"support", "sales", "hooks"};
        static const char* kInstances[] = {"a", "b", "c"};
        auto connection = std::string(kNames[pick(3)]);
        auto instance = std::string(kInstances[pick(3)]);
        auto ttl = chance(50) ? 0 : kHour;
        auto current = chance(70);  // the fence of the lease as it is now, else a made-up one
        auto generation = between(0, 5);
        auto op = pick(4);
        static const char* kOps[] = {"lease_acquire", "lease_renew", "lease_release", "lease_check"};
        return {std::string(kOps[op]) + " " + connection + " " + instance, [=](Side& s) {
                  Fence fence{connection, instance, generation};
                  for (const auto& l : s.store->leases()) {
                    if (current && l.connection == connection)
                      fence = Fence{connection, l.owner, l.generation};
                  }
                  std::string out;
                  switch (op) {
                    case 0: {
                      auto taken = s.store->lease_acquire(connection, instance, ttl);
                      out = taken ? "taken " + std::to_string(taken->generation) : "held elsewhere";
                      break;
                    }
                    case 1:
                      out = s.store->lease_renew(fence, ttl) ? "renewed" : "moved on";
                      break;
                    case 2:
                      s.store->lease_release(fence);
                      out = "released";
                      break;
                    default:
                      try {
                        s.store->lease_check(fence);
                        out = "held";
                      } catch (const LeaseLost& lost) {
                        out = std::string("lost ") + lost.connection();
                      }
                  }
                  return out + " " + leases(s);
                }};
      }
      case 44: {
        auto limit = static_cast<int>(between(1, 6));
        auto claim = chance(50) ? 0 : kHour;
        if (chance(20)) {
          static const char* kInstances[] = {"a", "b", "c"};
          auto instance = std::string(kInstances[pick(3)]);
          auto leave = chance(30);
          return {"instance " + instance, [=](Side& s) {
                    if (leave)
                      s.store->instance_leave(instance);
                    else
                      s.store->instance_beat(instance, instance + ":8080", now);
                    std::vector<std::string> ids;
                    for (const auto& i : s.store->instances()) ids.push_back(i.id + "@" + i.address);
                    std::sort(ids.begin(), ids.end());  // beats in one millisecond may tie
                    return show_all(ids, [](const std::string& id) { return id; });
                  }};
        }
        return {"webhook_claim", [=](Side& s) {
                  return show_all(s.store->webhook_claim(now, limit, {}, claim),
                                  [&](const WebhookDelivery& d) { return show(s, d); });
                }};
      }
      default: {
        auto c = handle(kConnection);
        std::optional<ProxyWebhook> hook;
        if (chance(70))
          hook = ProxyWebhook{text("https://program/"),
                              text("secret"),
                              chance(50) ? R"(["message"])" : "",
                              static_cast<int>(between(1, 100)),
                              now,
                              text("e")};
        auto write = chance(50);
        return {"proxy_webhook", [=](Side& s) {
                  if (write) s.store->proxy_set_webhook(s.id(kConnection, c), hook);
                  auto h = s.store->proxy_webhook(s.id(kConnection, c));
                  if (!h) return std::string("none");
                  Out o;
                  o << h->url << h->secret_token << h->allowed_updates_json << h->max_connections
                    << h->last_error_at << h->last_error;
                  return o.str();
                }};
      }
    }
  }

  // Who owns which lease, at which generation, and whether it is live (never the times).
  static std::string leases(Side& s) {
    const auto db_now = s.store->database_now();
    return show_all(s.store->leases(), [&](const LeaseRecord& l) {
      Out o;
      o << l.connection << l.owner << l.generation << (l.expires_at > db_now ? "live" : "expired");
      return o.str();
    });
  }

  static std::string webhook_status(Side& s) {
    return show_all(s.store->webhook_status(), [&](const WebhookUrlStatus& w) {
      Out o;
      o << s.name(kConnection, w.connection_id) << w.url << w.delivered << w.pending << w.failed
        << w.failing_since << w.last_error << w.last_error_at;
      return o.str();
    });
  }

  // Everything a restart must keep, read at once.
  std::pair<std::string, Op> digest() {
    const UnixMillis now = now_;
    return {"digest", [now](Side& s) {
              std::string out = show_all(s.store->connections(), [&](const ConnectionRecord& r) {
                return s.name(kConnection, r.id) + " " + r.name;
              });
              auto st = s.store->outbox_stats();
              out += " outbox " + std::to_string(st.pending) + "/" + std::to_string(st.failed);
              out += " ready " + show_all(s.store->outbox_ready(now + 1000000, 1000, {}),
                                          [&](const OutboxJob& j) { return show(s, j); });
              for (auto group : kGroups) {
                auto n = s.store->count_dialogs(group);
                out += " dialogs " + std::to_string(n.user_answered) + "/" +
                       std::to_string(n.support_answered) + "/" + std::to_string(n.closed);
              }
              out += " timers " + show_all(s.store->timers_due(now + 1000000, 1000),
                                           [&](const Timer& t) { return show(s, t); });
              out += " hooks " + webhook_status(s) + " cursor " + std::to_string(s.store->webhook_cursor());
              out += " leases " + leases(s);
              return out;
            }};
  }

  std::vector<Backend> backends_;
  Side a_, b_;
  std::mt19937_64 rng_;
  std::uint64_t seed_ = 0;
  std::int64_t steps_ = 0;
  std::int64_t step_ = 0;
  UnixMillis now_ = 1'700'000'000'000;
  std::int64_t next_update_ = 1;
  std::int64_t next_proxy_update_ = 1;
  std::int64_t next_event_ = 1;
  std::deque<std::string> recent_;
  int store_errors_ = 0;
};

TEST_F(StoreDifferential, RandomOperationsAnswerAlikeAcrossRestartsAndRollbacks) {
  // Two connections to start with, so most operations have something to work on.
  both("ensure_connection support",
       [](Side& s) { return s.name(kConnection, s.store->ensure_connection("support", 111, kGroups[0])); });
  both("ensure_connection sales",
       [](Side& s) { return s.name(kConnection, s.store->ensure_connection("sales", 222, kGroups[1])); });
  int restarts = 0;
  int rollbacks = 0;
  for (step_ = 0; step_ < steps_ && !HasFatalFailure() && !HasNonfatalFailure(); ++step_) {
    now_ += between(0, 400);
    const int roll = pick(1000);
    if (roll < 3) {
      both("digest", digest().second);
      restart();
      ++restarts;
      both("digest after restart", digest().second);
    } else if (roll < 40) {
      std::vector<std::pair<std::string, Op>> ops;
      for (int i = static_cast<int>(between(1, 6)); i > 0; --i) ops.push_back(draw());
      const bool rollback = chance(50);
      rollbacks += rollback ? 1 : 0;
      transaction(ops, rollback);
    } else {
      auto [what, op] = draw();
      both(what, op);
    }
  }
  if (!HasFailure()) both("final digest", digest().second);
  RecordProperty("seed", std::to_string(seed_));
  std::string seen;
  for (int k = 0; k < kIdKinds; ++k) seen += " " + std::to_string(a_.ids[k].size()) + " " + kIdKindNames[k];
  std::printf(
      "store differential: %lld steps, %d restarts, %d rolled-back transactions, %d store errors; ids:%s\n",
      static_cast<long long>(step_), restarts, rollbacks, store_errors_, seen.c_str());
}

}  // namespace
}  // namespace topicdesk::store
