#include "raw_sqlite.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <array>
#include <chrono>
#include <string_view>
#include <vector>

#include "core/random.h"

namespace candor::bench {
namespace {

// The statements exactly as src/store/sqlite/sqlite_store.cc writes them.
enum Sql : std::size_t {
    kBegin,
    kCommit,
    kFindIdempotency,
    kLoadBalance,
    kStoreBalance,
    kNextEntryId,
    kInsertEntry,
    kInsertPosting,
    kInsertLot,
    kInsertIdempotency,
    kSqlCount,
};

constexpr std::array<const char*, kSqlCount> kSqlText = {
    "BEGIN IMMEDIATE",
    "COMMIT",
    "SELECT client_id, key, fingerprint, result_id, created_at FROM idempotency "
    "WHERE client_id = ?1 AND key = ?2",
    "SELECT balance FROM balances WHERE account_id = ?1 AND shard = ?2",
    "UPDATE balances SET balance = ?3 WHERE account_id = ?1 AND shard = ?2",
    "SELECT COALESCE(MAX(id), 0) + 1 FROM entries",
    "INSERT INTO entries (id, kind, created_at, reference, body, leaf_hash) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    "INSERT INTO postings (account_id, entry_id, leg, asset, amount) VALUES (?1, ?2, ?3, ?4, ?5)",
    "INSERT INTO lots (account_id, entry_id, amount, remaining, expires_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)",
    "INSERT INTO idempotency (client_id, key, fingerprint, result_id, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
};

// The same as the store's, so that both sides run with the same cache.
constexpr std::array<const char*, 5> kPragmas = {
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA cache_size = -65536",
    "PRAGMA temp_store = MEMORY",
};

constexpr std::int64_t kAssetPoints = 1;
constexpr std::int64_t kAssetStatus = 2;
constexpr std::int64_t kEntryKindEarn = 1;
constexpr std::int64_t kMemberPointsSlot = 0;
constexpr std::int64_t kMemberStatusSlot = 2;
constexpr std::int64_t kPointsLifetimeUs = 365LL * 24 * 3600 * 1'000'000;

struct SystemAccount {
    std::int64_t id = 0;
    std::int64_t shards = 1;
};

class RawEarner {
public:
    explicit RawEarner(const RawOptions& options) : options_(options), random_(options.seed) {}

    RawEarner(const RawEarner&) = delete;
    RawEarner& operator=(const RawEarner&) = delete;

    ~RawEarner() {
        for (sqlite3_stmt* stmt : statements_) {
            sqlite3_finalize(stmt);
        }
        sqlite3_close(db_);
    }

    // Opens the database and prepares the statements; an error message, or "" when ready.
    std::string Open() {
        if (sqlite3_open_v2(options_.db_path.c_str(),
                            &db_,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                            nullptr) != SQLITE_OK) {
            return Failure("open");
        }
        for (const char* pragma : kPragmas) {
            if (sqlite3_exec(db_, pragma, nullptr, nullptr, nullptr) != SQLITE_OK) {
                return Failure(pragma);
            }
        }
        for (std::size_t i = 0; i < kSqlCount; ++i) {
            if (sqlite3_prepare_v3(db_,
                                   kSqlText.at(i),
                                   -1,
                                   SQLITE_PREPARE_PERSISTENT,
                                   &statements_.at(i),
                                   nullptr) != SQLITE_OK) {
                return Failure(kSqlText.at(i));
            }
        }
        if (!FindSystemAccount("issued:points", &issued_points_) ||
            !FindSystemAccount("issued:status", &issued_status_)) {
            return "the database has no issued accounts; is it a set-up Candor database?";
        }
        body_.resize(options_.body_bytes);
        for (std::uint8_t& byte : body_) {
            byte = static_cast<std::uint8_t>(random_.Next());
        }
        for (std::uint8_t& byte : hash_) {
            byte = static_cast<std::uint8_t>(random_.Next());
        }
        return "";
    }

    // One transaction of `count` earns; false (with error_ set) when a statement fails.
    bool RunTransaction(std::size_t count, std::int64_t now_us) {
        if (!Done(kBegin)) {
            return false;
        }
        for (std::size_t i = 0; i < count; ++i) {
            if (!Earn(now_us)) {
                sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
                return false;
            }
        }
        return Done(kCommit);
    }

