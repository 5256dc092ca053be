#include "cluster/lease_keeper.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <random>
#include <set>
#include <utility>

#include "cluster/lease_plan.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "telegram/log_limiter.h"

namespace topicdesk::cluster {
namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

struct LeaseKeeper::State : std::enable_shared_from_this<LeaseKeeper::State> {
  struct Held {
    store::Fence fence;
    Steady::time_point deadline;
    bool releasing = false;
  };

  State(asio::any_io_executor executor, store::LeaseStore& store, std::string id, std::string address,
        std::vector<std::string> connections, LeaseKeeperHooks hooks, LeaseKeeperOptions options)
      : executor(executor),
        store(store),
        id(std::move(id)),
        address(std::move(address)),
        connections(std::move(connections)),
        hooks(std::move(hooks)),
        options(options),
        limiter(std::chrono::minutes(1), options.error_lines_per_minute),
        timer(executor) {
    // Options that would lose every lease between two renewals are replaced by the defaults.
    auto& o = this->options;
    if (o.ttl.count() <= 0) o.ttl = LeaseKeeperOptions{}.ttl;
    if (o.margin.count() <= 0 || o.margin >= o.ttl) o.margin = o.ttl / 5;
    if (o.renew_every.count() <= 0 || o.renew_every * 2 > o.ttl - o.margin) o.renew_every = o.ttl / 4;
    if (o.join_delay.count() <= 0) o.join_delay = o.renew_every;
    if (o.forget_after.count() <= 0) o.forget_after = o.ttl * 10;
    if (o.max_release_per_round <= 0) o.max_release_per_round = LeaseKeeperOptions{}.max_release_per_round;
  }

  std::int64_t ttl_ms() const { return options.ttl.count(); }
  Steady::time_point deadline_from(Steady::time_point started) const {
    return started + options.ttl - options.margin;
  }

  void log_failure(const std::string& key, const std::string& what) {
    limiter.log(spdlog::level::warn, key, "cluster: instance " + id + ": " + what);
  }

  // Runs a hook; what it throws is logged, never thrown into the round.
  template <typename Hook, typename... Args>
  void call(const Hook& hook, const char* which, Args&&... args) {
    if (!hook) return;
    try {
      hook(std::forward<Args>(args)...);
    } catch (const std::exception& error) {
      log_failure(std::string("hook ") + which, fmt::format("{} hook failed: {}", which, error.what()));
    }
  }

  void forget_held(const std::string& name) {
    held.erase(name);
    gone.insert(name);
    cool_until[name] = Steady::now() + options.renew_every;
  }

  void lose(const std::string& name) {
    forget_held(name);
    count_move("lost");
    call(hooks.on_lost, "on_lost", name);
  }

  // /metrics: lease moves of this instance by kind, the leases it holds, the live instances.
  static void count_move(const char* kind) {
    core::Metrics::global()
        .counter("topicdesk_cluster_lease_moves_total",
                 "Leases this instance took, lost (taken over or deadline passed) or gave up",
                 fmt::format("kind=\"{}\"", kind))
        .add(1);
  }
  void publish(std::size_t live) const {
    auto& metrics = core::Metrics::global();
    metrics.gauge("topicdesk_cluster_leases_held", "Connections whose lease this instance holds")
        .set(static_cast<double>(held.size()));
    metrics
        .gauge("topicdesk_cluster_instances_alive", "Desk instances whose last beat is within the lease time")
        .set(static_cast<double>(live));
  }

  void round() {
    if (done) return;
    std::optional<core::UnixMillis> db_now;
    try {
      db_now = store.instance_beat(id, address, core::unix_millis_now());
    } catch (const store::StoreError& error) {
      log_failure("beat", fmt::format("beat failed: {}", error.what()));
    }

    bool renewed = true;
    std::vector<std::string> lost;
    for (auto& [name, lease] : held) {
      if (!renewed) break;
      const auto started = Steady::now();
      try {
        if (store.lease_renew(lease.fence, ttl_ms()))
          lease.deadline = deadline_from(started);
        else
          lost.push_back(name);
      } catch (const store::StoreError& error) {
        log_failure("renew",
                    fmt::format("renewing the lease of connection {} failed: {}", name, error.what()));
        renewed = false;
      }
    }
    const auto now = Steady::now();
    for (const auto& [name, lease] : held)
      if (lease.deadline <= now && std::find(lost.begin(), lost.end(), name) == lost.end())
        lost.push_back(name);
    if (!lost.empty())
      spdlog::warn("cluster: instance {} lost the leases of {}: it stops running them", id,
                   fmt::join(lost, ", "));
    for (const auto& name : lost) {
      if (done) return;
      lose(name);
    }
    for (auto it = cool_until.begin(); it != cool_until.end();)
      it = it->second <= now ? cool_until.erase(it) : std::next(it);

    if (done || !db_now || !renewed || now < started + options.join_delay) return;
    plan_round(*db_now);
    if (done) return;
    if (*db_now - last_forget >= options.ttl.count()) {
      try {
        store.instance_forget_before(*db_now - options.forget_after.count());
        last_forget = *db_now;
      } catch (const store::StoreError& error) {
        log_failure("forget", fmt::format("forgetting old instances failed: {}", error.what()));
      }
    }
  }

