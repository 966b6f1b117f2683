// Tests of the rules language through its public header: every operator and function, the
// compile errors with their line, column and message, evaluation failures, Explain traces, the
// calendar functions across time zones and DST changes, and the limits.
#include "program/rules/rules.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
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
    static const TestSchema declared;
    return declared;
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
        {R"('a\'b\\c\n')", Kind::kString, R"("a'b\\c\n")"},
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

TEST(RulesTest, ArithmeticAndPrecedence) {
    // + - * / % with CEL's precedence, int and decimal mixing, and decimal rounding (half away
    // from zero, to micro-units).
    ExpectCases({
        {"1 + 2 * 3", Kind::kInt, "7"},
        {"(1 + 2) * 3", Kind::kInt, "9"},
        {"10 - 4 - 3", Kind::kInt, "3"},
        {"2 * 3 % 4", Kind::kInt, "2"},
        {"-2 * 3", Kind::kInt, "-6"},
        {"- 2 + 3", Kind::kInt, "1"},
        {"7 / 2", Kind::kInt, "3"},
        {"-7 / 2", Kind::kInt, "-3"},
        {"7 % 3", Kind::kInt, "1"},
        {"-7 % 3", Kind::kInt, "-1"},
        {"event.amount % 7", Kind::kInt, "4"},
        {"-event.amount", Kind::kInt, "-150000"},
        {"event.amount - member.visits", Kind::kInt, "149988"},
        {"7.0 / 2", Kind::kDecimal, "3.5"},
        {"1 / 3.0", Kind::kDecimal, "0.333333"},
        {"2 / 3.0", Kind::kDecimal, "0.666667"},
        {"-2 / 3.0", Kind::kDecimal, "-0.666667"},
        {"1.5 * 1.5", Kind::kDecimal, "2.25"},
        {"0.000001 * 0.5", Kind::kDecimal, "0.000001"},
        {"-0.000001 * 0.5", Kind::kDecimal, "-0.000001"},
        {"0.000001 * 0.4", Kind::kDecimal, "0.0"},
        {"event.amount * 1.5", Kind::kDecimal, "225000.0"},
        {"event.amount * event.rate", Kind::kDecimal, "187500.0"},
        {"event.amount + 0.5", Kind::kDecimal, "150000.5"},
        {"event.rate - 2", Kind::kDecimal, "-0.75"},
        {"-event.rate", Kind::kDecimal, "-1.25"},
        {"event.amount", Kind::kDecimal, "150000.0"},
        {"1 + 2 == 3 && 4 > 3 || false", Kind::kBool, "true"},
        {"true || false && false", Kind::kBool, "true"},
        {"!false && false", Kind::kBool, "false"},
        {"1 < 2 == true", Kind::kBool, "true"},
        {"true ? 1 : 2 + 3", Kind::kInt, "1"},
        {"false ? 1 : true ? 2 : 3", Kind::kInt, "2"},
        {"event.first ? 1 : 2.5", Kind::kDecimal, "1.0"},
        {"member.visits > 20 ? 'many' : 'few'", Kind::kString, "\"few\""},
    });
}

TEST(RulesTest, TimestampAndDurationArithmetic) {
    // timestamp - timestamp is a duration; timestamp +- duration a timestamp; durations scale.
    ExpectCases({
        {"event.time - timestamp('2026-11-21T00:00:00Z')", Kind::kDuration, "15h3m11s"},
        {"event.time + duration('1d')", Kind::kTimestamp, "2026-11-22T15:03:11Z"},
        {"duration('1d') + event.time", Kind::kTimestamp, "2026-11-22T15:03:11Z"},
        {"event.time - duration('3m11s')", Kind::kTimestamp, "2026-11-21T15:00:00Z"},
        {"duration('1h') * 3", Kind::kDuration, "3h"},
        {"2 * duration('1h')", Kind::kDuration, "2h"},
        {"duration('1h') / 4", Kind::kDuration, "15m"},
        {"duration('1h') + duration('30m')", Kind::kDuration, "1h30m"},
        {"duration('1h') - duration('90m')", Kind::kDuration, "-30m"},
        {"-duration('1h')", Kind::kDuration, "-1h"},
        {"event.time - member.joined_at > duration('30d')", Kind::kBool, "true"},
    });
}

TEST(RulesTest, Functions) {
    // Every function, with the conversions between decimal and int.
    ExpectCases({
        {"floor(1.5)", Kind::kInt, "1"},
        {"floor(-1.5)", Kind::kInt, "-2"},
        {"floor(2.0)", Kind::kInt, "2"},
        {"ceil(1.2)", Kind::kInt, "2"},
        {"ceil(-1.2)", Kind::kInt, "-1"},
        {"round(2.5)", Kind::kInt, "3"},
        {"round(-2.5)", Kind::kInt, "-3"},
        {"round(2.4999)", Kind::kInt, "2"},
        {"round(event.amount * 0.015)", Kind::kInt, "2250"},
        {"int(-1.9)", Kind::kInt, "-1"},
        {"int(7)", Kind::kInt, "7"},
        {"floor(5)", Kind::kInt, "5"},
        {"decimal(3)", Kind::kDecimal, "3.0"},
        {"decimal(event.rate)", Kind::kDecimal, "1.25"},
        {"min(1, 2)", Kind::kInt, "1"},
        {"max(1, 2.5)", Kind::kDecimal, "2.5"},
        {"max(event.amount, 200000)", Kind::kInt, "200000"},
        {"min('b', member.tier)", Kind::kString, "\"b\""},
        {"max(event.time, timestamp('2030-01-01T00:00:00Z'))",
         Kind::kTimestamp,
         "2030-01-01T00:00:00Z"},
        {"min(duration('1h'), event.wait)", Kind::kDuration, "1h"},
        {"size('h\u00e9llo')", Kind::kInt, "5"},
        {"size(event.tags)", Kind::kInt, "2"},
        {"event.tags.size()", Kind::kInt, "2"},
        {"member.tier.size()", Kind::kInt, "4"},
        {"'hello'.starts_with('he')", Kind::kBool, "true"},
        {"'hello'.ends_with('lo')", Kind::kBool, "true"},
        {"'hello'.contains('ell')", Kind::kBool, "true"},
        {"member.tier.contains('x')", Kind::kBool, "false"},
        {"event.store.starts_with('s-')", Kind::kBool, "true"},
        {"member.tier.ends_with('')", Kind::kBool, "true"},
    });
}

TEST(RulesTest, HasAndUnsetFields) {
    // Unset fields read as zero values; has() tells them apart.
    ExpectCases({
        {"has(event.store)", Kind::kBool, "true"},
        {"has(member.joined_at)", Kind::kBool, "false"},
        {"member.joined_at == timestamp('1970-01-01T00:00:00Z')", Kind::kBool, "true"},
        {"!has(member.joined_at) || member.joined_at < event.time", Kind::kBool, "true"},
    });
    Activation activation;
    activation.variables[1] = Value();  // no member at all
    activation.event[1] = Value::Unset(Kind::kString);
    activation.event[3] = Value();
    for (const auto& [source, expected] : std::vector<std::pair<std::string, bool>>{
             {"member.tier == ''", true},
             {"has(member.tier)", false},
             {"member.visits == 0", true},
             {"has(event.store)", false},
             {"event.store == ''", true},
             {"event.items.size() == 0", true},
             {"!event.items.any(i, true)", true},
         }) {
        auto expression = Expression::Compile(source, Declared().schema, Kind::kBool);
        ASSERT_TRUE(expression.has_value()) << expression.error().message;
        auto value = expression->Evaluate(activation.variables);
        ASSERT_TRUE(value.has_value()) << value.error().message;
        EXPECT_EQ(value->boolean, expected) << source;
    }
}

TEST(RulesTest, ListMacros) {
    // any, all, count, sum, max and min over lists of records and of ints, empty and nested.
    ExpectCases({
        {"event.items.any(i, i.category == 'games')", Kind::kBool, "true"},
        {"event.items.any(i, i.category == 'toys')", Kind::kBool, "false"},
        {"event.items.all(i, i.amount > 10000)", Kind::kBool, "true"},
        {"event.items.all(i, i.amount > 100000)", Kind::kBool, "false"},
        {"event.items.count(i, i.amount > 100000)", Kind::kInt, "1"},
        {"event.items.sum(i, i.amount)", Kind::kInt, "290000"},
        {"event.items.sum(i, i.amount) * 1.5", Kind::kDecimal, "435000.0"},
        {"event.items.sum(i, i.rate)", Kind::kDecimal, "2.0"},
        {"event.items.max(i, i.amount)", Kind::kInt, "250000"},
        {"event.items.min(i, i.rate)", Kind::kDecimal, "0.5"},
        {"event.counts.max(c, c)", Kind::kInt, "9"},
        {"event.counts.min(c, -c)", Kind::kInt, "-9"},
        {"event.counts.sum(c, c * c)", Kind::kInt, "106"},
        {"[].any(x, x > 0)", Kind::kBool, "false"},
        {"[].all(x, x > 0)", Kind::kBool, "true"},
        {"[].count(x, true)", Kind::kInt, "0"},
        {"[].sum(x, x)", Kind::kInt, "0"},
        {"[].max(x, x)", Kind::kInt, "0"},
        {"[].min(x, x)", Kind::kInt, "0"},
        {"[1, 2, 3].sum(x, x * 2)", Kind::kInt, "12"},
        {"event.items.any(i, event.counts.any(c, c * 10000 > i.amount))", Kind::kBool, "true"},
        {"event.items.all(i, event.counts.any(c, c * 10000 > i.amount))", Kind::kBool, "false"},
        {"event.items.sum(i, event.counts.count(c, c > 3))", Kind::kInt, "4"},
        {"event.items.any(i, i.category == 'books' && i.amount == 40000)", Kind::kBool, "true"},
        {"event.tags.any(t, t.starts_with('pro'))", Kind::kBool, "true"},
        {"event.items.sum(i, duration('1h'))", Kind::kDuration, "2h"},
    });
}

TEST(RulesTest, EvaluationFailures) {
    // Division by zero and overflow at run time are kRuleEvaluation errors naming the
    // sub-expression; a value that does not match the schema is kInternal.
    ExpectCases({
        {"event.amount / (member.visits - 12) > 0",
         Kind::kBool,
         "error: division by zero in 'event.amount / (member.visits - 12)'"},
        {"event.amount % (member.visits - 12) > 0",
         Kind::kBool,
         "error: division by zero in 'event.amount % (member.visits - 12)'"},
        {"event.rate / (event.rate - 1.25) > 0",
         Kind::kBool,
         "error: division by zero in 'event.rate / (event.rate - 1.25)'"},
        {"event.amount * 9223372036854775807 > 0",
         Kind::kBool,
         "error: int overflow in 'event.amount * 9223372036854775807'"},
        {"event.rate * 9000000000000.0 > 0",
         Kind::kBool,
         "error: decimal overflow in 'event.rate * 9000000000000.0'"},
        {"event.amount * 100000000 > 1.0",
         Kind::kBool,
         "error: decimal overflow in 'event.amount * 100000000'"},
        {"event.items.sum(i, i.amount * 9223372036854775) > 0",
         Kind::kBool,
         "error: int overflow in 'i.amount * 9223372036854775'"},
        {"event.items.sum(i, i.amount * 32000000000000) > 0",
         Kind::kBool,
         "error: int overflow in 'event.items.sum(i, i.amount * 32000000000000)'"},
        {"(-9223372036854775807 - 1 + member.visits - 12) / -1 > 0",
         Kind::kBool,
         "error: int overflow in '(-9223372036854775807 - 1 + member.visits - 12) / -1'"},
        {"event.time + duration('3000000d') > event.time",
         Kind::kBool,
         "error: a timestamp outside the years 0001 to 9999 in 'event.time + "
         "duration('3000000d')'"},
    });
    Activation activation;
    activation.event[0] = Value::String("150000");
    auto expression = Expression::Compile("event.amount > 5", Declared().schema, Kind::kBool);
    ASSERT_TRUE(expression.has_value());
    auto value = expression->Evaluate(activation.variables);
    ASSERT_FALSE(value.has_value());
    EXPECT_EQ(value.error().code, ErrorCode::kInternal);
    EXPECT_EQ(value.error().message,
              "the values do not match the schema: 'event.amount' holds a string where the "
              "schema declares int");
    auto too_few = expression->Evaluate(std::span<const Value>(activation.variables).first(1));
    ASSERT_FALSE(too_few.has_value());
    EXPECT_EQ(too_few.error().code, ErrorCode::kInternal);
    auto overflow = Expression::Compile(
        "event.amount * 9223372036854775807 > 0", Declared().schema, Kind::kBool);
    ASSERT_TRUE(overflow.has_value());
    auto failed = overflow->Evaluate(Activation().variables);
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code, ErrorCode::kRuleEvaluation);
}

