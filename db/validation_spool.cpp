// The spool side of validation: read the INSERTs the desktop queued (app/spool.cpp writes them)
// and find what they reference that PostgreSQL lacks.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "db/sql_splitter.hpp"
#include "db/stage1_queries.hpp"
#include "db/validation.hpp"

namespace db {

namespace {

enum class Tok { Word, String, Number, Punct };

struct Token {
    Tok kind;
    std::string text;  // words lower-cased unless quoted; strings decoded
    int line;
};

// Tokens of one statement (db/sql_splitter.hpp finds the statements, as replay-spool does). Knows
// enough SQL to read literals, quoted identifiers, dollar-quoted bodies and comments.
class SqlTokenizer {
  public:
    SqlTokenizer(std::string_view text, int firstLine) : s_(text), line_(firstLine) {}

    std::vector<Token> tokens() {
        std::vector<Token> out;
        while (skipSpaceAndComments(), pos_ < s_.size()) {
            Token t = next();
            if (t.kind == Tok::Punct && t.text == ";") break;
            out.push_back(std::move(t));
        }
        return out;
    }

  private:
    char peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
    void advance() {
        if (s_[pos_] == '\n') ++line_;
        ++pos_;
    }

    void skipSpaceAndComments() {
        while (pos_ < s_.size()) {
            if (std::isspace(static_cast<unsigned char>(peek()))) {
                advance();
            } else if (peek() == '-' && peek(1) == '-') {
                while (pos_ < s_.size() && peek() != '\n') advance();
            } else if (peek() == '/' && peek(1) == '*') {
                advance(), advance();
                while (pos_ < s_.size() && !(peek() == '*' && peek(1) == '/')) advance();
                if (pos_ < s_.size()) advance(), advance();
            } else {
                return;
            }
        }
    }

    // 'text' with '' doubling; with `escapes` (E'...') backslash sequences too.
    std::string quoted(bool escapes) {
        std::string value;
        advance();  // opening quote
        while (pos_ < s_.size()) {
            char c = peek();
            if (c == '\'' && peek(1) == '\'') {
                value += '\'';
                advance(), advance();
            } else if (c == '\'') {
                advance();
                return value;
            } else if (escapes && c == '\\' && pos_ + 1 < s_.size()) {
                advance();
                char e = peek();
                value += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
                advance();
            } else {
                value += c;
                advance();
            }
        }
        return value;  // unterminated: the statement will not parse as an INSERT of ours
    }

    Token next() {
        const int line = line_;
        char c = peek();
        if ((c == 'E' || c == 'e') && peek(1) == '\'') {
            advance();
            return {Tok::String, quoted(true), line};
        }
        if (c == '\'') return {Tok::String, quoted(false), line};
        if (c == '"') {
            std::string name;
            advance();
            while (pos_ < s_.size() && !(peek() == '"' && peek(1) != '"')) {
                if (peek() == '"') advance();
                name += peek();
                advance();
            }
            if (pos_ < s_.size()) advance();
            return {Tok::Word, name, line};
        }
        if (c == '$') {
            size_t end = s_.find('$', pos_ + 1);
            std::string_view tag = end == std::string_view::npos ? "" : s_.substr(pos_, end - pos_ + 1);
            bool isTag = !tag.empty() && std::all_of(tag.begin() + 1, tag.end() - 1, [](char ch) {
                return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
            });
            if (isTag) {
                size_t close = s_.find(tag, end + 1);
                size_t stop = close == std::string_view::npos ? s_.size() : close + tag.size();
                std::string body(
                    s_.substr(end + 1, (close == std::string_view::npos ? s_.size() : close) - end - 1));
                while (pos_ < stop) advance();
                return {Tok::String, body, line};
            }
        }
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            std::string word;
            while (pos_ < s_.size() &&
                   (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_' || peek() == '$')) {
                word += static_cast<char>(std::tolower(static_cast<unsigned char>(peek())));
                advance();
            }
            return {Tok::Word, word, line};
        }
        if (std::isdigit(static_cast<unsigned char>(c))) {
            std::string number;
            while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '.')) {
                number += peek();
                advance();
            }
            return {Tok::Number, number, line};
        }
        if (c == ':' && peek(1) == ':') {
            advance(), advance();
            return {Tok::Punct, "::", line};
        }
        advance();
        return {Tok::Punct, std::string(1, c), line};
    }

