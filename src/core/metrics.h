// Process-wide counters and gauges rendered in Prometheus text format at /metrics.
// Lock-free updates on hot paths; registration takes a mutex once per series.
#pragma once
#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>

namespace topicdesk::core {

class Metric {
 public:
  void add(double delta) {
    double cur = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(cur, cur + delta, std::memory_order_relaxed)) {
    }
  }
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Metrics {
 public:
  // `name` is the family (topicdesk_outbox_depth), `labels` the inside of {…} or empty
  // (connection="support"). The same name+labels always returns the same series.
  Metric& counter(std::string_view name, std::string_view help, std::string_view labels = {});
  Metric& gauge(std::string_view name, std::string_view help, std::string_view labels = {});
  std::string render_prometheus() const;

  static Metrics& global();

 private:
  struct Series {
    std::string name, help, type, labels;
    Metric metric;
  };
  Metric& get(std::string_view name, std::string_view help, std::string_view type, std::string_view labels);

  mutable std::mutex mutex_;
  std::deque<Series> series_;  // deque: references stay valid as series are added
};

}  // namespace topicdesk::core
