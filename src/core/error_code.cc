#include "core/error_code.h"

#include <array>

namespace candor {
namespace {

constexpr std::array kErrorCodeInfos = {
#define CANDOR_ERROR_INFO(name, slug, status, retryable, meaning) \
    ErrorCodeInfo{slug, status, retryable, meaning},
    CANDOR_ERROR_CODES(CANDOR_ERROR_INFO)
#undef CANDOR_ERROR_INFO
};

}  // namespace

const ErrorCodeInfo& Describe(ErrorCode code) {
    return kErrorCodeInfos.at(static_cast<std::size_t>(code));
}

bool ParseErrorSlug(std::string_view slug, ErrorCode* code) {
    for (std::size_t i = 0; i < kErrorCodeInfos.size(); ++i) {
        if (kErrorCodeInfos[i].slug == slug) {
            *code = static_cast<ErrorCode>(i);
            return true;
        }
    }
    return false;
}

}  // namespace candor
