// What doctor says about several instances on one database (docs/several-instances.md): which
// instances are alive, how far each one's clock is from the database's, and which instance runs
// each configured connection. A pure function over what the store holds, so it is tested alone.
#pragma once
#include <string>
#include <vector>

#include "core/ids.h"
#include "store/lease_store.h"

namespace topicdesk::cluster {

struct ClusterFinding {
  enum class Kind { kPass, kFail, kNote };
  Kind kind = Kind::kNote;
  std::string text;
  std::string fix;  // for kFail
};

// An instance's clock further than this from the database's is reported.
inline constexpr core::UnixMillis kClockSkewLimitMs = 1000;

// `now` is the database's clock; an instance is alive when its last beat is younger than
// `lease_ms`; `connections` are the configured names.
std::vector<ClusterFinding> review_cluster(core::UnixMillis now, std::int64_t lease_ms,
                                           const std::vector<store::InstanceRecord>& instances,
                                           const std::vector<store::LeaseRecord>& leases,
                                           const std::vector<std::string>& connections);

}  // namespace topicdesk::cluster
