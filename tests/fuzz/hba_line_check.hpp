// How PostgreSQL reads a pg_hba.conf line, to check the lines the diagnosis offers (fuzz_hba_line,
// fuzz_diagnosis): a reference tokenizer independent of app/connect/diagnosis.cpp, and the invariants.
#pragma once

#include <arpa/inet.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/fuzz_check.hpp"

namespace stage1fuzz {

struct HbaToken {
    std::string text;
    bool quoted = false;  // began with '"': keywords, '+', '@' and '/' lose their meaning
};

// next_token() and next_field_expand() of src/backend/libpq/hba.c (PostgreSQL 15): fields are split
// at blanks (space, tab, CR); a field is a comma-separated list of tokens; '#' outside quotes starts a
// comment; inside quotes "" is a literal '"'.
inline std::vector<std::vector<HbaToken>> hbaFields(std::string_view line) {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    std::vector<std::vector<HbaToken>> fields;
    size_t i = 0;
    bool comment = false;
    while (!comment) {
        std::vector<HbaToken> field;
        bool comma = true;
        while (comma && !comment) {
            comma = false;
            while (i < line.size() && (blank(line[i]) || line[i] == ',')) ++i;
            HbaToken token;
            bool inQuote = false, wasQuote = false, sawQuote = false;
            for (; i < line.size() && (!blank(line[i]) || inQuote); ++i) {
                char c = line[i];
                if (c == '#' && !inQuote) {
                    comment = true;
                    break;
                }
                if (c == ',' && !inQuote) {
                    comma = true;
                    ++i;
                    break;
                }
                if (c != '"' || wasQuote) token.text += c;
                wasQuote = inQuote && c == '"' ? !wasQuote : false;
                if (c == '"') {
                    inQuote = !inQuote;
                    sawQuote = true;
                    if (token.text.empty()) token.quoted = true;
                }
            }
            if (sawQuote || !token.text.empty()) field.push_back(token);
        }
        if (field.empty()) break;
        fields.push_back(field);
    }
    return fields;
}

inline bool isKeyword(const std::string& word) {
    std::string lower = word;
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (const char* k : {"all", "sameuser", "samerole", "samegroup", "replication", "samehost", "samenet"})
        if (lower == k) return true;
    return false;
}

inline bool hasControl(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7F;
    });
}

// The name the diagnosis puts in the line (app/connect/diagnosis.cpp, hbaNoEntry): the one the server's message
// quotes, else the one the client connected with (else the product default); but a connected-with name
// holding a '"' wins, as the server does not escape quotes inside the names it quotes.
inline std::string offeredName(const std::string& fromMessage, const std::string& connectedWith,
                               const char* productDefault) {
    std::string connected = connectedWith.empty() ? productDefault : connectedWith;
    if (connected.find('"') != std::string::npos) return connected;
    return fromMessage.empty() ? connected : fromMessage;
}

// What pg_hba.conf must read back for a name: the name itself, or the placeholder when it cannot
// be written on a line.
inline std::string expectedName(const std::string& name, const char* placeholder) {
    return name.empty() || hasControl(name) ? placeholder : name;
}

// A field that reads as one plain name: one token, and quoted whenever it would mean something else.
inline void checkNameToken(const std::vector<HbaToken>& field, const std::string& expected) {
    FUZZ_CHECK(field.size() == 1);
    const HbaToken& t = field[0];
    FUZZ_CHECK(t.text == expected);
    if (isKeyword(t.text) || t.text.empty() || t.text[0] == '+' || t.text[0] == '@' || t.text[0] == '/')
        FUZZ_CHECK(t.quoted);
}

// An address field pg_hba.conf takes as an address: an IP address with a prefix length in range, or
// a host name of letters, digits, '.', '-', '_' that is not a keyword; or our placeholder.
inline bool isUsableAddress(const std::string& text) {
    if (text == "<client-address>/32") return true;
    size_t slash = text.find('/');
    if (slash != std::string::npos) {
        std::string ip = text.substr(0, slash), bits = text.substr(slash + 1);
        if (bits.empty() || bits.size() > 3 || bits.find_first_not_of("0123456789") != std::string::npos)
            return false;
        unsigned char bytes[16];
        if (inet_pton(AF_INET, ip.c_str(), bytes) == 1) return std::stoi(bits) <= 32;
        return inet_pton(AF_INET6, ip.c_str(), bytes) == 1 && std::stoi(bits) <= 128;
    }
    return !text.empty() && text[0] != '.' && text[0] != '-' && !isKeyword(text) &&
           text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
               std::string::npos;
}

// One offered line: a single line with no control characters that pg_hba.conf splits into exactly
// type, database, user, [address,] method, each one token; the names read back as `database`/`user`
// (or their placeholders). Returns the address token ("" for a local line).
inline std::string checkHbaLine(const std::string& line, const std::string& database,
                                const std::string& user) {
    FUZZ_CHECK(!hasControl(line));
    FUZZ_CHECK(line.empty() || line.back() != '\\');  // PostgreSQL 16 continues such a line
    std::vector<std::vector<HbaToken>> f = hbaFields(line);
    FUZZ_CHECK(f.size() == 4 || f.size() == 5);
    FUZZ_CHECK(f[0].size() == 1 && !f[0][0].quoted);
    const std::string& type = f[0][0].text;
    FUZZ_CHECK(type == "local" || type == "host" || type == "hostssl" || type == "hostgssenc");
    FUZZ_CHECK(f.size() == (type == "local" ? 4u : 5u));
    checkNameToken(f[1], expectedName(database, "<database>"));
    checkNameToken(f[2], expectedName(user, "<user>"));
    FUZZ_CHECK(f.back().size() == 1 && f.back()[0].text == "scram-sha-256" && !f.back()[0].quoted);
    if (type == "local") return "";
    FUZZ_CHECK(f[3].size() == 1 && !f[3][0].quoted);
    FUZZ_CHECK(isUsableAddress(f[3][0].text));
    return f[3][0].text;
}

}  // namespace stage1fuzz
