#include "db/browse/questdb_table.hpp"

#include <cctype>
#include <cstdio>

#include "db/checks/validation.hpp"

namespace db {

namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's civil
// algorithm, written out here).
long long daysFromCivil(long long y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

// Reads exactly `n` digits at `at`; -1 when they are not there.
long long digits(std::string_view text, size_t& at, size_t n) {
    if (at + n > text.size()) return -1;
    long long v = 0;
    for (size_t i = 0; i < n; ++i) {
        const char c = text[at + i];
        if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
        v = v * 10 + (c - '0');
    }
    at += n;
    return v;
}

bool expect(std::string_view text, size_t& at, char c) {
    if (at >= text.size() || text[at] != c) return false;
    ++at;
    return true;
}

void stopIfCancelled(const std::atomic<bool>* cancelled) {
    if (cancelled && cancelled->load()) throw Error(DbError{"57014", "cancelled", "", ""});
}

}  // namespace

std::optional<QuestDbInstant> parseQuestDbTimestamp(std::string_view text) {
    size_t at = 0;
    const long long y = digits(text, at, 4);
    if (y < 0 || !expect(text, at, '-')) return std::nullopt;
    const long long mo = digits(text, at, 2);
    if (mo < 1 || mo > 12 || !expect(text, at, '-')) return std::nullopt;
    const long long d = digits(text, at, 2);
    if (d < 1 || d > 31) return std::nullopt;
    if (at >= text.size() || (text[at] != ' ' && text[at] != 'T')) return std::nullopt;
    ++at;
    const long long h = digits(text, at, 2);
    if (h < 0 || h > 23 || !expect(text, at, ':')) return std::nullopt;
    const long long mi = digits(text, at, 2);
    if (mi < 0 || mi > 59 || !expect(text, at, ':')) return std::nullopt;
    const long long s = digits(text, at, 2);
    if (s < 0 || s > 60) return std::nullopt;
    std::string fraction;  // QuestDB prints micro- or nanoseconds; PostgreSQL drops trailing zeros
    if (at < text.size() && text[at] == '.') {
        ++at;
        while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) fraction += text[at++];
        if (fraction.empty()) return std::nullopt;
    }
    long long offsetSeconds = 0;
    if (at < text.size() && text[at] == 'Z') {
        ++at;
    } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
        const int sign = text[at++] == '-' ? -1 : 1;
        const long long oh = digits(text, at, 2);
        if (oh < 0) return std::nullopt;
        long long om = 0;
        if (at < text.size() && text[at] == ':') ++at;
        if (at < text.size()) om = digits(text, at, 2);
        if (om < 0) return std::nullopt;
        offsetSeconds = sign * (oh * 3600 + om * 60);
    }
    if (at != text.size()) return std::nullopt;

    const long long local = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                            h * 3600 + mi * 60 + s;
    const long long utc = local - offsetSeconds;
    double frac = 0;
    double scale = 0.1;
    for (char c : fraction) {
        frac += (c - '0') * scale;
        scale /= 10;
    }
    QuestDbInstant instant;
    instant.epoch = static_cast<double>(utc) + frac;
    // The ISO text from the UTC instant, so an offset the server added does not reach the user.
    long long days = utc >= 0 ? utc / 86400 : (utc - 86399) / 86400;
    const long long secs = utc - days * 86400;
    // Back from days to a civil date (the inverse of daysFromCivil).
    days += 719468;
    const long long era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned dd = doy - (153 * mp + 2) / 5 + 1;
    const unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    const long long yy = static_cast<long long>(yoe) + era * 400 + (mm <= 2 ? 1 : 0);
    std::string micros = fraction.substr(0, 6);
    micros.append(6 - micros.size(), '0');
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%sZ", yy, mm, dd, secs / 3600,
                  secs % 3600 / 60, secs % 60, micros.c_str());
    instant.iso = buffer;
    return instant;
}

QuestDbTable readQuestDbTable(Connection& questdb, const std::string& name,
                              const std::atomic<bool>* cancelled) {
    if (auto problem = questDbTableNameProblem(name))
        throw Error(DbError{"22023", "table name '" + name + "' was not queried: " + *problem, "", ""});
    QuestDbTable table;
    table.name = name;
    // Every table is listed and matched here: QuestDB resolves names case-insensitively, and a
    // WHERE on tables() would need a function QuestDB may not share with PostgreSQL.
    Result tables = questdb.query("SELECT table_name, \"designatedTimestamp\" FROM tables()");
    const std::string wanted = asciiLower(name);
    for (int i = 0; i < tables.rows(); ++i) {
        if (asciiLower(tables.text(i, 0)) != wanted) continue;
        table.exists = true;
        table.listedName = std::string(tables.text(i, 0));
        table.timestampColumn = tables.optionalText(i, 1).value_or("");
        break;
    }
    if (!table.exists) return table;
    stopIfCancelled(cancelled);

    const std::string from = " FROM " + quoteQuestDbTable(table.listedName);
    if (table.timestampColumn.empty()) {
        table.rowCount = questdb.query("SELECT count(*)" + from).integer(0, 0);
        if (table.rowCount > 0) table.note = "no designated timestamp: first and last are not known";
        return table;
    }
    if (auto problem = questDbTableNameProblem(table.timestampColumn)) {
        table.rowCount = questdb.query("SELECT count(*)" + from).integer(0, 0);
        table.note = "designated timestamp '" + table.timestampColumn + "' was not queried: " + *problem;
        return table;
    }
    const std::string ts = quoteQuestDbTable(table.timestampColumn);
    Result r = questdb.query("SELECT count(*), min(" + ts + "), max(" + ts + ")" + from);
    table.rowCount = r.integer(0, 0);
    if (table.rowCount == 0) return table;
    table.first = parseQuestDbTimestamp(r.text(0, 1));
    table.last = parseQuestDbTimestamp(r.text(0, 2));
    if (!table.first || !table.last)
        table.note = "the timestamps did not read as dates: '" + std::string(r.text(0, 1)) + "', '" +
                     std::string(r.text(0, 2)) + "'";
    return table;
}

}  // namespace db