    std::string_view s_;
    size_t pos_ = 0;
    int line_;
};

// One VALUES item: a literal (optionally cast), NULL, or any other expression kept as tokens.
struct Value {
    std::optional<std::string> literal;
    bool null = false;
    std::vector<Token> expression;
};

bool isPunct(const Token& t, const char* p) {
    return t.kind == Tok::Punct && t.text == p;
}
bool isWord(const Token& t, const char* w) {
    return t.kind == Tok::Word && t.text == w;
}

Value toValue(std::vector<Token> tokens) {
    Value v;
    bool simpleCast = tokens.size() >= 1 &&
                      (tokens.size() == 1 ||
                       (tokens.size() == 3 && isPunct(tokens[1], "::") && tokens[2].kind == Tok::Word));
    if (simpleCast && (tokens[0].kind == Tok::String || tokens[0].kind == Tok::Number))
        v.literal = tokens[0].text;
    else if (tokens.size() == 1 && isWord(tokens[0], "null"))
        v.null = true;
    else
        v.expression = std::move(tokens);
    return v;
}

// The slug an expression names: (SELECT ... WHERE questdb_tag = 'slug') or
// fn_placeholder_dataset_uuid('slug').
std::optional<std::string> slugIn(const std::vector<Token>& e) {
    for (size_t i = 0; i + 2 < e.size(); ++i) {
        if (isWord(e[i], "questdb_tag") && isPunct(e[i + 1], "=") && e[i + 2].kind == Tok::String)
            return e[i + 2].text;
        if (isWord(e[i], "fn_placeholder_dataset_uuid") && isPunct(e[i + 1], "(") &&
            e[i + 2].kind == Tok::String)
            return e[i + 2].text;
    }
    return std::nullopt;
}

struct Insert {
    std::string table;
    std::vector<std::string> columns;
    std::vector<std::vector<Value>> rows;
};

const std::set<std::string> kOurTables = {"indicator_datasets", "walkforward_runs", "simulation_runs"};

// nullopt when the statement is not an INSERT into one of our tables; throws std::runtime_error
// (the reason) when it is one but cannot be read.
std::optional<Insert> parseInsert(const std::vector<Token>& t) {
    size_t i = 0;
    auto at = [&](size_t k) -> const Token* { return k < t.size() ? &t[k] : nullptr; };
    if (!at(1) || !isWord(t[0], "insert") || !isWord(t[1], "into")) return std::nullopt;
    i = 2;
    if (!at(i) || t[i].kind != Tok::Word) return std::nullopt;
    std::string name = t[i++].text;
    if (at(i + 1) && isPunct(t[i], ".") && t[i + 1].kind == Tok::Word) {
        if (name != "public") return std::nullopt;
        name = t[i + 1].text;
        i += 2;
    }
    if (!kOurTables.count(name)) return std::nullopt;
    Insert insert;
    insert.table = name;
    auto fail = [&](const std::string& why) -> std::optional<Insert> {
        throw std::runtime_error("INSERT INTO " + name + ": " + why);
    };
    if (!at(i) || !isPunct(t[i], "(")) return fail("no column list");
    for (++i; at(i) && !isPunct(t[i], ")"); ++i) {
        if (t[i].kind == Tok::Word)
            insert.columns.push_back(t[i].text);
        else if (!isPunct(t[i], ","))
            return fail("unexpected '" + t[i].text + "' in the column list");
    }
    if (!at(i) || !at(i + 1) || !isWord(t[i + 1], "values")) return fail("no VALUES list");
    i += 2;
    while (at(i) && isPunct(t[i], "(")) {
        std::vector<Value> row;
        std::vector<Token> item;
        int depth = 0;
        for (++i; at(i); ++i) {
            if (depth == 0 && (isPunct(t[i], ",") || isPunct(t[i], ")"))) {
                row.push_back(toValue(std::move(item)));
                item.clear();
                if (isPunct(t[i], ")")) break;
                continue;
            }
            if (isPunct(t[i], "(")) ++depth;
            if (isPunct(t[i], ")")) --depth;
            item.push_back(t[i]);
        }
        if (!at(i)) return fail("unterminated VALUES row");
        if (row.size() != insert.columns.size())
            return fail(std::to_string(insert.columns.size()) + " columns but " + std::to_string(row.size()) +
                        " values");
        insert.rows.push_back(std::move(row));
        ++i;
        if (at(i) && isPunct(t[i], ",")) ++i;
    }
    if (insert.rows.empty()) return fail("no VALUES row");
    return insert;
}

