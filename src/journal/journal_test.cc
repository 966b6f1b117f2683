#include "journal/journal.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.h"
#include "core/random.h"
#include "crypto/crypto.h"

namespace candor::journal {
namespace {

using Bytes = std::vector<std::uint8_t>;
using ByteList = std::initializer_list<std::uint8_t>;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

// Field offsets of the version 1 layout (docs/journal.md).
constexpr std::size_t kKindOffset = 1 + 8;
constexpr std::size_t kCountOffset = 1 + 8 + 1 + 8 + 8 + 8 + 8;
constexpr std::size_t kHeaderBytes = kCountOffset + 2;
constexpr std::size_t kPostingBytes = 8 + 1 + 8;

// Test vector 1, an earn, written by hand field by field from the layout in docs/journal.md.
constexpr std::string_view kEarnHex =
    "01"                // version 1
    "000000000000002a"  // id 42
    "01"                // kind earn
    "0006474846204000"  // created_at 1767225600000000 us = 2026-01-01T00:00:00Z
    "0006474844567c80"  // effective_at 1767225570000000 us = 2025-12-31T23:59:30Z
    "0000000000000000"  // reference: none
    "000663f6d2342000"  // expires_at 1798761600000000 us = 2027-01-01T00:00:00Z
    "0002"              // 2 postings
    "000000000000001f"  // account 31 (issued:points)
    "01"                // asset points
    "ffffffffffffff6a"  // amount -150 (two's complement)
    "0000000000000010"  // account 16 (member 1, available points)
    "01"                // asset points
    "0000000000000096"  // amount +150
    "00000006"          // 6 meta bytes
    "72756c653a37";     // "rule:7"

// SHA-256(0x00 || bytes) of vector 1, computed independently of Candor with
// python3 -c "import hashlib; b = bytes.fromhex('<kEarnHex>');
//             print(hashlib.sha256(b'\x00' + b).hexdigest())"
constexpr std::string_view kEarnLeafHash =
    "e22a3cd0bf2c2f8903fb6f86a6a86b231f8a46c6e150939c57af22ff2f932f34";

// Test vector 2, a reversal of vector 1 over two assets with a reference and no meta.
constexpr std::string_view kReversalHex =
    "01"                // version 1
    "000000000000002b"  // id 43
    "06"                // kind reversal
    "000647491cb3e400"  // created_at 1767229200000000 us = 2026-01-01T01:00:00Z
    "000647491cb3e400"  // effective_at, the same
    "000000000000002a"  // reference: entry 42
    "0000000000000000"  // expires_at: epoch (none)
    "0004"              // 4 postings
    "0000000000000010"  // account 16
    "01"                // asset points
    "ffffffffffffff6a"  // amount -150
    "000000000000001f"  // account 31
    "01"                // asset points
    "0000000000000096"  // amount +150
    "0000000000000012"  // account 18 (member 1, status)
    "02"                // asset status
    "ffffffffffffff6a"  // amount -150
    "000000000000002f"  // account 47 (issued:status)
    "02"                // asset status
    "0000000000000096"  // amount +150
    "00000000";         // no meta

// Computed the same way as kEarnLeafHash.
constexpr std::string_view kReversalLeafHash =
    "7f5a66861f9695f6aea966a723b1acf72a75a4019f66143d9222369d029d2eab";

// SHA-256 of the single byte 0x00: the RFC 6962 hash of an empty leaf, a well-known value.
constexpr std::string_view kEmptyLeafHash =
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d";

Bytes FromHex(std::string_view hex) {
    auto nibble = [](char c) -> std::uint8_t {
        if (c >= '0' && c <= '9') {
            return static_cast<std::uint8_t>(c - '0');
        }
        return static_cast<std::uint8_t>(c - 'a' + 10);
    };
    Bytes bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes.push_back(static_cast<std::uint8_t>(nibble(hex[i]) << 4U | nibble(hex[i + 1])));
    }
    return bytes;
}

std::string Hex(std::span<const std::uint8_t> bytes) {
    return crypto::ToHex(bytes);
}

Entry EarnEntry() {
    Entry entry;
    entry.id = EntryId(42);
    entry.kind = EntryKind::kEarn;
    entry.created_at = FromMicros(1'767'225'600'000'000);
    entry.effective_at = FromMicros(1'767'225'570'000'000);
    entry.expires_at = FromMicros(1'798'761'600'000'000);
    entry.postings = {Posting{AccountId(31), Asset::kPoints, Amount(-150)},
                      Posting{AccountId(16), Asset::kPoints, Amount(150)}};
    entry.meta = "rule:7";
    return entry;
}

Entry ReversalEntry() {
    Entry entry;
    entry.id = EntryId(43);
    entry.kind = EntryKind::kReversal;
    entry.created_at = FromMicros(1'767'229'200'000'000);
    entry.effective_at = entry.created_at;
    entry.reference = EntryId(42);
    entry.postings = {Posting{AccountId(16), Asset::kPoints, Amount(-150)},
                      Posting{AccountId(31), Asset::kPoints, Amount(150)},
                      Posting{AccountId(18), Asset::kStatus, Amount(-150)},
                      Posting{AccountId(47), Asset::kStatus, Amount(150)}};
    return entry;
}

// An encoding written field by field without the production encoder and without validation,
// so that tests can build bytes Encode would refuse to produce.
struct RawPosting {
    std::uint64_t account = 16;
    std::uint8_t asset = 1;
    std::int64_t amount = 0;
};

struct RawEntry {
    std::uint8_t version = 1;
    std::uint64_t id = 7;
    std::uint8_t kind = 1;
    std::int64_t created_us = 1'767'225'600'000'000;
    std::int64_t effective_us = 1'767'225'600'000'000;
    std::uint64_t reference = 0;
    std::int64_t expires_us = 0;
    std::optional<std::uint16_t> count;  // postings.size() when unset
    std::vector<RawPosting> postings = {{31, 1, -10}, {16, 1, 10}};
    std::optional<std::uint32_t> meta_length;  // meta.size() when unset
    std::string meta;
};

void PutBig(Bytes* out, std::uint64_t value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        out->push_back(static_cast<std::uint8_t>(value >> (8U * static_cast<unsigned>(i))));
    }
}

Bytes Build(const RawEntry& raw) {
    Bytes out;
    PutBig(&out, raw.version, 1);
    PutBig(&out, raw.id, 8);
    PutBig(&out, raw.kind, 1);
    PutBig(&out, static_cast<std::uint64_t>(raw.created_us), 8);
    PutBig(&out, static_cast<std::uint64_t>(raw.effective_us), 8);
    PutBig(&out, raw.reference, 8);
    PutBig(&out, static_cast<std::uint64_t>(raw.expires_us), 8);
    PutBig(&out, raw.count.value_or(static_cast<std::uint16_t>(raw.postings.size())), 2);
    for (const RawPosting& posting : raw.postings) {
        PutBig(&out, posting.account, 8);
        PutBig(&out, posting.asset, 1);
        PutBig(&out, static_cast<std::uint64_t>(posting.amount), 8);
    }
    PutBig(&out, raw.meta_length.value_or(static_cast<std::uint32_t>(raw.meta.size())), 4);
    out.insert(out.end(), raw.meta.begin(), raw.meta.end());
    return out;
}

// `count` balanced point postings: count - 1 credits of 1 and one debit of count - 1.
std::vector<RawPosting> BalancedPostings(std::size_t count) {
    std::vector<RawPosting> postings;
    for (std::size_t i = 0; i + 1 < count; ++i) {
        postings.push_back({static_cast<std::uint64_t>(16 + 16 * i), 1, 1});
    }
    postings.push_back({31, 1, -static_cast<std::int64_t>(count - 1)});
    return postings;
}

void ExpectCorrupt(const Bytes& bytes, std::string_view why) {
    auto decoded = Decode(bytes);
    ASSERT_FALSE(decoded.has_value()) << why << ": " << Hex(bytes);
    EXPECT_EQ(decoded.error().code, ErrorCode::kCorruptEntry) << why;
}

void ExpectDecodesCanonically(const Bytes& bytes) {
    auto decoded = Decode(bytes);
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message << ": " << Hex(bytes);
    EXPECT_EQ(Encode(*decoded), bytes);
}

// A random valid entry: random ids, times and postings, balanced per asset, random meta.
Entry RandomEntry(Random* random) {
    Entry entry;
    entry.id = EntryId(random->Between(1, kMax));
    entry.kind = static_cast<EntryKind>(random->Between(1, 9));
    entry.created_at = FromMicros(random->Between(kMin, kMax));
    entry.effective_at = FromMicros(random->Between(kMin, kMax));
    entry.reference = EntryId(random->Between(0, kMax));
    entry.expires_at = FromMicros(random->Between(kMin, kMax));
    const auto pairs = random->Between(1, 32);
    for (std::int64_t i = 0; i < pairs; ++i) {
        const auto asset = static_cast<Asset>(random->Between(1, 3));
        const Amount amount(random->Between(1, kMax));
        entry.postings.push_back(Posting{AccountId(random->Between(1, kMax)), asset, amount});
        entry.postings.push_back(
            Posting{AccountId(random->Between(1, kMax)), asset, *amount.Negated()});
    }
    const auto meta_bytes = random->Between(0, 64);
    for (std::int64_t i = 0; i < meta_bytes; ++i) {
        entry.meta.push_back(static_cast<char>(random->Below(256)));
    }
    return entry;
}

// Vector 1 encodes to exactly the hand-built bytes, decodes back, and has the expected hash.
TEST(JournalTest, EarnMatchesFixedTestVector) {
    ASSERT_TRUE(crypto::InitCrypto().has_value());
    const Entry entry = EarnEntry();
    ASSERT_TRUE(Validate(entry).has_value());
    const Bytes encoded = Encode(entry);
    EXPECT_EQ(Hex(encoded), kEarnHex);
    EXPECT_EQ(encoded.size(), kHeaderBytes + 2 * kPostingBytes + 4 + 6);
    auto decoded = Decode(FromHex(kEarnHex));
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
    EXPECT_EQ(*decoded, entry);
    EXPECT_EQ(Hex(HashLeaf(FromHex(kEarnHex))), kEarnLeafHash);
}

// Vector 2 (several assets, negative amounts first, a reference, empty meta) does the same.
TEST(JournalTest, ReversalMatchesFixedTestVector) {
    ASSERT_TRUE(crypto::InitCrypto().has_value());
    const Entry entry = ReversalEntry();
    EXPECT_EQ(Hex(Encode(entry)), kReversalHex);
    auto decoded = Decode(FromHex(kReversalHex));
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
    EXPECT_EQ(*decoded, entry);
    EXPECT_EQ(Hex(HashLeaf(Encode(entry))), kReversalLeafHash);
}

// The leaf hash is prefixed with 0x00 (RFC 6962 §2.1): the empty leaf has the RFC's known
// hash, and a leaf hash never equals the plain SHA-256 of the same bytes.
TEST(JournalTest, LeafHashIsDomainSeparated) {
    ASSERT_TRUE(crypto::InitCrypto().has_value());
    EXPECT_EQ(Hex(HashLeaf({})), kEmptyLeafHash);
    const Bytes earn = FromHex(kEarnHex);
    EXPECT_NE(HashLeaf(earn), crypto::Sha256(earn));
    EXPECT_NE(HashLeaf(earn), HashLeaf(FromHex(kReversalHex)));
}

// The test's own raw encoder agrees with Encode, so bytes it builds for rejection tests differ
// from a valid encoding only where each test says.
TEST(JournalTest, RawBuilderAgreesWithEncode) {
    RawEntry raw;
    Entry entry;
    entry.id = EntryId(7);
    entry.created_at = FromMicros(raw.created_us);
    entry.effective_at = FromMicros(raw.effective_us);
    entry.postings = {Posting{AccountId(31), Asset::kPoints, Amount(-10)},
                      Posting{AccountId(16), Asset::kPoints, Amount(10)}};
    EXPECT_EQ(Build(raw), Encode(entry));
    ExpectDecodesCanonically(Build(raw));
}

// Decode then Encode gives back the input for valid encodings at the edges of every field.
TEST(JournalTest, EncodeOfDecodeIsIdentity) {
    ExpectDecodesCanonically(FromHex(kEarnHex));
    ExpectDecodesCanonically(FromHex(kReversalHex));
    RawEntry extremes;
    extremes.id = static_cast<std::uint64_t>(kMax);
    extremes.kind = 9;
    extremes.created_us = kMin;
    extremes.effective_us = kMax;
    extremes.reference = static_cast<std::uint64_t>(kMax);
    extremes.expires_us = -1;
    extremes.postings = {{static_cast<std::uint64_t>(kMax), 3, kMax}, {1, 3, -kMax}};
    extremes.meta = std::string("\0\xff\x01 binary", 10);
    ExpectDecodesCanonically(Build(extremes));
    RawEntry widest;
    widest.postings = BalancedPostings(limits::kEntryPostingsMax);
    widest.meta = std::string(limits::kEntryMetaBytesMax, 'm');
    ExpectDecodesCanonically(Build(widest));
    RawEntry duplicate_postings;
    duplicate_postings.postings = {{16, 1, 5}, {16, 1, 5}, {31, 1, -10}};
    ExpectDecodesCanonically(Build(duplicate_postings));
}

// Every kind the vocabulary defines decodes.
TEST(JournalTest, DecodeAcceptsEveryKnownKind) {
    for (std::uint8_t kind = 1; kind <= 9; ++kind) {
        RawEntry raw;
        raw.kind = kind;
        auto decoded = Decode(Build(raw));
        ASSERT_TRUE(decoded.has_value()) << int{kind};
        EXPECT_EQ(static_cast<std::uint8_t>(decoded->kind), kind);
    }
}

// Seeded random valid entries survive Encode then Decode unchanged, and re-encode identically.
TEST(JournalTest, RandomEntriesRoundTrip) {
    Random random(20260101);
    for (int i = 0; i < 500; ++i) {
        const Entry entry = RandomEntry(&random);
        ASSERT_TRUE(Validate(entry).has_value()) << Validate(entry).error().message;
        const Bytes encoded = Encode(entry);
        auto decoded = Decode(encoded);
        ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
        EXPECT_EQ(*decoded, entry);
        EXPECT_EQ(Encode(*decoded), encoded);
    }
}

// Bytes after the meta field are rejected, whatever they are.
TEST(JournalTest, DecodeRejectsTrailingBytes) {
    for (std::uint8_t extra : ByteList{0x00, 0x01, 0xff}) {
        Bytes bytes = FromHex(kEarnHex);
        bytes.push_back(extra);
        ExpectCorrupt(bytes, "one trailing byte");
    }
    Bytes doubled = FromHex(kEarnHex);
    const Bytes again = FromHex(kEarnHex);
    doubled.insert(doubled.end(), again.begin(), again.end());
    ExpectCorrupt(doubled, "two entries back to back");
}

// Every proper prefix of a valid encoding is rejected, from empty to one byte short.
TEST(JournalTest, DecodeRejectsTruncationAtEveryLength) {
    RawEntry widest;
    widest.postings = BalancedPostings(limits::kEntryPostingsMax);
    widest.meta = std::string(300, 'm');
    for (const Bytes& full : {FromHex(kEarnHex), FromHex(kReversalHex), Build(widest)}) {
        for (std::size_t length = 0; length < full.size(); ++length) {
            const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(length));
            ExpectCorrupt(prefix, "truncated");
        }
    }
}

// Only version 1 is understood.
TEST(JournalTest, DecodeRejectsUnknownVersion) {
    for (std::uint8_t version : ByteList{0x00, 0x02, 0x80, 0xff}) {
        RawEntry raw;
        raw.version = version;
        ExpectCorrupt(Build(raw), "version");
    }
}

// Kinds outside the closed vocabulary are rejected.
TEST(JournalTest, DecodeRejectsUnknownKind) {
    for (std::uint8_t kind : ByteList{0x00, 0x0a, 0x7f, 0xff}) {
        Bytes bytes = FromHex(kEarnHex);
        bytes.at(kKindOffset) = kind;
        ExpectCorrupt(bytes, "kind");
    }
}

// Assets outside the closed vocabulary are rejected, in any posting.
TEST(JournalTest, DecodeRejectsUnknownAsset) {
    for (std::uint8_t asset : ByteList{0x00, 0x04, 0xff}) {
        for (std::size_t posting = 0; posting < 2; ++posting) {
            RawEntry raw;
            raw.postings.at(posting).asset = asset;
            ExpectCorrupt(Build(raw), "asset");
        }
    }
}

// An entry without postings is rejected.
TEST(JournalTest, DecodeRejectsZeroPostings) {
    RawEntry raw;
    raw.postings.clear();
    ExpectCorrupt(Build(raw), "no postings");
}

// 64 postings decode; 65 are rejected, whether present or merely announced.
TEST(JournalTest, DecodeRejectsMoreThan64Postings) {
    RawEntry at_limit;
    at_limit.postings = BalancedPostings(limits::kEntryPostingsMax);
    ExpectDecodesCanonically(Build(at_limit));

    RawEntry over_limit;
    over_limit.postings = BalancedPostings(limits::kEntryPostingsMax + 1);
    ExpectCorrupt(Build(over_limit), "65 postings");

    RawEntry announced;
    announced.count = 65;
    ExpectCorrupt(Build(announced), "count 65, two postings present");

    Bytes max_count = FromHex(kEarnHex);
    max_count.at(kCountOffset) = 0xff;
    max_count.at(kCountOffset + 1) = 0xff;
    ExpectCorrupt(max_count, "count 65535");
}

// Postings must balance per asset: a credit of one asset cannot pay for a debit of another.
TEST(JournalTest, DecodeRejectsUnbalancedPerAsset) {
    RawEntry cross_asset;
    cross_asset.postings = {{16, 1, 5}, {18, 2, -5}};
    ExpectCorrupt(Build(cross_asset), "points credit balanced by a status debit");

    RawEntry short_debit;
    short_debit.postings = {{16, 1, 5}, {31, 1, -4}};
    ExpectCorrupt(Build(short_debit), "points sum to 1");

    RawEntry one_side;
    one_side.postings = {{16, 3, 5}};
    ExpectCorrupt(Build(one_side), "a single posting");

    RawEntry second_asset_off;
    second_asset_off.postings = {{16, 1, 5}, {31, 1, -5}, {18, 2, 5}, {47, 2, -6}};
    ExpectCorrupt(Build(second_asset_off), "status sums to -1");
}

// A posting of zero is rejected even when the rest balances.
TEST(JournalTest, DecodeRejectsZeroAmount) {
    RawEntry raw;
    raw.postings = {{16, 1, 5}, {31, 1, -5}, {17, 1, 0}};
    ExpectCorrupt(Build(raw), "zero amount");
}

// A running per-asset sum that overflows int64 is rejected rather than wrapped.
TEST(JournalTest, DecodeRejectsOverflowingSums) {
    RawEntry raw;
    raw.postings = {{16, 1, kMax}, {17, 1, kMax}, {31, 1, -kMax}, {32, 1, -kMax}};
    ExpectCorrupt(Build(raw), "sum overflows");
    RawEntry wraps_to_zero;
    wraps_to_zero.postings = {{16, 1, kMin}, {31, 1, kMin}};
    ExpectCorrupt(Build(wraps_to_zero), "INT64_MIN + INT64_MIN wraps to 0");
}

// Meta of 4096 bytes decodes; 4097, or a length beyond the input, is rejected.
TEST(JournalTest, DecodeRejectsMetaTooLong) {
    RawEntry at_limit;
    at_limit.meta = std::string(limits::kEntryMetaBytesMax, 'x');
    ExpectDecodesCanonically(Build(at_limit));

    RawEntry over_limit;
    over_limit.meta = std::string(limits::kEntryMetaBytesMax + 1, 'x');
    ExpectCorrupt(Build(over_limit), "4097 meta bytes");

    RawEntry overstated;
    overstated.meta = "abc";
    overstated.meta_length = 4;
    ExpectCorrupt(Build(overstated), "length beyond the input");

    RawEntry huge;
    huge.meta_length = 0xffffffff;
    ExpectCorrupt(Build(huge), "length 2^32 - 1");
}

// Ids are positive int64 values; references may be 0 (none) but not negative.
TEST(JournalTest, DecodeRejectsOutOfRangeIds) {
    const std::uint64_t top_bit = std::uint64_t{1} << 63U;
    RawEntry zero_id;
    zero_id.id = 0;
    ExpectCorrupt(Build(zero_id), "entry id 0");
    RawEntry negative_id;
    negative_id.id = top_bit;
    ExpectCorrupt(Build(negative_id), "entry id with the top bit set");
    RawEntry negative_reference;
    negative_reference.reference = ~std::uint64_t{0};
    ExpectCorrupt(Build(negative_reference), "reference with the top bit set");
    RawEntry zero_account;
    zero_account.postings = {{0, 1, 5}, {31, 1, -5}};
    ExpectCorrupt(Build(zero_account), "account 0");
    RawEntry negative_account;
    negative_account.postings = {{top_bit, 1, 5}, {31, 1, -5}};
    ExpectCorrupt(Build(negative_account), "account with the top bit set");
}

// Inputs longer than the largest valid entry are rejected before parsing.
TEST(JournalTest, DecodeRejectsOversizedInput) {
    Bytes bytes = FromHex(kEarnHex);
    bytes.resize(limits::kEntryBytesMax + 1, 0);
    ExpectCorrupt(bytes, "over kEntryBytesMax");
    ExpectCorrupt(Bytes(limits::kEntryBytesMax * 4, 0x01), "large garbage");
}

// Flipping any single bit of a valid encoding yields either a rejection or a different entry
// whose encoding is exactly the flipped bytes: no two byte strings decode to one entry.
TEST(JournalTest, EverySingleBitFlipIsRejectedOrCanonical) {
    const Entry original = ReversalEntry();
    const Bytes valid = FromHex(kReversalHex);
    int rejected = 0;
    for (std::size_t i = 0; i < valid.size(); ++i) {
        for (unsigned bit = 0; bit < 8; ++bit) {
            Bytes flipped = valid;
            flipped.at(i) = static_cast<std::uint8_t>(flipped.at(i) ^ (1U << bit));
            auto decoded = Decode(flipped);
            if (!decoded) {
                EXPECT_EQ(decoded.error().code, ErrorCode::kCorruptEntry);
                ++rejected;
                continue;
            }
            EXPECT_NE(*decoded, original) << "byte " << i << " bit " << bit;
            EXPECT_EQ(Encode(*decoded), flipped) << "byte " << i << " bit " << bit;
        }
    }
    // Flips in the version, the posting count and every amount always break the entry.
    EXPECT_GT(rejected, 8 + 16 + 4 * 64);
}

// Validate names each kind of problem with its error code.
TEST(JournalTest, ValidateReportsEachProblem) {
    auto code_of = [](const Entry& entry) {
        auto status = Validate(entry);
        return status.has_value() ? std::optional<ErrorCode>() : status.error().code;
    };
    EXPECT_EQ(code_of(EarnEntry()), std::nullopt);
    EXPECT_EQ(code_of(ReversalEntry()), std::nullopt);

    Entry entry = EarnEntry();
    entry.id = EntryId();
    EXPECT_EQ(code_of(entry), ErrorCode::kInvalidArgument) << "unset id";
    entry.id = EntryId(-1);
    EXPECT_EQ(code_of(entry), ErrorCode::kInvalidArgument) << "negative id";

    entry = EarnEntry();
    entry.kind = static_cast<EntryKind>(0);
    EXPECT_EQ(code_of(entry), ErrorCode::kInvalidArgument) << "unknown kind";

    entry = EarnEntry();
    entry.reference = EntryId(-1);
    EXPECT_EQ(code_of(entry), ErrorCode::kInvalidArgument) << "negative reference";

    entry = EarnEntry();
    entry.postings.clear();
    EXPECT_EQ(code_of(entry), ErrorCode::kInvalidArgument) << "no postings";

    entry = EarnEntry();
    entry.meta.assign(limits::kEntryMetaBytesMax + 1, 'x');
    EXPECT_EQ(code_of(entry), ErrorCode::kInvalidArgument) << "meta too long";
    entry.meta.assign(limits::kEntryMetaBytesMax, 'x');
    EXPECT_EQ(code_of(entry), std::nullopt) << "meta at the limit";

    entry = EarnEntry();
    entry.postings.at(0).account = AccountId();
    EXPECT_EQ(code_of(entry), ErrorCode::kInvalidArgument) << "unset account";
    entry.postings.at(0).account = AccountId(-31);
    EXPECT_EQ(code_of(entry), ErrorCode::kInvalidArgument) << "negative account";

    entry = EarnEntry();
    entry.postings.at(0).asset = static_cast<Asset>(9);
    EXPECT_EQ(code_of(entry), ErrorCode::kInvalidArgument) << "unknown asset";
}

// Validate reports amounts and balance with their own codes, and checks the posting limit.
TEST(JournalTest, ValidateReportsAmountsAndLimits) {
    auto code_of = [](const Entry& entry) {
        auto status = Validate(entry);
        return status.has_value() ? std::optional<ErrorCode>() : status.error().code;
    };
    Entry entry = EarnEntry();
    entry.postings.push_back(Posting{AccountId(17), Asset::kPoints, Amount(0)});
    EXPECT_EQ(code_of(entry), ErrorCode::kInvalidAmount) << "zero amount";

    entry = EarnEntry();
    entry.postings.at(1).amount = Amount(149);
    EXPECT_EQ(code_of(entry), ErrorCode::kUnbalancedEntry) << "sum -1";

    entry = EarnEntry();
    entry.postings.at(1).asset = Asset::kStatus;
    EXPECT_EQ(code_of(entry), ErrorCode::kUnbalancedEntry) << "balanced only across assets";

    entry = EarnEntry();
    entry.postings = {Posting{AccountId(16), Asset::kPoints, Amount(kMax)},
                      Posting{AccountId(17), Asset::kPoints, Amount(1)}};
    EXPECT_EQ(code_of(entry), ErrorCode::kAmountOverflow) << "overflowing sum";

    entry = EarnEntry();
    entry.postings.clear();
    for (std::size_t i = 0; i < limits::kEntryPostingsMax / 2; ++i) {
        entry.postings.push_back(Posting{AccountId(16), Asset::kPoints, Amount(1)});
        entry.postings.push_back(Posting{AccountId(31), Asset::kPoints, Amount(-1)});
    }
    EXPECT_EQ(code_of(entry), std::nullopt) << "64 postings";
    entry.postings.push_back(Posting{AccountId(16), Asset::kPoints, Amount(1)});
    EXPECT_EQ(code_of(entry), ErrorCode::kInvalidArgument) << "65 postings";
}

// Encode refuses an invalid entry: a crash beats writing bytes the journal cannot hold.
TEST(JournalDeathTest, EncodeAbortsOnInvalidEntry) {
    Entry entry = EarnEntry();
    entry.postings.at(1).amount = Amount(1);
    EXPECT_DEATH((void)Encode(entry), "assertion failed");
}

}  // namespace
}  // namespace candor::journal
