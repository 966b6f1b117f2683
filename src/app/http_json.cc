#include "app/http_json.h"

#include <array>
#include <utility>

#include "core/limits.h"

namespace candor::app {

Result<Asset> ReadAsset(const nlohmann::json& object,
                        std::string_view name,
                        bool spendable_only,
                        std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(const std::string text, ReadString(object, name, 1, 16, field));
    Asset asset = Asset::kPoints;
    if (!ParseAsset(text, &asset) || (spendable_only && asset == Asset::kStatus)) {
        return Invalid(spendable_only ? "Must be \"points\" or \"cashback\"."
                                      : "Must be \"points\", \"status\" or \"cashback\".");
    }
    return asset;
}

Result<std::string> ReadIdempotencyKey(const api::HttpRequest& request) {
    const auto header = request.headers.find("idempotency-key");
    if (header == request.headers.end()) {
        return Invalid("Missing: every write takes an Idempotency-Key header.");
    }
    const std::string& key = header->second;
    bool is_printable = !key.empty() && key.size() <= limits::kIdempotencyKeyBytesMax;
    for (const char c : key) {
        is_printable = is_printable && c >= 0x20 && c <= 0x7e;
    }
    if (!is_printable) {
        return Invalid("Must be 1-" + std::to_string(limits::kIdempotencyKeyBytesMax) +
                       " printable ASCII characters.");
    }
    return key;
}

std::optional<std::string_view> QueryParam(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const std::size_t eq = pair.find('=');
        if (pair.substr(0, eq) == name) {
            return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        }
        if (amp == std::string_view::npos) {
            break;
        }
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

std::optional<EntryId> ParseEntryId(std::string_view text) {
    if (text.empty() || text.size() > 19 || text.front() == '0') {
        return std::nullopt;
    }
    std::int64_t id = 0;
    for (const char c : text) {
        if (c < '0' || c > '9' || id > (INT64_MAX - (c - '0')) / 10) {
            return std::nullopt;
        }
        id = id * 10 + (c - '0');
    }
    return EntryId(id);
}

namespace {

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(std::string_view bytes) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : bytes) {
        buffer = (buffer << 8) | static_cast<std::uint8_t>(c);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(kBase64Url[(buffer >> bits) & 0x3f]);
        }
    }
    if (bits > 0) {
        out.push_back(kBase64Url[(buffer << (6 - bits)) & 0x3f]);
    }
    return out;
}

// std::nullopt for a character outside the alphabet or a length no encoding has.
std::optional<std::string> Base64UrlDecode(std::string_view text) {
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const std::size_t value = kBase64Url.find(c);
        if (value == std::string_view::npos) {
            return std::nullopt;
        }
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    return out;
}

}  // namespace

std::string EncodeCursor(std::int64_t last_id) {
    return Base64UrlEncode(std::to_string(last_id));
}

Result<std::int64_t> DecodeCursor(std::string_view cursor) {
    const Error bad = Invalid("Not a cursor from a previous page's next_cursor.");
    // 19 digits of INT64_MAX encode to 26 characters.
    if (cursor.empty() || cursor.size() > 26) {
        return bad;
    }
    const std::optional<std::string> digits = Base64UrlDecode(cursor);
    if (!digits) {
        return bad;
    }
    // Ids are positive decimals without leading zeros, as entry ids are.
    const std::optional<EntryId> id = ParseEntryId(*digits);
    // Only the canonical encoding is accepted, so every id has exactly one cursor.
    if (!id || EncodeCursor(id->value()) != cursor) {
        return bad;
    }
    return id->value();
}

Result<PageQuery> ReadPageQuery(const api::HttpRequest& request,
                                std::size_t page_default,
                                std::size_t page_max,
                                std::string* field) {
    PageQuery page{page_default, 0};
    *field = "limit";
    if (const std::optional<std::string_view> text = QueryParam(request.query, "limit")) {
        std::size_t limit = 0;
        bool is_valid = !text->empty() && text->size() <= 4;
        for (const char c : *text) {
            is_valid = is_valid && c >= '0' && c <= '9';
            limit = limit * 10 + static_cast<std::size_t>(c - '0');
        }
        if (!is_valid || limit == 0 || limit > page_max) {
            return Invalid("Must be an integer from 1 to " + std::to_string(page_max) + ".");
        }
        page.limit = limit;
    }
    *field = "cursor";
    if (const std::optional<std::string_view> cursor = QueryParam(request.query, "cursor")) {
        CANDOR_ASSIGN_OR_RETURN(page.after_id, DecodeCursor(*cursor));
    }
    field->clear();
    return page;
}

nlohmann::json RenderEntry(const journal::Entry& entry, MemberId member) {
    nlohmann::json postings = nlohmann::json::array();
    for (const journal::Posting& posting : entry.postings) {
        const std::optional<ledger::AccountInfo> account =
            ledger::DescribeMemberAccount(posting.account);
        if (!account || (member.is_set() && account->member != member)) {
            continue;
        }
        postings.push_back(
            {{"account", account->kind == AccountKind::kMemberHeld ? "held" : "available"},
             {"asset", Name(posting.asset)},
             {"amount", posting.amount.value()}});
    }
    return {{"id", entry.id.value()},
            {"kind", Name(entry.kind)},
            {"created_at", FormatRfc3339(entry.created_at)},
            {"effective_at", FormatRfc3339(entry.effective_at)},
            {"reference",
             entry.reference.is_set() ? nlohmann::json(entry.reference.value()) : nlohmann::json()},
            {"postings", std::move(postings)}};
}

nlohmann::json ProblemJson(const Error& error,
                           const api::HttpRequest& request,
                           std::string_view field) {
    const api::HttpResponse problem = api::Problem(error, request, field);
    return nlohmann::json::parse(problem.body, nullptr, false);
}

}  // namespace candor::app
