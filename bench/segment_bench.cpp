// Segments (crm/segment.h): parsing an expression, evaluating it over 100,000 users, and
// gathering a connection's 100,000 users from the store with users_matching (one pass, no query
// per user). Google Benchmark; results in bench/README.md.
//
//   build/bench/segment_bench
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "crm/segment.h"
#include "crm/segment_members.h"
#include "store/store.h"

namespace {

using topicdesk::core::UnixMillis;
using topicdesk::crm::SegmentSubject;

constexpr UnixMillis kDay = 24LL * 3600 * 1000;
constexpr UnixMillis kNow = 20500 * kDay;
constexpr int kUsers = 100000;
constexpr const char* kExpression =
    "(vip or lead) and not churned and status:open and last_message<30d and (lang:ru or lang:en) and "
    "(field:plan=pro or start:promo*) and first_contact>=2025-01-01";

std::vector<SegmentSubject> subjects() {
  std::mt19937_64 rng(1);
  std::vector<SegmentSubject> out(kUsers);
  const char* labels[] = {"vip", "lead", "churned", "beta", "trial"};
  const char* langs[] = {"ru", "en", "pt-br", "de", ""};
  for (int i = 0; i < kUsers; ++i) {
    auto& s = out[static_cast<std::size_t>(i)];
    s.user_id = 1000 + i;
    s.connection_id = 1;
    s.connection = "shop";
    s.status = static_cast<topicdesk::store::DialogStatus>(rng() % 3);
    for (const char* label : labels) {
      if (rng() % 4 == 0) s.labels.emplace_back(label);
    }
    s.last_user_message_at = kNow - static_cast<UnixMillis>(rng() % (90 * kDay));
    s.first_contact_at = s.last_user_message_at - static_cast<UnixMillis>(rng() % (400 * kDay));
    s.language_code = langs[rng() % 5];
    if (rng() % 3 == 0) s.start_parameter = rng() % 2 ? "promo42" : "ad7";
    if (rng() % 2 == 0) s.fields.emplace_back("plan", rng() % 2 ? "pro" : "team");
    if (rng() % 2 == 0) s.fields.emplace_back("city", "Oslo");
  }
  return out;
}

void BM_SegmentParse(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(topicdesk::crm::parse_segment(kExpression));
}
BENCHMARK(BM_SegmentParse);

// Parse once and evaluate over 100,000 users, as /segment and broadcasts do.
void BM_SegmentParseAndEvaluate100k(benchmark::State& state) {
  static const auto all = subjects();
  std::int64_t matched = 0;
  for (auto _ : state) {
    auto parsed = topicdesk::crm::parse_segment(kExpression);
    matched = 0;
    for (const auto& s : all) matched += parsed.segment->matches(s, kNow);
    benchmark::DoNotOptimize(matched);
  }
  state.counters["matched"] = static_cast<double>(matched);
  state.SetItemsProcessed(state.iterations() * kUsers);
}
BENCHMARK(BM_SegmentParseAndEvaluate100k)->Unit(benchmark::kMillisecond);

// users_matching over an in-memory SQLite store: 100,000 dialogs with profiles, a field on half
// of them, start parameters on a third, two labels.
void BM_SegmentUsersMatchingFromStore100k(benchmark::State& state) {
  auto store = topicdesk::store::open_sqlite(":memory:");
  auto conn = store->ensure_connection("shop", 1, -1001000000001);
  auto vip = store->add_label({.connection_id = conn, .name = "vip", .key = "vip"});
  auto lead = store->add_label({.connection_id = conn, .name = "lead", .key = "lead"});
  const auto all = subjects();
  store->transaction([&] {
    for (const auto& s : all) {
      store->upsert_user(conn, {.id = s.user_id, .first_name = "U", .language_code = s.language_code}, kNow);
      auto d = store->create_dialog(conn, s.user_id, -1001000000001, s.first_contact_at);
      d.status = s.status;
      d.last_user_message_at = s.last_user_message_at;
      store->update_dialog(d);
      for (const auto& [k, v] : s.fields) store->set_user_field(conn, s.user_id, k, v);
      if (!s.start_parameter.empty())
        store->state_set(conn, "start:" + std::to_string(d.id), s.start_parameter);
      for (const auto& label : s.labels) {
        if (label == "vip") store->set_dialog_label(conn, d.id, vip, kNow);
        if (label == "lead") store->set_dialog_label(conn, d.id, lead, kNow);
      }
    }
  });
  auto parsed = topicdesk::crm::parse_segment(kExpression);
  std::int64_t count = 0;
  for (auto _ : state) {
    count = topicdesk::crm::users_matching(*store, conn, *parsed.segment, kNow, {.limit = 5}).count;
    benchmark::DoNotOptimize(count);
  }
  state.counters["matched"] = static_cast<double>(count);
  state.SetItemsProcessed(state.iterations() * kUsers);
}
BENCHMARK(BM_SegmentUsersMatchingFromStore100k)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
