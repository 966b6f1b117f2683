// Fuzzes the canonical entry decoder: any input either fails to decode or decodes to an entry
// whose encoding is exactly the input (the encoding is canonical), with a stable leaf hash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/assert.h"
#include "journal/journal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    auto entry = candor::journal::Decode(input);
    if (!entry) {
        CANDOR_ASSERT(entry.error().code == candor::ErrorCode::kCorruptEntry);
        return 0;
    }
    const auto encoded = candor::journal::Encode(*entry);
    CANDOR_ASSERT(encoded.size() == size);
    CANDOR_ASSERT(std::equal(encoded.begin(), encoded.end(), input.begin()));
    CANDOR_ASSERT(candor::journal::HashLeaf(encoded) == candor::journal::HashLeaf(input));
    return 0;
}
