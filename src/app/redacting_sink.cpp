#include "app/redacting_sink.h"

#include "telegram/redact.h"

namespace topicdesk::app {

void RedactingSink::sink_it_(const spdlog::details::log_msg& msg) {
  const std::string text = telegram::redact_secrets(std::string_view(msg.payload.data(), msg.payload.size()));
  spdlog::details::log_msg redacted(msg.time, msg.source, msg.logger_name, msg.level, text);
  redacted.thread_id = msg.thread_id;
  inner_->log(redacted);
}

}  // namespace topicdesk::app
