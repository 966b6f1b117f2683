#include <fmt/format.h>

#include "core/limits.h"
#include "ledger/ledger.h"

namespace candor::ledger {

Committer::Committer(store::Store& store, Ledger& ledger, CommitterOptions options)
    : store_(store), ledger_(ledger), options_(options) {
    options_.batch_max = std::clamp<std::size_t>(options_.batch_max, 1, limits::kCommitBatchMax);
    options_.queue_max = std::clamp<std::size_t>(options_.queue_max, 1, limits::kCommitterQueueMax);
    thread_ = std::thread([this] { Run(); });
}

Committer::~Committer() { Stop(); }

void Committer::Submit(Request request, Callback done) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            done(MakeError(ErrorCode::kShuttingDown, "the ledger is shutting down"));
            return;
        }
        if (queue_.size() >= options_.queue_max) {
            done(MakeError(ErrorCode::kOverloaded, "the ledger queue is full; retry later"));
            return;
        }
        queue_.push_back(Pending{std::move(request), std::move(done)});
    }
    wake_.notify_one();
}

std::future<Result<Outcome>> Committer::Submit(Request request) {
    auto promise = std::make_shared<std::promise<Result<Outcome>>>();
    auto future = promise->get_future();
    Submit(std::move(request),
           [promise](Result<Outcome> outcome) { promise->set_value(std::move(outcome)); });
    return future;
}

void Committer::Stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) {
            return;
        }
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) {
        thread_.join();
    }
}

CommitterStats Committer::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
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

void Committer::RunBatch(std::vector<Pending>& batch) {
    std::vector<Result<Outcome>> results;
    results.reserve(batch.size());
    Status begun = store_.Begin();
    if (!begun) {
        for (Pending& pending : batch) {
            pending.done(begun.error());
        }
        std::lock_guard lock(mutex_);
        ++stats_.failed_commits;
        return;
    }
    for (Pending& pending : batch) {
        Status saved = store_.Savepoint();
        if (!saved) {
            results.emplace_back(saved.error());
            continue;
        }
        auto outcome = ledger_.Execute(pending.request);
        Status ended = outcome ? store_.Release() : store_.RollbackToSavepoint();
        if (!ended) {
            // The transaction is in an unknown state: fail the whole batch below.
            begun = ended;
            results.emplace_back(ended.error());
            break;
        }
        results.push_back(std::move(outcome));
    }
    Status committed = begun ? store_.Commit() : begun;
    if (!committed) {
        (void)store_.Rollback();
        for (Pending& pending : batch) {
            pending.done(committed.error());
        }
        std::lock_guard lock(mutex_);
        ++stats_.failed_commits;
        return;
    }
    {
        std::lock_guard lock(mutex_);
        ++stats_.batches;
        stats_.commands += batch.size();
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        batch[i].done(std::move(results[i]));
    }
}

}  // namespace candor::ledger
