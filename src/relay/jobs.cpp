#include "relay/jobs.h"

#include <openssl/evp.h>

#include <boost/json.hpp>

#include "i18n/catalog.h"

namespace topicdesk::relay {
namespace json = boost::json;

// Documents may be any bytes; JSON strings must be UTF-8.
std::string to_base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> from_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::string payload_to_json(const JobPayload& p) {
  json::object o;
  if (p.dialog != 0) o["dialog"] = p.dialog;
  o["to"] = p.to == Side::kGroup ? "group" : "user";
  if (p.message_id != 0) o["message_id"] = p.message_id;
  if (!p.message_ids.empty()) {
    json::array ids;
    for (auto id : p.message_ids) ids.push_back(id);
    o["message_ids"] = std::move(ids);
  }
  if (p.reply_to != 0) o["reply_to"] = p.reply_to;
  if (p.chat != 0) o["chat"] = p.chat;
  if (p.thread != 0) o["thread"] = p.thread;
  if (!p.text.empty()) o["text"] = p.text;
  if (!p.entities_json.empty()) o["entities"] = p.entities_json;
  if (!p.reactions.empty()) {
    json::array reactions;
    for (const auto& r : p.reactions) reactions.emplace_back(r);
    o["reactions"] = std::move(reactions);
  }
  if (!p.user_ids.empty()) {
    json::array users;
    for (auto id : p.user_ids) users.push_back(id);
    o["user_ids"] = std::move(users);
  }
  if (p.operator_message) o["operator_message"] = true;
  if (!p.card.empty()) o["card"] = p.card;
  if (!p.document_name.empty()) o["document_name"] = p.document_name;
  if (!p.document.empty()) o["document"] = to_base64(p.document);
  if (p.at != 0) o["at"] = p.at;
  if (p.quote_position >= 0) o["quote_position"] = p.quote_position;
  return json::serialize(o);
}

namespace {

core::Result<std::int64_t> read_int(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return std::int64_t{0};
  if (const auto* i = v->if_int64()) return *i;
  return core::make_error("job payload: " + std::string(key) + " must be an integer");
}

}  // namespace

core::Result<JobPayload> payload_from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) return core::make_error("job payload is not a JSON object");
  const auto& o = value.get_object();
  JobPayload p;
  for (auto [key, field] : {std::pair{"dialog", &p.dialog}, std::pair{"message_id", &p.message_id},
                            std::pair{"reply_to", &p.reply_to}, std::pair{"thread", &p.thread},
                            std::pair{"chat", &p.chat}, std::pair{"at", &p.at}}) {
    auto read = read_int(o, key);
    if (!read) return read.error();
    *field = *read;
  }
  if (const auto* to = o.if_contains("to"); to && to->is_string()) {
    p.to = to->get_string() == "user" ? Side::kUser : Side::kGroup;
  }
  if (const auto* ids = o.if_contains("message_ids"); ids && ids->is_array()) {
    for (const auto& id : ids->get_array()) {
      if (!id.is_int64()) return core::make_error("job payload: message_ids must be integers");
      p.message_ids.push_back(id.get_int64());
    }
  }
  if (const auto* ids = o.if_contains("user_ids"); ids && ids->is_array()) {
    for (const auto& id : ids->get_array()) {
      if (!id.is_int64()) return core::make_error("job payload: user_ids must be integers");
      p.user_ids.push_back(id.get_int64());
    }
  }
  if (const auto* q = o.if_contains("quote_position"); q && q->is_int64()) p.quote_position = q->get_int64();
  if (const auto* t = o.if_contains("text"); t && t->is_string()) p.text = std::string(t->get_string());
  if (const auto* t = o.if_contains("entities"); t && t->is_string())
    p.entities_json = std::string(t->get_string());
  if (const auto* rs = o.if_contains("reactions"); rs && rs->is_array()) {
    for (const auto& r : rs->get_array()) {
      if (r.is_string()) p.reactions.emplace_back(r.get_string());
    }
  }
  if (const auto* om = o.if_contains("operator_message"); om && om->is_bool())
    p.operator_message = om->get_bool();
  if (const auto* c = o.if_contains("card"); c && c->is_string()) p.card = std::string(c->get_string());
  if (const auto* n = o.if_contains("document_name"); n && n->is_string())
    p.document_name = std::string(n->get_string());
  if (const auto* d = o.if_contains("document"); d && d->is_string()) {
    auto bytes = from_base64(d->get_string());
    if (!bytes) return core::make_error("job payload: document must be base64");
    p.document = std::move(*bytes);
  }
  return p;
}

std::string queue_key(core::ConnectionId connection, const JobPayload& payload) {
  if (payload.dialog == 0 && payload.to == Side::kUser) {
    return "c" + std::to_string(connection) + ":u" + std::to_string(payload.chat);
  }
  if (payload.dialog == 0) return "c" + std::to_string(connection) + ":general";
  return "d" + std::to_string(payload.dialog) + (payload.to == Side::kGroup ? ":g" : ":u");
}

std::string title_queue_key(core::DialogId dialog) { return "d" + std::to_string(dialog) + ":title"; }

bool is_title_queue(std::string_view queue_key) { return queue_key.ends_with(":title"); }

std::string pre_checkout_queue_key(core::ConnectionId connection, std::string_view query_id) {
  return "c" + std::to_string(connection) + ":pcq:" + std::string(query_id);
}

std::int64_t delivery_update_id(std::int64_t job_id, bool repeated) {
  return kDeliveryUpdateBase | (job_id << 1) | (repeated ? 1 : 0);
}

namespace delivery_notice {

std::string repeated_marker(std::string_view lang) { return i18n::text(lang, "notices.repeated_marker"); }

std::string sent_to_user_again(std::string_view lang) {
  return i18n::text(lang, "notices.sent_to_user_again");
}

std::string album_posted_again(std::string_view lang) {
  return i18n::text(lang, "notices.album_posted_again");
}

std::string not_sent_again(std::string_view lang) { return i18n::text(lang, "notices.not_sent_again"); }

}  // namespace delivery_notice

store::OutboxJob make_job(core::ConnectionId connection, std::string_view kind, const JobPayload& payload,
                          int priority, core::UnixMillis now) {
  store::OutboxJob job;
  job.connection_id = connection;
  job.queue_key = queue_key(connection, payload);
  job.priority = priority;
  job.kind = std::string(kind);
  job.payload = payload_to_json(payload);
  job.not_before = 0;
  job.created_at = now;
  return job;
}

}  // namespace topicdesk::relay
