#include <fmt/format.h>

#include <map>
#include <unordered_map>

#include "ledger/ledger.h"

namespace candor::ledger {
namespace {

constexpr std::size_t kViolationsMax = 20;

class Checker {
public:
    explicit Checker(store::Store& store) : store_(store) {}

    Result<CheckReport> Run() {
        if (auto integrity = store_.CheckIntegrity(); !integrity) {
            Violation(integrity.error().message);
            return report_;
        }
        CANDOR_ASSIGN_OR_RETURN(auto system_accounts, store_.ListSystemAccounts());
        for (const store::SystemAccountRow& row : system_accounts) {
            system_[row.id] = row;
        }
        CANDOR_TRY(CheckEntries());
        CANDOR_TRY(CheckBalances());
        CANDOR_TRY(CheckLots());
        CANDOR_TRY(CheckHolds());
        return report_;
    }

private:
    void Violation(std::string message) {
        if (report_.violations.size() < kViolationsMax) {
            report_.violations.push_back(std::move(message));
        }
    }

    std::optional<Asset> AssetOf(AccountId account) const {
        if (auto member = DescribeMemberAccount(account)) {
            return member->asset;
        }
        auto it = system_.find(account);
        if (it == system_.end()) {
            return std::nullopt;
        }
        return it->second.asset;
    }

    // Every entry decodes, matches its row and leaf hash, and has exactly its postings.
    Status CheckEntries() {
        std::int64_t expected_id = 1;
        Status lookup = Ok();
        CANDOR_TRY(store_.ScanEntries([&](const store::EntryRow& row) {
            ++report_.entries;
            if (row.id.value() != expected_id) {
                Violation(fmt::format(
                    "entry ids are not dense: expected {}, found {}", expected_id, row.id.value()));
            }
            expected_id = row.id.value() + 1;
            if (journal::HashLeaf(row.body) != row.leaf_hash) {
                Violation(
                    fmt::format("entry {}: leaf hash does not match its bytes", row.id.value()));
            }
            auto entry = journal::Decode(row.body);
            if (!entry) {
                Violation(fmt::format("entry {}: {}", row.id.value(), entry.error().message));
                return true;
            }
            if (entry->id != row.id || entry->kind != row.kind ||
                entry->reference != row.reference || entry->created_at != row.created_at) {
                Violation(
                    fmt::format("entry {}: columns differ from its encoded bytes", row.id.value()));
            }
            int leg = 0;
            for (const journal::Posting& posting : entry->postings) {
                auto stored = store_.FindPosting(posting.account, entry->id, leg);
                if (!stored) {
                    lookup = std::move(stored).error();
                    return false;
                }
                if (!stored->has_value() || (*stored)->amount != posting.amount ||
                    (*stored)->asset != posting.asset) {
                    Violation(
                        fmt::format("entry {} leg {}: postings table differs from the journal",
                                    row.id.value(),
                                    leg));
                }
                ++journal_postings_;
                ++leg;
            }
            return true;
        }));
        return lookup;
    }

    // Balances equal their postings; assets sum to zero; nothing is below zero that may not be.
    Status CheckBalances() {
        // Only accounts with postings. 128 bits: tampered postings must not overflow the sum.
        std::map<std::int64_t, Int128> posting_sums;
        std::int64_t postings = 0;
        CANDOR_TRY(store_.ScanPostings([&](const store::PostingRow& row) {
            ++postings;
            posting_sums[row.account.value()] += row.amount.value();
            if (AssetOf(row.account) != row.asset) {
                Violation(fmt::format("entry {}: posting of {} to account {} of another asset",
                                      row.entry.value(),
                                      Name(row.asset),
                                      row.account.value()));
            }
            return true;
        }));
        report_.postings = postings;
        if (postings != journal_postings_) {
            Violation(fmt::format("the postings table has {} rows, the journal {} postings",
                                  postings,
                                  journal_postings_));
        }
        std::map<Asset, Int128> totals;
        CANDOR_TRY(store_.ScanBalances([&](const store::AccountSum& sum) {
            ++report_.accounts;
            const AccountId account = sum.account;
            auto asset = AssetOf(account);
            if (!asset) {
                Violation(fmt::format("balance row for unknown account {}", account.value()));
                return true;
            }
            totals[*asset] += sum.amount.value();
            auto it = posting_sums.find(account.value());
            const Int128 posted = it == posting_sums.end() ? 0 : it->second;
            if (it != posting_sums.end()) {
                posting_sums.erase(it);
            }
            if (posted != sum.amount.value()) {
                Violation(fmt::format("account {}: balance {} but its postings sum to {}",
                                      account.value(),
                                      sum.amount.value(),
                                      posted));
            }
            auto member = DescribeMemberAccount(account);
            const bool allows_negative = !member && system_.at(account).allows_negative;
            if (!allows_negative && sum.amount.value() < 0) {
                Violation(fmt::format(
                    "account {} is below zero: {}", account.value(), sum.amount.value()));
            }
            if (member && member->kind == AccountKind::kMemberAvailable &&
                member->asset == Asset::kPoints && sum.amount.value() != 0) {
                available_points_[account.value()] = sum.amount.value();
            }
            if (member && member->kind == AccountKind::kMemberHeld && sum.amount.value() != 0) {
                held_[account.value()] = sum.amount.value();
            }
            return true;
        }));
        for (const auto& [account, posted] : posting_sums) {
            Violation(fmt::format("account {} has postings but no balance", account));
        }
        for (const auto& [asset, total] : totals) {
            if (total != 0) {
                Violation(fmt::format(
                    "{} balances sum to {}, not 0", Name(asset), static_cast<std::int64_t>(total)));
            }
        }
        return Ok();
    }

