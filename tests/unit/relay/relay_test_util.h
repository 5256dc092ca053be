// Shared helpers of the relay tests: a migrated in-memory SQLite store, events as the
// transports make them, and the outbox read back as a list.
#pragma once
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "relay/engine.h"
#include "relay/jobs.h"
#include "store/store.h"

namespace topicdesk::relay::testing {

inline constexpr core::UserId kBotId = 500;
inline constexpr core::ChatId kGroupId = -1001000;
inline constexpr core::UserId kOperatorId = 900;
inline constexpr core::UnixMillis kT0 = 1'700'000'000'000;
inline constexpr core::UserId kAnn = 1001;  // end users
inline constexpr core::UserId kBob = 1002;
inline constexpr core::ThreadId kThread = 77;  // a topic the tests give a dialog
using core::EventKind;
using store::DialogStatus;

struct TakenJob {
  store::OutboxJob job;
  JobPayload payload;
};

inline std::unique_ptr<store::Store> make_store() {
  auto store = store::open_sqlite(":memory:");
  store->migrate();
  return store;
}

inline ConnectionContext make_context(store::Store& store, const std::string& name = "shop",
                                      core::UserId bot = kBotId, core::ChatId group = kGroupId) {
  ConnectionContext context;
  context.id = store.ensure_connection(name, bot, group);
  context.name = name;
  context.bot_id = bot;
  context.bot_username = name + "_bot";
  context.group_id = group;
  return context;
}

inline core::Event user_message(core::UserId user, core::MessageId id, std::string text) {
  core::Event e;
  e.kind = core::EventKind::kUserMessage;
  e.update_id = id;
  e.chat_id = user;
  e.message_id = id;
  e.from = core::Person{
      .id = user, .first_name = "Ann", .last_name = "Lee", .username = "ann_lee", .language_code = "en"};
  e.text = std::move(text);
  return e;
}

inline core::Event operator_message(core::ThreadId thread, core::MessageId id, std::string text,
                                    core::ChatId group = kGroupId) {
  core::Event e;
  e.kind = core::EventKind::kOperatorMessage;
  e.update_id = 100000 + id;
  e.chat_id = group;
  e.message_id = id;
  e.thread_id = thread;
  e.from = core::Person{.id = kOperatorId, .first_name = "Olga", .username = "olga_op"};
  e.text = std::move(text);
  return e;
}

// Every pending job, in the order the dispatcher could take them (queue heads by priority,
// each queue in order); all are marked done.
inline std::vector<TakenJob> take_jobs(store::Store& store) {
  std::vector<TakenJob> out;
  while (true) {
    auto ready = store.outbox_ready(kT0 * 2, 1000, {});
    if (ready.empty()) return out;
    for (auto& job : ready) {
      auto payload = payload_from_json(job.payload);
      EXPECT_TRUE(payload.ok()) << job.payload;
      store.outbox_done(job.id);
      out.push_back(TakenJob{std::move(job), payload.ok() ? *payload : JobPayload{}});
    }
  }
}

inline std::vector<std::string> kinds(const std::vector<TakenJob>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs) out.push_back(j.job.kind);
  return out;
}

inline const TakenJob* find_job(const std::vector<TakenJob>& jobs, std::string_view kind) {
  for (const auto& j : jobs) {
    if (j.job.kind == kind) return &j;
  }
  return nullptr;
}

inline std::vector<std::string> texts_to(const std::vector<TakenJob>& jobs, Side side) {
  std::vector<std::string> out;
  for (const auto& j : jobs) {
    if (j.job.kind == job::kSendText && j.payload.to == side) out.push_back(j.payload.text);
  }
  return out;
}

// An engine over a fresh in-memory store for one connection; engine(raw) (re)builds it with
// these parameters.
class EngineFixture : public ::testing::Test {
 protected:
  using MakeContext = ConnectionContext (*)(store::Store&);
  static ConnectionContext shop_context(store::Store& store) { return make_context(store); }

  explicit EngineFixture(MakeContext make = &shop_context) : store_(make_store()), context_(make(*store_)) {}

  Engine& engine(core::RawParameters raw = {}) {
    auto params = core::parse_parameters(raw);
    EXPECT_TRUE(params.ok()) << (params.ok() ? "" : params.error().message);
    context_.params = *params;
    engine_ = std::make_unique<Engine>(*store_, context_);
    return *engine_;
  }

  // The user's first message, with the topic created (as the dispatcher would) and jobs drained.
  store::Dialog open_dialog_of(Engine& e, core::UserId user, core::ThreadId thread) {
    e.handle(user_message(user, 1, "hello"), kT0);
    auto dialog = store_->dialog_by_user(context_.id, user);
    EXPECT_TRUE(dialog.has_value());
    dialog->thread_id = thread;
    store_->update_dialog(*dialog);
    take_jobs(*store_);
    return *dialog;
  }

  std::unique_ptr<store::Store> store_;
  ConnectionContext context_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace topicdesk::relay::testing
