// Fuzzes the rules compiler, the trust boundary where program authors' text enters: lexer,
// parser, checker and compiler, then Evaluate and Explain of whatever compiles, over a fixed
// activation and over one with nothing set. Properties: nothing crashes, hangs or overflows
// the stack; every compile error is kInvalidRule with a line and column inside the source;
// Evaluate and Explain agree on the value or the error; an evaluation error is
// kRuleEvaluation (the activations match the schema).
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/assert.h"
#include "program/rules/rules.h"

namespace {

namespace rules = candor::program::rules;
using rules::Kind;
using rules::Type;
using rules::Value;

struct Fixture {
    rules::Schema schema;
    std::array<Value, 3> games{
        Value::String("games"), Value::Int(250'000), Value::Decimal(1'500'000)};
    std::array<Value, 3> books{Value::String("books"), Value::Int(-40'000), Value::Decimal(-1)};
    std::array<Value, 2> items{Value::Record(games), Value::Record(books)};
    std::array<Value, 2> tags{Value::String("online"), Value::String("")};
    std::array<Value, 3> counts{Value::Int(3),
                                Value::Int(std::numeric_limits<std::int64_t>::max()),
                                Value::Int(std::numeric_limits<std::int64_t>::min())};
    std::array<Value, 8> event{};
    std::array<Value, 3> member{};
    std::array<Value, 2> variables{};
    std::array<Value, 2> unset{};

    Fixture() {
        const auto item = schema.AddRecord("item");
        schema.AddField(item, "category", Type::String());
        schema.AddField(item, "amount", Type::Int());
        schema.AddField(item, "rate", Type::Decimal());
        const auto purchase = schema.AddRecord("purchase");
        schema.AddField(purchase, "amount", Type::Int());
        schema.AddField(purchase, "store", Type::String());
        schema.AddField(purchase, "time", Type::Timestamp());
        schema.AddField(purchase, "items", Type::ListOf(item));
        schema.AddField(purchase, "rate", Type::Decimal());
        schema.AddField(purchase, "tags", Type::List(Kind::kString));
        schema.AddField(purchase, "wait", Type::Duration());
        schema.AddField(purchase, "counts", Type::List(Kind::kInt));
        const auto customer = schema.AddRecord("member");
        schema.AddField(customer, "tier", Type::String());
        schema.AddField(customer, "joined_at", Type::Timestamp());
        schema.AddField(customer, "visits", Type::Int());
        schema.AddVariable("event", purchase);
        schema.AddVariable("member", customer);
        event = {Value::Int(150'000),
                 Value::String("s-17"),
                 Value::Time(1'795'273'391'000'000),
                 Value::List(items),
                 Value::Decimal(1'250'000),
                 Value::List(tags),
                 Value::Duration(-5'400'000'000),
                 Value::List(counts)};
        member = {Value::String("gold"), Value::Time(-62'135'596'800'000'000), Value::Int(-1)};
        variables = {Value::Record(event), Value::Record(member)};
    }
};

std::string Render(const rules::Expression& expression, const Value& value) {
    return rules::RenderValue(value, Type{expression.result_kind()}, rules::Schema());
}

void CheckAgreement(const rules::Expression& expression, std::span<const Value> variables) {
    const auto evaluated = expression.Evaluate(variables);
    std::vector<rules::TraceStep> trace;
    const auto explained = expression.Explain(variables, &trace);
    CANDOR_ASSERT(evaluated.has_value() == explained.has_value());
    if (evaluated.has_value()) {
        CANDOR_ASSERT(evaluated->kind == expression.result_kind());
        CANDOR_ASSERT(Render(expression, *evaluated) == Render(expression, *explained));
    } else {
        CANDOR_ASSERT(evaluated.error() == explained.error());
        CANDOR_ASSERT(evaluated.error().code == candor::ErrorCode::kRuleEvaluation);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Fixture fixture;
    const std::string_view source(reinterpret_cast<const char*>(data), size);
    for (const Kind kind : {Kind::kBool,
                            Kind::kInt,
                            Kind::kDecimal,
                            Kind::kString,
                            Kind::kTimestamp,
                            Kind::kDuration}) {
        rules::Diagnostic diagnostic;
        auto expression = rules::Expression::Compile(source, fixture.schema, kind, &diagnostic);
        if (!expression.has_value()) {
            CANDOR_ASSERT(expression.error().code == candor::ErrorCode::kInvalidRule);
            CANDOR_ASSERT(diagnostic.line >= 1);
            CANDOR_ASSERT(diagnostic.column >= 1);
            CANDOR_ASSERT(static_cast<std::size_t>(diagnostic.line) <= size + 1);
            CANDOR_ASSERT(!diagnostic.message.empty());
            continue;
        }
        CheckAgreement(*expression, fixture.variables);
        CheckAgreement(*expression, fixture.unset);
        break;
    }
    return 0;
}
