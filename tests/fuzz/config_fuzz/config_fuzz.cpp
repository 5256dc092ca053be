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
#include "tests/fuzz/fuzz_driver.h"

namespace {
using topicdesk::fuzz::violated;

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto config = topicdesk::app::parse_config(input, std::string(kSourceName), secrets());
  if (!config) {
    const std::string& message = config.error().message;
    if (!message.starts_with(std::string(kSourceName) + ":"))
      violated("error without file:line", input, message);
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
    "server = { listen = \"[::1]:1\" }\nconnection = [ { name = \"x\", token = \"env:T\", group_id = -5 } "
    "]\n",
};

// Characters that tend to break TOML structure or types in interesting ways.
constexpr std::string_view kInteresting = "[]{}=\"'.,:#\n-+0x_eE\\ ~";

}  // namespace

int main(int argc, char** argv) {
  // Deep nesting, long lines and a huge number must be refused without trouble.
  topicdesk::fuzz::run_driver(argc, argv,
                              {.name = "config_fuzz",
                               .seeds = kSeeds,
                               .extremes = {"a = " + std::string(10000, '[') + std::string(10000, ']'),
                                            "a = " + std::string(10000, '{'),
                                            "[server]\nlisten = \"" + std::string(100000, 'x') + ":1\"\n",
                                            "[[connection]]\ngroup_id = -" + std::string(5000, '9') + "\n"},
                               .interesting = kInteresting,
                               .max_copied_run = 48});
  std::printf("config_fuzz: no error without its file:line, no leaked secret\n");
  return 0;
}
#endif
