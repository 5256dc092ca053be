// The plain-g++ driver shared by the desk's libFuzzer-style targets: it runs the seeds, a few
// extreme inputs, then a bounded number of seeded random mutations of the seeds, each through
// LLVMFuzzerTestOneInput. Built with libFuzzer (TD_LIBFUZZER) a target uses only violated() and
// outcomes().
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace topicdesk::fuzz {

struct Corpus {
  const char* name;                   // printed in the closing line
  std::vector<std::string> seeds;     // valid inputs to start mutating from
  std::vector<std::string> extremes;  // deep nesting, huge numbers: must be refused calmly
  std::string_view interesting;       // characters that break the format in useful ways
  std::size_t max_copied_run = 32;    // longest run a mutation duplicates
};

inline std::string& target_name() {
  static std::string name = "fuzz";
  return name;
}

// Prints what went wrong (inputs cut to their first 2000 bytes) and stops, as libFuzzer expects.
[[noreturn]] inline void violated(const char* what, std::string_view input, std::string_view detail) {
  auto cut = [](std::string_view text) { return static_cast<int>(std::min<std::size_t>(text.size(), 2000)); };
  std::fprintf(stderr, "%s: %s\n--- input ---\n%.*s\n--- detail ---\n%.*s\n", target_name().c_str(), what,
               cut(input), input.data(), cut(detail), detail.data());
  std::abort();
}

// Outcomes by kind, counted by the target and printed at the end: a run that never got past one
// refusal shows.
inline std::map<std::string, long>& outcomes() {
  static std::map<std::string, long> seen;
  return seen;
}

// `seeds` and the contents of every file in the folder `--corpus DIR` names (the regressions kept
// beside a target).
inline std::vector<std::string> with_corpus_files(std::vector<std::string> seeds, int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string_view(argv[i]) != "--corpus") continue;
    for (const auto& entry : std::filesystem::directory_iterator(argv[i + 1])) {
      std::ifstream in(entry.path(), std::ios::binary);
      seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  return seeds;
}

inline void run_input(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

// One to four random edits: overwrite, insert, erase, duplicate a run, truncate.
inline std::string mutate(std::string input, std::mt19937_64& rng, const Corpus& corpus) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    const std::size_t pos = input.empty() ? 0 : rng() % input.size();
    const char c =
        (rng() % 2) ? corpus.interesting[rng() % corpus.interesting.size()] : static_cast<char>(rng() % 256);
    switch (rng() % 5) {
      case 0:
        if (!input.empty()) input[pos] = c;
        break;
      case 1:
        input.insert(pos, 1, c);
        break;
      case 2:
        if (!input.empty()) input.erase(pos, 1 + rng() % 8);
        break;
      case 3:
        input.insert(pos, input.substr(rng() % (input.size() + 1), rng() % corpus.max_copied_run));
        break;
      default:
        input = input.substr(0, pos);
        break;
    }
  }
  return input;
}

// `--runs N --seed S` (defaults 10000 and 1).
inline int run_driver(int argc, char** argv, const Corpus& corpus) {
  target_name() = corpus.name;
  long runs = 10000;
  unsigned long long seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--runs") runs = std::atol(argv[i + 1]);
    if (flag == "--seed") seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  for (const auto& s : corpus.seeds) run_input(s);
  for (const auto& e : corpus.extremes) run_input(e);
  std::mt19937_64 rng(seed);
  for (long i = 0; i < runs; ++i) run_input(mutate(corpus.seeds[rng() % corpus.seeds.size()], rng, corpus));
  std::cout << corpus.name << ": " << runs << " mutated inputs, no crash\n";
  for (const auto& [outcome, count] : outcomes()) std::cout << "  " << outcome << ": " << count << "\n";
  return 0;
}

}  // namespace topicdesk::fuzz