TEST(RulesTest, CompileErrorsSayWhereAndWhat) {
    // Compile errors carry the 1-based line and column and say what was expected and found.
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"event.amout > 5", "1:7: unknown field 'amout' of event; did you mean 'amount'?"},
        {"evnt.amount > 5", "1:1: unknown name 'evnt'; did you mean 'event'?"},
        {"event.items.any(i, i.categry == 'x')",
         "1:22: unknown field 'categry' of i; did you mean 'category'?"},
        {"event.amount && true", "1:1: '&&' needs bool operands, found int"},
        {"event.amount > 5 ||\n  member.tier", "2:3: '||' needs bool operands, found string"},
        {"(event.amount > 5", "1:18: expected ')' to close the '(' at 1:1, found end of input"},
        {"size(event.tags > 1",
         "1:20: expected ')' after the arguments of size, found end of input"},
        {"[1, 2", "1:6: expected ']' to close the '[' at 1:1, found end of input"},
        {"event.amount > 5 &&\n  member.tier == 5",
         "2:15: '==' needs operands of one type, found string and int"},
        {"member.tier > 5", "1:13: '>' needs operands of one type, found string and int"},
        {"event.first < true", "1:13: '<' cannot compare bool values"},
        {"event.amount + 'x' > 0", "1:14: '+' cannot take int and string"},
        {"'a' + 'b' == 'ab'",
         "1:5: '+' cannot join strings (rules build no new strings); test parts with "
         "starts_with(), ends_with() or contains()"},
        {"event.rate % 2 > 0", "1:12: '%' cannot take decimal and int"},
        {"day_of_weak(event.time) == 1",
         "1:1: unknown function 'day_of_weak'; did you mean 'day_of_week'?"},
        {"hour(event.time, 'Europe/Mscow') > 3",
         "1:18: unknown time zone 'Europe/Mscow'; did you mean 'Europe/Moscow'?"},
        {"hour(event.time, member.tier) > 3",
         "1:18: the time zone of hour() must be a string literal, as in hour(event.time, "
         "\"Europe/Moscow\")"},
        {"hour(event.amount) > 3", "1:6: hour() needs a timestamp, found int"},
        {"event.amount / 0 > 1", "1:16: division by zero: the divisor of '/' is 0"},
        {"event.amount % 0 > 1", "1:16: division by zero: the divisor of '%' is 0"},
        {"event.rate / 0.0 > 1", "1:14: division by zero: the divisor of '/' is 0"},
        {"1 / 0 == 1", "1:5: division by zero: the divisor of '/' is 0"},
        {"-9223372036854775807 - 2 < 0", "1:1: int overflow in '-9223372036854775807 - 2'"},
        {"9223372036854775807 + 1 > 0", "1:1: int overflow in '9223372036854775807 + 1'"},
        {"9223372036854775808 > 0", "1:1: the number is too large for a 64-bit integer"},
        {"0.1234567 > 0", "1:1: a decimal has at most 6 digits after the point"},
        {"1__0 > 0", "1:2: '_' in a number must stand between two digits"},
        {"event.amount +", "1:15: expected an expression, found end of input"},
        {"event.amount > 5 5", "1:18: expected an operator or the end of the rule, found '5'"},
        {"event.amount = 5", "1:14: unexpected '='; did you mean '=='?"},
        {"member.tier == 'gold", "1:16: unterminated string: missing the closing quote"},
        {"member.tier == 'go\\ld'",
         R"(1:19: unknown escape; use \\, \", \', \n, \r, \t, \uXXXX or \UXXXXXXXX)"},
        {"event.amount > 5 # 6", "1:18: unexpected character '#'"},
        {"event.store == null",
         "1:16: null is not a value in rules; use has(x.field) to test whether a field is set"},
        {"has(member)", "1:5: has() needs a field, as in has(event.store)"},
        {"event.items[0].amount > 1",
         "1:12: indexing with [...] is not supported; use a list macro such as any() or sum()"},
        {"event.items.any(i)",
         "1:13: any() takes 2 arguments, found 1 argument; write list.any(x, x.amount > 0)"},
        {"event.items.any(i.amount, true)",
         "1:17: the first argument of any() names the element; write list.any(x, x.amount > "
         "0)"},
        {"event.items.any(event, true)",
         "1:17: 'event' is already a name here; pick another for the element"},
        {"event.items.any(i, i.amount)", "1:20: the condition of any() must be a bool, found int"},
        {"event.items.sum(i, i.category) > 0",
         "1:20: sum() needs an int, decimal or duration for each element, found string"},
        {"event.items.summ(i, i.amount) > 0",
         "1:13: unknown method 'summ' of list(item); did you mean 'sum'?"},
        {"member.tier.startswith('g')",
         "1:13: unknown method 'startswith' of string; did you mean 'starts_with'?"},
        {"event.amount.any(x, true)",
         "1:14: unknown method 'any' of int: only lists and strings have methods"},
        {"any(event.items)", "1:1: any() is a method: write list.any(...) or text.any(...)"},
        {"event.amount.size() > 0", "1:1: size() needs a string or a list, found int"},
        {"timestamp('2026-13-01T00:00:00Z') > event.time",
         "1:11: timestamp() needs RFC 3339 text such as \"2026-12-01T00:00:00+03:00\" or "
         "\"2026-12-01T00:00:00Z\", found \"2026-13-01T00:00:00Z\""},
        {"timestamp(member.tier) > event.time",
         "1:11: timestamp() needs a string literal, as in "
         "timestamp(\"2026-12-01T00:00:00+03:00\")"},
        {"duration('90x') > event.wait",
         "1:10: duration() needs numbers with units d, h, m, s, ms or us, such as \"90m\", "
         "\"2h\", \"7d\" or \"1h30m\", found \"90x\""},
        {"member.tier in [1, 2]", "1:17: 'in' looks for string values in this list, found int"},
        {"event.amount in event.tags",
         "1:1: 'in' looks for string values in list(string), found int"},
        {"event.amount in 5", "1:17: 'in' needs a list on its right, found int"},
        {"[event.amount, 2].size() > 0",
         "1:1: a list literal must hold constants, unless it follows 'in'"},
        {"[1, 'a'].size() > 0",
         "1:5: the elements of a list literal must have one type, found string after int"},
        {"event.first ? 1 : 'a'",
         "1:13: the branches of '?:' must have one type, found int and "
         "string"},
        {"event.amount", "1:1: the rule must give a bool, found int"},
        {"min(1, 'a') > 0",
         "1:1: min() needs two ints, decimals, strings, timestamps or durations of one type, "
         "found int and string"},
        {"floor(event.store) > 0", "1:7: floor() needs an int or a decimal, found string"},
        {"event.items == event.items", "1:13: '==' cannot compare list(item) values"},
        {"!event.amount", "1:2: '!' needs a bool, found int"},
        {"-event.store == ''", "1:2: '-' needs an int, decimal or duration, found string"},
        {"event.amount.foo > 1", "1:14: '.foo' needs a record on its left, found int"},
        {"", "1:1: expected an expression, found end of input"},
    };
    for (const auto& [source, expected] : cases) {
        EXPECT_EQ(CompileError(source), expected) << source;
    }
}

