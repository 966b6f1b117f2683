// The program's editing routes through the router built as candord builds it, on a real SQLite
// file: a draft is checked before it is saved (a mistake names its path, line and column and
// saves nothing), publishing numbers versions, refuses stale readers, replays by its
// Idempotency-Key, opens the campaign budgets it names and is audited, restoring copies a version
// into the draft, and funding moves issued points into a budget.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "app/routes.h"
#include "testkit/testkit.h"

namespace candor::app {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// A small program: a base rate, a condition, and a campaign drawing on budget spring-2026.
// `bonus` is the big-purchase bonus, so that tests can tell two versions apart.
std::string ProgramJson(int bonus = 5, const std::string& condition = "event.amount >= 1000") {
    return R"({"schema_version": 1, "name": {"ru": "Тест", "en": "Test"},
  "rules": [
    {"id": "base", "name": {"ru": "База", "en": "Base"}, "events": ["purchase"],
     "earn": {"rate": {"points": 1, "per": 100}}},
    {"id": "big", "name": {"ru": "Крупная", "en": "Big"}, "events": ["purchase"],
     "condition": ")" +
           condition + R"(", "earn": {"fixed": )" + std::to_string(bonus) + R"(}}],
  "campaigns": [
    {"id": "spring", "name": {"ru": "Весна", "en": "Spring"},
     "schedule": {"from": "2026-03-01", "to": "2026-05-31"}, "budget": "spring-2026",
     "rules": [{"id": "spring-bonus", "name": {"ru": "Бонус", "en": "Bonus"},
                "events": ["purchase"], "earn": {"fixed": 10}}]}]})";
}

struct Answer {
    int status = 0;
    nlohmann::json body;
};

class ProgramEditingTest : public ::testing::Test {
public:
    ~ProgramEditingTest() override { committer_.Stop(); }

protected:
    ProgramEditingTest()
        : committer_(*ledger_.store, *ledger_.ledger),
          reads_(ledger_.db_path, ledger_.clock),
          hasher_(1),
          access_(ledger_.db_path, ledger_.clock, hasher_, access::AccessKeys{}),
          rates_(ledger_.clock),
          workers_(1),
          deps_{committer_, reads_, access_, rates_, workers_, programs_, ledger_.clock} {
        BuildRouter(
            router_, metrics_, [] { return true; }, deps_);
        auto created = access_.Run<access::CreatedApiKey>([](access::Access& access) {
            return access.CreateApiKey("manager", {"program:write"}, "", "", 0);
        });
        EXPECT_TRUE(created.has_value());
        token_ = created ? created->token : "";
    }

    // Dispatches a request with the program:write key (and `key` as Idempotency-Key, when
    // given) and waits for its answer.
    Answer Call(const std::string& method,
                const std::string& path,
                const std::string& body = "",
                const std::string& key = "") {
        api::HttpRequest request;
        request.method = method;
        request.target = path;
        request.path = path.substr(0, path.find('?'));
        if (path.find('?') != std::string::npos) {
            request.query = path.substr(path.find('?') + 1);
        }
        request.body = body;
        request.request_id = "test";
        request.headers["authorization"] = "Bearer " + token_;
        if (!key.empty()) {
            request.headers["idempotency-key"] = key;
        }
        std::promise<api::HttpResponse> promise;
        std::future<api::HttpResponse> answer = promise.get_future();
        router_.Dispatch(&request, api::Responder([&promise](api::HttpResponse response) {
            promise.set_value(std::move(response));
        }));
        EXPECT_EQ(answer.wait_for(std::chrono::seconds(10)), std::future_status::ready);
        const api::HttpResponse response = answer.get();
        return Answer{response.status, nlohmann::json::parse(response.body, nullptr, false)};
    }

    // Saves ProgramJson(bonus) as the draft and publishes it; answers the version.
    std::int64_t SaveAndPublish(int bonus, const std::string& key) {
        EXPECT_EQ(Call("PUT", "/v1/program/draft", ProgramJson(bonus)).status, 200);
        const Answer published = Call("POST", "/v1/program/publish", "", key);
        EXPECT_EQ(published.status, 201) << published.body.dump();
        return published.body.value("version", std::int64_t{0});
    }

    // The audit rows, newest first, as (action, target).
    std::vector<std::pair<std::string, std::string>> Audit() {
        const auto store = testkit::OpenStore(ledger_.db_path);
        const auto rows = store->ListAudit(0, 100);
        EXPECT_TRUE(rows.has_value());
        std::vector<std::pair<std::string, std::string>> actions;
        for (const store::AuditRow& row : rows ? *rows : std::vector<store::AuditRow>()) {
            actions.emplace_back(row.action, row.target);
        }
        return actions;
    }

