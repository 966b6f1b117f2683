#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>

#include "api/api.h"

namespace candor::api {
namespace {

TEST(ProblemTest, RendersTypeTitleStatusFromTheTable) {
    // Proves that the problem document comes from error_code.h's row and the request.
    HttpRequest request;
    request.path = "/v1/events";
    request.request_id = "abc";
    const HttpResponse response =
        Problem(MakeError(ErrorCode::kInvalidAmount, "Must be \"positive\"."), request, "amount");
    EXPECT_EQ(response.status, 422);
    EXPECT_EQ(response.Header("Content-Type"), "application/problem+json");
    EXPECT_EQ(response.Header("Retry-After"), "");
    EXPECT_EQ(response.body,
              R"({"type":"https://candor.dev/problems/invalid-amount",)"
              R"("title":"An amount is zero, negative or too large.","status":422,)"
              R"("detail":"Must be \"positive\".","instance":"/v1/events",)"
              R"("request_id":"abc","field":"amount"})");
}

TEST(ProblemTest, ServerErrorsHideTheInternalMessage) {
    // Proves that a 5xx never shows its message (SQL, paths), only a generic sentence.
    const HttpResponse response =
        Problem(MakeError(ErrorCode::kInternal, "SELECT * FROM secrets failed"), "/x");
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(response.body.find("SELECT"), std::string::npos);
    EXPECT_NE(response.body.find("request id identifies it in the log"), std::string::npos);
    EXPECT_EQ(response.body.find("\"field\""), std::string::npos);
    EXPECT_EQ(response.body.find("\"request_id\""), std::string::npos);
}

TEST(ProblemTest, RetryableCodesAddRetryAfter) {
    // Proves that retryable rows (503 storage, overloaded) tell the client when to retry.
    const HttpResponse response = Problem(MakeError(ErrorCode::kStorage, "disk I/O error"), "/x");
    EXPECT_EQ(response.status, 503);
    EXPECT_EQ(response.Header("retry-after"), "1");
    EXPECT_EQ(response.body.find("disk"), std::string::npos);
}

TEST(ProblemTest, NewHttpCodesHaveTheirStatuses) {
    // Proves the rows the HTTP layer relies on.
    EXPECT_EQ(Problem(MakeError(ErrorCode::kPayloadTooLarge, ""), "/").status, 413);
    EXPECT_EQ(Problem(MakeError(ErrorCode::kHeadersTooLarge, ""), "/").status, 431);
    EXPECT_EQ(Problem(MakeError(ErrorCode::kUnknownRoute, ""), "/").status, 404);
    EXPECT_EQ(Problem(MakeError(ErrorCode::kMethodNotAllowed, ""), "/").status, 405);
}

TEST(ProblemTest, InvalidUtf8InDetailIsReplaced) {
    // Proves that a detail echoing client bytes stays valid JSON text.
    const HttpResponse response =
        Problem(MakeError(ErrorCode::kInvalidArgument, "bad \xff byte\n"), "/x");
    EXPECT_NE(response.body.find("bad \xEF\xBF\xBD byte\\n"), std::string::npos);
}

TEST(MetricsTest, RendersPrometheusText) {
    // Proves the counter, histogram and gauge lines and label escaping.
    Metrics metrics;
    metrics.ObserveRequest("/v1/x\"y", "GET", 200, std::chrono::microseconds(700));
    metrics.AddOpenConnections(2);
    const std::string text = metrics.Render();
    EXPECT_NE(
        text.find("http_requests_total{route=\"/v1/x\\\"y\",method=\"GET\",status=\"200\"} 1"),
        std::string::npos)
        << text;
    EXPECT_NE(
        text.find("http_request_duration_seconds_bucket{route=\"/v1/x\\\"y\",le=\"0.0005\"} 0"),
        std::string::npos);
    EXPECT_NE(
        text.find("http_request_duration_seconds_bucket{route=\"/v1/x\\\"y\",le=\"0.001\"} 1"),
        std::string::npos);
    EXPECT_NE(text.find("http_request_duration_seconds_sum{route=\"/v1/x\\\"y\"} 0.0007"),
              std::string::npos);
    EXPECT_NE(text.find("http_connections_open 2"), std::string::npos);
}

TEST(MetricsTest, CollectorsAppendTheirSeries) {
    // Proves a collector's families follow the HTTP series at every render, and a count
    // histogram without labels renders cumulative integer buckets, +Inf, _sum and _count.
    static constexpr std::array<std::int64_t, 2> kBounds = {1, 10};
    Histogram sizes(kBounds);
    sizes.Observe(1);
    sizes.Observe(7);
    sizes.Observe(40);
    Metrics metrics;
    int renders = 0;
    metrics.AddCollector([&](std::string* out) {
        ++renders;
        AppendMetricFamily(out, "x_total", "counter", "Things.");
        AppendMetricSample(out, "x_total", "", 3);
        AppendMetricFamily(out, "x_sizes", "histogram", "Sizes.");
        AppendHistogram(out, "x_sizes", "", sizes, MetricUnit::kCount);
    });
    const std::string text = metrics.Render();
    EXPECT_EQ(renders, 1);
    EXPECT_NE(text.find("# HELP x_total Things.\n# TYPE x_total counter\nx_total 3\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("x_sizes_bucket{le=\"1\"} 1\nx_sizes_bucket{le=\"10\"} 2\n"
                        "x_sizes_bucket{le=\"+Inf\"} 3\nx_sizes_sum 48\nx_sizes_count 3\n"),
              std::string::npos)
        << text;
    EXPECT_LT(text.find("http_connections_open"), text.find("x_total"));
    (void)metrics.Render();
    EXPECT_EQ(renders, 2);
}

}  // namespace
}  // namespace candor::api
