// /send's arguments, lists of user ids, `at TIME`, the actions a state takes, the CSV report.
#include "crm/broadcast.h"

#include <gtest/gtest.h>

#include "crm/broadcast_report.h"

namespace topicdesk::crm {
namespace {

using store::BroadcastState;

TEST(ParseSend, RecipientsAndATime) {
  auto all = parse_send("all");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->action, SendAction::kCreate);
  EXPECT_EQ(all->kind, RecipientsKind::kAll);
  EXPECT_FALSE(all->at);
  auto test = parse_send("TEST at 18:30");
  ASSERT_TRUE(test);
  EXPECT_EQ(test->kind, RecipientsKind::kTest);
  ASSERT_TRUE(test->at);
  EXPECT_EQ(test->at->hour, 18);
  EXPECT_EQ(test->at->minute, 30);
  auto list = parse_send("list 5, 7 5 9 at 2027-01-02 08:05");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->users, (std::vector<core::UserId>{5, 7, 9}));
  EXPECT_EQ(list->recipients, "list of 3");
  EXPECT_EQ(list->at->year, 2027);
  EXPECT_EQ(list->at->day, 2);
}

TEST(ParseSend, AnythingElseIsASegmentExpression) {
  auto vip = parse_send("VIP and not churned at 18:30");
  ASSERT_TRUE(vip) << vip.error().message;
  EXPECT_EQ(vip->kind, RecipientsKind::kSegment);
  EXPECT_EQ(vip->segment, "vip and not churned");
  EXPECT_EQ(vip->recipients, "segment vip and not churned");
  ASSERT_TRUE(vip->at);
  EXPECT_EQ(vip->at->hour, 18);
  // "at" without a time after it is a label of the expression.
  auto label_at = parse_send("vip or at");
  ASSERT_TRUE(label_at) << label_at.error().message;
  EXPECT_EQ(label_at->segment, "vip or at");
  EXPECT_FALSE(label_at->at);
}

TEST(ParseSend, ActionsTakeAnOptionalNumber) {
  auto confirm = parse_send("confirm #12");
  ASSERT_TRUE(confirm);
  EXPECT_EQ(confirm->action, SendAction::kConfirm);
  EXPECT_EQ(confirm->broadcast_id, 12);
  auto pause = parse_send("pause");
  ASSERT_TRUE(pause);
  EXPECT_EQ(pause->action, SendAction::kPause);
  EXPECT_EQ(pause->broadcast_id, 0);
  EXPECT_FALSE(parse_send("cancel x"));
  EXPECT_FALSE(parse_send("resume 1 2"));
}

TEST(ParseSend, BadInputSaysWhatIsWrong) {
  EXPECT_NE(parse_send("").error().message.find("/send test"), std::string::npos);
  EXPECT_NE(parse_send("vip churned")
                .error()
                .message.find("not test, all or list, and the words are not a segment"),
            std::string::npos);
  EXPECT_NE(parse_send("list").error().message.find("write the user ids"), std::string::npos);
  EXPECT_NE(parse_send("list 1 -2").error().message.find("'-2' is not a user id"), std::string::npos);
  EXPECT_NE(parse_send("all at 24:00").error().message.find("not a time of day"), std::string::npos);
  EXPECT_NE(parse_send("all at 2027-02-30 10:00").error().message.find("not a date"), std::string::npos);
  EXPECT_NE(parse_send("all at").error().message.find("HH:MM"), std::string::npos);
  EXPECT_FALSE(parse_send("all extra"));
}

TEST(ParseUserIds, LinesWithBadLinesNumbered) {
  auto ids = parse_user_ids("1\n2, 3\n\n3;4\n");
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<core::UserId>{1, 2, 3, 4}));
  auto bad = parse_user_ids("1\nbob\n3\n4x\n");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "not user ids on lines 2, 4");
  auto many = parse_user_ids("1 2 3 4", 3);
  ASSERT_FALSE(many);
  EXPECT_NE(many.error().message.find("more than 3"), std::string::npos);
}

