#include "app/desk_health.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <boost/json.hpp>

#include "core/metrics.h"

namespace topicdesk::app {
namespace json = boost::json;

namespace {

constexpr ConnectionState kAllStates[] = {ConnectionState::kConnecting, ConnectionState::kReady,
                                          ConnectionState::kTokenRejected, ConnectionState::kStopped,
                                          ConnectionState::kElsewhere};

core::Metric& store_gauge() {
  return core::Metrics::global().gauge("topicdesk_store_healthy",
                                       "1 while the store works, 0 while it fails");
}

}  // namespace

const char* to_string(ConnectionState state) {
  switch (state) {
    case ConnectionState::kConnecting:
      return "connecting";
    case ConnectionState::kReady:
      return "ready";
    case ConnectionState::kTokenRejected:
      return "token rejected";
    case ConnectionState::kStopped:
      return "stopped";
    case ConnectionState::kElsewhere:
      return "elsewhere";
  }
  return "unknown";
}

DeskHealth::DeskHealth(const std::vector<std::string>& connection_names) {
  for (const auto& name : connection_names) {
    connections_[name];
    publish(name);
  }
  store_gauge().set(1);
}

void DeskHealth::set(const std::string& connection, ConnectionState state, std::string detail) {
  std::lock_guard lock(mutex_);
  auto& entry = connections_[connection];
  entry.state = state;
  entry.detail = std::move(detail);
  publish(connection);
}

void DeskHealth::forget(const std::string& connection) {
  std::lock_guard lock(mutex_);
  connections_.erase(connection);
}

void DeskHealth::set_instance(std::string id) {
  std::lock_guard lock(mutex_);
  instance_ = std::move(id);
}

void DeskHealth::set_owned(std::vector<std::string> names) {
  std::lock_guard lock(mutex_);
  owned_ = std::move(names);
}

void DeskHealth::relay_beat() {
  std::lock_guard lock(mutex_);
  relay_beat_ = clock_();
}

void DeskHealth::set_clock(std::function<std::chrono::steady_clock::time_point()> clock) {
  std::lock_guard lock(mutex_);
  clock_ = std::move(clock);
  relay_beat_ = clock_();
}

std::optional<std::string> DeskHealth::relay_stalled_locked() const {
  const auto waiting = std::chrono::duration_cast<std::chrono::seconds>(clock_() - relay_beat_);
  if (waiting < kRelayStalledAfter) return std::nullopt;
  return fmt::format("the relay has waited {} s for a store call", waiting.count());
}

bool DeskHealth::store_failing() const {
  std::lock_guard lock(mutex_);
  return store_problem_.has_value();
}

ConnectionState DeskHealth::state(const std::string& connection) const {
  std::lock_guard lock(mutex_);
  return state_locked(connection);
}

ConnectionState DeskHealth::state_locked(const std::string& connection) const {
  auto it = connections_.find(connection);
  return it == connections_.end() ? ConnectionState::kConnecting : it->second.state;
}

void DeskHealth::store_failed(const std::string& what) {
  std::lock_guard lock(mutex_);
  store_problem_ = what;
  store_gauge().set(0);
}

void DeskHealth::store_ok() {
  std::lock_guard lock(mutex_);
  store_problem_.reset();
  store_gauge().set(1);
}

void DeskHealth::upkeep(int failed_attempts, std::chrono::milliseconds failing_for,
                        const std::string& error) {
  std::lock_guard lock(mutex_);
  if (failed_attempts == 0 || failing_for < kUpkeepFailingFor) {
    upkeep_problem_.reset();
  } else {
    upkeep_problem_ = fmt::format("WAL checkpoints have failed for {} s ({} attempts): {}",
                                  std::chrono::duration_cast<std::chrono::seconds>(failing_for).count(),
                                  failed_attempts, error);
  }
  core::Metrics::global()
      .gauge("topicdesk_store_upkeep_failing", "1 while the store's WAL checkpoints keep failing")
      .set(upkeep_problem_ ? 1 : 0);
}

std::string DeskHealth::status() const {
  std::lock_guard lock(mutex_);
  return status_locked();
}

std::string DeskHealth::reason() const {
  std::lock_guard lock(mutex_);
  return reason_locked();
}

std::string DeskHealth::status_locked() const {
  if (!reason_locked().empty()) return "degraded";
  for (const auto& [name, entry] : connections_) {
    if (entry.state == ConnectionState::kConnecting) return "starting";
  }
  return "ok";
}

std::string DeskHealth::reason_locked() const {
  if (store_problem_) return "store: " + *store_problem_;
  if (auto stalled = relay_stalled_locked()) return "store: " + *stalled;
  if (upkeep_problem_) return "store: " + *upkeep_problem_;
  for (const auto& [name, entry] : connections_) {
    if (entry.state == ConnectionState::kTokenRejected || entry.state == ConnectionState::kStopped) {
      std::string why = fmt::format("connection {}: {}", name, to_string(entry.state));
      return entry.detail.empty() ? why : why + " (" + entry.detail + ")";
    }
  }
  return {};
}

http::Response DeskHealth::response(const http::Request& request) const {
  std::lock_guard lock(mutex_);
  const unsigned code = store_problem_ || relay_stalled_locked() ? 503 : 200;
  const std::string why = reason_locked();
  const std::string_view target = request.target();
  const bool wants_json =
      target.find("format=json") != std::string_view::npos ||
      request[boost::beast::http::field::accept].find("application/json") != std::string_view::npos;
  if (wants_json) {
    json::object connections;
    for (const auto& [name, entry] : connections_) connections[name] = to_string(entry.state);
    json::object body{{"status", status_locked()}};
    if (!why.empty()) body["reason"] = why;
    body["connections"] = std::move(connections);
    if (!instance_.empty()) {
      body["instance"] = instance_;
      json::array owned;
      for (const auto& name : owned_) owned.emplace_back(name);
      body["owned"] = std::move(owned);
    }
    return http::json_response(code, body);
  }
  std::string text = why.empty() ? status_locked() : "degraded: " + why;
  for (const auto& [name, entry] : connections_)
    text += fmt::format("\n{}: {}", name, to_string(entry.state));
  if (!instance_.empty())
    text += fmt::format("\ninstance: {}\nowned: {}", instance_, fmt::join(owned_, ", "));
  return http::text_response(code, text + "\n");
}

void DeskHealth::publish(const std::string& connection) const {
  auto& metrics = core::Metrics::global();
  const ConnectionState current = state_locked(connection);
  metrics
      .gauge("topicdesk_connection_ready", "1 when the connection is ready (connected, relaying)",
             fmt::format("connection=\"{}\"", connection))
      .set(current == ConnectionState::kReady ? 1 : 0);
  for (auto s : kAllStates) {
    metrics
        .gauge("topicdesk_connection_state", "1 for the state each connection is in",
               fmt::format("connection=\"{}\",state=\"{}\"", connection, to_string(s)))
        .set(s == current ? 1 : 0);
  }
}

}  // namespace topicdesk::app
