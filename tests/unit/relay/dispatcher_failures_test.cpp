// The dispatcher when the store fails and when a restart interrupted a send: nothing lost, no
// call repeated because a commit failed, the log bounded, and a send whose outcome is unknown
// resolved by the rule of docs/architecture.md (delivery guarantee).
#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <mutex>

#include "core/presentation.h"
#include "dispatch_test_util.h"
#include "fake_bot_api.h"
#include "relay/dispatcher.h"
#include "relay/engine.h"
#include "relay_test_util.h"
#include "store/sqlite/sqlite_store.h"

namespace topicdesk::relay {
namespace {
using namespace testing;
namespace json = boost::json;
using std::chrono::milliseconds;

// Counts the warnings and errors logged while it is installed.
class CountingSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  int errors = 0;
  std::vector<std::string> lines;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (msg.level < spdlog::level::err) return;
    ++errors;
    lines.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}
};

class LogCounter {
 public:
  LogCounter() : sink_(std::make_shared<CountingSink>()) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~LogCounter() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  int errors() const { return sink_->errors; }
  const std::vector<std::string>& lines() const { return sink_->lines; }

 private:
  std::shared_ptr<CountingSink> sink_;
};

// One desk on an SQLite store whose commits fail on demand (its test-only fault plan): the
// engine's commits and the dispatcher's alike. An engine commit that fails is handled again, as
// the runtime does with the inbox entry it could not finish.
struct Desk {
  Desk() : sqlite(std::make_unique<store::SqliteStore>(":memory:")) {
    sqlite->migrate();
    context = make_context(*sqlite);
    context.params.welcome.reset();  // the tests follow one message's calls: no WELCOME
    engine = std::make_unique<Engine>(*sqlite, context);
  }

  void start(DispatcherOptions options = {}, telegram::FloodLimits limits = {.enabled = false}) {
    io.restart();  // after a stopped dispatcher the loop ran out of work
    dispatcher = std::make_unique<Dispatcher>(io.get_executor(), *sqlite, fast_retry_options(options));
    dispatcher->add_connection(context, api, limits);
    // The runtime's inbox, draining into the engine the way this desk handles commits that fail.
    InboxHooks hooks;
    hooks.handled = [this] { dispatcher->notify(); };
    inbox = std::make_unique<Inbox>(io.get_executor(), *sqlite, std::move(hooks));
    inbox->add_connection(context.id, context.name,
                          [this](const std::vector<store::InboxEntry>& entries, core::UnixMillis now) {
                            for (const auto& entry : entries) {
                              until_committed([&] { engine->handle_inbox(entry, now); });
                            }
                          });
    dispatcher->set_inbox(*inbox);
    boost::asio::co_spawn(io, dispatcher->run(), boost::asio::detached);
  }

  ~Desk() {
    if (dispatcher) {
      sqlite->fail_commits({});
      dispatcher->stop();
      io.run_for(milliseconds(50));
    }
  }

  template <class Work>
  void until_committed(Work work) {
    for (int attempt = 0;; ++attempt) {
      try {
        work();
        return;
      } catch (const store::StoreError& error) {
        ++engine_failures;
        ASSERT_TRUE(error.transient()) << error.what();
        ASSERT_LT(attempt, 100) << "the store keeps failing";
      }
    }
  }

  void handle(const core::Event& e) {
    until_committed([&] { engine->handle(e, core::unix_millis_now()); });
    if (dispatcher) dispatcher->notify();
  }

  bool settled() {
    return dispatch_idle(*sqlite, *dispatcher) && dispatcher->uncommitted() == 0 &&
           sqlite->inbox_pending(context.id, 1).empty();
  }
  bool run_until_settled(milliseconds deadline = milliseconds(10000)) {
    return run_io_until(
        io, [&] { return settled(); }, deadline);
  }

  store::Dialog ann() { return *sqlite->dialog_by_user(context.id, kAnn); }

  // The user writes, an operator answers: both directions of the relay.
  void round_trip() {
    handle(user_message(kAnn, 1, "hello"));
    ASSERT_TRUE(run_until_settled());
    handle(operator_message(ann().thread_id, 7000, "hello, how can we help?"));
    ASSERT_TRUE(run_until_settled());
  }

  // Calls by method and destination ("copyMessage→group").
  std::map<std::string, int> call_counts() const {
    std::map<std::string, int> counts;
    for (const auto& c : api.calls) {
      const auto* chat = c.params.if_contains("chat_id");
      bool group = chat != nullptr && chat->is_int64() && chat->get_int64() == kGroupId;
      ++counts[c.method + (group ? "→group" : "→user")];
    }
    return counts;
  }

