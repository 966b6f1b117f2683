#include "config/config.h"

#include <date/tz.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <variant>

#include "core/limits.h"

namespace candor::config {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";
constexpr std::int64_t kThreadsMax = 256;

// ---- The settings table

// A setting's value as its source gave it: TOML strings and environment or flag text are
// strings; only a TOML integer is an integer.
using Value = std::variant<std::string, std::int64_t>;

enum class Kind : std::uint8_t { kString, kInteger };

// Checks a value and stores it; the error's message is the reason alone ("must be ...").
using Apply = Status (*)(Config&, const Value&);

struct Rule {
    Setting names;
    Kind kind = Kind::kString;
    Apply apply = nullptr;
};

Error Invalid(std::string message) {
    return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

Result<ListenAddress> ParseListen(std::string_view listen) {
    const Error bad = Invalid("must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080");
    const std::size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == listen.size()) {
        return bad;
    }
    std::string_view host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const std::string_view digits = listen.substr(colon + 1);
    std::uint16_t port = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (host.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        digits.front() == '+') {
        return bad;
    }
    return ListenAddress{std::string(host), port};
}

// A non-empty string setting into `field`.
template <std::string Config::*field>
Status ApplyText(Config& config, const Value& value) {
    const auto& text = std::get<std::string>(value);
    if (text.empty()) {
        return Invalid("must not be empty");
    }
    config.*field = text;
    return {};
}

template <std::string TlsSettings::*field>
Status ApplyTlsText(Config& config, const Value& value) {
    const auto& text = std::get<std::string>(value);
    if (text.empty()) {
        return Invalid("must not be empty");
    }
    config.tls.*field = text;
    return {};
}

Status ApplyListen(Config& config, const Value& value) {
    CANDOR_ASSIGN_OR_RETURN(config.listen, ParseListen(std::get<std::string>(value)));
    return {};
}

Status ApplyThreads(Config& config, const Value& value) {
    const std::int64_t threads = std::get<std::int64_t>(value);
    if (threads < 0 || threads > kThreadsMax) {
        return Invalid(fmt::format("must be an integer from 0 to {}", kThreadsMax));
    }
    config.threads = static_cast<std::size_t>(threads);
    return {};
}

Status ApplyDefaultKeyRate(Config& config, const Value& value) {
    const std::int64_t rate = std::get<std::int64_t>(value);
    if (rate < 0 || rate > limits::kApiKeyRatePerMinuteMax) {
        return Invalid(
            fmt::format("must be an integer from 0 to {}", limits::kApiKeyRatePerMinuteMax));
    }
    config.default_key_rate_per_minute = rate;
    return {};
}

Status ApplyTimeZone(Config& config, const Value& value) {
    const auto& name = std::get<std::string>(value);
    if (!IsTimeZone(name)) {
        return Invalid("must be an IANA time zone name, e.g. Europe/Moscow");
    }
    config.time_zone = name;
    return {};
}

constexpr std::array kRules = {
    Rule{{"listen",
          "CANDOR_LISTEN",
          "--listen",
          "Address to listen on, HOST:PORT (port 0: any free)"},
         Kind::kString,
         ApplyListen},
    Rule{{"db", "CANDOR_DB", "--db", "Database: sqlite:PATH (created and migrated when missing)"},
         Kind::kString,
         ApplyText<&Config::db>},
    Rule{{"threads", "CANDOR_THREADS", "--threads", "Event-loop threads; 0 = one per core"},
         Kind::kInteger,
         ApplyThreads},
    Rule{{"keys_file",
          "CANDOR_KEYS_FILE",
          "--keys-file",
          "Key file (mode 0600); default: the SQLite path + .keys"},
         Kind::kString,
         ApplyText<&Config::keys_file>},
    Rule{{"default_key_rate_per_minute",
          "CANDOR_DEFAULT_KEY_RATE",
          "--default-key-rate",
          "Requests a minute for API keys without a rate of their own; 0 = unlimited"},
         Kind::kInteger,
         ApplyDefaultKeyRate},
    Rule{{"time_zone",
          "CANDOR_TIME_ZONE",
          "--time-zone",
          "IANA time zone of members who chose none, e.g. Europe/Moscow"},
         Kind::kString,
         ApplyTimeZone},
    Rule{{"tls.cert_file",
          "CANDOR_TLS_CERT_FILE",
          "--tls-cert-file",
          "PEM certificate chain; serves HTTPS when set"},
         Kind::kString,
         ApplyTlsText<&TlsSettings::cert_file>},
    Rule{{"tls.key_file",
          "CANDOR_TLS_KEY_FILE",
          "--tls-key-file",
          "PEM private key of the TLS certificate"},
         Kind::kString,
         ApplyTlsText<&TlsSettings::key_file>},
};

constexpr std::array<Setting, kRules.size()> MakeSettings() {
    std::array<Setting, kRules.size()> settings{};
    for (std::size_t i = 0; i < kRules.size(); ++i) {
        settings[i] = kRules[i].names;
    }
    return settings;
}

constexpr std::array kSettings = MakeSettings();

const Rule* FindRule(std::string_view key) {
    const auto* rule = std::find_if(
        kRules.begin(), kRules.end(), [key](const Rule& r) { return r.names.key == key; });
    return rule == kRules.end() ? nullptr : rule;
}

bool IsTable(std::string_view prefix) {
    return std::any_of(kRules.begin(), kRules.end(), [prefix](const Rule& r) {
        return r.names.key.size() > prefix.size() && r.names.key.starts_with(prefix) &&
               r.names.key[prefix.size()] == '.';
    });
}

std::string_view KindName(Kind kind) {
    return kind == Kind::kString ? "a string" : "an integer";
}

// Applies text from the environment or a flag: integers are parsed as decimal digits.
Status ApplyOverride(Config& config,
                     const Rule& rule,
                     std::string_view text,
                     std::string_view origin) {
    Value value = std::string(text);
    if (rule.kind == Kind::kInteger) {
        std::int64_t number = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
            return Invalid(fmt::format("{}: {}: must be an integer", origin, rule.names.key));
        }
        value = number;
    }
    if (auto applied = rule.apply(config, value); !applied) {
        return Invalid(fmt::format("{}: {}: {}", origin, rule.names.key, applied.error().message));
    }
    return {};
}

