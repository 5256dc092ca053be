// The Bot API front: routes /bot<token>/<method>, checks the token, applies flood limits and
// calls the model. Answers have Telegram's JSON shape and HTTP status == error_code.
// Transport-free: the HTTP server hands in path, query, content type and body.
#pragma once
#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "sim/botapi/params.h"
#include "sim/botapi/stats.h"
#include "sim/model/flood_limiter.h"
#include "sim/model/world.h"

namespace tgsim::botapi {

struct Reply {
  int status = 200;
  std::string body;
  int retry_after = 0;  // adds a Retry-After header when > 0
  std::string content_type = "application/json";
};

Reply error_reply(const ApiError& error);
Reply ok_reply(const boost::json::value& result);

struct Call {
  const model::Account* bot = nullptr;
  std::string method;  // lower case, as methods are case-insensitive
  Params params;
};

class BotApi;
using Handler = Result<boost::json::value> (BotApi::*)(const model::Account&, const Params&);

class BotApi {
 public:
  struct Hooks {
    std::function<void(Id bot_id)> webhook_changed;
  };

  BotApi(model::World& world, model::FloodLimiter& limiter, Stats& stats, bool limits_on)
      : world_(world), limiter_(limiter), stats_(stats), limits_on_(limits_on) {}
  void set_hooks(Hooks hooks) { hooks_ = std::move(hooks); }
  bool limits_on() const { return limits_on_; }
  // POST /sim/limits: Telegram's limits switched on or off while running (a benchmark seeds
  // many users without them, then measures with them).
  void set_limits_on(bool on) { limits_on_ = on; }
  model::FloodLimiter& limiter() { return limiter_; }

  // Path is "/bot<token>/<method>". An error is a finished answer (401, 404, 413).
  Result<Call> route(std::string_view path, std::string_view query, std::string_view content_type,
                     std::string_view body) const;
  // Runs any method but getUpdates (which waits; see begin_poll/poll).
  Reply execute(const Call& call);
  // GET /file/bot<token>/<file_path>.
  Reply download(std::string_view path) const;
  // Records one answered call in the statistics.
  void count(const Call& call, int status);
  // How many messages the call creates if it succeeds (what the flood limits count: 1 for a
  // send, copy, forward or new topic; one per id of copyMessages/forwardMessages and per item
  // of sendMediaGroup); 0 for methods that create none.
  static int messages_created(const Call& call);
  static std::string_view canonical_name(std::string_view lower_method);

  struct Poll {
    std::int64_t offset = 0;
    int limit = 100;
    int timeout_s = 0;
  };
  // Validates a getUpdates call (webhook conflict, allowed_updates) and confirms its offset.
  Result<Poll> begin_poll(const Call& call);
  // The answer if updates are waiting or `last_chance`; nullopt: nothing yet, keep waiting.
  std::optional<Reply> poll(const Call& call, const Poll& poll, bool last_chance);

  // Runs the method a webhook answer carried ({"method": ..., ...}); the result is dropped.
  void execute_webhook_reply(Id bot_id, const boost::json::object& body);

