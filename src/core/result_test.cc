#include "core/result.h"

#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "core/error_code.h"

namespace candor {
namespace {

Result<int> ParsePositive(int value) {
    if (value <= 0) {
        return MakeError(ErrorCode::kInvalidArgument, "not positive");
    }
    return value;
}

Status CheckEven(int value) {
    if (value % 2 != 0) {
        return MakeError(ErrorCode::kInvalidAmount, "odd");
    }
    return Ok();
}

// Uses CANDOR_TRY on a Status and counts how far it got, so tests can see where it stopped.
Status TryBoth(int first, int second, int* reached) {
    *reached = 0;
    CANDOR_TRY(CheckEven(first));
    *reached = 1;
    CANDOR_TRY(CheckEven(second));
    *reached = 2;
    return Ok();
}

// Uses CANDOR_TRY on a Result<T> inside a function that returns a Status.
Status TryResult(int value, int* reached) {
    *reached = 0;
    CANDOR_TRY(ParsePositive(value));
    *reached = 1;
    return Ok();
}

// Two CANDOR_ASSIGN_OR_RETURN in one scope need distinct temporaries to compile.
Result<int> SumPositives(int a, int b) {
    CANDOR_ASSIGN_OR_RETURN(int x, ParsePositive(a));
    CANDOR_ASSIGN_OR_RETURN(const int y, ParsePositive(b));
    return x + y;
}

Result<std::unique_ptr<int>> MakeBox(int value) {
    return std::make_unique<int>(value);
}

Result<int> UnboxPlusOne(int value) {
    CANDOR_ASSIGN_OR_RETURN(std::unique_ptr<int> box, MakeBox(value));
    return *box + 1;
}

// Every code of the table, generated from the same X-macro as the enum, so that a code added
// to the table is checked here without editing this file.
constexpr std::array kAllCodes = {
#define CANDOR_ALL_CODES(name, slug, status, retryable, meaning) ErrorCode::name,
    CANDOR_ERROR_CODES(CANDOR_ALL_CODES)
#undef CANDOR_ALL_CODES
};

constexpr std::array<std::string_view, kAllCodes.size()> kAllSlugs = {
#define CANDOR_ALL_SLUGS(name, slug, status, retryable, meaning) slug,
    CANDOR_ERROR_CODES(CANDOR_ALL_SLUGS)
#undef CANDOR_ALL_SLUGS
};

// A Result built from a value holds it and reports success through every accessor.
TEST(ResultTest, ValueIsHeldAndReadable) {
    Result<std::string> result(std::string("points"));
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(static_cast<bool>(result));
    EXPECT_EQ(result.value(), "points");
    EXPECT_EQ(*result, "points");
    EXPECT_EQ(result->size(), 6U);
    result.value() += "!";
    EXPECT_EQ(*result, "points!");
}

// A Result built from an Error holds the code and the message and reports failure.
TEST(ResultTest, ErrorIsHeldAndReadable) {
    Result<int> result = MakeError(ErrorCode::kUnknownMember, "no member 7");
    ASSERT_FALSE(result.has_value());
    EXPECT_FALSE(static_cast<bool>(result));
    EXPECT_EQ(result.error().code, ErrorCode::kUnknownMember);
    EXPECT_EQ(result.error().message, "no member 7");
    EXPECT_EQ(result.error(), (Error{ErrorCode::kUnknownMember, "no member 7"}));
}

// A default Status and Ok() are success; a Status from an Error carries it.
TEST(ResultTest, StatusDefaultsToOkAndCarriesErrors) {
    const Status ok;
    EXPECT_TRUE(ok.has_value());
    EXPECT_TRUE(Ok().has_value());
    const Status failed = MakeError(ErrorCode::kStorage, "busy");
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code, ErrorCode::kStorage);
    EXPECT_EQ(failed.error().message, "busy");
}

// Errors compare equal only when both the code and the message match.
TEST(ResultTest, ErrorEqualityComparesCodeAndMessage) {
    EXPECT_EQ(MakeError(ErrorCode::kInternal, "a"), MakeError(ErrorCode::kInternal, "a"));
    EXPECT_NE(MakeError(ErrorCode::kInternal, "a"), MakeError(ErrorCode::kInternal, "b"));
    EXPECT_NE(MakeError(ErrorCode::kInternal, "a"), MakeError(ErrorCode::kStorage, "a"));
}

// A move-only value can be moved out of an rvalue Result.
TEST(ResultTest, MoveOnlyValueMovesOut) {
    Result<std::unique_ptr<int>> result = MakeBox(5);
    ASSERT_TRUE(result.has_value());
    std::unique_ptr<int> box = std::move(result).value();
    ASSERT_NE(box, nullptr);
    EXPECT_EQ(*box, 5);
}

// CANDOR_TRY continues past successes and returns the first error, skipping the rest.
TEST(ResultTest, TryReturnsFirstErrorAndStopsThere) {
    int reached = -1;
    EXPECT_TRUE(TryBoth(2, 4, &reached).has_value());
    EXPECT_EQ(reached, 2);

    auto first_fails = TryBoth(3, 4, &reached);
    ASSERT_FALSE(first_fails.has_value());
    EXPECT_EQ(first_fails.error().code, ErrorCode::kInvalidAmount);
    EXPECT_EQ(reached, 0);

    auto second_fails = TryBoth(2, 5, &reached);
    ASSERT_FALSE(second_fails.has_value());
    EXPECT_EQ(reached, 1);
}

// CANDOR_TRY also accepts a Result<T>, propagating its error unchanged into a Status.
TEST(ResultTest, TryPropagatesResultErrorIntoStatus) {
    int reached = -1;
    EXPECT_TRUE(TryResult(3, &reached).has_value());
    EXPECT_EQ(reached, 1);
    auto failed = TryResult(-1, &reached);
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error(), (Error{ErrorCode::kInvalidArgument, "not positive"}));
    EXPECT_EQ(reached, 0);
}

