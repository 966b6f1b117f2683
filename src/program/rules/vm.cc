#include "program/rules/vm.h"

#include <date/date.h>
#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <limits>

#include "core/amount.h"
#include "core/limits.h"
#include "program/rules/values.h"

namespace candor::program::rules {
namespace {

constexpr const char* kEmpty = "";

std::string_view View(const Chars& chars) {
    return {chars.data, chars.size};
}

// n / d rounded half away from zero. REQUIRES: d != 0.
Int128 RoundedDivide(Int128 n, Int128 d) {
    Int128 quotient = n / d;
    const Int128 remainder = n % d;
    const Int128 twice = remainder < 0 ? -2 * remainder : 2 * remainder;
    const Int128 magnitude = d < 0 ? -d : d;
    if (twice >= magnitude) {
        quotient += ((n < 0) == (d < 0)) ? 1 : -1;
    }
    return quotient;
}

bool FitsInt64(Int128 value) {
    return value >= std::numeric_limits<std::int64_t>::min() &&
           value <= std::numeric_limits<std::int64_t>::max();
}

void SetZero(Kind kind, Slot* out) {
    switch (kind) {
        case Kind::kBool:
            out->boolean = false;
            return;
        case Kind::kString:
            out->string = Chars{kEmpty, 0};
            return;
        case Kind::kList:
        case Kind::kRecord:
            out->items = Items{nullptr, 0};
            return;
        default:
            out->integer = 0;
            return;
    }
}

bool IsEqual(Kind kind, const Slot& a, const Slot& b) {
    switch (kind) {
        case Kind::kBool:
            return a.boolean == b.boolean;
        case Kind::kString:
            return View(a.string) == View(b.string);
        default:
            return a.integer == b.integer;
    }
}

// Negative, zero or positive as a orders before, with or after b (not for bools).
int Order(Kind kind, const Slot& a, const Slot& b) {
    if (kind == Kind::kString) {
        const int order = View(a.string).compare(View(b.string));
        return order < 0 ? -1 : (order > 0 ? 1 : 0);
    }
    return a.integer < b.integer ? -1 : (a.integer > b.integer ? 1 : 0);
}

bool Compare(Comparison comparison, Kind kind, const Slot& a, const Slot& b) {
    switch (comparison) {
        case Comparison::kEqual:
            return IsEqual(kind, a, b);
        case Comparison::kNotEqual:
            return !IsEqual(kind, a, b);
        case Comparison::kLess:
            return Order(kind, a, b) < 0;
        case Comparison::kLessEqual:
            return Order(kind, a, b) <= 0;
        case Comparison::kGreater:
            return Order(kind, a, b) > 0;
        case Comparison::kGreaterEqual:
            return Order(kind, a, b) >= 0;
    }
    return false;
}

std::int64_t CodePoints(std::string_view text) {
    std::int64_t count = 0;
    for (const char c : text) {
        count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    }
    return count;
}

template <bool kExplain>
class Machine {
public:
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): locals_, see there.
    Machine(const Program& program,
            std::span<const Value> variables,
            const Tracer* tracer,
            Failure* failure)
        : nodes_(program.nodes.data()),
          children_(program.children.data()),
          zones_(program.zones),
          variables_(variables),
          tracer_(tracer),
          failure_(failure) {}

    bool Eval(NodeIndex index, Slot* out) {
        const Node& node = nodes_[index];
        if constexpr (kExplain) {
            if (!Step(node, out)) {
                return false;
            }
            Record(node, *out);
            return true;
        } else {
            // Constants and fields are most operators' operands: read them here, without an
            // indirect call.
            if (node.op == Op::kConstant) {
                *out = node.constant;
                return true;
            }
            if (node.op == Op::kVariableField) {
                return VariableField(node, out);
            }
            if (node.op == Op::kLocalField) {
                return FieldOf(locals_[node.child[0]].items, node, out);
            }
            return Step(node, out);
        }
    }

private:
    bool Fail(Failure::Reason reason, const Node& node) {
        failure_->reason = reason;
        failure_->node = static_cast<NodeIndex>(&node - nodes_);
        return false;
    }

