// The control API under /sim/ (a contract, see sim/README.md): tests, demos and
// the playground create people, bots and groups, act as people, inspect what each side
// sees and inject faults. JSON in, JSON out; errors in the Bot API's shape.
#pragma once
#include <boost/json/object.hpp>
#include <functional>
#include <string_view>

#include "sim/botapi/bot_api.h"
#include "sim/botapi/call_log.h"
#include "sim/botapi/faults.h"
#include "sim/botapi/stats.h"
#include "sim/model/world.h"
#include "sim/td/sessions.h"

namespace tgsim::control {

// The URL-decoded value of `name` in a query string; empty if absent.
std::string query_value(std::string_view query, std::string_view name);

class ControlApi {
 public:
  ControlApi(model::World& world, botapi::Faults& faults, botapi::Stats& stats, botapi::BotApi& bot_api)
      : world_(world), faults_(faults), stats_(stats), bot_api_(bot_api) {}

  // Extra figures the transport knows (waiting long polls), merged into GET /sim/stats.
  void set_server_stats(std::function<boost::json::object()> provider) {
    server_stats_ = std::move(provider);
  }

  // The answered Bot API calls the server keeps (GET /sim/calls).
  void set_call_log(const botapi::CallLog* calls) { calls_ = calls; }

  // The MTProto sessions of the fake libtdjson (login codes, QR, listing and revoking).
  void set_sessions(td::Sessions* sessions) { sessions_ = sessions; }

  botapi::Reply handle(std::string_view method, std::string_view path, std::string_view query,
                       std::string_view body);

 private:
  using Body = boost::json::object;
  Result<boost::json::value> post(std::string_view path, const Body& body);
  Result<boost::json::value> get(std::string_view path, std::string_view query);

  Result<boost::json::value> create_user(const Body& body);
  Result<boost::json::value> create_bot(const Body& body);
  Result<boost::json::value> create_group(const Body& body);
  Result<boost::json::value> create_channel(const Body& body);
  Result<boost::json::value> add_member(Id group_id, const Body& body);
  Result<boost::json::value> send_message(const Body& body);
  Result<boost::json::value> edit_message(const Body& body);
  Result<boost::json::value> delete_message(const Body& body);
  Result<boost::json::value> react(const Body& body);
  Result<boost::json::value> block(const Body& body, bool blocked);
  Result<boost::json::value> set_limits(const Body& body);
  Result<boost::json::value> create_topic(const Body& body);
  Result<boost::json::value> delete_topic(const Body& body);
  Result<boost::json::value> set_topic_closed(const Body& body, bool closed);
  Result<boost::json::value> press_button(const Body& body);
  Result<boost::json::value> start_group(const Body& body);
  Result<boost::json::value> pay(const Body& body);
  Result<boost::json::value> payment(const std::string& query_id);
  Result<boost::json::value> add_fault(const Body& body);
  Result<boost::json::value> messages(Id chat_id, std::string_view query);
  Result<boost::json::value> topics(Id group_id);
  Result<boost::json::value> login_code(std::string_view query);
  Result<boost::json::value> confirm_qr(const Body& body);
  Result<boost::json::value> list_sessions(std::string_view query);
  Result<boost::json::value> list_stories(std::string_view query);
  Result<boost::json::value> revoke_session(const Body& body);
  Result<boost::json::value> advance_clock(const Body& body);
  boost::json::value stats() const;
  Result<boost::json::value> calls(std::string_view query) const;
  boost::json::value overview() const;

  Result<model::Chat*> chat_of(Id person, Id chat_id);
  // {from, chat_id, message_id} of a request that acts on one message, resolved.
  struct MessageTarget {
    Id from = 0;
    model::Chat* chat = nullptr;
    Id message_id = 0;
  };
  Result<MessageTarget> message_target(const Body& body);
  Result<boost::json::object> content_of(const Body& body);

  model::World& world_;
  botapi::Faults& faults_;
  botapi::Stats& stats_;
  botapi::BotApi& bot_api_;
  std::function<boost::json::object()> server_stats_;
  td::Sessions* sessions_ = nullptr;
  const botapi::CallLog* calls_ = nullptr;
};

}  // namespace tgsim::control
