// The commented example configuration `topicdesk init` writes: every table and key the
// configuration reader knows, one [[connection]] per mode, the most useful parameters with
// their defaults and one-line meanings. Secrets are `env:NAME` references, never values.
//
// Conventions of the text (tests/unit/app/example_config_test.cpp holds it to them):
// - `key = value` lines are active and show the default; `#key = value` lines (a `#` directly
//   followed by the key) are settings to turn on by removing the `#`; `# text` lines explain.
// - With every `#key = value` line turned on (uncomment_settings) the file is still one the
//   reader accepts: the examples cannot drift from config.cpp and core/parameters.cpp.
#pragma once
#include <string>
#include <string_view>

namespace topicdesk::app {

// What `topicdesk init` may change in the example.
struct ExampleChoices {
  std::string api_base;         // "" = Telegram's; else a local Bot API server (or tgsim)
  bool file_connection = true;  // false: the [[connection]] examples all commented out, for
                                // `topicdesk connection add` or the setup bot (docs/setup.md)
};

// The example; `config_path` is the name the next-step commands in its comments use.
std::string example_config(std::string_view config_path = "topicdesk.toml",
                           const ExampleChoices& choices = {});

// The text with every `#key = value` line turned on (the `#` removed); `# text` stays.
std::string uncomment_settings(std::string_view text);

// `topicdesk init`: writes the example to `out` ("-" = stdout). An existing file is kept
// unless `force`; messages go to stderr. Returns the exit code.
int init_command(const std::string& out, bool force, const ExampleChoices& choices = {});

}  // namespace topicdesk::app
