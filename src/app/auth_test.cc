// Authentication and authorization of candord's routes, through the router built as candord
// builds it: the access matrix is generated from router.Routes() and RoutePolicies(), so a new
// route is covered without editing this file. The last test speaks real HTTP to api::Server and
// greps the log and the database file for the secrets it handed out.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "app/routes.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "testkit/testkit.h"
#include "translog/translog.h"

namespace candor::app {
namespace {

// The secret of an API key token "ck_<12-character public id>_<secret>". Secrets are URL-safe
// Base64 and may contain '_' themselves, so the split is by position, as access parses it.
std::string SecretOf(const std::string& token) {
    constexpr std::size_t kSecretStart = std::string_view("ck_").size() + 12 + 1;
    return token.substr(kSecretStart);
}

using Headers = std::vector<std::pair<std::string, std::string>>;

class AppAuthTest : public ::testing::Test {
public:
    ~AppAuthTest() override { committer_.Stop(); }

protected:
    AppAuthTest()
        : committer_(*ledger_.store, *ledger_.ledger),
          reads_(ledger_.db_path, ledger_.clock),
          hasher_(1),
          access_(ledger_.db_path, ledger_.clock, hasher_, access::AccessKeys{}),
          rates_(ledger_.clock),
          workers_(1),
          deps_{committer_, reads_, access_, rates_, workers_, programs_, ledger_.clock} {
        BuildRouter(
            router_, metrics_, [] { return true; }, deps_);
    }

    // Dispatches a request through the router and waits for its answer.
    api::HttpResponse Call(const std::string& method,
                           const std::string& path,
                           const std::string& body = "",
                           const Headers& headers = {},
                           bool is_tls = false) {
        api::HttpRequest request;
        request.is_tls = is_tls;
        request.method = method;
        request.target = path;
        request.path = path.substr(0, path.find('?'));
        if (path.find('?') != std::string::npos) {
            request.query = path.substr(path.find('?') + 1);
        }
        request.body = body;
        request.request_id = "test";
        request.remote_address = remote_address_;
        for (const auto& [name, value] : headers) {
            request.headers[name] = value;
        }
        std::promise<api::HttpResponse> promise;
        std::future<api::HttpResponse> answer = promise.get_future();
        router_.Dispatch(&request, api::Responder([&promise](api::HttpResponse response) {
            promise.set_value(std::move(response));
        }));
        EXPECT_EQ(answer.wait_for(std::chrono::seconds(10)), std::future_status::ready);
        return answer.get();
    }

    // A new API key with exactly `scopes`.
    std::string CreateKey(const std::vector<std::string>& scopes) {
        auto created = access_.Run<access::CreatedApiKey>([&scopes](access::Access& access) {
            return access.CreateApiKey("test", scopes, "", "", 0);
        });
        EXPECT_TRUE(created.has_value());
        return created ? created->token : "";
    }

    // A new API key with `scopes`, bound to `store` and `channel` ("" = any), at `rate` a minute.
    std::string CreateBoundKey(const std::vector<std::string>& scopes,
                               const std::string& store,
                               const std::string& channel,
                               std::int64_t rate = 0) {
        auto created = access_.Run<access::CreatedApiKey>([&](access::Access& access) {
            return access.CreateApiKey("bound", scopes, store, channel, rate);
        });
        EXPECT_TRUE(created.has_value());
        return created ? created->token : "";
    }

    std::int64_t UnixNow() const { return ToMicros(ledger_.clock.Now()) / 1'000'000; }

    // A full session of a new staff member with `role` and TOTP confirmed, made through the
    // access module (three Argon2id calls); advances the clock 30 s past the confirming code.
    std::string StaffSession(access::Role role) {
        const std::string email = std::string(access::RoleName(role)) + "@example.com";
        std::string token;
        auto made = access_.Run<bool>([&](access::Access& access) -> Result<bool> {
            CANDOR_TRY(access.CreateStaff(email, "Staff", kPassword, role));
            CANDOR_ASSIGN_OR_RETURN(const access::Session enrolment,
                                    access.LoginStaff(email, kPassword, ""));
            CANDOR_ASSIGN_OR_RETURN(const access::TotpEnrolment totp,
                                    access.BeginTotpEnrolment(enrolment.principal));
            CANDOR_ASSIGN_OR_RETURN(const std::vector<std::uint8_t> secret,
                                    crypto::Base32Decode(totp.secret_base32));
            CANDOR_TRY(
                access.ConfirmTotp(enrolment.principal, crypto::TotpCode(secret, UnixNow())));
            ledger_.clock.Advance(std::chrono::seconds(30));
            CANDOR_ASSIGN_OR_RETURN(
                const access::Session session,
                access.LoginStaff(email, kPassword, crypto::TotpCode(secret, UnixNow())));
            token = session.token;
            return true;
        });
        EXPECT_TRUE(made.has_value()) << (made ? "" : made.error().message);
        return token;
    }

    // A member session for a member with an email login (one Argon2id hash and one verify).
    std::string MemberSession(const std::string& public_id) {
        const std::string login = public_id + "@example.com";
        EnrolMemberLogin(public_id, login);
        auto session = access_.Run<access::Session>(
            [&](access::Access& access) { return access.LoginMember(login, kPassword, ""); });
        EXPECT_TRUE(session.has_value());
        return session ? session->token : "";
    }

    static Headers Bearer(const std::string& token) {
        return {{"authorization", "Bearer " + token}};
    }

    // Enrols member `public_id` with an email login and password through the access module.
    void EnrolMemberLogin(const std::string& public_id, const std::string& login) {
        const MemberId member = ledger_.Enrol(public_id);
        auto enrolled = access_.Run<bool>([&](access::Access& access) -> Result<bool> {
            CANDOR_TRY(access.EnrolCredentials(member, login, kPassword));
            return true;
        });
        ASSERT_TRUE(enrolled.has_value());
    }

    static std::string LoginBody(const std::string& login, const std::string& password) {
        return nlohmann::json{{"kind", "member"}, {"login", login}, {"password", password}}.dump();
    }

