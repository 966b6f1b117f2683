// candord's sequencer: a background thread that integrates committed journal entries into the
// transparency log and signs a tree head after each batch (translog::Sequence), at most
// `interval` apart, at once again while batches come back full. Stop runs one last pass, so
// after the committer has flushed, every acknowledged entry is in a signed head.
//
// One sequencer per database: each batch is one write transaction that re-reads the tree size,
// so a concurrent `candor sequence` (or a second candord) waits for the write lock and then
// continues where the other stopped; neither can corrupt the tree. Failures (a busy database,
// a corrupt journal) are logged and retried at the next pass; they never stop candord.
//
// Thread-safety: Start and Stop from one thread; stats() from any. Private to app/.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/limits.h"
#include "core/result.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "translog/translog.h"

namespace candor::app {

struct SequencerOptions {
    std::size_t batch_max = limits::kServerSequenceBatchMax;
    Duration interval = Duration(limits::kSequenceIntervalMs * 1000);
};

struct SequencerStats {
    std::uint64_t batches = 0;    // transactions tried
    std::uint64_t leaves = 0;     // leaves this sequencer added
    std::uint64_t heads = 0;      // heads it signed over new leaves
    std::uint64_t failures = 0;   // batches that failed (and were retried)
    std::uint64_t tree_size = 0;  // the tree size after its last batch
};

class Sequencer {
public:
    // REQUIRES: `clock` outlives the sequencer; 0 < options.batch_max <= kSequenceBatchMax.
    Sequencer(std::string url,
              const crypto::Ed25519Seed& seed,
              const Clock& clock,
              SequencerOptions options = {});
    ~Sequencer();

    Sequencer(const Sequencer&) = delete;
    Sequencer& operator=(const Sequencer&) = delete;

    // Opens its own read-write connection and starts the thread. kStorage (or the store's
    // Open errors) when the database cannot be opened.
    Status Start();

    // Wakes the thread, lets it finish its pass, runs one last pass and joins. Idempotent.
    void Stop();

    // The signing key's public half and id (for the log line and tests).
    const translog::Signer& signer() const { return signer_; }

    SequencerStats stats() const;

private:
    void Run();
    // Sequences until a batch comes back short or fails.
    void Pass();

    std::string url_;
    translog::Signer signer_;
    const Clock& clock_;
    SequencerOptions options_;
    std::unique_ptr<store::Store> store_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool is_stopping_ = false;  // guarded by mutex_
    SequencerStats stats_;      // guarded by mutex_
    std::thread thread_;
};

}  // namespace candor::app
