// The broadcast sender inside a real Dispatcher (FakeBotApi): every recipient once, outcomes
// recorded, blocked users marked, the in-flight window of a stop resolved, and live traffic's
// share of the bot's second left to it.
#include "relay/broadcast_sender.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "dispatch_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;
using store::BroadcastState;
using store::RecipientState;

class BroadcastSenderTest : public DispatchFixture {
 protected:
  ~BroadcastSenderTest() override {
    if (dispatcher_) {
      dispatcher_->stop();
      io_.run_for(std::chrono::milliseconds(50));
    }
  }

  void start_with_broadcasts(telegram::FloodLimits limits = {.enabled = false},
                             BroadcastSenderOptions options = {}) {
    options.reload_every = 20;
    sender_ = std::make_unique<BroadcastSender>(io_.get_executor(), *store_, options);
    dispatcher_ = std::make_unique<Dispatcher>(io_.get_executor(), *store_, fast_retry_options());
    dispatcher_->add_connection(context_, api_, limits);
    inbox_ = drain_inbox_on_report(io_, *dispatcher_, *store_, engine());
    dispatcher_->set_broadcasts(*sender_);
    boost::asio::co_spawn(io_, dispatcher_->run(), boost::asio::detached);
  }

  std::vector<core::UserId> users(int count, core::UserId first = 2000) {
    std::vector<core::UserId> out;
    for (int i = 0; i < count; ++i) {
      out.push_back(first + i);
      store_->create_dialog(context_.id, first + i, kGroupId, kT0);
    }
    return out;
  }

  std::int64_t running(const std::vector<core::UserId>& to, BroadcastState state = BroadcastState::kRunning) {
    store::Broadcast b;
    b.connection_id = context_.id;
    b.from_chat_id = kGroupId;
    b.message_ids = {42};
    b.recipients = "all";
    b.state = state;
    b.created_at = kT0;
    b.id = store_->add_broadcast(b);
    store_->add_broadcast_recipients(b.id, to);
    return b.id;
  }

  bool finished(std::int64_t id) {
    auto b = store_->broadcast(id);
    return b && b->finished_at != 0 && !sender_->busy();
  }

  std::map<std::int64_t, int> copies_by_chat() {
    std::map<std::int64_t, int> out;
    for (const auto& c : api_.of("copyMessage")) ++out[c.params.at("chat_id").as_int64()];
    return out;
  }

  std::unique_ptr<BroadcastSender> sender_;
};

TEST_F(BroadcastSenderTest, EveryRecipientGetsOneCopyAndTheOutcomesAreRecorded) {
  auto to = users(25);
  auto id = running(to);
  start_with_broadcasts();
  ASSERT_TRUE(run_until([&] { return finished(id); }));
  auto copies = copies_by_chat();
  ASSERT_EQ(copies.size(), to.size());
  for (auto user : to) EXPECT_EQ(copies[user], 1) << user;
  for (const auto& c : api_.of("copyMessage")) {
    EXPECT_EQ(c.params.at("from_chat_id").as_int64(), kGroupId);
    EXPECT_EQ(c.params.at("message_id").as_int64(), 42);
  }
  auto counts = store_->broadcast_counts(id);
  EXPECT_EQ(counts.sent, 25);
  auto b = *store_->broadcast(id);
  EXPECT_EQ(b.state, BroadcastState::kDone);
  auto sent = store_->broadcast_recipients(id, RecipientState::kSent, 0, 100);
  ASSERT_EQ(sent.size(), 25u);
  EXPECT_EQ(sent[0].message_ids.size(), 1u);
  EXPECT_NE(sent[0].sent_at, 0);
  // The report is posted in General as the CSV document, the summary as its caption.
  ASSERT_TRUE(run_until([&] {
    auto posted = api_.of("sendDocument");
    return !posted.empty() && posted[0].file &&
           posted[0].file->file_name == "broadcast-" + std::to_string(id) + ".csv" &&
           posted[0].file->bytes == store_->broadcast(id)->report &&
           posted[0].params.at("caption").as_string().find("is done") != std::string::npos;
  }));
  EXPECT_TRUE(store_->broadcast(id)->report.starts_with("user_id,name,status,error,message_ids,sent_at"));
  // And the progress message was posted there.
  auto progress = api_.of("sendMessage");
  EXPECT_TRUE(std::any_of(progress.begin(), progress.end(), [](const FakeBotApi::Call& c) {
    return c.params.at("text").as_string().starts_with("📣 Broadcast #");
  }));
}

