// A model-based simulation of the ledger (VOPR in miniature): random sequences of every
// command run against the real ledger and against a small reference model that tracks each
// member's balances, lots (with their expiry and FIFO order), holds, the campaign budget and
// reversal progress. After each command the outcome (success or the exact error, and the entry
// ids written) and every balance must agree with the model; at the end the open lots agree too
// and Check finds no violation.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/error_code.h"
#include "crypto/crypto.h"
#include "ledger/ledger.h"
#include "testkit/testkit.h"

namespace candor::ledger {
namespace {

constexpr int kBudget = -1;  // the owner of the campaign budget's legs
constexpr std::size_t kMembersMax = 8;
constexpr int kStepsMax = 200;
constexpr std::array<std::int64_t, 6> kWholes = {1, 2, 3, 4, 7, 10};

// What a reversal taking the reversed fraction from before/whole to after/whole moves of a
// leg: the difference of cumulative floors, computed here in 128 bits (not with ScaleFloor).
std::int64_t Share(std::int64_t magnitude,
                   std::int64_t before,
                   std::int64_t after,
                   std::int64_t whole) {
    const Int128 upto_after = Int128{magnitude} * after / whole;
    const Int128 upto_before = Int128{magnitude} * before / whole;
    return static_cast<std::int64_t>(upto_after - upto_before);
}

struct ModelLot {
    int member = 0;
    Timestamp expires_at;
    std::int64_t remaining = 0;
    std::int64_t entry = 0;  // the entry that credited it
};

struct ModelMove {
    std::size_t lot = 0;
    std::int64_t amount = 0;
    std::int64_t restored = 0;
};

struct ModelBalances {
    std::int64_t points = 0;
    std::int64_t points_held = 0;
    std::int64_t status = 0;
    std::int64_t cashback = 0;
    std::int64_t cashback_held = 0;

    friend bool operator==(const ModelBalances&, const ModelBalances&) = default;
};

struct ModelHold {
    std::int64_t id = 0;
    int member = 0;
    Asset asset = Asset::kPoints;
    std::int64_t amount = 0;
    Timestamp expires_at;
    bool is_open = true;
};

// A member-side (or budget-side) leg of a reversible entry, signed as in the original.
struct ModelLeg {
    int owner = 0;  // member index, or kBudget
    Asset asset = Asset::kPoints;
    std::int64_t amount = 0;
};

struct ModelEntry {
    bool is_reversible = false;
    std::vector<ModelLeg> legs;
    std::int64_t consumer = 0;  // whose lot moves a credit restores (the hold, for a capture)
    std::int64_t whole = 0;     // reversal progress
    std::int64_t reversed = 0;
};

// What the ledger is expected to answer: "ok" or an error slug, and the entries written.
struct Prediction {
    std::string slug = "ok";
    std::size_t entries = 0;
};

class Model {
public:
    explicit Model(Timestamp now) : now_(now) {}

    Timestamp now() const { return now_; }

    std::size_t members() const { return members_.size(); }

    std::int64_t next_entry() const { return next_entry_; }

    std::int64_t budget() const { return budget_; }

    const ModelBalances& balances(std::size_t member) const { return members_.at(member); }

    const std::vector<ModelHold>& holds() const { return holds_; }

    bool HasPublicId(const std::string& id) const { return public_ids_.contains(id); }

    std::optional<std::int64_t> ProgressWhole(std::int64_t entry) const {
        auto it = entries_.find(entry);
        if (it == entries_.end() || it->second.whole == 0) {
            return std::nullopt;
        }
        return it->second.whole;
    }

    // Open lots of a member, oldest first, as (remaining, expiry).
    std::vector<std::pair<std::int64_t, Timestamp>> OpenLots(int member) const {
        std::vector<std::pair<std::int64_t, Timestamp>> lots;
        for (const ModelLot& lot : lots_) {
            if (lot.member == member && lot.remaining > 0) {
                lots.emplace_back(lot.remaining, lot.expires_at);
            }
        }
        return lots;
    }

