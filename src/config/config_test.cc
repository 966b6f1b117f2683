#include "config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/limits.h"

namespace candor::config {
namespace {

Sources FromFile(std::string text) {
    Sources sources;
    sources.file = ConfigFile{"candord.toml", std::move(text)};
    return sources;
}

std::string ErrorOf(const Sources& sources) {
    auto config = Load(sources);
    EXPECT_FALSE(config.has_value());
    return config ? std::string() : config.error().message;
}

// Without any source, every setting has its documented default.
TEST(ConfigTest, DefaultsWithoutAnySource) {
    auto config = Load(Sources{});
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->listen.host, "127.0.0.1");
    EXPECT_EQ(config->listen.port, 8080);
    EXPECT_EQ(config->db, "sqlite:var/candor.db");
    EXPECT_EQ(config->threads, 0U);
    EXPECT_EQ(config->keys_file, "var/candor.db.keys");
    EXPECT_EQ(config->default_key_rate_per_minute, 0);
    EXPECT_EQ(config->time_zone, "Europe/Moscow");
    EXPECT_FALSE(config->tls.is_enabled());
}

// Every setting can be given in the file, [tls] as a table.
TEST(ConfigTest, ReadsEverySettingFromTheFile) {
    auto config = Load(FromFile(R"(
listen = "[::1]:9000"
db = "sqlite:/srv/candor/candor.db"
threads = 4
keys_file = "/etc/candor/keys.toml"
default_key_rate_per_minute = 120
time_zone = "Asia/Yekaterinburg"

[tls]
cert_file = "/etc/candor/cert.pem"
key_file = "/etc/candor/key.pem"
)"));
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->listen.host, "::1");
    EXPECT_EQ(config->listen.port, 9000);
    EXPECT_EQ(config->db, "sqlite:/srv/candor/candor.db");
    EXPECT_EQ(config->threads, 4U);
    EXPECT_EQ(config->keys_file, "/etc/candor/keys.toml");
    EXPECT_EQ(config->default_key_rate_per_minute, 120);
    EXPECT_EQ(config->time_zone, "Asia/Yekaterinburg");
    EXPECT_TRUE(config->tls.is_enabled());
    EXPECT_EQ(config->tls.cert_file, "/etc/candor/cert.pem");
    EXPECT_EQ(config->tls.key_file, "/etc/candor/key.pem");
}

// The example file in etc/ is valid and says what docs/config.md says.
TEST(ConfigTest, TheExampleFileLoads) {
    auto file = ReadConfigFile(CANDOR_SOURCE_DIR "/etc/candord.example.toml");
    ASSERT_TRUE(file.has_value()) << file.error().message;
    Sources sources;
    sources.file = *file;
    auto config = Load(sources);
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->listen.port, 8080);
    EXPECT_EQ(config->keys_file, "var/candor.db.keys");
    EXPECT_TRUE(config->tls.is_enabled());
}

// The key file follows the database when keys_file is not set.
TEST(ConfigTest, KeyFileDefaultsToTheDatabasePathPlusKeys) {
    auto config = Load(FromFile("db = \"sqlite:/srv/c.db\"\n"));
    ASSERT_TRUE(config.has_value());
    EXPECT_EQ(config->keys_file, "/srv/c.db.keys");
}

// Precedence: a flag beats the environment, which beats the file, which beats the default.
TEST(ConfigTest, FlagBeatsEnvironmentBeatsFile) {
    Sources sources = FromFile("listen = \"127.0.0.1:1\"\nthreads = 1\ndb = \"sqlite:f.db\"\n");
    sources.environment = {{"CANDOR_LISTEN", "127.0.0.1:2"}, {"CANDOR_THREADS", "2"}};
    sources.flags = {{"listen", "127.0.0.1:3"}};
    auto config = Load(sources);
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->listen.port, 3);     // flag
    EXPECT_EQ(config->threads, 2U);        // environment
    EXPECT_EQ(config->db, "sqlite:f.db");  // file
    EXPECT_EQ(config->keys_file, "f.db.keys");
}

// An empty environment variable counts as unset; unrelated variables are ignored.
TEST(ConfigTest, EmptyAndForeignEnvironmentVariablesAreIgnored) {
    Sources sources;
    sources.environment = {{"CANDOR_DB", ""}, {"HOME", "/root"}, {"CANDOR_KEYS_FILE", "k.toml"}};
    auto config = Load(sources);
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->db, "sqlite:var/candor.db");
    EXPECT_EQ(config->keys_file, "k.toml");
}