TEST(WallTime, NextClockTimeAndDatesInTheZone) {
  const core::UnixMillis now = 1'767'225'600'000;  // 2026-01-01 00:00 UTC
  core::TimeZone utc;
  auto at = resolve_wall_time({.hour = 9, .minute = 30}, utc, now);
  ASSERT_TRUE(at);
  EXPECT_EQ(*at, now + (9 * 3600 + 30 * 60) * 1000LL);
  auto berlin = core::TimeZone::fixed(3600, "UTC+01:00");
  auto there = resolve_wall_time({.year = 2026, .month = 1, .day = 2, .hour = 1, .minute = 0}, berlin, now);
  ASSERT_TRUE(there);
  EXPECT_EQ(*there, now + 24 * 3600 * 1000LL);
  EXPECT_EQ(format_wall_time(*there, berlin), "2026-01-02 01:00 UTC+01:00");
  // Earlier today: tomorrow at that time.
  auto later = resolve_wall_time({.hour = 0, .minute = 0}, utc, now + 60'000);
  EXPECT_EQ(*later, now + 24 * 3600 * 1000LL);
  EXPECT_FALSE(resolve_wall_time({.year = 2025, .month = 12, .day = 31, .hour = 23, .minute = 0}, utc, now));
}

TEST(ParseSend, FileAndAddForms) {
  auto file = parse_send("file at 09:30");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->kind, RecipientsKind::kFile);
  EXPECT_EQ(file->recipients, "file");
  ASSERT_TRUE(file->at);
  EXPECT_EQ(file->at->hour, 9);
  EXPECT_FALSE(parse_send("file ids.txt"));
  auto add = parse_send("add #7");
  ASSERT_TRUE(add);
  EXPECT_EQ(add->action, SendAction::kAdd);
  EXPECT_EQ(add->broadcast_id, 7);
  EXPECT_FALSE(action_refused("en", SendAction::kAdd, BroadcastState::kConfirming));
  EXPECT_TRUE(action_refused("en", SendAction::kAdd, BroadcastState::kRunning));
}

TEST(IdsFile, PlainTextOnly) {
  EXPECT_EQ(*ids_file_text("\xEF\xBB\xBF"
                           "1, 2\r\n3"),
            "1, 2\r\n3");                    // a BOM and CRLF are fine
  EXPECT_TRUE(ids_file_text("Müller 5\n"));  // text; parse_user_ids names the bad line
  auto binary = ids_file_text(std::string("PK\x03\x04\0\0", 6));
  ASSERT_FALSE(binary);
  EXPECT_NE(binary.error().message.find("not a text file"), std::string::npos);
  EXPECT_FALSE(ids_file_text("\xFF\xFE1\0"));  // UTF-16
  EXPECT_FALSE(ids_file_text("12\xC3"));       // cut in a character
}

