#include "db/spool/copy_order.hpp"

#include <algorithm>
#include <cctype>

#include "db/spool/copy_rows.hpp"

namespace db {

namespace {

bool isString(const SpoolValue& value) {
    return value.kind == SpoolValue::Kind::String || value.kind == SpoolValue::Kind::EscapeString;
}

// (swap, not move: GCC 12 warns about the inlined move of a 32-byte string, a false -Warray-bounds)
KeyValue known(std::string& text) {
    KeyValue out{KeyValue::Kind::Known, {}};
    out.text.swap(text);
    return out;
}

// uuid_in's spellings: upper or lower case, in braces or not, a hyphen after any group of four digits.
KeyValue uuidKey(std::string_view text) {
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}') text = text.substr(1, text.size() - 2);
    std::string digits;
    for (char c : text) {
        if (c == '-') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
        digits += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (digits.size() != 32) return {};
    return known(digits);
}

// Decimal digits with an optional sign, as int2/int4/int8 read them (leading zeros and -0 are spellings).
KeyValue integerKey(std::string_view text, bool negative) {
    auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    while (!text.empty() && space(text.front())) text.remove_prefix(1);
    while (!text.empty() && space(text.back())) text.remove_suffix(1);
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        negative = negative != (text.front() == '-');
        text.remove_prefix(1);
    }
    if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return {};  // 1e3, 0x1F, 1_000: leave them to the server
    const size_t first = std::min(text.find_first_not_of('0'), text.size() - 1);
    std::string digits(text.substr(first));
    if (negative && digits != "0") digits.insert(digits.begin(), '-');
    return known(digits);
}

}  // namespace

KeyValue keyValue(const SpoolValue& value, KeyForm form) {
    if (value.kind == SpoolValue::Kind::Null) return KeyValue{KeyValue::Kind::Null, {}};
    std::optional<std::string> text;
    if (isString(value)) text = decodeStringConstant(value);
    switch (form) {
        case KeyForm::Uuid:
            return text ? uuidKey(*text) : KeyValue{};
        case KeyForm::Integer:
            if (value.kind == SpoolValue::Kind::Number) return integerKey(value.text, value.negative);
            return text ? integerKey(*text, false) : KeyValue{};
        case KeyForm::Text:
            return text ? known(*text) : KeyValue{};
        case KeyForm::Other:
            break;
    }
    return {};
}

namespace {

// The rows' keys under one side of a link: nothing for a row with a NULL in the key (it refers to
// nothing, and nothing refers to it), nullopt for an unknown one.
void addKeys(const std::vector<std::vector<SpoolValue>>& rows, const std::vector<int>& attnums,
             TypeOid constraint, const std::vector<int>& columns, const std::vector<KeyForm>& forms,
             std::vector<LinkKey>& out) {
    std::vector<int> positions;  // -1: the column is not in the list
    for (int column : columns) {
        auto at = std::find(attnums.begin(), attnums.end(), column);
        positions.push_back(at == attnums.end() ? -1 : static_cast<int>(at - attnums.begin()));
    }
    for (const auto& row : rows) {
        LinkKey key{constraint, std::string()};
        bool refersToNothing = false;
        for (size_t k = 0; k < positions.size() && !refersToNothing; ++k) {
            const int at = positions[k];
            const KeyValue value = at >= 0 && static_cast<size_t>(at) < row.size() && k < forms.size()
                                       ? keyValue(row[static_cast<size_t>(at)], forms[k])
                                       : KeyValue{};
            if (value.kind == KeyValue::Kind::Null) refersToNothing = true;
            if (value.kind == KeyValue::Kind::Unknown) key.key.reset();
            if (key.key) (*key.key += '\0') += value.text;  // no key text holds a NUL
        }
        if (!refersToNothing) out.push_back(std::move(key));
    }
}

}  // namespace

CopyRowKeys copyRowKeys(const std::vector<std::vector<SpoolValue>>& rows, TypeOid relation,
                        const std::vector<int>& attnums, const ForeignKeyLinks& links) {
    CopyRowKeys keys;
    for (const auto& [constraint, link] : links) {
        if (link.child == relation)
            addKeys(rows, attnums, constraint, link.childColumns, link.forms, keys.refersTo);
        if (link.parent == relation)
            addKeys(rows, attnums, constraint, link.parentColumns, link.forms, keys.referable);
    }
    return keys;
}

bool CopyBatchLayout::KeySet::matches(const LinkKey& key) const {
    if (keys.empty() && !unknown) return false;
    return unknown || !key.key || keys.count(*key.key) > 0;
}

void CopyBatchLayout::KeySet::add(const LinkKey& key) {
    if (key.key)
        keys.insert(*key.key);
    else
        unknown = true;
}

bool CopyBatchLayout::anyMatch(const KeySets& sets, const std::vector<LinkKey>& keys) {
    for (const LinkKey& key : keys) {
        auto set = sets.find(key.constraint);
        if (set != sets.end() && set->second.matches(key)) return true;
    }
    return false;
}

bool CopyBatchLayout::mayJoin(size_t command, const CopyTableTraits& table, const CopyRowKeys& keys) const {
    for (size_t later = command + 1; later < commands_.size(); ++later) {
        const Command& other = commands_[later];
        const CopyTableTraits& otherTable = *other.table;
        if (otherTable.relation == table.relation || !otherTable.reorderable || !table.reorderable)
            return false;
        for (TypeOid sequence : table.sequences)
            if (std::count(otherTable.sequences.begin(), otherTable.sequences.end(), sequence)) return false;
        if (anyMatch(other.refersTo, keys.referable) || anyMatch(other.referable, keys.refersTo))
            return false;
    }
    // In one statement an earlier row's reference (to its own table) is checked at the statement's
    // end, when these rows are there; as separate INSERTs it was checked before.
    return !anyMatch(commands_[command].refersTo, keys.referable);
}

CopyBatchLayout::Placement CopyBatchLayout::place(const CopyTarget* target, const CopyTableTraits& table,
                                                  const CopyRowKeys& keys) {
    Placement placement;
    size_t latest = commands_.size();
    for (size_t c = commands_.size(); c-- > 0;)
        if (commands_[c].target == target) {
            latest = c;
            break;
        }
    if (latest < commands_.size() && mayJoin(latest, table, keys)) {
        placement.command = latest;
    } else {
        commands_.push_back(Command{target, &table, {}, {}});
        placement = {commands_.size() - 1, true};
    }
    Command& command = commands_[placement.command];
    for (const LinkKey& key : keys.refersTo) command.refersTo[key.constraint].add(key);
    for (const LinkKey& key : keys.referable) command.referable[key.constraint].add(key);
    return placement;
}

}  // namespace db