    void Advance(Duration d) { now_ += d; }

    Prediction Enrol(const std::string& public_id) {
        if (public_ids_.contains(public_id)) {
            return {"already-exists"};
        }
        public_ids_.insert({public_id, members_.size()});
        members_.emplace_back();
        return {};
    }

    Prediction Earn(int member,
                    std::int64_t points,
                    std::int64_t status,
                    std::int64_t cashback,
                    Timestamp effective_at,
                    Timestamp expires_at,
                    bool from_budget) {
        if (points == 0 && status == 0 && cashback == 0) {
            return {"invalid-amount"};
        }
        if (!IsMember(member)) {
            return {"unknown-member"};
        }
        if (points > 0) {
            if (expires_at == Timestamp{}) {
                expires_at =
                    (effective_at == Timestamp{} ? now_ : effective_at) + std::chrono::days(365);
            }
            if (expires_at <= now_) {
                return {"invalid-argument"};
            }
            if (from_budget && budget_ < points) {
                return {"insufficient-balance"};
            }
        }
        const std::int64_t id = next_entry_++;
        ModelEntry entry{true, {}, id, 0, 0};
        ModelBalances& b = members_[Index(member)];
        if (points > 0) {
            b.points += points;
            lots_.push_back(ModelLot{member, expires_at, points, id});
            entry.legs.push_back({member, Asset::kPoints, points});
        }
        if (status > 0) {
            b.status += status;
            entry.legs.push_back({member, Asset::kStatus, status});
        }
        if (cashback > 0) {
            b.cashback += cashback;
            entry.legs.push_back({member, Asset::kCashback, cashback});
        }
        if (points > 0 && from_budget) {
            budget_ -= points;
            entry.legs.push_back({kBudget, Asset::kPoints, -points});
        }
        entries_[id] = entry;
        return {"ok", 1};
    }

    Prediction Spend(int member, Asset asset, std::int64_t amount) {
        if (asset == Asset::kStatus) {
            return {"invalid-argument"};
        }
        if (amount <= 0) {
            return {"invalid-amount"};
        }
        if (!IsMember(member)) {
            return {"unknown-member"};
        }
        if (Available(member, asset) < amount) {
            return {"insufficient-balance"};
        }
        const std::int64_t id = next_entry_++;
        Available(member, asset) -= amount;
        if (asset == Asset::kPoints) {
            ConsumeLots(member, amount, id, 0);
        }
        entries_[id] = ModelEntry{true, {{member, asset, -amount}}, id, 0, 0};
        return {"ok", 1};
    }

    Prediction Hold(int member, Asset asset, std::int64_t amount, Duration timeout) {
        if (asset == Asset::kStatus) {
            return {"invalid-argument"};
        }
        if (amount <= 0) {
            return {"invalid-amount"};
        }
        if (timeout <= Duration::zero() || timeout > std::chrono::days(30)) {
            return {"invalid-argument"};
        }
        if (!IsMember(member)) {
            return {"unknown-member"};
        }
        if (Available(member, asset) < amount) {
            return {"insufficient-balance"};
        }
        const std::int64_t id = next_entry_++;
        Available(member, asset) -= amount;
        Held(member, asset) += amount;
        if (asset == Asset::kPoints) {
            ConsumeLots(member, amount, id, 0);
        }
        holds_.push_back(ModelHold{id, member, asset, amount, now_ + timeout, true});
        entries_[id] = ModelEntry{};
        return {"ok", 1};
    }

