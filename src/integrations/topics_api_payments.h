// The Topics API's payment action (docs/api.md, docs/payments.md): dialog_payments, a dialog's
// invoices and payments (named by user_id or topic_id, as the label actions do), newest first.
#pragma once
#include <boost/json/object.hpp>
#include <optional>
#include <string_view>

#include "integrations/topics_api.h"
#include "relay/engine.h"
#include "store/store.h"

namespace topicdesk::integrations {

// nullopt: `action` is not a payment action.
std::optional<ApiResponse> payment_action(store::Store& store, const relay::ConnectionContext& context,
                                          std::string_view action, const boost::json::object& request);

}  // namespace topicdesk::integrations
