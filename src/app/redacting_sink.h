// The one place that keeps secrets out of the log: every line passes through
// telegram::redact_secrets (bot tokens, URL credentials, secret query values, API keys,
// registered secrets) before the sink it wraps writes it, whatever a call site forgot.
#pragma once
#include <spdlog/sinks/base_sink.h>

#include <memory>
#include <mutex>
#include <string>

namespace topicdesk::app {

class RedactingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit RedactingSink(spdlog::sink_ptr inner) : inner_(std::move(inner)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override { inner_->flush(); }
  // The pattern is the wrapped sink's: it formats (and colours) the line.
  void set_pattern_(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  spdlog::sink_ptr inner_;
};

}  // namespace topicdesk::app
