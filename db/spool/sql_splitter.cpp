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

}  // namespace

SqlSplit splitSqlStatements(std::string_view script) {
    Scanner scanner(script);
    return scanner.run();
}

std::string_view statementKeyText(std::string_view statementText) {
    std::string_view s = statementText;
    if (!s.empty() && s.back() == ';') s.remove_suffix(1);
    return trimRight(s);
}

}  // namespace db