// An unknown key is refused with the file, its line and its name; so is one in a table.
TEST(ConfigTest, UnknownKeysNameTheLine) {
    EXPECT_EQ(ErrorOf(FromFile("db = \"sqlite:x.db\"\n\nlisen = \"127.0.0.1:1\"\n")),
              "candord.toml:3: unknown key 'lisen'");
    EXPECT_EQ(ErrorOf(FromFile("[tls]\ncert = \"c.pem\"\n")),
              "candord.toml:2: unknown key 'tls.cert'");
    EXPECT_EQ(ErrorOf(FromFile("[server]\nlisten = \"127.0.0.1:1\"\n")),
              "candord.toml:1: unknown key 'server'");
}

// A value of the wrong TOML type names the key and the type wanted.
TEST(ConfigTest, WrongTypesNameTheKey) {
    EXPECT_EQ(ErrorOf(FromFile("threads = \"4\"\n")),
              "candord.toml:1: threads: must be an integer");
    EXPECT_EQ(ErrorOf(FromFile("\nlisten = 8080\n")), "candord.toml:2: listen: must be a string");
    EXPECT_EQ(ErrorOf(FromFile("tls = \"on\"\n")), "candord.toml:1: tls: must be a table");
}

// Values of the right type but out of range or malformed are refused, from any source.
TEST(ConfigTest, BadValuesAreRefusedFromEverySource) {
    EXPECT_EQ(ErrorOf(FromFile("threads = 257\n")),
              "candord.toml:1: threads: must be an integer from 0 to 256");
    EXPECT_EQ(ErrorOf(FromFile("threads = -1\n")),
              "candord.toml:1: threads: must be an integer from 0 to 256");
    EXPECT_EQ(ErrorOf(FromFile("listen = \"localhost\"\n")),
              "candord.toml:1: listen: must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080");
    EXPECT_EQ(ErrorOf(FromFile("db = \"\"\n")), "candord.toml:1: db: must not be empty");

    Sources environment;
    environment.environment = {{"CANDOR_THREADS", "four"}};
    EXPECT_EQ(ErrorOf(environment), "CANDOR_THREADS: threads: must be an integer");
    environment.environment = {{"CANDOR_LISTEN", "127.0.0.1:65536"}};
    EXPECT_EQ(ErrorOf(environment),
              "CANDOR_LISTEN: listen: must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080");

    Sources flags;
    flags.flags = {{"threads", "1000"}};
    EXPECT_EQ(ErrorOf(flags), "--threads: threads: must be an integer from 0 to 256");
}

// The default key rate comes from every source and is 0 to kApiKeyRatePerMinuteMax.
TEST(ConfigTest, DefaultKeyRateFromEverySourceAndInRange) {
    Sources sources = FromFile("default_key_rate_per_minute = 60\n");
    auto from_file = Load(sources);
    ASSERT_TRUE(from_file.has_value()) << from_file.error().message;
    EXPECT_EQ(from_file->default_key_rate_per_minute, 60);
    sources.environment = {{"CANDOR_DEFAULT_KEY_RATE", "90"}};
    EXPECT_EQ(Load(sources)->default_key_rate_per_minute, 90);
    sources.flags = {{"default_key_rate_per_minute", "30"}};
    EXPECT_EQ(Load(sources)->default_key_rate_per_minute, 30);
    EXPECT_EQ(ErrorOf(FromFile("default_key_rate_per_minute = -1\n")),
              "candord.toml:1: default_key_rate_per_minute: must be an integer from 0 to 1000000");
    Sources too_fast;
    too_fast.environment = {{"CANDOR_DEFAULT_KEY_RATE", "1000001"}};
    EXPECT_EQ(ErrorOf(too_fast),
              "CANDOR_DEFAULT_KEY_RATE: default_key_rate_per_minute: must be an integer from 0 to "
              "1000000");
}

