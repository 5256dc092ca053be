#include "app/ai_wiring.h"

#include <spdlog/spdlog.h>

#include "ai/knowledge.h"
#include "telegram/redact.h"

namespace topicdesk::app {

core::Status index_knowledge(store::Store& store, core::ConnectionId id, const core::Parameters& parameters) {
  if (parameters.ai_knowledge.empty()) return core::Ok{};
  auto passages = ai::load_knowledge(parameters.ai_knowledge);
  if (!passages) return passages.error();
  store.replace_knowledge(id, *passages);
  return core::Ok{};
}

std::unique_ptr<ai::AiWorker> start_ai(boost::asio::any_io_executor executor, store::Store& store,
                                       const AiConfig& config,
                                       const std::vector<AiWiredConnection>& connections,
                                       const ai::AiWorker::AddEvent& add_event) {
  if (!config.enabled) return nullptr;
  std::vector<ai::AiConnection> wired;
  for (const auto& c : connections) {
    if (c.parameters.ai == core::AiMode::kOff) continue;
    ai::AiConnection a{.id = c.id, .name = c.name};
    std::vector<std::string> problems;
    if (auto prompt = ai::resolve_prompt(c.parameters.ai_prompt)) {
      a.instructions = *prompt;
    } else {
      problems.push_back(prompt.error().message);
    }
    if (auto indexed = index_knowledge(store, c.id, c.parameters); !indexed) {
      problems.push_back(indexed.error().message);
    } else if (!c.parameters.ai_knowledge.empty()) {
      spdlog::info("connection {}: AI knowledge indexed: {} passages from {}", c.name,
                   store.knowledge_count(c.id), c.parameters.ai_knowledge);
    }
    for (const auto& problem : problems) {
      spdlog::error("connection {}: {}", c.name, problem);
      add_event(c.id, ai::report_event(0, ai::Report{.outcome = "knowledge_failed", .detail = problem}));
    }
    wired.push_back(std::move(a));
  }
  if (wired.empty()) return nullptr;
  ai::WorkerOptions options{.model = config.model,
                            .server = ai::Server{.base_url = config.base_url,
                                                 .api_key = config.api_key,
                                                 .timeout = std::chrono::seconds(config.timeout_seconds)},
                            .daily_tokens = config.daily_tokens,
                            .max_in_flight = config.max_in_flight};
  if (!config.api_key.empty()) telegram::register_secret(config.api_key);  // never in a log line
  const std::size_t count = wired.size();
  auto worker = std::make_unique<ai::AiWorker>(std::move(executor), store, std::move(wired),
                                               std::move(options), add_event);
  worker->start();
  spdlog::info("AI consultant: {} model {}, {} connection(s)", telegram::redact_secrets(config.base_url),
               config.model, count);
  return worker;
}

}  // namespace topicdesk::app