  // Handlers, one per method (public so the dispatch table can name them).
  Result<boost::json::value> get_me(const model::Account&, const Params&);
  Result<boost::json::value> set_webhook(const model::Account&, const Params&);
  Result<boost::json::value> delete_webhook(const model::Account&, const Params&);
  Result<boost::json::value> get_webhook_info(const model::Account&, const Params&);
  Result<boost::json::value> send_message(const model::Account&, const Params&);
  Result<boost::json::value> send_photo(const model::Account&, const Params&);
  Result<boost::json::value> send_document(const model::Account&, const Params&);
  Result<boost::json::value> send_video(const model::Account&, const Params&);
  Result<boost::json::value> send_voice(const model::Account&, const Params&);
  Result<boost::json::value> send_audio(const model::Account&, const Params&);
  Result<boost::json::value> send_sticker(const model::Account&, const Params&);
  Result<boost::json::value> send_animation(const model::Account&, const Params&);
  Result<boost::json::value> send_video_note(const model::Account&, const Params&);
  Result<boost::json::value> send_location(const model::Account&, const Params&);
  Result<boost::json::value> send_venue(const model::Account&, const Params&);
  Result<boost::json::value> send_contact(const model::Account&, const Params&);
  Result<boost::json::value> send_poll(const model::Account&, const Params&);
  Result<boost::json::value> send_dice(const model::Account&, const Params&);
  Result<boost::json::value> send_media_group(const model::Account&, const Params&);
  Result<boost::json::value> copy_message(const model::Account&, const Params&);
  Result<boost::json::value> copy_messages(const model::Account&, const Params&);
  Result<boost::json::value> forward_message(const model::Account&, const Params&);
  Result<boost::json::value> forward_messages(const model::Account&, const Params&);
  Result<boost::json::value> edit_message_text(const model::Account&, const Params&);
  Result<boost::json::value> edit_message_caption(const model::Account&, const Params&);
  Result<boost::json::value> edit_message_media(const model::Account&, const Params&);
  Result<boost::json::value> edit_message_reply_markup(const model::Account&, const Params&);
  Result<boost::json::value> delete_message(const model::Account&, const Params&);
  Result<boost::json::value> set_message_reaction(const model::Account&, const Params&);
  Result<boost::json::value> get_chat(const model::Account&, const Params&);
  Result<boost::json::value> get_chat_member(const model::Account&, const Params&);
  Result<boost::json::value> get_chat_administrators(const model::Account&, const Params&);
  Result<boost::json::value> get_file(const model::Account&, const Params&);
  Result<boost::json::value> create_forum_topic(const model::Account&, const Params&);
  Result<boost::json::value> edit_forum_topic(const model::Account&, const Params&);
  Result<boost::json::value> close_forum_topic(const model::Account&, const Params&);
  Result<boost::json::value> reopen_forum_topic(const model::Account&, const Params&);
  Result<boost::json::value> delete_forum_topic(const model::Account&, const Params&);
  Result<boost::json::value> send_chat_action(const model::Account&, const Params&);
  Result<boost::json::value> ban_chat_member(const model::Account&, const Params&);
  Result<boost::json::value> unban_chat_member(const model::Account&, const Params&);
  Result<boost::json::value> answer_callback_query(const model::Account&, const Params&);
  Result<boost::json::value> set_my_commands(const model::Account&, const Params&);
  Result<boost::json::value> get_my_commands(const model::Account&, const Params&);
  Result<boost::json::value> delete_my_commands(const model::Account&, const Params&);
  Result<boost::json::value> get_forum_topic_icon_stickers(const model::Account&, const Params&);
  // Payments: payments.cpp
  Result<boost::json::value> send_invoice(const model::Account&, const Params&);
  Result<boost::json::value> answer_pre_checkout_query(const model::Account&, const Params&);
  Result<boost::json::value> refund_star_payment(const model::Account&, const Params&);

 private:
  Reply run(const Call& call);
  Result<boost::json::value> send_media(const model::Account& bot, const Params& p, std::string_view kind);
  Result<boost::json::value> send_content(const model::Account& bot, const Params& p,
                                          boost::json::object content);
  Result<boost::json::value> set_topic_closed(const model::Account& bot, const Params& p, bool closed);
  Result<model::Chat*> chat(const model::Account& bot, const Params& p, std::string_view name = "chat_id");
  Result<model::MessageInput> message_input(const Params& p);
  Result<const model::File*> input_file(const Params& p, std::string_view name, std::string_view kind);
  Result<boost::json::object> caption(const Params& p, std::string_view prefix = "");
  Result<boost::json::value> send_copies(const model::Account& bot, const Params& p, bool forward, bool many);

  model::World& world_;
  model::FloodLimiter& limiter_;
  Stats& stats_;
  bool limits_on_;
  Hooks hooks_;
};

}  // namespace tgsim::botapi