  boost::asio::io_context io;
  std::unique_ptr<store::SqliteStore> sqlite;
  ConnectionContext context;
  std::unique_ptr<Engine> engine;
  FakeBotApi api;
  std::unique_ptr<Inbox> inbox;
  std::unique_ptr<Dispatcher> dispatcher;
  int engine_failures = 0;
};

void expect_relayed(Desk& desk) {
  auto dialog = desk.ann();
  EXPECT_NE(dialog.thread_id, 0);
  EXPECT_TRUE(desk.sqlite->link_by_user_message(dialog.id, 1).has_value())
      << "the user's message reached the topic";
  EXPECT_TRUE(desk.sqlite->link_by_group_message(kGroupId, 7000).has_value())
      << "the answer reached the user";
  EXPECT_EQ(desk.sqlite->outbox_stats().failed, 0);
}

TEST(DispatcherFailures, EveryCommitFailingOnceLosesNothingAndRepeatsNoCall) {
  Desk clean;
  clean.start();
  const std::int64_t before = clean.sqlite->commits();
  clean.round_trip();
  expect_relayed(clean);
  const auto expected_calls = clean.call_counts();
  const std::int64_t commits = clean.sqlite->commits() - before;
  ASSERT_GE(commits, 6);
  ASSERT_EQ(expected_calls.at("createForumTopic→group"), 1);
  ASSERT_EQ(expected_calls.at("copyMessage→user"), 1);

  for (std::int64_t n = 1; n <= commits; ++n) {
    SCOPED_TRACE("commit " + std::to_string(n) + " of " + std::to_string(commits) + " fails");
    LogCounter log;
    Desk desk;
    desk.start();
    desk.sqlite->fail_commits({.fail_commit = n});
    desk.round_trip();
    EXPECT_EQ(desk.sqlite->commits_failed(), 1);
    expect_relayed(desk);
    EXPECT_EQ(desk.call_counts(), expected_calls) << "a call was repeated (or lost) because a commit failed";
    EXPECT_LE(log.errors(), 2) << "one failed commit, a few lines";
  }
}

TEST(DispatcherFailures, AStoreThatKeepsFailingStartsNothingAndLogsAFewLines) {
  // The disk is full for a while in each direction: the outcomes wait in memory, nothing new
  // starts, and the log stays short; then everything goes through, each call once.
  Desk clean;
  clean.start();
  clean.round_trip();
  const auto expected_calls = clean.call_counts();

  LogCounter log;
  Desk desk;
  DispatcherOptions options;
  options.error_lines_per_minute = 3;
  desk.start(options);
  auto storm = [&] {
    desk.sqlite->fail_commits({.fail_every_commit = true});
    desk.io.run_for(milliseconds(400));
    desk.sqlite->fail_commits({});
    ASSERT_TRUE(desk.run_until_settled());
  };
  desk.handle(user_message(kAnn, 1, "hello"));
  storm();
  desk.handle(operator_message(desk.ann().thread_id, 7000, "hello, how can we help?"));
  storm();
  EXPECT_GE(desk.sqlite->commits_failed(), 4);
  expect_relayed(desk);
  EXPECT_EQ(desk.call_counts(), expected_calls);
  // 3 lines a minute, then the count of those left out each time the store works again.
  EXPECT_LE(log.errors(), 3 + 2);
  bool counted = false;
  for (const auto& line : log.lines()) counted = counted || line.find("were not logged") != std::string::npos;
  EXPECT_TRUE(counted) << "the lines left out are counted";
}

TEST(DispatcherFailures, NoCallStartsWhileOutcomesCannotBeCommitted) {
  Desk desk;
  desk.start();
  desk.handle(user_message(kAnn, 1, "hello"));
  ASSERT_TRUE(desk.run_until_settled());
  desk.handle(user_message(kAnn, 2, "second"));
  desk.handle(user_message(kAnn, 3, "third"));
  desk.sqlite->fail_commits({.fail_every_commit = true});
  // Neither copy starts: their started marks cannot be committed.
  desk.io.run_for(milliseconds(300));
  const std::size_t calls_while_failing = desk.api.calls.size();
  desk.io.run_for(milliseconds(300));
  EXPECT_EQ(desk.api.calls.size(), calls_while_failing) << "nothing starts while the store fails";
  desk.sqlite->fail_commits({});
  ASSERT_TRUE(desk.run_until_settled());
  auto copies = desk.api.of("copyMessage");
  ASSERT_EQ(copies.size(), 3u);
  EXPECT_EQ(copies[1].params.at("message_id").as_int64(), 2);
  EXPECT_EQ(copies[2].params.at("message_id").as_int64(), 3);
}