    // A set value must be of its declared kind; an unset one reads as the zero value.
    bool Load(const Value& value, Kind kind, const Node& node, Slot* out) {
        if (!value.is_set) {
            SetZero(kind, out);
            return true;
        }
        if (value.kind != kind) [[unlikely]] {
            failure_->found = value.kind;
            failure_->expected = kind;
            return Fail(Failure::Reason::kKindMismatch, node);
        }
        switch (kind) {
            case Kind::kBool:
                out->boolean = value.boolean;
                return true;
            case Kind::kString:
                out->string = Chars{value.string.data(), value.string.size()};
                if (out->string.data == nullptr) {
                    out->string.data = kEmpty;
                }
                return true;
            case Kind::kList:
            case Kind::kRecord:
                out->items = Items{value.items.data(), value.items.size()};
                return true;
            default:
                out->integer = value.integer;
                return true;
        }
    }

    bool Field(const Node& node, Slot* out) {
        Slot record{};
        if (!Eval(node.child[0], &record)) {
            return false;
        }
        return FieldOf(record.items, node, out);
    }

    bool FieldOf(const Items& record, const Node& node, Slot* out) {
        return FieldOf(record, node.type.kind, node, out);
    }

    // Field `node.index`, of kind `kind`, of `record`.
    bool FieldOf(const Items& record, Kind kind, const Node& node, Slot* out) {
        if (node.index >= record.size) {
            SetZero(kind, out);
            return true;
        }
        return Load(record.data[node.index], kind, node, out);
    }

    // The fields of variable `index` (none when it is unset).
    bool VariableRecord(std::uint32_t index, const Node& node, Items* record) {
        const Value& variable = variables_[index];
        if (!variable.is_set) {
            *record = Items{nullptr, 0};
            return true;
        }
        if (variable.kind != Kind::kRecord) [[unlikely]] {
            failure_->found = variable.kind;
            failure_->expected = Kind::kRecord;
            return Fail(Failure::Reason::kKindMismatch, node);
        }
        *record = Items{variable.items.data(), variable.items.size()};
        return true;
    }

    bool VariableField(const Node& node, Slot* out) {
        Items record{};
        return VariableRecord(node.child[0], node, &record) && FieldOf(record, node, out);
    }

    // kCompareVariableField and kCompareLocalField.
    template <bool kIsLocal>
    bool CompareField(const Node& node, Slot* out) {
        Items record{};
        if constexpr (kIsLocal) {
            record = locals_[node.child[0]].items;
        } else if (!VariableRecord(node.child[0], node, &record)) {
            return false;
        }
        Slot field{};
        if (!FieldOf(record, node.operand, node, &field)) {
            return false;
        }
        if constexpr (kExplain) {
            // The field is a step of its own, as it is when not fused.
            TraceStep step;
            step.source =
                std::string(tracer_->source.substr(node.child[1], node.child[2] - node.child[1]));
            step.value = RenderValue(
                ToValue(field, Type{node.operand}), Type{node.operand}, *tracer_->schema);
            tracer_->steps->push_back(std::move(step));
        }
        out->boolean =
            Compare(static_cast<Comparison>(node.aux), node.operand, field, node.constant);
        return true;
    }

    bool Has(const Node& node, Slot* out) {
        Slot record{};
        if (!Eval(node.child[0], &record)) {
            return false;
        }
        out->boolean = node.index < record.items.size && record.items.data[node.index].is_set;
        return true;
    }

    std::size_t Mark() const {
        if constexpr (kExplain) {
            return tracer_->steps->size();
        } else {
            return 0;
        }
    }

    // Drops the steps recorded in [from, to): they did not decide the result.
    void Cut(std::size_t from, std::size_t to) {
        if constexpr (kExplain) {
            auto& steps = *tracer_->steps;
            steps.erase(steps.begin() + static_cast<std::ptrdiff_t>(from),
                        steps.begin() + static_cast<std::ptrdiff_t>(to));
        }
    }

    void Record(const Node& node, const Slot& value) {
        if (!node.is_traced) {
            return;
        }
        TraceStep step;
        step.source =
            std::string(tracer_->source.substr(node.span.begin, node.span.end - node.span.begin));
        step.value = RenderValue(ToValue(value, node.type), node.type, *tracer_->schema);
        tracer_->steps->push_back(std::move(step));
    }

