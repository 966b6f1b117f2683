// Fuzzes candord's request handling without sockets: the input is the bytes of one HTTP/1.1
// request, parsed as the server parses them (api::ParseRequest: the same Beast parser and the
// limits of core/limits.h), then dispatched through the router candord builds (BuildRouter), with
// real Deps over a SQLite database made once per process. "@admin" in an Authorization header
// stands for an admin API key made at start-up, so inputs reach the JSON decoding of every
// authenticated route. Each input waits for its answer, which must have a status in 200..599; an
// error must be problem+json whose "status" is the response's; a JSON answer must parse.
// Crashes, sanitizer reports, leaks and an answer that never comes fail the run.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>  // mkdtemp (POSIX)
#include <filesystem>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "access/access.h"
#include "api/api.h"
#include "app/routes.h"
#include "core/assert.h"
#include "core/clock.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace candor::app {
namespace {

constexpr std::string_view kAdminPlaceholder = "@admin";
constexpr auto kAnswerWait = std::chrono::seconds(30);

// candord's objects, wired as Serve() in candord.cc wires them, over a fresh database.
class Harness {
public:
    static Harness& Get() {
        static Harness harness;
        return harness;
    }

    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;

    ~Harness() { committer_->Stop(); }

    // Parses `bytes`, dispatches the request and checks its answer.
    void Run(std::string_view bytes) {
        auto request = api::ParseRequest(bytes, options_, random_);
        if (!request) {
            // The server answers these refusals itself; they must be client errors.
            CANDOR_ASSERT(Describe(request.error().code).http_status >= 400);
            CANDOR_ASSERT(Describe(request.error().code).http_status < 500);
            return;
        }
        auto authorization = request->headers.find("authorization");
        if (authorization != request->headers.end()) {
            const std::size_t at = authorization->second.find(kAdminPlaceholder);
            if (at != std::string::npos) {
                authorization->second.replace(at, kAdminPlaceholder.size(), admin_token_);
            }
        }
        std::promise<api::HttpResponse> promise;
        std::future<api::HttpResponse> answer = promise.get_future();
        router_.Dispatch(&*request, api::Responder([&promise](api::HttpResponse response) {
            promise.set_value(std::move(response));
        }));
        // The request must outlive its handler, which may answer from the committer's thread.
        CANDOR_ASSERT(answer.wait_for(kAnswerWait) == std::future_status::ready);
        Check(answer.get());
    }

private:
    // A fresh folder, removed with everything in it once the last connection has closed.
    struct TempDir {
        TempDir() : path(MakeDir()) {}

        TempDir(const TempDir&) = delete;
        TempDir& operator=(const TempDir&) = delete;

        ~TempDir() {
            std::error_code ignored;
            std::filesystem::remove_all(path, ignored);
        }

        std::filesystem::path path;
    };

    Harness()
        : url_("sqlite:" + (dir_.path / "fuzz.db").string()),
          store_(OpenStore(url_)),
          ledger_(*store_, clock_),
          hasher_(limits::kPasswordHashesConcurrentMax),
          reads_(url_, clock_),
          access_(url_, clock_, hasher_, access::AccessKeys{}),
          rates_(clock_),
          workers_(limits::kPasswordHashesConcurrentMax),
          random_(1) {
        CANDOR_ASSERT(crypto::InitCrypto().has_value());
        CANDOR_ASSERT(ledger_.Setup().has_value());
        committer_ = std::make_unique<ledger::Committer>(*store_, ledger_);
        deps_ = std::make_unique<Deps>(
            Deps{*committer_, reads_, access_, rates_, workers_, programs_, clock_});
        AddCommitterMetrics(metrics_, *committer_);
        BuildRouter(
            router_, metrics_, [] { return true; }, *deps_);
        auto created = access_.Run<access::CreatedApiKey>([](access::Access& access) {
            return access.CreateApiKey("fuzz admin", {"admin"}, "", "", 0);
        });
        CANDOR_ASSERT(created.has_value());
        admin_token_ = created->token;
    }

    static std::filesystem::path MakeDir() {
        // A tmpfs keeps the committer's syncs cheap when there is one.
        const std::filesystem::path shm = "/dev/shm";
        const std::filesystem::path base =
            std::filesystem::is_directory(shm) ? shm : std::filesystem::temp_directory_path();
        std::string pattern = (base / "candor-http-fuzz-XXXXXX").string();
        CANDOR_ASSERT(::mkdtemp(pattern.data()) != nullptr);
        return pattern;
    }

    static std::unique_ptr<store::Store> OpenStore(const std::string& url) {
        store::OpenOptions options;
        options.synchronous_full = false;
        auto store = store::Open(url, options);
        CANDOR_ASSERT(store.has_value());
        return std::move(store).value();
    }

    static void Check(const api::HttpResponse& response) {
        CANDOR_ASSERT(response.status >= 200);
        CANDOR_ASSERT(response.status <= 599);
        const std::string_view type = response.Header("content-type");
        const bool is_json = type.empty() || type == "application/json";
        if (response.status >= 400) {
            CANDOR_ASSERT(type == "application/problem+json");
            const auto problem = nlohmann::json::parse(response.body, nullptr, false);
            CANDOR_ASSERT(problem.is_object());
            const auto status = problem.find("status");
            CANDOR_ASSERT(status != problem.end() && status->is_number_integer());
            CANDOR_ASSERT(status->get<int>() == response.status);
            const auto slug = problem.find("type");
            CANDOR_ASSERT(slug != problem.end() && slug->is_string());
            CANDOR_ASSERT(slug->get<std::string>().starts_with("https://candor.dev/problems/"));
        } else if (is_json && !response.body.empty()) {
            CANDOR_ASSERT(!nlohmann::json::parse(response.body, nullptr, false).is_discarded());
        }
    }

    TempDir dir_;  // first, so that it goes last
    std::string url_;
    SystemClock clock_;
    std::unique_ptr<store::Store> store_;
    ledger::Ledger ledger_;
    crypto::PasswordHasher hasher_;
    ReadPool reads_;
    AccessPool access_;
    api::RateLimiter rates_;
    WorkerPool workers_;
    ProgramCache programs_;
    std::unique_ptr<ledger::Committer> committer_;
    std::unique_ptr<Deps> deps_;
    api::Metrics metrics_;
    api::Router router_;
    api::ServerOptions options_;
    Random random_;
    std::string admin_token_;
};

}  // namespace
}  // namespace candor::app

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    candor::app::Harness::Get().Run(
        std::string_view(reinterpret_cast<const char*>(data), size));  // NOLINT: bytes as text
    return 0;
}
