// telegram::BotApi over a TdClient: the user-side calls of an account (or mtproto) connection,
// so the dispatcher sends them unchanged. Answers are Bot API shaped: {"message_id":N} etc. in
// ApiResult.result. Errors carry their ErrorKind, classified from TDLib's own error (code and
// MTProto message, e.g. USER_IS_BLOCKED, TOPIC_DELETED), with a Bot API shaped error_code and
// description ("Bad Request: …") for logs and notices.
//
// Supported methods (ids are Bot API ids; TDLib's are converted):
//   sendMessage      {chat_id, text, entities?, message_thread_id?, reply_parameters?|reply_to_message_id?}
//                    → Message {message_id, chat:{id}, date, text}
//   copyMessage      {chat_id, from_chat_id, message_id, message_thread_id?, reply_parameters?}
//                    → {message_id}            (forwardMessages with send_copy)
//   copyMessages     {chat_id, from_chat_id, message_ids, message_thread_id?} → [{message_id}…]
//                    A copy "to" a channel is a comment on the replied-to post in the channel's
//                    discussion group (getMessageThread); no reply, or no discussion group: a
//                    bad request saying so. The answer's ids are then the discussion group's.
//   editMessageText  {chat_id, message_id, text, entities?}        → Message
//   editMessageCaption {chat_id, message_id, caption, caption_entities?} → Message
//   deleteMessage    {chat_id, message_id}                         → true
//   setMessageReaction {chat_id, message_id, reaction:[{type:"emoji", emoji}…]} → true: the
//                    account's chosen reactions become these (getMessage, then
//                    removeMessageReaction / addMessageReaction for the difference); [] clears.
//                    A bot's session (mtproto) sends setMessageReactions, TDLib's bots-only form.
//   getMe            → User;   getChat {chat_id} → Chat {id, type, title|first_name…}
//   resolveUser      {username} | {phone}  (topicdesk's own, for /new) → User; also opens the
//                    private chat so sendMessage to the user works
//   postStory        {from_chat_id, message_id, caption?, user_ids} (topicdesk's own, for /story)
//                    → {story_id}: the message's photo or video posted as the account's story,
//                    visible to user_ids only; a message without one is a bad request
// Anything else: 404 "Not Found: method not found". A send counts as done only when TDLib
// reports updateMessageSendSucceeded (the final id); updateMessageSendFailed maps its error.
// No answer in time → error_code 0 (a network error: the dispatcher retries).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "telegram/bot_api.h"
#include "telegram/tdlib/td_client.h"

namespace topicdesk::telegram::tdlib {

// TDLib error {code, message} → ErrorKind, plus Bot API error_code / description / retry_after.
ApiResult api_error_from_td(const boost::json::object& error);

struct TdFrontendOptions {
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds send_timeout{std::chrono::seconds(60)};  // until SendSucceeded
  bool bot_session = false;  // signed in as a bot (mtproto), not as a personal account
};

class TdFrontendApi : public BotApi {
 public:
  // `client` must outlive this object; runs on the client's executor.
  explicit TdFrontendApi(TdClient& client, TdFrontendOptions options = {});
  ~TdFrontendApi() override;
  TdFrontendApi(const TdFrontendApi&) = delete;
  TdFrontendApi& operator=(const TdFrontendApi&) = delete;

  boost::asio::awaitable<ApiResult> call(std::string method, boost::json::object params) override;
  // Files the desk makes (reports, exports) go to the backend group through the desk's bot; a
  // session never uploads them: the answer is a bad request that says so.
  boost::asio::awaitable<ApiResult> upload(std::string method, boost::json::object params,
                                           InputFile file) override;

  struct SendTracker;  // pending sends: (chat, temporary id) → final message or error

 private:
  boost::asio::awaitable<ApiResult> send_message(boost::json::object params);
  boost::asio::awaitable<ApiResult> copy_messages(boost::json::object params, bool single);
  boost::asio::awaitable<ApiResult> edit_message(boost::json::object params, bool caption);
  boost::asio::awaitable<ApiResult> delete_message(boost::json::object params);
  boost::asio::awaitable<ApiResult> set_reaction(boost::json::object params);
  boost::asio::awaitable<ApiResult> get_me();
  boost::asio::awaitable<ApiResult> get_chat(boost::json::object params);
  boost::asio::awaitable<ApiResult> resolve_user(boost::json::object params);
  boost::asio::awaitable<ApiResult> post_story(boost::json::object params);
  // TDLib must know a chat before sending to it (createPrivateChat / getChat once per chat).
  boost::asio::awaitable<ApiResult> ensure_chat_known(std::int64_t chat_id);
  boost::asio::awaitable<ApiResult> comment_target(std::int64_t channel_id, std::int64_t reply);
  // The final messages of pending ones, in order; ApiResult.result is an array of messages.
  boost::asio::awaitable<ApiResult> await_sent(std::int64_t chat_id, boost::json::array pending);

  TdClient& client_;
  TdFrontendOptions options_;
  int update_handler_ = 0;
  std::unique_ptr<SendTracker> tracker_;
  std::set<std::int64_t> channels_;  // chats getChat described as channels
};

}  // namespace topicdesk::telegram::tdlib