    // && and ||: the operand that decided a short circuit keeps its steps, the ones before it
    // (which would not have changed the result) lose theirs.
    bool Logical(const Node& node, bool stop_at, Slot* out) {
        const std::size_t begin = Mark();
        const NodeIndex* children = children_ + node.child[0];
        for (std::uint32_t i = 0; i < node.child[1]; ++i) {
            const std::size_t before = Mark();
            Slot operand{};
            if (!Eval(children[i], &operand)) {
                return false;
            }
            if (operand.boolean == stop_at) {
                Cut(begin, before);
                out->boolean = stop_at;
                return true;
            }
        }
        out->boolean = !stop_at;
        return true;
    }

    bool Arithmetic(const Node& node, Slot* out) {
        Slot a{};
        Slot b{};
        if (!Eval(node.child[0], &a) || !Eval(node.child[1], &b)) {
            return false;
        }
        const std::int64_t x = a.integer;
        const std::int64_t y = b.integer;
        bool overflow = false;
        switch (node.op) {
            case Op::kAdd:
                overflow = __builtin_add_overflow(x, y, &out->integer);
                break;
            case Op::kSubtract:
                overflow = __builtin_sub_overflow(x, y, &out->integer);
                break;
            case Op::kMultiply:
                overflow = __builtin_mul_overflow(x, y, &out->integer);
                break;
            case Op::kMultiplyDecimal: {
                const Int128 product = RoundedDivide(Int128{x} * y, kDecimalScale);
                overflow = !FitsInt64(product);
                out->integer = static_cast<std::int64_t>(product);
                break;
            }
            case Op::kDivide:
            case Op::kRemainder:
                if (y == 0) {
                    return Fail(Failure::Reason::kDivisionByZero, node);
                }
                if (y == -1) {
                    // INT64_MIN / -1 overflows; x % -1 is always 0.
                    if (node.op == Op::kRemainder) {
                        out->integer = 0;
                        break;
                    }
                    overflow = __builtin_sub_overflow(std::int64_t{0}, x, &out->integer);
                    break;
                }
                out->integer = node.op == Op::kDivide ? x / y : x % y;
                break;
            case Op::kDivideDecimal: {
                if (y == 0) {
                    return Fail(Failure::Reason::kDivisionByZero, node);
                }
                const Int128 quotient = RoundedDivide(Int128{x} * kDecimalScale, y);
                overflow = !FitsInt64(quotient);
                out->integer = static_cast<std::int64_t>(quotient);
                break;
            }
            default:
                break;
        }
        if (overflow) {
            return Fail(Failure::Reason::kOverflow, node);
        }
        if (node.type.kind == Kind::kTimestamp &&
            (out->integer < kTimestampMinMicros || out->integer > kTimestampMaxMicros)) {
            return Fail(Failure::Reason::kTimestampRange, node);
        }
        return true;
    }

    bool Rounding(const Node& node, Slot* out) {
        Slot a{};
        if (!Eval(node.child[0], &a)) {
            return false;
        }
        const std::int64_t quotient = a.integer / kDecimalScale;
        const std::int64_t remainder = a.integer % kDecimalScale;
        switch (node.op) {
            case Op::kFloor:
                out->integer = quotient - (remainder < 0 ? 1 : 0);
                break;
            case Op::kCeil:
                out->integer = quotient + (remainder > 0 ? 1 : 0);
                break;
            case Op::kRound:
                out->integer = static_cast<std::int64_t>(RoundedDivide(a.integer, kDecimalScale));
                break;
            default:
                out->integer = quotient;
                break;
        }
        return true;
    }

    bool Strings(const Node& node, Slot* out) {
        Slot a{};
        Slot b{};
        if (!Eval(node.child[0], &a) || !Eval(node.child[1], &b)) {
            return false;
        }
        const std::string_view text = View(a.string);
        const std::string_view part = View(b.string);
        switch (node.op) {
            case Op::kStartsWith:
                out->boolean = text.starts_with(part);
                break;
            case Op::kEndsWith:
                out->boolean = text.ends_with(part);
                break;
            default:
                out->boolean = text.find(part) != std::string_view::npos;
                break;
        }
        return true;
    }

    bool In(const Node& node, Slot* out) {
        Slot needle{};
        Slot list{};
        if (!Eval(node.child[0], &needle) || !Eval(node.child[1], &list)) {
            return false;
        }
        out->boolean = false;
        for (std::size_t i = 0; i < list.items.size; ++i) {
            Slot element{};
            if (!Load(list.items.data[i], node.operand, node, &element)) {
                return false;
            }
            if (IsEqual(node.operand, needle, element)) {
                out->boolean = true;
                return true;
            }
        }
        return true;
    }