TEST_F(BroadcastSenderTest, AUserWhoBlockedTheBotIsRecordedAndMarked) {
  auto to = users(3);
  api_.script = [&](const FakeBotApi::Call& c, int) -> std::optional<telegram::ApiResult> {
    if (c.method == "copyMessage" && c.params.at("chat_id").as_int64() == to[1])
      return FakeBotApi::error(403, "Forbidden: bot was blocked by the user");
    return std::nullopt;
  };
  auto id = running(to);
  start_with_broadcasts();
  ASSERT_TRUE(run_until([&] { return finished(id); }));
  auto blocked = store_->broadcast_recipients(id, RecipientState::kBlocked, 0, 10);
  ASSERT_EQ(blocked.size(), 1u);
  EXPECT_EQ(blocked[0].user_id, to[1]);
  EXPECT_TRUE(store_->dialog_by_user(context_.id, to[1])->user_blocked_bot);
  // The next "all" leaves them out.
  auto next = running({});
  EXPECT_EQ(store_->add_broadcast_recipients_all(next, context_.id), 2);
  // Nothing went into the group but General's progress.
  for (const auto& c : api_.calls) {
    if (c.params.at("chat_id").as_int64() == kGroupId) {
      EXPECT_FALSE(c.params.contains("message_thread_id"));
    }
  }
}

TEST_F(BroadcastSenderTest, SendsInFlightAtAStopAreSentOnceMoreAndNeverAThirdTime) {
  auto to = users(4);
  auto id = running(to);
  // As a killed run leaves them: two claimed once (in flight), one claimed twice already.
  auto claimed = store_->claim_broadcast_recipients(id, 3);
  store_->claim_broadcast_recipients(id, 0);
  claimed[2].state = RecipientState::kPending;
  store_->finish_broadcast_recipient(claimed[2]);
  store_->claim_broadcast_recipients(id, 1);  // to[2]: attempts 2, sending
  start_with_broadcasts();
  ASSERT_TRUE(run_until([&] { return finished(id); }));
  auto copies = copies_by_chat();
  EXPECT_EQ(copies[to[0]], 1);
  EXPECT_EQ(copies[to[1]], 1);
  EXPECT_EQ(copies.count(to[2]), 0u) << "interrupted twice: not sent a third time";
  EXPECT_EQ(copies[to[3]], 1);
  auto rows = store_->broadcast_recipients(id, std::nullopt, 0, 10);
  EXPECT_EQ(rows[0].state, RecipientState::kSent);
  EXPECT_EQ(rows[0].attempts, 2);
  EXPECT_EQ(rows[2].state, RecipientState::kFailed);
  EXPECT_NE(rows[2].error.find("may have arrived"), std::string::npos);
  EXPECT_EQ(rows[3].attempts, 1);
  ASSERT_TRUE(run_until([&] { return !store_->broadcast(id)->report.empty(); }));  // the engine made it
  EXPECT_NE(store_->broadcast(id)->report.find("may have arrived twice"), std::string::npos);
}

TEST_F(BroadcastSenderTest, APausedBroadcastSendsNothingAndACancelledOneEndsWithItsReport) {
  auto to = users(5);
  auto paused = running(to, BroadcastState::kPaused);
  start_with_broadcasts();
  ASSERT_TRUE(run_until([&] { return !sender_->busy() && store_->outbox_stats().pending == 0; }));
  io_.run_for(std::chrono::milliseconds(100));  // a few reload periods: the sender looked at it
  EXPECT_TRUE(api_.of("copyMessage").empty());
  auto b = *store_->broadcast(paused);
  b.state = BroadcastState::kCancelled;
  store_->update_broadcast(b);
  store_->skip_pending_broadcast_recipients(paused, "cancelled");
  ASSERT_TRUE(run_until([&] { return finished(paused); }));
  EXPECT_TRUE(api_.of("copyMessage").empty());
  EXPECT_EQ(store_->broadcast(paused)->state, BroadcastState::kCancelled);
  EXPECT_EQ(store_->broadcast_counts(paused).skipped, 5);
}

