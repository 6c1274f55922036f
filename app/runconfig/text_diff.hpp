// Line diff between two config texts (the selected run's and a pasted one), for showing what differs
// and for "copy diff" as unified-diff text. Pure logic: no UI, no database.
//
// Lines: the texts are split on '\n'; a final '\n' does not start an extra empty line, so "a" and
// "a\n" have the same lines (and diff as identical). A '\r' stays part of the line's text: the inputs
// are canonical serializations, so no line-ending normalisation is attempted.
//
// Algorithm: Myers' O(ND) diff in its linear-space form (middle snake, divide and conquer), after
// trimming the common head and tail and mapping lines to integer ids. Memory is O(N+M); time is
// O((N+M)·D) for edit distance D, so 20k lines with a few changes take a few milliseconds.
// Limit: when a region's edit distance exceeds maxEditDistance, that region is reported as "all its
// old lines removed, all its new lines added" (TextDiff::minimal becomes false). The result is then
// still a correct edit script, just not the shortest; this bounds the worst case (two unrelated 20k-line
// texts) to roughly maxEditDistance² / 2 steps: about 30 ms with the default cap.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace app {

struct DiffLine {
    enum class Kind { Same, Removed, Added };
    Kind kind;
    std::string text;
    int oldLine;  // 1-based line in the old text, 0 for Added
    int newLine;  // 1-based line in the new text, 0 for Removed
};

struct TextDiff {
    // Every line of both texts once, in order; within a run of changes, Removed lines come first.
    std::vector<DiffLine> lines;
    int added = 0;
    int removed = 0;
    bool minimal = true;  // false when the edit-distance cap replaced part of the diff (see above)
    bool identical() const { return added == 0 && removed == 0; }
};

constexpr int kDefaultMaxEditDistance = 4096;

TextDiff diffLines(std::string_view oldText, std::string_view newText,
                   int maxEditDistance = kDefaultMaxEditDistance);

// The parts of a diff worth showing: lines[begin, end) holds changes with up to `context` unchanged
// lines around them; hunks whose context would touch are merged (as `diff -u` does). The window's
// diff view and unifiedDiff() both draw from these.
struct DiffHunk {
    int begin = 0, end = 0;
};
std::vector<DiffHunk> diffHunks(const TextDiff& diff, int context = 3);

// Unified-diff text as `diff -u` / git write it: "--- oldName", "+++ newName", then hunks
// "@@ -a,b +c,d @@" (",1" omitted, a = line before the hunk when b is 0) with up to `context` unchanged
// lines around each change; hunks whose context would touch are merged. Empty when identical.
// No "\ No newline at end of file" markers: a final newline is not part of the lines (see above).
std::string unifiedDiff(const TextDiff& diff, const std::string& oldName, const std::string& newName,
                        int context = 3);

}  // namespace app
