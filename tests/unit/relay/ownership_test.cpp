// Dialog ownership through the engine: /take, /assign, /unassign, the operators registry,
// /shift and /mine, ASSIGN (round_robin, least_open) and UNANSWERED_ALERT.
#include "relay/ownership.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/presentation.h"
#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;
namespace json = boost::json;

constexpr core::UserId kIvan = 901;  // further operators (kOperatorId is Olga)
constexpr core::UserId kMaria = 902;
constexpr core::UserId kCarl = 1003;  // a third end user
constexpr core::UnixMillis kMinute = 60'000;
constexpr core::ChatId kDeskGroup = -1001234567890;  // a supergroup: topics have t.me/c links

core::Event operator_says(core::UserId id, std::string first, std::string username, core::ThreadId thread,
                          core::MessageId message, std::string text) {
  auto e = operator_message(thread, message, std::move(text), kDeskGroup);
  e.from = core::Person{.id = id, .first_name = std::move(first), .username = std::move(username)};
  return e;
}

core::Event olga(core::ThreadId thread, core::MessageId message, std::string text) {
  return operator_says(kOperatorId, "Olga", "olga_op", thread, message, std::move(text));
}

class OwnershipTest : public EngineFixture {
 protected:
  static ConnectionContext desk_context(store::Store& store) {
    return make_context(store, "shop", kBotId, kDeskGroup);
  }
  OwnershipTest() : EngineFixture(&desk_context) {}

  // Olga, Ivan and Maria write in General, so the desk knows them.
  void operators_introduce_themselves(Engine& e) {
    e.handle(operator_says(kOperatorId, "Olga", "olga_op", 0, 1, "good morning"), kT0);
    e.handle(operator_says(kIvan, "Ivan", "Ivan_Support", 0, 2, "hi all"), kT0);
    e.handle(operator_says(kMaria, "Maria", "", 0, 3, "hello"), kT0);
    take_jobs(*store_);
  }
  // An operator of operators_introduce_themselves() goes on or off shift.
  void shift(Engine& e, core::UserId id, std::string_view on) {
    std::string text = "/shift " + std::string(on);
    if (id == kOperatorId) return e.handle(olga(0, next_message_++, text), kT0);
    if (id == kIvan)
      return e.handle(operator_says(kIvan, "Ivan", "Ivan_Support", 0, next_message_++, text), kT0);
    e.handle(operator_says(kMaria, "Maria", "", 0, next_message_++, text), kT0);
  }
  // A user's first message; the topic exists (as the dispatcher would make it).
  store::Dialog user_opens(Engine& e, core::UserId user, core::ThreadId thread, core::UnixMillis at = kT0) {
    e.handle(user_message(user, next_message_++, "hello"), at);
    auto dialog = *store_->dialog_by_user(context_.id, user);
    dialog.thread_id = thread;
    store_->update_dialog(dialog);
    return dialog;
  }
  store::Dialog dialog_of(core::UserId user) { return *store_->dialog_by_user(context_.id, user); }
  std::vector<std::string> in_topic(const std::vector<TakenJob>& jobs, core::DialogId dialog) {
    std::vector<std::string> out;
    for (const auto& j : jobs)
      if (j.job.kind == job::kSendText && j.payload.to == Side::kGroup && j.payload.dialog == dialog)
        out.push_back(j.payload.text);
    return out;
  }
  std::vector<TakenJob> in_general(const std::vector<TakenJob>& jobs) {
    std::vector<TakenJob> out;
    for (const auto& j : jobs)
      if (j.job.kind == job::kSendText && j.payload.to == Side::kGroup && j.payload.dialog == 0)
        out.push_back(j);
    return out;
  }
  std::vector<json::object> assigned_events() {
    std::vector<json::object> out;
    for (const auto& ev : store_->events_after(0, 1000))
      if (ev.type == "dialog_assigned") out.push_back(json::parse(ev.payload).as_object());
    return out;
  }
  core::MessageId next_message_ = 100;
};

