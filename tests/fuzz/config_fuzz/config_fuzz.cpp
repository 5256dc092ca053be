// Fuzz target for the configuration loader: any file content must give a Config or an error
// that names the file and a line, never a crash, and never an error or summary that shows a
// secret. With libFuzzer: build with -fsanitize=fuzzer -DTD_LIBFUZZER. Without it, main()
// below runs the seeds and a fixed number of seeded random mutations.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.h"

namespace {

// Every env: secret resolves to this; it must never be echoed back.
constexpr std::string_view kEnvSecret = "987654:EnvSecretValueThatMustNotLeak_123";
constexpr std::string_view kSourceName = "fuzz.toml";

const topicdesk::app::SecretSources& secrets() {
  static const topicdesk::app::SecretSources sources = [] {
    topicdesk::app::SecretSources s;
    s.env = [](const std::string&) -> std::optional<std::string> { return std::string(kEnvSecret); };
    s.read_file = [](const std::string& path) -> topicdesk::core::Result<std::string> {
      return topicdesk::core::make_error("cannot read " + path);
    };
    return s;
  }();
  return sources;
}

[[noreturn]] void violated(const char* what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "config_fuzz: %s\n--- input ---\n%.*s\n--- detail ---\n%s\n", what,
               static_cast<int>(input.size()), input.data(), detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto config = topicdesk::app::parse_config(input, std::string(kSourceName), secrets());
  if (!config) {
    const std::string& message = config.error().message;
    if (!message.starts_with(std::string(kSourceName) + ":")) violated("error without file:line", input, message);
    if (message.find(kEnvSecret) != std::string::npos) violated("error shows a secret", input, message);
    return 0;
  }
  std::string summary = config->redacted_summary();
  if (summary.find(kEnvSecret) != std::string::npos) violated("summary shows a secret", input, summary);
  return 0;
}

#ifndef TD_LIBFUZZER
namespace {

const std::vector<std::string> kSeeds = {
    "",
    R"([server]
listen = "127.0.0.1:8080"
public_url = "https://desk.example.com"
[storage]
sqlite = "data/topicdesk.db"
[telegram]
api_base = "http://127.0.0.1:8081"
[telegram.limits]
enabled = false
chat_per_second = 1.5
[logging]
level = "info"
)",
    R"([[connection]]
name = "support"
token = "env:SUPPORT_BOT_TOKEN"
group_id = -1001234567890
transport = "webhook"
webhook_secret = "env:HOOK"
[connection.parameters]
WELCOME = "Hi {title}"
AUTOCLOSE = 24
SILENT_MODE = true
PRIVATE_KEYWORDS = ["w1", ["w3","w4"], ["w5","~w6"]]
HIDE_INFO = "name"
EXTENSIONS_ALLOWED = [12345, "@boss"]
ICON_COLOR = 0x6FB9F0
)",
    R"([[connection]]
name = "a"
token = "123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp"
group_id = -100
[[connection]]
name = "b"
token = "file:/run/secrets/b"
group_id = -100
[connection.parameters]
WHITE_LIST = ["@anna_b", 42]
IGNORE_CHATS = [-1001, -1002]
RESTRICTED_KEYWORDS_FRONTEND = 'spam, "buy now", ["cheap", "~not"]'
)",
    "server = { listen = \"[::1]:1\" }\nconnection = [ { name = \"x\", token = \"env:T\", group_id = -5 } ]\n",
};

// Characters that tend to break TOML structure or types in interesting ways.
constexpr std::string_view kInteresting = "[]{}=\"'.,:#\n-+0x_eE\\ ~";

std::string mutate(std::string input, std::mt19937_64& rng) {
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    std::size_t pos = input.empty() ? 0 : rng() % input.size();
    char c = (rng() % 2) ? kInteresting[rng() % kInteresting.size()] : static_cast<char>(rng() % 256);
    switch (rng() % 5) {
      case 0: if (!input.empty()) input[pos] = c; break;
      case 1: input.insert(pos, 1, c); break;
      case 2: if (!input.empty()) input.erase(pos, 1 + rng() % 8); break;
      case 3: input.insert(pos, input.substr(rng() % (input.size() + 1), rng() % 48)); break;
      default: input = input.substr(0, pos); break;
    }
  }
  return input;
}

void run_one(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  long runs = 10000;
  unsigned long long seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--runs") runs = std::atol(argv[i + 1]);
    else if (flag == "--seed") seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  for (const auto& s : kSeeds) run_one(s);
  // Deep nesting, long lines and a huge number must be refused without trouble.
  run_one("a = " + std::string(10000, '[') + std::string(10000, ']'));
  run_one("a = " + std::string(10000, '{'));
  run_one("[server]\nlisten = \"" + std::string(100000, 'x') + ":1\"\n");
  run_one("[[connection]]\ngroup_id = -" + std::string(5000, '9') + "\n");
  std::mt19937_64 rng(seed);
  for (long i = 0; i < runs; ++i) run_one(mutate(kSeeds[rng() % kSeeds.size()], rng));
  std::printf("config_fuzz: %ld mutated configs, no crash, no leaked secret\n", runs);
  return 0;
}
#endif
