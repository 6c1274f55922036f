#include "db/spool/sql_splitter.hpp"

#include "db/spool/sql_lexer.hpp"

#include <algorithm>
#include <optional>
#include <utility>

namespace db {

namespace {

using namespace sqllex;

std::string_view trimRight(std::string_view s) {
    while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
    return s;
}

const char* cutOffReason(SqlTokenKind token) {
    switch (token) {
        case SqlTokenKind::QuotedIdentifier:
        case SqlTokenKind::UnicodeIdentifier:
            return "unterminated quoted identifier";
        case SqlTokenKind::DollarString:
            return "unterminated dollar-quoted string";
        default:
            return "unterminated quoted string";
    }
}

bool isNameToken(SqlTokenKind k) {
    return k == SqlTokenKind::Word || k == SqlTokenKind::QuotedIdentifier;
}

// One pass over the script, counting lines.
class Scanner {
  public:
    explicit Scanner(std::string_view script) : s_(script) {}

    SqlSplit run() {
        SqlSplit out;
        const size_t n = s_.size();
        size_t i = 0;
        while (i < n) {
            const char c = s_[i];
            if (isSpace(c)) {
                i = advance(i, i + 1);
                continue;
            }
            if (c == ';' && depth_ == 0) {
                if (start_ != npos)
                    emit(out, i);
                else
                    first_ = npos;  // an empty statement: comments before it are dropped with it
                i = advance(i, i + 1);
                continue;
            }
            noteFirst(i);
            if (c == '-' && at(s_, i + 1) == '-') {
                i = endOfLineComment(s_, i);
                continue;
            }
            if (c == '/' && at(s_, i + 1) == '*') {
                size_t end = endOfBlockComment(s_, i);
                if (end == npos) return finish(std::move(out), "unterminated /* comment");
                i = advance(i, end);
                continue;
            }
            if (start_ == npos) {
                start_ = i;
                startLine_ = line_;
            }
            if (c == '(') ++depth_;
            if (c == ')' && depth_ > 0) --depth_;
            size_t end = npos;
            SqlTokenKind token = scanToken(s_, i, end);
            if (end == npos) return finish(std::move(out), cutOffReason(token));
            i = advance(i, end);
        }
        return finish(std::move(out), depth_ > 0 ? "no terminating semicolon (unbalanced parentheses)"
                                                 : "no terminating semicolon");
    }

  private:
    // Advances to `to`, counting the lines in between.
    size_t advance(size_t from, size_t to) {
        line_ += static_cast<int>(std::count(s_.begin() + from, s_.begin() + to, '\n'));
        return to;
    }

    void noteFirst(size_t i) {
        if (first_ != npos) return;
        first_ = i;
        firstLine_ = line_;
    }

    void emit(SqlSplit& out, size_t semicolon) {
        SqlStatement st;
        st.text = std::string(s_.substr(start_, semicolon + 1 - start_));
        st.leading = std::string(trimRight(s_.substr(first_, start_ - first_)));
        st.line = startLine_;
        out.statements.push_back(std::move(st));
        start_ = npos;
        first_ = npos;
        depth_ = 0;
    }

    // End of the script: whatever started after the last ';' and is more than complete comments is
    // an incomplete tail.
    SqlSplit finish(SqlSplit out, const std::string& reason) {
        bool cutInside = reason.rfind("unterminated", 0) == 0;
        if (first_ != npos && (start_ != npos || cutInside))
            out.tail = SqlIncompleteTail{std::string(s_.substr(first_)), firstLine_, reason};
        return out;
    }

    std::string_view s_;
    int line_ = 1;
    int depth_ = 0;
    size_t first_ = npos;  // first non-whitespace byte since the previous statement (a comment too)
    int firstLine_ = 0;
    size_t start_ = npos;  // first byte of the current statement
    int startLine_ = 0;
};

bool sameWord(std::string_view a, const char* upper) {
    size_t k = 0;
    for (; k < a.size() && upper[k]; ++k)
        if ((a[k] >= 'a' && a[k] <= 'z' ? a[k] - 'a' + 'A' : a[k]) != upper[k]) return false;
    return k == a.size() && !upper[k];
}

// Walks the significant tokens of one statement; a comment or a cut-off token ends the walk as Bad.
class TokenWalk {
  public:
    enum Step { Bad = -1, End = 0, Next = 1 };
    explicit TokenWalk(std::string_view s) : s_(s) {}