TEST(RulesTest, Limits) {
    // Source length, nesting depth, node count and list literal length are bounded.
    EXPECT_EQ(CompileError(std::string(limits::kRuleSourceBytesMax + 1, ' ')),
              "1:1: the rule is 16385 bytes long; the most is 16384");
    const std::string deep = std::string(40, '(') + "true" + std::string(40, ')');
    EXPECT_EQ(CompileError(deep), "1:33: the rule nests more than 32 levels deep");
    std::string chain = "1";
    for (int i = 0; i < 40; ++i) {
        chain += " + 1";
    }
    EXPECT_EQ(CompileError(chain + " > 0"), "1:1: the rule nests more than 32 levels deep");
    std::string nots = std::string(40, '!') + "true";
    EXPECT_EQ(CompileError(nots), "1:32: the rule nests more than 32 levels deep");
    std::string list = "[0";
    for (std::size_t i = 1; i < limits::kRuleListElementsMax; ++i) {
        list += ",0";
    }
    EXPECT_EQ(CompileError("event.amount in " + list + "]"), "compiled");
    EXPECT_EQ(CompileError("event.amount in " + list + ",1]"),
              "1:2018: a list literal has at most 1000 elements");
    const std::string many = "event.amount in " + list + "] || event.amount in " + list +
                             "] || event.amount in " + list + "]";
    EXPECT_EQ(CompileError(many).substr(CompileError(many).find(": ")),
              ": the rule has more than 2048 parts; split it");
    // A long && chain is one level, whatever its length.
    std::string conditions = "event.amount > 0";
    for (int i = 0; i < 200; ++i) {
        conditions += " && event.amount > 0";
    }
    EXPECT_EQ(Eval(conditions), "true");
}

