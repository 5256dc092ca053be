#include "store/lease_store.h"

#include <fmt/format.h>

namespace topicdesk::store {

LeaseLost::LeaseLost(const std::string& connection)
    : StoreError(fmt::format("the lease of connection {} has moved on: this instance no longer owns it and "
                             "must stop working for it",
                             connection),
                 Kind::kFatal),
      connection_(connection) {}

}  // namespace topicdesk::store
