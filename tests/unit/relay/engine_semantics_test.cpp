// The product's meaning of the parameters we share with it (docs/parameters.md, "same name,
// same meaning"): WELCOME at every new contact, AUTOCLOSE's 48 hours, SILENT_MODE hiding errors
// only, CLOSE_MESSAGE, LEAVE_CLOSED's chat kinds, INTERCEPTED_STATUS, and /help from the
// command table.
#include <gtest/gtest.h>

#include "core/commands.h"
#include "core/presentation.h"
#include "i18n/catalog.h"
#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;
using core::EventKind;

constexpr core::UnixMillis kHour = 3'600'000;
constexpr std::string_view kWelcome = "Hi {title}";

class SemanticsTest : public EngineFixture {
 protected:
  // The user's message, with the topic the dispatcher would have made; the jobs it made.
  std::vector<TakenJob> say(Engine& e, core::MessageId id, std::string text, core::UnixMillis at = kT0) {
    e.handle(user_message(kAnn, id, std::move(text)), at);
    auto jobs = take_jobs(*store_);
    if (auto dialog = store_->dialog_by_user(context_.id, kAnn); dialog && dialog->thread_id == 0) {
      dialog->thread_id = kThread;
      store_->update_dialog(*dialog);
    }
    return jobs;
  }
  std::vector<TakenJob> operator_says(Engine& e, core::MessageId id, std::string text,
                                      core::UnixMillis at = kT0) {
    e.handle(operator_message(kThread, id, std::move(text)), at);
    return take_jobs(*store_);
  }
  store::Dialog ann() { return *store_->dialog_by_user(context_.id, kAnn); }

  core::Event failed(std::string_view job_kind, std::int64_t job_id) {
    core::Event e;
    e.kind = EventKind::kDeliveryFailed;
    e.update_id = 90000 + job_id;
    e.chat_id = kGroupId;
    e.text = "Bad Request: message can't be copied";
    e.delivery =
        core::DeliveryReport{.job_id = job_id, .dialog_id = ann().id, .job_kind = std::string(job_kind)};
    return e;
  }

  core::Event intercepted(core::MessageId id, bool by_owner) {
    core::Event e;
    e.kind = EventKind::kOutgoingSeen;
    e.update_id = 50000 + id;
    e.chat_id = kAnn;
    e.message_id = id;
    e.text = "intercepted answer";
    if (by_owner) {
      e.from = core::Person{.id = 4242, .first_name = "Owner"};
    } else {
      e.from = core::Person{.id = kBotId, .is_bot = true};
      e.sender_is_bot = true;
    }
    return e;
  }
};

const std::vector<std::string> kHi{"Hi Ann Lee"};

TEST_F(SemanticsTest, AFreshConnectionWelcomesWithTheUsersOwnName) {
  auto jobs = say(engine(), 1, "hello");
  std::string expected = i18n::text("en", "dialog.welcome", {{"title", "Ann Lee"}});
  EXPECT_EQ(texts_to(jobs, Side::kUser), (std::vector<std::string>{expected}));
  EXPECT_NE(expected.find("Ann Lee"), std::string::npos);
}

TEST_F(SemanticsTest, HideInfoNeverGivesTheUserTheirPseudonym) {
  auto jobs = say(engine({{"WELCOME", std::string(kWelcome)}, {"HIDE_INFO", "name"}}), 1, "hello");
  EXPECT_EQ(texts_to(jobs, Side::kUser), kHi);
}

TEST_F(SemanticsTest, AClosedDialogIsWelcomedAgainAtTheNextContactOnce) {
  auto& e = engine({{"WELCOME", std::string(kWelcome)}});
  EXPECT_EQ(texts_to(say(e, 1, "hello"), Side::kUser), kHi);
  EXPECT_TRUE(texts_to(say(e, 2, "more"), Side::kUser).empty());  // not while the dialog is open
  operator_says(e, 50, "/close");
  EXPECT_EQ(texts_to(say(e, 3, "back again"), Side::kUser), kHi);
  // Two messages in a row from a user whose dialog was just reopened: one welcome.
  EXPECT_TRUE(texts_to(say(e, 4, "and this"), Side::kUser).empty());
}

