// Configuration and secrets of a deployment: what candord and candor read at start-up.
//
// What it offers: the settings of candord (listen address, database, threads, key file, TLS,
// the default key rate, the deployment's time zone),
// read from a TOML file, then overridden by CANDOR_* environment variables, then by command-line
// flags (flag > environment > file > default), all checked by one table (Settings()); and the
// key file, a TOML file of mode 0600 holding the deployment's secrets (the blind-index key of
// logins, the Ed25519 seed that signs tree heads, the vault master key). See docs/config.md.
//
// What it never does: read the process environment or command line itself (the caller passes
// them in, so parsing is pure and testable), open databases or sockets, or log a secret.
//
// Errors: kInvalidArgument with one line naming the source, the line (for files) and the key:
// "candord.toml:3: unknown key 'lisen'", "CANDOR_THREADS: threads: must be an integer from 0
// to 256". Key files: kInvalidArgument for a malformed file or one that group or others may read,
// kAlreadyExists when writing over an existing file, kStorage for I/O failures.
//
// Thread-safety: every function is thread-safe (no shared state); LoadKeys, WriteNewKeys and
// ReadConfigFile touch the file system.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/crypto.h"

namespace candor::config {

// ---- Settings

struct ListenAddress {
    std::string host = "127.0.0.1";  // an IPv4 or IPv6 literal, without brackets
    std::uint16_t port = 8080;       // 0: any free port
};

struct TlsSettings {
    std::string cert_file;  // PEM certificate chain; "" = plain HTTP
    std::string key_file;   // PEM private key of the certificate

    bool is_enabled() const { return !cert_file.empty(); }
};

struct Config {
    ListenAddress listen;
    std::string db = "sqlite:var/candor.db";
    std::size_t threads = 0;  // event loops; 0 = one per hardware thread
    // After Load, never empty: the setting, or DefaultKeysFile(db).
    std::string keys_file;
    TlsSettings tls;
    // Requests a minute allowed to an API key whose own rate_per_minute is 0; 0 = unlimited.
    std::int64_t default_key_rate_per_minute = 0;
    // The deployment's IANA time zone: a member's until they choose their own (IsTimeZone).
    std::string time_zone = "Europe/Moscow";
};

// One setting and the three names it goes by.
struct Setting {
    std::string_view key;      // in the TOML file: "listen", or "tls.cert_file" ([tls] cert_file)
    std::string_view env;      // "CANDOR_LISTEN"
    std::string_view flag;     // "--listen"
    std::string_view meaning;  // one line, for --help
};

// Every setting, in the order docs/config.md lists them.
std::span<const Setting> Settings();

// True when `name` is an IANA time zone name that the system's zoneinfo knows ("Europe/Moscow",
// "Asia/Yekaterinburg", "UTC"): 1 to limits::kTimeZoneBytesMax bytes of [A-Za-z0-9_+-/], looked
// up with Howard Hinnant's date/tz. The first call reads the zoneinfo directory. Thread-safe.
bool IsTimeZone(std::string_view name);

// The environment variable that names a configuration file (the --config flag wins over it).
inline constexpr std::string_view kConfigFileEnv = "CANDOR_CONFIG";

struct ConfigFile {
    std::string name;  // for messages, usually the path
    std::string text;  // TOML
};

// Where the settings come from. `environment` maps variable names (only those in Settings()
// count; others are ignored) to values; `flags` maps setting keys ("listen", "tls.cert_file") to
// the values given on the command line.
struct Sources {
    std::optional<ConfigFile> file;
    std::map<std::string, std::string, std::less<>> environment;
    std::map<std::string, std::string, std::less<>> flags;
};

// Builds the configuration: defaults, then the file, then the environment, then the flags.
// Every value is checked, whatever its source; an empty environment variable counts as unset.
// kInvalidArgument naming the source, line and key for: a file that is not TOML, an unknown key
// or table, a value of the wrong type, a bad value (listen not HOST:PORT, threads outside
// 0-256, an empty db or path), a key file that cannot be derived (db not a SQLite file and no
// keys_file), a time zone IsTimeZone does not know, or TLS with only one of cert_file and
// key_file.
Result<Config> Load(const Sources& sources);

// The whole text of a configuration file. kInvalidArgument naming the path when it cannot be
// read or is larger than limits::kConfigFileBytesMax.
Result<ConfigFile> ReadConfigFile(const std::string& path);

// The key file beside a SQLite database: "sqlite:var/candor.db" -> "var/candor.db.keys".
// kInvalidArgument for an in-memory or non-SQLite database.
Result<std::string> DefaultKeysFile(std::string_view db);

// ---- Keys

using Key256 = std::array<std::uint8_t, 32>;

// The deployment's secrets. Losing index_key makes every login unfindable; losing signing_key
// means a new key id for tree heads; losing vault_key (issue #7) loses every member's personal
// data. Keep the file with the database's backups, never inside them.
struct Keys {
    Key256 index_key{};                 // HMAC key of the blind indexes of logins (access)
    crypto::Ed25519Seed signing_key{};  // seed of the Ed25519 key that signs tree heads
    Key256 vault_key{};                 // master key of the personal-data vault (unused yet)
};

// Three fresh random keys. REQUIRES: crypto::InitCrypto() succeeded.
Keys GenerateKeys();

// The key file's text: a comment, then index_key, signing_key and vault_key as 64 lower-case
// hex digits each.
std::string FormatKeys(const Keys& keys);

// Parses a key file's text. Every key is required, as exactly 64 hex digits; unknown keys are
// refused. Errors name `name`, the line and the key, never a key's value.
Result<Keys> ParseKeys(std::string_view text, std::string_view name);

// Reads the key file at `path`. kInvalidArgument when it is missing (saying to run `candor
// init`), is not a regular file, or may be read or written by group or others (like ssh, which
// refuses such keys: "chmod 600 PATH"), or as ParseKeys.
Result<Keys> LoadKeys(const std::string& path);

// Creates `path` with mode 0600, writes FormatKeys(keys) and syncs it. Never replaces a file:
// kAlreadyExists when `path` exists. kStorage when it cannot be created or written (a partly
// written file is removed).
Status WriteNewKeys(const std::string& path, const Keys& keys);

// Replaces the key file at `path` with `keys` atomically: writes `path` + ".new" (mode 0600, as
// WriteNewKeys), syncs it, renames it over `path` and syncs the directory, so a crash leaves
// either the old file or the new one. kAlreadyExists when a ".new" file is left from an
// interrupted replacement (remove it after checking which file is right).
Status ReplaceKeys(const std::string& path, const Keys& keys);

}  // namespace candor::config
