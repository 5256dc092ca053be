// An in-memory LeaseStore that follows store/lease_store.h's contract, on a database clock the
// test controls (by default the steady clock, so keepers on a real io_context see time pass).
// One FakeLeaseStore is one database; each instance talks to it through its own
// FlakyLeaseStore, which can be made to fail (the database unreachable from that instance).
// Records how each acquisition found the lease, so tests can tell a handover (released) from a
// takeover (expired).
#pragma once
#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/lease_store.h"

namespace topicdesk::cluster::testing {

class FakeLeaseStore : public store::LeaseStore {
 public:
  using Clock = std::function<core::UnixMillis()>;
  FakeLeaseStore()
      : clock_([] {
          using std::chrono::duration_cast;
          using std::chrono::milliseconds;
          using std::chrono::steady_clock;
          return 1'700'000'000'000 +
                 duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
        }) {}
  explicit FakeLeaseStore(Clock clock) : clock_(std::move(clock)) {}

  core::UnixMillis database_now() override { return clock_(); }

  core::UnixMillis instance_beat(const std::string& instance, const std::string& address,
                                 core::UnixMillis local_now) override {
    const auto now = clock_();
    auto [it, fresh] = instances_.try_emplace(instance);
    if (fresh) it->second.started_at = now;
    it->second.id = instance;
    it->second.address = address;
    it->second.seen_at = now;
    it->second.local_at = local_now;
    return now;
  }
  std::vector<store::InstanceRecord> instances() override {
    std::vector<store::InstanceRecord> out;
    for (const auto& [id, record] : instances_) out.push_back(record);
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.seen_at > b.seen_at; });
    return out;
  }
  void instance_leave(const std::string& instance) override { instances_.erase(instance); }
  void instance_forget_before(core::UnixMillis before) override {
    std::erase_if(instances_, [before](const auto& entry) { return entry.second.seen_at < before; });
  }

  std::vector<store::LeaseRecord> leases() override {
    std::vector<store::LeaseRecord> out;
    for (const auto& [name, record] : leases_) out.push_back(record);
    return out;
  }
  std::optional<store::Fence> lease_acquire(const std::string& connection, const std::string& instance,
                                            std::int64_t ttl_ms) override {
    const auto now = clock_();
    auto [it, fresh] = leases_.try_emplace(connection);
    auto& lease = it->second;
    if (!fresh && !lease.owner.empty() && lease.expires_at > now) return std::nullopt;
    if (fresh)
      ++acquired_new;
    else if (lease.owner.empty())
      ++acquired_released;
    else
      ++acquired_expired;
    lease.connection = connection;
    lease.owner = instance;
    lease.generation += 1;
    lease.expires_at = now + ttl_ms;
    return store::Fence{connection, instance, lease.generation};
  }
  bool lease_renew(const store::Fence& fence, std::int64_t ttl_ms) override {
    auto* lease = held_at(fence);
    if (!lease) return false;
    lease->expires_at = clock_() + ttl_ms;
    return true;
  }
  void lease_release(const store::Fence& fence) override {
    auto* lease = held_at(fence);
    if (!lease) return;
    lease->owner.clear();
    lease->expires_at = clock_();
  }
  void lease_check(const store::Fence& fence) override {
    ++checks;
    auto* lease = held_at(fence);
    if (!lease || lease->expires_at <= clock_()) throw store::LeaseLost(fence.connection);
  }

  // The owner of `connection` now (empty when free or expired).
  std::string owner(const std::string& connection) {
    auto it = leases_.find(connection);
    if (it == leases_.end() || it->second.expires_at <= clock_()) return "";
    return it->second.owner;
  }

  int acquired_new = 0;       // no row yet
  int acquired_released = 0;  // released by its owner
  int acquired_expired = 0;   // its owner stopped renewing
  int checks = 0;             // lease_check calls

 private:
  store::LeaseRecord* held_at(const store::Fence& fence) {
    auto it = leases_.find(fence.connection);
    if (it == leases_.end() || it->second.owner != fence.instance ||
        it->second.generation != fence.generation)
      return nullptr;
    return &it->second;
  }

  Clock clock_;
  std::map<std::string, store::InstanceRecord> instances_;
  std::map<std::string, store::LeaseRecord> leases_;
};

// One instance's way to the database: every call fails with a StoreError while `failing`.
class FlakyLeaseStore : public store::LeaseStore {
 public:
  explicit FlakyLeaseStore(store::LeaseStore& database) : database_(database) {}
  bool failing = false;

  core::UnixMillis database_now() override { return pass().database_now(); }
  core::UnixMillis instance_beat(const std::string& instance, const std::string& address,
                                 core::UnixMillis local_now) override {
    return pass().instance_beat(instance, address, local_now);
  }
  std::vector<store::InstanceRecord> instances() override { return pass().instances(); }
  void instance_leave(const std::string& instance) override { pass().instance_leave(instance); }
  void instance_forget_before(core::UnixMillis before) override { pass().instance_forget_before(before); }
  std::vector<store::LeaseRecord> leases() override { return pass().leases(); }
  std::optional<store::Fence> lease_acquire(const std::string& connection, const std::string& instance,
                                            std::int64_t ttl_ms) override {
    return pass().lease_acquire(connection, instance, ttl_ms);
  }
  bool lease_renew(const store::Fence& fence, std::int64_t ttl_ms) override {
    return pass().lease_renew(fence, ttl_ms);
  }
  void lease_release(const store::Fence& fence) override { pass().lease_release(fence); }
  void lease_check(const store::Fence& fence) override { pass().lease_check(fence); }

 private:
  store::LeaseStore& pass() {
    if (failing)
      throw store::StoreError("lease store: could not connect to the database (test)",
                              store::StoreError::Kind::kStorage);
    return database_;
  }
  store::LeaseStore& database_;
};

}  // namespace topicdesk::cluster::testing
