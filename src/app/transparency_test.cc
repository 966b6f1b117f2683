// The transparency routes through the router built as candord builds it, on a real SQLite file
// sequenced by translog::Sequence: every proof the routes serve verifies with translog's
// verifiers and the served head's signature; unknown entries, sizes without a head and malformed
// parameters answer problems naming the parameter; receipts are member-owned.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "app/routes.h"
#include "journal/journal.h"
#include "testkit/testkit.h"
#include "translog/translog.h"

namespace candor::app {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

translog::Hash HashFromHex(const nlohmann::json& hex) {
    auto bytes = crypto::FromHex(hex.get<std::string>());
    translog::Hash hash{};
    EXPECT_TRUE(bytes.has_value() && bytes->size() == hash.size());
    if (bytes && bytes->size() == hash.size()) {
        std::copy(bytes->begin(), bytes->end(), hash.begin());
    }
    return hash;
}

std::vector<translog::Hash> HashesFromJson(const nlohmann::json& hashes) {
    std::vector<translog::Hash> out;
    for (const auto& hex : hashes) {
        out.push_back(HashFromHex(hex));
    }
    return out;
}

translog::TreeHead HeadFromJson(const nlohmann::json& json) {
    translog::TreeHead head;
    head.size = json["size"].get<std::uint64_t>();
    head.root = HashFromHex(json["root_hash"]);
    head.timestamp = FromMicros(json["timestamp_us"].get<std::int64_t>());
    head.key_id = json["key_id"].get<std::string>();
    auto signature = crypto::FromHex(json["signature"].get<std::string>());
    EXPECT_TRUE(signature.has_value() && signature->size() == head.signature.size());
    if (signature && signature->size() == head.signature.size()) {
        std::copy(signature->begin(), signature->end(), head.signature.begin());
    }
    return head;
}

crypto::Ed25519Seed SeedOf(std::uint8_t byte) {
    crypto::Ed25519Seed seed{};
    seed.fill(byte);
    return seed;
}

class TransparencyTest : public ::testing::Test {
public:
    ~TransparencyTest() override { committer_.Stop(); }

protected:
    TransparencyTest()
        : committer_(*ledger_.store, *ledger_.ledger),
          reads_(ledger_.db_path, ledger_.clock),
          hasher_(1),
          access_(ledger_.db_path, ledger_.clock, hasher_, access::AccessKeys{}),
          rates_(ledger_.clock),
          workers_(1),
          deps_{committer_, reads_, access_, rates_, workers_, programs_, ledger_.clock},
          signer_(SeedOf(7)),
          log_store_(testkit::OpenStore(ledger_.db_path)) {
        BuildRouter(
            router_, metrics_, [] { return true; }, deps_);
        anna_ = ledger_.Enrol("m_anna");
        bob_ = ledger_.Enrol("m_bob");
        admin_ = CreateKey({"admin"});
    }

