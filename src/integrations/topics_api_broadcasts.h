// The Topics API's broadcasts (docs/api.md, docs/broadcasts.md): create_broadcast (a saved
// template to "all", a list of user ids or a segment, now or at a time), confirm_broadcast,
// pause_broadcast, resume_broadcast, cancel_broadcast, broadcast_status and broadcast_report
// (paged rows, JSON or CSV). Broadcasts are made and change state through the connection's
// engine, as /send does in General (which is told); the sender picks them up from the store.
// The API call is the confirmation unless the request says "confirm": false.
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

// The most user ids one create_broadcast lists (a request body holds 64 KiB); more users go by
// "all" or a segment.
inline constexpr std::size_t kMaxApiListedUsers = 5000;

// nullopt: `action` is not a broadcast action. `on_outbox` runs after General was told.
std::optional<ApiResponse> broadcast_action(store::Store& store, relay::Engine& engine,
                                            std::string_view action, const boost::json::object& request,
                                            core::UnixMillis now, const std::function<void()>& on_outbox);

}  // namespace topicdesk::integrations