    static constexpr const char* kPassword = "correct horse battery";

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
    std::string remote_address_;  // what Call puts in HttpRequest::remote_address
};

// "/v1/members/{id}/balance" with every parameter replaced by `value`.
std::string FillPath(const std::string& pattern, const std::string& value) {
    std::string path;
    std::size_t i = 0;
    while (i < pattern.size()) {
        if (pattern[i] == '{') {
            path += value;
            i = pattern.find('}', i) + 1;
        } else {
            path.push_back(pattern[i++]);
        }
    }
    return path;
}

TEST_F(AppAuthTest, EveryV1RouteHasAPolicyAndRefusesMissingCredentialsAndScopes) {
    // Proves, for each /v1 route the router serves: it has a row in the access table; without
    // credentials, with a malformed header or an unknown key it answers 401; with a key holding
    // every scope but the ones it accepts (and not admin) 403; with the needed scope, or its
    // alternative (or_scope) alone, neither.
    int checked = 0;
    for (const auto& [method, pattern] : router_.Routes()) {
        if (!pattern.starts_with("/v1/")) {
            continue;
        }
        const RoutePolicy* policy = FindRoutePolicy(method, pattern);
        ASSERT_NE(policy, nullptr) << method << " " << pattern;
        if (policy->need == Need::kNothing) {
            continue;
        }
        const std::string path = FillPath(pattern, "1");
        std::string what = method;
        what += " ";
        what += pattern;
        EXPECT_EQ(Call(method, path).status, 401) << what;
        EXPECT_EQ(Call(method, path, "", {{"authorization", "Basic eDp5"}}).status, 401) << what;
        EXPECT_EQ(Call(method, path, "", Bearer("ck_000000000000_nope")).status, 401) << what;
        EXPECT_EQ(Call(method, path, "", Bearer("not-a-session")).status, 401) << what;
        EXPECT_EQ(Call(method, path, "", {{"cookie", "candor_session=not-a-session"}}).status, 401)
            << what;
        if (policy->need == Need::kSession) {
            // Only sessions end by logout: an admin key is not enough.
            EXPECT_EQ(Call(method, path, "", Bearer(CreateKey({"admin"}))).status, 403) << what;
            ++checked;
            continue;
        }
        std::vector<std::string> others;
        for (const access::Scope scope : access::kAllScopes) {
            if (scope != policy->scope && scope != policy->or_scope &&
                scope != access::Scope::kAdmin) {
                others.emplace_back(access::ScopeName(scope));
            }
        }
        const api::HttpResponse refused = Call(method, path, "", Bearer(CreateKey(others)));
        EXPECT_EQ(refused.status, 403) << what;
        EXPECT_NE(refused.body.find("forbidden"), std::string::npos) << what;
        const int allowed =
            Call(method, path, "", Bearer(CreateKey({std::string(ScopeName(policy->scope))})))
                .status;
        EXPECT_NE(allowed, 401) << what;
        EXPECT_NE(allowed, 403) << what;
        if (policy->or_scope) {
            const int alternative =
                Call(method,
                     path,
                     "",
                     Bearer(CreateKey({std::string(ScopeName(*policy->or_scope))})))
                    .status;
            EXPECT_NE(alternative, 401) << what;
            EXPECT_NE(alternative, 403) << what;
        }
        ++checked;
    }
    // Every row of the table is a served route, and the loop saw the guarded ones.
    for (const RoutePolicy& policy : RoutePolicies()) {
        const auto routes = router_.Routes();
        EXPECT_NE(std::find(routes.begin(),
                            routes.end(),
                            std::pair<std::string, std::string>(policy.method, policy.pattern)),
                  routes.end())
            << policy.pattern;
    }
    EXPECT_GE(checked, 22);
}

// A body for each route whose table row is store-bound, naming store "s1" (and Idempotency-Key
// where the route needs one); the member is m_owner.
struct BoundSample {
    std::string body;
    bool needs_idempotency_key = false;
};

const std::map<std::string, BoundSample>& BoundSamples() {
    static const std::map<std::string, BoundSample> samples = {
        {"/v1/events",
         {R"({"id":"e-bind","member":"m_owner","type":"purchase","amount":500,"store":"s1"})"}},
        {"/v1/events:batch",
         {R"({"events":[{"id":"e-bind","member":"m_owner","type":"purchase","amount":500,)"
          R"("store":"s1"}]})"}},
        {"/v1/holds",
         {R"({"member":"m_owner","asset":"points","amount":1,"timeout_seconds":60,"store":"s1"})",
          true}},
    };
    return samples;
}

// The status of a response, or for a batch the status of its first item.
int StatusOf(const api::HttpResponse& response) {
    if (response.status != 207) {
        return response.status;
    }
    return nlohmann::json::parse(response.body)["results"][0]["status"].get<int>();
}

TEST_F(AppAuthTest, AccessMatrixForMembersAndKeysOfAnotherStore) {
    // Proves, for each guarded /v1 route of the router: the owner's member session gets 2xx on
    // member-own routes and another member's id 404; a member session is refused (403) on
    // every other scoped route; and on store-bound routes a key bound to another store or
    // channel is refused (403 naming the field) while the same key naming nothing acts for
    // its binding (not 403).
    const std::string owner = MemberSession("m_owner");
    ledger_.Enrol("m_other");
    // An entry of the owner's, sequenced under a signed head, for the receipts route's {entry}.
    ledger::Earn earn;
    earn.member = *ResolveMember(deps_, "m_owner");
    earn.points = Amount(5);
    const auto earned = ledger_.Run(earn);
    ASSERT_TRUE(earned.has_value() && earned->entry.has_value());
    const std::string entry = std::to_string(earned->entry->id.value());
    crypto::Ed25519Seed seed{};
    seed.fill(7);
    const auto log_store = testkit::OpenStore(ledger_.db_path);
    ASSERT_TRUE(translog::Sequence(*log_store, translog::Signer(seed), ledger_.clock, 100));
    // The pattern with {id} as `member` and {entry} as the owner's entry.
    auto fill = [&entry](const std::string& pattern, const std::string& member) {
        std::string path = FillPath(pattern, member);
        if (const std::size_t at = pattern.find("{entry}"); at != std::string::npos) {
            path = FillPath(pattern.substr(0, at), member) + entry;
        }
        return path;
    };
    int bound = 0;
    for (const auto& [method, pattern] : router_.Routes()) {
        const RoutePolicy* policy = FindRoutePolicy(method, pattern);
        if (policy == nullptr || policy->need == Need::kNothing) {
            continue;
        }
        const std::string what = method + " " + pattern;
        if (policy->is_member_own) {
            const int status = Call(method, fill(pattern, "m_owner"), "", Bearer(owner)).status;
            EXPECT_GE(status, 200) << what;
            EXPECT_LT(status, 300) << what;
            EXPECT_EQ(Call(method, fill(pattern, "m_other"), "", Bearer(owner)).status, 404)
                << what;
        } else if (policy->need == Need::kScope) {
            EXPECT_EQ(Call(method, FillPath(pattern, "m_owner"), "", Bearer(owner)).status, 403)
                << what;
        }
        if (!policy->is_store_bound) {
            continue;
        }
        ++bound;
        const auto sample = BoundSamples().find(pattern);
        ASSERT_NE(sample, BoundSamples().end()) << "add a BoundSamples() body for " << what;
        const std::vector<std::string> scope = {std::string(ScopeName(policy->scope))};
        Headers other_store = Bearer(CreateBoundKey(scope, "s2", ""));
        Headers other_channel = Bearer(CreateBoundKey(scope, "", "web"));
        Headers own_store = Bearer(CreateBoundKey(scope, "s1", ""));
        if (sample->second.needs_idempotency_key) {
            for (Headers* headers : {&other_store, &other_channel, &own_store}) {
                headers->emplace_back("idempotency-key", "bind-" + std::to_string(bound));
            }
        }
        const api::HttpResponse refused = Call(method, pattern, sample->second.body, other_store);
        EXPECT_EQ(StatusOf(refused), 403) << what;
        EXPECT_NE(refused.body.find(R"("field":"store")"), std::string::npos) << refused.body;
        std::string with_channel = sample->second.body;
        with_channel.replace(with_channel.find(R"("store":"s1")"), 12, R"("channel":"till")");
        EXPECT_EQ(StatusOf(Call(method, pattern, with_channel, other_channel)), 403) << what;
        std::string unnamed = sample->second.body;
        unnamed.replace(unnamed.find(R"(,"store":"s1")"), 13, "");
        const int defaulted = StatusOf(Call(method, pattern, unnamed, other_store));
        EXPECT_NE(defaulted, 403) << what;
        EXPECT_NE(defaulted, 401) << what;
        EXPECT_NE(StatusOf(Call(method, pattern, sample->second.body, own_store)), 403) << what;
    }
    EXPECT_EQ(bound, 3);
}

TEST_F(AppAuthTest, HoldsAreCapturedAndVoidedOnlyByKeysOfTheirStoreAndChannel) {
    // Proves a hold records the store and channel it was placed for, and that capture and void
    // refuse (403 naming the field) a key bound to another store or channel, or bound at all when
    // the hold named none, while keys of its own place, unbound keys and staff sessions may act.
    const MemberId owner = ledger_.Enrol("m_owner");
    ledger::Earn earn;
    earn.member = owner;
    earn.points = Amount(100);
    ASSERT_TRUE(ledger_.Run(earn).has_value());
    const std::vector<std::string> scope = {"redemptions:write"};
    const std::string s1 = CreateBoundKey(scope, "s1", "");
    const std::string s2 = CreateBoundKey(scope, "s2", "");
    const std::string web = CreateBoundKey(scope, "", "web");
    const std::string unbound = CreateKey(scope);
    int key_number = 0;
    auto with_key = [&key_number](const std::string& token) {
        Headers headers = Bearer(token);
        headers.emplace_back("idempotency-key", "k" + std::to_string(++key_number));
        return headers;
    };
    auto place = [&](const std::string& token, const std::string& where) {
        const api::HttpResponse placed = Call(
            "POST",
            "/v1/holds",
            R"({"member":"m_owner","asset":"points","amount":5,"timeout_seconds":60)" + where + "}",
            with_key(token));
        EXPECT_EQ(placed.status, 201) << placed.body;
        return placed.status == 201
                   ? std::to_string(nlohmann::json::parse(placed.body)["id"].get<std::int64_t>())
                   : std::string("0");
    };
    auto refused_field = [](const api::HttpResponse& response) {
        EXPECT_EQ(response.status, 403) << response.body;
        return response.status == 403 ? nlohmann::json::parse(response.body).value("field", "")
                                      : std::string();
    };
    const std::string of_s1 = place(s1, "");  // the key's binding: store s1
    const std::string of_till = place(unbound, R"(,"store":"s1","channel":"till")");
    const std::string of_none = place(unbound, "");
    const auto store = testkit::OpenStore(ledger_.db_path);
    const auto row = store->LoadHold(EntryId(std::stoll(of_till)));
    ASSERT_TRUE(row.has_value() && row->has_value());
    EXPECT_EQ((*row)->store, "s1");
    EXPECT_EQ((*row)->channel, "till");

    EXPECT_EQ(refused_field(Call("POST", "/v1/holds/" + of_s1 + "/capture", "", with_key(s2))),
              "store");
    EXPECT_EQ(refused_field(Call("POST", "/v1/holds/" + of_s1 + "/void", "", with_key(s2))),
              "store");
    EXPECT_EQ(Call("POST", "/v1/holds/" + of_s1 + "/capture", "", with_key(s1)).status, 200);
    EXPECT_EQ(refused_field(Call("POST", "/v1/holds/" + of_till + "/void", "", with_key(web))),
              "channel");
    EXPECT_EQ(Call("POST", "/v1/holds/" + of_till + "/void", "", with_key(s1)).status, 200);
    EXPECT_EQ(refused_field(Call("POST", "/v1/holds/" + of_none + "/capture", "", with_key(s1))),
              "store");
    EXPECT_EQ(Call("POST", "/v1/holds/" + of_none + "/void", "", with_key(unbound)).status, 200);
    const std::string staff = StaffSession(access::Role::kRisk);
    const std::string of_s1_again = place(s1, "");
    EXPECT_EQ(Call("POST", "/v1/holds/" + of_s1_again + "/void", "", with_key(staff)).status, 200);
    // An unknown hold is still 404 for a bound key.
    EXPECT_EQ(Call("POST", "/v1/holds/999999/void", "", with_key(s1)).status, 404);
}

TEST_F(AppAuthTest, StaffRoleByRouteTableDeniesEveryPairNotListed) {
    // Proves the role × route table: a full staff session of each role may call exactly the
    // scoped routes listed here (admin: all of them) and gets 403 on every other one.
    const std::set<std::tuple<std::string, std::string, std::string>> allowed = {
        {"manager", "GET", "/v1/members/{id}"},
        {"manager", "GET", "/v1/members/{id}/balance"},
        {"manager", "GET", "/v1/members/{id}/history"},
        {"manager", "GET", "/v1/members/{id}/receipts/{entry}"},
        {"manager", "GET", "/v1/program/draft"},
        {"manager", "PUT", "/v1/program/draft"},
        {"manager", "POST", "/v1/program/validate"},
        {"manager", "POST", "/v1/program/publish"},
        {"manager", "GET", "/v1/program/versions"},
        {"manager", "GET", "/v1/program/versions/{version}"},
        {"manager", "POST", "/v1/program/versions/{version}/restore"},
        {"manager", "GET", "/v1/program/budgets"},
        {"manager", "POST", "/v1/program/budgets/{code}/fund"},
        {"analyst", "GET", "/v1/program/draft"},
        {"analyst", "GET", "/v1/program/versions"},
        {"analyst", "GET", "/v1/program/versions/{version}"},
        {"analyst", "GET", "/v1/program/budgets"},
        {"manager", "POST", "/v1/program/simulate"},
        {"support", "POST", "/v1/members"},
        {"support", "GET", "/v1/members/{id}"},
        {"support", "GET", "/v1/members/{id}/balance"},
        {"support", "GET", "/v1/members/{id}/history"},
        {"support", "GET", "/v1/members/{id}/receipts/{entry}"},
        {"support", "POST", "/v1/members/{id}/credentials"},
        {"support", "PATCH", "/v1/members/{id}"},
        {"risk", "GET", "/v1/members/{id}"},
        {"risk", "GET", "/v1/members/{id}/balance"},
        {"risk", "GET", "/v1/members/{id}/history"},
        {"risk", "GET", "/v1/members/{id}/receipts/{entry}"},
        {"risk", "POST", "/v1/holds"},
        {"risk", "POST", "/v1/holds/{id}/capture"},
        {"risk", "POST", "/v1/holds/{id}/void"},
        {"risk", "POST", "/v1/entries/{id}/reverse"},
    };
    int checked = 0;
    for (const access::Role role : {access::Role::kAdmin,
                                    access::Role::kManager,
                                    access::Role::kAnalyst,
                                    access::Role::kSupport,
                                    access::Role::kRisk}) {
        const std::string name(access::RoleName(role));
        const Headers session = Bearer(StaffSession(role));
        for (const auto& [method, pattern] : router_.Routes()) {
            const RoutePolicy* policy = FindRoutePolicy(method, pattern);
            if (policy == nullptr || policy->need != Need::kScope) {
                continue;
            }
            const bool is_allowed =
                role == access::Role::kAdmin || allowed.contains({name, method, pattern});
            const int status = Call(method, FillPath(pattern, "nobody"), "", session).status;
            if (is_allowed) {
                EXPECT_NE(status, 401) << name << " " << method << " " << pattern;
                EXPECT_NE(status, 403) << name << " " << method << " " << pattern;
            } else {
                EXPECT_EQ(status, 403) << name << " " << method << " " << pattern;
            }
            ++checked;
        }
    }
    EXPECT_GE(checked, 5 * 20);
}

TEST_F(AppAuthTest, KeyOverItsRateAnswers429WithRetryAfter) {
    // Proves a key with rate_per_minute 2 gets two requests, then 429 rate-limited with
    // Retry-After 30 (one token every 30 s), and is served again 30 s later; a key without a
    // rate of its own is not limited.
    const Headers limited = Bearer(CreateBoundKey({"members:read"}, "", "", 2));
    const Headers unlimited = Bearer(CreateKey({"members:read"}));
    EXPECT_EQ(Call("GET", "/v1/members/nobody", "", limited).status, 404);
    EXPECT_EQ(Call("GET", "/v1/members/nobody", "", limited).status, 404);
    const api::HttpResponse refused = Call("GET", "/v1/members/nobody", "", limited);
    EXPECT_EQ(refused.status, 429);
    EXPECT_EQ(refused.Header("retry-after"), "30");
    EXPECT_NE(refused.body.find("rate-limited"), std::string::npos);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(Call("GET", "/v1/members/nobody", "", unlimited).status, 404);
    }
    ledger_.clock.Advance(std::chrono::seconds(29));
    EXPECT_EQ(Call("GET", "/v1/members/nobody", "", limited).Header("retry-after"), "1");
    ledger_.clock.Advance(std::chrono::seconds(1));
    EXPECT_EQ(Call("GET", "/v1/members/nobody", "", limited).status, 404);
}

TEST_F(AppAuthTest, KeysWithoutTheirOwnRateTakeTheServerDefault) {
    // Proves that with Deps::default_key_rate_per_minute 3, a key with no rate of its own gets
    // three requests and then 429, while a key with its own rate keeps that rate (5) and staff
    // sessions are not limited by it.
    deps_.default_key_rate_per_minute = 3;
    const Headers defaulted = Bearer(CreateKey({"members:read"}));
    const Headers own_rate = Bearer(CreateBoundKey({"members:read"}, "", "", 5));
    const Headers staff = Bearer(StaffSession(access::Role::kSupport));
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(Call("GET", "/v1/members/nobody", "", defaulted).status, 404) << i;
    }
    const api::HttpResponse refused = Call("GET", "/v1/members/nobody", "", defaulted);
    EXPECT_EQ(refused.status, 429);
    EXPECT_EQ(refused.Header("retry-after"), "20");
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(Call("GET", "/v1/members/nobody", "", own_rate).status, 404) << i;
        EXPECT_EQ(Call("GET", "/v1/members/nobody", "", staff).status, 404) << i;
    }
    EXPECT_EQ(Call("GET", "/v1/members/nobody", "", own_rate).status, 429);
}

