// Exports (exports/exports.h) of 100,000 history messages, over a file-backed SQLite store as a
// desk keeps it: one conversation of 100,000 messages as HTML and JSON Lines (/export here at its
// worst; also with HIDE_INFO's scrubbing), the same messages as `topicdesk export` writes them
// (1,000 dialogs of 100 messages, with clients.csv and dialogs.csv), and the clients CSV of
// 10,000 clients. Google Benchmark; results in bench/README.md.
//
//   build/bench/export_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "exports/exports.h"
#include "store/store.h"

namespace {

namespace fs = std::filesystem;
using topicdesk::core::UnixMillis;
using topicdesk::store::HistoryAuthor;

constexpr UnixMillis kT0 = 1'790'000'000'000;
constexpr int kMessages = 100000;
constexpr topicdesk::core::ChatId kGroup = -1001000000001;

fs::path scratch(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("export_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

std::string sentence(std::mt19937_64& rng) {
  static const char* words[] = {"order",   "delivery", "please", "thanks", "when", "invoice",
                                "Anna",    "tomorrow", "refund", "the",    "is",   "my",
                                "address", "«ok»",     "привет", "status"};
  std::string out;
  int n = 4 + static_cast<int>(rng() % 20);
  for (int i = 0; i < n; ++i) {
    if (i) out += ' ';
    out += words[rng() % 16];
  }
  return out;
}

// A store with `dialogs` dialogs of `per_dialog` messages each (users and operators taking turns).
struct World {
  std::unique_ptr<topicdesk::store::Store> store;
  topicdesk::core::DialogId first_dialog = 0;
};

World make_world(const std::string& file, int dialogs, int per_dialog) {
  World w;
  w.store = topicdesk::store::open_sqlite(scratch(file).string());
  auto& s = *w.store;
  auto conn = s.ensure_connection("shop", 1, kGroup);
  std::mt19937_64 rng(7);
  s.transaction([&] {
    for (int d = 0; d < dialogs; ++d) {
      topicdesk::core::UserId user = 700000000 + d;
      s.upsert_user(conn,
                    {.id = user,
                     .first_name = "Anna",
                     .last_name = "Lee",
                     .username = "anna" + std::to_string(d),
                     .language_code = "en",
                     .phone = "7999" + std::to_string(1000000 + d)},
                    kT0);
      auto dialog = s.create_dialog(conn, user, kGroup, kT0);
      dialog.pseudonym = "Blue Otter " + std::to_string(d);
      s.update_dialog(dialog);
      if (d == 0) w.first_dialog = dialog.id;
      for (int m = 0; m < per_dialog; ++m) {
        const bool from_user = m % 2 == 0;
        s.add_history({.connection_id = conn,
                       .dialog_id = dialog.id,
                       .author = from_user ? HistoryAuthor::kUser : HistoryAuthor::kOperator,
                       .sender_id = from_user ? user : 42,
                       .sender_name = from_user ? "Anna Lee" : "Olga",
                       .message_id = m + 1,
                       .content = "text",
                       .text = sentence(rng),
                       .at = kT0 + m * 1000LL});
      }
    }
  });
  return w;
}

World& one_long_conversation() {
  static World w = make_world("long.db", 1, kMessages);
  return w;
}

void BM_TranscriptHtml100k(benchmark::State& state) {
  auto& w = one_long_conversation();
  const bool reveal = state.range(0) != 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto c = topicdesk::exports::read_conversation(*w.store, w.first_dialog);
    bytes = topicdesk::exports::transcript_html_document(c, reveal).size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
  state.SetItemsProcessed(state.iterations() * kMessages);
}
BENCHMARK(BM_TranscriptHtml100k)->Arg(1)->Arg(0)->ArgName("reveal")->Unit(benchmark::kMillisecond);

void BM_TranscriptJsonl100k(benchmark::State& state) {
  auto& w = one_long_conversation();
  const bool reveal = state.range(0) != 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto c = topicdesk::exports::read_conversation(*w.store, w.first_dialog);
    bytes = topicdesk::exports::transcript_jsonl_document(c, reveal).size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
  state.SetItemsProcessed(state.iterations() * kMessages);
}
BENCHMARK(BM_TranscriptJsonl100k)->Arg(1)->Arg(0)->ArgName("reveal")->Unit(benchmark::kMillisecond);

// `topicdesk export` of 1,000 dialogs with 100 messages each: every file, written to disk.
void BM_ExportAll100k(benchmark::State& state) {
  static World w = make_world("all.db", 1000, kMessages / 1000);
  const auto out = scratch("out");
  for (auto _ : state) {
    auto summary = topicdesk::exports::export_all(*w.store, out.string());
    if (!summary) state.SkipWithError(summary.error().message.c_str());
  }
  state.counters["history_MB"] = static_cast<double>(fs::file_size(out / "history" / "shop.jsonl")) / 1e6;
  state.SetItemsProcessed(state.iterations() * kMessages);
}
BENCHMARK(BM_ExportAll100k)->Unit(benchmark::kMillisecond);

// The clients CSV of 10,000 clients (/export in General), with a segment.
void BM_ClientsCsv10k(benchmark::State& state) {
  static World w = make_world("clients.db", 10000, 0);
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto csv = topicdesk::exports::clients_csv(*w.store, {.segment = state.range(0) ? "lang:en" : ""});
    bytes = csv->size();
  }
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_ClientsCsv10k)->Arg(0)->Arg(1)->ArgName("segment")->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  fs::remove_all(scratch("").parent_path(), ec);
  return 0;
}
