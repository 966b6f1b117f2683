// The SQLite backend of store::Store: one connection, WAL mode, synchronous=FULL by default.
// Private to the store module; other modules reach it through store::Open.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace candor::store::sqlite {

// Opens or creates the database at `path` (":memory:" for a private in-memory database),
// checks that it is a Candor database of a schema this build understands, and applies
// pending migrations. Errors: kForeignDatabase, kCorruptDatabase, kSchemaTooNew, kStorage.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const OpenOptions& options);

// The schema version this build writes.
int LatestSchemaVersion();

}  // namespace candor::store::sqlite
