#include "crypto/crypto.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <latch>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/limits.h"

namespace candor::crypto {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes ToBytes(std::string_view text) {
    return {text.begin(), text.end()};
}

// The RFC 6238 Appendix B secret for HMAC-SHA1: the ASCII digits "1234567890" twice.
constexpr std::array<std::uint8_t, 20> kRfcSecret = {'1', '2', '3', '4', '5', '6', '7',
                                                     '8', '9', '0', '1', '2', '3', '4',
                                                     '5', '6', '7', '8', '9', '0'};

class CryptoTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { ASSERT_TRUE(InitCrypto().has_value()); }
};

using Sha256Test = CryptoTest;
using HmacSha256Test = CryptoTest;
using SecureRandomTest = CryptoTest;
using EqualConstantTimeTest = CryptoTest;
using Base32Test = CryptoTest;
using TotpTest = CryptoTest;
using PasswordHasherTest = CryptoTest;
using ApiKeyTest = CryptoTest;

// SHA-256 matches the FIPS 180-2 "abc" vector and the RFC 6962 hash of an empty leaf.
TEST_F(Sha256Test, MatchesPublishedVectors) {
    EXPECT_EQ(ToHex(Sha256(ToBytes("abc"))),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(ToHex(Sha256WithPrefix(0x00, {})),
              "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

// Sha256WithPrefix hashes the prefix byte followed by the bytes: 'a' + "bc" is SHA-256("abc").
TEST_F(Sha256Test, PrefixIsHashedFirst) {
    EXPECT_EQ(Sha256WithPrefix('a', ToBytes("bc")), Sha256(ToBytes("abc")));
    EXPECT_NE(Sha256WithPrefix(0x00, ToBytes("abc")), Sha256WithPrefix(0x01, ToBytes("abc")));
}

// HMAC-SHA256 matches RFC 4231 test cases 1, 2 and 6 (a 131-byte key, longer than the block).
TEST_F(HmacSha256Test, MatchesRfc4231) {
    EXPECT_EQ(ToHex(HmacSha256(Bytes(20, 0x0b), ToBytes("Hi There"))),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    EXPECT_EQ(ToHex(HmacSha256(ToBytes("Jefe"), ToBytes("what do ya want for nothing?"))),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(ToHex(HmacSha256(Bytes(131, 0xaa),
                               ToBytes("Test Using Larger Than Block-Size Key - Hash Key First"))),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// An empty key and message are valid and give the value Python's hmac module computes.
TEST_F(HmacSha256Test, AcceptsEmptyKeyAndMessage) {
    EXPECT_EQ(ToHex(HmacSha256({}, {})),
              "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

// RandomBytes fills the whole span, and two draws differ.
TEST_F(SecureRandomTest, RandomBytesFillsAndDiffers) {
    std::array<std::uint8_t, 32> first{};
    std::array<std::uint8_t, 32> second{};
    RandomBytes(first);
    RandomBytes(second);
    EXPECT_NE(first, second);
    // A zero byte at either end has probability 1/256; both ends zero in both draws, 2^-32.
    EXPECT_TRUE(first.front() != 0 || first.back() != 0 || second.front() != 0 ||
                second.back() != 0);
    RandomBytes({});
}

// RandomToken(n) has ceil(4n/3) characters, all URL-safe base64, and tokens do not repeat.
TEST_F(SecureRandomTest, RandomTokenLengthAndAlphabet) {
    EXPECT_EQ(RandomToken(1).size(), 2U);
    EXPECT_EQ(RandomToken(2).size(), 3U);
    EXPECT_EQ(RandomToken(3).size(), 4U);
    EXPECT_EQ(RandomToken(16).size(), 22U);
    EXPECT_EQ(RandomToken(32).size(), 43U);
    constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::set<std::string> tokens;
    std::set<char> seen;
    for (int i = 0; i < 200; ++i) {
        const std::string token = RandomToken(32);
        for (const char c : token) {
            ASSERT_NE(kAlphabet.find(c), std::string_view::npos) << token;
            seen.insert(c);
        }
        tokens.insert(token);
    }
    EXPECT_EQ(tokens.size(), 200U);
    // 8,600 random characters miss one of 64 with probability about 2^-187: every character of
    // the URL-safe alphabet, '-' and '_' included, shows up.
    EXPECT_EQ(seen.size(), kAlphabet.size());
}

// EqualConstantTime is true only for equal contents and equal lengths, for bytes and text.
TEST_F(EqualConstantTimeTest, ComparesContentsAndLength) {
    EXPECT_TRUE(EqualConstantTime(ToBytes("secret"), ToBytes("secret")));
    EXPECT_FALSE(EqualConstantTime(ToBytes("secret"), ToBytes("secreT")));
    EXPECT_FALSE(EqualConstantTime(ToBytes("secret"), ToBytes("Secret")));
    EXPECT_FALSE(EqualConstantTime(ToBytes("secret"), ToBytes("secret1")));
    EXPECT_FALSE(EqualConstantTime(ToBytes("secret"), ToBytes("secre")));
    EXPECT_TRUE(EqualConstantTime(Bytes{}, Bytes{}));
    EXPECT_TRUE(EqualConstantTime(std::string_view("123456"), std::string_view("123456")));
    EXPECT_FALSE(EqualConstantTime(std::string_view("123456"), std::string_view("123457")));
    EXPECT_FALSE(EqualConstantTime(std::string_view(""), std::string_view("1")));
}

struct Base32Vector {
    std::string_view plain;
    std::string_view unpadded;
    std::string_view padded;
};

// RFC 4648 section 10.
constexpr std::array<Base32Vector, 7> kBase32Vectors = {{
    {"", "", ""},
    {"f", "MY", "MY======"},
    {"fo", "MZXQ", "MZXQ===="},
    {"foo", "MZXW6", "MZXW6==="},
    {"foob", "MZXW6YQ", "MZXW6YQ="},
    {"fooba", "MZXW6YTB", "MZXW6YTB"},
    {"foobar", "MZXW6YTBOI", "MZXW6YTBOI======"},
}};

std::string Lower(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return lower;
}

// Base32Encode gives the RFC 4648 vectors without padding.
TEST_F(Base32Test, EncodesRfc4648Vectors) {
    for (const Base32Vector& vector : kBase32Vectors) {
        EXPECT_EQ(Base32Encode(ToBytes(vector.plain)), vector.unpadded) << vector.plain;
    }
}

// Base32Decode reads the RFC 4648 vectors padded or not, in lower case, and with spaces.
TEST_F(Base32Test, DecodesRfc4648VectorsInEverySpelling) {
    for (const Base32Vector& vector : kBase32Vectors) {
        const Bytes plain = ToBytes(vector.plain);
        for (const std::string& text :
             {std::string(vector.unpadded),
              std::string(vector.padded),
              Lower(vector.padded),
              Lower(std::string(" ").append(vector.unpadded).append(" "))}) {
            const Result<Bytes> decoded = Base32Decode(text);
            ASSERT_TRUE(decoded.has_value()) << '"' << text << '"';
            EXPECT_EQ(*decoded, plain) << '"' << text << '"';
        }
    }
    const Result<Bytes> grouped = Base32Decode("mzxw 6ytb oi");
    ASSERT_TRUE(grouped.has_value());
    EXPECT_EQ(*grouped, ToBytes("foobar"));
}

// Decode(Encode(bytes)) gives the bytes back for every length up to 40.
TEST_F(Base32Test, RoundTripsRandomBytes) {
    for (std::size_t size = 0; size <= 40; ++size) {
        Bytes bytes(size);
        RandomBytes(bytes);
        const Result<Bytes> decoded = Base32Decode(Base32Encode(bytes));
        ASSERT_TRUE(decoded.has_value()) << size;
        EXPECT_EQ(*decoded, bytes) << size;
    }
}

// Characters outside the alphabet, misplaced or miscounted padding, impossible lengths and
// non-zero unused bits are all kInvalidArgument.
TEST_F(Base32Test, RejectsInvalidText) {
    for (const std::string_view text : {"MY1",               // '1' is not Base32
                                        "MY0=",              // nor is '0'
                                        "MZ-Q",              // nor '-'
                                        "MZ\tXQ",            // a tab is not a space
                                        "MZX\xC3\x96",       // nor is a non-ASCII letter
                                        "M",                 // 1 character: no encoder writes this
                                        "MZX",               // 3 characters
                                        "MZXW6Y",            // 6 characters
                                        "MY=",               // "MY" takes 6 '='
                                        "MY=======",         // 7 '='
                                        "MZXW6YTB========",  // a full block takes none
                                        "=",                 // padding alone
                                        "MY======MY",        // padding in the middle
                                        "MZ",                // "MY" is the only spelling of "f"
                                        "MZXR"}) {           // "MZXQ" is the only spelling of "fo"
        const Result<Bytes> decoded = Base32Decode(text);
        ASSERT_FALSE(decoded.has_value()) << '"' << text << '"';
        EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument) << '"' << text << '"';
    }
}

// TotpCode reproduces every SHA-1 row of RFC 6238 Appendix B (8 digits, 30-second steps).
TEST_F(TotpTest, MatchesRfc6238AppendixB) {
    struct Row {
        std::int64_t unix_seconds;
        std::string_view code;
    };

    constexpr std::array<Row, 6> kRows = {{
        {59, "94287082"},
        {1111111109, "07081804"},
        {1111111111, "14050471"},
        {1234567890, "89005924"},
        {2000000000, "69279037"},
        {20000000000, "65353130"},
    }};
    for (const Row& row : kRows) {
        EXPECT_EQ(TotpCode(kRfcSecret, row.unix_seconds, 8), row.code) << row.unix_seconds;
    }
}

// Six-digit codes are the low six digits of the eight-digit ones, zero-padded.
TEST_F(TotpTest, SixDigitCodesAreZeroPadded) {
    EXPECT_EQ(TotpCode(kRfcSecret, 59), "287082");
    EXPECT_EQ(TotpCode(kRfcSecret, 1111111109), "081804");
    EXPECT_EQ(TotpCode(kRfcSecret, 1111111109, 7), "7081804");
}

// The code of the current step and of one step either side is accepted with the default window
// and reports its step; two steps away is not.
TEST_F(TotpTest, VerifyAcceptsOneStepEitherSide) {
    constexpr std::int64_t kNow = 1111111111;
    constexpr std::int64_t kStep = kNow / 30;
    EXPECT_EQ(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, kNow), kNow, kTotpNoStepUsed), kStep);
    EXPECT_EQ(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, kNow - 30), kNow, kTotpNoStepUsed),
              kStep - 1);
    EXPECT_EQ(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, kNow + 30), kNow, kTotpNoStepUsed),
              kStep + 1);
    EXPECT_EQ(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, kNow - 60), kNow, kTotpNoStepUsed),
              std::nullopt);
    EXPECT_EQ(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, kNow + 60), kNow, kTotpNoStepUsed),
              std::nullopt);
    // With no window only the current step counts.
    EXPECT_EQ(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, kNow - 30), kNow, kTotpNoStepUsed, 0),
              std::nullopt);
    // A wider window reaches two steps back.
    EXPECT_EQ(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, kNow - 60), kNow, kTotpNoStepUsed, 2),
              kStep - 2);
    // Eight-digit codes verify with digits = 8.
    EXPECT_EQ(VerifyTotp(kRfcSecret, "94287082", 59, kTotpNoStepUsed, 1, 8), 1);
    // Another secret's code does not verify.
    EXPECT_EQ(
        VerifyTotp(
            ToBytes("another secret of 20"), TotpCode(kRfcSecret, kNow), kNow, kTotpNoStepUsed),
        std::nullopt);
}

