// The AI consultant in the running desk (docs/ai.md). With [ai] configured, one AI worker
// (ai/worker.h) runs from the start, even before any connection has the AI on, and follows the
// connections as they come and change: the runtime tells it when a connection comes up or its
// parameters change (`connect`), and when it stops or is removed (`disconnect`).
//
// For a connection whose AI parameter is not OFF, its AI_PROMPT is read on every such call and
// its knowledge folder indexed when first seen and whenever AI_KNOWLEDGE changes (whole or not
// at all). A folder or prompt that cannot be read is logged and told once in the connection's
// General (the engine's kAiAnswered "knowledge_failed"); the connection keeps the knowledge (and
// the prompt) it had. A connection whose AI turns OFF, stops or is removed gets no more calls: its
// requests still waiting stay in the store (the engine cancels them as dialogs move on) and are
// asked once it has the AI again; a call in flight ends and is reported as usual. Without [ai] no
// worker runs: a connection with the AI on is logged once and gets none.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "ai/worker.h"
#include "app/config.h"
#include "i18n/catalog.h"
#include "store/store.h"

namespace topicdesk::app {

struct AiWiredConnection {
  core::ConnectionId id = 0;
  std::string name;
  core::Parameters parameters;
};

class AiWiring {
 public:
  AiWiring(boost::asio::any_io_executor executor, store::Store& store, const AiConfig& config,
           ai::AiWorker::AddEvent add_event);
  ~AiWiring();
  AiWiring(const AiWiring&) = delete;
  AiWiring& operator=(const AiWiring&) = delete;

  // Came up or its parameters changed (on the runtime's loop).
  void connect(const AiWiredConnection& c);
  // Stopped or removed: no more calls for it.
  void disconnect(core::ConnectionId id);
  void stop();

 private:
  struct Known {
    std::string knowledge;  // the AI_KNOWLEDGE indexed (or tried)
    std::string instructions;
    std::optional<std::string> prompt_failed;  // the AI_PROMPT whose failure was told
  };
  void report(const AiWiredConnection& c, const i18n::Message& problem);

  store::Store& store_;
  ai::AiWorker::AddEvent add_event_;
  std::unique_ptr<ai::AiWorker> worker_;       // nullptr without [ai]
  std::map<core::ConnectionId, Known> known_;  // the connections with the AI on
};

std::unique_ptr<AiWiring> start_ai(boost::asio::any_io_executor executor, store::Store& store,
                                   const AiConfig& config, const ai::AiWorker::AddEvent& add_event);

// Indexes one connection's AI_KNOWLEDGE (its passages replace the old ones in one transaction);
// the problem, if any, names the folder or file. Nothing is indexed for an empty AI_KNOWLEDGE.
std::optional<i18n::Message> index_knowledge(store::Store& store, core::ConnectionId id,
                                             const core::Parameters& parameters);

}  // namespace topicdesk::app