TEST_F(BroadcastSenderTest, ADeletedSourceCancelsTheBroadcast) {
  auto to = users(20);
  api_.script = [](const FakeBotApi::Call& c, int) -> std::optional<telegram::ApiResult> {
    if (c.method == "copyMessage") return FakeBotApi::error(400, "Bad Request: message to copy not found");
    return std::nullopt;
  };
  auto id = running(to);
  start_with_broadcasts({.enabled = false}, {.claim_batch = 2, .max_in_flight = 2});
  ASSERT_TRUE(run_until([&] { return finished(id); }));
  EXPECT_EQ(store_->broadcast(id)->state, BroadcastState::kCancelled);
  EXPECT_LT(api_.of("copyMessage").size(), to.size());
  auto counts = store_->broadcast_counts(id);
  EXPECT_EQ(counts.pending + counts.sending, 0);
}

// Within any second the broadcast leaves the reserve to live traffic; an operator reply
// queued while the broadcast runs is sent in the next second.
TEST_F(BroadcastSenderTest, LiveTrafficKeepsItsShareOfTheBotsSecond) {
  handle(user_message(kAnn, 1, "hello"));
  auto dialog = ann();
  dialog.thread_id = kThread;
  store_->update_dialog(dialog);
  take_jobs(*store_);
  auto to = users(70);
  std::vector<std::pair<std::chrono::steady_clock::time_point, bool>> sends;  // (when, live)
  api_.script = [&](const FakeBotApi::Call& c, int) -> std::optional<telegram::ApiResult> {
    if (c.method == "copyMessage")
      sends.emplace_back(std::chrono::steady_clock::now(), c.params.at("chat_id").as_int64() == kAnn);
    return std::nullopt;
  };
  auto id = running(to);
  start_with_broadcasts({.enabled = true, .group_per_minute = 1000, .bot_per_second = 30});
  ASSERT_TRUE(run_until([&] { return sends.size() >= 35; }));
  handle(operator_message(kThread, 500, "an answer"));
  ASSERT_TRUE(run_until([&] { return finished(id); }, std::chrono::milliseconds(10000)));
  std::size_t live = 0;
  for (std::size_t i = 0; i < sends.size(); ++i) {
    if (sends[i].second) live = i;
    int broadcast_in_second = 0;
    for (std::size_t j = i;
         j < sends.size() && sends[j].first - sends[i].first < std::chrono::milliseconds(1000); ++j)
      broadcast_in_second += sends[j].second ? 0 : 1;
    EXPECT_LE(broadcast_in_second, 29) << "from send " << i;  // 30 a second, 1 kept for live traffic
  }
  ASSERT_NE(live, 0u) << "the operator's reply went out";
  EXPECT_LT(live, sends.size() - 1) << "the reply did not wait for the broadcast to end";
}

