#include <gtest/gtest.h>

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

}  // namespace
}  // namespace candor::api