// A code accepted once is refused afterwards, and so is any code of an earlier step.
TEST_F(TotpTest, VerifyRejectsReplay) {
    constexpr std::int64_t kNow = 1234567890;
    const std::string code = TotpCode(kRfcSecret, kNow);
    const std::optional<std::int64_t> step = VerifyTotp(kRfcSecret, code, kNow, kTotpNoStepUsed);
    ASSERT_TRUE(step.has_value());
    EXPECT_EQ(VerifyTotp(kRfcSecret, code, kNow, *step), std::nullopt);
    EXPECT_EQ(VerifyTotp(kRfcSecret, code, kNow + 29, *step), std::nullopt);
    EXPECT_EQ(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, kNow - 30), kNow, *step), std::nullopt);
    // The next step's code is still good.
    EXPECT_EQ(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, kNow + 30), kNow + 30, *step), *step + 1);
}

// With the RFC secret, steps 59061240 and 59061241 share the code 963181 (found by search and
// checked with oathtool). Verify returns the later step, so storing it blocks the replay.
TEST_F(TotpTest, VerifyReturnsLatestMatchingStep) {
    constexpr std::int64_t kNow = 59061240LL * 30;
    ASSERT_EQ(TotpCode(kRfcSecret, kNow), "963181");
    ASSERT_EQ(TotpCode(kRfcSecret, kNow + 30), "963181");
    const std::optional<std::int64_t> step = VerifyTotp(kRfcSecret, "963181", kNow, -1);
    EXPECT_EQ(step, 59061241);
    EXPECT_EQ(VerifyTotp(kRfcSecret, "963181", kNow, step.value_or(-1)), std::nullopt);
}