TEST_F(AppAuthTest, LoginsAreLimitedPerAddress) {
    // Proves the public login route takes kAnonymousRatePerMinute requests from one address
    // (malformed ones too), then answers 429 with Retry-After, while another address is served;
    // the public transparency routes have their own bucket per address, of
    // kPublicReadRatePerMinute requests.
    remote_address_ = "192.0.2.7";
    for (std::int64_t i = 0; i < limits::kAnonymousRatePerMinute; ++i) {
        ASSERT_EQ(Call("POST", "/v1/auth/login", "{}").status, 400) << i;
    }
    const api::HttpResponse refused = Call("POST", "/v1/auth/login", "{}");
    EXPECT_EQ(refused.status, 429);
    EXPECT_EQ(refused.Header("retry-after"), "1");
    for (std::int64_t i = 0; i < limits::kPublicReadRatePerMinute; ++i) {
        ASSERT_NE(Call("GET", "/v1/transparency/keys").status, 429) << i;
    }
    EXPECT_EQ(Call("GET", "/v1/transparency/keys").status, 429);
    remote_address_ = "192.0.2.8";
    EXPECT_EQ(Call("POST", "/v1/auth/login", "{}").status, 400);
    EXPECT_EQ(Call("GET", "/v1/transparency/keys").status, 200);
}