    // Dispatches a GET (path and query) through the router and waits for its answer.
    api::HttpResponse Get(const std::string& target, const Headers& headers = {}) {
        api::HttpRequest request;
        request.method = "GET";
        request.target = target;
        const std::size_t question = target.find('?');
        request.path = target.substr(0, question);
        request.query = question == std::string::npos ? "" : target.substr(question + 1);
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

    nlohmann::json GetJson(const std::string& target, const Headers& headers = {}) {
        const api::HttpResponse response = Get(target, headers);
        EXPECT_EQ(response.status, 200) << target << ": " << response.body;
        return nlohmann::json::parse(response.body, nullptr, false);
    }

    // Expects a problem with `status`, type slug `slug` and `field` (none when empty).
    void ExpectProblem(const std::string& target,
                       int status,
                       const std::string& slug,
                       const std::string& field,
                       const Headers& headers = {}) {
        const api::HttpResponse response = Get(target, headers);
        EXPECT_EQ(response.status, status) << target << ": " << response.body;
        const nlohmann::json problem = nlohmann::json::parse(response.body, nullptr, false);
        EXPECT_EQ(problem.value("type", ""), "https://candor.dev/problems/" + slug) << target;
        EXPECT_EQ(problem.value("field", ""), field) << target;
    }

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

    EntryId Earn(MemberId member, std::int64_t points) {
        ledger::Earn earn;
        earn.member = member;
        earn.points = Amount(points);
        auto outcome = ledger_.Run(earn);
        EXPECT_TRUE(outcome.has_value() && outcome->entry.has_value());
        return outcome && outcome->entry ? outcome->entry->id : EntryId();
    }

    translog::TreeHead Sequence() {
        auto report = translog::Sequence(*log_store_, signer_, ledger_.clock, 1000);
        EXPECT_TRUE(report.has_value()) << report.error().message;
        ledger_.clock.Advance(std::chrono::seconds(1));
        return report ? report->head : translog::TreeHead{};
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
    translog::Signer signer_;
    std::unique_ptr<store::Store> log_store_;
    MemberId anna_;
    MemberId bob_;
    std::string admin_;
};

TEST_F(TransparencyTest, NoHeadBeforeTheFirstSigning) {
    // Proves the head routes answer 404 unknown-tree-head until the sequencer signs one.
    ExpectProblem("/v1/transparency/head", 404, "unknown-tree-head", "");
    ExpectProblem("/v1/transparency/heads/0", 404, "unknown-tree-head", "size");
    ExpectProblem("/v1/transparency/proof/inclusion?index=0", 404, "unknown-tree-head", "size");
}

TEST_F(TransparencyTest, ServedHeadsAreSignedAndKeysListed) {
    // Proves GET /head and /heads/{size} serve exactly the stored signed head, its signature
    // verifies with the key GET /keys lists, and a size without a head is 404 naming size.
    Earn(anna_, 10);
    const translog::TreeHead signed_head = Sequence();
    const nlohmann::json head = GetJson("/v1/transparency/head");
    EXPECT_EQ(HeadFromJson(head), signed_head);
    EXPECT_EQ(head["timestamp"], FormatRfc3339(signed_head.timestamp));
    EXPECT_EQ(GetJson("/v1/transparency/heads/" + std::to_string(signed_head.size)), head);

    const nlohmann::json keys = GetJson("/v1/transparency/keys");
    ASSERT_EQ(keys["keys"].size(), 1U);
    EXPECT_EQ(keys["keys"][0]["key_id"], signer_.key_id());
    EXPECT_EQ(keys["keys"][0]["public_key"], crypto::ToHex(signer_.public_key()));
    EXPECT_TRUE(translog::VerifyTreeHead(HeadFromJson(head), signer_.public_key()).has_value());

    ExpectProblem("/v1/transparency/heads/999", 404, "unknown-tree-head", "size");
    ExpectProblem("/v1/transparency/heads/01", 400, "invalid-argument", "size");
    ExpectProblem("/v1/transparency/heads/-1", 400, "invalid-argument", "size");
}

TEST_F(TransparencyTest, InclusionProofsVerifyByIndexAndByLeafHash) {
    // Proves every leaf's served inclusion proof verifies against the served head's root, found
    // by index or by leaf hash, against the latest head or an older one named by size.
    for (int i = 0; i < 5; ++i) {
        Earn(anna_, 10 + i);
    }
    const translog::TreeHead old_head = Sequence();
    for (int i = 0; i < 6; ++i) {
        Earn(bob_, 20 + i);
    }
    const translog::TreeHead head = Sequence();
    ASSERT_GT(head.size, old_head.size);
    for (std::uint64_t index = 0; index < head.size; ++index) {
        const nlohmann::json proof =
            GetJson("/v1/transparency/proof/inclusion?index=" + std::to_string(index));
        EXPECT_EQ(HeadFromJson(proof["head"]), head);
        const translog::Hash leaf = HashFromHex(proof["leaf_hash"]);
        EXPECT_TRUE(translog::VerifyInclusion(
                        index, head.size, leaf, HashesFromJson(proof["hashes"]), head.root)
                        .has_value())
            << index;
        const nlohmann::json by_hash = GetJson("/v1/transparency/proof/inclusion?leaf_hash=" +
                                               proof["leaf_hash"].get<std::string>());
        EXPECT_EQ(by_hash, proof);
    }
    const nlohmann::json older =
        GetJson("/v1/transparency/proof/inclusion?index=2&size=" + std::to_string(old_head.size));
    EXPECT_EQ(HeadFromJson(older["head"]), old_head);
    EXPECT_TRUE(translog::VerifyInclusion(2,
                                          old_head.size,
                                          HashFromHex(older["leaf_hash"]),
                                          HashesFromJson(older["hashes"]),
                                          old_head.root)
                    .has_value());
}

TEST_F(TransparencyTest, InclusionProofErrorsNameTheirParameter) {
    // Proves unknown leaves, sizes beyond the tree or without a head, and malformed or
    // conflicting parameters each answer a problem naming the parameter.
    Earn(anna_, 10);
    const translog::TreeHead head = Sequence();
    const std::string size = std::to_string(head.size);
    ExpectProblem("/v1/transparency/proof/inclusion?index=" + size, 404, "unknown-entry", "index");
    ExpectProblem("/v1/transparency/proof/inclusion?index=0&size=" + std::to_string(head.size + 5),
                  404,
                  "unknown-tree-head",
                  "size");
    ExpectProblem("/v1/transparency/proof/inclusion?leaf_hash=" + std::string(64, 'a'),
                  404,
                  "unknown-entry",
                  "leaf_hash");
    ExpectProblem(
        "/v1/transparency/proof/inclusion?leaf_hash=abc", 400, "invalid-argument", "leaf_hash");
    ExpectProblem("/v1/transparency/proof/inclusion", 400, "invalid-argument", "index");
    ExpectProblem("/v1/transparency/proof/inclusion?index=0&leaf_hash=" + std::string(64, 'a'),
                  400,
                  "invalid-argument",
                  "index");
    ExpectProblem("/v1/transparency/proof/inclusion?index=x", 400, "invalid-argument", "index");
    // A leaf integrated after the head of size S is not in the tree of size S.
    Earn(anna_, 11);
    const translog::TreeHead later = Sequence();
    const nlohmann::json last =
        GetJson("/v1/transparency/proof/inclusion?index=" + std::to_string(later.size - 1));
    ExpectProblem("/v1/transparency/proof/inclusion?size=" + size +
                      "&leaf_hash=" + last["leaf_hash"].get<std::string>(),
                  404,
                  "unknown-entry",
                  "leaf_hash");
}

TEST_F(TransparencyTest, ConsistencyProofsVerifyBetweenSignedHeads) {
    // Proves the served consistency proof between two signed heads verifies, `to` defaults to
    // the latest head, and bad ranges or unsigned sizes answer problems naming the parameter.
    Earn(anna_, 10);
    const translog::TreeHead first = Sequence();
    Earn(anna_, 11);
    Earn(bob_, 12);
    const translog::TreeHead second = Sequence();
    const nlohmann::json proof =
        GetJson("/v1/transparency/proof/consistency?from=" + std::to_string(first.size));
    EXPECT_EQ(HeadFromJson(proof["from_head"]), first);
    EXPECT_EQ(HeadFromJson(proof["to_head"]), second);
    EXPECT_TRUE(
        translog::VerifyConsistency(
            first.size, second.size, first.root, second.root, HashesFromJson(proof["hashes"]))
            .has_value());
    ExpectProblem("/v1/transparency/proof/consistency", 400, "invalid-argument", "from");
    ExpectProblem("/v1/transparency/proof/consistency?from=0", 400, "invalid-argument", "from");
    ExpectProblem("/v1/transparency/proof/consistency?from=" + std::to_string(second.size) +
                      "&to=" + std::to_string(first.size),
                  400,
                  "invalid-argument",
                  "to");
    ExpectProblem("/v1/transparency/proof/consistency?from=" + std::to_string(first.size + 1),
                  404,
                  "unknown-tree-head",
                  "from");
    ExpectProblem("/v1/transparency/proof/consistency?from=" + std::to_string(first.size) +
                      "&to=" + std::to_string(second.size + 9),
                  404,
                  "unknown-tree-head",
                  "to");
}

TEST_F(TransparencyTest, EntriesAreTheLeavesWithTheirBytes) {
    // Proves GET /entries lists integrated leaves only, each with bytes that hash to its leaf
    // hash and decode to the entry it names, pages with next_start, and refuses end < start.
    for (int i = 0; i < 4; ++i) {
        Earn(anna_, 10 + i);
    }
    const translog::TreeHead head = Sequence();
    Earn(anna_, 99);  // not yet integrated
    const nlohmann::json page = GetJson("/v1/transparency/entries?start=1&end=3");
    ASSERT_EQ(page["entries"].size(), 2U);
    EXPECT_EQ(page["tree_size"], head.size);
    EXPECT_TRUE(page["next_start"].is_null());
    for (std::size_t i = 0; i < 2; ++i) {
        const nlohmann::json& entry = page["entries"][i];
        EXPECT_EQ(entry["index"], i + 1);
        EXPECT_EQ(entry["entry_id"], i + 2);
        auto bytes = crypto::FromHex(entry["bytes"].get<std::string>());
        ASSERT_TRUE(bytes.has_value());
        EXPECT_EQ(crypto::ToHex(journal::HashLeaf(*bytes)), entry["leaf_hash"]);
        auto decoded = journal::Decode(*bytes);
        ASSERT_TRUE(decoded.has_value());
        EXPECT_EQ(entry["kind"], Name(decoded->kind));
        EXPECT_EQ(entry["postings"].size(), decoded->postings.size());
    }
    const nlohmann::json all = GetJson("/v1/transparency/entries?end=1000");
    EXPECT_EQ(all["entries"].size(), head.size);
    EXPECT_TRUE(
        GetJson("/v1/transparency/entries?start=" + std::to_string(head.size + 3))["entries"]
            .empty());
    ExpectProblem("/v1/transparency/entries?start=3&end=2", 400, "invalid-argument", "end");
    ExpectProblem("/v1/transparency/entries?start=-3", 400, "invalid-argument", "start");
}

TEST_F(TransparencyTest, ReceiptsAreMemberOwnedAndVerifyOffline) {
    // Proves a receipt carries the entry bytes, an inclusion proof, the signed head and the
    // public key, all consistent; an entry not yet sequenced is 409 not-sequenced; another
    // member's entry is 404 for an admin and for a member session alike.
    const EntryId annas = Earn(anna_, 10);
    const EntryId bobs = Earn(bob_, 20);
    const std::string path = "/v1/members/m_anna/receipts/" + std::to_string(annas.value());
    ExpectProblem(path, 409, "not-sequenced", "entry", Bearer(admin_));
    const translog::TreeHead head = Sequence();

    const nlohmann::json receipt = GetJson(path, Bearer(admin_));
    EXPECT_EQ(receipt["member"], "m_anna");
    EXPECT_EQ(receipt["index"], annas.value() - 1);
    EXPECT_EQ(receipt["entry"]["id"], annas.value());
    EXPECT_EQ(receipt["public_key"], crypto::ToHex(signer_.public_key()));
    const translog::TreeHead served = HeadFromJson(receipt["head"]);
    EXPECT_EQ(served, head);
    EXPECT_TRUE(translog::VerifyTreeHead(served, signer_.public_key()).has_value());
    auto bytes = crypto::FromHex(receipt["bytes"].get<std::string>());
    ASSERT_TRUE(bytes.has_value());
    EXPECT_TRUE(translog::VerifyInclusion(receipt["index"].get<std::uint64_t>(),
                                          served.size,
                                          journal::HashLeaf(*bytes),
                                          HashesFromJson(receipt["hashes"]),
                                          served.root)
                    .has_value());

    const std::string bobs_under_anna =
        "/v1/members/m_anna/receipts/" + std::to_string(bobs.value());
    ExpectProblem(bobs_under_anna, 404, "unknown-entry", "entry", Bearer(admin_));
    ExpectProblem("/v1/members/m_anna/receipts/999", 404, "unknown-entry", "entry", Bearer(admin_));
    ExpectProblem("/v1/members/m_anna/receipts/x", 404, "unknown-entry", "entry", Bearer(admin_));
    ExpectProblem(path, 401, "unauthenticated", "");

    // A member session: its own receipt, never another member's.
    auto enrolled = access_.Run<bool>([&](access::Access& access) -> Result<bool> {
        CANDOR_TRY(access.EnrolCredentials(anna_, "anna@example.org", "correct horse battery"));
        return true;
    });
    ASSERT_TRUE(enrolled.has_value());
    auto session = access_.Run<access::Session>([](access::Access& access) {
        return access.LoginMember("anna@example.org", "correct horse battery", "");
    });
    ASSERT_TRUE(session.has_value()) << session.error().message;
    const Headers anna = Bearer(session->token);
    EXPECT_EQ(GetJson(path, anna), receipt);
    ExpectProblem(bobs_under_anna, 404, "unknown-entry", "entry", anna);
    ExpectProblem("/v1/members/m_bob/receipts/" + std::to_string(bobs.value()),
                  404,
                  "unknown-member",
                  "",
                  anna);
}

TEST_F(TransparencyTest, HistoryMarksSequencedAndVerifiableEntries) {
    // Proves each history entry carries its log index once integrated (null before) and
    // whether a signed head covers it.
    const EntryId first = Earn(anna_, 10);
    Sequence();
    const EntryId second = Earn(anna_, 11);
    const nlohmann::json history = GetJson("/v1/members/m_anna/history", Bearer(admin_));
    ASSERT_GE(history["entries"].size(), 2U);
    for (const nlohmann::json& entry : history["entries"]) {
        if (entry["id"] == second.value()) {
            EXPECT_TRUE(entry["log_index"].is_null());
            EXPECT_EQ(entry["verifiable"], false);
        } else if (entry["id"] == first.value()) {
            EXPECT_EQ(entry["log_index"], first.value() - 1);
            EXPECT_EQ(entry["verifiable"], true);
        }
    }
}

}  // namespace
}  // namespace candor::app
