// The AI worker: the I/O of the AI consultant, off the relay's path (docs/ai.md).
//
// The engine (relay/engine_ai.cpp) decides and writes AI requests (store/ai_store.h); this worker
// claims the due ones, builds each prompt from the store (the connection's instructions with their
// {table:NAME:ROW:COLUMN} read from its data tables, the best knowledge passages, the dialog's
// recent messages: ai/prompt.h), checks the connection's daily token budget, calls the
// chat-completions server (ai/client.h) with its deadline, records the tokens spent, and reports
// the outcome to the engine as a core::EventKind::kAiAnswered event through `add_event`
// (relay::Inbox::add_event), in the transaction that marks the request answered. The engine alone
// writes outbox jobs. A slow, failing, rate-limited or silent server only ever holds this
// worker's own calls (at most max_in_flight at once): relayed messages never wait for it.
//
// A claim lasts the call's deadline and a margin: a desk killed mid-call leaves a claim that
// expires, and the request is asked again; its report has one inbox update id, so the engine
// decides on it once. Failures are counted in /metrics (topicdesk_ai_calls_total by result).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ai/client.h"
#include "core/event.h"
#include "core/ids.h"
#include "i18n/catalog.h"
#include "store/store.h"

namespace topicdesk::ai {

struct AiConnection {
  core::ConnectionId id = 0;
  std::string name;
  std::string instructions;  // AI_PROMPT, resolved (a file's text); empty: the desk's default
  std::string language;      // the operators' (LANGUAGE): a missing table cell's marker
};

struct WorkerOptions {
  std::string model;
  Server server;
  std::int64_t daily_tokens = 0;  // per connection and UTC day; 0 = no limit
  int max_in_flight = 4;
  std::chrono::milliseconds poll_interval{250};
  std::chrono::milliseconds claim_margin{30000};
};

// Inbox update ids of the worker's reports: bit 52 plus the request's id (one report per request,
// even when written twice); a knowledge folder's failure is bit 52 and bit 51 plus the time.
inline constexpr std::int64_t kAiUpdateBase = std::int64_t{1} << 52;
inline std::int64_t ai_update_id(std::int64_t request_id) { return kAiUpdateBase | request_id; }
inline std::int64_t knowledge_update_id(core::UnixMillis at) {
  return kAiUpdateBase | (std::int64_t{1} << 51) | at;
}

// The report of a request (what kAiAnswered's `text` holds).
struct Report {
  std::int64_t request = 0;
  std::string outcome;  // "answer", "escalate", "no_knowledge", "failed", "knowledge_failed"
  std::string answer;
  std::string failure;  // to_string(Failure) when failed
  std::string detail;
  // knowledge_failed: what is wrong with AI_KNOWLEDGE or AI_PROMPT, told in the operators' language.
  std::optional<i18n::Message> problem;
  std::int64_t tokens = 0;
};
core::Event report_event(core::DialogId dialog, const Report& report);

class AiWorker {
 public:
  using AddEvent = std::function<void(core::ConnectionId, const core::Event&)>;
  AiWorker(boost::asio::any_io_executor executor, store::Store& store, std::vector<AiConnection> connections,
           WorkerOptions options, AddEvent add_event);
  ~AiWorker();
  AiWorker(const AiWorker&) = delete;
  AiWorker& operator=(const AiWorker&) = delete;

  void start();
  void stop();    // no new calls; calls in flight finish (or time out) and are reported
  void notify();  // look for due requests now (safe from the executor's thread)
  // The connections answered follow the desk's (on the executor's thread): added or changed
  // (read from the next call on), or removed (its requests are no longer claimed; a call in
  // flight ends and is reported).
  void set_connection(AiConnection connection);
  void remove_connection(core::ConnectionId id);
  int in_flight() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace topicdesk::ai
