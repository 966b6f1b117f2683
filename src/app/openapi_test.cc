#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "app/routes.h"

namespace candor::app {
namespace {

using RouteSet = std::set<std::pair<std::string, std::string>>;

std::string Upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
        return static_cast<char>(std::toupper(c));
    });
    return text;
}

TEST(OpenApiTest, DocumentListsExactlyTheRoutesCandordServes) {
    // Proves that the embedded contract and the router built as candord builds it agree on
    // every (method, path), in both directions.
    const nlohmann::json document = nlohmann::json::parse(OpenApiDocument(), nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << "docs/api/openapi.json is not JSON";
    EXPECT_EQ(document["openapi"], "3.1.0");
    RouteSet documented;
    for (const auto& [path, operations] : document["paths"].items()) {
        for (const auto& [method, unused] : operations.items()) {
            documented.emplace(Upper(method), path);
        }
    }

    auto store = store::Open("sqlite::memory:");
    ASSERT_TRUE(store.has_value());
    const ManualClock clock(FromMicros(0));
    ledger::Ledger ledger(**store, clock);
    ledger::Committer committer(**store, ledger);
    ReadPool reads("sqlite::memory:", clock);
    crypto::PasswordHasher hasher(1);
    AccessPool access("sqlite::memory:", clock, hasher, {});
    api::RateLimiter rates(clock);
    WorkerPool workers(1);
    ProgramCache programs;
    Deps deps{committer, reads, access, rates, workers, programs, clock};
    api::Metrics metrics;
    api::Router router;
    BuildRouter(
        router, metrics, [] { return true; }, deps);
    RouteSet served;
    for (auto& route : router.Routes()) {
        served.insert(std::move(route));
    }
    committer.Stop();

    EXPECT_EQ(documented, served);
}

TEST(OpenApiTest, ScopesMatchTheAccessTable) {
    // Proves that the x-candor-scope of each /v1 operation in the contract is the scope the
    // access table (RoutePolicies) enforces (a list [scope, or_scope] where either is enough),
    // and that public operations say security: [].
    const nlohmann::json document = nlohmann::json::parse(OpenApiDocument(), nullptr, false);
    ASSERT_FALSE(document.is_discarded());
    for (const RoutePolicy& policy : RoutePolicies()) {
        std::string method(policy.method);
        std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) {
            return static_cast<char>(std::tolower(c));
        });
        const nlohmann::json& operation = document["paths"][std::string(policy.pattern)][method];
        ASSERT_TRUE(operation.is_object()) << policy.pattern;
        if (policy.need == Need::kScope) {
            nlohmann::json expected = std::string(access::ScopeName(policy.scope));
            if (policy.or_scope) {
                expected = nlohmann::json::array(
                    {expected, std::string(access::ScopeName(*policy.or_scope))});
            }
            EXPECT_EQ(operation.value("x-candor-scope", nlohmann::json()), expected)
                << policy.pattern;
        } else {
            EXPECT_FALSE(operation.contains("x-candor-scope")) << policy.pattern;
        }
        EXPECT_EQ(operation.contains("security"), policy.need == Need::kNothing) << policy.pattern;
    }
}

TEST(OpenApiTest, EveryRequestBodyRefusesUnknownFields) {
    // Proves that each request schema of the contract says additionalProperties: false, as the
    // handlers do.
    const nlohmann::json document = nlohmann::json::parse(OpenApiDocument(), nullptr, false);
    ASSERT_FALSE(document.is_discarded());
    for (const auto& [name, schema] : document["components"]["schemas"].items()) {
        // `type` may also be a list ("NextCursor": ["string", "null"]).
        if (schema.contains("type") && schema["type"] == "object") {
            EXPECT_EQ(schema.value("additionalProperties", true), false) << name;
        }
    }
}

// How many tags opening with `tag` in `html` have `text` between their name and their '>'.
int TagsWith(std::string_view html, std::string_view tag, std::string_view text) {
    int found = 0;
    for (std::size_t at = html.find(tag); at != std::string_view::npos;
         at = html.find(tag, at + 1)) {
        const std::string_view rest = html.substr(at, html.find('>', at) - at);
        found += rest.find(text) != std::string_view::npos ? 1 : 0;
    }
    return found;
}

TEST(OpenApiTest, DocsServesTheReferenceWithoutOutsideScripts) {
    // Proves GET /docs answers 200 text/html titled with the contract's title, built from the
    // contract (an operation id of it appears), and has no script or link tag that loads from
    // elsewhere.
    api::Router router;
    RegisterOpenApi(router);
    api::HttpRequest request;
    request.method = "GET";
    request.target = "/docs";
    request.path = "/docs";
    std::optional<api::HttpResponse> answer;
    router.Dispatch(&request,
                    api::Responder([&answer](api::HttpResponse response) { answer = response; }));
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(answer->Header("content-type"), "text/html; charset=utf-8");
    const nlohmann::json document = nlohmann::json::parse(OpenApiDocument());
    const std::string title = document["info"]["title"];
    EXPECT_NE(answer->body.find("<title>" + title), std::string::npos);
    EXPECT_NE(answer->body.find("enrolMember"), std::string::npos);
    // Minified scripts mention CDN addresses (icon sets Redoc can use), so look at the tags.
    EXPECT_EQ(TagsWith(R"(<script>x</script><script src="https://cdn/x.js">)", "<script", "src="),
              1);
    EXPECT_EQ(TagsWith(answer->body, "<script", "src="), 0);
    EXPECT_EQ(TagsWith(answer->body, "<link", "http"), 0);
}

}  // namespace
}  // namespace candor::app