    Step next() {
        while (pos_ < s_.size() && isSpace(s_[pos_])) ++pos_;
        if (pos_ >= s_.size()) return End;
        if ((s_[pos_] == '-' && at(s_, pos_ + 1) == '-') || (s_[pos_] == '/' && at(s_, pos_ + 1) == '*'))
            return Bad;
        start_ = pos_;
        token_ = scanToken(s_, pos_, end_);
        if (end_ == npos) return Bad;
        pos_ = end_;
        return Next;
    }
    bool isWord(const char* upper) const {
        return token_ == SqlTokenKind::Word && sameWord(s_.substr(start_, end_ - start_), upper);
    }
    bool isName() const { return isNameToken(token_); }
    // A one-character operator or punctuation mark.
    bool is(char c) const {
        return (token_ == SqlTokenKind::Punct || token_ == SqlTokenKind::Operator) && end_ == start_ + 1 &&
               s_[start_] == c;
    }
    bool isCast() const { return token_ == SqlTokenKind::Punct && end_ == start_ + 2 && s_[start_] == ':'; }
    SqlTokenKind token() const { return token_; }
    size_t start() const { return start_; }
    size_t end() const { return end_; }

  private:
    std::string_view s_;
    size_t pos_ = 0, start_ = 0, end_ = 0;
    SqlTokenKind token_ = SqlTokenKind::Punct;
};

}  // namespace

SqlSplit splitSqlStatements(std::string_view script) {
    Scanner scanner(script);
    return scanner.run();
}

std::optional<InsertValuesParts> insertValuesParts(std::string_view statementText) {
    std::string_view s = statementText;
    if (s.empty() || s.back() != ';') return std::nullopt;
    s.remove_suffix(1);
    TokenWalk walk(s);
    using Step = TokenWalk::Step;
    if (walk.next() != Step::Next || !walk.isWord("INSERT")) return std::nullopt;
    if (walk.next() != Step::Next || !walk.isWord("INTO")) return std::nullopt;
    // The table: name(.name)*, then an optional column list of names.
    do {
        if (walk.next() != Step::Next || !walk.isName()) return std::nullopt;
    } while (walk.next() == Step::Next && walk.is('.'));
    if (walk.is('(')) {
        do {
            if (walk.next() != Step::Next || !walk.isName()) return std::nullopt;
        } while (walk.next() == Step::Next && walk.is(','));
        if (!walk.is(')') || walk.next() != Step::Next) return std::nullopt;
    }
    if (!walk.isWord("VALUES")) return std::nullopt;
    const size_t headEnd = walk.end();
    size_t rowsStart = std::string_view::npos, rowsEnd = 0;
    while (true) {  // (row)[, (row)]... and then the end: no RETURNING, ON CONFLICT, comment
        if (walk.next() != Step::Next || !walk.is('(')) return std::nullopt;
        if (rowsStart == std::string_view::npos) rowsStart = walk.start();
        // Constants only: literals, numbers, NULL/TRUE/FALSE/DEFAULT, operators and ::casts. A
        // function call or subquery could read what an earlier row of a merged INSERT wrote.
        bool typeName = false;  // just after "::": the words that follow name a type
        for (int depth = 1; depth > 0;) {
            if (walk.next() != Step::Next || walk.is(';') || walk.token() == SqlTokenKind::Parameter)
                return std::nullopt;
            if (walk.token() == SqlTokenKind::QuotedIdentifier) {  // only as a type name: "x"(1) is a call
                if (!typeName) return std::nullopt;
                continue;
            }
            if (walk.token() == SqlTokenKind::Word) {
                if (!typeName && !walk.isWord("NULL") && !walk.isWord("TRUE") && !walk.isWord("FALSE") &&
                    !walk.isWord("DEFAULT"))
                    return std::nullopt;
                continue;  // "timestamp with time zone": every word of the type name
            }
            typeName = walk.isCast();
            if (walk.is('(')) ++depth;
            if (walk.is(')')) --depth;
        }
        rowsEnd = walk.end();
        Step step = walk.next();
        if (step == Step::End) break;
        if (step != Step::Next || !walk.is(',')) return std::nullopt;
    }
    return InsertValuesParts{statementText.substr(0, headEnd),
                             statementText.substr(rowsStart, rowsEnd - rowsStart)};
}

std::optional<InsertTarget> insertTarget(std::string_view head) {
    TokenWalk walk(head);
    using Step = TokenWalk::Step;
    if (walk.next() != Step::Next || !walk.isWord("INSERT")) return std::nullopt;
    if (walk.next() != Step::Next || !walk.isWord("INTO")) return std::nullopt;
    InsertTarget target;
    size_t tableStart = std::string_view::npos, tableEnd = 0;
    do {
        if (walk.next() != Step::Next || !walk.isName()) return std::nullopt;
        if (tableStart == std::string_view::npos) tableStart = walk.start();
        tableEnd = walk.end();
    } while (walk.next() == Step::Next && walk.is('.'));
    target.table = head.substr(tableStart, tableEnd - tableStart);
    if (walk.is('(')) {
        do {
            if (walk.next() != Step::Next || !walk.isName()) return std::nullopt;
            target.columns.push_back(head.substr(walk.start(), walk.end() - walk.start()));
        } while (walk.next() == Step::Next && walk.is(','));
        if (!walk.is(')') || walk.next() != Step::Next) return std::nullopt;
    }
    if (!walk.isWord("VALUES") || walk.next() != Step::End) return std::nullopt;
    return target;
}

std::optional<std::vector<std::vector<SqlConstant>>> insertRowConstants(std::string_view rows) {
    TokenWalk walk(rows);
    using Step = TokenWalk::Step;
    using Kind = SqlConstant::Kind;
    auto tokenText = [&] { return rows.substr(walk.start(), walk.end() - walk.start()); };
    std::vector<std::vector<SqlConstant>> out;
    while (true) {
        if (walk.next() != Step::Next || !walk.is('(')) return std::nullopt;
        std::vector<SqlConstant> row;
        while (true) {
            SqlConstant item;
            if (walk.next() != Step::Next) return std::nullopt;
            if (walk.is('-')) {
                item.negative = true;
                if (walk.next() != Step::Next || walk.token() != SqlTokenKind::Number) return std::nullopt;
            }
            item.text = tokenText();
            if (walk.token() == SqlTokenKind::Number)
                item.kind = Kind::Number;
            else if (walk.token() == SqlTokenKind::String)
                item.kind = Kind::String;
            else if (walk.token() == SqlTokenKind::EscapeString)
                item.kind = Kind::EscapeString;
            else if (walk.isWord("NULL"))
                item.kind = Kind::Null;
            else if (walk.isWord("TRUE"))
                item.kind = Kind::True;
            else if (walk.isWord("FALSE"))
                item.kind = Kind::False;
            else
                return std::nullopt;
            if (walk.next() != Step::Next) return std::nullopt;
            if (walk.isCast()) {  // "::" and a type name of words, quoted names and dots
                size_t from = std::string_view::npos, to = 0;
                Step step;
                while ((step = walk.next()) == Step::Next && (walk.isName() || walk.is('.'))) {
                    if (from == std::string_view::npos) from = walk.start();
                    to = walk.end();
                }
                if (from == std::string_view::npos || step != Step::Next) return std::nullopt;
                item.castType = rows.substr(from, to - from);
            }
            row.push_back(item);
            if (walk.is(')')) break;
            if (!walk.is(',')) return std::nullopt;
        }
        out.push_back(std::move(row));
        const Step step = walk.next();
        if (step == Step::End) return out;
        if (step != Step::Next || !walk.is(',')) return std::nullopt;
    }
}

std::string_view statementKeyText(std::string_view statementText) {
    std::string_view s = statementText;
    if (!s.empty() && s.back() == ';') s.remove_suffix(1);
    return trimRight(s);
}

}  // namespace db
