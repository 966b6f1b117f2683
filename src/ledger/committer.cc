#include <fmt/format.h>

#include <algorithm>

#include "core/limits.h"
#include "ledger/ledger.h"

namespace candor::ledger {

Committer::Committer(store::Store& store, Ledger& ledger, CommitterOptions options)
    : store_(store), ledger_(ledger), options_(options) {
    options_.batch_max = std::clamp<std::size_t>(options_.batch_max, 1, limits::kCommitBatchMax);
    options_.queue_max = std::clamp<std::size_t>(options_.queue_max, 1, limits::kCommitterQueueMax);
    thread_ = std::thread([this] { Run(); });
}

Committer::~Committer() {
    Stop();
}

void Committer::Submit(Request request, Callback done) {
    Error refusal;
    {
        std::unique_lock lock(mutex_);
        if (!stopping_ && queue_.size() < options_.queue_max) {
            queue_.push_back(Pending{std::move(request), std::move(done), Stopwatch()});
            lock.unlock();
            wake_.notify_one();
            return;
        }
        refusal = stopping_
                      ? MakeError(ErrorCode::kShuttingDown, "the ledger is shutting down")
                      : MakeError(ErrorCode::kOverloaded, "the ledger queue is full; retry later");
    }
    // Answered once the lock is released: the callback may call back into the committer
    // (stats, or Submit to retry), which would deadlock on mutex_.
    done(std::move(refusal));
}

std::future<Result<Outcome>> Committer::Submit(Request request) {
    auto promise = std::make_shared<std::promise<Result<Outcome>>>();
    auto future = promise->get_future();
    Submit(std::move(request),
           [promise](Result<Outcome> outcome) { promise->set_value(std::move(outcome)); });
    return future;
}

void Committer::Stop() {
    // Serializes concurrent Stop calls: the first joins, the others wait for it and return.
    std::lock_guard stop_lock(stop_mutex_);
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) {
        thread_.join();
    }
}

CommitterStats Committer::stats() const {
    std::lock_guard lock(mutex_);
    CommitterStats stats = stats_;
    stats.queued = queue_.size();
    return stats;
}

void Committer::Run() {
    std::vector<Pending> batch;
    batch.reserve(options_.batch_max);
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty() && stopping_) {
                return;
            }
            // Gather: wait up to the window for a full batch, unless stopping. The first
            // command of a quiet period waits at most one window, which bounds its latency.
            if (queue_.size() < options_.batch_max && !stopping_) {
                wake_.wait_for(lock, options_.window, [this] {
                    return stopping_ || queue_.size() >= options_.batch_max;
                });
            }
            while (!queue_.empty() && batch.size() < options_.batch_max) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        RunBatch(batch);
        batch.clear();
    }
}

// A savepoint per command lets a failing command fail alone, but SQLite then copies every
// page a command touches into its statement journal, about a fifth of an earn's CPU time. So
// a batch first runs optimistically, without savepoints. Should a command fail, it may have
// written half its work: the transaction is rolled back and the batch runs again, with a
// savepoint per command; only that pass's outcomes are delivered. After a batch with a
// failing command the next batch starts with savepoints, so that a stream of failing
// commands costs no more than savepoints always did.
void Committer::RunBatch(std::vector<Pending>& batch) {
    std::vector<std::int64_t> waits_us;
    waits_us.reserve(batch.size());
    for (const Pending& pending : batch) {
        waits_us.push_back(pending.queued.ElapsedMicros());
    }
    const Stopwatch transaction;
    std::vector<Result<Outcome>> results;
    results.reserve(batch.size());
    Status status = store_.Begin();
    if (status) {
        status = RunPass(batch, is_cautious_, &results);
    }
    if (status && results.size() < batch.size()) {
        results.clear();
        (void)store_.Rollback();
        status = store_.Begin();
        if (status) {
            status = RunPass(batch, true, &results);
        }
    }
    if (status) {
        status = store_.Commit();
    }
    if (!status) {
        (void)store_.Rollback();
        {
            // Counted before anyone is answered, so that an answered caller sees it in stats().
            std::lock_guard lock(mutex_);
            ++stats_.failed_commits;
        }
        for (Pending& pending : batch) {
            pending.done(status.error());
        }
        return;
    }
    is_cautious_ = std::any_of(
        results.begin(), results.end(), [](const Result<Outcome>& r) { return !r.has_value(); });
    const std::int64_t transaction_us = transaction.ElapsedMicros();
    {
        std::lock_guard lock(mutex_);
        ++stats_.batches;
        stats_.commands += batch.size();
        stats_.batch_commands.Observe(static_cast<std::int64_t>(batch.size()));
        stats_.transaction_us.Observe(transaction_us);
        for (const std::int64_t wait_us : waits_us) {
            stats_.queue_wait_us.Observe(wait_us);
        }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        batch[i].done(std::move(results[i]));
    }
}

// One pass over the batch inside the open transaction. With savepoints, a failing command is
// rolled back alone and the pass goes on. Without, the pass stops at the first failing
// command and leaves `results` shorter than the batch. An error means that the transaction
// is in an unknown state and must be rolled back.
Status Committer::RunPass(const std::vector<Pending>& batch,
                          bool use_savepoints,
                          std::vector<Result<Outcome>>* results) {
    for (const Pending& pending : batch) {
        if (!use_savepoints) {
            auto outcome = ledger_.Execute(pending.request);
            if (!outcome) {
                return Ok();
            }
            results->push_back(std::move(outcome));
            continue;
        }
        Status saved = store_.Savepoint();
        if (!saved) {
            results->emplace_back(saved.error());
            continue;
        }
        auto outcome = ledger_.Execute(pending.request);
        CANDOR_TRY(outcome ? store_.Release() : store_.RollbackToSavepoint());
        results->push_back(std::move(outcome));
    }
    return Ok();
}

}  // namespace candor::ledger