    bool InElements(const Node& node, Slot* out) {
        const NodeIndex* children = children_ + node.child[0];
        Slot needle{};
        if (!Eval(children[0], &needle)) {
            return false;
        }
        const std::size_t begin = Mark();
        out->boolean = false;
        for (std::uint32_t i = 1; i < node.child[1]; ++i) {
            const std::size_t before = Mark();
            Slot element{};
            if (!Eval(children[i], &element)) {
                return false;
            }
            if (IsEqual(node.operand, needle, element)) {
                Cut(begin, before);
                out->boolean = true;
                return true;
            }
        }
        return true;
    }

    // any, all, count, sum, max and min over the list child[0], binding each element to
    // locals_[index] for the body child[1]. any and all keep the steps of the element that
    // decided them; the others keep none of the per-element steps.
    bool Macro(const Node& node, Slot* out) {
        Slot list{};
        if (!Eval(node.child[0], &list)) {
            return false;
        }
        const Node& list_node = nodes_[node.child[0]];
        const Kind element_kind = list_node.type.element;
        const bool is_any = node.op == Op::kAny;
        const bool is_all = node.op == Op::kAll;
        std::int64_t accumulated = 0;
        bool decided = false;
        const std::size_t begin = Mark();
        for (std::size_t i = 0; i < list.items.size; ++i) {
            if (!Load(list.items.data[i], element_kind, list_node, &locals_[node.index])) {
                return false;
            }
            const std::size_t before = Mark();
            Slot body{};
            if (!Eval(node.child[1], &body)) {
                return false;
            }
            if ((is_any && body.boolean) || (is_all && !body.boolean)) {
                Cut(begin, before);
                decided = true;
                break;
            }
            bool overflow = false;
            switch (node.op) {
                case Op::kCount:
                    accumulated += body.boolean ? 1 : 0;
                    break;
                case Op::kSum:
                    overflow = __builtin_add_overflow(accumulated, body.integer, &accumulated);
                    break;
                case Op::kMaxOf:
                    accumulated =
                        (i == 0 || body.integer > accumulated) ? body.integer : accumulated;
                    break;
                case Op::kMinOf:
                    accumulated =
                        (i == 0 || body.integer < accumulated) ? body.integer : accumulated;
                    break;
                default:
                    break;
            }
            if (overflow) {
                return Fail(Failure::Reason::kOverflow, node);
            }
        }
        if (is_any || is_all) {
            if (!decided) {
                Cut(begin, Mark());
            }
            out->boolean = is_any ? decided : !decided;
        } else {
            Cut(begin, Mark());
            out->integer = accumulated;
        }
        return true;
    }

    bool TimeOf(const Node& node, Slot* out) {
        Slot time{};
        if (!Eval(node.child[0], &time)) {
            return false;
        }
        if (time.integer < kTimestampMinMicros || time.integer > kTimestampMaxMicros) {
            return Fail(Failure::Reason::kTimestampRange, node);
        }
        const std::int64_t utc_s = FloorDivide(time.integer, kMicrosPerSecond);
        const std::int64_t local_s = utc_s + OffsetAt(zones_[node.index], utc_s);
        const std::int64_t days = FloorDivide(local_s, kSecondsPerDay);
        const std::int64_t second_of_day = local_s - days * kSecondsPerDay;
        const date::sys_days day{date::days{days}};
        switch (static_cast<TimePart>(node.aux)) {
            case TimePart::kDayOfWeek:
                out->integer = date::weekday{day}.iso_encoding();
                return true;
            case TimePart::kHour:
                out->integer = second_of_day / 3600;
                return true;
            case TimePart::kMinute:
                out->integer = second_of_day % 3600 / 60;
                return true;
            default:
                break;
        }
        const date::year_month_day civil{day};
        switch (static_cast<TimePart>(node.aux)) {
            case TimePart::kDayOfMonth:
                out->integer = static_cast<unsigned>(civil.day());
                return true;
            case TimePart::kMonth:
                out->integer = static_cast<unsigned>(civil.month());
                return true;
            case TimePart::kYear:
                out->integer = static_cast<int>(civil.year());
                return true;
            default:
                out->integer = (day - date::sys_days{civil.year() / 1 / 1}).count() + 1;
                return true;
        }
    }