const Value* column(const Insert& insert, const std::vector<Value>& row, const char* name) {
    for (size_t k = 0; k < insert.columns.size(); ++k)
        if (insert.columns[k] == name) return &row[k];
    return nullptr;
}

void record(SpoolScan& scan, const Insert& insert, int line) {
    for (const auto& row : insert.rows) {
        auto literal = [&](const char* name) -> std::string {
            const Value* v = column(insert, row, name);
            if (!v || !v->literal)
                throw std::runtime_error(std::string(name) + " is missing or not a literal");
            return *v->literal;
        };
        if (insert.table == "indicator_datasets") {
            SpooledDataset d;
            d.slug = literal("questdb_tag");
            const Value* id = column(insert, row, "dataset_id");
            if (id && id->literal) d.datasetId = asciiLower(*id->literal);
            d.line = line;
            scan.datasets.push_back(d);
        } else if (insert.table == "walkforward_runs") {
            SpooledRun r;
            r.runId = asciiLower(literal("run_id"));
            const Value* dataset = column(insert, row, "dataset_id");
            if (!dataset || dataset->null) throw std::runtime_error("dataset_id is missing");
            if (dataset->literal)
                r.datasetId = asciiLower(*dataset->literal);
            else
                r.datasetSlug = slugIn(dataset->expression);
            if (!r.datasetId && !r.datasetSlug)
                throw std::runtime_error("dataset_id names no uuid and no slug");
            const Value* m = column(insert, row, "prediction_measurement");
            if (m && m->literal) r.measurement = *m->literal;
            r.line = line;
            scan.runs.push_back(r);
        } else {
            SpooledSimulation s;
            s.simulationId = asciiLower(literal("simulation_id"));
            s.runId = asciiLower(literal("run_id"));
            const Value* ns = column(insert, row, "questdb_namespace");
            if (ns && ns->literal) s.namespaceName = *ns->literal;
            s.line = line;
            scan.simulations.push_back(s);
        }
    }
}

std::string lineList(const std::vector<int>& lines) {
    std::string out;
    for (size_t i = 0; i < lines.size() && i < 3; ++i) out += (i ? ", " : "") + std::to_string(lines[i]);
    if (lines.size() > 3) out += ", ...";
    return out;
}

// What the spooled rows need from indicator_datasets: by id when they name one, else by slug.
struct DatasetReference {
    std::optional<std::string> id, slug;
    std::vector<int> lines;
    int runs = 0;
};

std::vector<DatasetReference> datasetReferences(const SpoolScan& scan) {
    std::map<std::string, std::string> slugOfId, idOfSlug;
    for (const auto& d : scan.datasets) {
        if (!d.datasetId.empty()) slugOfId[d.datasetId] = d.slug;
        if (!d.datasetId.empty()) idOfSlug[d.slug] = d.datasetId;
    }
    std::map<std::string, DatasetReference> refs;  // key: "id:<uuid>" or "slug:<slug>"
    auto add = [&](std::optional<std::string> id, std::optional<std::string> slug, int line, bool isRun) {
        if (!id && slug && idOfSlug.count(*slug)) id = idOfSlug[*slug];
        if (id && !slug && slugOfId.count(*id)) slug = slugOfId[*id];
        DatasetReference& r = refs[id ? "id:" + *id : "slug:" + *slug];
        r.id = id;
        r.slug = slug;
        r.lines.push_back(line);
        if (isRun) ++r.runs;
    };
    for (const auto& d : scan.datasets)
        add(d.datasetId.empty() ? std::nullopt : std::optional<std::string>(d.datasetId), d.slug, d.line,
            false);
    for (const auto& r : scan.runs) add(r.datasetId, r.datasetSlug, r.line, true);
    std::vector<DatasetReference> out;
    for (auto& [key, ref] : refs) out.push_back(std::move(ref));
    return out;
}