    Prediction Capture(std::int64_t hold_id, std::optional<std::int64_t> amount) {
        ModelHold* hold = FindHold(hold_id);
        if (hold == nullptr) {
            return {"unknown-hold"};
        }
        if (!hold->is_open) {
            return {"hold-closed"};
        }
        if (hold->expires_at <= now_) {
            return {"hold-expired"};
        }
        const std::int64_t captured = amount.value_or(hold->amount);
        if (captured <= 0 || captured > hold->amount) {
            return {"invalid-amount"};
        }
        const std::int64_t id = next_entry_++;
        Held(hold->member, hold->asset) -= captured;
        entries_[id] = ModelEntry{true, {{hold->member, hold->asset, -captured}}, hold->id, 0, 0};
        hold->is_open = false;
        if (captured == hold->amount) {
            return {"ok", 1};
        }
        Release(*hold, hold->amount - captured);
        return {"ok", 2};
    }

    Prediction Void(std::int64_t hold_id) {
        ModelHold* hold = FindHold(hold_id);
        if (hold == nullptr) {
            return {"unknown-hold"};
        }
        if (!hold->is_open) {
            return {"hold-closed"};
        }
        hold->is_open = false;
        Release(*hold, hold->amount);
        return {"ok", 1};
    }

    Prediction Reverse(std::int64_t original, std::int64_t part, std::int64_t whole) {
        auto it = entries_.find(original);
        if (it == entries_.end()) {
            return {"unknown-entry"};
        }
        ModelEntry& entry = it->second;
        if (!entry.is_reversible) {
            return {"not-reversible"};
        }
        if (entry.whole != 0 && entry.whole != whole) {
            return {"invalid-argument"};
        }
        const std::int64_t before = entry.reversed;
        if (part > whole - before) {
            return {"reversal-exceeds-original"};
        }
        const std::int64_t after = before + part;
        std::vector<std::int64_t> moved;
        bool any = false;
        for (const ModelLeg& leg : entry.legs) {
            const std::int64_t share =
                Share(leg.amount < 0 ? -leg.amount : leg.amount, before, after, whole);
            moved.push_back(leg.amount < 0 ? share : -share);
            any = any || share != 0;
            if (leg.amount > 0 && Balance(leg.owner, leg.asset) < share) {
                return {"insufficient-balance"};
            }
        }
        entry.whole = whole;
        entry.reversed = after;
        if (!any) {
            return {"ok", 0};
        }
        const std::int64_t id = next_entry_++;
        entries_[id] = ModelEntry{};
        for (std::size_t i = 0; i < entry.legs.size(); ++i) {
            const ModelLeg& leg = entry.legs[i];
            Balance(leg.owner, leg.asset) += moved[i];
            if (leg.owner == kBudget || leg.asset != Asset::kPoints || moved[i] == 0) {
                continue;
            }
            if (moved[i] < 0) {
                ConsumeLots(leg.owner, -moved[i], id, original);
            } else {
                const std::int64_t restored = RestoreLots(entry.consumer, leg.owner, moved[i]);
                if (restored < moved[i]) {
                    lots_.push_back(ModelLot{
                        leg.owner, now_ + std::chrono::days(365), moved[i] - restored, id});
                }
            }
        }
        return {"ok", 1};
    }

    Prediction Adjust(int member, Asset asset, std::int64_t delta) {
        if (delta == 0) {
            return {"invalid-amount"};
        }
        if (!IsMember(member)) {
            return {"unknown-member"};
        }
        if (Available(member, asset) + delta < 0) {
            return {"insufficient-balance"};
        }
        const std::int64_t id = next_entry_++;
        Available(member, asset) += delta;
        if (asset == Asset::kPoints) {
            if (delta > 0) {
                lots_.push_back(ModelLot{member, now_ + std::chrono::days(365), delta, id});
            } else {
                ConsumeLots(member, -delta, id, 0);
            }
        }
        entries_[id] = ModelEntry{true, {{member, asset, delta}}, id, 0, 0};
        return {"ok", 1};
    }