    testkit::TestLedger ledger_;
    ledger::Committer committer_;
    ReadPool reads_;
    crypto::PasswordHasher hasher_;
    AccessPool access_;
    api::RateLimiter rates_;
    WorkerPool workers_;
    ProgramCache programs_;
    Deps deps_;
    api::Metrics metrics_;
    api::Router router_;
    std::string token_;
};

TEST_F(ProgramEditingTest, MistakesNameTheirPlaceAndSaveNothing) {
    // Proves a draft with an expression error answers 422 invalid-rule with path, line and
    // column, a structural error 400 invalid-argument with its path and null line and column,
    // and that neither saves anything (the draft is still missing: 404 no-program).
    const Answer typo = Call("PUT", "/v1/program/draft", ProgramJson(5, "event.amout >= 1000"));
    EXPECT_EQ(typo.status, 422);
    EXPECT_EQ(typo.body["type"], "https://candor.dev/problems/invalid-rule");
    EXPECT_EQ(typo.body["path"], "rules[1].condition");
    EXPECT_EQ(typo.body["line"], 1);
    EXPECT_EQ(typo.body["column"], 7);
    EXPECT_NE(typo.body["detail"].get<std::string>().find("amount"), std::string::npos);

    std::string no_earn = ProgramJson();
    no_earn.replace(no_earn.find(R"("earn": {"fixed": 5})"), 20, R"("priority": 1)");
    const Answer structural = Call("PUT", "/v1/program/draft", no_earn);
    EXPECT_EQ(structural.status, 400);
    EXPECT_EQ(structural.body["type"], "https://candor.dev/problems/invalid-argument");
    EXPECT_EQ(structural.body["path"], "rules[1].earn");
    EXPECT_TRUE(structural.body["line"].is_null());
    EXPECT_TRUE(structural.body["column"].is_null());

    const Answer not_json = Call("PUT", "/v1/program/draft", "{");
    EXPECT_EQ(not_json.status, 400);
    EXPECT_EQ(not_json.body["path"], "");

    const Answer none = Call("GET", "/v1/program/draft");
    EXPECT_EQ(none.status, 404);
    EXPECT_EQ(none.body["type"], "https://candor.dev/problems/no-program");
    // Validate checks alike, and answers the canonical form of a valid program.
    EXPECT_EQ(Call("POST", "/v1/program/validate", ProgramJson(5, "event.amout > 1")).status, 422);
    const Answer valid = Call("POST", "/v1/program/validate", ProgramJson());
    EXPECT_EQ(valid.status, 200);
    EXPECT_EQ(valid.body["program"]["currency"], "RUB");
    EXPECT_EQ(Call("GET", "/v1/program/draft").status, 404);
}

TEST_F(ProgramEditingTest, DraftIsSavedInCanonicalFormAndShownWithItsState) {
    // Proves a valid draft is saved in canonical form (defaults written out) by its saver, and
    // GET answers it with its revision; before any save, GET answers the version in force.
    const auto store = testkit::OpenStore(ledger_.db_path);
    store::ProgramVersionRow version;
    version.info = store::ProgramVersionInfo{0, ledger_.clock.Now(), "candor init", "template"};
    version.document = ProgramJson(7);
    ASSERT_TRUE(store->PublishProgramVersion(0, version).has_value());
    const Answer in_force = Call("GET", "/v1/program/draft");
    ASSERT_EQ(in_force.status, 200);
    EXPECT_EQ(in_force.body["source"], "version");
    EXPECT_EQ(in_force.body["updated_by"], "candor init");
    EXPECT_TRUE(in_force.body["revision"].is_null());
    EXPECT_EQ(in_force.body["latest_version"], 1);
    EXPECT_EQ(in_force.body["program"]["rules"][1]["earn"]["fixed"], 7);

    const Answer saved = Call("PUT", "/v1/program/draft", ProgramJson(9));
    ASSERT_EQ(saved.status, 200) << saved.body.dump();
    EXPECT_EQ(saved.body["source"], "draft");
    EXPECT_EQ(saved.body["is_published"], false);
    EXPECT_EQ(saved.body["program"]["time_zone"], "Europe/Moscow");
    EXPECT_EQ(saved.body["updated_by"].get<std::string>().rfind("key:", 0), 0u);
    EXPECT_EQ(saved.body["revision"].get<std::string>().size(), 64u);
    const Answer read = Call("GET", "/v1/program/draft");
    EXPECT_EQ(read.body, saved.body);
    const auto draft = store->LoadProgramDraft();
    ASSERT_TRUE(draft.has_value() && draft->has_value());
    EXPECT_NE((*draft)->document.find(R"("rounding")"), std::string::npos);
}