// Codes that are not exactly `digits` ASCII digits are refused even if their digits match.
TEST_F(TotpTest, VerifyRejectsMalformedCodes) {
    constexpr std::int64_t kNow = 1111111111;
    const std::string code = TotpCode(kRfcSecret, kNow);
    ASSERT_TRUE(VerifyTotp(kRfcSecret, code, kNow, kTotpNoStepUsed).has_value());
    const std::vector<std::string> bad_codes = {code.substr(0, 5),
                                                code + "0",
                                                " " + code,
                                                code + "\n",
                                                code.substr(0, 3) + " " + code.substr(3),
                                                "12345a",
                                                "+12345",
                                                "-12345",
                                                std::string(),
                                                TotpCode(kRfcSecret, kNow, 8)};
    for (const std::string& bad : bad_codes) {
        EXPECT_EQ(VerifyTotp(kRfcSecret, bad, kNow, kTotpNoStepUsed), std::nullopt)
            << '"' << bad << '"';
    }
    // A six-digit code is not accepted where eight digits are expected.
    EXPECT_EQ(VerifyTotp(kRfcSecret, code, kNow, kTotpNoStepUsed, 1, 8), std::nullopt);
}

// Runs `command` through the shell and returns its standard output, or nullopt if it fails.
std::optional<std::string> RunCommand(const std::string& command) {
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return std::nullopt;
    }
    std::string output;
    std::array<char, 256> buffer{};
    while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) {
        output += buffer.data();
    }
    if (pclose(pipe) != 0) {
        return std::nullopt;
    }
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) {
        output.pop_back();
    }
    return output;
}