    Prediction Transfer(int from, int to, Asset asset, std::int64_t amount) {
        if (asset == Asset::kStatus) {
            return {"invalid-argument"};
        }
        if (amount <= 0) {
            return {"invalid-amount"};
        }
        if (from == to) {
            return {"invalid-argument"};
        }
        if (!IsMember(from) || !IsMember(to)) {
            return {"unknown-member"};
        }
        if (Available(from, asset) < amount) {
            return {"insufficient-balance"};
        }
        const std::int64_t id = next_entry_++;
        Available(from, asset) -= amount;
        Available(to, asset) += amount;
        if (asset == Asset::kPoints) {
            ConsumeLots(from, amount, id, 0, to);
        }
        entries_[id] = ModelEntry{true, {{from, asset, -amount}, {to, asset, amount}}, id, 0, 0};
        return {"ok", 1};
    }

    Prediction FundBudget(std::int64_t amount) {
        if (amount <= 0) {
            return {"invalid-amount"};
        }
        const std::int64_t id = next_entry_++;
        budget_ += amount;
        entries_[id] = ModelEntry{true, {{kBudget, Asset::kPoints, amount}}, id, 0, 0};
        return {"ok", 1};
    }

    Prediction ExpireLots() {
        Prediction prediction;
        for (std::size_t member = 0; member < members_.size(); ++member) {
            std::int64_t total = 0;
            for (ModelLot& lot : lots_) {
                if (lot.member == static_cast<int>(member) && lot.remaining > 0 &&
                    lot.expires_at <= now_) {
                    total += lot.remaining;
                    lot.remaining = 0;
                }
            }
            if (total > 0) {
                members_[member].points -= total;
                entries_[next_entry_++] = ModelEntry{};
                ++prediction.entries;
            }
        }
        return prediction;
    }

    Prediction VoidTimedOutHolds() {
        std::vector<ModelHold*> due;
        for (ModelHold& hold : holds_) {
            if (hold.is_open && hold.expires_at <= now_) {
                due.push_back(&hold);
            }
        }
        std::sort(due.begin(), due.end(), [](const ModelHold* x, const ModelHold* y) {
            return std::tie(x->expires_at, x->id) < std::tie(y->expires_at, y->id);
        });
        for (ModelHold* hold : due) {
            hold->is_open = false;
            Release(*hold, hold->amount);
        }
        return {"ok", due.size()};
    }

private:
    bool IsMember(int member) const {
        return member >= 0 && static_cast<std::size_t>(member) < members_.size();
    }

    static std::size_t Index(int member) { return static_cast<std::size_t>(member); }

    std::int64_t& Available(int member, Asset asset) {
        ModelBalances& b = members_[Index(member)];
        switch (asset) {
            case Asset::kPoints:
                return b.points;
            case Asset::kStatus:
                return b.status;
            case Asset::kCashback:
                return b.cashback;
        }
        return b.points;
    }

    std::int64_t& Held(int member, Asset asset) {
        ModelBalances& b = members_[Index(member)];
        return asset == Asset::kCashback ? b.cashback_held : b.points_held;
    }

    std::int64_t& Balance(int owner, Asset asset) {
        return owner == kBudget ? budget_ : Available(owner, asset);
    }

    ModelHold* FindHold(std::int64_t id) {
        for (ModelHold& hold : holds_) {
            if (hold.id == id) {
                return &hold;
            }
        }
        return nullptr;
    }

    // A void entry moving `amount` of the hold back to available, onto the lots it took.
    void Release(const ModelHold& hold, std::int64_t amount) {
        entries_[next_entry_++] = ModelEntry{};
        Held(hold.member, hold.asset) -= amount;
        Available(hold.member, hold.asset) += amount;
        if (hold.asset == Asset::kPoints) {
            RC_ASSERT(RestoreLots(hold.id, hold.member, amount) == amount);
        }
    }

