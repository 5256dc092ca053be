// The AI consultant in the running desk (docs/ai.md): for every connection whose AI parameter is
// not OFF, its knowledge folder is indexed (whole or not at all) and its AI_PROMPT read, then one
// AI worker (ai/worker.h) answers their requests. A folder or prompt that cannot be read is
// logged and told once in the connection's General (the engine's kAiAnswered "knowledge_failed");
// the connection keeps the knowledge it had.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>
#include <vector>

#include "ai/worker.h"
#include "app/config.h"
#include "store/store.h"

namespace topicdesk::app {

struct AiWiredConnection {
  core::ConnectionId id = 0;
  std::string name;
  core::Parameters parameters;
};

// nullptr when no connection has the AI on (or [ai] is absent).
std::unique_ptr<ai::AiWorker> start_ai(boost::asio::any_io_executor executor, store::Store& store,
                                       const AiConfig& config,
                                       const std::vector<AiWiredConnection>& connections,
                                       const ai::AiWorker::AddEvent& add_event);

// Indexes one connection's AI_KNOWLEDGE (its passages replace the old ones in one transaction);
// the error names the folder or file. Nothing is indexed for an empty AI_KNOWLEDGE.
core::Status index_knowledge(store::Store& store, core::ConnectionId id, const core::Parameters& parameters);

}  // namespace topicdesk::app