// ---- TOML files

std::string Where(std::string_view name, const toml::source_region& source) {
    return fmt::format("{}:{}", name, source.begin.line);
}

// Applies every entry of `table`, whose keys are under `prefix` ("" or "tls.").
Status ApplyTable(Config& config,
                  const toml::table& table,
                  std::string_view prefix,
                  std::string_view name) {
    for (const auto& [toml_key, node] : table) {
        const std::string key = fmt::format("{}{}", prefix, toml_key.str());
        const std::string where = Where(name, toml_key.source());
        const Rule* rule = FindRule(key);
        if (rule == nullptr && IsTable(key)) {
            if (!node.is_table()) {
                return Invalid(fmt::format("{}: {}: must be a table", where, key));
            }
            CANDOR_TRY(ApplyTable(config, *node.as_table(), key + ".", name));
            continue;
        }
        if (rule == nullptr) {
            return Invalid(fmt::format("{}: unknown key '{}'", where, key));
        }
        Value value;
        if (rule->kind == Kind::kString && node.is_string()) {
            value = node.as_string()->get();
        } else if (rule->kind == Kind::kInteger && node.is_integer()) {
            value = node.as_integer()->get();
        } else {
            return Invalid(fmt::format("{}: {}: must be {}", where, key, KindName(rule->kind)));
        }
        if (auto applied = rule->apply(config, value); !applied) {
            return Invalid(fmt::format("{}: {}: {}", where, key, applied.error().message));
        }
    }
    return {};
}

// toml++ reports syntax errors by throwing: caught here, at the adapter.
Result<toml::table> ParseToml(std::string_view text, std::string_view name) {
    try {
        return toml::parse(text, name);
    } catch (const toml::parse_error& error) {
        return Invalid(fmt::format("{}: {}", Where(name, error.source()), error.description()));
    }
}

Status Finish(Config& config) {
    if (config.tls.cert_file.empty() != config.tls.key_file.empty()) {
        return Invalid("tls: cert_file and key_file must be set together");
    }
    if (config.keys_file.empty()) {
        auto derived = DefaultKeysFile(config.db);
        if (!derived) {
            return Invalid(fmt::format("keys_file: must be set: {}", derived.error().message));
        }
        config.keys_file = std::move(derived).value();
    }
    return {};
}

// ---- Small files

