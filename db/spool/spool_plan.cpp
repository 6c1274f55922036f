#include "db/spool/spool_plan.hpp"

#include <algorithm>
#include <string_view>

namespace db {

namespace {

// 23505 ledger rows ride along with the next batch; a file of duplicates has no next commit, so
// this many are flushed on their own.
constexpr size_t kAlreadyPresentFlush = 256;

}  // namespace

bool isMergeable(const SpoolInsert& insert) {
    if (insert.onConflictDoNothing) return false;
    for (const auto& row : insert.rows)
        for (const SpoolValue& value : row)
            if (value.kind == SpoolValue::Kind::Clock) return false;
    return true;
}

InsertForms insertForms(const SpoolInsert& insert, const CopyTargets* copy) {
    InsertForms forms;
    if (!isMergeable(insert)) return forms;
    forms.mergeable = InsertForms::Mergeable{insert.head, insert.rowsText};
    const CopyTarget* target = copy ? copy->find(insert) : nullptr;
    std::string lines;
    if (target && appendCopyLines(insert.rows, target->columns, copy->casts, lines))
        forms.copy = InsertForms::CopyRows{
            target, std::move(lines),
            copyRowKeys(insert.rows, target->table.relation, target->attnums, copy->links)};
    return forms;
}

const BatchStatements& batchStatements(const SpoolBatch& batch) {
    return std::visit([](const auto& b) -> const BatchStatements& { return b; }, batch);
}

SpoolBatchPlanner::SpoolBatchPlanner(const std::vector<SqlStatement>& statements,
                                     std::vector<std::string> hashes, SpoolBatchLimits limits,
                                     SpoolFileReport& counts)
    : statements_(statements),
      hashes_(std::move(hashes)),
      limits_{std::max<size_t>(1, limits.statements), limits.bytes},
      counts_(counts),
      fate_(statements.size(), Fate::Pending),
      forms_(statements.size()),
      limit_(limits_.statements),
      readyEnd_(statements.size()) {}

bool SpoolBatchPlanner::wantsMoreReady() const {
    if (readyEnd_ >= fate_.size()) return false;
    size_t ready = 0;
    for (size_t i = cursor_; i < readyEnd_ && ready <= limit_; ++i) ready += fate_[i] == Fate::Pending;
    return ready <= limit_;  // one more than a batch: a COPY run's end is seen
}

std::vector<size_t> SpoolBatchPlanner::pending() const {
    std::vector<size_t> out;
    for (size_t i = 0; i < fate_.size(); ++i)
        if (fate_[i] == Fate::Pending) out.push_back(i);
    return out;
}

void SpoolBatchPlanner::foundInLedger(size_t i) {
    if (fate_[i] != Fate::Pending) return;
    fate_[i] = Fate::AlreadyApplied;
    ++counts_.alreadyApplied;
}

void SpoolBatchPlanner::refuse(size_t i) {
    fate_[i] = Fate::Quarantined;
    ++counts_.quarantined;
}

void SpoolBatchPlanner::allow(size_t i, InsertForms forms) {
    forms_[i] = std::move(forms);
}

// The first pending statement from the cursor; repeats of statements this run committed on the
// way there are marked already applied (next() would skip them as well).
size_t SpoolBatchPlanner::firstPending() {
    size_t i = cursor_;
    for (; i < readyEnd_; ++i) {
        if (fate_[i] != Fate::Pending) continue;
        if (!committed_.count(hashes_[i])) break;
        fate_[i] = Fate::AlreadyApplied;
        ++counts_.alreadyApplied;
    }
    return i;
}

bool SpoolBatchPlanner::copyable(size_t i) const {
    return i < readyEnd_ && i >= copyFrom_ && forms_[i].copy;
}

// Adds statement i's rows to the COPY batch as its statement `position`, in the command the layout
// chooses; false when it must go as INSERT.
bool SpoolBatchPlanner::addToCopy(CopyBatch& batch, CopyBatchLayout& layout, size_t i, size_t position) {
    const auto& copy = forms_[i].copy;
    if (!copy) return false;
    const auto placed = layout.place(copy->target, copy->target->table, copy->keys);
    if (placed.created) batch.commands.push_back(CopyCommand{{}, copy->target, {}});
    CopyCommand& command = batch.commands[placed.command];
    command.statements.push_back(position);
    command.data += copy->lines;
    return true;
}

// One command per statement, or, when merging, one per run of mergeable INSERTs with the same head.
void SpoolBatchPlanner::groupCommands(PipelineBatch& batch, bool merge) const {
    const auto& st = batch.statements;
    for (size_t from = 0; from < st.size();) {
        const auto& head = forms_[st[from]].mergeable;
        size_t to = from + 1;
        while (merge && head && to < st.size() && forms_[st[to]].mergeable &&
               forms_[st[to]].mergeable->head == head->head)
            ++to;
        PipelineCommand command{from, to, {}};
        if (to - from == 1) {
            command.sql = statements_[st[from]].text;
        } else {
            command.sql = head->head;
            for (size_t k = from; k < to; ++k)
                (command.sql += k == from ? " " : ", ") += forms_[st[k]].mergeable->rows;
        }
        batch.commands.push_back(std::move(command));
        from = to;
    }
}

// The next statements in file order, marked in flight. A COPY batch when the first pending
// statement can go as COPY.
std::optional<SpoolBatch> SpoolBatchPlanner::next(const std::vector<const PipelineBatch*>& inFlight) {
    while (cursor_ < fate_.size() && fate_[cursor_] != Fate::Pending && fate_[cursor_] != Fate::InFlight)
        ++cursor_;
    const bool copy = merge_ && copyable(firstPending());
    if (copy && !inFlight.empty()) return std::nullopt;
    const bool merge = merge_;
    merge_ = true;
    std::unordered_set<std::string_view> taken;  // a repeat waits until the first one settled
    for (const PipelineBatch* batch : inFlight) {
        for (size_t i : batch->statements) taken.insert(hashes_[i]);
        for (size_t i : batch->alreadyPresent) taken.insert(hashes_[i]);
    }
    for (size_t i : alreadyPresent_) taken.insert(hashes_[i]);
    BatchStatements rows;
    rows.alreadyPresent.swap(alreadyPresent_);
    if (rows.alreadyPresent.size() >= kAlreadyPresentFlush) return PipelineBatch{std::move(rows), {}};

    CopyBatch copyBatch;
    CopyBatchLayout layout;
    size_t bytes = 0;
    for (size_t i = cursor_; i < readyEnd_ && rows.statements.size() < limit_; ++i) {
        if (fate_[i] != Fate::Pending) continue;
        if (committed_.count(hashes_[i])) {  // the same statement earlier in this run
            fate_[i] = Fate::AlreadyApplied;
            ++counts_.alreadyApplied;
            continue;
        }
        if (taken.count(hashes_[i])) break;
        if (!rows.statements.empty() && bytes + statements_[i].text.size() > limits_.bytes) break;
        if (copy ? !addToCopy(copyBatch, layout, i, rows.statements.size())
                 : merge && !rows.statements.empty() && copyable(i))
            break;
        rows.statements.push_back(i);
        taken.insert(hashes_[i]);
        bytes += statements_[i].text.size();
        fate_[i] = Fate::InFlight;
    }
    if (rows.statements.empty() && rows.alreadyPresent.empty()) return std::nullopt;
    if (copy) {
        static_cast<BatchStatements&>(copyBatch) = std::move(rows);
        return copyBatch;
    }
    PipelineBatch batch{std::move(rows), {}};
    groupCommands(batch, merge);
    return batch;
}

std::optional<SettledFailure> SpoolBatchPlanner::settle(const SpoolBatch& batch, const BatchResult& result) {
    const BatchStatements& rows = batchStatements(batch);
    if (std::holds_alternative<BatchCommitted>(result)) {
        for (size_t i : rows.statements) {
            fate_[i] = Fate::Applied;
            committed_.insert(hashes_[i]);
        }
        for (size_t i : rows.alreadyPresent) committed_.insert(hashes_[i]);
        counts_.applied += static_cast<long long>(rows.statements.size());
        limit_ = std::min(limit_ * 2, limits_.statements);
        return std::nullopt;
    }
    // Nothing of this batch was committed: its statements are pending again unless settled below.
    for (size_t i : rows.statements)
        if (fate_[i] == Fate::InFlight) fate_[i] = Fate::Pending;
    alreadyPresent_.insert(alreadyPresent_.end(), rows.alreadyPresent.begin(), rows.alreadyPresent.end());

    if (const auto* failed = std::get_if<BatchCommandFailed>(&result)) {
        if (std::holds_alternative<CopyBatch>(batch)) {  // the same statements again as INSERTs
            copyFrom_ = std::max(copyFrom_, rows.statements.back() + 1);
            return std::nullopt;
        }
        const PipelineCommand& command = std::get<PipelineBatch>(batch).commands.at(failed->command);
        if (command.to - command.from > 1) {
            merge_ = false;  // a merged INSERT failed: the same statements again, one by one
            return std::nullopt;
        }
        auto settled = resolve(rows.statements[command.from], failed->error);
        limit_ = std::max<size_t>(1, command.from);  // the statements before it, as the next batch
        return settled;
    }
    if (std::holds_alternative<BatchLedgerRowsTaken>(result)) {
        readLedger_ = true;  // the ledger is right: the statements it holds are done
        return std::nullopt;
    }
    if (const auto* failed = std::get_if<BatchCommitFailed>(&result)) {
        std::optional<SettledFailure> settled;
        if (rows.statements.size() == 1) settled = resolve(rows.statements[0], failed->error);
        limit_ = 1;  // find the culprit one statement at a time
        return settled;
    }
    return std::nullopt;  // BatchBehindFailure: planned again as it was
}

std::optional<SettledFailure> SpoolBatchPlanner::resolve(size_t i, const DbError& error) {
    const SpoolErrorClass settledAs = classifySpoolError(error);
    switch (settledAs) {
        case SpoolErrorClass::AlreadyPresent:
            fate_[i] = Fate::AlreadyApplied;
            ++counts_.alreadyApplied;
            alreadyPresent_.push_back(i);  // its ledger row commits with the next batch
            break;
        case SpoolErrorClass::Deferred:
            fate_[i] = Fate::Deferred;
            ++counts_.deferred;
            break;
        case SpoolErrorClass::Quarantined:
            fate_[i] = Fate::Quarantined;
            ++counts_.quarantined;
            break;
        case SpoolErrorClass::Stop:
            break;
    }
    return SettledFailure{i, settledAs, error};
}

bool SpoolBatchPlanner::allSettled() const {
    return std::find(fate_.begin(), fate_.end(), Fate::Pending) == fate_.end();
}

std::vector<bool> SpoolBatchPlanner::finish() {
    std::vector<bool> keep;
    keep.reserve(fate_.size());
    for (Fate f : fate_) {
        const bool unsettled = f == Fate::Pending || f == Fate::InFlight;
        counts_.notReached += unsettled;
        keep.push_back(unsettled || f == Fate::Deferred);
    }
    return keep;
}

}  // namespace db