    // Open lots sum to each available balance; lots and moves conserve every point.
    Status CheckLots() {
        std::unordered_map<std::int64_t, std::int64_t> moved;  // lot -> net consumed
        CANDOR_TRY(store_.ScanLotMoves([&](const store::LotMoveRow& move) {
            if (!move.amount.is_positive() || move.restored.value() < 0 ||
                move.restored > move.amount) {
                Violation(fmt::format("entry {} lot {}: move of {} with {} restored",
                                      move.entry.value(),
                                      move.lot.value(),
                                      move.amount.value(),
                                      move.restored.value()));
            }
            moved[move.lot.value()] += move.amount.value() - move.restored.value();
            return true;
        }));
        CANDOR_TRY(store_.ScanLots([&](const store::LotRow& lot) {
            if (lot.remaining.value() < 0 || lot.remaining > lot.amount) {
                Violation(fmt::format("lot {}: {} left of {}",
                                      lot.id.value(),
                                      lot.remaining.value(),
                                      lot.amount.value()));
            }
            const std::int64_t consumed =
                moved.contains(lot.id.value()) ? moved[lot.id.value()] : 0;
            if (lot.amount.value() - lot.remaining.value() != consumed) {
                Violation(fmt::format("lot {}: {} used but moves account for {}",
                                      lot.id.value(),
                                      lot.amount.value() - lot.remaining.value(),
                                      consumed));
            }
            return true;
        }));
        CANDOR_TRY(store_.ScanOpenLotSums([&](const store::AccountSum& sum) {
            ++report_.open_lots_accounts;
            auto it = available_points_.find(sum.account.value());
            const std::int64_t balance = it == available_points_.end() ? 0 : it->second;
            if (it != available_points_.end()) {
                it->second = 0;  // matched
            }
            if (balance != sum.amount.value()) {
                Violation(fmt::format("account {}: open lots hold {} but the balance is {}",
                                      sum.account.value(),
                                      sum.amount.value(),
                                      balance));
            }
            return true;
        }));
        for (const auto& [account, balance] : available_points_) {
            if (balance != 0) {
                Violation(fmt::format("account {}: balance {} but no open lots", account, balance));
            }
        }
        return Ok();
    }

    // Open holds sum to each held balance; closed holds name their closing entry.
    Status CheckHolds() {
        std::map<std::int64_t, std::int64_t> open;  // held account -> open hold sum
        Status lookup = Ok();
        CANDOR_TRY(store_.ScanHolds([&](const store::HoldRow& hold) {
            ++report_.holds;
            if (hold.state == store::HoldState::kOpen) {
                open[MemberAccount(hold.member, hold.asset, true).value()] += hold.amount.value();
                return true;
            }
            auto closing = store_.LoadEntry(hold.closed_by);
            if (!closing) {
                lookup = std::move(closing).error();
                return false;
            }
            const EntryKind expected =
                hold.state == store::HoldState::kCaptured ? EntryKind::kCapture : EntryKind::kVoid;
            if (!closing->has_value() || (*closing)->kind != expected ||
                (*closing)->reference != hold.id) {
                Violation(fmt::format("hold {}: closing entry {} is missing or not its {}",
                                      hold.id.value(),
                                      hold.closed_by.value(),
                                      Name(expected)));
            }
            return true;
        }));
        CANDOR_TRY(lookup);
        for (const auto& [account, amount] : open) {
            auto it = held_.find(account);
            const std::int64_t held = it == held_.end() ? 0 : it->second;
            if (held != amount) {
                Violation(fmt::format(
                    "account {}: open holds sum to {} but {} is held", account, amount, held));
            }
            if (it != held_.end()) {
                held_.erase(it);
            }
        }
        for (const auto& [account, held] : held_) {
            Violation(fmt::format("account {}: {} held without an open hold", account, held));
        }
        return Ok();
    }

    store::Store& store_;
    CheckReport report_;
    std::map<AccountId, store::SystemAccountRow> system_;
    std::int64_t journal_postings_ = 0;
    std::unordered_map<std::int64_t, std::int64_t> available_points_;
    std::map<std::int64_t, std::int64_t> held_;
};

}  // namespace

Result<CheckReport> Check(store::Store& store) {
    return Checker(store).Run();
}

}  // namespace candor::ledger