TEST_F(OwnershipTest, TakeMakesTheOperatorTheOwnerShownInInfoTitleAndWebhook) {
  auto& e = engine();
  auto ann = user_opens(e, kAnn, kThread);
  take_jobs(*store_);
  e.handle(olga(kThread, 10, "/take"), kT0 + 1000);
  EXPECT_EQ(dialog_of(kAnn).owner_id, kOperatorId);
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(in_topic(jobs, ann.id), (std::vector<std::string>{"👤 Olga (@olga_op) took this dialog."}));
  EXPECT_NE(find_job(jobs, job::kSetTopicTitle), nullptr) << "the title shows the owner";

  auto events = assigned_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("owner").at("id").as_int64(), kOperatorId);
  EXPECT_EQ(events[0].at("owner").at("name").as_string(), "Olga (@olga_op)");
  EXPECT_EQ(events[0].at("by").as_string(), "operator");
  EXPECT_EQ(events[0].at("operator").at("id").as_int64(), kOperatorId);

  e.handle(olga(kThread, 11, "/info"), kT0 + 2000);
  auto info = in_topic(take_jobs(*store_), ann.id);
  ASSERT_EQ(info.size(), 1u);
  EXPECT_NE(info[0].find("owner: Olga (@olga_op)"), std::string::npos) << info[0];

  auto person = *store_->user(context_.id, kAnn);
  auto title = dialog_topic_title(*store_, dialog_of(kAnn), {person}, core::TopicStatus::kUserAnswered);
  EXPECT_EQ(title, "🟪 Ann Lee #1001 👤 Olga");
  ASSERT_TRUE(core::parse_topic_title(title));
  EXPECT_EQ(core::parse_topic_title(title)->user, kAnn) << "the title still names the user";
}

TEST_F(OwnershipTest, AssignByUsernameWhateverTheCaseOrById) {
  auto& e = engine();
  operators_introduce_themselves(e);
  auto ann = user_opens(e, kAnn, kThread);
  take_jobs(*store_);
  e.handle(olga(kThread, 10, "/assign @ivan_support"), kT0);
  EXPECT_EQ(dialog_of(kAnn).owner_id, kIvan);
  EXPECT_EQ(in_topic(take_jobs(*store_), ann.id),
            (std::vector<std::string>{"👤 Olga (@olga_op) gave this dialog to Ivan (@Ivan_Support)."}));
  e.handle(olga(kThread, 11, "/assign 902"), kT0);
  EXPECT_EQ(dialog_of(kAnn).owner_id, kMaria) << "Maria has no username: by id";
  e.handle(olga(kThread, 12, "/assign 902"), kT0);
  EXPECT_EQ(in_topic(take_jobs(*store_), ann.id).back(), "👤 Maria already owns this dialog.");
  auto events = assigned_events();
  ASSERT_EQ(events.size(), 2u) << "no event when nothing changed";
  EXPECT_EQ(events[1].at("previous_owner_id").as_int64(), kIvan);
}

TEST_F(OwnershipTest, AnUnknownOperatorIsNamedAndNothingChanges) {
  auto& e = engine();
  operators_introduce_themselves(e);
  auto ann = user_opens(e, kAnn, kThread);
  take_jobs(*store_);
  e.handle(olga(kThread, 10, "/assign @nobody_here"), kT0);
  EXPECT_EQ(dialog_of(kAnn).owner_id, 0);
  auto texts = in_topic(take_jobs(*store_), ann.id);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_NE(texts[0].find("@nobody_here"), std::string::npos) << texts[0];
  EXPECT_NE(texts[0].find("once they write in this group"), std::string::npos) << texts[0];
  e.handle(olga(kThread, 11, "/assign 12345"), kT0);
  EXPECT_EQ(dialog_of(kAnn).owner_id, 0) << "an id the group never saw is unknown too";
  e.handle(olga(kThread, 12, "/assign"), kT0);
  EXPECT_NE(in_topic(take_jobs(*store_), ann.id).back().find("Usage: /assign"), std::string::npos);
  EXPECT_TRUE(assigned_events().empty());
}