  // Where each connection's runner answers, as this round read it (the Topics API passes a call
  // for a connection run elsewhere there): live owners of unexpired leases only.
  void remember_owners(const std::vector<store::InstanceRecord>& instances,
                       const std::vector<store::LeaseRecord>& leases, core::UnixMillis db_now) {
    std::map<std::string, std::string> address_of;
    for (const auto& i : instances) {
      if (db_now - i.seen_at < ttl_ms()) address_of[i.id] = i.address;
    }
    owner_addresses.clear();
    for (const auto& l : leases) {
      auto a = address_of.find(l.owner);
      if (l.expires_at > db_now && a != address_of.end()) owner_addresses[l.connection] = a->second;
    }
  }

  void plan_round(core::UnixMillis db_now) {
    LeasePlanInput input;
    try {
      const auto instances = store.instances();
      input.live = live_instances(instances, db_now, ttl_ms());
      std::set<std::string> alive(input.live.begin(), input.live.end());
      alive.insert(id);  // it beat just now, unless the beat failed
      publish(alive.size());
      input.leases = store.leases();
      remember_owners(instances, input.leases, db_now);
    } catch (const store::StoreError& error) {
      log_failure("read", fmt::format("reading instances and leases failed: {}", error.what()));
      return;
    }
    input.now = db_now;
    input.self = id;
    input.connections = connections;
    for (const auto& [name, lease] : held) {
      input.held.insert(name);
      if (lease.releasing) input.releasing.insert(name);
    }
    for (const auto& [name, until] : cool_until) input.avoid.insert(name);
    input.expiry_bucket_ms = ttl_ms();
    input.max_release = options.max_release_per_round;
    const auto plan = plan_leases(input);

    int taken = 0;
    std::vector<std::string> taken_names;
    for (const auto& name : plan.candidates) {
      if (taken >= plan.take || done) break;
      const auto started_at = Steady::now();
      std::optional<store::Fence> fence;
      try {
        fence = store.lease_acquire(name, id, ttl_ms());
      } catch (const store::StoreError& error) {
        log_failure("acquire",
                    fmt::format("taking the lease of connection {} failed: {}", name, error.what()));
        break;
      }
      if (!fence) continue;  // another instance was first
      ++taken;
      held[name] = Held{*fence, deadline_from(started_at), false};
      gone.erase(name);
      taken_names.push_back(name);
      count_move("taken");
      call(hooks.on_acquired, "on_acquired", name, *fence);
    }
    if (!taken_names.empty())
      spdlog::info("cluster: instance {} took the leases of {}", id, fmt::join(taken_names, ", "));

    if (done || plan.release.empty()) return;
    spdlog::info("cluster: instance {} gives up connections {} to even out the spread", id,
                 fmt::join(plan.release, ", "));
    for (const auto& name : plan.release) {
      if (done) return;
      give_up(name);
    }
  }

  // Asks the runtime to stop a connection the plan gives up; its lease goes back to the store
  // once the runtime says it has (finish_release). Several may be on their way out at once, each
  // with its own released().
  void give_up(const std::string& name) {
    auto it = held.find(name);
    if (it == held.end() || it->second.releasing) return;
    it->second.releasing = true;
    const auto generation = it->second.fence.generation;
    if (!hooks.on_release) {
      finish_release(name, generation);
      return;
    }
    std::weak_ptr<State> weak = weak_from_this();
    auto released = [weak, name, generation] {
      auto self = weak.lock();
      if (!self) return;
      asio::post(self->executor, [weak, name, generation] {
        if (auto state = weak.lock()) state->finish_release(name, generation);
      });
    };
    call(hooks.on_release, "on_release", name, std::function<void()>(released));
  }

  // The runtime stopped a connection being given up: the lease goes back to the store.
  void finish_release(const std::string& name, std::int64_t generation) {
    auto it = held.find(name);
    if (it == held.end() || !it->second.releasing || it->second.fence.generation != generation) return;
    const auto fence = it->second.fence;
    forget_held(name);
    count_move("given_up");
    try {
      store.lease_release(fence);
    } catch (const store::StoreError& error) {
      // It expires on its own within the lease time; nothing here uses it any more.
      log_failure("release",
                  fmt::format("releasing the lease of connection {} failed: {}", name, error.what()));
    }
  }

