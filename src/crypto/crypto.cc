#include "crypto/crypto.h"

#include <sodium.h>

namespace candor::crypto {

Status InitCrypto() {
    if (sodium_init() < 0) {
        return MakeError(ErrorCode::kInternal, "libsodium failed to initialize");
    }
    return Ok();
}

Sha256Digest Sha256(std::span<const std::uint8_t> bytes) {
    Sha256Digest digest{};
    crypto_hash_sha256(digest.data(), bytes.data(), bytes.size());
    return digest;
}

Sha256Digest Sha256WithPrefix(std::uint8_t prefix, std::span<const std::uint8_t> bytes) {
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    crypto_hash_sha256_update(&state, &prefix, 1);
    crypto_hash_sha256_update(&state, bytes.data(), bytes.size());
    Sha256Digest digest{};
    crypto_hash_sha256_final(&state, digest.data());
    return digest;
}

std::string ToHex(std::span<const std::uint8_t> bytes) {
    std::string hex(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
    hex.pop_back();
    return hex;
}

}  // namespace candor::crypto