TEST_F(SemanticsTest, StartWelcomesOnlyAUserWhoseDialogIsClosed) {
  auto& e = engine({{"WELCOME", std::string(kWelcome)}});
  say(e, 1, "hello");
  EXPECT_TRUE(texts_to(say(e, 2, "/start"), Side::kUser).empty());  // the dialog is open
  operator_says(e, 50, "/close");
  EXPECT_EQ(texts_to(say(e, 3, "/start"), Side::kUser), kHi);
  EXPECT_TRUE(texts_to(say(e, 4, "/start"), Side::kUser).empty());  // never twice in a row
}

TEST_F(SemanticsTest, AutocloseIs48HoursByDefaultAndItsCloseIsWelcomedAgain) {
  auto& e = engine({{"WELCOME", std::string(kWelcome)}});
  say(e, 1, "hello");
  operator_says(e, 50, "answer", kT0);
  EXPECT_EQ(e.autoclose(kT0 + 48 * kHour - 1), 0);
  EXPECT_EQ(e.autoclose(kT0 + 48 * kHour), 1);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kUser),
            (std::vector<std::string>{core::notice::dialog_closed_for_user("en", true)}));
  EXPECT_EQ(texts_to(say(e, 2, "hello again", kT0 + 49 * kHour), Side::kUser), kHi);
}

TEST_F(SemanticsTest, CloseMessageOffSilencesTheCloseNoticeAlone) {
  auto& e = engine({{"WELCOME", std::string(kWelcome)}, {"CLOSE_MESSAGE", "OFF"}});
  EXPECT_EQ(texts_to(say(e, 1, "hello"), Side::kUser), kHi);
  EXPECT_TRUE(texts_to(operator_says(e, 50, "/close"), Side::kUser).empty());
  EXPECT_EQ(texts_to(say(e, 2, "back"), Side::kUser), kHi);
}

TEST_F(SemanticsTest, CloseMessageTakesTheConnectionsText) {
  auto& e = engine({{"WELCOME", "OFF"}, {"CLOSE_MESSAGE", "Bye {title}"}});
  say(e, 1, "hello");
  EXPECT_EQ(texts_to(operator_says(e, 50, "/close"), Side::kUser), (std::vector<std::string>{"Bye Ann Lee"}));
}

TEST_F(SemanticsTest, SilentModeHidesErrorsButNotWelcomeOrTheCloseNotice) {
  auto& e = engine({{"WELCOME", std::string(kWelcome)}, {"SILENT_MODE", "true"}});
  EXPECT_EQ(texts_to(say(e, 1, "hello"), Side::kUser), kHi);
  e.handle(failed(job::kCopyToTopic, 2), kT0);
  auto jobs = take_jobs(*store_);
  EXPECT_TRUE(texts_to(jobs, Side::kUser).empty());
  EXPECT_EQ(texts_to(jobs, Side::kGroup).size(), 1u);  // the operators still learn of it
  EXPECT_EQ(texts_to(operator_says(e, 50, "/close"), Side::kUser),
            (std::vector<std::string>{core::notice::dialog_closed_for_user("en", false)}));
}

TEST_F(SemanticsTest, AUserWhoseMessageCannotBeRelayedIsToldInOneShortMessage) {
  auto& e = engine({{"WELCOME", "OFF"}});
  say(e, 1, "hello");
  // The topic could not be made, and the copy waiting for it failed with it: one notice; so
  // does a burst of refused messages.
  e.handle(failed(job::kCreateTopic, 1), kT0);
  e.handle(failed(job::kCopyToTopic, 2), kT0);
  const std::vector<std::string> told{core::notice::message_not_relayed_for_user("en")};
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kUser), told);
  say(e, 2, "hello?", kT0 + 1000);
  e.handle(failed(job::kCopyToTopic, 3), kT0 + 2000);
  EXPECT_TRUE(texts_to(take_jobs(*store_), Side::kUser).empty());
  // A failure some minutes later is told again.
  say(e, 3, "still there?", kT0 + 11 * 60 * 1000);
  e.handle(failed(job::kCopyAlbumToTopic, 4), kT0 + 11 * 60 * 1000);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kUser), told);
  // A failure on the way to the user, or of an operator's note, is not the user's to hear.
  e.handle(failed(job::kSendText, 5), kT0 + 60 * 60 * 1000);  // long after the last notice
  EXPECT_TRUE(texts_to(take_jobs(*store_), Side::kUser).empty());
}