// TotpCode agrees with the OATH Toolkit's oathtool for a random secret at three fixed times,
// for 6 and 8 digits. The secret is a throwaway, so passing it on a command line is harmless.
TEST_F(TotpTest, MatchesOathtool) {
    if (!RunCommand("oathtool --version >/dev/null 2>&1").has_value()) {
        GTEST_SKIP() << "oathtool is not installed (scripts/bootstrap installs it)";
    }
    Bytes secret(20);
    RandomBytes(secret);
    const std::string secret_base32 = Base32Encode(secret);
    for (const std::int64_t unix_seconds : {59LL, 1767225600LL, 4102444799LL}) {
        for (const int digits : {6, 8}) {
            const std::string command =
                "oathtool --totp --base32 --digits=" + std::to_string(digits) + " --now=@" +
                std::to_string(unix_seconds) + " " + secret_base32;
            const std::optional<std::string> expected = RunCommand(command);
            ASSERT_TRUE(expected.has_value()) << command;
            EXPECT_EQ(TotpCode(secret, unix_seconds, digits), *expected) << command;
        }
    }
}

// OtpauthUri has the key URI layout and percent-encodes everything but unreserved characters.
TEST_F(TotpTest, OtpauthUriFormat) {
    EXPECT_EQ(OtpauthUri("Candor", "ana", kRfcSecret),
              "otpauth://totp/Candor:ana?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
              "&issuer=Candor&algorithm=SHA1&digits=6&period=30");
    EXPECT_EQ(OtpauthUri("Café Candor", "ana:b@example.com", ToBytes("f")),
              "otpauth://totp/Caf%C3%A9%20Candor:ana%3Ab%40example.com?secret=MY"
              "&issuer=Caf%C3%A9%20Candor&algorithm=SHA1&digits=6&period=30");
    EXPECT_EQ(OtpauthUri("a-b.c_d~e", "x/y?z&w=1#", ToBytes("f")),
              "otpauth://totp/a-b.c_d~e:x%2Fy%3Fz%26w%3D1%23?secret=MY"
              "&issuer=a-b.c_d~e&algorithm=SHA1&digits=6&period=30");
}