// The whole of the open file `fd`, at most kConfigFileBytesMax bytes.
Result<std::string> ReadAll(int fd, const std::string& path) {
    std::string text;
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            return MakeError(ErrorCode::kStorage, fmt::format("cannot read {}", path));
        }
        if (got == 0) {
            return text;
        }
        text.append(buffer.data(), static_cast<std::size_t>(got));
        if (text.size() > limits::kConfigFileBytesMax) {
            return Invalid(fmt::format("{} is larger than {} bytes: not a Candor file",
                                       path,
                                       limits::kConfigFileBytesMax));
        }
    }
}

// Closes a file descriptor when it goes out of scope.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}

    ~FileDescriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }

    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;

    int get() const { return fd_; }

    // Closes now, reporting whether the close succeeded (it can report a failed write-back).
    bool Close() {
        const int fd = fd_;
        fd_ = -1;
        return ::close(fd) == 0;
    }

private:
    int fd_;
};

bool WriteAll(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t wrote = ::write(fd, text.data(), text.size());
        if (wrote < 0 && errno == EINTR) {
            continue;
        }
        if (wrote <= 0) {
            return false;
        }
        text.remove_prefix(static_cast<std::size_t>(wrote));
    }
    return true;
}

// Makes a new directory entry durable: fsync of the directory that holds `path`.
bool SyncDirectory(const std::string& path) {
    std::filesystem::path directory = std::filesystem::path(path).parent_path();
    if (directory.empty()) {
        directory = ".";
    }
    const FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    return fd.get() >= 0 && ::fsync(fd.get()) == 0;
}

Result<Key256> ParseKeyValue(const toml::node& node, std::string_view where, std::string_view key) {
    const Error bad = Invalid(fmt::format("{}: {}: must be a string of 64 hex digits", where, key));
    if (!node.is_string()) {
        return bad;
    }
    auto bytes = crypto::FromHex(node.as_string()->get());
    if (!bytes || bytes->size() != Key256{}.size()) {
        return bad;
    }
    Key256 value{};
    std::copy(bytes->begin(), bytes->end(), value.begin());
    crypto::Wipe(*bytes);
    return value;
}

constexpr std::array<std::string_view, 3> kKeyNames = {"index_key", "signing_key", "vault_key"};

}  // namespace

std::span<const Setting> Settings() {
    return kSettings;
}

bool IsTimeZone(std::string_view name) {
    constexpr std::string_view kAllowed =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-/";
    // Only the characters of zone names reach date/tz: no path can be smuggled in.
    if (name.empty() || name.size() > limits::kTimeZoneBytesMax ||
        name.find_first_not_of(kAllowed) != std::string_view::npos) {
        return false;
    }
    // date/tz answers an unknown name (or a missing zoneinfo) by throwing: caught here.
    try {
        return date::locate_zone(name) != nullptr;
    } catch (const std::exception&) {
        return false;
    }
}

Result<Config> Load(const Sources& sources) {
    Config config;
    if (sources.file) {
        CANDOR_ASSIGN_OR_RETURN(const toml::table table,
                                ParseToml(sources.file->text, sources.file->name));
        CANDOR_TRY(ApplyTable(config, table, "", sources.file->name));
    }
    for (const Rule& rule : kRules) {
        const auto found = sources.environment.find(rule.names.env);
        if (found != sources.environment.end() && !found->second.empty()) {
            CANDOR_TRY(ApplyOverride(config, rule, found->second, rule.names.env));
        }
    }
    for (const auto& [key, text] : sources.flags) {
        const Rule* rule = FindRule(key);
        if (rule == nullptr) {
            return Invalid(fmt::format("unknown setting '{}'", key));
        }
        CANDOR_TRY(ApplyOverride(config, *rule, text, rule->names.flag));
    }
    CANDOR_TRY(Finish(config));
    return config;
}

Result<ConfigFile> ReadConfigFile(const std::string& path) {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        return Invalid(fmt::format("cannot open the configuration file {}", path));
    }
    auto text = ReadAll(fd.get(), path);
    if (!text) {
        return Invalid(text.error().message);
    }
    return ConfigFile{path, std::move(text).value()};
}