// ---- restarts: a job the previous process marked started --------------------------------

// The job the engine just added for `kind`, marked started as a process that died in its call
// would have left it.
std::int64_t mark_started(store::Store& store, std::string_view kind, bool already_repeated = false) {
  std::int64_t id = 0;
  for (const auto& job : store.outbox_ready(core::unix_millis_now() * 2, 100, {})) {
    if (job.kind == kind) id = job.id;
  }
  EXPECT_NE(id, 0) << "no ready " << kind << " job";
  if (already_repeated) store.outbox_start(id, core::unix_millis_now(), true);
  store.outbox_start(id, core::unix_millis_now(), false);
  return id;
}

TEST(DispatcherRestart, ACopyIntoTheTopicIsSentAgainWithAMarker) {
  Desk desk;
  desk.start();
  desk.handle(user_message(kAnn, 1, "hello"));
  ASSERT_TRUE(desk.run_until_settled());
  desk.dispatcher->stop();
  desk.io.run_for(milliseconds(50));

  desk.engine->handle(user_message(kAnn, 2, "lost in the crash?"), core::unix_millis_now());
  mark_started(*desk.sqlite, job::kCopyToTopic);
  desk.start();  // the new process
  ASSERT_TRUE(desk.run_until_settled());
  auto copy = desk.api.of("copyMessage").back();
  EXPECT_EQ(copy.params.at("message_id").as_int64(), 2);
  EXPECT_EQ(copy.params.at("reply_markup").at("inline_keyboard").at(0).at(0).at("text").as_string(),
            delivery_notice::repeated_marker("en"));
  EXPECT_TRUE(desk.sqlite->link_by_user_message(desk.ann().id, 2).has_value());
}

TEST(DispatcherRestart, AMessageToTheUserIsSentAgainOnceAndTheTopicIsTold) {
  Desk desk;
  desk.start();
  desk.handle(user_message(kAnn, 1, "hello"));
  ASSERT_TRUE(desk.run_until_settled());
  desk.dispatcher->stop();
  desk.io.run_for(milliseconds(50));
  const std::size_t calls_before = desk.api.calls.size();

  desk.engine->handle(operator_message(desk.ann().thread_id, 7000, "our answer"), core::unix_millis_now());
  mark_started(*desk.sqlite, job::kCopyToUser);
  desk.start();
  ASSERT_TRUE(desk.run_until_settled());
  std::vector<FakeBotApi::Call> to_user;
  for (std::size_t i = calls_before; i < desk.api.calls.size(); ++i) {
    const auto& c = desk.api.calls[i];
    if (c.method == "copyMessage" && c.params.at("chat_id").as_int64() == kAnn) to_user.push_back(c);
  }
  ASSERT_EQ(to_user.size(), 1u) << "sent again once";
  EXPECT_FALSE(to_user[0].params.contains("reply_markup")) << "the user never sees markers";
  auto notice = desk.api.of("sendMessage").back();
  EXPECT_EQ(notice.params.at("message_thread_id").as_int64(), desk.ann().thread_id);
  EXPECT_EQ(notice.params.at("text").as_string(), delivery_notice::sent_to_user_again("en"));
}

TEST(DispatcherRestart, AMessageToTheUserInterruptedTwiceIsNotSentAgain) {
  Desk desk;
  desk.start();
  desk.handle(user_message(kAnn, 1, "hello"));
  ASSERT_TRUE(desk.run_until_settled());
  desk.dispatcher->stop();
  desk.io.run_for(milliseconds(50));

  desk.engine->handle(operator_message(desk.ann().thread_id, 7000, "our answer"), core::unix_millis_now());
  mark_started(*desk.sqlite, job::kCopyToUser, /*already_repeated=*/true);
  desk.start();
  ASSERT_TRUE(desk.run_until_settled());
  for (const auto& c : desk.api.of("copyMessage")) EXPECT_NE(c.params.at("chat_id").as_int64(), kAnn);
  EXPECT_EQ(desk.sqlite->outbox_stats().failed, 1);
  auto notice = desk.api.of("sendMessage").back();
  EXPECT_EQ(notice.params.at("text").as_string(),
            core::notice::not_delivered("en", delivery_notice::not_sent_again("en")));
}

