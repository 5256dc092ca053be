// The Topics API's actions on labels (docs/api.md, docs/labels.md): list_labels, set_label and
// remove_label on a dialog named by user_id or topic_id, and dialog_labels (its labels now and
// their history). Changes go through the connection's engine like /mark in a topic (funnel,
// history with `by` "api", webhooks, titles); an API key may set and remove labels, defining
// them stays with the operators in General.
#pragma once
#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string_view>

#include "core/ids.h"
#include "integrations/topics_api.h"
#include "relay/engine.h"
#include "store/store.h"

namespace topicdesk::integrations {

// nullopt: `action` is not a label action. `on_outbox` runs after a change queued messages.
std::optional<ApiResponse> label_action(store::Store& store, relay::Engine& engine, std::string_view action,
                                        const boost::json::object& request, core::UnixMillis now,
                                        const std::function<void()>& on_outbox);

}  // namespace topicdesk::integrations
