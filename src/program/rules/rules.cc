#include "program/rules/rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "core/assert.h"
#include "program/rules/compiled.h"
#include "program/rules/compiler.h"
#include "program/rules/lexer.h"
#include "program/rules/parser.h"
#include "program/rules/vm.h"

namespace candor::program::rules {
namespace {

// A name the lexer reads as one identifier (not a keyword, a number or anything else).
bool IsIdentifier(std::string_view name) {
    std::vector<Token> tokens;
    SyntaxError error;
    return Tokenize(name, &tokens, &error) && tokens.size() == 2 &&
           tokens[0].kind == TokenKind::kIdentifier && tokens[0].text == name;
}

}  // namespace

RecordTypeId Schema::AddRecord(std::string name) {
    CANDOR_ASSERT(IsIdentifier(name));
    CANDOR_ASSERT(records_.size() < std::numeric_limits<RecordTypeId>::max());
    CANDOR_ASSERT(std::none_of(records_.begin(), records_.end(), [&name](const Record& record) {
        return record.name == name;
    }));
    records_.push_back(Record{std::move(name), {}});
    return static_cast<RecordTypeId>(records_.size() - 1);
}

std::size_t Schema::AddField(RecordTypeId record, std::string name, Type type) {
    CANDOR_ASSERT(record < records_.size());
    CANDOR_ASSERT(IsIdentifier(name));
    auto& fields = records_[record].fields;
    CANDOR_ASSERT(std::none_of(
        fields.begin(), fields.end(), [&name](const Field& field) { return field.name == name; }));
    CANDOR_ASSERT(type.kind != Kind::kList || type.element != Kind::kList);
    if (type.kind == Kind::kRecord || (type.kind == Kind::kList && type.element == Kind::kRecord)) {
        CANDOR_ASSERT(type.record < records_.size());
    }
    fields.push_back(Field{std::move(name), type});
    return fields.size() - 1;
}

std::size_t Schema::AddVariable(std::string name, RecordTypeId record) {
    CANDOR_ASSERT(record < records_.size());
    CANDOR_ASSERT(IsIdentifier(name));
    CANDOR_ASSERT(
        std::none_of(variables_.begin(), variables_.end(), [&name](const Variable& variable) {
            return variable.name == name;
        }));
    variables_.push_back(Variable{std::move(name), record});
    return variables_.size() - 1;
}

Expression::Expression(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}

Result<Expression> Expression::Compile(std::string_view source,
                                       const Schema& schema,
                                       Kind result,
                                       Diagnostic* diagnostic) {
    auto compiled = std::make_shared<Compiled>();
    compiled->source = std::string(source);
    compiled->result = result;
    compiled->schema = schema;
    SyntaxError error;
    if (!CompileSource(compiled->source, schema, result, &compiled->program, &error)) {
        const Position position = Locate(source, error.offset);
        if (diagnostic != nullptr) {
            diagnostic->line = position.line;
            diagnostic->column = position.column;
            diagnostic->message = error.message;
        }
        return MakeError(ErrorCode::kInvalidRule,
                         fmt::format("{}:{}: {}", position.line, position.column, error.message));
    }
    return Expression(std::move(compiled));
}

namespace {

Result<Value> Finish(const Expression::Compiled& compiled,
                     bool is_done,
                     const Slot& slot,
                     const Failure& failure) {
    const Program& program = compiled.program;
    if (!is_done) {
        const ErrorCode code = failure.reason == Failure::Reason::kKindMismatch
                                   ? ErrorCode::kInternal
                                   : ErrorCode::kRuleEvaluation;
        return MakeError(code, DescribeFailure(program, compiled.source, failure));
    }
    return ToValue(slot, program.nodes[program.root].type);
}

Status CheckActivation(const Expression::Compiled& compiled, std::span<const Value> variables) {
    if (variables.size() < compiled.program.variables_count) {
        return MakeError(ErrorCode::kInternal,
                         fmt::format("the rule needs {} variables, given {}",
                                     compiled.program.variables_count,
                                     variables.size()));
    }
    return Ok();
}

}  // namespace

Result<Value> Expression::Evaluate(std::span<const Value> variables) const {
    const Compiled& compiled = *compiled_;
    if (variables.size() < compiled.program.variables_count) [[unlikely]] {
        CANDOR_TRY(CheckActivation(compiled, variables));
    }
    Slot slot{};
    Failure failure;
    if (Run(compiled.program, compiled.program.root, variables, nullptr, &slot, &failure))
        [[likely]] {
        return ToValue(slot, compiled.program.nodes[compiled.program.root].type);
    }
    return Finish(compiled, false, slot, failure);
}

Result<Value> Expression::Explain(std::span<const Value> variables,
                                  std::vector<TraceStep>* trace) const {
    const Compiled& compiled = *compiled_;
    CANDOR_TRY(CheckActivation(compiled, variables));
    Tracer tracer;
    tracer.steps = trace;
    tracer.source = compiled.source;
    tracer.schema = &compiled.schema;
    Slot slot{};
    Failure failure;
    const bool is_done =
        Run(compiled.program, compiled.program.root, variables, &tracer, &slot, &failure);
    return Finish(compiled, is_done, slot, failure);
}

const std::string& Expression::source() const {
    return compiled_->source;
}

Kind Expression::result_kind() const {
    return compiled_->result;
}

}  // namespace candor::program::rules