TEST_F(AppAuthTest, EventIdempotencyKeyHeaderMustMatchTheId) {
    // Proves POST /v1/events refuses an Idempotency-Key header that differs from the event's id
    // (400 naming the header) and accepts one that equals it.
    ledger_.Enrol("m_ida");
    Headers headers = Bearer(CreateKey({"events:write"}));
    headers.emplace_back("idempotency-key", "other");
    const std::string event = R"({"id":"e1","member":"m_ida","type":"purchase","amount":500})";
    const api::HttpResponse refused = Call("POST", "/v1/events", event, headers);
    EXPECT_EQ(refused.status, 400);
    EXPECT_NE(refused.body.find(R"("field":"Idempotency-Key")"), std::string::npos);
    headers.back().second = "e1";
    EXPECT_EQ(Call("POST", "/v1/events", event, headers).status, 201);
}

TEST_F(AppAuthTest, LoginsWaitForPasswordWorkersWhileOtherRequestsAreServed) {
    // Proves a login runs on the password workers, not on the caller's thread: with the only
    // worker busy, dispatching a login returns unanswered, /healthz is answered meanwhile, and
    // the login is answered once the worker is free.
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    ASSERT_TRUE(workers_.Submit([released] { released.wait(); }));
    api::HttpRequest login;
    login.method = "POST";
    login.target = login.path = "/v1/auth/login";
    login.body = LoginBody("nobody@example.com", "wrong password");
    std::promise<api::HttpResponse> promise;
    std::future<api::HttpResponse> answer = promise.get_future();
    router_.Dispatch(&login, api::Responder([&promise](api::HttpResponse response) {
        promise.set_value(std::move(response));
    }));
    EXPECT_EQ(answer.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
    EXPECT_EQ(Call("GET", "/healthz").status, 200);
    release.set_value();
    ASSERT_EQ(answer.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(answer.get().status, 401);
}

TEST(WorkerPoolTest, RefusesBeyondItsQueueRunsTheQueueAtStopThenRefuses) {
    // Proves the queue is bounded by kPasswordJobsQueuedMax while the worker is busy, Stop runs
    // every job that was queued before joining, and a stopped pool refuses new jobs.
    WorkerPool pool(1);
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> started;
    ASSERT_TRUE(pool.Submit([released, &started] {
        started.set_value();
        released.wait();
    }));
    started.get_future().wait();
    std::atomic<std::size_t> ran{0};
    for (std::size_t i = 0; i < limits::kPasswordJobsQueuedMax; ++i) {
        ASSERT_TRUE(pool.Submit([&ran] { ran.fetch_add(1); })) << i;
    }
    EXPECT_FALSE(pool.Submit([&ran] { ran.fetch_add(1); }));
    release.set_value();
    pool.Stop();
    EXPECT_EQ(ran.load(), limits::kPasswordJobsQueuedMax);
    EXPECT_FALSE(pool.Submit([] {}));
}

TEST_F(AppAuthTest, StaffAreCreatedEnrolTotpChangeRoleAndAreDisabledWithAnAuditTrail) {
    // Proves the staff flow over the routes: an admin creates a support account; its first
    // login is an enrolment session that can only enrol TOTP; a wrong code is 401 naming
    // `code`; confirming answers 10 recovery codes and ends the session; a login with a code
    // reads members; a role change and disabling apply to the live session at once; and
    // GET /v1/audit lists the three actions, newest first, without the email.
    const Headers admin = Bearer(CreateKey({"admin"}));
    const api::HttpResponse created = Call(
        "POST",
        "/v1/staff",
        R"({"email":"ops@example.com","display_name":"Ops","password":"long password","role":"support"})",
        admin);
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = nlohmann::json::parse(created.body)["id"];
    EXPECT_EQ(
        Call("POST",
             "/v1/staff",
             R"({"email":"OPS@example.com","display_name":"Ops 2","password":"long password",)"
             R"("role":"admin"})",
             admin)
            .status,
        409);
    const std::string staff_login =
        R"({"kind":"staff","login":"ops@example.com","password":"long password"})";
    const api::HttpResponse first = Call("POST", "/v1/auth/login", staff_login);
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(nlohmann::json::parse(first.body)["is_enrolment_only"], true);
    const Headers enrolment = Bearer(nlohmann::json::parse(first.body)["token"]);
    EXPECT_EQ(Call("GET", "/v1/members/nobody", "", enrolment).status, 403);
    const api::HttpResponse begun = Call("POST", "/v1/auth/totp/enroll", "", enrolment);
    ASSERT_EQ(begun.status, 200) << begun.body;
    const nlohmann::json totp = nlohmann::json::parse(begun.body);
    EXPECT_TRUE(totp["otpauth_uri"].get<std::string>().starts_with("otpauth://totp/"));
    auto secret = crypto::Base32Decode(totp["secret"].get<std::string>());
    ASSERT_TRUE(secret.has_value());
    const api::HttpResponse wrong =
        Call("POST", "/v1/auth/totp/confirm", R"({"code":"12345"})", enrolment);
    EXPECT_EQ(wrong.status, 401);
    EXPECT_NE(wrong.body.find(R"("field":"code")"), std::string::npos);
    const api::HttpResponse confirmed =
        Call("POST",
             "/v1/auth/totp/confirm",
             nlohmann::json{{"code", crypto::TotpCode(*secret, UnixNow())}}.dump(),
             enrolment);
    ASSERT_EQ(confirmed.status, 200) << confirmed.body;
    EXPECT_EQ(nlohmann::json::parse(confirmed.body)["recovery_codes"].size(),
              limits::kRecoveryCodesCount);
    EXPECT_EQ(Call("POST", "/v1/auth/totp/enroll", "", enrolment).status, 401);

    ledger_.clock.Advance(std::chrono::seconds(30));
    nlohmann::json with_code = nlohmann::json::parse(staff_login);
    with_code["code"] = crypto::TotpCode(*secret, UnixNow());
    const api::HttpResponse second = Call("POST", "/v1/auth/login", with_code.dump());
    ASSERT_EQ(second.status, 200) << second.body;
    EXPECT_EQ(nlohmann::json::parse(second.body)["is_enrolment_only"], false);
    const Headers support = Bearer(nlohmann::json::parse(second.body)["token"]);
    EXPECT_EQ(Call("GET", "/v1/members/nobody", "", support).status, 404);
    EXPECT_EQ(Call("GET", "/v1/staff", "", support).status, 403);

    const api::HttpResponse listed = Call("GET", "/v1/staff", "", admin);
    ASSERT_EQ(listed.status, 200);
    EXPECT_EQ(nlohmann::json::parse(listed.body)["staff"][0]["is_totp_enrolled"], true);
    EXPECT_EQ(listed.body.find("ops@example.com"), std::string::npos);

    const api::HttpResponse role = Call(
        "POST", "/v1/staff/" + id + "/role", R"({"role":"analyst","reason":"moved team"})", admin);
    ASSERT_EQ(role.status, 200) << role.body;
    EXPECT_EQ(nlohmann::json::parse(role.body)["role"], "analyst");
    EXPECT_EQ(Call("GET", "/v1/members/nobody", "", support).status, 403);
    EXPECT_EQ(Call("POST", "/v1/staff/" + id + "/disable", R"({"extra":1})", admin).status, 400);
    const api::HttpResponse disabled = Call("POST", "/v1/staff/" + id + "/disable", "", admin);
    ASSERT_EQ(disabled.status, 200) << disabled.body;
    EXPECT_TRUE(nlohmann::json::parse(disabled.body)["disabled_at"].is_string());
    EXPECT_EQ(Call("GET", "/v1/members/nobody", "", support).status, 401);
    EXPECT_EQ(Call("POST", "/v1/staff/" + id + "/disable", "", admin).status, 404);
    EXPECT_EQ(Call("POST", "/v1/staff/x1/disable", "", admin).status, 404);

    const api::HttpResponse audit = Call("GET", "/v1/audit?limit=2", "", admin);
    ASSERT_EQ(audit.status, 200) << audit.body;
    const nlohmann::json page = nlohmann::json::parse(audit.body);
    ASSERT_EQ(page["events"].size(), 2U);
    EXPECT_EQ(page["events"][0]["action"], "staff.disable");
    EXPECT_EQ(page["events"][1]["action"], "staff.role.analyst");
    EXPECT_EQ(page["events"][1]["reason"], "moved team");
    EXPECT_EQ(page["events"][1]["actor"]["kind"], "key");
    EXPECT_EQ(page["events"][1]["target"], id);
    const api::HttpResponse rest =
        Call("GET", "/v1/audit?cursor=" + page["next_cursor"].get<std::string>(), "", admin);
    ASSERT_EQ(rest.status, 200);
    const nlohmann::json older = nlohmann::json::parse(rest.body);
    ASSERT_EQ(older["events"].size(), 1U);
    EXPECT_EQ(older["events"][0]["action"], "staff.create");
    EXPECT_TRUE(older["next_cursor"].is_null());
    EXPECT_EQ((audit.body + rest.body).find("ops@example.com"), std::string::npos);
}

TEST_F(AppAuthTest, MemberCredentialsAndPasswordChangeEndEverySession) {
    // Proves a members:write key gives a member a phone login (again: 409; unknown member: 404);
    // a wrong current password is 401 naming it; a password change answers 204 and ends both
    // of the member's sessions; then only the new password logs in. Member TOTP is optional:
    // enrolling it from a session answers no recovery codes and keeps the session.
    ledger_.Enrol("m_eva");
    const Headers writer = Bearer(CreateKey({"members:write"}));
    const std::string credentials = R"({"login":"+44 20 7946 0958","password":"first password"})";
    EXPECT_EQ(Call("POST", "/v1/members/m_eva/credentials", credentials, writer).status, 201);
    EXPECT_EQ(Call("POST", "/v1/members/m_eva/credentials", credentials, writer).status, 409);
    EXPECT_EQ(Call("POST", "/v1/members/m_nobody/credentials", credentials, writer).status, 404);
    EXPECT_EQ(Call("POST", "/v1/members/m_eva/credentials", R"({"login":"+44"})", writer).status,
              400);
    const std::string phone = "+442079460958";
    std::vector<Headers> sessions;
    for (int i = 0; i < 2; ++i) {
        const api::HttpResponse login =
            Call("POST", "/v1/auth/login", LoginBody(phone, "first password"));
        ASSERT_EQ(login.status, 200) << login.body;
        sessions.push_back(Bearer(nlohmann::json::parse(login.body)["token"]));
    }
    const api::HttpResponse totp = Call("POST", "/v1/auth/totp/enroll", "{}", sessions[0]);
    EXPECT_EQ(totp.status, 200) << totp.body;
    const api::HttpResponse wrong =
        Call("POST",
             "/v1/auth/password",
             R"({"current_password":"not the one","new_password":"second password"})",
             sessions[0]);
    EXPECT_EQ(wrong.status, 401);
    EXPECT_NE(wrong.body.find(R"("field":"current_password")"), std::string::npos);
    const api::HttpResponse changed =
        Call("POST",
             "/v1/auth/password",
             R"({"current_password":"first password","new_password":"second password"})",
             sessions[0]);
    EXPECT_EQ(changed.status, 204) << changed.body;
    EXPECT_NE(changed.Header("set-cookie").find("Max-Age=0"), std::string_view::npos);
    for (const Headers& session : sessions) {
        EXPECT_EQ(Call("GET", "/v1/members/m_eva", "", session).status, 401);
    }
    EXPECT_EQ(Call("POST", "/v1/auth/login", LoginBody(phone, "first password")).status, 401);
    EXPECT_EQ(Call("POST", "/v1/auth/login", LoginBody(phone, "second password")).status, 200);
}

TEST_F(AppAuthTest, KeysAndAdjustmentsAreAudited) {
    // Proves creating and revoking a key and a staff adjustment (with its reason) each write one
    // audit row naming the acting key and the request id, and a replayed or failed adjustment
    // writes none.
    ledger_.Enrol("m_finn");
    const std::string admin_token = CreateKey({"admin"});
    const std::string admin_id = admin_token.substr(3, 12);
    const Headers admin = Bearer(admin_token);
    const api::HttpResponse key =
        Call("POST", "/v1/keys", R"({"name":"till","scopes":["events:write"]})", admin);
    ASSERT_EQ(key.status, 201);
    const std::string key_id = nlohmann::json::parse(key.body)["id"];
    EXPECT_EQ(Call("POST", "/v1/keys/" + key_id + "/revoke", "", admin).status, 200);
    Headers adjust = admin;
    adjust.emplace_back("idempotency-key", "adj-1");
    const std::string body = R"({"asset":"points","delta":50,"reason":"goodwill"})";
    EXPECT_EQ(Call("POST", "/v1/members/m_finn/adjustments", body, adjust).status, 201);
    EXPECT_EQ(Call("POST", "/v1/members/m_finn/adjustments", body, adjust).status, 200);
    EXPECT_EQ(Call("POST", "/v1/members/m_finn/adjustments", R"({"delta":5})", adjust).status, 400);
    // A debit beyond the balance fails in the ledger: neither its entry nor its row is written.
    Headers overdraw = admin;
    overdraw.emplace_back("idempotency-key", "adj-2");
    EXPECT_EQ(Call("POST",
                   "/v1/members/m_finn/adjustments",
                   R"({"asset":"points","delta":-51,"reason":"too much"})",
                   overdraw)
                  .status,
              422);
    const api::HttpResponse balance = Call("GET", "/v1/members/m_finn/balance", "", admin);
    ASSERT_EQ(balance.status, 200);
    EXPECT_EQ(nlohmann::json::parse(balance.body)["points"], 50) << balance.body;

    const api::HttpResponse audit = Call("GET", "/v1/audit", "", admin);
    ASSERT_EQ(audit.status, 200);
    const nlohmann::json events = nlohmann::json::parse(audit.body)["events"];
    ASSERT_EQ(events.size(), 3U) << audit.body;
    EXPECT_EQ(events[0]["action"], "adjustment.create");
    EXPECT_EQ(events[0]["target"], "m_finn");
    EXPECT_EQ(events[0]["reason"], "goodwill");
    EXPECT_EQ(events[1]["action"], "key.revoke");
    EXPECT_EQ(events[1]["target"], key_id);
    EXPECT_EQ(events[2]["action"], "key.create");
    for (const nlohmann::json& event : events) {
        EXPECT_EQ(event["actor"]["kind"], "key");
        EXPECT_EQ(event["actor"]["id"], admin_id);
        EXPECT_EQ(event["request_id"], "test");
    }
    EXPECT_EQ(Call("GET", "/v1/audit?limit=0", "", admin).status, 400);
    EXPECT_EQ(Call("GET", "/v1/audit?cursor=!", "", admin).status, 400);
}

TEST_F(AppAuthTest, RevokedKeyIsRefusedAtTheNextRequest) {
    // Proves POST /v1/keys shows a token once, GET /v1/keys lists it without the secret, and
    // revoking it makes the next request 401.
    const std::string admin = CreateKey({"admin"});
    const api::HttpResponse created =
        Call("POST", "/v1/keys", R"({"name":"till 1","scopes":["members:read"]})", Bearer(admin));
    ASSERT_EQ(created.status, 201) << created.body;
    const nlohmann::json key = nlohmann::json::parse(created.body);
    const std::string token = key["token"];
    const std::string id = key["id"];
    const std::string secret = SecretOf(token);
    EXPECT_EQ(Call("GET", "/v1/members/nobody", "", Bearer(token)).status, 404);
    const api::HttpResponse listed = Call("GET", "/v1/keys", "", Bearer(admin));
    EXPECT_EQ(listed.status, 200);
    EXPECT_NE(listed.body.find(id), std::string::npos);
    EXPECT_EQ(listed.body.find(secret), std::string::npos);
    EXPECT_EQ(Call("POST", "/v1/keys", R"({"name":"x","scopes":["root"]})", Bearer(admin)).status,
              400);
    EXPECT_EQ(Call("POST", "/v1/keys/" + id + "/revoke", "", Bearer(admin)).status, 200);
    EXPECT_EQ(Call("GET", "/v1/members/nobody", "", Bearer(token)).status, 401);
    EXPECT_EQ(Call("POST", "/v1/keys/" + id + "/revoke", "", Bearer(admin)).status, 404);
}

TEST_F(AppAuthTest, MemberSessionReadsOnlyItsOwnMemberAndEndsAtLogout) {
    // Proves a member login answers a token and an HttpOnly SameSite=Strict cookie; the session
    // (as bearer or cookie) reads its own member, sees another member as unknown (404), may not
    // earn (403); wrong credentials answer one 401; after logout the replayed token is 401.
    EnrolMemberLogin("m_anna", "anna@example.com");
    ledger_.Enrol("m_boris");
    const api::HttpResponse wrong =
        Call("POST", "/v1/auth/login", LoginBody("anna@example.com", "wrong password"));
    const api::HttpResponse unknown =
        Call("POST", "/v1/auth/login", LoginBody("nobody@example.com", "wrong password"));
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(unknown.status, 401);
    EXPECT_EQ(nlohmann::json::parse(wrong.body)["detail"],
              nlohmann::json::parse(unknown.body)["detail"]);

    const api::HttpResponse login =
        Call("POST", "/v1/auth/login", LoginBody("Anna@Example.com", kPassword));
    ASSERT_EQ(login.status, 200) << login.body;
    const std::string token = nlohmann::json::parse(login.body)["token"];
    const std::string_view cookie = login.Header("set-cookie");
    EXPECT_TRUE(cookie.starts_with("candor_session=" + token + ";")) << cookie;
    EXPECT_NE(cookie.find("HttpOnly"), std::string_view::npos);
    EXPECT_NE(cookie.find("SameSite=Strict"), std::string_view::npos);
    EXPECT_EQ(cookie.find("Secure"), std::string_view::npos) << "not over plain HTTP";

    EXPECT_EQ(Call("GET", "/v1/members/m_anna", "", Bearer(token)).status, 200);
    EXPECT_EQ(
        Call("GET", "/v1/members/m_anna/balance", "", {{"cookie", "a=b; candor_session=" + token}})
            .status,
        200);
    const api::HttpResponse other = Call("GET", "/v1/members/m_boris/history", "", Bearer(token));
    EXPECT_EQ(other.status, 404);
    EXPECT_NE(other.body.find("unknown-member"), std::string::npos);
    EXPECT_EQ(Call("POST",
                   "/v1/events",
                   R"({"id":"e1","member":"m_anna","type":"purchase","amount":500})",
                   Bearer(token))
                  .status,
              403);

    const api::HttpResponse logout = Call("POST", "/v1/auth/logout", "", Bearer(token));
    EXPECT_EQ(logout.status, 204);
    EXPECT_NE(logout.Header("set-cookie").find("Max-Age=0"), std::string_view::npos);
    EXPECT_EQ(Call("GET", "/v1/members/m_anna", "", Bearer(token)).status, 401);
    EXPECT_EQ(Call("POST", "/v1/auth/logout", "", Bearer(token)).status, 401);
}

TEST_F(AppAuthTest, CookiesAreSecureOverTls) {
    // Proves a login and a logout that came over TLS set the cookie with Secure, so a browser
    // never sends the session over plain HTTP.
    EnrolMemberLogin("m_anna", "anna@example.com");
    const api::HttpResponse login =
        Call("POST", "/v1/auth/login", LoginBody("anna@example.com", kPassword), {}, true);
    ASSERT_EQ(login.status, 200) << login.body;
    EXPECT_TRUE(login.Header("set-cookie").ends_with("; Secure")) << login.Header("set-cookie");
    const std::string token = nlohmann::json::parse(login.body)["token"];
    const api::HttpResponse logout = Call("POST", "/v1/auth/logout", "", Bearer(token), true);
    EXPECT_EQ(logout.status, 204);
    EXPECT_NE(logout.Header("set-cookie").find("; Secure"), std::string_view::npos);
}

TEST_F(AppAuthTest, RepeatedFailedLoginsLockWithRetryAfter) {
    // Proves that after kLoginFailuresMax wrong passwords even the right one answers 429 with
    // Retry-After.
    EnrolMemberLogin("m_carl", "carl@example.com");
    for (std::int64_t i = 0; i < limits::kLoginFailuresMax; ++i) {
        EXPECT_EQ(Call("POST", "/v1/auth/login", LoginBody("carl@example.com", "bad guess")).status,
                  401);
    }
    const api::HttpResponse locked =
        Call("POST", "/v1/auth/login", LoginBody("carl@example.com", kPassword));
    EXPECT_EQ(locked.status, 429);
    EXPECT_EQ(locked.Header("retry-after"), std::to_string(limits::kLoginLockoutMs / 1000));
}

// One HTTP/1.1 request on a fresh connection with Connection: close; the whole answer as sent.
std::string Exchange(std::uint16_t port, const std::string& request) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{};
    timeout.tv_sec = 5;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string answer;
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
        send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
        std::array<char, 4096> chunk{};
        ssize_t got = 0;
        while ((got = recv(fd, chunk.data(), chunk.size(), 0)) > 0) {
            answer.append(chunk.data(), static_cast<std::size_t>(got));
        }
    }
    close(fd);
    return answer;
}