TEST(RulesTest, ExplainListsTheStepsThatDecided) {
    // Explain gives, in evaluation order, the non-literal sub-expressions that decided the
    // result: all of a true &&, only the false operand of a false &&, the element that made
    // any() true.
    const Activation activation;
    const auto explain = [&activation](std::string_view source, Kind kind = Kind::kBool) {
        auto expression = Expression::Compile(source, Declared().schema, kind);
        EXPECT_TRUE(expression.has_value()) << source;
        std::vector<TraceStep> trace;
        auto explained = expression->Explain(activation.variables, &trace);
        EXPECT_TRUE(explained.has_value()) << source;
        auto evaluated = expression->Evaluate(activation.variables);
        EXPECT_EQ(RenderValue(*explained, Type{kind}, Declared().schema),
                  RenderValue(*evaluated, Type{kind}, Declared().schema));
        std::string text;
        for (const TraceStep& step : trace) {
            text += step.source + " = " + step.value + "\n";
        }
        return text;
    };
    EXPECT_EQ(explain("event.amount >= 100000 && member.tier in [\"gold\", \"platinum\"]"),
              "event.amount = 150000\n"
              "event.amount >= 100000 = true\n"
              "member.tier = \"gold\"\n"
              "member.tier in [\"gold\", \"platinum\"] = true\n"
              "event.amount >= 100000 && member.tier in [\"gold\", \"platinum\"] = true\n");
    EXPECT_EQ(explain("event.amount >= 200000 && member.tier in ['gold']"),
              "event.amount = 150000\n"
              "event.amount >= 200000 = false\n"
              "event.amount >= 200000 && member.tier in ['gold'] = false\n");
    EXPECT_EQ(explain("member.visits > 100 || event.first"),
              "event.first = true\n"
              "member.visits > 100 || event.first = true\n");
    EXPECT_EQ(explain("member.visits > 100 || !event.first"),
              "member.visits = 12\n"
              "member.visits > 100 = false\n"
              "event.first = true\n"
              "!event.first = false\n"
              "member.visits > 100 || !event.first = false\n");
    EXPECT_EQ(explain("event.items.any(i, i.category == 'books')"),
              "event.items = [{category: \"games\", amount: 250000, rate: 1.5}, {category: "
              "\"books\", amount: 40000, rate: 0.5}]\n"
              "i.category = \"books\"\n"
              "i.category == 'books' = true\n"
              "event.items.any(i, i.category == 'books') = true\n");
    EXPECT_EQ(explain("event.items.all(i, i.amount > 50000)"),
              "event.items = [{category: \"games\", amount: 250000, rate: 1.5}, {category: "
              "\"books\", amount: 40000, rate: 0.5}]\n"
              "i.amount = 40000\n"
              "i.amount > 50000 = false\n"
              "event.items.all(i, i.amount > 50000) = false\n");
    EXPECT_EQ(explain("event.counts.sum(c, c) * 1.5", Kind::kDecimal),
              "event.counts = [3, 9, 4]\n"
              "event.counts.sum(c, c) = 16\n"
              "event.counts.sum(c, c) * 1.5 = 24.0\n");
    EXPECT_EQ(explain("day_of_week(event.time, \"Europe/Moscow\") in [6, 7]"),
              "event.time = 2026-11-21T15:03:11Z\n"
              "day_of_week(event.time, \"Europe/Moscow\") = 6\n"
              "day_of_week(event.time, \"Europe/Moscow\") in [6, 7] = true\n");
    EXPECT_EQ(explain("event.first ? event.wait > duration('1h') : false"),
              "event.first = true\n"
              "event.wait = 1h30m\n"
              "event.wait > duration('1h') = true\n"
              "event.first ? event.wait > duration('1h') : false = true\n");
    EXPECT_EQ(explain("true"), "");
}

