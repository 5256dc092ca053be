// The CRM's errors in the reader's language: /send's parse errors and quota refusals, segment
// errors and the segment syntax, /mark's errors, template rendering errors and the notes of a
// broadcast's CSV report are written in the language the caller names (General: LANGUAGE), and
// in English by default (the Topics API, the dashboard, the CLI), keeping what and where.
#include <gtest/gtest.h>

#include <string>

#include "crm/broadcast.h"
#include "crm/broadcast_report.h"
#include "crm/labels.h"
#include "crm/segment.h"
#include "crm/template_render.h"
#include "i18n/catalog.h"

namespace topicdesk::crm {
namespace {

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

std::string send_error(std::string_view args, std::string_view language) {
  auto r = parse_send(args, language);
  EXPECT_FALSE(r) << args;
  return r ? std::string() : r.error().message;
}

TEST(CrmLanguages, SendParseErrorsAreInTheOperatorsLanguageWithTheWordThatIsWrong) {
  EXPECT_EQ(send_error("list 12 abc", "en"), "/send list: 'abc' is not a user id");
  EXPECT_EQ(send_error("list 12 abc", "ru"), "/send list: 'abc' — не id пользователя");
  EXPECT_EQ(send_error("all at 25:00", "de"), "'25:00' ist keine Uhrzeit (HH:MM)");
  EXPECT_EQ(send_error("all at 2026-13-01 10:00", "ru"), "'2026-13-01' — не дата (YYYY-MM-DD)");
  EXPECT_EQ(send_error("confirm #x", "de"), "'#x' ist keine Rundsendungsnummer");
  // A segment that does not parse: the segment's error (column and token) in the same language.
  const std::string segment = send_error("vip churned", "ru");
  EXPECT_TRUE(has(segment, "'vip' — не test, all или list")) << segment;
  EXPECT_TRUE(has(segment, "столбец 5, у `churned`: ожидалось `and`, `or` или конец выражения")) << segment;
  EXPECT_TRUE(has(segment, i18n::text("ru", "broadcasts.usage"))) << "the usage follows, translated too";
  // Without a language: English, as the Topics API reads it.
  EXPECT_EQ(parse_send("list 12 abc").error().message, "/send list: 'abc' is not a user id");
}

TEST(CrmLanguages, IdsFileErrorsNameTheLinesInTheOperatorsLanguage) {
  auto one = parse_user_ids("1 2\nfoo\n3", kMaxListedUsers, "ru");
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().message, "не id пользователей в строке 2");
  auto many = parse_user_ids("x\n1\ny", kMaxListedUsers, "de");
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().message, "keine Nutzer-IDs in den Zeilen 1, 3");
  auto too_many = parse_user_ids("1 2 3", 2, "ru");
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().message, "больше 2 id пользователей");
  EXPECT_TRUE(has(ids_file_text(std::string("\x01\x02", 2), "de").error().message, "keine Textdatei"));
  EXPECT_TRUE(has(ids_file_text(std::string("\x01\x02", 2)).error().message, "not a text file"));
}