std::string Post(const std::string& path, const std::string& body, const std::string& headers) {
    return "POST " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n" + headers +
           "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
}

std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << file.rdbuf();
    return bytes.str();
}

TEST_F(AppAuthTest, SecretsNeverReachTheLogOrTheDatabase) {
    // Proves over real HTTP that an API key's secret, a session token and a password appear in
    // neither the server's log lines nor the database files (main, WAL).
    EnrolMemberLogin("m_dora", "dora@example.com");
    const std::string admin = CreateKey({"admin"});
    testing::internal::CaptureStderr();
    std::string answers;
    {
        api::ServerOptions options;
        options.host = "127.0.0.1";
        options.port = 0;
        options.threads = 1;
        api::Server server(options, router_, metrics_);
        ASSERT_TRUE(server.Start().has_value());
        const std::uint16_t port = server.port();
        answers += Exchange(port,
                            Post("/v1/keys",
                                 R"({"name":"till","scopes":["events:write"]})",
                                 "Authorization: Bearer " + admin + "\r\n"));
        answers +=
            Exchange(port, Post("/v1/auth/login", LoginBody("dora@example.com", kPassword), ""));
        // Logout over the wire: 204, and the token is refused afterwards.
        const std::size_t at = answers.rfind(R"("token":")") + 9;
        const std::string session = answers.substr(at, answers.find('"', at) - at);
        const std::string bearer = "Authorization: Bearer " + session + "\r\n";
        EXPECT_TRUE(
            Exchange(port, Post("/v1/auth/logout", "", bearer)).starts_with("HTTP/1.1 204"));
        EXPECT_TRUE(
            Exchange(port, Post("/v1/auth/logout", "", bearer)).starts_with("HTTP/1.1 401"));
        server.Stop();
        server.Wait();
    }
    const std::string log = testing::internal::GetCapturedStderr();
    // The till key from the first answer, the session token from the second.
    std::vector<std::string> secrets = {SecretOf(admin), kPassword};
    std::size_t from = 0;
    while ((from = answers.find(R"("token":")", from)) != std::string::npos) {
        from += 9;
        std::string token = answers.substr(from, answers.find('"', from) - from);
        secrets.push_back(token.starts_with("ck_") ? SecretOf(token) : token);
    }
    ASSERT_EQ(secrets.size(), 4U) << answers;
    EXPECT_NE(log.find("/v1/auth/login"), std::string::npos) << "the log has the requests";
    const std::string database = ReadFile(ledger_.db_path) + ReadFile(ledger_.db_path + "-wal");
    for (const std::string& secret : secrets) {
        EXPECT_EQ(log.find(secret), std::string::npos) << "log has " << secret;
        EXPECT_EQ(database.find(secret), std::string::npos) << "database has " << secret;
    }
}

}  // namespace
}  // namespace candor::app
