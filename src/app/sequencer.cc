#include "app/sequencer.h"

#include <utility>

#include "core/assert.h"
#include "core/log.h"

namespace candor::app {

Sequencer::Sequencer(std::string url,
                     const crypto::Ed25519Seed& seed,
                     const Clock& clock,
                     SequencerOptions options)
    : url_(std::move(url)), signer_(seed), clock_(clock), options_(options) {
    CANDOR_ASSERT(options_.batch_max > 0);
    CANDOR_ASSERT(options_.batch_max <= limits::kSequenceBatchMax);
}

Sequencer::~Sequencer() {
    Stop();
}

Status Sequencer::Start() {
    CANDOR_ASSERT(!thread_.joinable());
    store::OpenOptions open;
    open.create = false;
    CANDOR_ASSIGN_OR_RETURN(store_, store::Open(url_, open));
    thread_ = std::thread([this] { Run(); });
    return Ok();
}

void Sequencer::Stop() {
    {
        const std::lock_guard lock(mutex_);
        is_stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

SequencerStats Sequencer::stats() const {
    const std::lock_guard lock(mutex_);
    return stats_;
}

void Sequencer::Run() {
    for (;;) {
        Pass();
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, options_.interval, [this] { return is_stopping_; });
        if (is_stopping_) {
            break;
        }
    }
    // The last pass: the committer flushed before Stop, so this covers every entry it wrote.
    Pass();
}

void Sequencer::Pass() {
    for (;;) {
        auto report = translog::Sequence(*store_, signer_, clock_, options_.batch_max);
        const std::lock_guard lock(mutex_);
        ++stats_.batches;
        if (!report) {
            ++stats_.failures;
            LogJson(LogLevel::kError,
                    {{"msg", "sequencer: batch failed; retrying at the next pass"},
                     {"error", report.error().message}});
            return;
        }
        stats_.leaves += report->leaves_added;
        stats_.tree_size = report->head.size;
        if (report->leaves_added > 0) {
            ++stats_.heads;
        }
        if (report->leaves_added < options_.batch_max) {
            return;
        }
    }
}

}  // namespace candor::app