TEST_F(OwnershipTest, BotsAndAnonymousAdminsNeverBecomeOperators) {
  auto& e = engine();
  auto anonymous = operator_says(777, "Group", "the_group", 0, 1, "hi");
  anonymous.sender_is_anonymous_admin = true;
  e.handle(anonymous, kT0);
  auto bot = operator_says(778, "Helper", "helper_bot", 0, 2, "hi");
  bot.sender_is_bot = true;
  e.handle(bot, kT0);
  EXPECT_FALSE(store_->operator_by_id(kDeskGroup, 777));
  EXPECT_FALSE(store_->operator_by_id(kDeskGroup, 778));
  e.handle(operator_says(kIvan, "Ivan", "ivan", 0, 3, "hi"), kT0 + 5);
  ASSERT_TRUE(store_->operator_by_id(kDeskGroup, kIvan));
  EXPECT_EQ(store_->operator_by_id(kDeskGroup, kIvan)->last_seen_at, kT0 + 5);
}

TEST_F(OwnershipTest, UnassignLeavesTheDialogWithoutOwner) {
  auto& e = engine();
  auto ann = user_opens(e, kAnn, kThread);
  e.handle(olga(kThread, 10, "/take"), kT0);
  take_jobs(*store_);
  e.handle(olga(kThread, 11, "/unassign"), kT0);
  EXPECT_EQ(dialog_of(kAnn).owner_id, 0);
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(in_topic(jobs, ann.id),
            (std::vector<std::string>{"👤 Olga (@olga_op) left this dialog without an owner."}));
  EXPECT_NE(find_job(jobs, job::kSetTopicTitle), nullptr);
  auto events = assigned_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[1].at("owner").is_null());
  e.handle(olga(kThread, 12, "/unassign"), kT0);
  EXPECT_EQ(in_topic(take_jobs(*store_), ann.id).back(), "👤 Nobody owns this dialog.");
}

TEST_F(OwnershipTest, ShiftAndMineAnswerInGeneral) {
  auto& e = engine();
  operators_introduce_themselves(e);
  shift(e, kOperatorId, "on");
  shift(e, kIvan, "on");
  shift(e, kIvan, "off");
  auto said = in_general(take_jobs(*store_));
  ASSERT_EQ(said.size(), 3u);
  EXPECT_EQ(said[0].payload.text, "🟢 Olga (@olga_op) is on shift.");
  EXPECT_EQ(said[2].payload.text, "⚪ Ivan (@Ivan_Support) is off shift.");
  e.handle(operator_says(kMaria, "Maria", "", 0, 50, "/shift"), kT0);
  said = in_general(take_jobs(*store_));
  ASSERT_EQ(said.size(), 1u);
  EXPECT_EQ(said[0].payload.text, "On shift (1):\n• Olga (@olga_op)");

  user_opens(e, kAnn, kThread);
  user_opens(e, kBob, kThread + 1);
  e.handle(olga(kThread, 60, "/take"), kT0);
  e.handle(olga(kThread + 1, 61, "/take"), kT0);
  take_jobs(*store_);
  e.handle(olga(kThread + 1, 62, "/close"), kT0);
  e.handle(olga(0, 63, "/mine"), kT0);
  said = in_general(take_jobs(*store_));
  ASSERT_EQ(said.size(), 1u);
  EXPECT_EQ(said[0].payload.text, "Your open dialogs (1):\n🟪 Ann Lee: https://t.me/c/1234567890/77")
      << "closed dialogs are not listed";
  e.handle(operator_says(kIvan, "Ivan", "Ivan_Support", 0, 64, "/mine"), kT0);
  EXPECT_EQ(in_general(take_jobs(*store_))[0].payload.text, "You own no open dialogs.");
}

