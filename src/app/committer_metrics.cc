// The committer's series on /metrics: how many commands each group commit carries, how long a
// command queues before its batch starts, and how long each batch's transaction holds the
// database (docs/api.md, "Health, readiness, metrics, logs").
#include "app/routes.h"

namespace candor::app {

void AddCommitterMetrics(api::Metrics& metrics, const ledger::Committer& committer) {
    metrics.AddCollector([&committer](std::string* out) {
        const ledger::CommitterStats stats = committer.stats();
        const auto counter = [out](std::string_view name, std::string_view help, auto value) {
            api::AppendMetricFamily(out, name, "counter", help);
            api::AppendMetricSample(out, name, "", static_cast<std::int64_t>(value));
        };
        counter("candor_committer_batches_total",
                "Group-committed transactions that committed.",
                stats.batches);
        counter("candor_committer_commands_total",
                "Commands in committed transactions, failed commands included.",
                stats.commands);
        counter("candor_committer_failed_commits_total",
                "Transactions whose commit failed; none of their commands took effect.",
                stats.failed_commits);
        api::AppendMetricFamily(
            out, "candor_committer_queue_commands", "gauge", "Commands waiting for a batch now.");
        api::AppendMetricSample(
            out, "candor_committer_queue_commands", "", static_cast<std::int64_t>(stats.queued));
        api::AppendMetricFamily(out,
                                "candor_committer_batch_commands",
                                "histogram",
                                "Commands per committed transaction.");
        api::AppendHistogram(out,
                             "candor_committer_batch_commands",
                             "",
                             stats.batch_commands,
                             api::MetricUnit::kCount);
        api::AppendMetricFamily(
            out,
            "candor_committer_queue_wait_seconds",
            "histogram",
            "Per committed command, time from submission to its batch's start.");
        api::AppendHistogram(out,
                             "candor_committer_queue_wait_seconds",
                             "",
                             stats.queue_wait_us,
                             api::MetricUnit::kMicroseconds);
        api::AppendMetricFamily(out,
                                "candor_committer_transaction_seconds",
                                "histogram",
                                "Per committed transaction, database time from begin to durable "
                                "commit.");
        api::AppendHistogram(out,
                             "candor_committer_transaction_seconds",
                             "",
                             stats.transaction_us,
                             api::MetricUnit::kMicroseconds);
    });
}

}  // namespace candor::app
