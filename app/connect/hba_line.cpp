// The pg_hba.conf line the diagnosis offers. Every field comes from names a user typed or a server
// message quoted, so each is quoted the way pg_hba.conf reads it, and what cannot be written safely
// becomes a placeholder: the line can never be split in two or widened.
#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "app/connect/hba_line.hpp"

namespace app {

namespace {

constexpr auto npos = std::string::npos;

bool sameLetters(std::string_view a, std::string_view lowercase) {
    return a.size() == lowercase.size() &&
           std::equal(a.begin(), a.end(), lowercase.begin(), [](char x, char y) {
               return (x >= 'A' && x <= 'Z' ? static_cast<char>(x - 'A' + 'a') : x) == y;
           });
}

// Words with a meaning of their own in a pg_hba.conf database, user or address field (any case, to be
// safe: the server compares them exactly).
bool isHbaKeyword(std::string_view word) {
    for (std::string_view keyword :
         {"all", "sameuser", "samerole", "samegroup", "replication", "samehost", "samenet"})
        if (sameLetters(word, keyword)) return true;
    return false;
}

bool isHbaPlainChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

bool hasControlChar(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7F;
    });
}

std::string hbaNameField(std::string_view name, const char* placeholder) {
    if (name.empty() || hasControlChar(name)) return placeholder;
    if (std::all_of(name.begin(), name.end(), isHbaPlainChar) && !isHbaKeyword(name))
        return std::string(name);
    std::string quoted = "\"";
    for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

bool isIpWithPrefix(const std::string& text) {
    size_t slash = text.find('/');
    if (slash == npos || slash + 1 == text.size() || text.size() - slash > 4 || hasControlChar(text))
        return false;
    std::string_view digits = std::string_view(text).substr(slash + 1);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    int bits = std::stoi(std::string(digits));
    unsigned char bytes[16] = {};
    std::string ip = text.substr(0, slash);
    if (inet_pton(AF_INET, ip.c_str(), bytes) == 1) return bits <= 32;
    return inet_pton(AF_INET6, ip.c_str(), bytes) == 1 && bits <= 128;
}

bool isHostName(const std::string& text) {
    return !text.empty() && text[0] != '.' && text[0] != '-' &&
           std::all_of(text.begin(), text.end(), isHbaPlainChar) && !isHbaKeyword(text);
}

}  // namespace

Address parseAddress(const std::string& text) {
    Address a;
    a.text = text;
    unsigned char bytes[16] = {};
    char buffer[INET6_ADDRSTRLEN] = {};
    if (text.find('\0') != std::string::npos) return a;  // inet_pton would stop there
    if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
        a.family = AF_INET;
        a.loopback = bytes[0] == 127;
        bytes[3] = 0;
        if (!a.loopback && inet_ntop(AF_INET, bytes, buffer, sizeof buffer))
            a.network = std::string(buffer) + "/24";
    } else if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
        a.family = AF_INET6;
        static const unsigned char kLoopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        a.loopback = std::memcmp(bytes, kLoopback6, 16) == 0;
        std::fill(bytes + 8, bytes + 16, 0);
        if (!a.loopback && inet_ntop(AF_INET6, bytes, buffer, sizeof buffer))
            a.network = std::string(buffer) + "/64";
    }
    return a;
}

std::string withPrefix(const Address& a) {
    if (a.text.empty()) return kHbaAddressPlaceholder;
    if (a.family == AF_INET) return a.text + "/32";
    if (a.family == AF_INET6) return a.text + "/128";
    return a.text;  // pg_hba.conf accepts a host name as is
}

std::string hbaLine(const std::string& type, const std::string& database, const std::string& user,
                    const std::string& address) {
    std::string line = type + " " + hbaNameField(database, "<database>") + " " + hbaNameField(user, "<user>");
    if (type != "local")
        line += " " + (isIpWithPrefix(address) || isHostName(address) ? address : kHbaAddressPlaceholder);
    return line + " scram-sha-256";
}

}  // namespace app