TEST_F(OwnershipTest, AGroupSharedByTwoConnectionsAnswersGeneralOnceAboutTheWholeGroup) {
  auto& shop = engine();
  ConnectionContext sales_context = make_context(*store_, "sales", kBotId + 1, kDeskGroup);
  Engine sales(*store_, sales_context);
  auto olga_says = [&](core::ThreadId thread, core::MessageId id, const std::string& text) {
    auto e = olga(thread, id, text);
    shop.handle(e, kT0);  // every bot in the group sees every operator message
    sales.handle(e, kT0);
  };
  sales.handle(user_message(kBob, 1, "hello"), kT0);
  auto bob = *store_->dialog_by_user(sales_context.id, kBob);
  bob.thread_id = kThread + 5;
  store_->update_dialog(bob);
  olga_says(bob.thread_id, 10, "/take");
  EXPECT_EQ(store_->dialog(bob.id)->owner_id, kOperatorId) << "the topic's own connection carries it out";
  take_jobs(*store_);

  olga_says(0, 11, "/shift on");
  olga_says(0, 12, "/mine");
  auto said = in_general(take_jobs(*store_));
  ASSERT_EQ(said.size(), 2u) << "each General command answered once";
  EXPECT_EQ(said[0].payload.text, "🟢 Olga (@olga_op) is on shift.");
  // Listed too, by its pseudonym: shop cannot know whether sales hides its users (HIDE_INFO).
  ASSERT_FALSE(bob.pseudonym.empty());
  EXPECT_EQ(said[1].payload.text,
            "Your open dialogs (1):\n🟪 " + bob.pseudonym + ": https://t.me/c/1234567890/82")
      << "the other connection's dialog is listed too";
  EXPECT_EQ(said[1].payload.text.find("Ann Lee"), std::string::npos) << "never the real name";
}

TEST_F(OwnershipTest, RoundRobinRotatesAmongThoseOnShiftAndSurvivesARestart) {
  auto& e = engine({{"ASSIGN", "round_robin"}});
  operators_introduce_themselves(e);
  shift(e, kOperatorId, "on");
  shift(e, kIvan, "on");
  shift(e, kMaria, "on");
  shift(e, kIvan, "off");  // three operators, one off shift
  user_opens(e, kAnn, kThread);
  user_opens(e, kBob, kThread + 1);
  EXPECT_EQ(dialog_of(kAnn).owner_id, kOperatorId);
  EXPECT_EQ(dialog_of(kBob).owner_id, kMaria);
  // A restart: a new engine over the same store goes on where the rotation stopped.
  auto& restarted = engine({{"ASSIGN", "round_robin"}});
  user_opens(restarted, kCarl, kThread + 2);
  EXPECT_EQ(dialog_of(kCarl).owner_id, kOperatorId) << "after Maria comes Olga again (Ivan is off shift)";
  auto events = assigned_events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].at("by").as_string(), "round_robin");
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(in_topic(jobs, dialog_of(kCarl).id).back(),
            "👤 This dialog goes to Olga (@olga_op) (ASSIGN=round_robin).");
}

TEST_F(OwnershipTest, LeastOpenPicksTheLightestLoadTiesToTheLowestId) {
  auto& e = engine({{"ASSIGN", "least_open"}});
  operators_introduce_themselves(e);
  // Before anyone is on shift, dialogs stay unassigned.
  user_opens(e, kAnn, kThread);
  EXPECT_EQ(dialog_of(kAnn).owner_id, 0);
  // Olga owns two open dialogs, Ivan one, Maria one closed.
  for (auto [user, owner, closed] :
       {std::tuple{2001, kOperatorId, false}, std::tuple{2002, kOperatorId, false},
        std::tuple{2003, kIvan, false}, std::tuple{2004, kMaria, true}}) {
    auto d = store_->create_dialog(context_.id, user, kDeskGroup, kT0);
    d.owner_id = owner;
    if (closed) d.status = DialogStatus::kClosed;
    store_->update_dialog(d);
  }
  shift(e, kOperatorId, "on");
  shift(e, kIvan, "on");
  shift(e, kMaria, "on");
  user_opens(e, kBob, kThread + 1);
  EXPECT_EQ(dialog_of(kBob).owner_id, kMaria) << "Maria's only dialog is closed";
  user_opens(e, kCarl, kThread + 2);
  EXPECT_EQ(dialog_of(kCarl).owner_id, kIvan) << "Ivan and Maria have one each: the lower id";
}