TEST(Quota, CalendarMonthOnTheZonesClockAndTheNumbers) {
  const core::UnixMillis now = 1'767'225'600'000;  // 2026-01-01 00:00 UTC
  core::TimeZone utc;
  EXPECT_EQ(month_start(now, utc), now);
  EXPECT_EQ(month_start(now + 1000, utc), now);
  EXPECT_EQ(next_month_start(now, utc), now + 31LL * 86'400'000);
  // 00:30 on 1 January in UTC is still December one hour west of it.
  auto west = core::TimeZone::fixed(-3600, "UTC-01:00");
  EXPECT_EQ(month_start(now + 1'800'000, west), now - 31LL * 86'400'000 + 3'600'000);
  EXPECT_EQ(next_month_start(now + 1'800'000, west), now + 3'600'000);
  const core::UnixMillis december = now - 86'400'000;
  EXPECT_EQ(next_month_start(december, utc), now);

  QuotaUse use{.quota = 10'000, .used = 9'500, .needed = 1'200};
  EXPECT_EQ(use.left(), 500);
  auto refused = quota_refusal(use, "2026-02-01 00:00 UTC");
  ASSERT_TRUE(refused);
  EXPECT_EQ(
      i18n::text("en", *refused),
      "over the monthly quota 10,000 users: 9,500 used this month, 500 left, this broadcast needs 1,200; "
      "it renews 2026-02-01 00:00 UTC (BROADCAST_MONTHLY_QUOTA)");
  EXPECT_FALSE(quota_refusal({.quota = 10'000, .used = 9'500, .needed = 500}, ""));
  EXPECT_FALSE(quota_refusal({.quota = 0, .used = 9'500, .needed = 5'000}, ""));
  EXPECT_EQ(QuotaUse({.quota = 10, .used = 12}).left(), 0);
}

TEST(BroadcastStates, ActionsFitTheirStates) {
  EXPECT_FALSE(action_refused("en", SendAction::kConfirm, BroadcastState::kConfirming));
  EXPECT_TRUE(action_refused("en", SendAction::kConfirm, BroadcastState::kRunning));
  EXPECT_FALSE(action_refused("en", SendAction::kPause, BroadcastState::kRunning));
  EXPECT_TRUE(action_refused("en", SendAction::kPause, BroadcastState::kPaused));
  EXPECT_FALSE(action_refused("en", SendAction::kResume, BroadcastState::kPaused));
  EXPECT_TRUE(action_refused("en", SendAction::kCancel, BroadcastState::kDone));
  EXPECT_FALSE(action_refused("en", SendAction::kCancel, BroadcastState::kScheduled));
  store::Broadcast b;
  EXPECT_EQ(state_after(SendAction::kConfirm, b), BroadcastState::kRunning);
  b.scheduled_at = 5;
  EXPECT_EQ(state_after(SendAction::kConfirm, b), BroadcastState::kScheduled);
  b.started_at = 6;  // a scheduled broadcast that started, paused, resumes running
  EXPECT_EQ(state_after(SendAction::kResume, b), BroadcastState::kRunning);
  EXPECT_EQ(state_after(SendAction::kCancel, b), BroadcastState::kCancelled);
}

TEST(ProgressText, CountsAndState) {
  store::Broadcast b;
  b.id = 7;
  b.state = BroadcastState::kRunning;
  store::BroadcastCounts c{.pending = 9000, .sent = 1000, .blocked = 2};
  auto text = progress_text("en", b, c, 27.5);
  EXPECT_EQ(text,
            "📣 Broadcast #7 — sending: 1,002 of 10,002\nsent 1,000 · blocked 2 · failed 0 · skipped 0\n27.5 "
            "messages/s");
}

TEST(ProgressText, InTheOperatorsLanguage) {
  store::Broadcast b;
  b.id = 7;
  b.state = BroadcastState::kDone;
  b.recipients = "all";
  store::BroadcastCounts c{.sent = 3, .blocked = 1};
  EXPECT_EQ(progress_text("ru", b, c, 0),
            "📣 Рассылка #7 — завершена: 4 из 4\nотправлено 3 · заблокировали 1 · ошибки 0 · пропущено 0");
  EXPECT_EQ(
      report_summary_text("de", b, c),
      "📣 Rundsendung #7 ist fertig: gesendet 3, Bot blockiert 1, fehlgeschlagen 0, ausgelassen 0 (von 4).");
  b.state = BroadcastState::kConfirming;
  c = {.pending = 1};
  EXPECT_EQ(confirmation_text("en", b, c, ""),
            "📣 Broadcast #7 (all): 1 recipient.\nSent as soon as you confirm.\n"
            "Confirm: /send confirm #7   Cancel: /send cancel #7");
  auto refused = action_refused("es", SendAction::kResume, BroadcastState::kRunning);
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, "solo se puede reanudar una difusión en pausa; su estado: en curso");
}