TEST(DispatcherRestart, ATopicInterruptedBeforeItsThreadIdWasRecordedIsCreatedAgainRecognisably) {
  Desk desk;
  desk.engine->handle(user_message(kAnn, 1, "hello"), core::unix_millis_now());
  mark_started(*desk.sqlite, job::kCreateTopic);
  desk.start();
  ASSERT_TRUE(desk.run_until_settled());
  auto topics = desk.api.of("createForumTopic");
  ASSERT_EQ(topics.size(), 1u);
  std::string title(topics[0].params.at("name").as_string());
  EXPECT_NE(title.find("#1001"), std::string::npos)
      << "the user's id tells whose a duplicate topic is: " << title;
  // The card is the topic's first post; the copy follows.
  ASSERT_GE(desk.api.calls.size(), 3u);
  EXPECT_EQ(desk.api.calls[1].method, "sendMessage");
  EXPECT_EQ(desk.api.calls[1].params.at("message_thread_id").as_int64(), desk.ann().thread_id);
  EXPECT_EQ(desk.api.calls[2].method, "copyMessage");
}

TEST(DispatcherRestart, ARealCrashInTheMiddleOfACallIsResolvedByTheNextProcess) {
  // The first process marks the copy started, sends it, and dies before the answer arrives.
  auto store = make_store();
  auto context = make_context(*store);
  Engine engine(*store, context);
  engine.handle(user_message(kAnn, 1, "hello"), core::unix_millis_now());
  auto dialog = *store->dialog_by_user(context.id, kAnn);
  dialog.thread_id = 1000;  // the topic exists
  store->update_dialog(dialog);
  take_jobs(*store);
  engine.handle(operator_message(1000, 7000, "our answer"), core::unix_millis_now());

  {
    boost::asio::io_context crashed_io;
    FakeBotApi hanging;
    hanging.delay = std::chrono::hours(1);
    auto crashed = std::make_unique<Dispatcher>(crashed_io.get_executor(), *store, fast_retry_options());
    crashed->add_connection(context, hanging, {.enabled = false});
    boost::asio::co_spawn(crashed_io, crashed->run(), boost::asio::detached);
    ASSERT_TRUE(run_io_until(crashed_io, [&] { return !hanging.of("copyMessage").empty(); }));
    // SIGKILL: nothing more runs in that process (its objects are only freed here).
    crashed.reset();
  }
  auto job = store->outbox_ready(core::unix_millis_now(), 10, {});
  ASSERT_FALSE(job.empty());
  EXPECT_NE(job[0].started_at, 0) << "the mark was committed before the call";

  boost::asio::io_context io;
  FakeBotApi api;
  Dispatcher next(io.get_executor(), *store, fast_retry_options());
  next.add_connection(context, api, {.enabled = false});
  auto inbox = drain_inbox_on_report(io, next, *store, engine);
  boost::asio::co_spawn(io, next.run(), boost::asio::detached);
  ASSERT_TRUE(run_io_until(
      io, [&] { return dispatch_idle(*store, next) && store->inbox_pending(context.id, 1).empty(); }));
  EXPECT_EQ(api.of("copyMessage").size(), 1u);
  EXPECT_EQ(api.of("sendMessage").back().params.at("text").as_string(),
            delivery_notice::sent_to_user_again("en"));
  next.stop();
  io.run_for(milliseconds(50));
}

// ---- calls in flight per destination ----------------------------------------------------

TEST(DispatcherBounds, AGroupGetsAHandfulOfCallsAtOnceAndAPrivateChatOne) {
  Desk desk;
  desk.api.delay = milliseconds(20);
  DispatcherOptions options;
  options.max_in_flight_per_group = 3;
  // Limits generous enough never to defer: only the bound holds calls back.
  desk.start(options, {.enabled = true,
                       .chat_per_second = 1000,
                       .chat_burst = 1000,
                       .group_per_minute = 100000,
                       .bot_per_second = 1000});
  // Twelve new dialogs at once: NEW_TOPICS_PER_MINUTE would hold most topics; only the bound is under test.
  auto params = desk.context.params;
  params.new_topics_per_minute = 0;
  desk.engine->set_parameters(params);
  for (int u = 0; u < 12; ++u) desk.handle(user_message(kAnn + u, 1, "hi"));
  ASSERT_TRUE(desk.run_until_settled(milliseconds(20000)));
  for (int u = 0; u < 12; ++u) {
    auto dialog = desk.sqlite->dialog_by_user(desk.context.id, kAnn + u);
    desk.handle(operator_message(dialog->thread_id, 8000 + u, "a"));
    desk.handle(operator_message(dialog->thread_id, 9000 + u, "b"));
  }
  ASSERT_TRUE(desk.run_until_settled(milliseconds(20000)));
  EXPECT_EQ(desk.api.max_in_flight_by_chat.at(kGroupId), 3);
  for (int u = 0; u < 12; ++u) EXPECT_EQ(desk.api.max_in_flight_by_chat.at(kAnn + u), 1);
}

}  // namespace
}  // namespace topicdesk::relay
