// The expression language of earn rules: conditions ("event.amount >= 100000 &&
// member.tier in ['gold', 'platinum']") and amounts ("event.items.sum(i, i.amount) * 1.5").
// CEL-like, typed, side-effect free. docs/rules.md is the language reference.
//
// What it offers: a Schema that names the variables a program exposes (event, member, ...)
// and their record types; Expression::Compile, which parses, type-checks and compiles a
// source text once, or says at which line and column it is wrong and what was expected;
// Evaluate, which runs a compiled expression without heap allocation and always terminates;
// Explain, which also records the value of each sub-expression that decided the result.
//
// What it never does: clock reads (time comes in as values), I/O after Compile (Compile reads
// the system time zone database once for each zone a rule names), or knowing what a loyalty
// program is: the program module declares the schema and fills in the values.
//
// Thread-safety: a Schema and a compiled Expression are immutable after construction and may
// be shared by any number of threads; Evaluate and Explain are const. Copying an Expression
// is cheap (it shares the compiled form).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace candor::program::rules {

enum class Kind : std::uint8_t {
    kBool,
    kInt,        // int64
    kDecimal,    // fixed point, micro-units (1.25 is 1'250'000): rates and multipliers
    kString,     // UTF-8
    kTimestamp,  // microseconds since the Unix epoch, UTC
    kDuration,   // microseconds
    kRecord,     // a value with named fields (event, member, an item)
    kList,       // of one element type (not of lists)
};

// Decimal micro-units per unit: Value::Decimal(kDecimalScale) is 1.0.
inline constexpr std::int64_t kDecimalScale = 1'000'000;

// The name of a kind as messages spell it: "bool", "int", "decimal", ...
std::string_view KindName(Kind kind);

using RecordTypeId = std::uint16_t;

struct Type {
    Kind kind = Kind::kBool;
    Kind element = Kind::kBool;  // kList only
    RecordTypeId record = 0;     // kRecord, or kList of kRecord

    static Type Bool() { return {Kind::kBool}; }

    static Type Int() { return {Kind::kInt}; }

    static Type Decimal() { return {Kind::kDecimal}; }

    static Type String() { return {Kind::kString}; }

    static Type Timestamp() { return {Kind::kTimestamp}; }

    static Type Duration() { return {Kind::kDuration}; }

    static Type Record(RecordTypeId record) { return {Kind::kRecord, Kind::kBool, record}; }

    // REQUIRES: element is neither kList nor kRecord (use ListOf for records).
    static Type List(Kind element) { return {Kind::kList, element}; }

    static Type ListOf(RecordTypeId record) { return {Kind::kList, Kind::kRecord, record}; }

    friend bool operator==(const Type&, const Type&) = default;
};

// One value. Plain data that points into memory the caller owns (strings, lists, records), so
// building an activation and evaluating allocate nothing. A field that the caller leaves unset
// (is_set false, of any kind: Value{} will do) reads as its type's zero value ("" / 0 / false /
// empty list / a record whose fields are all unset); has(x.f) tells the difference.
struct Value {
    Kind kind = Kind::kBool;
    bool is_set = false;

    union {
        bool boolean;
        std::int64_t integer;          // kInt, kDecimal (micro-units), kTimestamp, kDuration (us)
        std::string_view string;       // kString
        std::span<const Value> items;  // kList elements, or kRecord fields in declaration order
    };

    static Value Bool(bool value) {
        Value result(Kind::kBool);
        result.boolean = value;
        return result;
    }

    static Value Int(std::int64_t value) { return Integer(Kind::kInt, value); }

    // micro-units: Decimal(1'250'000) is 1.25.
    static Value Decimal(std::int64_t micros) { return Integer(Kind::kDecimal, micros); }

    // Microseconds since the Unix epoch, UTC.
    static Value Time(std::int64_t micros) { return Integer(Kind::kTimestamp, micros); }

    static Value Duration(std::int64_t micros) { return Integer(Kind::kDuration, micros); }

    // `value` must outlive every evaluation that reads it.
    static Value String(std::string_view value) {
        Value result(Kind::kString);
        result.string = value;
        return result;
    }

    // Elements of the list's element kind; `items` must outlive every evaluation that reads it.
    static Value List(std::span<const Value> items) { return Items(Kind::kList, items); }