TEST_F(SemanticsTest, LeaveClosedPrivateKeepsTopicsClosedUntilAnOperatorWrites) {
  auto& e = engine({{"WELCOME", std::string(kWelcome)}, {"LEAVE_CLOSED", R"(["private"])"}});
  auto first = say(e, 1, "hello");
  EXPECT_EQ(kinds(first), (std::vector<std::string>{"create_topic", "close_topic", "copy_to_topic"}));
  EXPECT_TRUE(texts_to(first, Side::kUser).empty());  // created closed, without a welcome
  EXPECT_EQ(ann().status, DialogStatus::kClosed);

  auto second = say(e, 2, "anyone?");
  EXPECT_EQ(kinds(second), (std::vector<std::string>{"copy_to_topic"}));  // stays closed
  EXPECT_EQ(ann().status, DialogStatus::kClosed);

  auto answer = operator_says(e, 50, "we are here");
  EXPECT_NE(find_job(answer, job::kReopenTopic), nullptr);
  EXPECT_EQ(ann().status, DialogStatus::kSupportAnswered);  // waiting for the user

  say(e, 3, "thanks");
  EXPECT_EQ(ann().status, DialogStatus::kUserAnswered);
  auto close = operator_says(e, 51, "/close");
  EXPECT_NE(find_job(close, job::kCloseTopic), nullptr);
  EXPECT_EQ(kinds(say(e, 4, "one more")), (std::vector<std::string>{"copy_to_topic"}));
  EXPECT_EQ(ann().thread_id, kThread);  // the same topic, no new one
}

TEST_F(SemanticsTest, HoldOnALeaveClosedTopicOpensItInTelegram) {
  auto& e = engine({{"LEAVE_CLOSED", "private"}});
  say(e, 1, "hello");
  auto hold = operator_says(e, 50, "/hold");
  EXPECT_NE(find_job(hold, job::kReopenTopic), nullptr);
  EXPECT_EQ(ann().status, DialogStatus::kUserAnswered);
  EXPECT_EQ(find_job(operator_says(e, 51, "/wait"), job::kReopenTopic), nullptr);  // open already
}

// An account connection's monitored group is the "group" kind.
class GroupSemanticsTest : public EngineFixture {
 protected:
  static constexpr core::ChatId kClub = -1009001;
  GroupSemanticsTest() : EngineFixture(&account_context) {}
  static ConnectionContext account_context(store::Store& store) {
    auto context = make_context(store, "sales", kBotId, kGroupId);
    context.account_id = 4242;
    context.account = true;
    return context;
  }
  std::vector<TakenJob> club_says(Engine& e, core::MessageId id, std::string text) {
    auto m = user_message(kAnn, id, std::move(text));
    m.chat_id = kClub;
    m.chat_title = "Book club";
    e.handle(m, kT0);
    return take_jobs(*store_);
  }
};

TEST_F(GroupSemanticsTest, LeaveClosedGroupKeepsAMonitoredGroupsTopicClosed) {
  auto& e = engine({{"MONITOR_GROUPS", "true"}, {"LEAVE_CLOSED", R"(["group"])"}});
  auto first = club_says(e, 10, "anyone here?");
  EXPECT_NE(find_job(first, job::kCloseTopic), nullptr);
  auto dialog = *store_->dialog_by_user(context_.id, kClub);
  EXPECT_EQ(dialog.status, DialogStatus::kClosed);
  dialog.thread_id = kThread;
  store_->update_dialog(dialog);
  club_says(e, 11, "hello?");
  EXPECT_EQ(store_->dialog_by_user(context_.id, kClub)->status, DialogStatus::kClosed);
}