TEST(ReportCsv, QuotesNamesAndDefusesFormulas) {
  EXPECT_EQ(report_csv_header(), "user_id,name,status,error,message_ids,sent_at\r\n");
  ReportRow row{.user_id = 5,
                .name = "Smith, \"Jo\"",
                .state = store::RecipientState::kSent,
                .message_ids = {10, 11},
                .sent_at = 1'767'225'600'000};
  EXPECT_EQ(report_csv_row(row), "5,\"Smith, \"\"Jo\"\"\",sent,,10 11,2026-01-01T00:00:00Z\r\n");
  row.name = "=HYPERLINK(1)";
  row.attempts = 2;
  EXPECT_EQ(report_csv_row(row),
            "5,'=HYPERLINK(1),sent,sent again after a restart interrupted the first send: may have arrived "
            "twice,10 11,2026-01-01T00:00:00Z\r\n");
  ReportRow blocked{.user_id = 6,
                    .name = "Bo",
                    .state = store::RecipientState::kBlocked,
                    .error = "Forbidden: bot was blocked by the user"};
  EXPECT_EQ(report_csv_row(blocked), "6,Bo,blocked,Forbidden: bot was blocked by the user,,\r\n");
}

TEST(ParseSend, ATemplateIsTheContentOfAnyRecipientsForm) {
  auto segment = parse_send("template:Greet vip and not churned at 18:30");
  ASSERT_TRUE(segment) << segment.error().message;
  EXPECT_EQ(segment->template_name, "Greet");
  EXPECT_EQ(segment->kind, RecipientsKind::kSegment);
  EXPECT_EQ(segment->segment, "vip and not churned");
  ASSERT_TRUE(segment->at);
  auto list = parse_send("TEMPLATE:promo list 5 7");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->template_name, "promo");
  EXPECT_EQ(list->users, (std::vector<core::UserId>{5, 7}));
  EXPECT_EQ(parse_send("all")->template_name, "");
  // A bad name, no recipients, and an action with a template are refused.
  auto bad = parse_send("template:9lives all");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("template:9lives"), std::string::npos) << bad.error().message;
  auto nobody = parse_send("template:greet");
  ASSERT_FALSE(nobody);
  EXPECT_NE(nobody.error().message.find("whom to"), std::string::npos);
  EXPECT_FALSE(parse_send("template:greet confirm #3"));
}

TEST(TemplateBroadcasts, MediaIsRefusedOnAccountConnectionsOnly) {
  store::Template t;
  t.name = "promo";
  EXPECT_TRUE(template_broadcast_refused(t, false));  // no parts
  t.parts.push_back(store::TemplatePart{.kind = store::TemplatePartKind::kText, .text = "hi"});
  EXPECT_FALSE(template_broadcast_refused(t, true));
  t.parts.push_back(store::TemplatePart{.kind = store::TemplatePartKind::kPhoto, .file_id = "F"});
  EXPECT_FALSE(template_broadcast_refused(t, false));
  auto refused = template_broadcast_refused(t, true);
  ASSERT_TRUE(refused);
  const std::string said = i18n::text("en", *refused);
  EXPECT_NE(said.find("part 2"), std::string::npos) << said;
  EXPECT_NE(said.find("bot connections"), std::string::npos) << said;
}

TEST(IsoInstant, ZonesSecondsAndBadInput) {
  const core::UnixMillis t = 1'798'133'400'000;  // 2026-12-24T17:30:00Z
  EXPECT_EQ(*parse_iso_instant("2026-12-24T17:30:00Z"), t);
  EXPECT_EQ(*parse_iso_instant("2026-12-24T18:30:00+01:00"), t);
  EXPECT_EQ(*parse_iso_instant("2026-12-24 12:30-0500"), t);
  EXPECT_EQ(*parse_iso_instant("2026-12-24T17:30:00.250Z"), t);
  EXPECT_EQ(*parse_iso_instant("2026-12-24T17:30+00"), t);
  EXPECT_FALSE(parse_iso_instant("2026-12-24T17:30:00"));  // no zone
  EXPECT_FALSE(parse_iso_instant("2026-02-30T10:00Z"));
  EXPECT_FALSE(parse_iso_instant("2026-12-24T24:00Z"));
  EXPECT_FALSE(parse_iso_instant("tomorrow"));
  EXPECT_FALSE(parse_iso_instant(""));
}

}  // namespace
}  // namespace topicdesk::crm