TEST(CrmLanguages, QuotaRefusalsRenderWhereTheyAreRead) {
  auto refused = quota_refusal({.quota = 10'000, .used = 9'500, .needed = 1'200}, "2027-01-01 00:00 UTC");
  ASSERT_TRUE(refused);
  EXPECT_EQ(i18n::text("ru", *refused),
            "превышена месячная квота 10,000 пользователей: в этом месяце использовано 9,500, осталось 500, "
            "этой рассылке нужно 1,200; квота обновится 2027-01-01 00:00 UTC (BROADCAST_MONTHLY_QUOTA)");
  EXPECT_TRUE(i18n::text("en", *refused).starts_with("over the monthly quota 10,000 users"));
  const std::string persian = i18n::text("fa", *refused);
  EXPECT_TRUE(has(persian, "\u20682027-01-01 00:00 UTC\u2069") ||
              has(persian, "\u20662027-01-01 00:00 UTC\u2069"))
      << "the renewal time keeps its own direction: " << persian;
}

TEST(CrmLanguages, TheRecipientsAKindOfListNamesAreTranslatedTheExpressionKept) {
  store::Broadcast b{.id = 7, .recipients = "list of 3"};
  const store::BroadcastCounts counts{.pending = 3};
  EXPECT_TRUE(confirmation_text("ru", b, counts, "").starts_with("📣 Рассылка #7 (список из 3)"));
  EXPECT_TRUE(confirmation_text("en", b, counts, "").starts_with("📣 Broadcast #7 (list of 3)"));
  b.recipients = "segment vip and not churned";
  EXPECT_TRUE(
      confirmation_text("de", b, counts, "").starts_with("📣 Rundsendung #7 (Segment vip and not churned)"));
  b.recipients = "all";
  EXPECT_TRUE(confirmation_text("de", b, counts, "").starts_with("📣 Rundsendung #7 (all)"));
}

TEST(CrmLanguages, RefusalsNameTheStateInTheOperatorsLanguage) {
  using store::BroadcastState;
  EXPECT_EQ(*action_refused("es", SendAction::kResume, BroadcastState::kRunning),
            "solo se puede reanudar una difusión en pausa; su estado: en curso");
  EXPECT_EQ(*action_refused("de", SendAction::kConfirm, BroadcastState::kScheduled),
            "nur eine Rundsendung, die auf Bestätigung wartet, kann bestätigt werden; ihr Stand: geplant");
  EXPECT_EQ(*action_refused("en", SendAction::kPause, BroadcastState::kDone),
            "only a running or scheduled broadcast can be paused; it is done");
  for (const auto& lang : i18n::languages()) {
    for (auto state : {BroadcastState::kConfirming, BroadcastState::kScheduled, BroadcastState::kRunning,
                       BroadcastState::kPaused, BroadcastState::kCancelled, BroadcastState::kDone}) {
      const std::string name = state_name(lang, state);
      EXPECT_FALSE(name.empty() || name.starts_with("[")) << lang << " " << store::to_string(state);
      if (lang != "en") {
        EXPECT_NE(name, store::to_string(state)) << lang << ": the raw state word";
      }
    }
  }
}

TEST(CrmLanguages, SegmentErrorsAndSyntaxAreTranslated) {
  auto parsed = parse_segment("status:opn");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(describe(parsed.error, "de"),
            "Spalte 8, bei `opn`: erwartet: ein Status: open, closed, user_answered oder support_answered");
  EXPECT_EQ(describe(parsed.error),
            "column 8, at `opn`: expected a status: open, closed, user_answered or "
            "support_answered");
  auto label = parse_segment("vip or 7days");
  ASSERT_FALSE(label);
  EXPECT_EQ(describe(label.error, "ru"),
            "столбец 8, у `7days`: «7days» не может быть именем метки: имя начинается с латинской буквы.");
  EXPECT_EQ(describe(parse_segment("  ").error, "ru"), "выражение пустое");
  for (const auto& lang : i18n::languages()) {
    const std::string help = segment_help(lang);
    for (std::string_view term :
         {"status:open", "last_message<7d", "first_contact", "lang:ru", "start:promo42", "field:plan=pro",
          "connection:shop", "is:blocked", "(vip or lead)"}) {
      EXPECT_TRUE(has(help, term)) << lang << ": " << term;
    }
  }
  EXPECT_TRUE(has(segment_help("ru"), "Термы:"));
}

TEST(CrmLanguages, MarkErrorsAreTranslatedWithTheUsageOfThePlace) {
  auto bad_name = parse_mark("new 7days", true, "ru");
  ASSERT_FALSE(bad_name);
  EXPECT_EQ(bad_name.error().message,
            "«7days» не может быть именем метки: имя начинается с латинской буквы.");
  auto two = parse_mark("vip lead", false, "de");
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().message,
            "Ein Label nach dem anderen: /mark NAME.\n" + label_text::usage("de", false));
  EXPECT_TRUE(has(two.error().message, "Verwendung: /mark"));
  auto property = parse_mark("vip colour red", true, "ru");
  ASSERT_FALSE(property);
  EXPECT_TRUE(property.error().message.starts_with(
      "/mark vip colour: у метки нет свойства «colour» (есть after, sends, ticker, name)."))
      << property.error().message;
  auto ticker = parse_mark("vip ticker a#b", true, "de");
  ASSERT_FALSE(ticker);
  EXPECT_EQ(ticker.error().message,
            "Der Ticker „a#b“ kann nicht verwendet werden: eine Zeile, ohne „#“, „·“ oder Richtungszeichen.");
  // The dashboard and the Topics API keep English.
  EXPECT_EQ(label_key("new").error().message, "“new” cannot name a label: /mark uses that word itself.");
}

TEST(CrmLanguages, PersianKeepsCommandsAndValuesIsolated) {
  const std::string list = send_error("list 12 abc", "fa");
  EXPECT_TRUE(has(list, "\u2066abc\u2069")) << "the word keeps its direction: " << list;
  EXPECT_TRUE(has(list, "\u2066/send list")) << "the command is isolated: " << list;
  EXPECT_FALSE(has(list, "is not a user id"));
  auto mark = parse_mark("vip lead", false, "fa");
  ASSERT_FALSE(mark);
  EXPECT_TRUE(has(mark.error().message, "\u2066/mark NAME\u2069")) << mark.error().message;
  auto segment = parse_segment("vip churned");
  const std::string where = describe(segment.error, "fa");
  EXPECT_TRUE(has(where, "\u2066churned\u2069")) << where;
  EXPECT_TRUE(has(where, "ستون")) << where;
}

TEST(CrmLanguages, TemplateRenderingErrorsAreInTheOperatorsLanguage) {
  store::Template t;
  t.name = "greet";
  t.parts.push_back(store::TemplatePart{.kind = store::TemplatePartKind::kText, .text = "Hi {first_name}"});
  TemplateValues values;
  values.language = "de";
  auto missing = render_template(t, values);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "kein Wert für {first_name} hier und keine Ersatzangabe (schreib es als {first_name|…})");
  t.parts[0] = store::TemplatePart{.kind = store::TemplatePartKind::kPhoto,
                                   .text = "{first_name|x}" + std::string(1100, 'a'),
                                   .file_id = "F"};
  values.language = "ru";
  auto too_long = render_template(t, values);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(
      too_long.error().message,
      "подпись части 1 с подставленными переменными занимает 1101 символов; Telegram принимает не больше "
      "1024");
  values.language = "en";
  EXPECT_EQ(
      render_template(t, values).error().message,
      "part 1's caption is 1101 characters long with the variables filled in; Telegram takes at most 1024");
}

TEST(CrmLanguages, TheReportsOwnNotesAreInTheOperatorsLanguage) {
  ReportRow row{.user_id = 7, .name = "Ann", .state = store::RecipientState::kSent, .attempts = 2};
  EXPECT_EQ(report_error(row, "ru"),
            "отправлено снова после перезапуска, прервавшего первую отправку: могло прийти дважды");
  EXPECT_TRUE(has(report_csv_row(row, "de"), "erneut gesendet"));
  EXPECT_TRUE(has(report_csv_row(row), "sent again after a restart"));
  EXPECT_EQ(template_gone_error("ru", "promo"), "отменена: шаблон promo удалён");
}

}  // namespace
}  // namespace topicdesk::crm
