// The journal: what a ledger entry is, its canonical byte encoding and its leaf hash.
//
// An entry is an atomic set of postings. Each posting adds a signed amount of one asset to one
// account; per asset the amounts of an entry sum to zero. The canonical encoding (specified in
// docs/journal.md, with test vectors in journal_test.cc) is the exact byte string that the
// transparency log hashes: leaf hash = SHA-256(0x00 || bytes), as in RFC 6962. Entries hold
// pseudonymous ids and amounts only, never personal data.
//
// This module does no I/O. All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/amount.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/kinds.h"
#include "core/result.h"
#include "crypto/crypto.h"

namespace candor::journal {

struct Posting {
    AccountId account;
    Asset asset = Asset::kPoints;
    Amount amount;  // positive credits the account, negative debits it

    friend bool operator==(const Posting&, const Posting&) = default;
};

struct Entry {
    EntryId id;
    EntryKind kind = EntryKind::kEarn;
    Timestamp created_at;    // when the ledger committed it
    Timestamp effective_at;  // when it happened (an offline till's original time)
    EntryId reference;       // the entry reversed, or the hold captured or voided; unset if none
    Timestamp expires_at;    // expiry of the points it credits; epoch if none
    std::vector<Posting> postings;
    std::string meta;  // opaque pseudonymous metadata from the program (rule ids, version)

    friend bool operator==(const Entry&, const Entry&) = default;
};

using LeafHash = crypto::Sha256Digest;

// Checks what every stored entry must satisfy: id positive, kind known, reference not negative,
// 1..kEntryPostingsMax postings, each of a known asset on a positive account with a nonzero
// amount, per-asset sum zero (without overflow), meta within kEntryMetaBytesMax. Returns the
// first problem as kInvalidArgument, kInvalidAmount (a zero amount), kAmountOverflow or
// kUnbalancedEntry. Everything that passes encodes to bytes that Decode accepts.
Status Validate(const Entry& entry);

// REQUIRES: Validate(entry) succeeds.
std::vector<std::uint8_t> Encode(const Entry& entry);

// Parses a canonical encoding. Anything that Encode would not have produced, such as trailing
// bytes, an unknown kind or asset, or an unbalanced entry, is kCorruptEntry.
Result<Entry> Decode(std::span<const std::uint8_t> bytes);

LeafHash HashLeaf(std::span<const std::uint8_t> encoded);

}  // namespace candor::journal
