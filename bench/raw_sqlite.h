// The raw SQLite baseline of the ledger benchmark: what an earn costs when a minimal program
// issues the ledger's SQL statements itself, with no ledger, store or committer in between.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "bench_result.h"

namespace candor::bench {

struct RawOptions {
    std::string db_path;  // a Candor database with members 1..members enrolled
    std::int64_t members = 0;
    std::size_t earns_max = 200'000;  // stop after this many earns...
    double seconds_max = 10;          // ...or after this long, whichever comes first
    std::size_t earns_per_commit = 1000;
    std::size_t body_bytes = 100;  // size of an encoded earn entry
    std::uint64_t seed = 1;
};

// Issues, for each earn, the statements of SqliteStore that Ledger::Execute(Earn) runs:
// idempotency lookup, member check, next entry id, a load and a store of four balances (the
// member's points and status, and one shard each of issued:points and issued:status), the
// entry, four postings, the lot and the idempotency record. Prepared statements, WAL,
// synchronous = FULL, earns_per_commit earns per transaction. Latency is per transaction.
RunResult RunRawSqlite(const RawOptions& options);

}  // namespace candor::bench