// Telegram counts a request when it arrives. Calls held up on the way (a stalled network or
// server) arrive together, later than the desk sent them; the broadcast must still never put
// more than the bot's second into any second of arrivals.
TEST_F(BroadcastSenderTest, CallsHeldUpOnTheWayStillFitTheBotsSecondWhenTheyArrive) {
  auto to = users(70);
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const Clock::time_point stall_ends = start + std::chrono::milliseconds(700);
  api_.delay_of = [&](const FakeBotApi::Call& c) {
    auto now = Clock::now();
    if (c.method != "copyMessage" || now >= stall_ends) return std::chrono::milliseconds(0);
    return std::chrono::duration_cast<std::chrono::milliseconds>(stall_ends - now);
  };
  std::vector<Clock::time_point> arrivals;  // when the fake Telegram takes each copy
  api_.script = [&](const FakeBotApi::Call& c, int) -> std::optional<telegram::ApiResult> {
    if (c.method == "copyMessage") arrivals.push_back(Clock::now());
    return std::nullopt;
  };
  auto id = running(to);
  start_with_broadcasts({.enabled = true, .group_per_minute = 1000, .bot_per_second = 30});
  ASSERT_TRUE(run_until([&] { return finished(id); }, std::chrono::milliseconds(15000)));
  ASSERT_EQ(arrivals.size(), to.size());
  std::sort(arrivals.begin(), arrivals.end());
  for (std::size_t i = 0; i < arrivals.size(); ++i) {
    std::size_t in_second = 0;
    for (std::size_t j = i;
         j < arrivals.size() && arrivals[j] - arrivals[i] < std::chrono::milliseconds(1000); ++j)
      ++in_second;
    EXPECT_LE(in_second, 29u) << "arrivals from copy " << i;  // 30 a second, 1 kept for live traffic
  }
}

TEST_F(BroadcastSenderTest, ABroadcastThatReachesTheMonthlyQuotaPausesAndGeneralIsTold) {
  context_.params.broadcast_monthly_quota = 5;
  auto to = users(12);
  auto id = running(to);
  start_with_broadcasts();
  ASSERT_TRUE(run_until([&] {
    auto b = store_->broadcast(id);
    return b && b->state == BroadcastState::kPaused && !sender_->busy() && !api_.of("sendMessage").empty() &&
           api_.of("sendMessage").back().params.at("text").as_string().find("monthly quota") !=
               std::string::npos;
  }));
  EXPECT_EQ(copies_by_chat().size(), 5u);
  auto counts = store_->broadcast_counts(id);
  EXPECT_EQ(counts.sent, 5);
  EXPECT_EQ(counts.pending, 7);
  const std::string notice(api_.of("sendMessage").back().params.at("text").as_string());
  EXPECT_NE(notice.find("is paused: it reached the monthly quota of 5 users"), std::string::npos) << notice;
  EXPECT_NE(notice.find("7 recipients wait"), std::string::npos) << notice;
  // Nothing more goes out while the month is used up.
  io_.run_for(std::chrono::milliseconds(200));
  EXPECT_EQ(copies_by_chat().size(), 5u);
  EXPECT_EQ(store_->broadcast(id)->state, BroadcastState::kPaused);
}

// A broadcast of a template: each recipient's parts rendered for them and sent by the bot's
// file id; a user whose variable has no value and no fallback is skipped, naming it.
class TemplateBroadcastTest : public BroadcastSenderTest {
 protected:
  std::int64_t template_broadcast(const std::vector<core::UserId>& to, std::string name = "greet") {
    store::Broadcast b;
    b.connection_id = context_.id;
    b.template_name = std::move(name);
    b.recipients = "list of " + std::to_string(to.size());
    b.state = BroadcastState::kRunning;
    b.created_at = kT0;
    b.id = store_->add_broadcast(b);
    store_->add_broadcast_recipients(b.id, to);
    return b.id;
  }
  void save_greet() {
    store::Template t;
    t.connection_id = context_.id;
    t.name = "Greet";
    t.parts.push_back(store::TemplatePart{.kind = store::TemplatePartKind::kText,
                                          .text = "Hello {first_name|there}",
                                          .entities_json = R"([{"type":"bold","offset":0,"length":5}])"});
    t.parts.push_back(store::TemplatePart{
        .kind = store::TemplatePartKind::kPhoto, .text = "Your plan: {field:plan}", .file_id = "PHOTO-1"});
    store_->save_template(t);
  }
};

