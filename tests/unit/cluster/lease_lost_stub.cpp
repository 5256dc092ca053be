// Until the store's LeaseStore implementation lands on main (it defines LeaseLost's constructor),
// the cluster tests link this one. It is weak, so the store's definition wins once it is there;
// delete this file then.
#include "store/lease_store.h"

namespace topicdesk::store {

__attribute__((weak)) LeaseLost::LeaseLost(const std::string& connection)
    : StoreError("the lease of connection " + connection + " has moved on to another instance", Kind::kOther),
      connection_(connection) {}

}  // namespace topicdesk::store