    // Takes `amount` from the member's open lots, the `preferred` entry's lots first, then
    // oldest first; each piece taken for a transfer arrives at `to` as a lot of the same date.
    void ConsumeLots(
        int member, std::int64_t amount, std::int64_t entry, std::int64_t preferred, int to = -2) {
        std::vector<ModelMove>& moves = moves_[entry];
        for (int pass = preferred != 0 ? 0 : 1; pass < 2 && amount > 0; ++pass) {
            for (std::size_t i = 0; i < lots_.size() && amount > 0; ++i) {
                if (lots_[i].member != member || lots_[i].remaining == 0 ||
                    (pass == 0 && lots_[i].entry != preferred)) {
                    continue;
                }
                const std::int64_t take = std::min(lots_[i].remaining, amount);
                lots_[i].remaining -= take;
                amount -= take;
                moves.push_back(ModelMove{i, take, 0});
                if (to != -2) {
                    lots_.push_back(ModelLot{to, lots_[i].expires_at, take, entry});
                }
            }
        }
        RC_ASSERT(amount == 0);
    }

    // Gives back up to `amount` to the lots `source` took from the member, newest first.
    std::int64_t RestoreLots(std::int64_t source, int member, std::int64_t amount) {
        std::int64_t left = amount;
        auto it = moves_.find(source);
        if (it == moves_.end()) {
            return 0;
        }
        for (auto move = it->second.rbegin(); move != it->second.rend() && left > 0; ++move) {
            ModelLot& lot = lots_[move->lot];
            const std::int64_t open = move->amount - move->restored;
            if (open <= 0 || lot.member != member) {
                continue;
            }
            const std::int64_t give = std::min(open, left);
            left -= give;
            lot.remaining += give;
            move->restored += give;
        }
        return amount - left;
    }

    Timestamp now_;
    std::int64_t next_entry_ = 1;
    std::int64_t budget_ = 0;
    std::vector<ModelBalances> members_;
    std::map<std::string, std::size_t> public_ids_;
    std::vector<ModelLot> lots_;
    std::map<std::int64_t, std::vector<ModelMove>> moves_;
    std::vector<ModelHold> holds_;
    std::map<std::int64_t, ModelEntry> entries_;
};

// One random step: which command (0-99, bucketed by weight below) and four numbers from which
// the step derives its arguments against the current state, so that shrinking stays valid.
struct Op {
    int kind = 0;
    int a = 0;
    int b = 0;
    int c = 0;
    int d = 0;
};

// NOLINTNEXTLINE(readability-identifier-naming): the name rapidcheck looks up to print an Op.
void showValue(const Op& op, std::ostream& os) {
    os << fmt::format("Op{{{}, {}, {}, {}, {}}}", op.kind, op.a, op.b, op.c, op.d);
}

// Sized to the nominal size: rapidcheck scales ranges down with the size, which would leave
// the early cases with only the first few kinds of command.
rc::Gen<Op> GenOp() {
    return rc::gen::resize(rc::kNominalSize,
                           rc::gen::apply(
                               [](int kind, int a, int b, int c, int d) {
                                   return Op{kind, a, b, c, d};
                               },
                               rc::gen::inRange(0, 100),
                               rc::gen::inRange(0, 1000),
                               rc::gen::inRange(0, 1000),
                               rc::gen::inRange(0, 1000),
                               rc::gen::inRange(0, 1000)));
}

template <class T>
std::string Slug(const Result<T>& result) {
    return result ? std::string("ok") : std::string(Describe(result.error().code).slug);
}

std::array<std::int64_t, 5> AsArray(const ModelBalances& b) {
    return {b.points, b.points_held, b.status, b.cashback, b.cashback_held};
}

std::array<std::int64_t, 5> AsArray(const MemberBalances& b) {
    return {b.points.value(),
            b.points_held.value(),
            b.status.value(),
            b.cashback.value(),
            b.cashback_held.value()};
}

Asset PickAsset(int x) {
    if (x % 11 == 1) {
        return Asset::kStatus;
    }
    return x % 3 == 0 ? Asset::kCashback : Asset::kPoints;
}

// The ledger on an in-memory database, its clock, and the model, stepped together.
class Simulation {
public:
    Simulation() : clock_(testkit::TestEpoch()), model_(testkit::TestEpoch()) {
        RC_ASSERT(crypto::InitCrypto().has_value());
        auto opened = store::Open("sqlite::memory:");
        RC_ASSERT(opened.has_value());
        store_ = std::move(opened).value();
        ledger_ = std::make_unique<Ledger>(*store_, clock_);
        RC_ASSERT(ledger_->Setup().has_value());
        auto budget = Run(OpenBudget{"promo"});
        RC_ASSERT(budget.has_value());
        budget_ = budget->account;
        Expect("enrol m0", Run(EnrolMember{"m0"}), model_.Enrol("m0"));
        Expect("enrol m1", Run(EnrolMember{"m1"}), model_.Enrol("m1"));
    }

