// The segment language: every term, precedence, and errors that say what and where.
#include "crm/segment.h"

#include <gtest/gtest.h>

#include <string>

namespace topicdesk::crm {
namespace {

using store::DialogStatus;

constexpr core::UnixMillis kDay = 24LL * 3600 * 1000;
constexpr core::UnixMillis kNow = 20000 * kDay;  // 2024-10-04T00:00Z
constexpr core::UnixMillis k20261101 = 20758 * kDay;

SegmentSubject subject() {
  SegmentSubject s;
  s.user_id = 1001;
  s.connection_id = 1;
  s.connection = "shop";
  s.status = DialogStatus::kSupportAnswered;
  s.labels = {"VIP", "lead"};
  s.last_user_message_at = kNow - 3 * kDay;
  s.first_contact_at = kNow - 40 * kDay;
  s.language_code = "pt-BR";
  s.start_parameter = "promo42";
  s.fields = {{"city", "New York"}, {"plan", "Pro"}};
  return s;
}

bool picks(std::string_view expr, const SegmentSubject& s = subject(), core::UnixMillis now = kNow) {
  auto parsed = parse_segment(expr);
  EXPECT_TRUE(parsed) << expr << ": " << describe(parsed.error);
  return parsed && parsed.segment->matches(s, now);
}

SegmentError error_of(std::string_view expr) {
  auto parsed = parse_segment(expr);
  EXPECT_FALSE(parsed) << expr << " parsed as " << (parsed ? parsed.segment->to_string() : "");
  return parsed.error;
}

// What is wrong, as an English reader reads it.
std::string en(const SegmentError& e) { return i18n::text("en", e.what); }

TEST(Segment, LabelsAreCaseInsensitive) {
  EXPECT_TRUE(picks("vip"));
  EXPECT_TRUE(picks("Lead"));
  EXPECT_FALSE(picks("churned"));
  auto none = subject();
  none.labels.clear();
  EXPECT_FALSE(picks("vip", none));
  EXPECT_TRUE(picks("a-b_2", [] {
    auto s = subject();
    s.labels = {"A-B_2"};
    return s;
  }()));
}

TEST(Segment, StatusTerms) {
  auto s = subject();
  EXPECT_TRUE(picks("status:open", s));
  EXPECT_TRUE(picks("STATUS:Support_Answered", s));
  EXPECT_FALSE(picks("status:user_answered", s));
  EXPECT_FALSE(picks("status:closed", s));
  s.status = DialogStatus::kClosed;
  EXPECT_TRUE(picks("status:closed", s));
  EXPECT_FALSE(picks("status:open", s));
  s.status = DialogStatus::kUserAnswered;
  EXPECT_TRUE(picks("status:user_answered and status:open", s));
}

TEST(Segment, LastMessageByAgeCountsBackFromNow) {
  EXPECT_TRUE(picks("last_message<7d"));  // 3 days ago
  EXPECT_FALSE(picks("last_message>7d"));
  EXPECT_TRUE(picks("last_message > 2d"));
  EXPECT_TRUE(picks("last_message<=3d"));
  EXPECT_TRUE(picks("last_message>=3d"));
  EXPECT_FALSE(picks("last_message<3d"));
  EXPECT_TRUE(picks("last_message<73h"));
  EXPECT_FALSE(picks("last_message<71h"));
  EXPECT_TRUE(picks("last_message<1w"));
  EXPECT_TRUE(picks("last_message<7d", subject(), kNow + 3 * kDay) == true);
  EXPECT_FALSE(picks("last_message<7d", subject(), kNow + 5 * kDay));
}

TEST(Segment, AUserWhoNeverWroteMatchesNoLastMessageComparison) {
  auto s = subject();
  s.last_user_message_at = 0;
  EXPECT_FALSE(picks("last_message<7d", s));
  EXPECT_FALSE(picks("last_message>7d", s));
  EXPECT_FALSE(picks("last_message>=2000-01-01", s));
  EXPECT_TRUE(picks("not last_message<7d", s));
}

TEST(Segment, DatesNameAUtcDayOrMinute) {
  auto s = subject();
  s.last_user_message_at = k20261101 + 10 * 3600 * 1000;  // 2026-11-01T10:00Z
  EXPECT_TRUE(picks("last_message>=2026-11-01", s));
  EXPECT_TRUE(picks("last_message=2026-11-01", s));
  EXPECT_TRUE(picks("last_message<=2026-11-01", s));
  EXPECT_FALSE(picks("last_message>2026-11-01", s));
  EXPECT_FALSE(picks("last_message<2026-11-01", s));
  EXPECT_TRUE(picks("last_message<2026-11-02", s));
  EXPECT_TRUE(picks("last_message>2026-10-31", s));
  EXPECT_TRUE(picks("last_message>=2026-11-01T10:00", s));
  EXPECT_TRUE(picks("last_message=2026-11-01T10:00", s));
  EXPECT_FALSE(picks("last_message>2026-11-01T10:00", s));
  EXPECT_TRUE(picks("last_message>2026-11-01T09:59", s));
  EXPECT_TRUE(picks("last_message<2028-02-29", s));  // a leap day
}

TEST(Segment, FirstContact) {
  EXPECT_TRUE(picks("first_contact>30d"));  // 40 days ago
  EXPECT_FALSE(picks("first_contact<30d"));
  EXPECT_TRUE(picks("first_contact>=2024-08-25"));
  EXPECT_FALSE(picks("first_contact>=2024-08-26"));
}

TEST(Segment, LanguageMatchesTheCodeOrItsRegions) {
  EXPECT_TRUE(picks("lang:pt"));
  EXPECT_TRUE(picks("lang:pt-br"));
  EXPECT_TRUE(picks("LANG:PT-BR"));
  EXPECT_FALSE(picks("lang:p"));
  EXPECT_FALSE(picks("lang:en"));
  auto s = subject();
  s.language_code = "";
  EXPECT_FALSE(picks("lang:pt", s));
}

TEST(Segment, StartParameterExactlyOrByPrefix) {
  EXPECT_TRUE(picks("start:promo42"));
  EXPECT_FALSE(picks("start:Promo42"));
  EXPECT_FALSE(picks("start:promo"));
  EXPECT_TRUE(picks("start:promo*"));
  EXPECT_TRUE(picks("start:*"));
  auto s = subject();
  s.start_parameter = "";
  EXPECT_FALSE(picks("start:*", s));
}

TEST(Segment, FieldsByKeyAndValue) {
  EXPECT_TRUE(picks("field:plan=pro"));  // values compare case-insensitively
  EXPECT_TRUE(picks("field:PLAN=PRO"));
  EXPECT_FALSE(picks("field:plan=team"));
  EXPECT_TRUE(picks("field:plan"));
  EXPECT_FALSE(picks("field:tier"));
  EXPECT_TRUE(picks("field:city=\"new york\""));
  EXPECT_TRUE(picks("field:city=new*"));
  EXPECT_FALSE(picks("field:city=\"new*\""));  // quoted: exact
  EXPECT_TRUE(picks("field:city=*"));
  auto s = subject();
  s.fields = {{"note", "say \"hi\""}, {"url", "https://x.example/a=b"}, {"имя", "Ёж"}};
  EXPECT_TRUE(picks(R"(field:note="say \"hi\"")", s));
  EXPECT_TRUE(picks("field:url=https://x.example/a=b", s));
}

TEST(Segment, ConnectionAndFlags) {
  auto s = subject();
  EXPECT_TRUE(picks("connection:shop", s));
  EXPECT_TRUE(picks("connection:SHOP", s));
  EXPECT_FALSE(picks("connection:sales", s));
  EXPECT_FALSE(picks("is:blocked or is:banned", s));
  s.blocked = true;
  EXPECT_TRUE(picks("is:blocked", s));
  s.banned = true;
  EXPECT_TRUE(picks("IS:BANNED", s));
}

TEST(Segment, NotBindsTighterThanAndWhichBindsTighterThanOr) {
  auto s = subject();  // vip, lead; not churned
  EXPECT_TRUE(picks("churned or vip and lead", s));
  EXPECT_FALSE(picks("(churned or vip) and not lead", s));
  EXPECT_TRUE(picks("churned and vip or lead", s));  // (churned and vip) or lead
  EXPECT_FALSE(picks("churned and (vip or lead)", s));
  EXPECT_TRUE(picks("not churned and vip", s));
  EXPECT_FALSE(picks("not (churned or vip)", s));
  EXPECT_TRUE(picks("not not vip", s));
  EXPECT_TRUE(picks("NOT churned AND Vip OR churned", s));
  EXPECT_TRUE(picks("((vip))", s));
  EXPECT_TRUE(picks("not(churned)", s));
  EXPECT_TRUE(picks("(vip)and(lead)", s));  // no spaces needed around parentheses
}

TEST(Segment, WrittenOutAgainItParsesToTheSameSegment) {
  for (std::string_view expr :
       {"vip", "(vip or lead) and not churned", "vip and (lead or not status:closed)",
        "not (a and b) or c and d", "last_message<7d and first_contact>=2026-01-01T09:30",
        "field:city=\"New York\" or field:plan=pro* or field:x", "start:promo* and lang:pt-br",
        "connection:shop and is:blocked and last_message>2w and last_message<=36h"}) {
    auto first = parse_segment(expr);
    ASSERT_TRUE(first) << expr << ": " << describe(first.error);
    std::string written = first.segment->to_string();
    auto second = parse_segment(written);
    ASSERT_TRUE(second) << written << ": " << describe(second.error);
    EXPECT_EQ(second.segment->to_string(), written);
  }
  EXPECT_EQ(parse_segment("(VIP or Lead) AND NOT churned").segment->to_string(),
            "(vip or lead) and not churned");
  EXPECT_EQ(parse_segment("last_message < 14d").segment->to_string(), "last_message<2w");
}

TEST(Segment, ErrorsSayWhatWhereAndWhatWasExpected) {
  auto e = error_of("vip churned");
  EXPECT_EQ(e.column, 5u);
  EXPECT_EQ(e.token, "churned");
  EXPECT_EQ(describe(e), "column 5, at `churned`: expected `and`, `or` or the end of the expression");

  e = error_of("vip and");
  EXPECT_EQ(e.column, 8u);
  EXPECT_EQ(e.token, "");
  EXPECT_TRUE(describe(e).starts_with("column 8, at the end: expected a term")) << describe(e);

  e = error_of("(vip or lead");
  EXPECT_EQ(e.column, 1u);
  EXPECT_EQ(en(e), "this `(` is never closed");

  e = error_of("vip)");
  EXPECT_EQ(e.column, 4u);
  EXPECT_EQ(en(e), "this `)` closes no `(`");

  e = error_of("vip or or lead");
  EXPECT_EQ(e.column, 8u);
  EXPECT_EQ(en(e), "expected a term before `or`");

  e = error_of("status:pending");
  EXPECT_EQ(e.column, 8u);
  EXPECT_EQ(e.token, "pending");
  EXPECT_EQ(en(e), "expected a status: open, closed, user_answered or support_answered");

  e = error_of("color:red");
  EXPECT_EQ(e.column, 1u);
  EXPECT_TRUE(en(e).starts_with("unknown term")) << en(e);

  e = error_of("last_message<7x");
  EXPECT_EQ(e.column, 14u);
  EXPECT_TRUE(en(e).starts_with("expected an age")) << en(e);

  e = error_of("last_message 7d");
  EXPECT_EQ(e.column, 14u);
  EXPECT_TRUE(en(e).starts_with("expected <, <=, >, >= or =")) << en(e);

  e = error_of("last_message=7d");
  EXPECT_TRUE(en(e).starts_with("`=` compares with a date")) << en(e);

  e = error_of("first_contact>=2026-02-30");
  EXPECT_EQ(e.column, 16u);
  EXPECT_EQ(e.token, "2026-02-30");

  e = error_of("7days");  // the label rules' own words (crm/labels.h)
  EXPECT_EQ(en(e), "“7days” cannot name a label: a name starts with a Latin letter.");
  e = error_of("vip or new");
  EXPECT_EQ(e.column, 8u);
  EXPECT_EQ(en(e), "“new” cannot name a label: /mark uses that word itself.");
  e = error_of("vip or " + std::string(33, 'a'));
  EXPECT_EQ(en(e), "a label's name is at most 32 characters");

  e = error_of("field:plan=");
  EXPECT_EQ(e.column, 12u);
  EXPECT_TRUE(en(e).starts_with("expected a value after `=`")) << en(e);

  e = error_of("field:city=\"New York");
  EXPECT_EQ(e.column, 12u);
  EXPECT_EQ(en(e), "this quote is never closed");

  e = error_of("vip,lead");
  EXPECT_EQ(e.column, 4u);
  EXPECT_EQ(e.token, ",lead");

  e = error_of("vip=1");
  EXPECT_EQ(en(e), "a comparison follows only last_message and first_contact");

  e = error_of("ёж and vip");  // columns count characters, not bytes
  EXPECT_EQ(e.column, 1u);
  e = error_of("vip and ёж");
  EXPECT_EQ(e.column, 9u);
  EXPECT_EQ(e.token, "ёж");

  e = error_of("");
  EXPECT_EQ(e.column, 0u);
  EXPECT_EQ(describe(e), "the expression is empty");
  EXPECT_EQ(en(error_of("   ")), "the expression is empty");
}

TEST(Segment, ErrorTokensAreShortAndPrintable) {
  auto e = error_of("vip and " + std::string(100, ',') + "\x01\xFF");
  EXPECT_LE(e.token.size(), 30u);
  e = error_of(std::string("vip and \x01\xFF"));
  EXPECT_EQ(e.token, "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Segment, LimitsRefuseHugeInputCalmly) {
  std::string deep(kMaxSegmentDepth + 1, '(');
  deep += "vip" + std::string(kMaxSegmentDepth + 1, ')');
  auto e = error_of(deep);
  EXPECT_EQ(e.column, static_cast<std::size_t>(kMaxSegmentDepth + 1));
  EXPECT_TRUE(en(e).starts_with("nested deeper than 32")) << en(e);

  std::string ok_deep(kMaxSegmentDepth, '(');
  ok_deep += "vip" + std::string(kMaxSegmentDepth, ')');
  EXPECT_TRUE(picks(ok_deep));

  std::string nots;
  for (int i = 0; i <= kMaxSegmentDepth; ++i) nots += "not ";
  EXPECT_TRUE(en(error_of(nots + "vip")).starts_with("nested deeper"));

  std::string many = "a";
  for (int i = 1; i <= kMaxSegmentTerms; ++i) many += " or a";
  e = error_of(many);
  EXPECT_EQ(en(e), "more than 64 terms");

  e = error_of(std::string(kMaxSegmentBytes + 1, 'a'));
  EXPECT_EQ(e.column, 0u);
  EXPECT_EQ(en(e), "the expression is longer than 1000 bytes");

  // A million open parentheses: refused at the 33rd, no deep recursion.
  EXPECT_FALSE(parse_segment(std::string(1000, '(')));
}

TEST(Segment, UsesFieldsTellsWhetherHiddenDataIsRead) {
  EXPECT_FALSE(parse_segment("vip and lang:en").segment->uses_fields());
  EXPECT_TRUE(parse_segment("vip and not field:plan").segment->uses_fields());
  EXPECT_TRUE(parse_segment("field:plan=pro").segment->uses_fields());
}

TEST(Segment, HelpNamesEveryTerm) {
  std::string help = segment_help("en");
  for (std::string_view term : {"status:", "last_message", "first_contact", "lang:", "start:", "field:",
                                "connection:", "is:blocked", " and", " or", "not"}) {
    EXPECT_NE(help.find(term), std::string::npos) << term;
  }
}

}  // namespace
}  // namespace topicdesk::crm