  void stop() {
    if (done) return;
    done = true;
    timer.cancel();
    auto leases = std::move(held);
    held.clear();
    for (const auto& [name, lease] : leases) {
      gone.insert(name);
      try {
        store.lease_release(lease.fence);
      } catch (const store::StoreError& error) {
        log_failure("release",
                    fmt::format("releasing the lease of connection {} failed: {}", name, error.what()));
      }
    }
    try {
      store.instance_leave(id);
    } catch (const store::StoreError& error) {
      log_failure("leave", fmt::format("leaving the cluster failed: {}", error.what()));
    }
  }

  // The timer loop: a round every renew_every until done. It holds the state, so a keeper
  // destroyed while a wait is pending ends the loop safely when the wait completes.
  static asio::awaitable<void> rounds(std::shared_ptr<State> state) {
    while (!state->done) {
      try {
        state->round();
      } catch (const std::exception& error) {
        state->log_failure("round", fmt::format("lease round failed: {}", error.what()));
      }
      if (state->done) break;
      state->timer.expires_after(state->options.renew_every);
      co_await state->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  asio::any_io_executor executor;
  store::LeaseStore& store;
  std::string id;
  std::string address;
  std::vector<std::string> connections;
  LeaseKeeperHooks hooks;
  LeaseKeeperOptions options;
  telegram::LogLimiter limiter;
  asio::steady_timer timer;

  std::map<std::string, Held> held;
  std::map<std::string, std::string> owner_addresses;  // remember_owners
  std::set<std::string> gone;                          // held before, not now
  std::map<std::string, Steady::time_point> cool_until;
  std::map<core::ConnectionId, std::string> names;
  Steady::time_point started{};
  core::UnixMillis last_forget = 0;
  bool running = false;
  bool done = false;
};

LeaseKeeper::LeaseKeeper(asio::any_io_executor executor, store::LeaseStore& store, std::string instance_id,
                         std::string address, std::vector<std::string> connections, LeaseKeeperHooks hooks,
                         LeaseKeeperOptions options)
    : state_(std::make_shared<State>(std::move(executor), store, std::move(instance_id), std::move(address),
                                     std::move(connections), std::move(hooks), options)) {}

LeaseKeeper::~LeaseKeeper() {
  state_->done = true;
  state_->timer.cancel();
}

void LeaseKeeper::start() {
  if (state_->running || state_->done) return;
  state_->running = true;
  state_->started = Steady::now();
  asio::co_spawn(state_->executor, State::rounds(state_), asio::detached);
}

void LeaseKeeper::stop() { state_->stop(); }

void LeaseKeeper::bind(const std::string& name, core::ConnectionId id) { state_->names[id] = name; }

void LeaseKeeper::add_connection(const std::string& name) {
  auto& names = state_->connections;
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

void LeaseKeeper::remove_connection(const std::string& name) {
  auto& names = state_->connections;
  names.erase(std::remove(names.begin(), names.end(), name), names.end());
  auto it = state_->held.find(name);
  if (it == state_->held.end()) return;
  const auto fence = it->second.fence;
  state_->forget_held(name);
  State::count_move("given_up");
  try {
    state_->store.lease_release(fence);
  } catch (const store::StoreError& error) {
    // It expires on its own within the lease time; nothing here uses it any more.
    state_->log_failure("release",
                        fmt::format("releasing the lease of connection {} failed: {}", name, error.what()));
  }
}

void LeaseKeeper::check(core::ConnectionId connection) {
  auto name = state_->names.find(connection);
  if (name == state_->names.end()) return;
  auto lease = state_->held.find(name->second);
  if (lease != state_->held.end()) {
    state_->store.lease_check(lease->second.fence);
    return;
  }
  if (state_->gone.count(name->second)) throw store::LeaseLost(name->second);
}

bool LeaseKeeper::may_send(core::ConnectionId connection) const {
  auto name = state_->names.find(connection);
  if (name == state_->names.end()) return true;
  auto lease = state_->held.find(name->second);
  if (lease != state_->held.end()) return Steady::now() < lease->second.deadline;
  return !state_->gone.count(name->second);
}

std::vector<std::string> LeaseKeeper::owned() const {
  std::vector<std::string> out;
  for (const auto& [name, lease] : state_->held) out.push_back(name);
  return out;
}

std::optional<store::Fence> LeaseKeeper::fence(const std::string& name) const {
  auto lease = state_->held.find(name);
  if (lease == state_->held.end()) return std::nullopt;
  return lease->second.fence;
}

std::optional<std::string> LeaseKeeper::owner_address(const std::string& name) const {
  auto it = state_->owner_addresses.find(name);
  if (it == state_->owner_addresses.end()) return std::nullopt;
  return it->second;
}

const std::string& LeaseKeeper::instance_id() const { return state_->id; }

std::string new_instance_id() {
  std::random_device device;
  std::mt19937_64 generator((static_cast<std::uint64_t>(device()) << 32) ^ device());
  return fmt::format("{:016x}", generator());
}

}  // namespace topicdesk::cluster
