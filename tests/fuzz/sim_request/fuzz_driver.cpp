// A small stand-in for libFuzzer so fuzz targets run under g++ in ctest: runs every corpus
// file, then a bounded number of random mutations of them (bit flips, byte edits, inserts of
// interesting tokens, splices), deterministic for a given seed.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

const char* const kTokens[] = {"{",
                               "}",
                               "[",
                               "]",
                               "\"",
                               ":",
                               ",",
                               "&",
                               "=",
                               "%",
                               "%zz",
                               "\\",
                               "<b>",
                               "</b>",
                               "<a href=\"",
                               "*",
                               "_",
                               "`",
                               "```",
                               "||",
                               "attach://",
                               "\r\n",
                               "--",
                               "null",
                               "-1001000000001",
                               "5000000001",
                               "1",
                               "2",
                               "0",
                               "-1",
                               "99999999999999999999",
                               "\xF0\x9F\x98\x80",
                               "\xC3",
                               "\"chat_id\":",
                               "\"message_thread_id\":",
                               "\"text\":",
                               "\"media\":",
                               "\"message_ids\":",
                               "\"reply_parameters\":"};

std::string mutate(std::string input, const std::vector<std::string>& corpus, std::mt19937_64& rng) {
  auto pick = [&](std::size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  const int edits = 1 + static_cast<int>(pick(4));
  for (int i = 0; i < edits; ++i) {
    switch (pick(6)) {
      case 0:
        if (!input.empty()) input[pick(input.size())] ^= static_cast<char>(1u << pick(8));
        break;
      case 1:
        if (!input.empty()) input[pick(input.size())] = static_cast<char>(pick(256));
        break;
      case 2:
        input.insert(pick(input.size() + 1), kTokens[pick(std::size(kTokens))]);
        break;
      case 3:
        if (!input.empty()) {
          auto at = pick(input.size());
          input.erase(at, 1 + pick(std::min<std::size_t>(16, input.size() - at)));
        }
        break;
      case 4: {
        const auto& other = corpus[pick(corpus.size())];
        if (!other.empty()) {
          auto from = pick(other.size());
          input.insert(pick(input.size() + 1), other.substr(from, 1 + pick(other.size() - from)));
        }
        break;
      }
      default:
        if (!input.empty()) input.resize(pick(input.size()));
        break;
    }
  }
  if (input.size() > 64 * 1024) input.resize(64 * 1024);
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus_dir;
  long runs = 10000;
  std::uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--corpus")
      corpus_dir = argv[i + 1];
    else if (flag == "--runs")
      runs = std::stol(argv[i + 1]);
    else if (flag == "--seed")
      seed = std::stoull(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: %s --corpus DIR [--runs N] [--seed S]\n", argv[0]);
      return 2;
    }
  }
  std::vector<std::string> corpus;
  if (!corpus_dir.empty()) {
    for (const auto& entry : std::filesystem::directory_iterator(corpus_dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  std::sort(corpus.begin(), corpus.end());
  if (corpus.empty()) corpus.emplace_back("getMe\n\n\n");
  for (const auto& input : corpus) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
  std::mt19937_64 rng(seed);
  for (long i = 0; i < runs; ++i) {
    std::string input = mutate(corpus[rng() % corpus.size()], corpus, rng);
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
  std::printf("%zu corpus inputs and %ld mutations ran without a failure\n", corpus.size(), runs);
  return 0;
}
