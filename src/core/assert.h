// CANDOR_ASSERT stays on in every build mode. Use it for invariants whose breach would
// corrupt money or history (postings sum to zero, sequences are monotonic): a crash beats a
// wrong balance. CANDOR_DCHECK is for costly checks and compiles away under NDEBUG. Never
// assert on input: validate it and return an Error.
#pragma once

namespace candor::internal {

[[noreturn]] void AssertFailed(const char* condition, const char* file, int line);

}  // namespace candor::internal

#define CANDOR_ASSERT(condition)                                              \
    do {                                                                      \
        if (!(condition)) [[unlikely]] {                                      \
            ::candor::internal::AssertFailed(#condition, __FILE__, __LINE__); \
        }                                                                     \
    } while (false)

#ifdef NDEBUG
#define CANDOR_DCHECK(condition) \
    do {                         \
    } while (false && (condition))
#else
#define CANDOR_DCHECK(condition) CANDOR_ASSERT(condition)
#endif
