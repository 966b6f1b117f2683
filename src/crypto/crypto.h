// Cryptographic primitives. This module is the only code that includes libsodium (and, later,
// OpenSSL); everything else calls these functions. All functions are thread-safe once
// InitCrypto() has returned; call it once at start-up before any thread uses this module.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "core/result.h"

namespace candor::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Initializes libsodium. Safe to call more than once; fails only if the library cannot start.
Status InitCrypto();

Sha256Digest Sha256(std::span<const std::uint8_t> bytes);

// SHA-256(prefix || bytes), the shape of RFC 6962 leaf (prefix 0x00) and node (0x01) hashes.
Sha256Digest Sha256WithPrefix(std::uint8_t prefix, std::span<const std::uint8_t> bytes);

// Lower-case hexadecimal.
std::string ToHex(std::span<const std::uint8_t> bytes);

}  // namespace candor::crypto
