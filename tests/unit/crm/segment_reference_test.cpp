// Segments against a brute-force reference: random expressions (written out with random case,
// spacing and parentheses) over 1,000 random subjects must pick exactly the users that an
// evaluator written here, independently of the parser, picks from the expression's own tree.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "crm/segment.h"

namespace topicdesk::crm {
namespace {

using store::DialogStatus;
using Millis = core::UnixMillis;

constexpr Millis kMinute = 60'000;
constexpr Millis kHour = 60 * kMinute;
constexpr Millis kDay = 24 * kHour;

Millis day_of(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  return static_cast<Millis>(sys_days{year{y} / month{m} / day{d}}.time_since_epoch().count()) * kDay;
}

const Millis kNow = day_of(2026, 12, 7) + 4 * kHour + 25 * kMinute;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The reference's own expression tree.
struct Ref {
  enum Kind { kAnd, kOr, kNot, kTerm } kind = kTerm;
  std::vector<Ref> children;
  std::string text;  // the term as written (lowercase)
  // what the term tests
  enum Test {
    kLabel,
    kStatus,
    kLang,
    kStart,
    kStartPrefix,
    kHas,
    kFieldEq,
    kFieldPrefix,
    kConn,
    kBlocked,
    kBanned,
    kAge,
    kDate
  } test = kLabel;
  std::string a, b;
  bool last_message = true;  // kAge, kDate: which time
  std::string cmp;
  Millis amount = 0;  // kAge: the age; kDate: the day's start
};

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  bool chance(int percent) { return pick(100) < percent; }
  template <class T>
  const T& one(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(pick(static_cast<int>(v.size())))];
  }

  Ref term() {
    Ref r;
    switch (pick(11)) {
      case 0:
      case 1:
        r.test = Ref::kLabel;
        r.a = one<std::string>({"vip", "lead", "churned", "beta", "x-1", "a_b"});
        r.text = r.a;
        break;
      case 2:
        r.test = Ref::kStatus;
        r.a = one<std::string>({"open", "closed", "user_answered", "support_answered"});
        r.text = "status:" + r.a;
        break;
      case 3:
        r.test = Ref::kLang;
        r.a = one<std::string>({"en", "pt", "pt-br", "ru", "p"});
        r.text = "lang:" + r.a;
        break;
      case 4:
        if (chance(50)) {
          r.test = Ref::kStart;
          r.a = one<std::string>({"promo42", "promo", "ad"});
          r.text = "start:" + r.a;
        } else {
          r.test = Ref::kStartPrefix;
          r.a = one<std::string>({"promo", "", "a"});
          r.text = "start:" + r.a + "*";
        }
        break;
      case 5: {
        r.a = one<std::string>({"plan", "city"});
        int form = pick(3);
        if (form == 0) {
          r.test = Ref::kHas;
          r.text = "field:" + r.a;
        } else if (form == 1) {
          r.test = Ref::kFieldEq;
          r.b = one<std::string>({"pro", "team", "new york", "oslo"});
          r.text = "field:" + r.a + "=" + (r.b.find(' ') != std::string::npos ? "\"" + r.b + "\"" : r.b);
        } else {
          r.test = Ref::kFieldPrefix;
          r.b = one<std::string>({"p", "new", "", "t"});
          r.text = "field:" + r.a + "=" + r.b + "*";
        }
        break;
      }
      case 6:
        r.test = Ref::kConn;
        r.a = one<std::string>({"shop", "sales"});
        r.text = "connection:" + r.a;
        break;
      case 7:
        r.test = chance(50) ? Ref::kBlocked : Ref::kBanned;
        r.text = r.test == Ref::kBlocked ? "is:blocked" : "is:banned";
        break;
      default: {
        r.last_message = chance(60);
        r.cmp = one<std::string>({"<", "<=", ">", ">="});
        std::string name = r.last_message ? "last_message" : "first_contact";
        if (chance(50)) {
          r.test = Ref::kAge;
          int n = 1 + pick(60);
          char unit = "hdw"[pick(3)];
          r.amount = n * (unit == 'h' ? kHour : unit == 'd' ? kDay : 7 * kDay);
          r.text =
              name + (chance(30) ? " " : "") + r.cmp + (chance(30) ? " " : "") + std::to_string(n) + unit;
        } else {
          if (chance(25)) r.cmp = "=";
          r.test = Ref::kDate;
          int back = pick(120);
          Millis start = day_of(2026, 12, 7) - back * kDay;
          r.amount = start;
          using namespace std::chrono;
          year_month_day ymd{sys_days{days{start / kDay}}};
          char buf[16];
          std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
          r.text = name + r.cmp + buf;
        }
        break;
      }
    }
    return r;
  }