Result<std::string> DefaultKeysFile(std::string_view db) {
    std::string_view path = db;
    if (path.starts_with(kSqlitePrefix)) {
        path.remove_prefix(kSqlitePrefix.size());
    }
    if (path.empty() || path == ":memory:" || path.find("://") != std::string_view::npos) {
        return Invalid(fmt::format("no default key file for the database {}", db));
    }
    return std::string(path) + ".keys";
}

Keys GenerateKeys() {
    Keys keys;
    crypto::RandomBytes(keys.index_key);
    crypto::RandomBytes(keys.signing_key);
    crypto::RandomBytes(keys.vault_key);
    return keys;
}

std::string FormatKeys(const Keys& keys) {
    return fmt::format(
        "# Candor key file: this deployment's secrets (docs/config.md). Keep it mode 0600, and "
        "back\n"
        "# it up apart from the database: without index_key no login can be found.\n"
        "index_key = \"{}\"\n"
        "signing_key = \"{}\"\n"
        "vault_key = \"{}\"\n",
        crypto::ToHex(keys.index_key),
        crypto::ToHex(keys.signing_key),
        crypto::ToHex(keys.vault_key));
}

Result<Keys> ParseKeys(std::string_view text, std::string_view name) {
    CANDOR_ASSIGN_OR_RETURN(const toml::table table, ParseToml(text, name));
    Keys keys;
    const std::array<Key256*, kKeyNames.size()> fields = {
        &keys.index_key, &keys.signing_key, &keys.vault_key};
    std::array<bool, kKeyNames.size()> is_seen{};
    for (const auto& [toml_key, node] : table) {
        const std::string where = Where(name, toml_key.source());
        const auto* known = std::find(kKeyNames.begin(), kKeyNames.end(), toml_key.str());
        if (known == kKeyNames.end()) {
            return Invalid(fmt::format("{}: unknown key '{}'", where, toml_key.str()));
        }
        const auto index = static_cast<std::size_t>(known - kKeyNames.begin());
        CANDOR_ASSIGN_OR_RETURN(*fields[index], ParseKeyValue(node, where, *known));
        is_seen[index] = true;
    }
    for (std::size_t i = 0; i < kKeyNames.size(); ++i) {
        if (!is_seen[i]) {
            return Invalid(fmt::format("{}: {} is missing", name, kKeyNames[i]));
        }
    }
    return keys;
}

Result<Keys> LoadKeys(const std::string& path) {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() < 0 && errno == ENOENT) {
        return Invalid(fmt::format("no key file {}: `candor init` creates one", path));
    }
    if (fd.get() < 0) {
        return Invalid(fmt::format("cannot open the key file {}", path));
    }

    struct stat info {};

    if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
        return Invalid(fmt::format("the key file {} is not a regular file", path));
    }
    if ((info.st_mode & 077U) != 0) {
        return Invalid(fmt::format(
            "the key file {} may be read or written by group or others (mode {:o}); chmod 600 {}",
            path,
            info.st_mode & 0777U,
            path));
    }
    CANDOR_ASSIGN_OR_RETURN(std::string text, ReadAll(fd.get(), path));
    auto keys = ParseKeys(text, path);
    std::fill(text.begin(), text.end(), '\0');
    return keys;
}

Status WriteNewKeys(const std::string& path, const Keys& keys) {
    FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd.get() < 0 && errno == EEXIST) {
        return MakeError(ErrorCode::kAlreadyExists,
                         fmt::format("the key file {} exists; refusing to overwrite it", path));
    }
    if (fd.get() < 0) {
        return MakeError(ErrorCode::kStorage, fmt::format("cannot create the key file {}", path));
    }
    std::string text = FormatKeys(keys);
    const bool is_written = WriteAll(fd.get(), text) && ::fsync(fd.get()) == 0 && fd.Close();
    std::fill(text.begin(), text.end(), '\0');
    if (!is_written || !SyncDirectory(path)) {
        ::unlink(path.c_str());
        return MakeError(ErrorCode::kStorage, fmt::format("cannot write the key file {}", path));
    }
    return {};
}

Status ReplaceKeys(const std::string& path, const Keys& keys) {
    const std::string next = path + ".new";
    CANDOR_TRY(WriteNewKeys(next, keys));
    if (::rename(next.c_str(), path.c_str()) != 0 || !SyncDirectory(path)) {
        ::unlink(next.c_str());
        return MakeError(ErrorCode::kStorage, fmt::format("cannot replace the key file {}", path));
    }
    return {};
}

}  // namespace candor::config