    // One handler per operation, called through kHandlers: each call site of Eval gets its
    // own indirect call, which predicts far better than one switch shared by every node.
    using Handler = bool (Machine::*)(const Node&, Slot*);

    bool Constant(const Node& node, Slot* out) {
        *out = node.constant;
        return true;
    }

    bool Variable(const Node& node, Slot* out) {
        return Load(variables_[node.index], Kind::kRecord, node, out);
    }

    bool Local(const Node& node, Slot* out) {
        *out = locals_[node.index];
        return true;
    }

    bool LocalField(const Node& node, Slot* out) {
        return FieldOf(locals_[node.child[0]].items, node, out);
    }

    bool Not(const Node& node, Slot* out) {
        if (!Eval(node.child[0], out)) {
            return false;
        }
        out->boolean = !out->boolean;
        return true;
    }

    bool Negate(const Node& node, Slot* out) {
        if (!Eval(node.child[0], out)) {
            return false;
        }
        if (out->integer == std::numeric_limits<std::int64_t>::min()) {
            return Fail(Failure::Reason::kOverflow, node);
        }
        out->integer = -out->integer;
        return true;
    }

    bool And(const Node& node, Slot* out) { return Logical(node, false, out); }

    bool Or(const Node& node, Slot* out) { return Logical(node, true, out); }

    bool Conditional(const Node& node, Slot* out) {
        Slot condition{};
        if (!Eval(node.child[0], &condition)) {
            return false;
        }
        return Eval(condition.boolean ? node.child[1] : node.child[2], out);
    }

    bool IntToDecimal(const Node& node, Slot* out) {
        if (!Eval(node.child[0], out)) {
            return false;
        }
        if (__builtin_mul_overflow(out->integer, kDecimalScale, &out->integer)) {
            return Fail(Failure::Reason::kOverflow, node);
        }
        return true;
    }

    template <Kind kKind>
    bool CompareOf(const Node& node, Slot* out) {
        Slot a{};
        Slot b{};
        if (!Eval(node.child[0], &a) || !Eval(node.child[1], &b)) {
            return false;
        }
        out->boolean = Compare(static_cast<Comparison>(node.aux), kKind, a, b);
        return true;
    }

    bool Size(const Node& node, Slot* out) {
        Slot a{};
        if (!Eval(node.child[0], &a)) {
            return false;
        }
        out->integer = nodes_[node.child[0]].type.kind == Kind::kString
                           ? CodePoints(View(a.string))
                           : static_cast<std::int64_t>(a.items.size);
        return true;
    }

    bool MinMax(const Node& node, Slot* out) {
        Slot a{};
        Slot b{};
        if (!Eval(node.child[0], &a) || !Eval(node.child[1], &b)) {
            return false;
        }
        const int order = Order(node.operand, a, b);
        *out = (node.op == Op::kMin ? order <= 0 : order >= 0) ? a : b;
        return true;
    }

    // One case per operation: the table reads best whole.
    static constexpr Handler HandlerOf(Op op) {  // NOLINT(readability-function-size)
        switch (op) {
            case Op::kConstant:
                return &Machine::Constant;
            case Op::kVariable:
                return &Machine::Variable;
            case Op::kLocal:
                return &Machine::Local;
            case Op::kField:
                return &Machine::Field;
            case Op::kVariableField:
                return &Machine::VariableField;
            case Op::kLocalField:
                return &Machine::LocalField;
            case Op::kHas:
                return &Machine::Has;
            case Op::kNot:
                return &Machine::Not;
            case Op::kNegate:
                return &Machine::Negate;
            case Op::kAnd:
                return &Machine::And;
            case Op::kOr:
                return &Machine::Or;
            case Op::kConditional:
                return &Machine::Conditional;
            case Op::kIntToDecimal:
                return &Machine::IntToDecimal;
            case Op::kCompare:
                return &Machine::CompareOf<Kind::kInt>;
            case Op::kCompareString:
                return &Machine::CompareOf<Kind::kString>;
            case Op::kCompareBool:
                return &Machine::CompareOf<Kind::kBool>;
            case Op::kCompareVariableField:
                return &Machine::CompareField<false>;
            case Op::kCompareLocalField:
                return &Machine::CompareField<true>;
            case Op::kIn:
                return &Machine::In;
            case Op::kInElements:
                return &Machine::InElements;
            case Op::kAdd:
            case Op::kSubtract:
            case Op::kMultiply:
            case Op::kMultiplyDecimal:
            case Op::kDivide:
            case Op::kDivideDecimal:
            case Op::kRemainder:
                return &Machine::Arithmetic;
            case Op::kSize:
                return &Machine::Size;
            case Op::kStartsWith:
            case Op::kEndsWith:
            case Op::kContains:
                return &Machine::Strings;
            case Op::kFloor:
            case Op::kCeil:
            case Op::kRound:
            case Op::kTruncate:
                return &Machine::Rounding;
            case Op::kMin:
            case Op::kMax:
                return &Machine::MinMax;
            case Op::kAny:
            case Op::kAll:
            case Op::kCount:
            case Op::kSum:
            case Op::kMaxOf:
            case Op::kMinOf:
                return &Machine::Macro;
            case Op::kTimePart:
                return &Machine::TimeOf;
        }
        return &Machine::Constant;
    }

