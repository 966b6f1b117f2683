#include "core/assert.h"

#include <cstdio>
#include <cstdlib>

namespace candor::internal {

void AssertFailed(const char* condition, const char* file, int line) {
    // stderr, unbuffered, because the process is about to abort and a log queue would be lost.
    std::fprintf(stderr, "candor: assertion failed: %s at %s:%d\n", condition, file, line);
    std::abort();
}

}  // namespace candor::internal
