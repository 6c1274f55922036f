#include "app/runconfig/text_diff.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace app {

namespace {

std::vector<std::string_view> splitLines(std::string_view text) {
    std::vector<std::string_view> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// One step of the edit script, by 0-based line index (-1 where absent).
struct EditOp {
    DiffLine::Kind kind;
    int oldIndex;
    int newIndex;
};

// Myers' linear-space diff over lines mapped to integer ids. Coordinates inside a box are relative:
// x counts old lines, y new lines, diagonal k = x - y.
class MyersDiff {
  public:
    MyersDiff(std::vector<int> a, std::vector<int> b, int maxEditDistance)
        : a_(std::move(a)), b_(std::move(b)), maxEditDistance_(maxEditDistance) {
        const size_t diagonals = a_.size() + b_.size() + 3;
        forward_.assign(diagonals, kUnreached);
        backward_.assign(diagonals, kUnreached);
        diagonalOffset_ = static_cast<int>(b_.size()) + 1;
    }

    std::vector<EditOp> run() {
        diffBox(0, static_cast<int>(a_.size()), 0, static_cast<int>(b_.size()));
        return std::move(ops_);
    }
    bool minimal() const { return minimal_; }

  private:
    static constexpr int kUnreached = -1;

    struct Snake {
        int x0, y0, x1, y1;
    };

    void same(int oldIndex, int newIndex) { ops_.push_back({DiffLine::Kind::Same, oldIndex, newIndex}); }
    void removeAll(int aLo, int aHi) {
        for (int i = aLo; i < aHi; ++i) ops_.push_back({DiffLine::Kind::Removed, i, -1});
    }
    void addAll(int bLo, int bHi) {
        for (int j = bLo; j < bHi; ++j) ops_.push_back({DiffLine::Kind::Added, -1, j});
    }

    void diffBox(int aLo, int aHi, int bLo, int bHi) {
        while (aLo < aHi && bLo < bHi && a_[aLo] == b_[bLo]) same(aLo++, bLo++);
        int tail = 0;
        while (aLo < aHi - tail && bLo < bHi - tail && a_[aHi - tail - 1] == b_[bHi - tail - 1]) ++tail;
        aHi -= tail;
        bHi -= tail;

        const int n = aHi - aLo, m = bHi - bLo;
        Snake s{};
        if (n == 0 || m == 0) {
            removeAll(aLo, aHi);
            addAll(bLo, bHi);
        } else if (!middleSnake(aLo, aHi, bLo, bHi, s) || (s.x0 == n && s.y0 == m) ||
                   (s.x1 == 0 && s.y1 == 0)) {
            // Too far apart (or, defensively, no progress): a correct but not minimal script.
            minimal_ = false;
            removeAll(aLo, aHi);
            addAll(bLo, bHi);
        } else {
            diffBox(aLo, aLo + s.x0, bLo, bLo + s.y0);
            for (int i = 0; i < s.x1 - s.x0; ++i) same(aLo + s.x0 + i, bLo + s.y0 + i);
            diffBox(aLo + s.x1, aHi, bLo + s.y1, bHi);
        }
        for (int i = 0; i < tail; ++i) same(aHi + i, bHi + i);
    }

    // Furthest-reaching D-paths from both corners until they overlap (Myers 1986, section 4b). The
    // backward search is the forward one on the reversed box, so one step function serves both.
    bool middleSnake(int aLo, int aHi, int bLo, int bHi, Snake& out) {
        const int n = aHi - aLo, m = bHi - bLo, delta = n - m;
        const bool oddDelta = (delta & 1) != 0;
        int* vf = forward_.data() + diagonalOffset_;
        int* vb = backward_.data() + diagonalOffset_;
        std::fill(vf - m - 1, vf + n + 2, kUnreached);
        std::fill(vb - m - 1, vb + n + 2, kUnreached);

        auto forwardEqual = [&](int x, int y) { return a_[aLo + x] == b_[bLo + y]; };
        auto backwardEqual = [&](int x, int y) { return a_[aHi - 1 - x] == b_[bHi - 1 - y]; };

        for (int d = 0; 2 * d - 1 <= maxEditDistance_; ++d) {
            int found = step(vf, d, n, m, forwardEqual, [&](int k, int xStart, int x) {
                if (!oddDelta || vb[delta - k] < 0 || x + vb[delta - k] < n) return false;
                out = {xStart, xStart - k, x, x - k};
                return true;
            });
            if (found) return true;
            if (2 * d > maxEditDistance_) break;
            found = step(vb, d, n, m, backwardEqual, [&](int k, int xStart, int x) {
                if (oddDelta || vf[delta - k] < 0 || x + vf[delta - k] < n) return false;
                out = {n - x, m - (x - k), n - xStart, m - (xStart - k)};
                return true;
            });
            if (found) return true;
        }
        return false;
    }

    // Extends every d-path on the diagonals that stay inside the n×m box; `overlaps` is asked about
    // each new end point and stops the step when it says the two searches met.
    template <typename Equal, typename Overlaps>
    static bool step(int* v, int d, int n, int m, Equal equal, Overlaps overlaps) {
        int kLo = std::max(-d, -m), kHi = std::min(d, n);
        if (((kLo + d) & 1) != 0) ++kLo;
        if (((kHi + d) & 1) != 0) --kHi;
        for (int k = kLo; k <= kHi; k += 2) {
            int x = 0;
            if (d > 0) {
                const int down = v[k + 1];       // insertion: y + 1
                const int right = v[k - 1] + 1;  // deletion: x + 1
                const bool downOk = down >= 0 && down - k <= m;
                const bool rightOk = v[k - 1] >= 0 && right <= n;
                if (!downOk && !rightOk) {
                    v[k] = kUnreached;
                    continue;
                }
                x = !downOk ? right : !rightOk ? down : std::max(down, right);
            }
            const int xStart = x;
            int y = x - k;
            while (x < n && y < m && equal(x, y)) ++x, ++y;
            v[k] = x;
            if (overlaps(k, xStart, x)) return true;
        }
        return false;
    }

    std::vector<int> a_, b_;
    int maxEditDistance_;
    std::vector<int> forward_, backward_;
    int diagonalOffset_ = 0;
    std::vector<EditOp> ops_;
    bool minimal_ = true;
};

// Equal lines get equal ids, so the search compares ints instead of strings.
std::pair<std::vector<int>, std::vector<int>> lineIds(const std::vector<std::string_view>& oldLines,
                                                      const std::vector<std::string_view>& newLines) {
    std::unordered_map<std::string_view, int> ids;
    ids.reserve(oldLines.size() + newLines.size());
    auto idsOf = [&ids](const std::vector<std::string_view>& lines) {
        std::vector<int> out;
        out.reserve(lines.size());
        for (auto line : lines) out.push_back(ids.emplace(line, static_cast<int>(ids.size())).first->second);
        return out;
    };
    auto oldIds = idsOf(oldLines);
    auto newIds = idsOf(newLines);
    return {std::move(oldIds), std::move(newIds)};
}

std::string hunkRange(int linesBefore, int count) {
    // As diff -u writes it: "start" alone for one line; an empty range names the line before it.
    std::string start = std::to_string(count == 0 ? linesBefore : linesBefore + 1);
    return count == 1 ? start : start + "," + std::to_string(count);
}

}  // namespace

TextDiff diffLines(std::string_view oldText, std::string_view newText, int maxEditDistance) {
    const auto oldLines = splitLines(oldText);
    const auto newLines = splitLines(newText);
    auto [oldIds, newIds] = lineIds(oldLines, newLines);
    MyersDiff myers(std::move(oldIds), std::move(newIds), maxEditDistance);
    const std::vector<EditOp> ops = myers.run();

    TextDiff diff;
    diff.minimal = myers.minimal();
    diff.lines.reserve(ops.size());
    // Within a run of changes, removals first, as unified diffs show them.
    std::vector<int> removedRun, addedRun;
    auto flush = [&] {
        for (int i : removedRun)
            diff.lines.push_back({DiffLine::Kind::Removed, std::string(oldLines[i]), i + 1, 0});
        for (int j : addedRun)
            diff.lines.push_back({DiffLine::Kind::Added, std::string(newLines[j]), 0, j + 1});
        diff.removed += static_cast<int>(removedRun.size());
        diff.added += static_cast<int>(addedRun.size());
        removedRun.clear();
        addedRun.clear();
    };
    for (const EditOp& op : ops) {
        if (op.kind == DiffLine::Kind::Removed) {
            removedRun.push_back(op.oldIndex);
        } else if (op.kind == DiffLine::Kind::Added) {
            addedRun.push_back(op.newIndex);
        } else {
            flush();
            diff.lines.push_back(
                {DiffLine::Kind::Same, std::string(oldLines[op.oldIndex]), op.oldIndex + 1, op.newIndex + 1});
        }
    }
    flush();
    return diff;
}

std::vector<DiffHunk> diffHunks(const TextDiff& diff, int context) {
    context = std::max(context, 0);
    const auto& lines = diff.lines;
    const int total = static_cast<int>(lines.size());
    auto isChange = [&](int i) { return lines[i].kind != DiffLine::Kind::Same; };
    std::vector<DiffHunk> hunks;
    int i = 0;
    while (true) {
        while (i < total && !isChange(i)) ++i;
        if (i == total) break;
        const int start = std::max(i - context, 0);
        // Extend over changes whose gap of unchanged lines is at most 2·context.
        int lastChange = i;
        for (int j = i + 1; j < total && j - lastChange <= 2 * context + 1; ++j)
            if (isChange(j)) lastChange = j;
        const int end = std::min(lastChange + 1 + context, total);
        hunks.push_back({start, end});
        i = end;
    }
    return hunks;
}

std::string unifiedDiff(const TextDiff& diff, const std::string& oldName, const std::string& newName,
                        int context) {
    if (diff.identical()) return "";
    const auto& lines = diff.lines;
    std::string out = "--- " + oldName + "\n+++ " + newName + "\n";
    int oldBefore = 0, newBefore = 0;  // old/new lines in lines[0, cursor)
    int cursor = 0;
    for (const DiffHunk& hunk : diffHunks(diff, context)) {
        for (; cursor < hunk.begin; ++cursor) {
            oldBefore += lines[cursor].kind != DiffLine::Kind::Added;
            newBefore += lines[cursor].kind != DiffLine::Kind::Removed;
        }
        int oldCount = 0, newCount = 0;
        std::string body;
        for (int j = hunk.begin; j < hunk.end; ++j) {
            const DiffLine& line = lines[j];
            const char marker = line.kind == DiffLine::Kind::Same      ? ' '
                                : line.kind == DiffLine::Kind::Removed ? '-'
                                                                       : '+';
            oldCount += line.kind != DiffLine::Kind::Added;
            newCount += line.kind != DiffLine::Kind::Removed;
            body += marker;
            body += line.text;
            body += '\n';
        }
        out += "@@ -" + hunkRange(oldBefore, oldCount) + " +" + hunkRange(newBefore, newCount) + " @@\n";
        out += body;
    }
    return out;
}

}  // namespace app
