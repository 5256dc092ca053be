#include "core/metrics.h"

#include <fmt/format.h>

#include <set>

namespace topicdesk::core {

Metric& Metrics::counter(std::string_view name, std::string_view help, std::string_view labels) {
  return get(name, help, "counter", labels);
}

Metric& Metrics::gauge(std::string_view name, std::string_view help, std::string_view labels) {
  return get(name, help, "gauge", labels);
}

Metric& Metrics::get(std::string_view name, std::string_view help, std::string_view type,
                     std::string_view labels) {
  std::lock_guard lock(mutex_);
  for (auto& s : series_) {
    if (s.name == name && s.labels == labels) return s.metric;
  }
  auto& s = series_.emplace_back();
  s.name = name;
  s.help = help;
  s.type = type;
  s.labels = labels;
  return s.metric;
}

std::string Metrics::render_prometheus() const {
  std::lock_guard lock(mutex_);
  std::string out;
  std::set<std::string> described;
  for (const auto& s : series_) {
    if (described.insert(s.name).second) {
      out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", s.name, s.help, s.name, s.type);
      for (const auto& same : series_) {
        if (same.name != s.name) continue;
        if (same.labels.empty()) {
          out += fmt::format("{} {}\n", same.name, same.metric.value());
        } else {
          out += fmt::format("{}{{{}}} {}\n", same.name, same.labels, same.metric.value());
        }
      }
    }
  }
  return out;
}

Metrics& Metrics::global() {
  static Metrics metrics;
  return metrics;
}

}  // namespace topicdesk::core