std::string describeReference(const DatasetReference& r) {
    std::string who =
        r.slug ? *r.slug + (r.id ? " (" + *r.id + ")" : "") : "dataset " + *r.id + " (slug unknown)";
    return who + ": " + (r.runs ? std::to_string(r.runs) + " spooled run(s), " : std::string("spooled, ")) +
           "line " + lineList(r.lines);
}

void checkMissingDatasets(Connection& conn, const SpoolScan& scan, const ValidationOptions& o,
                          CheckResult& c) {
    std::vector<DatasetReference> refs = datasetReferences(scan);
    std::vector<std::string> ids, slugs;
    for (const auto& r : refs) {
        if (r.id && looksLikeUuid(*r.id)) ids.push_back(*r.id);
        if (r.slug) slugs.push_back(*r.slug);
    }
    Result known = conn.query(
        "SELECT dataset_id::text, questdb_tag FROM public.indicator_datasets "
        "WHERE dataset_id = ANY($1::uuid[]) OR questdb_tag = ANY($2::text[])",
        {textArrayLiteral(ids), textArrayLiteral(slugs)});
    std::map<std::string, std::string> slugOfId, idOfSlug;
    for (int i = 0; i < known.rows(); ++i) {
        slugOfId[std::string(known.text(i, 0))] = std::string(known.text(i, 1));
        idOfSlug[std::string(known.text(i, 1))] = std::string(known.text(i, 0));
    }
    int missing = 0;
    for (const auto& r : refs) {
        if (r.id && !looksLikeUuid(*r.id)) {
            ++missing;
            c.addRow(describeReference(r) + ": '" + *r.id + "' is not a UUID; fix the spooled statement",
                     o.maxRows);
            continue;
        }
        if (r.id ? slugOfId.count(*r.id) > 0 : idOfSlug.count(*r.slug) > 0) continue;
        ++missing;
        if (r.id && r.slug && idOfSlug.count(*r.slug)) {
            c.addRow(describeReference(r) + ": the slug is registered as " + idOfSlug[*r.slug] +
                         ", so these rows will not replay; rewrite their dataset_id by hand",
                     o.maxRows);
        } else if (r.slug && datasetSlugProblem(*r.slug)) {
            c.addRow(describeReference(r) + ": the slug breaks the rule " + kDatasetSlugRule +
                         "; fix the spooled statement",
                     o.maxRows);
        } else if (r.slug) {
            const int row = c.addRow(describeReference(r) + ": stage1ctl backfill-dataset --slug " + *r.slug +
                                         (r.id ? " --uuid " + *r.id : ""),
                                     o.maxRows);
            if (row >= 0) c.missingDatasets.push_back({row, r.id.value_or(""), r.slug});
        } else {
            const int row =
                c.addRow(describeReference(r) +
                             ": stage1ctl backfill-dataset --slug <its QuestDB tag> --uuid " + *r.id,
                         o.maxRows);
            if (row >= 0) c.missingDatasets.push_back({row, *r.id, std::nullopt});
        }
    }
    c.ok = missing == 0;
    c.summary = missing == 0
                    ? "every dataset the spool references is in PostgreSQL"
                    : std::to_string(missing) + " dataset(s) the spool references are not in PostgreSQL";
    if (!c.ok)
        c.fix =
            "Run the stage1ctl backfill-dataset command shown on each row (repeating it is a no-op), then "
            "replay "
            "the spool. A row without a slug needs the dataset's QuestDB tag first.";
}

