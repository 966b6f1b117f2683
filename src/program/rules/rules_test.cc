// Tests of the rules language through its public header: every operator and function, the
// compile errors with their line, column and message, evaluation failures, Explain traces, the
// calendar functions across time zones and DST changes, and the limits.
#include "program/rules/rules.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/limits.h"

namespace candor::program::rules {
namespace {

// The schema of the tests: event (a purchase with items) and member, as a program declares
// them.
struct TestSchema {
    Schema schema;
    RecordTypeId item = 0;
    RecordTypeId event = 0;
    RecordTypeId member = 0;

    TestSchema() {
        item = schema.AddRecord("item");
        schema.AddField(item, "category", Type::String());
        schema.AddField(item, "amount", Type::Int());
        schema.AddField(item, "rate", Type::Decimal());
        event = schema.AddRecord("purchase");
        schema.AddField(event, "amount", Type::Int());              // 0
        schema.AddField(event, "store", Type::String());            // 1
        schema.AddField(event, "time", Type::Timestamp());          // 2
        schema.AddField(event, "items", Type::ListOf(item));        // 3
        schema.AddField(event, "rate", Type::Decimal());            // 4
        schema.AddField(event, "tags", Type::List(Kind::kString));  // 5
        schema.AddField(event, "first", Type::Bool());              // 6
        schema.AddField(event, "wait", Type::Duration());           // 7
        schema.AddField(event, "counts", Type::List(Kind::kInt));   // 8
        member = schema.AddRecord("member");
        schema.AddField(member, "tier", Type::String());          // 0
        schema.AddField(member, "joined_at", Type::Timestamp());  // 1
        schema.AddField(member, "visits", Type::Int());           // 2
        schema.AddVariable("event", event);
        schema.AddVariable("member", member);
    }
};

const TestSchema& Declared() {
    static const TestSchema kSchema;
    return kSchema;
}

// One activation: values the test sets, the rest unset.
struct Activation {
    std::array<Value, 3> items_a{
        Value::String("games"), Value::Int(250'000), Value::Decimal(1'500'000)};
    std::array<Value, 3> items_b{
        Value::String("books"), Value::Int(40'000), Value::Decimal(500'000)};
    std::array<Value, 2> item_values{Value::Record(items_a), Value::Record(items_b)};
    std::array<Value, 2> tag_values{Value::String("online"), Value::String("promo")};
    std::array<Value, 3> count_values{Value::Int(3), Value::Int(9), Value::Int(4)};
    std::array<Value, 9> event{};
    std::array<Value, 3> member{};
    std::array<Value, 2> variables{};

    Activation() {
        event[0] = Value::Int(150'000);
        event[1] = Value::String("s-17");
        // 2026-11-21T15:03:11Z, a Saturday.
        event[2] = Value::Time(1'795'273'391'000'000);
        event[3] = Value::List(item_values);
        event[4] = Value::Decimal(1'250'000);
        event[5] = Value::List(tag_values);
        event[6] = Value::Bool(true);
        event[7] = Value::Duration(5'400'000'000);
        event[8] = Value::List(count_values);
        member[0] = Value::String("gold");
        member[2] = Value::Int(12);
        variables[0] = Value::Record(event);
        variables[1] = Value::Record(member);
    }
};

// The expression's value rendered as the trace renders it, or "error: message". (Values
// point into the expression, so it renders before the expression goes.)
std::string Eval(std::string_view source, Kind kind = Kind::kBool) {
    const Activation activation;
    auto expression = Expression::Compile(source, Declared().schema, kind);
    if (!expression) {
        return "compile error: " + expression.error().message;
    }
    auto value = expression->Evaluate(activation.variables);
    if (!value) {
        return "error: " + value.error().message;
    }
    return RenderValue(*value, Type{kind}, Declared().schema);
}

std::string CompileError(std::string_view source, Kind kind = Kind::kBool) {
    Diagnostic diagnostic;
    auto expression = Expression::Compile(source, Declared().schema, kind, &diagnostic);
    if (expression) {
        return "compiled";
    }
    EXPECT_EQ(expression.error().code, ErrorCode::kInvalidRule);
    EXPECT_EQ(expression.error().message,
              std::to_string(diagnostic.line) + ":" + std::to_string(diagnostic.column) + ": " +
                  diagnostic.message);
    return std::to_string(diagnostic.line) + ":" + std::to_string(diagnostic.column) + ": " +
           diagnostic.message;
}

struct Case {
    const char* source;
    Kind kind;
    const char* expected;
};

void ExpectCases(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
        EXPECT_EQ(Eval(c.source, c.kind), c.expected) << c.source;
    }
}

TEST(RulesTest, TheIssueExampleHolds) {
    // The condition of issue #4 over a gold member's 150000 purchase.
    EXPECT_EQ(Eval("event.amount >= 100000 && member.tier in [\"gold\", \"platinum\"]"), "true");
    EXPECT_EQ(Eval("event.amount >= 200000 && member.tier in [\"gold\", \"platinum\"]"), "false");
    EXPECT_EQ(Eval("event.amount >= 100000 && member.tier in ['silver']"), "false");
}

TEST(RulesTest, Literals) {
    // Literals of every kind, with separators, escapes and both quotes.
    ExpectCases({
        {"100_000", Kind::kInt, "100000"},
        {"1_0", Kind::kInt, "10"},
        {"-9223372036854775808", Kind::kInt, "-9223372036854775808"},
        {"9223372036854775807", Kind::kInt, "9223372036854775807"},
        {"1.25", Kind::kDecimal, "1.25"},
        {"0.05", Kind::kDecimal, "0.05"},
        {"-0.000001", Kind::kDecimal, "-0.000001"},
        {"3", Kind::kDecimal, "3.0"},
        {"'gold'", Kind::kString, "\"gold\""},
        {"\"it's\"", Kind::kString, "\"it's\""},
        {"'a\\'b\\\\c\\n'", Kind::kString, "\"a'b\\\\c\\n\""},
        {"'\\u00e9\\U0001F600'", Kind::kString, "\"\xC3\xA9\xF0\x9F\x98\x80\""},
        {"true", Kind::kBool, "true"},
        {"false", Kind::kBool, "false"},
        {"timestamp(\"2026-12-01T00:00:00+03:00\")", Kind::kTimestamp, "2026-11-30T21:00:00Z"},
        {"timestamp('2026-12-01T00:00:00.25Z')", Kind::kTimestamp, "2026-12-01T00:00:00.25Z"},
        {"duration('90m')", Kind::kDuration, "1h30m"},
        {"duration('2h')", Kind::kDuration, "2h"},
        {"duration('7d')", Kind::kDuration, "7d"},
        {"duration('1h30m15s')", Kind::kDuration, "1h30m15s"},
        {"duration('-250ms')", Kind::kDuration, "-0.25s"},
        {"duration('0')", Kind::kDuration, "0s"},
        {"[1, 2, 3,].size()", Kind::kInt, "3"},
        {"// a comment\n  1 + // another\n 2", Kind::kInt, "3"},
    });
}

TEST(RulesTest, FieldsAndVariables) {
    // Fields read the activation; unset fields read as zero values.
    ExpectCases({
        {"event.amount", Kind::kInt, "150000"},
        {"event.store", Kind::kString, "\"s-17\""},
        {"event.rate", Kind::kDecimal, "1.25"},
        {"event.first", Kind::kBool, "true"},
        {"event.time", Kind::kTimestamp, "2026-11-21T15:03:11Z"},
        {"event.wait", Kind::kDuration, "1h30m"},
        {"member.tier", Kind::kString, "\"gold\""},
        {"member.joined_at", Kind::kTimestamp, "1970-01-01T00:00:00Z"},
        {"member.visits", Kind::kInt, "12"},
    });
}

TEST(RulesTest, Comparisons) {
    // Every comparison operator over ints, decimals, strings, bools, timestamps and durations.
    ExpectCases({
        {"1 == 1", Kind::kBool, "true"},
        {"1 != 1", Kind::kBool, "false"},
        {"1 < 2", Kind::kBool, "true"},
        {"2 <= 2", Kind::kBool, "true"},
        {"2 > 2", Kind::kBool, "false"},
        {"3 >= 2", Kind::kBool, "true"},
        {"event.amount == 150000", Kind::kBool, "true"},
        {"event.amount > 150000", Kind::kBool, "false"},
        {"event.rate == 1.25", Kind::kBool, "true"},
        {"event.rate > 1", Kind::kBool, "true"},
        {"1 == 1.0", Kind::kBool, "true"},
        {"'abc' < 'abd'", Kind::kBool, "true"},
        {"'b' > 'abc'", Kind::kBool, "true"},
        {"member.tier == 'gold'", Kind::kBool, "true"},
        {"member.tier != 'gold'", Kind::kBool, "false"},
        {"event.first == true", Kind::kBool, "true"},
        {"event.time > timestamp('2026-11-01T00:00:00Z')", Kind::kBool, "true"},
        {"event.wait >= duration('90m')", Kind::kBool, "true"},
        {"event.wait < duration('1h')", Kind::kBool, "false"},
    });
}

TEST(RulesTest, LogicalOperatorsShortCircuit) {
    // && || ! and their short circuits: the right side of a decided && or || is not evaluated,
    // so its division by zero does not fail.
    ExpectCases({
        {"true && false", Kind::kBool, "false"},
        {"true || false", Kind::kBool, "true"},
        {"!true", Kind::kBool, "false"},
        {"!!event.first", Kind::kBool, "true"},
        {"event.amount > 0 && member.visits > 10 && event.first", Kind::kBool, "true"},
        {"event.amount < 0 || member.visits < 10 || event.first", Kind::kBool, "true"},
        {"event.amount < 0 || member.visits < 10", Kind::kBool, "false"},
        {"event.amount < 0 && 1 / (member.visits - 12) > 0", Kind::kBool, "false"},
        {"event.amount > 0 || 1 / (member.visits - 12) > 0", Kind::kBool, "true"},
        {"event.first ? 1 / (member.visits - 11) == 1 : 1 / (member.visits - 12) == 1",
         Kind::kBool,
         "true"},
    });
}

TEST(RulesTest, InLists) {
    // 'in' over list literals (constant or not) and list fields.
    ExpectCases({
        {"member.tier in ['gold', 'platinum']", Kind::kBool, "true"},
        {"member.tier in ['silver']", Kind::kBool, "false"},
        {"member.tier in []", Kind::kBool, "false"},
        {"3 in event.counts", Kind::kBool, "true"},
        {"5 in event.counts", Kind::kBool, "false"},
        {"'promo' in event.tags", Kind::kBool, "true"},
        {"event.amount in [1, member.visits, 150000]", Kind::kBool, "true"},
        {"event.amount in [1, member.visits]", Kind::kBool, "false"},
        {"member.visits in [12.0, 13.5]", Kind::kBool, "true"},
        {"1.5 in [1, 2]", Kind::kBool, "false"},
    });
}

TEST(RulesTest, CompileErrorsSayWhereAndWhat) {
    // Compile errors carry the 1-based line and column and say what was expected.
    EXPECT_EQ(CompileError("event.amout > 5"),
              "1:7: unknown field 'amout' of event; did you mean 'amount'?");
    EXPECT_EQ(CompileError("evnt.amount > 5"), "1:1: unknown name 'evnt'; did you mean 'event'?");
    EXPECT_EQ(CompileError("event.amount && true"), "1:1: '&&' needs bool operands, found int");
    EXPECT_EQ(CompileError("(event.amount > 5"),
              "1:18: expected ')' to close the '(' at 1:1, found end of input");
    EXPECT_EQ(CompileError("event.amount > 5 &&\n  member.tier == 5"),
              "2:15: '==' needs operands of one type, found string and int");
}

}  // namespace
}  // namespace candor::program::rules
