#include "core/log.h"

#include <cstdio>
#include <mutex>

#include "core/clock.h"

namespace candor {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not valid.
std::size_t Utf8SequenceLength(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    unsigned min_second = 0x80;
    unsigned max_second = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        min_second = lead == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
        max_second = lead == 0xED ? 0x9F : 0xBF;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        min_second = lead == 0xF0 ? 0x90 : 0x80;
        max_second = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (i + length > text.size()) {
        return 0;
    }
    if (byte(i + 1) < min_second || byte(i + 1) > max_second) {
        return 0;
    }
    for (std::size_t k = 2; k < length; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
            return 0;
        }
    }
    return length;
}

std::string_view LevelName(LogLevel level) {
    switch (level) {
        case LogLevel::kDebug:
            return "debug";
        case LogLevel::kInfo:
            return "info";
        case LogLevel::kWarn:
            return "warn";
        case LogLevel::kError:
            return "error";
    }
    return "error";
}

void AppendFields(std::initializer_list<LogField> fields, std::string* out) {
    for (const LogField& field : fields) {
        out->append(",\"");
        out->append(field.key);
        out->append("\":");
        if (const auto* text = std::get_if<std::string_view>(&field.value)) {
            out->push_back('"');
            AppendJsonEscaped(*text, out);
            out->push_back('"');
        } else if (const auto* number = std::get_if<std::int64_t>(&field.value)) {
            out->append(std::to_string(*number));
        } else {
            out->append(std::get<bool>(field.value) ? "true" : "false");
        }
    }
}

}  // namespace

void AppendJsonEscaped(std::string_view text, std::string* out) {
    constexpr std::string_view kHex = "0123456789abcdef";
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out->push_back('\\');
            out->push_back(static_cast<char>(c));
        } else if (c == '\n') {
            out->append("\\n");
        } else if (c == '\r') {
            out->append("\\r");
        } else if (c == '\t') {
            out->append("\\t");
        } else if (c < 0x20 || c == 0x7F) {
            out->append("\\u00");
            out->push_back(kHex[c >> 4U]);
            out->push_back(kHex[c & 0xFU]);
        } else if (c < 0x80) {
            out->push_back(static_cast<char>(c));
        } else {
            const std::size_t length = Utf8SequenceLength(text, i);
            if (length == 0) {
                out->append(kReplacement);
                ++i;
                continue;
            }
            out->append(text.substr(i, length));
            i += length;
            continue;
        }
        ++i;
    }
}

std::string FormatLogFields(std::initializer_list<LogField> fields) {
    std::string out;
    AppendFields(fields, &out);
    if (!out.empty()) {
        out.erase(0, 1);  // the leading comma
    }
    return "{" + out + "}";
}

void LogJson(LogLevel level, std::initializer_list<LogField> fields) {
    std::string line = R"({"time":")";
    line.append(FormatRfc3339(SystemClock().Now()));
    line.append(R"(","level":")");
    line.append(LevelName(level));
    line.push_back('"');
    AppendFields(fields, &line);
    line.append("}\n");
    // One fwrite per line under a mutex: stderr is unbuffered, and a single write of the whole
    // line keeps lines whole even when another process shares the descriptor.
    static std::mutex mutex;
    const std::lock_guard lock(mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace candor
