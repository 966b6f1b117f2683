#include "store/store.h"

#include <fmt/format.h>

#include "store/sqlite/sqlite_store.h"

namespace candor::store {

Result<std::unique_ptr<Store>> Open(std::string_view url, const OpenOptions& options) {
    constexpr std::string_view kSqlitePrefix = "sqlite:";
    if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "the PostgreSQL backend is not built yet; use sqlite:PATH");
    }
    if (url.starts_with(kSqlitePrefix)) {
        url.remove_prefix(kSqlitePrefix.size());
    }
    if (url.empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "database path is empty");
    }
    return sqlite::OpenSqliteStore(std::string(url), options);
}

}  // namespace candor::store
