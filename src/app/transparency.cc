// The transparency log over HTTP: signed tree heads, the signing keys, the log's entries, and
// inclusion and consistency proofs (public), and a member's receipts (member-owned). Hashes,
// signatures, keys and entry bytes are lower-case hex; times are RFC 3339 UTC, and a head also
// carries its signed timestamp as integer microseconds (`timestamp_us`), the value its signature
// covers. Every read runs on a pooled read-only connection. See docs/transparency.md.
#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "app/http_json.h"
#include "app/routes.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "journal/journal.h"
#include "translog/translog.h"

namespace candor::app {
namespace {

constexpr std::uint64_t kEntriesPageDefault = 100;

// A failure that names the query or path parameter it is about.
struct FieldError {
    Error error;
    std::string field;
};

template <class T>
using Answer = std::variant<T, FieldError>;

FieldError Fail(Error error, std::string_view field = {}) {
    return FieldError{std::move(error), std::string(field)};
}

nlohmann::json HashesJson(const std::vector<translog::Hash>& hashes) {
    nlohmann::json out = nlohmann::json::array();
    for (const translog::Hash& hash : hashes) {
        out.push_back(crypto::ToHex(hash));
    }
    return out;
}

nlohmann::json HeadJson(const translog::TreeHead& head) {
    return {{"size", head.size},
            {"root_hash", crypto::ToHex(head.root)},
            {"timestamp", FormatRfc3339(head.timestamp)},
            {"timestamp_us", ToMicros(head.timestamp)},
            {"key_id", head.key_id},
            {"signature", crypto::ToHex(head.signature)}};
}

// A tree size or leaf index: decimal digits without a leading zero (but "0"), below 2^63.
std::optional<std::uint64_t> ParseCount(std::string_view text) {
    if (text == "0") {
        return 0;
    }
    const std::optional<EntryId> positive = ParseEntryId(text);
    if (!positive) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(positive->value());
}

// Query parameter `name` as a count; std::nullopt when absent.
Result<std::optional<std::uint64_t>> CountParam(const api::HttpRequest& request,
                                                std::string_view name) {
    const std::optional<std::string_view> text = QueryParam(request.query, name);
    if (!text) {
        return std::optional<std::uint64_t>();
    }
    const std::optional<std::uint64_t> count = ParseCount(*text);
    if (!count) {
        return Invalid("Must be a non-negative decimal integer.");
    }
    return count;
}

// The signed head of exactly `size` leaves, or the latest when `size` is unset; a missing head
// is kUnknownTreeHead naming `field`.
Answer<translog::TreeHead> LoadHead(store::Store& store,
                                    std::optional<std::uint64_t> size,
                                    std::string_view field) {
    auto row = size ? store.LoadTreeHead(*size) : store.LatestTreeHead();
    if (!row) {
        return Fail(std::move(row).error());
    }
    if (!row->has_value()) {
        return Fail(MakeError(ErrorCode::kUnknownTreeHead,
                              size ? fmt::format("No tree head was signed at size {}.", *size)
                                   : std::string("No tree head has been signed yet.")),
                    field);
    }
    auto head = translog::FromRow(**row);
    if (!head) {
        return Fail(std::move(head).error());
    }
    return *std::move(head);
}

// Runs `read` on a pooled read-only connection and answers its document with 200, or its
// failure as a problem naming its field.
void Answer200(Deps& deps,
               const api::HttpRequest& request,
               api::Responder& respond,
               const std::function<Answer<nlohmann::json>(store::Store&)>& read) {
    auto answer = deps.reads.RunOnStore<Answer<nlohmann::json>>(
        [&read](store::Store& store) -> Result<Answer<nlohmann::json>> { return read(store); });
    if (!answer) {
        respond(api::Problem(answer.error(), request));
        return;
    }
    if (auto* failure = std::get_if<FieldError>(&*answer)) {
        respond(api::Problem(failure->error, request, failure->field));
        return;
    }
    // An entry's meta is opaque program bytes: invalid UTF-8 is replaced rather than thrown on
    // (the bytes themselves are served exactly, as hex).
    respond(api::HttpResponse::Json(200,
                                    std::get<nlohmann::json>(*answer).dump(
                                        -1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

void GetHead(Deps& deps, const api::HttpRequest& request, api::Responder respond) {
    Answer200(deps, request, respond, [](store::Store& store) -> Answer<nlohmann::json> {
        auto head = LoadHead(store, std::nullopt, "");
        if (auto* failure = std::get_if<FieldError>(&head)) {
            return *failure;
        }
        return HeadJson(std::get<translog::TreeHead>(head));
    });
}

void GetHeadAt(Deps& deps, const api::HttpRequest& request, api::Responder respond) {
    const std::optional<std::uint64_t> size = ParseCount(request.Param("size"));
    if (!size) {
        respond(api::Problem(Invalid("Must be a non-negative decimal integer."), request, "size"));
        return;
    }
    Answer200(deps, request, respond, [size](store::Store& store) -> Answer<nlohmann::json> {
        auto head = LoadHead(store, size, "size");
        if (auto* failure = std::get_if<FieldError>(&head)) {
            return *failure;
        }
        return HeadJson(std::get<translog::TreeHead>(head));
    });
}

void GetKeys(Deps& deps, const api::HttpRequest& request, api::Responder respond) {
    Answer200(deps, request, respond, [](store::Store& store) -> Answer<nlohmann::json> {
        auto keys = store.ListSigningKeys();
        if (!keys) {
            return Fail(std::move(keys).error());
        }
        nlohmann::json rendered = nlohmann::json::array();
        for (const store::SigningKeyRow& key : *keys) {
            rendered.push_back({{"key_id", key.key_id},
                                {"public_key", crypto::ToHex(key.public_key)},
                                {"created_at", FormatRfc3339(key.created_at)}});
        }
        return nlohmann::json{{"keys", std::move(rendered)}};
    });
}

// An entry as the log holds it: its canonical bytes, leaf hash and log index, and, decoded
// for reading, its pseudonymous fields (account ids, amounts, the program's meta).
nlohmann::json LogEntryJson(const store::EntryRow& row, const journal::Entry& entry) {
    nlohmann::json postings = nlohmann::json::array();
    for (const journal::Posting& posting : entry.postings) {
        postings.push_back({{"account", posting.account.value()},
                            {"asset", Name(posting.asset)},
                            {"amount", posting.amount.value()}});
    }
    return {{"index", row.id.value() - 1},
            {"entry_id", row.id.value()},
            {"bytes", crypto::ToHex(row.body)},
            {"leaf_hash", crypto::ToHex(row.leaf_hash)},
            {"kind", Name(entry.kind)},
            {"created_at", FormatRfc3339(entry.created_at)},
            {"effective_at", FormatRfc3339(entry.effective_at)},
            {"expires_at",
             ToMicros(entry.expires_at) == 0 ? nlohmann::json()
                                             : nlohmann::json(FormatRfc3339(entry.expires_at))},
            {"reference",
             entry.reference.is_set() ? nlohmann::json(entry.reference.value()) : nlohmann::json()},
            {"postings", std::move(postings)},
            {"meta", entry.meta}};
}

// The entry of leaf `index` with its decoded form; kCorruptDatabase when the row is missing or
// does not decode (the tree holds it, so the journal must).
Result<std::pair<store::EntryRow, journal::Entry>> LoadLeafEntry(store::Store& store,
                                                                 std::uint64_t index) {
    const EntryId id(static_cast<std::int64_t>(index) + 1);
    CANDOR_ASSIGN_OR_RETURN(std::optional<store::EntryRow> row, store.LoadEntry(id));
    if (!row) {
        return MakeError(ErrorCode::kCorruptDatabase,
                         fmt::format("leaf {} has no journal entry {}", index, id.value()));
    }
    auto entry = journal::Decode(row->body);
    if (!entry) {
        return MakeError(
            ErrorCode::kCorruptDatabase,
            fmt::format("entry {} does not decode: {}", id.value(), entry.error().message));
    }
    return std::pair(std::move(*row), std::move(*entry));
}

void GetEntries(Deps& deps, const api::HttpRequest& request, api::Responder respond) {
    auto start = CountParam(request, "start");
    if (!start) {
        respond(api::Problem(start.error(), request, "start"));
        return;
    }
    auto end = CountParam(request, "end");
    if (!end) {
        respond(api::Problem(end.error(), request, "end"));
        return;
    }
    const std::uint64_t first = start->value_or(0);
    const std::uint64_t last = end->value_or(first + kEntriesPageDefault);
    if (last < first) {
        respond(api::Problem(Invalid("Must not be below start."), request, "end"));
        return;
    }
    Answer200(deps, request, respond, [first, last](store::Store& store) -> Answer<nlohmann::json> {
        auto tree_size = store.LoadTreeSize();
        if (!tree_size) {
            return Fail(std::move(tree_size).error());
        }
        // One page: at most kTransparencyEntriesPageMax entries, and only integrated leaves.
        const std::uint64_t wanted = std::min(last, *tree_size);
        const std::uint64_t stop = std::min(wanted, first + limits::kTransparencyEntriesPageMax);
        nlohmann::json entries = nlohmann::json::array();
        for (std::uint64_t index = first; index < stop; ++index) {
            auto loaded = LoadLeafEntry(store, index);
            if (!loaded) {
                return Fail(std::move(loaded).error());
            }
            entries.push_back(LogEntryJson(loaded->first, loaded->second));
        }
        return nlohmann::json{
            {"tree_size", *tree_size},
            {"entries", std::move(entries)},
            {"next_start", stop < wanted ? nlohmann::json(stop) : nlohmann::json()}};
    });
}

// The inclusion proof of leaf `index` in the tree of `head`, as JSON.
Answer<nlohmann::json> InclusionJson(store::Store& store,
                                     std::uint64_t index,
                                     const translog::TreeHead& head) {
    auto tree = translog::StoredTree::Open(store);
    if (!tree) {
        return Fail(std::move(tree).error());
    }
    auto leaf = tree->Node(0, index);
    if (!leaf) {
        return Fail(std::move(leaf).error());
    }
    auto proof = translog::InclusionProof(*tree, index, head.size);
    if (!proof) {
        return Fail(std::move(proof).error());
    }
    return nlohmann::json{{"index", index},
                          {"leaf_hash", crypto::ToHex(*leaf)},
                          {"tree_size", head.size},
                          {"hashes", HashesJson(*proof)},
                          {"head", HeadJson(head)}};
}

struct InclusionQuery {
    std::optional<std::uint64_t> index;
    std::optional<translog::Hash> leaf_hash;
    std::optional<std::uint64_t> size;
};

Answer<InclusionQuery> ReadInclusionQuery(const api::HttpRequest& request) {
    InclusionQuery query;
    auto index = CountParam(request, "index");
    if (!index) {
        return Fail(std::move(index).error(), "index");
    }
    query.index = *index;
    if (const auto hex = QueryParam(request.query, "leaf_hash")) {
        auto bytes = crypto::FromHex(*hex);
        if (!bytes || bytes->size() != translog::Hash{}.size()) {
            return Fail(Invalid("Must be 64 hex digits (a SHA-256 leaf hash)."), "leaf_hash");
        }
        query.leaf_hash.emplace();
        std::copy(bytes->begin(), bytes->end(), query.leaf_hash->begin());
    }
    if (query.index.has_value() == query.leaf_hash.has_value()) {
        return Fail(Invalid("Give exactly one of index and leaf_hash."), "index");
    }
    auto size = CountParam(request, "size");
    if (!size) {
        return Fail(std::move(size).error(), "size");
    }
    query.size = *size;
    return query;
}

void GetInclusionProof(Deps& deps, const api::HttpRequest& request, api::Responder respond) {
    Answer<InclusionQuery> parsed = ReadInclusionQuery(request);
    if (auto* failure = std::get_if<FieldError>(&parsed)) {
        respond(api::Problem(failure->error, request, failure->field));
        return;
    }
    const InclusionQuery query = std::get<InclusionQuery>(parsed);
    Answer200(deps, request, respond, [&query](store::Store& store) -> Answer<nlohmann::json> {
        auto loaded = LoadHead(store, query.size, "size");
        if (auto* failure = std::get_if<FieldError>(&loaded)) {
            return *failure;
        }
        const auto& head = std::get<translog::TreeHead>(loaded);
        std::uint64_t index = 0;
        if (query.leaf_hash) {
            auto found = store.FindLeafByHash(*query.leaf_hash);
            if (!found) {
                return Fail(std::move(found).error());
            }
            if (!found->has_value() || **found >= head.size) {
                return Fail(MakeError(ErrorCode::kUnknownEntry,
                                      fmt::format("No leaf of the tree of size {} has this hash.",
                                                  head.size)),
                            "leaf_hash");
            }
            index = **found;
        } else {
            index = *query.index;
            if (index >= head.size) {
                return Fail(
                    MakeError(
                        ErrorCode::kUnknownEntry,
                        fmt::format("Leaf {} is not in the tree of size {}.", index, head.size)),
                    "index");
            }
        }
        return InclusionJson(store, index, head);
    });
}

void GetConsistencyProof(Deps& deps, const api::HttpRequest& request, api::Responder respond) {
    auto from = CountParam(request, "from");
    if (!from || !from->has_value() || **from == 0) {
        respond(api::Problem(
            from ? Invalid("Must be a tree size of at least 1.") : from.error(), request, "from"));
        return;
    }
    auto to = CountParam(request, "to");
    if (!to) {
        respond(api::Problem(to.error(), request, "to"));
        return;
    }
    if (to->has_value() && **to < **from) {
        respond(api::Problem(Invalid("Must not be below from."), request, "to"));
        return;
    }
    const std::uint64_t size1 = **from;
    const std::optional<std::uint64_t> size2 = *to;
    Answer200(
        deps, request, respond, [size1, size2](store::Store& store) -> Answer<nlohmann::json> {
            auto old_head = LoadHead(store, size1, "from");
            if (auto* failure = std::get_if<FieldError>(&old_head)) {
                return *failure;
            }
            auto new_head = LoadHead(store, size2, "to");
            if (auto* failure = std::get_if<FieldError>(&new_head)) {
                return *failure;
            }
            const auto& first = std::get<translog::TreeHead>(old_head);
            const auto& second = std::get<translog::TreeHead>(new_head);
            if (second.size < first.size) {
                return Fail(Invalid("The latest head is smaller than from."), "from");
            }
            auto tree = translog::StoredTree::Open(store);
            if (!tree) {
                return Fail(std::move(tree).error());
            }
            auto proof = translog::ConsistencyProof(*tree, first.size, second.size);
            if (!proof) {
                return Fail(std::move(proof).error());
            }
            return nlohmann::json{{"from", first.size},
                                  {"to", second.size},
                                  {"hashes", HashesJson(*proof)},
                                  {"from_head", HeadJson(first)},
                                  {"to_head", HeadJson(second)}};
        });
}

// Whether any posting of `entry` is on one of `member`'s accounts.
bool Touches(const journal::Entry& entry, MemberId member) {
    for (const journal::Posting& posting : entry.postings) {
        const std::optional<ledger::AccountInfo> account =
            ledger::DescribeMemberAccount(posting.account);
        if (account && account->member == member) {
            return true;
        }
    }
    return false;
}

// The receipt of `entry_id` for `member`: everything needed to check offline that the entry is
// in the log (docs/transparency.md, "Receipts").
Answer<nlohmann::json> Receipt(store::Store& store,
                               MemberId member,
                               std::string_view public_id,
                               EntryId entry_id) {
    const Error unknown =
        MakeError(ErrorCode::kUnknownEntry, "No entry of this member has this id.");
    auto row = store.LoadEntry(entry_id);
    if (!row) {
        return Fail(std::move(row).error());
    }
    if (!row->has_value()) {
        return Fail(unknown, "entry");
    }
    auto entry = journal::Decode((*row)->body);
    if (!entry) {
        return Fail(std::move(entry).error());
    }
    // Another member's entry answers as one that does not exist, so ids cannot be probed.
    if (!Touches(*entry, member)) {
        return Fail(unknown, "entry");
    }
    auto loaded = LoadHead(store, std::nullopt, "entry");
    const auto index = static_cast<std::uint64_t>(entry_id.value() - 1);
    if (std::holds_alternative<FieldError>(loaded) ||
        std::get<translog::TreeHead>(loaded).size <= index) {
        if (auto* failure = std::get_if<FieldError>(&loaded);
            failure != nullptr && failure->error.code != ErrorCode::kUnknownTreeHead) {
            return *failure;
        }
        return Fail(MakeError(ErrorCode::kNotSequenced,
                              "The entry is not yet covered by a signed tree head."),
                    "entry");
    }
    const auto& head = std::get<translog::TreeHead>(loaded);
    auto keys = store.ListSigningKeys();
    if (!keys) {
        return Fail(std::move(keys).error());
    }
    std::optional<store::Digest> public_key;
    for (const store::SigningKeyRow& key : *keys) {
        if (key.key_id == head.key_id) {
            public_key = key.public_key;
        }
    }
    if (!public_key) {
        return Fail(MakeError(ErrorCode::kCorruptDatabase,
                              fmt::format("no public key recorded for key id {}", head.key_id)));
    }
    auto tree = translog::StoredTree::Open(store);
    if (!tree) {
        return Fail(std::move(tree).error());
    }
    auto proof = translog::InclusionProof(*tree, index, head.size);
    if (!proof) {
        return Fail(std::move(proof).error());
    }
    return nlohmann::json{{"member", public_id},
                          {"entry", RenderEntry(*entry, member)},
                          {"index", index},
                          {"bytes", crypto::ToHex((*row)->body)},
                          {"leaf_hash", crypto::ToHex((*row)->leaf_hash)},
                          {"hashes", HashesJson(*proof)},
                          {"head", HeadJson(head)},
                          {"public_key", crypto::ToHex(*public_key)}};
}

void GetReceipt(Deps& deps, const api::HttpRequest& request, api::Responder respond) {
    const std::string public_id(request.Param("id"));
    auto member = ResolveMember(deps, public_id);
    if (!member) {
        respond(api::Problem(member.error(), request));
        return;
    }
    const std::optional<EntryId> entry_id = ParseEntryId(request.Param("entry"));
    if (!entry_id) {
        respond(api::Problem(
            MakeError(ErrorCode::kUnknownEntry, "No entry of this member has this id."),
            request,
            "entry"));
        return;
    }
    Answer200(deps, request, respond, [&](store::Store& store) {
        return Receipt(store, *member, public_id, *entry_id);
    });
}

// Registers a public GET route whose handler needs only the request.
void AddRead(api::Router& router,
             Deps& deps,
             std::string_view pattern,
             void (*handler)(Deps&, const api::HttpRequest&, api::Responder)) {
    AddRoute(
        router,
        deps,
        "GET",
        pattern,
        [&deps, handler](const RequestContext&, const api::HttpRequest& r, api::Responder respond) {
            handler(deps, r, std::move(respond));
        });
}

}  // namespace

void RegisterTransparency(api::Router& router, Deps& deps) {
    AddRead(router, deps, "/v1/transparency/head", GetHead);
    AddRead(router, deps, "/v1/transparency/heads/{size}", GetHeadAt);
    AddRead(router, deps, "/v1/transparency/keys", GetKeys);
    AddRead(router, deps, "/v1/transparency/entries", GetEntries);
    AddRead(router, deps, "/v1/transparency/proof/inclusion", GetInclusionProof);
    AddRead(router, deps, "/v1/transparency/proof/consistency", GetConsistencyProof);
    AddRead(router, deps, "/v1/members/{id}/receipts/{entry}", GetReceipt);
}

}  // namespace candor::app
