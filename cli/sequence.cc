// `candor sequence`: integrates the journal entries not yet in the transparency log and signs
// a tree head after each batch. The signing key is a 32-byte Ed25519 seed kept as hex in a file
// that only its owner may read.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "cli/commands.h"
#include "core/clock.h"
#include "crypto/crypto.h"
#include "translog/translog.h"

namespace candor::cli {
namespace {

// Creates `path` with mode 0600 and a fresh seed; never overwrites an existing file.
Result<crypto::Ed25519Seed> CreateSeed(const std::string& path) {
    crypto::Ed25519Seed seed{};
    crypto::RandomBytes(seed);
    const std::string text = crypto::ToHex(seed) + "\n";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return MakeError(ErrorCode::kInvalidArgument, fmt::format("cannot create {}", path));
    }
    const bool is_written =
        ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!is_written) {
        return MakeError(ErrorCode::kStorage, fmt::format("cannot write {}", path));
    }
    return seed;
}

Result<crypto::Ed25519Seed> LoadSeed(const SequenceOptions& options) {
    struct stat info {};

    if (::stat(options.key_file.c_str(), &info) != 0) {
        if (!options.new_key) {
            return MakeError(
                ErrorCode::kInvalidArgument,
                fmt::format("no key file {} (pass --new-key to create one)", options.key_file));
        }
        return CreateSeed(options.key_file);
    }
    return translog::ReadSigningKeyFile(options.key_file);
}

}  // namespace

int RunSequence(const SequenceOptions& options) {
    auto seed = LoadSeed(options);
    if (!seed) {
        PrintError(seed.error().message);
        return kExitInvalid;
    }
    const translog::Signer signer(*seed);
    crypto::Wipe(*seed);
    auto store = store::Open(options.db);
    if (!store) {
        PrintError(store.error().message);
        return kExitInvalid;
    }
    SystemClock clock;
    std::uint64_t added = 0;
    for (;;) {
        auto report = translog::Sequence(**store, signer, clock, options.batch);
        if (!report) {
            PrintError(report.error().message);
            return kExitInvalid;
        }
        added += report->leaves_added;
        if (report->leaves_added < options.batch) {
            fmt::print("sequenced {} entries; tree size {}, root {}\n",
                       added,
                       report->head.size,
                       crypto::ToHex(report->head.root));
            break;
        }
    }
    fmt::print("public key {} (key id {})\n", crypto::ToHex(signer.public_key()), signer.key_id());
    return kExitOk;
}

}  // namespace candor::cli