TEST_F(ProgramEditingTest, PublishingNumbersVersionsOpensBudgetsAndReplays) {
    // Proves publishing answers 201 with version 1, then 2; opens the budget the program names
    // once; writes a program.publish audit row per version; replays a retried key (200, same
    // version) and refuses the key with another body (409); and without a draft is 404.
    EXPECT_EQ(Call("POST", "/v1/program/publish", "", "p0").body["type"],
              "https://candor.dev/problems/no-program");
    ASSERT_EQ(Call("PUT", "/v1/program/draft", ProgramJson(5)).status, 200);
    const Answer first = Call("POST", "/v1/program/publish", R"({"note": "spring"})", "p1");
    ASSERT_EQ(first.status, 201) << first.body.dump();
    EXPECT_EQ(first.body["version"], 1);
    EXPECT_EQ(first.body["note"], "spring");
    EXPECT_EQ(first.body["replay"], false);
    const Answer again = Call("POST", "/v1/program/publish", R"({"note": "spring"})", "p1");
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.body["version"], 1);
    EXPECT_EQ(again.body["replay"], true);
    const Answer other = Call("POST", "/v1/program/publish", R"({"note": "other"})", "p1");
    EXPECT_EQ(other.status, 409);
    EXPECT_EQ(other.body["type"], "https://candor.dev/problems/idempotency-conflict");
    EXPECT_EQ(Call("POST", "/v1/program/publish").status, 400);  // no Idempotency-Key

    EXPECT_EQ(SaveAndPublish(6, "p2"), 2);
    const Answer budgets = Call("GET", "/v1/program/budgets");
    ASSERT_EQ(budgets.status, 200);
    ASSERT_EQ(budgets.body["budgets"].size(), 1u);
    EXPECT_EQ(budgets.body["budgets"][0]["code"], "spring-2026");
    EXPECT_EQ(budgets.body["budgets"][0]["balance"], 0);
    EXPECT_EQ(budgets.body["budgets"][0]["campaigns"], nlohmann::json::array({"spring"}));
    EXPECT_EQ(budgets.body["version"], 2);

    const Answer version = Call("GET", "/v1/program/versions/1");
    ASSERT_EQ(version.status, 200);
    EXPECT_EQ(version.body["program"]["rules"][1]["earn"]["fixed"], 5);
    EXPECT_EQ(version.body["note"], "spring");
    EXPECT_EQ(Call("GET", "/v1/program/versions/3").status, 404);
    EXPECT_EQ(Call("GET", "/v1/program/versions/01").status, 404);
    const auto audit = Audit();
    ASSERT_EQ(audit.size(), 2u);
    EXPECT_EQ(audit[0], std::make_pair(std::string("program.publish"), std::string("2")));
    EXPECT_EQ(audit[1], std::make_pair(std::string("program.publish"), std::string("1")));
    EXPECT_EQ(ledger_.CheckViolations(), "");
}

TEST_F(ProgramEditingTest, StaleReadersAreRefusedWithProgramConflict) {
    // Proves a publish naming a version older than the newest, or a draft revision that was
    // saved over since, answers 409 program-conflict and publishes nothing, while one naming
    // what is current publishes.
    EXPECT_EQ(SaveAndPublish(5, "p1"), 1);
    const Answer draft = Call("GET", "/v1/program/draft");
    const std::string revision = draft.body["revision"];
    EXPECT_EQ(draft.body["is_published"], true);
    const Answer stale = Call("POST", "/v1/program/publish", R"({"expected_version": 0})", "p2");
    EXPECT_EQ(stale.status, 409);
    EXPECT_EQ(stale.body["type"], "https://candor.dev/problems/program-conflict");
    ASSERT_EQ(Call("PUT", "/v1/program/draft", ProgramJson(8)).status, 200);
    const Answer changed =
        Call("POST", "/v1/program/publish", R"({"expected_draft": ")" + revision + R"("})", "p3");
    EXPECT_EQ(changed.status, 409);
    EXPECT_EQ(changed.body["type"], "https://candor.dev/problems/program-conflict");
    const Answer list = Call("GET", "/v1/program/versions");
    EXPECT_EQ(list.body["versions"].size(), 1u);

    const std::string current = Call("GET", "/v1/program/draft").body["revision"];
    const Answer fresh = Call("POST",
                              "/v1/program/publish",
                              R"({"expected_version": 1, "expected_draft": ")" + current + R"("})",
                              "p4");
    EXPECT_EQ(fresh.status, 201) << fresh.body.dump();
    EXPECT_EQ(fresh.body["version"], 2);
}