    // Runs one step on both sides. The buckets of op.kind weigh the kinds of command.
    void Step(const Op& op) {
        const int k = op.kind;
        if (k < 3) {
            StepEnrol(op);
        } else if (k < 23) {
            StepEarn(op);
        } else if (k < 33) {
            StepSpend(op);
        } else if (k < 43) {
            StepHold(op);
        } else if (k < 52) {
            StepCapture(op);
        } else if (k < 57) {
            const std::int64_t hold = PickHold(op.a).first;
            Expect(fmt::format("void hold {}", hold), Run(Void{EntryId(hold)}), model_.Void(hold));
        } else if (k < 69) {
            StepReverse(op);
        } else if (k < 75) {
            StepAdjust(op);
        } else if (k < 83) {
            StepTransfer(op);
        } else if (k < 89) {
            const Duration step = op.b % 2 == 0 ? Duration(std::chrono::hours(1 + op.a % 72))
                                                : Duration(std::chrono::days(1 + op.a % 200));
            clock_.Advance(step);
            model_.Advance(step);
            RC_LOG() << "advance to " << FormatRfc3339(clock_.Now()) << "\n";
        } else if (k < 94) {
            Expect("expire lots", Run(ExpireLots{}), model_.ExpireLots());
        } else if (k < 97) {
            Expect("void timed-out holds", Run(VoidTimedOutHolds{}), model_.VoidTimedOutHolds());
        } else {
            const std::int64_t amount = op.b % 500;
            Expect(fmt::format("fund budget {}", amount),
                   Run(FundBudget{budget_, Amount(amount)}),
                   model_.FundBudget(amount));
        }
        CompareBalances();
    }

