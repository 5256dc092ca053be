#include "app/ai_wiring.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ai/knowledge.h"
#include "telegram/redact.h"

namespace topicdesk::app {

std::optional<i18n::Message> index_knowledge(store::Store& store, core::ConnectionId id,
                                             const core::Parameters& parameters) {
  if (parameters.ai_knowledge.empty()) return std::nullopt;
  auto passages = ai::load_knowledge(parameters.ai_knowledge);
  if (!passages) return passages.problem();
  store.replace_knowledge(id, *passages);
  return std::nullopt;
}

AiWiring::AiWiring(boost::asio::any_io_executor executor, store::Store& store, const AiConfig& config,
                   ai::AiWorker::AddEvent add_event)
    : store_(store), add_event_(std::move(add_event)) {
  if (!config.enabled) return;  // connections with the AI on are logged
  ai::WorkerOptions options{.model = config.model,
                            .server = ai::Server{.base_url = config.base_url,
                                                 .api_key = config.api_key,
                                                 .timeout = std::chrono::seconds(config.timeout_seconds)},
                            .daily_tokens = config.daily_tokens,
                            .max_in_flight = config.max_in_flight};
  if (!config.api_key.empty()) telegram::register_secret(config.api_key);  // never in a log line
  worker_ = std::make_unique<ai::AiWorker>(std::move(executor), store, std::vector<ai::AiConnection>{},
                                           std::move(options), add_event_);
  worker_->start();
  spdlog::info("AI consultant: {} model {}", telegram::redact_secrets(config.base_url), config.model);
}

AiWiring::~AiWiring() { stop(); }

void AiWiring::stop() {
  if (worker_) worker_->stop();
}

void AiWiring::report(const AiWiredConnection& c, const i18n::Message& problem) {
  const std::string english = i18n::text(i18n::kFallbackLanguage, problem);
  spdlog::error("connection {}: {}", c.name, english);
  add_event_(c.id, ai::report_event(
                       0, ai::Report{.outcome = "knowledge_failed", .detail = english, .problem = problem}));
}

void AiWiring::connect(const AiWiredConnection& c) {
  if (c.parameters.ai == core::AiMode::kOff) {
    disconnect(c.id);
    return;
  }
  if (!worker_) {
    if (known_.try_emplace(c.id).second) {
      spdlog::warn(
          "connection {}: AI is on but the file has no [ai] table (base_url, model): see docs/ai.md; "
          "the AI stays off",
          c.name);
    }
    return;
  }
  auto seen = known_.find(c.id);
  const bool first = seen == known_.end();
  Known now = first ? Known{} : seen->second;
  if (auto prompt = ai::resolve_prompt(c.parameters.ai_prompt)) {
    now.instructions = *prompt;
    now.prompt_failed.reset();
  } else if (now.prompt_failed != c.parameters.ai_prompt) {
    report(c, prompt.problem());  // told once for this AI_PROMPT; the prompt it had stays
    now.prompt_failed = c.parameters.ai_prompt;
  }
  if (first || now.knowledge != c.parameters.ai_knowledge) {
    try {
      if (c.parameters.ai_knowledge.empty()) {
        if (store_.knowledge_count(c.id) > 0) {
          store_.replace_knowledge(c.id, {});
          spdlog::info("connection {}: AI knowledge emptied (AI_KNOWLEDGE is empty)", c.name);
        }
      } else if (auto problem = index_knowledge(store_, c.id, c.parameters)) {
        report(c, *problem);
      } else if (!c.parameters.ai_knowledge.empty()) {
        spdlog::info("connection {}: AI knowledge indexed: {} passages from {}", c.name,
                     store_.knowledge_count(c.id), c.parameters.ai_knowledge);
      }
    } catch (const store::StoreError& e) {
      report(c, i18n::Message{.key = "ai.problem_store_failed", .args = {{"reason", e.what()}}});
    }
    now.knowledge = c.parameters.ai_knowledge;  // told once: tried again when it changes
  }
  worker_->set_connection(ai::AiConnection{
      .id = c.id, .name = c.name, .instructions = now.instructions, .language = c.parameters.language});
  if (first) spdlog::info("connection {}: the AI consultant is on", c.name);
  known_[c.id] = std::move(now);
}

void AiWiring::disconnect(core::ConnectionId id) {
  if (known_.erase(id) == 0 || !worker_) return;
  worker_->remove_connection(id);
}

std::unique_ptr<AiWiring> start_ai(boost::asio::any_io_executor executor, store::Store& store,
                                   const AiConfig& config, const ai::AiWorker::AddEvent& add_event) {
  return std::make_unique<AiWiring>(std::move(executor), store, config, add_event);
}

}  // namespace topicdesk::app