// Time zones are IANA names the system's zoneinfo knows, from every source.
TEST(ConfigTest, TimeZonesAreKnownIanaNames) {
    for (const char* name :
         {"Europe/Moscow", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+3"}) {
        EXPECT_TRUE(IsTimeZone(name)) << name;
    }
    for (const char* name : {"",
                             "Mars/Olympus_Mons",
                             "europe/moscow",
                             "Europe/Moscow ",
                             "../../etc/passwd",
                             "Europe\\Moscow",
                             "MSK+3"}) {
        EXPECT_FALSE(IsTimeZone(name)) << name;
    }
    EXPECT_FALSE(IsTimeZone(std::string(limits::kTimeZoneBytesMax + 1, 'A')));
    Sources sources;
    sources.environment = {{"CANDOR_TIME_ZONE", "Asia/Vladivostok"}};
    EXPECT_EQ(Load(sources)->time_zone, "Asia/Vladivostok");
    sources.flags = {{"time_zone", "UTC"}};
    EXPECT_EQ(Load(sources)->time_zone, "UTC");
    EXPECT_EQ(ErrorOf(FromFile("time_zone = \"Moscow\"\n")),
              "candord.toml:1: time_zone: must be an IANA time zone name, e.g. Europe/Moscow");
}

// A file that is not TOML is refused with the parser's reason and line.
TEST(ConfigTest, SyntaxErrorsNameTheLine) {
    const std::string message = ErrorOf(FromFile("db = \"sqlite:x.db\"\nlisten = \n"));
    EXPECT_TRUE(message.starts_with("candord.toml:2: ")) << message;
}

// TLS needs both files; a database that is not a SQLite file needs an explicit key file.
TEST(ConfigTest, ChecksSettingsThatGoTogether) {
    EXPECT_EQ(ErrorOf(FromFile("[tls]\ncert_file = \"c.pem\"\n")),
              "tls: cert_file and key_file must be set together");
    EXPECT_EQ(ErrorOf(FromFile("db = \"sqlite::memory:\"\n")),
              "keys_file: must be set: no default key file for the database sqlite::memory:");
    auto explicit_keys = Load(FromFile("db = \"sqlite::memory:\"\nkeys_file = \"k\"\n"));
    ASSERT_TRUE(explicit_keys.has_value());
    EXPECT_EQ(explicit_keys->keys_file, "k");
}

// Every setting has a TOML key, a CANDOR_ variable and a flag, all distinct.
TEST(ConfigTest, EverySettingHasThreeNames) {
    for (const Setting& setting : Settings()) {
        EXPECT_FALSE(setting.key.empty());
        EXPECT_TRUE(setting.env.starts_with("CANDOR_")) << setting.key;
        EXPECT_TRUE(setting.flag.starts_with("--")) << setting.key;
        EXPECT_FALSE(setting.meaning.empty()) << setting.key;
        Sources sources;
        sources.environment = {{std::string(setting.env), ""}};
        EXPECT_TRUE(Load(sources).has_value()) << setting.env;
    }
}

Keys SampleKeys() {
    Keys keys;
    keys.index_key.fill(0x11);
    keys.signing_key.fill(0x22);
    keys.vault_key.fill(0xab);
    return keys;
}

// What FormatKeys writes, ParseKeys reads back, key for key.
TEST(KeysTest, FormatThenParseRoundTrips) {
    const Keys keys = SampleKeys();
    const std::string text = FormatKeys(keys);
    std::string vault_hex;
    for (int i = 0; i < 32; ++i) {
        vault_hex += "ab";
    }
    EXPECT_NE(text.find("vault_key = \"" + vault_hex + "\"\n"), std::string::npos) << text;
    auto parsed = ParseKeys(text, "k.toml");
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_EQ(parsed->index_key, keys.index_key);
    EXPECT_EQ(parsed->signing_key, keys.signing_key);
    EXPECT_EQ(parsed->vault_key, keys.vault_key);
}

// Missing, unknown, short and non-hex keys are refused naming the key, never its value.
TEST(KeysTest, ParseRefusesMalformedFiles) {
    const std::string hex(64, '1');
    const std::string three =
        "index_key = \"" + hex + "\"\nsigning_key = \"" + hex + "\"\nvault_key = \"" + hex + "\"\n";
    ASSERT_TRUE(ParseKeys(three, "k").has_value());
    ASSERT_TRUE(ParseKeys(three + "# a comment\n", "k").has_value());

    auto missing = ParseKeys("index_key = \"" + hex + "\"\n", "k");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().message, "k: signing_key is missing");

    auto unknown = ParseKeys(three + "extra_key = \"" + hex + "\"\n", "k");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().message, "k:4: unknown key 'extra_key'");

    auto shorter = ParseKeys("index_key = \"abcd\"\n", "k");
    ASSERT_FALSE(shorter.has_value());
    EXPECT_EQ(shorter.error().message, "k:1: index_key: must be a string of 64 hex digits");

    auto not_hex = ParseKeys("signing_key = \"" + std::string(64, 'z') + "\"\n", "k");
    ASSERT_FALSE(not_hex.has_value());
    EXPECT_EQ(not_hex.error().message, "k:1: signing_key: must be a string of 64 hex digits");
    EXPECT_EQ(not_hex.error().message.find("zzzz"), std::string::npos);
}

