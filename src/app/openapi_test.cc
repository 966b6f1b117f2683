#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
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
    Deps deps{committer, reads, access, rates, workers};
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
    // access table (RoutePolicies) enforces, and that public operations say security: [].
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
            EXPECT_EQ(operation.value("x-candor-scope", ""), access::ScopeName(policy.scope))
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
        if (schema.value("type", "") == "object") {
            EXPECT_EQ(schema.value("additionalProperties", true), false) << name;
        }
    }
}

}  // namespace
}  // namespace candor::app