    const std::string& error() const { return error_; }

private:
    struct Leg {
        std::int64_t account = 0;
        std::int64_t shard = 0;
        std::int64_t asset = 0;
        std::int64_t amount = 0;
    };

    // The reads and balance updates of one earn, then its inserts.
    bool Earn(std::int64_t now_us) {
        const std::string key = fmt::format("raw-{}", next_key_++);
        const auto member = static_cast<std::int64_t>(
            1 + random_.Below(static_cast<std::uint64_t>(options_.members)));
        const std::int64_t points = random_.Between(1, 500);
        const std::int64_t status = random_.Between(1, 100);
        const std::int64_t member_points = member * 16 + kMemberPointsSlot;

        // Idempotency lookup, then the member check (its points balance row exists).
        sqlite3_stmt* find = Use(kFindIdempotency);
        sqlite3_bind_text(find, 1, "bench", -1, SQLITE_STATIC);
        sqlite3_bind_text(find, 2, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
        if (!Done(find)) {
            return false;
        }
        std::int64_t balance = 0;
        if (!LoadBalance(member_points, 0, &balance)) {
            return false;
        }
        sqlite3_stmt* next = Use(kNextEntryId);
        if (sqlite3_step(next) != SQLITE_ROW) {
            return Fail(next);
        }
        const std::int64_t entry = sqlite3_column_int64(next, 0);
        sqlite3_reset(next);

        // Postings in the ledger's order: member legs first, then the issued accounts' shards.
        const std::array<Leg, 4> legs = {{
            {member_points, 0, kAssetPoints, points},
            {member * 16 + kMemberStatusSlot, 0, kAssetStatus, status},
            {issued_points_.id, entry % issued_points_.shards, kAssetPoints, -points},
            {issued_status_.id, entry % issued_status_.shards, kAssetStatus, -status},
        }};
        for (const Leg& leg : legs) {
            if (!LoadBalance(leg.account, leg.shard, &balance) ||
                !StoreBalance(leg.account, leg.shard, balance + leg.amount)) {
                return false;
            }
        }
        return InsertEntry(entry, legs, now_us) &&
               InsertLot(member_points, entry, points, now_us) && InsertRecord(key, entry, now_us);
    }

    bool InsertEntry(std::int64_t entry, const std::array<Leg, 4>& legs, std::int64_t now_us) {
        sqlite3_stmt* insert = Use(kInsertEntry);
        sqlite3_bind_int64(insert, 1, entry);
        sqlite3_bind_int64(insert, 2, kEntryKindEarn);
        sqlite3_bind_int64(insert, 3, now_us);
        sqlite3_bind_int64(insert, 4, 0);
        sqlite3_bind_blob(insert, 5, body_.data(), static_cast<int>(body_.size()), SQLITE_STATIC);
        sqlite3_bind_blob(insert, 6, hash_.data(), static_cast<int>(hash_.size()), SQLITE_STATIC);
        if (!Done(insert)) {
            return false;
        }
        for (std::size_t i = 0; i < legs.size(); ++i) {
            sqlite3_stmt* posting = Use(kInsertPosting);
            sqlite3_bind_int64(posting, 1, legs.at(i).account);
            sqlite3_bind_int64(posting, 2, entry);
            sqlite3_bind_int64(posting, 3, static_cast<std::int64_t>(i));
            sqlite3_bind_int64(posting, 4, legs.at(i).asset);
            sqlite3_bind_int64(posting, 5, legs.at(i).amount);
            if (!Done(posting)) {
                return false;
            }
        }
        return true;
    }

    bool InsertLot(std::int64_t account,
                   std::int64_t entry,
                   std::int64_t points,
                   std::int64_t now_us) {
        sqlite3_stmt* lot = Use(kInsertLot);
        sqlite3_bind_int64(lot, 1, account);
        sqlite3_bind_int64(lot, 2, entry);
        sqlite3_bind_int64(lot, 3, points);
        sqlite3_bind_int64(lot, 4, points);
        sqlite3_bind_int64(lot, 5, now_us + kPointsLifetimeUs);
        return Done(lot);
    }

    bool InsertRecord(const std::string& key, std::int64_t entry, std::int64_t now_us) {
        sqlite3_stmt* record = Use(kInsertIdempotency);
        sqlite3_bind_text(record, 1, "bench", -1, SQLITE_STATIC);
        sqlite3_bind_text(record, 2, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
        sqlite3_bind_blob(record, 3, hash_.data(), static_cast<int>(hash_.size()), SQLITE_STATIC);
        sqlite3_bind_int64(record, 4, entry);
        sqlite3_bind_int64(record, 5, now_us);
        return Done(record);
    }

    bool LoadBalance(std::int64_t account, std::int64_t shard, std::int64_t* balance) {
        sqlite3_stmt* load = Use(kLoadBalance);
        sqlite3_bind_int64(load, 1, account);
        sqlite3_bind_int64(load, 2, shard);
        if (sqlite3_step(load) != SQLITE_ROW) {
            error_ = fmt::format("no balance row for account {} shard {}", account, shard);
            sqlite3_reset(load);
            return false;
        }
        *balance = sqlite3_column_int64(load, 0);
        sqlite3_reset(load);
        return true;
    }

    bool StoreBalance(std::int64_t account, std::int64_t shard, std::int64_t balance) {
        sqlite3_stmt* store = Use(kStoreBalance);
        sqlite3_bind_int64(store, 1, account);
        sqlite3_bind_int64(store, 2, shard);
        sqlite3_bind_int64(store, 3, balance);
        return Done(store);
    }

    bool FindSystemAccount(const char* code, SystemAccount* account) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db_,
                               "SELECT id, shards FROM system_accounts WHERE code = ?1",
                               -1,
                               &stmt,
                               nullptr) != SQLITE_OK) {
            return false;
        }
        sqlite3_bind_text(stmt, 1, code, -1, SQLITE_STATIC);
        const bool found = sqlite3_step(stmt) == SQLITE_ROW;
        if (found) {
            account->id = sqlite3_column_int64(stmt, 0);
            account->shards = sqlite3_column_int64(stmt, 1);
        }
        sqlite3_finalize(stmt);
        return found;
    }

