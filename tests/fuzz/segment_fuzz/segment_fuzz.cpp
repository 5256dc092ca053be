// Fuzz target for the segment language (docs/segments.md):
// - parse_segment() never crashes, throws or recurses without bound, whatever the bytes;
// - an accepted expression writes out (Segment::to_string) to text that parses to the same
//   text again, and both pick the same users among a few fixed subjects;
// - a refused one gets an error with a message, a column within the text (0 only for the
//   expression as a whole) and a short, valid UTF-8 token.
// With libFuzzer: build with -fsanitize=fuzzer -DTD_LIBFUZZER. Otherwise `--corpus DIR` adds
// DIR's files (regressions) to the seeds of the plain driver.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/utf8.h"
#include "crm/segment.h"
#include "i18n/catalog.h"
#include "tests/fuzz/fuzz_driver.h"

namespace {
using topicdesk::fuzz::outcomes;
using topicdesk::fuzz::violated;
namespace crm = topicdesk::crm;
namespace core = topicdesk::core;

constexpr core::UnixMillis kDay = 24LL * 3600 * 1000;
constexpr core::UnixMillis kNow = 20794 * kDay;

const std::vector<crm::SegmentSubject>& subjects() {
  static const std::vector<crm::SegmentSubject> all = [] {
    std::vector<crm::SegmentSubject> out(4);
    out[0] = {.user_id = 1,
              .connection = "shop",
              .labels = {"vip", "A"},
              .last_user_message_at = kNow - kDay,
              .first_contact_at = kNow - 300 * kDay,
              .language_code = "ru",
              .start_parameter = "promo42",
              .fields = {{"plan", "pro"}, {"city", "New \"York\""}}};
    out[1] = {.user_id = 2,
              .connection = "sales",
              .status = topicdesk::store::DialogStatus::kClosed,
              .labels = {"lead", "churned"},
              .first_contact_at = kNow - 3 * kDay,
              .language_code = "pt-BR",
              .fields = {{"имя", "Ёж"}},
              .blocked = true};
    out[2] = {.user_id = 3,
              .connection = "shop",
              .status = topicdesk::store::DialogStatus::kSupportAnswered,
              .last_user_message_at = kNow - 40 * kDay,
              .first_contact_at = kNow - 41 * kDay,
              .banned = true};
    out[3] = {.user_id = 4};
    return out;
  }();
  return all;
}

std::size_t characters(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

bool valid_utf8(std::string_view text) {
  std::string round;
  std::size_t pos = 0;
  while (pos < text.size()) core::utf8_append(round, core::utf8_next(text, pos));
  return round == text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = crm::parse_segment(text);
  if (!parsed) {
    ++outcomes()["refused"];
    const auto& e = parsed.error;
    const std::string message = topicdesk::i18n::text("en", e.what);
    if (e.what.key.empty() || message.empty()) violated("an error without a message", text, "");
    if (e.column == 0 && text.size() <= crm::kMaxSegmentBytes &&
        !message.starts_with("the expression is empty"))
      violated("an error without a column", text, message);
    if (e.column > characters(text) + 1) violated("the column is past the end", text, crm::describe(e));
    if (e.token.size() > 100 || !valid_utf8(e.token))
      violated("the token is long or not UTF-8", text, e.token);
    if (!valid_utf8(crm::describe(e)) && valid_utf8(text))
      violated("the description of valid text is not UTF-8", text, crm::describe(e));
    return 0;
  }
  ++outcomes()["accepted"];
  std::string written = parsed.segment->to_string();
  auto again = crm::parse_segment(written);
  if (!again)
    violated("the written-out expression does not parse", text, written + "\n" + crm::describe(again.error));
  if (again.segment->to_string() != written)
    violated("writing out is not stable", text, written + "\n" + again.segment->to_string());
  for (const auto& s : subjects()) {
    if (parsed.segment->matches(s, kNow) != again.segment->matches(s, kNow))
      violated("the written-out expression picks other users", text, written);
  }
  return 0;
}

#ifndef TD_LIBFUZZER

namespace {

std::vector<std::string> seeds(int argc, char** argv) {
  std::vector<std::string> out = {
      "vip",
      "(vip or lead) and not churned",
      "status:open and last_message<7d",
      "last_message >= 2026-11-01 and first_contact<2w",
      "field:plan=pro or field:city=\"New York\" or field:x=a*",
      "lang:ru and start:promo42 and connection:shop and is:banned",
      "not (a or b) and c or d",
      "status:pending",
      "vip churned",
  };
  return topicdesk::fuzz::with_corpus_files(std::move(out), argc, argv);
}

constexpr std::string_view kInteresting =
    "()\"\\*:=<>- \tandornotfield:status:last_message7d2026-01-01\xD1\x91\xFF";

}  // namespace

int main(int argc, char** argv) {
  std::string nested;
  for (int i = 0; i < 5000; ++i) nested += "not (";
  return topicdesk::fuzz::run_driver(
      argc, argv,
      {.name = "segment_fuzz",
       .seeds = seeds(argc, argv),
       .extremes = {std::string(100000, '('), nested, std::string(999, 'a'), std::string(1001, 'a'),
                    "field:k=\"" + std::string(900, '\\'), "last_message<99999999999999999999d",
                    std::string(500, ')'), std::string("vip\0and", 7)},
       .interesting = kInteresting,
       .max_copied_run = 32});
}
#endif