// Fresh keys differ from each other and from call to call.
TEST(KeysTest, GeneratedKeysAreDistinct) {
    ASSERT_TRUE(crypto::InitCrypto().has_value());
    const Keys a = GenerateKeys();
    const Keys b = GenerateKeys();
    EXPECT_NE(a.index_key, b.index_key);
    EXPECT_NE(a.index_key, a.signing_key);
    EXPECT_NE(a.signing_key, a.vault_key);
}

class KeysFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() /
                     ("candor-config-" + std::to_string(::getpid()) + "-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(directory_);
        path_ = (directory_ / "candor.db.keys").string();
    }

    void TearDown() override { std::filesystem::remove_all(directory_); }

    std::filesystem::path directory_;
    std::string path_;
};

// A written key file has mode 0600 and loads back; a second write refuses to replace it.
TEST_F(KeysFileTest, WriteCreatesAPrivateFileAndNeverOverwrites) {
    const Keys keys = SampleKeys();
    ASSERT_TRUE(WriteNewKeys(path_, keys).has_value());

    struct stat info {};

    ASSERT_EQ(::stat(path_.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777U, 0600U);
    auto loaded = LoadKeys(path_);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_EQ(loaded->signing_key, keys.signing_key);

    auto again = WriteNewKeys(path_, GenerateKeys());
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(LoadKeys(path_)->index_key, keys.index_key);
}

// A replacement is atomic and private, and refuses to run over a leftover from an interrupted one.
TEST_F(KeysFileTest, ReplaceSwapsTheWholeFileAndRefusesALeftover) {
    const Keys old_keys = SampleKeys();
    ASSERT_TRUE(WriteNewKeys(path_, old_keys).has_value());
    Keys new_keys = old_keys;
    new_keys.signing_key.fill(0x5a);
    ASSERT_TRUE(ReplaceKeys(path_, new_keys).has_value());

    struct stat info {};

    ASSERT_EQ(::stat(path_.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777U, 0600U);
    EXPECT_FALSE(std::filesystem::exists(path_ + ".new"));
    auto loaded = LoadKeys(path_);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_EQ(loaded->signing_key, new_keys.signing_key);
    EXPECT_EQ(loaded->index_key, old_keys.index_key);

    std::ofstream(path_ + ".new") << "half written";
    auto refused = ReplaceKeys(path_, old_keys);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(LoadKeys(path_)->signing_key, new_keys.signing_key);
}

// A key file that group or others may read is refused, as ssh refuses such keys.
TEST_F(KeysFileTest, LoadRefusesAFileOthersMayRead) {
    ASSERT_TRUE(WriteNewKeys(path_, SampleKeys()).has_value());
    for (const unsigned mode : {0644U, 0640U, 0604U, 0620U}) {
        ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
        auto loaded = LoadKeys(path_);
        ASSERT_FALSE(loaded.has_value()) << std::oct << mode;
        EXPECT_NE(loaded.error().message.find("chmod 600 " + path_), std::string::npos)
            << loaded.error().message;
    }
    ASSERT_EQ(::chmod(path_.c_str(), 0400), 0);
    EXPECT_TRUE(LoadKeys(path_).has_value());
}

// A missing key file says how to make one.
TEST_F(KeysFileTest, LoadOfAMissingFileSaysToRunInit) {
    auto loaded = LoadKeys(path_);
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().message, "no key file " + path_ + ": `candor init` creates one");
}

// A configuration file is read whole; a missing one is named.
TEST_F(KeysFileTest, ReadConfigFileReadsOrNamesThePath) {
    const std::string path = (directory_ / "candord.toml").string();
    std::ofstream(path) << "threads = 3\n";
    auto file = ReadConfigFile(path);
    ASSERT_TRUE(file.has_value());
    EXPECT_EQ(file->name, path);
    Sources sources;
    sources.file = *file;
    EXPECT_EQ(Load(sources)->threads, 3U);
    auto missing = ReadConfigFile(path + ".missing");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().message, "cannot open the configuration file " + path + ".missing");
}

}  // namespace
}  // namespace candor::config
