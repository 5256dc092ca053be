// The Store backends the contract suite runs against. A PostgreSQL store joins by adding a
// Backend to all_backends() in store_backends.cpp; every test then runs on it too.
#pragma once
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "store/store.h"

namespace topicdesk::store::test_support {

struct Backend {
  std::string name;
  bool persistent = true;  // reopening the same location finds the data again
  // A fresh, empty database location, and how to open (or reopen) one.
  std::function<std::string()> new_location;
  std::function<std::unique_ptr<Store>(const std::string& location)> open;
  std::function<void(const std::string& location)> remove;
};

std::vector<Backend> all_backends();

inline void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

}  // namespace topicdesk::store::test_support