// The calendar functions' value at `time` (RFC 3339) in `zone`.
std::string Calendar(std::string_view function, std::string_view time, std::string_view zone) {
    return Eval(std::string(function) + "(timestamp('" + std::string(time) + "'), '" +
                    std::string(zone) + "')",
                Kind::kInt);
}

TEST(RulesTest, CalendarFunctionsAcrossZonesAndDaylightSaving) {
    // Hours and weekdays at the exact instants of DST changes, across midnight, in zones with
    // and without DST, and after 2037 (where the zone file's POSIX rule takes over).
    struct CalendarCase {
        const char* function;
        const char* time;
        const char* zone;
        const char* expected;
    };

    const std::vector<CalendarCase> cases = {
        // Europe/Berlin: CET to CEST at 2026-03-29T01:00:00Z, back at 2026-10-25T01:00:00Z.
        {"hour", "2026-03-29T00:59:59Z", "Europe/Berlin", "1"},
        {"hour", "2026-03-29T01:00:00Z", "Europe/Berlin", "3"},
        {"minute", "2026-03-29T00:59:59Z", "Europe/Berlin", "59"},
        {"hour", "2026-10-25T00:59:59Z", "Europe/Berlin", "2"},
        {"hour", "2026-10-25T01:00:00Z", "Europe/Berlin", "2"},
        {"hour", "2026-10-25T02:00:00Z", "Europe/Berlin", "3"},
        {"hour", "2026-10-24T21:59:59Z", "Europe/Berlin", "23"},
        {"day_of_week", "2026-10-24T21:59:59Z", "Europe/Berlin", "6"},
        {"day_of_week", "2026-10-24T22:00:00Z", "Europe/Berlin", "7"},
        // America/New_York: EST to EDT at 2026-03-08T07:00:00Z, back at 2026-11-01T06:00:00Z.
        {"hour", "2026-03-08T06:59:59Z", "America/New_York", "1"},
        {"hour", "2026-03-08T07:00:00Z", "America/New_York", "3"},
        {"hour", "2026-11-01T05:59:59Z", "America/New_York", "1"},
        {"hour", "2026-11-01T06:00:00Z", "America/New_York", "1"},
        {"day_of_week", "2026-11-01T03:59:59Z", "America/New_York", "6"},
        {"day_of_week", "2026-11-01T04:00:00Z", "America/New_York", "7"},
        // Europe/Moscow (UTC+3, no DST): Saturday 23:30 there is Saturday 20:30 UTC; Sunday 00:30
        // there is still Saturday in UTC.
        {"day_of_week", "2026-11-21T20:30:00Z", "Europe/Moscow", "6"},
        {"hour", "2026-11-21T20:30:00Z", "Europe/Moscow", "23"},
        {"day_of_week", "2026-11-21T21:30:00Z", "Europe/Moscow", "7"},
        {"day_of_week", "2026-11-21T21:30:00Z", "UTC", "6"},
        {"hour", "2026-07-01T00:00:00Z", "Europe/Moscow", "3"},
        // Asia/Kamchatka (UTC+12): the next day already.
        {"day_of_week", "2026-11-21T12:30:00Z", "Asia/Kamchatka", "7"},
        {"hour", "2026-11-21T12:30:00Z", "Asia/Kamchatka", "0"},
        {"day_of_month", "2026-11-21T12:30:00Z", "Asia/Kamchatka", "22"},
        // Fields of the date.
        {"day_of_month", "2026-12-31T21:00:00Z", "Europe/Moscow", "1"},
        {"month", "2026-12-31T21:00:00Z", "Europe/Moscow", "1"},
        {"year", "2026-12-31T21:00:00Z", "Europe/Moscow", "2027"},
        {"day_of_year", "2026-12-31T21:00:00Z", "Europe/Moscow", "1"},
        {"day_of_year", "2026-12-31T20:59:59Z", "Europe/Moscow", "365"},
        {"day_of_year", "2028-12-31T12:00:00Z", "UTC", "366"},
        {"month", "2026-11-21T15:03:11Z", "America/New_York", "11"},
        {"day_of_week", "1969-12-31T23:59:59Z", "UTC", "3"},
        {"hour", "1969-12-31T23:59:59Z", "UTC", "23"},
        // After 2037: Berlin's rule (last Sundays of March and October).
        {"hour", "2050-03-27T00:59:59Z", "Europe/Berlin", "1"},
        {"hour", "2050-03-27T01:00:00Z", "Europe/Berlin", "3"},
        {"hour", "2050-07-01T12:00:00Z", "Europe/Berlin", "14"},
        {"hour", "2050-10-30T00:59:59Z", "Europe/Berlin", "2"},
        {"hour", "2050-10-30T01:00:00Z", "Europe/Berlin", "2"},
        {"hour", "2050-12-01T12:00:00Z", "Europe/Berlin", "13"},
        // Australia/Sydney, southern hemisphere: AEDT (+11) until 2040-03-31T16:00:00Z, AEST
        // (+10) until 2040-10-06T16:00:00Z.
        {"hour", "2040-03-31T15:59:59Z", "Australia/Sydney", "2"},
        {"hour", "2040-03-31T16:00:00Z", "Australia/Sydney", "2"},
        {"hour", "2040-07-15T00:00:00Z", "Australia/Sydney", "10"},
        {"hour", "2040-10-06T15:59:59Z", "Australia/Sydney", "1"},
        {"hour", "2040-10-06T16:00:00Z", "Australia/Sydney", "3"},
        {"hour", "2040-01-15T00:00:00Z", "Australia/Sydney", "11"},
        {"hour", "2026-01-15T00:00:00Z", "Australia/Sydney", "11"},
    };
    for (const CalendarCase& c : cases) {
        EXPECT_EQ(Calendar(c.function, c.time, c.zone), c.expected)
            << c.function << "(" << c.time << ", " << c.zone << ")";
    }
    EXPECT_EQ(Eval("hour(event.time)", Kind::kInt), "15");
    EXPECT_EQ(Eval("day_of_week(event.time, \"Europe/Moscow\") in [6, 7]"), "true");
    EXPECT_EQ(Eval("hour(timestamp('0001-01-01T00:00:00Z') - duration('1s')) > 0"),
              "compile error: 1:6: a timestamp outside the years 0001 to 9999 in "
              "'timestamp('0001-01-01T00:00:00Z') - duration('1s')'");
}

