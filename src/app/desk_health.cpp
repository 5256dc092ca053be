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
  auto& entry = connections_[connection];
  entry.state = state;
  entry.detail = std::move(detail);
  publish(connection);
}

ConnectionState DeskHealth::state(const std::string& connection) const {
  auto it = connections_.find(connection);
  return it == connections_.end() ? ConnectionState::kConnecting : it->second.state;
}

void DeskHealth::store_failed(const std::string& what) {
  store_problem_ = what;
  store_gauge().set(0);
}

void DeskHealth::store_ok() {
  store_problem_.reset();
  store_gauge().set(1);
}

void DeskHealth::upkeep(int failed_attempts, std::chrono::milliseconds failing_for,
                        const std::string& error) {
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
  if (!reason().empty()) return "degraded";
  for (const auto& [name, entry] : connections_) {
    if (entry.state == ConnectionState::kConnecting) return "starting";
  }
  return "ok";
}

std::string DeskHealth::reason() const {
  if (store_problem_) return "store: " + *store_problem_;
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
  const unsigned code = store_problem_ ? 503 : 200;
  const std::string why = reason();
  const std::string_view target = request.target();
  const bool wants_json =
      target.find("format=json") != std::string_view::npos ||
      request[boost::beast::http::field::accept].find("application/json") != std::string_view::npos;
  if (wants_json) {
    json::object connections;
    for (const auto& [name, entry] : connections_) connections[name] = to_string(entry.state);
    json::object body{{"status", status()}};
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
  std::string text = why.empty() ? status() : "degraded: " + why;
  for (const auto& [name, entry] : connections_)
    text += fmt::format("\n{}: {}", name, to_string(entry.state));
  if (!instance_.empty())
    text += fmt::format("\ninstance: {}\nowned: {}", instance_, fmt::join(owned_, ", "));
  return http::text_response(code, text + "\n");
}

void DeskHealth::publish(const std::string& connection) const {
  auto& metrics = core::Metrics::global();
  const ConnectionState current = state(connection);
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