TEST_F(SemanticsTest, LeaveClosedForOtherKindsLeavesPrivateChatsAlone) {
  auto& e = engine({{"WELCOME", "OFF"}, {"LEAVE_CLOSED", R"(["group","channel"])"}});
  EXPECT_EQ(kinds(say(e, 1, "hello")), (std::vector<std::string>{"create_topic", "copy_to_topic"}));
  operator_says(e, 50, "/close");
  say(e, 2, "back");
  EXPECT_EQ(ann().status, DialogStatus::kUserAnswered);
}

TEST_F(SemanticsTest, LeaveClosedTrueStillMeansANewTopicAfterAClose) {
  for (const char* name : {"LEAVE_CLOSED", "NEW_TOPIC_AFTER_CLOSE"}) {
    SCOPED_TRACE(name);
    store_ = make_store();
    context_ = make_context(*store_);
    auto& e = engine({{"WELCOME", "OFF"}, {name, "true"}});
    say(e, 1, "hello");
    EXPECT_NE(find_job(operator_says(e, 50, "/close"), job::kCloseTopic), nullptr);
    EXPECT_EQ(kinds(say(e, 2, "back")),
              (std::vector<std::string>{"create_topic", "set_topic_title", "copy_to_topic"}));
  }
}

TEST_F(SemanticsTest, InterceptedStatusDecidesWhichInterceptedAnswersCount) {
  struct Case {
    const char* value;
    bool program_counts;
    bool owner_counts;
  };
  for (Case c : {Case{"owner", false, true}, Case{"true", true, true}, Case{"false", false, false}}) {
    SCOPED_TRACE(c.value);
    for (bool by_owner : {false, true}) {
      store_ = make_store();
      context_ = make_context(*store_);
      auto& e = engine({{"WELCOME", "OFF"}, {"INTERCEPTED_STATUS", c.value}});
      say(e, 1, "hello");
      e.handle(intercepted(10, by_owner), kT0 + kHour);
      take_jobs(*store_);
      bool counts = by_owner ? c.owner_counts : c.program_counts;
      EXPECT_EQ(ann().status, counts ? DialogStatus::kSupportAnswered : DialogStatus::kUserAnswered)
          << (by_owner ? "owner" : "program");
      // AUTOCLOSE counts from an answer that counts, and only from one.
      EXPECT_EQ(e.autoclose(kT0 + 49 * kHour), counts ? 1 : 0) << (by_owner ? "owner" : "program");
    }
  }
}

TEST_F(SemanticsTest, StatusIconsMarkStatsAndInfo) {
  auto& e = engine({{"WELCOME", "OFF"}, {"STATUS_ICONS", R"(["🟢","🟡","⚪"])"}});
  say(e, 1, "hello");
  auto stats = texts_to(operator_says(e, 50, "/stats"), Side::kGroup);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_NE(stats[0].find("🟢 waiting for operators: 1"), std::string::npos) << stats[0];
  auto info = texts_to(operator_says(e, 51, "/info"), Side::kGroup);
  ASSERT_EQ(info.size(), 1u);
  EXPECT_NE(info[0].find("status: 🟢 user_answered"), std::string::npos) << info[0];
}

TEST_F(SemanticsTest, HelpIsTheTableOfWhatWorksWhereItIsAsked) {
  auto& e = engine({{"WELCOME", "OFF"}});
  say(e, 1, "hello");
  auto in_topic = texts_to(operator_says(e, 50, "/help"), Side::kGroup);
  EXPECT_EQ(in_topic, (std::vector<std::string>{core::help_text("en", false)}));
  for (std::string name : {"/link", "/set", "/stats"}) EXPECT_NE(in_topic[0].find(name), std::string::npos);

  e.handle(operator_message(0, 60, "/help"), kT0);
  auto in_general = texts_to(take_jobs(*store_), Side::kGroup);
  EXPECT_EQ(in_general, (std::vector<std::string>{core::help_text("en", true)}));
  // What General's /help leaves out is not answered there.
  for (std::string command : {"/info", "/link", "/close"}) {
    ASSERT_FALSE(core::command_works(command.substr(1), core::CommandPlace::kGeneral, false));
    e.handle(operator_message(0, 61, command), kT0);
    EXPECT_TRUE(take_jobs(*store_).empty()) << command;
  }
}

}  // namespace
}  // namespace topicdesk::relay
