// `candor sequence`: integrates the journal entries not yet in the transparency log and signs
// a tree head after each batch, with the signing_key of the key file `candor init` wrote (the
// key candord's own sequencer signs with).
#include <fmt/format.h>

#include <string>

#include "cli/commands.h"
#include "config/config.h"
#include "core/clock.h"
#include "crypto/crypto.h"
#include "translog/translog.h"

namespace candor::cli {

int RunSequence(const SequenceOptions& options) {
    auto key_file = LoadKeyFile(options.db, options.keys_file);
    if (!key_file) {
        PrintError(key_file.error().message);
        return kExitInvalid;
    }
    const translog::Signer signer(key_file->keys.signing_key);
    crypto::Wipe(key_file->keys.signing_key);
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
