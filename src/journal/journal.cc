#include "journal/journal.h"

#include <fmt/format.h>

#include <map>

#include "core/limits.h"

namespace candor::journal {
namespace {

constexpr std::uint8_t kEncodingVersion = 1;
// version, id, kind, created_at, effective_at, reference, expires_at, posting count
constexpr std::size_t kHeaderBytes = 1 + 8 + 1 + 8 + 8 + 8 + 8 + 2;
constexpr std::size_t kPostingBytes = 8 + 1 + 8;
constexpr std::size_t kMetaLengthBytes = 4;

static_assert(kHeaderBytes + limits::kEntryPostingsMax * kPostingBytes + kMetaLengthBytes +
                      limits::kEntryMetaBytesMax <=
                  limits::kEntryBytesMax,
              "the largest valid entry must fit the decoder bound");

class Writer {
public:
    explicit Writer(std::vector<std::uint8_t>* out) : out_(out) {}

    void U8(std::uint8_t v) { out_->push_back(v); }

    void U16(std::uint16_t v) { Big(v, 2); }

    void U32(std::uint32_t v) { Big(v, 4); }

    void U64(std::uint64_t v) { Big(v, 8); }

    void I64(std::int64_t v) { Big(static_cast<std::uint64_t>(v), 8); }

    void Bytes(std::string_view bytes) { out_->insert(out_->end(), bytes.begin(), bytes.end()); }

private:
    void Big(std::uint64_t v, int width) {
        for (int shift = (width - 1) * 8; shift >= 0; shift -= 8) {
            out_->push_back(static_cast<std::uint8_t>(v >> static_cast<unsigned>(shift)));
        }
    }

    std::vector<std::uint8_t>* out_;
};

class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}

    bool U8(std::uint8_t* v) {
        std::uint64_t wide = 0;
        if (!Big(1, &wide)) {
            return false;
        }
        *v = static_cast<std::uint8_t>(wide);
        return true;
    }

    bool U16(std::uint16_t* v) {
        std::uint64_t wide = 0;
        if (!Big(2, &wide)) {
            return false;
        }
        *v = static_cast<std::uint16_t>(wide);
        return true;
    }

    bool U32(std::uint32_t* v) {
        std::uint64_t wide = 0;
        if (!Big(4, &wide)) {
            return false;
        }
        *v = static_cast<std::uint32_t>(wide);
        return true;
    }

    bool I64(std::int64_t* v) {
        std::uint64_t wide = 0;
        if (!Big(8, &wide)) {
            return false;
        }
        *v = static_cast<std::int64_t>(wide);
        return true;
    }

    bool Bytes(std::size_t n, std::string* out) {
        if (in_.size() - pos_ < n) {
            return false;
        }
        out->assign(reinterpret_cast<const char*>(in_.data() + pos_), n);  // NOLINT: bytes
        pos_ += n;
        return true;
    }

    bool AtEnd() const { return pos_ == in_.size(); }

private:
    bool Big(std::size_t width, std::uint64_t* v) {
        if (in_.size() - pos_ < width) {
            return false;
        }
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < width; ++i) {
            value = (value << 8U) | in_[pos_ + i];
        }
        pos_ += width;
        *v = value;
        return true;
    }

    std::span<const std::uint8_t> in_;
    std::size_t pos_ = 0;
};

Error Corrupt(std::string_view what) {
    return MakeError(ErrorCode::kCorruptEntry, fmt::format("corrupt journal entry: {}", what));
}

}  // namespace

Status Validate(const Entry& entry) {
    if (!entry.id.is_set() || entry.id.value() < 0) {
        return MakeError(ErrorCode::kInvalidArgument, "entry id must be positive");
    }
    // Decode rejects what follows, so Encode must never produce it.
    if (!IsKnownEntryKind(static_cast<std::uint8_t>(entry.kind))) {
        return MakeError(ErrorCode::kInvalidArgument, "unknown entry kind");
    }
    if (entry.reference.value() < 0) {
        return MakeError(ErrorCode::kInvalidArgument, "entry reference must not be negative");
    }
    if (entry.postings.empty() || entry.postings.size() > limits::kEntryPostingsMax) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("an entry holds 1 to {} postings, not {}",
                                     limits::kEntryPostingsMax,
                                     entry.postings.size()));
    }
    if (entry.meta.size() > limits::kEntryMetaBytesMax) {
        return MakeError(ErrorCode::kInvalidArgument, "entry metadata is too long");
    }
    std::map<Asset, Amount> sums;
    for (const Posting& posting : entry.postings) {
        if (posting.amount.is_zero()) {
            return MakeError(ErrorCode::kInvalidAmount, "a posting amount is zero");
        }
        if (posting.account.value() <= 0) {
            return MakeError(ErrorCode::kInvalidArgument, "a posting account must be positive");
        }
        if (!IsKnownAsset(static_cast<std::uint8_t>(posting.asset))) {
            return MakeError(ErrorCode::kInvalidArgument, "a posting has an unknown asset");
        }
        auto sum = sums[posting.asset].Plus(posting.amount);
        if (!sum) {
            return MakeError(ErrorCode::kAmountOverflow, "postings overflow int64");
        }
        sums[posting.asset] = *sum;
    }
    for (const auto& [asset, sum] : sums) {
        if (!sum.is_zero()) {
            return MakeError(ErrorCode::kUnbalancedEntry,
                             fmt::format("{} postings sum to {}, not 0", Name(asset), sum.value()));
        }
    }
    return Ok();
}

