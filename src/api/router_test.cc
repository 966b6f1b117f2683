#include <gtest/gtest.h>

#include <optional>

#include "api/api.h"

namespace candor::api {
namespace {

// Runs `router` on (method, path) and returns the response it delivers synchronously.
HttpResponse Call(const Router& router, std::string_view method, std::string_view path) {
    HttpRequest request;
    request.method = std::string(method);
    request.path = std::string(path);
    request.request_id = "test-id";
    std::optional<HttpResponse> answer;
    router.Dispatch(&request,
                    Responder([&](HttpResponse response) { answer = std::move(response); }));
    EXPECT_TRUE(answer.has_value());
    return answer.value_or(HttpResponse{});
}

// A handler that echoes its route pattern and parameters.
Handler Echo() {
    return [](const HttpRequest& request, Responder respond) {
        std::string text = request.route;
        for (const auto& [name, value] : request.params) {
            text += " " + name + "=" + value;
        }
        respond(HttpResponse::Json(200, text));
    };
}

TEST(RouterTest, MatchesLiteralsAndNamedParameters) {
    // Proves that {name} segments capture one path segment each, by name.
    Router router;
    router.Add("GET", "/v1/members/{id}", Echo());
    router.Add("GET", "/v1/members/{id}/receipts/{entry}", Echo());
    EXPECT_EQ(Call(router, "GET", "/v1/members/m_42").body, "/v1/members/{id} id=m_42");
    EXPECT_EQ(Call(router, "GET", "/v1/members/7/receipts/9").body,
              "/v1/members/{id}/receipts/{entry} entry=9 id=7");
}

TEST(RouterTest, LiteralSegmentBeatsParameter) {
    // Proves that /v1/members/me reaches its own route, not /v1/members/{id}.
    Router router;
    router.Add("GET", "/v1/members/{id}", Echo());
    router.Add("GET", "/v1/members/me", Echo());
    EXPECT_EQ(Call(router, "GET", "/v1/members/me").body, "/v1/members/me");
    EXPECT_EQ(Call(router, "GET", "/v1/members/you").body, "/v1/members/{id} id=you");
}

TEST(RouterTest, UnknownPathIs404Problem) {
    // Proves that paths matching no pattern (including empty segments) answer 404 problems.
    Router router;
    router.Add("GET", "/v1/members/{id}", Echo());
    for (const char* path : {"/v1/members", "/v1/members/", "/v1/members/1/x", "/nope", "", "x"}) {
        const HttpResponse response = Call(router, "GET", path);
        EXPECT_EQ(response.status, 404) << path;
        EXPECT_EQ(response.Header("content-type"), "application/problem+json");
        EXPECT_NE(response.body.find("https://candor.dev/problems/not-found"), std::string::npos);
    }
}

TEST(RouterTest, WrongMethodIs405WithAllow) {
    // Proves that a known path with another method answers 405 listing the allowed methods.
    Router router;
    router.Add("POST", "/v1/events", Echo());
    router.Add("GET", "/v1/events", Echo());
    const HttpResponse response = Call(router, "DELETE", "/v1/events");
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(response.Header("Allow"), "GET, POST");
    EXPECT_NE(response.body.find("method-not-allowed"), std::string::npos);
}

TEST(RouterTest, RoutesListsEveryPairSorted) {
    // Proves that Routes() reports every (method, pattern), for the route-vs-OpenAPI test.
    Router router;
    router.Add("POST", "/v1/events", Echo());
    router.Add("GET", "/healthz", Echo());
    router.Add("GET", "/v1/events", Echo());
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"GET", "/healthz"}, {"GET", "/v1/events"}, {"POST", "/v1/events"}};
    EXPECT_EQ(router.Routes(), expected);
}

TEST(ResponderTest, DroppedResponderAnswers500) {
    // Proves that a handler that forgets to answer still produces a response.
    std::optional<HttpResponse> answer;
    {
        const Responder respond([&](HttpResponse response) { answer = std::move(response); });
    }
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->status, 500);
}

TEST(ResponderTest, MovedResponderAnswersOnce) {
    // Proves that moving a Responder moves the duty to answer, which happens exactly once.
    int calls = 0;
    Responder first([&](HttpResponse) { ++calls; });
    Responder second = std::move(first);
    EXPECT_FALSE(first.is_pending());  // NOLINT(bugprone-use-after-move): the point of the test
    EXPECT_TRUE(second.is_pending());
    second(HttpResponse::Json(200, "{}"));
    EXPECT_FALSE(second.is_pending());
    EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace candor::api
