// Strong integer ids. A MemberId cannot be passed where an AccountId is expected, so swapped
// arguments fail to compile. Ids are positive; 0 means "none" and is never stored.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace candor {

template <class Tag>
class Id {
public:
    constexpr Id() = default;

    constexpr explicit Id(std::int64_t value) : value_(value) {}

    constexpr std::int64_t value() const { return value_; }

    constexpr bool is_set() const { return value_ != 0; }

    friend constexpr auto operator<=>(Id, Id) = default;

private:
    std::int64_t value_ = 0;
};

using MemberId = Id<struct MemberIdTag>;
using AccountId = Id<struct AccountIdTag>;
using EntryId = Id<struct EntryIdTag>;
using LotId = Id<struct LotIdTag>;
using StaffId = Id<struct StaffIdTag>;
using ApiKeyId = Id<struct ApiKeyIdTag>;
using SessionId = Id<struct SessionIdTag>;

}  // namespace candor

template <class Tag>
struct std::hash<candor::Id<Tag>> {
    std::size_t operator()(candor::Id<Tag> id) const noexcept {
        return std::hash<std::int64_t>{}(id.value());
    }
};
