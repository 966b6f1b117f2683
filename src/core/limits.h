// Every queue, batch, page and retry loop in Candor has a named limit here, so that nothing
// grows without bound and every bound can be found in one place. Units come last in names.
#pragma once

#include <cstddef>
#include <cstdint>

namespace candor::limits {

// Postings in one journal entry. An expiry entry has two per member account touched.
inline constexpr std::size_t kEntryPostingsMax = 64;
// Bytes of opaque metadata (rule ids, program version) carried by one entry.
inline constexpr std::size_t kEntryMetaBytesMax = 4096;
// Bytes of one canonical entry encoding; bounds the decoder.
inline constexpr std::size_t kEntryBytesMax = 16 * 1024;
// Lots one debit may touch before it is refused; bounds one command's work.
inline constexpr std::size_t kLotsPerDebitMax = 10'000;
// Client id and idempotency key lengths, in bytes.
inline constexpr std::size_t kClientIdBytesMax = 128;
inline constexpr std::size_t kIdempotencyKeyBytesMax = 255;
// Member public ids ("m_..."), in bytes.
inline constexpr std::size_t kPublicIdBytesMax = 64;
// Free-text reasons on adjustments and reversals, in bytes.
inline constexpr std::size_t kReasonBytesMax = 500;
// Commands waiting in the committer queue before Submit answers kOverloaded.
inline constexpr std::size_t kCommitterQueueMax = 65'536;
// Commands in one group-committed transaction.
inline constexpr std::size_t kCommitBatchMax = 4'096;
// Members whose lots one expiry or hold-timeout sweep transaction handles.
inline constexpr std::size_t kSweepBatchMax = 1'000;
// Rows in one page of history.
inline constexpr std::size_t kHistoryPageMax = 500;

static_assert(kEntryPostingsMax * 32 + kEntryMetaBytesMax + 256 <= kEntryBytesMax,
              "an entry at its limits must fit the decoder bound");

}  // namespace candor::limits
