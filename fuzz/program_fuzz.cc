// Fuzzes the program module's two trust boundaries. The first byte picks one:
//   even: an event's JSON (ReadEvent), evaluated when it decodes against the retail template:
//         the event's canonical JSON (EventJson) reads back to the same event; never an error
//         but the documented ones, a credit that adds up to the earnings, a meta within the
//         journal's bound that ParseMeta reads back and ExplainMeta words as the decision did;
//   odd:  a program's JSON (ParseProgram): an error names a path, or the program's canonical
//         JSON reads back to the same definition.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/assert.h"
#include "core/limits.h"
#include "program/program.h"

namespace {

using candor::ErrorCode;
namespace program = candor::program;

const program::Program& Retail() {
    static const program::Program retail = *program::ParseProgram(*program::TemplateJson("retail"));
    return retail;
}

void FuzzEvent(std::string_view input) {
    std::string field;
    auto event = program::ParseEvent(input, &field);
    if (!event) {
        CANDOR_ASSERT(!field.empty());
        CANDOR_ASSERT(event.error().code == ErrorCode::kInvalidArgument ||
                      event.error().code == ErrorCode::kInvalidAmount);
        return;
    }
    {
        std::string again_field;
        auto again = program::ReadEvent(program::EventJson(*event), &again_field);
        CANDOR_ASSERT(again.has_value());
        CANDOR_ASSERT(*again == *event);
    }
    if (candor::ToMicros(event->occurred_at) == 0) {
        event->occurred_at = candor::FromMicros(1'795'000'000'000'000);  // 2026-11-18
    }
    event->original_amount = event->amount;
    program::MemberFacts facts;
    facts.tier = "gold";
    facts.birthday = "11-18";
    program::Counters counters;
    counters.budgets["black-friday-2026"] = 1000;
    auto decision = program::Evaluate(Retail(), *event, facts, counters);
    if (!decision) {
        CANDOR_ASSERT(decision.error().code == ErrorCode::kInvalidArgument);  // the currency
        return;
    }
    std::int64_t earned = 0;
    for (const program::Earning& earning : decision->earnings) {
        CANDOR_ASSERT(earning.amount > 0);
        CANDOR_ASSERT(earning.amount <= earning.planned);
        earned += earning.amount;
        (void)program::ExplainEarning(Retail(), *event, earning, program::Language::kRu);
    }
    std::int64_t credited = 0;
    const std::string explained =
        program::Explain(Retail(), *event, *decision, program::Language::kEn);
    const auto check_meta = [&](const std::string& text) {
        CANDOR_ASSERT(text.size() <= candor::limits::kEntryMetaBytesMax);
        auto meta = program::ParseMeta(text);
        CANDOR_ASSERT(meta.has_value());
        CANDOR_ASSERT(
            program::ExplainMeta(Retail(), *meta, event->occurred_at, program::Language::kEn) ==
            explained);
    };
    if (decision->credit) {
        credited = decision->credit->points + decision->credit->status + decision->credit->cashback;
        check_meta(decision->credit->meta);
    }
    CANDOR_ASSERT(earned == credited);
    if (decision->reversal) {
        check_meta(decision->reversal->meta);
    }
}

void FuzzProgram(std::string_view input) {
    program::ProgramError error;
    auto parsed = program::ParseProgram(input, 1, &error);
    if (!parsed) {
        CANDOR_ASSERT(parsed.error().code == ErrorCode::kInvalidArgument ||
                      parsed.error().code == ErrorCode::kInvalidRule);
        CANDOR_ASSERT(!error.message.empty());
        return;
    }
    const std::string canonical = program::ProgramJson(parsed->definition());
    auto again = program::ParseProgram(canonical, 1);
    CANDOR_ASSERT(again.has_value());
    CANDOR_ASSERT(again->definition() == parsed->definition());
    CANDOR_ASSERT(program::ProgramJson(again->definition()) == canonical);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    if (data[0] % 2 == 0) {
        FuzzEvent(input);
    } else {
        FuzzProgram(input);
    }
    return 0;
}
