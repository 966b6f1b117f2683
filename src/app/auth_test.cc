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
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "app/routes.h"
#include "core/limits.h"
#include "testkit/testkit.h"

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
          deps_{committer_, reads_, access_} {
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
        request.path = path;
        request.body = body;
        request.request_id = "test";
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
    Deps deps_;
    api::Metrics metrics_;
    api::Router router_;
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
    // every scope but the one it needs (and not admin) 403; with the needed scope neither.
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
            if (scope != policy->scope && scope != access::Scope::kAdmin) {
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
    EXPECT_GE(checked, 14);
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
