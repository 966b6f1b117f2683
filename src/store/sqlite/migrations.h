// The SQLite migrations, embedded from sql/NNNN_*.sql at build time, in order.
// Released migrations are never edited: a schema change is a new file.
#pragma once

#include <string_view>
#include <vector>

namespace candor::store::sqlite {

struct EmbeddedFile {
    std::string_view name;
    std::string_view content;
};

const std::vector<EmbeddedFile>& Migrations();

}  // namespace candor::store::sqlite