  Ref tree(int depth) {
    if (depth == 0 || chance(30)) return term();
    int k = pick(5);
    if (k == 0) {
      Ref r;
      r.kind = Ref::kNot;
      r.children.push_back(tree(depth - 1));
      return r;
    }
    Ref r;
    r.kind = k < 3 ? Ref::kAnd : Ref::kOr;
    int n = 2 + pick(2);
    for (int i = 0; i < n; ++i) r.children.push_back(tree(depth - 1));
    return r;
  }

  // Keywords in random case; parentheses only where precedence needs them, and sometimes more.
  std::string write(const Ref& r) {
    auto kw = [&](std::string word) {
      if (chance(30)) {
        for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      return word;
    };
    auto prec = [](const Ref& x) { return x.kind == Ref::kOr ? 1 : x.kind == Ref::kAnd ? 2 : 3; };
    auto wrap = [&](const Ref& child, int need) {
      std::string inner = write(child);
      if (prec(child) < need || chance(10)) return "(" + std::string(chance(20) ? " " : "") + inner + ")";
      return inner;
    };
    switch (r.kind) {
      case Ref::kTerm: {
        std::string t = r.text;
        if (r.test == Ref::kLabel && chance(30)) t[0] = static_cast<char>(std::toupper(t[0]));
        if (r.test == Ref::kStatus && chance(30)) t = "STATUS" + t.substr(6);
        return t;
      }
      case Ref::kNot:
        return kw("not") + " " + wrap(r.children[0], 3);
      default: {
        std::string out;
        for (std::size_t i = 0; i < r.children.size(); ++i) {
          if (i > 0) out += " " + kw(r.kind == Ref::kAnd ? "and" : "or") + (chance(20) ? "  " : " ");
          // Same-kind children are written flat or in parentheses: and/or are associative.
          out += wrap(r.children[i], r.kind == Ref::kAnd ? 3 : 2);
        }
        return out;
      }
    }
  }

  SegmentSubject subject(int i) {
    SegmentSubject s;
    s.user_id = 1000 + i;
    s.connection_id = chance(70) ? 1 : 2;
    s.connection = s.connection_id == 1 ? "shop" : "sales";
    s.status = one<DialogStatus>(
        {DialogStatus::kUserAnswered, DialogStatus::kSupportAnswered, DialogStatus::kClosed});
    for (std::string label : {"vip", "LEAD", "churned", "Beta", "x-1", "a_b", "other"}) {
      if (chance(25)) s.labels.push_back(label);
    }
    auto when = [&]() -> Millis {
      switch (pick(5)) {
        case 0:
          return 0;  // never
        case 1:
          return kNow - (1 + pick(60)) * kDay;  // exactly some days back: age boundaries
        case 2:
          return day_of(2026, 12, 7) - pick(120) * kDay + (chance(50) ? 0 : kDay - 1);  // day boundaries
        default:
          return kNow - static_cast<Millis>(rng_() % static_cast<std::uint64_t>(130 * kDay));
      }
    };
    s.last_user_message_at = when();
    s.first_contact_at = when();
    s.language_code = one<std::string>({"", "en", "EN-us", "pt-br", "pt", "ru", "ptx", "p"});
    s.start_parameter = one<std::string>({"", "promo42", "promo", "ad", "Promo42", "a"});
    if (chance(60))
      s.fields.emplace_back("city", one<std::string>({"New York", "new york", "Oslo", "Newark"}));
    if (chance(60)) s.fields.emplace_back("plan", one<std::string>({"pro", "Pro", "team", "PRO plus"}));
    s.blocked = chance(10);
    s.banned = chance(10);
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

bool reference(const Ref& r, const SegmentSubject& s) {
  switch (r.kind) {
    case Ref::kAnd:
      return std::all_of(r.children.begin(), r.children.end(), [&](const Ref& c) { return reference(c, s); });
    case Ref::kOr:
      return std::any_of(r.children.begin(), r.children.end(), [&](const Ref& c) { return reference(c, s); });
    case Ref::kNot:
      return !reference(r.children[0], s);
    case Ref::kTerm:
      break;
  }
  auto field = [&](const std::string& key) -> const std::string* {
    for (const auto& [k, v] : s.fields) {
      if (lower(k) == key) return &v;
    }
    return nullptr;
  };
  switch (r.test) {
    case Ref::kLabel:
      for (const auto& l : s.labels) {
        if (lower(l) == r.a) return true;
      }
      return false;
    case Ref::kStatus:
      if (r.a == "open") return s.status != DialogStatus::kClosed;
      if (r.a == "closed") return s.status == DialogStatus::kClosed;
      if (r.a == "user_answered") return s.status == DialogStatus::kUserAnswered;
      return s.status == DialogStatus::kSupportAnswered;
    case Ref::kLang: {
      std::string code = lower(s.language_code);
      return code == r.a || code.rfind(r.a + "-", 0) == 0;
    }
    case Ref::kStart:
      return s.start_parameter == r.a;
    case Ref::kStartPrefix:
      return !s.start_parameter.empty() && s.start_parameter.compare(0, r.a.size(), r.a) == 0;
    case Ref::kHas:
      return field(r.a) != nullptr;
    case Ref::kFieldEq: {
      const std::string* v = field(r.a);
      return v && lower(*v) == r.b;
    }
    case Ref::kFieldPrefix: {
      const std::string* v = field(r.a);
      return v && lower(*v).rfind(r.b, 0) == 0;
    }
    case Ref::kConn:
      return s.connection == r.a;
    case Ref::kBlocked:
      return s.blocked;
    case Ref::kBanned:
      return s.banned;
    case Ref::kAge:
    case Ref::kDate: {
      Millis t = r.last_message ? s.last_user_message_at : s.first_contact_at;
      if (t == 0) return false;
      if (r.test == Ref::kAge) {
        Millis age = kNow - t;
        if (r.cmp == "<") return age < r.amount;
        if (r.cmp == "<=") return age <= r.amount;
        if (r.cmp == ">") return age > r.amount;
        return age >= r.amount;
      }
      // The day [start, start + 1 day): before it, up to its end, after it, from its start, in it.
      Millis start = r.amount, next = r.amount + kDay;
      if (r.cmp == "<") return t < start;
      if (r.cmp == "<=") return t < next;
      if (r.cmp == ">") return t >= next;
      if (r.cmp == ">=") return t >= start;
      return t >= start && t < next;
    }
  }
  return false;
}

int count_terms(const Ref& r) {
  if (r.kind == Ref::kTerm) return 1;
  int n = 0;
  for (const auto& c : r.children) n += count_terms(c);
  return n;
}

TEST(SegmentReference, RandomExpressionsOverAThousandUsersMatchTheBruteForceReference) {
  Generator gen(20261207);
  std::vector<SegmentSubject> subjects;
  for (int i = 0; i < 1000; ++i) subjects.push_back(gen.subject(i));
  int expressions = 0;
  std::int64_t picked = 0, total = 0;
  while (expressions < 1500) {
    Ref tree = gen.tree(4);
    if (count_terms(tree) > kMaxSegmentTerms) continue;
    std::string text = gen.write(tree);
    auto parsed = parse_segment(text);
    ASSERT_TRUE(parsed) << text << ": " << describe(parsed.error);
    auto rewritten = parse_segment(parsed.segment->to_string());
    ASSERT_TRUE(rewritten) << parsed.segment->to_string();
    for (const auto& s : subjects) {
      const bool want = reference(tree, s);
      ASSERT_EQ(parsed.segment->matches(s, kNow), want) << text << "\nuser " << s.user_id;
      ASSERT_EQ(rewritten.segment->matches(s, kNow), want) << parsed.segment->to_string();
      picked += want;
      ++total;
    }
    ++expressions;
  }
  // The generator is useful only if expressions pick some users and leave others.
  EXPECT_GT(picked, total / 20);
  EXPECT_LT(picked, total - total / 20);
}

}  // namespace
}  // namespace topicdesk::crm