TEST_F(ProgramEditingTest, VersionsPageNewestFirst) {
    // Proves GET /v1/program/versions pages by limit and cursor, newest first, to the end.
    for (int i = 1; i <= 3; ++i) {
        EXPECT_EQ(SaveAndPublish(i, "p" + std::to_string(i)), i);
    }
    const Answer first = Call("GET", "/v1/program/versions?limit=2");
    ASSERT_EQ(first.status, 200);
    ASSERT_EQ(first.body["versions"].size(), 2u);
    EXPECT_EQ(first.body["versions"][0]["version"], 3);
    EXPECT_EQ(first.body["versions"][1]["version"], 2);
    const std::string cursor = first.body["next_cursor"];
    const Answer second = Call("GET", "/v1/program/versions?limit=2&cursor=" + cursor);
    ASSERT_EQ(second.body["versions"].size(), 1u);
    EXPECT_EQ(second.body["versions"][0]["version"], 1);
    EXPECT_TRUE(second.body["next_cursor"].is_null());
    EXPECT_EQ(Call("GET", "/v1/program/versions?limit=0").status, 400);
}

TEST_F(ProgramEditingTest, RestoreCopiesAVersionIntoTheDraftAndIsAudited) {
    // Proves restoring version 1 makes the draft equal to it (not yet published: version 2 is
    // still in force), writes a program.restore audit row, and an unknown version is 404.
    EXPECT_EQ(SaveAndPublish(5, "p1"), 1);
    EXPECT_EQ(SaveAndPublish(6, "p2"), 2);
    const Answer restored = Call("POST", "/v1/program/versions/1/restore");
    ASSERT_EQ(restored.status, 200) << restored.body.dump();
    EXPECT_EQ(restored.body["source"], "draft");
    EXPECT_EQ(restored.body["is_published"], false);
    EXPECT_EQ(restored.body["latest_version"], 2);
    EXPECT_EQ(Call("GET", "/v1/program/draft").body["program"],
              Call("GET", "/v1/program/versions/1").body["program"]);
    EXPECT_EQ(Audit().front(), std::make_pair(std::string("program.restore"), std::string("1")));
    const Answer unknown = Call("POST", "/v1/program/versions/9/restore");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.body["type"], "https://candor.dev/problems/unknown-program-version");
    EXPECT_EQ(SaveAndPublish(5, "p3"), 3);
}

TEST_F(ProgramEditingTest, FundingMovesIssuedPointsIntoABudget) {
    // Proves funding a budget moves the points (its balance shows them, the ledger stays
    // consistent), is audited, replays by key, and refuses an unknown budget (404) and a
    // non-positive amount (422).
    EXPECT_EQ(SaveAndPublish(5, "p1"), 1);
    const Answer funded =
        Call("POST", "/v1/program/budgets/spring-2026/fund", R"({"points": 2500})", "f1");
    ASSERT_EQ(funded.status, 201) << funded.body.dump();
    EXPECT_EQ(funded.body["code"], "spring-2026");
    EXPECT_EQ(funded.body["points"], 2500);
    const Answer replay =
        Call("POST", "/v1/program/budgets/spring-2026/fund", R"({"points": 2500})", "f1");
    EXPECT_EQ(replay.status, 200);
    EXPECT_EQ(replay.body["entry"], funded.body["entry"]);
    EXPECT_EQ(Call("GET", "/v1/program/budgets").body["budgets"][0]["balance"], 2500);
    EXPECT_EQ(Audit().front(),
              std::make_pair(std::string("budget.fund"), std::string("spring-2026")));

    const Answer unknown =
        Call("POST", "/v1/program/budgets/autumn/fund", R"({"points": 1})", "f2");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.body["type"], "https://candor.dev/problems/unknown-budget");
    EXPECT_EQ(Call("POST", "/v1/program/budgets/spring-2026/fund", R"({"points": 0})", "f3").status,
              422);
    EXPECT_EQ(ledger_.CheckViolations(), "");
}

}  // namespace
}  // namespace candor::app
