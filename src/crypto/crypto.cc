#include "crypto/crypto.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <optional>

#include "core/assert.h"
#include "core/limits.h"

namespace candor::crypto {
namespace {

using Sha1Digest = std::array<std::uint8_t, 20>;

constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// libsodium declares many pointers nonnull even for zero lengths, and an empty span may have a
// null data(); this stands in for it, so no call depends on how a library treats null.
constexpr std::uint8_t kNoBytes = 0;

const std::uint8_t* DataOrEmpty(std::span<const std::uint8_t> bytes) {
    return bytes.empty() ? &kNoBytes : bytes.data();
}

std::span<const std::uint8_t> AsBytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// HMAC-SHA1 through OpenSSL. Empty only when OpenSSL itself fails (out of memory, or its
// default provider cannot load), which InitCrypto checks for at start-up.
std::optional<Sha1Digest> HmacSha1(std::span<const std::uint8_t> key,
                                   std::span<const std::uint8_t> message) {
    CANDOR_ASSERT(key.size() <= static_cast<std::size_t>(INT_MAX));
    Sha1Digest digest{};
    unsigned int digest_bytes = 0;
    const unsigned char* result = HMAC(EVP_sha1(),
                                       DataOrEmpty(key),
                                       static_cast<int>(key.size()),
                                       DataOrEmpty(message),
                                       message.size(),
                                       digest.data(),
                                       &digest_bytes);
    if (result == nullptr || digest_bytes != digest.size()) {
        return std::nullopt;
    }
    return digest;
}

std::uint32_t PowerOfTen(int exponent) {
    std::uint32_t power = 1;
    for (int i = 0; i < exponent; ++i) {
        power *= 10;
    }
    return power;
}

void CheckTotpParameters(std::span<const std::uint8_t> secret,
                         std::int64_t unix_seconds,
                         int digits,
                         int step_seconds) {
    CANDOR_ASSERT(digits >= 6);
    CANDOR_ASSERT(digits <= 8);
    CANDOR_ASSERT(step_seconds > 0);
    CANDOR_ASSERT(unix_seconds >= 0);
    CANDOR_ASSERT(secret.size() <= static_cast<std::size_t>(INT_MAX));
}

// RFC 4226 HOTP for counter `step`: HMAC-SHA1 over the big-endian counter, then dynamic
// truncation (section 5.3) to 31 bits and the low `digits` decimal digits, zero-padded.
std::string HotpCode(std::span<const std::uint8_t> secret, std::int64_t step, int digits) {
    CANDOR_ASSERT(step >= 0);
    std::array<std::uint8_t, 8> counter{};
    auto remaining = static_cast<std::uint64_t>(step);
    for (std::size_t i = counter.size(); i-- > 0;) {
        counter[i] = static_cast<std::uint8_t>(remaining & 0xFFU);
        remaining >>= 8U;
    }
    const std::optional<Sha1Digest> mac = HmacSha1(secret, counter);
    // After InitCrypto succeeded, OpenSSL fails only when out of memory, which we cannot recover
    // from here any more than from a failed std::string allocation.
    CANDOR_ASSERT(mac.has_value());
    const std::size_t offset = (*mac)[19] & 0x0FU;
    const std::uint32_t truncated = (static_cast<std::uint32_t>((*mac)[offset] & 0x7FU) << 24U) |
                                    (static_cast<std::uint32_t>((*mac)[offset + 1]) << 16U) |
                                    (static_cast<std::uint32_t>((*mac)[offset + 2]) << 8U) |
                                    static_cast<std::uint32_t>((*mac)[offset + 3]);
    std::uint32_t value = truncated % PowerOfTen(digits);
    std::string code(static_cast<std::size_t>(digits), '0');
    for (std::size_t i = code.size(); i-- > 0;) {
        code[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return code;
}

bool IsDigits(std::string_view text) {
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

bool IsUnreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

// RFC 3986 percent-encoding of everything but unreserved characters, with upper-case hex.
std::string PercentEncode(std::string_view text) {
    constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string encoded;
    encoded.reserve(text.size() * 3);
    for (const char c : text) {
        if (IsUnreserved(c)) {
            encoded.push_back(c);
            continue;
        }
        const auto byte = static_cast<unsigned char>(c);
        encoded.push_back('%');
        encoded.push_back(kHex[byte >> 4U]);
        encoded.push_back(kHex[byte & 0x0FU]);
    }
    return encoded;
}

// The value of one Base32 character, either case; nullopt when it is not in the alphabet.
std::optional<std::uint32_t> Base32Value(char c) {
    if (c >= 'A' && c <= 'Z') {
        return static_cast<std::uint32_t>(c - 'A');
    }
    if (c >= 'a' && c <= 'z') {
        return static_cast<std::uint32_t>(c - 'a');
    }
    if (c >= '2' && c <= '7') {
        return static_cast<std::uint32_t>(c - '2' + 26);
    }
    return std::nullopt;
}

// The '=' characters an encoder appends after `data_chars` characters of Base32, or nullopt for
// a count that no encoder produces (1, 3 or 6 characters past a multiple of 8).
std::optional<std::size_t> Base32PaddingFor(std::size_t data_chars) {
    switch (data_chars % 8) {
        case 0:
            return 0;
        case 2:
            return 6;
        case 4:
            return 4;
        case 5:
            return 3;
        case 7:
            return 1;
        default:
            return std::nullopt;
    }
}

// `stored_hash` NUL-terminated in the fixed-size buffer that libsodium's password functions
// declare, or nullopt when it cannot be a hash (too long, or with a NUL inside).
std::optional<std::array<char, crypto_pwhash_STRBYTES>> TerminatedHash(
    std::string_view stored_hash) {
    if (stored_hash.size() >= crypto_pwhash_STRBYTES ||
        stored_hash.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    std::array<char, crypto_pwhash_STRBYTES> terminated{};
    std::copy(stored_hash.begin(), stored_hash.end(), terminated.begin());
    return terminated;
}

}  // namespace

Status InitCrypto() {
    if (sodium_init() < 0) {
        return MakeError(ErrorCode::kInternal, "libsodium failed to initialize");
    }
    // OpenSSL initializes itself on first use; computing one HMAC here turns a missing or broken
    // provider into a start-up error instead of a failed login later.
    constexpr std::array<std::uint8_t, 1> kProbe = {0};
    if (!HmacSha1(kProbe, kProbe).has_value()) {
        return MakeError(ErrorCode::kInternal, "OpenSSL HMAC-SHA1 is unavailable");
    }
    return Ok();
}

namespace {

// SHA-256 through OpenSSL, which uses the CPU's SHA extensions where libsodium's portable code
// does not: Merkle proofs hash 64-byte nodes, where this is several times faster. The digest is
// fetched once; each thread keeps one context, freed when the thread ends.
struct DigestContextFree {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

// Fetched explicitly: EVP_sha256() would make every Init look the provider up under a lock.
// Kept for the life of the process.
const EVP_MD* Sha256Md() {
    static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    CANDOR_ASSERT(md != nullptr);
    return md;
}

EVP_MD_CTX* ThreadDigestContext() {
    thread_local const std::unique_ptr<EVP_MD_CTX, DigestContextFree> context(EVP_MD_CTX_new());
    CANDOR_ASSERT(context != nullptr);
    return context.get();
}

Sha256Digest Sha256Parts(std::span<const std::uint8_t> first,
                         std::span<const std::uint8_t> second) {
    EVP_MD_CTX* context = ThreadDigestContext();
    Sha256Digest digest{};
    unsigned int size = 0;
    const bool is_done = EVP_DigestInit_ex(context, Sha256Md(), nullptr) == 1 &&
                         EVP_DigestUpdate(context, first.data(), first.size()) == 1 &&
                         EVP_DigestUpdate(context, second.data(), second.size()) == 1 &&
                         EVP_DigestFinal_ex(context, digest.data(), &size) == 1;
    CANDOR_ASSERT(is_done);
    CANDOR_ASSERT(size == digest.size());
    return digest;
}

}  // namespace

Sha256Digest Sha256(std::span<const std::uint8_t> bytes) {
    return Sha256Parts(bytes, {});
}

Sha256Digest Sha256WithPrefix(std::uint8_t prefix, std::span<const std::uint8_t> bytes) {
    return Sha256Parts(std::span<const std::uint8_t>(&prefix, 1), bytes);
}

Sha256Digest HmacSha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> message) {
    // The init/update/final API, unlike crypto_auth_hmacsha256, takes a key of any length.
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, DataOrEmpty(key), key.size());
    crypto_auth_hmacsha256_update(&state, DataOrEmpty(message), message.size());
    Sha256Digest digest{};
    crypto_auth_hmacsha256_final(&state, digest.data());
    sodium_memzero(&state, sizeof state);
    return digest;
}

std::string ToHex(std::span<const std::uint8_t> bytes) {
    std::string hex(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
    hex.pop_back();
    return hex;
}

void RandomBytes(std::span<std::uint8_t> bytes) {
    // randombytes_buf declares its pointer nonnull, and an empty span may have none.
    if (bytes.empty()) {
        return;
    }
    randombytes_buf(bytes.data(), bytes.size());
}

std::string RandomToken(std::size_t bytes) {
    CANDOR_ASSERT(bytes > 0);
    std::vector<std::uint8_t> random(bytes);
    RandomBytes(random);
    // The encoded length counts the terminating NUL, which the string drops.
    std::string token(sodium_base64_encoded_len(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                      '\0');
    sodium_bin2base64(token.data(),
                      token.size(),
                      random.data(),
                      random.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    token.pop_back();
    sodium_memzero(random.data(), random.size());
    return token;
}

bool EqualConstantTime(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    if (a.size() != b.size()) {
        return false;
    }
    return sodium_memcmp(DataOrEmpty(a), DataOrEmpty(b), a.size()) == 0;
}

bool EqualConstantTime(std::string_view a, std::string_view b) {
    return EqualConstantTime(AsBytes(a), AsBytes(b));
}

std::string Base32Encode(std::span<const std::uint8_t> bytes) {
    std::string text;
    text.reserve((bytes.size() * 8 + 4) / 5);
    std::uint32_t buffer = 0;
    std::uint32_t bits = 0;
    for (const std::uint8_t byte : bytes) {
        buffer = (buffer << 8U) | byte;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            text.push_back(kBase32Alphabet[(buffer >> bits) & 0x1FU]);
        }
        buffer &= (1U << bits) - 1U;
    }
    if (bits > 0) {
        // The last character carries the remaining bits followed by zeros.
        text.push_back(kBase32Alphabet[(buffer << (5U - bits)) & 0x1FU]);
    }
    return text;
}

std::string Base64Encode(std::span<const std::uint8_t> bytes) {
    constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
    std::string text(sodium_base64_encoded_len(bytes.size(), kVariant), '\0');
    // libsodium's pointers must not be null even for empty input.
    static constexpr std::uint8_t kNothing = 0;
    sodium_bin2base64(
        text.data(), text.size(), bytes.empty() ? &kNothing : bytes.data(), bytes.size(), kVariant);
    text.pop_back();  // the terminating NUL
    return text;
}

Result<std::vector<std::uint8_t>> Base64Decode(std::string_view text) {
    std::vector<std::uint8_t> bytes(text.size() / 4 * 3 + 3);
    std::size_t length = 0;
    const char* end = nullptr;
    static constexpr char kEmpty = 0;
    const char* begin = text.empty() ? &kEmpty : text.data();
    if (sodium_base642bin(bytes.data(),
                          bytes.size(),
                          begin,
                          text.size(),
                          nullptr,
                          &length,
                          &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != begin + text.size()) {
        return MakeError(ErrorCode::kInvalidArgument, "not valid Base64");
    }
    bytes.resize(length);
    return bytes;
}

Result<std::vector<std::uint8_t>> Base32Decode(std::string_view text) {
    std::vector<std::uint8_t> bytes;
    bytes.reserve(text.size() * 5 / 8);
    std::uint32_t buffer = 0;
    std::uint32_t bits = 0;
    std::size_t data_chars = 0;
    std::size_t padding_chars = 0;
    for (const char c : text) {
        if (c == ' ') {
            continue;
        }
        if (c == '=') {
            ++padding_chars;
            continue;
        }
        if (padding_chars > 0) {
            return MakeError(ErrorCode::kInvalidArgument, "base32 padding is not at the end");
        }
        const std::optional<std::uint32_t> value = Base32Value(c);
        if (!value.has_value()) {
            return MakeError(ErrorCode::kInvalidArgument, "base32 text has an invalid character");
        }
        ++data_chars;
        buffer = (buffer << 5U) | *value;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            bytes.push_back(static_cast<std::uint8_t>(buffer >> bits));
            buffer &= (1U << bits) - 1U;
        }
    }
    const std::optional<std::size_t> padding_expected = Base32PaddingFor(data_chars);
    if (!padding_expected.has_value()) {
        return MakeError(ErrorCode::kInvalidArgument, "base32 text has an impossible length");
    }
    if (padding_chars != 0 && padding_chars != *padding_expected) {
        return MakeError(ErrorCode::kInvalidArgument, "base32 padding has the wrong length");
    }
    if (buffer != 0) {
        return MakeError(ErrorCode::kInvalidArgument, "base32 text has non-zero trailing bits");
    }
    return bytes;
}

std::string TotpCode(std::span<const std::uint8_t> secret,
                     std::int64_t unix_seconds,
                     int digits,
                     int step_seconds) {
    CheckTotpParameters(secret, unix_seconds, digits, step_seconds);
    return HotpCode(secret, unix_seconds / step_seconds, digits);
}

std::optional<std::int64_t> VerifyTotp(std::span<const std::uint8_t> secret,
                                       std::string_view code,
                                       std::int64_t unix_seconds,
                                       std::int64_t last_used_step,
                                       int window_steps,
                                       int digits,
                                       int step_seconds) {
    CheckTotpParameters(secret, unix_seconds, digits, step_seconds);
    CANDOR_ASSERT(window_steps >= 0);
    CANDOR_ASSERT(window_steps <= limits::kTotpWindowStepsMax);
    // Rejecting a malformed code early reveals nothing about the secret.
    if (code.size() != static_cast<std::size_t>(digits) || !IsDigits(code)) {
        return std::nullopt;
    }
    const std::int64_t current_step = unix_seconds / step_seconds;
    std::optional<std::int64_t> matched_step;
    // Every candidate step is compared, without stopping at a match, and the latest match wins:
    // recording the latest step means a code that happens to be valid for two steps cannot be
    // replayed for the later one.
    for (std::int64_t step = current_step - window_steps; step <= current_step + window_steps;
         ++step) {
        if (step < 0 || step <= last_used_step) {
            continue;
        }
        if (EqualConstantTime(HotpCode(secret, step, digits), code)) {
            matched_step = step;
        }
    }
    return matched_step;
}

std::string OtpauthUri(std::string_view issuer,
                       std::string_view account,
                       std::span<const std::uint8_t> secret) {
    const std::string issuer_encoded = PercentEncode(issuer);
    std::string uri = "otpauth://totp/";
    uri += issuer_encoded;
    uri += ':';
    uri += PercentEncode(account);
    uri += "?secret=";
    uri += Base32Encode(secret);
    uri += "&issuer=";
    uri += issuer_encoded;
    uri += "&algorithm=SHA1&digits=6&period=30";
    return uri;
}

// Holds one of the hasher's slots for its lifetime and keeps the running counts.
class PasswordHasher::Slot {
public:
    explicit Slot(PasswordHasher& hasher) : hasher_(hasher) {
        hasher_.slots_.acquire();
        const std::size_t running = hasher_.running_.fetch_add(1) + 1;
        std::size_t seen = hasher_.running_max_seen_.load();
        // On failure compare_exchange_weak reloads `seen`; stop once the maximum is at least ours.
        while (running > seen && !hasher_.running_max_seen_.compare_exchange_weak(seen, running)) {
        }
    }

    ~Slot() {
        hasher_.running_.fetch_sub(1);
        hasher_.slots_.release();
    }

    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

private:
    PasswordHasher& hasher_;
};

PasswordHasher::PasswordHasher(std::size_t concurrent_max)
    : slots_(static_cast<std::ptrdiff_t>(concurrent_max)) {
    CANDOR_ASSERT(concurrent_max >= 1);
    CANDOR_ASSERT(concurrent_max <= static_cast<std::size_t>(std::counting_semaphore<>::max()));
}

Result<std::string> PasswordHasher::Hash(std::string_view password) {
    if (password.empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "the password is empty");
    }
    if (password.size() > limits::kPasswordBytesMax) {
        return MakeError(
            ErrorCode::kInvalidArgument,
            fmt::format("the password is longer than {} bytes", limits::kPasswordBytesMax));
    }
    std::array<char, crypto_pwhash_STRBYTES> hash{};
    int status = 0;
    {
        const Slot slot(*this);
        status = crypto_pwhash_str_alg(hash.data(),
                                       password.data(),
                                       password.size(),
                                       crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                       crypto_pwhash_MEMLIMIT_INTERACTIVE,
                                       crypto_pwhash_ALG_ARGON2ID13);
    }
    // With valid parameters libsodium fails only when it cannot allocate the 64 MiB.
    if (status != 0) {
        return MakeError(ErrorCode::kOverloaded, "not enough memory to hash the password");
    }
    return std::string(hash.data());
}

bool PasswordHasher::Verify(std::string_view stored_hash, std::string_view password) {
    // Hash never accepts these passwords, and an over-long one must not cost a full hash.
    if (password.empty() || password.size() > limits::kPasswordBytesMax) {
        return false;
    }
    const auto terminated = TerminatedHash(stored_hash);
    if (!terminated.has_value()) {
        return false;
    }
    const Slot slot(*this);
    return crypto_pwhash_str_verify(terminated->data(), password.data(), password.size()) == 0;
}

bool PasswordHasher::NeedsRehash(std::string_view stored_hash) const {
    const auto terminated = TerminatedHash(stored_hash);
    if (!terminated.has_value()) {
        return true;
    }
    // The Argon2id-specific check, not crypto_pwhash_str_needs_rehash: the generic one answers
    // "no" for an Argon2i hash at the same cost, which would never move it to Argon2id.
    return crypto_pwhash_argon2id_str_needs_rehash(terminated->data(),
                                                   crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                                   crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

std::size_t PasswordHasher::running_max_seen() const {
    return running_max_seen_.load();
}

Sha256Digest ApiKeySecretHash(std::string_view secret) {
    return Sha256(AsBytes(secret));
}

void Wipe(std::span<std::uint8_t> bytes) {
    if (!bytes.empty()) {
        sodium_memzero(bytes.data(), bytes.size());
    }
}

Result<std::vector<std::uint8_t>> FromHex(std::string_view hex) {
    if (hex.size() % 2 != 0) {
        return MakeError(ErrorCode::kInvalidArgument, "hex has an odd number of digits");
    }
    if (hex.empty()) {
        // sodium_hex2bin declares its output nonnull, and an empty vector may have none.
        return std::vector<std::uint8_t>();
    }
    std::vector<std::uint8_t> bytes(hex.size() / 2);
    std::size_t written = 0;
    const char* end = nullptr;
    if (sodium_hex2bin(
            bytes.data(), bytes.size(), hex.data(), hex.size(), nullptr, &written, &end) != 0 ||
        written != bytes.size() || end != hex.data() + hex.size()) {
        return MakeError(ErrorCode::kInvalidArgument, "not hexadecimal");
    }
    return bytes;
}

Ed25519KeyPair::Ed25519KeyPair(const Ed25519Seed& seed) {
    static_assert(crypto_sign_SEEDBYTES == std::tuple_size_v<Ed25519Seed>);
    static_assert(crypto_sign_PUBLICKEYBYTES == std::tuple_size_v<Ed25519PublicKey>);
    static_assert(crypto_sign_SECRETKEYBYTES == 64);
    const int rc = crypto_sign_seed_keypair(public_key_.data(), secret_key_.data(), seed.data());
    CANDOR_ASSERT(rc == 0);
}

Ed25519KeyPair::~Ed25519KeyPair() {
    sodium_memzero(secret_key_.data(), secret_key_.size());
}

Ed25519Signature Ed25519KeyPair::Sign(std::span<const std::uint8_t> message) const {
    static_assert(crypto_sign_BYTES == std::tuple_size_v<Ed25519Signature>);
    Ed25519Signature signature{};
    const int rc = crypto_sign_detached(
        signature.data(), nullptr, DataOrEmpty(message), message.size(), secret_key_.data());
    CANDOR_ASSERT(rc == 0);
    return signature;
}

bool Ed25519Verify(const Ed25519PublicKey& public_key,
                   std::span<const std::uint8_t> message,
                   const Ed25519Signature& signature) {
    return crypto_sign_verify_detached(
               signature.data(), DataOrEmpty(message), message.size(), public_key.data()) == 0;
}

std::string Ed25519KeyId(const Ed25519PublicKey& public_key) {
    const Sha256Digest digest = Sha256(public_key);
    return ToHex(std::span<const std::uint8_t>(digest).first(8));
}

}  // namespace candor::crypto