constexpr std::string_view kPassword = "correct horse battery staple";

// Made by libsodium's crypto_pwhash_str_alg from kPassword: Argon2id with 3 passes (not the
// current 2), and Argon2i at 3 passes over 64 MiB.
constexpr std::string_view kArgon2idThreePasses =
    "$argon2id$v=19$m=65536,t=3,p=1$HO2TVR5/WVyw7VwXV3ZSpw"
    "$92K0QIOx8GVuXAG2YA/MT5mDlW2sjLB3Px5MrWlrI20";
constexpr std::string_view kArgon2iThreePasses =
    "$argon2i$v=19$m=65536,t=3,p=1$i2DSqyIQ5RKdGVdPNrlTaQ"
    "$xAKIOQ6E8OadFMg3HbTvJ1G8yJkrCITIRjgpYd96R5c";

// A hash is an Argon2id string at the interactive cost that verifies its password only.
TEST_F(PasswordHasherTest, HashVerifiesOnlyItsPassword) {
    PasswordHasher hasher(1);
    const Result<std::string> hash = hasher.Hash(kPassword);
    ASSERT_TRUE(hash.has_value());
    EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=65536,t=2,p=1$")) << *hash;
    EXPECT_TRUE(hasher.Verify(*hash, kPassword));
    EXPECT_FALSE(hasher.Verify(*hash, "correct horse battery stapler"));
    EXPECT_FALSE(hasher.Verify(*hash, "Correct horse battery staple"));
    EXPECT_FALSE(hasher.Verify(*hash, ""));
    EXPECT_FALSE(hasher.NeedsRehash(*hash));
}

// Two hashes of one password differ (fresh salts) and both verify.
TEST_F(PasswordHasherTest, HashesAreSalted) {
    PasswordHasher hasher(1);
    const Result<std::string> first = hasher.Hash(kPassword);
    const Result<std::string> second = hasher.Hash(kPassword);
    ASSERT_TRUE(first.has_value());
    ASSERT_TRUE(second.has_value());
    EXPECT_NE(*first, *second);
    EXPECT_TRUE(hasher.Verify(*first, kPassword));
    EXPECT_TRUE(hasher.Verify(*second, kPassword));
}

