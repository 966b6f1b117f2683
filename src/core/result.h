// Result<T>: a value or an Error, shaped like C++23 std::expected so that the switch to it is
// mechanical. Status is Result<void>. Both are [[nodiscard]]: an ignored error fails to
// compile. Error messages are safe to show a client; details belong in the log.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "core/assert.h"
#include "core/error_code.h"

namespace candor {

struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string message;

    friend bool operator==(const Error&, const Error&) = default;
};

inline Error MakeError(ErrorCode code, std::string message) {
    return Error{code, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: as expected

    Result(Error error)
        : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: as expected

    bool has_value() const { return state_.index() == 0; }

    explicit operator bool() const { return has_value(); }

    T& value() & {
        CANDOR_ASSERT(has_value());
        return std::get<0>(state_);
    }

    const T& value() const& {
        CANDOR_ASSERT(has_value());
        return std::get<0>(state_);
    }

    T&& value() && {
        CANDOR_ASSERT(has_value());
        return std::get<0>(std::move(state_));
    }

    const Error& error() const& {
        CANDOR_ASSERT(!has_value());
        return std::get<1>(state_);
    }

    Error&& error() && {
        CANDOR_ASSERT(!has_value());
        return std::get<1>(std::move(state_));
    }

    T& operator*() & { return value(); }

    const T& operator*() const& { return value(); }

    T&& operator*() && { return std::move(*this).value(); }

    T* operator->() { return &value(); }

    const T* operator->() const { return &value(); }

private:
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;

    Result(Error error) : error_(std::move(error)), has_error_(true) {}  // NOLINT: as expected

    bool has_value() const { return !has_error_; }

    explicit operator bool() const { return has_value(); }

    const Error& error() const& {
        CANDOR_ASSERT(has_error_);
        return error_;
    }

    Error&& error() && {
        CANDOR_ASSERT(has_error_);
        return std::move(error_);
    }

private:
    Error error_;
    bool has_error_ = false;
};

using Status = Result<void>;

inline Status Ok() {
    return {};
}

}  // namespace candor

// Returns the error of `expr` (a Status or Result) from the enclosing function.
#define CANDOR_TRY(expr)                                  \
    do {                                                  \
        auto candor_try_result_ = (expr);                 \
        if (!candor_try_result_.has_value()) {            \
            return std::move(candor_try_result_).error(); \
        }                                                 \
    } while (false)

#define CANDOR_CONCAT_INNER(a, b) a##b
#define CANDOR_CONCAT(a, b) CANDOR_CONCAT_INNER(a, b)

// Declares `decl` from the value of the Result `expr`, or returns its error.
#define CANDOR_ASSIGN_OR_RETURN(decl, expr) \
    CANDOR_ASSIGN_OR_RETURN_IMPL(CANDOR_CONCAT(candor_result_, __LINE__), decl, expr)

#define CANDOR_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr) \
    auto tmp = (expr);                                \
    if (!tmp.has_value()) {                           \
        return std::move(tmp).error();                \
    }                                                 \
    decl = std::move(tmp).value()