TEST_F(OwnershipTest, AReopenedDialogKeepsItsOwnerOrGetsOne) {
  auto& e = engine({{"ASSIGN", "round_robin"}});
  operators_introduce_themselves(e);
  user_opens(e, kAnn, kThread);  // nobody on shift yet
  e.handle(olga(kThread, 10, "/close"), kT0);
  shift(e, kIvan, "on");
  e.handle(user_message(kAnn, 11, "me again"), kT0 + 1000);
  EXPECT_EQ(dialog_of(kAnn).owner_id, kIvan) << "reopened without an owner: assigned";
  shift(e, kMaria, "on");
  e.handle(olga(kThread, 12, "/close"), kT0 + 2000);
  e.handle(user_message(kAnn, 13, "and again"), kT0 + 3000);
  EXPECT_EQ(dialog_of(kAnn).owner_id, kIvan) << "an owned dialog stays with its owner";
}

TEST_F(OwnershipTest, UnansweredAlertOncePerWaitNamingTheOwner) {
  auto& e = engine({{"UNANSWERED_ALERT", "15"}});
  operators_introduce_themselves(e);
  auto ann = user_opens(e, kAnn, kThread);
  e.handle(operator_says(kIvan, "Ivan", "Ivan_Support", kThread, 10, "/take"), kT0);
  auto bob = user_opens(e, kBob, kThread + 1);
  e.handle(operator_says(kMaria, "Maria", "", kThread + 1, 11, "/take"), kT0);
  take_jobs(*store_);

  EXPECT_EQ(e.unanswered_alerts(kT0 + 15 * kMinute - 1), 0) << "not waiting long enough";
  EXPECT_EQ(e.unanswered_alerts(kT0 + 15 * kMinute), 2);
  auto said = in_general(take_jobs(*store_));
  ASSERT_EQ(said.size(), 2u);
  EXPECT_EQ(said[0].payload.text,
            "⏰ Ann Lee has waited 15 min for an answer: https://t.me/c/1234567890/77\nOwner: @Ivan_Support");
  EXPECT_TRUE(said[0].payload.entities_json.empty()) << "a username mention notifies by itself";
  // Maria has no username: a text mention by id.
  EXPECT_NE(said[1].payload.text.find("https://t.me/c/1234567890/78\nOwner: Maria"), std::string::npos)
      << said[1].payload.text;
  auto entities = json::parse(said[1].payload.entities_json).as_array();
  ASSERT_EQ(entities.size(), 1u);
  EXPECT_EQ(entities[0].at("type").as_string(), "text_mention");
  EXPECT_EQ(entities[0].at("user").at("id").as_int64(), kMaria);
  EXPECT_EQ(entities[0].at("length").as_int64(), 5);

  EXPECT_EQ(e.unanswered_alerts(kT0 + 60 * kMinute), 0) << "once per wait";
  // Ivan answers Ann; she writes again: a new wait, announced again when it is long enough.
  e.handle(operator_says(kIvan, "Ivan", "Ivan_Support", kThread, 20, "On it"), kT0 + 61 * kMinute);
  e.handle(user_message(kAnn, 21, "thanks, and?"), kT0 + 62 * kMinute);
  EXPECT_EQ(e.unanswered_alerts(kT0 + 70 * kMinute), 0);
  EXPECT_EQ(e.unanswered_alerts(kT0 + 77 * kMinute), 1);
  said = in_general(take_jobs(*store_));
  ASSERT_EQ(said.size(), 1u);
  EXPECT_NE(said[0].payload.text.find("Ann Lee has waited 15 min"), std::string::npos)
      << said[0].payload.text;
  (void)ann;
  (void)bob;
}