// Empty passwords and ones over kPasswordBytesMax are kInvalidArgument; the maximum itself works.
TEST_F(PasswordHasherTest, RejectsEmptyAndOverlongPasswords) {
    PasswordHasher hasher(1);
    const Result<std::string> empty = hasher.Hash("");
    ASSERT_FALSE(empty.has_value());
    EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
    const std::string longest(limits::kPasswordBytesMax, 'p');
    const Result<std::string> too_long = hasher.Hash(longest + "p");
    ASSERT_FALSE(too_long.has_value());
    EXPECT_EQ(too_long.error().code, ErrorCode::kInvalidArgument);
    const Result<std::string> hash = hasher.Hash(longest);
    ASSERT_TRUE(hash.has_value());
    EXPECT_TRUE(hasher.Verify(*hash, longest));
    EXPECT_FALSE(hasher.Verify(*hash, longest + "p"));
}

// Hashes made elsewhere at another cost or with Argon2i verify and ask to be rehashed; malformed
// hashes never verify and always ask to be replaced.
TEST_F(PasswordHasherTest, OlderHashesVerifyAndNeedRehash) {
    PasswordHasher hasher(1);
    EXPECT_TRUE(hasher.Verify(kArgon2idThreePasses, kPassword));
    EXPECT_TRUE(hasher.NeedsRehash(kArgon2idThreePasses));
    EXPECT_TRUE(hasher.Verify(kArgon2iThreePasses, kPassword));
    EXPECT_TRUE(hasher.NeedsRehash(kArgon2iThreePasses));
    EXPECT_FALSE(hasher.Verify(kArgon2iThreePasses, "wrong"));
    // Argon2i at exactly the current cost (hand-edited: libsodium makes Argon2i only with 3 or
    // more passes) still needs a rehash, to move it to Argon2id.
    EXPECT_TRUE(
        hasher.NeedsRehash("$argon2i$v=19$m=65536,t=2,p=1$i2DSqyIQ5RKdGVdPNrlTaQ"
                           "$xAKIOQ6E8OadFMg3HbTvJ1G8yJkrCITIRjgpYd96R5c"));
    for (const std::string_view bad : {std::string_view(""),
                                       std::string_view("not a hash"),
                                       std::string_view("$argon2id$v=19$m=65536,t=2,p=1$"),
                                       std::string_view("$argon2id$v=19\0$m=65536", 23)}) {
        EXPECT_FALSE(hasher.Verify(bad, kPassword));
        EXPECT_TRUE(hasher.NeedsRehash(bad));
    }
    EXPECT_FALSE(hasher.Verify(std::string(200, '$'), kPassword));
}