    sqlite3_stmt* Use(Sql sql) { return statements_.at(sql); }

    // Steps a statement that returns no row we need, then resets it for its next use.
    bool Done(sqlite3_stmt* stmt) {
        const int rc = sqlite3_step(stmt);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
            return Fail(stmt);
        }
        sqlite3_reset(stmt);
        return true;
    }

    bool Done(Sql sql) { return Done(Use(sql)); }

    bool Fail(sqlite3_stmt* stmt) {
        error_ = fmt::format("{}: {}", sqlite3_sql(stmt), sqlite3_errmsg(db_));
        sqlite3_reset(stmt);
        return false;
    }

    std::string Failure(std::string_view what) {
        return fmt::format("{}: {}", what, db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory");
    }

    const RawOptions& options_;
    Random random_;
    sqlite3* db_ = nullptr;
    std::array<sqlite3_stmt*, kSqlCount> statements_{};
    SystemAccount issued_points_;
    SystemAccount issued_status_;
    std::vector<std::uint8_t> body_;
    std::array<std::uint8_t, 32> hash_{};
    std::uint64_t next_key_ = 0;
    std::string error_;
};

}  // namespace

RunResult RunRawSqlite(const RawOptions& options) {
    using Clock = std::chrono::steady_clock;
    RunResult result;
    result.name = "raw_sqlite";
    result.latency_of = "one transaction";
    RawEarner earner(options);
    result.error = earner.Open();
    if (!result.error.empty()) {
        return result;
    }
    std::vector<std::int64_t> transaction_us;
    const std::int64_t cpu_start_us = ProcessCpuMicros();
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options.seconds_max));
    // The wall clock is read once per transaction: timestamps are not what this measures.
    const auto wall_now_us = [] {
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    while (result.earns < options.earns_max && Clock::now() < deadline) {
        const std::size_t count =
            std::min(options.earns_per_commit, options.earns_max - result.earns);
        const auto began = Clock::now();
        if (!earner.RunTransaction(count, wall_now_us())) {
            result.error = earner.error();
            break;
        }
        transaction_us.push_back(
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - began).count());
        result.earns += count;
        ++result.transactions;
    }
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    result.earns_per_s = static_cast<double>(result.earns) / result.seconds;
    SetLatencies(transaction_us, &result);
    SetCpu(cpu_start_us, &result);
    return result;
}

}  // namespace candor::bench
