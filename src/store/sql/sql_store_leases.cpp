// SqlStore, several desk instances on one database (LeaseStore): instances' beats and
// connection leases, decided on the database's clock (sql_leases.h).
#include "store/sql/sql_leases.h"
#include "store/sql/sql_store.h"

namespace topicdesk::store {

namespace {

using Lock = std::lock_guard<std::recursive_mutex>;

}  // namespace

UnixMillis SqlStore::database_now() {
  Lock lock(mutex_);
  auto q = db_.query(sql::kDatabaseNow);
  if (!q.step()) throw StoreError("store database_now: no time returned");
  return q.int64(0);
}

UnixMillis SqlStore::instance_beat(const std::string& instance, const std::string& address,
                                   UnixMillis local_now) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kInstanceBeat);
  q.bind_all(instance, address, local_now);
  if (!q.step()) throw StoreError("store instance_beat: no time returned for instance " + instance);
  UnixMillis seen = q.int64(0);
  q.run();
  return seen;
}

std::vector<InstanceRecord> SqlStore::instances() {
  Lock lock(mutex_);
  auto q = db_.query(sql::kInstances);
  std::vector<InstanceRecord> out;
  while (q.step()) out.push_back(InstanceRecord{q.text(0), q.text(1), q.int64(2), q.int64(3), q.int64(4)});
  return out;
}

void SqlStore::instance_leave(const std::string& instance) {
  Lock lock(mutex_);
  db_.run(sql::kInstanceLeave, instance);
}

void SqlStore::instance_forget_before(UnixMillis before) {
  Lock lock(mutex_);
  db_.run(sql::kInstanceForget, before);
}

std::vector<LeaseRecord> SqlStore::leases() {
  Lock lock(mutex_);
  auto q = db_.query(sql::kLeases);
  std::vector<LeaseRecord> out;
  while (q.step()) out.push_back(LeaseRecord{q.text(0), q.text(1), q.int64(2), q.int64(3)});
  return out;
}

std::optional<Fence> SqlStore::lease_acquire(const std::string& connection, const std::string& instance,
                                             std::int64_t ttl_ms) {
  if (instance.empty())
    throw StoreError("store lease_acquire: an empty instance id for connection " + connection);
  Lock lock(mutex_);
  std::optional<Fence> taken;
  transaction([&] {
    db_.run(sql::kLeaseInsert, connection);
    auto q = db_.query(sql::kLeaseTake);
    q.bind_all(connection, instance, ttl_ms);
    if (!q.step()) return;
    taken = Fence{connection, instance, q.int64(0)};
    q.run();
  });
  return taken;
}

bool SqlStore::lease_renew(const Fence& fence, std::int64_t ttl_ms) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kLeaseRenew);
  q.bind_all(fence.connection, fence.instance, fence.generation, ttl_ms);
  q.run();
  return q.changes() == 1;
}

void SqlStore::lease_release(const Fence& fence) {
  Lock lock(mutex_);
  db_.run(sql::kLeaseRelease, fence.connection, fence.instance, fence.generation);
}

void SqlStore::lease_check(const Fence& fence) {
  Lock lock(mutex_);
  auto q = db_.query(sql::kLeaseCheck);
  q.bind(fence.connection);
  const bool held = q.step() && q.int64(0) == fence.generation && !fence.instance.empty() &&
                    q.text(1) == fence.instance && q.boolean(2);
  q.run();
  if (!held) throw LeaseLost(fence.connection);
}

}  // namespace topicdesk::store
