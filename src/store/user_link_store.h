// What operators attach to a user: a linked external account (/link) and custom fields
// (/set key=value), per connection.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::UserId;

// One custom field of one user.
struct UserField {
  UserId user_id = 0;
  std::string key;
  std::string value;
};

class UserLinkStore {
 public:
  virtual ~UserLinkStore() = default;
  // An external account id per user; several users may share one. Setting "" clears it.
  virtual std::optional<std::string> user_link(ConnectionId id, UserId user_id) = 0;
  virtual void set_user_link(ConnectionId id, UserId user_id, const std::string& account) = 0;
  // Custom fields ordered by key; setting a value "" deletes the field.
  virtual std::vector<std::pair<std::string, std::string>> user_fields(ConnectionId id, UserId user_id) = 0;
  virtual void set_user_field(ConnectionId id, UserId user_id, const std::string& key,
                              const std::string& value) = 0;
  // Every custom field of every user of the connection, ordered by user, then key: one read for
  // what segments match over all users.
  virtual std::vector<UserField> connection_user_fields(ConnectionId id) = 0;
};

}  // namespace topicdesk::store