TEST_F(TemplateBroadcastTest, EachRecipientGetsThePartsRenderedForThem) {
  save_greet();
  auto to = users(3);
  store_->upsert_user(context_.id, core::Person{.id = to[0], .first_name = "Ann"}, kT0);
  store_->set_user_field(context_.id, to[0], "plan", "pro");
  store_->set_user_field(context_.id, to[1], "plan", "basic");  // no first name: the fallback
  // to[2] has no plan and {field:plan} no fallback: skipped, nothing sent to them.
  auto id = template_broadcast(to);
  start_with_broadcasts();
  ASSERT_TRUE(run_until([&] { return finished(id); }));
  std::map<core::UserId, std::vector<std::string>> got;
  for (const auto& c : api_.calls) {
    auto chat = c.params.at("chat_id").as_int64();
    if (chat == kGroupId) continue;
    if (c.method == "sendMessage") got[chat].push_back(std::string(c.params.at("text").as_string()));
    if (c.method == "sendPhoto") {
      EXPECT_EQ(c.params.at("photo").as_string(), "PHOTO-1");
      got[chat].push_back(std::string(c.params.at("caption").as_string()));
    }
  }
  EXPECT_EQ(got[to[0]], (std::vector<std::string>{"Hello Ann", "Your plan: pro"}));
  EXPECT_EQ(got[to[1]], (std::vector<std::string>{"Hello there", "Your plan: basic"}));
  EXPECT_FALSE(got.contains(to[2]));
  EXPECT_TRUE(api_.of("copyMessage").empty());
  auto counts = store_->broadcast_counts(id);
  EXPECT_EQ(counts.sent, 2);
  EXPECT_EQ(counts.skipped, 1);
  auto sent = store_->broadcast_recipients(id, RecipientState::kSent, 0, 10);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].message_ids.size(), 2u) << "both parts' ids in the report";
  auto skipped = store_->broadcast_recipients(id, RecipientState::kSkipped, 0, 10);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].user_id, to[2]);
  EXPECT_NE(skipped[0].error.find("{field:plan}"), std::string::npos) << skipped[0].error;
  EXPECT_EQ(store_->broadcast(id)->state, BroadcastState::kDone);
}

TEST_F(TemplateBroadcastTest, ADeletedTemplateStopsTheBroadcastAndTheReportSaysSo) {
  auto to = users(4);
  auto id = template_broadcast(to, "gone");  // no such template (deleted after confirmation)
  start_with_broadcasts();
  ASSERT_TRUE(run_until([&] { return finished(id); }));
  EXPECT_EQ(store_->broadcast(id)->state, BroadcastState::kCancelled);
  auto counts = store_->broadcast_counts(id);
  EXPECT_EQ(counts.skipped, 4);
  EXPECT_EQ(counts.sent, 0);
  for (const auto& r : store_->broadcast_recipients(id, std::nullopt, 0, 10))
    EXPECT_EQ(r.error, "cancelled: template gone was deleted");
  for (const auto& c : api_.calls) EXPECT_EQ(c.params.at("chat_id").as_int64(), kGroupId) << c.method;
  ASSERT_TRUE(run_until([&] {
    auto posted = api_.of("sendDocument");
    return !posted.empty() &&
           posted[0].params.at("caption").as_string().find("Template gone was deleted") != std::string::npos;
  }));
}

TEST_F(TemplateBroadcastTest, ALaterPartThatFailsKeepsWhatArrived) {
  save_greet();
  auto to = users(1);
  store_->set_user_field(context_.id, to[0], "plan", "pro");
  api_.script = [](const FakeBotApi::Call& c, int) -> std::optional<telegram::ApiResult> {
    if (c.method == "sendPhoto") return FakeBotApi::error(400, "Bad Request: wrong file identifier");
    return std::nullopt;
  };
  auto id = template_broadcast(to);
  start_with_broadcasts();
  ASSERT_TRUE(run_until([&] { return finished(id); }));
  auto failed = store_->broadcast_recipients(id, RecipientState::kFailed, 0, 10);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].message_ids.size(), 1u);
  EXPECT_NE(failed[0].error.find("part 2 of 2"), std::string::npos) << failed[0].error;
  int to_user = 0;
  for (const auto& c : api_.calls) to_user += c.params.at("chat_id").as_int64() == to[0] ? 1 : 0;
  EXPECT_EQ(to_user, 2) << "the text once, the photo once: a 400 is not tried again";
}

}  // namespace
}  // namespace topicdesk::relay
