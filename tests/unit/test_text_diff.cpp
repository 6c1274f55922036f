#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "app/runconfig/text_diff.hpp"

using app::DiffLine;
using app::TextDiff;
using Kind = app::DiffLine::Kind;

namespace {

std::vector<std::string> linesOf(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::string joinLines(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    return text;
}

// "S:a" / "-:b" / "+:c": the diff as one compact string per line, easy to compare.
std::vector<std::string> shape(const TextDiff& diff) {
    std::vector<std::string> out;
    for (const auto& line : diff.lines)
        out.push_back(std::string(line.kind == Kind::Same      ? "S:"
                                  : line.kind == Kind::Removed ? "-:"
                                                               : "+:") +
                      line.text);
    return out;
}

// Shortest edit distance by the textbook O(NM) LCS, for checking minimality on small inputs.
int editDistance(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::vector<std::vector<int>> lcs(a.size() + 1, std::vector<int>(b.size() + 1, 0));
    for (size_t i = 1; i <= a.size(); ++i)
        for (size_t j = 1; j <= b.size(); ++j)
            lcs[i][j] = a[i - 1] == b[j - 1] ? lcs[i - 1][j - 1] + 1 : std::max(lcs[i - 1][j], lcs[i][j - 1]);
    return static_cast<int>(a.size() + b.size()) - 2 * lcs[a.size()][b.size()];
}

// Everything a diff promises: both texts come back from it, in order, with consistent line numbers
// and counts, and a change run lists its removals before its additions.
void checkReconstructs(const TextDiff& diff, const std::string& oldText, const std::string& newText) {
    std::vector<std::string> oldLines, newLines;
    int added = 0, removed = 0;
    bool inAddedRun = false;
    for (const auto& line : diff.lines) {
        if (line.kind != Kind::Added) {
            oldLines.push_back(line.text);
            REQUIRE(line.oldLine == static_cast<int>(oldLines.size()));
        } else {
            REQUIRE(line.oldLine == 0);
        }
        if (line.kind != Kind::Removed) {
            newLines.push_back(line.text);
            REQUIRE(line.newLine == static_cast<int>(newLines.size()));
        } else {
            REQUIRE(line.newLine == 0);
        }
        added += line.kind == Kind::Added;
        removed += line.kind == Kind::Removed;
        REQUIRE_FALSE((inAddedRun && line.kind == Kind::Removed));
        inAddedRun = line.kind == Kind::Added;
    }
    CHECK(oldLines == linesOf(oldText));
    CHECK(newLines == linesOf(newText));
    CHECK(diff.added == added);
    CHECK(diff.removed == removed);
    CHECK(diff.identical() == (added == 0 && removed == 0));
}

std::string numberedLines(int count, const std::string& prefix) {
    std::string text;
    for (int i = 0; i < count; ++i) text += prefix + std::to_string(i) + " = " + std::to_string(i * 7) + "\n";
    return text;
}

}  // namespace

TEST_CASE("text_diff: empty and identical texts") {
    TextDiff none = app::diffLines("", "");
    CHECK(none.identical());
    CHECK(none.lines.empty());
    CHECK(app::unifiedDiff(none, "selected", "pasted") == "");

    const std::string text = "a\nb\nc\n";
    TextDiff same = app::diffLines(text, text);
    CHECK(same.identical());
    CHECK(same.minimal);
    CHECK(shape(same) == std::vector<std::string>{"S:a", "S:b", "S:c"});
    checkReconstructs(same, text, text);
    CHECK(app::unifiedDiff(same, "selected", "pasted") == "");
}

TEST_CASE("text_diff: empty against text adds or removes every line") {
    TextDiff added = app::diffLines("", "x\ny\n");
    CHECK(added.added == 2);
    CHECK(added.removed == 0);
    CHECK(shape(added) == std::vector<std::string>{"+:x", "+:y"});
    checkReconstructs(added, "", "x\ny\n");
    CHECK(app::unifiedDiff(added, "selected", "pasted") ==
          "--- selected\n+++ pasted\n@@ -0,0 +1,2 @@\n+x\n+y\n");

    TextDiff removed = app::diffLines("x\n", "");
    CHECK(shape(removed) == std::vector<std::string>{"-:x"});
    CHECK(app::unifiedDiff(removed, "a", "b") == "--- a\n+++ b\n@@ -1 +0,0 @@\n-x\n");
}

TEST_CASE("text_diff: line splitting rules") {
    // A final newline ends the last line instead of starting an empty one.
    CHECK(app::diffLines("a\nb", "a\nb\n").identical());
    CHECK(app::diffLines("a\n", "a\n\n").added == 1);  // "\n\n" is a line "a" then an empty line
    CHECK(shape(app::diffLines("", "\n")) == std::vector<std::string>{"+:"});
    // '\r' is content: the inputs are canonical, so a CRLF line differs from an LF one.
    TextDiff crlf = app::diffLines("a\r\nb\n", "a\nb\n");
    CHECK(shape(crlf) == std::vector<std::string>{"-:a\r", "+:a", "S:b"});
}

TEST_CASE("text_diff: one change in the middle, with line numbers") {
    TextDiff diff = app::diffLines("a\nb\nc\nd\ne\n", "a\nb\nC\nd\ne\n");
    CHECK(shape(diff) == std::vector<std::string>{"S:a", "S:b", "-:c", "+:C", "S:d", "S:e"});
    CHECK(diff.added == 1);
    CHECK(diff.removed == 1);
    CHECK_FALSE(diff.identical());
    const DiffLine& removed = diff.lines[2];
    CHECK(removed.oldLine == 3);
    CHECK(removed.newLine == 0);
    const DiffLine& added = diff.lines[3];
    CHECK(added.oldLine == 0);
    CHECK(added.newLine == 3);
    CHECK(diff.lines[4].oldLine == 4);
    CHECK(diff.lines[4].newLine == 4);
}

TEST_CASE("text_diff: inserts at start and end, deletes, line numbers shift") {
    TextDiff start = app::diffLines("a\nb\n", "new\na\nb\n");
    CHECK(shape(start) == std::vector<std::string>{"+:new", "S:a", "S:b"});
    CHECK(start.lines[1].oldLine == 1);
    CHECK(start.lines[1].newLine == 2);

    TextDiff end = app::diffLines("a\nb\n", "a\nb\nnew\n");
    CHECK(shape(end) == std::vector<std::string>{"S:a", "S:b", "+:new"});
    CHECK(end.lines[2].newLine == 3);

    TextDiff deleted = app::diffLines("a\nb\nc\nd\n", "a\nd\n");
    CHECK(shape(deleted) == std::vector<std::string>{"S:a", "-:b", "-:c", "S:d"});
    CHECK(deleted.lines[3].oldLine == 4);
    CHECK(deleted.lines[3].newLine == 2);
    CHECK(deleted.removed == 2);
}

TEST_CASE("text_diff: reorder and completely different texts") {
    TextDiff moved = app::diffLines("a\nb\nc\n", "c\na\nb\n");
    CHECK(shape(moved) == std::vector<std::string>{"+:c", "S:a", "S:b", "-:c"});
    checkReconstructs(moved, "a\nb\nc\n", "c\na\nb\n");

    TextDiff different = app::diffLines("a\nb\nc\n", "x\ny\n");
    CHECK(shape(different) == std::vector<std::string>{"-:a", "-:b", "-:c", "+:x", "+:y"});
    CHECK(different.minimal);
}

TEST_CASE("text_diff: unified output matches diff -u") {
    const std::string oldText = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\n";
    const std::string newText = "a\nb\nc\nd\nE\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np\n";
    TextDiff diff = app::diffLines(oldText, newText);
    CHECK(app::unifiedDiff(diff, "selected", "pasted") ==
          "--- selected\n+++ pasted\n"
          "@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
          "@@ -13,3 +13,4 @@\n m\n n\n o\n+p\n");
    // With more context the two hunks touch and merge into one.
    CHECK(app::unifiedDiff(diff, "selected", "pasted", 5) ==
          "--- selected\n+++ pasted\n"
          "@@ -1,15 +1,16 @@\n a\n b\n c\n d\n-e\n+E\n f\n g\n h\n i\n j\n k\n l\n m\n n\n o\n+p\n");
    // No context: an insertion names the line it follows; one-line ranges drop ",1".
    CHECK(app::unifiedDiff(diff, "s", "p", 0) == "--- s\n+++ p\n@@ -5 +5 @@\n-e\n+E\n@@ -15,0 +16 @@\n+p\n");
}

TEST_CASE("text_diff: randomized edits reconstruct both texts with a minimal script") {
    std::mt19937 rng(20240611);
    auto pick = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (int round = 0; round < 500; ++round) {
        CAPTURE(round);
        // Few distinct lines make many equal lines, which is where diffs go wrong.
        const int alphabet = pick(1, 8);
        std::vector<std::string> oldLines(static_cast<size_t>(pick(0, 40)));
        for (auto& line : oldLines) line = "line " + std::to_string(pick(0, alphabet - 1));
        std::vector<std::string> newLines = oldLines;
        for (int edits = pick(0, 12); edits > 0; --edits) {
            const int op = pick(0, 2);
            if (op == 0 || newLines.empty()) {
                newLines.insert(newLines.begin() + pick(0, static_cast<int>(newLines.size())),
                                "line " + std::to_string(pick(0, alphabet)));
            } else if (op == 1) {
                newLines.erase(newLines.begin() + pick(0, static_cast<int>(newLines.size()) - 1));
            } else {
                newLines[static_cast<size_t>(pick(0, static_cast<int>(newLines.size()) - 1))] += "'";
            }
        }
        const std::string oldText = joinLines(oldLines), newText = joinLines(newLines);
        CAPTURE(oldText);
        CAPTURE(newText);
        TextDiff diff = app::diffLines(oldText, newText);
        checkReconstructs(diff, oldText, newText);
        CHECK(diff.minimal);
        CHECK(diff.added + diff.removed == editDistance(oldLines, newLines));
    }
}

TEST_CASE("text_diff: beyond the edit-distance cap the middle is replaced whole but stays correct") {
    // Common head and tail survive; only the differing middle becomes remove-all, add-all.
    const std::string oldText = "head\na\nb\nc\nd\ntail\n", newText = "head\nb\nx\nd\ny\ntail\n";
    TextDiff capped = app::diffLines(oldText, newText, 2);
    CHECK_FALSE(capped.minimal);
    CHECK(shape(capped) == std::vector<std::string>{"S:head", "-:a", "-:b", "-:c", "-:d", "+:b", "+:x", "+:d",
                                                    "+:y", "S:tail"});
    checkReconstructs(capped, oldText, newText);
    TextDiff exact = app::diffLines(oldText, newText);
    CHECK(exact.minimal);
    CHECK(exact.added + exact.removed == 4);

    // Two unrelated large texts: the bounded search gives up quickly instead of taking seconds.
    const std::string left = numberedLines(20000, "left_"), right = numberedLines(20000, "right_");
    const auto started = std::chrono::steady_clock::now();
    TextDiff unrelated = app::diffLines(left, right);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    MESSAGE("20k vs unrelated 20k lines: " << ms << " ms");
    CHECK_FALSE(unrelated.minimal);
    CHECK(unrelated.removed == 20000);
    CHECK(unrelated.added == 20000);
    checkReconstructs(unrelated, left, right);
    CHECK(ms < 2000);
}

TEST_CASE("text_diff: 20k lines with 10 changes stay fast") {
    std::vector<std::string> oldLines = linesOf(numberedLines(20000, "key_"));
    std::vector<std::string> newLines = oldLines;
    for (int i = 0; i < 5; ++i) newLines[static_cast<size_t>(1000 + i * 3700)] += " # edited";
    for (int i = 0; i < 5; ++i)
        newLines.insert(newLines.begin() + 2500 + i * 3000, "inserted " + std::to_string(i));
    const std::string oldText = joinLines(oldLines), newText = joinLines(newLines);

    const auto started = std::chrono::steady_clock::now();
    TextDiff diff = app::diffLines(oldText, newText);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    MESSAGE("20k lines, 10 changes: " << ms << " ms");
    CHECK(diff.minimal);
    CHECK(diff.removed == 5);
    CHECK(diff.added == 10);
    checkReconstructs(diff, oldText, newText);
    CHECK(ms < 2000);
}