std::vector<std::uint8_t> Encode(const Entry& entry) {
    CANDOR_ASSERT(Validate(entry).has_value());
    std::vector<std::uint8_t> out;
    out.reserve(kHeaderBytes + entry.postings.size() * kPostingBytes + kMetaLengthBytes +
                entry.meta.size());
    Writer w(&out);
    w.U8(kEncodingVersion);
    w.U64(static_cast<std::uint64_t>(entry.id.value()));
    w.U8(static_cast<std::uint8_t>(entry.kind));
    w.I64(ToMicros(entry.created_at));
    w.I64(ToMicros(entry.effective_at));
    w.U64(static_cast<std::uint64_t>(entry.reference.value()));
    w.I64(ToMicros(entry.expires_at));
    w.U16(static_cast<std::uint16_t>(entry.postings.size()));
    for (const Posting& posting : entry.postings) {
        w.U64(static_cast<std::uint64_t>(posting.account.value()));
        w.U8(static_cast<std::uint8_t>(posting.asset));
        w.I64(posting.amount.value());
    }
    w.U32(static_cast<std::uint32_t>(entry.meta.size()));
    w.Bytes(entry.meta);
    return out;
}

Result<Entry> Decode(std::span<const std::uint8_t> bytes) {
    if (bytes.size() > limits::kEntryBytesMax) {
        return Corrupt("longer than the largest valid entry");
    }
    Reader r(bytes);
    std::uint8_t version = 0;
    if (!r.U8(&version) || version != kEncodingVersion) {
        return Corrupt("unknown encoding version");
    }
    Entry entry;
    std::int64_t id = 0;
    std::uint8_t kind = 0;
    std::int64_t created_us = 0;
    std::int64_t effective_us = 0;
    std::int64_t reference = 0;
    std::int64_t expires_us = 0;
    std::uint16_t count = 0;
    if (!r.I64(&id) || !r.U8(&kind) || !r.I64(&created_us) || !r.I64(&effective_us) ||
        !r.I64(&reference) || !r.I64(&expires_us) || !r.U16(&count)) {
        return Corrupt("truncated header");
    }
    if (!IsKnownEntryKind(kind)) {
        return Corrupt("unknown entry kind");
    }
    if (reference < 0) {
        return Corrupt("negative reference");
    }
    if (count == 0 || count > limits::kEntryPostingsMax) {
        return Corrupt("posting count out of range");
    }
    entry.id = EntryId(id);
    entry.kind = static_cast<EntryKind>(kind);
    entry.created_at = FromMicros(created_us);
    entry.effective_at = FromMicros(effective_us);
    entry.reference = EntryId(reference);
    entry.expires_at = FromMicros(expires_us);
    entry.postings.reserve(count);
    for (std::uint16_t i = 0; i < count; ++i) {
        std::int64_t account = 0;
        std::uint8_t asset = 0;
        std::int64_t amount = 0;
        if (!r.I64(&account) || !r.U8(&asset) || !r.I64(&amount)) {
            return Corrupt("truncated posting");
        }
        if (!IsKnownAsset(asset)) {
            return Corrupt("unknown asset");
        }
        entry.postings.push_back(
            Posting{AccountId(account), static_cast<Asset>(asset), Amount(amount)});
    }
    std::uint32_t meta_bytes = 0;
    if (!r.U32(&meta_bytes) || meta_bytes > limits::kEntryMetaBytesMax ||
        !r.Bytes(meta_bytes, &entry.meta)) {
        return Corrupt("bad metadata length");
    }
    if (!r.AtEnd()) {
        return Corrupt("trailing bytes");
    }
    if (auto valid = Validate(entry); !valid) {
        return Corrupt(valid.error().message);
    }
    return entry;
}

LeafHash HashLeaf(std::span<const std::uint8_t> encoded) {
    return crypto::Sha256WithPrefix(0x00, encoded);
}

}  // namespace candor::journal