    static constexpr std::array<Handler, kOpCount> kHandlers = [] {
        std::array<Handler, kOpCount> handlers{};
        for (std::size_t i = 0; i < kOpCount; ++i) {
            handlers[i] = HandlerOf(static_cast<Op>(i));
        }
        return handlers;
    }();

    bool Step(const Node& node, Slot* out) {
        return (this->*kHandlers[static_cast<std::size_t>(node.op)])(node, out);
    }

    const Node* nodes_;
    const NodeIndex* children_;
    const std::deque<ZoneRules>& zones_;
    std::span<const Value> variables_;
    const Tracer* tracer_;
    Failure* failure_;
    // One per level of macro nesting, left uninitialized: a macro writes its element before
    // its body reads it, and zeroing 512 bytes would cost each evaluation more than a rule.
    std::array<Slot, limits::kRuleDepthMax>
        locals_;  // NOLINT(cppcoreguidelines-pro-type-member-init)
};

}  // namespace

bool Run(const Program& program,
         NodeIndex root,
         std::span<const Value> variables,
         const Tracer* tracer,
         Slot* result,
         Failure* failure) {
    if (tracer != nullptr) {
        return Machine<true>(program, variables, tracer, failure).Eval(root, result);
    }
    return Machine<false>(program, variables, nullptr, failure).Eval(root, result);
}

Value ToValue(const Slot& slot, const Type& type) {
    switch (type.kind) {
        case Kind::kBool:
            return Value::Bool(slot.boolean);
        case Kind::kInt:
            return Value::Int(slot.integer);
        case Kind::kDecimal:
            return Value::Decimal(slot.integer);
        case Kind::kTimestamp:
            return Value::Time(slot.integer);
        case Kind::kDuration:
            return Value::Duration(slot.integer);
        case Kind::kString:
            return Value::String(View(slot.string));
        case Kind::kList:
            return Value::List({slot.items.data, slot.items.size});
        case Kind::kRecord:
            return Value::Record({slot.items.data, slot.items.size});
    }
    return {};
}

std::string DescribeFailure(const Program& program,
                            std::string_view source,
                            const Failure& failure) {
    const Node& node = program.nodes[failure.node];
    std::string_view text = source.substr(node.span.begin, node.span.end - node.span.begin);
    if (node.op == Op::kCompareVariableField || node.op == Op::kCompareLocalField) {
        // Only its field can fail: name the field.
        text = source.substr(node.child[1], node.child[2] - node.child[1]);
    }
    switch (failure.reason) {
        case Failure::Reason::kDivisionByZero:
            return fmt::format("division by zero in '{}'", text);
        case Failure::Reason::kOverflow:
            return fmt::format("{} overflow in '{}'", KindName(node.type.kind), text);
        case Failure::Reason::kTimestampRange:
            return fmt::format("a timestamp outside the years 0001 to 9999 in '{}'", text);
        case Failure::Reason::kKindMismatch:
            return fmt::format(
                "the values do not match the schema: '{}' holds a {} where the schema declares {}",
                text,
                KindName(failure.found),
                KindName(failure.expected));
        case Failure::Reason::kNone:
            break;
    }
    return "evaluation failed";
}

}  // namespace candor::program::rules