TEST(RulesTest, CompiledExpressionsAreSharedValues) {
    // A copied Expression evaluates the same; source() and result_kind() report what was
    // compiled.
    auto compiled = Expression::Compile("event.amount * 2", Declared().schema, Kind::kDecimal);
    ASSERT_TRUE(compiled.has_value());
    const Expression copy = *compiled;
    EXPECT_EQ(copy.source(), "event.amount * 2");
    EXPECT_EQ(copy.result_kind(), Kind::kDecimal);
    auto value = copy.Evaluate(Activation().variables);
    ASSERT_TRUE(value.has_value());
    EXPECT_EQ(value->kind, Kind::kDecimal);
    EXPECT_TRUE(value->is_set);
    EXPECT_EQ(value->integer, 300'000 * kDecimalScale);
}

TEST(RulesTest, OneExpressionServesManyThreads) {
    // A compiled Expression is shared by threads that evaluate and explain it at once.
    auto expression = Expression::Compile(
        "event.items.any(i, i.amount > 100000) && day_of_week(event.time, 'Europe/Moscow') == 6",
        Declared().schema,
        Kind::kBool);
    ASSERT_TRUE(expression.has_value());
    std::vector<TraceStep> expected;
    ASSERT_TRUE(expression->Explain(Activation().variables, &expected).has_value());
    ASSERT_EQ(expected.size(), 8U);
    std::vector<std::thread> threads;
    std::atomic<int> wrong{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&expression, &expected, &wrong] {
            const Activation activation;
            for (int i = 0; i < 2'000; ++i) {
                std::vector<TraceStep> trace;
                const auto evaluated = expression->Evaluate(activation.variables);
                const auto explained = expression->Explain(activation.variables, &trace);
                if (!evaluated.has_value() || !evaluated->boolean || !explained.has_value() ||
                    trace != expected) {
                    ++wrong;
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(wrong.load(), 0);
}

TEST(RulesDeathTest, SchemaMistakesAreProgrammingErrors) {
    // Declaring a keyword, a non-identifier or a duplicate name fails an assertion.
    Schema schema;
    const RecordTypeId record = schema.AddRecord("purchase");
    EXPECT_DEATH(schema.AddRecord("purchase"), "");
    EXPECT_DEATH(schema.AddRecord("in"), "");
    EXPECT_DEATH(schema.AddField(record, "two words", Type::Int()), "");
    EXPECT_DEATH(schema.AddField(record, "1st", Type::Int()), "");
    schema.AddField(record, "amount", Type::Int());
    EXPECT_DEATH(schema.AddField(record, "amount", Type::Int()), "");
    EXPECT_DEATH(schema.AddField(record, "item", Type::Record(7)), "");
    EXPECT_DEATH(schema.AddVariable("event", 3), "");
    schema.AddVariable("event", record);
    EXPECT_DEATH(schema.AddVariable("event", record), "");
}

}  // namespace
}  // namespace candor::program::rules
