// The store the configuration names: PostgreSQL when [storage] postgres is set, the SQLite
// file otherwise. Every command that reads or writes the desk's data opens it here.
#pragma once
#include <memory>

#include "app/config.h"
#include "store/store.h"

namespace topicdesk::app {

// Opens (and migrates) the store. For SQLite the file's folder is created when missing.
// Throws StoreError; its message names the database, never a password.
std::unique_ptr<store::Store> open_store(const StorageConfig& storage,
                                         store::OpenAs as = store::OpenAs::kDesk);

}  // namespace topicdesk::app