void checkMissingRuns(Connection& conn, const SpoolScan& scan, const ValidationOptions& o, CheckResult& c) {
    std::set<std::string> spooledRuns;
    for (const auto& r : scan.runs) spooledRuns.insert(r.runId);
    std::map<std::string, std::vector<int>> wanted;  // run id -> lines of its simulations
    for (const auto& s : scan.simulations)
        if (!spooledRuns.count(s.runId)) wanted[s.runId].push_back(s.line);
    std::vector<std::string> ids;
    for (const auto& [id, lines] : wanted)
        if (looksLikeUuid(id)) ids.push_back(id);
    Result known =
        conn.query("SELECT run_id::text FROM public.walkforward_runs WHERE run_id = ANY($1::uuid[])",
                   {textArrayLiteral(ids)});
    std::set<std::string> present;
    for (int i = 0; i < known.rows(); ++i) present.insert(std::string(known.text(i, 0)));
    int missing = 0;
    for (const auto& [id, lines] : wanted) {
        if (present.count(id)) continue;
        ++missing;
        c.addRow("run " + id + ": " + std::to_string(lines.size()) + " spooled simulation(s), line " +
                     lineList(lines),
                 o.maxRows);
    }
    c.ok = missing == 0;
    c.summary = missing == 0 ? "every run the spooled simulations reference exists or is spooled"
                             : std::to_string(missing) +
                                   " run(s) referenced by spooled simulations are neither in "
                                   "PostgreSQL nor in the spool";
    if (!c.ok)
        c.fix =
            "These simulations cannot replay: find the runs on the desktop that recorded them (or in a "
            "backup) "
            "and record them first.";
}

}  // namespace

SpoolScan scanSpool(std::string_view text) {
    SpoolScan scan;
    SqlSplit split = splitSqlStatements(text);
    for (const auto& statement : split.statements) {
        ++scan.statements;
        try {
            auto tokens = SqlTokenizer(statement.text, statement.line).tokens();
            if (auto insert = parseInsert(tokens)) {
                try {
                    record(scan, *insert, statement.line);
                } catch (const std::runtime_error& e) {
                    throw std::runtime_error("INSERT INTO " + insert->table + ": " + e.what());
                }
            }
        } catch (const std::runtime_error& e) {
            scan.problems.push_back("line " + std::to_string(statement.line) + ": " + e.what());
        }
    }
    // A writer cut off mid-statement: replay-spool will not run it either.
    if (split.tail)
        scan.problems.push_back("line " + std::to_string(split.tail->line) + ": incomplete last statement (" +
                                split.tail->reason + ")");
    return scan;
}

std::vector<CheckResult> checkSpoolReferences(Connection& conn, const SpoolScan& scan,
                                              const ValidationOptions& o) {
    std::vector<CheckResult> out(3);
    out[0].name = "spool_statements";
    out[0].ok = scan.problems.empty();
    out[0].summary =
        std::to_string(scan.statements) + " statement(s): " + std::to_string(scan.datasets.size()) +
        " dataset, " + std::to_string(scan.runs.size()) + " run and " +
        std::to_string(scan.simulations.size()) + " simulation row(s) read" +
        (scan.problems.empty() ? "" : ", " + std::to_string(scan.problems.size()) + " unreadable");
    for (const auto& p : scan.problems) out[0].addRow(p, o.maxRows);
    if (!out[0].ok)
        out[0].fix =
            "Look at the listed lines: the replay will stop there too. Fix or remove the statement by hand.";
    auto guarded = [&](CheckResult& c, const char* name, auto check) {
        stopIfCancelled(o);
        c.name = name;
        try {
            check(conn, scan, o, c);
        } catch (const Error& e) {  // e.g. the tables are missing: this check fails alone
            stopIfCancelled(o);
            c = CheckResult{};
            c.name = name;
            c.ok = false;
            c.summary = "could not run: " + e.info().message;
            c.fix = "stage1ctl status shows whether the schema is behind; stage1ctl migrate applies it.";
        }
    };
    guarded(out[1], "spool_missing_datasets", checkMissingDatasets);
    guarded(out[2], "spool_missing_runs", checkMissingRuns);
    return out;
}

}  // namespace db
