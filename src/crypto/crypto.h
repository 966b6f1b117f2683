// Cryptographic primitives: SHA-256 and HMAC-SHA256, secure random bytes and tokens,
// constant-time comparison, Base32, TOTP (RFC 6238) for staff and member logins, Argon2id
// password hashing and API key secret hashes. This module is the only code that includes
// libsodium or OpenSSL; everything else calls these functions. It never stores, logs or sends
// secrets: callers own every key, secret and password they pass in.
//
// Thread-safety: every function is thread-safe once InitCrypto() has returned; call it once at
// start-up before any thread uses this module. PasswordHasher is thread-safe and is meant to be
// shared by all threads of a process.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <semaphore>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace candor::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Initializes libsodium and checks that OpenSSL's HMAC-SHA1 works. Safe to call more than once;
// returns kInternal only if a library cannot start.
Status InitCrypto();

Sha256Digest Sha256(std::span<const std::uint8_t> bytes);

// SHA-256(prefix || bytes), the shape of RFC 6962 leaf (prefix 0x00) and node (0x01) hashes.
Sha256Digest Sha256WithPrefix(std::uint8_t prefix, std::span<const std::uint8_t> bytes);

// HMAC-SHA256 (RFC 2104) of `message` under `key`. Any key length works, including empty; keys
// longer than 64 bytes are hashed first, as RFC 2104 specifies.
Sha256Digest HmacSha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> message);

// Lower-case hexadecimal.
std::string ToHex(std::span<const std::uint8_t> bytes);

// ---- Randomness and comparison

// Fills `bytes` from the operating system's cryptographic random source (libsodium). Never fails.
void RandomBytes(std::span<std::uint8_t> bytes);

// `bytes` fresh random bytes as URL-safe base64 without padding (alphabet A-Z a-z 0-9 - _),
// ceil(bytes * 4 / 3) characters; 32 bytes give a 43-character token. For session ids, API key
// secrets and other bearer tokens. REQUIRES: bytes > 0.
std::string RandomToken(std::size_t bytes);

// True when `a` and `b` hold the same bytes. The time taken depends only on the lengths, never on
// where the contents differ, so it is safe for comparing secrets and codes. Different lengths
// return false at once: lengths are not secret.
bool EqualConstantTime(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);
bool EqualConstantTime(std::string_view a, std::string_view b);

// ---- Base32 (RFC 4648 section 6), the encoding of TOTP secrets

// Upper-case Base32 without '=' padding: "foobar" -> "MZXW6YTBOI".
std::string Base32Encode(std::span<const std::uint8_t> bytes);

// Decodes Base32 as people and authenticator apps write it: letters in either case, spaces
// anywhere (secrets are often shown in groups of four) and optional trailing '=' padding.
// Returns kInvalidArgument for any other character, '=' before the end, padding that does not
// make the length a multiple of 8, a length no encoder produces, or non-zero unused bits in the
// last character (so each byte string has exactly one accepted spelling, up to case, spaces
// and padding).
Result<std::vector<std::uint8_t>> Base32Decode(std::string_view text);

// ---- Base64 (RFC 4648 section 4, standard alphabet with padding), as in Merkle proof files
// and signed tree heads.

std::string Base64Encode(std::span<const std::uint8_t> bytes);

// kInvalidArgument for anything that is not canonical padded standard Base64.
Result<std::vector<std::uint8_t>> Base64Decode(std::string_view text);

// ---- TOTP (RFC 6238 with HMAC-SHA1 and RFC 4226 dynamic truncation)

// The `last_used_step` to pass to VerifyTotp before any code was ever accepted.
inline constexpr std::int64_t kTotpNoStepUsed = -1;

// The `digits`-digit code, zero-padded, for the time step floor(unix_seconds / step_seconds)
// (T0 = 0). `secret` is the shared key (RFC 4226 asks for at least 16 bytes; 20 is usual).
// REQUIRES: 6 <= digits <= 8, step_seconds > 0, unix_seconds >= 0,
// secret.size() <= INT_MAX.
std::string TotpCode(std::span<const std::uint8_t> secret,
                     std::int64_t unix_seconds,
                     int digits = 6,
                     int step_seconds = 30);

// Checks a code a person typed. Tries the current time step and `window_steps` steps either side
// (clock drift and typing time), skipping steps below 0 and steps <= `last_used_step`, and
// returns the step that matched; if several match (a one-in-a-million coincidence) the latest is
// returned. The caller must store it and pass it as `last_used_step` next time, so a code once
// accepted is never accepted again (RFC 6238 section 5.2); pass kTotpNoStepUsed the first time.
// Returns nullopt when nothing matches, including when `code` is not exactly `digits` ASCII
// digits. Codes are compared in constant time.
// REQUIRES: as TotpCode, and 0 <= window_steps <= limits::kTotpWindowStepsMax.
std::optional<std::int64_t> VerifyTotp(std::span<const std::uint8_t> secret,
                                       std::string_view code,
                                       std::int64_t unix_seconds,
                                       std::int64_t last_used_step,
                                       int window_steps = 1,
                                       int digits = 6,
                                       int step_seconds = 30);

