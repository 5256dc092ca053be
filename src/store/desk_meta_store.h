// Facts about this desk's installation, kept in its database.
#pragma once
#include <string>

namespace topicdesk::store {

class DeskMetaStore {
 public:
  virtual ~DeskMetaStore() = default;
  // This installation's secret: 32 random bytes from a cryptographic generator, as 64
  // lowercase hex characters. Created on first use and stored, so it is the same after a
  // restart and different for every database. Keys HMACs (e.g. pseudonyms); never shown.
  virtual std::string install_secret() = 0;
};

}  // namespace topicdesk::store