    // The end state: lots, the budget and the journal agree with the model; Check is clean.
    void Finish() {
        for (std::size_t i = 0; i < model_.members(); ++i) {
            const int member = static_cast<int>(i);
            std::vector<std::pair<std::int64_t, std::int64_t>> expected;
            for (const auto& [remaining, expires_at] : model_.OpenLots(member)) {
                expected.emplace_back(remaining, ToMicros(expires_at));
            }
            auto rows = store_->LoadOpenLots(MemberAccount(Id(member), Asset::kPoints), 100'000);
            RC_ASSERT(rows.has_value());
            std::vector<std::pair<std::int64_t, std::int64_t>> actual;
            for (const store::LotRow& lot : *rows) {
                actual.emplace_back(lot.remaining.value(), ToMicros(lot.expires_at));
            }
            RC_ASSERT(actual == expected);
        }
        auto budget = store_->SumBalance(budget_);
        RC_ASSERT(budget.has_value() && budget->has_value());
        RC_ASSERT((*budget)->value() == model_.budget());
        auto report = Check(*store_);
        RC_ASSERT(report.has_value());
        for (const std::string& violation : report->violations) {
            RC_LOG() << "violation: " << violation << "\n";
        }
        RC_ASSERT(report->violations.empty());
        RC_ASSERT(report->entries == model_.next_entry() - 1);
    }

private:
    static MemberId Id(int member) { return MemberId(member + 1); }

    // A member index; one past the last member stands for an unknown member.
    int PickMember(int x) const { return x % (static_cast<int>(model_.members()) + 1); }

    // An existing hold and its amount, or (rarely, or when there is none) an id that is no hold.
    std::pair<std::int64_t, std::int64_t> PickHold(int x) const {
        const auto& holds = model_.holds();
        if (holds.empty() || x % 10 == 0) {
            return {model_.next_entry() + 1000, 40};
        }
        const ModelHold& hold = holds[static_cast<std::size_t>(x) % holds.size()];
        return {hold.id, hold.amount};
    }

    void StepEnrol(const Op& op) {
        const std::string id = fmt::format("m{}", op.a % static_cast<int>(kMembersMax));
        const MemberId expected(static_cast<std::int64_t>(model_.members()) + 1);
        const bool is_new = !model_.HasPublicId(id);
        auto outcome = Run(EnrolMember{id});
        Expect("enrol " + id, outcome, model_.Enrol(id));
        if (is_new && outcome) {
            RC_ASSERT(outcome->member == expected);
        }
    }

    void StepSpend(const Op& op) {
        const int member = PickMember(op.a);
        const Asset asset = PickAsset(op.c);
        const std::int64_t amount = op.b % 250;
        Spend spend{Id(member), asset, Amount(amount), Timestamp{}, ""};
        Expect(fmt::format("spend m{} {} {}", member, Name(asset), amount),
               Run(spend),
               model_.Spend(member, asset, amount));
    }

    void StepHold(const Op& op) {
        const int member = PickMember(op.a);
        const Asset asset = PickAsset(op.c);
        const std::int64_t amount = op.b % 250;
        const Duration timeout = std::chrono::hours(op.d % 800);
        Hold hold{Id(member), asset, Amount(amount), timeout, ""};
        Expect(fmt::format("hold m{} {} {} for {}h", member, Name(asset), amount, op.d % 800),
               Run(hold),
               model_.Hold(member, asset, amount, timeout));
    }

    void StepCapture(const Op& op) {
        const auto [hold, amount_max] = PickHold(op.a);
        std::optional<std::int64_t> amount;
        Capture capture{EntryId(hold), std::nullopt, ""};
        if (op.b % 3 != 0) {
            amount = op.b % (amount_max + 10);
            capture.amount = Amount(*amount);
        }
        Expect(fmt::format("capture {} of hold {}", amount.value_or(-1), hold),
               Run(capture),
               model_.Capture(hold, amount));
    }

    void StepAdjust(const Op& op) {
        const int member = PickMember(op.a);
        const Asset asset = kAssets[static_cast<std::size_t>(op.c % 3)];
        const std::int64_t delta = op.b % 200 - 60;
        Adjust adjust{Id(member), asset, Amount(delta), Timestamp{}, ""};
        Expect(fmt::format("adjust m{} {} {}", member, Name(asset), delta),
               Run(adjust),
               model_.Adjust(member, asset, delta));
    }

    void StepTransfer(const Op& op) {
        const int from = PickMember(op.a);
        const int to = PickMember(op.b);
        Asset asset = Asset::kPoints;
        if (op.c % 13 == 1) {
            asset = Asset::kStatus;
        } else if (op.c % 4 == 0) {
            asset = Asset::kCashback;
        }
        const std::int64_t amount = op.d % 200;
        Transfer transfer{Id(from), Id(to), asset, Amount(amount), ""};
        Expect(fmt::format("transfer m{} -> m{} {} {}", from, to, Name(asset), amount),
               Run(transfer),
               model_.Transfer(from, to, asset, amount));
    }

    void StepEarn(const Op& op) {
        const int member = PickMember(op.a);
        Earn earn;
        earn.member = Id(member);
        earn.points = Amount(op.b % 4 == 0 ? 0 : op.b % 300);
        earn.status = Amount(op.c % 3 == 0 ? op.c % 50 : 0);
        earn.cashback = Amount(op.d % 4 == 0 ? op.d % 500 : 0);
        if (op.d % 3 == 0) {
            earn.expires_at = clock_.Now() + std::chrono::days(1 + op.c % 400);
        }
        if (op.d % 5 == 1) {
            earn.effective_at = clock_.Now() - std::chrono::days(op.c % 400);
        }
        const bool from_budget = op.a % 5 == 0 && earn.points.is_positive();
        if (from_budget) {
            earn.budget_draws = {{budget_, earn.points}};
        }
        Expect(fmt::format("earn m{} points {} status {} cashback {}{}",
                           member,
                           earn.points.value(),
                           earn.status.value(),
                           earn.cashback.value(),
                           from_budget ? " from budget" : ""),
               Run(earn),
               model_.Earn(member,
                           earn.points.value(),
                           earn.status.value(),
                           earn.cashback.value(),
                           earn.effective_at,
                           earn.expires_at,
                           from_budget));
    }

    void StepReverse(const Op& op) {
        const std::int64_t original = 1 + op.a % model_.next_entry();
        std::int64_t whole = kWholes[static_cast<std::size_t>(op.c) % kWholes.size()];
        if (auto progress = model_.ProgressWhole(original); progress && op.d % 4 != 0) {
            whole = *progress;
        }
        const std::int64_t part = 1 + op.b % whole;
        Expect(fmt::format("reverse {}/{} of entry {}", part, whole, original),
               Run(Reverse{EntryId(original), part, whole, ""}),
               model_.Reverse(original, part, whole));
    }

    Result<Outcome> Run(Command command) {
        return ledger_->ExecuteNow(
            Request{"simulation", fmt::format("key-{}", next_key_++), std::move(command)});
    }

    // Checks an outcome against the model's prediction; `first_entry` is the id the model
    // expected the command's first entry to take.
    void Expect(const std::string& what, const Result<Outcome>& outcome, const Prediction& p) {
        const std::int64_t first_entry = model_.next_entry() - static_cast<std::int64_t>(p.entries);
        RC_LOG() << what << " -> " << Slug(outcome)
                 << (outcome ? "" : " (" + outcome.error().message + ")") << "\n";
        RC_ASSERT(Slug(outcome) == p.slug);
        if (!outcome) {
            return;
        }
        RC_ASSERT(!outcome->is_replay);
        RC_ASSERT(outcome->entries_written == p.entries);
        RC_ASSERT(outcome->entry.has_value() == (p.entries > 0));
        if (outcome->entry) {
            RC_ASSERT(outcome->entry->id.value() == first_entry);
        }
    }

    void CompareBalances() {
        for (std::size_t i = 0; i < model_.members(); ++i) {
            auto balances = ledger_->LoadBalances(Id(static_cast<int>(i)));
            RC_ASSERT(balances.has_value());
            RC_ASSERT(AsArray(*balances) == AsArray(model_.balances(i)));
        }
    }

    ManualClock clock_;
    Model model_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<Ledger> ledger_;
    AccountId budget_;
    int next_key_ = 0;
};

// Random command sequences agree with the reference model step by step and pass Check.
RC_GTEST_PROP(LedgerPropertyTest, RandomCommandsAgreeWithModel, ()) {
    // Up to 200 steps, whatever the size of the case, so that each case is a real workload;
    // a failing sequence shrinks by dropping steps.
    const auto ops = *rc::gen::resize(kStepsMax, rc::gen::container<std::vector<Op>>(GenOp()));
    Simulation simulation;
    for (const Op& op : ops) {
        simulation.Step(op);
    }
    simulation.Finish();
}

}  // namespace
}  // namespace candor::ledger