TEST_F(OwnershipTest, UnansweredAlertWithoutOwnerSaysSoAndOffMeansNever) {
  auto& off = engine();
  user_opens(off, kAnn, kThread);
  take_jobs(*store_);
  EXPECT_EQ(off.unanswered_alerts(kT0 + 1000 * kMinute), 0);
  auto& e = engine({{"UNANSWERED_ALERT", "1"}});
  EXPECT_EQ(e.unanswered_alerts(kT0 + kMinute), 1);
  auto said = in_general(take_jobs(*store_));
  ASSERT_EQ(said.size(), 1u);
  EXPECT_EQ(said[0].payload.text,
            "⏰ Ann Lee has waited 1 min for an answer: https://t.me/c/1234567890/77\nNobody owns this "
            "dialog: /take it in "
            "the topic.");
}

TEST(OwnershipRules, PickOwner) {
  using core::AssignMode;
  std::vector<core::UserId> on{3, 5, 9};
  EXPECT_EQ(pick_owner(AssignMode::kOff, on, 0, {}), 0);
  EXPECT_EQ(pick_owner(AssignMode::kRoundRobin, {}, 0, {}), 0);
  EXPECT_EQ(pick_owner(AssignMode::kRoundRobin, on, 0, {}), 3);
  EXPECT_EQ(pick_owner(AssignMode::kRoundRobin, on, 5, {}), 9);
  EXPECT_EQ(pick_owner(AssignMode::kRoundRobin, on, 9, {}), 3) << "wraps round";
  EXPECT_EQ(pick_owner(AssignMode::kRoundRobin, on, 7, {}), 9) << "the last one left the shift";
  EXPECT_EQ(pick_owner(AssignMode::kLeastOpen, on, 0, {{3, 2}, {5, 1}, {9, 1}}), 5);
  EXPECT_EQ(pick_owner(AssignMode::kLeastOpen, on, 0, {{3, 2}, {5, 1}}), 9) << "none beats one";
}

TEST(OwnershipRules, WaitingCountsOnlyWhileTheUserWaitsForOperators) {
  store::Dialog d;
  d.status = DialogStatus::kUserAnswered;
  d.status_changed_at = 1000;
  EXPECT_EQ(waiting_for_operators_ms(d, 61'000, std::nullopt), 60'000);
  d.status = DialogStatus::kSupportAnswered;
  EXPECT_EQ(waiting_for_operators_ms(d, 61'000, std::nullopt), 0);
}

// Under WORKING_HOURS only the working part of a wait counts: a question left on Friday evening
// has waited 30 minutes by Monday 09:30, not a weekend.
TEST(OwnershipRules, WaitingCountsWorkingTimeUnderWorkingHours) {
  auto hours = core::parse_working_hours("UTC; mon-fri 09:00-18:00");
  ASSERT_TRUE(hours.ok()) << hours.error().message;
  constexpr core::UnixMillis kMinute = 60'000;
  constexpr core::UnixMillis kFriday1730 = 1'798'824'600'000;  // 2027-01-01, a Friday, 17:30 UTC
  constexpr core::UnixMillis kMonday0930 = kFriday1730 + (2 * 24 * 60 + 16 * 60) * kMinute;
  store::Dialog d;
  d.status = DialogStatus::kUserAnswered;
  d.status_changed_at = kFriday1730;
  EXPECT_EQ(waiting_for_operators_ms(d, kMonday0930, *hours), 60 * kMinute);  // 30 on Friday, 30 on Monday
  EXPECT_EQ(waiting_for_operators_ms(d, kMonday0930, std::nullopt), kMonday0930 - kFriday1730);
}

}  // namespace
}  // namespace topicdesk::relay