// With concurrent_max = 1, three threads hashing twice each at the same moment never run two
// Argon2id computations at once, and every hash still succeeds.
TEST_F(PasswordHasherTest, ConcurrencyIsBounded) {
    PasswordHasher hasher(1);
    EXPECT_EQ(hasher.running_max_seen(), 0U);
    constexpr std::size_t kThreads = 3;
    std::latch start(kThreads);
    std::array<int, kThreads> hashed{};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < kThreads; ++t) {
        threads.emplace_back([&hasher, &start, &hashed, t] {
            start.arrive_and_wait();
            for (int i = 0; i < 2; ++i) {
                if (hasher.Hash(kPassword).has_value()) {
                    ++hashed[t];
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(hashed, (std::array<int, kThreads>{2, 2, 2}));
    EXPECT_EQ(hasher.running_max_seen(), 1U);
}

// The API key digest is SHA-256 of the secret's bytes, and different secrets differ.
TEST_F(ApiKeyTest, SecretHashIsSha256) {
    EXPECT_EQ(ToHex(ApiKeySecretHash("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const std::string secret = RandomToken(32);
    EXPECT_EQ(ApiKeySecretHash(secret), Sha256(ToBytes(secret)));
    EXPECT_NE(ApiKeySecretHash(secret), ApiKeySecretHash(secret + "x"));
}

// Base64 follows RFC 4648 section 10 both ways and refuses unpadded or foreign input.
TEST(Base64Test, Rfc4648VectorsAndRejections) {
    const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                           {"f", "Zg=="},
                                                           {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},
                                                           {"foob", "Zm9vYg=="},
                                                           {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors) {
        const std::vector<std::uint8_t> bytes(plain.begin(), plain.end());
        EXPECT_EQ(Base64Encode(bytes), encoded);
        auto decoded = Base64Decode(encoded);
        ASSERT_TRUE(decoded.has_value()) << encoded;
        EXPECT_EQ(*decoded, bytes);
    }
    for (const char* bad : {"Zg", "Zm9v!", "Zm9v Zm9v", "Z===", "Zm8=Zm8="}) {
        auto decoded = Base64Decode(bad);
        ASSERT_FALSE(decoded.has_value()) << bad;
        EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument);
    }
}

using Ed25519Test = CryptoTest;

template <std::size_t N>
std::array<std::uint8_t, N> HexArray(std::string_view hex) {
    auto bytes = FromHex(hex);
    EXPECT_TRUE(bytes.has_value());
    std::array<std::uint8_t, N> out{};
    if (bytes && bytes->size() == N) {
        std::copy(bytes->begin(), bytes->end(), out.begin());
    }
    return out;
}

// Ed25519 matches RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte 0x72).
TEST_F(Ed25519Test, MatchesRfc8032Vectors) {
    const Ed25519KeyPair one(
        HexArray<32>("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
    EXPECT_EQ(ToHex(one.public_key()),
              "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    EXPECT_EQ(ToHex(one.Sign({})),
              "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
              "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    const Ed25519KeyPair two(
        HexArray<32>("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
    EXPECT_EQ(ToHex(two.public_key()),
              "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
    const Bytes message = {0x72};
    const Ed25519Signature signature = two.Sign(message);
    EXPECT_EQ(ToHex(signature),
              "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
              "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
    EXPECT_TRUE(Ed25519Verify(two.public_key(), message, signature));
}

// A changed message, signature or key fails; the key id is 16 hex digits of SHA-256(key).
TEST_F(Ed25519Test, RejectsChangesAndNamesKeys) {
    Ed25519Seed seed{};
    seed.fill(7);
    const Ed25519KeyPair pair(seed);
    const Bytes message = ToBytes("tree head");
    Ed25519Signature signature = pair.Sign(message);
    EXPECT_TRUE(Ed25519Verify(pair.public_key(), message, signature));
    EXPECT_FALSE(Ed25519Verify(pair.public_key(), ToBytes("tree heaD"), signature));
    Ed25519PublicKey other = pair.public_key();
    other[0] ^= 1U;
    EXPECT_FALSE(Ed25519Verify(other, message, signature));
    signature[63] ^= 1U;
    EXPECT_FALSE(Ed25519Verify(pair.public_key(), message, signature));
    EXPECT_EQ(Ed25519KeyId(pair.public_key()), ToHex(Sha256(pair.public_key())).substr(0, 16));
}

// FromHex reads either case and refuses odd lengths and non-hex characters.
TEST_F(Ed25519Test, FromHexParsesStrictly) {
    EXPECT_EQ(*FromHex("00aBfF"), (Bytes{0x00, 0xab, 0xff}));
    EXPECT_TRUE(FromHex("")->empty());
    EXPECT_FALSE(FromHex("abc").has_value());
    EXPECT_FALSE(FromHex("zz").has_value());
    EXPECT_FALSE(FromHex("0 ").has_value());
}

}  // namespace
}  // namespace candor::crypto
