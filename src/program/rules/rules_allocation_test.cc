// Proves that Expression::Evaluate allocates nothing on success, for expressions that use every
// kind of operation (fields, strings, lists, macros, decimals, calendar functions before and
// after 2037), by counting calls to the global allocation functions around it.
//
// This binary replaces the global operator new and delete (the replacement functions of the C++
// standard, [replacement.functions]) with ones that count and forward to malloc and free. It is
// the only place in Candor that does: watching the allocator is the one way to check the
// contract, and it is kept to this test binary so that nothing else runs with it.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "program/rules/rules.h"

namespace {

// Global because the replaced operator new, outside any test, counts into it.
std::atomic<long> allocations{0};  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

void* Allocate(std::size_t size, std::size_t alignment) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    const std::size_t bytes = size == 0 ? 1 : size;
    void* pointer =
        alignment <= alignof(std::max_align_t)
            ? std::malloc(bytes)
            : std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
    if (pointer == nullptr) {
        std::abort();
    }
    return pointer;
}

}  // namespace

void* operator new(std::size_t size) {
    return Allocate(size, 0);
}

void* operator new[](std::size_t size) {
    return Allocate(size, 0);
}

void* operator new(std::size_t size, const std::nothrow_t& /*tag*/) noexcept {
    return Allocate(size, 0);
}

void* operator new[](std::size_t size, const std::nothrow_t& /*tag*/) noexcept {
    return Allocate(size, 0);
}

void* operator new(std::size_t size, std::align_val_t alignment) {
    return Allocate(size, static_cast<std::size_t>(alignment));
}

void* operator new[](std::size_t size, std::align_val_t alignment) {
    return Allocate(size, static_cast<std::size_t>(alignment));
}

void operator delete(void* pointer) noexcept {
    std::free(pointer);
}

void operator delete[](void* pointer) noexcept {
    std::free(pointer);
}

void operator delete(void* pointer, std::size_t /*size*/) noexcept {
    std::free(pointer);
}

void operator delete[](void* pointer, std::size_t /*size*/) noexcept {
    std::free(pointer);
}

void operator delete(void* pointer, std::align_val_t /*alignment*/) noexcept {
    std::free(pointer);
}

void operator delete[](void* pointer, std::align_val_t /*alignment*/) noexcept {
    std::free(pointer);
}

void operator delete(void* pointer, std::size_t /*size*/, std::align_val_t /*alignment*/) noexcept {
    std::free(pointer);
}

void operator delete[](void* pointer,
                       std::size_t /*size*/,
                       std::align_val_t /*alignment*/) noexcept {
    std::free(pointer);
}

namespace candor::program::rules {
namespace {

TEST(RulesAllocationTest, CountingSeesAllocations) {
    // The counter works: a heap-allocated string is counted, so the test below can fail.
    const long before = allocations.load();
    auto text = std::make_unique<std::string>(100, 'x');
    EXPECT_GT(allocations.load(), before);
}

TEST(RulesAllocationTest, EvaluateAllocatesNothing) {
    // Every expression, evaluated 1000 times over one activation, allocates nothing.
    Schema schema;
    const RecordTypeId item = schema.AddRecord("item");
    schema.AddField(item, "category", Type::String());
    schema.AddField(item, "amount", Type::Int());
    const RecordTypeId event = schema.AddRecord("purchase");
    schema.AddField(event, "amount", Type::Int());
    schema.AddField(event, "store", Type::String());
    schema.AddField(event, "time", Type::Timestamp());
    schema.AddField(event, "items", Type::ListOf(item));
    schema.AddField(event, "later", Type::Timestamp());
    const RecordTypeId member = schema.AddRecord("member");
    schema.AddField(member, "tier", Type::String());
    schema.AddField(member, "rate", Type::Decimal());
    schema.AddVariable("event", event);
    schema.AddVariable("member", member);

    const std::vector<std::pair<std::string, Kind>> sources = {
        {R"(event.amount >= 100000 && member.tier in ["gold", "platinum"])", Kind::kBool},
        {"event.items.any(i, i.category == \"games\")", Kind::kBool},
        {"event.items.all(i, i.amount > 0) || has(event.store)", Kind::kBool},
        {"event.items.sum(i, i.amount) * 1.5", Kind::kDecimal},
        {"event.items.max(i, i.amount) - event.items.min(i, i.amount)", Kind::kInt},
        {"event.items.count(i, i.category.starts_with('g'))", Kind::kInt},
        {"day_of_week(event.time, \"Europe/Moscow\") in [6, 7]", Kind::kBool},
        {"hour(event.later, 'Europe/Berlin') + day_of_year(event.later, 'America/New_York')",
         Kind::kInt},
        {"event.amount in [1, event.items.size(), 3] ? 1 : round(member.rate * event.amount)",
         Kind::kInt},
        {"max(member.tier, event.store).contains('s') && size(member.tier) == 4", Kind::kBool},
        {"event.later - event.time > duration('7d') && !(event.amount / 7 % 2 == 0)", Kind::kBool},
        {"member.tier", Kind::kString},
    };
    std::vector<Expression> expressions;
    for (const auto& [source, kind] : sources) {
        auto expression = Expression::Compile(source, schema, kind);
        ASSERT_TRUE(expression.has_value()) << expression.error().message;
        expressions.push_back(*expression);
    }

    const std::array<Value, 2> games{Value::String("games"), Value::Int(250'000)};
    const std::array<Value, 2> books{Value::String("books"), Value::Int(40'000)};
    const std::array<Value, 2> items{Value::Record(games), Value::Record(books)};
    const std::array<Value, 5> purchase{Value::Int(150'000),
                                        Value::String("s-17"),
                                        Value::Time(1'795'273'391'000'000),
                                        Value::List(items),
                                        Value::Time(2'540'000'000'000'000)};  // 2050-06-28
    const std::array<Value, 2> gold{Value::String("gold"), Value::Decimal(1'500'000)};
    const std::array<Value, 2> variables{Value::Record(purchase), Value::Record(gold)};

    std::int64_t checksum = 0;
    const long before = allocations.load();
    for (int round = 0; round < 1000; ++round) {
        for (const Expression& expression : expressions) {
            const Result<Value> value = expression.Evaluate(variables);
            if (!value.has_value()) {
                ADD_FAILURE() << expression.source();
                return;
            }
            if (value->kind == Kind::kString) {
                checksum += static_cast<std::int64_t>(value->string.size());
            } else if (value->kind == Kind::kBool) {
                checksum += value->boolean ? 1 : 0;
            } else {
                checksum += value->integer;
            }
        }
    }
    EXPECT_EQ(allocations.load() - before, 0);
    EXPECT_NE(checksum, 0);
}

}  // namespace
}  // namespace candor::program::rules