// The key URI that authenticator apps read from a QR code:
// "otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30".
// `issuer` and `account` are percent-encoded as UTF-8 bytes; only RFC 3986 unreserved characters
// (A-Z a-z 0-9 - . _ ~) stay as they are, so a ':' or space in either cannot break the label.
// The URI contains the secret: treat it as one.
std::string OtpauthUri(std::string_view issuer,
                       std::string_view account,
                       std::span<const std::uint8_t> secret);

// ---- Passwords (Argon2id)

// Hashes and verifies passwords with Argon2id at libsodium's "interactive" cost (2 passes over
// 64 MiB, about 0.1 s on one core). Each running hash or verify holds 64 MiB, so at most
// `concurrent_max` run at once; further calls block until one finishes. Create one per process
// (limits::kPasswordHashesConcurrentMax) and share it. Thread-safe.
class PasswordHasher {
public:
    // REQUIRES: concurrent_max >= 1.
    explicit PasswordHasher(std::size_t concurrent_max);

    PasswordHasher(const PasswordHasher&) = delete;
    PasswordHasher& operator=(const PasswordHasher&) = delete;

    // A self-describing hash string ("$argon2id$v=19$m=65536,t=2,p=1$salt$hash", under 128
    // bytes) with a fresh random salt, to store instead of the password. The password is taken
    // as given: normalizing Unicode is the caller's choice. Returns kInvalidArgument when
    // `password` is empty or longer than limits::kPasswordBytesMax bytes, and kOverloaded when
    // the 64 MiB cannot be allocated.
    Result<std::string> Hash(std::string_view password);

    // True when `password` is the one `stored_hash` (from Hash, or any Argon2i/Argon2id string)
    // was made from. False for a wrong password, an empty or over-long one, a malformed hash,
    // and when memory for hashing cannot be had: false means "do not log in", nothing more.
    bool Verify(std::string_view stored_hash, std::string_view password);

    // True when `stored_hash` is not an Argon2id hash at the current cost (an older cost, Argon2i,
    // or malformed), so the caller should replace it with Hash(password) after a successful
    // Verify. Cheap: it parses the string and hashes nothing.
    bool NeedsRehash(std::string_view stored_hash) const;

    // Diagnostic: the most hashes and verifies this object has seen running at the same time.
    // Never above concurrent_max; tests use it to check the bound.
    std::size_t running_max_seen() const;

private:
    class Slot;

    std::counting_semaphore<> slots_;
    std::atomic<std::size_t> running_{0};
    std::atomic<std::size_t> running_max_seen_{0};
};

// ---- API keys

// The digest to store for an API key secret and to look a presented key up by. API key secrets
// are 32 bytes from RandomBytes/RandomToken: with 256 bits of entropy nobody can guess one from
// its digest however fast the hash, so a slow password hash would add CPU cost to every API
// request and no security. A plain digest also lets the store index keys by it. Never use this
// for anything a person chose.
Sha256Digest ApiKeySecretHash(std::string_view secret);

// Overwrites `bytes` with zeros in a way the compiler may not optimize away (for secrets).
void Wipe(std::span<std::uint8_t> bytes);

// ---- Hexadecimal input

// Parses hexadecimal in either case. kInvalidArgument for an odd length or any other character.
Result<std::vector<std::uint8_t>> FromHex(std::string_view hex);

// ---- Ed25519 signatures (RFC 8032, libsodium), for signed tree heads (translog/)

using Ed25519Seed = std::array<std::uint8_t, 32>;
using Ed25519PublicKey = std::array<std::uint8_t, 32>;
using Ed25519Signature = std::array<std::uint8_t, 64>;

// A key pair derived from a 32-byte seed; the seed is the secret to keep (e.g. in a 0600 file).
// The secret key is wiped when the pair is destroyed.
class Ed25519KeyPair {
public:
    explicit Ed25519KeyPair(const Ed25519Seed& seed);
    ~Ed25519KeyPair();

    Ed25519KeyPair(const Ed25519KeyPair& other) = default;
    Ed25519KeyPair& operator=(const Ed25519KeyPair& other) = default;

    const Ed25519PublicKey& public_key() const { return public_key_; }

    // The detached signature of `message`.
    Ed25519Signature Sign(std::span<const std::uint8_t> message) const;

private:
    Ed25519PublicKey public_key_{};
    std::array<std::uint8_t, 64> secret_key_{};  // libsodium's seed || public key
};

// True when `signature` is a valid signature of `message` under `public_key`.
bool Ed25519Verify(const Ed25519PublicKey& public_key,
                   std::span<const std::uint8_t> message,
                   const Ed25519Signature& signature);

// The key id that names a public key in tree heads: the hex of the first 8 bytes of its SHA-256.
std::string Ed25519KeyId(const Ed25519PublicKey& public_key);

}  // namespace candor::crypto
