// Strict request decoding and response rendering shared by the ledger routes: JSON bodies
// (unknown fields, wrong types and invalid UTF-8 refused, the offending field named), the
// Idempotency-Key header, query parameters, the opaque history cursor and the JSON shape of a
// journal entry. Pure functions, thread-safe. Private to app/.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/kinds.h"
#include "core/result.h"
#include "ledger/ledger.h"

namespace candor::app {

// The strict JSON readers (Invalid, ParseObject, CheckObject, Has, ReadString, ReadInteger,
// ReadPositiveInteger) are core's (core/json.h), found here by namespace lookup.

// "points", "status" or "cashback"; `spendable_only` refuses "status".
Result<Asset> ReadAsset(const nlohmann::json& object,
                        std::string_view name,
                        bool spendable_only,
                        std::string* field);

// The Idempotency-Key header: 1..kIdempotencyKeyBytesMax printable ASCII characters
// (0x20-0x7E). Missing or malformed is kInvalidArgument (field "Idempotency-Key").
Result<std::string> ReadIdempotencyKey(const api::HttpRequest& request);

// The value of query parameter `name` as sent (no percent-decoding: every parameter of ours
// is plain ASCII), or std::nullopt when absent.
std::optional<std::string_view> QueryParam(std::string_view query, std::string_view name);

// A page of a list ordered by positive integer ids (history, the audit log, keys, staff): the
// request's ?limit=1..page_max as plain decimal digits (`page_default` when absent) and the id
// of the previous page's last row from ?cursor= (0 when absent: the first page).
struct PageQuery {
    std::size_t limit = 0;
    std::int64_t after_id = 0;
};

// The limit a list answers when the client names none (docs/api.md, "Pagination").
inline constexpr std::size_t kPageDefault = 50;

// kInvalidArgument with *field "limit" or "cursor" for a malformed one.
Result<PageQuery> ReadPageQuery(const api::HttpRequest& request,
                                std::size_t page_default,
                                std::size_t page_max,
                                std::string* field);

// A path segment naming an entry (a hold is its entry): a positive decimal int64 without
// leading zeros, else std::nullopt.
std::optional<EntryId> ParseEntryId(std::string_view text);

// The cursor of a list: base64url (no padding) of the decimal id of the last row of a page.
// Clients treat it as opaque. DecodeCursor refuses anything EncodeCursor cannot produce.
std::string EncodeCursor(std::int64_t last_id);
Result<std::int64_t> DecodeCursor(std::string_view cursor);

// Ends a page read with up to limit + 1 rows (the extra one only tells that more follow): drops
// the extra row and answers the next_cursor, the cursor of the page's last row (`id_of(row)`),
// or null when no row was extra.
template <class Row, class IdOf>
nlohmann::json TakePage(std::vector<Row>* rows, std::size_t limit, IdOf id_of) {
    if (rows->size() <= limit) {
        return nullptr;
    }
    rows->resize(limit);
    return rows->empty() ? nlohmann::json() : nlohmann::json(EncodeCursor(id_of(rows->back())));
}

// {"id", "kind", "created_at", "effective_at", "reference" (id or null), "postings": [{"account":
// "available"|"held", "asset", "amount"}]}: only postings on `member`'s accounts, or on any
// member's accounts when `member` is unset. Program accounts are internal and never shown.
nlohmann::json RenderEntry(const journal::Entry& entry, MemberId member = MemberId());

// The problem document for `error` as a JSON value (for per-item batch results).
nlohmann::json ProblemJson(const Error& error,
                           const api::HttpRequest& request,
                           std::string_view field);

}  // namespace candor::app