// CANDOR_TRY evaluates its expression exactly once.
TEST(ResultTest, TryEvaluatesExpressionOnce) {
    int calls = 0;
    auto count_call = [&calls]() -> Status {
        ++calls;
        return Ok();
    };
    auto run = [&]() -> Status {
        CANDOR_TRY(count_call());
        return Ok();
    };
    EXPECT_TRUE(run().has_value());
    EXPECT_EQ(calls, 1);
}

// CANDOR_ASSIGN_OR_RETURN binds values, and returns the first error it meets.
TEST(ResultTest, AssignOrReturnBindsValueOrReturnsError) {
    auto sum = SumPositives(2, 3);
    ASSERT_TRUE(sum.has_value());
    EXPECT_EQ(*sum, 5);

    auto failed = SumPositives(2, 0);
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code, ErrorCode::kInvalidArgument);
}

// CANDOR_ASSIGN_OR_RETURN moves a move-only value into the declaration.
TEST(ResultTest, AssignOrReturnMovesMoveOnlyValues) {
    auto result = UnboxPlusOne(41);
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(*result, 42);
}

// Reading the value of a failed Result is a programming error that aborts, never UB.
TEST(ResultDeathTest, ValueOfErrorAborts) {
    const Result<int> result = MakeError(ErrorCode::kInternal, "boom");
    EXPECT_DEATH((void)result.value(), "assertion failed");
}

// Reading the error of a successful Status aborts.
TEST(ResultDeathTest, ErrorOfOkStatusAborts) {
    const Status ok = Ok();
    EXPECT_DEATH((void)ok.error(), "assertion failed");
}

// Every code has a unique, non-empty, URI-safe slug and a non-empty meaning.
TEST(ErrorCodeTest, SlugsAreUniqueNonEmptyAndUriSafe) {
    std::set<std::string_view> seen;
    for (ErrorCode code : kAllCodes) {
        const ErrorCodeInfo& info = Describe(code);
        EXPECT_FALSE(info.slug.empty());
        EXPECT_FALSE(info.meaning.empty()) << info.slug;
        EXPECT_TRUE(seen.insert(info.slug).second) << "duplicate slug " << info.slug;
        for (char c : info.slug) {
            EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) != 0 || c == '-')
                << "slug " << info.slug << " has '" << c << "'";
        }
    }
    EXPECT_EQ(seen.size(), kAllCodes.size());
}

// Describe returns each code's own row, not a neighbour's (the table and enum stay aligned).
TEST(ErrorCodeTest, DescribeReturnsTheCodesOwnRow) {
    for (std::size_t i = 0; i < kAllCodes.size(); ++i) {
        EXPECT_EQ(Describe(kAllCodes[i]).slug, kAllSlugs[i]);
    }
    EXPECT_EQ(Describe(ErrorCode::kInvalidArgument).slug, "invalid-argument");
    EXPECT_EQ(Describe(ErrorCode::kInvalidArgument).http_status, 400);
    EXPECT_EQ(Describe(ErrorCode::kUnknownMember).http_status, 404);
    EXPECT_EQ(Describe(ErrorCode::kAlreadyExists).http_status, 409);
    EXPECT_EQ(Describe(ErrorCode::kStorage).slug, "storage-unavailable");
    EXPECT_TRUE(Describe(ErrorCode::kStorage).is_retryable);
    EXPECT_FALSE(Describe(ErrorCode::kCorruptEntry).is_retryable);
}

// Every code maps to an HTTP error status, 4xx or 5xx; retryable codes are server-side (5xx).
TEST(ErrorCodeTest, HttpStatusesAreErrorStatuses) {
    for (ErrorCode code : kAllCodes) {
        const ErrorCodeInfo& info = Describe(code);
        EXPECT_GE(info.http_status, 400) << info.slug;
        EXPECT_LE(info.http_status, 599) << info.slug;
        if (info.is_retryable) {
            EXPECT_GE(info.http_status, 500) << info.slug;
        }
    }
}

// ParseErrorSlug inverts Describe for every code.
TEST(ErrorCodeTest, ParseErrorSlugRoundTrips) {
    for (ErrorCode code : kAllCodes) {
        ErrorCode parsed =
            code == ErrorCode::kInternal ? ErrorCode::kStorage : ErrorCode::kInternal;
        ASSERT_TRUE(ParseErrorSlug(Describe(code).slug, &parsed)) << Describe(code).slug;
        EXPECT_EQ(parsed, code);
    }
}

// ParseErrorSlug rejects unknown, empty, differently-cased and padded slugs, leaving the output.
TEST(ErrorCodeTest, ParseErrorSlugRejectsUnknownSlugs) {
    for (std::string_view slug : {"", "no-such-code", "Internal", "internal ", "kInternal"}) {
        ErrorCode parsed = ErrorCode::kHoldClosed;
        EXPECT_FALSE(ParseErrorSlug(slug, &parsed)) << "'" << slug << "'";
        EXPECT_EQ(parsed, ErrorCode::kHoldClosed);
    }
}

}  // namespace
}  // namespace candor