    // One Value per field, in the order of Schema::AddField; missing trailing fields are unset.
    static Value Record(std::span<const Value> fields) { return Items(Kind::kRecord, fields); }

    static Value Unset(Kind kind) {
        Value result(kind);
        result.is_set = false;
        return result;
    }

    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): boolean is the union's member set.
    Value() : boolean(false) {}

private:
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): as for Value().
    explicit Value(Kind value_kind) : kind(value_kind), is_set(true), boolean(false) {}

    static Value Integer(Kind value_kind, std::int64_t value) {
        Value result(value_kind);
        result.integer = value;
        return result;
    }

    static Value Items(Kind value_kind, std::span<const Value> values) {
        Value result(value_kind);
        result.items = values;
        return result;
    }
};

// The variables and record types a program exposes to its rules. Declaring a name twice, a
// name that is not an identifier ([A-Za-z_][A-Za-z0-9_]*) or is a keyword (true, false, in,
// null), or using an undeclared record id is a programming error and fails an assertion.
class Schema {
public:
    struct Field {
        std::string name;
        Type type;
    };

    struct Record {
        std::string name;
        std::vector<Field> fields;
    };

    struct Variable {
        std::string name;
        RecordTypeId record = 0;
    };

    // Declares a record type; field slots are numbered in the order of AddField.
    RecordTypeId AddRecord(std::string name);
    // Declares field `name` of `record`; returns its slot (its index in the record's Values).
    std::size_t AddField(RecordTypeId record, std::string name, Type type);
    // Declares a top-level variable of a record type; returns its index in Evaluate's span.
    std::size_t AddVariable(std::string name, RecordTypeId record);

    const std::vector<Record>& records() const { return records_; }

    const std::vector<Variable>& variables() const { return variables_; }

private:
    std::vector<Record> records_;
    std::vector<Variable> variables_;
};

// Where and why a source text is wrong: 1-based line and column (columns count Unicode code
// points), and a message that says what was expected ("expected ')' to close the '(' at 1:4,
// found ','"; "unknown field 'amout' of event; did you mean 'amount'?"; "'&&' needs bool
// operands, found int").
struct Diagnostic {
    int line = 0;
    int column = 0;
    std::string message;
};

// The value of one sub-expression that decided the result, in evaluation order.
struct TraceStep {
    std::string source;  // the sub-expression's text, as written
    std::string value;   // rendered: 150000, 1.25, "gold", true, 2026-11-21T15:03:11Z, [6, 7]

    friend bool operator==(const TraceStep&, const TraceStep&) = default;
};

class Expression {
public:
    // Parses, type-checks and compiles `source`. `result` is the kind the caller needs (kBool
    // for a condition; kInt or kDecimal for an amount; an int expression is accepted where a
    // decimal is needed; any kind but kRecord and kList may be asked for). Errors: kInvalidRule
    // with "LINE:COLUMN: message" as message, and *diagnostic filled in when non-null.
    static Result<Expression> Compile(std::string_view source,
                                      const Schema& schema,
                                      Kind result,
                                      Diagnostic* diagnostic = nullptr);

    // Runs the expression. `variables` holds one Value per Schema::AddVariable, in order (each a
    // kRecord, or unset). Allocates nothing on success. The result's strings and lists point
    // into `variables` or into this Expression. Errors: kRuleEvaluation for division by zero or
    // overflow; kInternal when `variables` does not match the schema (too few, or a set value
    // whose kind is not its field's declared kind).
    Result<Value> Evaluate(std::span<const Value> variables) const;

    // As Evaluate, and appends to *trace the value of every sub-expression that decided the
    // result (the operands that short-circuited it, the list element that made any() true),
    // children before their parent and the whole expression last. Literals are not listed.
    Result<Value> Explain(std::span<const Value> variables, std::vector<TraceStep>* trace) const;

    const std::string& source() const;

    // The kind Evaluate returns (the `result` Compile was given).
    Kind result_kind() const;

    struct Compiled;

private:
    explicit Expression(std::shared_ptr<const Compiled> compiled);

    std::shared_ptr<const Compiled> compiled_;
};

// Renders `value` of type `type` as the trace does ("gold" quoted, decimals with a point,
// timestamps in RFC 3339 UTC); records need the schema for their field names.
std::string RenderValue(const Value& value, const Type& type, const Schema& schema);

}  // namespace candor::program::rules
